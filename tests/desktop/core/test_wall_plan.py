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


def test_saved_plan_is_restored_against_todays_cameras():
    plan = WallPlan.of([1, 2, 3, 4, 5], layout=4)
    plan.place(0, 5)
    plan.go(1)
    saved = plan.to_dict()
    back = WallPlan.from_dict(saved, known=[1, 2, 3, 4, 5])
    assert back.to_dict() == saved
    # Camera 2 was deleted, 6 is new: 2's tile stays empty, 6 joins at the end.
    again = WallPlan.from_dict(saved, known=[1, 3, 4, 5, 6])
    assert again.positions == [5, None, 3, 4, 1, 6]
    assert WallPlan.from_dict({"layout": 7, "positions": ["x", 1, 1]}, known=[1, 2]).to_dict() == \
        {"layout": 16, "page": 0, "positions": [None, 1, None, 2]}


def test_settings_file_is_atomic_and_tolerates_damage(tmp_path, monkeypatch):
    from desktop.core import atomic_file
    from desktop.core.settings_file import load_json, save_json

    path = tmp_path / "wall.json"
    assert load_json(path) == {}
    save_json(path, {"layout": 9})
    monkeypatch.setattr(atomic_file.os, "replace", lambda *_: (_ for _ in ()).throw(OSError(28, "disk full")))
    with pytest.raises(OSError):
        save_json(path, {"layout": 4})
    assert load_json(path) == {"layout": 9} and [p.name for p in tmp_path.iterdir()] == ["wall.json"]
    path.write_text("{not json", encoding="utf-8")
    assert load_json(path) == {}
