"""The clip player on a real libvlc and a generated H.264 clip whose every frame carries its own
number (eight black/white blocks across the top, plus the number in big digits), so a test
reads which frame is on screen from the QImage itself."""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import av
import cv2
import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest

from widgets import clip_vlc
from widgets.clip_player import ClipPlayer, format_time
from widgets.clip_seekbar import MARKER_COLOR

W, H, FPS, FRAMES = 320, 240, 10, 40  # 4 s
BITS = 8
BAND_H = 40
WAIT_MS = 20000  # generous: 2 cores, other suites running at the same time


def frame_picture(i: int) -> np.ndarray:
    img = np.zeros((H, W, 3), np.uint8)
    img[:] = (40 + (i * 37) % 180, 90 + (i * 11) % 60, 160)
    bw = W // BITS
    for b in range(BITS):
        img[0:BAND_H, b * bw:(b + 1) * bw] = 255 if (i >> b) & 1 else 0
    cv2.putText(img, str(i), (60, 190), cv2.FONT_HERSHEY_SIMPLEX, 4, (255, 255, 255), 8)
    return img


def write_clip(path: Path) -> Path:
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=FPS)
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        s.options = {"crf": "16", "bf": "0", "g": "20", "preset": "veryfast"}
        for i in range(FRAMES):
            f = av.VideoFrame.from_ndarray(frame_picture(i), format="bgr24")
            f.pts = i
            for p in s.encode(f):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


def frame_index(img: QImage | None) -> int | None:
    """The number a picture of the clip carries (None: no picture)."""
    if img is None or img.isNull():
        return None
    bw = img.width() // BITS
    y = BAND_H * img.height() // H // 2
    v = 0
    for b in range(BITS):
        c = img.pixelColor(b * bw + bw // 2, y)
        if (c.red() + c.green() + c.blue()) / 3 > 128:
            v |= 1 << b
    return v


def reference_frames(path: Path) -> list[np.ndarray]:
    """Every frame decoded by PyAV, as BGR arrays."""
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="bgr24") for f in c.decode(video=0)]


def qimage_bgr(img: QImage) -> np.ndarray:
    img = img.convertToFormat(QImage.Format_RGB32)
    arr = np.frombuffer(img.constBits(), np.uint8, img.sizeInBytes()).reshape(img.height(), img.bytesPerLine())
    return arr[:, : img.width() * 4].reshape(img.height(), img.width(), 4)[:, :, :3].copy()


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    return write_clip(tmp_path_factory.mktemp("clips") / "numbered.mp4")


@pytest.fixture(scope="module")
def reference(clip) -> list[np.ndarray]:
    frames = reference_frames(clip)
    assert [frame_index(QImage(f.data, W, H, W * 3, QImage.Format_BGR888)) for f in frames] == list(range(FRAMES))
    return frames


@pytest.fixture
def player(qtbot):
    p = ClipPlayer()
    qtbot.addWidget(p)
    p.resize(900, 520)
    p.show()
    qtbot.waitExposed(p)
    yield p
    p.close()


def shown(player: ClipPlayer) -> int | None:
    return frame_index(player.current_image())


def wait_frame(qtbot, player: ClipPlayer, index: int) -> None:
    """Until the paused player has frame `index` on screen, exactly."""
    qtbot.waitUntil(lambda: player.is_settled() and shown(player) == index, timeout=WAIT_MS)
    assert player.current_frame() == index
    assert player.position_s() == pytest.approx(index / FPS, abs=1e-6)


def open_paused(qtbot, player: ClipPlayer, clip: Path, index: int = 0) -> None:
    assert player.open(clip, autoplay=False)
    wait_frame(qtbot, player, 0)
    if index:
        player.seek(index / FPS)
        wait_frame(qtbot, player, index)


def test_plays_pauses_and_the_paused_frame_is_the_one_on_screen(qtbot, player, clip):
    assert player.open(clip, marker_s=1.5)
    assert player.duration_s() == pytest.approx(4.0, abs=0.01)
    assert player.frame_count() == FRAMES
    assert player.is_playing()
    # libvlc's own pictures arrive and advance (played, not a still)
    qtbot.waitUntil(lambda: (shown(player) or 0) >= 5, timeout=WAIT_MS)
    img = player.current_image()
    assert (img.width(), img.height()) == (W, H)  # libvlc told the clip's size, not the decoder's padded 320x258
    player.pause()
    assert not player.is_playing()
    qtbot.waitUntil(player.is_settled, timeout=WAIT_MS)
    k = player.current_frame()
    assert shown(player) == k
    assert frame_index(player._vlc_image) == k  # the frame libvlc had on screen when paused
    qtbot.wait(400)
    assert shown(player) == k and player.current_frame() == k  # paused stays put
    assert player.status_label.text() == "已暂停"
    # play again: libvlc goes on from that frame
    player.play()
    assert player.is_playing()
    qtbot.waitUntil(lambda: (shown(player) or 0) > k + 2, timeout=WAIT_MS)


def test_frame_step_forward_and_back_land_on_the_neighbouring_frames(qtbot, player, clip):
    assert player.open(clip)
    qtbot.waitUntil(lambda: (shown(player) or 0) >= 3, timeout=WAIT_MS)
    player.step_forward()  # pauses first, then one frame on
    assert not player.is_playing()
    qtbot.waitUntil(player.is_settled, timeout=WAIT_MS)
    k = player.current_frame()
    assert shown(player) == k
    for _ in range(3):
        player.step_forward()
        k += 1
        wait_frame(qtbot, player, k)
    for _ in range(5):
        player.step_back()
        k -= 1
        wait_frame(qtbot, player, k)
    # across a keyframe (every 20 frames) and back
    player.seek(2.0)
    wait_frame(qtbot, player, 20)
    player.step_back()
    wait_frame(qtbot, player, 19)
    player.step_forward()
    wait_frame(qtbot, player, 20)
    # the ends: no step before the first or past the last frame
    player.seek(0)
    wait_frame(qtbot, player, 0)
    player.step_back()
    wait_frame(qtbot, player, 0)
    player.seek(10)
    wait_frame(qtbot, player, FRAMES - 1)
    player.step_forward()
    wait_frame(qtbot, player, FRAMES - 1)
    player.step_back()
    wait_frame(qtbot, player, FRAMES - 2)


def test_paused_snapshot_at_2s_is_that_frame_at_full_resolution(qtbot, player, clip, reference):
    open_paused(qtbot, player, clip)
    player.resize(420, 300)  # the picture is drawn much smaller than the clip
    got = []
    player.snapshotTaken.connect(lambda img, t: got.append((img, t)))
    player.seek(2.0)
    wait_frame(qtbot, player, 20)
    snap = player.snapshot()
    assert (snap.width(), snap.height()) == (W, H)
    assert len(got) == 1 and got[0][1] == pytest.approx(2.0) and got[0][0].size() == snap.size()
    diff = np.abs(qimage_bgr(snap).astype(np.int16) - reference[20].astype(np.int16))
    assert diff.mean() < 2.0 and np.percentile(diff, 99) < 16
    # and it is not the neighbouring frame
    other = np.abs(qimage_bgr(snap).astype(np.int16) - reference[19].astype(np.int16))
    assert other.mean() > diff.mean() + 5


def test_libvlc_pictures_match_the_decoded_frames(qtbot, player, clip, reference):
    """libvlc's RV32 pictures (while playing) are the clip's pixels: right size, colour order
    and geometry (not stretched)."""
    assert player.open(clip)
    player.set_rate(0.5)
    seen = {}

    def grab():
        img = player._vlc_image
        i = frame_index(img)
        if i is not None and 0 < i < FRAMES:
            seen.setdefault(i, img.copy())
        return len(seen) >= 3

    qtbot.waitUntil(grab, timeout=WAIT_MS)
    for i, img in seen.items():
        diff = np.abs(qimage_bgr(img).astype(np.int16) - reference[i].astype(np.int16))
        assert diff.mean() < 4.0, f"frame {i}: mean difference {diff.mean():.1f}"


def test_speed_range(qtbot, player, clip):
    assert player.open(clip)
    qtbot.waitUntil(lambda: player.frames_shown() > 0, timeout=WAIT_MS)
    for rate in (0.25, 8.0, 1.0):
        assert player.set_rate(rate)
        assert player.rate() == rate
        assert player.engine_rate() == pytest.approx(rate)
        assert player.speed_combo.currentText() == f"{rate:g}×"
    assert not player.set_rate(16)
    assert not player.set_rate(0.1)
    assert player.rate() == 1.0
    player.speed_combo.setCurrentIndex(0)  # the menu sets it too
    assert player.rate() == 0.25 and player.engine_rate() == pytest.approx(0.25)


def test_pause_after_a_speed_change_keeps_the_picture_on_screen(qtbot, player, clip):
    """libvlc shows pictures it had queued at the old speed for up to its buffer after a speed
    change, away from its clock; pausing still settles on the picture that was on screen."""
    assert player.open(clip)
    qtbot.waitUntil(lambda: player.frames_shown() > 2, timeout=WAIT_MS)
    assert player.set_rate(0.25)
    qtbot.wait(700)
    player.pause()
    qtbot.waitUntil(player.is_settled, timeout=WAIT_MS)
    on_screen = frame_index(player._vlc_image)
    assert player.current_frame() == on_screen == shown(player)
    assert player.position_s() == pytest.approx(on_screen / FPS)


def test_plays_to_the_end_then_plays_again(qtbot, player, clip):
    open_paused(qtbot, player, clip, 34)
    player.set_rate(2.0)
    player.play()
    qtbot.waitUntil(lambda: not player.is_playing(), timeout=WAIT_MS)
    wait_frame(qtbot, player, FRAMES - 1)
    assert player.status_label.text() == "播放结束"
    player.step_back()  # libvlc has ended; the still frames do not need it
    wait_frame(qtbot, player, FRAMES - 2)
    player.seek(3.9)
    wait_frame(qtbot, player, FRAMES - 1)
    player.play()  # from the last frame: again from the start
    assert player.is_playing()
    qtbot.waitUntil(lambda: shown(player) is not None and 0 < shown(player) < 20, timeout=WAIT_MS)


def test_seek_bar_marker_and_clicks(qtbot, player, clip):
    assert player.open(clip, marker_s=1.5, autoplay=False)
    wait_frame(qtbot, player, 0)
    bar = player.seek_bar
    assert player.marker_s() == 1.5 and bar.marker_ms() == 1500
    assert bar.maximum() == 4000
    x0, x1, xm = bar.x_for_ms(0), bar.x_for_ms(4000), bar.marker_x()
    assert x0 < xm < x1
    assert (xm - x0) / (x1 - x0) == pytest.approx(1.5 / 4.0, abs=0.01)
    # the marker is painted there
    img = bar.grab().toImage()
    column = [img.pixelColor(round(xm), y) for y in range(img.height())]
    assert any(abs(c.red() - MARKER_COLOR.red()) < 40 and abs(c.green() - MARKER_COLOR.green()) < 40
               and c.blue() < 90 for c in column)
    # a click on the bar jumps there (paused: the frame at that time)
    QTest.mouseClick(bar, Qt.LeftButton, Qt.NoModifier, QPoint(round(bar.x_for_ms(3000)), bar.height() // 2))
    qtbot.waitUntil(lambda: player.is_settled() and abs(player.current_frame() - 30) <= 1, timeout=WAIT_MS)
    assert shown(player) == player.current_frame()
    # 告警时刻
    player.jump_to_marker()
    wait_frame(qtbot, player, 15)
    assert player.marker_button.isEnabled()
    player.set_marker(None)
    assert bar.marker_x() is None and not player.marker_button.isEnabled()


def test_bookmarks(qtbot, player, clip):
    open_paused(qtbot, player, clip, 12)
    changes = []
    player.bookmarksChanged.connect(lambda: changes.append(1))
    player.bookmark_note.setText("未戴口罩")
    QTest.mouseClick(player.bookmark_button, Qt.LeftButton)
    assert player.bookmarks() == [(1.2, "未戴口罩")]
    assert player.bookmark_note.text() == ""
    player.seek(3.0)
    wait_frame(qtbot, player, 30)
    player.add_bookmark("生熟混放")
    player.add_bookmark(seconds=0.5)
    assert player.bookmarks() == [(0.5, ""), (1.2, "未戴口罩"), (3.0, "生熟混放")]
    assert len(changes) == 3
    assert player.bookmark_list.count() == 3
    assert player.bookmark_list.item(1).text() == f"{format_time(1.2)}  未戴口罩"
    # click one to jump to it
    item = player.bookmark_list.item(1)
    rect = player.bookmark_list.visualItemRect(item)
    QTest.mouseClick(player.bookmark_list.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())
    wait_frame(qtbot, player, 12)
    player.remove_bookmark(0)
    assert player.bookmarks() == [(1.2, "未戴口罩"), (3.0, "生熟混放")] and len(changes) == 4


def test_keyboard(qtbot, player, clip):
    open_paused(qtbot, player, clip, 5)
    player.activateWindow()
    player.setFocus()
    qtbot.waitUntil(lambda: player.hasFocus() or player.isActiveWindow(), timeout=WAIT_MS)
    QTest.keyClick(player, Qt.Key_Right)
    wait_frame(qtbot, player, 6)
    QTest.keyClick(player, Qt.Key_Left)
    QTest.keyClick(player, Qt.Key_Left)
    wait_frame(qtbot, player, 4)
    QTest.keyClick(player, Qt.Key_Space)
    assert player.is_playing()
    QTest.keyClick(player, Qt.Key_Space)
    assert not player.is_playing()


def test_missing_and_corrupt_files_show_a_message(qtbot, player, tmp_path):
    assert not player.open(tmp_path / "none.mp4")
    assert "不存在" in player.message()
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypmp42" + b"not a video " * 500)
    assert not player.open(bad)
    assert "损坏" in player.message() and "bad.mp4" in player.message()
    assert not player.is_open() and not player.is_playing()
    assert player.video.message() == player.message()
    assert not player.play_button.isEnabled()
    player.play()
    player.step_forward()
    assert player.snapshot().isNull()
    player.grab()  # paints the message without trouble
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    assert not player.open(empty) and "为空" in player.message()


def test_truncated_clip_shows_a_message(qtbot, player, clip, tmp_path):
    data = clip.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) * 2 // 3])  # a copy cut short: the index (moov) is at the end
    assert not player.open(cut)
    assert "损坏" in player.message()


def test_missing_libvlc_shows_a_message(qtbot, player, clip, monkeypatch):
    monkeypatch.setattr(clip_vlc, "_instance", None)
    monkeypatch.setitem(sys.modules, "vlc", None)  # import vlc raises ImportError
    assert not player.open(clip)
    assert "libvlc" in player.message() and "安装" in player.message()
    assert not player.is_open()


def test_libvlc_that_cannot_start_shows_a_message(qtbot, player, clip, monkeypatch):
    import vlc

    monkeypatch.setattr(clip_vlc, "_instance", None)
    monkeypatch.setattr(vlc, "Instance", lambda *a, **k: None)  # what python-vlc returns then
    assert not player.open(clip)
    assert "libvlc 初始化失败" in player.message()


def test_dialog_title_marker_and_snapshot(qtbot, clip):
    from desktop.ui.clip_player_dialog import ClipPlayerDialog

    alert_at = datetime(2026, 3, 2, 11, 30, 5, tzinfo=timezone(timedelta(hours=8)))
    dlg = ClipPlayerDialog(clip, camera_name="后厨操作间", venue_name="莘庄中心小学食堂", alert_at=alert_at,
                           marker_from_end_s=1.0, autoplay=False)
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    title = dlg.windowTitle()
    assert "后厨操作间" in title and "莘庄中心小学食堂" in title
    assert alert_at.astimezone().strftime("%Y-%m-%d %H:%M:%S") in title
    assert dlg.player.marker_s() == pytest.approx(3.0, abs=0.01)
    assert dlg.clip_start() == alert_at - timedelta(seconds=dlg.player.marker_s())
    wait_frame(qtbot, dlg.player, 0)
    dlg.player.jump_to_marker()
    wait_frame(qtbot, dlg.player, 30)
    got = []
    dlg.snapshotTaken.connect(lambda img, t, when: got.append((img, t, when)))
    QTest.mouseClick(dlg.player.snapshot_button, Qt.LeftButton)
    assert len(got) == 1
    img, t, when = got[0]
    assert (img.width(), img.height()) == (W, H) and frame_index(img) == 30
    assert t == pytest.approx(3.0) and when == alert_at
    assert "已抓拍" in dlg.snapshot_label.text()
    dlg.reject()
    assert not dlg.player.is_open()
