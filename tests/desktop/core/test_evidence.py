"""Evidence for cases on both databases and a real file system: snapshots, files brought in,
annotated pictures linked to their untouched originals, and the broken-seal check."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from desktop.core.evidence import (
    EvidenceError,
    add_annotated,
    add_file,
    add_snapshot,
    annotations_of,
    evidence_problems,
    get_evidence,
)
from desktop.core.evidence_store import EvidenceStore, sha256_file
from desktop.core.registry import CameraInput, VenueInput, save_camera, save_venue
from tests.actors import ADMIN, person

T0 = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)
SHAPES = json.dumps({"format": "mingchu-annotation", "version": 1,
                     "shapes": [{"type": "rect", "x": 10, "y": 20, "w": 200, "h": 100}]})


@pytest.fixture
def store(engine, tmp_path):
    return EvidenceStore(tmp_path / "evidence", engine)


@pytest.fixture
def cam(engine):
    venue = save_venue(engine, VenueInput(name="七宝中学食堂", street="七宝镇"), actor=ADMIN)
    return venue, save_camera(engine, CameraInput(venue, "烹饪区", "rtsp://10.0.0.5/sub"), actor=ADMIN)


def test_snapshot_is_content_addressed_with_camera_venue_time_who_and_source(engine, store, cam):
    venue, camera = cam
    snap = add_snapshot(engine, store, b"\x89PNG frame", camera_id=camera, captured_at=T0, source="player",
                        actor=person("张三"))
    assert snap.new and (snap.kind, snap.media_type, snap.source) == ("snapshot", "image/png", "player")
    assert (snap.camera_id, snap.venue_id, snap.captured_at, snap.created_by) == (camera, venue, T0, "张三")
    assert sha256_file(store.path(snap.rel_path)) == snap.sha256
    again = add_snapshot(engine, store, b"\x89PNG frame", camera_id=camera, captured_at=T0, source="tile",
                         actor=person("张三"))
    assert again.id == snap.id and not again.new
    with pytest.raises(EvidenceError, match="来源"):
        add_snapshot(engine, store, b"x", camera_id=camera, captured_at=T0, source="phone", actor=person("张三"))
    with pytest.raises(EvidenceError, match="摄像头"):
        add_snapshot(engine, store, b"x", camera_id=999, captured_at=T0, source="tile", actor=person("张三"))


def test_annotated_picture_is_a_new_file_linked_to_the_untouched_original(engine, store, cam):
    _, camera = cam
    original = add_snapshot(engine, store, b"\x89PNG original", camera_id=camera, captured_at=T0,
                            source="tile", actor=person("张三"))
    with engine.connect() as conn:
        before = conn.execute(text("SELECT * FROM evidencefile WHERE id = :i"), {"i": original.id}).one()
    first = add_annotated(engine, store, original.id, b"\x89PNG with a box", SHAPES, actor=person("李四"))
    assert first.id != original.id and first.derived_from_id == original.id and first.kind == "annotated"
    assert json.loads(first.annotation_json)["shapes"][0]["type"] == "rect"
    assert (first.camera_id, first.venue_id, first.captured_at, first.created_by) == (camera, original.venue_id, T0,
                                                                                      "李四")
    # Editing the annotation again: pass the annotated picture, the link goes to the first original.
    second = add_annotated(engine, store, first.id, b"\x89PNG with two boxes", SHAPES, actor=person("李四"))
    assert second.derived_from_id == original.id
    assert [a.id for a in annotations_of(engine, original.id, actor=person("张三"))] == [first.id, second.id]
    assert store.path(original.rel_path).read_bytes() == b"\x89PNG original"
    with engine.connect() as conn:
        assert conn.execute(text("SELECT * FROM evidencefile WHERE id = :i"), {"i": original.id}).one() == before
    with pytest.raises(EvidenceError, match="JSON"):
        add_annotated(engine, store, original.id, b"\x89PNG other", "{not json", actor=person("李四"))
    with pytest.raises(EvidenceError, match="相同"):
        add_annotated(engine, store, original.id, b"\x89PNG original", SHAPES, actor=person("李四"))
    with pytest.raises(EvidenceError, match="不存在"):
        add_annotated(engine, store, 999, b"\x89PNG other", SHAPES, actor=person("李四"))


def test_files_brought_in_and_problems_for_the_broken_seal(engine, store, cam, tmp_path):
    venue, _ = cam
    photo = tmp_path / "现场.JPG"
    photo.write_bytes(b"\xff\xd8\xff jpeg bytes")
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(300_000))
    p = add_file(engine, store, photo, venue_id=venue, actor=person("张三"))
    c = add_file(engine, store, clip, venue_id=venue, actor=person("张三"))
    assert (p.kind, p.media_type, p.source, p.venue_id) == ("photo", "image/jpeg", "import", venue)
    assert (c.kind, c.media_type, c.size) == ("clip", "video/mp4", clip.stat().st_size)
    with pytest.raises(EvidenceError, match="不支持"):
        add_file(engine, store, tmp_path / "notes.txt", venue_id=venue, actor=person("张三"))
    assert evidence_problems(engine, store, [p.id, c.id], actor=person("张三")) == {}
    store.path(p.rel_path).write_bytes(b"edited")
    store.path(c.rel_path).unlink()
    assert evidence_problems(engine, store, [p.id, c.id], actor=person("张三")) == {p.id: "内容被改动",
                                                                                  c.id: "文件缺失"}
    assert [e.id for e in get_evidence(engine, [c.id, p.id, 12345], actor=person("张三"))] == [c.id, p.id]
