"""A camera's analysis settings as the 「AI 分析设置」 dialog edits them: the three rule documents
(detectors/rules/config.py) plus analysis on/off and rate, read and written in one transaction,
checked with the analysis's own parser before anything is written."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from desktop.core import audit
from desktop.core.access import Action, Actor, require
from desktop.core.audit import AuditAction
from desktop.core.guard import audits_refusals
from desktop.core.models import Camera, Venue, utcnow
from desktop.core.registry import NotFoundError
from desktop.core.registry_validation import ValidationError
from detectors.rules.config import CameraRules

log = logging.getLogger(__name__)

MIN_FPS, MAX_FPS = 0.1, 15.0  # as desktop.core.registry_validation

@dataclass(frozen=True, slots=True)
class RulesDocuments:
    """What this dialog reads and writes of a Camera row."""

    analysis_json: str = "{}"
    zones_json: str = "[]"
    schedule_json: str = ""
    analysis_enabled: bool = True
    analysis_fps: float = 2.0


def read_rules_of(cam: Camera) -> RulesDocuments:
    return RulesDocuments(
        cam.analysis_json or "{}",
        cam.zones_json or "[]",
        cam.schedule_json or "",
        bool(cam.analysis_enabled),
        float(cam.analysis_fps),
    )


@audits_refusals
def read_camera_rules(engine: Engine, camera_id: int, *, actor: Actor) -> RulesDocuments:
    """What the dialog edits: MANAGE_REGISTRY on the camera's street (only the people who may
    change the rules open them; a camera of another street is refused, not "not found")."""
    require(actor, Action.MANAGE_REGISTRY)
    with Session(engine) as s:
        cam = s.get(Camera, camera_id)
        if cam is None:
            raise NotFoundError(f"摄像头不存在 (camera {camera_id} not found)")
        street_id = s.exec(select(Venue.street_id).where(Venue.id == cam.venue_id)).first()
        require(actor, Action.MANAGE_REGISTRY, street_id=street_id, scoped=True)
        return read_rules_of(cam)


@audits_refusals
def save_camera_rules(engine: Engine, camera_id: int, docs: RulesDocuments, *, actor: Actor) -> int:
    """Checked with the analysis's own parser first (RulesConfigError, a ValueError), then written
    in one transaction (MANAGE_REGISTRY on the camera's street)."""
    require(actor, Action.MANAGE_REGISTRY)
    CameraRules.from_json(docs.analysis_json, docs.zones_json, docs.schedule_json)
    if not MIN_FPS <= docs.analysis_fps <= MAX_FPS:
        raise ValidationError({"analysis_fps": "分析帧率应在 0.1 到 15 之间"})
    with Session(engine) as s:
        cam = s.get(Camera, camera_id)
        if cam is None:
            raise NotFoundError(f"摄像头不存在 (camera {camera_id} not found)")
        street_id = s.exec(select(Venue.street_id).where(Venue.id == cam.venue_id)).first()
        require(actor, Action.MANAGE_REGISTRY, street_id=street_id, scoped=True)
        before = read_rules_of(cam)
        cam.analysis_json, cam.zones_json, cam.schedule_json = docs.analysis_json, docs.zones_json, docs.schedule_json
        cam.analysis_enabled, cam.analysis_fps, cam.updated_at = docs.analysis_enabled, docs.analysis_fps, utcnow()
        s.add(cam)
        changed = [f for f in RulesDocuments.__dataclass_fields__ if getattr(before, f) != getattr(docs, f)]
        audit.record(s, actor, AuditAction.CAMERA_CHANGE, cam.name,
                     {"camera_id": camera_id, "op": "rules", "changed": changed,
                      "analysis_enabled": docs.analysis_enabled, "analysis_fps": docs.analysis_fps})
        s.commit()
    log.info("analysis settings of camera %s saved", camera_id)
    return camera_id
