"""The scheduler's lanes: several analysis threads share the cameras, a camera is never in two
lanes at once, every camera keeps its rate, and forked detectors have requests of their own
(real OpenVINO models)."""

from __future__ import annotations

import threading
import time

import av
import numpy as np

from desktop.analysis import scheduler as scheduler_module
from desktop.analysis.config import AnalysisConfig
from desktop.analysis.pipeline import CameraAnalyzer, Detectors, load_detectors
from desktop.analysis.scheduler import AnalysisScheduler, configured_lanes
from tests.actors import ADMIN


class FrameSource:
    """Stands in for a StreamWorker's latest_decoded(): a new real av.VideoFrame every call."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.seq = 0

    def latest_decoded(self):
        self.seq += 1
        img = self.rng.integers(0, 255, (180, 320, 3), dtype=np.uint8)
        return av.VideoFrame.from_ndarray(img, format="bgr24"), time.time(), self.seq


def test_lanes_share_cameras_without_overlap(monkeypatch):
    inside: dict[int, threading.Lock] = {}
    threads: set[str] = set()
    overlaps = []

    class Watched(CameraAnalyzer):
        def process(self, frame, frame_time):
            lock = inside.setdefault(self.camera_id, threading.Lock())
            if not lock.acquire(blocking=False):
                overlaps.append(self.camera_id)
                return super().process(frame, frame_time)
            try:
                threads.add(threading.current_thread().name)
                time.sleep(0.01)  # long enough for another lane to try the same camera
                return super().process(frame, frame_time)
            finally:
                lock.release()

    monkeypatch.setattr(scheduler_module, "CameraAnalyzer", Watched)
    stats = []
    s = AnalysisScheduler(lambda *_: None, stats.append, lambda _t: None, detectors=Detectors, lanes=3)
    try:
        for i in range(6):
            s.set(i, FrameSource(i), AnalysisConfig(i, fps=5.0))
        time.sleep(4.0)
        assert s.lanes == 3
        rows = s.stats()
    finally:
        s.stop()
    assert overlaps == []
    assert threads == {"analysis", "analysis-1", "analysis-2"}
    assert all(r.analysed_fps >= 4.0 for r in rows), rows


def test_forked_detectors_have_their_own_requests(installed_models):
    d = load_detectors(installed_models, "CPU", "THROUGHPUT")
    twin = d.fork()
    assert d.parallel_requests() >= 1
    for a, b in zip(d.detectors + d.classifiers, twin.detectors + twin.classifiers, strict=True):
        assert a.compiled is b.compiled and a._request is not b._request
    # Both run at once and agree.
    frame = np.random.default_rng(1).integers(0, 255, (360, 640, 3), dtype=np.uint8)
    out: dict[str, tuple] = {}
    runs = [threading.Thread(target=lambda k, det: out.__setitem__(k, det.detect(frame)), args=(k, det))
            for k, det in (("a", d.detectors[0]), ("b", twin.detectors[0]))]
    for t in runs:
        t.start()
    for t in runs:
        t.join()
    assert out["a"] == out["b"]


def test_configured_lanes(monkeypatch):
    monkeypatch.setenv("MINGCHU_ANALYSIS_LANES", "2")
    assert configured_lanes() == 2
    monkeypatch.setenv("MINGCHU_ANALYSIS_LANES", "auto")
    assert configured_lanes() is None
    monkeypatch.setenv("MINGCHU_ANALYSIS_LANES", "many")
    assert configured_lanes() is None
    monkeypatch.setenv("MINGCHU_ANALYSIS_LANES", "99")
    assert configured_lanes() == scheduler_module.MAX_LANES


def test_configured_device_env_then_settings(monkeypatch, data_dir):
    from desktop.analysis.scheduler import configured_device
    from desktop.core.app_settings import set_analysis_device

    monkeypatch.delenv("MINGCHU_ANALYSIS_DEVICE", raising=False)
    assert configured_device() == "AUTO"
    set_analysis_device("CPU", actor=ADMIN)
    assert configured_device() == "CPU"
    monkeypatch.setenv("MINGCHU_ANALYSIS_DEVICE", "gpu")
    assert configured_device() == "GPU"
