"""Qt face of the stream manager: status changes become queued signals on the GUI thread."""

from __future__ import annotations

import logging
import os

from PySide6.QtCore import QObject, Signal

from desktop.streaming.manager import StreamManager
from desktop.streaming.remote import HostedStreamManager
from desktop.streaming.status import StreamStatus
from desktop.streaming.worker import StreamKey, StreamWorker, WorkerOptions

log = logging.getLogger(__name__)


class StreamService(QObject):
    # Emitted from worker threads; Qt queues it to receivers living on the GUI thread.
    statusChanged = Signal(object, object)  # StreamKey, StreamStatus
    # From the analysis in the stream host (desktop/analysis), relayed the same way.
    analysisEvent = Signal(object)  # AnalysisEvent
    analysisStats = Signal(object)  # list[AnalysisStats]
    analysisNotice = Signal(str)

    def __init__(self, options: WorkerOptions | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # Decoding runs in a stream-host process by default, so it never competes with the
        # GUI thread for the GIL (36 realistic streams in-process stalled painting 200 ms+).
        # MINGCHU_STREAM_HOST=thread keeps the workers in this process (for A/B benchmarks).
        manager = StreamManager if os.environ.get("MINGCHU_STREAM_HOST", "process") == "thread" \
            else HostedStreamManager
        self.manager = manager(self._relay, options, on_analysis=self.analysisEvent.emit,
                               on_analysis_stats=self.analysisStats.emit, on_notice=self.analysisNotice.emit)

    def _relay(self, key: StreamKey, status: StreamStatus) -> None:
        self.statusChanged.emit(key, status)

    def acquire(self, key: StreamKey, url: str, holder: str) -> StreamWorker:
        return self.manager.acquire(key, url, holder)

    def release(self, key: StreamKey, holder: str) -> None:
        self.manager.release(key, holder)

    def set_analysis(self, key: StreamKey, config) -> None:
        self.manager.set_analysis(key, config)

    def clear_analysis(self, key: StreamKey) -> None:
        self.manager.clear_analysis(key)

    @property
    def host_pid(self) -> int | None:
        """The stream-host process, or None when the workers run in this process."""
        return getattr(self.manager, "host_pid", None)

    def worker(self, key: StreamKey) -> StreamWorker | None:
        return self.manager.worker(key)

    def shutdown(self, timeout: float = 3.0) -> None:
        self.manager.stop_all(timeout)
