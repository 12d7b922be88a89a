"""The camera tree's data (街镇 → 单位 → 摄像头) and its Qt item model.

`TreeData` is built once per `set_cameras` in O(n) from plain lists and dicts and never changes;
`TreeIndex` says which of its nodes show under the current filter (rebuilt in Python, O(n) at
most, O(街镇) when nothing is filtered). `CameraTreeModel` serves both to a QTreeView without a
single per-row Qt object: a node's QModelIndex carries `list position << 2 | kind` as its id.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import NamedTuple

from PySide6.QtCore import QAbstractItemModel, QMimeData, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPixmap

from widgets.video_wall import CAMERA_MIME

CAMERA_ROLE = int(Qt.UserRole) + 1
VENUE_ROLE = int(Qt.UserRole) + 3
NAME_ROLE = int(Qt.UserRole) + 4  # a group's name without its count
DEFAULT_COLOR = "#9aa0a6"

GROUP, VENUE, CAMERA = 1, 2, 3  # the low two bits of an index's id
# Enum look-ups cost microseconds in PySide6; data() runs for every painted row.
_DISPLAY, _DECORATION, _TOOLTIP = int(Qt.DisplayRole), int(Qt.DecorationRole), int(Qt.ToolTipRole)
_GROUP_FLAGS = Qt.ItemIsEnabled
_VENUE_FLAGS = Qt.ItemIsEnabled
_SELECTABLE_VENUE_FLAGS = Qt.ItemIsEnabled | Qt.ItemIsSelectable
_CAMERA_FLAGS = Qt.ItemIsEnabled | Qt.ItemIsSelectable | Qt.ItemIsDragEnabled | Qt.ItemNeverHasChildren
_NONE_FLAGS = Qt.NoItemFlags
_STATUS_ROLES = [Qt.DecorationRole, Qt.ToolTipRole]


class TreeCamera(NamedTuple):
    """One camera under its venue (a NamedTuple: a district builds 25,000 of them at a time)."""

    camera_id: int
    label: str
    group: str  # 街镇
    parent: str  # 单位
    search_text: str = ""
    venue_id: int | None = None  # groups the cameras of one venue (None: by parent name)
    tooltip: str = ""


class TreeVenue(NamedTuple):
    """A venue node that shows even without cameras (the registry lists every venue)."""

    venue_id: int
    label: str
    group: str
    search_text: str = ""
    tooltip: str = ""


@dataclass(frozen=True, eq=False)
class TreeData:
    """Everything the tree shows, as parallel lists (treat them as read-only)."""

    group_names: list[str]
    group_venues: list[list[int]]  # venue positions of each group, in tree order
    venue_keys: list[object]  # venue_id, or (group, parent) for cameras without one
    venue_ids: list[int | None]
    venue_labels: list[str]
    venue_group: list[int]
    venue_row: list[int]  # row under its group when nothing is filtered
    venue_tips: list[str]
    venue_search: list[str]
    venue_cameras: list[list[int]]  # camera positions of each venue
    camera_ids: list[int]
    camera_labels: list[str]
    camera_venue: list[int]
    camera_row: list[int]  # row under its venue when the venue shows all its cameras
    camera_tips: list[str]
    camera_search: list[str]
    camera_pos: dict[int, int]  # camera_id → position (the last one wins)
    venue_pos: dict[object, int]  # venue key → position

    @staticmethod
    def build(cameras: Sequence[TreeCamera], venues: Sequence[TreeVenue], unnamed: str) -> TreeData:
        """Venues come first in their group in the order given, cameras' venues follow in camera
        order; groups in order of first appearance. Columns are transposed with zip() (C speed);
        the loops only place each venue and camera."""
        group_pos: dict[str, int] = {}
        group_names: list[str] = []
        group_venues: list[list[int]] = []
        venue_pos: dict[object, int] = {}
        keys: list[object] = []
        vids: list[int | None] = []
        vlabels: list[str] = []
        vgroup: list[int] = []
        vrow: list[int] = []
        vtips: list[str] = []
        vsearch: list[str] = []

        def add_venue(key: object, vid: int | None, label: str, group: str, search: str, tip: str) -> int:
            g = group_pos.get(group)
            if g is None:
                g = group_pos[group] = len(group_names)
                group_names.append(group or unnamed)
                group_venues.append([])
            v = venue_pos[key] = len(keys)
            members = group_venues[g]
            vrow.append(len(members))
            members.append(v)
            keys.append(key)
            vids.append(vid)
            vlabels.append(label)
            vgroup.append(g)
            vtips.append(tip)
            vsearch.append(search)
            return v

        for ven in venues:
            if ven.venue_id not in venue_pos:
                add_venue(ven.venue_id, ven.venue_id, ven.label, ven.group, ven.search_text, ven.tooltip)
        n = len(cameras)
        cids, clabels, cgroups, cparents, csearch, cvids, ctips = (
            (list(col) for col in zip(*cameras, strict=True)) if n else ([] for _ in range(7)))
        cvenue: list[int] = [0] * n
        crow: list[int] = [0] * n
        vcams: list[list[int]] = [[] for _ in keys]
        get = venue_pos.get
        for i, vid in enumerate(cvids):
            key = vid if vid is not None else (cgroups[i], cparents[i])
            v = get(key)
            if v is None:
                v = add_venue(key, vid, cparents[i], cgroups[i], "", "")
                vcams.append([])
            own = vcams[v]
            crow[i] = len(own)
            own.append(i)
            cvenue[i] = v
        return TreeData(group_names, group_venues, keys, vids, vlabels, vgroup, vrow, vtips, vsearch, vcams,
                        cids, clabels, cvenue, crow, ctips, csearch, dict(zip(cids, range(n), strict=True)),
                        venue_pos)

    @cached_property
    def venue_text(self) -> list[str]:
        """What the widget's own search looks in, lower case (built on the first search)."""
        groups, labels = self.group_names, self.venue_labels
        return [f"{groups[g]} {label} {search}".lower()
                for g, label, search in zip(self.venue_group, labels, self.venue_search, strict=True)]

    @cached_property
    def camera_text(self) -> list[str]:
        groups, vgroup, vlabels = self.group_names, self.venue_group, self.venue_labels
        return [f"{groups[vgroup[v]]} {vlabels[v]} {label} {search}".lower()
                for v, label, search in zip(self.camera_venue, self.camera_labels, self.camera_search, strict=True)]


@dataclass(frozen=True, eq=False)
class TreeIndex:
    """Which nodes show: visible groups, and per group / venue the visible children in order."""

    groups: list[int]
    group_row: list[int]  # -1: hidden
    venues_of: list[list[int]]  # per group position
    venue_row: list[int]  # per venue position, -1: hidden
    cameras_of: list[list[int]]  # per venue position
    camera_row: list[int]  # per camera position; -1 hidden (its venue's visibility also counts)
    shown_venues: int
    shown_cameras: int

    @staticmethod
    def everything(data: TreeData) -> TreeIndex:
        n = len(data.group_names)
        return TreeIndex(list(range(n)), list(range(n)), data.group_venues, data.venue_row, data.venue_cameras,
                         data.camera_row, len(data.venue_ids), len(data.camera_ids))

    @staticmethod
    def of_venues(data: TreeData, visible: set[int]) -> TreeIndex:
        """Only venues whose id is in `visible`, each with all its cameras (the owner's answer)."""
        ids = data.venue_ids
        venues_of = [[v for v in vs if ids[v] in visible] for vs in data.group_venues]
        return TreeIndex._finish(data, venues_of, data.venue_cameras, data.camera_row)

    @staticmethod
    def matching(data: TreeData, needle: str) -> TreeIndex:
        """The widget's own search: a venue shows if its text or one of its cameras' matches;
        a matching venue shows all its cameras, otherwise only the matching ones."""
        vtext, ctext = data.venue_text, data.camera_text
        camera_row = [-1] * len(data.camera_ids)
        cameras_of: list[list[int]] = []
        shown: list[bool] = []
        for v, cams in enumerate(data.venue_cameras):
            kept = cams if needle in vtext[v] else [c for c in cams if needle in ctext[c]]
            for r, c in enumerate(kept):
                camera_row[c] = r
            cameras_of.append(kept)
            shown.append(kept is cams or bool(kept))
        venues_of = [[v for v in vs if shown[v]] for vs in data.group_venues]
        return TreeIndex._finish(data, venues_of, cameras_of, camera_row)

    @staticmethod
    def _finish(data: TreeData, venues_of: list[list[int]], cameras_of: list[list[int]],
                camera_row: list[int]) -> TreeIndex:
        group_row = [-1] * len(venues_of)
        venue_row = [-1] * len(data.venue_ids)
        groups = []
        shown_cameras = 0
        for g, vs in enumerate(venues_of):
            if vs:
                group_row[g] = len(groups)
                groups.append(g)
            for r, v in enumerate(vs):
                venue_row[v] = r
                shown_cameras += len(cameras_of[v])
        return TreeIndex(groups, group_row, venues_of, venue_row, cameras_of, camera_row,
                         sum(map(len, venues_of)), shown_cameras)


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


class CameraTreeModel(QAbstractItemModel):
    """One column; groups show their visible venue count; cameras a status dot and tooltip."""

    def __init__(self, parent=None, *, venues_selectable: bool = False) -> None:
        super().__init__(parent)
        self._venue_flags = _SELECTABLE_VENUE_FLAGS if venues_selectable else _VENUE_FLAGS
        self.tree_data = TreeData.build((), (), "")
        self.visible = TreeIndex.everything(self.tree_data)
        self._colors: dict[int, tuple[str, str]] = {}  # camera → (color, tooltip), kept across reloads
        self._icons: dict[str, QIcon] = {}

    # -- content -----------------------------------------------------------------------------
    def set_content(self, data: TreeData, visible: TreeIndex) -> None:
        self.beginResetModel()
        self.tree_data, self.visible = data, visible
        self._colors = {k: c for k, c in self._colors.items() if k in data.camera_pos}
        self.endResetModel()

    def set_visible(self, visible: TreeIndex) -> None:
        self.beginResetModel()
        self.visible = visible
        self.endResetModel()

    def set_color(self, camera_id: int, color: str, tooltip: str) -> None:
        """Remember the camera's dot and tooltip (also for a camera not loaded yet); repaint its row."""
        if self._colors.get(camera_id) == (color, tooltip):
            return
        self._colors[camera_id] = (color, tooltip)
        index = self.camera_index(camera_id)
        if index.isValid():
            self.dataChanged.emit(index, index, _STATUS_ROLES)

    def color(self, camera_id: int) -> tuple[str, str]:
        c = self.tree_data.camera_pos.get(camera_id)
        return self._colors.get(camera_id, (DEFAULT_COLOR, self.tree_data.camera_tips[c] if c is not None else ""))

    # -- lookups -----------------------------------------------------------------------------
    def camera_index(self, camera_id: int) -> QModelIndex:
        """The camera's index, invalid when it is not loaded or filtered out."""
        c = self.tree_data.camera_pos.get(camera_id)
        if c is None or self.visible.venue_row[self.tree_data.camera_venue[c]] < 0:
            return QModelIndex()
        row = self.visible.camera_row[c]
        return self.createIndex(row, 0, c << 2 | CAMERA) if row >= 0 else QModelIndex()

    def venue_index(self, key: object) -> QModelIndex:
        v = self.tree_data.venue_pos.get(key)
        row = -1 if v is None else self.visible.venue_row[v]
        return self.createIndex(row, 0, v << 2 | VENUE) if row >= 0 else QModelIndex()

    def group_index(self, name: str) -> QModelIndex:
        names = self.tree_data.group_names
        g = names.index(name) if name in names else -1
        row = -1 if g < 0 else self.visible.group_row[g]
        return self.createIndex(row, 0, g << 2 | GROUP) if row >= 0 else QModelIndex()

    @staticmethod
    def node(index: QModelIndex | QPersistentModelIndex) -> tuple[int, int]:
        """(kind, list position) of a valid index."""
        ident = index.internalId()
        return ident & 3, ident >> 2

    def node_key(self, index: QModelIndex) -> tuple[str, object]:
        """What a node stands for across reloads and filters (to keep it expanded or selected)."""
        kind, i = self.node(index)
        d = self.tree_data
        if kind == GROUP:
            return "group", d.group_names[i]
        if kind == VENUE:
            return "venue", d.venue_keys[i]
        return "camera", d.camera_ids[i]

    # -- QAbstractItemModel ------------------------------------------------------------------
    def index(self, row: int, column: int = 0, parent: QModelIndex = QModelIndex()) -> QModelIndex:
        if column != 0 or row < 0:
            return QModelIndex()
        if not parent.isValid():
            children, kind = self.visible.groups, GROUP
        else:
            pkind, p = self.node(parent)
            if pkind == GROUP:
                children, kind = self.visible.venues_of[p], VENUE
            elif pkind == VENUE:
                children, kind = self.visible.cameras_of[p], CAMERA
            else:
                return QModelIndex()
        return self.createIndex(row, 0, children[row] << 2 | kind) if row < len(children) else QModelIndex()

    def parent(self, index: QModelIndex | None = None):  # noqa: D401  (also QObject.parent())
        if index is None:
            return super().parent()
        if not index.isValid():
            return QModelIndex()
        kind, i = self.node(index)
        if kind == CAMERA:
            v = self.tree_data.camera_venue[i]
            return self.createIndex(self.visible.venue_row[v], 0, v << 2 | VENUE)
        if kind == VENUE:
            g = self.tree_data.venue_group[i]
            return self.createIndex(self.visible.group_row[g], 0, g << 2 | GROUP)
        return QModelIndex()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        if not parent.isValid():
            return len(self.visible.groups)
        kind, i = self.node(parent)
        if kind == GROUP:
            return len(self.visible.venues_of[i])
        if kind == VENUE:
            return len(self.visible.cameras_of[i])
        return 0

    def hasChildren(self, parent: QModelIndex = QModelIndex()) -> bool:
        return self.rowCount(parent) > 0

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 1

    def flags(self, index: QModelIndex):
        if not index.isValid():
            return _NONE_FLAGS
        kind = index.internalId() & 3
        return _CAMERA_FLAGS if kind == CAMERA else self._venue_flags if kind == VENUE else _GROUP_FLAGS

    def data(self, index: QModelIndex, role: int = _DISPLAY):
        if not index.isValid():
            return None
        role = int(role)
        kind, i = self.node(index)
        d = self.tree_data
        if kind == CAMERA:
            if role == _DISPLAY:
                return d.camera_labels[i]
            if role == _DECORATION:
                return self._icon(self._colors.get(d.camera_ids[i], (DEFAULT_COLOR,))[0])
            if role == _TOOLTIP:
                return self._colors.get(d.camera_ids[i], (DEFAULT_COLOR, d.camera_tips[i]))[1] or None
            return d.camera_ids[i] if role == CAMERA_ROLE else None
        if kind == VENUE:
            if role == _DISPLAY:
                return d.venue_labels[i]
            if role == _TOOLTIP:
                return d.venue_tips[i] or None
            return d.venue_ids[i] if role == VENUE_ROLE else None
        if role == _DISPLAY:
            return f"{d.group_names[i]} ({len(self.visible.venues_of[i])})"
        return d.group_names[i] if role == NAME_ROLE else None

    def mimeTypes(self) -> list[str]:
        return [CAMERA_MIME]

    def mimeData(self, indexes) -> QMimeData:
        data = QMimeData()
        cams = [ix for ix in indexes if ix.isValid() and ix.internalId() & 3 == CAMERA]
        if cams:
            data.setData(CAMERA_MIME, str(self.data(cams[0], CAMERA_ROLE)).encode())
            data.setText(self.data(cams[0], _DISPLAY))
        return data

    def supportedDragActions(self):
        return Qt.CopyAction | Qt.MoveAction

    def _icon(self, color: str) -> QIcon:
        icon = self._icons.get(color)
        if icon is None:
            icon = self._icons[color] = _dot(color)
        return icon
