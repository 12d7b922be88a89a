"""Values that cross from a stream worker to its readers, and the latest-frame slot."""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class TileFrame:
    """One converted picture, immutable once published (the array is read-only)."""

    seq: int
    wall_time: float  # time.time() when decoded
    image: np.ndarray  # H x W x 4, BGRA (QImage.Format_RGB32 on little-endian), read-only
    source_width: int
    source_height: int


class FrameSlot:
    """Holds only the newest frame: readers that fall behind skip frames, nothing queues up.

    The reader (the wall, the analysis scheduler) sets `target_size`; the worker converts
    every frame straight to that size so the GUI blits 1:1 and never scales.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._frame: TileFrame | None = None
        self._target_size: tuple[int, int] = (0, 0)  # (0, 0): keep the source size

    @property
    def target_size(self) -> tuple[int, int]:
        return self._target_size

    @target_size.setter
    def target_size(self, size: tuple[int, int]) -> None:
        self._target_size = (max(0, int(size[0])), max(0, int(size[1])))

    def publish(self, frame: TileFrame) -> None:
        frame.image.flags.writeable = False
        with self._lock:
            self._frame = frame

    def latest(self) -> TileFrame | None:
        with self._lock:
            return self._frame

    def clear(self) -> None:
        with self._lock:
            self._frame = None

    def close(self) -> None:
        """The worker is done with this slot (shared-memory slots release their segment)."""
        self.clear()
