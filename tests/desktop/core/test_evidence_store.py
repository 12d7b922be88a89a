"""Content-addressed evidence on a real file system and both databases."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from desktop.core.evidence_store import EvidenceStore
from desktop.core.registry import CameraInput, ValidationError, VenueInput, delete_camera, save_camera, save_venue
from tests.actors import ADMIN


@pytest.fixture
def store(engine, tmp_path):
    return EvidenceStore(tmp_path / "evidence", engine)


def test_same_bytes_stored_once_under_their_hash(store):
    a = store.put_bytes(b"\x89PNG fake frame", kind="frame", media_type="image/png")
    b = store.put_bytes(b"\x89PNG fake frame", kind="frame", media_type="image/png")
    assert a.new and not b.new and a.id == b.id
    assert a.rel_path == f"{a.sha256[:2]}/{a.sha256}.png"
    assert store.path(a.rel_path).read_bytes() == b"\x89PNG fake frame"


def test_large_file_is_streamed_in_and_verified(store, tmp_path):
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(bytes(range(256)) * 40000)  # 10 MB
    stored = store.put_file(clip, kind="clip", media_type="video/mp4",
                            captured_at=datetime(2026, 11, 22, 12, tzinfo=UTC), created_by="系统")
    assert stored.size == clip.stat().st_size and store.verify() == []


def test_missing_and_altered_files_are_reported(store):
    kept = store.put_bytes(b"kept", kind="frame", media_type="image/png")
    altered = store.put_bytes(b"original", kind="frame", media_type="image/png")
    missing = store.put_bytes(b"to be lost", kind="frame", media_type="image/png")
    store.path(altered.rel_path).write_bytes(b"tampered")
    store.path(missing.rel_path).unlink()
    problems = {p.id: p.problem for p in store.verify()}
    assert problems == {altered.id: "内容被改动", missing.id: "文件缺失"}
    assert kept.id not in problems
    # Storing the original bytes again repairs the altered file; the record stays the same.
    again = store.put_bytes(b"original", kind="frame", media_type="image/png")
    assert again.id == altered.id and store.path(altered.rel_path).read_bytes() == b"original"


def test_a_camera_with_alerts_or_evidence_cannot_be_deleted(engine, store):
    vid = save_venue(engine, VenueInput(name="七宝中学食堂"), actor=ADMIN)
    cid = save_camera(engine, CameraInput(vid, "烹饪区", "rtsp://10.0.0.5/sub"), actor=ADMIN)
    store.put_bytes(b"frame", kind="frame", media_type="image/png", camera_id=cid)
    with pytest.raises(ValidationError, match="证据"):
        delete_camera(engine, cid, actor=ADMIN)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM camera")).scalar() == 1
