"""What the console tells the stream host about one camera's analysis (a plain picklable value)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class AnalysisConfig:
    """The Camera row's three rule documents (see detectors/rules/config.py), the venue's
    business hours (used when the camera's schedule has none) and the analysis rate."""

    camera_id: int
    analysis_json: str = "{}"
    zones_json: str = "[]"
    schedule_json: str = ""
    venue_hours: str = ""
    fps: float = 2.0

    def message(self, gen: int) -> tuple:
        """The host command ("analyse", gen, camera_id, analysis_json, zones_json, schedule_json, venue_hours, fps)."""
        return ("analyse", gen, self.camera_id, self.analysis_json, self.zones_json, self.schedule_json,
                self.venue_hours, float(self.fps))

    @classmethod
    def from_message(cls, msg: tuple) -> AnalysisConfig:
        _kind, _gen, camera_id, analysis_json, zones_json, schedule_json, venue_hours, fps = msg
        return cls(camera_id, analysis_json, zones_json, schedule_json, venue_hours, float(fps))
