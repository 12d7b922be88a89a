"""Evidence on disk, content-addressed: a file's name is its SHA-256, recorded in the database
when it is stored, so an altered or missing file is found by hashing again (DESIGN.md §3).
Files are never overwritten: an annotated picture is a new file, the original stays."""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from desktop.core.atomic_file import write_atomic
from desktop.core.models import EvidenceFile

log = logging.getLogger(__name__)

_CHUNK = 1 << 20
_SUFFIX = {"image/png": ".png", "image/jpeg": ".jpg", "video/mp4": ".mp4"}


@dataclass(frozen=True, slots=True)
class StoredEvidence:
    id: int
    sha256: str
    rel_path: str
    size: int
    new: bool  # False when the same bytes were stored before (nothing written)


@dataclass(frozen=True, slots=True)
class EvidenceProblem:
    id: int
    sha256: str
    rel_path: str
    problem: str  # 文件缺失 / 内容被改动


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class EvidenceStore:
    def __init__(self, root: Path, engine: Engine) -> None:
        self.root = root
        self.engine = engine

    def path(self, rel_path: str) -> Path:
        return self.root / rel_path

    @staticmethod
    def rel_path_for(sha256: str, media_type: str) -> str:
        # Two-character fan-out keeps directories small at a million files.
        return f"{sha256[:2]}/{sha256}{_SUFFIX.get(media_type, '.bin')}"

    def put_bytes(self, data: bytes, *, kind: str, media_type: str, camera_id: int | None = None,
                  captured_at: datetime | None = None, created_by: str = "") -> StoredEvidence:
        sha = hashlib.sha256(data).hexdigest()
        rel = self.rel_path_for(sha, media_type)
        target = self.path(rel)
        if not (target.exists() and sha256_file(target) == sha):
            write_atomic(target, data)
        return self._record(sha, rel, len(data), kind, media_type, camera_id, captured_at, created_by)

    def put_file(self, source: Path, *, kind: str, media_type: str, camera_id: int | None = None,
                 captured_at: datetime | None = None, created_by: str = "") -> StoredEvidence:
        """Copy a file in (a clip can be tens of MB: streamed, never held in memory)."""
        sha = sha256_file(source)
        rel = self.rel_path_for(sha, media_type)
        target = self.path(rel)
        if not (target.exists() and sha256_file(target) == sha):
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=target.parent, suffix=".part", delete=False) as tmp:
                with source.open("rb") as src:
                    shutil.copyfileobj(src, tmp, _CHUNK)
                tmp.flush()
            tmp_path = Path(tmp.name)
            if sha256_file(tmp_path) != sha:  # the source changed while copying
                tmp_path.unlink(missing_ok=True)
                raise OSError(f"证据文件在复制时被改动 / evidence changed while copying: {source.name}")
            tmp_path.replace(target)
        return self._record(sha, rel, source.stat().st_size, kind, media_type, camera_id, captured_at, created_by)

    def _record(self, sha: str, rel: str, size: int, kind: str, media_type: str, camera_id: int | None,
                captured_at: datetime | None, created_by: str) -> StoredEvidence:
        with Session(self.engine) as s:
            row = s.exec(select(EvidenceFile).where(EvidenceFile.sha256 == sha)).first()
            if row is not None:
                return StoredEvidence(row.id, sha, row.rel_path, row.size, False)
            row = EvidenceFile(sha256=sha, kind=kind, media_type=media_type, size=size, rel_path=rel,
                               camera_id=camera_id, captured_at=captured_at, created_by=created_by)
            s.add(row)
            s.commit()
            log.info("evidence %s stored (%s, %d bytes)", sha[:12], kind, size)
            return StoredEvidence(row.id, sha, rel, size, True)

    def verify(self, rows: list[tuple[int, str, str]] | None = None) -> list[EvidenceProblem]:
        """Hash every stored file again (or the given (id, sha256, rel_path) rows); returns the
        missing and altered ones. Reads files in chunks: safe for large clips."""
        if rows is None:
            with Session(self.engine) as s:
                # Files removed by the retention policy (desktop.core.disk_guard) are gone on purpose.
                rows = list(s.exec(select(EvidenceFile.id, EvidenceFile.sha256, EvidenceFile.rel_path)
                                   .where(EvidenceFile.removed_at.is_(None))).all())
        problems = []
        for eid, sha, rel in rows:
            path = self.path(rel)
            if not path.is_file():
                problems.append(EvidenceProblem(eid, sha, rel, "文件缺失"))
            elif sha256_file(path) != sha:
                problems.append(EvidenceProblem(eid, sha, rel, "内容被改动"))
        return problems
