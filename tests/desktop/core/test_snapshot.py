from datetime import UTC, datetime

import cv2
import numpy as np
import pytest

from desktop.core.snapshot import read_png_text, save_snapshot


def test_snapshot_keeps_pixels_and_metadata(tmp_path):
    img = np.zeros((720, 1280, 3), np.uint8)
    cv2.rectangle(img, (100, 100), (300, 200), (0, 0, 255), -1)
    when = datetime(2026, 11, 22, 9, 30, 5, 123000, tzinfo=UTC)
    path = save_snapshot(img, tmp_path, "莘庄镇中心小学食堂 · 烹饪区", 7, when, "值班员张三")
    assert path.name.startswith("莘庄镇中心小学食堂_·_烹饪区_20261122-093005-123")
    back = cv2.imread(str(path))
    assert back.shape == (720, 1280, 3) and np.array_equal(back, img)
    meta = read_png_text(path)
    assert meta["Camera"] == "莘庄镇中心小学食堂 · 烹饪区"
    assert meta["CameraId"] == "7" and meta["TakenBy"] == "值班员张三" and meta["Size"] == "1280x720"
    assert meta["Time"].startswith("2026-11-22T09:30:05.123")
    assert not list(tmp_path.glob("*.part"))


def test_failed_write_leaves_no_partial_file(tmp_path, monkeypatch):
    import desktop.core.atomic_file as atomic

    def boom(*_a):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", boom)
    with pytest.raises(OSError):
        save_snapshot(np.zeros((10, 10, 3), np.uint8), tmp_path, "cam", 1, datetime.now(UTC))
    assert list(tmp_path.iterdir()) == []
