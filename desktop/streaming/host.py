"""The stream host: a child process that runs the stream workers (DESIGN.md §3, moved out
of the GUI process so decoding and painting never compete for one GIL).

Protocol (plain picklable tuples):
  parent -> host (pipe):  ("start", gen, key, url) ("stop", gen) ("target", gen, w, h)
                          ("snapshot", req, gen) ("clip", req, gen, at, pre_s, post_s, path) ("quit",)
                          ("analyse", gen, camera_id, analysis_json, zones_json, schedule_json, venue_hours, fps)
                              start or update the analysis of the running stream `gen` (desktop/analysis)
                          ("unanalyse", gen)              end it (stopping the stream ends it too)
  host -> parent (queue): ("status", gen, StreamStatus, StreamInfo | None)
                          ("segment", gen, shm_name)      frames of `gen` are now in this segment
                          ("stats", [(gen, fps, frames_decoded, first_frame_at), ...])
                          ("snapshot", req, ndarray | None)
                          ("clip", req, path | None, error text)
                          ("analysis", gen, AnalysisEvent)  a violation with its evidence pictures
                          ("analysis_stats", [AnalysisStats, ...])  every second while analysing
                          ("analysis_notice", text)       e.g. models missing: only the non-AI rules run
The analysis scheduler (one thread, created on the first "analyse") reads the workers' newest
decoded frames; it is imported only then, so a host without analysis never loads OpenVINO.
`gen` numbers each start, so a late event of a stopped worker never reaches its successor.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from pathlib import Path

from desktop.core.redact import redact_text
from desktop.streaming.clip import ClipError
from desktop.streaming.shm_slot import ShmPublishingSlot
from desktop.streaming.status import StreamState, StreamStatus
from desktop.streaming.worker import StreamKey, StreamWorker, WorkerOptions

log = logging.getLogger(__name__)

STATS_INTERVAL_S = 0.5


class _Host:
    def __init__(self, events, options: WorkerOptions) -> None:
        self.events = events
        self.options = options
        self.lock = threading.Lock()
        self.workers: dict[int, StreamWorker] = {}
        self.scheduler = None  # desktop.analysis.scheduler.AnalysisScheduler, on the first "analyse"

    def start(self, gen: int, key: StreamKey, url: str) -> None:
        slot = ShmPublishingSlot(lambda name: self.events.put(("segment", gen, name)))

        def on_status(_key: StreamKey, status: StreamStatus) -> None:
            self.events.put(("status", gen, status, worker.info))
            if status.state is StreamState.STOPPED:
                with self.lock:
                    self.workers.pop(gen, None)
                self.unanalyse(gen)

        worker = StreamWorker(key, url, slot, on_status, self.options)
        with self.lock:
            self.workers[gen] = worker
        worker.start()

    def analyse(self, msg: tuple) -> None:
        from desktop.analysis.config import AnalysisConfig

        worker = self.get(msg[1])
        if worker is None:
            return
        if self.scheduler is None:
            from desktop.analysis.scheduler import AnalysisScheduler, configured_device, configured_lanes

            self.scheduler = AnalysisScheduler(lambda gen, event: self.events.put(("analysis", gen, event)),
                                               lambda stats: self.events.put(("analysis_stats", stats)),
                                               lambda text: self.events.put(("analysis_notice", text)),
                                               device=configured_device(), lanes=configured_lanes())
        self.scheduler.set(msg[1], worker, AnalysisConfig.from_message(msg))

    def unanalyse(self, gen: int) -> None:
        if self.scheduler is not None:
            self.scheduler.remove(gen)

    def get(self, gen: int) -> StreamWorker | None:
        with self.lock:
            return self.workers.get(gen)

    def stats_loop(self, stop: threading.Event) -> None:
        while not stop.wait(STATS_INTERVAL_S):
            with self.lock:
                rows = [(gen, w.measured_fps, w.frames_decoded, w.first_frame_at) for gen, w in self.workers.items()]
            if rows:
                self.events.put(("stats", rows))

    def stop_all(self, timeout: float) -> None:
        with self.lock:
            workers = list(self.workers.values())
        for w in workers:
            w.stop()
        deadline = time.monotonic() + timeout
        for w in workers:
            w.join(max(0.0, deadline - time.monotonic()))
        if self.scheduler is not None:  # ordered shutdown (DESIGN §4): streams, then analysis
            self.scheduler.stop(max(0.5, deadline - time.monotonic()))


def _clip(host: _Host, events, req: int, gen: int, at: float, pre_s: float, post_s: float, path: str) -> None:
    worker = host.get(gen)
    try:
        if worker is None:
            raise ClipError("码流未在播放 / stream not running")
        events.put(("clip", req, str(worker.cut_clip(at, pre_s, post_s, Path(path))), ""))
    except Exception as exc:  # noqa: BLE001 - the requester gets the reason
        events.put(("clip", req, None, redact_text(str(exc))))


def host_main(commands, events, options: WorkerOptions) -> None:
    """Entry point of the child process. Ends on ("quit",) or when the parent goes away."""
    logging.basicConfig(level=logging.WARNING)
    # Ctrl-C in a terminal reaches the whole process group: the console decides when the
    # host ends (it sends "quit", or its pipe closes), not the keyboard.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    host = _Host(events, options)
    stop = threading.Event()
    threading.Thread(target=host.stats_loop, args=(stop,), name="host-stats", daemon=True).start()
    try:
        while True:
            try:
                msg = commands.recv()
            except (EOFError, OSError):
                break  # the console is gone: so are we
            kind = msg[0]
            if kind == "start":
                host.start(msg[1], msg[2], msg[3])
            elif kind == "analyse":
                try:
                    host.analyse(msg)
                except Exception as exc:  # noqa: BLE001 - the console gets the reason, the streams go on
                    log.exception("analyse failed")
                    events.put(("analysis_notice", f"分析无法启动 / analysis failed to start: {exc}"))
            elif kind == "unanalyse":
                host.unanalyse(msg[1])
            elif kind == "stop":
                host.unanalyse(msg[1])
                worker = host.get(msg[1])
                if worker is not None:
                    worker.stop()
            elif kind == "target":
                worker = host.get(msg[1])
                if worker is not None:
                    worker.slot.target_size = (msg[2], msg[3])
            elif kind == "snapshot":
                worker = host.get(msg[2])
                image = None
                try:
                    image = worker.snapshot() if worker is not None else None
                except Exception:  # noqa: BLE001 - the requester gets None and says so
                    log.exception("snapshot failed")
                events.put(("snapshot", msg[1], image))
            elif kind == "clip":
                # Waits for the post-roll: on a thread of its own, the command loop goes on.
                threading.Thread(target=_clip, args=(host, events, *msg[1:]), name="host-clip", daemon=True).start()
            elif kind == "quit":
                break
    finally:
        stop.set()
        host.stop_all(3.0)
