"""Checking a model end to end: its files are there and unchanged, OpenVINO reads it, its inputs
and outputs fit the manifest (the family checks that), and one inference on a synthetic frame
runs. Used by `models verify`, `models import` and later the settings page."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from detectors.manifest import Manifest
from detectors.registry import create_detector
from detectors.runtime import OpenVinoError, Runtime
from detectors.store import file_problem

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckResult:
    id: str
    ok: bool
    reason: str | None  # why it failed, for a person to read
    device: str
    load_ms: float = 0.0
    latency_ms: float = 0.0
    input_shape: tuple[int, ...] = ()
    output_shapes: tuple[tuple[int, ...], ...] = ()
    found: int = 0  # detections on the synthetic frame (a sanity figure, not a test)


def synthetic_frame(width: int = 640, height: int = 480) -> np.ndarray:
    """A deterministic BGR frame with edges and colour, so convolutions see more than a flat grey."""
    y, x = np.mgrid[0:height, 0:width]
    frame = np.stack([(x * 255 // max(1, width - 1)), (y * 255 // max(1, height - 1)),
                      ((x // 32 + y // 32) % 2) * 255], axis=2)
    return frame.astype(np.uint8)


def check_model(m: Manifest, model_dir: Path, runtime: Runtime, path: Path | None = None,
                runs: int = 5) -> CheckResult:
    if path is None:
        problem = file_problem(m, model_dir)
        if problem:
            return CheckResult(m.id, False, problem, runtime.device)
    started = time.perf_counter()
    try:
        det = create_detector(m, model_dir, runtime, path=path)
    except OpenVinoError as exc:
        return CheckResult(m.id, False, str(exc), runtime.device)
    load_ms = (time.perf_counter() - started) * 1000
    frame = synthetic_frame()
    try:
        found = det.detect(frame)
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            det.detect(frame)
            times.append(time.perf_counter() - t)
    except Exception as exc:  # noqa: BLE001 — any failure here means the model is unusable
        return CheckResult(m.id, False, f"推理失败 / inference failed: {exc}", runtime.device, load_ms)
    c = det.compiled
    return CheckResult(m.id, True, None, runtime.device, load_ms, float(np.median(times)) * 1000,
                       det.input_shape, tuple(tuple(o.shape) for o in c.outputs), len(found))
