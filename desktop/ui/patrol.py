"""轮巡: cycles wall pages, or the pages of one 街镇, every N seconds."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Signal

from desktop.core.wall_plan import patrol_pages


class Patrol(QObject):
    pageShown = Signal(int, int)  # index, count

    def __init__(self, show: Callable[[list[int | None]], None], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._show = show
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.step)
        self._pages: list[list[int | None]] = []
        self._index = 0

    @property
    def active(self) -> bool:
        return self._timer.isActive()

    def start(self, camera_ids: list[int], layout: int, seconds: int) -> None:
        self._pages = patrol_pages(camera_ids, layout)
        self._index = -1
        self._timer.start(max(1, seconds) * 1000)
        self.step()

    def stop(self) -> None:
        self._timer.stop()

    def step(self) -> None:
        if not self._pages:
            return
        self._index = (self._index + 1) % len(self._pages)
        self._show(self._pages[self._index])
        self.pageShown.emit(self._index, len(self._pages))
