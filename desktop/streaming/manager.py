"""Owns the stream workers: one per (camera, variant), shared by every reader that wants it."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

from desktop.streaming.frames import FrameSlot
from desktop.streaming.worker import StatusCallback, StreamKey, StreamWorker, WorkerOptions

log = logging.getLogger(__name__)


@dataclass
class _Entry:
    worker: StreamWorker
    holders: set[str] = field(default_factory=set)


class StreamManager:
    """Reference-counted streams. `acquire(key, url, holder)` starts a worker on first use;
    `release` stops it when its last holder (a wall tile, the analysis scheduler) lets go."""

    def __init__(self, on_status: StatusCallback, options: WorkerOptions | None = None) -> None:
        self._on_status = on_status
        self._options = options or WorkerOptions()
        self._lock = threading.Lock()
        self._entries: dict[StreamKey, _Entry] = {}

    def acquire(self, key: StreamKey, url: str, holder: str) -> StreamWorker:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.worker.stopping:
                worker = StreamWorker(key, url, FrameSlot(), self._on_status, self._options)
                entry = _Entry(worker)
                self._entries[key] = entry
                worker.start()
            entry.holders.add(holder)
            return entry.worker

    def release(self, key: StreamKey, holder: str) -> None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return
            entry.holders.discard(holder)
            if not entry.holders:
                entry.worker.stop()
                del self._entries[key]

    def worker(self, key: StreamKey) -> StreamWorker | None:
        with self._lock:
            entry = self._entries.get(key)
            return entry.worker if entry else None

    def workers(self) -> list[StreamWorker]:
        with self._lock:
            return [e.worker for e in self._entries.values()]

    def stop_all(self, timeout: float = 3.0) -> None:
        """Signal every worker first, then join them against one shared deadline."""
        with self._lock:
            workers = [e.worker for e in self._entries.values()]
            self._entries.clear()
        for w in workers:
            w.stop()
        deadline = time.monotonic() + timeout
        for w in workers:
            w.join(max(0.0, deadline - time.monotonic()))
        alive = [str(w.key) for w in workers if w.is_alive()]
        if alive:
            log.warning("stream workers still blocked in I/O at shutdown: %s", ", ".join(alive))
