"""The registry repository on a real SQLite file and a real PostgreSQL: validation below the UI,
credentials apart from URLs, deletes that take what belongs to the venue with them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from desktop.core.credentials import Credentials
from desktop.core.registry import (
    CameraInput,
    NotFoundError,
    ValidationError,
    VenueInput,
    camera_credentials,
    delete_camera,
    delete_venue,
    get_venue,
    list_cameras,
    list_streets,
    list_venues,
    save_camera,
    save_venue,
)
from desktop.core.wall_cameras import record_status
from tests.actors import ADMIN, HEAD, person

SCHOOL = VenueInput(name="莘庄镇中心小学食堂", license_no="ＪＹ３３１０１１２０００１２０１",
                    address="莘松路\u3000218 号",
                    street="莘庄镇", venue_type="学校食堂", risk_level="b", contact_phone="021－64921001",
                    business_hours="06：00-18:00", build_progress="完成建设", expected_completion="2023-09")


def test_add_edit_and_read_back_a_venue(engine):
    vid = save_venue(engine, SCHOOL, actor=ADMIN)
    v = get_venue(engine, vid, actor=HEAD)
    assert (v.name, v.license_no, v.address, v.street) == ("莘庄镇中心小学食堂", "JY33101120001201", "莘松路 218 号",
                                                         "莘庄镇")
    assert (v.risk_level, v.contact_phone, v.business_hours) == ("B", "021-64921001", "06:00-18:00")
    save_venue(engine, VenueInput(**{**_fields(SCHOOL), "id": vid, "street": "七宝镇", "notes": "新址"}), actor=ADMIN)
    v = get_venue(engine, vid, actor=HEAD)
    assert (v.street, v.notes) == ("七宝镇", "新址")
    assert [s.name for s in list_streets(engine, actor=HEAD)] == ["莘庄镇", "七宝镇"]
    assert [x.id for x in list_venues(engine, actor=HEAD)] == [vid]


def _fields(v: VenueInput) -> dict:
    return {f: getattr(v, f) for f in v.__dataclass_fields__}


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"name": "  "}, "name", "请填写单位名称"),
    ({"license_no": "许可证123"}, "license_no", "格式不对"),
    ({"build_progress": "快好了"}, "build_progress", "建设进度应为"),
    ({"business_hours": "早上六点"}, "business_hours", "营业时间格式"),
    ({"venue_type": "火锅店"}, "venue_type", "未知的单位类型"),
    ({"expected_completion": "2023年9月"}, "expected_completion", "填到月"),
    ({"contact_phone": "电话号码"}, "contact_phone", "联系电话"),
])
def test_bad_venue_input_is_refused_with_a_field_message_and_nothing_is_written(engine, change, field, message):
    with pytest.raises(ValidationError) as err:
        save_venue(engine, VenueInput(**{**_fields(SCHOOL), **change}), actor=ADMIN)
    assert message in err.value.errors[field]
    assert list_venues(engine, actor=HEAD) == []


def test_licence_number_is_unique_when_present(engine):
    save_venue(engine, SCHOOL, actor=ADMIN)
    with pytest.raises(ValidationError, match="已被「莘庄镇中心小学食堂」使用"):
        save_venue(engine, VenueInput(name="另一家", license_no="JY33101120001201"), actor=ADMIN)
    save_venue(engine, VenueInput(name="无证小店甲"), actor=ADMIN)  # no licence: any number of them
    save_venue(engine, VenueInput(name="无证小店乙"), actor=ADMIN)
    assert len(list_venues(engine, actor=HEAD)) == 3


def test_camera_credentials_are_stored_apart_and_kept_unless_changed(engine):
    vid = save_venue(engine, SCHOOL, actor=ADMIN)
    cid = save_camera(engine, CameraInput(vid, "烹饪区", "rtsp://admin:s3cret@10.0.0.5:554/ch1/sub",
                                          "rtsp://admin:s3cret@10.0.0.5:554/ch1/main", area="烹饪区"), actor=ADMIN)
    with engine.connect() as conn:
        urls = conn.execute(text("SELECT sub_url || ' ' || main_url FROM camera")).scalar()
    assert "s3cret" not in urls and "admin" not in urls
    assert camera_credentials(engine, cid) == Credentials("admin", "s3cret")
    # Editing without touching the password field keeps it; the record only says "set".
    save_camera(engine, CameraInput(vid, "烹饪区", "rtsp://10.0.0.6:554/ch1/sub", id=cid), actor=ADMIN)
    assert camera_credentials(engine, cid) == Credentials("admin", "s3cret")
    (cam,) = list_cameras(engine, vid, actor=HEAD)
    assert cam.has_credentials and cam.sub_url == "rtsp://10.0.0.6:554/ch1/sub"
    assert "s3cret" not in repr(cam)
    save_camera(engine, CameraInput(vid, "烹饪区", cam.sub_url, id=cid, credentials=Credentials()), actor=ADMIN)
    assert not camera_credentials(engine, cid)


@pytest.mark.parametrize(("url", "message"), [
    ("", "请填写视频流地址"),
    ("10.0.0.5/ch1", "不支持的协议"),
    ("ftp://10.0.0.5/ch1", "不支持的协议"),
    ("rtsp:///ch1", "缺少主机名"),
    ("rtsp://10.0.0.5:99999/ch1", "端口号无效"),
])
def test_bad_camera_url_is_refused(engine, url, message):
    vid = save_venue(engine, SCHOOL, actor=ADMIN)
    with pytest.raises(ValidationError) as err:
        save_camera(engine, CameraInput(vid, "烹饪区", url), actor=ADMIN)
    assert message in err.value.errors["sub_url"]
    assert list_cameras(engine, actor=HEAD) == []


def test_camera_names_are_unique_within_a_venue(engine):
    vid = save_venue(engine, SCHOOL, actor=ADMIN)
    save_camera(engine, CameraInput(vid, "烹饪区", "rtsp://10.0.0.5/1"), actor=ADMIN)
    with pytest.raises(ValidationError, match="同名摄像头"):
        save_camera(engine, CameraInput(vid, "烹饪区", "rtsp://10.0.0.5/2"), actor=ADMIN)


def test_deleting_a_venue_takes_its_cameras_history_and_credentials(engine):
    vid = save_venue(engine, SCHOOL, actor=ADMIN)
    other = save_venue(engine, VenueInput(name="七宝老街汤团店", street="七宝镇"), actor=ADMIN)
    cid = save_camera(engine, CameraInput(vid, "烹饪区", "rtsp://u:p@10.0.0.5/1"), actor=ADMIN)
    keep = save_camera(engine, CameraInput(other, "加工制作区", "rtsp://10.0.0.7/1"), actor=ADMIN)
    record_status(engine, cid, True, "", datetime(2026, 11, 22, tzinfo=UTC))
    delete_venue(engine, vid, actor=ADMIN)
    with engine.connect() as conn:
        counts = [conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                  for t in ("venue", "camera", "cameracredential", "camerastatusevent")]
    assert counts == [1, 1, 0, 0]
    assert [c.id for c in list_cameras(engine, actor=HEAD)] == [keep]
    with pytest.raises(NotFoundError):
        delete_venue(engine, vid, actor=ADMIN)
    delete_camera(engine, keep, actor=ADMIN)
    assert list_cameras(engine, actor=HEAD) == [] and get_venue(engine, other, actor=HEAD).camera_count == 0


def test_venue_with_a_case_or_evidence_is_not_deleted(engine, tmp_path):
    from datetime import UTC, datetime

    from desktop.core.cases import CaseInput, create_case
    from desktop.core.evidence import add_snapshot
    from desktop.core.evidence_store import EvidenceStore
    from desktop.core.registry import (
        CameraInput,
        ValidationError,
        VenueInput,
        delete_venue,
        list_venues,
        save_camera,
        save_venue,
    )

    with_case = save_venue(engine, VenueInput(name="七宝中学食堂", street="七宝镇"), actor=ADMIN)
    with_photo = save_venue(engine, VenueInput(name="莘庄敬老院食堂", street="莘庄镇"), actor=ADMIN)
    plain = save_venue(engine, VenueInput(name="古美小厨快餐", street="古美路街道"), actor=ADMIN)
    save_camera(engine, CameraInput(plain, "烹饪区", "rtsp://10.0.0.9/sub"), actor=ADMIN)
    create_case(engine, CaseInput(venue_id=with_case, category="鼠患"), actor=person("张三"))
    add_snapshot(engine, EvidenceStore(tmp_path / "ev", engine), b"\\x89PNG site photo", camera_id=None,
                 captured_at=datetime.now(UTC), source="tile", venue_id=with_photo, actor=person("张三"))
    for venue, what in ((with_case, "案件"), (with_photo, "证据")):
        with pytest.raises(ValidationError) as err:
            delete_venue(engine, venue, actor=ADMIN)
        assert what in str(err.value.errors)
    delete_venue(engine, plain, actor=ADMIN)
    assert {v.id for v in list_venues(engine, actor=HEAD)} == {with_case, with_photo}
