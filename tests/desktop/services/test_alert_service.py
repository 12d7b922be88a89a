"""The alert service on a real stream: demo RTSP server → stream host → AnalysisEvent (built
here from a really decoded frame) → alert row, evidence files, and a playable clip."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import av
import cv2
import pytest
from sqlmodel import Session, select

from desktop.analysis.events import AnalysisEvent
from desktop.core.alerts import PENDING, get_alert
from desktop.core.db import database_url, init_schema, make_engine
from desktop.core.evidence_store import EvidenceStore, sha256_file
from desktop.core.models import Alert
from desktop.core.wall_cameras import load_wall_cameras
from desktop.demo.seed import seed_demo
from desktop.services.alert_service import AlertService
from desktop.services.stream_service import StreamService
from desktop.services.task_runner import TaskRunner
from desktop.services.user_session import UserSession
from desktop.streaming.worker import StreamKey
from detectors.rules.violation import Violation
from detectors.types import Box
from tests.conftest import wait_until
from tests.desktop.ui.actors import DUTY, INSPECTOR


@pytest.fixture
def setup(qtbot, data_dir, rtsp_server):
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(database_url(data_dir))
    init_schema(engine)
    seed_demo(engine, rtsp_server.host, rtsp_server.port, cameras=2)
    cameras = load_wall_cameras(engine, actor=INSPECTOR)
    streams = StreamService()
    db = TaskRunner("db")
    service = AlertService(engine, EvidenceStore(data_dir / "evidence", engine), streams, db, data_dir / "clips",
                           UserSession(DUTY))
    yield engine, streams, service, cameras
    service.shutdown(wait=False)
    streams.shutdown(3.0)
    db.shutdown()
    engine.dispose()


def _event(camera_id: int, frame) -> AnalysisEvent:
    now = time.time()
    at = datetime.fromtimestamp(now, UTC)
    boxed = frame.copy()
    cv2.rectangle(boxed, (100, 60), (260, 300), (0, 0, 255), 3)
    violation = Violation(camera_id=camera_id, category="未戴口罩", tier="二级", started_at=at - timedelta(seconds=2),
                          at=at, score=0.87, boxes=(Box(100, 60, 260, 300),), reason="4/5 帧未戴口罩",
                          rule_id="no-mask")
    return AnalysisEvent(camera_id, violation, now, cv2.imencode(".png", frame)[1].tobytes(),
                         cv2.imencode(".png", boxed)[1].tobytes())


def test_event_from_another_thread_becomes_alert_with_pictures_and_clip(qtbot, setup, data_dir):
    engine, streams, service, cameras = setup
    cam = cameras[0]
    worker = streams.acquire(StreamKey(cam.camera_id, "sub"), cam.open_url("sub"), "test")
    assert wait_until(lambda: worker.status.online, 10)
    time.sleep(6.0)  # pre-roll in the ring
    frame = worker.snapshot()
    assert frame is not None
    event = _event(cam.camera_id, frame)
    updated = []
    service.alertUpdated.connect(updated.append)
    with qtbot.waitSignal(service.alertRaised, timeout=10000) as raised:
        threading.Thread(target=service.on_analysis, args=(event,)).start()
    record = raised.args[0]
    assert (record.camera_id, record.category, record.review_state) == (cam.camera_id, "未戴口罩", PENDING)
    assert (record.camera_name, record.venue_name) == (cam.name, cam.venue_name)
    store = service.store
    for role, data in (("clean", event.clean_png), ("boxes", event.boxes_png)):
        ev = record.evidence_of(role)
        assert store.path(ev.rel_path).read_bytes() == data and sha256_file(store.path(ev.rel_path)) == ev.sha256
    qtbot.waitUntil(lambda: bool(updated), timeout=30000)
    clip = updated[-1].evidence_of("clip")
    assert clip is not None and updated[-1].clip_error == ""
    path = store.path(clip.rel_path)
    assert sha256_file(path) == clip.sha256 and store.verify() == []
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        frames = list(c.decode(v))
        duration = float(frames[-1].pts * v.time_base)
    assert duration >= 10.0 and len(frames) >= 150  # ≥ 5 s before and after, 15 fps
    assert not list((data_dir / "clips").glob("*.mp4"))  # the temporary cut is gone
    assert get_alert(engine, record.id, actor=INSPECTOR).evidence_of("clip") == clip


def test_clip_failure_keeps_the_alert_and_says_why(qtbot, setup):
    engine, streams, service, cameras = setup
    cam = cameras[1]  # its stream is not running: no ring to cut from
    import numpy as np

    frame = np.full((360, 640, 3), 90, np.uint8)
    updated = []
    service.alertUpdated.connect(updated.append)
    with qtbot.waitSignal(service.alertRaised, timeout=10000):
        service.on_analysis(_event(cam.camera_id, frame))
    qtbot.waitUntil(lambda: bool(updated), timeout=10000)
    assert "未在播放" in updated[-1].clip_error and updated[-1].evidence_of("clip") is None
    with Session(engine) as s:
        assert len(s.exec(select(Alert)).all()) == 1


def test_review_acts_as_the_logged_in_user(qtbot, setup):
    """The alert is the console's own record whoever is logged in; reviewing it is a person's
    work: a 值班员 is refused (a Chinese message, the alert stays 待复核), a 检查员 is recorded."""
    import numpy as np

    from desktop.core.alerts import CONFIRMED

    engine, streams, service, cameras = setup
    frame = np.full((360, 640, 3), 90, np.uint8)
    with qtbot.waitSignal(service.alertRaised, timeout=10000) as raised:
        service.on_analysis(_event(cameras[1].camera_id, frame))
    alert_id = raised.args[0].id
    failed, results = [], []
    service.failed.connect(failed.append)
    service.review(alert_id, CONFIRMED, "现场核实", on_done=results.append)  # as 王值班 (值班员)
    qtbot.waitUntil(lambda: bool(results), timeout=5000)
    assert isinstance(results[0], PermissionError)
    assert failed and "王值班" in failed[0] and "无权审核告警" in failed[0]
    assert get_alert(engine, alert_id, actor=INSPECTOR).review_state == PENDING

    service.session.set_actor(INSPECTOR)
    service.review(alert_id, CONFIRMED, "现场核实", on_done=results.append)
    qtbot.waitUntil(lambda: len(results) == 2, timeout=5000)
    stored = get_alert(engine, alert_id, actor=INSPECTOR)
    assert (stored.review_state, stored.reviewer, stored.review_comment) == (CONFIRMED, "张检查员", "现场核实")
