"""A latest-frame slot in shared memory, so decoding can live in another process.

Why: with dozens of decode threads in the GUI process, the GUI thread has to win the GIL
from them for every paint; at 36 realistic streams it lost often enough to stall 200 ms+
(measured). In a stream-host process the decode threads contend only with each other.

Layout of one segment: a header of int64 fields, then three picture buffers of
width x height x 4 bytes (BGRA). The writer fills the buffer after the published one and
then publishes it; a reader painting the published buffer is never written under unless it
holds it for two more frame intervals (133 ms at 15 fps).
"""

from __future__ import annotations

import time
from multiprocessing import shared_memory

import numpy as np

from desktop.streaming.frames import FrameSlot, TileFrame

BUFFERS = 3
# header fields (int64): seq, published buffer, width, height, source width, source height, wall time (µs)
SEQ, INDEX, WIDTH, HEIGHT, SRC_W, SRC_H, WALL_US = range(7)
HEADER_FIELDS = 8
HEADER_BYTES = HEADER_FIELDS * 8


def segment_size(width: int, height: int) -> int:
    return HEADER_BYTES + BUFFERS * width * height * 4


class ShmWriter:
    """Owned by the stream host: creates (and finally unlinks) one segment for one size."""

    def __init__(self, width: int, height: int) -> None:
        self.width, self.height = width, height
        self.shm = shared_memory.SharedMemory(create=True, size=segment_size(width, height))
        self.header = np.ndarray((HEADER_FIELDS,), np.int64, self.shm.buf, 0)
        self.header[:] = 0
        self.header[WIDTH], self.header[HEIGHT] = width, height
        self.header[INDEX] = -1
        self._pictures = [np.ndarray((height, width, 4), np.uint8, self.shm.buf, HEADER_BYTES + i * width * height * 4)
                          for i in range(BUFFERS)]

    @property
    def name(self) -> str:
        return self.shm.name

    def write(self, image: np.ndarray, seq: int, source_w: int, source_h: int, wall_time: float) -> None:
        index = (int(self.header[INDEX]) + 1) % BUFFERS
        np.copyto(self._pictures[index], image)
        self.header[SRC_W], self.header[SRC_H] = source_w, source_h
        self.header[WALL_US] = int(wall_time * 1e6)
        self.header[INDEX] = index
        self.header[SEQ] = seq  # last: a reader that sees the new seq sees the whole frame

    def close(self) -> None:
        self.header = None
        self._pictures = []
        self.shm.close()
        self.shm.unlink()


class ShmReader:
    """The GUI side of one segment. Frames it hands out are read-only views (no copy)."""

    def __init__(self, name: str) -> None:
        # The host is spawned by this process and shares its resource tracker, so attaching
        # registers nothing new, and a host killed outright has its segments unlinked when
        # the console exits.
        self.shm = shared_memory.SharedMemory(name=name)
        self.header = np.ndarray((HEADER_FIELDS,), np.int64, self.shm.buf, 0)
        self.width, self.height = int(self.header[WIDTH]), int(self.header[HEIGHT])
        self._pictures = []
        for i in range(BUFFERS):
            view = np.ndarray((self.height, self.width, 4), np.uint8, self.shm.buf,
                              HEADER_BYTES + i * self.width * self.height * 4)
            view.flags.writeable = False
            self._pictures.append(view)
        self._last: TileFrame | None = None

    def latest(self) -> TileFrame | None:
        seq = int(self.header[SEQ])
        if seq == 0:
            return None
        last = self._last
        if last is not None and last.seq == seq:
            return last
        index = int(self.header[INDEX])
        frame = TileFrame(seq, self.header[WALL_US] / 1e6, self._pictures[index],
                          int(self.header[SRC_W]), int(self.header[SRC_H]))
        self._last = frame
        return frame


class ShmPublishingSlot(FrameSlot):
    """Used inside the stream host: a FrameSlot whose frames go to shared memory. A new
    segment is made when the picture size changes (a new layout); `on_segment` tells the
    parent its name."""

    def __init__(self, on_segment) -> None:
        super().__init__()
        self._on_segment = on_segment
        self._writer: ShmWriter | None = None
        self._retired: list[tuple[float, ShmWriter]] = []

    def publish(self, frame: TileFrame) -> None:
        h, w = frame.image.shape[:2]
        writer = self._writer
        if writer is None or (writer.width, writer.height) != (w, h):
            if writer is not None:
                # The GUI may still paint from the old segment for a moment: unlink it later.
                self._retired.append((time.monotonic(), writer))
            writer = self._writer = ShmWriter(w, h)
            self._on_segment(writer.name)
        writer.write(frame.image, frame.seq, frame.source_width, frame.source_height, frame.wall_time)
        self._reap(time.monotonic() - 5.0)

    def _reap(self, older_than: float) -> None:
        while self._retired and self._retired[0][0] < older_than:
            self._retired.pop(0)[1].close()

    def close(self) -> None:
        self._reap(float("inf"))
        if self._writer is not None:
            self._writer.close()
            self._writer = None
