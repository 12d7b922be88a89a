"""Stream workers in the stream-host process, frames through shared memory, real RTSP."""

import os
import signal
import time

import av
import pytest

from desktop.streaming.remote import HostedStreamManager
from desktop.streaming.status import StreamState
from desktop.streaming.worker import StreamKey, WorkerOptions
from tests.conftest import Recorder, wait_until


@pytest.fixture
def hosted():
    recorder = Recorder()
    m = HostedStreamManager(recorder, WorkerOptions(open_timeout=3, read_timeout=2, backoff_base=0.3, backoff_cap=1))
    m.recorder = recorder
    yield m
    m.stop_all(5)


def test_frames_snapshot_and_resize_through_the_host(rtsp_server, hosted):
    w = hosted.acquire(StreamKey(1), rtsp_server.url(1), "wall")
    w.slot.target_size = (320, 180)
    assert wait_until(lambda: w.slot.latest() is not None and w.status.online, 10)
    f = w.slot.latest()
    assert f.image.shape == (180, 320, 4) and (f.source_width, f.source_height) == (640, 360)
    assert w.info.codec == "h264"
    assert wait_until(lambda: 13 <= w.measured_fps <= 17, 5)
    assert w.snapshot().shape == (360, 640, 3)
    w.slot.target_size = (160, 90)
    assert wait_until(lambda: w.slot.latest().image.shape == (90, 160, 4), 5)
    assert hosted.host_pid not in (None, os.getpid())


def test_release_then_acquire_again_is_not_confused_by_the_old_worker(rtsp_server, hosted):
    key = StreamKey(2)
    first = hosted.acquire(key, rtsp_server.url(2), "wall")
    assert wait_until(lambda: first.status.online, 10)
    hosted.release(key, "wall")
    second = hosted.acquire(key, rtsp_server.url(2), "wall")
    assert second is not first
    assert wait_until(lambda: second.status.online, 10)
    assert wait_until(lambda: hosted.recorder.states(2).count(StreamState.STOPPED) == 1, 5)  # the old one's...
    assert second.status.online  # ...did not reach the new one
    assert hosted.worker(key) is second


def test_a_killed_host_is_restarted_and_streams_come_back(rtsp_server, hosted):
    w = hosted.acquire(StreamKey(3), rtsp_server.url(3), "wall")
    w.slot.target_size = (320, 180)
    assert wait_until(lambda: w.status.online, 10)
    old_pid = hosted.host_pid
    os.kill(old_pid, signal.SIGKILL)
    assert wait_until(lambda: w.status.state is StreamState.RECONNECTING, 5)
    assert wait_until(lambda: hosted.host_pid != old_pid and w.status.online, 20)
    assert wait_until(lambda: w.slot.latest() is not None and w.slot.latest().image.shape == (180, 320, 4), 5)


def test_no_shared_memory_left_after_stop(rtsp_server, monkeypatch):
    import gc

    from desktop.streaming import remote

    def ours():
        return {n for n in os.listdir("/dev/shm") if n.startswith(("psm_", "sem.mp-"))}

    # The segments this manager's slots attached to, by name: other processes on the machine
    # (a second test run, the console) make psm_ segments of their own meanwhile.
    attached: list[str] = []
    real_attach = remote.RemoteSlot.attach
    monkeypatch.setattr(remote.RemoteSlot, "attach", lambda self, name: (attached.append(name),
                                                                        real_attach(self, name))[1])
    before = ours()
    m = HostedStreamManager(lambda k, s: None)
    refs = [m.acquire(StreamKey(4), rtsp_server.url(4), "wall")]
    assert wait_until(lambda: refs[0].slot.latest() is not None, 10)
    assert attached and set(attached) & ours()  # frames really go through /dev/shm
    m.stop_all(5)
    assert not set(attached) & ours()
    refs.clear()  # the last reference to the worker and its shared-memory reader
    del m
    gc.collect()
    # The queue's semaphores go too.
    assert wait_until(lambda: {n for n in ours() - before if n.startswith("sem.mp-")} == set(), 5)


@pytest.mark.parametrize("hosted", [True, False], ids=["stream-host", "in-process"])
def test_alert_clip_spans_before_and_after_the_moment(rtsp_server, tmp_path, hosted):
    """An alert's clip: ≥ 5 s before to ≥ 5 s after, cut from the packet ring, playable MP4."""
    from desktop.streaming.manager import StreamManager

    m = HostedStreamManager(lambda k, s: None) if hosted else StreamManager(lambda k, s: None)
    try:
        w = m.acquire(StreamKey(3), rtsp_server.url(3), "analysis")
        assert wait_until(lambda: w.status.online, 10)
        time.sleep(7.5)  # enough pre-roll in the ring
        at = time.time()
        clip = w.cut_clip(at, 5.0, 5.0, tmp_path / "alert.mp4")
        assert time.time() >= at + 5.0  # it waited for the post-roll
        with av.open(str(clip)) as c:
            v = c.streams.video[0]
            frames = [f for f in c.decode(v)]
            duration = float(frames[-1].pts * v.time_base)
        assert v.codec_context.name == "h264" and (frames[0].width, frames[0].height) == (640, 360)
        assert 10.0 <= duration <= 13.5  # 5 s + 5 s, plus up to one GOP (2 s) to the keyframe before
        assert 150 <= len(frames) <= 205  # 15 fps, every frame decodes: remuxed, not re-encoded
    finally:
        m.stop_all(5)


def test_clip_of_a_stream_that_is_not_running_fails_clearly(rtsp_server, tmp_path):
    from desktop.streaming.clip import ClipError

    m = HostedStreamManager(lambda k, s: None)
    try:
        w = m.acquire(StreamKey(2), rtsp_server.url(2), "analysis")
        assert wait_until(lambda: w.status.online, 10)
        m.release(StreamKey(2), "analysis")
        with pytest.raises(ClipError):
            w.cut_clip(time.time(), 5.0, 1.0, tmp_path / "x.mp4")
        assert not (tmp_path / "x.mp4").exists()
    finally:
        m.stop_all(5)


def test_a_clip_being_cut_does_not_hold_up_shutdown(rtsp_server, tmp_path):
    import threading

    from desktop.streaming.clip import ClipError

    m = HostedStreamManager(lambda k, s: None)
    w = m.acquire(StreamKey(1), rtsp_server.url(1), "analysis")
    assert wait_until(lambda: w.status.online, 10)
    errors = []

    def cut():
        try:
            w.cut_clip(time.time(), 5.0, 30.0, tmp_path / "long.mp4")  # would wait 30 s
        except ClipError as exc:
            errors.append(exc)

    t = threading.Thread(target=cut)
    t.start()
    time.sleep(0.5)
    started = time.monotonic()
    m.stop_all(3)
    t.join(10)
    assert not t.is_alive() and errors and time.monotonic() - started < 10
