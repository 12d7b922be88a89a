"""The stream worker against a real RTSP server on 127.0.0.1 (gst-rtsp-server), decoded by PyAV."""

import logging
import os
import signal
import socket
import time

import av
import pytest

from desktop.streaming.clip import write_clip
from desktop.streaming.manager import StreamManager
from desktop.streaming.status import Reason, StreamState
from desktop.streaming.worker import StreamKey, WorkerOptions
from tests.conftest import Recorder, free_port, wait_until

FAST = WorkerOptions(open_timeout=3, read_timeout=2, backoff_base=0.3, backoff_cap=1.0)


@pytest.fixture
def manager():
    rec = Recorder()
    m = StreamManager(rec, FAST)
    m.recorder = rec
    yield m
    m.stop_all(5)


def test_frames_arrive_at_stream_rate_and_target_size(rtsp_server, manager):
    w = manager.acquire(StreamKey(1), rtsp_server.url(1), "test")
    w.slot.target_size = (320, 240)
    assert wait_until(lambda: w.status.online and w.slot.latest() is not None, 5)
    time.sleep(2.5)
    frame = w.slot.latest()
    assert frame.image.shape == (180, 320, 4)  # 16:9 fitted into the box
    assert (frame.source_width, frame.source_height) == (640, 360)
    assert not frame.image.flags.writeable
    assert 13.5 <= w.measured_fps <= 16.5
    assert w.info.codec == "h264" and w.info.fps == 15
    assert manager.recorder.states(1)[:2] == [StreamState.CONNECTING, StreamState.ONLINE]


def test_main_stream_is_720p_and_snapshot_is_full_resolution(rtsp_server, manager):
    w = manager.acquire(StreamKey(2, "main"), rtsp_server.url(2, "main"), "test")
    w.slot.target_size = (320, 180)
    assert wait_until(lambda: w.slot.latest() is not None, 5)
    snap = w.snapshot()
    assert snap.shape == (720, 1280, 3)
    assert w.slot.latest().image.shape == (180, 320, 4)


def test_packet_ring_can_be_remuxed_into_a_clip_without_reencoding(rtsp_server, manager, tmp_path):
    w = manager.acquire(StreamKey(3), rtsp_server.url(3), "test")
    assert wait_until(lambda: w.ring.duration() >= 4.5, 10)
    packets = w.ring.since(time.time() - 2.5)
    assert packets[0].keyframe
    clip = write_clip(packets, tmp_path / "clip.mp4")
    with av.open(str(clip)) as c:
        stream = c.streams.video[0]
        frames = list(c.decode(stream))
        assert (stream.codec_context.name, frames[0].width, frames[0].height) == ("h264", 640, 360)
    assert len(frames) == len(packets) >= 30
    duration = float(frames[-1].pts * frames[-1].time_base)
    assert abs(duration - (len(frames) - 1) / 15) < 0.5  # real-time spacing, not all at one instant


@pytest.mark.parametrize("make_url,reason", [
    (lambda s: f"rtsp://127.0.0.1:{free_port()}/cam01/sub", Reason.REFUSED),
    (lambda s: f"rtsp://127.0.0.1:{s.port}/no-such-camera", Reason.NOT_FOUND),
    (lambda s: "bogus://127.0.0.1/cam", Reason.BAD_URL),
    (lambda s: "rtsp://admin:pw@no-such-host.invalid/cam", Reason.HOST_NOT_FOUND),
])
def test_bad_urls_show_their_reason(rtsp_server, manager, make_url, reason):
    w = manager.acquire(StreamKey(10), make_url(rtsp_server), "test")
    assert wait_until(lambda: w.status.state in (StreamState.RECONNECTING, StreamState.OFFLINE), 10)
    assert w.status.reason is reason
    assert w.status.retry_at is not None
    if reason.permanent:
        assert w.status.state is StreamState.OFFLINE


def test_refused_credentials_say_so_and_never_leak(private_server, manager, caplog, media_cache):
    from desktop.demo.server import DemoServer

    with DemoServer(streams=1, port=0, overlay=False, credentials=("admin", "Right0ne"), cache_dir=media_cache) as s:
        caplog.set_level(logging.DEBUG)
        url = s.url(1, credentials=("admin", "Wr0ngPass"))
        w = manager.acquire(StreamKey(11), url, "test")
        assert wait_until(lambda: w.status.reason is Reason.AUTH, 8)
        assert w.status.state is StreamState.OFFLINE
        assert "Wr0ngPass" not in caplog.text and "Wr0ngPass" not in w.status.detail
        assert "Wr0ngPass" not in w.safe_url
        good = manager.acquire(StreamKey(12), s.url(1, credentials=("admin", "Right0ne")), "test")
        assert wait_until(lambda: good.status.online, 6)


def test_server_death_reconnects_with_backoff_and_recovers(private_server, manager):
    server = private_server(streams=1)
    port = server.port
    w = manager.acquire(StreamKey(20), server.url(1), "test")
    assert wait_until(lambda: w.status.online, 6)
    server.stop()
    assert wait_until(lambda: w.status.state in (StreamState.RECONNECTING, StreamState.OFFLINE), 6)
    assert w.slot.latest() is not None  # the last picture is kept, the tile decides what to show
    assert wait_until(lambda: w.status.attempt >= 2, 6)  # keeps trying while the server is gone
    private_server(streams=1, port=port)
    assert wait_until(lambda: w.status.online, 10)
    states = manager.recorder.states(20)
    assert StreamState.RECONNECTING in states and states[-1] is StreamState.ONLINE


def test_stalled_stream_is_detected_and_recovers(private_server, manager):
    server = private_server(streams=1)
    w = manager.acquire(StreamKey(21), server.url(1), "test")
    assert wait_until(lambda: w.status.online, 6)
    os.kill(server.pid, signal.SIGSTOP)  # server alive but silent: the worst kind of failure
    try:
        assert wait_until(lambda: not w.status.online, FAST.read_timeout + 4)
        assert w.status.reason in (Reason.STALLED, Reason.TIMEOUT)
    finally:
        os.kill(server.pid, signal.SIGCONT)
    assert wait_until(lambda: w.status.online, 12)


def test_silent_tcp_server_times_out_on_open(manager):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        w = manager.acquire(StreamKey(22), f"rtsp://127.0.0.1:{port}/x", "test")
        assert wait_until(lambda: w.status.reason is Reason.TIMEOUT, FAST.open_timeout + 4)


def test_a_dead_camera_does_not_slow_the_others(rtsp_server, manager):
    with socket.socket() as listener:  # accepts, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        manager.acquire(StreamKey(30), f"rtsp://127.0.0.1:{listener.getsockname()[1]}/x", "test")
        good = [manager.acquire(StreamKey(31 + i), rtsp_server.url(1 + i), "test") for i in range(3)]
        assert wait_until(lambda: all(g.status.online for g in good), 3)
        time.sleep(1.5)
        assert all(g.measured_fps > 13 for g in good)


def test_release_stops_the_worker_and_shared_acquire_reuses_it(rtsp_server, manager):
    key = StreamKey(40)
    a = manager.acquire(key, rtsp_server.url(4), "wall")
    b = manager.acquire(key, rtsp_server.url(4), "analysis")
    assert a is b
    manager.release(key, "wall")
    assert a.is_alive() and manager.worker(key) is a
    manager.release(key, "analysis")
    assert manager.worker(key) is None
    a.join(5)
    assert not a.is_alive() and a.status.state is StreamState.STOPPED
