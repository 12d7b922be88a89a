"""Synthetic kitchen scenes for the demo server, drawn with OpenCV.

Each scene is a seamless loop: every moving part has a period that divides the loop length,
so the RTSP server can replay the encoded file forever without a visible jump. Text (camera
name, clock) is not drawn here: the RTSP server burns it in with Pango, which renders Chinese.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

log = logging.getLogger(__name__)

FPS = 15
LOOP_SECONDS = 8
GOP = 2 * FPS  # a keyframe every 2 s: quick first picture, clips cut on keyframes
NOISE_SIGMA = 3.0
# Typical kitchen IP cameras: ~512 kbit/s sub-stream (640x360), ~2 Mbit/s main (1280x720).
BITRATE_PER_PIXEL_SECOND = 512_000 / (640 * 360)


@dataclass(frozen=True)
class ScenePalette:
    wall: tuple[int, int, int]
    floor: tuple[int, int, int]
    counter: tuple[int, int, int]
    cooks: int


# One look per kitchen area, so tiles of different areas are told apart at a glance.
PALETTES: dict[str, ScenePalette] = {
    "加工制作区": ScenePalette((200, 205, 210), (90, 95, 100), (170, 175, 180), 2),
    "烹饪区": ScenePalette((180, 190, 205), (70, 75, 85), (150, 155, 160), 2),
    "专间": ScenePalette((215, 225, 215), (110, 120, 110), (185, 190, 190), 1),
    "粗加工区": ScenePalette((190, 200, 190), (85, 95, 90), (160, 170, 165), 1),
    "洗消间": ScenePalette((215, 210, 195), (100, 100, 90), (175, 180, 185), 1),
    "库房": ScenePalette((170, 180, 185), (80, 80, 80), (120, 100, 85), 0),
    "备餐区": ScenePalette((205, 200, 215), (95, 90, 100), (180, 175, 185), 1),
    "就餐区": ScenePalette((210, 215, 225), (120, 110, 100), (140, 110, 90), 3),
}


def palette_for(area: str) -> ScenePalette:
    return PALETTES.get(area, PALETTES["加工制作区"])


def _draw_static(img: np.ndarray, pal: ScenePalette) -> None:
    h, w = img.shape[:2]
    s = w / 640.0
    img[:] = pal.wall
    floor_y = int(h * 0.62)
    img[floor_y:] = pal.floor
    # Wall tiles.
    step = int(32 * s)
    for x in range(0, w, step):
        cv2.line(img, (x, 0), (x, floor_y), tuple(c - 25 for c in pal.wall), max(1, int(s)))
    for y in range(0, floor_y, step):
        cv2.line(img, (0, y), (w, y), tuple(c - 25 for c in pal.wall), max(1, int(s)))
    # Range hood, shelves, counter, stove, sink.
    cv2.rectangle(img, (int(40 * s), int(20 * s)), (int(300 * s), int(70 * s)), (150, 150, 155), -1)
    cv2.rectangle(img, (int(380 * s), int(60 * s)), (int(610 * s), int(70 * s)), (90, 110, 140), -1)
    cv2.rectangle(img, (int(380 * s), int(120 * s)), (int(610 * s), int(130 * s)), (90, 110, 140), -1)
    for i in range(6):
        x = int((395 + i * 36) * s)
        cv2.rectangle(img, (x, int(35 * s)), (x + int(24 * s), int(60 * s)), (60 + 20 * i, 120, 180), -1)
    cv2.rectangle(img, (0, int(h * 0.55)), (w, int(h * 0.66)), pal.counter, -1)
    cv2.rectangle(img, (int(60 * s), int(h * 0.50)), (int(280 * s), int(h * 0.56)), (50, 50, 55), -1)
    cv2.rectangle(img, (int(420 * s), int(h * 0.53)), (int(560 * s), int(h * 0.57)), (120, 120, 125), -1)


def _draw_frame(static: np.ndarray, pal: ScenePalette, index: int, total: int,
                noise: np.ndarray) -> np.ndarray:
    img = static.copy()
    h, w = img.shape[:2]
    s = w / 640.0
    phase = 2 * math.pi * index / total
    # Flickering flames on the stove (period = loop / 8).
    for k, cx in enumerate((110, 170, 230)):
        flick = 0.5 + 0.5 * math.sin(8 * phase + k)
        radius = int((8 + 5 * flick) * s)
        cv2.circle(img, (int(cx * s), int(h * 0.50)), radius, (0, int(120 + 80 * flick), 255), -1)
    # Steam puffs rising over the stove (period = loop / 2).
    for k in range(3):
        t = ((2 * index / total) + k / 3) % 1.0
        y = int(h * 0.48 - t * h * 0.35)
        cv2.circle(img, (int((140 + 40 * k) * s), y), int((6 + 14 * t) * s), (235, 235, 235), 2)
    # Cooks: white coat, chef hat, walking along the counter (period = loop).
    for k in range(pal.cooks):
        x = int(w * (0.5 + 0.35 * math.sin(phase + k * 2.1)))
        y = int(h * (0.42 + 0.04 * k))
        body_w, body_h = int(44 * s), int(110 * s)
        cv2.rectangle(img, (x - body_w // 2, y), (x + body_w // 2, y + body_h), (245, 245, 245), -1)
        cv2.circle(img, (x, y - int(18 * s)), int(17 * s), (150, 180, 220), -1)
        cv2.rectangle(img, (x - int(14 * s), y - int(52 * s)), (x + int(14 * s), y - int(32 * s)), (252, 252, 252), -1)
        arm = int(30 * s * math.sin(4 * phase + k))
        shoulder = (x + body_w // 2, y + int(20 * s))
        hand = (shoulder[0] + int(20 * s), y + int(50 * s) + arm)
        cv2.line(img, shoulder, hand, (245, 245, 245), max(2, int(8 * s)))
    # Sensor noise, as every real camera has: without it the clip compresses to a tenth of a
    # real sub-stream's bit rate and decodes unrealistically cheaply (the wall benchmark's
    # ffmpeg baseline would then be no baseline at all).
    return cv2.subtract(cv2.add(img, noise[0]), noise[1])


def _noise_fields(width: int, height: int, count: int = 9) -> list[tuple[np.ndarray, np.ndarray]]:
    """A few fields of grey Gaussian noise, each split into its positive and negative part
    (saturating cv2.add/subtract on uint8 is ~10x cheaper than int16 arithmetic per frame).
    Nine fields cycle with no visible pattern at 15 fps."""
    rng = np.random.default_rng(7)
    fields = []
    for _ in range(count):
        n = rng.normal(0.0, NOISE_SIGMA, (height, width)).round().astype(np.int16)
        n3 = np.repeat(n[..., None], 3, axis=2)
        fields.append((np.clip(n3, 0, 255).astype(np.uint8), np.clip(-n3, 0, 255).astype(np.uint8)))
    return fields


def render_scene(area: str, width: int, height: int, out: Path) -> Path:
    """Encode one loop of the area's scene as Annex-B H.264 (no B-frames) at `out`.

    Written to a temporary name and renamed, so a half-written file is never served.
    """
    pal = palette_for(area)
    total = FPS * LOOP_SECONDS
    static = np.zeros((height, width, 3), np.uint8)
    _draw_static(static, pal)
    tmp = out.with_suffix(".part")
    out.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(tmp), "w", format="h264") as container:
        stream = container.add_stream("libx264", rate=FPS)
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, FPS)
        stream.options = {
            "preset": "veryfast",
            "bf": "0",
            "g": str(GOP),
            "keyint_min": str(GOP),
            "sc_threshold": "0",
            "profile": "main",
            "b": str(int(BITRATE_PER_PIXEL_SECOND * width * height)),
            "maxrate": str(int(BITRATE_PER_PIXEL_SECOND * width * height * 1.2)),
            "bufsize": str(int(BITRATE_PER_PIXEL_SECOND * width * height * 2)),
        }
        noises = _noise_fields(width, height)
        for i in range(total):
            frame = av.VideoFrame.from_ndarray(_draw_frame(static, pal, i, total, noises[i % len(noises)]),
                                               format="bgr24")
            frame.pts = i
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    tmp.replace(out)
    log.info("rendered demo scene %s %dx%d -> %s", area, width, height, out)
    return out


def scene_file(cache_dir: Path, area: str, width: int, height: int) -> Path:
    """Return the cached scene clip, rendering it on first use."""
    key = list(PALETTES).index(area) if area in PALETTES else 0
    path = cache_dir / f"scene{key}_{width}x{height}_v2.h264"
    if not path.exists():
        render_scene(area, width, height, path)
    return path
