"""录像回放: the clip player (widgets/clip_player.py) in a dialog, for an alert's clip or any
recorded file. The title names the camera and the time; the header shows the alert moment and
the wall-clock time of the frame on screen when the clip's start time is known.

The alert moment is given either as seconds into the clip (`marker_s`) or as seconds before
the clip's end (`marker_from_end_s`: alert clips end a fixed post-roll after the moment, see
AlertService.POST_S). With `alert_at` that also dates every frame: frame time = alert_at -
marker + position.

抓拍 (the player's button) emits `snapshotTaken(image, seconds into the clip, datetime | None)`
with the frame at the clip's full resolution; storing it as evidence is the owner's job.
Closing the dialog stops libvlc."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from widgets.clip_player import ClipPlayer, format_time

__all__ = ["ClipPlayerDialog"]

TIME_FMT = "%Y-%m-%d %H:%M:%S"


class ClipPlayerDialog(QDialog):
    snapshotTaken = Signal(QImage, float, object)  # full-resolution frame, seconds into the clip, datetime | None

    def __init__(self, path: str | Path, camera_name: str = "", venue_name: str = "",
                 alert_at: datetime | None = None, marker_s: float | None = None,
                 marker_from_end_s: float | None = None, clip_start: datetime | None = None,
                 autoplay: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("clipPlayerDialog")
        self.setModal(False)
        self.setAttribute(Qt.WA_DeleteOnClose, False)
        self.path = Path(path)
        self.camera_name, self.venue_name = camera_name, venue_name
        self.alert_at = alert_at
        self._clip_start = clip_start
        self.last_snapshot: tuple[QImage, float, datetime | None] | None = None

        self.heading = QLabel(self)
        self.heading.setObjectName("clipHeading")
        self.heading.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.frame_time_label = QLabel(self)
        self.frame_time_label.setObjectName("clipFrameTime")
        self.frame_time_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.player = ClipPlayer(self)
        self.snapshot_label = QLabel(self)
        self.snapshot_label.setObjectName("clipSnapshotNote")
        self.snapshot_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        buttons.button(QDialogButtonBox.Close).setText(self.tr("关闭"))
        buttons.rejected.connect(self.reject)

        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.frame_time_label)
        bottom = QHBoxLayout()
        bottom.addWidget(self.snapshot_label, 1)
        bottom.addWidget(buttons)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addLayout(top)
        layout.addWidget(self.player, 1)
        layout.addLayout(bottom)

        self.player.snapshotTaken.connect(self._on_snapshot)
        self.player.positionChanged.connect(self._show_frame_time)
        self.resize(1100, 700)

        self.player.open(self.path, marker_s=marker_s, autoplay=autoplay)
        if marker_s is None and marker_from_end_s is not None and self.player.is_open():
            self.player.set_marker(max(0.0, self.player.duration_s() - marker_from_end_s))
        marker = self.player.marker_s()
        if self._clip_start is None and alert_at is not None and marker is not None:
            self._clip_start = alert_at - timedelta(seconds=marker)
        self._set_titles()
        self._show_frame_time(self.player.position_s())

    # -- API -----------------------------------------------------------------------------------
    def clip_start(self) -> datetime | None:
        return self._clip_start

    def frame_datetime(self, seconds: float) -> datetime | None:
        """Wall-clock time of the frame `seconds` into the clip (None when the start is unknown)."""
        return None if self._clip_start is None else self._clip_start + timedelta(seconds=seconds)

    # -- internals -----------------------------------------------------------------------------
    def _set_titles(self) -> None:
        who = " · ".join(x for x in (self.venue_name, self.camera_name) if x) or self.path.name
        when = self.alert_at or self._clip_start
        title = self.tr("录像回放 — {0}").format(who)
        if when is not None:
            title += f" — {_local(when).strftime(TIME_FMT)}"
        self.setWindowTitle(title)
        parts = [f"<b>{_escape(who)}</b>"]
        if self.alert_at is not None:
            parts.append(self.tr("告警时刻 {0}").format(_local(self.alert_at).strftime(TIME_FMT)))
        marker = self.player.marker_s()
        if marker is not None:
            parts.append(self.tr("（录像第 {0}，琥珀色标记）").format(format_time(marker)))
        self.heading.setText("　".join(parts))

    def _show_frame_time(self, seconds: float) -> None:
        when = self.frame_datetime(seconds)
        if when is None:
            self.frame_time_label.setText(self.tr("录像位置 {0}").format(format_time(seconds)))
        else:
            self.frame_time_label.setText(self.tr("画面时间 {0}").format(_stamp(when)))

    def _on_snapshot(self, image: QImage, seconds: float) -> None:
        when = self.frame_datetime(seconds)
        self.last_snapshot = (image, seconds, when)
        stamp = _stamp(when) if when is not None else self.tr("录像第 {0}").format(format_time(seconds))
        self.snapshot_label.setText(self.tr("已抓拍：{0}（{1}×{2}）").format(stamp, image.width(), image.height()))
        self.snapshotTaken.emit(image, seconds, when)

    def done(self, result: int) -> None:
        self.player.close()
        super().done(result)

    def closeEvent(self, event) -> None:
        self.player.close()
        super().closeEvent(event)


def _local(when: datetime) -> datetime:
    return when.astimezone() if when.tzinfo else when


def _stamp(when: datetime) -> str:
    """2026-03-02 11:30:05.35 (local time, hundredths)."""
    local = _local(when)
    return f"{local.strftime(TIME_FMT)}.{local.microsecond // 10000:02d}"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
