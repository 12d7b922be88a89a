"""The console as each role sees it (issue 7): the tabs, and on every page exactly the controls
the role may use, table-driven from what a 值班员, 检查员, 科室负责人 and 管理员 do; then a user
switch at the same console (another role, and a user limited to one street: the wall, the tree
and the lists follow). The core checks again whatever the UI lets through (test_cases_page,
test_registry_service and test_alert_service show a refusal in a worker: a message, nothing saved)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import cv2
import numpy as np
import pytest
from sqlmodel import Session, select

from desktop.core.access import Actor, Role
from desktop.core.alerts import AlertInput, record_alert
from desktop.core.cases import CaseInput, create_case, transition
from desktop.core.models import Camera, Street, Venue
from tests.desktop.ui.actors import ADMIN, BY_ROLE, HEAD

# What each role sees: tabs, and whether each control is shown (True) / hidden (False).
EXPECTED = {
    Role.DUTY: dict(
        tabs=["视频墙", "单位档案", "告警", "案件"],
        registry_edit=False, review=False, file_case=False, new_case=False, import_case=False,
        case_edit=False, case_print=False, case_export=False, case_delete=False, transitions={},
        report_export=None, settings=None),
    Role.INSPECTOR: dict(
        tabs=["视频墙", "单位档案", "告警", "案件"],
        registry_edit=False, review=True, file_case=True, new_case=True, import_case=True,
        case_edit=True, case_print=True, case_export=True, case_delete=False,
        # 待复核: 复核不通过 is case work; 办结 and 撤销 are the head's approvals (shown, disabled).
        transitions={"已办结": False, "整改中": True, "撤销": False},
        report_export=None, settings=None),
    Role.HEAD: dict(
        tabs=["视频墙", "单位档案", "告警", "案件", "统计", "审计日志"],
        registry_edit=False, review=True, file_case=True, new_case=True, import_case=True,
        case_edit=True, case_print=True, case_export=True, case_delete=True,
        transitions={"已办结": True, "整改中": True, "撤销": True},
        report_export=True, settings=None),
    Role.ADMIN: dict(
        tabs=["视频墙", "单位档案", "告警", "案件", "统计", "设置", "审计日志", "账号管理"],
        registry_edit=True, review=False, file_case=False, new_case=False, import_case=False,
        case_edit=False, case_print=False, case_export=False, case_delete=False, transitions={},
        report_export=False, settings=True),
}


def _case_under_review(console) -> int:
    """A case in 待复核 with one alert, made by the people whose work it is."""
    with Session(console.engine) as s:
        cam = s.exec(select(Camera).order_by(Camera.id)).first()
    at = datetime.now(UTC) - timedelta(minutes=5)
    alert = record_alert(console.engine, console.evidence, AlertInput(
        camera_id=cam.id, category="未戴口罩", tier="二级", started_at=at - timedelta(seconds=2), at=at,
        score=0.9, rule_id="no-mask", reason="4/5 帧未戴口罩",
        clean_png=cv2.imencode(".png", np.full((90, 160, 3), 120, np.uint8))[1].tobytes()))
    case = create_case(console.engine, CaseInput(alert_ids=(alert.id,), handler="王建华",
                                                 deadline=date.today() + timedelta(days=7)), actor=HEAD)
    for state in ("已推送整改", "整改中", "待复核"):
        transition(console.engine, case.id, state, actor=HEAD)
    return case.id


def _shown(widget, within) -> bool:
    return widget.isVisibleTo(within)


@pytest.mark.parametrize("role", list(EXPECTED), ids=[r.name for r in EXPECTED])
def test_each_role_sees_exactly_its_controls(qtbot, rtsp_server, make_console, role):
    want = EXPECTED[role]
    console = make_console(rtsp_server, cameras=1, actor=BY_ROLE[role])
    win = console.window
    assert win.visible_page_titles() == want["tabs"]
    assert f"当前用户：{BY_ROLE[role].display_name}（{role.value}）" == win.user_label.text()

    # 单位档案: read-only unless the role manages the registry.
    registry = win.registry_page
    registry.reload()
    qtbot.waitUntil(lambda: bool(registry.snapshot.cameras), timeout=5000)
    registry.show_venue(registry.snapshot.venues[0].id)
    for b in (registry.add_venue_button, registry.import_button, registry.export_button,
              registry.view.edit_button, registry.view.delete_button, registry.view.add_camera_button):
        assert _shown(b, registry) is want["registry_edit"], b.text()
    assert registry.camera_menu(registry.snapshot.cameras[0].id).isEmpty() is not want["registry_edit"]

    # 告警: 审核 and 立案 buttons.
    case_id = _case_under_review(console)
    alerts = win.alerts_page
    alerts.reload()
    qtbot.waitUntil(lambda: alerts.model.rowCount() == 1, timeout=5000)
    alerts.table.selectRow(0)
    qtbot.waitUntil(lambda: alerts.detail.record is not None, timeout=3000)
    d = alerts.detail
    for w in (d.confirm_button, d.false_button, d.comment, d.reviewer):
        assert _shown(w, alerts) is want["review"]
    assert _shown(d.file_button, alerts) is want["file_case"]
    if want["review"]:
        assert d.confirm_button.isEnabled() and d.reviewer.text() == f"复核人：{BY_ROLE[role].display_name}"

    # 案件: every role reads the case; the buttons are the role's.
    cases = win.cases_page
    assert _shown(cases.new_button, cases) is want["new_case"]
    assert _shown(cases.import_button, cases) is want["import_case"]
    cases.open_case(case_id)
    qtbot.waitUntil(lambda: cases.detail.record is not None, timeout=5000)
    cd = cases.detail
    assert cd.record.state == "待复核"
    assert _shown(cd.edit_button, cases) is want["case_edit"]
    assert _shown(cd.add_evidence_button, cases) is want["case_edit"]
    for b in (cd.print_button, cd.pdf_button, cd.notice_button):
        assert _shown(b, cases) is want["case_print"]
    assert _shown(cd.export_button, cases) is want["case_export"]
    assert _shown(cd.delete_button, cases) is want["case_delete"]
    assert {s: b.isEnabled() for s, b in cd.transition_buttons.items()} == want["transitions"]

    # 统计 (when shown): the monthly report's export is the head's.
    if win.dashboard_page is not None and win.page_visible(win.dashboard_page):
        dash = win.dashboard_page
        assert _shown(dash.report_button, dash) is want["report_export"]
        assert _shown(dash.report_month, dash) is want["report_export"]
    # 设置 (when shown): models and device can be changed.
    if win.page_visible(win.settings_page):
        sp = win.settings_page
        assert sp.device.isEnabled() is want["settings"] and sp.import_button.isEnabled() is want["settings"]


def test_another_user_logs_in_at_the_same_console(qtbot, rtsp_server, make_console):
    """Head of section on the 统计 page → a 值班员 of one street logs in: 统计 hides (the wall
    shows), the buttons follow, and the wall, its tree and the lists hold that street only."""
    console = make_console(rtsp_server, cameras=4, actor=HEAD)
    win = console.window
    with Session(console.engine) as s:  # one venue of the demo moves to a street of its own
        qibao = Street(name="七宝镇", district="闵行区")
        s.add(qibao)
        s.flush()
        venue = s.exec(select(Venue).order_by(Venue.id.desc())).first()
        venue.street_id = qibao.id
        s.add(venue)
        s.commit()
        rows = s.exec(select(Camera.id, Venue.id, Street.id, Street.name)
                      .join(Venue, Camera.venue_id == Venue.id).join(Street, Venue.street_id == Street.id)).all()
    street_id, street_name = next((r[2], r[3]) for r in rows if r[3] == "七宝镇")
    mine = {r[0] for r in rows if r[2] == street_id}
    assert 0 < len(mine) < 4
    win.show_page(win.dashboard_page)
    assert win.pages.currentWidget() is win.dashboard_page
    qtbot.waitUntil(lambda: win.dashboard_page.loads > 0, timeout=10000)
    duty = Actor("qibao-duty", Role.DUTY, display_name="七宝值班员", streets=frozenset({street_id}))

    console.session.set_actor(duty)
    assert win.visible_page_titles() == EXPECTED[Role.DUTY]["tabs"]
    assert win.pages.currentWidget() is win.wall_page
    assert not win.cases_page.new_button.isVisibleTo(win.cases_page)
    assert win.user_label.text() == "当前用户：七宝值班员（值班员）"
    qtbot.waitUntil(lambda: set(win.wall_page.cameras) == mine, timeout=5000)
    assert set(win.tree.visible_camera_ids()) <= mine
    registry = win.registry_page
    qtbot.waitUntil(lambda: {c.id for c in registry.snapshot.cameras} == mine, timeout=5000)
    assert {v.street for v in registry.snapshot.venues} == {street_name}

    # Back to the head: every camera again, 统计 back.
    console.session.set_actor(HEAD)
    qtbot.waitUntil(lambda: len(win.wall_page.cameras) == 4, timeout=5000)
    assert "统计" in win.visible_page_titles()


def test_the_administrator_manages_but_does_no_case_work(qtbot, rtsp_server, make_console):
    """A case reached by an administrator (an old link) is shown read-only: no transition
    buttons at all, no 编辑 / 添加证据 / 删除; a double-click on a picture does not annotate
    (it opens the picture to be viewed: the administrator may view evidence)."""
    console = make_console(rtsp_server, cameras=1, actor=ADMIN)
    case_id = _case_under_review(console)
    cases = console.window.cases_page
    cases.open_case(case_id)
    qtbot.waitUntil(lambda: cases.detail.record is not None, timeout=5000)
    assert cases.detail.transition_buttons == {}
    assert cases.detail.evidence_hint.text() == "双击查看图片或播放视频"
    qtbot.waitUntil(lambda: bool(cases.detail.tiles), timeout=5000)
    before = len(cases.detail.tiles)
    cases.detail.tiles[0].activated.emit(cases.detail.tiles[0].item)
    qtbot.wait(300)
    assert cases.dialog is None and len(cases.detail.tiles) == before
    qtbot.waitUntil(lambda: bool(cases.viewers), timeout=5000)  # a picture viewer, not the editor
