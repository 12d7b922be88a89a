"""Screenshots of the 单位档案 page and its dialogs, to look at (not a test):

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python -m tests.desktop.ui.screenshots [OUT_DIR]

Writes registry_page.png, venue_dialog.png (with a validation message), camera_dialog.png
(after a connection test against the demo server), import_result.png (a dry run with one bad
row) and wall_tree_search.png to OUT_DIR (default artifacts/)."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from desktop.core.access import Actor, Role
from desktop.services.user_session import UserSession
from tests.conftest import ROOT

ADMIN = Actor("admin", Role.ADMIN, display_name="管理员甲")
DUTY = Actor("wangwu", Role.DUTY, display_name="王值班")


def _spin(cond, timeout: float = 15.0) -> bool:
    from PySide6.QtWidgets import QApplication

    app, end = QApplication.instance(), time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()
        if cond():
            return True
        time.sleep(0.02)
    return False


def _sample_xlsx(path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "一户一档"
    ws.append(["街镇", "单位名称", "许可证号", "地址", "单位类型", "建设进度", "摄像头名称", "区域", "子码流地址"])
    ws.append(["梅陇镇", "梅陇镇敬老院食堂", "JY33101120009999", "梅陇镇莲花南路 1500 号", "养老机构食堂", "设备安装",
               "备餐区", "备餐区", "rtsp://10.0.0.5/ch1"])
    ws.append(["莘庄镇", "老上海本帮菜馆（莘庄店）", "JY23101120003317", "莘庄镇沪闵路 6088 号 3 层", "大型餐饮",
               "完成建设"])
    ws.append(["七宝镇", "七宝老街汤团店", "JY23101120005590", "七宝镇北大街 31 号", "小型餐饮", "完成建设"])
    ws.append(["颛桥镇", "颛桥小吃店", "12345", "颛桥镇都市路 1 号", "小型餐饮", "前期准备"])
    wb.save(path)
    return path


def main(out: Path) -> None:
    tmp = Path(tempfile.mkdtemp())
    os.environ["MINGCHU_DATA_DIR"] = str(tmp / "data")
    from desktop.core import registry
    from desktop.core.db import database_url, init_schema, make_engine
    from desktop.demo.seed import seed_demo
    from desktop.demo.server import DemoServer
    from desktop.ui.app import Console, GuiOptions, make_application

    out.mkdir(parents=True, exist_ok=True)
    with DemoServer(streams=4, port=0, overlay=False) as server:
        (tmp / "data").mkdir(parents=True)
        engine = make_engine(database_url(tmp / "data"))
        init_schema(engine)
        seed_demo(engine, server.host, server.port, cameras=20)
        vid = next(v.id for v in registry.list_venues(engine, actor=ADMIN) if v.name.startswith("老上海"))
        registry.save_camera(engine, registry.CameraInput(
            vid, "后厨专间", f"rtsp://admin:Secret1@{server.host}:{server.port}/cam03/sub", area="专间"),
            actor=ADMIN)
        engine.dispose()
        make_application()
        console = Console(GuiOptions(size=(1400, 860)), UserSession(DUTY))
        console.start()
        win, page = console.window, console.window.registry_page
        _spin(lambda: len(page.snapshot.venues) > 0)
        win.show_page(page)
        page.tree.select_venue(vid)
        _spin(lambda: False, 1.0)
        win.grab().save(str(out / "registry_page.png"))

        dlg = page.edit_venue()
        dlg.license_no.setText("12345")
        dlg.accept()
        _spin(lambda: dlg.form.error("license_no") != "")
        _spin(lambda: False, 0.3)
        dlg.grab().save(str(out / "venue_dialog.png"))
        dlg.reject()

        cam = next(c for c in page.snapshot.cameras_of(vid) if c.name == "后厨专间")
        cdlg = page.edit_camera(cam.id)
        cdlg.test_connection()
        _spin(lambda: cdlg.last_probe is not None)
        _spin(lambda: False, 0.3)
        cdlg.grab().save(str(out / "camera_dialog.png"))
        cdlg.reject()

        xlsx = _sample_xlsx(tmp / "导入示例.xlsx")
        page.choose_import_file = lambda: xlsx
        idlg = page.import_file()
        idlg.check()
        _spin(lambda: idlg.report is not None)
        idlg.result_view.filter_box.setCurrentIndex(0)
        _spin(lambda: False, 0.3)
        idlg.grab().save(str(out / "import_result.png"))
        idlg.reject()

        win.show_page(win.wall_page)
        win.tree.search.setText("lsh")
        _spin(lambda: False, 0.5)
        win.grab().save(str(out / "wall_tree_search.png"))
        console.shutdown()
    print(f"screenshots in {out}")


if __name__ == "__main__":  # the stream host is a spawned process: keep this guard
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "artifacts")
