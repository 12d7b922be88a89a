"""One libvlc media player that renders into memory (libvlc's video callbacks, RV32), for the
clip player. Works with no native window at all (offscreen, Xvfb, any platform), and the
frames are the clip's own pixels at its full size, which makes snapshots exact.

Threads: libvlc calls the format, lock, display and cleanup callbacks on its own video-output
thread. The display callback copies the picture into a fresh QImage (QImage is reentrant; no
widget is touched), keeps only the latest one under a lock and emits `FrameNotifier.frameReady`
once until the GUI thread has taken it (a queued connection), so a slow GUI never builds a
queue. Every other libvlc call (play, pause, seek, state, release) is made on the GUI thread;
no Python lock is held while calling into libvlc, and ctypes releases the GIL during those
calls, so stopping the player cannot deadlock with a callback that is running.

The format callback is declared here rather than through python-vlc, whose prototype passes the
chroma as `c_char_p` (a read-only copy), so a Python callback could not choose RV32."""

from __future__ import annotations

import ctypes
import logging
import threading
from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QImage

log = logging.getLogger(__name__)

__all__ = ["FrameNotifier", "VlcClipSession", "VlcUnavailableError", "vlc_instance"]

VLC_ARGS: Sequence[str] = (
    "--quiet",
    "--no-audio",  # evidence clips have no sound; review is visual and runs at 0.25x-8x
    "--avcodec-hw=none",  # no hardware-decoder probing (frames are copied to memory anyway)
    "--no-osd",
    "--no-spu",
    "--no-video-title-show",
    "--no-snapshot-preview",
    "--no-stats",
    "--no-xlib",
)

_FormatCb = ctypes.CFUNCTYPE(
    ctypes.c_uint,
    ctypes.POINTER(ctypes.c_void_p),  # opaque (in/out)
    ctypes.POINTER(ctypes.c_char),  # chroma: 4 bytes + NUL, writable
    ctypes.POINTER(ctypes.c_uint),  # width
    ctypes.POINTER(ctypes.c_uint),  # height
    ctypes.POINTER(ctypes.c_uint),  # pitches
    ctypes.POINTER(ctypes.c_uint),  # lines
)
_CleanupCb = ctypes.CFUNCTYPE(None, ctypes.c_void_p)
_LockCb = ctypes.CFUNCTYPE(ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p))
_UnlockCb = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p))
_DisplayCb = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)


class VlcUnavailableError(RuntimeError):
    """python-vlc or libvlc is missing or cannot start; the message is Chinese, for the user."""


_instance = None


def vlc_instance():
    """The process's libvlc instance, made on first use (GUI thread); raises VlcUnavailableError."""
    global _instance
    if _instance is not None:
        return _instance
    try:
        import vlc
    except Exception as exc:  # noqa: BLE001 - python-vlc raises various errors when libvlc is absent
        raise VlcUnavailableError(f"无法加载播放组件 libvlc（{exc}）。请安装 VLC（Debian：vlc 或 libvlc5 与 "
                             "vlc-plugin-base）。") from exc
    try:
        instance = vlc.Instance(list(VLC_ARGS))
    except Exception as exc:  # noqa: BLE001
        raise VlcUnavailableError(f"libvlc 初始化失败（{exc}）。") from exc
    if instance is None:
        raise VlcUnavailableError("libvlc 初始化失败：找不到 VLC 插件（请安装 vlc-plugin-base）。")
    _instance = instance
    return instance


class FrameNotifier(QObject):
    """Lives on the GUI thread; its signal is emitted from libvlc's thread (queued delivery)."""

    frameReady = Signal()


class VlcClipSession:
    """A media player for one file, drawing into memory at `width` x `height` (the clip's own
    size, which libvlc is told explicitly: its proposal is the decoder's padded size)."""

    def __init__(self, path: str, width: int, height: int) -> None:
        instance = vlc_instance()  # first: raises VlcUnavailableError with the reason
        import vlc

        self._vlc = vlc
        self.width, self.height = int(width), int(height)
        self.notifier = FrameNotifier()
        self._lock = threading.Lock()
        self._latest: QImage | None = None
        self._notified = False
        self._buffer = ctypes.create_string_buffer(max(1, self.width * self.height * 4))
        self._buf_w, self._buf_h = self.width, self.height
        self.frames_delivered = 0  # written on libvlc's thread, read anywhere (an int: atomic enough)

        self.player = instance.media_player_new()
        if self.player is None:
            raise VlcUnavailableError("libvlc 无法创建播放器。")
        # The ctypes callback objects must outlive the player: kept on self until release().
        self._cbs = (_FormatCb(self._on_format), _CleanupCb(self._on_cleanup), _LockCb(self._on_lock),
                     _UnlockCb(self._on_unlock), _DisplayCb(self._on_display))
        set_callbacks = ctypes.CFUNCTYPE(None, ctypes.c_void_p, _LockCb, _UnlockCb, _DisplayCb, ctypes.c_void_p)(
            ("libvlc_video_set_callbacks", vlc.dll))
        set_format_callbacks = ctypes.CFUNCTYPE(None, ctypes.c_void_p, _FormatCb, _CleanupCb)(
            ("libvlc_video_set_format_callbacks", vlc.dll))
        set_callbacks(self.player, self._cbs[2], self._cbs[3], self._cbs[4], None)
        set_format_callbacks(self.player, self._cbs[0], self._cbs[1])
        self._instance, self._path = instance, str(path)
        self.media = None
        self._released = False

    # -- libvlc's video thread ---------------------------------------------------------------
    def _on_format(self, opaque, chroma, width, height, pitches, lines) -> int:
        try:
            w = self.width or int(width[0])
            h = self.height or int(height[0])
            ctypes.memmove(chroma, b"RV32", 4)
            width[0], height[0] = w, h
            pitches[0], lines[0] = w * 4, h
            with self._lock:
                if (w, h) != (self._buf_w, self._buf_h):
                    self._buffer = ctypes.create_string_buffer(w * h * 4)
                    self._buf_w, self._buf_h = w, h
            return 1
        except Exception:  # noqa: BLE001 - an exception must not cross into libvlc
            log.exception("clip player: format callback failed")
            return 0  # libvlc then refuses the video output: the player reports an error

    def _on_cleanup(self, opaque) -> None:
        pass  # the buffer is reused by the next format (libvlc may renegotiate)

    def _on_lock(self, opaque, planes):
        planes[0] = ctypes.addressof(self._buffer)  # never fails: the buffer always exists
        return None

    def _on_unlock(self, opaque, picture, planes) -> None:
        pass

    def _on_display(self, opaque, picture) -> None:
        try:
            w, h, buf = self._buf_w, self._buf_h, self._buffer
            image = QImage(w, h, QImage.Format_RGB32)  # RV32 is B, G, R, X in memory = RGB32
            size = w * h * 4
            if image.sizeInBytes() != size:
                return
            ctypes.memmove(ctypes.addressof(ctypes.c_char.from_buffer(image.bits())), buf, size)
            with self._lock:
                self._latest = image
                self.frames_delivered += 1
                notify, self._notified = not self._notified, True
            if notify:
                self.notifier.frameReady.emit()
        except Exception:  # noqa: BLE001
            log.exception("clip player: display callback failed")

    # -- GUI thread -----------------------------------------------------------------------------
    def take_frame(self) -> QImage | None:
        """The newest picture since the last call (None if there is none)."""
        with self._lock:
            image, self._latest, self._notified = self._latest, None, False
        return image

    def state(self) -> str:
        """opening, playing, paused, ended, stopped or error."""
        s = self.player.get_state()
        st = self._vlc.State
        return {st.NothingSpecial: "stopped", st.Opening: "opening", st.Buffering: "opening",
                st.Playing: "playing", st.Paused: "paused", st.Stopped: "stopped", st.Ended: "ended",
                st.Error: "error"}.get(s, "stopped")

    def start(self, start_s: float | None = None) -> bool:
        """(Re)start the input, from `start_s` seconds when given (libvlc's :start-time, which
        shows the last frame before that time first). A fresh input each time: libvlc 3 cannot
        seek an input that has ended."""
        self.player.stop()  # synchronous: no callback of the old input runs after it
        self.take_frame()  # a picture of the old input must not pass for one of the new
        media = self._instance.media_new_path(self._path)
        if media is None:
            return False
        if start_s:
            media.add_option(f":start-time={start_s:.3f}")
        self.player.set_media(media)
        if self.media is not None:
            self.media.release()
        self.media = media
        return self.player.play() == 0

    def resume(self) -> None:
        self.player.set_pause(0)

    def set_pause(self, paused: bool) -> None:
        self.player.set_pause(1 if paused else 0)

    def set_time_ms(self, ms: int) -> None:
        self.player.set_time(max(0, int(ms)))

    def time_ms(self) -> int:
        return int(self.player.get_time())

    def set_rate(self, rate: float) -> bool:
        return self.player.set_rate(float(rate)) == 0

    def rate(self) -> float:
        return float(self.player.get_rate())

    def stop(self) -> None:
        self.player.stop()

    def release(self) -> None:
        """Stop and free the player (GUI thread; waits for libvlc's threads to end)."""
        if self._released:
            return
        self._released = True
        try:
            self.player.stop()
            self.player.release()
            if self.media is not None:
                self.media.release()
        except Exception:  # noqa: BLE001 - closing must never take the console down
            log.exception("clip player: release failed")
        with self._lock:
            self._latest = None
