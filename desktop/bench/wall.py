"""Wall benchmark: the real console (MainWindow, WallPage, VideoWall, stream workers) against
the demo RTSP server, with bare `ffmpeg -f null` decoding of the same streams as CPU baseline.

Both phases run in one call on the same URLs, so the ratio compares like with like on this
machine. Returns one dict; the CLI prints it as a JSON line.
"""

from __future__ import annotations

import logging
import os
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import psutil

from desktop import paths
from desktop.core.wall_plan import LAYOUTS, layout_for
from desktop.demo.server import DemoServer

log = logging.getLogger(__name__)

WARMUP_S = 3.0  # ffmpeg baseline: connect + the server's initial pre-roll burst
SETTLE_S = 2.0  # wall: let every tile leave its connect burst behind before measuring
LOAD_TIMEOUT_S = 15.0
FIRST_FRAME_TIMEOUT_S = 20.0
STALL_TICK_MS = 10
WINDOW_SIZE = (1920, 1080)

# From the issue: what a 36-camera wall must do on the 2-core target machine.
TARGETS = {
    "streams": 36,
    "fps_delivered_min": 14.5,
    "cpu_ratio_max": 1.25,
    "first_frame_all_s_max": 3.0,
    "stall_p99_ms_max": 20.0,
    "stall_max_ms_max": 100.0,
    "rss_mb_max": 1024.0,
}


def _cpu(proc: psutil.Process, children: bool = True) -> float:
    """User + system seconds. Children count for ffmpeg and the server, but not for this
    process: its reaped children are the baseline's ffmpegs, not the wall."""
    t = proc.cpu_times()
    return t.user + t.system + (t.children_user + t.children_system if children else 0.0)


def _pct(cpu_seconds: float, elapsed: float, per: int = 1) -> float:
    """CPU seconds over a wall-clock window as % of one core, divided by `per` streams."""
    return cpu_seconds / elapsed / per * 100.0 if elapsed > 0 else 0.0


def _r(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


# -- baseline: bare ffmpeg decode --------------------------------------------------------------
def _ffmpeg_baseline(server: DemoServer, n: int, seconds: float, err_path: Path) -> dict:
    procs: list[subprocess.Popen] = []
    server_proc = psutil.Process(server.pid)
    with open(err_path, "ab") as err:
        try:
            for i in range(1, n + 1):
                cmd = ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-rtsp_transport", "tcp",
                       "-threads", "1", "-i", server.url(i), "-f", "null", "-"]
                procs.append(subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                              stderr=err))
            time.sleep(WARMUP_S)  # no Qt yet, so a plain sleep blocks nothing
            ps = [psutil.Process(p.pid) for p in procs]
            t0, c0, s0 = time.monotonic(), [_cpu(p) for p in ps], _cpu(server_proc)
            time.sleep(seconds)
            c1, s1, elapsed = [_cpu(p) for p in ps], _cpu(server_proc), time.monotonic() - t0
            # An ffmpeg that died is a zombie until reaped, so its times above were still readable;
            # count it anyway, because a dead client decodes nothing and flatters the baseline.
            failed = sum(1 for p in procs if p.poll() is not None)
        finally:
            for p in procs:
                if p.poll() is None:
                    p.kill()
            for p in procs:
                p.wait()
    if failed:  # the scratch directory goes away with the run, so log what ffmpeg said
        log.warning("%d of %d baseline ffmpeg processes exited early: %s", failed, n,
                    err_path.read_text(errors="replace")[-1000:])
    cpu = sum(c1) - sum(c0)
    return {"ffmpeg_cpu_pct_per_stream": _pct(cpu, elapsed, n), "ffmpeg_failed": failed,
            "server_cpu_pct_baseline": _pct(s1 - s0, elapsed)}


# -- wall phase: the real console in this process --------------------------------------------
def _spin(seconds: float) -> None:
    """Run the Qt event loop for `seconds` (it sleeps in poll(), not in Python)."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(max(0, int(seconds * 1000)), loop.quit)
    loop.exec()


def _run_until(predicate: Callable[[], bool], timeout: float) -> bool:
    from PySide6.QtCore import QEventLoop, QTimer

    if predicate():
        return True
    loop = QEventLoop()
    deadline = time.monotonic() + timeout

    def check() -> None:
        if predicate() or time.monotonic() >= deadline:
            loop.quit()

    timer = QTimer(interval=20)
    timer.timeout.connect(check)
    timer.start()
    loop.exec()
    timer.stop()
    return predicate()


def _thread_cpu(proc: psutil.Process) -> dict[int, float]:
    return {t.id: t.user_time + t.system_time for t in proc.threads()}


def _wall_phase(server: DemoServer, n: int, seconds: float, data_dir: Path) -> dict:
    # Imported here, after MINGCHU_DATA_DIR points at the scratch directory, so nothing that
    # resolves paths at import time can reach the user's real database.
    from PySide6.QtCore import Qt, QTimer

    from desktop.core.access import SYSTEM
    from desktop.core.db import database_url, init_schema, make_engine
    from desktop.demo.seed import seed_demo
    from desktop.services.user_session import UserSession
    from desktop.ui.app import Console, GuiOptions, make_application

    engine = make_engine(database_url(data_dir))
    try:
        init_schema(engine)
        seed_demo(engine, server.host, server.port, cameras=n)
    finally:
        engine.dispose()

    app = make_application()
    console = Console(GuiOptions(size=WINDOW_SIZE), UserSession(SYSTEM))
    page, wall = console.window.wall_page, console.window.wall_page.wall
    me, server_proc = psutil.Process(), psutil.Process(server.pid)
    shown_at: list[float] = []

    def on_page() -> None:
        # The first page is shown (and its workers started) inside set_cameras, before we can
        # switch to the full layout: start the clock there so no tile gets a head start.
        if not shown_at:
            shown_at.append(time.monotonic())

    page.pageChanged.connect(on_page)
    try:
        console.start()
        if not _run_until(lambda: bool(shown_at), LOAD_TIMEOUT_S):
            raise RuntimeError("the console did not load the demo cameras")
        page.set_layout(layout_for(n))
        tiles = [i for i, s in enumerate(wall.sources()) if s is not None]
        workers = [wall.sources()[i].worker for i in tiles]

        _run_until(lambda: all(wall.first_paint[i] is not None for i in tiles), FIRST_FRAME_TIMEOUT_S)
        painted = [wall.first_paint[i] for i in tiles if wall.first_paint[i] is not None]
        first_all = max(painted) - shown_at[0] if len(painted) == len(tiles) else None
        if first_all is None:
            log.warning("only %d of %d tiles showed a picture within %.0fs", len(painted), len(tiles),
                        FIRST_FRAME_TIMEOUT_S)
        _spin(SETTLE_S)

        # GUI responsiveness: a 10 ms precise timer is late by about as long as the GUI thread
        # was busy (painting, polling, waiting for the GIL).
        late: list[float] = []
        last = [0.0]

        def tick() -> None:
            now = time.monotonic()
            late.append(max(0.0, (now - last[0]) * 1000.0 - STALL_TICK_MS))
            last[0] = now

        stall_timer = QTimer(timerType=Qt.PreciseTimer, interval=STALL_TICK_MS)
        stall_timer.timeout.connect(tick)

        host = psutil.Process(console.streams.host_pid) if console.streams.host_pid else None
        p0, d0 = list(wall.painted_frames), [w.frames_decoded for w in workers]
        c0, s0, th0 = _cpu(me, children=False), _cpu(server_proc), _thread_cpu(me)
        h0 = _cpu(host, children=False) if host else 0.0
        t0 = last[0] = time.monotonic()
        stall_timer.start()
        _spin(seconds)
        stall_timer.stop()
        elapsed = time.monotonic() - t0
        p1, d1 = list(wall.painted_frames), [w.frames_decoded for w in workers]
        c1, s1, th1 = _cpu(me, children=False), _cpu(server_proc), _thread_cpu(me)
        h1 = _cpu(host, children=False) if host else 0.0
        # The stream host is part of the console: its CPU and memory count (USS avoids counting
        # the shared frame buffers twice).
        rss_mb = (me.memory_info().rss + (host.memory_full_info().uss if host else 0)) / 2**20
        offline = [str(w.key) for w in workers if not w.status.online]

        # Where the process's CPU goes: the GUI thread, the stream workers, everything else
        # (task runners, Qt's own threads). Thread ids are Linux TIDs, i.e. threading native_id.
        gui_tid = threading.main_thread().native_id
        worker_tids = {w.native_id for w in workers}
        split = {"gui": 0.0, "workers": 0.0, "other": 0.0, "stream_host": h1 - h0}
        for tid, t in th1.items():
            part = "gui" if tid == gui_tid else "workers" if tid in worker_tids else "other"
            split[part] += t - th0.get(tid, 0.0)
        platform = app.platformName()  # "offscreen" or "xcb": the numbers mean different things
    finally:
        console.shutdown()
        console.window.close()
        console.window.deleteLater()
        _spin(0.1)  # deliver queued status signals and the deferred delete before the server goes

    fps = [(p1[i] - p0[i]) / elapsed for i in tiles]
    dec = [(b - a) / elapsed for a, b in zip(d0, d1, strict=True)]
    return {
        "platform": platform,
        "first_frame_all_s": first_all,
        "tiles_painted": len(painted),
        "fps_delivered_min": min(fps),
        "fps_delivered_median": statistics.median(fps),
        "fps_decoded_min": min(dec),
        "fps_decoded_median": statistics.median(dec),
        "cpu_pct_per_stream": _pct(c1 - c0 + h1 - h0, elapsed, n),
        "stream_host": "process" if host else "thread",
        "cpu_split_pct": {k: _r(_pct(v, elapsed)) for k, v in split.items()},
        "server_cpu_pct_wall": _pct(s1 - s0, elapsed),
        "rss_mb": rss_mb,
        "stall_p99_ms": float(np.percentile(late, 99)) if late else None,
        "stall_max_ms": max(late) if late else None,
        "stall_ticks": len(late),
        "offline_at_end": offline,
    }


# -- entry point -------------------------------------------------------------------------------
def run_wall_bench(streams: int, seconds: float, baseline: bool = True) -> dict:
    if not 1 <= streams <= LAYOUTS[-1]:
        raise ValueError(f"streams must be 1..{LAYOUTS[-1]} (one wall page)")
    if seconds <= 0:
        raise ValueError("seconds must be positive")
    # The rendered scene clips are expensive to make: keep them in the user's cache, which we
    # resolve before MINGCHU_DATA_DIR is redirected to the scratch directory below.
    scene_cache = paths.demo_cache_dir()
    saved_env = {k: os.environ.get(k) for k in ("MINGCHU_DATA_DIR", "DATABASE_URL", "MINGCHU_ANALYSIS")}
    with tempfile.TemporaryDirectory(prefix="mingchu-bench-", ignore_cleanup_errors=True) as tmp:
        scratch = Path(tmp)
        os.environ["MINGCHU_DATA_DIR"] = str(scratch / "data")
        os.environ.pop("DATABASE_URL", None)  # a fresh SQLite file, never a configured server
        os.environ["MINGCHU_ANALYSIS"] = "off"  # the wall alone; `bench detect --cameras` measures analysis
        server = DemoServer(streams=streams, port=0, overlay=False, cache_dir=scene_cache)
        try:
            server.start()
            log.info("wall bench: %d streams, %.1fs, baseline=%s", streams, seconds, baseline)
            base = _ffmpeg_baseline(server, streams, seconds, scratch / "ffmpeg.err") if baseline else {}
            wall = _wall_phase(server, streams, seconds, paths.data_dir())
            server_alive = server.running
        finally:
            server.stop()
            for key, value in saved_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
    return _report(streams, seconds, wall, base, server_alive)


def _report(n: int, seconds: float, wall: dict, base: dict, server_alive: bool) -> dict:
    ffmpeg = base.get("ffmpeg_cpu_pct_per_stream")
    ratio = wall["cpu_pct_per_stream"] / ffmpeg if ffmpeg else None
    t = TARGETS
    stall_p99, stall_max, first = wall["stall_p99_ms"], wall["stall_max_ms"], wall["first_frame_all_s"]
    passed = {
        "streams": n >= t["streams"],
        "fps": wall["fps_delivered_min"] >= t["fps_delivered_min"],
        "cpu_ratio": None if ratio is None else ratio <= t["cpu_ratio_max"],
        "first_frame": first is not None and first <= t["first_frame_all_s_max"],
        "stall_p99": stall_p99 is not None and stall_p99 <= t["stall_p99_ms_max"],
        "stall_max": stall_max is not None and stall_max <= t["stall_max_ms_max"],
        "rss": wall["rss_mb"] <= t["rss_mb_max"],
    }
    passed["all"] = all(v is not False for v in passed.values())  # None = not measured (no baseline)
    return {
        "bench": "wall",
        "streams": n,
        "seconds": seconds,
        "platform": wall["platform"],
        "stream_host": wall["stream_host"],
        "first_frame_all_s": _r(first, 3),
        "tiles_painted": wall["tiles_painted"],
        "fps_delivered_min": _r(wall["fps_delivered_min"]),
        "fps_delivered_median": _r(wall["fps_delivered_median"]),
        "fps_decoded_min": _r(wall["fps_decoded_min"]),
        "fps_decoded_median": _r(wall["fps_decoded_median"]),
        "cpu_pct_per_stream": _r(wall["cpu_pct_per_stream"]),
        "cpu_split_pct": wall["cpu_split_pct"],
        "rss_mb": _r(wall["rss_mb"], 1),
        "stall_p99_ms": _r(stall_p99),
        "stall_max_ms": _r(stall_max),
        "stall_ticks": wall["stall_ticks"],
        "ffmpeg_cpu_pct_per_stream": _r(ffmpeg),
        "ffmpeg_failed": base.get("ffmpeg_failed"),
        "cpu_ratio": _r(ratio, 3),
        "server_cpu_pct": {"baseline": _r(base.get("server_cpu_pct_baseline")),
                           "wall": _r(wall["server_cpu_pct_wall"])},
        "server_alive": server_alive,
        "offline_at_end": wall["offline_at_end"],
        "targets": t,
        "pass": passed,
    }
