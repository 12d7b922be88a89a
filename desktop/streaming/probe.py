"""Open a stream once and report what it is: codec, size, frame rate, or why it failed."""

from __future__ import annotations

import time
from dataclasses import dataclass

import av

from desktop.core.redact import redact_url
from desktop.streaming.errors import classify
from desktop.streaming.status import Reason
from desktop.streaming.worker import WorkerOptions


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    url: str  # credentials redacted
    codec: str = ""
    width: int = 0
    height: int = 0
    fps: float = 0.0
    open_seconds: float = 0.0
    reason: Reason = Reason.NONE
    detail: str = ""


def probe(url: str, timeout: float = 8.0) -> ProbeResult:
    """Decodes the first frame, so 'ok' means a picture, not just an answering server."""
    safe = redact_url(url)
    opts = WorkerOptions(open_timeout=timeout, read_timeout=timeout)
    start = time.monotonic()
    try:
        with av.open(url, options=opts.ffmpeg_options(url), timeout=(timeout, timeout)) as container:
            if not container.streams.video:
                return ProbeResult(False, safe, reason=Reason.NO_VIDEO)
            stream = container.streams.video[0]
            deadline = start + timeout
            for packet in container.demux(stream):
                for frame in packet.decode():
                    fps = float(stream.average_rate or stream.guessed_rate or 0)
                    return ProbeResult(True, safe, stream.codec_context.name, frame.width, frame.height,
                                       round(fps, 2), round(time.monotonic() - start, 3))
                if time.monotonic() > deadline:
                    return ProbeResult(False, safe, reason=Reason.STALLED)
            return ProbeResult(False, safe, reason=Reason.ENDED)
    except Exception as exc:  # noqa: BLE001 - every failure becomes a reason
        reason, detail = classify(exc, time.monotonic() - start, timeout)
        return ProbeResult(False, safe, reason=reason, detail=detail)
