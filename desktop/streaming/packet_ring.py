"""The last few seconds of demuxed packets per camera, for alert clips cut without re-encoding."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

import av


@dataclass(frozen=True, slots=True)
class RingPacket:
    packet: av.Packet
    wall_time: float
    keyframe: bool


class PacketRing:
    """Append from the worker, copy out from anywhere. Always trimmed at a keyframe so what
    is kept can be decoded on its own."""

    def __init__(self, seconds: float = 12.0) -> None:
        self.seconds = seconds
        self._lock = threading.Lock()
        self._items: deque[RingPacket] = deque()
        self._gops: deque[int] = deque()  # packet count of each GOP in _items, oldest first

    def append(self, packet: av.Packet, wall_time: float) -> None:
        item = RingPacket(packet, wall_time, bool(packet.is_keyframe))
        with self._lock:
            if item.keyframe:
                self._gops.append(0)
            elif not self._gops:
                return  # nothing decodable before the first keyframe
            self._items.append(item)
            self._gops[-1] += 1
            # Drop the oldest GOP while the next one alone still covers the window: O(1) per
            # packet in steady state (this runs for every packet of every camera).
            while len(self._gops) > 1 and wall_time - self._items[self._gops[0]].wall_time >= self.seconds:
                for _ in range(self._gops.popleft()):
                    self._items.popleft()

    def since(self, wall_time: float) -> list[RingPacket]:
        """Packets from the last keyframe at or before `wall_time` to now."""
        with self._lock:
            items = list(self._items)
        start = 0
        for i, p in enumerate(items):
            if p.keyframe and p.wall_time <= wall_time:
                start = i
        while start < len(items) and not items[start].keyframe:
            start += 1
        return items[start:]

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._gops.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def duration(self) -> float:
        with self._lock:
            return self._items[-1].wall_time - self._items[0].wall_time if len(self._items) > 1 else 0.0
