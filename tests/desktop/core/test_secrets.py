"""Camera passwords at rest: encrypted in the database (both kinds), the key in a 0600 file
here (no keyring on this machine), old plain rows still read and re-encrypted, a missing or
wrong key named clearly without leaking anything, and the password absent from the logs of a
failing connection and from exports."""

from __future__ import annotations

import logging
import os
import stat
import traceback
import zipfile
from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlmodel import Session

from desktop.core.access import SYSTEM
from desktop.core.credentials import (
    Credentials,
    encrypt_plain_rows,
    load_credentials,
    store_credentials,
    store_credentials_many,
)
from desktop.core.models import Camera, Street, Venue
from desktop.core.secret_box import (
    FERNET_V1,
    KEY_FILE_NAME,
    SecretKeyError,
    forget_cached_keys,
    keyring_usable,
    secret_box,
)
from desktop.core.wall_cameras import load_wall_cameras

SECRET = "Kitchen#2026-pw"
USER = "admin"


@pytest.fixture(autouse=True)
def _fresh_keys(data_dir):
    forget_cached_keys()
    yield
    forget_cached_keys()


def _camera(engine, name="烹饪区", host="127.0.0.1:1") -> int:
    with Session(engine) as s:
        street = Street(name=f"七宝镇{name}")
        s.add(street)
        s.flush()
        venue = Venue(name=f"老上海本帮菜馆{name}", street_id=street.id)
        s.add(venue)
        s.flush()
        cam = Camera(venue_id=venue.id, name=name, sub_url=f"rtsp://{host}/ch1/sub", main_url=f"rtsp://{host}/ch1/main")
        s.add(cam)
        s.commit()
        return cam.id


def _store(engine, camera_id, creds) -> None:
    with Session(engine) as s:
        store_credentials(s, camera_id, creds)
        s.commit()


def _raw(engine, camera_id):
    with engine.connect() as conn:
        return conn.execute(text("SELECT username, secret, secret_format FROM cameracredential WHERE camera_id = :c"),
                            {"c": camera_id}).one()


def test_no_usable_keyring_here_so_a_key_file_is_used():
    # This machine has no keyring backend (and the tests turn it off anyway): the key file path.
    assert not keyring_usable()


def test_password_is_encrypted_at_rest_and_round_trips(engine, data_dir, db_url):
    cam = _camera(engine)
    _store(engine, cam, Credentials(USER, SECRET))
    row = _raw(engine, cam)
    assert row.secret_format == FERNET_V1 and SECRET not in row.secret and row.username == USER
    with Session(engine) as s:
        assert load_credentials(s, cam) == Credentials(USER, SECRET)
    assert load_wall_cameras(engine, actor=SYSTEM)[0].credentials == Credentials(USER, SECRET)
    if db_url.startswith("sqlite"):
        engine.dispose()  # checkpoint the WAL into the file
        raw = b"".join(p.read_bytes() for p in data_dir.parent.glob("console.db*"))
        assert raw and SECRET.encode() not in raw and b"Kitchen" not in raw
    # the key file: created 0600, owned by us
    key = data_dir / KEY_FILE_NAME
    assert key.is_file() and stat.S_IMODE(key.stat().st_mode) == 0o600 and key.stat().st_uid == os.getuid()


def test_bulk_store_of_the_import_encrypts_too(engine):
    a, b = _camera(engine, "专间"), _camera(engine, "洗消间")
    with engine.begin() as conn:
        assert store_credentials_many(conn, {a: Credentials(USER, SECRET)}, {}) == 1
    _store(engine, b, Credentials("viewer", "x"))
    with engine.begin() as conn:
        store_credentials_many(conn, {}, {b: Credentials("viewer", SECRET + "2")})
    for cam, secret in ((a, SECRET), (b, SECRET + "2")):
        row = _raw(engine, cam)
        assert row.secret_format == FERNET_V1 and SECRET not in row.secret
        with Session(engine) as s:
            assert load_credentials(s, cam).secret == secret


def test_plain_rows_of_old_databases_are_read_and_re_encrypted(engine):
    cam = _camera(engine)
    with engine.begin() as conn:  # what a database from before the encryption holds
        conn.execute(text("INSERT INTO cameracredential (camera_id, username, secret, secret_format, updated_at) "
                          "VALUES (:c, :u, :s, 'plain', :t)"), {"c": cam, "u": USER, "s": SECRET,
                                                                "t": datetime.now(UTC)})
    with Session(engine) as s:
        assert load_credentials(s, cam) == Credentials(USER, SECRET)
    assert encrypt_plain_rows(engine) == 1
    assert encrypt_plain_rows(engine) == 0  # nothing left: cheap at every start
    row = _raw(engine, cam)
    assert row.secret_format == FERNET_V1 and SECRET not in row.secret
    with Session(engine) as s:
        assert load_credentials(s, cam) == Credentials(USER, SECRET)


def test_missing_or_wrong_key_is_named_and_the_secret_is_kept(engine, data_dir):
    cam = _camera(engine)
    _store(engine, cam, Credentials(USER, SECRET))
    stored = _raw(engine, cam)
    key = data_dir / KEY_FILE_NAME
    original = key.read_bytes()

    key.rename(data_dir / "moved.key")
    forget_cached_keys()
    with Session(engine) as s, pytest.raises(SecretKeyError) as err:
        load_credentials(s, cam)
    assert str(key) in str(err.value) and "密钥" in str(err.value)
    assert stored.secret not in "".join(traceback.format_exception(err.value))
    # Writing does not make a second key while the database holds secrets of the first one.
    other = _camera(engine, "专间")
    with Session(engine) as s, pytest.raises(SecretKeyError, match="原工作台的密钥"):
        store_credentials(s, other, Credentials(USER, "new"))
    assert not key.exists()
    # The wall still starts: that camera just has no password.
    assert {c.camera_id: c.credentials.secret for c in load_wall_cameras(engine, actor=SYSTEM)}[cam] == ""

    # A different key: "does not fit", names the file, the row is untouched.
    from cryptography.fernet import Fernet

    from desktop.core.secret_box import write_key_file
    write_key_file(key, Fernet.generate_key())
    forget_cached_keys()
    with Session(engine) as s, pytest.raises(SecretKeyError) as err:
        load_credentials(s, cam)
    assert str(key) in str(err.value) and "不匹配" in str(err.value)
    assert stored.secret not in "".join(traceback.format_exception(err.value))  # not in a chained traceback either
    assert _raw(engine, cam) == stored

    # The right key back: everything reads again.
    key.unlink()
    (data_dir / "moved.key").rename(key)
    assert key.read_bytes() == original
    forget_cached_keys()
    with Session(engine) as s:
        assert load_credentials(s, cam).secret == SECRET


def test_a_key_file_others_can_read_is_refused(engine, data_dir):
    cam = _camera(engine)
    _store(engine, cam, Credentials(USER, SECRET))
    key = data_dir / KEY_FILE_NAME
    key.chmod(0o644)
    forget_cached_keys()
    with pytest.raises(SecretKeyError, match="权限过宽") as err:
        secret_box()
    assert "chmod 600" in str(err.value)
    key.chmod(0o600)
    forget_cached_keys()
    assert secret_box().decrypt(_raw(engine, cam).secret) == SECRET


def test_a_failing_connection_never_logs_the_password(engine, caplog, capfd):
    """The real path: stored credentials → the wall's open URL → a stream worker failing
    against a closed port. Nothing it logs or reports carries the user name and password."""
    from desktop.streaming.frames import FrameSlot
    from desktop.streaming.worker import StreamKey, StreamWorker, WorkerOptions

    cam = _camera(engine)
    _store(engine, cam, Credentials(USER, SECRET))
    wall = load_wall_cameras(engine, actor=SYSTEM)[0]
    url = wall.open_url("sub")
    assert SECRET.replace("#", "%23") in url  # the worker really gets the credentials
    statuses = []
    caplog.set_level(logging.DEBUG)
    worker = StreamWorker(StreamKey(cam), url, FrameSlot(), lambda k, s: statuses.append(s),
                          WorkerOptions(open_timeout=2.0, backoff_base=0.05, backoff_cap=0.1))
    worker.start()
    deadline = datetime.now(UTC).timestamp() + 10
    while len([s for s in statuses if s.reason.name != "NONE"]) < 2 and datetime.now(UTC).timestamp() < deadline:
        worker.join(0.05)
    worker.stop()
    worker.join(5)
    failed = [s for s in statuses if s.reason.name != "NONE"]
    assert failed and failed[0].reason.name == "REFUSED"
    out, err = capfd.readouterr()
    texts = [caplog.text, out, err, repr(worker), worker.safe_url] + [f"{s!r} {s.detail}" for s in statuses]
    assert "127.0.0.1" in caplog.text  # the failure was logged, with the host
    for t in texts:
        for leak in (SECRET, SECRET.replace("#", "%23"), f"{USER}:", "Kitchen"):
            assert leak not in t, (leak, t[:300])


def test_exports_never_contain_the_password(engine, data_dir, tmp_path):
    from desktop.core.alerts import AlertInput, record_alert
    from desktop.core.case_package import export_case
    from desktop.core.cases import CaseInput, create_case
    from desktop.core.evidence_store import EvidenceStore
    from desktop.core.venue_io import export_venues

    cam = _camera(engine)
    _store(engine, cam, Credentials(USER, SECRET))
    xlsx = tmp_path / "venues.xlsx"
    export_venues(engine, xlsx, actor=SYSTEM)
    csv = tmp_path / "venues.csv"
    export_venues(engine, csv, actor=SYSTEM)
    store = EvidenceStore(data_dir / "evidence", engine)
    at = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)
    alert = record_alert(engine, store, AlertInput(
        camera_id=cam, category="未戴口罩", tier="二级", started_at=at, at=at, score=0.9, rule_id="no-mask",
        reason="3/5 帧未戴口罩", clean_png=b"\x89PNG clean", boxes_png=b"\x89PNG boxes"))
    case = create_case(engine, CaseInput(alert_ids=(alert.id,), facts="后厨人员未戴口罩", handler="王建华"),
                       actor=SYSTEM, now=at)
    package = tmp_path / "case.zip"
    export_case(engine, store, case.id, package, actor=SYSTEM, now=at)
    for path in (xlsx, csv, package):
        blobs = [path.read_bytes()]
        if zipfile.is_zipfile(path):  # xlsx and the case package: look inside the compressed members too
            with zipfile.ZipFile(path) as zf:
                blobs += [zf.read(n) for n in zf.namelist()]
        for blob in blobs:
            assert SECRET.encode() not in blob and b"Kitchen" not in blob and b"gAAAAA" not in blob, path
    with zipfile.ZipFile(xlsx) as zf:
        assert any("127.0.0.1" in zf.read(n).decode("utf-8", "replace") for n in zf.namelist())  # the camera is there
