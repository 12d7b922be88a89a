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
"""

from __future__ import annotations

import logging
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
                 detectors: Callable[[], Detectors] | None = None) -> None:
        self._on_event = on_event
        self._on_stats = on_stats
        self._on_notice = on_notice
        self._load = detectors or (lambda: load_detectors(models, device))
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
            self._cond.notify()
        if self._started:
            self._thread.join(timeout)

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
        next_stats = time.monotonic() + STATS_INTERVAL_S
        while True:
            with self._cond:
                if self._stopping:
                    return
                now = time.monotonic()
                cam_key = min(self._cameras, key=lambda k: self._cameras[k].due, default=None)
                wait = STATS_INTERVAL_S if cam_key is None else self._cameras[cam_key].due - now
                wait = min(wait, next_stats - now)
                if wait > 0:
                    self._cond.wait(wait)
                    cam = None
                else:
                    cam = self._cameras.get(cam_key) if cam_key is not None else None
            if cam is not None:
                self._turn(cam_key, cam, detectors)
            if time.monotonic() >= next_stats:
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
        if cam.analyzer is None:
            c = cam.config
            try:
                rules = CameraRules.from_json(c.analysis_json, c.zones_json, c.schedule_json)
                cam.analyzer = CameraAnalyzer(c.camera_id, rules, c.venue_hours, detectors)
            except Exception as exc:  # noqa: BLE001 - a bad rule document must not stop the others
                cam.broken = True
                self._emit(self._on_notice, f"摄像机 {c.camera_id} 的分析规则无效 / invalid rules: {exc}")
                return
        try:
            result = cam.analyzer.process(to_bgr(frame), frame_time)
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
