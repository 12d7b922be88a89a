import pytest

from widgets.grid_geometry import fit_rect, grid_dims, grid_rects, tile_at


@pytest.mark.parametrize("n,dims", [(1, (1, 1)), (4, (2, 2)), (9, (3, 3)), (16, (4, 4)), (25, (5, 5)),
                                    (36, (6, 6)), (64, (8, 8))])
def test_layouts_are_squares(n, dims):
    assert grid_dims(n) == dims


@pytest.mark.parametrize("n", [1, 4, 9, 16, 25, 36, 64])
def test_tiles_cover_without_overlap(n):
    w, h, gap = 1357, 761, 2
    rects = grid_rects(n, w, h, gap)
    assert len(rects) == n
    cols, rows = grid_dims(n)
    assert max(x + rw for x, _, rw, _ in rects) == w
    assert max(y + rh for _, y, _, rh in rects) == h
    for i, a in enumerate(rects):
        for b in rects[i + 1:]:
            assert a[0] + a[2] <= b[0] or b[0] + b[2] <= a[0] or a[1] + a[3] <= b[1] or b[1] + b[3] <= a[1]
    widths = {rw for _, _, rw, _ in rects}
    assert max(widths) - min(widths) <= 1  # spare pixels spread, tiles equal within a pixel


def test_fit_rect_letterboxes_and_tile_at():
    assert fit_rect(640, 360, (0, 0, 400, 400)) == (0, 87, 400, 225)
    rects = grid_rects(4, 200, 100, 0)
    assert tile_at(rects, 150, 80) == 3 and tile_at(rects, 5, 5) == 0 and tile_at(rects, 500, 5) is None
