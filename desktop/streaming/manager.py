"""Owns the stream workers: one per (camera, variant), shared by every reader that wants it."""

from __future__ import annotations

import logging
import threading
import time
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
    """Stream workers as threads of this process."""

    def __init__(self, on_status: StatusCallback, options: WorkerOptions | None = None) -> None:
        super().__init__()
        self._on_status = on_status
        self._options = options or WorkerOptions()

    def _start(self, key: StreamKey, url: str) -> StreamWorker:
        worker = StreamWorker(key, url, FrameSlot(), self._on_status, self._options)
        worker.start()
        return worker

    def _stop(self, worker: StreamWorker) -> None:
        worker.stop()

    def stop_all(self, timeout: float = 3.0) -> None:
        """Signal every worker first, then join them against one shared deadline."""
        workers = self._take_all()
        for w in workers:
            w.stop()
        deadline = time.monotonic() + timeout
        for w in workers:
            w.join(max(0.0, deadline - time.monotonic()))
        alive = [str(w.key) for w in workers if w.is_alive()]
        if alive:
            log.warning("stream workers still blocked in I/O at shutdown: %s", ", ".join(alive))
