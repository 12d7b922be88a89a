"""The camera tree as a widget on its own: grouping, counts, the search box and filter combos
(the owner answers filterChanged with the venues that pass), selection and drag data."""

from PySide6.QtCore import Qt

from widgets.camera_tree import CAMERA_ROLE, CameraTree, TreeCamera, TreeVenue
from widgets.video_wall import CAMERA_MIME

CAMERAS = [
    TreeCamera(1, "烹饪区", "莘庄镇", "莘庄镇中心小学食堂", venue_id=10),
    TreeCamera(2, "专间", "莘庄镇", "莘庄镇中心小学食堂", venue_id=10),
    TreeCamera(3, "烹饪区", "莘庄镇", "老上海本帮菜馆", venue_id=11),
    TreeCamera(4, "烹饪区", "七宝镇", "七宝中学食堂", "学校", venue_id=12),
]


def _tree(qtbot, **kw) -> CameraTree:
    tree = CameraTree(**kw)
    qtbot.addWidget(tree)
    tree.resize(300, 500)
    tree.show()
    return tree


def test_groups_venues_and_counts(qtbot):
    tree = _tree(qtbot)
    # Venue nodes (also those without cameras) come in the order given, then cameras' venues.
    tree.set_cameras(CAMERAS, [TreeVenue(11, "老上海本帮菜馆", "莘庄镇"), TreeVenue(13, "空单位", "七宝镇")])
    groups = [tree.tree.topLevelItem(i).text(0) for i in range(tree.tree.topLevelItemCount())]
    assert groups == ["莘庄镇 (2)", "七宝镇 (2)"]
    assert tree.visible_venue_labels() == ["老上海本帮菜馆", "莘庄镇中心小学食堂", "空单位", "七宝中学食堂"]
    assert tree.count_label.text() == "4 个单位 · 4 个摄像头"
    # Filters stay hidden until the owner gives choices.
    assert tree.type_box.isHidden() and tree.progress_box.isHidden()


def test_local_search_without_an_owner(qtbot):
    tree = _tree(qtbot)
    tree.set_cameras(CAMERAS)
    tree.search.insert("七宝")  # as an input method commits it (QTest cannot type CJK)
    qtbot.waitUntil(lambda: tree.visible_venue_labels() == ["七宝中学食堂"], timeout=2000)
    assert tree.visible_camera_ids() == [4]
    assert "显示 1 / 3 个单位" in tree.count_label.text()
    tree.search.clear()
    qtbot.waitUntil(lambda: len(tree.visible_venue_labels()) == 3, timeout=2000)


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
    assert tree.tree.topLevelItem(1).isHidden()  # 七宝镇 has nothing left
    tree.type_box.setCurrentIndex(tree.type_box.findData("大型餐饮"))
    assert asked[-1] == ("lsh", frozenset({"大型餐饮"}), None)
    tree.progress_box.setCurrentIndex(tree.progress_box.findData("完成建设"))
    assert asked[-1][2] == frozenset({"完成建设"})
    # Reloading keeps the owner's answer until it gives a new one.
    tree.set_cameras(CAMERAS)
    assert tree.visible_venue_labels() == ["老上海本帮菜馆"]


def test_selection_signals_and_reload_keeps_selection_and_colours(qtbot):
    tree = _tree(qtbot, draggable=False, venues_selectable=True)
    tree.set_cameras(CAMERAS, [TreeVenue(13, "空单位", "七宝镇")])
    venues, cameras = [], []
    tree.venueSelected.connect(venues.append)
    tree.cameraSelected.connect(cameras.append)
    assert tree.select_venue(13) and venues == [13]
    assert tree.select_camera(3) and cameras == [3]
    tree.set_camera_color(3, "#15803d", "在线")
    tree.set_cameras(CAMERAS)
    assert tree.selected() == ("camera", 3)
    assert tree._items[3].toolTip(0) == "在线"


def test_wall_tree_venues_are_not_selectable_and_cameras_drag(qtbot):
    tree = _tree(qtbot)
    tree.set_cameras(CAMERAS)
    assert not tree.select_venue(10)
    item = tree._items[4]
    data = tree.tree.mimeData([item])
    assert bytes(data.data(CAMERA_MIME)) == b"4"
    activated = []
    tree.cameraActivated.connect(activated.append)
    tree.tree.itemDoubleClicked.emit(item, 0)
    assert activated == [4] and item.data(0, CAMERA_ROLE) == 4
    assert item.flags() & Qt.ItemIsDragEnabled
