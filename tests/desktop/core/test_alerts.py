"""Alerts with evidence on both databases and a real file system."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from desktop.core.access import PermissionDenied, Role
from desktop.core.alerts import (
    CONFIRMED,
    FALSE_ALARM,
    PENDING,
    AlertError,
    AlertFilter,
    AlertInput,
    acknowledge_alert,
    attach_clip,
    count_by_state,
    get_alert,
    list_alerts,
    record_alert,
    review_alert,
)
from desktop.core.evidence_store import EvidenceStore, sha256_file
from desktop.core.registry import CameraInput, VenueInput, save_camera, save_venue
from tests.actors import ADMIN, DUTY, HEAD, person

T0 = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)


@pytest.fixture
def store(engine, tmp_path):
    return EvidenceStore(tmp_path / "evidence", engine)


@pytest.fixture
def cams(engine):
    a = save_venue(engine, VenueInput(name="七宝中学食堂", street="七宝镇"), actor=ADMIN)
    b = save_venue(engine, VenueInput(name="莘庄敬老院食堂", street="莘庄镇"), actor=ADMIN)
    return {"kitchen": save_camera(engine, CameraInput(a, "烹饪区", "rtsp://10.0.0.5/sub"), actor=ADMIN),
            "store": save_camera(engine, CameraInput(a, "库房", "rtsp://10.0.0.6/sub"), actor=ADMIN),
            "elder": save_camera(engine, CameraInput(b, "备餐区", "rtsp://10.0.0.7/sub"), actor=ADMIN),
            "venue_a": a, "venue_b": b}


def _input(camera_id, category="未戴口罩", minutes=0, png=b"clean"):
    at = T0 + timedelta(minutes=minutes)
    return AlertInput(camera_id=camera_id, category=category, tier="二级", started_at=at - timedelta(seconds=2),
                      at=at, score=0.91, rule_id="no-mask", reason="3/5 帧未戴口罩",
                      boxes=((10.0, 20.0, 110.0, 220.0, 0.91, "no_mask"),),
                      clean_png=b"\x89PNG " + png, boxes_png=b"\x89PNG boxes " + png)


def test_alert_and_its_pictures_are_stored_with_their_hashes(engine, store, cams):
    rec = record_alert(engine, store, _input(cams["kitchen"]))
    assert (rec.camera_name, rec.venue_name, rec.street) == ("烹饪区", "七宝中学食堂", "七宝镇")
    assert (rec.category, rec.tier, rec.review_state, rec.rule_id) == ("未戴口罩", "二级", PENDING, "no-mask")
    assert rec.at == T0 and rec.started_at == T0 - timedelta(seconds=2)
    assert rec.boxes == ((10.0, 20.0, 110.0, 220.0, 0.91, "no_mask"),)
    assert [e.role for e in rec.evidence] == ["clean", "boxes"]
    for ev, data in zip(rec.evidence, (b"\x89PNG clean", b"\x89PNG boxes clean"), strict=True):
        path = store.path(ev.rel_path)
        assert path.read_bytes() == data and sha256_file(path) == ev.sha256 and ev.size == len(data)
        assert ev.media_type == "image/png"
    with engine.connect() as conn:
        kinds = dict(conn.execute(text("SELECT role, kind FROM alertevidence JOIN evidencefile "
                                       "ON evidencefile.id = alertevidence.evidence_id")).all())
    assert kinds == {"clean": "frame", "boxes": "annotated"}
    assert store.verify() == []
    with engine.connect() as conn:  # the venue and the origin, for case lists and retention
        rows = set(conn.execute(text("SELECT venue_id, source FROM evidencefile")).all())
    assert rows == {(cams["venue_a"], "alert")}


def test_same_picture_twice_is_one_evidence_file(engine, store, cams):
    a = record_alert(engine, store, _input(cams["kitchen"]))
    b = record_alert(engine, store, _input(cams["kitchen"], minutes=1))
    assert a.id != b.id and a.evidence == b.evidence
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM evidencefile")).scalar() == 2


def test_clip_is_attached_later_and_once(engine, store, cams, tmp_path):
    rec = record_alert(engine, store, _input(cams["kitchen"]))
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(5000))
    got = attach_clip(engine, store, rec.id, clip)
    ev = got.evidence_of("clip")
    assert ev is not None and ev.media_type == "video/mp4" and sha256_file(store.path(ev.rel_path)) == ev.sha256
    other = tmp_path / "other.mp4"
    other.write_bytes(b"another")
    assert attach_clip(engine, store, rec.id, other).evidence_of("clip") == ev
    with pytest.raises(AlertError):
        attach_clip(engine, store, 999999, clip)


def test_record_with_clip_and_unknown_camera(engine, store, cams, tmp_path):
    clip = tmp_path / "c.mp4"
    clip.write_bytes(b"clip bytes")
    rec = record_alert(engine, store, _input(cams["store"]), clip_path=clip)
    assert [e.role for e in rec.evidence] == ["clean", "boxes", "clip"]
    with pytest.raises(AlertError, match="摄像头"):
        record_alert(engine, store, _input(987654))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alert")).scalar() == 1


def test_filters_order_and_paging(engine, store, cams):
    record_alert(engine, store, _input(cams["kitchen"], minutes=0, png=b"1"))
    record_alert(engine, store, _input(cams["store"], "吸烟", minutes=10, png=b"2"))
    record_alert(engine, store, _input(cams["elder"], "未戴口罩", minutes=20, png=b"3"))
    every = list_alerts(engine, actor=HEAD)
    assert [a.camera_name for a in every] == ["备餐区", "库房", "烹饪区"]  # newest first
    assert [a.camera_name for a in list_alerts(engine, AlertFilter(category="未戴口罩"),
                                               actor=HEAD)] == ["备餐区", "烹饪区"]
    assert {a.camera_name for a in list_alerts(engine, AlertFilter(venue_id=cams["venue_a"]),
                                               actor=HEAD)} == {"烹饪区", "库房"}
    assert [a.venue_name for a in list_alerts(engine, AlertFilter(street="莘庄镇"), actor=HEAD)] == ["莘庄敬老院食堂"]
    assert [a.camera_name for a in list_alerts(engine, AlertFilter(camera_id=cams["store"]), actor=HEAD)] == ["库房"]
    window = AlertFilter(since=T0 + timedelta(minutes=5), until=T0 + timedelta(minutes=20))
    assert [a.camera_name for a in list_alerts(engine, window, actor=HEAD)] == ["库房"]
    assert [a.camera_name for a in list_alerts(engine, limit=1, offset=1, actor=HEAD)] == ["库房"]
    review_alert(engine, every[0].id, FALSE_ALARM, actor=person("张检查员"))
    assert [a.camera_name for a in list_alerts(engine, AlertFilter(review_state=PENDING),
                                               actor=HEAD)] == ["库房", "烹饪区"]
    assert count_by_state(engine, actor=HEAD) == {PENDING: 2, CONFIRMED: 0, FALSE_ALARM: 1}
    assert count_by_state(engine, AlertFilter(street="七宝镇"),
                          actor=HEAD) == {PENDING: 2, CONFIRMED: 0, FALSE_ALARM: 0}


def test_review_transitions(engine, store, cams):
    rec = record_alert(engine, store, _input(cams["kitchen"]))
    when = T0 + timedelta(hours=1)
    with pytest.raises(AlertError, match="复核结果"):
        review_alert(engine, rec.id, PENDING, actor=person("张检查员"))
    with pytest.raises(AlertError, match="不存在"):
        review_alert(engine, 424242, CONFIRMED, actor=person("张检查员"))
    done = review_alert(engine, rec.id, CONFIRMED, now=when, actor=person("张检查员"))
    assert (done.review_state, done.reviewer, done.review_comment, done.reviewed_at) == (
        CONFIRMED, "张检查员", "", when)
    with pytest.raises(AlertError, match="说明"):
        review_alert(engine, rec.id, FALSE_ALARM, actor=person("李科长"))
    assert get_alert(engine, rec.id, actor=HEAD).review_state == CONFIRMED
    again = review_alert(engine, rec.id, FALSE_ALARM, "口罩在画面边缘被遮挡，实为已佩戴", actor=person("李科长"))
    assert (again.review_state, again.reviewer, again.review_comment) == (
        FALSE_ALARM, "李科长", "口罩在画面边缘被遮挡，实为已佩戴")
    assert again.reviewed_at > when
    # The review acknowledged it (nobody had), and a second review keeps that first acknowledgement.
    assert (again.acknowledged_by, again.acknowledged_at) == ("张检查员", when)


def _audit(engine, action):
    with engine.connect() as conn:
        return conn.execute(text("SELECT username, target, detail FROM auditentry WHERE action = :a ORDER BY seq"),
                            {"a": action}).all()


def test_acknowledge_is_first_come_audited_and_filterable(engine, store, cams):
    first = record_alert(engine, store, _input(cams["kitchen"]))
    other = record_alert(engine, store, _input(cams["store"], minutes=1, png=b"other"))
    assert not first.acknowledged and first.acknowledged_by == ""
    when = T0 + timedelta(minutes=3)
    duty = person("值班员小王", Role.DUTY)
    acked = acknowledge_alert(engine, first.id, actor=duty, now=when)
    assert (acked.acknowledged_by, acked.acknowledged_at, acked.review_state) == ("值班员小王", when, PENDING)
    # Idempotent: a second acknowledgement (by anyone) keeps the first and writes no audit entry.
    again = acknowledge_alert(engine, first.id, actor=person("值班员小李", Role.DUTY), now=when + timedelta(hours=1))
    assert (again.acknowledged_by, again.acknowledged_at) == ("值班员小王", when)
    assert [(r.username, r.target) for r in _audit(engine, "alert_ack")] == [("值班员小王", f"告警 {first.id}")]
    # A review after the acknowledgement leaves it; a review of an unacknowledged alert sets it.
    reviewed = review_alert(engine, first.id, CONFIRMED, actor=person("张检查员"), now=when + timedelta(hours=2))
    assert reviewed.acknowledged_by == "值班员小王"
    assert [a.id for a in list_alerts(engine, AlertFilter(acknowledged=False), actor=HEAD)] == [other.id]
    assert [a.id for a in list_alerts(engine, AlertFilter(acknowledged=True), actor=HEAD)] == [first.id]
    with pytest.raises(AlertError, match="不存在"):
        acknowledge_alert(engine, 424242, actor=DUTY)
    with pytest.raises(PermissionDenied):  # the 值班员 of another street
        acknowledge_alert(engine, other.id, actor=person("值班员小赵", Role.DUTY, streets={-1}))
    assert get_alert(engine, other.id, actor=HEAD).acknowledged_at is None
