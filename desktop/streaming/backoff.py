"""Capped exponential back-off with jitter, so a hundred cameras behind one dead switch
do not all knock again in the same second."""

from __future__ import annotations

import random
from dataclasses import dataclass, field


@dataclass
class Backoff:
    base: float = 1.0
    factor: float = 2.0
    cap: float = 30.0
    jitter: float = 0.2  # ± fraction
    failures: int = 0
    _rng: random.Random = field(default_factory=random.Random, repr=False)

    def next_delay(self) -> float:
        raw = min(self.cap, self.base * self.factor ** self.failures)
        self.failures += 1
        spread = raw * self.jitter
        return max(0.1, min(self.cap, raw + self._rng.uniform(-spread, spread)))

    def reset(self) -> None:
        self.failures = 0
