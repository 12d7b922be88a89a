"""Kitchen-like frames for the motion and quality tests, drawn by the demo's own (Qt-free) scene
code: tiled wall, counter, stove, walking cooks, and the demo's sensor noise."""

from __future__ import annotations

import cv2
import numpy as np

from desktop.demo import scene

W, H = 640, 360
LOOP = scene.FPS * scene.LOOP_SECONDS
_NOISE = scene._noise_fields(W, H)


def background(area: str = "加工制作区") -> np.ndarray:
    img = np.zeros((H, W, 3), np.uint8)
    scene._draw_static(img, scene.palette_for(area))
    return img


def with_noise(img: np.ndarray, i: int) -> np.ndarray:
    """The demo's sensor noise (one of nine fields) on `img` — each call a different field."""
    pos, neg = _NOISE[i % len(_NOISE)]
    return cv2.subtract(cv2.add(img, pos), neg)


def static_frames(count: int, area: str = "加工制作区") -> list[np.ndarray]:
    """A static scene: nothing moves, only the sensor noise changes."""
    bg = background(area)
    return [with_noise(bg, i) for i in range(count)]


def kitchen_frames(count: int, area: str = "加工制作区", step: int = 7) -> list[np.ndarray]:
    """The live scene sampled like the 2 fps analysis samples a 15 fps stream: cooks walk,
    flames flicker, steam rises."""
    bg = background(area)
    pal = scene.palette_for(area)
    return [scene._draw_frame(bg, pal, (i * step) % LOOP, LOOP, _NOISE[i % len(_NOISE)]) for i in range(count)]
