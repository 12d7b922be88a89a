"""Qt face of the stream manager: status changes become queued signals on the GUI thread."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Signal

from desktop.streaming.manager import StreamManager
from desktop.streaming.status import StreamStatus
from desktop.streaming.worker import StreamKey, StreamWorker, WorkerOptions

log = logging.getLogger(__name__)


class StreamService(QObject):
    # Emitted from worker threads; Qt queues it to receivers living on the GUI thread.
    statusChanged = Signal(object, object)  # StreamKey, StreamStatus

    def __init__(self, options: WorkerOptions | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.manager = StreamManager(self._relay, options)

    def _relay(self, key: StreamKey, status: StreamStatus) -> None:
        self.statusChanged.emit(key, status)

    def acquire(self, key: StreamKey, url: str, holder: str) -> StreamWorker:
        return self.manager.acquire(key, url, holder)

    def release(self, key: StreamKey, holder: str) -> None:
        self.manager.release(key, holder)

    def worker(self, key: StreamKey) -> StreamWorker | None:
        return self.manager.worker(key)

    def shutdown(self, timeout: float = 3.0) -> None:
        self.manager.stop_all(timeout)
