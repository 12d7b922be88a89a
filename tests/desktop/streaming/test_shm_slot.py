import time
from pathlib import Path

import numpy as np
import pytest

from desktop.streaming.frames import TileFrame
from desktop.streaming.shm_slot import BUFFERS, ShmPublishingSlot, ShmReader, ShmWriter


def _img(value, w=64, h=36):
    a = np.full((h, w, 4), value, np.uint8)
    a[..., 3] = 255
    return a


def test_reader_sees_each_published_frame_without_copying():
    writer = ShmWriter(64 * 36)
    try:
        reader = ShmReader(writer.name)
        assert reader.latest() is None
        writer.write(_img(10), seq=1, source_w=640, source_h=360, wall_time=123.5)
        f = reader.latest()
        assert (f.seq, f.source_width, f.source_height, f.wall_time) == (1, 640, 360, 123.5)
        assert f.image.shape == (36, 64, 4) and f.image[0, 0, 0] == 10 and not f.image.flags.writeable
        assert reader.latest() is f  # unchanged seq: the same frame object, no work
        writer.write(_img(20), seq=2, source_w=640, source_h=360, wall_time=124.0)
        assert reader.latest().image[0, 0, 0] == 20
        assert f.image[0, 0, 0] == 10  # the previous picture is left alone while it may be painted
    finally:
        writer.close()


def test_buffers_rotate_so_the_published_one_is_never_written():
    writer = ShmWriter(8 * 8)
    try:
        reader = ShmReader(writer.name)
        seen = []
        for seq in range(1, 3 * BUFFERS):
            writer.write(_img(seq, 8, 8), seq, 8, 8, 0.0)
            f = reader.latest()
            seen.append(f)
            if len(seen) >= 2:
                assert seen[-2].image[0, 0, 0] == seq - 1  # one frame later, still intact
    finally:
        writer.close()


def test_publishing_slot_reuses_its_segment_until_a_picture_outgrows_it():
    names = []
    slot = ShmPublishingSlot(names.append)
    slot.publish(TileFrame(1, time.time(), _img(1, 64, 36), 640, 360))
    reader = ShmReader(names[0])
    slot.publish(TileFrame(2, time.time(), _img(2, 32, 18), 640, 360))  # a smaller tile: same segment
    assert len(names) == 1 and reader.latest().image.shape == (18, 32, 4)
    slot.publish(TileFrame(3, time.time(), _img(3, 66, 37), 640, 360))  # within the 25 % headroom
    assert len(names) == 1 and reader.latest().image.shape == (37, 66, 4)
    old_frame = reader.latest()
    slot.publish(TileFrame(4, time.time(), _img(4, 128, 72), 640, 360))  # outgrows it: a new one
    assert len(names) == 2 and ShmReader(names[1]).latest().image.shape == (72, 128, 4)
    # The old segment's name is gone at once, but what the GUI still paints from stays readable.
    assert not Path("/dev/shm", names[0].lstrip("/")).exists()
    assert old_frame.image[0, 0, 0] == 3
    slot.close()
    for name in names:
        assert not Path("/dev/shm", name.lstrip("/")).exists()
        with pytest.raises(FileNotFoundError):
            ShmReader(name)
