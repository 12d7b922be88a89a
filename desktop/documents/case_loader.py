"""From a stored case to what is printed: the one place that knows both the case tables and
desktop/documents/case_sheet.py. Printing (desktop/documents/render.py, `main.py print-case`)
only sees the values returned here."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from desktop.core.access import Action, Actor, require
from desktop.core.evidence_store import EvidenceStore
from desktop.core.models import Camera
from desktop.documents.case_sheet import CaseSheet, EvidenceItem, RectificationNotice, TimelineEntry, notice_from_case


class CaseNotFoundError(LookupError):
    """No case with that id."""


CAPTIONS = {"annotated": "标注图片", "frame": "告警画面", "snapshot": "抓拍画面", "photo": "现场照片"}
STATION_NAME_KEY = "station_name"
DEFAULT_STATION = "市场监督管理所"


def _open(engine: Engine | None, evidence_root: Path | None) -> tuple[Engine, EvidenceStore]:
    from desktop import paths
    from desktop.core.db import database_url, make_engine, migrate

    if engine is None:
        engine = make_engine(database_url(paths.data_dir()))
        migrate(engine)
    return engine, EvidenceStore(evidence_root or paths.evidence_dir(), engine)


def _camera_names(engine: Engine, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    with Session(engine) as s:
        rows = s.exec(select(Camera.id, Camera.name, Camera.area).where(Camera.id.in_(ids))).all()
    return {cid: (f"{name}（{area}）" if area and area not in name else name) for cid, name, area in rows}


def _evidence_items(record, store: EvidenceStore, cameras: dict[int, str]) -> tuple[EvidenceItem, ...]:
    """The case's pictures in its order; an original whose annotated version is also in the case
    is printed once, annotated. Clips are not printed (they travel in the exchange package)."""
    items = [e for e in record.evidence if e.media_type.startswith("image/")]
    by_id = {e.evidence_id: e for e in record.evidence}
    replaced = {e.derived_from_id for e in items if e.derived_from_id is not None}
    checks = {p.id: p.problem for p in store.verify([(e.evidence_id, e.sha256, e.rel_path) for e in items])}
    out = []
    for e in items:
        if e.evidence_id in replaced:
            continue
        path = store.path(e.rel_path)
        problem = checks.get(e.evidence_id, "")
        data = path.read_bytes() if path.is_file() else None
        original = by_id.get(e.derived_from_id) if e.derived_from_id is not None else None
        caption = e.note or CAPTIONS.get(e.kind, "证据图片")
        out.append(EvidenceItem(caption, e.captured_at, cameras.get(e.camera_id, "") if e.camera_id else "", e.sha256,
                                data, annotated=e.derived_from_id is not None,
                                original_sha256=original.sha256 if original else "", problem=problem))
    return tuple(out)


def load_case_sheet(case_id: int, *, actor: Actor, engine: Engine | None = None,
                    evidence_root: Path | None = None) -> CaseSheet:
    """The case `case_id` as a CaseSheet (the data directory's database unless `engine` is
    given), for printing: PRINT_CASE on the case's street (PermissionDenied otherwise). Raises
    CaseNotFoundError when there is no such case. Whoever then prints or writes the PDF records
    it with record_print."""
    require(actor, Action.PRINT_CASE)
    from desktop.core import case_queries
    from desktop.core.case_rules import CaseNotFoundError as CoreNotFound
    from desktop.core.case_settings import read_setting
    from desktop.core.registry import NotFoundError, get_venue

    engine, store = _open(engine, evidence_root)
    try:
        record = case_queries.get_case(engine, case_id, actor=actor)
    except CoreNotFound:
        raise CaseNotFoundError(f"案件不存在 / no case {case_id}") from None
    require(actor, Action.PRINT_CASE, street_id=case_queries.case_street(engine, case_id), scoped=True)
    try:
        venue = get_venue(engine, record.venue_id, actor=actor)
        venue_type, person, phone = venue.venue_type, venue.contact_person, venue.contact_phone
    except NotFoundError:  # an imported case of a venue since removed: what the case itself knows
        venue_type = person = phone = ""
    with Session(engine) as s:
        station = read_setting(s, STATION_NAME_KEY, DEFAULT_STATION)
    cameras = _camera_names(engine, {e.camera_id for e in record.evidence if e.camera_id})
    timeline = tuple(TimelineEntry(ev.at, ev.from_state, ev.to_state, ev.who, ev.comment)
                     for ev in record.events if ev.action in ("create", "transition"))
    return CaseSheet(
        number=record.number, station=station, venue_name=record.venue_name, license_no=record.venue_license_no,
        address=record.venue_address, street=record.street, venue_type=venue_type, contact_person=person,
        contact_phone=phone, category=record.category, tier=record.tier, legal_basis=record.legal_basis,
        facts=record.facts, handler=record.handler, deadline=record.deadline, state=record.state,
        created_at=record.created_at, evidence=_evidence_items(record, store, cameras), timeline=timeline,
        escalation=record.card)


def record_print(engine: Engine, actor: Actor, number: str, document: str, output: str = "") -> None:
    """The audit entry of a printed (or PDF-written) case document: `document` is case_sheet or
    notice, `output` the file name or the printer."""
    from desktop.core.audit import AuditAction, record_now

    record_now(engine, actor, AuditAction.PRINT, number, {"document": document, "output": output})


def load_rectification_notice(case_id: int, *, actor: Actor, issued_on: date | None = None,
                              engine: Engine | None = None,
                              evidence_root: Path | None = None) -> RectificationNotice:
    """The 责令改正通知书 of case `case_id`, issued today unless `issued_on` is given.

    TODO(cases): once cases store their own notice text (number, 违反条款, requirements), use it
    here; until then the notice is derived from the case sheet (notice_from_case)."""
    where = {k: v for k, v in (("engine", engine), ("evidence_root", evidence_root)) if v is not None}
    sheet = load_case_sheet(case_id, actor=actor, **where)
    return notice_from_case(sheet, issued_on=issued_on or date.today())
