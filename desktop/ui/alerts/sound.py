"""The alert sound: a short two-tone WAV (made once with the stdlib `wave` module in the cache
directory, on the files runner) played by libvlc; QApplication.beep() when python-vlc or libvlc is missing. Every
libvlc call is made on the GUI thread (DESIGN §4). Muting is the page's 静音 toggle."""

from __future__ import annotations

import logging
import math
import os
import struct
import wave
from pathlib import Path

from PySide6.QtWidgets import QApplication

log = logging.getLogger(__name__)

RATE = 22050


def make_wav(path: Path) -> Path:
    """0.5 s: two short tones, 880 Hz then 660 Hz, fading out (written once, atomically)."""
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = bytearray()
    for freq, seconds in ((880.0, 0.22), (660.0, 0.28)):
        n = int(RATE * seconds)
        for i in range(n):
            fade = min(1.0, (n - i) / (0.05 * RATE))
            frames += struct.pack("<h", int(12000 * fade * math.sin(2 * math.pi * freq * i / RATE)))
    tmp = path.with_name(path.name + ".part")
    with wave.open(str(tmp), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(bytes(frames))
    os.replace(tmp, path)
    return path


class AlertSound:
    def __init__(self) -> None:
        self.muted = False
        self.played = 0  # for tests and the status bar
        self._wav: Path | None = None
        self._player = None
        self._vlc_failed = False

    def set_wav(self, path: Path) -> None:
        """The WAV made off the GUI thread (make_wav on the files runner); beeps until then."""
        self._wav = path

    def play(self) -> None:
        if self.muted:
            return
        self.played += 1
        player = self._vlc_player()
        if player is None:
            QApplication.beep()
            return
        try:
            player.stop()
            player.play()
        except Exception:  # noqa: BLE001 - a sound must never take the console down
            log.exception("alert sound failed")
            QApplication.beep()

    def _vlc_player(self):
        if self._player is not None or self._vlc_failed or self._wav is None:
            return self._player
        try:
            import vlc

            args = ["--quiet", "--no-video", "--avcodec-hw=none"]
            if os.environ.get("QT_QPA_PLATFORM") == "offscreen" or os.environ.get("MINGCHU_NO_AUDIO"):
                args.append("--aout=adummy")
            instance = vlc.Instance(args)
            if instance is None:
                raise OSError("libvlc could not be created")
            player = instance.media_player_new()
            player.set_media(instance.media_new(str(self._wav)))
            self._instance, self._player = instance, player
        except Exception as exc:  # noqa: BLE001 - no python-vlc, no libvlc, no audio: beep instead
            log.info("alert sound through libvlc unavailable (%s); using the system beep", exc)
            self._vlc_failed = True
        return self._player

    def release(self) -> None:
        if self._player is not None:
            self._player.stop()
            self._player.release()
            self._instance.release()
            self._player = None
