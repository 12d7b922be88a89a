from fractions import Fraction

import av
import cv2
import numpy as np
import pytest

from desktop.streaming.convert import fit_size, to_bgra


def _frame(w=640, h=360) -> tuple[av.VideoFrame, np.ndarray]:
    rng = np.random.default_rng(1)
    img = cv2.GaussianBlur(rng.integers(0, 255, (h, w, 3), dtype=np.uint8), (9, 9), 3)
    cv2.rectangle(img, (50, 40), (250, 200), (0, 0, 255), -1)
    frame = av.VideoFrame.from_ndarray(img, format="bgr24").reformat(format="yuv420p")
    frame.time_base = Fraction(1, 15)
    return frame, img


def test_fit_size_keeps_aspect_and_even():
    assert fit_size(640, 360, 320, 240) == (320, 180)
    assert fit_size(1280, 720, 301, 301) == (300, 168)
    assert fit_size(640, 360, 0, 0) == (640, 360)


@pytest.mark.parametrize("size", [(320, 180), (640, 360), (1280, 720), (213, 120)])
def test_to_bgra_matches_reference_conversion(size):
    frame, _ = _frame()
    ref = cv2.resize(frame.to_ndarray(format="bgra"), size, interpolation=cv2.INTER_AREA)
    out = to_bgra(frame, size)
    assert out.shape == (size[1] & ~1 if size[0] < 640 else size[1], size[0] & ~1 if size[0] < 640 else size[0], 4)
    ref = cv2.resize(ref, (out.shape[1], out.shape[0]))
    diff = np.abs(out[..., :3].astype(int) - ref[..., :3].astype(int))
    assert diff.mean() < 4 and np.percentile(diff, 99) < 40
    assert (out[..., 3] == 255).all()  # opaque: painted as QImage.Format_RGB32


def test_non_420_input_is_converted():
    frame, img = _frame()
    rgb = av.VideoFrame.from_ndarray(img, format="bgr24")
    out = to_bgra(rgb, (320, 180))
    assert out.shape == (180, 320, 4)
