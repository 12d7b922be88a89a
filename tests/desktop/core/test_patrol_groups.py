import pytest

from desktop.core.patrol_groups import delete_patrol_group, list_patrol_groups, save_patrol_group
from desktop.core.registry import CameraInput, ValidationError, VenueInput, delete_camera, save_camera, save_venue
from tests.actors import ADMIN, HEAD


@pytest.fixture
def cams(engine):
    vid = save_venue(engine, VenueInput(name="七宝中学食堂", street="七宝镇"), actor=ADMIN)
    return [save_camera(engine, CameraInput(vid, f"摄像头{i}", f"rtsp://10.0.0.{i}/sub"),
                        actor=ADMIN) for i in range(4)]


def test_groups_keep_order_replace_members_and_follow_camera_deletes(engine, cams):
    gid = save_patrol_group(engine, "学校食堂午餐", [cams[2], cams[0], cams[2], cams[1]], dwell_seconds=20, actor=HEAD)
    (g,) = list_patrol_groups(engine, actor=HEAD)
    assert (g.name, g.camera_ids, g.dwell_seconds) == ("学校食堂午餐", (cams[2], cams[0], cams[1]), 20)
    save_patrol_group(engine, "学校食堂午餐", [cams[3]], group_id=gid, actor=HEAD)
    assert list_patrol_groups(engine, actor=HEAD)[0].camera_ids == (cams[3],)
    save_patrol_group(engine, "全部", cams, actor=HEAD)
    delete_camera(engine, cams[3], actor=ADMIN)
    groups = {g.name: g.camera_ids for g in list_patrol_groups(engine, actor=HEAD)}
    assert groups == {"全部": tuple(cams[:3]), "学校食堂午餐": ()}
    delete_patrol_group(engine, gid, actor=HEAD)
    assert [g.name for g in list_patrol_groups(engine, actor=HEAD)] == ["全部"]


@pytest.mark.parametrize(("name", "ids", "field"), [("", None, "name"), ("空分组", [], "camera_ids"),
                                                     ("坏摄像头", [999999], "camera_ids")])
def test_bad_groups_are_refused(engine, cams, name, ids, field):
    with pytest.raises(ValidationError) as err:
        save_patrol_group(engine, name, cams if ids is None else ids, actor=HEAD)
    assert field in err.value.errors
    assert list_patrol_groups(engine, actor=HEAD) == []


def test_group_names_are_unique(engine, cams):
    save_patrol_group(engine, "夜班", cams[:2], actor=HEAD)
    with pytest.raises(ValidationError, match="同名"):
        save_patrol_group(engine, "夜班", cams[2:], actor=HEAD)
