"""The annotation editor: shapes drawn over an evidence picture, which itself is never changed.

`AnnotationCanvas` is a QGraphicsView whose scene coordinates are the picture's pixels. The shapes
are the JSON document's own objects (dicts, never changed in place: every edit makes new ones),
in image pixels of the original; the format is the one desktop/core/annotation_shapes.py reads
and renders headless (this widget may not import the application, so it writes the same
document itself; the tests hold both to it):

    {"format": "mingchu-annotation", "version": 1, "image": {"width": W, "height": H},
     "shapes": [{"type": "rect" | "ellipse", "x", "y", "w", "h", "colour", "width"},
                {"type": "arrow", "x1", "y1", "x2", "y2", "colour", "width"},   head at (x2, y2)
                {"type": "freeline", "points": [[x, y], ...], "colour", "width"},
                {"type": "text", "x", "y", "text", "size", "colour", "width"},  (x, y) top-left
                {"type": "marker", "x", "y", "number", "size", "colour", "width"}, centre, diameter
                {"type": "mosaic", "x", "y", "w", "h", "block"},
                {"type": "blur", "x", "y", "w", "h", "strength"}]}

Mosaic and blur are shown live: the pixelated or blurred region of the ORIGINAL is a picture of
its own on the scene, under every drawn shape (a redaction never hides an annotation), each
computed from the original, not from another redaction. `render()` burns the same into a copy of
the original at full resolution.

Tools: 选择 (click a shape, drag it, drag a handle to resize; drag the empty picture to pan),
矩形, 椭圆, 箭头, 画笔, 文字 (click, type, Enter), 编号 (click: 1, 2, 3 …), 马赛克, 模糊. The
selected shape also takes its handles in a drawing tool. Del deletes, Esc deselects, arrow keys
nudge, double-click a text to edit it. Every change is one step of `undo_stack` (Ctrl+Z,
Ctrl+Y / Ctrl+Shift+Z), which stores whole shape lists. Ctrl+wheel zooms under the mouse,
适应窗口 (Ctrl+0) and 100% (Ctrl+1); the middle button pans.

`AnnotationEditor` adds the tool row (tools, 颜色, 线宽, 字号, 撤销, 重做, 删除, zoom) and a hint line.
A pure widget: no database; the owner gives it a QImage and a document and takes `render()` and
`shapes_json()` back.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np
from PySide6.QtCore import QBuffer, QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QBrush,
    QColor,
    QFont,
    QFontMetricsF,
    QIcon,
    QImage,
    QKeySequence,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
    QRadialGradient,
    QTransform,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QButtonGroup,
    QColorDialog,
    QFrame,
    QGraphicsItem,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QMenu,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from widgets.snapshot_undo import SnapshotEdit

__all__ = [
    "ARROW",
    "BLUR",
    "ELLIPSE",
    "FORMAT",
    "FREELINE",
    "MARKER",
    "MOSAIC",
    "RECT",
    "SELECT",
    "TEXT",
    "TOOLS",
    "VERSION",
    "AnnotationCanvas",
    "AnnotationEditor",
    "dump_document",
    "parse_document",
]

FORMAT = "mingchu-annotation"
VERSION = 1
SELECT, RECT, ELLIPSE, ARROW, FREELINE, TEXT, MARKER, MOSAIC, BLUR = (
    "select",
    "rect",
    "ellipse",
    "arrow",
    "freeline",
    "text",
    "marker",
    "mosaic",
    "blur",
)
TOOLS = (SELECT, RECT, ELLIPSE, ARROW, FREELINE, TEXT, MARKER, MOSAIC, BLUR)
BOX_KINDS = (RECT, ELLIPSE, MOSAIC, BLUR)
REDACTIONS = (MOSAIC, BLUR)
DRAWN = (RECT, ELLIPSE, ARROW, FREELINE, TEXT, MARKER)

PRESET_COLOURS = ("#ef4444", "#facc15", "#22c55e", "#3b82f6", "#ffffff", "#111111")
MARKER_SCALE = 1.3  # a marker's diameter for a given 字号
HANDLE_PX = 9  # handle squares on screen
HANDLE_HIT_PX = 8
HIT_PX = 6  # how near a line a click must be to pick it
MIN_DRAG_PX = 4  # a smaller drag draws nothing
ZOOM_MIN, ZOOM_MAX, ZOOM_STEP = 0.05, 16.0, 1.25
_HANDLES = ("lt", "ct", "rt", "rc", "rb", "cb", "lb", "lc")  # x edge, y edge
_SELECTION = QColor("#38bdf8")
_CJK_FAMILIES = ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "sans-serif"]


# --- the document --------------------------------------------------------------------------------


def _num(v: float) -> float | int:
    r = round(float(v), 2)
    return int(r) if r == int(r) else r


def _canonical(s: dict) -> dict:
    """A shape with the document's key order and rounding (the same as the core's to_json)."""
    kind = s["type"]
    d: dict = {"type": kind}
    if kind in BOX_KINDS:
        d.update(x=_num(s["x"]), y=_num(s["y"]), w=_num(s["w"]), h=_num(s["h"]))
    if kind == ARROW:
        d.update(x1=_num(s["x1"]), y1=_num(s["y1"]), x2=_num(s["x2"]), y2=_num(s["y2"]))
    elif kind == FREELINE:
        d["points"] = [[_num(x), _num(y)] for x, y in s["points"]]
    elif kind == TEXT:
        d.update(x=_num(s["x"]), y=_num(s["y"]), text=s["text"], size=_num(s["size"]))
    elif kind == MARKER:
        d.update(x=_num(s["x"]), y=_num(s["y"]), number=int(s["number"]), size=_num(s["size"]))
    elif kind == MOSAIC:
        d["block"] = int(s["block"])
    elif kind == BLUR:
        d["strength"] = _num(s["strength"])
    if kind in DRAWN:
        d.update(colour=str(s["colour"]).lower(), width=_num(s["width"]))
    return d


def dump_document(shapes: Sequence[dict], size: tuple[int, int] | None) -> str:
    doc: dict = {"format": FORMAT, "version": VERSION}
    if size is not None:
        doc["image"] = {"width": int(size[0]), "height": int(size[1])}
    doc["shapes"] = [_canonical(s) for s in shapes]
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


_NUMBER_KEYS = {
    RECT: ("x", "y", "w", "h", "width"),
    ELLIPSE: ("x", "y", "w", "h", "width"),
    ARROW: ("x1", "y1", "x2", "y2", "width"),
    FREELINE: ("width",),
    TEXT: ("x", "y", "size", "width"),
    MARKER: ("x", "y", "number", "size", "width"),
    MOSAIC: ("x", "y", "w", "h", "block"),
    BLUR: ("x", "y", "w", "h", "strength"),
}


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def parse_document(text: str) -> list[dict]:
    """The shapes of a document ("" or blank: none). ValueError for a document this editor
    cannot show; desktop/core/annotation_shapes.from_json gives the full diagnosis."""
    if not text or not text.strip():
        return []
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"标注数据不是有效的 JSON：{exc.msg}") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError("不是标注数据")
    version = doc.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= VERSION:
        raise ValueError(f"不支持的标注数据版本 {version!r}")
    shapes = doc.get("shapes")
    if not isinstance(shapes, list):
        raise ValueError("shapes 应为列表")
    out = []
    for i, s in enumerate(shapes):
        kind = s.get("type") if isinstance(s, dict) else None
        if kind not in _NUMBER_KEYS:
            raise ValueError(f"第 {i + 1} 个图形：未知类型 {kind!r}")
        for key in _NUMBER_KEYS[kind]:
            if not _is_number(s.get(key)):
                raise ValueError(f"第 {i + 1} 个图形（{kind}）：{key} 应为数字")
        if kind in DRAWN and not (isinstance(s.get("colour"), str) and QColor(s["colour"]).isValid()):
            raise ValueError(f"第 {i + 1} 个图形（{kind}）：颜色无效")
        if kind == FREELINE:
            pts = s.get("points")
            if not isinstance(pts, list) or len(pts) < 2:
                raise ValueError(f"第 {i + 1} 个图形（freeline）：points 应为至少两个点")
            if not all(isinstance(p, list) and len(p) == 2 and all(_is_number(c) for c in p) for p in pts):
                raise ValueError(f"第 {i + 1} 个图形（freeline）：点应为 [x, y]")
        if kind == TEXT and not (isinstance(s.get("text"), str) and s["text"].strip()):
            raise ValueError(f"第 {i + 1} 个图形（text）：文字为空")
        shape = {k: v for k, v in s.items() if k in ("type", "points", "text", "colour", *_NUMBER_KEYS[kind])}
        if kind in BOX_KINDS:
            shape = _normalised(shape)
        out.append(_canonical(shape))
    return out


# --- geometry ----------------------------------------------------------------------------------


def _normalised(s: dict) -> dict:
    if s["w"] >= 0 and s["h"] >= 0:
        return s
    return {
        **s,
        "x": min(s["x"], s["x"] + s["w"]),
        "y": min(s["y"], s["y"] + s["h"]),
        "w": abs(s["w"]),
        "h": abs(s["h"]),
    }


def _text_font(size: float) -> QFont:
    font = QFont()
    font.setFamilies(_CJK_FAMILIES)
    font.setPixelSize(max(1, round(size)))
    return font


def _marker_font(size: float) -> QFont:
    font = _text_font(size * 0.6)
    font.setBold(True)
    return font


def _geometry(s: dict) -> QRectF:
    """The shape's own box in image pixels (without the pen): what handles and moves act on."""
    kind = s["type"]
    if kind in BOX_KINDS:
        return QRectF(s["x"], s["y"], s["w"], s["h"])
    if kind == ARROW:
        return QRectF(QPointF(s["x1"], s["y1"]), QPointF(s["x2"], s["y2"])).normalized()
    if kind == FREELINE:
        xs, ys = [p[0] for p in s["points"]], [p[1] for p in s["points"]]
        return QRectF(min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys))
    if kind == TEXT:
        m = QFontMetricsF(_text_font(s["size"]))
        return QRectF(s["x"], s["y"], max(m.horizontalAdvance(s["text"]), 1.0), m.height())
    r = s["size"] / 2  # marker
    return QRectF(s["x"] - r, s["y"] - r, 2 * r, 2 * r)


def _outer(s: dict) -> QRectF:
    """Everything the shape paints (pen, arrow head), for the scene item's bounding box."""
    pad = 2.0
    if s["type"] in DRAWN:
        pad += s["width"] / 2 + (max(10.0, s["width"] * 4.0) if s["type"] == ARROW else 0)
    return _geometry(s).normalized().adjusted(-pad, -pad, pad, pad)


def _arrow_head(x1: float, y1: float, x2: float, y2: float, width: float):
    """Tip, left and right corners of the head and the end of the shaft (as the core's)."""
    length = max(10.0, width * 4.0)
    angle = math.atan2(y2 - y1, x2 - x1)
    spread = math.radians(25)
    left = QPointF(x2 - length * math.cos(angle - spread), y2 - length * math.sin(angle - spread))
    right = QPointF(x2 - length * math.cos(angle + spread), y2 - length * math.sin(angle + spread))
    shaft = min(math.hypot(x2 - x1, y2 - y1), length * math.cos(spread) * 0.8)
    base = QPointF(x2 - shaft * math.cos(angle), y2 - shaft * math.sin(angle))
    return QPointF(x2, y2), left, right, base


def paint_shape(painter: QPainter, s: dict) -> None:
    """One drawn shape in image pixels (the scene items and render() both use this)."""
    kind = s["type"]
    colour = QColor(s["colour"])
    width = float(s["width"])
    painter.save()
    if kind in (RECT, ELLIPSE):
        pen = QPen(colour, width, Qt.SolidLine, Qt.SquareCap, Qt.MiterJoin)
        painter.setPen(pen)
        painter.setBrush(Qt.NoBrush)
        if kind == RECT:
            painter.drawRect(_geometry(s))
        else:
            painter.drawEllipse(_geometry(s))
    elif kind == ARROW:
        tip, left, right, base = _arrow_head(s["x1"], s["y1"], s["x2"], s["y2"], width)
        painter.setPen(QPen(colour, width, Qt.SolidLine, Qt.FlatCap, Qt.RoundJoin))
        painter.drawLine(QPointF(s["x1"], s["y1"]), base)
        painter.setPen(Qt.NoPen)
        painter.setBrush(colour)
        painter.drawPolygon(QPolygonF([tip, left, right]))
    elif kind == FREELINE:
        painter.setPen(QPen(colour, width, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
        painter.setBrush(Qt.NoBrush)
        painter.drawPolyline(QPolygonF([QPointF(x, y) for x, y in s["points"]]))
    elif kind == TEXT:
        font = _text_font(s["size"])
        painter.setFont(font)
        painter.setPen(colour)
        painter.drawText(QPointF(s["x"], s["y"] + QFontMetricsF(font).ascent()), s["text"])
    elif kind == MARKER:
        centre, radius = QPointF(s["x"], s["y"]), s["size"] / 2
        painter.setPen(Qt.NoPen)
        painter.setBrush(colour)
        painter.drawEllipse(centre, radius, radius)
        ring = max(1.0, s["size"] / 18)
        painter.setPen(QPen(QColor("#ffffff"), ring))
        painter.setBrush(Qt.NoBrush)
        painter.drawEllipse(centre, radius - ring / 2, radius - ring / 2)
        painter.setFont(_marker_font(s["size"]))
        painter.setPen(QColor("#ffffff"))
        painter.drawText(_geometry(s), Qt.AlignCenter, str(s["number"]))
    painter.restore()


def _segment_distance(p: QPointF, a: QPointF, b: QPointF) -> float:
    dx, dy = b.x() - a.x(), b.y() - a.y()
    if dx == 0 and dy == 0:
        return math.hypot(p.x() - a.x(), p.y() - a.y())
    t = max(0.0, min(1.0, ((p.x() - a.x()) * dx + (p.y() - a.y()) * dy) / (dx * dx + dy * dy)))
    return math.hypot(p.x() - a.x() - t * dx, p.y() - a.y() - t * dy)


def _hits_outline(s: dict, p: QPointF, tol: float) -> bool:
    """A click on the shape's line (or on the shape for text, markers and redactions)."""
    kind = s["type"]
    if kind in (TEXT, MARKER, MOSAIC, BLUR):
        return _geometry(s).adjusted(-tol, -tol, tol, tol).contains(p)
    tol += s["width"] / 2
    if kind == RECT:
        g = _geometry(s)
        corners = [g.topLeft(), g.topRight(), g.bottomRight(), g.bottomLeft()]
        return any(_segment_distance(p, corners[i], corners[(i + 1) % 4]) <= tol for i in range(4))
    if kind == ELLIPSE:
        g = _geometry(s)
        a, b = g.width() / 2, g.height() / 2
        if a <= 0 or b <= 0:
            return _segment_distance(p, g.topLeft(), g.bottomRight()) <= tol
        r = math.hypot((p.x() - g.center().x()) / a, (p.y() - g.center().y()) / b)
        return abs(r - 1) * min(a, b) <= tol
    if kind == ARROW:
        a, b = QPointF(s["x1"], s["y1"]), QPointF(s["x2"], s["y2"])
        return _segment_distance(p, a, b) <= tol + max(10.0, s["width"] * 4.0) / 3
    pts = [QPointF(x, y) for x, y in s["points"]]  # free line
    return any(_segment_distance(p, pts[i], pts[i + 1]) <= tol for i in range(len(pts) - 1))


def _translated(s: dict, dx: float, dy: float) -> dict:
    kind = s["type"]
    if kind == ARROW:
        return {**s, "x1": s["x1"] + dx, "y1": s["y1"] + dy, "x2": s["x2"] + dx, "y2": s["y2"] + dy}
    if kind == FREELINE:
        return {**s, "points": [(x + dx, y + dy) for x, y in s["points"]]}
    return {**s, "x": s["x"] + dx, "y": s["y"] + dy}


def _handles(s: dict) -> list[tuple[str, QPointF]]:
    kind = s["type"]
    if kind == ARROW:
        return [("p1", QPointF(s["x1"], s["y1"])), ("p2", QPointF(s["x2"], s["y2"]))]
    if kind not in BOX_KINDS and kind != FREELINE:
        return []
    g = _geometry(s)
    xs = {"l": g.left(), "c": g.center().x(), "r": g.right()}
    ys = {"t": g.top(), "c": g.center().y(), "b": g.bottom()}
    return [(h, QPointF(xs[h[0]], ys[h[1]])) for h in _HANDLES]


def _resized(s: dict, handle: str, p: QPointF) -> dict:
    """The shape with `handle` dragged to `p` (image pixels)."""
    kind = s["type"]
    if kind == ARROW:
        return {**s, "x1": p.x(), "y1": p.y()} if handle == "p1" else {**s, "x2": p.x(), "y2": p.y()}
    g = _geometry(s)
    x0, y0, x1, y1 = g.left(), g.top(), g.right(), g.bottom()
    if handle[0] == "l":
        x0 = p.x()
    elif handle[0] == "r":
        x1 = p.x()
    if handle[1] == "t":
        y0 = p.y()
    elif handle[1] == "b":
        y1 = p.y()
    if kind == FREELINE:  # the points scaled from the old box onto the new one

        def fx(x: float) -> float:
            return x0 + (x - g.left()) * (x1 - x0) / g.width() if g.width() > 0 else x + x0 - g.left()

        def fy(y: float) -> float:
            return y0 + (y - g.top()) * (y1 - y0) / g.height() if g.height() > 0 else y + y0 - g.top()

        return {**s, "points": [(fx(x), fy(y)) for x, y in s["points"]]}
    return _normalised({**s, "x": x0, "y": y0, "w": x1 - x0, "h": y1 - y0})


# --- pixels of the redactions --------------------------------------------------------------------


def _pixel_region(s: dict, width: int, height: int) -> tuple[int, int, int, int]:
    """As the core's pixel_region: rounded outwards, clipped to the picture; x1/y1 exclusive."""
    x, y, w, h = s["x"], s["y"], s["w"], s["h"]
    x0 = max(0, min(width, math.floor(min(x, x + w))))
    y0 = max(0, min(height, math.floor(min(y, y + h))))
    x1 = max(0, min(width, math.ceil(max(x, x + w))))
    y1 = max(0, min(height, math.ceil(max(y, y + h))))
    return x0, y0, x1, y1


def _pixelate(region: np.ndarray, block: int) -> np.ndarray:
    h, w = region.shape[:2]
    block = max(1, int(block))
    if h == 0 or w == 0 or block == 1:
        return region.copy()
    nh, nw = -(-h // block), -(-w // block)
    padded = cv2.copyMakeBorder(region, 0, nh * block - h, 0, nw * block - w, cv2.BORDER_REPLICATE)
    small = cv2.resize(padded, (nw, nh), interpolation=cv2.INTER_AREA)
    big = cv2.resize(small, (nw * block, nh * block), interpolation=cv2.INTER_NEAREST)
    return np.ascontiguousarray(big[:h, :w])


def _blur(image: np.ndarray, box: tuple[int, int, int, int], sigma: float) -> np.ndarray:
    x0, y0, x1, y1 = box
    height, width = image.shape[:2]
    pad = int(math.ceil(3 * sigma))
    ax0, ay0, ax1, ay1 = max(0, x0 - pad), max(0, y0 - pad), min(width, x1 + pad), min(height, y1 + pad)
    blurred = cv2.GaussianBlur(image[ay0:ay1, ax0:ax1], (0, 0), sigmaX=float(sigma), borderType=cv2.BORDER_REPLICATE)
    return np.ascontiguousarray(blurred[y0 - ay0 : y1 - ay0, x0 - ax0 : x1 - ax0])


def _redacted(original: np.ndarray, s: dict) -> tuple[tuple[int, int, int, int], np.ndarray | None]:
    box = _pixel_region(s, original.shape[1], original.shape[0])
    x0, y0, x1, y1 = box
    if x1 <= x0 or y1 <= y0:
        return box, None
    if s["type"] == MOSAIC:
        return box, _pixelate(original[y0:y1, x0:x1], s["block"])
    return box, _blur(original, box, s["strength"])


def _array_of(image: QImage) -> np.ndarray:
    """An H x W x 4 copy (BGRA in memory) of an ARGB32 image."""
    w, h = image.width(), image.height()
    raw = np.frombuffer(image.constBits(), np.uint8, count=image.bytesPerLine() * h)
    return raw.reshape(h, image.bytesPerLine())[:, : w * 4].reshape(h, w, 4).copy()


def _image_of(array: np.ndarray) -> QImage:
    array = np.ascontiguousarray(array)
    h, w = array.shape[:2]
    return QImage(array.data, w, h, w * 4, QImage.Format_ARGB32).copy()


# --- undo --------------------------------------------------------------------------------------


# --- scene items -------------------------------------------------------------------------------


class _ShapeItem(QGraphicsItem):
    def __init__(self, shape: dict) -> None:
        super().__init__()
        self.shape_ = shape
        self._outer = _outer(shape)

    def set_shape(self, shape: dict) -> None:
        self.prepareGeometryChange()
        self.shape_ = shape
        self._outer = _outer(shape)
        self.update()

    def boundingRect(self) -> QRectF:
        return self._outer

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setRenderHint(QPainter.TextAntialiasing)
        paint_shape(painter, self.shape_)


class _RedactionItem(QGraphicsItem):
    """The pixelated or blurred region of the original, with a dashed outline (editor only)."""

    def __init__(self, shape: dict, original: np.ndarray | None) -> None:
        super().__init__()
        self.shape_ = shape
        self._pixmap: QPixmap | None = None
        self._at = QPointF()
        self._rect = QRectF()
        self.set_shape(shape, original)

    def set_shape(self, shape: dict, original: np.ndarray | None) -> None:
        self.prepareGeometryChange()
        self.shape_ = shape
        self._pixmap = None
        if original is not None:
            (x0, y0, _x1, _y1), pixels = _redacted(original, shape)
            if pixels is not None:
                self._pixmap = QPixmap.fromImage(_image_of(pixels))
                self._at = QPointF(x0, y0)
        self._rect = _geometry(shape).adjusted(-2, -2, 2, 2)
        self.update()

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, option, widget=None) -> None:
        if self._pixmap is not None:
            painter.drawPixmap(self._at, self._pixmap)
        g = _geometry(self.shape_)
        for colour, style in ((QColor(0, 0, 0, 160), Qt.SolidLine), (QColor(255, 255, 255, 220), Qt.DashLine)):
            pen = QPen(colour, 1.0, style)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.setBrush(Qt.NoBrush)
            painter.drawRect(g)


# --- the canvas --------------------------------------------------------------------------------


@dataclass
class _Drag:
    mode: str  # "move", "resize", "draw", "pan"
    start: QPointF  # image pixels (viewport pixels when panning)
    index: int = -1
    handle: str = ""
    before: list[dict] = field(default_factory=list)
    moved: bool = False
    press: QPoint = field(default_factory=QPoint)  # viewport position of the press


class _TextEdit(QLineEdit):
    """The inline text field of the 文字 tool: Enter (or a click on the picture) commits, Esc cancels."""

    committed = Signal()
    cancelled = Signal()

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key_Return, Qt.Key_Enter):
            self.committed.emit()
        elif event.key() == Qt.Key_Escape:
            self.cancelled.emit()
        else:
            super().keyPressEvent(event)


class AnnotationCanvas(QGraphicsView):
    changed = Signal()  # after every change, undo, redo and load (not during a drag)
    selectionChanged = Signal(int)  # index of the selected shape, -1 for none
    toolChanged = Signal(str)
    zoomChanged = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.undo_stack = QUndoStack(self)
        self.undo_stack.indexChanged.connect(self._index_changed)  # after the change is applied
        self._shapes: list[dict] = []
        self._items: list[QGraphicsItem] = []
        self._selected = -1
        self._tool = SELECT
        self._colour = PRESET_COLOURS[0]
        self._width = 4
        self._text_size = 32
        self._original = QImage()
        self._array: np.ndarray | None = None
        self._picture = QGraphicsPixmapItem()
        self._picture.setTransformationMode(Qt.SmoothTransformation)
        self._picture.setZValue(-1000)
        self.scene().addItem(self._picture)
        self._draft: dict | None = None
        self._draft_item: QGraphicsItem | None = None
        self._drag: _Drag | None = None
        self._fit_mode = True
        self._editing = -2  # index of the text being edited, -1 for a new one, -2 when not editing
        self._edit_at = QPointF()
        self.text_edit = _TextEdit(self.viewport())
        self.text_edit.setObjectName("annotationTextEdit")
        self.text_edit.hide()
        self.text_edit.committed.connect(self.commit_text)
        self.text_edit.cancelled.connect(self.cancel_text)
        self.text_edit.textChanged.connect(self._size_text_edit)
        self.setRenderHints(QPainter.Antialiasing | QPainter.SmoothPixmapTransform | QPainter.TextAntialiasing)
        self.setFrameShape(QFrame.NoFrame)
        self.setTransformationAnchor(QGraphicsView.AnchorUnderMouse)
        self.setResizeAnchor(QGraphicsView.AnchorViewCenter)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setMinimumSize(320, 200)
        self.setBackgroundBrush(QColor("#111418"))
        self.setAlignment(Qt.AlignCenter)

    # -- picture and document ----------------------------------------------------------------
    def load(self, image: QImage, annotation_json: str = "") -> None:
        """The picture and its shapes; clears the undo history. ValueError for a bad document
        (the picture is shown anyway, without shapes)."""
        self.cancel_text()
        self._drag = None
        self._clear_draft()
        self.undo_stack.clear()
        self._original = QImage(image)  # implicitly shared: never painted on
        work = image.convertToFormat(QImage.Format_ARGB32)
        self._array = _array_of(work) if not work.isNull() else None
        self._picture.setPixmap(QPixmap.fromImage(image))
        self.scene().setSceneRect(QRectF(0, 0, max(1, image.width()), max(1, image.height())))
        short = max(1, min(image.width(), image.height()))
        self._width = max(2, round(short / 180))
        self._text_size = max(16, round(short / 22))
        try:
            shapes = parse_document(annotation_json)
        finally:
            self._apply([], -1)
            self.zoom_fit()
        self._apply(shapes, -1)
        self.undo_stack.setClean()
        self.changed.emit()

    def image_size(self) -> tuple[int, int]:
        return self._original.width(), self._original.height()

    def original(self) -> QImage:
        return self._original

    def shapes(self) -> list[dict]:
        return [dict(s) for s in self._shapes]

    def shapes_json(self) -> str:
        return dump_document(self._shapes, self.image_size() if not self._original.isNull() else None)

    def render(self) -> QImage:
        """The original at full resolution with the redactions applied to its pixels and every
        drawn shape burnt in. The original itself is not touched."""
        if self._array is None:
            return QImage()
        out = self._array.copy()
        for s in self._shapes:
            if s["type"] in REDACTIONS:
                (x0, y0, x1, y1), pixels = _redacted(self._array, s)
                if pixels is not None:
                    out[y0:y1, x0:x1] = pixels
        image = _image_of(out)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setRenderHint(QPainter.TextAntialiasing)
        for s in self._shapes:
            if s["type"] in DRAWN:
                paint_shape(painter, s)
        painter.end()
        if not self._original.hasAlphaChannel():
            image = image.convertToFormat(QImage.Format_RGB32)
        return image

    def is_modified(self) -> bool:
        return not self.undo_stack.isClean()

    def set_saved(self) -> None:
        self.undo_stack.setClean()

    # -- tools and style ---------------------------------------------------------------------
    def tool(self) -> str:
        return self._tool

    def set_tool(self, tool: str) -> None:
        if tool not in TOOLS or tool == self._tool:
            return
        self.commit_text()
        self._tool = tool
        self.viewport().setCursor(Qt.ArrowCursor if tool == SELECT else Qt.CrossCursor)
        self.toolChanged.emit(tool)

    def colour(self) -> str:
        return self._colour

    def line_width(self) -> int:
        return self._width

    def text_size(self) -> int:
        return self._text_size

    def set_colour(self, colour: str) -> None:
        """The colour of new shapes, and of the selected one."""
        self._colour = QColor(colour).name()
        self._restyle("colour", self._colour, self.tr("修改颜色"))

    def set_line_width(self, width: int) -> None:
        self._width = max(1, int(width))
        self._restyle("width", self._width, self.tr("修改线宽"))

    def set_text_size(self, size: int) -> None:
        self._text_size = max(4, int(size))
        self._restyle("size", self._text_size, self.tr("修改字号"))

    def _restyle(self, key: str, value, text: str) -> None:
        i = self._selected
        if not 0 <= i < len(self._shapes) or self._shapes[i]["type"] not in DRAWN:
            return
        s = self._shapes[i]
        if key == "size":
            if s["type"] not in (TEXT, MARKER):
                return
            value = value * MARKER_SCALE if s["type"] == MARKER else value
        if s.get(key) == value:
            return
        after = list(self._shapes)
        after[i] = {**s, key: value}
        self._push(text, after, i, merge_key=(key, i))

    def style_of(self, index: int) -> tuple[str, int, int] | None:
        """Colour, line width and 字号 of a drawn shape (for the tool row)."""
        if not 0 <= index < len(self._shapes) or self._shapes[index]["type"] not in DRAWN:
            return None
        s = self._shapes[index]
        size = self._text_size
        if s["type"] == TEXT:
            size = round(s["size"])
        elif s["type"] == MARKER:
            size = round(s["size"] / MARKER_SCALE)
        return s["colour"], round(s["width"]), size

    # -- shapes ------------------------------------------------------------------------------
    def selected(self) -> int:
        return self._selected

    def select(self, index: int) -> None:
        index = index if 0 <= index < len(self._shapes) else -1
        if index != self._selected:
            self._selected = index
            self.viewport().update()
            self.selectionChanged.emit(index)

    def add_shape(self, shape: dict, text: str | None = None) -> None:
        """A new shape (image pixels, the document's keys), as one undo step."""
        shape = _normalised(dict(shape)) if shape["type"] in BOX_KINDS else dict(shape)
        after = [*self._shapes, shape]
        self._push(text or self.tr("添加图形"), after, len(after) - 1)

    def delete_selected(self) -> bool:
        i = self._selected
        if i < 0:
            return False
        self._push(self.tr("删除图形"), self._shapes[:i] + self._shapes[i + 1 :], -1)
        return True

    def set_text(self, index: int, text: str) -> None:
        """Change a text shape's words (one undo step); empty words delete it."""
        if not 0 <= index < len(self._shapes) or self._shapes[index]["type"] != TEXT:
            return
        if not text.strip():
            self._push(self.tr("删除文字"), self._shapes[:index] + self._shapes[index + 1 :], -1)
        elif text != self._shapes[index]["text"]:
            after = list(self._shapes)
            after[index] = {**after[index], "text": text}
            self._push(self.tr("修改文字"), after, index)

    def next_marker_number(self) -> int:
        return max((int(s["number"]) for s in self._shapes if s["type"] == MARKER), default=0) + 1

    def _new_shape(self, kind: str, a: QPointF, b: QPointF) -> dict:
        style = {"colour": self._colour, "width": self._width}
        if kind in (RECT, ELLIPSE):
            return _normalised({"type": kind, "x": a.x(), "y": a.y(), "w": b.x() - a.x(), "h": b.y() - a.y(), **style})
        if kind in REDACTIONS:
            box = _normalised({"type": kind, "x": a.x(), "y": a.y(), "w": b.x() - a.x(), "h": b.y() - a.y()})
            short = max(1.0, min(box["w"], box["h"]))  # about six blocks across: a face cannot be read
            if kind == MOSAIC:
                return {**box, "block": max(4, round(short / 6))}
            return {**box, "strength": round(max(3.0, short / 5), 1)}
        if kind == ARROW:
            return {"type": ARROW, "x1": a.x(), "y1": a.y(), "x2": b.x(), "y2": b.y(), **style}
        if kind == FREELINE:
            return {"type": FREELINE, "points": [(a.x(), a.y()), (b.x(), b.y())], **style}
        if kind == MARKER:
            return {
                "type": MARKER,
                "x": a.x(),
                "y": a.y(),
                "number": self.next_marker_number(),
                "size": self._text_size * MARKER_SCALE,
                **style,
            }
        raise ValueError(kind)

    # -- text --------------------------------------------------------------------------------
    def start_text(self, at: QPointF, index: int = -1) -> None:
        """The inline field at image point `at` for a new text, or over text shape `index`."""
        self.commit_text()
        self._editing = index
        self._edit_at = QPointF(at)
        if index >= 0:
            s = self._shapes[index]
            self._edit_at = QPointF(s["x"], s["y"])
            self.select(index)
            self._items[index].setVisible(False)
            colour, size, words = s["colour"], s["size"], s["text"]
        else:
            colour, size, words = self._colour, self._text_size, ""
        # The text at its size on screen; in the style sheet, which would otherwise reset the font.
        pixels = max(12, round(size * self.zoom()))
        families = ", ".join(f'"{f}"' for f in _CJK_FAMILIES[:-1])
        self.text_edit.setStyleSheet(
            f"QLineEdit#annotationTextEdit {{ color: {colour}; background: rgba(0,0,0,110);"
            f" border: 1px dashed {colour}; padding: 0px 2px; font-size: {pixels}px; font-family: {families}; }}"
        )
        self.text_edit.setText(words)
        self._place_text_edit()
        self.text_edit.show()
        self.text_edit.setFocus()
        self.text_edit.selectAll()

    def editing_text(self) -> bool:
        return self._editing != -2

    def commit_text(self) -> None:
        if self._editing == -2:
            return
        index, words = self._editing, self.text_edit.text()
        self._editing = -2
        self.text_edit.hide()
        if index >= 0:
            self._items[index].setVisible(True)
            self.set_text(index, words)
        elif words.strip():
            at = self._edit_at
            shape = {"type": TEXT, "x": at.x(), "y": at.y(), "text": words, "size": self._text_size}
            self.add_shape({**shape, "colour": self._colour, "width": self._width}, self.tr("添加文字"))
        self.setFocus()

    def cancel_text(self) -> None:
        if self._editing == -2:
            return
        index, self._editing = self._editing, -2
        self.text_edit.hide()
        if 0 <= index < len(self._items):
            self._items[index].setVisible(True)
        self.setFocus()

    def _place_text_edit(self) -> None:
        if self._editing == -2 and not self.text_edit.isVisible():
            return
        self.text_edit.move(self.mapFromScene(self._edit_at) - QPoint(3, 3))
        self._size_text_edit()

    def _size_text_edit(self) -> None:
        m = self.text_edit.fontMetrics()
        width = max(120, m.horizontalAdvance(self.text_edit.text() + "  ") + 16)
        self.text_edit.resize(width, m.height() + 8)

    # -- zoom --------------------------------------------------------------------------------
    def zoom(self) -> float:
        return self.transform().m11()

    def zoom_fit(self) -> None:
        self._fit_mode = True
        rect = self.sceneRect()
        if rect.isEmpty():
            return
        self.fitInView(rect, Qt.KeepAspectRatio)
        self._zoomed()

    def zoom_to(self, scale: float, anchor: QPoint | None = None) -> None:
        """Scale (1.0 = one picture pixel per screen pixel), keeping the picture point under a
        viewport position (default: the centre) where it is."""
        scale = min(ZOOM_MAX, max(ZOOM_MIN, scale))
        self._fit_mode = False
        anchor = anchor if anchor is not None else self.viewport().rect().center()
        fixed = self.mapToScene(anchor)
        self.setTransform(QTransform.fromScale(scale, scale))
        delta = self.mapFromScene(fixed) - anchor
        self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() + delta.x())
        self.verticalScrollBar().setValue(self.verticalScrollBar().value() + delta.y())
        self._zoomed()

    def zoom_by(self, factor: float, anchor: QPoint | None = None) -> None:
        self.zoom_to(self.zoom() * factor, anchor)

    def _zoomed(self) -> None:
        self._place_text_edit()
        self.viewport().update()
        self.zoomChanged.emit(self.zoom())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self._fit_mode:
            self.zoom_fit()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._fit_mode:
            self.zoom_fit()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        self._place_text_edit()

    def wheelEvent(self, event) -> None:
        if event.modifiers() & Qt.ControlModifier:
            steps = event.angleDelta().y() / 120
            if steps:
                self.zoom_by(ZOOM_STEP**steps, event.position().toPoint())
            event.accept()
            return
        super().wheelEvent(event)

    # -- geometry ----------------------------------------------------------------------------
    def image_point(self, pos: QPoint | QPointF, clamp: bool = True) -> QPointF:
        """The image pixel under a viewport position (pulled onto the picture)."""
        p = self.mapToScene(QPoint(round(pos.x()), round(pos.y())))
        if clamp:
            w, h = self.image_size()
            p = QPointF(min(max(p.x(), 0.0), float(w)), min(max(p.y(), 0.0), float(h)))
        return p

    def view_point(self, x: float, y: float) -> QPoint:
        """The viewport position of image pixel (x, y) (for tests and scripted use)."""
        return self.mapFromScene(QPointF(x, y))

    def _tolerance(self, px: float) -> float:
        return px / max(self.zoom(), 1e-6)

    def shape_at(self, pos: QPoint | QPointF) -> int:
        """The shape under a viewport position: lines first, then the inside of boxes."""
        p = self.image_point(pos, clamp=False)
        tol = self._tolerance(HIT_PX)
        drawn = [i for i in reversed(range(len(self._shapes))) if self._shapes[i]["type"] in DRAWN]
        hidden = [i for i in reversed(range(len(self._shapes))) if self._shapes[i]["type"] in REDACTIONS]
        for i in drawn + hidden:
            if _hits_outline(self._shapes[i], p, tol):
                return i
        for i in drawn:
            if self._shapes[i]["type"] in (RECT, ELLIPSE) and _geometry(self._shapes[i]).contains(p):
                return i
        return -1

    def _handle_at(self, pos: QPointF) -> str:
        if not 0 <= self._selected < len(self._shapes):
            return ""
        for name, p in _handles(self._shapes[self._selected]):
            q = self.mapFromScene(p)
            if abs(q.x() - pos.x()) <= HANDLE_HIT_PX and abs(q.y() - pos.y()) <= HANDLE_HIT_PX:
                return name
        return ""

    def _clamped_move(self, s: dict, dx: float, dy: float) -> tuple[float, float]:
        """Keep the moved shape's box on the picture (a box larger than it stays at its left/top)."""
        g = _geometry(s) if s["type"] != MARKER else QRectF(s["x"], s["y"], 0, 0)
        w, h = self.image_size()
        dx = min(max(dx, -g.left()), max(-g.left(), w - g.right()))
        dy = min(max(dy, -g.top()), max(-g.top(), h - g.bottom()))
        return dx, dy

    # -- mouse and keys ----------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        pos = event.position()
        if self.editing_text():  # a click beside the text field ends the text, and only that
            self.commit_text()
            return
        self.setFocus()
        if event.button() == Qt.MiddleButton:
            self._drag = _Drag("pan", QPointF(pos), press=pos.toPoint())
            self.viewport().setCursor(Qt.ClosedHandCursor)
            return
        if event.button() != Qt.LeftButton or self._array is None:
            return
        point = self.image_point(pos)
        handle = self._handle_at(pos)
        if handle:
            self._drag = _Drag("resize", point, self._selected, handle, list(self._shapes), press=pos.toPoint())
            return
        tool = self._tool
        if tool == SELECT:
            index = self.shape_at(pos)
            self.select(index)
            if index >= 0:
                self._drag = _Drag("move", point, index, before=list(self._shapes), press=pos.toPoint())
                self.viewport().setCursor(Qt.SizeAllCursor)
            else:
                self._drag = _Drag("pan", QPointF(pos), press=pos.toPoint())
                self.viewport().setCursor(Qt.ClosedHandCursor)
            return
        if tool == TEXT:
            index = self.shape_at(pos)
            if index >= 0 and self._shapes[index]["type"] == TEXT:
                self.start_text(point, index)
            else:
                self.start_text(point)
            return
        if tool == MARKER:
            self.add_shape(self._new_shape(MARKER, point, point), self.tr("添加编号"))
            return
        self.select(-1)
        self._drag = _Drag("draw", point, press=pos.toPoint())
        self._set_draft(self._new_shape(tool, point, point))

    def mouseMoveEvent(self, event) -> None:
        pos = event.position()
        drag = self._drag
        if drag is None:
            self._hover_cursor(pos)
            return
        if drag.mode == "pan":
            delta = pos - drag.start
            drag.start = QPointF(pos)
            self.horizontalScrollBar().setValue(self.horizontalScrollBar().value() - round(delta.x()))
            self.verticalScrollBar().setValue(self.verticalScrollBar().value() - round(delta.y()))
            return
        if not drag.moved and (pos.toPoint() - drag.press).manhattanLength() < MIN_DRAG_PX:
            return
        drag.moved = True
        point = self.image_point(pos)
        if drag.mode == "draw":
            if self._tool == FREELINE and self._draft is not None:
                pts = list(self._draft["points"])
                last = pts[-1]
                if len(pts) == 2 and pts[0] == pts[1]:  # the press's own point, twice
                    pts[1] = (point.x(), point.y())
                elif math.hypot(point.x() - last[0], point.y() - last[1]) >= self._tolerance(2):
                    pts.append((point.x(), point.y()))
                self._set_draft({**self._draft, "points": pts})
            else:
                self._set_draft(self._new_shape(self._tool, drag.start, point))
            return
        original = drag.before[drag.index]
        if drag.mode == "move":
            dx, dy = self._clamped_move(original, point.x() - drag.start.x(), point.y() - drag.start.y())
            shape = _translated(original, dx, dy)
        else:
            shape = _resized(original, drag.handle, point)
        self._shapes[drag.index] = shape
        self._update_item(drag.index)

    def mouseReleaseEvent(self, event) -> None:
        drag, self._drag = self._drag, None
        self._hover_cursor(event.position())
        if drag is None or drag.mode == "pan":
            return
        if drag.mode == "draw":
            draft = self._draft
            self._clear_draft()
            if draft is None or not drag.moved:
                return
            g = _geometry(draft)
            if max(g.width(), g.height()) * self.zoom() < MIN_DRAG_PX:
                return
            names = {
                RECT: self.tr("添加矩形"),
                ELLIPSE: self.tr("添加椭圆"),
                ARROW: self.tr("添加箭头"),
                FREELINE: self.tr("添加画笔"),
                MOSAIC: self.tr("添加马赛克"),
                BLUR: self.tr("添加模糊"),
            }
            self.add_shape(draft, names.get(draft["type"]))
            return
        if drag.moved and self._shapes[drag.index] != drag.before[drag.index]:
            after = list(self._shapes)
            self._shapes = list(drag.before)  # the command applies the change (and undoes it)
            self._push(self.tr("移动图形") if drag.mode == "move" else self.tr("调整大小"), after, drag.index)
        elif drag.moved:
            self._shapes = list(drag.before)
            self._update_item(drag.index)

    def mouseDoubleClickEvent(self, event) -> None:
        if event.button() != Qt.LeftButton:
            return
        index = self.shape_at(event.position())
        if index >= 0 and self._shapes[index]["type"] == TEXT:
            self._drag = None
            self.start_text(QPointF(), index)
        else:
            self.mousePressEvent(event)

    def _hover_cursor(self, pos: QPointF) -> None:
        handle = self._handle_at(pos)
        if handle:
            shapes = {
                "lt": Qt.SizeFDiagCursor,
                "rb": Qt.SizeFDiagCursor,
                "rt": Qt.SizeBDiagCursor,
                "lb": Qt.SizeBDiagCursor,
                "ct": Qt.SizeVerCursor,
                "cb": Qt.SizeVerCursor,
                "lc": Qt.SizeHorCursor,
                "rc": Qt.SizeHorCursor,
            }
            self.viewport().setCursor(shapes.get(handle, Qt.PointingHandCursor))
        elif self._tool == SELECT:
            over = self.shape_at(pos) >= 0
            self.viewport().setCursor(Qt.SizeAllCursor if over else Qt.OpenHandCursor)
        else:
            self.viewport().setCursor(Qt.CrossCursor)

    def keyPressEvent(self, event) -> None:
        key, mods = event.key(), event.modifiers()
        ctrl = bool(mods & Qt.ControlModifier)
        tool_keys = {
            Qt.Key_V: SELECT,
            Qt.Key_R: RECT,
            Qt.Key_E: ELLIPSE,
            Qt.Key_A: ARROW,
            Qt.Key_P: FREELINE,
            Qt.Key_T: TEXT,
            Qt.Key_N: MARKER,
            Qt.Key_M: MOSAIC,
            Qt.Key_B: BLUR,
        }
        nudges = {Qt.Key_Left: (-1, 0), Qt.Key_Right: (1, 0), Qt.Key_Up: (0, -1), Qt.Key_Down: (0, 1)}
        if event.matches(QKeySequence.Undo):
            self.undo_stack.undo()
        elif event.matches(QKeySequence.Redo) or (key == Qt.Key_Y and ctrl):
            self.undo_stack.redo()
        elif key in (Qt.Key_Delete, Qt.Key_Backspace) and self._selected >= 0:
            self.delete_selected()
        elif key == Qt.Key_Escape and self._drag is not None and self._drag.mode == "draw":
            self._drag = None
            self._clear_draft()
        elif key == Qt.Key_Escape and self._selected >= 0:
            self.select(-1)
        elif ctrl and key == Qt.Key_0:
            self.zoom_fit()
        elif ctrl and key == Qt.Key_1:
            self.zoom_to(1.0)
        elif ctrl and key in (Qt.Key_Plus, Qt.Key_Equal):
            self.zoom_by(ZOOM_STEP)
        elif ctrl and key == Qt.Key_Minus:
            self.zoom_by(1 / ZOOM_STEP)
        elif key in nudges and self._selected >= 0 and not ctrl:
            step = 10 if mods & Qt.ShiftModifier else 1
            i = self._selected
            dx, dy = self._clamped_move(self._shapes[i], nudges[key][0] * step, nudges[key][1] * step)
            after = list(self._shapes)
            after[i] = _translated(after[i], dx, dy)
            self._push(self.tr("移动图形"), after, i, merge_key=("nudge", i))
        elif key in tool_keys and not (mods & (Qt.ControlModifier | Qt.AltModifier)):
            self.set_tool(tool_keys[key])
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    # -- internals ---------------------------------------------------------------------------
    def _index_changed(self, _index: int) -> None:
        self.changed.emit()

    def _push(self, text: str, after: list[dict], select_after: int, merge_key=None) -> None:
        # Shapes are kept as the document holds them (rounded), so that the editor's pixels and a
        # render of the saved document are the same (a mosaic's region rounds to whole pixels).
        after = [_canonical(s) for s in after]
        self.undo_stack.push(SnapshotEdit(self, text, self._shapes, after, self._selected, select_after, merge_key))

    def _apply(self, shapes: Sequence[dict], selected: int) -> None:
        """Called by the undo commands (and loading): the shapes and the selection, then the scene."""
        self._shapes = list(shapes)
        old = self._selected
        self._selected = selected if 0 <= selected < len(self._shapes) else -1
        self._rebuild()
        if old != self._selected:
            self.selectionChanged.emit(self._selected)

    def _make_item(self, shape: dict) -> QGraphicsItem:
        if shape["type"] in REDACTIONS:
            return _RedactionItem(shape, self._array)
        return _ShapeItem(shape)

    def _rebuild(self) -> None:
        for item in self._items:
            self.scene().removeItem(item)
        self._items = []
        for i, s in enumerate(self._shapes):
            item = self._make_item(s)
            item.setZValue(i if s["type"] in REDACTIONS else 10_000 + i)  # redactions under drawings
            self.scene().addItem(item)
            self._items.append(item)
        self.viewport().update()

    def _update_item(self, index: int) -> None:
        item, shape = self._items[index], self._shapes[index]
        if isinstance(item, _RedactionItem):
            item.set_shape(shape, self._array)
        else:
            item.set_shape(shape)
        self.viewport().update()

    def _set_draft(self, shape: dict) -> None:
        self._draft = shape
        if self._draft_item is None:
            self._draft_item = self._make_item(shape)
            self._draft_item.setZValue(5_000 if shape["type"] in REDACTIONS else 50_000)
            self.scene().addItem(self._draft_item)
        elif isinstance(self._draft_item, _RedactionItem):
            self._draft_item.set_shape(shape, self._array)
        else:
            self._draft_item.set_shape(shape)

    def _clear_draft(self) -> None:
        if self._draft_item is not None:
            self.scene().removeItem(self._draft_item)
        self._draft, self._draft_item = None, None

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        """The selection box and its handles, in screen pixels at any zoom."""
        super().drawForeground(painter, rect)
        if not 0 <= self._selected < len(self._shapes) or self.editing_text():
            return
        s = self._shapes[self._selected]
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.Antialiasing, False)
        if s["type"] != ARROW:  # an arrow shows its two end handles only
            box = self.mapFromScene(_geometry(s)).boundingRect()
            if s["type"] in (TEXT, MARKER):
                box.adjust(-3, -3, 3, 3)
            for colour, style in ((QColor(0, 0, 0, 150), Qt.SolidLine), (_SELECTION, Qt.DashLine)):
                painter.setPen(QPen(colour, 1, style))
                painter.setBrush(Qt.NoBrush)
                painter.drawRect(box)
        painter.setPen(QPen(_SELECTION.darker(160), 1))
        painter.setBrush(QColor("#ffffff"))
        half = HANDLE_PX // 2
        for _name, p in _handles(s):
            q = self.mapFromScene(p)
            painter.drawRect(q.x() - half, q.y() - half, HANDLE_PX, HANDLE_PX)
        painter.restore()

    def sizeHint(self) -> QSize:
        return QSize(960, 600)


# --- the editor with its tool row --------------------------------------------------------------


def _tool_icon(kind: str, colour: str = "#e5e7eb") -> QIcon:
    """Small line icons drawn here (no icon files): one per tool."""
    pm = QPixmap(20, 20)
    pm.fill(Qt.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.Antialiasing)
    c = QColor(colour)
    p.setPen(QPen(c, 1.6, Qt.SolidLine, Qt.RoundCap, Qt.RoundJoin))
    if kind == SELECT:
        p.setBrush(c)
        p.drawPolygon(
            QPolygonF(
                [
                    QPointF(5, 3),
                    QPointF(5, 16),
                    QPointF(8.5, 12.5),
                    QPointF(11, 17.5),
                    QPointF(13, 16.5),
                    QPointF(10.5, 11.5),
                    QPointF(15, 11.5),
                ]
            )
        )
    elif kind == RECT:
        p.drawRect(QRectF(3, 5, 14, 10))
    elif kind == ELLIPSE:
        p.drawEllipse(QRectF(2.5, 5, 15, 10))
    elif kind == ARROW:
        p.drawLine(QPointF(4, 16), QPointF(15, 5))
        p.setBrush(c)
        p.drawPolygon(QPolygonF([QPointF(16, 4), QPointF(9.5, 6), QPointF(14, 10.5)]))
    elif kind == FREELINE:
        path = QPainterPath(QPointF(3, 14))
        path.cubicTo(QPointF(6, 3), QPointF(10, 19), QPointF(17, 5))
        p.drawPath(path)
    elif kind == TEXT:
        font = QFont()
        font.setPixelSize(16)
        font.setBold(True)
        p.setFont(font)
        p.drawText(QRectF(0, 0, 20, 20), Qt.AlignCenter, "T")
    elif kind == MARKER:
        p.setBrush(QColor("#ef4444"))
        p.setPen(Qt.NoPen)
        p.drawEllipse(QRectF(2, 2, 16, 16))
        font = QFont()
        font.setPixelSize(11)
        font.setBold(True)
        p.setFont(font)
        p.setPen(QColor("#ffffff"))
        p.drawText(QRectF(2, 2, 16, 16), Qt.AlignCenter, "1")
    elif kind == MOSAIC:
        p.setPen(Qt.NoPen)
        for row in range(4):
            for col in range(4):
                shade = 90 + ((row * 3 + col * 5) % 4) * 40
                p.setBrush(QColor(shade, shade, shade))
                p.drawRect(QRectF(2 + col * 4, 2 + row * 4, 4, 4))
    elif kind == BLUR:
        g = QRadialGradient(QPointF(10, 10), 8)
        g.setColorAt(0, c)
        g.setColorAt(1, QColor(0, 0, 0, 0))
        p.setPen(Qt.NoPen)
        p.setBrush(QBrush(g))
        p.drawEllipse(QRectF(1, 1, 18, 18))
    p.end()
    return QIcon(pm)


def _swatch(colour: str) -> QIcon:
    pm = QPixmap(16, 16)
    pm.fill(QColor(colour))
    p = QPainter(pm)
    p.setPen(QColor("#9ca3af"))
    p.drawRect(0, 0, 15, 15)
    p.end()
    return QIcon(pm)


class AnnotationEditor(QWidget):
    """The canvas with its tool row and a hint line. `changed` after every change."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("annotationEditor")
        self.canvas = AnnotationCanvas(self)
        c = self.canvas
        names = {
            SELECT: (self.tr("选择"), self.tr("选择、移动、缩放图形；拖动空白处平移（V）")),
            RECT: (self.tr("矩形"), self.tr("画矩形框（R）")),
            ELLIPSE: (self.tr("椭圆"), self.tr("画椭圆圈（E）")),
            ARROW: (self.tr("箭头"), self.tr("画箭头，松开处为箭头（A）")),
            FREELINE: (self.tr("画笔"), self.tr("自由画线（P）")),
            TEXT: (self.tr("文字"), self.tr("单击放置文字，回车确定；双击已有文字修改（T）")),
            MARKER: (self.tr("编号"), self.tr("单击放置编号 1、2、3…（N）")),
            MOSAIC: (self.tr("马赛克"), self.tr("框选区域打马赛克，如无关人员的面部（M）")),
            BLUR: (self.tr("模糊"), self.tr("框选区域模糊处理（B）")),
        }
        self.tool_buttons: dict[str, QToolButton] = {}
        self._tool_group = QButtonGroup(self)
        self._tool_group.setExclusive(True)
        for kind in TOOLS:
            text, tip = names[kind]
            b = QToolButton(self)
            b.setObjectName(f"annotationTool_{kind}")
            b.setText(text)
            b.setToolTip(tip)
            b.setIcon(_tool_icon(kind))
            b.setIconSize(QSize(18, 18))
            b.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
            b.setCheckable(True)
            b.clicked.connect(lambda _checked=False, k=kind: c.set_tool(k))
            self._tool_group.addButton(b)
            self.tool_buttons[kind] = b
        self.tool_buttons[SELECT].setChecked(True)

        self.colour_button = QToolButton(self)
        self.colour_button.setObjectName("annotationColour")
        self.colour_button.setText(self.tr("颜色"))
        self.colour_button.setToolTip(self.tr("新图形和所选图形的颜色"))
        self.colour_button.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        self.colour_button.setPopupMode(QToolButton.InstantPopup)
        menu = QMenu(self.colour_button)
        colour_names = [self.tr("红"), self.tr("黄"), self.tr("绿"), self.tr("蓝"), self.tr("白"), self.tr("黑")]
        for colour, name in zip(PRESET_COLOURS, colour_names, strict=True):
            action = QAction(_swatch(colour), name, menu)
            action.triggered.connect(lambda _checked=False, col=colour: self._choose_colour(col))
            menu.addAction(action)
        menu.addSeparator()
        custom = QAction(self.tr("自定义…"), menu)
        custom.triggered.connect(self._custom_colour)
        menu.addAction(custom)
        self.colour_button.setMenu(menu)

        self.width_spin = QSpinBox(self)
        self.width_spin.setRange(1, 60)
        self.width_spin.setSuffix(" px")
        self.width_spin.setToolTip(self.tr("线宽（原图像素）"))
        self.size_spin = QSpinBox(self)
        self.size_spin.setRange(8, 400)
        self.size_spin.setSuffix(" px")
        self.size_spin.setToolTip(self.tr("文字和编号的大小（原图像素）"))
        self.width_label = QLabel(self.tr("线宽"), self)
        self.size_label = QLabel(self.tr("字号"), self)
        width_box, size_box = self._stepper(self.width_spin), self._stepper(self.size_spin)

        def button(text: str, tip: str, slot) -> QToolButton:
            b = QToolButton(self)
            b.setText(text)
            b.setToolTip(tip)
            b.clicked.connect(slot)
            return b

        self.undo_button = button(self.tr("撤销"), self.tr("撤销（Ctrl+Z）"), c.undo_stack.undo)
        self.redo_button = button(self.tr("重做"), self.tr("重做（Ctrl+Y）"), c.undo_stack.redo)
        self.delete_button = button(self.tr("删除"), self.tr("删除所选图形（Del）"), c.delete_selected)
        self.fit_button = button(self.tr("适应窗口"), self.tr("整张图片适应窗口（Ctrl+0）"), c.zoom_fit)
        self.actual_button = button(
            "100%", self.tr("原始大小，一个图片像素对应一个屏幕像素（Ctrl+1）"), lambda: c.zoom_to(1.0)
        )
        self.zoom_label = QLabel(self)
        self.zoom_label.setObjectName("annotationZoom")
        self.zoom_label.setMinimumWidth(48)
        self.zoom_label.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.zoom_label.setToolTip(self.tr("缩放比例；按住 Ctrl 滚动鼠标滚轮缩放"))

        # The tool row does not hold the window wide: below the width it needs with words, the
        # tool buttons show their icons only (their tooltips name them).
        self.tool_row = QWidget(self)
        self.tool_row.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)
        tools = QHBoxLayout(self.tool_row)
        tools.setSizeConstraint(QLayout.SetNoConstraint)
        tools.setContentsMargins(0, 0, 0, 0)
        tools.setSpacing(4)
        for kind in TOOLS:
            tools.addWidget(self.tool_buttons[kind])
        tools.addSpacing(10)
        for w in (self.colour_button, self.width_label, width_box, self.size_label, size_box):
            tools.addWidget(w)
        tools.addSpacing(10)
        for w in (self.undo_button, self.redo_button, self.delete_button):
            tools.addWidget(w)
        tools.addStretch(1)
        self.tools = tools
        self._row_widths = (0, 0)  # what the tool row needs with icons only, with words beside them
        self.hint = QLabel(self)
        self.hint.setObjectName("annotationHint")
        self.hint.setWordWrap(True)
        bottom = QHBoxLayout()  # the hint, and the zoom at the right as in a status bar
        bottom.setContentsMargins(0, 0, 0, 0)
        bottom.setSpacing(4)
        bottom.addWidget(self.hint, 1)
        for w in (self.fit_button, self.actual_button, self.zoom_label):
            bottom.addWidget(w)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.tool_row)
        layout.addWidget(c, 1)
        layout.addLayout(bottom)

        self.width_spin.valueChanged.connect(c.set_line_width)
        self.size_spin.valueChanged.connect(c.set_text_size)
        c.undo_stack.canUndoChanged.connect(self.undo_button.setEnabled)
        c.undo_stack.canRedoChanged.connect(self.redo_button.setEnabled)
        c.selectionChanged.connect(self._selection)
        c.toolChanged.connect(self._tool)
        c.zoomChanged.connect(lambda z: self.zoom_label.setText(f"{round(z * 100)}%"))
        c.changed.connect(self._changed)
        self.undo_button.setEnabled(False)
        self.redo_button.setEnabled(False)
        self._sync_style()
        self._selection(-1)
        self._tool(SELECT)

    def _stepper(self, spin: QSpinBox) -> QWidget:
        """[−][value][+]: the dark theme draws no visible spin arrows, so the steps are buttons (the
        theme's console.qss gives the spin box's own arrows no width; NoButtons would leave its
        text field 1 px wide under a style sheet)."""
        box = QWidget(self)
        box.setObjectName("annotationStepper")
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(1)
        spin.setParent(box)
        spin.setObjectName("annotationValue")
        spin.setAlignment(Qt.AlignCenter)
        spin.setFixedWidth(56)
        for text, slot in (("−", spin.stepDown), (None, None), ("+", spin.stepUp)):
            if text is None:
                row.addWidget(spin)
                continue
            b = QToolButton(box)
            b.setObjectName("annotationStep")
            b.setText(text)
            b.setAutoRepeat(True)
            b.setToolTip(spin.toolTip())
            b.setFocusPolicy(Qt.NoFocus)
            b.clicked.connect(slot)
            row.addWidget(b)
        return box

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_tool_row()

    def showEvent(self, event) -> None:
        self._row_widths = (0, 0)  # measured again: the style sheet is applied by now
        super().showEvent(event)
        self._fit_tool_row()

    def _set_tool_style(self, style) -> None:
        for b in self.tool_buttons.values():
            b.setToolButtonStyle(style)

    def _fit_tool_row(self) -> None:
        if not self._row_widths[0]:
            widths = []
            for style in (Qt.ToolButtonIconOnly, Qt.ToolButtonTextBesideIcon):
                self._set_tool_style(style)
                self.tools.invalidate()
                widths.append(self.tools.sizeHint().width())
            self._row_widths = (widths[0], widths[1])
            self.tool_row.setMinimumHeight(self.tools.sizeHint().height())
            self.updateGeometry()
        with_words = self.width() >= self._row_widths[1]
        self._set_tool_style(Qt.ToolButtonTextBesideIcon if with_words else Qt.ToolButtonIconOnly)

    def minimumSizeHint(self) -> QSize:
        return QSize(max(480, self._row_widths[0]), 300)

    # -- API ---------------------------------------------------------------------------------
    def load(self, image: QImage, annotation_json: str = "") -> None:
        """The picture (never changed) and its shapes ("" for none). ValueError for a document
        that cannot be read: the picture is then shown without shapes."""
        try:
            self.canvas.load(image, annotation_json)
        finally:
            self._sync_style()

    def shapes_json(self) -> str:
        return self.canvas.shapes_json()

    def shapes(self) -> list[dict]:
        return self.canvas.shapes()

    def render(self) -> QImage:
        return self.canvas.render()

    def png_bytes(self) -> bytes:
        buffer = QBuffer()
        buffer.open(QBuffer.WriteOnly)
        self.render().save(buffer, "PNG")
        return bytes(buffer.data())

    def is_modified(self) -> bool:
        return self.canvas.is_modified()

    def set_saved(self) -> None:
        self.canvas.set_saved()

    @property
    def undo_stack(self) -> QUndoStack:
        return self.canvas.undo_stack

    def set_tool(self, tool: str) -> None:
        self.canvas.set_tool(tool)

    # -- state -------------------------------------------------------------------------------
    def _choose_colour(self, colour: str) -> None:
        self.canvas.set_colour(colour)
        self.colour_button.setIcon(_swatch(self.canvas.colour()))

    def _custom_colour(self) -> None:
        colour = QColorDialog.getColor(QColor(self.canvas.colour()), self, self.tr("选择颜色"))
        if colour.isValid():
            self._choose_colour(colour.name())

    def _sync_style(self, style: tuple[str, int, int] | None = None) -> None:
        """The tool row shows the selected shape's style, or the style of new shapes."""
        c = self.canvas
        colour, width, size = style or (c.colour(), c.line_width(), c.text_size())
        for spin, value in ((self.width_spin, width), (self.size_spin, size)):
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)
        self.colour_button.setIcon(_swatch(colour))

    def _selection(self, index: int) -> None:
        self.delete_button.setEnabled(index >= 0)
        self._sync_style(self.canvas.style_of(index))

    def _changed(self) -> None:
        i = self.canvas.selected()
        self.delete_button.setEnabled(i >= 0)
        self._sync_style(self.canvas.style_of(i))
        self.changed.emit()

    def _tool(self, tool: str) -> None:
        self.tool_buttons[tool].setChecked(True)
        hints = {
            SELECT: self.tr("单击选中图形，拖动移动，拖动控制点调整大小；Del 删除，方向键微调，双击文字修改"),
            RECT: self.tr("按住左键拖动画矩形"),
            ELLIPSE: self.tr("按住左键拖动画椭圆"),
            ARROW: self.tr("从起点拖到要指向的位置，松开处为箭头"),
            FREELINE: self.tr("按住左键自由画线"),
            TEXT: self.tr("单击要放文字的位置，输入后按回车；Esc 取消"),
            MARKER: self.tr("依次单击要编号的位置，编号自动递增"),
            MOSAIC: self.tr("框选要打马赛克的区域（如无关人员的面部），原图不会被修改"),
            BLUR: self.tr("框选要模糊的区域，原图不会被修改"),
        }
        common = self.tr("Ctrl+Z 撤销，Ctrl+Y 重做，Ctrl+滚轮缩放")
        self.hint.setText(f"{hints[tool]}　·　{common}")
