"""A latest-frame slot in shared memory, so decoding can live in another process.

Why: with dozens of decode threads in the GUI process, the GUI thread has to win the GIL
from them for every paint; at 36 realistic streams it lost often enough to stall 200 ms+
(measured). In a stream-host process the decode threads contend only with each other.

Layout of one segment: a header of int64 fields, then three picture buffers of `capacity`
pixels x 4 bytes (BGRA). The writer fills the buffer after the published one and then
publishes it; a reader painting the published buffer is never written under unless it holds
it for two more frame intervals (133 ms at 15 fps).
"""

from __future__ import annotations

from multiprocessing import shared_memory

import numpy as np

from desktop.streaming.frames import FrameSlot, TileFrame

BUFFERS = 3
# header fields (int64): seq, published buffer, source width, source height, wall time (µs),
# capacity (pixels a buffer holds), then width and height of each buffer's current picture
SEQ, INDEX, SRC_W, SRC_H, WALL_US, CAPACITY = range(6)
DIMS = 6
HEADER_FIELDS = DIMS + 2 * BUFFERS
HEADER_BYTES = HEADER_FIELDS * 8


def _dims(index: int) -> tuple[int, int]:
    return DIMS + 2 * index, DIMS + 2 * index + 1


class ShmWriter:
    """Owned by the stream host: one segment whose buffers hold pictures of up to `capacity`
    pixels, so a smaller tile (another layout) reuses it."""

    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.shm = shared_memory.SharedMemory(create=True, size=HEADER_BYTES + BUFFERS * capacity * 4)
        self.header = np.ndarray((HEADER_FIELDS,), np.int64, self.shm.buf, 0)
        self.header[:] = 0
        self.header[INDEX] = -1
        self.header[CAPACITY] = capacity

    @property
    def name(self) -> str:
        return self.shm.name

    def fits(self, width: int, height: int) -> bool:
        return width * height <= self.capacity

    def write(self, image: np.ndarray, seq: int, source_w: int, source_h: int, wall_time: float) -> None:
        h, w = image.shape[:2]
        index = (int(self.header[INDEX]) + 1) % BUFFERS
        offset = HEADER_BYTES + index * self.capacity * 4
        np.copyto(np.ndarray((h, w, 4), np.uint8, self.shm.buf, offset), image)
        wi, hi = _dims(index)
        self.header[wi], self.header[hi] = w, h
        self.header[SRC_W], self.header[SRC_H] = source_w, source_h
        self.header[WALL_US] = int(wall_time * 1e6)
        self.header[INDEX] = index
        self.header[SEQ] = seq  # last: a reader that sees the new seq sees the whole frame

    def close(self) -> None:
        """Unlinking is safe while a reader still paints from it: the name goes, the mapping stays."""
        self.header = None
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
        self.capacity = int(self.header[CAPACITY])
        self._last: TileFrame | None = None

    def latest(self) -> TileFrame | None:
        seq = int(self.header[SEQ])
        if seq == 0:
            return None
        last = self._last
        if last is not None and last.seq == seq:
            return last
        index = int(self.header[INDEX])
        wi, hi = _dims(index)
        w, h = int(self.header[wi]), int(self.header[hi])
        view = np.ndarray((h, w, 4), np.uint8, self.shm.buf, HEADER_BYTES + index * self.capacity * 4)
        view.flags.writeable = False
        frame = TileFrame(seq, self.header[WALL_US] / 1e6, view, int(self.header[SRC_W]), int(self.header[SRC_H]))
        self._last = frame
        return frame


class ShmPublishingSlot(FrameSlot):
    """Used inside the stream host: a FrameSlot whose frames go to shared memory. A segment is
    replaced only when a picture outgrows it (with 25 % headroom, so dragging the window edge
    does not make a segment per frame); `on_segment` tells the console the new name."""

    def __init__(self, on_segment) -> None:
        super().__init__()
        self._on_segment = on_segment
        self._writer: ShmWriter | None = None

    def publish(self, frame: TileFrame) -> None:
        h, w = frame.image.shape[:2]
        writer = self._writer
        if writer is None or not writer.fits(w, h):
            if writer is not None:
                writer.close()
            writer = self._writer = ShmWriter(w * h * 5 // 4)
            self._on_segment(writer.name)
        writer.write(frame.image, frame.seq, frame.source_width, frame.source_height, frame.wall_time)

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None
