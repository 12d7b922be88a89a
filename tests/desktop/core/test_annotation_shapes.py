"""The annotation document and the headless render: shapes in the original's pixels, JSON that
round-trips and refuses what it cannot read, and OpenCV/Pillow pixels where the shapes are."""

import json

import numpy as np
import pytest

from desktop.core.annotation_shapes import (
    FORMAT,
    VERSION,
    AnnotationFormatError,
    Arrow,
    Blur,
    Ellipse,
    FreeLine,
    Marker,
    Mosaic,
    Rect,
    Style,
    Text,
    cjk_font_path,
    from_json,
    next_marker_number,
    render,
    to_json,
)

RED = Style("#ff0000", 4)

ALL = [
    Rect(10.5, 20, 200, 100, RED),
    Ellipse(30, 40, 120, 60, Style("#00ff00", 2.5)),
    Arrow(5, 5, 300, 200, Style("#0000ff", 6)),
    FreeLine(((1, 2), (30.25, 40), (60, 2)), Style("#ffffff", 3)),
    Text(40, 50, "未戴口罩 · 2号灶台", 28, Style("#facc15", 4)),
    Marker(100, 120, 1, 36),
    Marker(140, 120, 2, 36),
    Mosaic(0, 0, 64, 48, block=8),
    Blur(200, 150, 80, 60, strength=7.5),
]


def picture(h=240, w=320, seed=1) -> np.ndarray:
    """A textured picture (a flat one would hide what mosaic and blur do)."""
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (h, w, 3), dtype=np.uint8)


def test_json_round_trip_keeps_every_shape_and_the_order():
    text = to_json(ALL, (320, 240))
    doc = json.loads(text)
    assert doc["format"] == FORMAT and doc["version"] == VERSION
    assert doc["image"] == {"width": 320, "height": 240}
    assert [s["type"] for s in doc["shapes"]] == [
        "rect", "ellipse", "arrow", "freeline", "text", "marker", "marker", "mosaic", "blur"
    ]  # fmt: skip
    assert "未戴口罩" in text  # ensure_ascii off: the document stays readable
    assert from_json(text) == ALL
    assert to_json(from_json(text), (320, 240)) == text
    assert from_json(text.encode("utf-8")) == ALL
    assert from_json(to_json([])) == []


def test_marker_numbers_count_on_from_the_highest():
    assert next_marker_number([]) == 1
    assert next_marker_number(ALL) == 3
    assert next_marker_number([Marker(0, 0, 7), Rect(0, 0, 1, 1)]) == 8


def _doc(*shapes, **top):
    doc = {"format": FORMAT, "version": VERSION, "shapes": list(shapes)}
    doc.update(top)
    return json.dumps(doc)


GOOD_RECT = {"type": "rect", "x": 1, "y": 2, "w": 3, "h": 4, "colour": "#ff0000", "width": 2}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "为空"),
        ("{not json", "不是有效的 JSON"),
        ("[1, 2]", "JSON 对象"),
        (json.dumps({"version": 1, "shapes": []}), "format"),
        (_doc(version=VERSION + 1), "比本程序支持的版本"),
        (_doc(version="1"), "version"),
        (_doc(shapes={}), "shapes 应为列表"),
        (_doc({"type": "star", "x": 1}), "未知类型 'star'"),
        (_doc(GOOD_RECT, "rect"), "第 2 个图形：应为对象"),
        (_doc({**GOOD_RECT, "x": "10"}), "第 1 个图形（rect）：x 应为数字"),
        (_doc({**GOOD_RECT, "w": -5}), "w 应不小于 0"),
        (_doc({**GOOD_RECT, "x": True}), "x 应为数字"),
        (_doc({**GOOD_RECT, "colour": "red"}), "colour"),
        (_doc({**GOOD_RECT, "width": 0}), "width 应大于 0"),
        (_doc({k: v for k, v in GOOD_RECT.items() if k != "h"}), "缺少 h"),
        (_doc({"type": "freeline", "points": [[1, 2]], "colour": "#ffffff", "width": 1}), "至少两个点"),
        (_doc({"type": "freeline", "points": [[1, 2], [3]], "colour": "#ffffff", "width": 1}), "points[1]"),
        (_doc({"type": "text", "x": 1, "y": 1, "text": "  ", "size": 20, "colour": "#ffffff", "width": 1}), "非空"),
        (_doc({"type": "marker", "x": 1, "y": 1, "number": 1.5, "size": 20, "colour": "#ffffff", "width": 1}), "整数"),
        (_doc({"type": "mosaic", "x": 1, "y": 1, "w": 5, "h": 5, "block": 1}), "block"),
        (_doc({"type": "blur", "x": 1, "y": 1, "w": 5, "h": 5, "strength": 0}), "strength"),
        (_doc(image={"width": 0, "height": 5}), "image"),
    ],
)
def test_bad_documents_are_refused_with_the_reason(text, words):
    with pytest.raises(AnnotationFormatError) as err:
        from_json(text)
    assert words in str(err.value)
    assert isinstance(err.value, ValueError)


def test_nan_is_not_a_number():
    with pytest.raises(AnnotationFormatError, match="x 应为数字"):
        from_json(_doc({**GOOD_RECT, "x": float("nan")}))


def _changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.any(a != b, axis=2)


def test_mosaic_changes_only_its_region_and_makes_blocks():
    img = picture()
    out = render(img, [Mosaic(40, 30, 80, 64, block=16)])
    changed = _changed(img, out)
    assert changed[30:94, 40:120].mean() > 0.95
    outside = changed.copy()
    outside[30:94, 40:120] = False
    assert not outside.any()
    block = out[30:46, 40:56]  # one 16x16 block: one colour, the mean of the original's block
    assert (block == block[0, 0]).all()
    assert np.abs(block[0, 0].astype(int) - img[30:46, 40:56].reshape(-1, 3).mean(axis=0)).max() <= 1
    assert (img == picture()).all()  # the input is not modified


def test_mosaic_on_the_edge_is_clipped_to_the_picture():
    img = picture()
    out = render(img, [Mosaic(300, 220, 100, 100, block=8), Mosaic(-50, -50, 20, 20, block=8)])
    changed = _changed(img, out)
    assert changed[220:, 300:].mean() > 0.9
    changed[220:, 300:] = False
    assert not changed.any()


def test_blur_changes_its_region_smoothly_and_nothing_else():
    img = picture()
    out = render(img, [Blur(100, 60, 90, 70, strength=6)])
    changed = _changed(img, out)
    assert changed[60:130, 100:190].mean() > 0.95
    changed[60:130, 100:190] = False
    assert not changed.any()
    inside_before = img[70:120, 110:180].astype(float).std()
    inside_after = out[70:120, 110:180].astype(float).std()
    assert inside_after < inside_before / 4  # noise blurred away


def test_redactions_are_taken_from_the_original_and_lie_under_drawings():
    img = picture()
    mosaic = Mosaic(0, 0, 100, 100, block=10)
    rect = Rect(20, 20, 40, 40, Style("#ff0000", 2))
    # The drawn rectangle is visible whatever its place in the list.
    for shapes in ([rect, mosaic], [mosaic, rect]):
        out = render(img, shapes)
        assert tuple(out[20, 40]) == (0, 0, 255)
    # Two overlapping redactions: each from the original, so the order of equal ones is moot.
    a = render(img, [Mosaic(0, 0, 50, 50, block=10), Mosaic(0, 0, 50, 50, block=10)])
    assert (a == render(img, [Mosaic(0, 0, 50, 50, block=10)])).all()


def test_rect_is_drawn_at_its_pixels():
    img = np.zeros((120, 160, 3), np.uint8)
    out = render(img, [Rect(20, 30, 100, 50, Style("#ff0000", 3))])
    red = (out[:, :, 2] > 200) & (out[:, :, 1] < 60) & (out[:, :, 0] < 60)
    # The four sides, at their x and y, with the line centred on the edge.
    for y in (30, 80):
        assert red[y, 25:115].all(), y
    for x in (20, 120):
        assert red[35:75, x].all(), x
    assert not red[33:77, 23:117].any()  # inside stays black
    ys, xs = np.nonzero(out.any(axis=2))
    assert 17 <= xs.min() <= 19 and 121 <= xs.max() <= 123
    assert 27 <= ys.min() <= 29 and 81 <= ys.max() <= 83


def test_every_shape_renders_and_chinese_text_has_glyphs():
    img = np.zeros((240, 320, 3), np.uint8)
    out = render(img, ALL)
    assert out.shape == img.shape and out.dtype == np.uint8
    assert cjk_font_path() is not None, "a CJK font (fonts-wqy-microhei or Noto CJK) must be installed"
    only_text = render(img, [Text(10, 10, "未戴口罩", 40, Style("#ffffff", 1))])
    ink = only_text.any(axis=2)
    ys, xs = np.nonzero(ink)
    assert xs.max() - xs.min() > 120  # four CJK glyphs of 40 px, not four '?'
    assert 8 <= ys.min() <= 30 and ys.max() <= 75  # below the top-left corner, within the line
    # Each glyph has its own strokes: columns of ink in each quarter of the run.
    for k in range(4):
        assert ink[:, 10 + k * 40 + 5 : 10 + k * 40 + 35].sum() > 40
    marker = render(img, [Marker(50, 50, 7, 40, Style("#ff0000", 2))])
    assert tuple(marker[50 - 13, 50 - 8]) == (0, 0, 255)  # the red disc inside the white ring
    assert (marker[40:60, 40:60] == 255).all(axis=2).sum() > 10  # the white number


def test_a_bgra_picture_stays_opaque_where_drawn():
    img = np.zeros((50, 50, 4), np.uint8)
    out = render(img, [Rect(10, 10, 20, 20, Style("#00ff00", 2))])
    assert out.shape == (50, 50, 4)
    assert tuple(out[10, 20]) == (0, 255, 0, 255)


def test_render_refuses_what_is_not_a_picture():
    with pytest.raises(ValueError):
        render(np.zeros((10, 10), np.uint8), [])
