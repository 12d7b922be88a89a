"""画面异常 checks on generated frame sequences (kitchen-like frames with sensor noise)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from desktop.demo import scene
from detectors.quality import BLACK, BLURRED, COVERED, FROZEN, MOVED, QualityConfig, QualityMonitor
from tests.detectors.rules.kitchen import H, W, background, kitchen_frames, static_frames, with_noise


def run(monitor: QualityMonitor, frames, start: float = 0.0, step: float = 0.5):
    return [monitor.update(f, start + i * step) for i, f in enumerate(frames)]


def raised(results) -> set[str]:
    return {p for r in results for p in r.raised}


@pytest.mark.parametrize("area", list(scene.PALETTES))
def test_no_false_alarm_on_a_live_kitchen(area):
    results = run(QualityMonitor(), kitchen_frames(40, area))
    assert raised(results) == set()
    assert all(r.ok for r in results)


def test_no_false_alarm_on_a_static_noisy_scene_for_a_minute():
    monitor = QualityMonitor()
    results = run(monitor, static_frames(120), step=0.5)
    assert raised(results) == set()
    assert max(r.still_seconds for r in results) == 0.0


def test_black_after_k_of_n_and_one_black_frame_is_ignored():
    monitor = QualityMonitor()
    normal = kitchen_frames(10)
    dark = [with_noise(np.full((H, W, 3), 4, np.uint8), i) for i in range(5)]
    # One black frame among normal ones: no alert.
    results = run(monitor, normal[:5] + dark[:1] + normal[5:])
    assert raised(results) == set()
    results = run(monitor, dark, start=10)
    assert [r.raised for r in results][:3] == [(), (), (BLACK,)]
    assert results[-1].problems == (BLACK,)  # black, not covered as well


def test_frozen_picture_differs_from_a_noisy_static_scene():
    cfg = QualityConfig(frozen_seconds=5.0)
    frozen_frame = kitchen_frames(3)[2]
    monitor = QualityMonitor(cfg)
    results = run(monitor, [frozen_frame] * 20, step=0.5)  # 10 s of the very same picture
    assert FROZEN in results[-1].problems
    first = next(i for i, r in enumerate(results) if FROZEN in r.raised)
    assert results[first].still_seconds >= 5.0
    # A nearly identical repeat (re-encoded, ±1 grey level here and there) is frozen too.
    rng = np.random.default_rng(3)
    jitter = [np.clip(frozen_frame.astype(np.int16) + (rng.random(frozen_frame.shape) < 0.05), 0, 255)
              .astype(np.uint8) for _ in range(20)]
    assert FROZEN in run(QualityMonitor(cfg), jitter)[-1].problems
    # The same static scene with sensor noise is not.
    assert raised(run(QualityMonitor(cfg), static_frames(20))) == set()


def test_covered_lens():
    monitor = QualityMonitor()
    run(monitor, kitchen_frames(10))
    cloth = [with_noise(np.full((H, W, 3), (90, 110, 130), np.uint8), i) for i in range(6)]
    results = run(monitor, cloth, start=10)
    assert COVERED in results[-1].problems
    assert BLACK not in results[-1].problems


def test_half_covered_is_not_covered():
    half = background()
    half[:, : W // 2] = (90, 110, 130)
    results = run(QualityMonitor(), [with_noise(half, i) for i in range(10)])
    assert COVERED not in raised(results)


def test_blurred_against_the_cameras_reference():
    monitor = QualityMonitor()
    sharp = kitchen_frames(10)
    run(monitor, sharp)
    assert monitor.reference is not None
    # Defocus: blur the optical picture, then the sensor adds its noise as always.
    blurred = [with_noise(cv2.GaussianBlur(f, (0, 0), 4), i) for i, f in enumerate(kitchen_frames(6))]
    results = run(monitor, blurred, start=10)
    assert BLURRED in results[-1].problems
    assert results[-1].sharpness < 0.35 * monitor.reference.sharpness
    # Slight softening (sigma 0.7) stays within the camera's normal range.
    soft = [with_noise(cv2.GaussianBlur(f, (0, 0), 0.7), i) for i, f in enumerate(kitchen_frames(6))]
    assert BLURRED not in raised(run(QualityMonitor(), sharp + soft))


def shifted(img: np.ndarray, dx: int, dy: int) -> np.ndarray:
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(img, m, (img.shape[1], img.shape[0]), borderMode=cv2.BORDER_REPLICATE)


def test_moved_view_against_the_reference_taken_at_setup():
    monitor = QualityMonitor()
    monitor.set_reference(static_frames(1)[0])
    bg = background()
    pal = scene.palette_for("加工制作区")
    live = [scene._draw_frame(bg, pal, i * 7, 120, np.zeros((2, H, W, 3), np.uint8)) for i in range(16)]
    moved = [with_noise(shifted(f, 45, 12), i) for i, f in enumerate(live)]
    results = run(monitor, moved)
    assert MOVED in results[-1].problems
    assert results[-1].shift == pytest.approx(np.hypot(45, 12) / W, abs=0.01)
    # A camera that shook by 3 px is not moved.
    small = [with_noise(shifted(f, 3, 0), i) for i, f in enumerate(live)]
    monitor = QualityMonitor()
    monitor.set_reference(static_frames(1)[0])
    assert MOVED not in raised(run(monitor, small))


def test_automatic_reference_skips_black_frames():
    monitor = QualityMonitor(QualityConfig(reference_frames=3))
    dark = [with_noise(np.full((H, W, 3), 3, np.uint8), i) for i in range(4)]
    run(monitor, dark)
    assert monitor.reference is None
    run(monitor, kitchen_frames(3), start=2)
    assert monitor.reference is not None and monitor.reference.sharpness > 20


def test_config_is_checked():
    with pytest.raises(ValueError, match="k-of-n"):
        QualityConfig(k=4, n=3)
