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

    def append(self, packet: av.Packet, wall_time: float) -> None:
        item = RingPacket(packet, wall_time, bool(packet.is_keyframe))
        with self._lock:
            self._items.append(item)
            self._trim(wall_time)

    def _trim(self, now: float) -> None:
        # Drop whole GOPs while the second-oldest keyframe is still old enough.
        items = self._items
        while items and now - items[0].wall_time > self.seconds:
            nxt = next((i for i, p in enumerate(items) if i > 0 and p.keyframe), None)
            if nxt is None or now - items[nxt].wall_time < self.seconds:
                break
            for _ in range(nxt):
                items.popleft()

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

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def duration(self) -> float:
        with self._lock:
            return self._items[-1].wall_time - self._items[0].wall_time if len(self._items) > 1 else 0.0
