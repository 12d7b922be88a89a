"""The 告警 page: new alerts listed, filtered, shown with their evidence and reviewed."""

from desktop.ui.alerts.page import AlertsPage

__all__ = ["AlertsPage"]
