"""Import and export from the 单位档案 page: file → options → dry run with progress → result
table → 确认导入 → registry and wall reload; broken files change nothing; export writes the file."""

from openpyxl import Workbook, load_workbook
from sqlmodel import Session, select

from desktop.core import registry
from desktop.core.models import Camera, Venue
from desktop.ui.registry.import_report_view import ERROR_BG
from tests.desktop.ui.actors import ADMIN
from tests.desktop.ui.registry_helpers import click, open_registry, visible_texts

HEADER = ["街镇", "单位名称", "许可证号", "地址", "单位类型", "建设进度", "摄像头名称", "区域", "子码流地址",
          "用户名", "密码"]


def _xlsx(path, rows):
    wb = Workbook()
    ws = wb.active
    ws.title = "一户一档"
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def _venue(engine, name):
    with Session(engine) as s:
        return s.exec(select(Venue).where(Venue.name == name)).first()


def _open_import(qtbot, page, path):
    page.choose_import_file = lambda: path
    click(qtbot, page.import_button)
    return page.dialog


def test_import_with_dry_run_then_confirm(qtbot, rtsp_server, make_console, tmp_path):
    console = make_console(rtsp_server, cameras=4, actor=ADMIN)
    page = open_registry(qtbot, console)
    port = rtsp_server.port
    path = _xlsx(tmp_path / "venues.xlsx", [
        ["梅陇镇", "梅陇镇敬老院食堂", "JY33101120009999", "梅陇镇莲花南路 1500 号", "养老机构食堂", "设备安装",
         "备餐区", "备餐区", f"rtsp://127.0.0.1:{port}/cam03/sub", "admin", "TopSecret9"],
        ["", "颛桥社区食堂", "", "颛桥镇都市路 5000 号", "", "前期准备", "", "", "", "", ""],
        ["莘庄镇", "老上海本帮菜馆（莘庄店）", "JY23101120003317", "莘庄镇沪闵路 6088 号 3 层", "大型餐饮", "完成建设",
         "", "", "", "", ""],
    ])
    dlg = _open_import(qtbot, page, path)
    dlg.street.setEditText("颛桥镇")
    dlg.venue_type.setCurrentIndex(dlg.venue_type.findData("机关企事业单位食堂"))
    progress = []
    console.registry.progress.connect(lambda d, t: progress.append((d, t)))
    click(qtbot, dlg.check_button)
    assert not dlg.check_button.isEnabled() and dlg.progress.isVisible()
    qtbot.waitUntil(lambda: dlg.report is not None, timeout=10000)
    report = dlg.report
    assert report.dry_run and not report.committed and report.ok
    assert (report.added, report.updated) == (2, 1), report.rows
    assert progress and progress[-1][0] == progress[-1][1]
    assert "检查完成，尚未写入" in dlg.result_view.summary.text()
    assert _venue(console.engine, "梅陇镇敬老院食堂") is None  # a dry run writes nothing
    view = dlg.result_view
    view.filter_box.setCurrentIndex(view.filter_box.findData("updated"))
    assert view.shown_rows() == [("更新", "老上海本帮菜馆（莘庄店）")]
    view.filter_box.setCurrentIndex(0)
    assert len(view.shown_rows()) == 3
    assert dlg.confirm_button.isVisible() and dlg.confirm_button.isEnabled()
    click(qtbot, dlg.confirm_button)
    qtbot.waitUntil(lambda: dlg.report.committed, timeout=10000)
    assert "已导入" in view.summary.text() and dlg.close_button.text() == "完成"
    # Registry, DB and wall follow.
    qtbot.waitUntil(lambda: "梅陇镇敬老院食堂" in page.tree.visible_venue_labels(), timeout=5000)
    assert "颛桥社区食堂" in page.tree.visible_venue_labels()
    zq = _venue(console.engine, "颛桥社区食堂")
    assert zq.venue_type == "机关企事业单位食堂"
    assert registry.get_venue(console.engine, zq.id, actor=ADMIN).street == "颛桥镇"
    assert _venue(console.engine, "老上海本帮菜馆（莘庄店）").address == "莘庄镇沪闵路 6088 号 3 层"
    with Session(console.engine) as s:
        cam = s.exec(select(Camera).where(Camera.name == "备餐区",
                                          Camera.venue_id == _venue(console.engine, "梅陇镇敬老院食堂").id)).one()
    assert registry.camera_credentials(console.engine, cam.id).secret == "TopSecret9"
    qtbot.waitUntil(lambda: cam.id in console.window.wall_page.cameras, timeout=5000)
    assert cam.id in console.window.tree.visible_camera_ids()
    assert not [t for t in visible_texts(console.window) if "TopSecret9" in t]
    click(qtbot, dlg.close_button)
    assert not dlg.isVisible()


def test_rows_with_errors_are_highlighted_and_nothing_can_be_imported(qtbot, rtsp_server, make_console, tmp_path):
    console = make_console(rtsp_server, cameras=4, actor=ADMIN)
    page = open_registry(qtbot, console)
    path = _xlsx(tmp_path / "bad.xlsx", [
        ["梅陇镇", "好单位", "JY33101120009998", "", "学校食堂", "完成建设", "", "", "", "", ""],
        ["梅陇镇", "坏单位", "12345", "", "学校食堂", "完成建设", "", "", "", "", ""],
    ])
    dlg = _open_import(qtbot, page, path)
    click(qtbot, dlg.check_button)
    qtbot.waitUntil(lambda: dlg.report is not None, timeout=10000)
    view = dlg.result_view
    assert dlg.report.errors == 1 and not dlg.confirm_button.isEnabled()
    assert "1 行错误" in view.summary.text()
    assert view.filter_box.currentData() == "error"  # errors first
    assert view.shown_rows() == [("错误", "坏单位")]
    row = next(r for r in range(view.table.rowCount()) if view.table.item(r, 3).text() == "坏单位")
    assert view.table.item(row, 0).background().color() == ERROR_BG
    assert "许可证号" in view.table.item(row, 4).text()
    assert _venue(console.engine, "好单位") is None


def test_unreadable_file_says_why_and_changes_nothing(qtbot, rtsp_server, make_console, tmp_path):
    console = make_console(rtsp_server, cameras=4, actor=ADMIN)
    page = open_registry(qtbot, console)
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"this is not a spreadsheet")
    before = len(page.snapshot.venues)
    dlg = _open_import(qtbot, page, path)
    click(qtbot, dlg.check_button)
    qtbot.waitUntil(lambda: dlg.status.text().startswith("无法导入"), timeout=10000)
    assert "没有写入任何数据" in dlg.status.text() and "broken.xlsx" in dlg.status.text()
    assert dlg.report is None and not dlg.confirm_button.isVisible() and dlg.check_button.isEnabled()
    # Wrong columns: the reason names what is missing.
    wb = Workbook()
    wb.active.append(["序号", "品名", "数量"])
    wb.active.append([1, "大米", 3])
    wb.save(path)
    click(qtbot, dlg.check_button)
    qtbot.waitUntil(lambda: "表头" in dlg.status.text(), timeout=10000)
    with Session(console.engine) as s:
        assert len(s.exec(select(Venue)).all()) == before


def test_export_writes_the_file_in_the_background(qtbot, rtsp_server, make_console, tmp_path):
    console = make_console(rtsp_server, cameras=4, actor=ADMIN)
    page = open_registry(qtbot, console)
    vid = page.snapshot.venues[0].id
    saved = []  # through the console's DB runner, as the logged-in administrator
    console.registry.save_camera(registry.CameraInput(vid, "库房", "rtsp://admin:Hidden1@10.0.0.7/ch1"),
                                 on_done=saved.append, on_error=saved.append)
    qtbot.waitUntil(lambda: bool(saved), timeout=5000)
    assert isinstance(saved[0], int)
    out = tmp_path / "out.xlsx"
    page.choose_export_file = lambda: out
    click(qtbot, page.export_button)
    dlg = page.dialog
    qtbot.waitUntil(lambda: dlg.summary is not None, timeout=10000)
    assert "已导出 3 个单位、5 个摄像头" in dlg.status.text()
    assert dlg.progress.value() == dlg.progress.maximum()
    ws = load_workbook(out).active
    cells = [str(c) for row in ws.iter_rows(values_only=True) for c in row if c is not None]
    assert "老上海本帮菜馆（莘庄店）" in cells and not [c for c in cells if "Hidden1" in c]
    click(qtbot, dlg.close_button)
    assert not dlg.isVisible()
