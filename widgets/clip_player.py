"""The clip review player: alert clips, recorded files and local video.

libvlc plays the clip (play, 0.25×–8×, seeking while playing), rendering into memory through its
video callbacks (widgets/clip_vlc.py: RV32 at the clip's own size) so it works on every
platform, with or without a native window (offscreen, Xvfb). Whenever the player is paused —
after a pause, a frame step, a seek on the paused clip, the end of the clip — the picture is
the exact frame of the file decoded by PyAV on a worker thread (widgets/clip_frames.py), so a
frame step lands on the next frame, the time and frame number shown are that frame's, and a
snapshot is that frame at the clip's full resolution.

Why not libvlc's own frame stepping: measured with libvlc 3.0 (Debian 12) on generated clips
whose frames carry their number, `next_frame` after a paused seek showed the same picture again
in 11 of 60 steps, and a paused seek shows nothing, or a stale picture, once the demuxer reaches
the end of the file while buffering (any seek into the last `file-caching` of a clip, and the
seek after it) or right after the input has (re)started. Playing and pausing are reliable. So
libvlc plays; a pause freezes libvlc where it is and the worker decodes the frames around the
estimated position and picks the one most like libvlc's picture, so the paused frame is the
one that was on screen. Playing again resumes libvlc in place when it is still on that frame,
otherwise restarts it at the frame (:start-time; a fresh input also after the end, which
libvlc 3 cannot seek).

Controls: play/pause (Space), speed 0.25×–8×, one frame back / forward (← / →, each pauses
first), a seek bar with the alert moment as an amber marker (`set_marker`) and bookmarks as cyan
ticks, the time and frame number, 告警时刻 (M) to jump to the marker, 抓拍 (`snapshot()`, signal
`snapshotTaken(QImage, seconds)`), bookmarks with a note (`add_bookmark`, `bookmarks()`,
`bookmarksChanged`; click one to jump to it).

A missing or corrupt file, or a missing libvlc, shows a Chinese message in the picture area;
nothing raises. libvlc and PyAV's worker never touch a widget: pictures reach the GUI thread
through queued signals (latest only), and every libvlc call is made on the GUI thread.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFontMetrics, QImage, QKeySequence, QPainter, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from widgets.clip_frames import FrameSource, decode_frame
from widgets.clip_probe import ClipInfo, ClipProbeError, probe_clip
from widgets.clip_seekbar import ClipSeekBar
from widgets.clip_vlc import VlcClipSession, VlcUnavailableError

__all__ = ["RATES", "ClipPlayer", "ClipVideoView", "format_time"]

log = logging.getLogger(__name__)

RATES = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
TICK_MS = 40  # position, slider and state polling while a clip is open
OPEN_TIMEOUT_S = 20.0  # libvlc gives no picture this long after starting: say so
MATCH_DELAY_MS = 120  # after a pause, libvlc's last pictures arrive; then the paused one is matched
MATCH_WINDOW_MAX = 150  # frames either side of the estimate searched for libvlc's paused picture


def format_time(seconds: float) -> str:
    """00:02.40 (minutes:seconds.hundredths), with hours when the clip is that long."""
    seconds = max(0.0, seconds)
    cs = int(round(seconds * 100))
    h, rest = divmod(cs, 360000)
    m, rest = divmod(rest, 6000)
    s = rest / 100
    return f"{h}:{m:02d}:{s:05.2f}" if h else f"{m:02d}:{s:05.2f}"


def _rate_text(rate: float) -> str:
    return f"{rate:g}×"


class ClipVideoView(QWidget):
    """Paints the current frame, scaled to fit with the clip's display aspect, and a message."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("clipVideo")
        self.setAttribute(Qt.WA_OpaquePaintEvent)
        self.setMinimumSize(320, 180)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setFocusPolicy(Qt.ClickFocus)
        self._image: QImage | None = None
        self._aspect = 16 / 9
        self._message = ""

    def sizeHint(self) -> QSize:
        return QSize(800, 450)

    def set_image(self, image: QImage | None) -> None:
        self._image = image
        self.update()

    def set_aspect(self, aspect: float) -> None:
        self._aspect = aspect if aspect > 0 else 16 / 9
        self.update()

    def set_message(self, text: str) -> None:
        self._message = text
        self.update()

    def message(self) -> str:
        return self._message

    def image_rect(self) -> QRectF:
        """Where the picture is drawn (widget pixels)."""
        w, h = self.width(), self.height()
        if w * 1.0 / max(1, h) > self._aspect:
            dw, dh = h * self._aspect, float(h)
        else:
            dw, dh = float(w), w / self._aspect
        return QRectF((w - dw) / 2, (h - dh) / 2, dw, dh)

    def paintEvent(self, event) -> None:
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("#000000"))
        if self._image is not None and not self._image.isNull():
            p.setRenderHint(QPainter.SmoothPixmapTransform)
            p.drawImage(self.image_rect(), self._image)
        if self._message:
            font = p.font()
            font.setPointSizeF(font.pointSizeF() * 1.2)
            p.setFont(font)
            box = self.rect().adjusted(24, 0, -24, 0)
            flags = Qt.AlignCenter | Qt.TextWordWrap
            text_rect = p.boundingRect(box, flags, self._message)
            p.fillRect(text_rect.adjusted(-16, -10, 16, 10), QColor(17, 19, 23, 220))
            p.setPen(QColor("#e5e7eb"))
            p.drawText(box, flags, self._message)
        p.end()


class ClipPlayer(QWidget):
    snapshotTaken = Signal(QImage, float)  # full-resolution frame, its time in the clip (s)
    bookmarksChanged = Signal()
    positionChanged = Signal(float)  # seconds; while playing, about every TICK_MS
    playingChanged = Signal(bool)
    messageChanged = Signal(str)  # an error or status shown over the picture ("" when none)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("clipPlayer")
        self.setFocusPolicy(Qt.StrongFocus)
        self._info: ClipInfo | None = None
        self._session: VlcClipSession | None = None
        self._frames: FrameSource | None = None
        self._holder: list = [None, None]  # session, frames: for the destroyed handler (no self)
        self._path: Path | None = None
        self._image: QImage | None = None  # the picture on screen
        self._vlc_image: QImage | None = None  # libvlc's latest picture
        self._still_for: int | None = None  # the picture on screen is this frame, decoded by PyAV
        self._show_vlc = False  # libvlc's pictures go on screen (playing; paused until matched)
        self._frames_shown = 0
        self._stills_shown = 0
        self._playing = False
        self._vlc_running = False  # libvlc's input exists and has not ended
        self._vlc_start_count = 0  # frames_delivered when libvlc was last started
        self._vlc_started_at = 0.0
        self._vlc_start_index = 0
        self._rate_pending = False  # the speed goes to libvlc with its first picture (see _start_vlc)
        self._parked_at: int | None = None  # libvlc is paused showing exactly this frame
        self._paused_frame = 0
        self._req_id = 0
        self._match_req = -1
        self._rate = 1.0
        self._clock_t = 0.0
        self._clock_wall = 0.0
        self._clock_vlc_ms = -1
        self._last_emitted = -1.0
        self._marker: float | None = None
        self._bookmarks: list[tuple[float, str]] = []
        self._message = ""
        self._drag_ms: int | None = None
        self._ended = False  # played to the end (status 播放结束) and nothing done since

        self.video = ClipVideoView(self)
        self.seek_bar = ClipSeekBar(self)
        style = self.style()
        self.step_back_button = QPushButton(style.standardIcon(QStyle.SP_MediaSeekBackward), self.tr("上一帧"), self)
        self.play_button = QPushButton(self)
        self.step_forward_button = QPushButton(style.standardIcon(QStyle.SP_MediaSeekForward), self.tr("下一帧"), self)
        self.step_back_button.setToolTip(self.tr("后退一帧（←），先暂停"))
        self.step_forward_button.setToolTip(self.tr("前进一帧（→），先暂停"))
        self.play_button.setToolTip(self.tr("播放 / 暂停（空格）"))
        self.time_label = QLabel(self)
        self.time_label.setObjectName("clipTime")
        self.time_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.status_label = QLabel(self)
        self.status_label.setObjectName("clipStatus")
        self.speed_combo = QComboBox(self)
        self.speed_combo.setObjectName("clipSpeed")
        for r in RATES:
            self.speed_combo.addItem(_rate_text(r), r)
        self.speed_combo.setCurrentIndex(RATES.index(1.0))
        self.speed_combo.setToolTip(self.tr("播放速度"))
        self.speed_combo.setFocusPolicy(Qt.NoFocus)
        self.marker_button = QPushButton(self.tr("告警时刻"), self)
        self.marker_button.setObjectName("clipMarkerButton")
        self.marker_button.setToolTip(self.tr("跳到告警时刻（M）"))
        self.snapshot_button = QPushButton(self.tr("抓拍"), self)
        self.snapshot_button.setObjectName("clipSnapshotButton")
        self.snapshot_button.setToolTip(self.tr("抓拍当前画面（原始分辨率）"))
        for b in (self.step_back_button, self.play_button, self.step_forward_button, self.marker_button,
                  self.snapshot_button):
            b.setFocusPolicy(Qt.NoFocus)  # Space must reach the player's shortcut, not click a button

        self.bookmark_title = QLabel(self.tr("书签"), self)
        self.bookmark_title.setObjectName("clipBookmarkTitle")
        self.bookmark_list = QListWidget(self)
        self.bookmark_list.setObjectName("clipBookmarks")
        self.bookmark_list.setToolTip(self.tr("单击跳到该书签"))
        self.bookmark_note = QLineEdit(self)
        self.bookmark_note.setPlaceholderText(self.tr("书签备注（可选）"))
        self.bookmark_button = QPushButton(self.tr("添加书签"), self)
        self.bookmark_remove_button = QPushButton(self.tr("删除"), self)
        self.bookmark_remove_button.setEnabled(False)

        controls = QHBoxLayout()
        controls.setSpacing(6)
        controls.addWidget(self.step_back_button)
        controls.addWidget(self.play_button)
        controls.addWidget(self.step_forward_button)
        controls.addSpacing(8)
        controls.addWidget(self.time_label)
        controls.addStretch(1)
        controls.addWidget(self.status_label)
        controls.addSpacing(8)
        controls.addWidget(QLabel(self.tr("倍速"), self))
        controls.addWidget(self.speed_combo)
        controls.addWidget(self.marker_button)
        controls.addWidget(self.snapshot_button)

        left = QVBoxLayout()
        left.setSpacing(4)
        left.addWidget(self.video, 1)
        left.addWidget(self.seek_bar)
        left.addLayout(controls)

        self.side = QWidget(self)
        self.side.setObjectName("clipSide")
        side = QVBoxLayout(self.side)
        side.setContentsMargins(0, 0, 0, 0)
        side.setSpacing(4)
        side.addWidget(self.bookmark_title)
        side.addWidget(self.bookmark_list, 1)
        side.addWidget(self.bookmark_note)
        row = QHBoxLayout()
        row.addWidget(self.bookmark_button, 1)
        row.addWidget(self.bookmark_remove_button)
        side.addLayout(row)
        self.side.setFixedWidth(220)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(8)
        layout.addLayout(left, 1)
        layout.addWidget(self.side)

        self.play_button.clicked.connect(self.toggle_play)
        self.step_back_button.clicked.connect(self.step_back)
        self.step_forward_button.clicked.connect(self.step_forward)
        self.speed_combo.currentIndexChanged.connect(lambda i: self.set_rate(RATES[i]))
        self.marker_button.clicked.connect(self.jump_to_marker)
        self.snapshot_button.clicked.connect(self.snapshot)
        self.seek_bar.seekRequested.connect(self._on_seek_requested)
        self.seek_bar.sliderReleased.connect(self._apply_drag)
        self.bookmark_button.clicked.connect(self._add_bookmark_from_ui)
        self.bookmark_note.returnPressed.connect(self._add_bookmark_from_ui)
        self.bookmark_list.itemClicked.connect(self._bookmark_clicked)
        self.bookmark_list.currentRowChanged.connect(lambda r: self.bookmark_remove_button.setEnabled(r >= 0))
        self.bookmark_remove_button.clicked.connect(lambda: self.remove_bookmark(self.bookmark_list.currentRow()))
        for key, slot in ((Qt.Key_Space, self.toggle_play), (Qt.Key_Right, self.step_forward),
                          (Qt.Key_Left, self.step_back), (Qt.Key_M, self.jump_to_marker)):
            QShortcut(QKeySequence(key), self, slot, context=Qt.WidgetWithChildrenShortcut)

        self._tick_timer = QTimer(self)
        self._tick_timer.setInterval(TICK_MS)
        self._tick_timer.timeout.connect(self._tick)
        self._drag_timer = QTimer(self)
        self._drag_timer.setSingleShot(True)
        self._drag_timer.setInterval(60)  # a drag seeks at most ~16 times a second
        self._drag_timer.timeout.connect(self._apply_drag)
        self._match_timer = QTimer(self)
        self._match_timer.setSingleShot(True)
        self._match_timer.setInterval(MATCH_DELAY_MS)
        self._match_timer.timeout.connect(self._request_match)
        holder = self._holder
        self.destroyed.connect(lambda *_: _release_all(holder))

        fm = QFontMetrics(self.time_label.font())
        self.time_label.setMinimumWidth(fm.horizontalAdvance("00:00.00 / 00:00.00　第 0000/0000 帧") + 8)
        self._set_message(self.tr("未打开录像"))
        self._update_controls()

    # -- opening and closing -------------------------------------------------------------------
    def open(self, path: str | Path, marker_s: float | None = None, autoplay: bool = True) -> bool:
        """Open a clip and play it (autoplay False: show its first frame, paused). False, with
        the reason shown in the picture area, when the file or libvlc is unusable."""
        self.close()
        self._path = Path(path)
        self._bookmarks = []
        self._refresh_bookmarks(emit=False)
        self.set_marker(marker_s)
        try:
            info = probe_clip(self._path)
        except ClipProbeError as exc:
            self._fail(str(exc))
            return False
        try:
            session = VlcClipSession(str(self._path), info.width, info.height)
        except VlcUnavailableError as exc:
            self._fail(str(exc))
            return False
        except Exception as exc:  # noqa: BLE001 - no crash for a player that cannot start
            log.exception("clip player: libvlc player could not be created")
            self._fail(self.tr("无法创建播放器：{0}").format(exc))
            return False
        frames = FrameSource(info)
        self._info, self._session, self._frames = info, session, frames
        self._holder[:] = [session, frames]
        session.notifier.frameReady.connect(self._on_vlc_frame, Qt.QueuedConnection)
        frames.notifier.frameDecoded.connect(self._on_still, Qt.QueuedConnection)
        frames.notifier.failed.connect(self._on_still_failed, Qt.QueuedConnection)
        self.video.set_aspect(info.display_aspect)
        self.seek_bar.setRange(0, int(round(info.duration_s * 1000)))
        self._set_message(self.tr("正在打开录像……"))
        if autoplay:
            self._start_vlc(0)
            self._playing = self._show_vlc = True
            self._anchor(0.0)
        else:
            self._show_still(0)
        self._tick_timer.start()
        self._update_controls()
        self.playingChanged.emit(self._playing)
        return True

    def close(self) -> None:
        """Stop and release the clip; the widget stays usable for the next open()."""
        self._tick_timer.stop()
        self._drag_timer.stop()
        self._match_timer.stop()
        was_playing = self._playing
        self._release()
        self._info = None
        self._image = self._vlc_image = None
        self._still_for = None
        self._frames_shown = self._stills_shown = 0
        self._playing = self._vlc_running = self._show_vlc = self._ended = False
        self._parked_at = None
        self._paused_frame = 0
        self.video.set_image(None)
        self.seek_bar.setRange(0, 0)
        self._set_message(self.tr("未打开录像"))
        self._update_controls()
        if was_playing:
            self.playingChanged.emit(False)

    def _release(self) -> None:
        session, frames = self._session, self._frames
        self._session = self._frames = None
        self._holder[:] = [None, None]
        self._req_id += 1  # answers still under way are dropped
        if session is not None:
            _disconnect(session.notifier.frameReady, self._on_vlc_frame)
        if frames is not None:
            _disconnect(frames.notifier.frameDecoded, self._on_still)
            _disconnect(frames.notifier.failed, self._on_still_failed)
        _release_all([session, frames])

    # -- state ---------------------------------------------------------------------------------
    def clip_info(self) -> ClipInfo | None:
        return self._info

    def path(self) -> Path | None:
        return self._path

    def message(self) -> str:
        return self._message

    def is_open(self) -> bool:
        return self._info is not None

    def is_playing(self) -> bool:
        return self._playing

    def duration_s(self) -> float:
        return self._info.duration_s if self._info else 0.0

    def frame_count(self) -> int:
        return self._info.frame_count if self._info else 0

    def position_s(self) -> float:
        """Paused: the time of the frame on screen (exact). Playing: estimated from libvlc's
        clock (libvlc updates it a few times a second; in between it is interpolated)."""
        info = self._info
        if info is None:
            return 0.0
        if self._playing:
            t = self._clock_t + (time.monotonic() - self._clock_wall) * self._rate
            return min(max(t, 0.0), info.frame_times[-1])
        return info.time_of(self._paused_frame)

    def current_frame(self) -> int | None:
        """Index (0-based) of the frame on screen; estimated while playing; None when closed."""
        info = self._info
        if info is None:
            return None
        return info.frame_at(self.position_s()) if self._playing else self._paused_frame

    def is_settled(self) -> bool:
        """Paused with the exact frame `current_frame()` on screen."""
        return self._info is not None and not self._playing and self._still_for == self._paused_frame

    def current_image(self) -> QImage | None:
        """The picture on screen at the clip's resolution (not a copy; use snapshot() to keep it)."""
        return self._image

    def frames_shown(self) -> int:
        """Pictures received from libvlc since open (tests wait on it)."""
        return self._frames_shown

    def rate(self) -> float:
        return self._rate

    def engine_rate(self) -> float | None:
        """The rate libvlc itself reports (None when no clip is open)."""
        return self._session.rate() if self._session is not None else None

    # -- commands ------------------------------------------------------------------------------
    def toggle_play(self) -> None:
        if self._playing:
            self.pause()
        else:
            self.play()

    def play(self) -> None:
        info, s = self._info, self._session
        if info is None or s is None or self._playing:
            return
        self._match_timer.stop()
        self._req_id += 1  # a still still on its way is no longer wanted
        k = self._paused_frame
        if k >= info.frame_count - 1:
            k = 0  # at the end: play again from the start
        if self._vlc_running and self._parked_at == k:
            s.resume()  # libvlc is paused on this very frame: go on seamlessly
        else:
            self._start_vlc(k)
        self._playing = self._show_vlc = True
        self._ended = False
        self._parked_at = None
        self._anchor(info.time_of(k))
        self._update_controls()
        self.playingChanged.emit(True)

    def pause(self) -> None:
        """Pause; the paused frame is the one libvlc had on screen (matched, see the module)."""
        info, s = self._info, self._session
        if info is None or s is None or not self._playing:
            return
        s.set_pause(True)
        self._paused_frame = info.frame_at(self.position_s())
        self._playing = False
        self._parked_at = None
        self._still_for = None
        self._show_vlc = True  # libvlc's picture is the paused one until the match arrives
        self._match_timer.start()
        self._update_controls()
        self.playingChanged.emit(False)

    def step_forward(self) -> None:
        self.step(1)

    def step_back(self) -> None:
        self.step(-1)

    def step(self, frames: int) -> None:
        """Pause, then move `frames` frames (negative: back) from the frame on screen."""
        if self._info is None:
            return
        if self._playing:
            self.pause()
        self._show_still(self._paused_frame + frames)

    def seek(self, seconds: float) -> None:
        """Go to `seconds`: playing goes on from there; paused shows the frame at that time."""
        info, s = self._info, self._session
        if info is None or s is None:
            return
        t = min(max(float(seconds), 0.0), info.frame_times[-1])
        if self._playing and self._vlc_running:
            s.set_time_ms(int(t * 1000))
            self._anchor(t)
            self._refresh_position()
        elif self._playing:
            self._start_vlc(info.frame_at(t))
            self._anchor(t)
        else:
            self._show_still(info.frame_at(t))

    def set_rate(self, rate: float) -> bool:
        """0.25× to 8×; False (and nothing changes) outside that range or if libvlc refuses."""
        rate = float(rate)
        if not RATES[0] <= rate <= RATES[-1]:
            return False
        if self._playing:
            self._anchor(self.position_s())
        s = self._session
        if s is not None and self._vlc_running and s.frames_delivered == self._vlc_start_count:
            self._rate_pending = rate != 1.0  # libvlc is still opening: with its first picture
        elif s is not None and not s.set_rate(rate):
            return False
        self._rate = rate
        if rate in RATES and self.speed_combo.currentIndex() != RATES.index(rate):
            self.speed_combo.blockSignals(True)
            self.speed_combo.setCurrentIndex(RATES.index(rate))
            self.speed_combo.blockSignals(False)
        self._update_controls()
        return True

    def set_marker(self, seconds: float | None) -> None:
        """The alert moment (seconds into the clip), drawn on the seek bar; None removes it."""
        self._marker = None if seconds is None else max(0.0, float(seconds))
        self.seek_bar.set_marker_ms(None if self._marker is None else int(round(self._marker * 1000)))
        self._update_controls()

    def marker_s(self) -> float | None:
        return self._marker

    def jump_to_marker(self) -> None:
        if self._marker is not None:
            self.seek(self._marker)

    def snapshot(self) -> QImage:
        """The frame on screen at the clip's full resolution; emits snapshotTaken(image, its
        time). Paused, it is the exact frame (decoded here if the worker has not delivered it
        yet). A null QImage, and no signal, when there is no picture."""
        info = self._info
        if info is None:
            return QImage()
        image = self._image
        if not self._playing and self._still_for != self._paused_frame and not self._match_timer.isActive():
            image = (self._frames.cached(self._paused_frame) if self._frames else None) or \
                decode_frame(info, self._paused_frame)
            if not image.isNull():
                self._req_id += 1
                self._put_still(self._paused_frame, image)
        if image is None or image.isNull():
            return QImage()
        image = image.copy()
        self.snapshotTaken.emit(image, self.position_s())
        return image

    # -- bookmarks -----------------------------------------------------------------------------
    def bookmarks(self) -> list[tuple[float, str]]:
        """[(seconds, note)] in time order."""
        return list(self._bookmarks)

    def set_bookmarks(self, items: Iterable[tuple[float, str]]) -> None:
        self._bookmarks = sorted((round(float(t), 3), str(n)) for t, n in items)
        self._refresh_bookmarks()

    def add_bookmark(self, note: str = "", seconds: float | None = None) -> int:
        """A bookmark at `seconds` (default: the frame on screen); returns its row."""
        t = self.position_s() if seconds is None else max(0.0, float(seconds))
        entry = (round(t, 3), note.strip())
        self._bookmarks.append(entry)
        self._bookmarks.sort()
        self._refresh_bookmarks()
        return self._bookmarks.index(entry)

    def remove_bookmark(self, row: int) -> None:
        if 0 <= row < len(self._bookmarks):
            del self._bookmarks[row]
            self._refresh_bookmarks()

    def jump_to_bookmark(self, row: int) -> None:
        if 0 <= row < len(self._bookmarks):
            self.seek(self._bookmarks[row][0])

    def _add_bookmark_from_ui(self) -> None:
        if self._info is None:
            return
        self.add_bookmark(self.bookmark_note.text())
        self.bookmark_note.clear()

    def _bookmark_clicked(self, item: QListWidgetItem) -> None:
        self.jump_to_bookmark(self.bookmark_list.row(item))

    def _refresh_bookmarks(self, emit: bool = True) -> None:
        self.bookmark_list.clear()
        for t, note in self._bookmarks:
            item = QListWidgetItem(f"{format_time(t)}  {note}" if note else format_time(t))
            item.setToolTip(note or format_time(t))
            self.bookmark_list.addItem(item)
        self.seek_bar.set_bookmarks_ms(int(round(t * 1000)) for t, _ in self._bookmarks)
        self.bookmark_remove_button.setEnabled(False)
        if emit:
            self.bookmarksChanged.emit()

    # -- libvlc ------------------------------------------------------------------------------
    def _start_vlc(self, index: int) -> None:
        """A fresh libvlc input playing from frame `index`."""
        s, info = self._session, self._info
        if s is None or info is None:
            return
        self._vlc_start_count = s.frames_delivered
        self._vlc_started_at = time.monotonic()
        self._vlc_start_index = index
        self._vlc_image = None
        # The speed is set once the first picture is out: set before (or while libvlc opens), it
        # makes libvlc drop the first second of pictures (measured: 2× from 2.0 s showed frame
        # 20, then 32).
        s.set_rate(1.0)
        self._rate_pending = self._rate != 1.0
        s.start(info.seek_ms(index) / 1000.0 if index > 0 else None)
        self._vlc_running = True
        self._parked_at = None

    def _anchor(self, t: float) -> None:
        self._clock_t, self._clock_wall = t, time.monotonic()
        self._clock_vlc_ms = self._session.time_ms() if self._session is not None else -1

    def _on_vlc_frame(self) -> None:
        s = self._session
        image = s.take_frame() if s is not None else None
        if image is None:
            return
        self._vlc_image = image
        self._frames_shown += 1
        if self._rate_pending and self._vlc_running:
            self._rate_pending = False
            s.set_rate(self._rate)
        if self._show_vlc:
            self._image, self._still_for = image, None
            if self._message:
                self._set_message("")
            self.video.set_image(image)

    def _tick(self) -> None:
        s, info = self._session, self._info
        if s is None or info is None:
            return
        state = s.state() if self._vlc_running else "idle"
        if state == "error":
            self._fail(self.tr("libvlc 无法播放该录像（文件可能已损坏，或编码不受支持）：{0}").format(info.path.name))
            return
        if state == "ended":
            self._vlc_running = False
            if s.frames_delivered == self._vlc_start_count and self._vlc_start_index == 0:
                self._fail(self.tr("录像无法解码，没有任何画面（文件可能已损坏）：{0}").format(info.path.name))
                return
            if self._playing:  # played to the end: show the last frame (libvlc sometimes drops it)
                self._playing = False
                self._show_still(info.frame_count - 1)
                self._ended = True
                self._update_controls()
                self.playingChanged.emit(False)
        if (self._playing and s.frames_delivered == self._vlc_start_count
                and time.monotonic() - self._vlc_started_at > OPEN_TIMEOUT_S):
            self._fail(self.tr("libvlc {0:.0f} 秒内没有输出画面：{1}").format(OPEN_TIMEOUT_S, info.path.name))
            return
        if self._playing and state == "playing":
            t = s.time_ms()
            if t != self._clock_vlc_ms:
                self._clock_vlc_ms = t
                if t >= 0:
                    self._clock_t, self._clock_wall = t / 1000.0, time.monotonic()
        self._refresh_position()

    # -- stills (PyAV) -------------------------------------------------------------------------
    def _show_still(self, index: int) -> None:
        """Pause on frame `index` (clamped), decoded exactly."""
        info, frames = self._info, self._frames
        if info is None or frames is None:
            return
        self._match_timer.stop()
        self._paused_frame = min(max(index, 0), info.frame_count - 1)
        self._ended = False
        self._show_vlc = False
        self._req_id += 1
        cached = frames.cached(self._paused_frame)
        if cached is not None:
            self._put_still(self._paused_frame, cached)
        else:
            frames.request(self._req_id, self._paused_frame)
        self._update_controls()

    def _request_match(self) -> None:
        """After a pause: the exact frame most like libvlc's picture, near the estimate."""
        info, frames = self._info, self._frames
        if info is None or frames is None or self._playing:
            return
        # libvlc's pictures can run up to its buffer (file-caching, 1 s) off its clock after a
        # speed change; the search stops early once it has found the frame.
        window = min(MATCH_WINDOW_MAX, 2 + math.ceil(info.fps * 1.2 * max(1.0, self._rate)))
        self._req_id += 1
        self._match_req = self._req_id
        if self._vlc_image is None:
            frames.request(self._req_id, self._paused_frame)
        else:
            frames.request(self._req_id, self._paused_frame, match=self._vlc_image, window=window)

    def _on_still(self, req_id: int, index: int, image: QImage) -> None:
        if req_id != self._req_id or self._playing or self._info is None:
            return
        if req_id == self._match_req and self._vlc_running:
            self._parked_at = index  # libvlc is paused on this frame: play resumes in place
        self._put_still(index, image)

    def _put_still(self, index: int, image: QImage) -> None:
        self._paused_frame = index
        self._image, self._still_for = image, index
        self._show_vlc = False
        self._stills_shown += 1
        if self._message:
            self._set_message("")
        self.video.set_image(image)
        self._update_controls()

    def _on_still_failed(self, req_id: int, reason: str) -> None:
        if req_id == self._req_id and not self._playing:
            self._set_message(reason)

    # -- the rest ------------------------------------------------------------------------------
    def _on_seek_requested(self, ms: int) -> None:
        self._drag_ms = ms
        if not self._drag_timer.isActive():
            self._apply_drag()
            self._drag_timer.start()  # later moves within 60 ms are applied when it fires

    def _apply_drag(self) -> None:
        if self._drag_ms is not None:
            ms, self._drag_ms = self._drag_ms, None
            self.seek(ms / 1000.0)

    def _fail(self, message: str) -> None:
        """Show why the clip cannot be played; release libvlc and the decoder; no exception
        leaves the widget."""
        log.warning("clip player: %s", message)
        self._tick_timer.stop()
        self._match_timer.stop()
        was_playing = self._playing
        self._release()
        self._info = None
        self._playing = self._vlc_running = self._show_vlc = self._ended = False
        self._image = self._vlc_image = None
        self._still_for = None
        self.video.set_image(None)
        self.seek_bar.setRange(0, 0)
        self._set_message(message)
        self._update_controls()
        if was_playing:
            self.playingChanged.emit(False)

    def _set_message(self, text: str) -> None:
        if text != self._message:
            self._message = text
            self.video.set_message(text)
            self.messageChanged.emit(text)

    def _refresh_position(self) -> None:
        info = self._info
        if info is None:
            self.time_label.setText("--:--.-- / --:--.--")
            return
        pos = self.position_s()
        if not self.seek_bar.isSliderDown() and self._drag_ms is None:
            self.seek_bar.setValue(int(round(pos * 1000)))
        k = self.current_frame() or 0
        self.time_label.setText(self.tr("{0} / {1}　第 {2}/{3} 帧").format(
            format_time(pos), format_time(info.duration_s), k + 1, info.frame_count))
        if abs(pos - self._last_emitted) > 0.0005:
            self._last_emitted = pos
            self.positionChanged.emit(pos)

    def _update_controls(self) -> None:
        loaded = self._info is not None
        for w in (self.step_back_button, self.play_button, self.step_forward_button, self.seek_bar,
                  self.snapshot_button, self.bookmark_button, self.bookmark_note):
            w.setEnabled(loaded)
        self.marker_button.setEnabled(loaded and self._marker is not None)
        style = self.style()
        if self._playing:
            self.play_button.setIcon(style.standardIcon(QStyle.SP_MediaPause))
            self.play_button.setText(self.tr("暂停"))
        else:
            self.play_button.setIcon(style.standardIcon(QStyle.SP_MediaPlay))
            self.play_button.setText(self.tr("播放"))
        if not loaded:
            status = ""
        elif self._playing:
            status = self.tr("播放中 {0}").format(_rate_text(self._rate))
        elif self._ended:
            status = self.tr("播放结束")
        else:
            status = self.tr("已暂停")
        self.status_label.setText(status)
        self._refresh_position()


def _disconnect(signal, slot) -> None:
    try:
        signal.disconnect(slot)
    except (RuntimeError, TypeError):
        pass


def _release_all(items: list) -> None:
    """Release a libvlc session and stop a decoder (also from the widget's destroyed signal)."""
    for item in items:
        if isinstance(item, VlcClipSession):
            item.release()
        elif isinstance(item, FrameSource):
            item.close()
