"""The 审计日志 page on a real SQLite file and the DB runner: entries show newest first with
Chinese action names and local times, filters narrow them, 导出 writes an .xlsx that is itself
audited, 校验 shows an intact chain and then a tampered one; a role without 查看审计日志 sees
nothing and the core refuses. Screenshots go to $MINGCHU_SCREENSHOTS or the test's tmp dir."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import text

from desktop.core import audit
from desktop.core.access import Actor, Role
from desktop.core.accounts import authenticate, create_first_admin, create_user
from desktop.core.audit import AuditAction
from desktop.core.db import make_engine, migrate
from desktop.services.task_runner import TaskRunner
from desktop.services.user_session import UserSession
from desktop.ui.audit import AuditPage


def shot(widget, tmp_path: Path, name: str) -> Path:
    out = Path(os.environ.get("MINGCHU_SCREENSHOTS") or tmp_path)
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    assert widget.grab().save(str(path))
    return path


@pytest.fixture
def station(tmp_path, qtbot):
    from desktop.ui.app import make_application

    make_application()
    engine = make_engine(f"sqlite:///{tmp_path / 'console.db'}")
    migrate(engine)
    audit.set_anchor_path(engine, tmp_path / "anchor.json")
    admin = create_first_admin(engine, "admin", "Admin2026!", "周管理")
    create_user(engine, admin, "lihua", "Lihua2026!", Role.HEAD, "李华")
    create_user(engine, admin, "wang", "Wang2026!x", Role.DUTY, "王值班")
    head = authenticate(engine, "lihua", "Lihua2026!", console="工作站-2")
    for _ in range(2):
        with pytest.raises(Exception):  # noqa: B017, PT011 - a refused login, recorded
            authenticate(engine, "wang", "wrong-password", console="工作站-3")
    audit.record_now(engine, head, AuditAction.CASE_TRANSITION, "case:12", {"from": "待复核", "to": "已办结"})
    audit.record_now(engine, head, AuditAction.PRINT, "case:12", {"pages": 3})
    audit.record_now(engine, head, AuditAction.EVIDENCE_VIEW, "evidence:7", {"camera": "烹饪区"})
    db = TaskRunner("db")
    yield engine, db, admin, head
    db.shutdown(wait=True)
    audit.set_anchor_path(engine, None)
    engine.dispose()


def _page(qtbot, engine, db, actor) -> tuple[AuditPage, UserSession]:
    session = UserSession(actor)
    page = AuditPage(engine, db, session)
    qtbot.addWidget(page)
    page.range.setCurrentIndex(3)  # 全部
    page.resize(1400, 560)
    return page, session


def test_entries_show_newest_first_in_chinese(qtbot, station, tmp_path):
    engine, db, admin, head = station
    page, _ = _page(qtbot, engine, db, head)
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.show()
    m = page.model
    rows = [[m.data(m.index(r, c)) for c in range(m.columnCount())] for r in range(m.rowCount())]
    assert rows[0][5] == "查看证据" and rows[0][2] == "lihua" and rows[0][3] == "科室负责人"
    assert rows[0][4] == "工作站-2"
    assert [r[0] for r in rows] == sorted((r[0] for r in rows), key=int, reverse=True)
    labels = {r[5] for r in rows}
    assert {"登录", "登录失败", "案件流转", "打印", "账号变更"} <= labels
    assert any("to: 已办结" in r[7] for r in rows)
    assert "共 " in page.page_label.text()
    path = shot(page, tmp_path, "audit_page.png")
    assert path.stat().st_size > 10_000


def test_filters_narrow_the_list(qtbot, station):
    engine, db, _admin, head = station
    page, _ = _page(qtbot, engine, db, head)
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.show()
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.action.setCurrentIndex(page.action.findData(AuditAction.LOGIN_FAILED))
    m = page.model
    assert m.rowCount() == 2
    assert {m.data(m.index(r, 4)) for r in range(2)} == {"工作站-3"}
    page.action.setCurrentIndex(0)
    page.target.setText("case:12")
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.search_button.click()
    assert {m.data(m.index(r, 5)) for r in range(m.rowCount())} == {"案件流转", "打印"}


def test_export_writes_a_styled_sheet_and_is_audited(qtbot, station, tmp_path):
    engine, db, admin, _head = station
    page, _ = _page(qtbot, engine, db, admin)
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.show()
    out = tmp_path / "out" / "审计.xlsx"
    with qtbot.waitSignal(page.exported, timeout=10000) as sig:
        page.export_to(out)
    assert not isinstance(sig.args[0], BaseException)
    ws = load_workbook(out).active
    assert ws.title == "审计日志"
    assert [c.value for c in ws[3]][:6] == ["序号", "时间", "用户", "角色", "工作站", "操作"]
    assert ws.freeze_panes == "A4"
    assert ws["A3"].font.bold
    actions = [ws.cell(row=r, column=6).value for r in range(4, ws.max_row + 1)]
    assert "查看证据" in actions and "登录失败" in actions
    qtbot.waitUntil(lambda: page.model.rowCount() > 0 and page.model.row(0).action == AuditAction.EXPORT,
                    timeout=10000)
    assert page.model.row(0).username == "admin"
    assert page.model.row(0).detail["file"] == "审计.xlsx"


def test_verify_shows_intact_then_tampered(qtbot, station, tmp_path):
    engine, db, admin, _head = station
    page, _ = _page(qtbot, engine, db, admin)
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.show()
    with qtbot.waitSignal(page.verified, timeout=10000) as sig:
        page.verify_button.click()
    assert sig.args[0].ok
    assert "审计日志完整" in page.verify_label.text()
    shot(page, tmp_path, "audit_verify_ok.png")
    with engine.begin() as conn:
        conn.execute(text("UPDATE auditentry SET target = 'case:99' WHERE seq = 5"))
    with qtbot.waitSignal(page.verified, timeout=10000) as sig:
        page.verify_button.click()
    assert not sig.args[0].ok and sig.args[0].broken_seq == 5
    assert "#5" in page.verify_label.text() and "篡改" in page.verify_label.text()
    shot(page, tmp_path, "audit_verify_broken.png")


def test_without_the_role_nothing_is_shown_and_the_core_refuses(qtbot, station):
    from desktop.core.access import PermissionDenied
    from desktop.core.audit_queries import export_audit, query_audit

    engine, db, _admin, head = station
    duty = Actor("wang", Role.DUTY, 3, "王值班")
    with pytest.raises(PermissionDenied):
        query_audit(engine, duty)
    with pytest.raises(PermissionDenied):
        export_audit(engine, duty, Path("/tmp/never.xlsx"))
    page, session = _page(qtbot, engine, db, head)
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.show()
    assert page.model.rowCount() > 0
    session.set_actor(duty)  # another user at this console
    assert page.model.rowCount() == 0
    qtbot.wait(300)
    assert page.model.rowCount() == 0
