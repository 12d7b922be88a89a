"""The 统计 dashboard page."""

from desktop.ui.dashboard.page import DashboardPage

__all__ = ["DashboardPage"]
