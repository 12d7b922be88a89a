"""Reading cases: list rows with filters (state, venue, 街镇, category, handler, date range,
overdue card) done in SQL, counts as SQL aggregates, and one case with its time line, evidence
and alerts. Plain column selects and frozen records (a district holds 100k cases)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from desktop.core.access import Action, Actor, require
from desktop.core.case_rules import (
    CARDS,
    OPEN_STATES,
    RED,
    STATES,
    YELLOW,
    CaseNotFoundError,
    allowed_transitions,
    days_overdue,
    overdue_card,
)
from desktop.core.case_settings import red_card_days_of
from desktop.core.guard import audits_refusals, limited, street_filter
from desktop.core.models import (
    Alert,
    Camera,
    Case,
    CaseAlert,
    CaseEvent,
    CaseEvidence,
    EvidenceFile,
    Street,
    Venue,
)

OVERDUE = "逾期"  # a card filter: 黄牌 or 红牌


@dataclass(frozen=True, slots=True)
class CaseFilter:
    state: str | None = None
    states: tuple[str, ...] | None = None
    venue_id: int | None = None
    street: str | None = None  # 街镇 name
    category: str | None = None
    handler: str | None = None
    since: date | datetime | None = None  # 立案 (created_at) from, inclusive; a date = local midnight
    until: date | datetime | None = None  # to, exclusive; a date = local midnight of that day
    card: str | None = None  # 黄牌 / 红牌 / 逾期 (either)
    text: str | None = None  # part of the case number or the venue's name
    case_ids: tuple[int, ...] | None = None


@dataclass(frozen=True, slots=True)
class CaseSummary:
    """A row of the case list."""

    id: int
    number: str
    venue_id: int
    venue_name: str
    street: str
    category: str
    tier: str
    handler: str
    deadline: date | None
    state: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    card: str  # "" / 黄牌 / 红牌
    days_overdue: int
    evidence_count: int


@dataclass(frozen=True, slots=True)
class CaseEventRecord:
    id: int
    uuid: str
    action: str  # create / transition / edit
    from_state: str
    to_state: str
    who: str
    at: datetime
    comment: str


@dataclass(frozen=True, slots=True)
class CaseEvidenceItem:
    evidence_id: int
    sha256: str
    rel_path: str  # under the evidence root (EvidenceStore.path)
    kind: str  # frame / annotated / clip / snapshot / photo
    media_type: str
    size: int
    role: str
    note: str
    position: int
    source: str
    derived_from_id: int | None
    annotation_json: str
    camera_id: int | None
    captured_at: datetime | None
    created_by: str


@dataclass(frozen=True, slots=True)
class CaseAlertSummary:
    alert_id: int | None  # None for an alert that came with an imported case
    camera_name: str
    category: str
    tier: str
    at: datetime | None
    score: float
    review_state: str
    reason: str


@dataclass(frozen=True, slots=True)
class CaseRecord:
    id: int
    number: str
    uuid: str
    venue_id: int
    venue_name: str
    venue_license_no: str
    venue_address: str
    street: str
    category: str
    tier: str
    legal_basis: str
    facts: str
    handler: str
    deadline: date | None
    state: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    origin_station: str
    origin_number: str
    imported_at: datetime | None
    card: str
    days_overdue: int
    allowed_transitions: tuple[str, ...]
    events: tuple[CaseEventRecord, ...]
    evidence: tuple[CaseEvidenceItem, ...]
    alerts: tuple[CaseAlertSummary, ...]


def local_today() -> date:
    return datetime.now().astimezone().date()


def _moment(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.astimezone()
    return datetime.combine(value, time()).astimezone()


def _apply(stmt, f: CaseFilter, today: date, red_days: int, actor: Actor):
    if limited(actor):
        stmt = stmt.where(street_filter(actor, Venue.street_id))
    if f.state:
        stmt = stmt.where(Case.state == f.state)
    if f.states is not None:
        stmt = stmt.where(Case.state.in_(f.states))
    if f.venue_id is not None:
        stmt = stmt.where(Case.venue_id == f.venue_id)
    if f.street:
        stmt = stmt.where(Street.name == f.street)
    if f.category:
        stmt = stmt.where(Case.category == f.category)
    if f.handler:
        stmt = stmt.where(Case.handler == f.handler)
    if f.since is not None:
        stmt = stmt.where(Case.created_at >= _moment(f.since))
    if f.until is not None:
        stmt = stmt.where(Case.created_at < _moment(f.until))
    if f.card:
        red_line = today - timedelta(days=red_days)
        stmt = stmt.where(Case.state.in_(OPEN_STATES), Case.deadline.is_not(None), Case.deadline < today)
        if f.card == YELLOW:
            stmt = stmt.where(Case.deadline >= red_line)
        elif f.card == RED:
            stmt = stmt.where(Case.deadline < red_line)
    if f.text:
        like = f"%{f.text.strip()}%"
        stmt = stmt.where(or_(Case.number.like(like), Venue.name.like(like)))
    if f.case_ids is not None:
        stmt = stmt.where(Case.id.in_(f.case_ids))
    return stmt


def _joined(stmt):
    return stmt.join(Venue, Venue.id == Case.venue_id).outerjoin(Street, Street.id == Venue.street_id)


def _counted(stmt, f: CaseFilter, actor: Actor):
    """Counts join the venue only when a filter needs it (SQLite counts 100k rows 2× faster)."""
    return _joined(stmt) if f.street or f.text or limited(actor) else stmt.select_from(Case)


def _evidence_count():
    return (select(func.count(CaseEvidence.evidence_id)).where(CaseEvidence.case_id == Case.id)
            .correlate(Case).scalar_subquery())


@audits_refusals
def list_cases(engine: Engine, filters: CaseFilter | None = None, *, actor: Actor, limit: int = 200, offset: int = 0,
               today: date | None = None) -> list[CaseSummary]:
    """Newest first (立案 time), within the actor's streets. `today` (local) decides the cards;
    tests pass a fixed day."""
    require(actor, Action.VIEW_CASES)
    f, today = filters or CaseFilter(), today or local_today()
    with Session(engine) as s:
        red_days = red_card_days_of(s)
        stmt = _joined(select(Case.id, Case.number, Case.venue_id, Venue.name, Street.name, Case.category, Case.tier,
                              Case.handler, Case.deadline, Case.state, Case.created_by, Case.created_at,
                              Case.updated_at, Case.closed_at, _evidence_count()))
        stmt = _apply(stmt, f, today, red_days, actor).order_by(Case.created_at.desc(), Case.id.desc())
        rows = s.exec(stmt.limit(limit).offset(offset)).all()
    return [CaseSummary(r[0], r[1], r[2], r[3], r[4] or "", r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13],
                        overdue_card(r[9], r[8], today, red_days), days_overdue(r[8], today) if r[9] in OPEN_STATES
                        else 0, r[14]) for r in rows]


@audits_refusals
def count_cases(engine: Engine, filters: CaseFilter | None = None, *, actor: Actor,
                today: date | None = None) -> int:
    require(actor, Action.VIEW_CASES)
    f, today = filters or CaseFilter(), today or local_today()
    with Session(engine) as s:
        stmt = _apply(_counted(select(func.count(Case.id)), f, actor), f, today, red_card_days_of(s), actor)
        return s.exec(stmt).one()


@audits_refusals
def count_by_state(engine: Engine, filters: CaseFilter | None = None, *, actor: Actor,
                   today: date | None = None) -> dict[str, int]:
    """{state: n} for every state (zero when none), ignoring the filters' state."""
    require(actor, Action.VIEW_CASES)
    f, today = filters or CaseFilter(), today or local_today()
    f = replace(f, state=None, states=None)
    counts = dict.fromkeys(STATES, 0)
    with Session(engine) as s:
        stmt = _apply(_counted(select(Case.state, func.count(Case.id)), f, actor), f, today, red_card_days_of(s),
                      actor)
        for state, n in s.exec(stmt.group_by(Case.state)).all():
            counts[state] = n
    return counts


def count_by_card(engine: Engine, filters: CaseFilter | None = None, *, actor: Actor,
                  today: date | None = None) -> dict[str, int]:
    """{黄牌: n, 红牌: n} among the filtered cases."""
    f, today = filters or CaseFilter(), today or local_today()
    return {card: count_cases(engine, replace(f, card=card), actor=actor, today=today) for card in CARDS}


def cases_of_venue(engine: Engine, venue_id: int, *, actor: Actor, limit: int = 200,
                   today: date | None = None) -> list[CaseSummary]:
    return list_cases(engine, CaseFilter(venue_id=venue_id), actor=actor, limit=limit, today=today)


def cases_of_alert(engine: Engine, alert_id: int, *, actor: Actor, today: date | None = None) -> list[CaseSummary]:
    """The cases an alert was filed into (the alert page shows 已立案 …)."""
    with Session(engine) as s:
        ids = tuple(s.exec(select(CaseAlert.case_id).where(CaseAlert.alert_id == alert_id)).all())
    return list_cases(engine, CaseFilter(case_ids=ids), actor=actor, today=today) if ids else []


@audits_refusals
def find_case(engine: Engine, id_or_number: str | int, *, actor: Actor) -> int:
    """A case id from its id or its number (the command line takes either); a case outside the
    actor's streets is refused (PermissionDenied), not reported missing."""
    require(actor, Action.VIEW_CASES)
    with Session(engine) as s:
        text = str(id_or_number).strip()
        found = s.exec(select(Case.id, Venue.street_id).join(Venue, Venue.id == Case.venue_id)
                       .where(Case.number == text)).first()
        if found is None and text.isdigit():
            found = s.exec(select(Case.id, Venue.street_id).join(Venue, Venue.id == Case.venue_id)
                           .where(Case.id == int(text))).first()
    if found is None:
        raise CaseNotFoundError(f"案件「{text}」不存在 / case not found")
    require(actor, Action.VIEW_CASES, street_id=found[1], scoped=True)
    return found[0]


def case_street(engine: Engine, case_id: int) -> int | None:
    """The street id of a case's venue (for scoped checks by callers that hold only the id)."""
    with Session(engine) as s:
        found = s.exec(select(Venue.street_id).join(Case, Case.venue_id == Venue.id).where(Case.id == case_id)).first()
    return found


@audits_refusals
def get_case(engine: Engine, case_id: int, *, actor: Actor, today: date | None = None) -> CaseRecord:
    require(actor, Action.VIEW_CASES)
    today = today or local_today()
    with Session(engine) as s:
        row = s.exec(_joined(select(Case, Venue.name, Venue.license_no, Venue.address, Street.name, Venue.street_id))
                     .where(Case.id == case_id)).first()
        if row is None:
            raise CaseNotFoundError(f"案件 {case_id} 不存在 / case not found")
        case, venue_name, license_no, address, street, street_id = row
        require(actor, Action.VIEW_CASES, street_id=street_id, scoped=True)
        red_days = red_card_days_of(s)
        events = s.exec(select(CaseEvent.id, CaseEvent.uuid, CaseEvent.action, CaseEvent.from_state,
                               CaseEvent.to_state, CaseEvent.who, CaseEvent.at, CaseEvent.comment)
                        .where(CaseEvent.case_id == case_id).order_by(CaseEvent.at, CaseEvent.id)).all()
        evidence = s.exec(select(EvidenceFile.id, EvidenceFile.sha256, EvidenceFile.rel_path, EvidenceFile.kind,
                                 EvidenceFile.media_type, EvidenceFile.size, CaseEvidence.role, CaseEvidence.note,
                                 CaseEvidence.position, EvidenceFile.source, EvidenceFile.derived_from_id,
                                 EvidenceFile.annotation_json, EvidenceFile.camera_id, EvidenceFile.captured_at,
                                 EvidenceFile.created_by)
                          .join(EvidenceFile, EvidenceFile.id == CaseEvidence.evidence_id)
                          .where(CaseEvidence.case_id == case_id)
                          .order_by(CaseEvidence.position, EvidenceFile.id)).all()
        alerts = s.exec(select(Alert.id, Camera.name, Alert.category, Alert.tier, Alert.at, Alert.score,
                               Alert.review_state, Alert.reason)
                        .join(CaseAlert, CaseAlert.alert_id == Alert.id).join(Camera, Camera.id == Alert.camera_id)
                        .where(CaseAlert.case_id == case_id).order_by(Alert.at, Alert.id)).all()
        data = case.model_dump()
    imported = tuple(_imported_alert(a) for a in _json_list(data["origin_alerts_json"]))
    state, deadline = data["state"], data["deadline"]
    return CaseRecord(
        id=data["id"], number=data["number"], uuid=data["uuid"], venue_id=data["venue_id"], venue_name=venue_name,
        venue_license_no=license_no or "", venue_address=address, street=street or "", category=data["category"],
        tier=data["tier"], legal_basis=data["legal_basis"], facts=data["facts"], handler=data["handler"],
        deadline=deadline, state=state, created_by=data["created_by"], created_at=data["created_at"],
        updated_at=data["updated_at"], closed_at=data["closed_at"], origin_station=data["origin_station"],
        origin_number=data["origin_number"], imported_at=data["imported_at"],
        card=overdue_card(state, deadline, today, red_days),
        days_overdue=days_overdue(deadline, today) if state in OPEN_STATES else 0,
        allowed_transitions=allowed_transitions(state),
        events=tuple(CaseEventRecord(*e) for e in events),
        evidence=tuple(CaseEvidenceItem(*e) for e in evidence),
        alerts=tuple(CaseAlertSummary(*a) for a in alerts) + imported)


def _json_list(text: str) -> list:
    try:
        value = json.loads(text) if text else []
    except ValueError:
        return []
    return value if isinstance(value, list) else []


def _imported_alert(a: dict) -> CaseAlertSummary:
    at = a.get("at")
    try:
        at = datetime.fromisoformat(at) if at else None
    except (TypeError, ValueError):
        at = None
    return CaseAlertSummary(None, str(a.get("camera", "")), str(a.get("category", "")), str(a.get("tier", "")), at,
                            float(a.get("score") or 0.0), str(a.get("review_state", "")), str(a.get("reason", "")))
