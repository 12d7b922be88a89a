"""A camera's analysis settings as the 「AI 分析设置」 dialog edits them: the three rule documents
(detectors/rules/config.py) plus analysis on/off and rate, read and written in one transaction,
checked with the analysis's own parser before anything is written."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy.engine import Engine
from sqlmodel import Session

from desktop.core.models import Camera, utcnow
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


def read_camera_rules(engine: Engine, camera_id: int) -> RulesDocuments:
    with Session(engine) as s:
        cam = s.get(Camera, camera_id)
        if cam is None:
            raise NotFoundError(f"摄像头不存在 (camera {camera_id} not found)")
        return RulesDocuments(
            cam.analysis_json or "{}",
            cam.zones_json or "[]",
            cam.schedule_json or "",
            bool(cam.analysis_enabled),
            float(cam.analysis_fps),
        )


def save_camera_rules(engine: Engine, camera_id: int, docs: RulesDocuments) -> int:
    """Checked with the analysis's own parser first (RulesConfigError, a ValueError), then written
    in one transaction."""
    CameraRules.from_json(docs.analysis_json, docs.zones_json, docs.schedule_json)
    if not MIN_FPS <= docs.analysis_fps <= MAX_FPS:
        raise ValidationError({"analysis_fps": "分析帧率应在 0.1 到 15 之间"})
    with Session(engine) as s:
        cam = s.get(Camera, camera_id)
        if cam is None:
            raise NotFoundError(f"摄像头不存在 (camera {camera_id} not found)")
        cam.analysis_json, cam.zones_json, cam.schedule_json = docs.analysis_json, docs.zones_json, docs.schedule_json
        cam.analysis_enabled, cam.analysis_fps, cam.updated_at = docs.analysis_enabled, docs.analysis_fps, utcnow()
        s.add(cam)
        s.commit()
    log.info("analysis settings of camera %s saved", camera_id)
    return camera_id
