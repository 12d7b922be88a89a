"""画面异常: black, frozen, covered, blurred or moved view, judged on a camera's frame sequence.

Every check works on a grey, area-downscaled frame and is cheap enough to run at the analysis
rate. Raw per-frame verdicts pass through k-of-n hysteresis, so one odd frame (a flash, a
decoder glitch, a hand passing the lens) raises nothing.

- 黑屏 black: mean luminance below a floor.
- 冻结 frozen: consecutive frames (near) identical for N seconds. A static scene still differs
  frame to frame by its sensor noise (mean |Δ| ≈ 1.5 grey levels on the demo streams); a frozen
  encoder or decoder repeats the same picture (mean |Δ| ≈ 0).
- 遮挡 covered: most blocks of the picture flat and of one colour (a cloth, a hand, paint).
- 模糊 blurred: variance of the Laplacian far below the camera's own reference.
- 偏移 moved: the view shifted against the reference (phase correlation).

The reference is the camera's known-good view: set it with `set_reference` when the camera is
set up, or let the monitor take it from its first good frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import cv2
import numpy as np

from detectors.motion import grey_small
from detectors.rules.hysteresis import KofN

BLACK, FROZEN, COVERED, BLURRED, MOVED = "黑屏", "冻结", "遮挡", "模糊", "偏移"
PROBLEMS = (BLACK, FROZEN, COVERED, BLURRED, MOVED)


def _d(text: str) -> dict[str, str]:
    return {"description": text}


@dataclass(frozen=True, slots=True)
class QualityConfig:
    width: int = field(default=320, metadata=_d("analysis width in pixels"))
    black_luminance: float = field(default=20.0, metadata=_d("mean grey level below which the picture is black"))
    frozen_seconds: float = field(default=10.0, metadata=_d("seconds of identical frames before 冻结"))
    frozen_max_diff: float = field(default=0.3, metadata=_d("mean absolute grey difference between consecutive "
                                                            "frames below which they count as identical (sensor "
                                                            "noise alone gives ~1.5)"))
    covered_grid: int = field(default=8, metadata=_d("the picture is cut into grid × grid blocks for 遮挡"))
    covered_block_std: float = field(default=6.0, metadata=_d("a block whose grey std is below this is flat"))
    covered_fraction: float = field(default=0.85, metadata=_d("fraction of flat blocks that means 遮挡"))
    covered_colour_spread: float = field(default=15.0, metadata=_d("std of the flat blocks' mean grey levels "
                                                                   "below which they are one colour"))
    blur_ratio: float = field(default=0.35, metadata=_d("sharpness (variance of Laplacian) below this fraction of "
                                                        "the reference means 模糊"))
    moved_fraction: float = field(default=0.04, metadata=_d("shift against the reference, as a fraction of the "
                                                            "width, that means 偏移"))
    moved_min_response: float = field(default=0.1, metadata=_d("phase-correlation peak below which the shift "
                                                               "estimate is not trusted"))
    moved_average_rate: float = field(default=0.2, metadata=_d("weight of a new frame in the running average the "
                                                               "shift is measured on (moving people average out)"))
    reference_frames: int = field(default=5, metadata=_d("good frames averaged into the automatic reference"))
    k: int = field(default=3, metadata=_d("a problem is raised when seen in k of the last n frames"))
    n: int = field(default=5, metadata=_d("window of the k-of-n hysteresis"))

    def __post_init__(self) -> None:
        if not 1 <= self.k <= self.n:
            raise ValueError("quality k-of-n needs 1 ≤ k ≤ n")
        if self.width < 32 or self.covered_grid < 2 or self.reference_frames < 1:
            raise ValueError("quality width ≥ 32, covered_grid ≥ 2 and reference_frames ≥ 1 are required")


@dataclass(frozen=True, slots=True)
class QualityReference:
    """A camera's known-good view: the grey analysis frame and its sharpness."""

    grey: np.ndarray
    sharpness: float


@dataclass(frozen=True, slots=True)
class QualityResult:
    """`problems` are active after hysteresis; `raised` turned on with this frame."""

    problems: tuple[str, ...]
    raised: tuple[str, ...]
    luminance: float
    sharpness: float
    flat_fraction: float
    shift: float  # against the reference, fraction of the width (0 without a reference)
    still_seconds: float

    @property
    def ok(self) -> bool:
        return not self.problems


def _seconds(at: datetime | float) -> float:
    return at.timestamp() if isinstance(at, datetime) else float(at)


def sharpness(grey: np.ndarray) -> float:
    """Variance of the Laplacian after a light 3×3 smoothing (which takes most sensor noise out)."""
    return float(cv2.Laplacian(cv2.GaussianBlur(grey, (3, 3), 0), cv2.CV_32F).var())


class QualityMonitor:
    """One per camera, fed frames in time order; not thread-safe (lives in the analysis worker)."""

    def __init__(self, config: QualityConfig | None = None, reference: QualityReference | None = None) -> None:
        self.config = config or QualityConfig()
        self.reference = reference
        self._candidates: list[tuple[np.ndarray, float]] = []
        self._previous: np.ndarray | None = None
        self._still_since: float | None = None
        self._window: np.ndarray | None = None
        self._average: np.ndarray | None = None
        self._states = {p: KofN(self.config.k, self.config.n) for p in PROBLEMS}

    def set_reference(self, frame: np.ndarray) -> QualityReference:
        grey = grey_small(frame, self.config.width)
        self.reference = QualityReference(grey.astype(np.float32), sharpness(grey))
        return self.reference

    def update(self, frame: np.ndarray, at: datetime | float) -> QualityResult:
        c = self.config
        grey = grey_small(frame, c.width)
        now = _seconds(at)
        luminance = float(grey.mean())
        sharp = sharpness(grey)

        black = luminance < c.black_luminance
        flat_fraction, one_colour = self._flatness(grey)
        covered = not black and flat_fraction >= c.covered_fraction and one_colour

        if self._previous is not None and self._previous.shape == grey.shape and \
                float(cv2.absdiff(grey, self._previous).mean()) < c.frozen_max_diff:
            if self._still_since is None:
                self._still_since = now
        else:
            self._still_since = None
        self._previous = grey
        still = now - self._still_since if self._still_since is not None else 0.0
        frozen = self._still_since is not None and still >= c.frozen_seconds

        blurred = moved = False
        shift = 0.0
        usable = not (black or covered)
        if self.reference is None and usable:
            self._collect(grey, sharp)
        ref = self.reference
        if usable:
            if self._average is None or self._average.shape != grey.shape:
                self._average = grey.astype(np.float32)
            else:
                cv2.accumulateWeighted(grey, self._average, c.moved_average_rate)
        if ref is not None and usable and ref.grey.shape == grey.shape and self._average is not None:
            blurred = sharp < c.blur_ratio * ref.sharpness
            if self._window is None or self._window.shape != grey.shape:
                self._window = cv2.createHanningWindow((grey.shape[1], grey.shape[0]), cv2.CV_32F)
            (dx, dy), response = cv2.phaseCorrelate(ref.grey, self._average, self._window)
            if response >= c.moved_min_response:
                shift = float(np.hypot(dx, dy)) / grey.shape[1]
                moved = shift >= c.moved_fraction

        raw = {BLACK: black, FROZEN: frozen, COVERED: covered, BLURRED: blurred, MOVED: moved}
        raised = tuple(p for p in PROBLEMS if self._states[p].push(raw[p], at))
        problems = tuple(p for p in PROBLEMS if self._states[p].active)
        return QualityResult(problems, raised, luminance, sharp, flat_fraction, shift, still)

    def _flatness(self, grey: np.ndarray) -> tuple[float, bool]:
        c = self.config
        g = c.covered_grid
        f = grey.astype(np.float32)
        mean = cv2.resize(f, (g, g), interpolation=cv2.INTER_AREA)
        mean_sq = cv2.resize(f * f, (g, g), interpolation=cv2.INTER_AREA)
        std = np.sqrt(np.maximum(mean_sq - mean * mean, 0.0))
        flat = std < c.covered_block_std
        count = int(np.count_nonzero(flat))
        one_colour = count > 0 and float(mean[flat].std()) < c.covered_colour_spread
        return count / flat.size, one_colour

    def _collect(self, grey: np.ndarray, sharp: float) -> None:
        self._candidates.append((grey.astype(np.float32), sharp))
        if len(self._candidates) >= self.config.reference_frames:
            stack = np.mean([g for g, _ in self._candidates], axis=0).astype(np.float32)
            self.reference = QualityReference(stack, float(np.median([s for _, s in self._candidates])))
            self._candidates.clear()
