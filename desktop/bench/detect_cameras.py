"""`main.py bench detect --cameras N [--seconds S]`: the analysis of N live cameras while the wall
plays them, measured in the stream host the console uses.

What runs is what the wall runs: the demo RTSP server with N cameras, a HostedStreamManager with
N sub-streams converted to the tile size of a 1920×1080 wall (the wall's shared-memory path),
plus the analysis of every camera at 2 fps with the installed default models. Every camera has
lights-off hours all day (夜间移动目标, a non-AI rule) and business hours all day, so the moving
cooks of the demo scenes raise one night-motion alert per camera (cooldown 300 s) and the models
run on every moving frame. Prints one JSON line: analysed fps per camera (min / median), frames
the motion gate skipped, inference p50, frame → verdict latency in the host, frame → alert
latency as the console receives it (p95), CPU of the stream host, the targets and pass flags.
"""

from __future__ import annotations

import json
import logging
import math
import os
import statistics
import threading
import time

import psutil

from desktop import paths
from desktop.analysis.config import AnalysisConfig
from desktop.analysis.events import AnalysisEvent, AnalysisStats
from desktop.demo.server import DemoServer
from desktop.streaming.remote import HostedStreamManager
from desktop.streaming.worker import StreamKey

log = logging.getLogger(__name__)

TARGETS = {"analysed_fps_min": 2.0, "alert_latency_p95_ms_max": 1500.0}
ANALYSIS_FPS = 2.0
WALL = (1920, 1080)
START_TIMEOUT_S = 60.0
SETTLE_S = 5.0  # the fps window of AnalysisStats is 5 s: let it fill before measuring
SCHEDULE = '{"business_hours": "00:00-24:00", "lights_off": "00:00-24:00"}'


def _p(values: list[float], q: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 1)
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1], 1)


def _cpu(proc: psutil.Process) -> float:
    t = proc.cpu_times()
    return t.user + t.system


def bench_cameras(cameras: int, seconds: float) -> dict:
    if cameras < 1 or seconds <= 0:
        raise ValueError("cameras ≥ 1 and seconds > 0 are required")
    lock = threading.Lock()
    latencies: list[float] = []
    events: list[AnalysisEvent] = []
    stats: dict[int, AnalysisStats] = {}
    samples: dict[int, list[float]] = {}
    notices: list[str] = []
    measuring = threading.Event()

    def on_event(e: AnalysisEvent) -> None:
        with lock:
            events.append(e)
            latencies.append((time.time() - e.frame_time) * 1000)

    def on_stats(rows: list[AnalysisStats]) -> None:
        with lock:
            for r in rows:
                stats[r.camera_id] = r
                if measuring.is_set():
                    samples.setdefault(r.camera_id, []).append(r.analysed_fps)

    def on_notice(text: str) -> None:
        with lock:
            notices.append(text)

    cols = math.ceil(math.sqrt(cameras))
    rows = math.ceil(cameras / cols)
    tile = (WALL[0] // cols, WALL[1] // rows)
    server = DemoServer(streams=cameras, port=0, overlay=False, cache_dir=paths.demo_cache_dir()).start()
    manager = HostedStreamManager(lambda _k, _s: None, on_analysis=on_event, on_analysis_stats=on_stats,
                                  on_notice=on_notice)
    try:
        for i in range(1, cameras + 1):
            key = StreamKey(i, "sub")
            worker = manager.acquire(key, server.url(i), "bench")
            worker.slot.target_size = tile
            manager.set_analysis(key, AnalysisConfig(i, schedule_json=SCHEDULE, fps=ANALYSIS_FPS))
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            with lock:
                if len(stats) == cameras and all(s.analysed_fps > 0 for s in stats.values()):
                    break
            time.sleep(0.2)
        time.sleep(SETTLE_S)
        host = psutil.Process(manager.host_pid)
        with lock:
            skipped0 = {c: s.skipped_static for c, s in stats.items()}
        cpu0, t0 = _cpu(host), time.monotonic()
        measuring.set()
        time.sleep(seconds)
        measuring.clear()
        cpu1, elapsed = _cpu(host), time.monotonic() - t0
        with lock:
            final = dict(stats)
            per_camera = {c: statistics.fmean(v) for c, v in samples.items() if v}
            lat = list(latencies)
            n_events = len(events)
            notes = list(notices)
        decoded = [w.measured_fps for w in manager.workers()]
    finally:
        manager.stop_all()
        server.stop()
    fps = [per_camera.get(c, 0.0) for c in range(1, cameras + 1)]
    fps_min = round(min(fps), 2)
    latency_p95 = _p(lat, 95)
    return {
        "cameras": cameras,
        "seconds": round(elapsed, 1),
        "analysis_fps_requested": ANALYSIS_FPS,
        "tile": list(tile),
        "analysed_fps_min": fps_min,
        "analysed_fps_median": round(statistics.median(fps), 2),
        "skipped_static": sum(s.skipped_static - skipped0.get(c, 0) for c, s in final.items()),
        "inference_ms_p50_median": _p([s.inference_ms_p50 for s in final.values()], 50),
        "host_latency_ms_p95_max": max((s.latency_ms_p95 for s in final.values()), default=None),
        "alert_latency_ms_p95": latency_p95,
        "alerts": n_events,
        "wall_fps_min": round(min(decoded), 2) if decoded else None,
        "host_cpu_pct": round((cpu1 - cpu0) / elapsed * 100, 1),
        "cpu_count": psutil.cpu_count(),
        "notices": notes,
        "targets": TARGETS,
        "pass": {
            "analysed_fps_min": fps_min >= TARGETS["analysed_fps_min"],
            "alert_latency_p95": latency_p95 is not None and latency_p95 <= TARGETS["alert_latency_p95_ms_max"],
        },
    }


def run(args) -> int:
    """One JSON line per --lanes setting (the stream host reads MINGCHU_ANALYSIS_LANES when it
    starts, and each setting starts its own host)."""
    ok = True
    if getattr(args, "device", "AUTO").upper() != "AUTO":
        os.environ["MINGCHU_ANALYSIS_DEVICE"] = args.device
    for lanes in [v.strip() for v in str(getattr(args, "lanes", "auto") or "auto").split(",") if v.strip()]:
        before = os.environ.get("MINGCHU_ANALYSIS_LANES")
        os.environ["MINGCHU_ANALYSIS_LANES"] = lanes
        try:
            result = {"lanes": lanes, **bench_cameras(args.cameras, args.seconds)}
        finally:
            if before is None:
                os.environ.pop("MINGCHU_ANALYSIS_LANES", None)
            else:
                os.environ["MINGCHU_ANALYSIS_LANES"] = before
        print(json.dumps(result, ensure_ascii=False), flush=True)
        ok = ok and all(result["pass"].values())
    return 0 if ok else 1
