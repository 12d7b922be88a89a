"""Helpers for the registry UI tests: open the page on the real console, walk widget texts."""

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)


def open_registry(qtbot, console):
    """The 单位档案 tab of a started console, once it has read the database."""
    win = console.window
    page = win.registry_page
    win.show_page(page)
    qtbot.waitUntil(lambda: len(page.snapshot.venues) > 0, timeout=5000)
    return page


def visible_texts(root: QWidget) -> list[str]:
    """Every text a person could see or hover on under `root` (password fields excepted)."""
    out: list[str] = []
    for w in [root, *root.findChildren(QWidget)]:
        out += [w.toolTip(), w.windowTitle(), w.statusTip()]
        if isinstance(w, QLabel | QAbstractButton):
            out.append(w.text())
        elif isinstance(w, QLineEdit):
            if w.echoMode() == QLineEdit.Normal:
                out.append(w.text())
            out.append(w.placeholderText())
        elif isinstance(w, QPlainTextEdit):
            out.append(w.toPlainText())
        elif isinstance(w, QComboBox):
            out += [w.itemText(i) for i in range(w.count())] + [w.currentText()]
        elif isinstance(w, QAbstractItemView) and w.model() is not None:
            out += model_texts(w.model())
    return [t for t in out if t]


def model_texts(model, parent: QModelIndex | None = None) -> list[str]:
    """Display texts and tooltips of every row and column of an item model (trees included,
    also rows a collapsed or scrolled view does not show)."""
    parent = parent or QModelIndex()
    out: list[str] = []
    for r in range(model.rowCount(parent)):
        for c in range(model.columnCount(parent)):
            index = model.index(r, c, parent)
            out += [str(model.data(index, role) or "") for role in (Qt.DisplayRole, Qt.ToolTipRole)]
            if c == 0 and model.rowCount(index) > 0:
                out += model_texts(model, index)
    return out


def tree_venues(tree) -> list[str]:
    return tree.visible_venue_labels()


def click(qtbot, button) -> None:
    from PySide6.QtCore import Qt

    qtbot.mouseClick(button, Qt.LeftButton)
