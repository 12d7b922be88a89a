"""Camera tree (街镇 → 单位 → 摄像头) with a search box and two filter combos (单位类型,
建设进度); cameras drag onto the wall.

A pure widget: it knows nothing of the database or of how a venue matches a query. The owner
listens to `filterChanged(query, types, progress)`, decides which venues pass (pinyin initials,
许可证号 …) and answers with `set_visible_venues(ids)`. Until an owner does, the tree filters
by plain substring of the labels and `search_text`, so it also works on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from PySide6.QtCore import QMimeData, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from widgets.video_wall import CAMERA_MIME

CAMERA_ROLE = Qt.UserRole + 1
_SEARCH_ROLE = Qt.UserRole + 2
VENUE_ROLE = Qt.UserRole + 3
_NAME_ROLE = Qt.UserRole + 4  # a group's name without its count
SEARCH_DELAY_MS = 150


@dataclass(frozen=True)
class TreeCamera:
    camera_id: int
    label: str
    group: str  # 街镇
    parent: str  # 单位
    search_text: str = ""
    venue_id: int | None = None  # groups the cameras of one venue (None: by parent name)
    tooltip: str = ""


@dataclass(frozen=True)
class TreeVenue:
    """A venue node that shows even without cameras (the registry lists every venue)."""

    venue_id: int
    label: str
    group: str
    search_text: str = ""
    tooltip: str = ""


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
    cameraSelected = Signal(int)
    venueSelected = Signal(int)  # only when venues are selectable
    filterChanged = Signal(str, object, object)  # query, frozenset[str] | None, frozenset[str] | None

    def __init__(self, parent: QWidget | None = None, *, draggable: bool = True,
                 venues_selectable: bool = False) -> None:
        super().__init__(parent)
        self._venues_selectable = venues_selectable
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("搜索名称、地址、许可证号、拼音"))
        self.search.setToolTip(self.tr("单位或摄像头名称、地址、许可证号，或单位名称的拼音首字母（如 lsh）"))
        self.search.setClearButtonEnabled(True)
        self.type_box = QComboBox(self)
        self.type_box.setToolTip(self.tr("按单位类型筛选"))
        self.progress_box = QComboBox(self)
        self.progress_box.setToolTip(self.tr("按建设进度筛选"))
        for box in (self.type_box, self.progress_box):
            box.setSizeAdjustPolicy(QComboBox.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(6)
            box.hide()  # until the owner gives options
        self.tree = _DraggableTree(self)
        self.tree.setHeaderHidden(True)
        if draggable:
            self.tree.setDragEnabled(True)
            self.tree.setDragDropMode(QAbstractItemView.DragOnly)
        self.tree.setSelectionMode(QAbstractItemView.SingleSelection)
        self.count_label = QLabel(self)
        self.count_label.setObjectName("treeCount")
        filters = QHBoxLayout()
        filters.setContentsMargins(0, 0, 0, 0)
        filters.addWidget(self.type_box, 1)
        filters.addWidget(self.progress_box, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.search)
        layout.addLayout(filters)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.count_label)
        self._items: dict[int, QTreeWidgetItem] = {}
        self._venue_items: dict[int, QTreeWidgetItem] = {}
        self._icons: dict[str, QIcon] = {}
        self._colors: dict[int, tuple[str, str]] = {}  # camera → (color, tooltip), kept across reloads
        self._visible: set[int] | None = None
        self._external = False  # an owner decides which venues pass
        self._debounce = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self._emit_filter)
        self.search.textChanged.connect(lambda _text: self._debounce.start())
        self.type_box.currentIndexChanged.connect(lambda _i: self._emit_filter())
        self.progress_box.currentIndexChanged.connect(lambda _i: self._emit_filter())
        self.tree.itemDoubleClicked.connect(self._on_double_click)
        self.tree.currentItemChanged.connect(self._on_current)

    # -- filters ---------------------------------------------------------------------------
    def set_filter_options(self, venue_types: Sequence[str], progress: Sequence[str]) -> None:
        """Show the two filter combos with these choices (an empty list hides a combo)."""
        for box, values, everything in ((self.type_box, venue_types, self.tr("全部类型")),
                                        (self.progress_box, progress, self.tr("全部进度"))):
            box.blockSignals(True)
            current = box.currentData()
            box.clear()
            box.addItem(everything, None)
            for v in values:
                box.addItem(v, v)
            box.setCurrentIndex(max(0, box.findData(current)) if current else 0)
            box.setVisible(bool(values))
            box.blockSignals(False)

    def filter_state(self) -> tuple[str, frozenset[str] | None, frozenset[str] | None]:
        t, p = self.type_box.currentData(), self.progress_box.currentData()
        return (self.search.text(), frozenset([t]) if t else None, frozenset([p]) if p else None)

    def set_visible_venues(self, venue_ids: Iterable[int] | None) -> None:
        """The owner's answer to filterChanged: only these venues show (None: all of them)."""
        self._external = True
        self._visible = None if venue_ids is None else set(venue_ids)
        self._apply_filter()

    def _emit_filter(self) -> None:
        self._debounce.stop()
        if not self._external:
            self._apply_filter()
        self.filterChanged.emit(*self.filter_state())

    # -- content ---------------------------------------------------------------------------
    def set_cameras(self, cameras: Sequence[TreeCamera], venues: Sequence[TreeVenue] = ()) -> None:
        """Rebuild the tree. `venues` adds venue nodes that may have no cameras; they come first
        in their group in the order given, cameras' venues follow in camera order."""
        selected = self.selected()
        self.tree.clear()
        self._items.clear()
        self._venue_items.clear()
        groups: dict[str, QTreeWidgetItem] = {}
        parents: dict[object, QTreeWidgetItem] = {}

        def group_item(name: str) -> QTreeWidgetItem:
            g = groups.get(name)
            if g is None:
                g = groups[name] = QTreeWidgetItem(self.tree, [name or self.tr("未分街镇")])
                g.setData(0, _NAME_ROLE, name or self.tr("未分街镇"))
                g.setFlags(Qt.ItemIsEnabled)
            return g

        def venue_item(key: object, venue_id: int | None, label: str, group: str, search: str,
                       tooltip: str) -> QTreeWidgetItem:
            v = parents.get(key)
            if v is None:
                v = parents[key] = QTreeWidgetItem(group_item(group), [label])
                v.setData(0, VENUE_ROLE, venue_id)
                v.setData(0, _SEARCH_ROLE, f"{group} {label} {search}".lower())
                v.setToolTip(0, tooltip)
                flags = Qt.ItemIsEnabled | (Qt.ItemIsSelectable if self._venues_selectable else Qt.NoItemFlags)
                v.setFlags(flags)
                if venue_id is not None:
                    self._venue_items[venue_id] = v
            return v

        for ven in venues:
            venue_item(ven.venue_id, ven.venue_id, ven.label, ven.group, ven.search_text, ven.tooltip)
        for cam in cameras:
            key = cam.venue_id if cam.venue_id is not None else (cam.group, cam.parent)
            v = venue_item(key, cam.venue_id, cam.parent, cam.group, "", "")
            item = QTreeWidgetItem(v, [cam.label])
            item.setData(0, CAMERA_ROLE, cam.camera_id)
            item.setData(0, _SEARCH_ROLE, f"{cam.group} {cam.parent} {cam.label} {cam.search_text}".lower())
            item.setFlags(Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsDragEnabled)
            color, tip = self._colors.get(cam.camera_id, ("#9aa0a6", cam.tooltip))
            item.setIcon(0, self._icon(color))
            item.setToolTip(0, tip)
            self._items[cam.camera_id] = item
        self._colors = {k: v for k, v in self._colors.items() if k in self._items}
        self.tree.expandAll()
        self._apply_filter()
        if selected is not None:
            kind, ident = selected
            self.select_camera(ident) if kind == "camera" else self.select_venue(ident)

    def set_camera_color(self, camera_id: int, color: str, tooltip: str = "") -> None:
        self._colors[camera_id] = (color, tooltip)
        item = self._items.get(camera_id)
        if item is not None:
            item.setIcon(0, self._icon(color))
            item.setToolTip(0, tooltip)

    # -- selection -------------------------------------------------------------------------
    def selected(self) -> tuple[str, int] | None:
        item = self.tree.currentItem()
        if item is None:
            return None
        if (cam := item.data(0, CAMERA_ROLE)) is not None:
            return "camera", int(cam)
        if (ven := item.data(0, VENUE_ROLE)) is not None:
            return "venue", int(ven)
        return None

    def select_venue(self, venue_id: int) -> bool:
        item = self._venue_items.get(venue_id)
        if item is None or not self._venues_selectable:
            return False
        self.tree.setCurrentItem(item)
        return True

    def select_camera(self, camera_id: int) -> bool:
        item = self._items.get(camera_id)
        if item is None:
            return False
        self.tree.setCurrentItem(item)
        return True

    def visible_venue_labels(self) -> list[str]:
        """Venue nodes not hidden by the filters, in tree order (for tests and counts)."""
        out = []
        for i in range(self.tree.topLevelItemCount()):
            g = self.tree.topLevelItem(i)
            out += [g.child(j).text(0) for j in range(g.childCount()) if not g.child(j).isHidden()]
        return out

    def visible_camera_ids(self) -> list[int]:
        return [cid for cid, item in self._items.items()
                if not item.isHidden() and not item.parent().isHidden()]

    # -- internals -------------------------------------------------------------------------
    def _icon(self, color: str) -> QIcon:
        icon = self._icons.get(color)
        if icon is None:
            icon = self._icons[color] = _dot(color)
        return icon

    def _venue_passes(self, v: QTreeWidgetItem, needle: str) -> tuple[bool, list[bool]]:
        """(venue shown, shown flag of each camera) under the current filter."""
        cams = [v.child(k) for k in range(v.childCount())]
        if self._external:
            vid = v.data(0, VENUE_ROLE)
            show = self._visible is None or (vid is not None and vid in self._visible)
            return show, [show] * len(cams)
        if not needle:
            return True, [True] * len(cams)
        if needle in (v.data(0, _SEARCH_ROLE) or ""):
            return True, [True] * len(cams)
        flags = [needle in (c.data(0, _SEARCH_ROLE) or "") for c in cams]
        return any(flags), flags

    def _apply_filter(self) -> None:
        needle = self.search.text().strip().lower()
        shown_venues = shown_cameras = 0
        total_venues = total_cameras = 0
        for i in range(self.tree.topLevelItemCount()):
            g = self.tree.topLevelItem(i)
            g_count = 0
            for j in range(g.childCount()):
                v = g.child(j)
                show, flags = self._venue_passes(v, needle)
                for k, f in enumerate(flags):
                    v.child(k).setHidden(not f)
                v.setHidden(not show)
                g_count += show
                total_venues += 1
                total_cameras += v.childCount()
                shown_cameras += sum(flags) if show else 0
            g.setHidden(g_count == 0)
            g.setText(0, f"{g.data(0, _NAME_ROLE)} ({g_count})")
            shown_venues += g_count
        if shown_venues == total_venues:
            text = self.tr("{0} 个单位 · {1} 个摄像头").format(total_venues, total_cameras)
        else:
            text = self.tr("显示 {0} / {1} 个单位 · {2} 个摄像头").format(shown_venues, total_venues, shown_cameras)
        self.count_label.setText(text)

    def _on_double_click(self, item: QTreeWidgetItem, _column: int) -> None:
        cam = item.data(0, CAMERA_ROLE)
        if cam is not None:
            self.cameraActivated.emit(int(cam))

    def _on_current(self, item: QTreeWidgetItem | None, _previous) -> None:
        if item is None:
            return
        if (cam := item.data(0, CAMERA_ROLE)) is not None:
            self.cameraSelected.emit(int(cam))
        elif (ven := item.data(0, VENUE_ROLE)) is not None and self._venues_selectable:
            self.venueSelected.emit(int(ven))
