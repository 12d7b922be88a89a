"""Camera tree (街镇 → 单位 → 摄像头) with a search box and two filter combos (单位类型,
建设进度); cameras drag onto the wall.

A pure widget: it knows nothing of the database or of how a venue matches a query. The owner
listens to `filterChanged(query, types, progress)`, decides which venues pass (pinyin initials,
许可证号 …) and answers with `set_visible_venues(ids)`. Until an owner does, the tree filters
by plain substring of the labels and `search_text`, so it also works on its own.

Model/view: a district (12,500 venues, 25,000 cameras) loads and filters in a few tens of
milliseconds because no Qt object exists per row (see camera_tree_model). With more than
EXPAND_LIMIT venues showing nothing expands by itself; the user's own expanding and collapsing
is remembered across reloads and filters.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from widgets.camera_tree_model import (
    CAMERA,
    CAMERA_ROLE,
    GROUP,
    NAME_ROLE,
    VENUE,
    VENUE_ROLE,
    CameraTreeModel,
    TreeCamera,
    TreeData,
    TreeIndex,
    TreeVenue,
)

__all__ = ["CAMERA_ROLE", "EXPAND_LIMIT", "NAME_ROLE", "SEARCH_DELAY_MS", "VENUE_ROLE", "CameraTree", "TreeCamera",
           "TreeNode", "TreeVenue"]

SEARCH_DELAY_MS = 150
EXPAND_LIMIT = 200  # expand everything when at most this many venues show


class TreeNode:
    """A read-only handle on one row with the few QTreeWidgetItem calls older callers use
    (`text`, `toolTip`, `data`, `child`, `childCount`, `isHidden`); valid until the next reset."""

    def __init__(self, index: QModelIndex) -> None:
        self.index = index

    def text(self, _column: int = 0) -> str:
        return self.index.data(Qt.DisplayRole) or ""

    def toolTip(self, _column: int = 0) -> str:
        return self.index.data(Qt.ToolTipRole) or ""

    def data(self, _column: int, role: int):
        return self.index.data(role)

    def childCount(self) -> int:
        return self.index.model().rowCount(self.index)

    def child(self, row: int) -> TreeNode:
        return TreeNode(self.index.model().index(row, 0, self.index))

    def isHidden(self) -> bool:
        return False  # filtered rows are not in the model at all


class _TreeView(QTreeView):
    def topLevelItemCount(self) -> int:
        return self.model().rowCount()

    def topLevelItem(self, row: int) -> TreeNode:
        return TreeNode(self.model().index(row, 0))


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
        self.model = CameraTreeModel(self, venues_selectable=venues_selectable)
        self.tree = _TreeView(self)
        self.tree.setModel(self.model)
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
        self._visible: set[int] | None = None
        self._external = False  # an owner decides which venues pass
        self._selection: tuple[str, int] | None = None  # survives reloads and filters
        # Expanded by the user while the tree is large (oldest first), collapsed while it is small.
        self._expanded: dict[tuple[str, object], None] = {}
        self._collapsed: set[tuple[str, object]] = set()
        self._restoring = False  # expansion and selection set by the tree itself
        self._debounce = QTimer(self, singleShot=True, interval=SEARCH_DELAY_MS)
        self._debounce.timeout.connect(self._emit_filter)
        self.search.textChanged.connect(lambda _text: self._debounce.start())
        self.type_box.currentIndexChanged.connect(lambda _i: self._emit_filter())
        self.progress_box.currentIndexChanged.connect(lambda _i: self._emit_filter())
        self.tree.doubleClicked.connect(self._on_double_click)
        self.tree.selectionModel().currentChanged.connect(self._on_current)
        self.tree.expanded.connect(lambda ix: self._on_expansion(ix, True))
        self.tree.collapsed.connect(lambda ix: self._on_expansion(ix, False))
        self._show_counts()

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
        self._refresh(self.model.tree_data)

    def _emit_filter(self) -> None:
        self._debounce.stop()
        if not self._external:
            self._refresh(self.model.tree_data)
        self.filterChanged.emit(*self.filter_state())

    # -- content ---------------------------------------------------------------------------
    def set_cameras(self, cameras: Sequence[TreeCamera], venues: Sequence[TreeVenue] = ()) -> None:
        """Rebuild the tree. `venues` adds venue nodes that may have no cameras; they come first
        in their group in the order given, cameras' venues follow in camera order."""
        self._refresh(TreeData.build(cameras, venues, self.tr("未分街镇")))

    def set_camera_color(self, camera_id: int, color: str, tooltip: str = "") -> None:
        """The camera's status dot and tooltip; repaints its row only (kept across reloads)."""
        self.model.set_color(camera_id, color, tooltip)

    # -- selection -------------------------------------------------------------------------
    def selected(self) -> tuple[str, int] | None:
        """The chosen camera or venue, also while a filter hides it."""
        return self._selection

    def select_venue(self, venue_id: int) -> bool:
        if not self._venues_selectable or venue_id not in self.model.tree_data.venue_pos:
            return False
        self._select(("venue", venue_id), self.model.venue_index(venue_id))
        return True

    def select_camera(self, camera_id: int) -> bool:
        if camera_id not in self.model.tree_data.camera_pos:
            return False
        self._select(("camera", camera_id), self.model.camera_index(camera_id))
        return True

    def visible_venue_labels(self) -> list[str]:
        """Venue nodes not hidden by the filters, in tree order (for tests and counts)."""
        labels, vis = self.model.tree_data.venue_labels, self.model.visible
        return [labels[v] for g in vis.groups for v in vis.venues_of[g]]

    def visible_camera_ids(self) -> list[int]:
        d, vis = self.model.tree_data, self.model.visible
        return [cid for c, cid in enumerate(d.camera_ids)
                if vis.camera_row[c] >= 0 and vis.venue_row[d.camera_venue[c]] >= 0
                and d.camera_pos[cid] == c]

    # -- internals -------------------------------------------------------------------------
    def _refresh(self, data: TreeData) -> None:
        """Show `data` under the current filter: one model reset, then expansion and selection."""
        needle = self.search.text().strip().lower()
        if self._external and self._visible is not None:
            visible = TreeIndex.of_venues(data, self._visible)
        elif not self._external and needle:
            visible = TreeIndex.matching(data, needle)
        else:
            visible = TreeIndex.everything(data)
        if data is self.model.tree_data:
            self.model.set_visible(visible)
        else:
            self.model.set_content(data, visible)
            if self._selection is not None:
                kind, ident = self._selection
                pos = data.camera_pos if kind == "camera" else data.venue_pos
                if ident not in pos:
                    self._selection = None
        self._restoring = True
        try:
            self._restore_expansion()
            self._restore_selection()
        finally:
            self._restoring = False
        self._show_counts()

    def _small(self) -> bool:
        return self.model.visible.shown_venues <= EXPAND_LIMIT

    def _restore_expansion(self) -> None:
        """Small: everything expanded but what the user collapsed. Large: what the user expanded,
        at most the EXPAND_LIMIT venues opened last (a '*' on a 街镇 opens hundreds; laying out
        each costs the view a few model calls)."""
        model, small = self.model, self._small()
        if small:
            self.tree.expandAll()
            keys = list(self._collapsed)
        else:
            venues = [k for k in self._expanded if k[0] == "venue"]
            for k in venues[:-EXPAND_LIMIT]:
                del self._expanded[k]
            keys = list(self._expanded)
        for kind, key in keys:
            index = model.group_index(key) if kind == "group" else model.venue_index(key)
            if index.isValid():
                self.tree.setExpanded(index, not small)

    def _restore_selection(self) -> None:
        if self._selection is None:
            return
        kind, ident = self._selection
        index = self.model.camera_index(ident) if kind == "camera" else self.model.venue_index(ident)
        if index.isValid():
            self.tree.setCurrentIndex(index)  # quietly: _restoring is set

    def _select(self, what: tuple[str, int], index: QModelIndex) -> None:
        if index.isValid():
            if self.tree.currentIndex() != index:
                self.tree.setCurrentIndex(index)  # _on_current records and signals it
            return
        self.tree.selectionModel().clear()  # filtered out: chosen, but not shown
        if self._selection != what:
            self._selection = what
            (self.cameraSelected if what[0] == "camera" else self.venueSelected).emit(what[1])

    def _on_expansion(self, index: QModelIndex, expanded: bool) -> None:
        if self._restoring or not index.isValid():
            return
        key = self.model.node_key(index)
        if key[0] == "camera":
            return
        if self._small():
            self._collapsed.discard(key) if expanded else self._collapsed.add(key)
        elif expanded:
            self._expanded[key] = None
        else:
            self._expanded.pop(key, None)

    def _show_counts(self) -> None:
        d, vis = self.model.tree_data, self.model.visible
        total_venues, total_cameras = len(d.venue_ids), len(d.camera_ids)
        if vis.shown_venues == total_venues:
            text = self.tr("{0} 个单位 · {1} 个摄像头").format(total_venues, total_cameras)
        else:
            text = self.tr("显示 {0} / {1} 个单位 · {2} 个摄像头").format(vis.shown_venues, total_venues,
                                                                        vis.shown_cameras)
        self.count_label.setText(text)

    def _on_double_click(self, index: QModelIndex) -> None:
        kind, c = self.model.node(index)
        if index.isValid() and kind == CAMERA:
            self.cameraActivated.emit(self.model.tree_data.camera_ids[c])

    def _on_current(self, index: QModelIndex, _previous: QModelIndex) -> None:
        if self._restoring or not index.isValid():
            return
        kind, i = self.model.node(index)
        d = self.model.tree_data
        if kind == CAMERA:
            self._selection = ("camera", d.camera_ids[i])
            self.cameraSelected.emit(d.camera_ids[i])
        elif kind == VENUE and d.venue_ids[i] is not None:
            self._selection = ("venue", d.venue_ids[i])
            if self._venues_selectable:
                self.venueSelected.emit(d.venue_ids[i])
        elif kind == GROUP:
            self._selection = None
