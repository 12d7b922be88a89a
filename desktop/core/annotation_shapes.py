"""Annotations on an evidence picture as data: shapes in the original picture's pixels.

The annotation editor (widgets/annotation_editor.py) draws these shapes with QPainter; this module
is the Qt-free side: the shapes as frozen dataclasses, their JSON document and a headless render
with OpenCV (and Pillow for text, which cv2 cannot draw in Chinese) for command lines and reports.

Coordinates are image pixels of the original, x right, y down, floats. The document:

    {"format": "mingchu-annotation", "version": 1, "image": {"width": 1280, "height": 720},
     "shapes": [{"type": "rect", "x": 10, "y": 20, "w": 200, "h": 100, "colour": "#ef4444", "width": 4},
                {"type": "ellipse", ... same keys as rect},
                {"type": "arrow", "x1": .., "y1": .., "x2": .., "y2": .., "colour": .., "width": ..},
                {"type": "freeline", "points": [[x, y], ...], "colour": .., "width": ..},
                {"type": "text", "x": .., "y": .., "text": "未戴口罩", "size": 32, "colour": .., "width": ..},
                {"type": "marker", "x": .., "y": .., "number": 1, "size": 36, "colour": .., "width": ..},
                {"type": "mosaic", "x": .., "y": .., "w": .., "h": .., "block": 16},
                {"type": "blur", "x": .., "y": .., "w": .., "h": .., "strength": 12}]}

- text: (x, y) is the top-left corner of the text (the top of the font's ascent), size its pixel size.
- marker: a filled circle of diameter `size` centred on (x, y) with its number in white.
- arrow: the head is at (x2, y2).
- mosaic and blur hide a region (bystanders' faces). They are applied to the ORIGINAL pixels, each
  from the original (not from each other), before every drawn shape, whatever their place in the
  list: a redaction never hides an annotation. Mosaic averages blocks of `block` pixels aligned on
  the region's top-left corner; blur is a Gaussian of sigma `strength`. Regions are rounded
  outwards to whole pixels and clipped to the picture.

`image` is informative (the size the shapes were drawn on) and may be absent.
"""

from __future__ import annotations

import json
import logging
import math
import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

log = logging.getLogger(__name__)

__all__ = [
    "FORMAT",
    "VERSION",
    "AnnotationFormatError",
    "Arrow",
    "Blur",
    "Ellipse",
    "FreeLine",
    "Marker",
    "Mosaic",
    "Rect",
    "Shape",
    "Style",
    "Text",
    "arrow_head",
    "blur_region",
    "cjk_font_path",
    "from_json",
    "next_marker_number",
    "pixel_region",
    "pixelate",
    "render",
    "to_json",
]

FORMAT = "mingchu-annotation"
VERSION = 1
DEFAULT_COLOUR = "#ef4444"
MAX_WIDTH = 500.0  # line widths and sizes beyond this are a broken document, not a drawing
MAX_SIZE = 2000.0
_COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")


class AnnotationFormatError(ValueError):
    """The annotation document cannot be read; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Style:
    colour: str = DEFAULT_COLOUR  # "#rrggbb"
    width: float = 4.0  # line width in image pixels


@dataclass(frozen=True, slots=True)
class Rect:
    x: float
    y: float
    w: float
    h: float
    style: Style = field(default_factory=Style)


@dataclass(frozen=True, slots=True)
class Ellipse:
    """The ellipse inscribed in the box (x, y, w, h)."""

    x: float
    y: float
    w: float
    h: float
    style: Style = field(default_factory=Style)


@dataclass(frozen=True, slots=True)
class Arrow:
    x1: float
    y1: float
    x2: float  # the head
    y2: float
    style: Style = field(default_factory=Style)


@dataclass(frozen=True, slots=True)
class FreeLine:
    points: tuple[tuple[float, float], ...]
    style: Style = field(default_factory=Style)


@dataclass(frozen=True, slots=True)
class Text:
    x: float  # top-left corner
    y: float
    text: str
    size: float = 32.0  # pixel size of the font
    style: Style = field(default_factory=Style)


@dataclass(frozen=True, slots=True)
class Marker:
    x: float  # centre
    y: float
    number: int
    size: float = 36.0  # diameter
    style: Style = field(default_factory=Style)


@dataclass(frozen=True, slots=True)
class Mosaic:
    x: float
    y: float
    w: float
    h: float
    block: int = 16  # pixels per mosaic block


@dataclass(frozen=True, slots=True)
class Blur:
    x: float
    y: float
    w: float
    h: float
    strength: float = 12.0  # Gaussian sigma in pixels


Shape = Rect | Ellipse | Arrow | FreeLine | Text | Marker | Mosaic | Blur
REDACTIONS = (Mosaic, Blur)

_TYPE_NAMES: dict[type, str] = {
    Rect: "rect",
    Ellipse: "ellipse",
    Arrow: "arrow",
    FreeLine: "freeline",
    Text: "text",
    Marker: "marker",
    Mosaic: "mosaic",
    Blur: "blur",
}


def next_marker_number(shapes: Iterable[Shape]) -> int:
    """The number a new marker gets: one more than the highest so far (1 for the first)."""
    return max((s.number for s in shapes if isinstance(s, Marker)), default=0) + 1


# --- JSON --------------------------------------------------------------------------------------


def _num(v: float) -> float | int:
    r = round(float(v), 2)
    return int(r) if r == int(r) else r


def _shape_dict(s: Shape) -> dict:
    kind = _TYPE_NAMES.get(type(s))
    if kind is None:
        raise TypeError(f"not an annotation shape: {s!r}")
    d: dict = {"type": kind}
    if isinstance(s, (Rect, Ellipse, Mosaic, Blur)):
        d.update(x=_num(s.x), y=_num(s.y), w=_num(s.w), h=_num(s.h))
    if isinstance(s, Arrow):
        d.update(x1=_num(s.x1), y1=_num(s.y1), x2=_num(s.x2), y2=_num(s.y2))
    elif isinstance(s, FreeLine):
        d["points"] = [[_num(x), _num(y)] for x, y in s.points]
    elif isinstance(s, Text):
        d.update(x=_num(s.x), y=_num(s.y), text=s.text, size=_num(s.size))
    elif isinstance(s, Marker):
        d.update(x=_num(s.x), y=_num(s.y), number=int(s.number), size=_num(s.size))
    elif isinstance(s, Mosaic):
        d["block"] = int(s.block)
    elif isinstance(s, Blur):
        d["strength"] = _num(s.strength)
    if not isinstance(s, REDACTIONS):
        d.update(colour=s.style.colour.lower(), width=_num(s.style.width))
    return d


def to_json(shapes: Iterable[Shape], image_size: tuple[int, int] | None = None) -> str:
    """The annotation document of `shapes` (in list order); `image_size` is (width, height)."""
    doc: dict = {"format": FORMAT, "version": VERSION}
    if image_size is not None:
        doc["image"] = {"width": int(image_size[0]), "height": int(image_size[1])}
    doc["shapes"] = [_shape_dict(s) for s in shapes]
    return json.dumps(doc, ensure_ascii=False, separators=(",", ":"))


class _Reader:
    """Field access on one shape of the document, with errors that say which shape and field."""

    def __init__(self, d: dict, where: str) -> None:
        self.d, self.where = d, where

    def fail(self, message: str):
        raise AnnotationFormatError(f"{self.where}：{message}")

    def number(self, key: str, minimum: float | None = None, maximum: float | None = None, above: bool = False):
        if key not in self.d:
            self.fail(f"缺少 {key}")
        v = self.d[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            self.fail(f"{key} 应为数字，实际为 {v!r}")
        v = float(v)
        if minimum is not None and (v <= minimum if above else v < minimum):
            self.fail(f"{key} 应{'大于' if above else '不小于'} {_num(minimum)}，实际为 {_num(v)}")
        if maximum is not None and v > maximum:
            self.fail(f"{key} 应不大于 {_num(maximum)}，实际为 {_num(v)}")
        return v

    def integer(self, key: str, minimum: int, maximum: int) -> int:
        v = self.number(key, minimum, maximum)
        if v != int(v):
            self.fail(f"{key} 应为整数，实际为 {_num(v)}")
        return int(v)

    def style(self) -> Style:
        colour = self.d.get("colour")
        if not isinstance(colour, str) or not _COLOUR_RE.match(colour):
            self.fail(f"colour 应为 #rrggbb 形式的颜色，实际为 {colour!r}")
        return Style(colour.lower(), self.number("width", 0.0, MAX_WIDTH, above=True))

    def box(self) -> tuple[float, float, float, float]:
        return self.number("x"), self.number("y"), self.number("w", 0.0), self.number("h", 0.0)


def _parse_shape(d, index: int) -> Shape:
    if not isinstance(d, dict):
        raise AnnotationFormatError(f"第 {index + 1} 个图形：应为对象，实际为 {type(d).__name__}")
    kind = d.get("type")
    r = _Reader(d, f"第 {index + 1} 个图形（{kind}）")
    if kind == "rect":
        return Rect(*r.box(), style=r.style())
    if kind == "ellipse":
        return Ellipse(*r.box(), style=r.style())
    if kind == "arrow":
        return Arrow(r.number("x1"), r.number("y1"), r.number("x2"), r.number("y2"), style=r.style())
    if kind == "freeline":
        pts = d.get("points")
        if not isinstance(pts, list) or len(pts) < 2:
            r.fail("points 应为至少两个点的列表")
        points = []
        for i, p in enumerate(pts):
            if not isinstance(p, list) or len(p) != 2:
                r.fail(f"points[{i}] 应为 [x, y]")
            point = _Reader({"x": p[0], "y": p[1]}, f"{r.where} points[{i}]")
            points.append((point.number("x"), point.number("y")))
        return FreeLine(tuple(points), style=r.style())
    if kind == "text":
        text = d.get("text")
        if not isinstance(text, str) or not text.strip():
            r.fail("text 应为非空文字")
        return Text(r.number("x"), r.number("y"), text, r.number("size", 0.0, MAX_SIZE, above=True), style=r.style())
    if kind == "marker":
        return Marker(
            r.number("x"),
            r.number("y"),
            r.integer("number", 1, 100_000),
            r.number("size", 0.0, MAX_SIZE, above=True),
            style=r.style(),
        )
    if kind == "mosaic":
        return Mosaic(*r.box(), block=r.integer("block", 2, 1000))
    if kind == "blur":
        return Blur(*r.box(), strength=r.number("strength", 0.0, 500.0, above=True))
    known = "、".join(_TYPE_NAMES.values())
    raise AnnotationFormatError(f"第 {index + 1} 个图形：未知类型 {kind!r}（可用：{known}）")


def from_json(text: str | bytes) -> list[Shape]:
    """The shapes of an annotation document; AnnotationFormatError names what is wrong."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise AnnotationFormatError(f"标注数据不是 UTF-8 文本：{exc}") from None
    if not isinstance(text, str) or not text.strip():
        raise AnnotationFormatError("标注数据为空")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise AnnotationFormatError(
            f"标注数据不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列，{exc.msg}"
        ) from None
    if not isinstance(doc, dict):
        raise AnnotationFormatError("标注数据应为 JSON 对象")
    if doc.get("format") != FORMAT:
        raise AnnotationFormatError(f"不是标注数据（format 应为 {FORMAT!r}，实际为 {doc.get('format')!r}）")
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise AnnotationFormatError(f"version 应为正整数，实际为 {version!r}")
    if version > VERSION:
        raise AnnotationFormatError(f"标注数据版本 {version} 比本程序支持的版本 {VERSION} 新，请升级工作台")
    image = doc.get("image")
    if image is not None:
        if not isinstance(image, dict):
            raise AnnotationFormatError("image 应为 {width, height}")
        r = _Reader(image, "image")
        r.integer("width", 1, 1_000_000)
        r.integer("height", 1, 1_000_000)
    shapes = doc.get("shapes")
    if not isinstance(shapes, list):
        raise AnnotationFormatError("shapes 应为列表")
    return [_parse_shape(d, i) for i, d in enumerate(shapes)]


# --- pixels shared by both renderers -----------------------------------------------------------


def pixel_region(x: float, y: float, w: float, h: float, width: int, height: int) -> tuple[int, int, int, int]:
    """A box rounded outwards to whole pixels and clipped to a width x height picture:
    (x0, y0, x1, y1), x1/y1 exclusive; empty when x1 <= x0 or y1 <= y0."""
    x0 = max(0, min(width, math.floor(min(x, x + w))))
    y0 = max(0, min(height, math.floor(min(y, y + h))))
    x1 = max(0, min(width, math.ceil(max(x, x + w))))
    y1 = max(0, min(height, math.ceil(max(y, y + h))))
    return x0, y0, x1, y1


def pixelate(region: np.ndarray, block: int) -> np.ndarray:
    """Each block x block square (aligned on the region's top-left) replaced by its mean."""
    h, w = region.shape[:2]
    block = max(1, int(block))
    if h == 0 or w == 0 or block == 1:
        return region.copy()
    nh, nw = -(-h // block), -(-w // block)
    padded = cv2.copyMakeBorder(region, 0, nh * block - h, 0, nw * block - w, cv2.BORDER_REPLICATE)
    small = cv2.resize(padded, (nw, nh), interpolation=cv2.INTER_AREA)
    big = cv2.resize(small, (nw * block, nh * block), interpolation=cv2.INTER_NEAREST)
    return np.ascontiguousarray(big[:h, :w])


def blur_region(image: np.ndarray, box: tuple[int, int, int, int], sigma: float) -> np.ndarray:
    """The Gaussian blur (sigma in pixels) of image[y0:y1, x0:x1], computed with the pixels
    around it, so the region's edge does not smear towards its own border."""
    x0, y0, x1, y1 = box
    height, width = image.shape[:2]
    pad = int(math.ceil(3 * sigma))
    ax0, ay0 = max(0, x0 - pad), max(0, y0 - pad)
    ax1, ay1 = min(width, x1 + pad), min(height, y1 + pad)
    blurred = cv2.GaussianBlur(image[ay0:ay1, ax0:ax1], (0, 0), sigmaX=float(sigma), borderType=cv2.BORDER_REPLICATE)
    return np.ascontiguousarray(blurred[y0 - ay0 : y1 - ay0, x0 - ax0 : x1 - ax0])


def arrow_head(x1: float, y1: float, x2: float, y2: float, width: float):
    """The arrow's head triangle (tip, left, right) and the point where the shaft ends."""
    length = max(10.0, width * 4.0)
    angle = math.atan2(y2 - y1, x2 - x1)
    spread = math.radians(25)
    left = (x2 - length * math.cos(angle - spread), y2 - length * math.sin(angle - spread))
    right = (x2 - length * math.cos(angle + spread), y2 - length * math.sin(angle + spread))
    shaft = min(math.hypot(x2 - x1, y2 - y1), length * math.cos(spread) * 0.8)
    base = (x2 - shaft * math.cos(angle), y2 - shaft * math.sin(angle))
    return (x2, y2), left, right, base


# --- headless render ---------------------------------------------------------------------------

_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


@lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    """A font file with Chinese glyphs: fontconfig's choice for zh-cn, else a known path."""
    if shutil.which("fc-match"):
        try:
            out = subprocess.run(
                ["fc-match", "-f", "%{file}", "sans-serif:lang=zh-cn"],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            out = ""
        if out and Path(out).is_file() and _has_cjk(out):
            return out
    for candidate in _FONT_CANDIDATES:
        if Path(candidate).is_file():
            return candidate
    log.warning("no CJK font found: Chinese annotation text cannot be rendered headless")
    return None


def _has_cjk(path: str) -> bool:
    lowered = path.lower()
    return any(k in lowered for k in ("cjk", "wqy", "droid", "hei", "song", "kai", "ming", "han"))


@lru_cache(maxsize=32)
def _pil_font(size: int):
    try:
        from PIL import ImageFont
    except ImportError:
        return None
    path = cjk_font_path()
    if path is None:
        return None
    try:
        return ImageFont.truetype(path, size)
    except OSError:
        log.warning("cannot load font %s", path)
        return None


def _bgr(colour: str) -> tuple[int, int, int]:
    c = colour.lstrip("#")
    return int(c[4:6], 16), int(c[2:4], 16), int(c[0:2], 16)


_SHIFT = 4  # cv2 sub-pixel bits
_ONE = 1 << _SHIFT


def _fp(x: float, y: float) -> tuple[int, int]:
    return round(x * _ONE), round(y * _ONE)


def _thickness(width: float) -> int:
    return max(1, round(width))


def _draw_text_pil(out: np.ndarray, x: float, y: float, text: str, size: float, colour: str, anchor: str) -> bool:
    font = _pil_font(max(1, round(size)))
    if font is None:
        return False
    from PIL import Image, ImageDraw

    rgb = Image.fromarray(np.ascontiguousarray(out[:, :, 2::-1]))
    ImageDraw.Draw(rgb).text((x, y), text, font=font, fill=colour, anchor=anchor)
    out[:, :, :3] = np.asarray(rgb)[:, :, ::-1]
    return True


def _draw_text_cv2(out: np.ndarray, x: float, y: float, text: str, size: float, colour, centre: bool) -> None:
    """Fallback without Pillow or a CJK font: ASCII only (other characters become '?')."""
    text = text.encode("ascii", "replace").decode("ascii")
    scale = size / 30.0
    thickness = max(1, round(size / 15))
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, thickness)
    org = (round(x - tw / 2), round(y + th / 2)) if centre else (round(x), round(y + th))
    cv2.putText(out, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, colour, thickness, cv2.LINE_AA)


def _apply_redactions(original: np.ndarray, out: np.ndarray, shapes: Sequence[Shape]) -> None:
    height, width = original.shape[:2]
    for s in shapes:
        if not isinstance(s, REDACTIONS):
            continue
        x0, y0, x1, y1 = pixel_region(s.x, s.y, s.w, s.h, width, height)
        if x1 <= x0 or y1 <= y0:
            continue
        if isinstance(s, Mosaic):
            out[y0:y1, x0:x1] = pixelate(original[y0:y1, x0:x1], s.block)
        else:
            out[y0:y1, x0:x1] = blur_region(original, (x0, y0, x1, y1), s.strength)


def _draw(out: np.ndarray, s: Shape) -> None:
    colour = _bgr(s.style.colour)
    white = (255, 255, 255)
    if out.shape[2] == 4:  # keep a BGRA picture opaque where shapes are drawn
        colour, white = (*colour, 255), (*white, 255)
    t = _thickness(s.style.width)
    aa = cv2.LINE_AA
    if isinstance(s, Rect):
        cv2.rectangle(out, _fp(s.x, s.y), _fp(s.x + s.w, s.y + s.h), colour, t, aa, _SHIFT)
    elif isinstance(s, Ellipse):
        centre = _fp(s.x + s.w / 2, s.y + s.h / 2)
        axes = (round(s.w / 2 * _ONE), round(s.h / 2 * _ONE))
        cv2.ellipse(out, centre, axes, 0, 0, 360, colour, t, aa, _SHIFT)
    elif isinstance(s, Arrow):
        tip, left, right, base = arrow_head(s.x1, s.y1, s.x2, s.y2, s.style.width)
        cv2.line(out, _fp(s.x1, s.y1), _fp(*base), colour, t, aa, _SHIFT)
        cv2.fillPoly(out, [np.array([_fp(*tip), _fp(*left), _fp(*right)], np.int32)], colour, aa, _SHIFT)
    elif isinstance(s, FreeLine):
        pts = np.array([_fp(x, y) for x, y in s.points], np.int32)
        cv2.polylines(out, [pts], False, colour, t, aa, _SHIFT)
    elif isinstance(s, Text):
        if not _draw_text_pil(out, s.x, s.y, s.text, s.size, s.style.colour, "la"):
            _draw_text_cv2(out, s.x, s.y, s.text, s.size, colour, centre=False)
    elif isinstance(s, Marker):
        radius = s.size / 2
        cv2.circle(out, _fp(s.x, s.y), round(radius * _ONE), colour, -1, aa, _SHIFT)
        ring = max(1.0, s.size / 18)
        cv2.circle(out, _fp(s.x, s.y), round((radius - ring / 2) * _ONE), white, _thickness(ring), aa, _SHIFT)
        size = s.size * 0.6
        if not _draw_text_pil(out, s.x, s.y, str(s.number), size, "#ffffff", "mm"):
            _draw_text_cv2(out, s.x, s.y, str(s.number), size, white, centre=True)


def render(image_bgr: np.ndarray, shapes: Iterable[Shape]) -> np.ndarray:
    """A new H x W x 3 (or x 4) uint8 picture: the redactions applied to the original's pixels,
    then every drawn shape in list order. The input is not modified."""
    if image_bgr.dtype != np.uint8 or image_bgr.ndim != 3 or image_bgr.shape[2] not in (3, 4):
        raise ValueError(f"expected an H x W x 3 (or 4) uint8 picture, got {image_bgr.shape} {image_bgr.dtype}")
    shapes = list(shapes)
    original = np.ascontiguousarray(image_bgr)
    out = original.copy()
    _apply_redactions(original, out, shapes)
    for s in shapes:
        if not isinstance(s, REDACTIONS):
            _draw(out, s)
    return out
