"""告警 (Qt-free): store an alert with its evidence, attach its clip, list, count and review.

An alert's pictures are written content-addressed into the EvidenceStore's directory first
(a file left behind by a failed transaction is harmless: the same bytes have the same name),
then the EvidenceFile rows, the Alert and its AlertEvidence links go in one transaction.
Lists select plain columns and return frozen records: a district holds a million alerts."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from desktop.core import audit
from desktop.core.access import SYSTEM as SYSTEM_ACTOR
from desktop.core.access import Action, Actor, require
from desktop.core.audit import AuditAction
from desktop.core.evidence import write_blob
from desktop.core.evidence_store import EvidenceStore
from desktop.core.guard import audits_refusals, street_filter
from desktop.core.models import Alert, AlertEvidence, Camera, EvidenceFile, Street, Venue

log = logging.getLogger(__name__)

PENDING = "待复核"
CONFIRMED = "已确认"
FALSE_ALARM = "误报"
REVIEW_STATES = (PENDING, CONFIRMED, FALSE_ALARM)
ROLE_CLEAN, ROLE_BOXES, ROLE_CLIP = "clean", "boxes", "clip"
_KIND = {ROLE_CLEAN: "frame", ROLE_BOXES: "annotated", ROLE_CLIP: "clip"}
SYSTEM = "系统"


class AlertError(ValueError):
    """A request the alert rules refuse (unknown alert, a transition not allowed); the message
    is for the inspector."""


@dataclass(frozen=True, slots=True)
class EvidenceRef:
    role: str  # clean / boxes / clip
    evidence_id: int
    sha256: str
    rel_path: str  # under the evidence root
    size: int
    media_type: str
    removed: bool = False  # deleted by the retention policy (desktop.core.disk_guard): 已按保留策略清理


@dataclass(frozen=True, slots=True)
class AlertRecord:
    id: int
    camera_id: int
    camera_name: str
    venue_id: int
    venue_name: str
    street: str
    category: str
    tier: str
    started_at: datetime
    at: datetime
    score: float
    rule_id: str
    reason: str
    boxes: tuple[tuple, ...]  # (x1, y1, x2, y2, score, label) in source pixels
    review_state: str = PENDING
    reviewer: str = ""
    review_comment: str = ""
    reviewed_at: datetime | None = None
    evidence: tuple[EvidenceRef, ...] = ()
    clip_error: str = ""  # why the clip is missing; only known to the console that cut it
    acknowledged_by: str = ""  # 签收: the first who took notice (a review counts), "" while 未签收
    acknowledged_at: datetime | None = None

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None

    def evidence_of(self, role: str) -> EvidenceRef | None:
        return next((e for e in self.evidence if e.role == role), None)

    def with_clip_error(self, reason: str) -> AlertRecord:
        return replace(self, clip_error=reason)


@dataclass(frozen=True, slots=True)
class AlertInput:
    """What an alert is made of, independent of where it came from (an AnalysisEvent, a test)."""

    camera_id: int
    category: str
    tier: str
    started_at: datetime
    at: datetime
    score: float
    rule_id: str
    reason: str
    boxes: tuple[tuple, ...] = ()
    clean_png: bytes = field(default=b"", repr=False)
    boxes_png: bytes = field(default=b"", repr=False)


@dataclass(frozen=True, slots=True)
class AlertFilter:
    category: str | None = None
    venue_id: int | None = None
    street: str | None = None
    camera_id: int | None = None
    review_state: str | None = None
    since: datetime | None = None  # inclusive, aware
    until: datetime | None = None  # exclusive, aware
    alert_ids: tuple[int, ...] | None = None
    acknowledged: bool | None = None  # False: 未签收 only, True: 已签收 only
    venue_type: str | None = None  # 单位类型 (the 统计 page's bars)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _evidence_row(s: Session, sha: str, rel: str, size: int, role: str, media_type: str, camera_id: int,
                  captured_at: datetime) -> EvidenceFile:
    row = s.exec(select(EvidenceFile).where(EvidenceFile.sha256 == sha)).first()
    if row is None:
        venue_id = s.exec(select(Camera.venue_id).where(Camera.id == camera_id)).first()
        row = EvidenceFile(sha256=sha, kind=_KIND[role], media_type=media_type, size=size, rel_path=rel,
                           camera_id=camera_id, venue_id=venue_id, captured_at=captured_at, created_by=SYSTEM,
                           source="alert")
        s.add(row)
        s.flush()
    return row


def record_alert(engine: Engine, store: EvidenceStore, alert: AlertInput, clip_path: Path | None = None) -> AlertRecord:
    """Store the pictures (and the clip when it is already there) and the alert, in one transaction."""
    at, started = _aware(alert.at), _aware(alert.started_at)
    blobs = []
    for role, data in ((ROLE_CLEAN, alert.clean_png), (ROLE_BOXES, alert.boxes_png)):
        if data:
            blobs.append((role, "image/png", *write_blob(store, data, "image/png")))
    with Session(engine) as s:
        if s.get(Camera, alert.camera_id) is None:
            raise AlertError(f"摄像头 {alert.camera_id} 不存在 / unknown camera")
        row = Alert(camera_id=alert.camera_id, category=alert.category, tier=alert.tier, started_at=started, at=at,
                    score=float(alert.score), rule_id=alert.rule_id, reason=alert.reason,
                    boxes_json=json.dumps([list(b) for b in alert.boxes], ensure_ascii=False))
        s.add(row)
        s.flush()
        for role, media_type, sha, rel, size in blobs:
            ev = _evidence_row(s, sha, rel, size, role, media_type, alert.camera_id, at)
            s.add(AlertEvidence(alert_id=row.id, evidence_id=ev.id, role=role))
        s.commit()
        alert_id = row.id
    log.info("alert %s stored: camera %s %s", alert_id, alert.camera_id, alert.category)
    if clip_path is not None:
        return attach_clip(engine, store, alert_id, clip_path)
    return get_alert(engine, alert_id, actor=SYSTEM_ACTOR)


def attach_clip(engine: Engine, store: EvidenceStore, alert_id: int, path: Path) -> AlertRecord:
    """Copy the clip in (streamed, hashed) and link it to the alert; a second clip replaces
    nothing: the first link stays."""
    with Session(engine) as s:
        alert = s.get(Alert, alert_id)
        if alert is None:
            raise AlertError(f"告警 {alert_id} 不存在 / unknown alert")
        camera_id, at = alert.camera_id, alert.at
    stored = store.put_file(path, kind=_KIND[ROLE_CLIP], media_type="video/mp4", camera_id=camera_id,
                            captured_at=at, created_by=SYSTEM)
    with Session(engine) as s:
        exists = s.exec(select(AlertEvidence).where(AlertEvidence.alert_id == alert_id,
                                                    AlertEvidence.role == ROLE_CLIP)).first()
        if exists is None:
            s.add(AlertEvidence(alert_id=alert_id, evidence_id=stored.id, role=ROLE_CLIP))
            s.commit()
    log.info("alert %s: clip %s attached (%d bytes)", alert_id, stored.sha256[:12], stored.size)
    return get_alert(engine, alert_id, actor=SYSTEM_ACTOR)


def _apply(stmt, f: AlertFilter, actor: Actor):
    # The street scope is a WHERE on the venue every alert query joins (_joined).
    stmt = stmt.where(street_filter(actor, Venue.street_id))
    if f.category:
        stmt = stmt.where(Alert.category == f.category)
    if f.venue_id is not None:
        stmt = stmt.where(Camera.venue_id == f.venue_id)
    if f.street:
        stmt = stmt.where(Street.name == f.street)
    if f.venue_type:
        stmt = stmt.where(Venue.venue_type == f.venue_type)
    if f.camera_id is not None:
        stmt = stmt.where(Alert.camera_id == f.camera_id)
    if f.review_state:
        stmt = stmt.where(Alert.review_state == f.review_state)
    if f.since is not None:
        stmt = stmt.where(Alert.at >= _aware(f.since))
    if f.until is not None:
        stmt = stmt.where(Alert.at < _aware(f.until))
    if f.alert_ids is not None:
        stmt = stmt.where(Alert.id.in_(f.alert_ids))
    if f.acknowledged is not None:
        stmt = stmt.where(Alert.acknowledged_at.is_not(None) if f.acknowledged else Alert.acknowledged_at.is_(None))
    return stmt


def _joined(stmt):
    return (stmt.join(Camera, Camera.id == Alert.camera_id).join(Venue, Venue.id == Camera.venue_id)
            .outerjoin(Street, Street.id == Venue.street_id))


_COLUMNS = (Alert.id, Alert.camera_id, Camera.name, Venue.id, Venue.name, Street.name, Alert.category, Alert.tier,
            Alert.started_at, Alert.at, Alert.score, Alert.rule_id, Alert.reason, Alert.boxes_json,
            Alert.review_state, Alert.reviewer, Alert.review_comment, Alert.reviewed_at, Alert.acknowledged_by,
            Alert.acknowledged_at)


@audits_refusals
def list_alerts(engine: Engine, filters: AlertFilter | None = None, limit: int = 200,
                offset: int = 0, *, actor: Actor) -> list[AlertRecord]:
    """Newest first, with venue and camera names and the evidence of each alert; only alerts of
    the actor's streets."""
    require(actor, Action.VIEW_ALERTS)
    f = filters or AlertFilter()
    stmt = _apply(_joined(select(*_COLUMNS)), f, actor).order_by(Alert.at.desc(), Alert.id.desc())
    stmt = stmt.limit(limit).offset(offset)
    with Session(engine) as s:
        rows = s.exec(stmt).all()
        ids = [r[0] for r in rows]
        evidence: dict[int, list[EvidenceRef]] = {i: [] for i in ids}
        if ids:
            ev_rows = s.exec(select(AlertEvidence.alert_id, AlertEvidence.role, EvidenceFile.id, EvidenceFile.sha256,
                                    EvidenceFile.rel_path, EvidenceFile.size, EvidenceFile.media_type,
                                    EvidenceFile.removed_at)
                             .join(EvidenceFile, EvidenceFile.id == AlertEvidence.evidence_id)
                             .where(AlertEvidence.alert_id.in_(ids))).all()
            for aid, role, eid, sha, rel, size, media, removed in ev_rows:
                evidence[aid].append(EvidenceRef(role, eid, sha, rel, size, media, removed is not None))
    order = {ROLE_CLEAN: 0, ROLE_BOXES: 1, ROLE_CLIP: 2}
    out = []
    for r in rows:
        boxes = tuple(tuple(b) for b in json.loads(r[13] or "[]"))
        out.append(AlertRecord(
            id=r[0], camera_id=r[1], camera_name=r[2], venue_id=r[3], venue_name=r[4], street=r[5] or "",
            category=r[6], tier=r[7], started_at=r[8], at=r[9], score=r[10], rule_id=r[11], reason=r[12],
            boxes=boxes, review_state=r[14], reviewer=r[15], review_comment=r[16], reviewed_at=r[17],
            acknowledged_by=r[18], acknowledged_at=r[19],
            evidence=tuple(sorted(evidence[r[0]], key=lambda e: order.get(e.role, 9)))))
    return out


def _alert_street(s: Session, alert_id: int) -> tuple[bool, int | None]:
    """(exists, the street id of the alert's venue)."""
    row = s.exec(select(Alert.id, Venue.street_id).join(Camera, Camera.id == Alert.camera_id)
                 .join(Venue, Venue.id == Camera.venue_id).where(Alert.id == alert_id)).first()
    return (row is not None, row[1] if row is not None else None)


@audits_refusals
def get_alert(engine: Engine, alert_id: int, *, actor: Actor) -> AlertRecord:
    """One alert; PermissionDenied for an alert of a venue outside the actor's streets."""
    found = list_alerts(engine, AlertFilter(alert_ids=(alert_id,)), limit=1, actor=actor)
    if not found:
        with Session(engine) as s:
            exists, street_id = _alert_street(s, alert_id)
        if exists:
            require(actor, Action.VIEW_ALERTS, street_id=street_id, scoped=True)
        raise AlertError(f"告警 {alert_id} 不存在 / unknown alert")
    return found[0]


@audits_refusals
def count_by_state(engine: Engine, filters: AlertFilter | None = None, *, actor: Actor) -> dict[str, int]:
    """{待复核: n, 已确认: n, 误报: n} for the filters (every state present, zero when none)."""
    require(actor, Action.VIEW_ALERTS)
    f = replace(filters or AlertFilter(), review_state=None)
    stmt = _apply(_joined(select(Alert.review_state, func.count(Alert.id))), f, actor).group_by(Alert.review_state)
    counts = dict.fromkeys(REVIEW_STATES, 0)
    with Session(engine) as s:
        for state, n in s.exec(stmt).all():
            counts[state] = n
    return counts


@audits_refusals
def review_alert(engine: Engine, alert_id: int, state: str, comment: str = "", *, actor: Actor,
                 now: datetime | None = None) -> AlertRecord:
    """待复核 → 已确认 / 误报 by the actor (REVIEW_ALERT on the alert's street). A reviewed alert
    may be reviewed again (to either state) only with a comment saying why."""
    require(actor, Action.REVIEW_ALERT)
    if state not in (CONFIRMED, FALSE_ALARM):
        raise AlertError(f"复核结果只能是「{CONFIRMED}」或「{FALSE_ALARM}」/ invalid review state {state!r}")
    reviewer = actor.name
    comment = comment.strip()
    with Session(engine) as s:
        row = s.exec(select(Alert).where(Alert.id == alert_id).with_for_update()).first()
        if row is None:
            raise AlertError(f"告警 {alert_id} 不存在 / unknown alert")
        require(actor, Action.REVIEW_ALERT, street_id=_alert_street(s, alert_id)[1], scoped=True)
        if row.review_state != PENDING and not comment:
            raise AlertError(f"该告警已复核为「{row.review_state}」，重新复核须填写说明 / re-review needs a comment")
        from_state = row.review_state
        row.review_state, row.reviewer, row.review_comment = state, reviewer, comment
        row.reviewed_at = _aware(now) if now is not None else datetime.now(UTC)
        if row.acknowledged_at is None:  # whoever reviewed it has evidently seen it
            row.acknowledged_by, row.acknowledged_at = reviewer, row.reviewed_at
        s.add(row)
        audit.record(s, actor, AuditAction.ALERT_REVIEW, f"告警 {alert_id}",
                     {"alert_id": alert_id, "from_state": from_state, "to_state": state, "comment": comment},
                     at=row.reviewed_at)
        s.commit()
    log.info("alert %s reviewed %s by %s", alert_id, state, reviewer)
    return get_alert(engine, alert_id, actor=actor)


@audits_refusals
def acknowledge_alert(engine: Engine, alert_id: int, *, actor: Actor, now: datetime | None = None) -> AlertRecord:
    """签收: the actor took notice of the alert (ACK_ALERT on the alert's street). Idempotent: an
    alert already acknowledged (by anyone, or by a review) keeps its first acknowledgement and
    nothing is written, so two consoles signing off the same alert do not fight over it."""
    require(actor, Action.ACK_ALERT)
    with Session(engine) as s:
        exists, street_id = _alert_street(s, alert_id)
    if not exists:
        raise AlertError(f"告警 {alert_id} 不存在 / unknown alert")
    require(actor, Action.ACK_ALERT, street_id=street_id, scoped=True)
    at = _aware(now) if now is not None else datetime.now(UTC)
    with Session(engine) as s:
        # A conditional UPDATE as the transaction's first statement: of two consoles acknowledging
        # at once exactly one changes the row (the other sees none), on SQLite as on PostgreSQL.
        changed = s.exec(update(Alert).where(Alert.id == alert_id, Alert.acknowledged_at.is_(None))
                            .values(acknowledged_by=actor.name, acknowledged_at=at)).rowcount
        if changed:
            audit.record(s, actor, AuditAction.ALERT_ACK, f"告警 {alert_id}", {"alert_id": alert_id}, at=at)
            s.commit()
            log.info("alert %s acknowledged by %s", alert_id, actor.name)
    return get_alert(engine, alert_id, actor=actor)


def alert_input_from_violation(camera_id: int, violation, clean_png: bytes, boxes_png: bytes) -> AlertInput:
    """From a detectors Violation (duck-typed: no dependency on the analysis side)."""
    boxes = tuple((round(b.x1, 1), round(b.y1, 1), round(b.x2, 1), round(b.y2, 1),
                   round(float(getattr(b, "score", 0.0)), 3), str(getattr(b, "label", "")))
                  for b in violation.boxes)
    return AlertInput(camera_id=camera_id, category=violation.category, tier=violation.tier,
                      started_at=violation.started_at, at=violation.at, score=violation.score,
                      rule_id=violation.rule_id, reason=violation.reason, boxes=boxes,
                      clean_png=clean_png, boxes_png=boxes_png)

