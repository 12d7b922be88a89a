"""CameraAnalyzer and the scheduler's pieces without a stream host (fast; no models needed)."""

from __future__ import annotations

import time

import cv2
import numpy as np

from desktop.analysis.config import AnalysisConfig
from desktop.analysis.pipeline import CameraAnalyzer, Detectors
from desktop.analysis.scheduler import _rate, latest_decoded
from detectors.rules.config import CameraRules
from detectors.rules.violation import NIGHT_MOTION

NIGHT = '{"business_hours": "00:00-24:00", "lights_off": "00:00-24:00"}'


def _scene(x: int | None, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    img = np.full((360, 640, 3), 120, np.uint8)
    for k in range(0, 640, 32):  # tiles on the wall: a textured, in-focus view (not 遮挡)
        cv2.line(img, (k, 0), (k, 359), (60, 60, 60), 2)
        cv2.line(img, (0, k), (639, k), (180, 180, 180), 2)
    img = cv2.add(img, rng.integers(0, 4, img.shape, dtype=np.uint8))  # sensor noise
    if x is not None:
        cv2.rectangle(img, (x, 150), (x + 40, 250), (250, 250, 250), -1)
    return img


def _analyzer(schedule: str) -> CameraAnalyzer:
    return CameraAnalyzer(7, CameraRules.from_json("{}", "[]", schedule), "", Detectors())


def test_night_motion_on_a_moving_object_with_two_pictures():
    a = _analyzer(NIGHT)
    t0 = time.time()
    events = []
    for i in range(8):
        events += a.process(_scene(40 + 30 * i, i), t0 + i * 0.5).events
    assert [e.violation.category for e in events] == [NIGHT_MOTION]
    e = events[0]
    assert e.camera_id == 7 and e.violation.boxes
    clean = cv2.imdecode(np.frombuffer(e.clean_png, np.uint8), cv2.IMREAD_COLOR)
    boxed = cv2.imdecode(np.frombuffer(e.boxes_png, np.uint8), cv2.IMREAD_COLOR)
    assert clean.shape == boxed.shape == (360, 640, 3)
    assert not np.array_equal(clean, boxed)


def test_static_scene_raises_nothing():
    a = _analyzer(NIGHT)
    t0 = time.time()
    results = [a.process(_scene(300, i), t0 + i * 0.5) for i in range(12)]
    assert all(not r.events for r in results)
    assert not any(r.inferred for r in results), "no models: nothing is inferred"


def test_config_message_round_trip():
    c = AnalysisConfig(3, '{"cooldown_s": 5}', "[]", NIGHT, "08:00-20:00", 4)
    msg = c.message(11)
    assert msg[:3] == ("analyse", 11, 3)
    assert AnalysisConfig.from_message(msg) == c


def test_rate_counts_the_whole_window_once_running():
    assert _rate([0.0, 0.5, 1.0, 1.5], 1.6) == 2.0
    assert _rate([float(i) / 2 for i in range(10)], 6.0) == 2.0  # 10 analyses in the 5 s window
    assert _rate([], 10.0) == 0.0  # a camera no longer served drops to 0


def test_latest_decoded_is_the_workers_newest_frame(rtsp_server):
    """Frame, arrival time and number come from the worker as one value, and move on."""
    from desktop.streaming.frames import FrameSlot
    from desktop.streaming.worker import StreamKey, StreamWorker

    w = StreamWorker(StreamKey(1), rtsp_server.url(1), FrameSlot(), lambda k, s: None)
    assert latest_decoded(w) is None
    w.start()
    try:
        deadline = time.monotonic() + 10
        while latest_decoded(w) is None and time.monotonic() < deadline:
            time.sleep(0.05)
        frame, wall, seq = latest_decoded(w)
        assert (frame.width, frame.height) == (640, 360) and abs(wall - time.time()) < 2
        time.sleep(0.5)
        assert latest_decoded(w)[2] > seq
    finally:
        w.stop()
        w.join(5)
