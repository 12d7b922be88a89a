"""The camera tree as a widget on its own: grouping, counts, the search box and filter combos
(the owner answers filterChanged with the venues that pass), selection and drag data, and a
district's size (12,500 venues, 25,000 cameras) without freezing the GUI.

Benchmark (prints the figures; not a test):  .venv/bin/python -m tests.widgets.test_camera_tree
"""

import time

from PySide6.QtCore import QModelIndex, Qt

from widgets.camera_tree import CAMERA_ROLE, EXPAND_LIMIT, CameraTree, TreeCamera, TreeVenue
from widgets.video_wall import CAMERA_MIME

CAMERAS = [
    TreeCamera(1, "烹饪区", "莘庄镇", "莘庄镇中心小学食堂", venue_id=10),
    TreeCamera(2, "专间", "莘庄镇", "莘庄镇中心小学食堂", venue_id=10),
    TreeCamera(3, "烹饪区", "莘庄镇", "老上海本帮菜馆", venue_id=11),
    TreeCamera(4, "烹饪区", "七宝镇", "七宝中学食堂", "学校", venue_id=12),
]
STREETS = ("莘庄镇", "七宝镇", "浦江镇", "梅陇镇", "虹桥镇", "马桥镇", "吴泾镇", "华漕镇", "颛桥镇", "江川路街道",
           "古美路街道", "新虹街道", "浦锦街道", "莘庄工业区")


def district(venues: int = 12_500, per_venue: int = 2) -> tuple[list[TreeCamera], list[TreeVenue]]:
    """Minhang's scale: venues spread over 14 街镇, each with `per_venue` cameras."""
    vs = [TreeVenue(v, f"单位{v:05d}食堂", STREETS[v % len(STREETS)], tooltip=f"闵行区某路 {v} 号")
          for v in range(venues)]
    cams = [TreeCamera(v * per_venue + k, ("烹饪区", "专间", "洗消间")[k % 3], vs[v].group, vs[v].label, venue_id=v)
            for v in range(venues) for k in range(per_venue)]
    return cams, vs


def _tree(qtbot, **kw) -> CameraTree:
    tree = CameraTree(**kw)
    qtbot.addWidget(tree)
    tree.resize(300, 500)
    tree.show()
    return tree


def _groups(tree: CameraTree) -> list[str]:
    m = tree.model
    return [m.index(i, 0).data() for i in range(m.rowCount())]


def _expanded(tree: CameraTree) -> list[str]:
    m = tree.model
    return [m.index(i, 0).data() for i in range(m.rowCount()) if tree.tree.isExpanded(m.index(i, 0))]


def test_groups_venues_and_counts(qtbot):
    tree = _tree(qtbot)
    # Venue nodes (also those without cameras) come in the order given, then cameras' venues.
    tree.set_cameras(CAMERAS, [TreeVenue(11, "老上海本帮菜馆", "莘庄镇"), TreeVenue(13, "空单位", "七宝镇")])
    assert _groups(tree) == ["莘庄镇 (2)", "七宝镇 (2)"]
    assert tree.visible_venue_labels() == ["老上海本帮菜馆", "莘庄镇中心小学食堂", "空单位", "七宝中学食堂"]
    assert tree.count_label.text() == "4 个单位 · 4 个摄像头"
    # A small tree shows everything expanded, as before.
    assert _expanded(tree) == _groups(tree)
    assert tree.tree.isExpanded(tree.model.venue_index(10))
    # Filters stay hidden until the owner gives choices.
    assert tree.type_box.isHidden() and tree.progress_box.isHidden()
    # Callers that walked the old QTreeWidget still can.
    assert tree.tree.topLevelItem(1).text(0) == "七宝镇 (2)" and tree.tree.topLevelItemCount() == 2
    assert [tree.tree.topLevelItem(0).child(1).child(k).text(0) for k in range(2)] == ["烹饪区", "专间"]


def test_cameras_without_venue_id_group_by_venue_name(qtbot):
    tree = _tree(qtbot)
    tree.set_cameras([TreeCamera(1, "a", "", "食堂甲"), TreeCamera(2, "b", "", "食堂甲"),
                      TreeCamera(3, "c", "x", "食堂乙")])
    assert _groups(tree) == ["未分街镇 (1)", "x (1)"]
    assert tree.visible_venue_labels() == ["食堂甲", "食堂乙"]
    assert tree.model.rowCount(tree.model.index(0, 0, tree.model.index(0, 0))) == 2


def test_local_search_without_an_owner(qtbot):
    tree = _tree(qtbot)
    tree.set_cameras(CAMERAS)
    tree.search.insert("七宝")  # as an input method commits it (QTest cannot type CJK)
    qtbot.waitUntil(lambda: tree.visible_venue_labels() == ["七宝中学食堂"], timeout=2000)
    assert tree.visible_camera_ids() == [4]
    assert "显示 1 / 3 个单位" in tree.count_label.text()
    tree.search.clear()
    qtbot.waitUntil(lambda: len(tree.visible_venue_labels()) == 3, timeout=2000)
    # A camera's name matches alone: its venue shows with that camera only.
    tree.search.insert("专间")
    qtbot.waitUntil(lambda: tree.visible_camera_ids() == [2], timeout=2000)
    assert tree.visible_venue_labels() == ["莘庄镇中心小学食堂"]
    assert tree.model.camera_index(2).row() == 0 and not tree.model.camera_index(1).isValid()


def test_owner_decides_which_venues_pass(qtbot):
    tree = _tree(qtbot)
    tree.set_filter_options(["学校食堂", "大型餐饮"], ["前期准备", "完成建设"])
    assert tree.type_box.isVisibleTo(tree) and tree.type_box.count() == 3
    tree.set_cameras(CAMERAS)
    asked = []

    def owner(query, types, progress):
        asked.append((query, types, progress))
        tree.set_visible_venues({11} if query == "lsh" else None)

    tree.filterChanged.connect(owner)
    qtbot.keyClicks(tree.search, "lsh")
    qtbot.waitUntil(lambda: tree.visible_venue_labels() == ["老上海本帮菜馆"], timeout=2000)
    assert asked[-1] == ("lsh", None, None)  # debounced: one question for the whole word
    assert len(asked) == 1
    assert _groups(tree) == ["莘庄镇 (1)"]  # 七宝镇 has nothing left
    assert tree.visible_camera_ids() == [3]
    tree.type_box.setCurrentIndex(tree.type_box.findData("大型餐饮"))
    assert asked[-1] == ("lsh", frozenset({"大型餐饮"}), None)
    tree.progress_box.setCurrentIndex(tree.progress_box.findData("完成建设"))
    assert asked[-1][2] == frozenset({"完成建设"})
    # Reloading keeps the owner's answer until it gives a new one.
    tree.set_cameras(CAMERAS)
    assert tree.visible_venue_labels() == ["老上海本帮菜馆"]
    tree.set_visible_venues(None)
    assert _groups(tree) == ["莘庄镇 (2)", "七宝镇 (1)"] and tree.count_label.text() == "3 个单位 · 4 个摄像头"


def test_selection_signals_and_reload_keeps_selection_and_colours(qtbot):
    tree = _tree(qtbot, draggable=False, venues_selectable=True)
    tree.set_cameras(CAMERAS, [TreeVenue(13, "空单位", "七宝镇")])
    venues, cameras = [], []
    tree.venueSelected.connect(venues.append)
    tree.cameraSelected.connect(cameras.append)
    assert tree.select_venue(13) and venues == [13]
    assert tree.select_camera(3) and cameras == [3]
    assert not tree.select_camera(99) and not tree.select_venue(99)
    tree.set_camera_color(3, "#15803d", "在线")
    tree.set_cameras(CAMERAS)
    assert tree.selected() == ("camera", 3) and cameras == [3]  # restored without a new signal
    assert tree.tree.currentIndex() == tree.model.camera_index(3)
    index = tree.model.camera_index(3)
    assert index.data(Qt.ToolTipRole) == "在线"
    dot = index.data(Qt.DecorationRole).pixmap(12, 12).toImage()
    assert dot.pixelColor(6, 6).name() == "#15803d"
    # Filtered out, the selection stays chosen and comes back with the venue.
    tree.set_visible_venues({10})
    assert tree.selected() == ("camera", 3) and not tree.tree.currentIndex().isValid()
    tree.set_visible_venues(None)
    assert tree.tree.currentIndex() == tree.model.camera_index(3)
    # Choosing a venue the filter hides still says so.
    tree.set_visible_venues({10})
    assert tree.select_venue(12) and venues == [13, 12] and tree.selected() == ("venue", 12)
    # A venue that leaves the data leaves the selection too.
    tree.set_cameras(CAMERAS[:2])
    assert tree.selected() is None


def test_status_colour_repaints_one_row_only(qtbot):
    tree = _tree(qtbot)
    tree.set_cameras(CAMERAS)
    changed, resets = [], []
    tree.model.dataChanged.connect(lambda a, b, roles: changed.append((a, b)))
    tree.model.modelReset.connect(lambda: resets.append(1))
    tree.set_camera_color(2, "#b91c1c", "离线：连接超时")
    tree.set_camera_color(2, "#b91c1c", "离线：连接超时")  # no change: no repaint
    assert len(changed) == 1 and changed[0][0] == changed[0][1] == tree.model.camera_index(2)
    assert not resets
    tree.set_camera_color(77, "#15803d", "在线")  # not loaded (yet): remembered, nothing to repaint
    assert len(changed) == 1
    # A colour for a camera filtered out shows once it is back.
    tree.set_visible_venues({12})
    tree.set_camera_color(1, "#15803d", "在线")
    tree.set_visible_venues(None)
    assert tree.model.camera_index(1).data(Qt.ToolTipRole) == "在线"


def test_wall_tree_venues_are_not_selectable_and_cameras_drag(qtbot):
    tree = _tree(qtbot)
    tree.set_cameras(CAMERAS)
    assert not tree.select_venue(10)
    index = tree.model.camera_index(4)
    data = tree.model.mimeData([tree.model.venue_index(12), index])
    assert bytes(data.data(CAMERA_MIME)) == b"4" and data.text() == "烹饪区"
    assert tree.model.mimeTypes() == [CAMERA_MIME]
    activated = []
    tree.cameraActivated.connect(activated.append)
    tree.tree.doubleClicked.emit(index)
    tree.tree.doubleClicked.emit(tree.model.venue_index(12))  # a venue only toggles
    assert activated == [4] and index.data(CAMERA_ROLE) == 4
    assert tree.model.flags(index) & Qt.ItemIsDragEnabled
    assert not tree.model.flags(tree.model.venue_index(12)) & Qt.ItemIsSelectable
    assert tree.tree.dragEnabled()


def test_a_district_loads_collapsed_and_expands_what_a_search_narrows(qtbot):
    tree = _tree(qtbot)
    cams, venues = district()
    started = time.perf_counter()
    tree.set_cameras(cams, venues)
    assert time.perf_counter() - started < 1.0  # ~40 ms on a 2-core machine; this only catches a regression
    assert tree.count_label.text() == "12500 个单位 · 25000 个摄像头"
    assert _groups(tree)[:2] == ["莘庄镇 (893)", "七宝镇 (893)"] and _expanded(tree) == []
    # The user's own expanding survives a filter and a reload.
    tree.tree.expand(tree.model.index(1, 0))
    started = time.perf_counter()
    tree.set_visible_venues(range(0, 12_500, 3))
    assert time.perf_counter() - started < 1.0
    assert _expanded(tree) == ["七宝镇 (298)"]
    tree.set_cameras(cams, venues)
    assert _expanded(tree) == ["七宝镇 (298)"]
    # A search that leaves few venues shows them all expanded.
    tree.set_visible_venues(range(0, EXPAND_LIMIT))
    assert len(_expanded(tree)) == len(STREETS) and tree.tree.isExpanded(tree.model.venue_index(5))
    assert "显示 200 / 12500 个单位 · 400 个摄像头" == tree.count_label.text()
    tree.set_camera_color(24_999, "#15803d", "在线")  # filtered out: nothing to repaint
    assert not tree.model.camera_index(24_999).isValid()
    tree.set_visible_venues(None)
    assert _expanded(tree) == ["七宝镇 (893)"]
    assert tree.model.camera_index(24_999).data(Qt.ToolTipRole) == "在线"
    # Everything opened at once ('*' on a node): a filter restores the groups and only the venues
    # opened last, so the view never lays out a district's 37,500 rows again.
    tree.tree.expandAll()
    started = time.perf_counter()
    tree.set_visible_venues(range(0, 12_500, 3))
    assert time.perf_counter() - started < 1.0
    assert len(_expanded(tree)) == len(STREETS)
    opened = [v for v in range(0, 12_500, 3) if tree.tree.isExpanded(tree.model.venue_index(v))]
    assert 0 < len(opened) <= EXPAND_LIMIT
    tree.tree.collapseAll()
    tree.set_visible_venues(None)
    assert _expanded(tree) == []
    # Selecting a camera deep inside opens its parents.
    assert tree.select_camera(20_001)
    venue = tree.model.venue_index(10_000)
    assert tree.tree.isExpanded(venue) and tree.tree.isExpanded(venue.parent())
    assert not tree.model.parent(QModelIndex()).isValid() and tree.model.parent() is tree


def benchmark(venues: int = 12_500, per_venue: int = 2, rounds: int = 5) -> dict[str, list[float]]:
    """Milliseconds of each of `rounds` runs to load and to filter a district's tree, offscreen."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    cams, vs = district(venues, per_venue)
    tree = CameraTree(draggable=False, venues_selectable=True)
    tree.resize(320, 900)
    tree.show()
    app.processEvents()
    own = CameraTree()  # no owner: the tree's own substring search
    own.set_cameras(cams, vs)
    own.search.setText("0012")
    third = set(range(0, venues, 3))
    flips = [0]

    def statuses() -> None:  # what a busy wall sends: a different colour each time
        flips[0] += 1
        for c in range(1000):
            tree.set_camera_color(c, ("#15803d", "#b91c1c")[(c + flips[0]) % 2], "在线")

    steps = {
        "set_cameras": lambda: tree.set_cameras(cams, vs),
        "filter_third": lambda: tree.set_visible_venues(third),
        "filter_200": lambda: tree.set_visible_venues(range(EXPAND_LIMIT)),
        "unfilter": lambda: tree.set_visible_venues(None),
        "status_x1000": statuses,
        "own_search": own._emit_filter,
        "paint": app.processEvents,
    }
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            started = time.perf_counter()
            step()
            if name == "filter_200" or name == "unfilter":
                app.processEvents()  # the view lays out what the filter expanded
            times[name].append((time.perf_counter() - started) * 1000)
    tree.close()
    own.deleteLater()
    return times


if __name__ == "__main__":
    for step, ms in benchmark().items():
        print(f"{step:14s} best {min(ms):6.1f} ms  worst {max(ms):6.1f} ms")
