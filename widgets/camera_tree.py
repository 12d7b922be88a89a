"""Camera tree (街镇 → 单位 → 摄像头) with a search box; cameras drag onto the wall."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from widgets.video_wall import CAMERA_MIME

CAMERA_ROLE = Qt.UserRole + 1


@dataclass(frozen=True)
class TreeCamera:
    camera_id: int
    label: str
    group: str  # 街镇
    parent: str  # 单位
    search_text: str = ""


def _dot(color: str) -> QIcon:
    pix = QPixmap(12, 12)
    pix.fill(Qt.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.Antialiasing)
    p.setBrush(QColor(color))
    p.setPen(Qt.NoPen)
    p.drawEllipse(2, 2, 8, 8)
    p.end()
    return QIcon(pix)


class _DraggableTree(QTreeWidget):
    def mimeTypes(self) -> list[str]:
        return [CAMERA_MIME]

    def mimeData(self, items) -> QMimeData:
        data = QMimeData()
        ids = [it.data(0, CAMERA_ROLE) for it in items if it.data(0, CAMERA_ROLE) is not None]
        if ids:
            data.setData(CAMERA_MIME, str(ids[0]).encode())
            data.setText(items[0].text(0))
        return data


class CameraTree(QWidget):
    cameraActivated = Signal(int)  # double-click: show this camera on the wall

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("搜索单位、地址或摄像头"))
        self.search.setClearButtonEnabled(True)
        self.tree = _DraggableTree(self)
        self.tree.setHeaderHidden(True)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragOnly)
        self.tree.setSelectionMode(QAbstractItemView.SingleSelection)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search)
        layout.addWidget(self.tree)
        self._items: dict[int, QTreeWidgetItem] = {}
        self._icons: dict[str, QIcon] = {}
        self.search.textChanged.connect(self._filter)
        self.tree.itemDoubleClicked.connect(self._on_double_click)

    def set_cameras(self, cameras: list[TreeCamera]) -> None:
        self.tree.clear()
        self._items.clear()
        groups: dict[str, QTreeWidgetItem] = {}
        parents: dict[tuple[str, str], QTreeWidgetItem] = {}
        for cam in cameras:
            g = groups.get(cam.group)
            if g is None:
                g = groups[cam.group] = QTreeWidgetItem(self.tree, [cam.group or self.tr("未分街镇")])
                g.setFlags(Qt.ItemIsEnabled)
            key = (cam.group, cam.parent)
            v = parents.get(key)
            if v is None:
                v = parents[key] = QTreeWidgetItem(g, [cam.parent])
                v.setFlags(Qt.ItemIsEnabled)
            item = QTreeWidgetItem(v, [cam.label])
            item.setData(0, CAMERA_ROLE, cam.camera_id)
            item.setData(0, Qt.UserRole + 2, f"{cam.group} {cam.parent} {cam.label} {cam.search_text}".lower())
            item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsDragEnabled)
            item.setIcon(0, self._icon("#9aa0a6"))
            self._items[cam.camera_id] = item
        self.tree.expandAll()
        self._filter(self.search.text())

    def set_camera_color(self, camera_id: int, color: str, tooltip: str = "") -> None:
        item = self._items.get(camera_id)
        if item is not None:
            item.setIcon(0, self._icon(color))
            item.setToolTip(0, tooltip)

    def _icon(self, color: str) -> QIcon:
        icon = self._icons.get(color)
        if icon is None:
            icon = self._icons[color] = _dot(color)
        return icon

    def _filter(self, text: str) -> None:
        needle = text.strip().lower()
        for i in range(self.tree.topLevelItemCount()):
            g = self.tree.topLevelItem(i)
            g_visible = False
            for j in range(g.childCount()):
                v = g.child(j)
                v_visible = False
                for k in range(v.childCount()):
                    c = v.child(k)
                    show = not needle or needle in c.data(0, Qt.UserRole + 2)
                    c.setHidden(not show)
                    v_visible |= show
                v.setHidden(not v_visible)
                g_visible |= v_visible
            g.setHidden(not g_visible)

    def _on_double_click(self, item: QTreeWidgetItem, _column: int) -> None:
        cam = item.data(0, CAMERA_ROLE)
        if cam is not None:
            self.cameraActivated.emit(int(cam))
