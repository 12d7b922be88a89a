"""Evidence for cases (Qt-free): snapshots from a tile, the maximised view or the clip player,
photos and clips brought in from files, annotated pictures, and the check behind the UI's
broken-seal mark. Files are content-addressed in the EvidenceStore's directory (written first,
atomically: a file left behind by a failed transaction is harmless, the same bytes have the same
name); the EvidenceFile row is written in one transaction after it.

An annotated picture is a new file linked to its original (derived_from_id) with the shapes as
JSON (annotation_json, desktop.core.annotation_shapes' document), so it can be edited again;
the original is never touched."""

from __future__ import annotations

import hashlib
import json
import logging
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from desktop.core import audit
from desktop.core.access import Action, Actor, require
from desktop.core.atomic_file import write_atomic
from desktop.core.audit import AuditAction
from desktop.core.evidence_store import EvidenceStore, sha256_file
from desktop.core.guard import audits_refusals, limited, street_filter
from desktop.core.models import Camera, EvidenceFile, Venue

log = logging.getLogger(__name__)

SOURCES = ("tile", "maximised", "player", "alert", "import")
MEDIA_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".mp4": "video/mp4"}
_CHUNK = 1 << 20


class EvidenceError(ValueError):
    """A request refused (unknown evidence, bad annotation data …); the message is for the user."""


@dataclass(frozen=True, slots=True)
class EvidenceInfo:
    id: int
    sha256: str
    rel_path: str  # under the evidence root: EvidenceStore.path(rel_path)
    kind: str  # frame / annotated / clip / snapshot / photo
    media_type: str
    size: int
    camera_id: int | None
    venue_id: int | None
    captured_at: datetime | None
    created_by: str
    created_at: datetime
    source: str
    derived_from_id: int | None
    annotation_json: str
    new: bool = False  # written by this call (False: the same bytes were stored before)


_COLUMNS = (EvidenceFile.id, EvidenceFile.sha256, EvidenceFile.rel_path, EvidenceFile.kind, EvidenceFile.media_type,
            EvidenceFile.size, EvidenceFile.camera_id, EvidenceFile.venue_id, EvidenceFile.captured_at,
            EvidenceFile.created_by, EvidenceFile.created_at, EvidenceFile.source, EvidenceFile.derived_from_id,
            EvidenceFile.annotation_json)


def _info(row: EvidenceFile, new: bool = False) -> EvidenceInfo:
    return EvidenceInfo(row.id, row.sha256, row.rel_path, row.kind, row.media_type, row.size, row.camera_id,
                        row.venue_id, row.captured_at, row.created_by, row.created_at, row.source,
                        row.derived_from_id, row.annotation_json, new)


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def write_blob(store: EvidenceStore, data: bytes, media_type: str) -> tuple[str, str, int]:
    """The bytes under their hash (nothing written when they are there already): sha, rel, size."""
    sha = hashlib.sha256(data).hexdigest()
    rel = store.rel_path_for(sha, media_type)
    target = store.path(rel)
    if not (target.is_file() and sha256_file(target) == sha):
        write_atomic(target, data)
    return sha, rel, len(data)


def write_stream(store: EvidenceStore, source: BinaryIO, media_type: str, expected_sha: str) -> tuple[str, int]:
    """Copy a stream (a zip member, a large clip) in under `expected_sha`, checked while copying:
    a stream with other content leaves nothing behind and raises EvidenceError. rel, size."""
    rel = store.rel_path_for(expected_sha, media_type)
    target = store.path(rel)
    if target.is_file() and sha256_file(target) == expected_sha:
        return rel, target.stat().st_size
    target.parent.mkdir(parents=True, exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with tempfile.NamedTemporaryFile(dir=target.parent, prefix=target.name, suffix=".part", delete=False) as tmp:
        try:
            while chunk := source.read(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                tmp.write(chunk)
            tmp.flush()
        except BaseException:
            Path(tmp.name).unlink(missing_ok=True)
            raise
    if digest.hexdigest() != expected_sha:
        Path(tmp.name).unlink(missing_ok=True)
        raise EvidenceError(f"证据内容与其 SHA-256 不符 / content does not match {expected_sha[:12]}")
    Path(tmp.name).replace(target)
    return rel, size


def _store_row(engine: Engine, actor: Actor, sha: str, rel: str, size: int, **fields) -> EvidenceInfo:
    with Session(engine) as s:
        row = s.exec(select(EvidenceFile).where(EvidenceFile.sha256 == sha)).first()
        if row is not None:
            return _info(row)
        row = EvidenceFile(sha256=sha, rel_path=rel, size=size, **fields)
        s.add(row)
        s.flush()
        audit.record(s, actor, AuditAction.EVIDENCE_ADD, sha[:12],
                     {"evidence_id": row.id, "kind": row.kind, "source": row.source, "venue_id": row.venue_id,
                      "camera_id": row.camera_id, "derived_from_id": row.derived_from_id, "size": size})
        s.commit()
        log.info("evidence %s stored (%s from %s, %d bytes)", sha[:12], row.kind, row.source or "-", size)
        return _info(row, new=True)


def _venue_of_camera(engine: Engine, camera_id: int | None, venue_id: int | None, actor: Actor,
                     action: Action) -> int | None:
    """The venue the evidence belongs to; refused unless the actor may `action` on its street
    (checked before any file is written)."""
    require(actor, action)
    with Session(engine) as s:
        if camera_id is not None:
            found = s.exec(select(Camera.venue_id).where(Camera.id == camera_id)).first()
            if found is None:
                raise EvidenceError(f"摄像头 {camera_id} 不存在 / unknown camera")
            if venue_id is not None and venue_id != found:
                raise EvidenceError("摄像头不属于该单位 / camera of another venue")
            venue_id = found
        elif venue_id is not None and s.get(Venue, venue_id) is None:
            raise EvidenceError(f"单位 {venue_id} 不存在 / unknown venue")
        street_id = None if venue_id is None else s.exec(select(Venue.street_id).where(Venue.id == venue_id)).first()
    require(actor, action, street_id=street_id, scoped=True)
    return venue_id


@audits_refusals
def add_snapshot(engine: Engine, store: EvidenceStore, png: bytes, *, actor: Actor, camera_id: int | None,
                 captured_at: datetime, source: str, venue_id: int | None = None) -> EvidenceInfo:
    """A full-resolution PNG from a tile, the maximised view or the clip player (source tile /
    maximised / player). The venue comes from the camera when not given."""
    if source not in SOURCES:
        raise EvidenceError(f"未知的证据来源 {source!r} / unknown source (one of {', '.join(SOURCES)})")
    if not png:
        raise EvidenceError("截图为空 / empty snapshot")
    venue_id = _venue_of_camera(engine, camera_id, venue_id, actor, Action.SNAPSHOT)
    sha, rel, size = write_blob(store, png, "image/png")
    return _store_row(engine, actor, sha, rel, size, kind="snapshot", media_type="image/png", camera_id=camera_id,
                      venue_id=venue_id, captured_at=_aware(captured_at), created_by=actor.name, source=source)


@audits_refusals
def add_file(engine: Engine, store: EvidenceStore, path: Path, *, actor: Actor, venue_id: int | None,
             captured_at: datetime | None = None, camera_id: int | None = None) -> EvidenceInfo:
    """A photo (PNG/JPEG, kind photo) or a recording (MP4, kind clip) brought in from a file,
    e.g. taken on site with a phone: streamed and hashed, source import. Case work (WORK_CASE):
    the files come in through a case."""
    media_type = MEDIA_TYPES.get(path.suffix.lower())
    if media_type is None:
        raise EvidenceError(f"不支持的文件类型 {path.suffix or '（无扩展名）'}：只接受 PNG、JPEG 图片和 MP4 视频")
    if not path.is_file():
        raise EvidenceError(f"文件不存在：{path}")
    venue_id = _venue_of_camera(engine, camera_id, venue_id, actor, Action.WORK_CASE)
    sha = sha256_file(path)
    with path.open("rb") as fh:
        rel, size = write_stream(store, fh, media_type, sha)
    kind = "clip" if media_type.startswith("video/") else "photo"
    return _store_row(engine, actor, sha, rel, size, kind=kind, media_type=media_type, camera_id=camera_id,
                      venue_id=venue_id, captured_at=_aware(captured_at), created_by=actor.name, source="import")


def _check_annotation(annotation_json: str) -> str:
    try:
        doc = json.loads(annotation_json)
    except (TypeError, ValueError) as exc:
        raise EvidenceError(f"标注数据不是有效的 JSON / annotation is not JSON: {exc}") from exc
    if not isinstance(doc, dict | list):
        raise EvidenceError("标注数据应为 JSON 对象 / annotation must be a JSON object")
    return annotation_json


@audits_refusals
def add_annotated(engine: Engine, store: EvidenceStore, original_id: int, png: bytes, annotation_json: str, *,
                  actor: Actor) -> EvidenceInfo:
    """The annotated picture as a new evidence file linked to its original. Annotating an
    annotated picture again links to the same (first) original: pass either."""
    require(actor, Action.ANNOTATE)
    _check_annotation(annotation_json)
    with Session(engine) as s:
        original = s.get(EvidenceFile, original_id)
        if original is None:
            raise EvidenceError(f"证据 {original_id} 不存在 / unknown evidence")
        seen = {original.id}
        while original.derived_from_id is not None and original.derived_from_id not in seen:
            original = s.get(EvidenceFile, original.derived_from_id)
            seen.add(original.id)
        if not original.media_type.startswith("image/"):
            raise EvidenceError("只能标注图片证据 / only pictures can be annotated")
        base = _info(original)
        street_id = (None if base.venue_id is None
                     else s.exec(select(Venue.street_id).where(Venue.id == base.venue_id)).first())
    require(actor, Action.ANNOTATE, street_id=street_id, scoped=True)
    sha, rel, size = write_blob(store, png, "image/png")
    if sha == base.sha256:
        raise EvidenceError("标注图与原图相同 / the annotated picture equals the original")
    return _store_row(engine, actor, sha, rel, size, kind="annotated", media_type="image/png",
                      camera_id=base.camera_id, venue_id=base.venue_id, captured_at=base.captured_at,
                      created_by=actor.name,
                      source=base.source, derived_from_id=base.id, annotation_json=annotation_json)


def _scoped_evidence(actor: Actor, columns=_COLUMNS):
    """SELECT columns FROM evidencefile with the actor's street scope: VIEW_EVIDENCE, and for a
    user limited to streets only files of venues on those streets (a file without a venue is
    seen by unlimited users only, as access.in_scope says)."""
    require(actor, Action.VIEW_EVIDENCE)
    query = select(*columns)
    if limited(actor):
        query = (query.join(Venue, EvidenceFile.venue_id == Venue.id, isouter=True)
                 .where(street_filter(actor, Venue.street_id)))
    return query


@audits_refusals
def get_evidence(engine: Engine, ids: list[int] | tuple[int, ...], *, actor: Actor) -> list[EvidenceInfo]:
    """In the order asked; unknown ids and files outside the actor's streets are left out."""
    query = _scoped_evidence(actor)
    if not ids:
        return []
    with Session(engine) as s:
        rows = {r[0]: r for r in s.exec(query.where(EvidenceFile.id.in_(list(ids)))).all()}
    return [EvidenceInfo(*rows[i]) for i in dict.fromkeys(ids) if i in rows]


@audits_refusals
def annotations_of(engine: Engine, original_id: int, *, actor: Actor) -> list[EvidenceInfo]:
    """The annotated versions drawn on an original, oldest first (within the actor's streets)."""
    query = _scoped_evidence(actor)
    with Session(engine) as s:
        rows = s.exec(query.where(EvidenceFile.derived_from_id == original_id)
                      .order_by(EvidenceFile.created_at, EvidenceFile.id)).all()
    return [EvidenceInfo(*r) for r in rows]


@audits_refusals
def evidence_problems(engine: Engine, store: EvidenceStore, ids: list[int] | tuple[int, ...], *,
                      actor: Actor) -> dict[int, str]:
    """{evidence id: 文件缺失 / 内容被改动} for the given ids (the UI's broken-seal mark); ids with
    no problem, and files outside the actor's streets, are absent. Hashes every file: run it off
    the GUI thread."""
    query = _scoped_evidence(actor, (EvidenceFile.id, EvidenceFile.sha256, EvidenceFile.rel_path))
    if not ids:
        return {}
    with Session(engine) as s:
        rows = list(s.exec(query.where(EvidenceFile.id.in_(list(ids)))).all())
    return {p.id: p.problem for p in store.verify(rows)}


def copy_out(store: EvidenceStore, rel_path: str, target: BinaryIO, expected_sha: str) -> int:
    """Copy a stored file into `target` (a zip member), checking its hash on the way; raises
    EvidenceError naming the file when it is missing or altered. Returns the size."""
    path = store.path(rel_path)
    if not path.is_file():
        raise EvidenceError(f"证据文件缺失：{rel_path} / evidence file missing")
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            target.write(chunk)
    if digest.hexdigest() != expected_sha:
        raise EvidenceError(f"证据文件内容被改动：{rel_path}（应为 {expected_sha}，实为 {digest.hexdigest()}）"
                            " / evidence file altered")
    return size


__all__ = ["MEDIA_TYPES", "SOURCES", "EvidenceError", "EvidenceInfo", "add_annotated", "add_file", "add_snapshot",
           "annotations_of", "copy_out", "evidence_problems", "get_evidence", "write_blob", "write_stream"]
