"""The 案件 page as an inspector uses it, on the real console (SQLite file, DB and files runners,
demo streams): 立案 from two alerts through the 告警 page, exactly the allowed transitions
offered and the core's refusals shown, filters of the list, the broken-seal mark on a tampered
file, annotating (the dialog answered programmatically; it has its own tests) into new linked
evidence, the PDF through pdftotext, and a package exported here and imported on a second
console with its own database."""

from __future__ import annotations

import subprocess
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import QDate, Qt
from PySide6.QtGui import QColor
from sqlmodel import Session, select

from desktop.core.alerts import AlertInput, record_alert
from desktop.core.annotation_shapes import Rect, to_json
from desktop.core.case_queries import get_case, list_cases
from desktop.core.cases import CaseInput, CaseUpdate, create_case, transition, update_case
from desktop.core.models import Camera, Venue
from desktop.services.user_session import UserSession
from desktop.ui.annotation_dialog import AnnotationDialog
from desktop.ui.cases.model import COL_CARD, card_color
from tests.desktop.ui.actors import HEAD, INSPECTOR


def _png(seed: int, text: str = "") -> bytes:
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 255, (360, 640, 3), dtype=np.uint8)
    cv2.putText(img, text or str(seed), (40, 180), cv2.FONT_HERSHEY_SIMPLEX, 3, (255, 255, 255), 6)
    return cv2.imencode(".png", img)[1].tobytes()


def _alert(console, camera_id: int, minutes_ago: int, category="未戴口罩", reason="4/5 帧未戴口罩") -> int:
    at = datetime.now(UTC) - timedelta(minutes=minutes_ago)
    return record_alert(console.engine, console.evidence, AlertInput(
        camera_id=camera_id, category=category, tier="二级", started_at=at - timedelta(seconds=2), at=at, score=0.9,
        rule_id="no-mask", reason=reason, clean_png=_png(minutes_ago), boxes_png=_png(minutes_ago + 1000))).id


def _first_camera(console) -> tuple[int, int]:
    with Session(console.engine) as s:
        cam = s.exec(select(Camera).order_by(Camera.id)).first()
        return cam.id, cam.venue_id


def _cases_tab(console):
    return console.window, console.window.cases_page


def test_file_case_from_alerts_transitions_and_refusals(qtbot, rtsp_server, make_console):
    console = make_console(rtsp_server, cameras=1, actor=HEAD)
    window, page = _cases_tab(console)
    alerts_page = window.alerts_page
    assert window.pages.tabText(window.pages.indexOf(page)) == "案件"
    assert window.pages.indexOf(page) == window.pages.indexOf(alerts_page) + 1
    camera_id, venue_id = _first_camera(console)
    a1 = _alert(console, camera_id, 10)
    a2 = _alert(console, camera_id, 5, reason="5/5 帧未戴口罩")
    window.show_page(alerts_page)
    alerts_page.reload()
    qtbot.waitUntil(lambda: alerts_page.model.rowCount() == 2, timeout=5000)

    # Both alerts selected → 立案 (2 条) → the dialog, filled from the alerts.
    alerts_page.table.selectRow(0)
    qtbot.waitUntil(lambda: alerts_page.detail.record is not None, timeout=3000)
    alerts_page.table.selectAll()
    assert alerts_page.detail.file_button.text() == "立案（2 条）"
    qtbot.mouseClick(alerts_page.detail.file_button, Qt.LeftButton)
    dlg = page.dialog
    assert dlg is not None and dlg.isVisible()
    qtbot.waitUntil(lambda: not dlg.loading, timeout=5000)
    assert dlg.venue_id() == venue_id and not dlg.venue.isEnabled()
    assert dlg.category.currentText() == "未戴口罩" and dlg.tier.currentText() == "二级"
    assert "4/5 帧未戴口罩" in dlg.facts.toPlainText() and "5/5 帧未戴口罩" in dlg.facts.toPlainText()
    assert dlg.alerts.count() == 2
    dlg.handler.setText("王建华")
    if dlg.bases.count():
        dlg.bases.item(0).setCheckState(Qt.Checked)
    qtbot.mouseClick(dlg.save_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=5000)
    assert window.pages.currentWidget() is page
    qtbot.waitUntil(lambda: page.detail.record is not None, timeout=5000)
    record = page.detail.record
    assert {a.alert_id for a in record.alerts} == {a1, a2} and len(record.evidence) == 4
    assert record.handler == "王建华" and record.state == "待处理"
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)
    assert page.model.summary(0).number == record.number
    assert page.state_buttons["待处理"].text() == "待处理 1"
    # Thumbnails arrive from the files runner; no seal is broken.
    qtbot.waitUntil(lambda: all(t.picture.pixmap() is not None and not t.picture.pixmap().isNull()
                                for t in page.detail.tiles), timeout=5000)
    assert page.detail.broken_seals() == []
    # The alert shows its case.
    window.show_page(alerts_page)
    alerts_page.table.selectRow(0)
    qtbot.waitUntil(lambda: record.number in alerts_page.detail.cases_label.text(), timeout=5000)

    # Exactly the allowed transitions; 推送整改 without a deadline is refused by the core.
    assert page.detail.transition_labels() == ["推送整改", "撤销案件"]
    qtbot.mouseClick(page.detail.transition_buttons["已推送整改"], Qt.LeftButton)
    tdlg = page.dialog
    qtbot.mouseClick(tdlg.ok_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: tdlg.error.isVisibleTo(tdlg), timeout=5000)
    assert "推送整改前须填写整改期限" in tdlg.error.text() and tdlg.isVisible()
    assert get_case(console.engine, record.id, actor=HEAD).state == "待处理"
    tdlg.reject()

    # 编辑: a deadline; then 推送整改 goes through and the buttons follow the state.
    edlg = page.edit_case()
    qtbot.waitUntil(lambda: not edlg.loading, timeout=5000)
    edlg.has_deadline.setChecked(True)
    edlg.deadline.setDate(QDate.currentDate().addDays(10))
    qtbot.mouseClick(edlg.save_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: not edlg.isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: page.detail.record.deadline is not None, timeout=5000)
    tdlg = page.request_transition("已推送整改")
    tdlg.comment.setPlainText("已送达责令改正通知书")
    qtbot.mouseClick(tdlg.ok_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.detail.record.state == "已推送整改", timeout=5000)
    assert not tdlg.isVisible()
    assert page.detail.transition_labels() == ["开始整改", "撤销案件"]
    assert page.detail.timeline.rowCount() == 3  # 立案, 修改, 推送
    assert page.detail.timeline.item(2, 3).text() == "已送达责令改正通知书"

    # 撤销 needs a reason: the core's message is shown, the case stays.
    tdlg = page.request_transition("撤销")
    assert tdlg.required
    qtbot.mouseClick(tdlg.ok_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: tdlg.error.isVisibleTo(tdlg), timeout=5000)
    assert "须填写理由" in tdlg.error.text()
    assert get_case(console.engine, record.id, actor=HEAD).state == "已推送整改"
    tdlg.reject()

    # 删除 asks for a reason and a confirmation. A 检查员 has no 删除 button; a delete that
    # reaches the core anyway (a user switch while the dialog was open) is refused there, the
    # dialog says so and the case stays.
    assert page.detail.delete_button.isVisibleTo(page.detail)
    console.session.set_actor(INSPECTOR)
    assert not page.detail.delete_button.isVisibleTo(page.detail)
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)
    page.open_case(record.id)
    qtbot.waitUntil(lambda: page.detail.record is not None, timeout=5000)
    ddlg = page.delete_case()
    assert ddlg.who.text() == "张检查员" and ddlg.who.isReadOnly()
    assert not ddlg.ok_button.isEnabled()
    ddlg.reason.setPlainText("重复立案")
    ddlg.confirm.setChecked(True)
    assert ddlg.ok_button.isEnabled()
    qtbot.mouseClick(ddlg.ok_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: ddlg.error.isVisibleTo(ddlg), timeout=5000)
    assert "张检查员" in ddlg.error.text() and "无权删除案件" in ddlg.error.text()
    assert get_case(console.engine, record.id, actor=HEAD).number == record.number
    ddlg.reject()
    # The 科室负责人 deletes it.
    console.session.set_actor(HEAD)
    page.open_case(record.id)
    qtbot.waitUntil(lambda: page.detail.record is not None, timeout=5000)
    ddlg = page.delete_case()
    ddlg.reason.setPlainText("重复立案")
    ddlg.confirm.setChecked(True)
    qtbot.mouseClick(ddlg.ok_button, Qt.LeftButton)
    qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=5000)
    assert list_cases(console.engine, actor=HEAD) == []


def test_list_filters_cards_and_the_venue_view(qtbot, rtsp_server, make_console):
    console = make_console(rtsp_server, cameras=2, actor=HEAD)
    window, page = _cases_tab(console)
    engine = console.engine
    with Session(engine) as s:
        venues = [v.id for v in s.exec(select(Venue).join(Camera, Camera.venue_id == Venue.id)
                                       .order_by(Venue.id)).unique().all()]
    v1 = venues[0]
    v2 = venues[1] if len(venues) > 1 else venues[0]
    today = date.today()
    old = datetime.now(UTC) - timedelta(days=40)
    late_yellow = create_case(engine, CaseInput(venue_id=v1, category="吸烟", handler="王建华",
                                                deadline=today - timedelta(days=2)), actor=INSPECTOR, now=old)
    late_red = create_case(engine, CaseInput(venue_id=v2, category="鼠患", handler="李娜",
                                             deadline=today - timedelta(days=20)), actor=INSPECTOR, now=old)
    fresh = create_case(engine, CaseInput(venue_id=v1, category="未戴口罩", handler="李娜"), actor=INSPECTOR)
    transition(engine, late_red.id, "已推送整改", actor=INSPECTOR)
    window.show_page(page)
    page.reload()
    qtbot.waitUntil(lambda: page.model.rowCount() == 3, timeout=5000)
    assert page.total.text() == "共 3 件"
    assert page.state_buttons[None].text() == "全部 3" and page.state_buttons["已推送整改"].text() == "已推送整改 1"
    cards = {page.model.summary(r).id: page.model.data(page.model.index(r, COL_CARD)) for r in range(3)}
    assert cards[late_yellow.id] == "黄牌（逾期 2 天）" and cards[late_red.id] == "红牌（逾期 20 天）"
    assert cards[fresh.id] == ""
    row = page.model.row_of(late_red.id)
    assert page.model.data(page.model.index(row, COL_CARD), Qt.ForegroundRole).color() == QColor(card_color("红牌"))

    def shown() -> set[int]:
        return {page.model.summary(r).id for r in range(page.model.rowCount())}

    def expect(ids: set[int]) -> None:
        qtbot.waitUntil(lambda: shown() == ids and page.filters == page.current_filter(), timeout=5000)

    page.state_buttons["待处理"].click()
    expect({late_yellow.id, fresh.id})
    page.state_buttons[None].click()
    expect({late_yellow.id, late_red.id, fresh.id})
    page.category.setCurrentIndex(page.category.findData("鼠患"))
    expect({late_red.id})
    page.category.setCurrentIndex(0)
    page.handler.setText("李娜")
    expect({late_red.id, fresh.id})
    page.handler.clear()
    page.card.setCurrentIndex(page.card.findData("黄牌"))
    expect({late_yellow.id})
    page.card.setCurrentIndex(page.card.findData("逾期"))
    expect({late_yellow.id, late_red.id})
    page.card.setCurrentIndex(0)
    page.since.setDate(QDate.currentDate().addDays(-7))
    page.use_dates.setChecked(True)
    expect({fresh.id})
    page.use_dates.setChecked(False)
    page.text.setText(late_red.number)
    expect({late_red.id})
    page.text.clear()
    qtbot.waitUntil(lambda: page.street.count() > 1, timeout=5000)
    street = late_red.street
    page.street.setCurrentIndex(page.street.findData(street))
    expected = {c.id for c in list_cases(engine, actor=HEAD) if c.street == street}
    expect(expected)
    page.street.setCurrentIndex(0)
    expect({late_yellow.id, late_red.id, fresh.id})

    # The venue's page lists its cases; a double-click opens one on the 案件 tab.
    registry = window.registry_page
    window.show_page(registry)
    qtbot.waitUntil(lambda: registry.snapshot.venue(v1) is not None, timeout=5000)
    registry.show_venue(v1)
    of_v1 = {c.id for c in list_cases(engine, actor=HEAD) if c.venue_id == v1}
    assert {late_yellow.id, fresh.id} <= of_v1
    qtbot.waitUntil(lambda: set(registry.view.case_ids()) == of_v1, timeout=5000)
    row = registry.view.case_ids().index(late_yellow.id)
    registry.view._case_activated(row, 0)
    assert window.pages.currentWidget() is page
    qtbot.waitUntil(lambda: page.detail.record is not None and page.detail.record.id == late_yellow.id,
                    timeout=5000)
    assert page.detail.badge.text() == "黄牌（逾期 2 天）"
    # A case changed elsewhere shows up in the venue view.
    update_case(engine, fresh.id, CaseUpdate(handler="赵强"), actor=INSPECTOR)
    page.service.get(fresh.id, on_done=page.service.caseChanged.emit)
    row = registry.view.case_ids().index(fresh.id)
    qtbot.waitUntil(lambda: registry.view.case_table.item(row, 3).text() == "赵强", timeout=5000)


def test_evidence_seal_annotation_pdf_and_package_round_trip(qtbot, rtsp_server, make_console, monkeypatch,
                                                             tmp_path):
    console = make_console(rtsp_server, cameras=1, actor=HEAD)
    window, page = _cases_tab(console)
    camera_id, venue_id = _first_camera(console)
    alert_id = _alert(console, camera_id, 3)
    record = create_case(console.engine, CaseInput(alert_ids=(alert_id,), handler="王建华", facts="后厨人员未戴口罩"),
                         actor=INSPECTOR)
    window.show_page(page)
    page.reload()
    qtbot.waitUntil(lambda: page.model.rowCount() == 1, timeout=5000)
    page.open_case(record.id)
    qtbot.waitUntil(lambda: len(page.detail.tiles) == 2, timeout=5000)
    qtbot.wait(300)
    assert page.detail.broken_seals() == []

    # Annotate the alert's clean picture: a new evidence file linked to it, shown right after it.
    original = page.detail.tiles[0].item
    png = _png(77, "ANN")
    shapes = to_json([Rect(10, 10, 100, 80)], (640, 360))
    asked = []

    def fake_annotate(cls, image, annotation_json="", subtitle="", parent=None):
        asked.append((image.width(), image.height(), annotation_json, subtitle))
        return png, shapes

    monkeypatch.setattr(AnnotationDialog, "annotate", classmethod(fake_annotate))
    page.detail.tiles[0].activated.emit(original)
    qtbot.waitUntil(lambda: len(page.detail.tiles) == 3, timeout=5000)
    assert asked == [(640, 360, "", f"{record.number} · {original.role}")]
    tiles = page.detail.tiles
    assert tiles[1].item.derived_from_id == original.evidence_id and tiles[1].item.kind == "annotated"
    assert tiles[1].item.annotation_json == shapes and "标注自 1" in tiles[1].caption.text()
    stored = get_case(console.engine, record.id, actor=HEAD)
    assert any(e.derived_from_id == original.evidence_id for e in stored.evidence)
    # Annotating the annotated version again opens the original with its shapes.
    page.detail.tiles[1].activated.emit(tiles[1].item)
    qtbot.waitUntil(lambda: len(asked) == 2, timeout=5000)
    assert asked[1][2] == shapes

    # A photo from a file.
    photo = tmp_path / "现场.png"
    photo.write_bytes(_png(5, "SITE"))
    page.choose_open_path = lambda *_: photo
    page.add_evidence_file()
    qtbot.waitUntil(lambda: len(page.detail.tiles) == 4, timeout=5000)
    assert page.detail.tiles[-1].item.kind == "photo"

    # The PDF of the case sheet: written, and its text holds the case number.
    pdf = tmp_path / "sheet.pdf"
    page.choose_save_path = lambda *_: pdf
    messages = []
    page.notify = lambda text, error=False: messages.append((text, error))
    page.export_pdf()
    qtbot.waitUntil(lambda: bool(messages), timeout=30000)
    assert messages[-1][1] is False, messages
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert record.number in text.replace(" ", "") and "未戴口罩" in text
    notice = tmp_path / "notice.pdf"
    page.choose_save_path = lambda *_: notice
    page.export_pdf(notice=True)
    qtbot.waitUntil(lambda: len(messages) == 2, timeout=30000)
    assert messages[-1][1] is False and "责令改正通知书" in subprocess.run(
        ["pdftotext", str(notice), "-"], capture_output=True, text=True, check=True).stdout.replace(" ", "")

    # The package, with the PDF inside.
    package = tmp_path / "case.zip"
    page.choose_save_path = lambda *_: package
    page.export_package()
    qtbot.waitUntil(lambda: len(messages) == 3, timeout=30000)
    assert messages[-1][1] is False and "含案件登记表 PDF" in messages[-1][0], messages
    assert any(n.endswith(".pdf") for n in zipfile.ZipFile(package).namelist())

    # A tampered file: the broken-seal mark (red 封存失效) on its tile.
    victim = page.detail.tiles[-1].item
    console.evidence.path(victim.rel_path).write_bytes(b"not the photo any more")
    page.open_case(record.id)
    qtbot.waitUntil(lambda: page.detail.broken_seals() == [victim.evidence_id], timeout=5000)
    seal = page.detail.tiles[-1].seal
    assert seal.text() == "封存失效：内容被改动" and seal.isVisibleTo(page.detail)

    # Import into a second console with its own database: the same case.
    second = _second_console(qtbot, rtsp_server, tmp_path / "other", monkeypatch)
    try:
        other = second.window.cases_page
        other.choose_open_path = lambda *_: package
        got = []
        other.notify = lambda text, error=False: got.append((text, error))
        other.import_package()
        qtbot.waitUntil(lambda: bool(got), timeout=30000)
        assert got[0][1] is False and got[0][0].startswith("已导入：案件 " + record.number), got
        qtbot.waitUntil(lambda: other.detail.record is not None, timeout=5000)
        mine, theirs = get_case(console.engine, record.id, actor=HEAD), other.detail.record
        assert (theirs.number, theirs.uuid, theirs.state, theirs.facts, theirs.handler) == (
            mine.number, mine.uuid, mine.state, mine.facts, mine.handler)
        assert [e.sha256 for e in theirs.evidence] == [e.sha256 for e in mine.evidence]
        assert [(e.action, e.to_state, e.who) for e in theirs.events] == [
            (e.action, e.to_state, e.who) for e in mine.events]
        qtbot.waitUntil(lambda: other.model.rowCount() == 1, timeout=5000)
        # Twice: nothing changes.
        other.import_package()
        qtbot.waitUntil(lambda: len(got) == 2, timeout=30000)
        assert got[1][0].startswith("无变化"), got
    finally:
        second.window.close()
        second.shutdown()


def _second_console(qtbot, server, data: Path, monkeypatch):
    from desktop.core.db import database_url, init_schema, make_engine
    from desktop.demo.seed import seed_demo
    from desktop.ui.app import Console, GuiOptions

    monkeypatch.setenv("MINGCHU_DATA_DIR", str(data))
    data.mkdir(parents=True, exist_ok=True)
    engine = make_engine(database_url(data))
    init_schema(engine)
    seed_demo(engine, server.host, server.port, cameras=1)
    engine.dispose()
    console = Console(GuiOptions(size=(1280, 800)), UserSession(INSPECTOR))
    console.start()
    qtbot.waitUntil(lambda: len(console.window.wall_page.cameras) == 1, timeout=5000)
    return console
