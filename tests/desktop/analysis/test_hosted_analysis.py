"""Analysis in the stream host, end to end: the real demo RTSP server, real decoding in the host,
real OpenVINO models, events and stats through HostedStreamManager's callbacks."""

from __future__ import annotations

import threading
import time

import cv2
import numpy as np
import pytest

from desktop.analysis.config import AnalysisConfig
from desktop.analysis.events import AnalysisEvent, AnalysisStats
from desktop.streaming.remote import HostedStreamManager
from desktop.streaming.worker import StreamKey
from detectors.rules.violation import NIGHT_MOTION
from tests.conftest import Recorder, wait_until

ALL_DAY = "00:00-24:00"
NIGHT = f'{{"business_hours": "{ALL_DAY}", "lights_off": "{ALL_DAY}"}}'
DAY = f'{{"business_hours": "{ALL_DAY}"}}'


class Collector:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.events: list[AnalysisEvent] = []
        self.stats: dict[int, AnalysisStats] = {}
        self.notices: list[str] = []

    def event(self, e: AnalysisEvent) -> None:
        with self.lock:
            self.events.append(e)

    def stat(self, rows: list[AnalysisStats]) -> None:
        with self.lock:
            self.stats.update({r.camera_id: r for r in rows})

    def notice(self, text: str) -> None:
        with self.lock:
            self.notices.append(text)

    def of(self, category: str) -> list[AnalysisEvent]:
        with self.lock:
            return [e for e in self.events if e.violation.category == category]


@pytest.fixture
def hosted(monkeypatch, installed_models):
    """start(model_dir=None) → (manager, collector); the host finds the models via MINGCHU_MODEL_DIR."""
    managers: list[HostedStreamManager] = []

    def start(model_dir=None):
        monkeypatch.setenv("MINGCHU_MODEL_DIR", str(model_dir or installed_models))
        c = Collector()
        m = HostedStreamManager(Recorder(), on_analysis=c.event, on_analysis_stats=c.stat, on_notice=c.notice)
        managers.append(m)
        return m, c

    yield start
    for m in managers:
        m.stop_all()


def _analyse(manager, server, cameras, schedule: str, fps: float = 2.0) -> None:
    for i in cameras:
        key = StreamKey(i, "sub")
        manager.acquire(key, server.url(i), "test")
        manager.set_analysis(key, AnalysisConfig(i, schedule_json=schedule, fps=fps))


def _png(data: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    return image


def test_night_motion_event_with_evidence_then_cooldown(rtsp_server, hosted):
    manager, c = hosted()
    _analyse(manager, rtsp_server, [1], NIGHT)
    assert wait_until(lambda: c.of(NIGHT_MOTION), 20.0), (c.events, c.notices)
    first = c.of(NIGHT_MOTION)[0]
    assert first.camera_id == 1 and first.violation.tier == "非AI"
    assert first.violation.boxes, "night motion carries the moving areas"
    clean, boxes = _png(first.clean_png), _png(first.boxes_png)
    assert clean.shape == boxes.shape == (360, 640, 3)
    assert not np.array_equal(clean, boxes), "the boxes are drawn on the second picture"
    assert abs(first.frame_time - time.time()) < 10
    time.sleep(3.0)  # default cooldown is 300 s: the scene keeps moving, no second alert
    assert len(c.of(NIGHT_MOTION)) == 1


def test_no_false_alert_and_rate_on_four_cameras(rtsp_server, hosted):
    manager, c = hosted()
    _analyse(manager, rtsp_server, [1, 2, 3, 4], DAY)
    assert wait_until(lambda: len(c.stats) == 4 and all(s.analysed_fps > 0 for s in c.stats.values()), 20.0)
    time.sleep(6.0)
    with c.lock:
        stats, events = dict(c.stats), list(c.events)
    assert events == [], [(e.camera_id, e.violation.category, e.violation.reason) for e in events]
    assert min(s.analysed_fps for s in stats.values()) >= 1.5, stats
    assert all(s.inference_ms_p50 > 0 for s in stats.values()), "the models ran on the moving scenes"


def test_overload_is_fair_and_never_queues(rtsp_server, hosted):
    manager, c = hosted()
    _analyse(manager, rtsp_server, [1, 2, 3, 4], DAY, fps=15.0)
    assert wait_until(lambda: len(c.stats) == 4 and all(s.analysed_fps > 0 for s in c.stats.values()), 20.0)
    time.sleep(6.0)
    with c.lock:
        stats = dict(c.stats)
    rates = [s.analysed_fps for s in stats.values()]
    assert min(rates) >= 0.5 * max(rates), stats
    # A queue would show as a growing age of the analysed frames; latest-wins keeps it bounded.
    assert max(s.latency_ms_p95 for s in stats.values()) < 1500, stats


def test_missing_models_give_a_notice_and_non_ai_rules_still_run(rtsp_server, hosted, tmp_path):
    manager, c = hosted(model_dir=tmp_path / "no-models")
    _analyse(manager, rtsp_server, [2], NIGHT)
    assert wait_until(lambda: c.notices, 20.0)
    assert any("models" in n for n in c.notices), c.notices
    assert wait_until(lambda: c.of(NIGHT_MOTION), 15.0), (c.events, c.notices)
    assert c.of(NIGHT_MOTION)[0].camera_id == 2


def test_analysis_survives_a_host_restart(rtsp_server, hosted):
    import os
    import signal

    manager, c = hosted()
    _analyse(manager, rtsp_server, [3], NIGHT)
    assert wait_until(lambda: c.of(NIGHT_MOTION), 20.0)
    os.kill(manager.host_pid, signal.SIGKILL)
    with c.lock:
        c.events.clear()  # the new host has new rule engines: a new episode is reported again
    assert wait_until(lambda: c.of(NIGHT_MOTION), 25.0), c.notices


def test_in_process_manager_has_the_same_analysis_api(rtsp_server, monkeypatch, installed_models):
    from desktop.streaming.manager import StreamManager

    monkeypatch.setenv("MINGCHU_MODEL_DIR", str(installed_models))
    c = Collector()
    manager = StreamManager(Recorder(), on_analysis=c.event, on_analysis_stats=c.stat, on_notice=c.notice)
    try:
        key = StreamKey(4, "sub")
        manager.set_analysis(key, AnalysisConfig(4, schedule_json=NIGHT))  # before the stream starts
        manager.acquire(key, rtsp_server.url(4), "test")
        assert wait_until(lambda: c.of(NIGHT_MOTION), 20.0), (c.events, c.notices)
        assert wait_until(lambda: 4 in c.stats, 5.0)
        manager.clear_analysis(key)
    finally:
        manager.stop_all()
