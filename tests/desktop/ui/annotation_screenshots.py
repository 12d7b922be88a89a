"""Screenshots of the annotation dialog, to look at (not a test):

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python -m tests.desktop.ui.annotation_screenshots [OUT_DIR]

Opens the dialog on a generated 1280x720 kitchen picture (the demo cameras' scene) with a
rectangle, an ellipse, an arrow, a free line, Chinese text, numbered markers, a mosaic over a
bystander's face and a blur, one shape selected. Writes to OUT_DIR (default /tmp): annot.png
(the dialog), annot_text.png (typing a text at 100 % in a narrower window), annot_render.png
(render(), full resolution) and annot_headless.png (the core's headless render of the saved
document)."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import cv2
import numpy as np


def kitchen(width: int = 1280, height: int = 720) -> np.ndarray:
    from desktop.demo import scene

    pal = scene.palette_for("加工制作区")
    img = np.zeros((height, width, 3), np.uint8)
    scene._draw_static(img, pal)
    noise = np.zeros((2, height, width, 3), np.uint8)
    return scene._draw_frame(img, pal, 0, 120, noise)[:, :, ::-1].copy()  # RGB


def cooks(width: int = 1280, height: int = 720) -> list[tuple[int, int]]:
    """Head centres of the two cooks at frame 0 (as scene._draw_frame places them)."""
    s = width / 640.0
    out = []
    for k in range(2):
        x = int(width * (0.5 + 0.35 * math.sin(k * 2.1)))
        y = int(height * (0.42 + 0.04 * k))
        out.append((x, y - int(18 * s)))
    return out


def main(out_dir: Path) -> None:
    from PySide6.QtCore import QPointF
    from PySide6.QtGui import QImage
    from PySide6.QtWidgets import QApplication

    from desktop.core import annotation_shapes as core
    from desktop.ui.annotation_dialog import AnnotationDialog
    from desktop.ui.app import STYLE

    app = QApplication.instance() or QApplication(sys.argv)
    app.setStyleSheet(STYLE.read_text(encoding="utf-8"))
    rgb = kitchen()
    h, w = rgb.shape[:2]
    image = QImage(rgb.data, w, h, w * 3, QImage.Format_RGB888).copy()
    (c1x, c1y), (c2x, c2y) = cooks(w, h)
    red, yellow = core.Style("#ef4444", 5), core.Style("#facc15", 5)
    shapes = [
        core.Mosaic(c2x - 40, c2y - 40, 80, 80, block=12),  # a bystander's face
        core.Blur(1040, 60, 180, 110, strength=10),  # a notice on the wall
        core.Rect(c1x - 70, c1y - 80, 140, 330, red),
        core.Text(c1x + 80, c1y - 70, "未戴口罩、未戴工作帽", 40, red),
        core.Arrow(c1x + 150, c1y - 20, c1x + 55, c1y + 10, red),
        core.Ellipse(800, 560, 330, 90, yellow),
        core.Text(830, 660, "水池边地面有积水", 36, yellow),
        core.FreeLine(((130, 560), (220, 600), (330, 575), (420, 620)), core.Style("#22c55e", 6)),
        core.Marker(220, 330, 1, 48),
        core.Marker(470, 330, 2, 48),
    ]
    doc = core.to_json(shapes, (w, h))
    dialog = AnnotationDialog(image, doc, subtitle="梅陇镇敬老院食堂 · 加工制作区 · 2026-03-02 10:15:32")
    dialog.resize(1440, 900)
    dialog.show()
    for _ in range(20):
        app.processEvents()
    canvas = dialog.editor.canvas
    canvas.set_tool("marker")  # one more marker, as a click would add it: the dialog is modified
    canvas.add_shape(canvas._new_shape("marker", QPointF(760, 600), QPointF(760, 600)))
    dialog.editor.tool_buttons["rect"].click()
    canvas.select(2)  # the rectangle, with its handles
    for _ in range(20):
        app.processEvents()
    out_dir.mkdir(parents=True, exist_ok=True)
    dialog.grab().save(str(out_dir / "annot.png"))
    dialog.editor.render().save(str(out_dir / "annot_render.png"))
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    cv2.imwrite(str(out_dir / "annot_headless.png"), core.render(bgr, core.from_json(dialog.editor.shapes_json())))
    # The text tool's field open over the picture at 100 %, in a narrower window.
    dialog.resize(1100, 760)
    canvas.zoom_to(1.0, canvas.view_point(700, 330))
    dialog.editor.tool_buttons["text"].click()
    canvas.start_text(QPointF(560, 420))
    canvas.text_edit.setText("围裙未清洗")
    for _ in range(20):
        app.processEvents()
    dialog.grab().save(str(out_dir / "annot_text.png"))
    print(out_dir / "annot.png", dialog.minimumSizeHint())
    dialog.editor.set_saved()
    dialog.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp"))
