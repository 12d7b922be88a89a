"""The 账号管理 page."""

from desktop.ui.users.page import UsersPage

__all__ = ["UsersPage"]
