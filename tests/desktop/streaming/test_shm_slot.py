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
    writer = ShmWriter(64, 36)
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
    writer = ShmWriter(8, 8)
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


def test_publishing_slot_makes_a_new_segment_on_resize_and_cleans_up():
    names = []
    slot = ShmPublishingSlot(names.append)
    slot.publish(TileFrame(1, time.time(), _img(1, 64, 36), 640, 360))
    slot.publish(TileFrame(2, time.time(), _img(2, 64, 36), 640, 360))
    slot.publish(TileFrame(3, time.time(), _img(3, 32, 18), 640, 360))
    assert len(names) == 2
    assert ShmReader(names[1]).latest().image.shape == (18, 32, 4)
    slot.close()
    for name in names:
        assert not Path("/dev/shm", name.lstrip("/")).exists()
        with pytest.raises(FileNotFoundError):
            ShmReader(name)
