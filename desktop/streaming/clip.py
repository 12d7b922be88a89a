"""Cut a clip from the packet ring: remux to MP4, no re-encoding."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av

from desktop.streaming.packet_ring import PacketRing, RingPacket

CLIP_TIME_BASE = Fraction(1, 90000)


def clip_timestamps(packets: Sequence[RingPacket]) -> list[int]:
    """Presentation times in 1/90000 s, starting at 0 and strictly increasing.

    RTSP packets carry no timestamp until the server's first RTCP sender report, and cheap
    cameras jump theirs; so the stream's own times are used only when every packet has one,
    otherwise the arrival times (the ring's wall clock) are."""
    own = [p.packet.dts if p.packet.dts is not None else p.packet.pts for p in packets]
    if packets and all(t is not None for t in own):
        base = packets[0].packet.time_base or CLIP_TIME_BASE
        raw = [round((t - own[0]) * base / CLIP_TIME_BASE) for t in own]
    else:
        raw = [round((p.wall_time - packets[0].wall_time) / CLIP_TIME_BASE) for p in packets]
    out: list[int] = []
    for t in raw:
        out.append(t if not out or t > out[-1] else out[-1] + 1)
    return out


def write_clip(packets: Sequence[RingPacket], path: Path) -> Path:
    """Write packets (first one a keyframe) to an MP4 atomically; raises ValueError if empty."""
    if not packets or not packets[0].keyframe:
        raise ValueError("a clip must start with a keyframe")
    tmp = path.with_name(path.name + ".part")
    try:
        with av.open(str(tmp), "w", format="mp4") as dst:
            stream = dst.add_stream_from_template(packets[0].packet.stream)
            stream.time_base = CLIP_TIME_BASE
            for rp, ts in zip(packets, clip_timestamps(packets), strict=True):
                pkt = av.Packet(bytes(rp.packet))
                pkt.is_keyframe = rp.keyframe
                pkt.stream = stream
                pkt.time_base = CLIP_TIME_BASE
                pkt.pts = pkt.dts = ts  # no B-frames in surveillance streams' sub/main profiles
                dst.mux(pkt)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


class ClipError(RuntimeError):
    """The clip could not be cut (stream offline, not enough pre-roll); the message says why."""


def cut_from_ring(ring: PacketRing, at: float, pre_s: float, post_s: float, path: Path,
                  is_running=lambda: True, poll_s: float = 0.1) -> Path:
    """Wait until `post_s` seconds after `at` (wall clock) have been received, then write the
    packets from the last keyframe at or before `at - pre_s` (or the oldest, if the ring is
    younger than that) to `at + post_s`. Blocks the
    calling thread for up to post_s (+ the time packets are late): never call it on a GUI thread."""
    deadline = at + post_s
    while True:
        packets = ring.since(at - pre_s)
        if packets and packets[-1].wall_time >= deadline:
            break
        if not is_running():
            raise ClipError("码流已停止，无法截取录像 / stream stopped before the clip was complete")
        if time.time() > deadline + 10.0:
            raise ClipError("码流中断，录像不完整 / no packets after the alert moment")
        time.sleep(poll_s)
    packets = [p for p in packets if p.wall_time <= deadline]
    # Right after a stream (re)connects the ring holds less than pre_s: keep what there is
    # (the alert itself must not wait), but a clip has to show the moment itself.
    if not packets or packets[0].wall_time > at:
        raise ClipError("告警时刻之前没有录像 / no packets before the alert moment")
    return write_clip(packets, path)
