"""Offline exchange of a case between consoles (issue 5 §5): export one case to a zip package,
import it on another console. Layout and checks: desktop.core.case_package_format.

Export writes the package atomically (temp file, fsync, rename) and refuses when an evidence
file is missing or altered. Import checks every hash and the manifest before writing
anything, matches the venue by 许可证号 (else by name), copies the evidence in (content-
addressed: a file left by a crash is harmless) and then writes the case, its time line and its
evidence items in ONE transaction. The case's uuid makes it idempotent: the same package
twice changes nothing; a package with more of the case's history than this console has
brings the rest; a case changed on both sides is refused."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from desktop.core import audit
from desktop.core.access import Action, Actor, require
from desktop.core.audit import AuditAction
from desktop.core.case_package_format import (
    FORMAT,
    MANIFEST,
    PDF,
    SUMS,
    VERSION,
    CasePackageError,
    PackageTamperedError,
    PackageUnreadableError,
    VerifiedPackage,
    evidence_name,
    iso,
    parse_date,
    verify_package,
)
from desktop.core.case_queries import case_street, get_case
from desktop.core.case_settings import allocate_number, lock_settings, station_id_of
from desktop.core.evidence import EvidenceError, copy_out, write_stream
from desktop.core.evidence_store import EvidenceStore
from desktop.core.guard import audits_refusals
from desktop.core.models import Camera, Case, CaseEvent, CaseEvidence, EvidenceFile, Venue

log = logging.getLogger(__name__)

__all__ = ["CasePackageError", "ExportResult", "ImportResult", "PackageTamperedError", "PackageUnreadableError",
           "export_case", "import_case", "verify_package"]

IMPORTED, UPDATED, UNCHANGED = "imported", "updated", "unchanged"


@dataclass(frozen=True, slots=True)
class ExportResult:
    path: Path
    case_id: int
    number: str
    evidence_files: int
    size: int
    with_pdf: bool


@dataclass(frozen=True, slots=True)
class ImportResult:
    status: str  # imported / updated / unchanged
    case_id: int
    number: str  # the number here
    origin_number: str  # the number in the package when it had to get another one here
    venue_id: int
    venue_name: str
    evidence_added: int
    events_added: int
    note: str = ""

    def message(self) -> str:
        head = {IMPORTED: "已导入", UPDATED: "已更新", UNCHANGED: "无变化"}[self.status]
        text = (f"{head}：案件 {self.number}（{self.venue_name}），新增记录 {self.events_added} 条、"
                f"证据 {self.evidence_added} 项")
        if self.origin_number:
            text += f"；原编号 {self.origin_number} 在本机已被占用，改编为 {self.number}"
        return text + (f"；{self.note}" if self.note else "")


# --- export ----------------------------------------------------------------------------------

def _evidence_entries(s: Session, case_id: int) -> list[dict]:
    """The case's evidence items, then the originals annotated items derive from."""
    rows = s.exec(select(EvidenceFile, CaseEvidence.role, CaseEvidence.note, CaseEvidence.position)
                  .join(CaseEvidence, CaseEvidence.evidence_id == EvidenceFile.id)
                  .where(CaseEvidence.case_id == case_id).order_by(CaseEvidence.position, EvidenceFile.id)).all()
    files = {r[0].id: (r[0], {"role": r[1], "note": r[2], "position": r[3]}) for r in rows}
    pending = [f.derived_from_id for f, _ in files.values() if f.derived_from_id is not None]
    while pending:
        eid = pending.pop()
        if eid in files:
            continue
        row = s.get(EvidenceFile, eid)
        files[eid] = (row, None)
        if row.derived_from_id is not None:
            pending.append(row.derived_from_id)
    cameras = dict(s.exec(select(Camera.id, Camera.name).where(
        Camera.id.in_([f.camera_id for f, _ in files.values() if f.camera_id is not None]))).all())
    out = []
    for row, item in files.values():
        parent = files[row.derived_from_id][0].sha256 if row.derived_from_id is not None else None
        out.append({"sha256": row.sha256, "path": evidence_name(row.sha256, row.media_type), "size": row.size,
                    "kind": row.kind, "media_type": row.media_type, "source": row.source,
                    "captured_at": iso(row.captured_at), "created_by": row.created_by,
                    "created_at": iso(row.created_at), "camera": cameras.get(row.camera_id, ""),
                    "derived_from": parent, "annotation_json": row.annotation_json, "item": item,
                    "rel_path": row.rel_path})
    return out


def _manifest(engine: Engine, case_id: int, actor: Actor, now: datetime) -> tuple[dict, list[dict]]:
    rec = get_case(engine, case_id, actor=actor)
    who = actor.name
    with Session(engine) as s:
        station = station_id_of(s)
        evidence = _evidence_entries(s, case_id)
    case = {"uuid": rec.uuid, "number": rec.number, "origin_station": rec.origin_station or station,
            "origin_number": rec.origin_number, "category": rec.category, "tier": rec.tier,
            "legal_basis": rec.legal_basis, "facts": rec.facts, "handler": rec.handler,
            "deadline": iso(rec.deadline), "state": rec.state, "created_by": rec.created_by,
            "created_at": iso(rec.created_at), "updated_at": iso(rec.updated_at), "closed_at": iso(rec.closed_at)}
    alerts = [{"alert_id": a.alert_id, "camera": a.camera_name, "category": a.category, "tier": a.tier,
               "at": iso(a.at), "score": a.score, "review_state": a.review_state, "reason": a.reason}
              for a in rec.alerts]
    events = [{"uuid": e.uuid, "action": e.action, "from_state": e.from_state, "to_state": e.to_state,
               "who": e.who, "at": iso(e.at), "comment": e.comment} for e in rec.events]
    manifest = {"format": FORMAT, "version": VERSION, "exported_at": iso(now), "exported_by": who,
                "station": station, "case": case,
                "venue": {"license_no": rec.venue_license_no, "name": rec.venue_name,
                          "address": rec.venue_address, "street": rec.street},
                "events": events, "evidence": [{k: v for k, v in e.items() if k != "rel_path"} for e in evidence],
                "alerts": alerts, "pdf": None}
    return manifest, evidence


@audits_refusals
def export_case(engine: Engine, store: EvidenceStore, case_id: int, out: Path, pdf_bytes: bytes | None = None, *,
                actor: Actor, render_pdf: Callable[[int], bytes] | None = None,
                now: datetime | None = None) -> ExportResult:
    """Write the case's package to `out` (replaced atomically). The printed sheet: `pdf_bytes`,
    or `render_pdf(case_id)` when given (the print-case hook), or none. EXPORT_CASE on the
    case's street; the export is written to the audit trail."""
    require(actor, Action.EXPORT_CASE)
    require(actor, Action.EXPORT_CASE, street_id=case_street(engine, case_id), scoped=True)
    now = now or datetime.now(UTC)
    manifest, evidence = _manifest(engine, case_id, actor, now)
    if pdf_bytes is None and render_pdf is not None:
        pdf_bytes = render_pdf(case_id)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=out.parent, prefix=out.name, suffix=".part")
    tmp = Path(tmp_name)
    sums: list[tuple[str, str]] = []
    stamp = now.astimezone().timetuple()[:6]
    try:
        with os.fdopen(fd, "wb") as raw:
            with zipfile.ZipFile(raw, "w", allowZip64=True) as zf:
                for e in evidence:
                    info = zipfile.ZipInfo(e["path"], stamp)  # pictures and clips are compressed already
                    with zf.open(info, "w", force_zip64=e["size"] > (1 << 31)) as member:
                        copy_out(store, e["rel_path"], member, e["sha256"])
                    sums.append((e["sha256"], e["path"]))
                if pdf_bytes:
                    manifest["pdf"] = {"path": PDF, "sha256": hashlib.sha256(pdf_bytes).hexdigest(),
                                       "size": len(pdf_bytes)}
                    zf.writestr(zipfile.ZipInfo(PDF, stamp), pdf_bytes)
                    sums.append((manifest["pdf"]["sha256"], PDF))
                data = json.dumps(manifest, ensure_ascii=False, indent=1).encode("utf-8")
                zf.writestr(zipfile.ZipInfo(MANIFEST, stamp), data, compress_type=zipfile.ZIP_DEFLATED)
                sums.append((hashlib.sha256(data).hexdigest(), MANIFEST))
                zf.writestr(zipfile.ZipInfo(SUMS, stamp), "".join(f"{h}  {n}\n" for h, n in sums).encode("utf-8"),
                            compress_type=zipfile.ZIP_DEFLATED)
            raw.flush()
            os.fsync(raw.fileno())
        os.replace(tmp, out)
    except EvidenceError as exc:
        tmp.unlink(missing_ok=True)
        raise CasePackageError(f"不能导出案件 {manifest['case']['number']}：{exc}") from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    log.info("case %s exported to %s (%d evidence files, pdf %s)", case_id, out, len(evidence), bool(pdf_bytes))
    audit.record_now(engine, actor, AuditAction.EXPORT, manifest["case"]["number"],
                     {"what": "case_package", "case_id": case_id, "file": out.name,
                      "evidence_files": len(evidence), "with_pdf": bool(pdf_bytes)})
    return ExportResult(out, case_id, manifest["case"]["number"], len(evidence), out.stat().st_size, bool(pdf_bytes))


# --- import ----------------------------------------------------------------------------------

def _find_venue(s: Session, venue: dict) -> tuple[int, str]:
    license_no, name = (venue.get("license_no") or "").strip(), venue["name"].strip()
    if license_no:
        found = s.exec(select(Venue.id, Venue.name).where(Venue.license_no == license_no)).first()
        if found is not None:
            return found[0], found[1]
    same_name = s.exec(select(Venue.id, Venue.name, Venue.license_no).where(Venue.name == name)).all()
    usable = [v for v in same_name if not license_no or not v[2]]
    if len(usable) == 1:
        return usable[0][0], usable[0][1]
    if len(usable) > 1:
        raise CasePackageError(f"本机有 {len(usable)} 个名为「{name}」的单位，无法确定是哪一个；请补全许可证号后再导入")
    if same_name:
        raise CasePackageError(f"本机的「{name}」许可证号为 {same_name[0][2]}，与案件包中的 {license_no} 不同，未导入")
    raise CasePackageError(f"本机没有该单位（许可证号 {license_no or '无'}，名称「{name}」），请先在单位档案中添加"
                           " / venue unknown here")


def _copy_evidence_in(store: EvidenceStore, pkg: VerifiedPackage) -> dict[str, tuple[str, int]]:
    """Before the transaction: every evidence file into the store (sha → rel, size)."""
    out = {}
    with zipfile.ZipFile(pkg.path) as zf:
        for ev in pkg.manifest["evidence"]:
            with zf.open(ev["path"]) as member:
                try:
                    out[ev["sha256"]] = write_stream(store, member, ev["media_type"], ev["sha256"])
                except EvidenceError as exc:  # the package changed since it was checked
                    raise PackageTamperedError(ev["path"], ev["sha256"], "内容已变") from exc
    return out


def _evidence_rows(s: Session, pkg: VerifiedPackage, files: dict, venue_id: int, now: datetime) -> dict[str, int]:
    """sha → local evidence id, inserting the ones this console does not have (originals first)."""
    entries = {e["sha256"]: e for e in pkg.manifest["evidence"]}
    ids = dict(s.exec(select(EvidenceFile.sha256, EvidenceFile.id)
                      .where(EvidenceFile.sha256.in_(list(entries)))).all())
    cameras: dict[str, list[int]] = {}
    for cid, name in s.exec(select(Camera.id, Camera.name).where(Camera.venue_id == venue_id)).all():
        cameras.setdefault(name, []).append(cid)

    def add(sha: str) -> int:
        if sha in ids:
            return ids[sha]
        e = entries[sha]
        parent = add(e["derived_from"]) if e.get("derived_from") else None
        matches = cameras.get(e.get("camera") or "", [])
        row = EvidenceFile(sha256=sha, kind=e.get("kind") or "photo", media_type=e["media_type"],
                           size=files[sha][1], rel_path=files[sha][0],
                           camera_id=matches[0] if len(matches) == 1 else None,
                           captured_at=_time(e.get("captured_at")), created_by=e.get("created_by") or "",
                           created_at=_time(e.get("created_at")) or now, venue_id=venue_id,
                           derived_from_id=parent, annotation_json=e.get("annotation_json") or "",
                           source=e.get("source", "import"))
        s.add(row)
        s.flush()
        ids[sha] = row.id
        return row.id

    for sha in entries:
        add(sha)
    return ids


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _apply_case_fields(case: Case, c: dict) -> None:
    case.category, case.tier, case.legal_basis = c["category"], c.get("tier") or "", c.get("legal_basis") or ""
    case.facts, case.handler = c.get("facts") or "", c.get("handler") or ""
    case.deadline = parse_date(c.get("deadline"))
    case.state, case.created_by, case.created_at = c["state"], c["created_by"], _time(c["created_at"])
    case.updated_at, case.closed_at = _time(c["updated_at"]), _time(c.get("closed_at"))


def _sync_items(s: Session, case_id: int, pkg: VerifiedPackage, ids: dict[str, int]) -> int:
    """Make the case's evidence items those of the package; returns how many were added."""
    want = {ids[e["sha256"]]: e["item"] for e in pkg.manifest["evidence"] if e.get("item") is not None}
    have = {r.evidence_id: r for r in s.exec(select(CaseEvidence).where(CaseEvidence.case_id == case_id)).all()}
    gone = [eid for eid in have if eid not in want]
    if gone:
        s.exec(delete(CaseEvidence).where(CaseEvidence.case_id == case_id, CaseEvidence.evidence_id.in_(gone)))
    for eid, item in want.items():
        row = have.get(eid) or CaseEvidence(case_id=case_id, evidence_id=eid)
        row.role, row.note, row.position = item.get("role") or "", item.get("note") or "", item["position"]
        s.add(row)
    return len(set(want) - set(have))


def _add_events(s: Session, case_id: int, events: list[dict], have: set[str]) -> int:
    added = 0
    for e in events:
        if e["uuid"] in have:
            continue
        s.add(CaseEvent(uuid=e["uuid"], case_id=case_id, action=e["action"], from_state=e["from_state"],
                        to_state=e["to_state"], who=e["who"], at=_time(e["at"]), comment=e["comment"]))
        added += 1
    return added


def _require_import(s: Session, actor: Actor, venue_id: int) -> None:
    street_id = s.exec(select(Venue.street_id).where(Venue.id == venue_id)).first()
    require(actor, Action.IMPORT_CASE, street_id=street_id, scoped=True)


@audits_refusals
def import_case(engine: Engine, store: EvidenceStore, path: Path, *, actor: Actor,
                now: datetime | None = None) -> ImportResult:
    """Verify, then import or update the package's case in one transaction (see the module's
    docstring). IMPORT_CASE on the venue's street. Raises CasePackageError /
    PackageTamperedError with the reason; nothing is written to the database then."""
    require(actor, Action.IMPORT_CASE)
    now = now or datetime.now(UTC)
    pkg = verify_package(Path(path))
    m, c = pkg.manifest, pkg.manifest["case"]
    with Session(engine) as s:
        venue_id, venue_name = _find_venue(s, m["venue"])
        _require_import(s, actor, venue_id)
    files = _copy_evidence_in(store, pkg)
    with Session(engine) as s:
        lock_settings(s)  # one import at a time, and SQLite's write lock before reading
        venue_id, venue_name = _find_venue(s, m["venue"])
        existing = s.exec(select(Case).where(Case.uuid == c["uuid"])).first()
        if existing is not None:
            _require_import(s, actor, existing.venue_id)
        package_events = {e["uuid"] for e in m["events"]}
        if existing is not None:
            result = _merge(s, existing, pkg, files, package_events, now)
        else:
            result = _insert(s, pkg, files, venue_id, venue_name, now)
        if result.status != UNCHANGED:
            audit.record(s, actor, AuditAction.IMPORT, result.number,
                         {"what": "case_package", "file": Path(path).name, "status": result.status,
                          "case_id": result.case_id, "origin_number": result.origin_number,
                          "evidence_added": result.evidence_added, "events_added": result.events_added})
            s.commit()
    log.info("case package %s: %s case %s (%s)", Path(path).name, result.status, result.case_id, result.number)
    return result


def _insert(s: Session, pkg: VerifiedPackage, files: dict, venue_id: int, venue_name: str,
            now: datetime) -> ImportResult:
    m, c = pkg.manifest, pkg.manifest["case"]
    number, origin_number = c["number"], ""
    if s.exec(select(Case.id).where(Case.number == number)).first() is not None:
        number, origin_number = allocate_number(s, _time(c["created_at"])), c["number"]
    case = Case(number=number, uuid=c["uuid"], venue_id=venue_id,
                origin_station=c.get("origin_station") or m.get("station") or "",
                origin_number=origin_number or c.get("origin_number") or "", imported_at=now,
                origin_alerts_json=json.dumps(m["alerts"], ensure_ascii=False) if m["alerts"] else "")
    _apply_case_fields(case, c)
    s.add(case)
    s.flush()
    ids = _evidence_rows(s, pkg, files, venue_id, now)
    added = _sync_items(s, case.id, pkg, ids)
    taken = set(s.exec(select(CaseEvent.uuid).where(CaseEvent.uuid.in_([e["uuid"] for e in m["events"]]))).all())
    if taken:
        raise CasePackageError("案件包中的记录已属于本机的其他案件，未导入 / events belong to another case")
    events = _add_events(s, case.id, m["events"], set())
    return ImportResult(IMPORTED, case.id, number, origin_number, venue_id, venue_name, added, events)


def _merge(s: Session, case: Case, pkg: VerifiedPackage, files: dict, package_events: set[str],
           now: datetime) -> ImportResult:
    m = pkg.manifest
    local = set(s.exec(select(CaseEvent.uuid).where(CaseEvent.case_id == case.id)).all())
    venue_name = s.exec(select(Venue.name).where(Venue.id == case.venue_id)).one()
    if package_events <= local:
        note = "" if package_events == local else "本机的记录比案件包新，未改动"
        return ImportResult(UNCHANGED, case.id, case.number, "", case.venue_id, venue_name, 0, 0, note)
    if not local <= package_events:
        raise CasePackageError(f"案件 {case.number} 在本机和案件包中都有新的记录，不能自动合并，未导入"
                               " / the case changed on both consoles")
    _apply_case_fields(case, m["case"])
    s.add(case)
    ids = _evidence_rows(s, pkg, files, case.venue_id, now)
    added = _sync_items(s, case.id, pkg, ids)
    events = _add_events(s, case.id, m["events"], local)
    return ImportResult(UPDATED, case.id, case.number, "", case.venue_id, venue_name, added, events)
