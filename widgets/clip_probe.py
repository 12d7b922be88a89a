"""What the clip player needs to know about a file before playing it, read with PyAV (demux
only, no decoding): the picture's size, every frame's presentation time and the keyframes.

libvlc 3 hands its memory callbacks the decoder's padded size (a 320×240 H.264 picture arrives
as 320×258, stretched), so the player tells libvlc the size read here. Frames are addressed by
the times read here: frame k is the k-th presentation time, so frame steps and the time shown
stay exact when the frame rate is irregular (clips cut from RTSP by arrival time)."""

from __future__ import annotations

import bisect
import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

__all__ = ["ClipInfo", "ClipProbeError", "probe_clip"]

# Above this size the frame times come from the frame rate instead of reading every packet
# (reading a multi-gigabyte recording would block the GUI thread for seconds).
DEMUX_LIMIT_BYTES = 256 * 1024 * 1024


class ClipProbeError(RuntimeError):
    """The file cannot be played; the message is Chinese and meant for the user."""


@dataclass(frozen=True, slots=True)
class ClipInfo:
    path: Path
    width: int
    height: int
    sar: float  # pixel aspect (1.0: square pixels)
    fps: float
    frame_times: tuple[float, ...]  # seconds from the first frame, strictly increasing
    duration_s: float
    codec: str = ""
    frame_pts: tuple[int, ...] = ()  # the stream's own pts of each frame (empty: derived from fps)
    keyframes: tuple[int, ...] = ()  # indices of the frames a decoder can start from (empty: unknown)

    def keyframe_before(self, index: int) -> int | None:
        """The last keyframe at or before frame `index` (None when unknown)."""
        i = bisect.bisect_right(self.keyframes, index) - 1
        return self.keyframes[i] if i >= 0 else None

    @property
    def frame_count(self) -> int:
        return len(self.frame_times)

    @property
    def display_aspect(self) -> float:
        return self.width * self.sar / self.height if self.height else 16 / 9

    def frame_at(self, seconds: float) -> int:
        """The frame shown at `seconds`: the last one that starts at or before it."""
        i = bisect.bisect_right(self.frame_times, seconds + 1e-6) - 1
        return min(max(i, 0), len(self.frame_times) - 1)

    def time_of(self, index: int) -> float:
        return self.frame_times[min(max(index, 0), len(self.frame_times) - 1)]

    def seek_ms(self, index: int) -> int:
        """The libvlc start time (ms) that shows frame `index` first: halfway to the next frame
        (libvlc 3 shows the last frame strictly before the time it is given)."""
        index = min(max(index, 0), len(self.frame_times) - 1)
        start = self.frame_times[index]
        end = self.frame_times[index + 1] if index + 1 < len(self.frame_times) else self.duration_s
        if end - start < 0.002:
            end = start + 1.0 / (self.fps or 25.0)
        return int((start + end) / 2 * 1000)


def _rate(stream) -> float:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate and float(rate) > 0:
            return float(rate)
    return 0.0


def probe_clip(path: str | os.PathLike) -> ClipInfo:
    """Raises ClipProbeError with a Chinese reason for a missing, empty or unreadable file."""
    path = Path(path)
    if not path.is_file():
        raise ClipProbeError(f"录像文件不存在：{path}")
    size = path.stat().st_size
    if size == 0:
        raise ClipProbeError(f"录像文件为空（0 字节）：{path.name}")
    try:
        import av
    except ImportError as exc:  # pragma: no cover - PyAV is a dependency of the console
        raise ClipProbeError(f"无法读取录像信息（缺少 PyAV：{exc}）") from exc
    try:
        container = av.open(str(path))
    except (av.FFmpegError, OSError, ValueError) as exc:
        raise ClipProbeError(f"录像文件已损坏或格式不受支持：{path.name}（{exc}）") from exc
    try:
        if not container.streams.video:
            raise ClipProbeError(f"录像文件中没有视频：{path.name}")
        stream = container.streams.video[0]
        ctx = stream.codec_context
        width, height = int(ctx.width or 0), int(ctx.height or 0)
        if width <= 0 or height <= 0:
            raise ClipProbeError(f"录像文件已损坏：无法读取画面尺寸（{path.name}）")
        sar_q = stream.sample_aspect_ratio or ctx.sample_aspect_ratio
        sar = float(sar_q) if sar_q and float(sar_q) > 0 else 1.0
        fps = _rate(stream)
        time_base = stream.time_base or Fraction(1, 90000)
        pts: list[int] = []
        key_pts: set[int] = set()
        if size <= DEMUX_LIMIT_BYTES:
            try:
                for packet in container.demux(stream):
                    if packet.pts is not None and packet.size:
                        pts.append(packet.pts)
                        if packet.is_keyframe:
                            key_pts.add(packet.pts)
            except (av.FFmpegError, OSError) as exc:
                if not pts:
                    raise ClipProbeError(f"录像文件已损坏：{path.name}（{exc}）") from exc
                # a truncated file: play what is there
        if pts:
            pts = sorted(set(pts))
            times = [float((p - pts[0]) * time_base) for p in pts]
            if not fps and len(times) > 1:
                fps = (len(times) - 1) / (times[-1] - times[0]) if times[-1] > times[0] else 0.0
        else:
            duration = float(stream.duration * time_base) if stream.duration else (container.duration or 0) / 1e6
            if not fps or duration <= 0:
                raise ClipProbeError(f"录像文件已损坏：没有可播放的画面（{path.name}）")
            times = [i / fps for i in range(max(1, round(duration * fps)))]
        fps = fps or 25.0
        if len(times) > 1:
            steps = sorted(b - a for a, b in zip(times, times[1:], strict=False))
            last_step = steps[len(steps) // 2]
        else:
            last_step = 1.0 / fps
        return ClipInfo(path=path, width=width, height=height, sar=sar, fps=fps, frame_times=tuple(times),
                        duration_s=times[-1] + last_step, codec=ctx.name or "", frame_pts=tuple(pts),
                        keyframes=tuple(i for i, p in enumerate(pts) if p in key_pts))
    finally:
        container.close()
