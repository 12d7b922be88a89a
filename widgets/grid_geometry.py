"""Tile rectangles of the wall: a pure function, tested without Qt."""

from __future__ import annotations

import math

Rect = tuple[int, int, int, int]  # x, y, w, h


def grid_dims(count: int) -> tuple[int, int]:
    """Columns, rows of a square-ish grid for `count` tiles (1, 4, 9 … are exact squares)."""
    cols = max(1, math.ceil(math.sqrt(count)))
    rows = max(1, math.ceil(count / cols))
    return cols, rows


def grid_rects(count: int, width: int, height: int, gap: int = 2) -> list[Rect]:
    """Rectangles filling width x height; the spare pixels go to the last column/row so
    tiles never overlap and the grid always covers the whole widget."""
    cols, rows = grid_dims(count)
    xs = [round(c * (width + gap) / cols) for c in range(cols + 1)]
    ys = [round(r * (height + gap) / rows) for r in range(rows + 1)]
    rects = []
    for i in range(count):
        c, r = i % cols, i // cols
        x0, y0 = xs[c], ys[r]
        rects.append((x0, y0, max(1, xs[c + 1] - gap - x0), max(1, ys[r + 1] - gap - y0)))
    return rects


def fit_rect(src_w: int, src_h: int, box: Rect) -> Rect:
    """Centre a src_w:src_h picture in box, keeping its aspect ratio (letterbox)."""
    x, y, w, h = box
    if src_w <= 0 or src_h <= 0:
        return box
    scale = min(w / src_w, h / src_h)
    fw, fh = int(src_w * scale), int(src_h * scale)
    return x + (w - fw) // 2, y + (h - fh) // 2, fw, fh


def tile_at(rects: list[Rect], px: int, py: int) -> int | None:
    for i, (x, y, w, h) in enumerate(rects):
        if x <= px < x + w and y <= py < y + h:
            return i
    return None
