"""RegistryService: the registry's calls run on the DB runner (never on the GUI thread), results
and errors come back on the GUI thread, `changed` fires after each change, credentials typed in
a dialog merge with the stored ones on the DB thread, and connection tests run on their own.
Every call acts as the session's user: a role without 管理单位与摄像头 is refused with a Chinese
message and nothing is written; a user limited to streets reads only their venues."""

import threading

import pytest
from PySide6.QtCore import QThread

from desktop.core import registry
from desktop.core.access import Actor, PermissionDenied, Role
from desktop.core.credentials import Credentials
from desktop.core.db import database_url, init_schema, make_engine
from desktop.core.registry import CameraInput, VenueInput
from desktop.core.registry_validation import ValidationError
from desktop.services import registry_service as rs
from desktop.services.registry_service import CredentialEdit, RegistryService, RegistrySnapshot
from desktop.services.task_runner import TaskRunner
from desktop.services.user_session import UserSession
from desktop.streaming.status import Reason
from tests.conftest import free_port
from tests.desktop.ui.actors import ADMIN, INSPECTOR


@pytest.fixture
def service(qtbot, data_dir):
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(database_url(data_dir))
    init_schema(engine)
    db = TaskRunner("db")
    svc = RegistryService(engine, db, UserSession(ADMIN))
    yield svc
    svc.shutdown()
    db.shutdown()
    engine.dispose()


class Result:
    """Collects what a callback delivers, and on which thread."""

    def __init__(self):
        self.values = []
        self.threads = []

    def __call__(self, value):
        self.values.append(value)
        self.threads.append(QThread.currentThread())

    @property
    def value(self):
        return self.values[-1]


def _wait(qtbot, result, timeout=5000):
    qtbot.waitUntil(lambda: bool(result.values), timeout=timeout)
    assert result.threads[-1] is QThread.currentThread()  # delivered on the GUI thread
    return result.value


def test_changes_run_off_the_gui_thread_and_announce_themselves(qtbot, service, monkeypatch):
    threads = []
    real = registry.save_venue
    monkeypatch.setattr(registry, "save_venue",
                        lambda *a, **kw: threads.append(threading.current_thread()) or real(*a, **kw))
    changed = []
    service.changed.connect(lambda: changed.append(1))
    saved = Result()
    service.save_venue(VenueInput("七宝老街汤团店", license_no="jy 2310 1120 0055 90", street="七宝镇",
                                  venue_type="小型餐饮"), on_done=saved)
    venue_id = _wait(qtbot, saved)
    assert threads and threads[0] is not threading.main_thread()
    qtbot.waitUntil(lambda: changed == [1], timeout=2000)
    loaded = Result()
    service.load(loaded)
    snap = _wait(qtbot, loaded)
    assert isinstance(snap, RegistrySnapshot)
    assert [v.name for v in snap.venues] == ["七宝老街汤团店"]
    assert snap.venue(venue_id).license_no == "JY23101120005590"
    assert [s.name for s in snap.streets] == ["七宝镇"]
    assert snap.entries[0].initials.startswith("qbljttd")


def test_invalid_input_goes_to_the_caller_only(qtbot, service):
    failed, changed = [], []
    service.failed.connect(failed.append)
    service.changed.connect(lambda: changed.append(1))
    err = Result()
    service.save_venue(VenueInput("坏许可证", license_no="12345"), on_error=err)
    exc = _wait(qtbot, err)
    assert isinstance(exc, ValidationError) and "license_no" in exc.errors
    qtbot.wait(100)
    assert failed == [] and changed == []


def test_unexpected_errors_are_reported_without_their_text(qtbot, service, monkeypatch):
    def boom(*_a, **_kw):
        raise RuntimeError("INSERT ... parameters ('admin', 'TopSecret')")

    monkeypatch.setattr(registry, "delete_venue", boom)
    failed = []
    service.failed.connect(failed.append)
    err = Result()
    service.delete_venue(1, on_error=err)
    _wait(qtbot, err)
    qtbot.waitUntil(lambda: bool(failed), timeout=2000)
    assert "删除单位失败" in failed[0] and "RuntimeError" in failed[0] and "TopSecret" not in failed[0]


def test_camera_credentials_merge_on_the_db_thread(qtbot, service):
    engine = service.engine
    vid = registry.save_venue(engine, VenueInput("莘庄镇中心小学食堂"), actor=ADMIN)
    saved = Result()
    service.save_camera(CameraInput(vid, "烹饪区", "rtsp://admin:pw1@10.0.0.5:554/ch1"), on_done=saved)
    cid = _wait(qtbot, saved)
    cam = registry.list_cameras(engine, vid, actor=ADMIN)[0]
    assert cam.sub_url == "rtsp://10.0.0.5:554/ch1" and cam.has_credentials
    assert registry.camera_credentials(engine, cid) == Credentials("admin", "pw1")
    steps = [
        (CredentialEdit(), Credentials("admin", "pw1")),  # both fields empty: keep
        (CredentialEdit(secret="pw2"), Credentials("admin", "pw2")),  # new password, same user
        (CredentialEdit(username="ops"), Credentials("ops", "pw2")),
        (CredentialEdit(clear=True), Credentials()),
    ]
    for edit, expected in steps:
        done = Result()
        service.save_camera(CameraInput(vid, "烹饪区", cam.sub_url, id=cid), edit, on_done=done)
        _wait(qtbot, done)
        assert registry.camera_credentials(engine, cid) == expected


def test_probe_uses_stored_credentials_and_its_own_thread(qtbot, service, monkeypatch):
    engine = service.engine
    vid = registry.save_venue(engine, VenueInput("七宝中学食堂"), actor=ADMIN)
    cid = registry.save_camera(engine, CameraInput(vid, "烹饪区", "rtsp://admin:stored@10.0.0.9/ch1"), actor=ADMIN)
    seen = []

    def fake_probe(url, timeout):
        seen.append((url, threading.current_thread().name))
        return rs.ProbeResult(True, rs.redact_url(url), "h264", 640, 360, 15.0, 0.1)

    monkeypatch.setattr(rs, "probe", fake_probe)
    got = Result()
    service.probe("rtsp://10.0.0.9/ch1", got, camera_id=cid, credentials=CredentialEdit(username="viewer"))
    result = _wait(qtbot, got)
    assert seen[0][0] == "rtsp://viewer:stored@10.0.0.9/ch1" and seen[0][1].startswith("probe")
    assert result.ok and result.url == "rtsp://***@10.0.0.9/ch1"


def test_probe_against_a_real_stream_and_a_dead_port(qtbot, service, rtsp_server):
    good, bad = Result(), Result()
    service.probe(rtsp_server.url(1), good)
    service.probe(f"rtsp://127.0.0.1:{free_port()}/cam01/sub", bad, credentials=CredentialEdit("u", "TopSecret"))
    ok = _wait(qtbot, good, timeout=15000)
    assert ok.ok and (ok.codec, ok.width, ok.height) == ("h264", 640, 360)
    failed = _wait(qtbot, bad, timeout=15000)
    assert not failed.ok and failed.reason is Reason.REFUSED
    assert "TopSecret" not in repr(failed) and failed.url.startswith("rtsp://***@127.0.0.1")


def test_a_role_without_the_right_is_refused_in_chinese_and_nothing_is_written(qtbot, service):
    """The session's user changes to a 检查员: saving a venue comes back as PermissionDenied on
    the GUI thread, `failed` says so in Chinese, `changed` stays silent, the database is as before."""
    engine = service.engine
    vid = registry.save_venue(engine, VenueInput("七宝中学食堂", street="七宝镇"), actor=ADMIN)
    service.session.set_actor(INSPECTOR)
    failed, changed = [], []
    service.failed.connect(failed.append)
    service.changed.connect(lambda: changed.append(1))
    err = Result()
    service.save_venue(VenueInput("七宝中学食堂（改名）", street="七宝镇", id=vid), on_error=err)
    exc = _wait(qtbot, err)
    assert isinstance(exc, PermissionDenied)
    qtbot.waitUntil(lambda: bool(failed), timeout=2000)
    assert failed[0].startswith("保存单位失败：") and "无权管理单位与摄像头" in failed[0]
    assert changed == []
    assert [v.name for v in registry.list_venues(engine, actor=ADMIN)] == ["七宝中学食堂"]
    loaded = Result()
    service.load(loaded)  # reading the venues is not refused: the registry page is read-only
    assert [v.name for v in _wait(qtbot, loaded).venues] == ["七宝中学食堂"]


def test_a_user_limited_to_a_street_reads_only_its_venues(qtbot, service):
    engine = service.engine
    registry.save_venue(engine, VenueInput("七宝中学食堂", street="七宝镇"), actor=ADMIN)
    registry.save_venue(engine, VenueInput("莘庄镇中心小学食堂", street="莘庄镇"), actor=ADMIN)
    qibao = next(s.id for s in registry.list_streets(engine, actor=ADMIN) if s.name == "七宝镇")
    service.session.set_actor(Actor("qibao", Role.ADMIN, display_name="七宝管理员", streets=frozenset({qibao})))
    loaded = Result()
    service.load(loaded)
    snap = _wait(qtbot, loaded)
    assert [v.name for v in snap.venues] == ["七宝中学食堂"]
    assert [e.venue_id for e in snap.entries] == [snap.venues[0].id]
