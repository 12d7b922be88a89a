"""The analysis scheduler: one thread in the stream host that analyses every camera at its own
rate, on the frames its stream worker already decoded (no second decode).

- Round-robin by next-due time: the camera whose turn is oldest goes first, so when the CPU
  cannot keep up every camera slows down alike instead of some starving.
- Latest frame wins, nothing queues: a camera that is due takes its worker's newest decoded
  frame; a late camera is analysed once, with its newest frame, and its next turn is counted
  from now (no catch-up burst). A camera whose worker has no new frame since its last turn is
  looked at again shortly, without being counted.
- The frame is converted to BGR at the decoded (sub-stream) resolution only at the analysis
  rate, from the decoder's own reference-counted frame (see `latest_decoded`).
- The detectors are created in this thread (DESIGN §4) when it starts; without models the
  non-AI rules still run and one notice says why.
- Lanes: with the models compiled for THROUGHPUT, as many lane threads as the plugin runs
  requests at once (2 on this 2-core machine) each take the oldest due camera that no other lane
  holds, with their own infer requests on the shared compiled models. Each request then runs
  single-threaded on its own plugin stream, so the cores never wait on each other in one
  inference (the LATENCY hint's 2-thread inferences stalled whenever a decoder held one core),
  and one lane's Python work (motion, quality, rules) overlaps the other's inference. A camera is
  in one lane at a time, so its analyzer is never used by two threads at once.
"""

from __future__ import annotations

import logging
import os
import statistics
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from desktop.analysis.config import AnalysisConfig
from desktop.analysis.events import AnalysisEvent, AnalysisStats
from desktop.analysis.pipeline import CameraAnalyzer, Detectors, load_detectors
from desktop.streaming.convert import to_bgra
from detectors.rules.config import CameraRules

log = logging.getLogger(__name__)

STATS_INTERVAL_S = 1.0
FPS_WINDOW_S = 5.0
SAMPLES = 100  # inference / latency samples kept per camera
RECHECK_S = 0.02  # a due camera without a new frame is looked at again after this
MIN_FPS, MAX_FPS = 0.1, 30.0
MAX_LANES = 4


def configured_lanes() -> int | None:
    """MINGCHU_ANALYSIS_LANES (1–MAX_LANES), else None: as many as the plugin runs at once."""
    text = os.environ.get("MINGCHU_ANALYSIS_LANES", "").strip().lower()
    if not text or text == "auto":
        return None
    try:
        return min(MAX_LANES, max(1, int(text)))
    except ValueError:
        log.warning("MINGCHU_ANALYSIS_LANES=%r is not a number: using the plugin's choice", text)
        return None


def configured_device() -> str:
    """MINGCHU_ANALYSIS_DEVICE, else the device chosen on the settings page (AUTO when none;
    AUTO and a failing device fall back to the CPU with a notice)."""
    override = os.environ.get("MINGCHU_ANALYSIS_DEVICE", "").strip().upper()
    if override:
        return override
    from desktop.core.app_settings import analysis_device

    try:
        return analysis_device()
    except Exception:  # noqa: BLE001 - an unreadable settings file must not stop the analysis
        log.exception("reading the analysis device from the settings failed; using AUTO")
        return "AUTO"


def latest_decoded(worker) -> tuple[object, float, int] | None:
    """(av.VideoFrame, time.time() it was decoded, seq) of a StreamWorker's newest frame, or None."""
    return worker.latest_decoded()


def to_bgr(frame) -> np.ndarray:
    """BGR at the frame's own size, via the wall's I420 path (cheaper than PyAV's own conversion)."""
    return cv2.cvtColor(to_bgra(frame, (frame.width, frame.height)), cv2.COLOR_BGRA2BGR)


@dataclass
class _Camera:
    worker: object
    config: AnalysisConfig
    period: float
    due: float
    analyzer: CameraAnalyzer | None = None
    last_seq: object = None
    analysed: deque = field(default_factory=deque)  # monotonic times of analysed frames
    inference_ms: deque = field(default_factory=lambda: deque(maxlen=SAMPLES))
    latency_ms: deque = field(default_factory=lambda: deque(maxlen=SAMPLES))
    skipped_static: int = 0
    since: float | None = None  # monotonic time of its first analysis
    broken: bool = False  # its rules could not be read (reported once)
    busy: bool = False  # a lane is analysing it


def _rate(times: list[float], running: float) -> float:
    """Analyses a second: over the whole window once the camera has run that long (a camera that
    stopped being served drops to 0), else between its first and last analysis."""
    if running >= FPS_WINDOW_S:
        return len(times) / FPS_WINDOW_S
    span = times[-1] - times[0] if len(times) > 1 else 0.0
    return (len(times) - 1) / span if span >= 1.0 else 0.0


def _p(values, q: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return float(values[0])
    return float(statistics.quantiles(values, n=100, method="inclusive")[q - 1])


class AnalysisScheduler:
    """`set(key, worker, config)` starts or updates a camera's analysis, `remove(key)` ends it.
    Results go out through the callbacks, called from the scheduler thread."""

    def __init__(self, on_event: Callable[[object, AnalysisEvent], None],
                 on_stats: Callable[[list[AnalysisStats]], None],
                 on_notice: Callable[[str], None],
                 models: Path | None = None, device: str = "AUTO",
                 detectors: Callable[[], Detectors] | None = None, lanes: int | None = None) -> None:
        """`lanes`: analysis threads (None: as many as the plugin runs requests at once, at most
        MAX_LANES; 1 compiles for LATENCY and runs one camera at a time)."""
        self._on_event = on_event
        self._on_stats = on_stats
        self._on_notice = on_notice
        self._lanes_wanted = lanes
        hint = "LATENCY" if lanes == 1 else "THROUGHPUT"
        self._load = detectors or (lambda: load_detectors(models, device, hint))
        self._lanes: list[threading.Thread] = []
        self._cameras: dict[object, _Camera] = {}
        self._cond = threading.Condition()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="analysis", daemon=True)
        self._started = False

    # -- control (any thread) -----------------------------------------------------------------
    def set(self, key, worker, config: AnalysisConfig) -> None:
        fps = min(MAX_FPS, max(MIN_FPS, float(config.fps or 2.0)))
        with self._cond:
            cam = self._cameras.get(key)
            if cam is not None and cam.worker is worker:
                if cam.config != config:  # new rules: a fresh analyzer (built in the thread)
                    cam.config, cam.period, cam.analyzer, cam.broken = config, 1.0 / fps, None, False
            else:
                self._cameras[key] = _Camera(worker, config, 1.0 / fps, time.monotonic())
            if not self._started:
                self._started = True
                self._thread.start()
            self._cond.notify()

    def remove(self, key) -> None:
        with self._cond:
            self._cameras.pop(key, None)

    def keys(self) -> list:
        with self._cond:
            return list(self._cameras)

    def stop(self, timeout: float = 3.0) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        if self._started:
            deadline = time.monotonic() + timeout
            self._thread.join(timeout)
            for lane in list(self._lanes):
                lane.join(max(0.0, deadline - time.monotonic()))

    @property
    def lanes(self) -> int:
        return 1 + len(self._lanes)

    # -- the thread ---------------------------------------------------------------------------
    def _run(self) -> None:
        try:
            detectors = self._load()
        except Exception as exc:  # noqa: BLE001 - the non-AI rules still run
            log.exception("loading the detectors failed")
            detectors = Detectors(notices=[f"AI 模型加载失败 / loading the models failed: {exc}"])
        for text in detectors.notices:
            log.warning("%s", text)
            self._emit(self._on_notice, text)
        lanes = self._lanes_wanted or min(MAX_LANES, detectors.parallel_requests())
        for i in range(1, lanes):
            lane = threading.Thread(target=self._lane, args=(detectors.fork(), False), name=f"analysis-{i}",
                                    daemon=True)
            self._lanes.append(lane)
            lane.start()
        log.info("analysis: %d lane(s)", lanes)
        self._lane(detectors, True)

    def _lane(self, detectors: Detectors, reports: bool) -> None:
        """One lane: take the oldest due camera nobody holds, analyse it, repeat. The first lane
        also sends the statistics."""
        next_stats = time.monotonic() + STATS_INTERVAL_S
        while True:
            with self._cond:
                if self._stopping:
                    return
                now = time.monotonic()
                free = [k for k, c in self._cameras.items() if not c.busy]
                cam_key = min(free, key=lambda k: self._cameras[k].due, default=None)
                wait = STATS_INTERVAL_S if cam_key is None else self._cameras[cam_key].due - now
                if reports:
                    wait = min(wait, next_stats - now)
                cam = None
                if wait > 0:
                    self._cond.wait(wait)
                elif cam_key is not None:
                    cam = self._cameras[cam_key]
                    cam.busy = True
            if cam is not None:
                try:
                    self._turn(cam_key, cam, detectors)
                finally:
                    with self._cond:
                        cam.busy = False
                        self._cond.notify()
            if reports and time.monotonic() >= next_stats:
                next_stats = time.monotonic() + STATS_INTERVAL_S
                self._emit(self._on_stats, self.stats())

    def _turn(self, key, cam: _Camera, detectors: Detectors) -> None:
        now = time.monotonic()
        latest = latest_decoded(cam.worker) if not cam.broken else None
        if latest is None or latest[2] == cam.last_seq:
            cam.due = now + (cam.period if cam.broken else RECHECK_S)
            return
        frame, frame_time, seq = latest
        cam.last_seq = seq
        # Next turn one period after this one was due; a late camera starts from now (no burst).
        cam.due = max(cam.due + cam.period, now)
        analyzer = cam.analyzer
        if analyzer is None:
            c = cam.config
            try:
                rules = CameraRules.from_json(c.analysis_json, c.zones_json, c.schedule_json)
                analyzer = CameraAnalyzer(c.camera_id, rules, c.venue_hours, detectors)
            except Exception as exc:  # noqa: BLE001 - a bad rule document must not stop the others
                cam.broken = True
                self._emit(self._on_notice, f"摄像机 {c.camera_id} 的分析规则无效 / invalid rules: {exc}")
                return
            with self._cond:
                if cam.config is c:  # set() may have brought new rules meanwhile: those win next turn
                    cam.analyzer = analyzer
        else:
            # An analyzer is bound to the lane that built it only through its detectors' requests:
            # use this lane's, so two lanes never share an infer request.
            analyzer.detectors = detectors
        try:
            result = analyzer.process(to_bgr(frame), frame_time)
        except Exception:  # noqa: BLE001 - one bad frame must not end the analysis
            log.exception("analysis of camera %s failed", cam.config.camera_id)
            return
        done = time.monotonic()
        if cam.since is None:
            cam.since = done
        cam.analysed.append(done)
        while done - cam.analysed[0] > FPS_WINDOW_S:
            cam.analysed.popleft()
        if result.inferred:
            cam.inference_ms.append(result.inference_ms)
        else:
            cam.skipped_static += 1
        cam.latency_ms.append(max(0.0, (time.time() - frame_time) * 1000))
        for event in result.events:
            self._emit(self._on_event, key, event)

    def stats(self) -> list[AnalysisStats]:
        with self._cond:
            cams = list(self._cameras.values())
        now = time.monotonic()
        out = []
        for c in cams:
            running = now - c.since if c.since is not None else 0.0
            fps = _rate([t for t in c.analysed if now - t <= FPS_WINDOW_S], running)
            out.append(AnalysisStats(c.config.camera_id, round(fps, 2), c.skipped_static,
                                     round(_p(list(c.inference_ms), 50), 1), round(_p(list(c.latency_ms), 95), 1)))
        return out

    @staticmethod
    def _emit(callback, *args) -> None:
        try:
            callback(*args)
        except Exception:  # noqa: BLE001 - a broken listener must not end the analysis
            log.exception("analysis listener failed")
