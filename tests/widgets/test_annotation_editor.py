"""The annotation editor driven as a person would: real mouse drags, clicks, keys and the wheel on
the canvas at a zoom that is not 1, its document read back by the core's own parser, and its
render() compared pixel by pixel with the original and with the core's headless render."""

import json

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from desktop.core import annotation_shapes as core
from widgets.annotation_editor import (
    ARROW,
    BLUR,
    ELLIPSE,
    FREELINE,
    MARKER,
    MOSAIC,
    RECT,
    SELECT,
    TEXT,
    AnnotationEditor,
)

W, H = 640, 400


def textured(w=W, h=H, seed=3) -> QImage:
    """Gradients plus noise: mosaic and blur visibly change every pixel they touch."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    base = np.stack([xx * 200 // w, yy * 200 // h, (xx + yy) * 100 // (w + h)], axis=2)
    arr = np.clip(base + rng.integers(0, 56, (h, w, 3)), 0, 255).astype(np.uint8)
    rgb = np.ascontiguousarray(arr)
    return QImage(rgb.data, w, h, w * 3, QImage.Format_RGB888).copy()


def bgr_of(image: QImage) -> np.ndarray:
    img = image.convertToFormat(QImage.Format_RGB32)
    w, h = img.width(), img.height()
    raw = np.frombuffer(img.constBits(), np.uint8, count=img.bytesPerLine() * h)
    return raw.reshape(h, img.bytesPerLine())[:, : w * 4].reshape(h, w, 4)[:, :, :3].copy()


@pytest.fixture
def editor(qtbot):
    e = AnnotationEditor()
    qtbot.addWidget(e)
    e.resize(1100, 760)
    e.show()
    qtbot.waitExposed(e)
    e.load(textured())
    return e


def vp(canvas, x, y) -> QPoint:
    return canvas.view_point(x, y)


def drag(canvas, start, end, steps=6, button=Qt.LeftButton):
    port = canvas.viewport()
    a, b = vp(canvas, *start), vp(canvas, *end)
    QTest.mousePress(port, button, Qt.NoModifier, a)
    for i in range(1, steps + 1):
        QTest.mouseMove(port, a + (b - a) * i / steps)
    QTest.mouseRelease(port, button, Qt.NoModifier, b)


def click(canvas, x, y):
    QTest.mouseClick(canvas.viewport(), Qt.LeftButton, Qt.NoModifier, vp(canvas, x, y))


def key(canvas, k, mods=Qt.NoModifier):
    QTest.keyClick(canvas, k, mods)


def close_to(shape, tol, **expected):
    for k, v in expected.items():
        assert abs(shape[k] - v) <= tol, (k, shape[k], v, shape)


def draw_rect(editor, start=(100, 80), end=(300, 230)):
    editor.tool_buttons[RECT].click()
    drag(editor.canvas, start, end)


def test_a_dragged_rectangle_is_one_shape_in_image_pixels(editor):
    c = editor.canvas
    assert abs(c.zoom() - 1.0) > 0.2  # fitted: the picture is scaled on screen
    tol = 1.5 / c.zoom() + 0.5
    draw_rect(editor)
    shapes = editor.shapes()
    assert len(shapes) == 1 and shapes[0]["type"] == "rect"
    close_to(shapes[0], tol, x=100, y=80, w=200, h=150)
    assert shapes[0]["colour"] == "#ef4444" and shapes[0]["width"] >= 2
    # Zoomed in and scrolled: the same drag still lands on the same picture pixels.
    c.zoom_to(2.5, vp(c, 400, 300))
    assert abs(c.zoom() - 2.5) < 1e-6
    drag(c, (380, 280), (450, 330))
    close_to(editor.shapes()[1], 1.0, x=380, y=280, w=70, h=50)
    # What the core reads back is the same rectangle.
    parsed = core.from_json(editor.shapes_json())
    assert isinstance(parsed[0], core.Rect) and abs(parsed[0].x - 100) <= tol
    assert json.loads(editor.shapes_json())["image"] == {"width": W, "height": H}


def test_a_tiny_drag_or_a_click_draws_nothing(editor):
    editor.tool_buttons[ELLIPSE].click()
    click(editor.canvas, 200, 200)
    drag(editor.canvas, (200, 200), (200.5, 200.5))
    assert editor.shapes() == []
    assert not editor.is_modified()


def test_move_resize_delete_and_undo_redo_restore_each_step(editor):
    c = editor.canvas
    draw_rect(editor)
    first = editor.shapes()[0]
    editor.tool_buttons[SELECT].click()
    # Move: grab the rectangle's top edge (not its middle handle) and drag it 60 right, 40 down.
    drag(c, (150, 80), (210, 120))
    moved = editor.shapes()[0]
    close_to(moved, 1.5, x=first["x"] + 60, y=first["y"] + 40, w=first["w"], h=first["h"])
    assert c.selected() == 0
    # Resize by the bottom-right handle.
    br = (moved["x"] + moved["w"], moved["y"] + moved["h"])
    drag(c, br, (br[0] + 50, br[1] + 30))
    resized = editor.shapes()[0]
    close_to(resized, 1.5, x=moved["x"], y=moved["y"], w=moved["w"] + 50, h=moved["h"] + 30)
    # The top-left handle moves only that corner.
    drag(c, (resized["x"], resized["y"]), (resized["x"] - 20, resized["y"] - 10))
    corner = editor.shapes()[0]
    close_to(corner, 1.5, x=resized["x"] - 20, y=resized["y"] - 10, w=resized["w"] + 20, h=resized["h"] + 10)
    # Delete with Del.
    key(c, Qt.Key_Delete)
    assert editor.shapes() == []
    # Undo walks back through every step, redo forward again.
    key(c, Qt.Key_Z, Qt.ControlModifier)
    assert editor.shapes() == [corner]
    key(c, Qt.Key_Z, Qt.ControlModifier)
    assert editor.shapes() == [resized]
    key(c, Qt.Key_Z, Qt.ControlModifier)
    assert editor.shapes() == [moved]
    while editor.undo_stack.canUndo():
        key(c, Qt.Key_Z, Qt.ControlModifier)
    assert editor.shapes() == [] and not editor.is_modified()
    key(c, Qt.Key_Y, Qt.ControlModifier)
    assert editor.shapes() == [first]
    key(c, Qt.Key_Y, Qt.ControlModifier)
    assert editor.shapes() == [moved]
    editor.redo_button.click()
    editor.redo_button.click()
    editor.redo_button.click()
    assert editor.shapes() == []
    editor.undo_button.click()
    assert editor.shapes() == [corner]


def test_move_is_kept_on_the_picture(editor):
    c = editor.canvas
    draw_rect(editor, (500, 300), (600, 380))
    editor.tool_buttons[SELECT].click()
    drag(c, (530, 300), (680, 100))  # dragged far right: stops at the right edge
    s = editor.shapes()[0]
    assert abs(s["x"] + s["w"] - W) <= 1.0 and s["y"] < 120


def test_numbered_markers_count_1_2_3(editor):
    c = editor.canvas
    editor.tool_buttons[MARKER].click()
    for x in (100, 200, 300):
        click(c, x, 150)
    markers = editor.shapes()
    assert [m["number"] for m in markers] == [1, 2, 3]
    close_to(markers[1], 1.5, x=200, y=150)
    key(c, Qt.Key_Z, Qt.ControlModifier)
    click(c, 400, 150)
    assert [m["number"] for m in editor.shapes()] == [1, 2, 3]
    click(c, 450, 150)
    assert [m["number"] for m in editor.shapes()] == [1, 2, 3, 4]


def test_mosaic_and_blur_change_the_render_only_inside_their_region(editor):
    c = editor.canvas
    original = textured()
    before = bgr_of(original)
    editor.tool_buttons[MOSAIC].click()
    drag(c, (120, 100), (260, 200))
    editor.tool_buttons[BLUR].click()
    drag(c, (400, 220), (520, 330))
    mosaic, blur = editor.shapes()
    assert mosaic["type"] == "mosaic" and blur["type"] == "blur"
    out = editor.render()
    assert (out.width(), out.height()) == (W, H)
    after = bgr_of(out)
    changed = np.any(after != before, axis=2)
    inside = np.zeros_like(changed)
    for s in (mosaic, blur):
        x0, y0, x1, y1 = core.pixel_region(s["x"], s["y"], s["w"], s["h"], W, H)
        assert changed[y0:y1, x0:x1].mean() > 0.9, s["type"]
        inside[y0:y1, x0:x1] = True
    assert not changed[~inside].any()
    # The editor shows them live: the pixmap items hold the redacted pixels.
    assert len(c.scene().items()) >= 3
    # The same pixels as the core's headless render (same algorithm on the same original).
    headless = core.render(before, core.from_json(editor.shapes_json()))
    assert np.abs(headless.astype(int) - after.astype(int)).max() <= 1
    # The original picture handed to the editor is untouched.
    assert (bgr_of(c.original()) == before).all()


def test_render_of_a_large_picture_has_its_full_size(qtbot, editor):
    big = textured(1920, 1080)
    editor.load(big)
    assert editor.canvas.zoom() < 0.7
    draw_rect(editor, (1000, 500), (1500, 900))
    close_to(editor.shapes()[0], 3.0, x=1000, y=500, w=500, h=400)
    out = editor.render()
    assert (out.width(), out.height()) == (1920, 1080)
    px = bgr_of(out)
    assert np.abs(px[500, 1250].astype(int) - (0x44, 0x44, 0xEF)).max() < 40  # on the top edge: #ef4444
    assert (px[600:800, 1100:1400] == bgr_of(big)[600:800, 1100:1400]).all()  # inside: the original


def test_load_then_shapes_json_round_trips(editor):
    shapes = [
        core.Rect(10.5, 20, 200, 100, core.Style("#ff0000", 4)),
        core.Ellipse(30, 40, 120, 60, core.Style("#00ff00", 2.5)),
        core.Arrow(5, 5, 300, 200, core.Style("#0000ff", 6)),
        core.FreeLine(((1, 2), (30.25, 40), (60, 2)), core.Style("#ffffff", 3)),
        core.Text(40, 50, "后厨地面积水", 28, core.Style("#facc15", 4)),
        core.Marker(100, 120, 1, 36),
        core.Marker(140, 120, 2, 36),
        core.Mosaic(0, 0, 64, 48, block=8),
        core.Blur(200, 150, 80, 60, strength=7.5),
    ]
    text = core.to_json(shapes, (W, H))
    editor.load(textured(), text)
    assert editor.shapes_json() == text
    assert core.from_json(editor.shapes_json()) == shapes
    assert not editor.is_modified()
    editor.tool_buttons[MARKER].click()
    click(editor.canvas, 300, 300)
    assert editor.shapes()[-1]["number"] == 3
    assert editor.is_modified()
    # A document the editor cannot read: ValueError, the picture stays, without shapes.
    with pytest.raises(ValueError):
        editor.load(textured(), '{"format": "mingchu-annotation", "version": 1, "shapes": [{"type": "star"}]}')
    assert editor.shapes() == [] and editor.canvas.image_size() == (W, H)


def test_text_is_typed_in_place_and_edited_with_undo(qtbot, editor):
    c = editor.canvas
    editor.tool_buttons[TEXT].click()
    click(c, 150, 120)
    assert c.editing_text() and c.text_edit.isVisible()
    QTest.keyClicks(c.text_edit, "No mask")  # QTest types Latin-1 only; an input method types Chinese
    assert c.text_edit.text() == "No mask"
    c.text_edit.setText("未戴口罩")
    QTest.keyClick(c.text_edit, Qt.Key_Return)
    assert not c.editing_text()
    (text,) = editor.shapes()
    assert text["type"] == "text" and text["text"] == "未戴口罩"
    close_to(text, 1.5, x=150, y=120)
    # Double-click it with the select tool, change the words.
    editor.tool_buttons[SELECT].click()
    QTest.mouseDClick(c.viewport(), Qt.LeftButton, Qt.NoModifier, vp(c, text["x"] + 10, text["y"] + 10))
    assert c.editing_text() and c.text_edit.text() == "未戴口罩"
    c.text_edit.setText("未戴工作帽")
    QTest.keyClick(c.text_edit, Qt.Key_Enter)
    assert editor.shapes()[0]["text"] == "未戴工作帽"
    key(c, Qt.Key_Z, Qt.ControlModifier)
    assert editor.shapes()[0]["text"] == "未戴口罩"
    # Esc leaves an edit without a change; an empty new text adds nothing.
    editor.tool_buttons[TEXT].click()
    click(c, 300, 300)
    QTest.keyClick(c.text_edit, Qt.Key_Escape)
    assert not c.editing_text() and len(editor.shapes()) == 1


def test_arrow_and_free_line_are_drawn_and_the_arrow_end_is_a_handle(editor):
    c = editor.canvas
    editor.tool_buttons[ARROW].click()
    drag(c, (50, 50), (250, 150))
    arrow = editor.shapes()[0]
    close_to(arrow, 1.5, x1=50, y1=50, x2=250, y2=150)
    editor.tool_buttons[FREELINE].click()
    drag(c, (300, 300), (400, 350), steps=10)
    line = editor.shapes()[1]
    assert line["type"] == "freeline" and len(line["points"]) >= 5
    assert abs(line["points"][0][0] - 300) <= 1.5 and abs(line["points"][-1][0] - 400) <= 1.5
    editor.tool_buttons[SELECT].click()
    click(c, 150, 100)  # on the arrow's shaft
    assert c.selected() == 0
    drag(c, (250, 150), (260, 200))  # its head
    close_to(editor.shapes()[0], 1.5, x1=50, y1=50, x2=260, y2=200)


def test_colour_and_width_apply_to_new_and_selected_shapes(editor):
    c = editor.canvas
    editor.width_spin.setValue(9)
    editor._choose_colour("#22c55e")
    draw_rect(editor)
    s = editor.shapes()[0]
    assert s["colour"] == "#22c55e" and s["width"] == 9
    editor.tool_buttons[SELECT].click()
    click(c, 200, 80)
    assert c.selected() == 0 and editor.width_spin.value() == 9
    editor.width_spin.setValue(12)
    editor.width_spin.setValue(14)  # one undo step for the spin box
    editor._choose_colour("#3b82f6")
    s = editor.shapes()[0]
    assert s["width"] == 14 and s["colour"] == "#3b82f6"
    editor.undo_button.click()
    editor.undo_button.click()
    assert editor.shapes()[0]["width"] == 9


def _wheel(canvas, at: QPoint, steps: int, mods=Qt.ControlModifier):
    pos = QPointF(at)
    glob = QPointF(canvas.viewport().mapToGlobal(at))
    event = QWheelEvent(pos, glob, QPoint(), QPoint(0, 120 * steps), Qt.NoButton, mods, Qt.NoScrollPhase, False)
    QApplication.sendEvent(canvas.viewport(), event)


def test_zoom_with_ctrl_wheel_fit_and_100_percent(editor):
    c = editor.canvas
    fitted = c.zoom()
    at = vp(c, 320, 200)
    _wheel(c, at, 2)
    assert abs(c.zoom() - fitted * 1.25**2) < 1e-6
    here = c.image_point(at)
    assert abs(here.x() - 320) <= 2 and abs(here.y() - 200) <= 2  # the point under the mouse stays
    assert editor.zoom_label.text() == f"{round(c.zoom() * 100)}%"
    editor.actual_button.click()
    assert c.zoom() == 1.0
    editor.fit_button.click()
    assert abs(c.zoom() - fitted) < 1e-6
    key(c, Qt.Key_1, Qt.ControlModifier)
    assert c.zoom() == 1.0
    key(c, Qt.Key_0, Qt.ControlModifier)
    assert abs(c.zoom() - fitted) < 1e-6


def _ink(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs(a.astype(int) - b.astype(int)).max(axis=2) > 60


def test_the_widget_render_and_the_headless_render_agree_roughly(editor):
    grey = QImage(W, H, QImage.Format_RGB32)
    grey.fill(0xFF505050)
    shapes = [
        core.Rect(40, 40, 200, 120, core.Style("#ef4444", 6)),
        core.Ellipse(300, 40, 200, 120, core.Style("#22c55e", 5)),
        core.Arrow(60, 350, 300, 220, core.Style("#facc15", 6)),
        core.FreeLine(((350, 350), (400, 250), (450, 330), (560, 240)), core.Style("#3b82f6", 5)),
        core.Text(40, 180, "未戴口罩", 40, core.Style("#ffffff", 2)),
        core.Marker(560, 80, 3, 48, core.Style("#ef4444", 2)),
    ]
    editor.load(grey, core.to_json(shapes, (W, H)))
    qt = bgr_of(editor.render())
    base = bgr_of(grey)
    headless = core.render(base, shapes)
    for s in shapes:  # each shape's own ink overlaps in both renders
        alone_qt = bgr_of(_render_one(editor, grey, s))
        alone_cv = core.render(base, [s])
        a, b = _ink(alone_qt, base), _ink(alone_cv, base)
        iou = (a & b).sum() / max(1, (a | b).sum())
        assert iou > 0.5, (type(s).__name__, iou)
    a, b = _ink(qt, base), _ink(headless, base)
    assert (a & b).sum() / (a | b).sum() > 0.6


def _render_one(editor, image, shape) -> QImage:
    editor.load(image, core.to_json([shape]))
    return editor.render()


def test_a_free_line_scales_by_its_box_and_a_marker_moves(editor):
    c = editor.canvas
    doc = core.to_json([core.FreeLine(((100, 100), (200, 150), (300, 100))), core.Marker(450, 300, 1, 40)])
    editor.load(textured(), doc)
    editor.tool_buttons[SELECT].click()
    click(c, 150, 125)  # on the line
    assert c.selected() == 0
    drag(c, (300, 150), (400, 250))  # bottom-right handle of its box: twice as wide and 3x as tall
    pts = editor.shapes()[0]["points"]
    assert abs(pts[0][0] - 100) <= 1.5 and abs(pts[0][1] - 100) <= 1.5
    assert abs(pts[1][0] - 250) <= 2 and abs(pts[1][1] - 250) <= 2
    assert abs(pts[2][0] - 400) <= 2
    drag(c, (455, 305), (505, 255))
    close_to(editor.shapes()[1], 1.5, x=500, y=250)
    assert editor.shapes()[1]["number"] == 1
    key(c, Qt.Key_Right, Qt.ShiftModifier)  # nudge: 10 pixels
    close_to(editor.shapes()[1], 1.5, x=510, y=250)
