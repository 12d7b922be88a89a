"""单位档案 as an administrator uses it, on the real console (SQLite file, demo RTSP server):
search and filters, the venue dialog with its validation, cameras with credentials that never
show, the connection test, deletion, and the wall following every change."""

import socket

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QDialog, QDialogButtonBox
from sqlmodel import Session, select

from desktop.core import registry
from desktop.core.models import Camera, CameraStatusEvent, Venue
from desktop.core.registry import VenueInput
from desktop.services import registry_service
from desktop.streaming.worker import StreamKey
from tests.conftest import free_port
from tests.desktop.ui.actors import ADMIN
from tests.desktop.ui.registry_helpers import click, open_registry, visible_texts

LAO = "老上海本帮菜馆（莘庄店）"


def _type(qtbot, edit, text: str) -> None:
    """ASCII through real key events; CJK as an input method commits it (QTest cannot type it)."""
    edit.clear()
    if text.isascii():
        qtbot.keyClicks(edit, text)
    else:
        edit.insert(text)


def _save(qtbot, dialog) -> None:
    click(qtbot, dialog.buttons.button(QDialogButtonBox.Save))


def _venue_id(engine, name: str) -> int | None:
    with Session(engine) as s:
        v = s.exec(select(Venue).where(Venue.name == name)).first()
        return v.id if v else None


def test_search_by_name_address_licence_and_pinyin_in_both_trees(qtbot, rtsp_server, make_console):
    console = make_console(rtsp_server, cameras=4, actor=ADMIN)
    page = open_registry(qtbot, console)
    trees = (page.tree, console.window.tree)
    for tree in trees:
        assert len(tree.visible_venue_labels()) == 3
        for query, expected in (("lsh", [LAO]), ("JY33101120001218", ["莘城实验幼儿园食堂"]),
                                ("jy 3310 1120 0012 18", ["莘城实验幼儿园食堂"]), ("莘松路", ["莘庄镇中心小学食堂"]),
                                ("syyey", ["莘城实验幼儿园食堂"]), ("nothing-like-this", [])):
            _type(qtbot, tree.search, query)
            qtbot.waitUntil(lambda t=tree, e=expected: t.visible_venue_labels() == e, timeout=3000)
        tree.search.clear()
        qtbot.waitUntil(lambda t=tree: len(t.visible_venue_labels()) == 3, timeout=3000)
    assert console.window.tree.visible_camera_ids() != []


def test_filter_by_venue_type_and_progress(qtbot, rtsp_server, make_console):
    console = make_console(rtsp_server, cameras=4, actor=ADMIN)
    registry.save_venue(console.engine, VenueInput("福寿园养老院食堂", street="七宝镇", venue_type="养老机构食堂",
                                                   build_progress="设备安装"), actor=ADMIN)
    page = open_registry(qtbot, console)
    page.reload()
    qtbot.waitUntil(lambda: len(page.tree.visible_venue_labels()) == 4, timeout=3000)
    tree = page.tree
    tree.type_box.setCurrentIndex(tree.type_box.findData("学校食堂"))
    assert tree.visible_venue_labels() == ["莘庄镇中心小学食堂"]
    tree.type_box.setCurrentIndex(0)
    tree.progress_box.setCurrentIndex(tree.progress_box.findData("设备安装"))
    assert tree.visible_venue_labels() == ["福寿园养老院食堂"]
    assert "显示 1 / 4 个单位" in tree.count_label.text()
    tree.type_box.setCurrentIndex(tree.type_box.findData("学校食堂"))
    assert tree.visible_venue_labels() == []
    # The wall's tree has the same filters (venues with cameras only).
    wall_tree = console.window.tree
    wall_tree.type_box.setCurrentIndex(wall_tree.type_box.findData("托幼机构食堂"))
    assert wall_tree.visible_venue_labels() == ["莘城实验幼儿园食堂"]
    wall_tree.progress_box.setCurrentIndex(wall_tree.progress_box.findData("完成建设"))
    assert wall_tree.visible_venue_labels() == ["莘城实验幼儿园食堂"]


def test_venue_page_shows_the_details_and_cameras_of_the_chosen_venue(qtbot, rtsp_server, make_console):
    console = make_console(rtsp_server, cameras=4, actor=ADMIN)
    page = open_registry(qtbot, console)
    vid = _venue_id(console.engine, "莘庄镇中心小学食堂")
    assert page.tree.select_venue(vid)
    view = page.view
    assert view.title.text() == "莘庄镇中心小学食堂"
    assert view.details.value("许可证号") == "JY33101120001201"
    assert view.details.value("建设进度") == "完成建设"
    assert view.details.value("街镇") == "莘庄镇"
    assert view.table.rowCount() == 2
    assert view.table.item(0, 2).text() == rtsp_server.url(1)
    assert view.table.item(0, 7).text() == "未设置"
    assert view.alerts.text() == "暂无记录" and view.cases.text() == "暂无记录"
    # A camera picked in the tree opens its venue with the camera's row selected.
    cam2 = page.snapshot.cameras_of(vid)[1].id
    page.tree.select_camera(cam2)
    assert view.selected_camera() == cam2 and view.edit_camera_button.isEnabled()


def test_add_venue_through_the_dialog(qtbot, rtsp_server, make_console):
    console = make_console(rtsp_server, cameras=4, actor=ADMIN)
    page = open_registry(qtbot, console)
    click(qtbot, page.add_venue_button)
    dlg = page.dialog
    assert dlg.isVisible() and dlg.windowTitle() == "新增单位"
    _type(qtbot, dlg.name, "梅陇镇敬老院食堂")
    _type(qtbot, dlg.license_no, "jy33101120009999")
    dlg.street.setEditText("梅陇镇")  # a new 街镇, typed into the editable combo
    _type(qtbot, dlg.address, "梅陇镇莲花南路 1500 号")
    dlg.venue_type.setCurrentIndex(dlg.venue_type.findData("养老机构食堂"))
    dlg.risk_level.setCurrentIndex(dlg.risk_level.findData("A"))
    _type(qtbot, dlg.contact_phone, "021-64001234")
    _type(qtbot, dlg.business_hours, "06:00-09:00,11:00-13:00")
    dlg.build_progress.setCurrentIndex(dlg.build_progress.findData("设备安装"))
    _type(qtbot, dlg.expected_completion, "2025-09")
    _save(qtbot, dlg)
    qtbot.waitUntil(lambda: dlg.result() == QDialog.Accepted and not dlg.isVisible(), timeout=5000)
    qtbot.waitUntil(lambda: "梅陇镇敬老院食堂" in page.tree.visible_venue_labels(), timeout=5000)
    with Session(console.engine) as s:
        v = s.exec(select(Venue).where(Venue.name == "梅陇镇敬老院食堂")).one()
        assert (v.license_no, v.venue_type, v.build_progress, v.risk_level) == \
            ("JY33101120009999", "养老机构食堂", "设备安装", "A")
    qtbot.waitUntil(lambda: page.view.title.text() == "梅陇镇敬老院食堂", timeout=3000)  # selected
    assert page.view.no_cameras.isVisibleTo(page.view)
    assert any(page.tree.tree.topLevelItem(i).text(0) == "梅陇镇 (1)"
               for i in range(page.tree.tree.topLevelItemCount()))
    # Editing: the dialog opens filled in; a change lands in the DB and on the page.
    dlg = page.edit_venue()
    assert dlg.name.text() == "梅陇镇敬老院食堂" and dlg.street.currentText() == "梅陇镇"
    dlg.build_progress.setCurrentIndex(dlg.build_progress.findData("完成建设"))
    _save(qtbot, dlg)
    qtbot.waitUntil(lambda: page.view.details.value("建设进度") == "完成建设", timeout=5000)


def test_bad_and_duplicate_licence_numbers_keep_the_dialog_open(qtbot, rtsp_server, make_console):
    console = make_console(rtsp_server, cameras=4, actor=ADMIN)
    page = open_registry(qtbot, console)
    dlg = page.add_venue()
    _type(qtbot, dlg.name, "新单位")
    _type(qtbot, dlg.license_no, "12345")
    _type(qtbot, dlg.contact_phone, "abc")
    _save(qtbot, dlg)
    qtbot.waitUntil(lambda: dlg.form.error("license_no") != "", timeout=5000)
    assert "许可证号格式不对" in dlg.form.error("license_no")
    assert dlg.form.error("contact_phone") != "" and dlg.form.error("name") == ""
    assert dlg.isVisible() and dlg.result() != QDialog.Accepted
    _type(qtbot, dlg.license_no, "JY23101120003317")  # 老上海本帮菜馆's
    _type(qtbot, dlg.contact_phone, "13800000000")
    _save(qtbot, dlg)
    qtbot.waitUntil(lambda: "老上海本帮菜馆" in dlg.form.error("license_no"), timeout=5000)
    assert dlg.isVisible() and dlg.form.error("contact_phone") == ""
    assert _venue_id(console.engine, "新单位") is None


def test_camera_with_credentials_in_the_url_never_shows_them(qtbot, rtsp_server, make_console):
    console = make_console(rtsp_server, cameras=4, actor=ADMIN)
    page = open_registry(qtbot, console)
    vid = _venue_id(console.engine, LAO)
    page.tree.select_venue(vid)
    click(qtbot, page.view.add_camera_button)
    dlg = page.dialog
    _type(qtbot, dlg.name, "后厨专间")
    dlg.area.setCurrentIndex(dlg.area.findText("专间"))
    url = f"rtsp://user:secret@127.0.0.1:{rtsp_server.port}/cam01/sub"
    _type(qtbot, dlg.sub_url, url)  # the credentials leave the URL as soon as they are typed
    assert dlg.sub_url.text() == rtsp_server.url(1)
    assert dlg.username.text() == "user" and dlg.password.text() == "secret"
    assert dlg.password.echoMode() == dlg.password.EchoMode.Password
    _save(qtbot, dlg)
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=5000)
    with Session(console.engine) as s:
        cam = s.exec(select(Camera).where(Camera.name == "后厨专间")).one()
    assert cam.sub_url == rtsp_server.url(1) and "secret" not in cam.main_url
    creds = registry.camera_credentials(console.engine, cam.id)
    assert (creds.username, creds.secret) == ("user", "secret")
    # The page, its table and both trees show it, and nowhere the password.
    qtbot.waitUntil(lambda: page.view.selected_camera() == cam.id, timeout=5000)
    row = next(r for r in range(page.view.table.rowCount()) if page.view.table.item(r, 0).text() == "后厨专间")
    assert page.view.table.item(row, 7).text() == "已设置"
    qtbot.waitUntil(lambda: cam.id in console.window.tree.visible_camera_ids(), timeout=5000)
    assert cam.id in console.window.wall_page.cameras
    # Editing: the stored password is never loaded; the fields say what empty means.
    dlg = page.edit_camera(cam.id)
    assert dlg.password.text() == "" and dlg.username.text() == ""
    assert dlg.password.placeholderText() == "已保存，留空则不修改"
    texts = visible_texts(console.window)
    assert not [t for t in texts if "secret" in t]
    assert any("后厨专间" in t for t in texts)  # the walk does see the page's texts
    # Saving the edit with the fields left empty keeps the credentials.
    dlg.installed.setChecked(False)
    _save(qtbot, dlg)
    qtbot.waitUntil(lambda: not dlg.isVisible(), timeout=5000)
    assert registry.camera_credentials(console.engine, cam.id).secret == "secret"


def test_connection_test_shows_codec_and_size_or_the_reason(qtbot, rtsp_server, make_console, monkeypatch):
    console = make_console(rtsp_server, cameras=4, actor=ADMIN)
    page = open_registry(qtbot, console)
    page.tree.select_venue(_venue_id(console.engine, LAO))
    dlg = page.add_camera()
    _type(qtbot, dlg.sub_url, f"rtsp://viewer:secret@127.0.0.1:{rtsp_server.port}/cam02/sub")
    click(qtbot, dlg.probe_button)
    assert not dlg.probe_button.isEnabled()
    qtbot.waitUntil(lambda: dlg.last_probe is not None, timeout=15000)
    text = dlg.probe_result.text()
    assert "h264" in text and "640x360" in text and "15 fps" in text and "打开用时" in text, text
    assert dlg.probe_button.isEnabled()
    # A dead port: the reason, and no URL with credentials anywhere.
    dlg.last_probe = None
    _type(qtbot, dlg.sub_url, f"rtsp://127.0.0.1:{free_port()}/cam01/sub")
    click(qtbot, dlg.probe_button)
    qtbot.waitUntil(lambda: dlg.last_probe is not None, timeout=15000)
    assert dlg.probe_result.text() == "连接失败：连接被拒绝（设备或端口未开放）"
    assert not [t for t in visible_texts(dlg) if "secret" in t]
    # A camera that accepts and never answers: the GUI keeps running while the test waits.
    monkeypatch.setattr(registry_service, "PROBE_TIMEOUT_S", 2.0)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        dlg.last_probe = None
        _type(qtbot, dlg.sub_url, f"rtsp://127.0.0.1:{silent.getsockname()[1]}/cam01/sub")
        ticks = []
        timer = QTimer(interval=50)
        timer.timeout.connect(lambda: ticks.append(1))
        timer.start()
        click(qtbot, dlg.probe_button)
        qtbot.waitUntil(lambda: dlg.last_probe is not None, timeout=10000)
        timer.stop()
    assert len(ticks) >= 20  # ~40 expected in 2 s: the event loop never stalled
    assert dlg.probe_result.text() == "连接失败：连接超时"


def test_delete_venue_after_confirmation(qtbot, rtsp_server, make_console):
    console = make_console(rtsp_server, cameras=4, actor=ADMIN)
    page = open_registry(qtbot, console)
    win = console.window
    vid = _venue_id(console.engine, "莘庄镇中心小学食堂")
    doomed = [c.id for c in page.snapshot.cameras_of(vid)]
    keep = [cid for cid in win.wall_page.cameras if cid not in doomed]
    qtbot.waitUntil(lambda: all(console.streams.worker(StreamKey(c, "sub")) is not None for c in keep), timeout=5000)
    workers = {c: console.streams.worker(StreamKey(c, "sub")) for c in keep}
    asked = []
    page.tree.select_venue(vid)
    page.confirm = lambda title, text: asked.append(text) or False  # 取消
    click(qtbot, page.view.delete_button)
    qtbot.wait(200)
    assert _venue_id(console.engine, "莘庄镇中心小学食堂") == vid
    assert "2 个摄像头" in asked[0] and "在线/离线记录" in asked[0]
    page.confirm = lambda title, text: True
    click(qtbot, page.view.delete_button)
    qtbot.waitUntil(lambda: "莘庄镇中心小学食堂" not in page.tree.visible_venue_labels(), timeout=5000)
    assert _venue_id(console.engine, "莘庄镇中心小学食堂") is None
    with Session(console.engine) as s:
        assert not s.exec(select(CameraStatusEvent).where(CameraStatusEvent.camera_id.in_(doomed))).all()
    # The wall follows: the venue's cameras leave, the others' streams keep running untouched.
    qtbot.waitUntil(lambda: set(win.wall_page.cameras) == set(keep), timeout=5000)
    assert "莘庄镇中心小学食堂" not in win.tree.visible_venue_labels()
    assert all(console.streams.worker(StreamKey(c, "sub")) is workers[c] for c in keep)
    assert page.view.venue is None


def test_changing_a_camera_url_restarts_only_its_stream(qtbot, rtsp_server, make_console):
    console = make_console(rtsp_server, cameras=4, actor=ADMIN)
    page = open_registry(qtbot, console)
    ids = list(console.window.wall_page.cameras)
    qtbot.waitUntil(lambda: all(console.streams.worker(StreamKey(c, "sub")) is not None for c in ids), timeout=5000)
    before = {c: console.streams.worker(StreamKey(c, "sub")) for c in ids}
    target = ids[0]
    dlg = page.edit_camera(target)
    _type(qtbot, dlg.sub_url, rtsp_server.url(4))
    _save(qtbot, dlg)
    qtbot.waitUntil(lambda: console.streams.worker(StreamKey(target, "sub")) is not before[target], timeout=5000)
    assert console.streams.worker(StreamKey(target, "sub")).safe_url == rtsp_server.url(4)
    assert all(console.streams.worker(StreamKey(c, "sub")) is before[c] for c in ids[1:])
    tile = next(t for t in console.window.wall_page.visible_tiles() if t.camera.camera_id == target)
    assert tile.camera.sub_url == rtsp_server.url(4)


def test_delete_camera(qtbot, rtsp_server, make_console):
    console = make_console(rtsp_server, cameras=4, actor=ADMIN)
    page = open_registry(qtbot, console)
    vid = _venue_id(console.engine, LAO)
    page.tree.select_venue(vid)
    cam = page.snapshot.cameras_of(vid)[0]
    page.view.select_camera(cam.id)
    page.confirm = lambda title, text: cam.name in text
    click(qtbot, page.view.delete_camera_button)
    qtbot.waitUntil(lambda: page.view.table.rowCount() == 0 and page.view.no_cameras.isVisibleTo(page.view),
                    timeout=5000)
    qtbot.waitUntil(lambda: cam.id not in console.window.wall_page.cameras, timeout=5000)
    assert LAO in page.tree.visible_venue_labels()  # the venue stays, without cameras
