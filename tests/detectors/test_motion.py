"""The motion gate on kitchen-like frames with the demo's sensor noise."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from detectors.motion import MotionConfig, MotionGate, grey_small
from tests.detectors.rules.kitchen import H, W, background, kitchen_frames, static_frames, with_noise


def test_static_noisy_scene_is_not_moving():
    gate = MotionGate()
    results = [gate.update(f) for f in static_frames(20)]
    assert not any(r.moving for r in results)
    assert max(r.changed_fraction for r in results) < 0.0005


def test_stronger_sensor_noise_stays_below_the_floor():
    rng = np.random.default_rng(1)
    bg = background().astype(np.int16)
    gate = MotionGate()
    for _ in range(15):
        frame = np.clip(bg + rng.normal(0, 6, bg.shape), 0, 255).astype(np.uint8)
        assert not gate.update(frame).moving


def test_walking_cook_is_moving_with_a_box_on_the_cook():
    gate = MotionGate()
    results = [gate.update(f) for f in kitchen_frames(12)]
    assert not results[0].moving  # the first frame only seeds the background
    assert all(r.moving for r in results[1:])
    assert all(r.changed_fraction > 0.02 for r in results[1:])
    # The biggest box lies in the cooks' band of the picture (y ≈ 0.3..0.75 of the height).
    biggest = results[5].boxes[0]
    assert biggest.y1 < 0.5 * H < biggest.y2
    assert biggest.area > 0.005 * W * H


def test_one_small_moving_object_on_a_static_scene():
    bg = background()
    gate = MotionGate()
    gate.update(with_noise(bg, 0))
    moved = bg.copy()
    cv2.circle(moved, (500, 300), 12, (20, 20, 20), -1)  # a rat-sized dark blob on the floor
    r = gate.update(with_noise(moved, 1))
    assert r.moving
    box = r.boxes[0]
    assert box.x1 <= 500 <= box.x2 and box.y1 <= 300 <= box.y2


def test_bgra_and_grey_frames_are_accepted():
    frame = static_frames(1)[0]
    assert grey_small(cv2.cvtColor(frame, cv2.COLOR_BGR2BGRA), 160).shape == (90, 160)
    assert grey_small(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), 160).shape == (90, 160)
    with pytest.raises(ValueError, match="shape"):
        grey_small(np.zeros((4, 4, 2), np.uint8), 160)


def test_config_is_checked():
    with pytest.raises(ValueError, match="odd"):
        MotionConfig(blur=4)
