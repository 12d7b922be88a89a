"""Toolbar of the wall: layouts, pages, 轮巡 patrol, snapshot."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSpinBox, QToolButton, QWidget

from desktop.core.wall_plan import LAYOUTS


class WallToolbar(QWidget):
    layoutChosen = Signal(int)
    pageStep = Signal(int)
    patrolToggled = Signal(bool)
    saveGroupRequested = Signal()
    deleteGroupRequested = Signal(int)  # stored group id
    snapshotRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(6, 4, 6, 4)
        row.addWidget(QLabel(self.tr("分屏")))
        self._layout_buttons: dict[int, QToolButton] = {}
        for n in LAYOUTS:
            b = QToolButton(self, text=str(n), checkable=True, autoExclusive=True)
            b.setToolTip(self.tr("{0} 画面").format(n))
            b.clicked.connect(lambda _=False, n=n: self.layoutChosen.emit(n))
            self._layout_buttons[n] = b
            row.addWidget(b)
        row.addSpacing(12)
        prev = QToolButton(self, text="◀")
        prev.setToolTip(self.tr("上一页 (PageUp)"))
        prev.clicked.connect(lambda: self.pageStep.emit(-1))
        nxt = QToolButton(self, text="▶")
        nxt.setToolTip(self.tr("下一页 (PageDown)"))
        nxt.clicked.connect(lambda: self.pageStep.emit(1))
        self.page_label = QLabel(self)
        row.addWidget(prev)
        row.addWidget(self.page_label)
        row.addWidget(nxt)
        row.addSpacing(12)
        self.patrol_button = QPushButton(self.tr("轮巡"), self, checkable=True)
        self.patrol_button.toggled.connect(self.patrolToggled)
        self.group_box = QComboBox(self)
        self.interval = QSpinBox(self, minimum=5, maximum=600, value=20, suffix=self.tr(" 秒"))
        self.interval.setToolTip(self.tr("轮巡间隔"))
        save_group = QToolButton(self, text="＋")
        save_group.setToolTip(self.tr("将当前页的画面存为轮巡分组"))
        save_group.clicked.connect(self.saveGroupRequested)
        self.save_group_button = save_group
        delete_group = QToolButton(self, text="－")
        delete_group.setToolTip(self.tr("删除选中的轮巡分组"))
        delete_group.clicked.connect(self._delete_group)
        self.delete_group_button = delete_group
        self.group_box.currentIndexChanged.connect(self._group_chosen)
        row.addWidget(self.patrol_button)
        row.addWidget(self.group_box)
        row.addWidget(save_group)
        row.addWidget(delete_group)
        row.addWidget(self.interval)
        row.addStretch(1)
        snap = QPushButton(self.tr("抓拍"), self)
        snap.setToolTip(self.tr("抓拍选中画面（原始分辨率）"))
        snap.clicked.connect(self.snapshotRequested)
        row.addWidget(snap)
        self.set_groups([])

    def set_layout(self, n: int) -> None:
        self._layout_buttons[n].setChecked(True)

    def set_groups(self, streets: list[str], groups: list[tuple[int, str]] = ()) -> None:
        """Patrol choices: every page, one 街镇, or a stored group (data "group:<id>"); the
        current choice is kept when it still exists."""
        current = self.group_box.currentData()
        self.group_box.blockSignals(True)
        self.group_box.clear()
        self.group_box.addItem(self.tr("全部页面"), "")
        for s in streets:
            self.group_box.addItem(s, s)
        for gid, name in groups:
            self.group_box.addItem(self.tr("分组 · {0}").format(name), f"group:{gid}")
        self.group_box.setCurrentIndex(max(0, self.group_box.findData(current)))
        self.group_box.blockSignals(False)
        self._group_chosen()

    def _group_chosen(self, _index: int = 0) -> None:
        self.delete_group_button.setEnabled(self.patrol_group().startswith("group:"))

    def _delete_group(self) -> None:
        if self.patrol_group().startswith("group:"):
            self.deleteGroupRequested.emit(int(self.patrol_group()[6:]))

    def patrol_group(self) -> str:
        return self.group_box.currentData() or ""

    def patrol_seconds(self) -> int:
        return self.interval.value()

    def set_patrol_checked(self, on: bool) -> None:
        self.patrol_button.blockSignals(True)
        self.patrol_button.setChecked(on)
        self.patrol_button.blockSignals(False)

    def set_page_label(self, index: int, count: int, patrol: bool = False) -> None:
        prefix = self.tr("轮巡 ") if patrol else ""
        self.page_label.setText(self.tr("{0}第 {1}/{2} 页").format(prefix, index + 1, count))
