"""The 告警 page as an inspector uses it, on the real console and real demo streams: an
AnalysisEvent arrives, the alert is listed and its tile flashes, filters hide and show it,
the evidence is shown, and a 误报 review with a comment is stored."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import cv2
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor

from desktop.analysis.events import AnalysisEvent
from desktop.core.alerts import FALSE_ALARM, get_alert
from desktop.streaming.worker import StreamKey
from desktop.ui.alerts.model import tier_color
from detectors.rules.violation import Violation
from detectors.types import Box
from tests.desktop.ui.actors import INSPECTOR


def _event(camera_id: int, frame, category="未戴口罩", tier="二级") -> AnalysisEvent:
    now = time.time()
    at = datetime.fromtimestamp(now, UTC)
    boxed = frame.copy()
    cv2.rectangle(boxed, (120, 60), (300, 320), (0, 0, 255), 3)
    v = Violation(camera_id=camera_id, category=category, tier=tier, started_at=at - timedelta(seconds=2), at=at,
                  score=0.88, boxes=(Box(120, 60, 300, 320),), reason="4/5 帧未戴口罩", rule_id="no-mask")
    return AnalysisEvent(camera_id, v, now, cv2.imencode(".png", frame)[1].tobytes(),
                         cv2.imencode(".png", boxed)[1].tobytes())


def _texts(model, row):
    return [model.data(model.index(row, c)) for c in range(model.columnCount())]


def test_alert_arrives_flashes_filters_and_is_reviewed(qtbot, rtsp_server, make_console):
    console = make_console(rtsp_server, cameras=2, actor=INSPECTOR)
    window, page = console.window, console.window.alerts_page
    wall = window.wall_page.wall
    shown = [i for i, src in enumerate(wall.sources()) if src is not None]
    qtbot.waitUntil(lambda: all(wall.first_paint[i] is not None for i in shown), timeout=10000)
    tile = wall.sources()[1]
    cam = tile.camera
    qtbot.wait(6000)  # pre-roll in the packet ring
    frame = console.streams.worker(StreamKey(cam.camera_id, "sub")).snapshot()
    assert frame is not None
    window.show_page(page)
    qtbot.waitUntil(lambda: page.counts.text() != "", timeout=5000)  # first load done
    assert page.model.rowCount() == 0

    # The analysis delivers on its own thread.
    threading.Thread(target=console.alerts.on_analysis, args=(_event(cam.camera_id, frame),)).start()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=10000)
    texts = _texts(page.model, 0)
    assert texts[1:] == [cam.street, cam.venue_name, cam.name, "未戴口罩", "二级", "0.88", "待复核", "未签收"]
    assert page.model.data(page.model.index(0, 4), Qt.ForegroundRole).color() == QColor(tier_color("二级"))
    assert wall.flashing() == [1]
    assert page.sound.played == 1
    assert "待复核 1" in page.counts.text()

    # The first alert is selected: its pictures load, then its clip (≥ 5 s after the moment).
    qtbot.waitUntil(lambda: page.detail.record is not None, timeout=3000)
    assert "未戴口罩 · 二级" in page.detail.title.text() and cam.venue_name in page.detail.info.text()
    qtbot.waitUntil(lambda: page.detail.clean.pixmap() is not None and not page.detail.clean.pixmap().isNull()
                    and not page.detail.boxes.pixmap().isNull(), timeout=5000)
    qtbot.waitUntil(lambda: "时长" in page.detail.clip_label.text(), timeout=30000)
    seconds = float(page.detail.clip_label.text().split("时长 ")[1].split(" 秒")[0])
    assert seconds >= 10.0

    # Filter it away and back.
    page.category.setCurrentIndex(page.category.findData("吸烟"))
    qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=5000)
    assert page.detail.record is None
    page.category.setCurrentIndex(0)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)
    page.venue.setCurrentIndex(page.venue.findData(cam.venue_id))
    qtbot.waitUntil(lambda: page.filters.venue_id == cam.venue_id, timeout=2000)
    qtbot.wait(300)
    assert page.model.rowCount() == 1
    page.state.setCurrentIndex(page.state.findData("已确认"))
    qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=5000)
    page.state.setCurrentIndex(0)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)

    # Review it 误报 with a comment: stored in the database, shown in the list.
    page.table.selectRow(0)
    qtbot.waitUntil(lambda: page.detail.record is not None, timeout=2000)
    alert_id = page.detail.record.id
    assert page.detail.reviewer.text() == "复核人：张检查员"  # the logged-in user, not typed
    page.detail.comment.setText("厨师已佩戴口罩，被锅盖遮挡")  # QTest cannot type CJK (aborts)
    qtbot.mouseClick(page.detail.false_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: _texts(page.model, 0)[7] == FALSE_ALARM, timeout=5000)
    stored = get_alert(console.engine, alert_id, actor=INSPECTOR)
    assert (stored.review_state, stored.reviewer, stored.review_comment) == (
        FALSE_ALARM, "张检查员", "厨师已佩戴口罩，被锅盖遮挡")
    assert stored.reviewed_at is not None and "误报 1" in page.counts.text()
    assert page.detail.comment.text() == ""

    # Reviewing again without a comment is refused, and says why.
    qtbot.mouseClick(page.detail.confirm_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: "重新复核" in window.statusBar().currentMessage(), timeout=5000)
    assert get_alert(console.engine, alert_id, actor=INSPECTOR).review_state == FALSE_ALARM

    # Muted: a new alert is listed without a sound.
    page.mute.setChecked(True)
    console.alerts.on_analysis(_event(cam.camera_id, frame, "吸烟", "二级"))
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=10000)
    assert page.sound.played == 1 and _texts(page.model, 0)[4] == "吸烟"
    # Its clip arrives too (and no cut is left waiting when the console closes).
    qtbot.waitUntil(lambda: page.model.record(0).evidence_of("clip") is not None, timeout=30000)


def test_alert_sound_is_a_short_wav_played_by_libvlc_or_a_beep(qtbot, tmp_path):
    import wave

    from desktop.ui.alerts.sound import AlertSound, make_wav

    path = make_wav(tmp_path / "alert.wav")
    with wave.open(str(path)) as w:
        assert 0.4 <= w.getnframes() / w.getframerate() <= 0.6 and w.getnchannels() == 1
    sound = AlertSound()
    sound.play()  # before the WAV is ready: the system beep
    sound.set_wav(path)
    sound.play()  # libvlc with a dummy audio output here, or a beep without libvlc: never a crash
    sound.muted = True
    sound.play()
    assert sound.played == 2
    sound.release()
