"""A progress callback called at most ~50 times per file."""

from __future__ import annotations

from collections.abc import Callable

ProgressFn = Callable[[int, int], None]
MAX_CALLS = 50


class Throttled:
    def __init__(self, callback: ProgressFn | None, total: int, max_calls: int = MAX_CALLS) -> None:
        self.callback = callback
        self.total = max(total, 0)
        self.step = max(1, -(-self.total // max(max_calls - 2, 1)))  # leaves room for the first and last call
        self._next = 0
        self.calls = 0

    def __call__(self, done: int) -> None:
        if self.callback is None or done < self._next:
            return
        self._next = (done // self.step + 1) * self.step
        self.calls += 1
        self.callback(min(done, self.total), self.total)

    def finish(self) -> None:
        if self.callback is not None:
            self.calls += 1
            self.callback(self.total, self.total)
