"""The zone editor driven as a person would: real mouse clicks, drags and keys on the canvas,
on a non-square picture, and its output read back through the rule engine's own parser."""

import json

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtTest import QTest

from detectors.rules.config import CameraRules
from widgets.zone_editor import INCLUDE, MASK, PLACEHOLDER_SIZE, ZoneEditor

TOL = 0.006  # one screen pixel is ~1/900 of the picture here; clicks land on whole pixels


@pytest.fixture
def editor(qtbot):
    e = ZoneEditor()
    qtbot.addWidget(e)
    e.resize(1000, 600)
    e.show()
    qtbot.waitExposed(e)
    picture = QImage(400, 100, QImage.Format_RGB32)  # 4:1, so x and y fractions differ in scale
    picture.fill(QColor("#808080"))
    e.set_picture(picture)
    return e


def _click(canvas, fx, fy, button=Qt.LeftButton):
    QTest.mouseClick(canvas.viewport(), button, Qt.NoModifier, canvas.view_point(fx, fy))


def _drag(canvas, start, end, steps=5):
    vp = canvas.viewport()
    a, b = canvas.view_point(*start), canvas.view_point(*end)
    QTest.mousePress(vp, Qt.LeftButton, Qt.NoModifier, a)
    for i in range(1, steps + 1):
        QTest.mouseMove(vp, a + (b - a) * i / steps)
    QTest.mouseRelease(vp, Qt.LeftButton, Qt.NoModifier, b)


def _draw(canvas, kind, points, close="dclick"):
    canvas.start_drawing(kind)
    for p in points[:-1]:
        _click(canvas, *p)
    if close == "dclick":
        QTest.mouseDClick(canvas.viewport(), Qt.LeftButton, Qt.NoModifier, canvas.view_point(*points[-1]))
    else:
        _click(canvas, *points[-1])
        QTest.keyClick(canvas, Qt.Key_Return)


def _close(actual, expected):
    assert len(actual) == len(expected), actual
    for (ax, ay), (ex, ey) in zip(actual, expected, strict=True):
        assert abs(ax - ex) <= TOL and abs(ay - ey) <= TOL, (actual, expected)


SQUARE = [(0.1, 0.2), (0.4, 0.2), (0.4, 0.8), (0.1, 0.8)]


def test_draw_a_polygon_with_clicks_and_double_click_gives_picture_fractions(editor):
    c = editor.canvas
    assert c.picture_size() == (400, 100) and c.has_picture()
    # The picture keeps its 4:1 shape inside the 1000x~550 canvas.
    tl, br = c.view_point(0, 0), c.view_point(1, 1)
    assert abs((br.x() - tl.x()) / (br.y() - tl.y()) - 4.0) < 0.05
    _draw(c, INCLUDE, SQUARE)
    assert c.drawing() == ""
    zones = editor.zones()
    assert len(zones) == 1 and zones[0]["kind"] == "include" and zones[0]["name"] == "区域1"
    _close(zones[0]["points"], SQUARE)
    # A point clicked at picture pixel (300, 25) is (0.75, 0.25), whatever the widget's size.
    _draw(c, INCLUDE, [(0.75, 0.25), (0.95, 0.25), (0.95, 0.75)], close="enter")
    _close(editor.zones()[1]["points"], [(0.75, 0.25), (0.95, 0.25), (0.95, 0.75)])
    px = c.mapToScene(c.view_point(0.75, 0.25))
    assert abs(px.x() - 300) <= 2 and abs(px.y() - 25) <= 1


def test_clicking_the_first_point_closes_and_two_points_do_not(editor):
    c = editor.canvas
    c.start_drawing(INCLUDE)
    _click(c, 0.2, 0.2)
    _click(c, 0.6, 0.2)
    QTest.keyClick(c, Qt.Key_Return)  # two points: no polygon yet
    assert c.drawing() == INCLUDE and editor.zones() == []
    _click(c, 0.6, 0.7)
    _click(c, 0.2, 0.2)  # back on the first point
    assert c.drawing() == "" and len(editor.zones()) == 1
    _close(editor.zones()[0]["points"], [(0.2, 0.2), (0.6, 0.2), (0.6, 0.7)])


def test_right_click_takes_a_point_back_and_escape_cancels(editor):
    c = editor.canvas
    c.start_drawing(MASK)
    for p in ((0.1, 0.1), (0.3, 0.1), (0.9, 0.9)):
        _click(c, *p)
    _click(c, 0.5, 0.5, Qt.RightButton)
    _close(c.draft_points(), [(0.1, 0.1), (0.3, 0.1)])
    QTest.keyClick(c, Qt.Key_Escape)
    assert c.drawing() == "" and editor.zones() == [] and not c.undo_stack.canUndo()


def test_mask_and_include_are_kept_apart_and_drawn_differently(editor, qtbot):
    c = editor.canvas
    qtbot.mouseClick(editor.add_include_button, Qt.LeftButton)
    assert c.drawing() == INCLUDE and not editor.add_mask_button.isEnabled()
    for p in [(0.05, 0.1), (0.45, 0.1), (0.45, 0.9)]:
        _click(c, *p)
    QTest.mouseDClick(c.viewport(), Qt.LeftButton, Qt.NoModifier, c.view_point(0.05, 0.9))
    qtbot.mouseClick(editor.add_mask_button, Qt.LeftButton)
    assert c.drawing() == MASK
    for p in [(0.55, 0.1), (0.95, 0.1), (0.95, 0.9)]:
        _click(c, *p)
    QTest.mouseDClick(c.viewport(), Qt.LeftButton, Qt.NoModifier, c.view_point(0.55, 0.9))
    zones = editor.zones()
    assert [z["kind"] for z in zones] == ["include", "mask"]
    assert [z["name"] for z in zones] == ["区域1", "屏蔽区1"]
    c.select(-1)
    shot = c.viewport().grab().toImage()
    include = QColor(shot.pixel(c.view_point(0.25, 0.5)))
    mask_pixels = [QColor(shot.pixel(c.view_point(0.75, 0.5) + QPoint(dx, 0))) for dx in range(12)]
    grey = QColor("#808080")
    assert include.green() > include.red() + 10 and include.green() > grey.green()  # green tint
    assert any(p.red() > p.green() + 40 for p in mask_pixels)  # orange hatch lines
    assert len({p.rgb() for p in mask_pixels}) > 1  # hatched, not a flat fill


def test_move_a_vertex_and_undo_redo(editor):
    c = editor.canvas
    c.set_zones([{"kind": "include", "name": "操作台", "points": SQUARE}])
    assert not c.undo_stack.canUndo()  # loading is not an edit
    _drag(c, (0.4, 0.8), (0.6, 0.9))
    moved = [(0.1, 0.2), (0.4, 0.2), (0.6, 0.9), (0.1, 0.8)]
    _close(editor.zones()[0]["points"], moved)
    assert c.selected() == 0 and editor.delete_button.isEnabled()
    assert c.undo_stack.count() == 1
    QTest.keyClick(c, Qt.Key_Z, Qt.ControlModifier)
    _close(editor.zones()[0]["points"], SQUARE)
    QTest.keyClick(c, Qt.Key_Y, Qt.ControlModifier)
    _close(editor.zones()[0]["points"], moved)
    # The buttons do the same.
    QTest.mouseClick(editor.undo_button, Qt.LeftButton)
    _close(editor.zones()[0]["points"], SQUARE)
    assert editor.redo_button.isEnabled()
    QTest.mouseClick(editor.redo_button, Qt.LeftButton)
    _close(editor.zones()[0]["points"], moved)


def test_drag_the_whole_polygon_stays_on_the_picture(editor):
    c = editor.canvas
    c.set_zones([{"kind": "mask", "name": "电视", "points": SQUARE}])
    _drag(c, (0.25, 0.5), (0.45, 0.6))
    _close(editor.zones()[0]["points"], [(x + 0.2, y + 0.1) for x, y in SQUARE])
    _drag(c, (0.45, 0.6), (0.99, 0.99))  # pulled past the corner: stops at the edges
    pts = editor.zones()[0]["points"]
    assert max(p[0] for p in pts) == pytest.approx(1.0) and max(p[1] for p in pts) == pytest.approx(1.0)
    assert min(p[0] for p in pts) == pytest.approx(0.7, abs=TOL)  # the shape is unchanged
    assert editor.zones()[0]["kind"] == "mask" and editor.zones()[0]["name"] == "电视"
    c.undo_stack.undo()
    c.undo_stack.undo()
    _close(editor.zones()[0]["points"], SQUARE)


def test_select_delete_with_del_and_undo(editor):
    c = editor.canvas
    c.set_zones(
        [
            {"kind": "include", "name": "A", "points": SQUARE},
            {"kind": "mask", "name": "B", "points": [(0.6, 0.1), (0.9, 0.1), (0.9, 0.5)]},
        ]
    )
    _click(c, 0.8, 0.2)  # inside B
    assert c.selected() == 1 and editor.name_edit.text() == "B"
    QTest.keyClick(c, Qt.Key_Delete)
    assert [z["name"] for z in editor.zones()] == ["A"] and c.selected() == -1
    c.undo_stack.undo()
    assert [z["name"] for z in editor.zones()] == ["A", "B"]
    _click(c, 0.2, 0.5)  # inside A
    QTest.mouseClick(editor.delete_button, Qt.LeftButton)
    assert [z["name"] for z in editor.zones()] == ["B"]
    _click(c, 0.5, 0.95)  # empty picture: nothing selected, Del does nothing
    assert c.selected() == -1
    QTest.keyClick(c, Qt.Key_Delete)
    assert len(editor.zones()) == 1


def test_rename_is_one_undo_step(editor, qtbot):
    c = editor.canvas
    c.set_zones([{"kind": "include", "name": "区域1", "points": SQUARE}])
    _click(c, 0.2, 0.5)
    assert editor.name_edit.isEnabled()
    editor.name_edit.selectAll()
    qtbot.keyClicks(editor.name_edit, "zone-A")
    assert editor.zones()[0]["name"] == "zone-A"
    assert c.undo_stack.count() == 1
    c.undo_stack.undo()
    assert editor.zones()[0]["name"] == "区域1" and editor.name_edit.text() == "区域1"


def test_round_trip_through_camera_rules(editor):
    c = editor.canvas
    _draw(c, INCLUDE, SQUARE)
    _draw(c, MASK, [(0.6, 0.1), (0.9, 0.1), (0.9, 0.5)], close="enter")
    c.rename(0, "操作台")
    text = json.dumps(editor.zones(), ensure_ascii=False)
    rules = CameraRules.from_json(zones_json=text)
    assert [(z.kind, z.name) for z in rules.zones] == [("include", "操作台"), ("mask", "屏蔽区1")]
    assert rules.zones[0].contains(0.25, 0.5) and not rules.zones[0].contains(0.7, 0.3)
    assert rules.zones[1].contains(0.85, 0.2)
    # And back: the parser's own output loads into a fresh editor unchanged.
    again = json.loads(rules.to_json().zones_json)
    c.set_zones(again)
    assert editor.zones() == [{**z, "points": [[round(x, 4), round(y, 4)] for x, y in z["points"]]} for z in again]


def test_placeholder_without_picture_and_a_new_picture_keeps_the_zones(qtbot):
    e = ZoneEditor()
    qtbot.addWidget(e)
    e.resize(800, 600)
    e.show()
    qtbot.waitExposed(e)
    c = e.canvas
    assert not c.has_picture() and c.picture_size() == PLACEHOLDER_SIZE  # 16:9
    tl, br = c.view_point(0, 0), c.view_point(1, 1)
    assert abs((br.x() - tl.x()) / (br.y() - tl.y()) - 16 / 9) < 0.02
    e.set_message("无法获取画面：连接被拒绝")
    shot = c.viewport().grab().toImage()
    assert QColor(shot.pixel(c.view_point(0.1, 0.1))) == QColor("#4b5563")  # grey placeholder
    # Editing works without a picture.
    _draw(c, INCLUDE, SQUARE)
    _close(e.zones()[0]["points"], SQUARE)
    e.set_picture(None, size=(640, 480))  # the camera's known size
    assert c.picture_size() == (640, 480)
    picture = QImage(1280, 720, QImage.Format_RGB32)
    picture.fill(QColor("#336699"))
    e.set_picture(picture)
    assert c.has_picture() and c.picture_size() == (1280, 720)
    _close(e.zones()[0]["points"], SQUARE)  # same place on the picture
    _drag(c, (0.1, 0.2), (0.05, 0.1))
    _close(e.zones()[0]["points"], [(0.05, 0.1), *SQUARE[1:]])
    c.undo_stack.undo()  # history survives the size change
    _close(e.zones()[0]["points"], SQUARE)


def test_scales_with_the_widget(editor, qtbot):
    c = editor.canvas
    _draw(c, INCLUDE, SQUARE)
    before = c.view_point(0.4, 0.8)
    editor.resize(600, 500)
    qtbot.waitUntil(lambda: c.view_point(0.4, 0.8) != before, timeout=2000)
    tl, br = c.view_point(0, 0), c.view_point(1, 1)
    assert br.x() - tl.x() <= 600 and abs((br.x() - tl.x()) / (br.y() - tl.y()) - 4.0) < 0.1
    _drag(c, (0.4, 0.8), (0.5, 0.8))  # still editable at the new scale
    _close(editor.zones()[0]["points"], [(0.1, 0.2), (0.4, 0.2), (0.5, 0.8), (0.1, 0.8)])


def test_bad_entries_in_loaded_zones_are_left_out(editor):
    editor.set_zones([{"kind": "mask", "points": [[0, 0], [1, 0], [1, 2]]}, {"points": [[0, 0], [1, 1]]}, "x"])
    zones = editor.zones()
    assert len(zones) == 1 and zones[0]["kind"] == "mask" and zones[0]["points"][2] == [1.0, 1.0]
