"""The 案件 page: cases filed, filtered, followed through their states, printed and exchanged."""

from desktop.ui.cases.page import CasesPage

__all__ = ["CasesPage"]
