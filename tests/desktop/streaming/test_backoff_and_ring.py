from fractions import Fraction

import av

from desktop.streaming.backoff import Backoff
from desktop.streaming.packet_ring import PacketRing


def test_backoff_grows_exponentially_and_is_capped():
    b = Backoff(base=1, factor=2, cap=30, jitter=0.0)
    assert [b.next_delay() for _ in range(7)] == [1, 2, 4, 8, 16, 30, 30]
    b.reset()
    assert b.next_delay() == 1


def test_backoff_jitter_stays_within_bounds():
    b = Backoff(base=10, factor=1, cap=30, jitter=0.2)
    delays = [b.next_delay() for _ in range(200)]
    assert min(delays) >= 8 and max(delays) <= 12 and len(set(delays)) > 100


def _packet(key: bool, pts: int) -> av.Packet:
    p = av.Packet(b"\x00" * 16)
    p.is_keyframe = key
    p.pts = p.dts = pts
    p.time_base = Fraction(1, 15)
    return p


def test_ring_trims_whole_gops_and_starts_on_keyframe():
    ring = PacketRing(seconds=4)
    for i in range(15 * 10):  # 10 s at 15 fps, keyframe every 2 s
        ring.append(_packet(i % 30 == 0, i), wall_time=i / 15)
    items = ring.since(0)
    assert items[0].keyframe
    assert 4 <= ring.duration() <= 6  # at least the window, at most a GOP more
    clip = ring.since(8.5)
    assert clip[0].keyframe and clip[0].wall_time == 8.0
    assert ring.since(-1)[0].wall_time == items[0].wall_time


def test_ring_drops_packets_before_the_first_keyframe():
    ring = PacketRing(seconds=4)
    for i in range(5):
        ring.append(_packet(False, i), wall_time=i / 15)
    assert len(ring) == 0
    ring.append(_packet(True, 5), wall_time=5 / 15)
    assert len(ring) == 1 and ring.since(0)[0].keyframe
