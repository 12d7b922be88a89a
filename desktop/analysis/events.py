"""What the analysis sends to the console: plain picklable values (they cross a process)."""

from __future__ import annotations

from dataclasses import dataclass, field

from detectors.rules.violation import Violation


@dataclass(frozen=True, slots=True)
class AnalysisEvent:
    """A violation with its evidence pictures, encoded where the frame was (the stream host),
    so the console's GUI process never converts or encodes pictures."""

    camera_id: int
    violation: Violation
    frame_time: float  # time.time() of the analysed frame: the clip is cut around it
    clean_png: bytes = field(repr=False)  # the frame as analysed, full sub-stream resolution
    boxes_png: bytes = field(repr=False)  # the same frame with the boxes and labels drawn


@dataclass(frozen=True, slots=True)
class AnalysisStats:
    """Per camera, for the benchmark and the status bar."""

    camera_id: int
    analysed_fps: float
    skipped_static: int  # frames the motion gate skipped
    inference_ms_p50: float
    latency_ms_p95: float  # frame decoded → violation emitted
