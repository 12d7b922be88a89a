"""Backup and restore on SQLite and PostgreSQL: a restore into an empty directory gives the same
rows and the same evidence hashes (and the camera passwords still decrypt), a backup taken
while alerts are written stays consistent, a tampered backup is refused naming the file, and
only the 管理员 may back up."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, text
from sqlmodel import Session

from desktop.core.access import Actor, PermissionDenied, Role
from desktop.core.accounts import create_first_admin
from desktop.core.alerts import AlertInput, record_alert
from desktop.core.backup import BackupError, backup, restore, verify_backup
from desktop.core.cases import CaseInput, create_case
from desktop.core.credentials import Credentials, load_credentials, store_credentials
from desktop.core.db import make_engine
from desktop.core.evidence_store import EvidenceStore, sha256_file
from desktop.core.models import Camera, Street, Venue
from desktop.core.secret_box import forget_cached_keys

SECRET = "Kitchen#2026-pw"
T0 = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)
KEY_TABLES = ("street", "venue", "camera", "cameracredential", "alert", "alertevidence", "evidencefile", "app_case",
              "caseevent", "caseevidence", "casealert", "app_user")


@pytest.fixture(autouse=True)
def _fresh_keys():
    forget_cached_keys()
    yield
    forget_cached_keys()


def _station(engine, data_dir, tmp_path):
    """A camera with a password, alerts with pictures and a clip, a case, an administrator."""
    admin = create_first_admin(engine, "admin", "Passw0rd-1", "站长")
    with Session(engine) as s:
        street = Street(name="七宝镇")
        s.add(street)
        s.flush()
        venue = Venue(name="老上海本帮菜馆", street_id=street.id, license_no="JY33101120001201")
        s.add(venue)
        s.flush()
        cam = Camera(venue_id=venue.id, name="烹饪区", sub_url="rtsp://10.1.2.3/ch1/sub")
        s.add(cam)
        s.flush()
        store_credentials(s, cam.id, Credentials("admin", SECRET))
        s.commit()
        cam_id = cam.id
    store = EvidenceStore(data_dir / "evidence", engine)
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 400)
    ids = [_alert(engine, store, cam_id, i, clip if i == 0 else None) for i in range(3)]
    create_case(engine, CaseInput(alert_ids=(ids[0],), facts="后厨人员未戴口罩", handler="王建华"), actor=_head(),
                now=T0)
    return admin, store, cam_id


def _head() -> Actor:
    return Actor(username="head", role=Role.HEAD)


def _alert(engine, store, cam_id, i, clip=None):
    at = T0 + timedelta(minutes=i)
    return record_alert(engine, store, AlertInput(
        camera_id=cam_id, category="未戴口罩", tier="二级", started_at=at, at=at, score=0.9, rule_id="no-mask",
        reason="3/5 帧未戴口罩", clean_png=b"\x89PNG clean %d" % i, boxes_png=b"\x89PNG boxes %d" % i), clip).id


def _rows(engine, table: str, audit_upto: int | None = None) -> list[tuple]:
    with engine.connect() as conn:
        cols = [c["name"] for c in inspect(conn).get_columns(table)]
        order = ", ".join(f'"{c}"' for c in cols)
        rows = conn.execute(text(f'SELECT {order} FROM "{table}" ORDER BY {order}')).all()
    return [tuple(r) for r in rows]


def _evidence_hashes(root) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): sha256_file(p) for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def target_url(db_url, request):
    """An empty database of the same kind to restore a PostgreSQL backup into (None for SQLite)."""
    if db_url.startswith("sqlite"):
        yield None
        return
    from tests.postgres import scratch_database

    with scratch_database(request.getfixturevalue("postgres_base_url")) as url:
        yield url


def test_backup_then_restore_into_an_empty_directory_gives_identical_data(engine, data_dir, tmp_path, target_url,
                                                                           monkeypatch):
    admin, store, cam_id = _station(engine, data_dir, tmp_path)
    out = tmp_path / "backup"
    result = backup(engine, data_dir, out, actor=admin)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["counts"]["alert"] == 3 and manifest["alembic_revision"] == result.revision
    assert {e["path"] for e in manifest["files"]} >= {"secrets.key"} | {f"evidence/{p}" for p in
                                                                        _evidence_hashes(data_dir / "evidence")}
    assert (out / "secrets.key").stat().st_mode & 0o077 == 0
    # the backup is audited (after the snapshot, so in the source database only)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT username FROM auditentry WHERE action = 'backup'")).scalar_one() == "admin"

    restored = tmp_path / "restored"
    res = restore(out, restored, target_url)
    new = make_engine(target_url or f"sqlite:///{restored / 'console.db'}")
    try:
        for table in KEY_TABLES:
            assert _rows(new, table) == _rows(engine, table), table
        # the audit log: every entry of the backup, then the restore (chained on)
        source_audit = [r for r in _rows(engine, "auditentry")]
        new_audit = _rows(new, "auditentry")
        backup_seq = max(r[1] for r in source_audit if r[6] == "backup")
        assert [r for r in new_audit if r[1] < backup_seq] == [r for r in source_audit if r[1] < backup_seq]
        assert new_audit[-1][6] == "restore" and new_audit[-1][3].startswith("os:")
        assert _evidence_hashes(restored / "evidence") == _evidence_hashes(data_dir / "evidence")
        assert EvidenceStore(restored / "evidence", new).verify() == []
        assert res.counts["evidencefile"] == manifest["counts"]["evidencefile"]
        # the camera password decrypts with the restored key, in the restored directory
        monkeypatch.setenv("MINGCHU_DATA_DIR", str(restored))
        forget_cached_keys()
        with Session(new) as s:
            assert load_credentials(s, cam_id).secret == SECRET
    finally:
        new.dispose()
    assert not list(tmp_path.glob(".restored.restoring-*")) and not list(tmp_path.glob(".backup.partial-*"))


def test_only_an_administrator_backs_up_and_targets_must_be_empty(engine, data_dir, tmp_path):
    admin, _store, _cam = _station(engine, data_dir, tmp_path)
    with pytest.raises(PermissionDenied):
        backup(engine, data_dir, tmp_path / "b1", actor=_head())
    assert not (tmp_path / "b1").exists()
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x.txt").write_text("keep")
    with pytest.raises(BackupError, match="不是空目录"):
        backup(engine, data_dir, busy, actor=admin)
    out = tmp_path / "b2"
    backup(engine, data_dir, out, actor=admin)
    with pytest.raises(BackupError, match="不是空目录"):
        restore(out, busy, None if engine.dialect.name == "sqlite" else str(engine.url))
    assert [p.name for p in busy.iterdir()] == ["x.txt"]


def test_a_tampered_backup_is_refused_naming_the_file(engine, data_dir, tmp_path, target_url):
    admin, _store, _cam = _station(engine, data_dir, tmp_path)
    out = tmp_path / "backup"
    backup(engine, data_dir, out, actor=admin)
    victim = next(p for p in sorted((out / "evidence").rglob("*")) if p.is_file())
    rel = victim.relative_to(out).as_posix()
    data = bytearray(victim.read_bytes())
    data[-1] ^= 0xFF
    victim.write_bytes(bytes(data))
    with pytest.raises(BackupError) as err:
        verify_backup(out)
    assert rel in str(err.value) and "内容被改动" in str(err.value)
    with pytest.raises(BackupError, match=rel.replace(".", r"\.")):
        restore(out, tmp_path / "restored", target_url)
    assert not (tmp_path / "restored").exists() and not list(tmp_path.glob(".restored.restoring-*"))
    if target_url:
        check = make_engine(target_url)
        assert inspect(check).get_table_names() == []  # nothing was restored into the database
        check.dispose()
    # a file slipped in, or one removed, is refused too
    victim.write_bytes(bytes(data[:-1]) + bytes([data[-1] ^ 0xFF]))
    verify_backup(out)
    (out / "evidence" / "extra.bin").write_bytes(b"x")
    with pytest.raises(BackupError, match="extra.bin"):
        verify_backup(out)


def test_backup_while_alerts_are_written_stays_consistent(engine, data_dir, tmp_path, target_url):
    admin, store, cam_id = _station(engine, data_dir, tmp_path)
    for i in range(3, 200):  # enough pages that the copy takes a while
        _alert(engine, store, cam_id, i)
    stop = threading.Event()
    written = []
    errors = []

    def writer():
        i = 1000
        while not stop.is_set():
            try:
                written.append(_alert(engine, store, cam_id, i))
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                return
            i += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        time.sleep(0.2)
        out = tmp_path / "backup"
        result = backup(engine, data_dir, out, actor=admin)
        time.sleep(0.2)
    finally:
        stop.set()
        thread.join(30)
    assert not errors and written
    assert verify_backup(out)["counts"] == result.counts
    restored = tmp_path / "restored"
    restore(out, restored, target_url)  # checks the restored rows against the manifest itself
    new = make_engine(target_url or f"sqlite:///{restored / 'console.db'}")
    try:
        with new.connect() as conn:
            alerts = conn.execute(text("SELECT count(*) FROM alert")).scalar_one()
            links = conn.execute(text("SELECT count(*) FROM alertevidence")).scalar_one()
        assert alerts == result.counts["alert"] and links == result.counts["alertevidence"]
        assert 200 <= alerts < 200 + len(written) + 1
        assert links >= 2 * alerts  # every alert of the snapshot with both pictures: no torn alert
        assert EvidenceStore(restored / "evidence", new).verify() == []  # every file the rows name is there
    finally:
        new.dispose()
