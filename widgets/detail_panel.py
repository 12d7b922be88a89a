"""A titled key/value panel (label: value pairs in a grid of N column pairs). Values are plain
text, selectable for copying; empty values show a dash."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QGridLayout, QLabel, QSizePolicy, QVBoxLayout, QWidget

EMPTY = "—"


def heading_label(text: str, parent: QWidget, name: str) -> QLabel:
    """A selectable, wrapping heading a third larger than the body text."""
    label = QLabel(text, parent)
    label.setObjectName(name)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.35)
    font.setBold(True)
    label.setFont(font)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextSelectableByMouse)
    return label


class DetailPanel(QWidget):
    def __init__(self, title: str = "", columns: int = 2, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns = max(1, columns)
        self.title = heading_label(title, self, "detailTitle")
        self.title.setVisible(bool(title))
        self._grid = QGridLayout()
        self._grid.setHorizontalSpacing(12)
        self._grid.setVerticalSpacing(6)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addLayout(self._grid)
        self._values: dict[str, QLabel] = {}

    def set_title(self, text: str) -> None:
        self.title.setText(text)
        self.title.setVisible(bool(text))

    def set_rows(self, rows: Sequence[tuple[str, str]]) -> None:
        """Replace the pairs; they fill the grid row by row, `columns` pairs to a row."""
        while self._grid.count():
            item = self._grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self._values.clear()
        for i, (key, value) in enumerate(rows):
            r, c = divmod(i, self.columns)
            k = QLabel(key, self)
            k.setObjectName("detailKey")
            k.setAlignment(Qt.AlignRight | Qt.AlignTop)
            k.setStyleSheet("color: #9ca3af;")
            v = QLabel(value or EMPTY, self)
            v.setObjectName("detailValue")
            v.setAlignment(Qt.AlignLeft | Qt.AlignTop)
            v.setWordWrap(len(value) > 40)  # a wrapping label asks for extra height even when short
            v.setTextInteractionFlags(Qt.TextSelectableByMouse)
            v.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
            self._grid.addWidget(k, r, 2 * c, Qt.AlignRight | Qt.AlignTop)
            self._grid.addWidget(v, r, 2 * c + 1, Qt.AlignTop)
            self._values[key] = v
        for c in range(self.columns):
            self._grid.setColumnStretch(2 * c + 1, 1)

    def value(self, key: str) -> str:
        label = self._values.get(key)
        return label.text() if label is not None else ""
