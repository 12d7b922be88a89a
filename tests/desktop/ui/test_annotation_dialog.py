"""The annotation dialog: 保存 hands back the PNG at the original's size and the shapes; 取消
asks only when something would be lost; a document that cannot be read is said so."""

import json

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialog

from desktop.core import annotation_shapes as core
from desktop.ui.annotation_dialog import AnnotationDialog
from widgets.annotation_editor import MOSAIC, RECT


def picture(w=800, h=450) -> QImage:
    img = QImage(w, h, QImage.Format_RGB32)
    img.fill(QColor("#6b7280"))
    return img


def open_dialog(qtbot, image=None, doc=""):
    d = AnnotationDialog(image or picture(), doc, subtitle="1号后厨 · 2026-03-02 10:15")
    qtbot.addWidget(d)
    d.show()
    qtbot.waitExposed(d)
    return d


def draw(d, kind, a, b):
    c = d.editor.canvas
    d.editor.tool_buttons[kind].click()
    pa, pb = c.view_point(*a), c.view_point(*b)
    QTest.mousePress(c.viewport(), Qt.LeftButton, Qt.NoModifier, pa)
    for i in range(1, 5):
        QTest.mouseMove(c.viewport(), pa + (pb - pa) * i / 4)
    QTest.mouseRelease(c.viewport(), Qt.LeftButton, Qt.NoModifier, pb)


def test_save_returns_the_png_and_the_shapes(qtbot):
    original = picture()
    d = open_dialog(qtbot, original)
    assert not d.save_button.isEnabled()  # nothing to save yet
    draw(d, RECT, (100, 100), (300, 200))
    draw(d, MOSAIC, (400, 100), (600, 300))
    assert d.save_button.isEnabled() and d.isWindowModified()
    with qtbot.waitSignal(d.saved) as signal:
        d.save_button.click()
    png, shapes_json = d.result_data()
    assert signal.args == [png, shapes_json]
    assert d.result() == QDialog.Accepted
    assert png.startswith(b"\x89PNG")
    saved = QImage.fromData(png, "PNG")
    assert (saved.width(), saved.height()) == (800, 450)
    shapes = core.from_json(shapes_json)
    assert [type(s) for s in shapes] == [core.Rect, core.Mosaic]
    assert json.loads(shapes_json)["image"] == {"width": 800, "height": 450}
    assert original.pixelColor(500, 200) == QColor("#6b7280")  # the original stays as it was


def test_cancel_asks_only_when_there_are_changes(qtbot, monkeypatch):
    d = open_dialog(qtbot)
    asked = []

    def answer(value):
        def confirm():
            asked.append(value)
            return value

        return confirm

    monkeypatch.setattr(d, "_confirm_discard", answer(False))
    draw(d, RECT, (100, 100), (300, 200))
    d.cancel_button.click()
    assert asked == [False] and d.isVisible()  # kept open: the work is not lost
    monkeypatch.setattr(d, "_confirm_discard", answer(True))
    QTest.keyClick(d.editor.canvas, Qt.Key_Escape)  # Esc: no selection to clear, so the dialog
    QTest.keyClick(d.editor.canvas, Qt.Key_Escape)
    assert asked == [False, True] and d.result() == QDialog.Rejected and d.result_data() is None

    unchanged = open_dialog(qtbot)
    monkeypatch.setattr(unchanged, "_confirm_discard", answer("should not be asked"))
    unchanged.cancel_button.click()
    assert not unchanged.isVisible() and asked == [False, True]


def test_an_existing_annotation_reopens_and_a_broken_one_is_reported(qtbot):
    doc = core.to_json([core.Text(50, 60, "操作台未清洁", 30), core.Marker(300, 200, 1)], (800, 450))
    d = open_dialog(qtbot, doc=doc)
    assert d.editor.shapes_json() == doc and not d.problem.isVisible()
    assert not d.save_button.isEnabled()

    broken = json.dumps({"format": core.FORMAT, "version": 1, "shapes": [{"type": "rect", "x": 1}]})
    d2 = open_dialog(qtbot, doc=broken)
    assert d2.problem.isVisible() and "缺少 y" in d2.problem.text()
    assert d2.editor.shapes() == []
