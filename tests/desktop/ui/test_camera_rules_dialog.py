"""AI 分析设置 as an administrator uses it, on the real console (SQLite file, demo RTSP server):
bad values named next to their fields and nothing saved, good values saved, read back and
reaching the wall's cameras, a picture from the camera's real stream, and a dead camera's reason."""

import json
import socket

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QDialogButtonBox
from sqlmodel import Session

from desktop.core.models import Camera
from desktop.ui.registry import camera_rules_dialog
from desktop.ui.registry.camera_rules_dialog import CameraRulesDialog
from detectors.rules.config import CameraRules
from tests.conftest import free_port
from tests.desktop.ui.actors import ADMIN
from tests.desktop.ui.registry_helpers import click, open_registry

SQUARE = [(0.1, 0.2), (0.4, 0.2), (0.4, 0.8), (0.1, 0.8)]


def _row(engine, camera_id: int) -> Camera:
    with Session(engine) as s:
        return s.get(Camera, camera_id)


def _documents(engine, camera_id: int) -> tuple:
    c = _row(engine, camera_id)
    return c.analysis_json, c.zones_json, c.schedule_json, c.analysis_enabled, c.analysis_fps


def _open(qtbot, page, camera_id: int) -> CameraRulesDialog:
    dlg = page.camera_rules(camera_id)
    assert isinstance(dlg, CameraRulesDialog) and dlg.isVisible()
    qtbot.waitUntil(lambda: not dlg.loading, timeout=5000)
    return dlg


def _save(qtbot, dlg) -> None:
    click(qtbot, dlg.buttons.button(QDialogButtonBox.Save))


def _rule(dlg, category: str):
    return next(r for r in dlg.rule_rows if r.category == category)


def _draw(canvas, points) -> None:
    for p in points[:-1]:
        QTest.mouseClick(canvas.viewport(), Qt.LeftButton, Qt.NoModifier, canvas.view_point(*p))
    QTest.mouseDClick(canvas.viewport(), Qt.LeftButton, Qt.NoModifier, canvas.view_point(*points[-1]))


def test_bad_values_are_named_next_to_their_fields_and_nothing_is_saved(qtbot, rtsp_server, make_console):
    console = make_console(rtsp_server, cameras=4, actor=ADMIN)
    page = open_registry(qtbot, console)
    cid = page.snapshot.cameras[0].id
    before = _documents(console.engine, cid)
    dlg = _open(qtbot, page, cid)
    assert dlg.windowTitle().startswith("AI 分析设置 · ")
    assert [dlg.tabs.tabText(i) for i in range(3)] == ["区域", "规则", "时间"]
    mask = _rule(dlg, "未戴口罩")
    mask.k.setValue(5)
    mask.n.setValue(3)
    dlg.own_hours.setChecked(True)
    dlg.business_hours.setText("25:00-26:00")
    dlg.lights_off.setText("晚上十点以后")
    dlg.timezone.setEditText("Mars/Olympus")
    dlg.editor.canvas.start_drawing("include")
    _draw(dlg.editor.canvas, SQUARE)
    _save(qtbot, dlg)
    qtbot.wait(300)
    assert dlg.isVisible() and not dlg.saving
    assert dlg.tabs.currentIndex() == 1  # the first tab with a problem
    assert dlg.rules_error.text() == "「未戴口罩」：k 不能大于 n（需 1 ≤ k ≤ n ≤ 100）"
    assert dlg.table.item(mask.row, 0).toolTip() == "k 不能大于 n（需 1 ≤ k ≤ n ≤ 100）"
    f = dlg.schedule_form
    assert f.error("business_hours") == "时段「25:00-26:00」的时间超出范围"
    assert "格式不对" in f.error("lights_off")
    assert f.error("timezone") == "未知的时区「Mars/Olympus」"
    assert _documents(console.engine, cid) == before  # nothing written
    # An override switched on but left empty would mean "never open": refused too.
    mask.k.setValue(3)
    dlg.business_hours.clear()
    dlg.lights_off.clear()
    dlg.timezone.setEditText("Asia/Shanghai")
    _save(qtbot, dlg)
    qtbot.wait(300)
    assert dlg.isVisible() and dlg.tabs.currentIndex() == 2
    assert f.error("business_hours") == "请填写营业时间，或取消勾选以使用单位的营业时间"
    assert dlg.rules_error.isHidden() and f.error("timezone") == ""
    assert _documents(console.engine, cid) == before
    # Fixed: it saves, and the error lines go.
    dlg.business_hours.setText("06:00-20:00")
    _save(qtbot, dlg)
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=5000)
    assert json.loads(_row(console.engine, cid).schedule_json) == {"business_hours": "06:00-20:00"}


def test_good_values_are_saved_read_back_and_reach_the_wall(qtbot, rtsp_server, make_console):
    console = make_console(rtsp_server, cameras=4, actor=ADMIN)
    page = open_registry(qtbot, console)
    cid = page.snapshot.cameras[1].id
    # Parts of analysis_json the dialog does not show survive its save.
    with Session(console.engine) as s:
        cam = s.get(Camera, cid)
        cam.analysis_json = json.dumps(
            {"offline_after_s": 90, "quality": {"frozen_seconds": 20}, "rules": {"吸烟": {"score": 0.8}}}
        )
        s.add(cam)
        s.commit()
    dlg = _open(qtbot, page, cid)
    assert _rule(dlg, "吸烟").score.value() == 0.8  # a stored rule, completed from its defaults
    assert _rule(dlg, "未戴口罩").score.value() == 0.6  # a category's default
    venue_hours = page.snapshot.venue(page.snapshot.camera(cid).venue_id).business_hours
    assert venue_hours and dlg.venue_hours.text() == venue_hours  # the default, shown
    assert not dlg.own_hours.isChecked() and dlg.business_hours.placeholderText() == venue_hours
    canvas = dlg.editor.canvas
    canvas.start_drawing("include")
    _draw(canvas, SQUARE)
    canvas.start_drawing("mask")
    _draw(canvas, [(0.6, 0.1), (0.9, 0.1), (0.9, 0.4)])
    canvas.rename(0, "操作台")
    dlg.tabs.setCurrentIndex(1)
    no_mask = _rule(dlg, "未戴口罩")
    no_mask.score.setValue(0.75)
    no_mask.anchor.setCurrentIndex(no_mask.anchor.findData("bottom"))
    _rule(dlg, "吸烟").cooldown.setValue(60)
    _rule(dlg, "玩手机").enabled.setChecked(False)
    dlg.cooldown.setValue(120)
    dlg.fps.setValue(1.5)
    dlg.tabs.setCurrentIndex(2)
    dlg.own_hours.setChecked(True)
    dlg.business_hours.setText("07:00-19:00")
    dlg.lights_off.setText("22：00～05：00")  # full-width, as typed with a Chinese input method
    dlg.timezone.setEditText("Asia/Urumqi")
    _save(qtbot, dlg)
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=5000)

    row = _row(console.engine, cid)
    assert row.analysis_fps == 1.5 and row.analysis_enabled
    rules = CameraRules.from_json(row.analysis_json, row.zones_json, row.schedule_json)
    assert [(z.kind, z.name) for z in rules.zones] == [("include", "操作台"), ("mask", "屏蔽区1")]
    assert rules.zones[0].contains(0.25, 0.5) and rules.zones[1].contains(0.85, 0.2)
    assert rules.rule("未戴口罩").score == 0.75 and rules.rule("未戴口罩").anchor == "bottom"
    assert rules.rule("未戴口罩").min_size == 0.05  # untouched default kept
    assert not rules.rule("玩手机").enabled
    assert rules.cooldown("吸烟") == 60 and rules.rule("吸烟").score == 0.8
    assert rules.cooldown_s == 120 and rules.cooldown("未戴口罩") == 120
    assert rules.offline_after_s == 90 and rules.quality.frozen_seconds == 20
    assert (rules.schedule.business_hours, rules.schedule.lights_off, rules.schedule.timezone) == (
        "07:00-19:00",
        "22:00-05:00",
        "Asia/Urumqi",
    )
    assert "鼠患" not in json.loads(row.analysis_json)["rules"]  # defaults are not written out
    # The console reloads: the wall's camera carries the new documents (and the analysis with it).
    qtbot.waitUntil(lambda: console.window.wall_page.cameras[cid].zones_json == row.zones_json, timeout=5000)
    wall_cam = console.window.wall_page.cameras[cid]
    assert (wall_cam.analysis_json, wall_cam.schedule_json, wall_cam.analysis_fps) == (
        row.analysis_json,
        row.schedule_json,
        1.5,
    )
    # Opened again, the dialog shows what was saved.
    again = _open(qtbot, page, cid)
    assert again.editor.zones() == json.loads(row.zones_json)
    assert _rule(again, "未戴口罩").score.value() == 0.75
    assert _rule(again, "未戴口罩").anchor.currentData() == "bottom"
    assert not _rule(again, "玩手机").enabled.isChecked()
    assert _rule(again, "吸烟").cooldown.value() == 60 and _rule(again, "鼠患").cooldown.text() == "同摄像头"
    assert again.cooldown.value() == 120 and again.fps.value() == 1.5 and again.analysis.isChecked()
    assert again.own_hours.isChecked() and again.business_hours.text() == "07:00-19:00"
    assert again.lights_off.text() == "22:00-05:00" and again.timezone.currentText() == "Asia/Urumqi"
    # Back to the venue's hours: the schedule document empties.
    again.own_hours.setChecked(False)
    again.lights_off.clear()
    again.timezone.setEditText("Asia/Shanghai")
    _save(qtbot, again)
    qtbot.waitUntil(lambda: not again.isVisible(), timeout=5000)
    assert _row(console.engine, cid).schedule_json == ""


def test_picture_from_the_camera_stream_and_a_dead_camera_shows_why(qtbot, rtsp_server, make_console, monkeypatch):
    dead = f"rtsp://127.0.0.1:{free_port()}/cam01/sub"
    console = make_console(rtsp_server, cameras=4, extra_urls=(dead,), actor=ADMIN)
    page = open_registry(qtbot, console)
    live = page.snapshot.cameras[0]
    dlg = _open(qtbot, page, live.id)
    canvas = dlg.editor.canvas
    qtbot.waitUntil(lambda: not dlg.fetching, timeout=15000)
    assert canvas.has_picture() and canvas.picture_size() == (640, 360), dlg.picture_status.text()
    assert dlg.picture_status.text().startswith("画面 640×360，获取于 ")
    assert canvas.message() == ""
    shot = canvas.viewport().grab().toImage()
    centre = shot.pixelColor(canvas.view_point(0.5, 0.5))
    assert centre.name() != "#4b5563"  # the kitchen, not the grey placeholder
    # 刷新画面 fetches again.
    click(qtbot, dlg.refresh_button)
    assert dlg.fetching and not dlg.refresh_button.isEnabled()
    qtbot.waitUntil(lambda: not dlg.fetching, timeout=15000)
    assert canvas.has_picture() and dlg.refresh_button.isEnabled()
    dlg.reject()

    # A camera nobody answers for: the reason in the editor, and editing still works.
    broken = next(c for c in page.snapshot.cameras if c.sub_url == dead)
    dlg = _open(qtbot, page, broken.id)
    canvas = dlg.editor.canvas
    qtbot.waitUntil(lambda: not dlg.fetching, timeout=15000)
    assert not canvas.has_picture() and canvas.picture_size() == (1600, 900)
    assert canvas.message() == "无法获取画面：连接被拒绝（设备或端口未开放）"
    assert "连接被拒绝" in dlg.picture_status.text()
    canvas.start_drawing("include")
    _draw(canvas, SQUARE)
    _save(qtbot, dlg)
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=5000)
    zones = json.loads(_row(console.engine, broken.id).zones_json)
    assert len(zones) == 1 and zones[0]["kind"] == "include"

    # A camera that accepts and never answers: the timeout, while the GUI keeps running.
    monkeypatch.setattr(camera_rules_dialog, "PICTURE_TIMEOUT_S", 2.0)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        with Session(console.engine) as s:
            cam = s.get(Camera, broken.id)
            cam.sub_url = cam.main_url = f"rtsp://127.0.0.1:{silent.getsockname()[1]}/cam01/sub"
            s.add(cam)
            s.commit()
        page.reload()
        qtbot.waitUntil(lambda: page.snapshot.camera(broken.id).sub_url != dead, timeout=5000)
        dlg = _open(qtbot, page, broken.id)
        qtbot.waitUntil(lambda: not dlg.fetching, timeout=10000)
    assert dlg.editor.canvas.message() == "无法获取画面：连接超时"
    assert dlg.editor.zones() == zones  # the stored zones over the placeholder


def test_camera_dialog_button_and_the_camera_menu_open_the_settings(qtbot, rtsp_server, make_console):
    console = make_console(rtsp_server, cameras=4, actor=ADMIN)
    page = open_registry(qtbot, console)
    cam = page.snapshot.cameras[2]
    page.tree.select_venue(cam.venue_id)
    # A camera not yet saved has no settings to edit.
    new = page.add_camera()
    assert not new.rules_button.isEnabled() and new.rules_button.toolTip() == "保存摄像头后才能设置"
    new.reject()
    cam_dlg = page.edit_camera(cam.id)
    assert cam_dlg.rules_button.text() == "AI 分析设置…" and cam_dlg.rules_button.isEnabled()
    click(qtbot, cam_dlg.rules_button)
    rules = cam_dlg.rules_dialog
    assert rules is not None and rules.isVisible()
    qtbot.waitUntil(lambda: not rules.loading, timeout=5000)
    rules.tabs.setCurrentIndex(1)
    rules.analysis.setChecked(False)
    rules.fps.setValue(3.0)
    _save(qtbot, rules)
    qtbot.waitUntil(lambda: not rules.isVisible(), timeout=5000)
    assert (_row(console.engine, cam.id).analysis_enabled, _row(console.engine, cam.id).analysis_fps) == (False, 3.0)
    # The camera dialog shows the new values, so its own save keeps them.
    assert not cam_dlg.analysis.isChecked() and cam_dlg.analysis_fps.value() == 3.0
    cam_dlg.installed.setChecked(False)
    _save(qtbot, cam_dlg)
    qtbot.waitUntil(lambda: not cam_dlg.isVisible(), timeout=5000)
    row = _row(console.engine, cam.id)
    assert (row.analysis_enabled, row.analysis_fps, row.installed) == (False, 3.0, False)
    # Right-click menu of the venue's camera table.
    qtbot.waitUntil(lambda: page.view.select_camera(cam.id), timeout=5000)
    menu = page.camera_menu(cam.id)
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts == ["编辑摄像头…", "AI 分析设置…", "删除摄像头"]
    menu.actions()[1].trigger()
    assert isinstance(page.dialog, CameraRulesDialog) and page.dialog.camera.id == cam.id
    qtbot.waitUntil(lambda: not page.dialog.loading, timeout=5000)
    assert not page.dialog.analysis.isChecked() and page.dialog.fps.value() == 3.0
