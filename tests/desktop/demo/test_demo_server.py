"""The demo server as a user meets it: live overlay (name + wall clock) on sub and main streams."""

import time

import av
import numpy as np
import pytest

from desktop.demo.catalogue import demo_cameras
from desktop.demo.server import DemoServer, DemoServerError


def _first_frame(url):
    with av.open(url, options={"rtsp_transport": "tcp"}, timeout=(8, 8)) as c:
        for frame in c.decode(video=0):
            return frame, float(c.streams.video[0].average_rate)


def _text_like(region):
    """White glyphs on a shaded box: bright and very dark pixels side by side."""
    return bool((region > 230).mean() > 0.01 and (region < 60).mean() > 0.1)


def test_live_streams_have_both_sizes_and_burnt_in_text(media_cache, rtsp_server):
    with DemoServer(streams=2, port=0, overlay=True, cache_dir=media_cache) as server:
        sub, fps = _first_frame(server.url(1))
        main, _ = _first_frame(server.url(2, "main"))
    assert (sub.width, sub.height, fps) == (640, 360, 15.0)
    assert (main.width, main.height) == (1280, 720)
    plain, _ = _first_frame(rtsp_server.url(1))  # the same scene without overlay
    for frame, expect in ((sub, True), (plain, False)):
        img = frame.to_ndarray(format="gray")
        clock, name = img[8:40, 8:220], img[-40:-8, 8:220]  # top-left and bottom-left
        assert _text_like(clock) is expect and _text_like(name) is expect


def test_streams_move(media_cache):
    with DemoServer(streams=1, port=0, overlay=False, cache_dir=media_cache) as server:
        with av.open(server.url(1), options={"rtsp_transport": "tcp"}, timeout=(8, 8)) as c:
            frames = []
            for f in c.decode(video=0):
                frames.append(f.to_ndarray(format="gray").astype(int))
                if len(frames) == 10:
                    break
    assert np.abs(frames[0] - frames[-1]).mean() > 0.5


def test_catalogue_names_every_stream_even_beyond_the_demo_station():
    cams = demo_cameras(64)
    assert len({c.title for c in cams}) == 64
    assert cams[0].title == "莘庄镇中心小学食堂 烹饪区" and cams[0].mount == "cam01"


def test_port_in_use_is_a_clear_error(rtsp_server, media_cache):
    t = time.monotonic()
    with pytest.raises(DemoServerError, match="未能启动"):
        DemoServer(streams=1, port=rtsp_server.port, overlay=False, cache_dir=media_cache).start()
    assert time.monotonic() - t < 20


def test_server_leaves_no_config_with_credentials_behind(media_cache):
    before = set(media_cache.iterdir())
    with DemoServer(streams=1, port=0, overlay=False, credentials=("u", "S3cretPw"), cache_dir=media_cache):
        during = set(media_cache.iterdir()) - before
        assert not [p for p in during if p.suffix == ".json"]
        assert not any("S3cretPw" in p.read_text(errors="replace") for p in during)
    assert set(media_cache.iterdir()) - before == set()


def test_demo_server_command_serves_until_terminated(tmp_path):
    import os
    import signal
    import subprocess
    import sys

    from desktop.streaming.probe import probe
    from tests.conftest import ROOT, free_port

    port = free_port()
    env = dict(os.environ, MINGCHU_DATA_DIR=str(tmp_path))
    proc = subprocess.Popen([sys.executable, "main.py", "demo-server", "--streams", "3", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline()
        assert "demo RTSP server running: 3 cameras" in first and "live name+clock overlay" in first
        r = probe(f"rtsp://127.0.0.1:{port}/cam03/main")
        assert r.ok and (r.width, r.height, r.fps) == (1280, 720, 15.0)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert not probe(f"rtsp://127.0.0.1:{port}/cam01/sub", timeout=2).ok
