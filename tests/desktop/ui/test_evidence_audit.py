"""What people open and print leaves an audit entry (issue 7), on the real console: 签收 of an
alert by the 值班员 (stored, audited, the button turns into 已签收, the 未签收 filter hides it),
the alert's clip opened in the player and its picture enlarged; on the 案件 page a case sheet
printed to PDF through Qt's printer, the PDF and the 通知书 exported, the annotation editor
opened and a picture and a clip opened for viewing. Thumbnails in lists leave nothing."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import UTC, datetime, timedelta

import cv2
import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from sqlmodel import Session, select

from desktop.core.alerts import AlertInput, get_alert, record_alert
from desktop.core.cases import CaseInput, create_case
from desktop.core.models import AuditEntry, Camera
from desktop.ui.annotation_dialog import AnnotationDialog
from desktop.ui.clip_player_dialog import ClipPlayerDialog
from desktop.ui.picture_dialog import PictureDialog
from tests.desktop.ui.actors import DUTY, HEAD, INSPECTOR
from tests.widgets.test_clip_player import write_clip


def _png(seed: int) -> bytes:
    img = np.random.default_rng(seed).integers(0, 255, (360, 640, 3), dtype=np.uint8)
    cv2.putText(img, str(seed), (40, 180), cv2.FONT_HERSHEY_SIMPLEX, 3, (255, 255, 255), 6)
    return cv2.imencode(".png", img)[1].tobytes()


def _alert(console, tmp_path, minutes_ago: int, clip: bool = True):
    with Session(console.engine) as s:
        camera_id = s.exec(select(Camera.id).order_by(Camera.id)).first()
    at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    path = write_clip(tmp_path / f"clip-{minutes_ago}.mp4") if clip else None
    return record_alert(console.engine, console.evidence, AlertInput(
        camera_id=camera_id, category="未戴口罩", tier="二级", started_at=at - timedelta(seconds=2), at=at,
        score=0.9, rule_id="no-mask", reason="4/5 帧未戴口罩", clean_png=_png(minutes_ago),
        boxes_png=_png(minutes_ago + 1000)), clip_path=path)


def _entries(engine, action: str) -> list[AuditEntry]:
    with Session(engine) as s:
        return list(s.exec(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)).all())


def _wait_entries(qtbot, engine, action: str, n: int) -> list[AuditEntry]:
    qtbot.waitUntil(lambda: len(_entries(engine, action)) >= n, timeout=10000)
    return _entries(engine, action)


def test_duty_officer_acknowledges_and_opens_the_clip_and_picture(qtbot, rtsp_server, make_console, tmp_path):
    console = make_console(rtsp_server, cameras=1, actor=DUTY)
    window, page = console.window, console.window.alerts_page
    older = _alert(console, tmp_path, 10, clip=False)
    alert = _alert(console, tmp_path, 3)
    assert alert.evidence_of("clip") is not None
    window.show_page(page)
    page.reload()
    qtbot.waitUntil(lambda: page.model.rowCount() == 2, timeout=5000)
    page.table.selectRow(0)
    qtbot.waitUntil(lambda: page.detail.record is not None and page.detail.record.id == alert.id, timeout=3000)
    detail = page.detail
    # A 值班员 signs alerts off; reviewing and filing cases are not theirs.
    assert detail.ack_button.isVisibleTo(detail) and detail.ack_button.isEnabled()
    assert not detail.confirm_button.isVisibleTo(detail) and not detail.file_button.isVisibleTo(detail)
    assert detail.ack_label.text() == "签收：未签收"
    assert page.model.data(page.model.index(0, 8)) == "未签收"
    # Thumbnails shown in the pane are no evidence views.
    qtbot.waitUntil(lambda: detail.clean.pixmap() is not None and not detail.clean.pixmap().isNull(), timeout=5000)
    assert _entries(console.engine, "evidence_view") == []

    qtbot.mouseClick(detail.ack_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: detail.record.acknowledged, timeout=5000)
    stored = get_alert(console.engine, alert.id, actor=DUTY)
    assert stored.acknowledged_by == "王值班" and stored.acknowledged_at is not None
    assert detail.ack_label.text().startswith("已签收：王值班，")
    assert detail.ack_button.text() == "已签收" and not detail.ack_button.isEnabled()
    assert page.model.data(page.model.index(0, 8)) == "已签收"
    (ack,) = _entries(console.engine, "alert_ack")
    assert (ack.username, ack.role, ack.target) == ("wangwu", "值班员", f"告警 {alert.id}")

    # 打开录像: the player opens and the view is audited with the clip's evidence id.
    dlg = detail.open_clip()
    assert isinstance(dlg, ClipPlayerDialog) and dlg.isVisible()
    (view,) = _wait_entries(qtbot, console.engine, "evidence_view", 1)
    clip_id = alert.evidence_of("clip").evidence_id
    assert (view.username, view.target) == ("wangwu", f"evidence:{clip_id}")
    assert json.loads(view.detail) == {"alert_id": alert.id, "opened": "打开录像", "venue": alert.venue_name,
                                       "camera": alert.camera_name}
    dlg.close()

    # Double-click on the boxed picture: full size in a dialog, audited.
    QTest.mouseDClick(detail.boxes, Qt.LeftButton)
    qtbot.waitUntil(lambda: bool(detail._pictures), timeout=5000)
    big = detail._pictures[-1]
    assert isinstance(big, PictureDialog) and big.picture.pixmap().width() == 640
    views = _wait_entries(qtbot, console.engine, "evidence_view", 2)
    assert views[-1].target == f"evidence:{alert.evidence_of('boxes').evidence_id}"
    assert json.loads(views[-1].detail)["opened"] == "查看大图：标注画面"
    if os.environ.get("EVIDENCE_AUDIT_SHOTS"):  # the pane with 签收 done, for a look
        window.resize(1280, 860)
        window.grab().save(os.environ["EVIDENCE_AUDIT_SHOTS"] + "/alerts_acknowledged.png")
    big.close()

    # 未签收 shows only the other alert.
    page.ack.setCurrentIndex(page.ack.findData(False))
    qtbot.waitUntil(lambda: [r.id for r in page.model.records()] == [older.id], timeout=5000)
    if os.environ.get("EVIDENCE_AUDIT_SHOTS"):
        page.table.selectRow(0)
        qtbot.waitUntil(lambda: page.detail.record is not None, timeout=3000)
        qtbot.wait(500)
        window.grab().save(os.environ["EVIDENCE_AUDIT_SHOTS"] + "/alerts_unacknowledged.png")


def test_review_counts_as_acknowledgement_in_the_pane(qtbot, rtsp_server, make_console, tmp_path):
    console = make_console(rtsp_server, cameras=1, actor=INSPECTOR)
    page = console.window.alerts_page
    alert = _alert(console, tmp_path, 4, clip=False)
    console.window.show_page(page)
    page.reload()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)
    page.table.selectRow(0)
    qtbot.waitUntil(lambda: page.detail.record is not None, timeout=3000)
    qtbot.mouseClick(page.detail.confirm_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.detail.record.review_state == "已确认", timeout=5000)
    assert page.detail.ack_label.text().startswith("已签收：张检查员，") and not page.detail.ack_button.isEnabled()
    assert get_alert(console.engine, alert.id, actor=INSPECTOR).acknowledged_by == "张检查员"
    assert _entries(console.engine, "alert_ack") == []  # the review's own entry says it


def test_prints_pdfs_and_evidence_views_on_the_cases_page(qtbot, rtsp_server, make_console, monkeypatch, tmp_path):
    from PySide6.QtPrintSupport import QPrinter

    console = make_console(rtsp_server, cameras=1, actor=HEAD)
    window, page = console.window, console.window.cases_page
    alert = _alert(console, tmp_path, 3, clip=False)
    record = create_case(console.engine, CaseInput(alert_ids=(alert.id,), handler="王建华", facts="后厨人员未戴口罩"),
                         actor=INSPECTOR)
    window.show_page(page)
    page.reload()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)
    page.open_case(record.id)
    qtbot.waitUntil(lambda: len(page.detail.tiles) == 2, timeout=5000)
    messages = []
    page.notify = lambda text, error=False: messages.append((text, error))

    # 打印 through Qt's printer, printing to a PDF file.
    printed = tmp_path / "printed.pdf"

    def printer():
        p = QPrinter(QPrinter.HighResolution)
        p.setOutputFormat(QPrinter.PdfFormat)
        p.setOutputFileName(str(printed))
        return p

    page.choose_printer = printer
    page.print_case()
    (entry,) = _wait_entries(qtbot, console.engine, "print", 1)
    assert printed.stat().st_size > 0 and not messages
    assert (entry.username, entry.role, entry.target) == ("lihua", "科室负责人", record.number)
    assert json.loads(entry.detail) == {"document": "case_sheet", "output": "printed.pdf"}

    # 导出PDF and the 通知书: one entry each, after the file is there.
    for notice, name, document in ((False, "sheet.pdf", "case_sheet"), (True, "notice.pdf", "notice")):
        out = tmp_path / name
        page.choose_save_path = lambda *_, out=out: out
        page.export_pdf(notice=notice)
        qtbot.waitUntil(lambda n=len(messages): len(messages) > n, timeout=30000)
        assert messages[-1][1] is False, messages
        entry = _entries(console.engine, "print")[-1]
        assert (entry.username, entry.target) == ("lihua", record.number)
        assert json.loads(entry.detail) == {"document": document, "output": name}
    assert b"%PDF" in (tmp_path / "notice.pdf").read_bytes()[:8]
    assert len(_entries(console.engine, "print")) == 3
    assert _entries(console.engine, "evidence_view") == []  # the thumbnails shown are no views

    # Opening the annotation editor on a picture is a view of that picture.
    original = page.detail.tiles[0].item
    opened = []
    monkeypatch.setattr(AnnotationDialog, "annotate",
                        classmethod(lambda cls, image, shapes="", subtitle="", parent=None: opened.append(1)))
    QTest.mouseDClick(page.detail.tiles[0], Qt.LeftButton)
    qtbot.waitUntil(lambda: bool(opened), timeout=5000)
    (view,) = _wait_entries(qtbot, console.engine, "evidence_view", 1)
    assert (view.username, view.target) == ("lihua", f"evidence:{original.evidence_id}")
    assert json.loads(view.detail) == {"case": record.number, "opened": "标注编辑器"}

    # A clip added to the case, and a 值班员 (who does not annotate) opening both kinds.
    clip = write_clip(tmp_path / "现场录像.mp4")
    page.choose_open_path = lambda *_: clip
    page.add_evidence_file()
    qtbot.waitUntil(lambda: len(page.detail.tiles) == 3, timeout=10000)
    console.session.set_actor(DUTY)
    page.open_case(record.id)
    qtbot.waitUntil(lambda: page.detail.record is not None and len(page.detail.tiles) == 3, timeout=5000)
    assert page.detail.evidence_hint.text() == "双击查看图片或播放视频"
    video = next(t for t in page.detail.tiles if t.is_video)
    QTest.mouseDClick(video, Qt.LeftButton)
    assert isinstance(page.viewers[-1], ClipPlayerDialog) and page.viewers[-1].isVisible()
    views = _wait_entries(qtbot, console.engine, "evidence_view", 2)
    assert (views[-1].username, views[-1].target) == ("wangwu", f"evidence:{video.item.evidence_id}")
    assert json.loads(views[-1].detail) == {"case": record.number, "opened": "播放录像"}
    page.viewers[-1].close()
    QTest.mouseDClick(page.detail.tiles[0], Qt.LeftButton)
    qtbot.waitUntil(lambda: any(isinstance(v, PictureDialog) for v in page.viewers), timeout=5000)
    views = _wait_entries(qtbot, console.engine, "evidence_view", 3)
    assert (views[-1].username, views[-1].target) == ("wangwu", f"evidence:{original.evidence_id}")
    assert json.loads(views[-1].detail)["opened"] == "查看大图"
    assert len(opened) == 1  # the 值班员 viewed, the editor did not open
    text = subprocess.run(["pdftotext", str(printed), "-"], capture_output=True, text=True, check=True).stdout
    assert record.number in text.replace(" ", "")
