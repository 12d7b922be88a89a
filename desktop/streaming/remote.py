"""The console's side of the stream host: a StreamManager look-alike whose workers run in a
child process and whose frames arrive through shared memory (see host.py, shm_slot.py)."""

from __future__ import annotations

import itertools
import logging
import multiprocessing as mp
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from desktop.analysis.config import AnalysisConfig
from desktop.analysis.events import AnalysisEvent, AnalysisStats
from desktop.core.redact import redact_url
from desktop.streaming.backoff import Backoff
from desktop.streaming.clip import ClipError
from desktop.streaming.host import host_main
from desktop.streaming.manager import RefCountedStreams
from desktop.streaming.shm_slot import ShmReader
from desktop.streaming.status import Reason, StreamInfo, StreamState, StreamStatus
from desktop.streaming.worker import StatusCallback, StreamKey, WorkerOptions

log = logging.getLogger(__name__)

SNAPSHOT_TIMEOUT_S = 5.0
CLIP_MARGIN_S = 15.0  # late packets (cut_from_ring waits up to 10 s for them) + writing the MP4
HOST_STABLE_S = 60.0  # a host that ran this long resets the restart back-off


class RemoteSlot:
    """Reader side of a FrameSlot: `latest()` is a zero-copy view of the shared picture."""

    def __init__(self, send) -> None:
        self._send = send
        self._reader: ShmReader | None = None
        self._target = (0, 0)

    @property
    def target_size(self) -> tuple[int, int]:
        return self._target

    @target_size.setter
    def target_size(self, size: tuple[int, int]) -> None:
        size = (max(0, int(size[0])), max(0, int(size[1])))
        if size != self._target:
            self._target = size
            self._send(size)

    def attach(self, name: str) -> None:
        self._reader = ShmReader(name)

    def latest(self):
        reader = self._reader
        return reader.latest() if reader is not None else None


@dataclass
class RemoteWorker:
    """What readers of a stream see; the fields are refreshed by the host's events."""

    key: StreamKey
    url: str
    gen: int
    manager: HostedStreamManager
    slot: RemoteSlot = None  # type: ignore[assignment]
    status: StreamStatus = field(default_factory=lambda: StreamStatus(StreamState.CONNECTING, since=time.time()))
    info: StreamInfo | None = None
    measured_fps: float = 0.0
    frames_decoded: int = 0
    first_frame_at: float | None = None
    stopping: bool = False
    native_id: int | None = None  # the thread lives in another process

    def __post_init__(self) -> None:
        self.slot = RemoteSlot(lambda size: self.manager._send(("target", self.gen, *size)))

    @property
    def safe_url(self) -> str:
        return redact_url(self.url)

    def snapshot(self):
        """Full-resolution BGR picture from the host, or None; blocks up to 5 s (call off the GUI thread)."""
        if not self.status.online:
            return None
        return self.manager._snapshot(self.gen)

    def cut_clip(self, at: float, pre_s: float, post_s: float, path: Path) -> Path:
        """Cut by the host from its packet ring; blocks up to post_s + a margin (off the GUI thread)."""
        return self.manager._clip(self.gen, at, pre_s, post_s, path)

    def is_alive(self) -> bool:
        return not self.stopping


class HostedStreamManager(RefCountedStreams[RemoteWorker]):
    """Same interface as StreamManager (acquire / release / worker / workers / stop_all), plus the
    analysis of running streams in the host: `set_analysis(key, AnalysisConfig)` /
    `clear_analysis(key)`. The callbacks run on the event-reader thread: `on_analysis(event)` with
    an AnalysisEvent, `on_analysis_stats([AnalysisStats, ...])` about every second,
    `on_notice(text)` for the analysis' notices (models missing, CPU fallback, invalid rules)."""

    def __init__(self, on_status: StatusCallback, options: WorkerOptions | None = None,
                 on_analysis: Callable[[AnalysisEvent], None] | None = None,
                 on_analysis_stats: Callable[[list[AnalysisStats]], None] | None = None,
                 on_notice: Callable[[str], None] | None = None) -> None:
        super().__init__()
        self._on_status = on_status
        self._options = options or WorkerOptions()
        self._on_analysis = on_analysis
        self._on_analysis_stats = on_analysis_stats
        self._on_notice = on_notice
        self._analysis: dict[StreamKey, AnalysisConfig] = {}  # survives host restarts and re-acquires
        self._send_lock = threading.Lock()
        self._by_gen: dict[int, RemoteWorker] = {}
        self._gens = itertools.count(1)
        self._reqs = itertools.count(1)
        self._snapshots: dict[int, tuple[threading.Event, list]] = {}
        self._closing = False
        self._ctx = mp.get_context("spawn")  # never fork a process that runs Qt threads
        self._restarts = Backoff(base=1.0, cap=30.0)
        self._start_host()
        self._reader = threading.Thread(target=self._read_events, name="stream-host-events", daemon=True)
        self._reader.start()

    # -- host process -----------------------------------------------------------------------
    def _start_host(self) -> None:
        self._commands_recv, self._commands = self._ctx.Pipe(duplex=False)
        self._events = self._ctx.Queue()
        self._proc = self._ctx.Process(target=host_main, args=(self._commands_recv, self._events, self._options),
                                       name="stream-host", daemon=True)
        self._proc.start()
        self._host_started_at = time.monotonic()
        log.info("stream host started (pid %s)", self._proc.pid)

    @property
    def host_pid(self) -> int | None:
        return self._proc.pid

    def _send(self, msg: tuple) -> None:
        with self._send_lock:
            try:
                self._commands.send(msg)
            except (OSError, ValueError):
                log.warning("stream host unreachable; it is being restarted")

    def _restart_host(self) -> None:
        """The host died (a crash in a decoder, an out-of-memory kill): start a new one and
        give it every stream again. Readers see 重连中 until their stream is back. Restarts back
        off (1 s → 30 s) so a host that cannot start does not spin."""
        if time.monotonic() - self._host_started_at > HOST_STABLE_S:
            self._restarts.reset()
        delay = self._restarts.next_delay()
        log.error("stream host exited with code %s; restarting in %.1fs", self._proc.exitcode, delay)
        with self._lock:
            entries = list(self._entries.values())
        for entry in entries:
            entry.worker.status = StreamStatus(StreamState.RECONNECTING, Reason.UNKNOWN, "stream host restarting",
                                               time.monotonic() + delay, since=time.time())
            self._on_status(entry.worker.key, entry.worker.status)
        time.sleep(delay)  # on the event-reader thread, which has nothing else to do meanwhile
        if self._closing:
            return
        # Under the lock: an acquire() between the new host's start and this loop would
        # otherwise start its stream twice, leaving an orphan decode thread in the host.
        with self._lock:
            self._start_host()
            for entry in self._entries.values():
                w = entry.worker
                self._by_gen.pop(w.gen, None)
                w.gen = next(self._gens)
                self._by_gen[w.gen] = w
                self._send(("start", w.gen, w.key, w.url))
                if w.slot.target_size != (0, 0):
                    self._send(("target", w.gen, *w.slot.target_size))
                config = self._analysis.get(w.key)
                if config is not None:
                    self._send(config.message(w.gen))

    def _read_events(self) -> None:
        while not self._closing:
            try:
                msg = self._events.get(timeout=0.5)
            except queue.Empty:
                if not self._closing and not self._proc.is_alive():
                    self._restart_host()
                continue
            except (EOFError, OSError):
                if self._closing:
                    return
                self._restart_host()
                continue
            try:
                self._dispatch(msg)
            except Exception:  # noqa: BLE001 - one bad event must not end the reader
                log.exception("stream host event %r failed", msg[0])

    def _dispatch(self, msg: tuple) -> None:
        kind = msg[0]
        if kind == "stats":
            for gen, fps, decoded, first in msg[1]:
                w = self._by_gen.get(gen)
                if w is not None:
                    w.measured_fps, w.frames_decoded, w.first_frame_at = fps, decoded, first
            return
        if kind == "analysis":
            if msg[1] in self._by_gen and self._on_analysis is not None:
                self._on_analysis(msg[2])
            return
        if kind == "analysis_stats":
            if self._on_analysis_stats is not None:
                self._on_analysis_stats(msg[1])
            return
        if kind == "analysis_notice":
            if self._on_notice is not None:
                self._on_notice(msg[1])
            return
        if kind in ("snapshot", "clip"):
            waiter = self._snapshots.get(msg[1])
            if waiter is not None:
                waiter[1].append(msg[2:] if kind == "clip" else msg[2])
                waiter[0].set()
            return
        w = self._by_gen.get(msg[1])
        if w is None:
            return  # a stopped worker's last words
        if kind == "segment":
            w.slot.attach(msg[2])
        elif kind == "status":
            w.status, w.info = msg[2], msg[3] or w.info
            if msg[2].state is StreamState.STOPPED:
                with self._lock:
                    self._by_gen.pop(msg[1], None)
            self._on_status(w.key, w.status)

    def _snapshot(self, gen: int):
        req = next(self._reqs)
        done = threading.Event()
        self._snapshots[req] = (done, [])
        try:
            self._send(("snapshot", req, gen))
            if not done.wait(SNAPSHOT_TIMEOUT_S):
                return None
            return self._snapshots[req][1][0]
        finally:
            self._snapshots.pop(req, None)

    def _clip(self, gen: int, at: float, pre_s: float, post_s: float, path: Path) -> Path:
        req = next(self._reqs)
        done = threading.Event()
        self._snapshots[req] = (done, [])
        try:
            self._send(("clip", req, gen, at, pre_s, post_s, str(path)))
            deadline = time.monotonic() + max(0.0, at + post_s - time.time()) + CLIP_MARGIN_S
            while not done.wait(0.2):  # in slices: a console that closes does not wait it out
                if self._closing:
                    raise ClipError("控制台正在关闭 / the console is closing")
                if time.monotonic() > deadline:
                    raise ClipError("截取录像超时 / the stream host did not deliver the clip in time")
            result, error = self._snapshots[req][1][0]
            if result is None:
                raise ClipError(error)
            return Path(result)
        finally:
            self._snapshots.pop(req, None)

    # -- analysis -------------------------------------------------------------------------------
    def set_analysis(self, key: StreamKey, config: AnalysisConfig) -> None:
        """Analyse stream `key` in the host with these rules, now if it runs, else from its start
        on; kept across host restarts until `clear_analysis`. Sending the same config again is cheap."""
        with self._lock:
            self._analysis[key] = config
            entry = self._entries.get(key)
            if entry is not None:
                self._send(config.message(entry.worker.gen))

    def clear_analysis(self, key: StreamKey) -> None:
        with self._lock:
            config = self._analysis.pop(key, None)
            entry = self._entries.get(key)
            if config is not None and entry is not None:
                self._send(("unanalyse", entry.worker.gen))

    def analysis(self) -> dict[StreamKey, AnalysisConfig]:
        with self._lock:
            return dict(self._analysis)

    # -- RefCountedStreams ----------------------------------------------------------------------
    def _start(self, key: StreamKey, url: str) -> RemoteWorker:
        # Called under self._lock (acquire).
        worker = RemoteWorker(key, url, next(self._gens), self)
        self._by_gen[worker.gen] = worker
        self._send(("start", worker.gen, key, url))
        config = self._analysis.get(key)
        if config is not None:
            self._send(config.message(worker.gen))
        return worker

    def _stop(self, worker: RemoteWorker) -> None:
        worker.stopping = True
        self._send(("stop", worker.gen))

    def stop_all(self, timeout: float = 3.0) -> None:
        self._closing = True
        self._take_all()
        self._send(("quit",))
        self._proc.join(timeout + 1.0)
        if self._proc.is_alive():
            log.warning("stream host did not stop in time; terminating it")
            self._proc.terminate()
            self._proc.join(2.0)
        self._reader.join(2.0)
        self._commands.close()
        self._events.close()
