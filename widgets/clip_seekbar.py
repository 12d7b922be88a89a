"""The clip player's seek bar: a horizontal QSlider in milliseconds with the alert moment drawn
as an amber marker and bookmarks as cyan ticks. A press anywhere on the groove jumps there (and
starts a drag); `seekRequested(ms)` is emitted on the press and while dragging. The bar takes no
keyboard focus: the player's shortcuts own the arrow keys."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QPointF, QRect, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QSlider, QStyle, QStyleOptionSlider, QWidget

__all__ = ["ClipSeekBar", "MARKER_COLOR", "BOOKMARK_COLOR"]

MARKER_COLOR = QColor("#f59e0b")
BOOKMARK_COLOR = QColor("#22d3ee")


class ClipSeekBar(QSlider):
    seekRequested = Signal(int)  # milliseconds

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(Qt.Horizontal, parent)
        self.setObjectName("clipSeekBar")
        self.setFocusPolicy(Qt.NoFocus)
        self.setRange(0, 0)
        self.setMinimumHeight(30)
        self._marker_ms: int | None = None
        self._bookmarks_ms: list[int] = []
        self.sliderMoved.connect(self.seekRequested)

    # -- marks ---------------------------------------------------------------------------------
    def set_marker_ms(self, ms: int | None) -> None:
        self._marker_ms = None if ms is None else int(ms)
        self._update_tooltip()
        self.update()

    def marker_ms(self) -> int | None:
        return self._marker_ms

    def set_bookmarks_ms(self, values: Iterable[int]) -> None:
        self._bookmarks_ms = sorted(int(v) for v in values)
        self.update()

    def _update_tooltip(self) -> None:
        if self._marker_ms is None:
            self.setToolTip("")
        else:
            s = self._marker_ms / 1000
            self.setToolTip(self.tr("琥珀色标记：告警时刻（{0:02d}:{1:05.2f}）").format(int(s // 60), s % 60))

    # -- geometry ------------------------------------------------------------------------------
    def _rects(self) -> tuple[QRect, QRect]:
        opt = QStyleOptionSlider()
        self.initStyleOption(opt)
        style = self.style()
        groove = style.subControlRect(QStyle.CC_Slider, opt, QStyle.SC_SliderGroove, self)
        handle = style.subControlRect(QStyle.CC_Slider, opt, QStyle.SC_SliderHandle, self)
        return groove, handle

    def x_for_ms(self, ms: float) -> float:
        """The x (widget pixels) of the handle's centre when the value is `ms`."""
        groove, handle = self._rects()
        span = max(1, groove.width() - handle.width())
        pos = QStyle.sliderPositionFromValue(self.minimum(), self.maximum(), int(round(ms)), span)
        return groove.x() + handle.width() / 2 + pos

    def ms_at_x(self, x: float) -> int:
        groove, handle = self._rects()
        span = max(1, groove.width() - handle.width())
        return QStyle.sliderValueFromPosition(self.minimum(), self.maximum(),
                                              int(round(x - groove.x() - handle.width() / 2)), span)

    def marker_x(self) -> float | None:
        return None if self._marker_ms is None else self.x_for_ms(self._marker_ms)

    # -- events --------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        if event.button() == Qt.LeftButton and self.maximum() > self.minimum():
            _, handle = self._rects()
            if not handle.contains(event.position().toPoint()):
                value = self.ms_at_x(event.position().x())
                self.setValue(value)
                self.seekRequested.emit(value)
        super().mousePressEvent(event)  # now over the handle: a drag starts

    def paintEvent(self, event) -> None:
        super().paintEvent(event)
        if self.maximum() <= self.minimum() or (self._marker_ms is None and not self._bookmarks_ms):
            return
        groove, _ = self._rects()
        p = QPainter(self)
        p.setRenderHint(QPainter.Antialiasing)
        top, bottom = 1.0, float(self.height() - 1)
        for ms in self._bookmarks_ms:
            x = self.x_for_ms(ms)
            p.setPen(QPen(BOOKMARK_COLOR, 2))
            p.drawLine(QPointF(x, groove.center().y() + 2), QPointF(x, bottom))
        if self._marker_ms is not None:
            x = self.x_for_ms(self._marker_ms)
            p.setPen(QPen(MARKER_COLOR, 2))
            p.drawLine(QPointF(x, top + 5), QPointF(x, bottom))
            p.setPen(Qt.NoPen)
            p.setBrush(MARKER_COLOR)
            p.drawPolygon(QPolygonF([QPointF(x - 5, top), QPointF(x + 5, top), QPointF(x, top + 7)]))
        p.end()
