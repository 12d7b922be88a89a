"""A cheap motion gate per camera: the scheduler skips inference on static scenes, and the
night-motion rule (夜间移动目标) reads it during the lights-off hours.

Grey, downscaled frames (area-averaged, which already divides sensor noise by the scale
factor) are compared with a running background; a pixel counts as changed only when it differs
by more than a noise floor, and isolated changed pixels are opened away. A static scene with
sensor noise therefore reports ~0 changed pixels; a walking cook reports a few per cent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from detectors.types import Box


def grey_small(frame: np.ndarray, width: int) -> np.ndarray:
    """A grey uint8 copy of a BGR, BGRA or grey frame, area-downscaled to `width` (never up)."""
    if frame.ndim == 3 and frame.shape[2] == 4:
        grey = cv2.cvtColor(frame, cv2.COLOR_BGRA2GRAY)
    elif frame.ndim == 3 and frame.shape[2] == 3:
        grey = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    elif frame.ndim == 3 and frame.shape[2] == 1:
        grey = frame[:, :, 0]
    elif frame.ndim == 2:
        grey = frame
    else:
        raise ValueError(f"expected a grey, BGR or BGRA frame, got shape {frame.shape}")
    h, w = grey.shape
    if w > width:
        grey = cv2.resize(grey, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(grey, dtype=np.uint8)


def _d(text: str) -> dict[str, str]:
    return {"description": text}


@dataclass(frozen=True, slots=True)
class MotionConfig:
    width: int = field(default=160, metadata=_d("analysis width in pixels (frames are area-downscaled to it)"))
    blur: int = field(default=3, metadata=_d("odd Gaussian kernel applied before the comparison (0 = none)"))
    noise_floor: int = field(default=16, metadata=_d("grey-level difference a pixel must exceed to count as "
                                                     "changed; sensor noise stays below it"))
    min_fraction: float = field(default=0.0008, metadata=_d("fraction of changed pixels above which the scene moves"))
    learning_rate: float = field(default=0.05, metadata=_d("weight of a new frame in the running background"))
    min_box_fraction: float = field(default=0.0005, metadata=_d("changed blobs smaller than this fraction of the "
                                                                "picture give no box"))

    def __post_init__(self) -> None:
        if self.width < 16:
            raise ValueError("motion width must be at least 16 pixels")
        if self.blur < 0 or (self.blur and self.blur % 2 == 0):
            raise ValueError("motion blur must be 0 or an odd kernel size")
        if not 0.0 < self.learning_rate <= 1.0:
            raise ValueError("motion learning_rate must be in (0, 1]")
        if not 0.0 <= self.min_fraction <= 1.0:
            raise ValueError("motion min_fraction must be in [0, 1]")


@dataclass(frozen=True, slots=True)
class MotionResult:
    """`boxes` are in source-frame pixels, biggest first."""

    changed_fraction: float
    moving: bool
    boxes: tuple[Box, ...] = ()


_KERNEL = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))


class MotionGate:
    """One per camera; not thread-safe (lives in the analysis worker). The first frame (and the
    first after a change of picture size) only seeds the background and reports no motion."""

    def __init__(self, config: MotionConfig | None = None) -> None:
        self.config = config or MotionConfig()
        self._background: np.ndarray | None = None

    def reset(self) -> None:
        self._background = None

    def update(self, frame: np.ndarray) -> MotionResult:
        c = self.config
        grey = grey_small(frame, c.width)
        if c.blur:
            grey = cv2.GaussianBlur(grey, (c.blur, c.blur), 0)
        current = grey.astype(np.float32)
        if self._background is None or self._background.shape != current.shape:
            self._background = current
            return MotionResult(0.0, False)
        diff = cv2.absdiff(current, self._background)
        cv2.accumulateWeighted(current, self._background, c.learning_rate)
        mask = (diff > c.noise_floor).astype(np.uint8)
        mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, _KERNEL)
        fraction = float(np.count_nonzero(mask)) / mask.size
        moving = fraction > c.min_fraction
        boxes: tuple[Box, ...] = ()
        if moving:
            boxes = self._boxes(mask, frame.shape[1] / mask.shape[1], frame.shape[0] / mask.shape[0])
        return MotionResult(fraction, moving, boxes)

    def _boxes(self, mask: np.ndarray, sx: float, sy: float) -> tuple[Box, ...]:
        dilated = cv2.dilate(mask, _KERNEL, iterations=2)
        count, _labels, stats, _centroids = cv2.connectedComponentsWithStats(dilated, connectivity=8)
        min_area = self.config.min_box_fraction * mask.size
        found = []
        for i in range(1, count):
            x, y, w, h, area = (int(v) for v in stats[i])
            if area >= min_area:
                found.append((area, Box(x * sx, y * sy, (x + w) * sx, (y + h) * sy)))
        found.sort(key=lambda t: -t[0])
        return tuple(b for _a, b in found)
