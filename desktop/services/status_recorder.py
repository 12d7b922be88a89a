"""Writes a camera's online/offline changes to the database (camera, time, reason)."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import QObject

from desktop.core.wall_cameras import record_status
from desktop.services.stream_service import StreamService
from desktop.services.task_runner import TaskRunner
from desktop.streaming.status import StreamState, StreamStatus
from desktop.streaming.worker import StreamKey

_NOT_DECIDED = {StreamState.CONNECTING, StreamState.STOPPED}


class StatusRecorder(QObject):
    """Only changes are written, and only for the sub-stream (the one that always runs):
    a maximised tile's main stream coming and going is not the camera going offline."""

    def __init__(self, streams: StreamService, db: TaskRunner, engine, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._db = db
        self._engine = engine
        self._online: dict[int, bool] = {}
        streams.statusChanged.connect(self._on_status)

    def _on_status(self, key: StreamKey, status: StreamStatus) -> None:
        if key.variant != "sub" or status.state in _NOT_DECIDED:
            return
        online = status.state is StreamState.ONLINE
        if self._online.get(key.camera_id) == online:
            return
        self._online[key.camera_id] = online
        reason = "" if online else status.reason.text
        self._db.submit(record_status, self._engine, key.camera_id, online, reason, datetime.now(UTC))
