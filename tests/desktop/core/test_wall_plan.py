import pytest

from desktop.core.wall_plan import LAYOUTS, WallPlan, layout_for, patrol_pages


def test_layouts_and_layout_for():
    assert LAYOUTS == (1, 4, 9, 16, 25, 36, 64)
    assert layout_for(1) == 1 and layout_for(5) == 9 and layout_for(36) == 36 and layout_for(100) == 64


def test_pages_and_paging_wrap_around():
    plan = WallPlan.of(list(range(1, 21)), layout=16)
    assert plan.page_count == 2
    assert plan.page_cameras() == list(range(1, 17))
    plan.next_page()
    assert plan.page_cameras() == [17, 18, 19, 20] + [None] * 12
    plan.next_page()
    assert plan.page == 0
    plan.prev_page()
    assert plan.page == 1


def test_changing_layout_keeps_first_visible_camera_on_screen():
    plan = WallPlan.of(list(range(1, 21)), layout=4)
    plan.go(3)  # cameras 13..16
    plan.set_layout(9)
    assert 13 in plan.page_cameras()
    with pytest.raises(ValueError):
        plan.set_layout(7)


def test_drop_swaps_a_camera_already_on_the_wall():
    plan = WallPlan.of([1, 2, 3, 4], layout=4)
    plan.place(0, 3)
    assert plan.positions == [3, 2, 1, 4]
    plan.place(3, 99)  # a camera not yet on the wall replaces the tile's camera
    assert plan.positions == [3, 2, 1, 99]


def test_drop_beyond_the_end_extends_the_plan():
    plan = WallPlan.of([1], layout=4)
    plan.place(2, 7)
    assert plan.page_cameras() == [1, None, 7, None]
    plan.clear_tile(0)
    assert plan.page_cameras() == [None, None, 7, None]


def test_patrol_pages_split_and_pad():
    assert patrol_pages([1, 2, 3, 4, 5], 4) == [[1, 2, 3, 4], [5, None, None, None]]
    assert patrol_pages([], 4) == [[None] * 4]
