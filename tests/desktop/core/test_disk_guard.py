"""The disk guard on a real filesystem and both databases: thresholds set so that the data
directory counts as low (the disk is not filled), then exactly the clips the policy allows go,
settled ones first, oldest first; evidence of an open case never does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session

from desktop.core.access import SYSTEM, Actor, Role
from desktop.core.alerts import AlertInput, attach_clip, record_alert, review_alert
from desktop.core.cases import CaseInput, create_case, transition
from desktop.core.disk_guard import REMOVED_NOTE, GuardPolicy, candidates, check_and_apply, disk_status
from desktop.core.evidence_store import EvidenceStore
from desktop.core.models import Camera, Street, Venue

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)
ALWAYS_LOW = GuardPolicy(min_free_bytes=1 << 62)  # more than any disk: "low" whatever is freed
NEVER_LOW = GuardPolicy(min_free_bytes=0, min_free_percent=0.0)
HEAD = Actor(username="head", role=Role.HEAD)


def _camera(engine) -> int:
    with Session(engine) as s:
        street = Street(name="七宝镇")
        s.add(street)
        s.flush()
        venue = Venue(name="老上海本帮菜馆", street_id=street.id)
        s.add(venue)
        s.flush()
        cam = Camera(venue_id=venue.id, name="烹饪区", sub_url="rtsp://10.1.2.3/ch1/sub")
        s.add(cam)
        s.commit()
        return cam.id


@pytest.fixture
def station(engine, data_dir, tmp_path):
    cam = _camera(engine)
    store = EvidenceStore(data_dir / "evidence", engine)

    def alert(name: str, days_ago: float) -> tuple[int, str]:
        at = NOW - timedelta(days=days_ago)
        a = record_alert(engine, store, AlertInput(
            camera_id=cam, category="未戴口罩", tier="二级", started_at=at, at=at, score=0.9, rule_id="no-mask",
            reason=name, clean_png=b"\x89PNG clean " + name.encode(), boxes_png=b"\x89PNG boxes " + name.encode()))
        clip = tmp_path / f"{name}.mp4"
        clip.write_bytes(b"\x00\x00\x00\x18ftypmp42" + name.encode() * 5000)
        rec = attach_clip(engine, store, a.id, clip)
        return a.id, rec.evidence_of("clip").rel_path

    # settled: false alarms (old and recent) and an alert of a revoked case
    a = {
        "false_old": alert("false_old", 20),
        "false_new": alert("false_new", 1),
        "revoked": alert("revoked", 3),
        "pending_old": alert("pending_old", 10),  # expired, unreviewed
        "pending_new": alert("pending_new", 2),  # within the retention period: kept
        "confirmed_old": alert("confirmed_old", 30),  # 已确认, no case yet: kept
        "open_case": alert("open_case", 40),  # in an open case: never
        "open_case_false": alert("open_case_false", 50),  # 误报 but its clip is evidence of an open case
    }
    for name in ("false_old", "false_new", "open_case_false"):
        review_alert(engine, a[name][0], "误报", "厨师戴了口罩", actor=HEAD, now=NOW)
    review_alert(engine, a["confirmed_old"][0], "已确认", actor=HEAD, now=NOW)
    revoked = create_case(engine, CaseInput(alert_ids=(a["revoked"][0],), facts="x", handler="王"), actor=HEAD,
                          now=NOW)
    transition(engine, revoked.id, "撤销", "误立案", actor=HEAD, now=NOW)
    create_case(engine, CaseInput(alert_ids=(a["open_case"][0],), facts="x", handler="王"), actor=HEAD, now=NOW)
    # the 误报 alert's clip attached to an open case as evidence directly (CaseEvidence, no CaseAlert)
    clip_id = _evidence_id(engine, a["open_case_false"][1])
    create_case(engine, CaseInput(evidence_ids=(clip_id,), facts="y", handler="王", category="未戴口罩",
                                  venue_id=_venue_of(engine, cam)), actor=HEAD, now=NOW)
    return a, store


def _evidence_id(engine, rel: str) -> int:
    with Session(engine) as s:
        return s.exec(text("SELECT id FROM evidencefile WHERE rel_path = :r").bindparams(r=rel)).one()[0]


def _venue_of(engine, cam: int) -> int:
    with Session(engine) as s:
        return s.get(Camera, cam).venue_id


def test_low_space_removes_exactly_the_clips_the_policy_allows(engine, data_dir, station):
    a, store = station
    root = data_dir / "evidence"
    everything = {p for p in root.rglob("*") if p.is_file()}
    expected = ["false_old", "revoked", "false_new", "pending_old"]  # settled oldest first, then expired
    assert [c.rel_path for c in candidates(engine, ALWAYS_LOW, NOW)] == [a[n][1] for n in expected]

    report = check_and_apply(engine, data_dir, ALWAYS_LOW, now=NOW)
    assert [r.rel_path for r in report.removed] == [a[n][1] for n in expected]
    gone = {root / a[n][1] for n in expected}
    assert {p for p in root.rglob("*") if p.is_file()} == everything - gone
    for name in ("pending_new", "confirmed_old", "open_case", "open_case_false"):
        assert (root / a[name][1]).is_file(), name
    assert report.warning and "磁盘空间不足" in report.warning and "已按保留策略清理 4 段录像" in report.warning
    with Session(engine) as s:
        rows = {e.rel_path: e for e in s.exec(text("SELECT * FROM evidencefile")).all()}
        assert all(rows[a[n][1]].removed_reason == REMOVED_NOTE and rows[a[n][1]].removed_at for n in expected)
        assert not rows[a["open_case"][1]].removed_at
        entry = s.exec(text("SELECT username, role, detail FROM auditentry WHERE action = 'retention'")).one()
    assert entry.username == "system" and '"removed":4' in entry.detail
    # the alert list says so (the UI shows 已按保留策略清理, not a broken file)
    from desktop.core.alerts import get_alert

    assert get_alert(engine, a["false_old"][0], actor=SYSTEM).evidence_of("clip").removed
    assert not get_alert(engine, a["open_case"][0], actor=SYSTEM).evidence_of("clip").removed
    # the removed files are not reported as missing evidence, the rest still verifies
    assert store.verify() == []
    # a second run finds nothing more, and writes no audit entry
    assert check_and_apply(engine, data_dir, ALWAYS_LOW, now=NOW).removed == ()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM auditentry WHERE action = 'retention'")).scalar_one() == 1


def test_enough_space_removes_nothing_and_warns_not(engine, data_dir, station):
    report = check_and_apply(engine, data_dir, NEVER_LOW, now=NOW)
    assert not report.before.low and report.removed == () and report.warning is None
    assert check_and_apply(engine, data_dir, ALWAYS_LOW, apply=False, now=NOW).removed == ()
    with Session(engine) as s:
        assert s.exec(text("SELECT count(*) FROM evidencefile WHERE removed_at IS NOT NULL")).one()[0] == 0


def test_removal_stops_once_space_is_no_longer_low(engine, data_dir, station):
    a, _store = station
    first = data_dir / "evidence" / a["false_old"][1]

    def usage(path):  # the real disk's figures, but no free space while the first clip is there
        import shutil

        total, used, free = shutil.disk_usage(path)
        return total, used, 0 if first.exists() else free

    policy = GuardPolicy(min_free_bytes=1, min_free_percent=0.0)
    report = check_and_apply(engine, data_dir, policy, now=NOW, usage=usage)
    assert [r.rel_path for r in report.removed] == [a["false_old"][1]] and not report.after.low


def test_a_case_reopened_onto_a_clip_keeps_it(engine, data_dir, station):
    """The rule is re-checked in the UPDATE itself: a clip listed as a candidate but linked to
    an open case since is kept."""
    a, _store = station
    listed = candidates(engine, ALWAYS_LOW, NOW)
    pending_old = next(c for c in listed if c.rel_path == a["pending_old"][1])
    create_case(engine, CaseInput(alert_ids=(a["pending_old"][0],), facts="z", handler="王"), actor=HEAD, now=NOW)
    from desktop.core.disk_guard import _mark_removed

    with engine.begin() as conn:
        assert not _mark_removed(conn, pending_old, NOW - timedelta(days=7), NOW)
    report = check_and_apply(engine, data_dir, ALWAYS_LOW, now=NOW)
    assert a["pending_old"][1] not in [r.rel_path for r in report.removed]
    assert (data_dir / "evidence" / a["pending_old"][1]).is_file()


def test_disk_status_thresholds(data_dir):
    st = disk_status(data_dir, GuardPolicy())
    assert st.total > 0 and 0 <= st.free <= st.total
    assert disk_status(data_dir, GuardPolicy(min_free_bytes=0, min_free_percent=100.0)).low
    assert not disk_status(data_dir, NEVER_LOW).low
    assert SYSTEM.system
