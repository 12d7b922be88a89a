"""The 审计日志 page."""

from desktop.ui.audit.page import AuditPage

__all__ = ["AuditPage"]
