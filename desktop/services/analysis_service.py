"""Which cameras the stream host analyses, and with what rules: every enabled camera whose
analysis is on, whether or not it is on the wall (an alert must not depend on the page shown).
Its streams are held under their own holder, so the wall's paging never stops them."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from desktop.analysis.config import AnalysisConfig
from desktop.core.wall_cameras import WallCamera
from desktop.services.stream_service import StreamService
from desktop.streaming.worker import StreamKey

log = logging.getLogger(__name__)

HOLDER = "analysis"


def analysis_config(cam: WallCamera) -> AnalysisConfig:
    return AnalysisConfig(cam.camera_id, cam.analysis_json, cam.zones_json, cam.schedule_json,
                          cam.business_hours, cam.analysis_fps)


class AnalysisService(QObject):
    notice = Signal(str)  # e.g. models missing, CPU fallback: for the status bar

    def __init__(self, streams: StreamService, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.streams = streams
        self._active: dict[int, tuple[str, AnalysisConfig]] = {}  # camera id → (open URL, config)
        streams.analysisNotice.connect(self._on_notice)

    def set_cameras(self, cameras: list[WallCamera]) -> None:
        """Start, update or stop analysis so it matches the cameras as loaded from the database."""
        wanted = {c.camera_id: (c.open_url("sub"), analysis_config(c)) for c in cameras if c.analysis_enabled}
        for cid in list(self._active):
            if cid not in wanted or wanted[cid][0] != self._active[cid][0]:
                self._stop(cid)
        for cid, (url, config) in wanted.items():
            current = self._active.get(cid)
            key = StreamKey(cid, "sub")
            if current is None:
                self.streams.acquire(key, url, HOLDER)
            if current is None or current[1] != config:
                self.streams.set_analysis(key, config)
            self._active[cid] = (url, config)
        log.info("analysing %d cameras", len(self._active))

    @property
    def camera_ids(self) -> set[int]:
        return set(self._active)

    def _stop(self, cid: int) -> None:
        key = StreamKey(cid, "sub")
        self.streams.clear_analysis(key)
        self.streams.release(key, HOLDER)
        self._active.pop(cid, None)

    def stop(self) -> None:
        for cid in list(self._active):
            self._stop(cid)

    def _on_notice(self, text: str) -> None:
        log.warning("analysis: %s", text)
        self.notice.emit(text)
