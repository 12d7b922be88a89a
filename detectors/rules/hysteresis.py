"""k-of-n hysteresis: one odd frame neither raises nor clears a condition."""

from __future__ import annotations

from collections import deque
from datetime import datetime


class KofN:
    """On while at least `k` of the last `n` observations are true: it turns on at the k-th true
    observation in the window and off only when fewer than `k` remain, so a single odd frame
    neither raises nor (for k < n) clears it. `started_at` is the time of the earliest true
    observation in the window when it turned on."""

    def __init__(self, k: int, n: int) -> None:
        if not 1 <= k <= n:
            raise ValueError(f"k-of-n needs 1 ≤ k ≤ n, got k={k}, n={n}")
        self.k, self.n = k, n
        self._window: deque[tuple[bool, datetime | float | None]] = deque(maxlen=n)
        self.active = False
        self.started_at: datetime | float | None = None

    def push(self, value: bool, at: datetime | float | None = None) -> bool:
        """Record one observation; returns True exactly when the state turns on."""
        self._window.append((bool(value), at))
        trues = sum(1 for v, _ in self._window if v)
        if not self.active and trues >= self.k:
            self.active = True
            self.started_at = next(t for v, t in self._window if v)
            return True
        if self.active and trues < self.k:
            self.active = False
            self.started_at = None
        return False

    def reset(self) -> None:
        self._window.clear()
        self.active = False
        self.started_at = None
