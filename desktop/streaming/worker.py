"""One thread per camera stream: demux + decode with PyAV, convert with OpenCV, publish.

The worker never touches Qt. It reports state changes through a plain callback (the Qt
service turns that into a queued signal) and exposes the newest frame through its FrameSlot.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import av

from desktop.core.redact import redact_url
from desktop.streaming.backoff import Backoff
from desktop.streaming.clip import cut_from_ring
from desktop.streaming.convert import fit_size, to_bgr_full, to_bgra
from desktop.streaming.errors import classify
from desktop.streaming.frames import FrameSlot, TileFrame
from desktop.streaming.packet_ring import PacketRing
from desktop.streaming.status import Reason, StreamInfo, StreamState, StreamStatus

log = logging.getLogger(__name__)

# After this many failed attempts in a row a reconnecting stream is shown as 离线.
OFFLINE_AFTER_FAILURES = 3
FPS_WINDOW_S = 2.0


@dataclass(frozen=True)
class StreamKey:
    camera_id: int
    variant: str = "sub"  # "sub" for the grid, "main" for the maximised tile

    def __str__(self) -> str:
        return f"camera {self.camera_id}/{self.variant}"


@dataclass(frozen=True)
class WorkerOptions:
    open_timeout: float = 6.0
    read_timeout: float = 5.0  # no packet for this long = stalled
    ring_seconds: float = 12.0
    backoff_base: float = 1.0
    backoff_cap: float = 30.0

    def ffmpeg_options(self, url: str) -> dict[str, str]:
        # No "fflags nobuffer": it drops the packets read while probing, keyframe included,
        # so the first picture waits a whole GOP (measured: 2.07 s instead of 0.28 s).
        # A short analyzeduration: stream parameters come from the SDP; probing only costs time.
        opts = {"flags": "low_delay", "analyzeduration": "300000", "probesize": "1000000"}
        if url.lower().startswith("rtsp"):
            opts["rtsp_transport"] = "tcp"
        return opts


StatusCallback = Callable[[StreamKey, StreamStatus], None]


class StreamWorker(threading.Thread):
    def __init__(self, key: StreamKey, url: str, slot: FrameSlot, on_status: StatusCallback,
                 options: WorkerOptions | None = None) -> None:
        super().__init__(name=f"stream-{key.camera_id}-{key.variant}", daemon=True)
        self.key = key
        self._url = url
        self.slot = slot
        self.options = options or WorkerOptions()
        self.ring = PacketRing(self.options.ring_seconds)
        self._on_status = on_status
        self._stop_event = threading.Event()
        self._backoff = Backoff(base=self.options.backoff_base, cap=self.options.backoff_cap)
        self._last_frame: av.VideoFrame | None = None
        self._last_decoded: tuple[av.VideoFrame, float, int] | None = None
        self._seq = 0
        self._last_packet_at = 0.0
        self.status = StreamStatus(StreamState.CONNECTING, since=time.time())
        self.info: StreamInfo | None = None
        self.measured_fps = 0.0
        self.frames_decoded = 0
        self.first_frame_at: float | None = None  # time.monotonic()

    @property
    def safe_url(self) -> str:
        return redact_url(self._url)

    def stop(self) -> None:
        self._stop_event.set()

    @property
    def stopping(self) -> bool:
        return self._stop_event.is_set()

    # -- status ---------------------------------------------------------------------------
    def _set_status(self, status: StreamStatus) -> None:
        self.status = status
        try:
            self._on_status(self.key, status)
        except Exception:  # a broken listener must not kill the stream
            log.exception("status listener failed for %s", self.key)

    # -- main loop ------------------------------------------------------------------------
    def run(self) -> None:
        failures = 0
        while not self._stop_event.is_set():
            self._set_status(StreamStatus(StreamState.CONNECTING, attempt=failures + 1, since=time.time()))
            reason, detail, was_online = self._session()
            if self._stop_event.is_set():
                break
            if was_online:
                failures = 0
                self._backoff.reset()
            failures += 1
            delay = self._backoff.next_delay()
            offline = failures >= OFFLINE_AFTER_FAILURES or reason.permanent or not was_online and failures > 1
            state = StreamState.OFFLINE if offline else StreamState.RECONNECTING
            log.info("%s (%s) %s: %s %s; retry in %.1fs", self.key, self.safe_url, state.name,
                     reason.name, detail, delay)
            self._set_status(StreamStatus(state, reason, detail, time.monotonic() + delay, failures, time.time()))
            self._stop_event.wait(delay)
        self.slot.close()
        self._set_status(StreamStatus(StreamState.STOPPED, since=time.time()))

    def _session(self) -> tuple[Reason, str, bool]:
        """Open, stream until failure or stop. Returns (reason, detail, reached ONLINE)."""
        online = False
        started = time.monotonic()
        try:
            container = av.open(self._url, options=self.options.ffmpeg_options(self._url),
                                timeout=(self.options.open_timeout, self.options.read_timeout))
        except Exception as exc:  # noqa: BLE001 - every failure is a reason on the tile
            reason, detail = classify(exc, time.monotonic() - started, self.options.open_timeout)
            return reason, detail, False
        try:
            if not container.streams.video:
                return Reason.NO_VIDEO, "", False
            stream = container.streams.video[0]
            ctx = stream.codec_context
            ctx.thread_type = "NONE"  # lowest latency; one core per stream is plenty at 360p
            ctx.thread_count = 1
            rate = float(stream.average_rate or stream.guessed_rate or 0)
            self.info = StreamInfo(ctx.name, ctx.width, ctx.height, rate)
            self.ring.clear()
            self._last_packet_at = time.monotonic()
            arrivals: deque[float] = deque()
            for packet in container.demux(stream):
                if self._stop_event.is_set():
                    return Reason.NONE, "", online
                if packet.size == 0:
                    continue  # flush packet at EOF
                now = time.time()
                self._last_packet_at = time.monotonic()
                self.ring.append(packet, now)
                for frame in ctx.decode(packet):
                    self._publish(frame, now)
                    self._count_frame(arrivals)
                    if not online:
                        online = True  # run() resets the back-off after an online session
                        self.info = StreamInfo(ctx.name, frame.width, frame.height, rate)
                        self._set_status(StreamStatus(StreamState.ONLINE, since=now))
            return Reason.ENDED, "", online
        except Exception as exc:  # noqa: BLE001
            reason, detail = classify(exc, time.monotonic() - self._last_packet_at, self.options.read_timeout)
            if online and reason is Reason.TIMEOUT:
                reason = Reason.STALLED
            return reason, detail, online
        finally:
            self.measured_fps = 0.0
            container.close()

    def _count_frame(self, arrivals: deque[float]) -> None:
        """Frame rate over the last FPS_WINDOW_S seconds of arrivals: long enough that the burst
        some servers send on connect does not read as 20 fps, short enough to show a drop."""
        mono = time.monotonic()
        arrivals.append(mono)
        while mono - arrivals[0] > FPS_WINDOW_S:
            arrivals.popleft()
        span = mono - arrivals[0]
        self.measured_fps = (len(arrivals) - 1) / span if span >= 1.0 else 0.0

    def _publish(self, frame: av.VideoFrame, now: float) -> None:
        self._seq += 1
        # One tuple, replaced whole: a reader on another thread never sees a frame with the
        # time or number of the one before.
        self._last_decoded = (frame, now, self._seq)
        self._last_frame = frame
        tw, th = self.slot.target_size
        size = fit_size(frame.width, frame.height, tw, th) if tw and th else (frame.width, frame.height)
        image = to_bgra(frame, size)
        self.frames_decoded += 1
        if self.first_frame_at is None:
            self.first_frame_at = time.monotonic()
        self.slot.publish(TileFrame(self._seq, now, image, frame.width, frame.height))

    def latest_decoded(self) -> tuple[av.VideoFrame, float, int] | None:
        """(frame, time.time() it arrived, sequence number) of the newest decoded frame, for the
        analysis: full source resolution, never rewritten by the decoder (reference-counted)."""
        return self._last_decoded

    # -- evidence -------------------------------------------------------------------------
    def cut_clip(self, at: float, pre_s: float, post_s: float, path: Path) -> Path:
        """An MP4 from `pre_s` before to `post_s` after `at` (time.time()), remuxed from the ring."""
        return cut_from_ring(self.ring, at, pre_s, post_s, path, lambda: not self._stop_event.is_set())

    def snapshot(self):
        """Full-resolution BGR copy of the newest decoded frame, or None. Safe from any thread:
        the decoded frame is reference-counted and never rewritten by the decoder."""
        frame = self._last_frame
        if frame is None or not self.status.online:
            return None
        return to_bgr_full(frame)
