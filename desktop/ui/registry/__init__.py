"""单位档案 (一户一档): the registry page and its dialogs."""

from desktop.ui.registry.page import RegistryPage

__all__ = ["RegistryPage"]
