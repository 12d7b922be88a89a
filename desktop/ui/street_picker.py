"""The 街镇 filter box of the list and dashboard pages: 全部街镇 first, then the user's streets
(the core already limits them to the user's scope)."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QComboBox


def all_streets_label() -> str:
    return QCoreApplication.translate("StreetPicker", "全部街镇")


def fill_street_picker(combo: QComboBox, streets: Iterable[str]) -> None:
    """Replace the choices, keeping the current street if it is still offered (else 全部街镇),
    without emitting a change: the caller reloads once with what is selected."""
    current = combo.currentData()
    combo.blockSignals(True)
    combo.clear()
    combo.addItem(all_streets_label(), None)
    for s in streets:
        combo.addItem(s, s)
    combo.setCurrentIndex(max(0, combo.findData(current)))
    combo.blockSignals(False)
