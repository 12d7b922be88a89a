"""The 设置 page: AI models (install, verify, plug-ins and their licences) and the OpenVINO device."""

from desktop.ui.settings.page import SettingsPage

__all__ = ["SettingsPage"]
