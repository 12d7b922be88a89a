"""Helpers for the registry UI tests: open the page on the real console, walk widget texts."""

from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableWidget,
    QTreeWidget,
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
        elif isinstance(w, QTreeWidget):
            stack = [w.topLevelItem(i) for i in range(w.topLevelItemCount())]
            while stack:
                item = stack.pop()
                out += [item.text(0), item.toolTip(0)]
                stack += [item.child(i) for i in range(item.childCount())]
        elif isinstance(w, QTableWidget):
            for r in range(w.rowCount()):
                for c in range(w.columnCount()):
                    if (item := w.item(r, c)) is not None:
                        out += [item.text(), item.toolTip()]
    return [t for t in out if t]


def tree_venues(tree) -> list[str]:
    return tree.visible_venue_labels()


def click(qtbot, button) -> None:
    from PySide6.QtCore import Qt

    qtbot.mouseClick(button, Qt.LeftButton)
