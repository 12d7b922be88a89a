"""Owns the stream workers: one per (camera, variant), shared by every reader that wants it."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from desktop.streaming.frames import FrameSlot
from desktop.streaming.worker import StatusCallback, StreamKey, StreamWorker, WorkerOptions

log = logging.getLogger(__name__)

W = TypeVar("W")


@dataclass
class _Entry(Generic[W]):
    worker: W
    holders: set[str] = field(default_factory=set)


class RefCountedStreams(Generic[W]):
    """Reference-counted streams. `acquire(key, url, holder)` starts a worker on first use;
    `release` stops it when its last holder (a wall tile, a snapshot, the analysis scheduler)
    lets go. Subclasses say how a worker starts and stops: in this process or in the host."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[StreamKey, _Entry[W]] = {}

    def _start(self, key: StreamKey, url: str) -> W:
        raise NotImplementedError

    def _stop(self, worker: W) -> None:
        raise NotImplementedError

    def acquire(self, key: StreamKey, url: str, holder: str) -> W:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                entry = self._entries[key] = _Entry(self._start(key, url))
            entry.holders.add(holder)
            return entry.worker

    def release(self, key: StreamKey, holder: str) -> None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return
            entry.holders.discard(holder)
            if not entry.holders:
                del self._entries[key]
                self._stop(entry.worker)

    def worker(self, key: StreamKey) -> W | None:
        with self._lock:
            entry = self._entries.get(key)
            return entry.worker if entry else None

    def workers(self) -> list[W]:
        with self._lock:
            return [e.worker for e in self._entries.values()]

    def _take_all(self) -> list[W]:
        with self._lock:
            workers = [e.worker for e in self._entries.values()]
            self._entries.clear()
        return workers


class StreamManager(RefCountedStreams[StreamWorker]):
    """Stream workers as threads of this process. The analysis API is HostedStreamManager's
    (set_analysis / clear_analysis and the three callbacks), with the scheduler in this process."""

    def __init__(self, on_status: StatusCallback, options: WorkerOptions | None = None,
                 on_analysis: Callable | None = None, on_analysis_stats: Callable | None = None,
                 on_notice: Callable | None = None) -> None:
        super().__init__()
        self._on_status = on_status
        self._options = options or WorkerOptions()
        self._on_analysis = on_analysis or (lambda _event: None)
        self._on_analysis_stats = on_analysis_stats or (lambda _stats: None)
        self._on_notice = on_notice or (lambda _text: None)
        self._analysis: dict[StreamKey, object] = {}  # desktop.analysis.config.AnalysisConfig
        self._scheduler = None  # desktop.analysis.scheduler.AnalysisScheduler, on first use

    def _start(self, key: StreamKey, url: str) -> StreamWorker:
        worker = StreamWorker(key, url, FrameSlot(), self._on_status, self._options)
        worker.start()
        if key in self._analysis:
            self._analyse(key, worker)
        return worker

    def _stop(self, worker: StreamWorker) -> None:
        if self._scheduler is not None:
            self._scheduler.remove(worker.key)
        worker.stop()

    # -- analysis (same API as HostedStreamManager) ----------------------------------------------
    def _analyse(self, key: StreamKey, worker: StreamWorker) -> None:
        if self._scheduler is None:
            from desktop.analysis.scheduler import AnalysisScheduler, configured_device, configured_lanes

            self._scheduler = AnalysisScheduler(lambda _key, event: self._on_analysis(event),
                                                self._on_analysis_stats, self._on_notice,
                                                device=configured_device(), lanes=configured_lanes())
        self._scheduler.set(key, worker, self._analysis[key])

    def set_analysis(self, key: StreamKey, config) -> None:
        with self._lock:
            self._analysis[key] = config
            entry = self._entries.get(key)
            if entry is not None:
                self._analyse(key, entry.worker)

    def clear_analysis(self, key: StreamKey) -> None:
        with self._lock:
            self._analysis.pop(key, None)
            if self._scheduler is not None:
                self._scheduler.remove(key)

    def analysis(self) -> dict:
        with self._lock:
            return dict(self._analysis)

    def stop_all(self, timeout: float = 3.0) -> None:
        """Signal every worker first, then join them against one shared deadline; then the analysis."""
        workers = self._take_all()
        for w in workers:
            w.stop()
        deadline = time.monotonic() + timeout
        for w in workers:
            w.join(max(0.0, deadline - time.monotonic()))
        alive = [str(w.key) for w in workers if w.is_alive()]
        if alive:
            log.warning("stream workers still blocked in I/O at shutdown: %s", ", ".join(alive))
        if self._scheduler is not None:
            self._scheduler.stop(max(0.5, deadline - time.monotonic()))
