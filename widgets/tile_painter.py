"""Drawing of one wall tile: the picture 1:1 and a cached overlay (camera, status, fps).

Text is rendered only when the overlay's content changes (about once a second for the fps
figure), then blitted: drawing text on every frame of 36 tiles would cost more than decoding.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter

BAR_BG = QColor(0, 0, 0, 150)
EMPTY_BG = QColor(24, 27, 31)
TEXT = QColor(235, 238, 242)
MUTED = QColor(160, 168, 178)


@dataclass(frozen=True)
class TileOverlay:
    title: str  # camera, e.g. "烹饪区"
    subtitle: str = ""  # venue, e.g. "莘庄镇中心小学食堂"
    status: str = ""  # 连接中 / 在线 / 重连中 3s / 离线
    status_color: str = "#9aa0a6"
    detail: str = ""  # failure reason, shown when there is no picture
    stats: str = ""  # "15.0 fps · 640×360"
    has_picture: bool = False


class OverlayCache:
    """Per tile: the overlay last rendered and its two bar images."""

    def __init__(self) -> None:
        self.key: tuple | None = None
        self.top: QImage | None = None
        self.bottom: QImage | None = None

    def ensure(self, overlay: TileOverlay, width: int, font: QFont) -> None:
        key = (overlay, width, font.pointSize())
        if key == self.key:
            return
        self.key = key
        fm = QFontMetrics(font)
        bar_h = fm.height() + 6
        self.top = _bar(width, bar_h)
        p = QPainter(self.top)
        p.setFont(font)
        status_w = fm.horizontalAdvance(overlay.status) + 14 if overlay.status else 0
        p.fillRect(QRect(width - status_w, 0, status_w, bar_h), QColor(overlay.status_color))
        p.setPen(QColor("#ffffff"))
        p.drawText(QRect(width - status_w, 0, status_w, bar_h), Qt.AlignCenter, overlay.status)
        p.setPen(TEXT)
        label = f"{overlay.subtitle} · {overlay.title}" if overlay.subtitle else overlay.title
        label = fm.elidedText(label, Qt.ElideMiddle, max(0, width - status_w - 12))
        p.drawText(QRect(6, 0, width - status_w - 8, bar_h), Qt.AlignVCenter | Qt.AlignLeft, label)
        p.end()
        self.bottom = None
        if overlay.stats:
            self.bottom = _bar(fm.horizontalAdvance(overlay.stats) + 12, bar_h)
            p = QPainter(self.bottom)
            p.setFont(font)
            p.setPen(MUTED)
            p.drawText(self.bottom.rect(), Qt.AlignCenter, overlay.stats)
            p.end()


def _bar(width: int, height: int) -> QImage:
    img = QImage(max(1, width), max(1, height), QImage.Format_ARGB32_Premultiplied)
    img.fill(BAR_BG)
    return img


def paint_placeholder(p: QPainter, rect: QRect, overlay: TileOverlay | None, hint: str, font: QFont) -> None:
    """A tile with no picture: why (status and reason) or, if empty, how to fill it."""
    p.fillRect(rect, EMPTY_BG)
    p.setFont(font)
    if overlay is None:
        p.setPen(MUTED)
        p.drawText(rect, Qt.AlignCenter | Qt.TextWordWrap, hint)
        return
    p.setPen(QColor(overlay.status_color))
    lines = [overlay.status] + ([overlay.detail] if overlay.detail else [])
    p.drawText(rect.adjusted(8, 24, -8, -8), Qt.AlignCenter | Qt.TextWordWrap, "\n".join(lines))


def paint_overlay(p: QPainter, rect: QRect, cache: OverlayCache) -> None:
    if cache.top is not None:
        p.drawImage(rect.x(), rect.y(), cache.top)
    if cache.bottom is not None:
        p.drawImage(rect.right() + 1 - cache.bottom.width(), rect.bottom() + 1 - cache.bottom.height(), cache.bottom)
