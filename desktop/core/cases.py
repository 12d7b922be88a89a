"""案件 (Qt-free): file a case from alerts, evidence or nothing, edit it while it is open, move it
through its states, delete it (authorised only). The rules are in desktop.core.case_rules and
are enforced here, below every UI; each change happens in one transaction together with its
CaseEvent (who, when, why), so a crash leaves the case as it was before the change.

Writers lock first: their first statement is a write on the case's row (or the number
sequence), so PostgreSQL serialises two consoles on the same case and SQLite takes its write
lock before reading. Everything the UI needs is importable from this module."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import delete, func, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from desktop.core import audit
from desktop.core.access import Action, Actor, require
from desktop.core.audit import AuditAction
from desktop.core.case_queries import (
    OVERDUE,
    CaseAlertSummary,
    CaseEventRecord,
    CaseEvidenceItem,
    CaseFilter,
    CaseRecord,
    CaseSummary,
    cases_of_alert,
    cases_of_venue,
    count_by_card,
    count_by_state,
    count_cases,
    find_case,
    get_case,
    list_cases,
)
from desktop.core.case_rules import (
    CARDS,
    CLOSED,
    EDITABLE_STATES,
    FINAL_STATES,
    OPEN_STATES,
    PENDING,
    PUSHED,
    RED,
    REVOKED,
    STATES,
    TRANSITIONS,
    YELLOW,
    CaseConfirmationRequiredError,
    CaseError,
    CaseNotFoundError,
    CasePermissionError,
    CaseTransitionError,
    CaseValidationError,
    allowed_transitions,
    check_transition,
)
from desktop.core.case_settings import allocate_number, station_id_of
from desktop.core.guard import audits_refusals
from desktop.core.models import (
    Alert,
    AlertEvidence,
    Camera,
    Case,
    CaseAlert,
    CaseEvent,
    CaseEvidence,
    EvidenceFile,
    Venue,
)
from detectors.rules.violation import tier_of

log = logging.getLogger(__name__)

__all__ = ["CARDS", "CLOSED", "EDITABLE_STATES", "FINAL_STATES", "KEEP", "OPEN_STATES", "OVERDUE", "PENDING", "RED",
           "STATES", "TRANSITIONS", "YELLOW", "CaseAlertSummary", "CaseConfirmationRequiredError", "CaseError",
           "CaseEventRecord", "CaseEvidenceItem", "CaseFilter", "CaseInput", "CaseNotFoundError",
           "CasePermissionError", "CaseRecord", "CaseSummary", "CaseTransitionError", "CaseUpdate",
           "CaseValidationError", "allowed_transitions", "cases_of_alert", "cases_of_venue",
           "count_by_card", "count_by_state", "count_cases", "create_case", "delete_case", "find_case", "get_case",
           "list_cases", "transition", "transition_action", "update_case"]

# What an evidence item is called when nobody says otherwise.
KIND_ROLES = {"frame": "告警原图", "annotated": "标注图", "clip": "视频片段", "snapshot": "现场截图",
              "photo": "现场照片"}
ALERT_ROLES = {"clean": "告警原图", "boxes": "告警标注图", "clip": "告警视频"}
_ALERT_ROLE_ORDER = {"clean": 0, "boxes": 1, "clip": 2}
FALSE_ALARM = "误报"  # desktop.core.alerts.FALSE_ALARM (not imported: alerts pulls in the store)


class _Keep:
    def __repr__(self) -> str:
        return "KEEP"


KEEP = _Keep()  # CaseUpdate.deadline: leave it as it is (None clears it)


@dataclass(frozen=True, slots=True)
class CaseInput:
    """A new case. venue_id None: the venue of the alerts / evidence. Empty category and tier
    come from the first alert. The alerts' evidence becomes evidence items of the case, after
    the evidence given here."""

    venue_id: int | None = None
    category: str = ""
    tier: str = ""
    legal_basis: str = ""  # the chosen 法律依据 titles, one per line
    facts: str = ""
    handler: str = ""
    deadline: date | None = None
    alert_ids: tuple[int, ...] = ()
    evidence_ids: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class CaseUpdate:
    """None (or KEEP, or empty) leaves a field as it is."""

    venue_id: int | None = None  # only while 待处理
    category: str | None = None
    tier: str | None = None
    legal_basis: str | None = None
    facts: str | None = None
    handler: str | None = None
    deadline: date | None | _Keep = KEEP
    add_alerts: tuple[int, ...] = ()  # link alerts and add their evidence
    add_evidence: tuple[int, ...] = ()
    remove_evidence: tuple[int, ...] = ()
    evidence_labels: tuple[tuple[int, str, str], ...] = ()  # (evidence_id, role, note)
    evidence_order: tuple[int, ...] | None = None  # the evidence ids in their new order
    comment: str = ""


def _now(now: datetime | None) -> datetime:
    if now is None:
        return datetime.now(UTC)
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)


def _street_of(s: Session, venue_id: int) -> int | None:
    return s.exec(select(Venue.street_id).where(Venue.id == venue_id)).first()


def _require_on_venue(s: Session, actor: Actor, action: Action, venue_id: int) -> None:
    """Refuse unless the actor may do `action` on this venue's street (read in this session)."""
    require(actor, action, street_id=_street_of(s, venue_id), scoped=True)


def transition_action(to_state: str) -> Action:
    """Closing (已办结) and revoking (撤销) are approved by the head of section; the steps in
    between are case work. The UI asks this to decide which buttons to enable."""
    return Action.APPROVE_CASE if to_state in (CLOSED, REVOKED) else Action.WORK_CASE


def _event(s: Session, case_id: int, action: str, from_state: str, to_state: str, who: str, at: datetime,
           comment: str) -> None:
    s.add(CaseEvent(uuid=uuid.uuid4().hex, case_id=case_id, action=action, from_state=from_state,
                    to_state=to_state, who=who, at=at, comment=comment))


def _lock_case(s: Session, case_id: int) -> Case:
    touched = s.exec(update(Case).where(Case.id == case_id).values(updated_at=Case.updated_at)
                     .execution_options(synchronize_session=False)).rowcount
    case = s.get(Case, case_id) if touched else None
    if case is None:
        raise CaseNotFoundError(f"案件 {case_id} 不存在 / case not found")
    return case


def _alerts(s: Session, ids: tuple[int, ...]) -> list[tuple]:
    ids = tuple(dict.fromkeys(ids))
    if not ids:
        return []
    rows = {r[0]: r for r in s.exec(select(Alert.id, Camera.venue_id, Alert.category, Alert.tier, Alert.review_state)
                                    .join(Camera, Camera.id == Alert.camera_id).where(Alert.id.in_(ids))).all()}
    missing = [str(i) for i in ids if i not in rows]
    if missing:
        raise CaseValidationError({"alert_ids": f"告警 {'、'.join(missing)} 不存在"})
    false = [str(i) for i in ids if rows[i][4] == FALSE_ALARM]
    if false:
        raise CaseValidationError({"alert_ids": f"告警 {'、'.join(false)} 已复核为误报，不能立案"})
    return [rows[i] for i in ids]


def _evidence(s: Session, ids: tuple[int, ...]) -> list[tuple]:
    ids = tuple(dict.fromkeys(ids))
    if not ids:
        return []
    rows = {r[0]: r for r in s.exec(select(EvidenceFile.id, EvidenceFile.venue_id, EvidenceFile.kind)
                                    .where(EvidenceFile.id.in_(ids))).all()}
    missing = [str(i) for i in ids if i not in rows]
    if missing:
        raise CaseValidationError({"evidence_ids": f"证据 {'、'.join(missing)} 不存在"})
    return [rows[i] for i in ids]


def _check_venue(s: Session, venue_id: int | None, alerts: list[tuple], evidence: list[tuple]) -> int:
    venues = {a[1] for a in alerts} | {e[1] for e in evidence if e[1] is not None}
    if venue_id is None:
        if len(venues) != 1:
            message = "告警和证据来自不同单位，请分别立案" if venues else "请选择单位"
            raise CaseValidationError({"venue_id": message})
        venue_id = venues.pop()
    elif venues - {venue_id}:
        raise CaseValidationError({"venue_id": "告警或证据属于其他单位"})
    if s.get(Venue, venue_id) is None:
        raise CaseValidationError({"venue_id": "单位不存在"})
    return venue_id


def _check_deadline(deadline: date | None, filed: datetime) -> None:
    if deadline is not None and deadline < filed.astimezone().date():
        raise CaseValidationError({"deadline": "整改期限不能早于立案日期"})


def _link_evidence(s: Session, case_id: int, items: list[tuple[int, str]]) -> int:
    """Append (evidence_id, role) items not yet in the case; returns how many were added."""
    have = set(s.exec(select(CaseEvidence.evidence_id).where(CaseEvidence.case_id == case_id)).all())
    last = s.exec(select(func.max(CaseEvidence.position)).where(CaseEvidence.case_id == case_id)).one() or 0
    added = 0
    for evidence_id, role in items:
        if evidence_id in have:
            continue
        have.add(evidence_id)
        last += 1
        added += 1
        s.add(CaseEvidence(case_id=case_id, evidence_id=evidence_id, role=role, position=last))
    return added


def _alert_items(s: Session, case_id: int, alert_ids: list[int]) -> list[tuple[int, str]]:
    have = set(s.exec(select(CaseAlert.alert_id).where(CaseAlert.case_id == case_id)).all())
    for aid in alert_ids:
        if aid not in have:
            s.add(CaseAlert(case_id=case_id, alert_id=aid))
    if not alert_ids:
        return []
    rows = s.exec(select(AlertEvidence.alert_id, AlertEvidence.role, AlertEvidence.evidence_id)
                  .where(AlertEvidence.alert_id.in_(alert_ids))).all()
    order = {a: i for i, a in enumerate(alert_ids)}
    rows = sorted(rows, key=lambda r: (order[r[0]], _ALERT_ROLE_ORDER.get(r[1], 9)))
    return [(eid, ALERT_ROLES.get(role, role)) for _, role, eid in rows]


@audits_refusals
def create_case(engine: Engine, data: CaseInput, *, actor: Actor, now: datetime | None = None) -> CaseRecord:
    """立案: a new case in 待处理 with its number taken from the station's pattern."""
    require(actor, Action.CREATE_CASE)
    who, now = actor.name, _now(now)
    with Session(engine) as s:
        number = allocate_number(s, now)
        alerts = _alerts(s, data.alert_ids)
        evidence = _evidence(s, data.evidence_ids)
        venue_id = _check_venue(s, data.venue_id, alerts, evidence)
        _require_on_venue(s, actor, Action.CREATE_CASE, venue_id)
        category = data.category.strip() or (alerts[0][2] if alerts else "")
        if not category:
            raise CaseValidationError({"category": "请选择违规类型"})
        _check_deadline(data.deadline, now)
        case = Case(number=number, uuid=uuid.uuid4().hex, venue_id=venue_id, category=category,
                    tier=data.tier.strip() or (alerts[0][3] if alerts else "") or tier_of(category),
                    legal_basis=data.legal_basis.strip(),
                    facts=data.facts.strip(), handler=data.handler.strip(), deadline=data.deadline, state=PENDING,
                    created_by=who, created_at=now, updated_at=now, origin_station=station_id_of(s))
        s.add(case)
        s.flush()
        items = [(e[0], KIND_ROLES.get(e[2], "")) for e in evidence]
        items += _alert_items(s, case.id, [a[0] for a in alerts])
        _link_evidence(s, case.id, items)
        _event(s, case.id, "create", "", PENDING, who, now, "立案")
        audit.record(s, actor, AuditAction.CASE_CREATE, number,
                     {"case_id": case.id, "venue_id": venue_id, "category": category, "to_state": PENDING,
                      "alert_ids": [a[0] for a in alerts], "evidence_ids": [e[0] for e in evidence]}, at=now)
        s.commit()
        case_id = case.id
    log.info("case %s filed: %s by %s (%d alerts, %d evidence)", case_id, number, who, len(alerts), len(items))
    return get_case(engine, case_id, actor=actor)


@audits_refusals
def update_case(engine: Engine, case_id: int, changes: CaseUpdate, *, actor: Actor,
                now: datetime | None = None) -> CaseRecord:
    """Edit an open case; recorded as an `edit` event naming what changed. Closed and revoked
    cases cannot change."""
    require(actor, Action.WORK_CASE)
    who, now = actor.name, _now(now)
    with Session(engine) as s:
        case = _lock_case(s, case_id)
        _require_on_venue(s, actor, Action.WORK_CASE, case.venue_id)
        if case.state not in EDITABLE_STATES:
            raise CaseError(f"案件已「{case.state}」，不能修改 / a {case.state} case cannot change")
        changed: list[str] = []
        if changes.venue_id is not None and changes.venue_id != case.venue_id:
            if case.state != PENDING:
                raise CaseValidationError({"venue_id": "案件已推送整改，不能更换单位"})
            if s.get(Venue, changes.venue_id) is None:
                raise CaseValidationError({"venue_id": "单位不存在"})
            _require_on_venue(s, actor, Action.WORK_CASE, changes.venue_id)
            elsewhere = s.exec(select(EvidenceFile.id).join(CaseEvidence, CaseEvidence.evidence_id == EvidenceFile.id)
                               .where(CaseEvidence.case_id == case_id, EvidenceFile.venue_id.is_not(None),
                                      EvidenceFile.venue_id != changes.venue_id).limit(1)).first()
            linked = s.exec(select(CaseAlert.alert_id).where(CaseAlert.case_id == case_id).limit(1)).first()
            if elsewhere is not None or linked is not None:
                raise CaseValidationError({"venue_id": "案件的告警或证据属于原单位，不能更换单位"})
            case.venue_id = changes.venue_id
            changed.append("单位")
        for name, label in (("category", "违规类型"), ("tier", "等级"), ("legal_basis", "法律依据"),
                            ("facts", "违法事实"), ("handler", "承办人")):
            value = getattr(changes, name)
            if value is not None and value.strip() != getattr(case, name):
                setattr(case, name, value.strip())
                changed.append(label)
        if not case.category:
            raise CaseValidationError({"category": "请选择违规类型"})
        if not isinstance(changes.deadline, _Keep) and changes.deadline != case.deadline:
            _check_deadline(changes.deadline, case.created_at)
            case.deadline = changes.deadline
            changed.append("整改期限")
        changed += _edit_evidence(s, case, changes)
        if changed:
            why = changes.comment.strip()
            comment = "修改：" + "、".join(changed) + (f"（{why}）" if why else "")
            case.updated_at = now
            s.add(case)
            _event(s, case_id, "edit", case.state, case.state, who, now, comment)
            audit.record(s, actor, AuditAction.CASE_UPDATE, case.number,
                         {"case_id": case_id, "changed": changed, "comment": comment}, at=now)
            s.commit()
            log.info("case %s edited by %s: %s", case_id, who, comment)
    return get_case(engine, case_id, actor=actor)


def _edit_evidence(s: Session, case: Case, changes: CaseUpdate) -> list[str]:
    changed = []
    alerts = _alerts(s, changes.add_alerts)
    evidence = _evidence(s, changes.add_evidence)
    if alerts or evidence:
        _check_venue(s, case.venue_id, alerts, evidence)
    if changes.remove_evidence:
        n = s.exec(delete(CaseEvidence).where(CaseEvidence.case_id == case.id,
                                              CaseEvidence.evidence_id.in_(changes.remove_evidence))).rowcount
        if n:
            changed.append(f"移除证据 {n} 项")
    have_alerts = set(s.exec(select(CaseAlert.alert_id).where(CaseAlert.case_id == case.id)).all())
    new_alerts = [a[0] for a in alerts if a[0] not in have_alerts]
    items = [(e[0], KIND_ROLES.get(e[2], "")) for e in evidence] + _alert_items(s, case.id, new_alerts)
    if new_alerts:
        changed.append(f"关联告警 {len(new_alerts)} 条")
    if added := _link_evidence(s, case.id, items):
        changed.append(f"添加证据 {added} 项")
    s.flush()
    rows = {r.evidence_id: r for r in s.exec(select(CaseEvidence).where(CaseEvidence.case_id == case.id)).all()}
    relabelled = 0
    for evidence_id, role, note in changes.evidence_labels:
        row = rows.get(evidence_id)
        if row is not None and (row.role, row.note) != (role.strip(), note.strip()):
            row.role, row.note = role.strip(), note.strip()
            s.add(row)
            relabelled += 1
    if relabelled:
        changed.append(f"证据说明 {relabelled} 项")
    if changes.evidence_order is not None:
        order = [i for i in dict.fromkeys(changes.evidence_order) if i in rows]
        order += sorted((i for i in rows if i not in order), key=lambda i: rows[i].position)
        if order != sorted(rows, key=lambda i: rows[i].position):
            for position, evidence_id in enumerate(order, 1):
                rows[evidence_id].position = position
                s.add(rows[evidence_id])
            changed.append("证据顺序")
    return changed


@audits_refusals
def transition(engine: Engine, case_id: int, to_state: str, comment: str = "", *, actor: Actor,
               now: datetime | None = None) -> CaseRecord:
    """Move a case along TRANSITIONS (CaseTransitionError names from/to otherwise). 撤销 and
    复核不通过 need a comment; 推送整改 needs a deadline. 已办结 and 撤销 need APPROVE_CASE."""
    action = transition_action(to_state)
    require(actor, action)
    who, now = actor.name, _now(now)
    with Session(engine) as s:
        case = _lock_case(s, case_id)
        _require_on_venue(s, actor, action, case.venue_id)
        from_state = case.state
        check_transition(from_state, to_state, who, comment or "")
        if to_state == PUSHED and case.deadline is None:
            raise CaseTransitionError(from_state, to_state, "推送整改前须填写整改期限")
        case.state, case.updated_at = to_state, now
        case.closed_at = now if to_state in FINAL_STATES else None
        s.add(case)
        _event(s, case_id, "transition", from_state, to_state, who, now, (comment or "").strip())
        audit.record(s, actor, AuditAction.CASE_TRANSITION, case.number,
                     {"case_id": case_id, "from_state": from_state, "to_state": to_state,
                      "comment": (comment or "").strip()}, at=now)
        s.commit()
    log.info("case %s: %s → %s by %s", case_id, from_state, to_state, who)
    return get_case(engine, case_id, actor=actor)


@audits_refusals
def delete_case(engine: Engine, case_id: int, *, actor: Actor, reason: str, confirm: bool = False) -> None:
    """Remove a case with its time line and links (the evidence files stay: they are records of
    their own). Needs DELETE_CASE on the case's street; a case with evidence needs confirm=True
    (the UI asks first). The deletion is written to the audit trail with who and why."""
    require(actor, Action.DELETE_CASE)
    who = actor.name
    if not (reason or "").strip():
        raise CaseValidationError({"reason": "请填写删除理由"})
    with Session(engine) as s:
        case = _lock_case(s, case_id)
        _require_on_venue(s, actor, Action.DELETE_CASE, case.venue_id)
        n = s.exec(select(func.count()).select_from(CaseEvidence).where(CaseEvidence.case_id == case_id)).one()
        if n and not confirm:
            raise CaseConfirmationRequiredError(f"案件 {case.number} 有 {n} 项证据，确认删除吗？/ has evidence")
        number, state, venue_id = case.number, case.state, case.venue_id
        for table in (CaseEvent, CaseEvidence, CaseAlert):
            s.exec(delete(table).where(table.case_id == case_id))
        s.exec(delete(Case).where(Case.id == case_id))
        audit.record(s, actor, AuditAction.CASE_DELETE, number,
                     {"case_id": case_id, "venue_id": venue_id, "from_state": state, "reason": reason.strip(),
                      "evidence_unlinked": n})
        s.commit()
    log.warning("case %s (%s) deleted by %s: %s (%d evidence items unlinked)", case_id, number, who,
                reason.strip(), n)
