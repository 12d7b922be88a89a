"""The 统计 page on the real console (SQLite file, DB runner, desktop.core.statistics): a small
data set (alerts of two categories over three days, some reviewed, cases in several states)
is drawn with the expected bars, a chart renders offscreen to a PNG whose bars are counted
from its pixels, a click on a bar opens the filtered 告警 / 案件 list, 导出PNG writes a file and
a change of scope reloads (an older answer never overwrites a newer one)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QToolTip
from sqlmodel import Session, select

from desktop.core.alerts import AlertInput, record_alert, review_alert
from desktop.core.cases import CaseInput, create_case, transition
from desktop.core.models import Camera
from desktop.core.statistics import LOCAL_TZ, local_midnight, local_today
from tests.desktop.ui.actors import HEAD, INSPECTOR


def _at(days_ago: int) -> datetime:
    """Within a local (Asia/Shanghai) day: noon of a past day, a minute ago today."""
    if days_ago == 0:
        return datetime.now(UTC) - timedelta(minutes=1)
    return datetime.combine(local_today() - timedelta(days=days_ago), time(12), LOCAL_TZ).astimezone(UTC)


def _alert(console, camera_id: int, category: str, days_ago: int, n: int = 0) -> int:
    at = _at(days_ago) - timedelta(seconds=n)
    return record_alert(console.engine, console.evidence, AlertInput(
        camera_id=camera_id, category=category, tier="二级", started_at=at - timedelta(seconds=2), at=at,
        score=0.9, rule_id="test", reason=f"{category} {days_ago} 天前")).id


def _seed(console) -> None:
    engine = console.engine
    with Session(engine) as s:
        cam = s.exec(select(Camera).order_by(Camera.id)).first()
        camera_id, venue_id = cam.id, cam.venue_id
    # 未戴口罩: 2 two days ago, 1 yesterday, 1 today; 吸烟: 2 yesterday, 1 today → 7 alerts, 5 day stacks.
    mask = [_alert(console, camera_id, "未戴口罩", d, i) for i, d in enumerate((2, 2, 1, 0))]
    smoke = [_alert(console, camera_id, "吸烟", d, i) for i, d in enumerate((1, 1, 0))]
    review_alert(engine, mask[0], "已确认", actor=INSPECTOR)
    review_alert(engine, mask[1], "已确认", actor=INSPECTOR)
    review_alert(engine, mask[2], "误报", actor=INSPECTOR)
    review_alert(engine, smoke[0], "已确认", actor=INSPECTOR)
    deadline = local_today() + timedelta(days=5)
    create_case(engine, CaseInput(venue_id=venue_id, category="未戴口罩", handler="王建华"), actor=INSPECTOR)
    pushed = create_case(engine, CaseInput(venue_id=venue_id, category="吸烟", handler="王建华", deadline=deadline),
                         actor=INSPECTOR)
    transition(engine, pushed.id, "已推送整改", actor=INSPECTOR)
    closed = create_case(engine, CaseInput(venue_id=venue_id, category="未戴口罩", handler="李娜", deadline=deadline),
                         actor=INSPECTOR)
    for state in ("已推送整改", "整改中", "待复核", "已办结"):
        transition(engine, closed.id, state, actor=HEAD)  # 已办结 is the head's approval


def _loaded(qtbot, page, before: int) -> None:
    qtbot.waitUntil(lambda: page.loads > before, timeout=10000)


def _bar_runs(image: QImage, y: int, x0: int, x1: int) -> int:
    """Runs of saturated (bar-coloured) pixels along one row: the bars crossing it."""
    runs, inside = 0, False
    for x in range(x0, x1):
        c = image.pixelColor(x, y)
        bar = max(c.red(), c.green(), c.blue()) - min(c.red(), c.green(), c.blue()) > 60
        if bar and not inside:
            runs += 1
        inside = bar
    return runs


def test_dashboard_charts_clicks_export_and_scope(qtbot, rtsp_server, make_console, tmp_path):
    console = make_console(rtsp_server, cameras=1, actor=HEAD)
    window = console.window
    page = window.dashboard_page
    _seed(console)
    tabs = [window.pages.tabText(i) for i in range(window.pages.count())]
    assert tabs.index("统计") == tabs.index("案件") + 1

    window.show_page(page)  # a visit loads the figures
    _loaded(qtbot, page, 0)
    assert page.preset.currentText() == "近7天"
    scope = page.bundle.scope
    assert (scope.until - scope.since).days == 7
    assert page.per_day.bar_count() == 5  # 未戴口罩 on 3 days, 吸烟 on 2
    assert len(page.per_day.bar_items) == 2
    assert "未戴口罩" in page.per_day.legend.text() and "吸烟" in page.per_day.legend.text()
    assert page.by_category.bar_count() == 2
    assert sorted(h.tip for h in page.by_category.hits) == ["吸烟：3 条", "未戴口罩：4 条"]
    assert page.reviews.bar_count() == 3  # 未戴口罩 已确认 2 / 误报 1; 吸烟 已确认 1
    tips = " ".join(h.tip for h in page.reviews.hits)
    assert "现场准确率 66.7%" in tips and "现场准确率 100.0%" in tips
    assert page.funnel.bar_count() == 3  # 立案 3, 推送整改 1, 已办结 1
    assert "办结中位用时" in page.funnel.note.text()
    assert page.most_table.rowCount() == 1 and page.most_table.item(0, 3).text() == "3"  # 2 未戴口罩 + 1 吸烟
    assert "告警 7 条" in page.state_label.text()

    # Offscreen PNG of the per-day chart: three day stacks cross the row half-way up the first unit.
    window.resize(1500, 950)
    qtbot.wait(100)
    path = page.per_day.export_png(tmp_path / "per_day.png")
    image = QImage(str(path))
    assert not image.isNull() and image.width() > 200
    box, plot = page.per_day, page.per_day.plot
    vb = plot.getPlotItem().getViewBox()
    y = plot.mapTo(box, plot.mapFromScene(vb.mapViewToScene(QPointF(0, 0.5)))).y()
    left = plot.mapTo(box, plot.mapFromScene(vb.sceneBoundingRect().topLeft())).x()
    right = plot.mapTo(box, plot.mapFromScene(vb.sceneBoundingRect().topRight())).x()
    ratio = image.width() / box.width()  # device pixel ratio of the grab
    assert _bar_runs(image, int(y * ratio), int(left * ratio) + 2, int(right * ratio) - 2) == 3

    # 导出PNG through the button (the file dialog answered).
    target = tmp_path / "out" / "按类型"
    page.by_category.choose_save_path = lambda *_: target
    qtbot.mouseClick(page.by_category.export_button, Qt.LeftButton)
    written = tmp_path / "out" / "按类型.png"
    assert written.exists() and written.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not list((tmp_path / "out").glob("*.part"))

    # Hovering a bar shows its label and value.
    alerts = window.alerts_page
    hit = next(h for h in page.by_category.hits if h.tip.startswith("吸烟"))
    qtbot.mouseMove(page.by_category.plot.viewport(), page.by_category.view_pos_of(hit))
    qtbot.waitUntil(lambda: QToolTip.isVisible() and QToolTip.text() == "吸烟：3 条", timeout=3000)

    # A click on the 吸烟 bar opens the 告警 tab filtered to 吸烟 within the scope.
    qtbot.mouseClick(page.by_category.plot.viewport(), Qt.LeftButton, pos=page.by_category.view_pos_of(hit))
    qtbot.waitUntil(lambda: window.pages.currentWidget() is alerts, timeout=3000)
    assert alerts.category.currentData() == "吸烟"
    qtbot.waitUntil(lambda: alerts.model.rowCount() == 3, timeout=5000)
    assert alerts.filters.category == "吸烟" and alerts.filters.since is not None
    assert alerts.extra_chip.isVisible()
    alerts.clear_extra_filter()
    assert alerts.filters.since is None and not alerts.extra_chip.isVisible()

    # A day's stack segment: 未戴口罩 of two days ago → that category on that day only.
    window.show_page(page)
    _loaded(qtbot, page, page.loads)
    two_days_ago = local_midnight(local_today() - timedelta(days=2))
    first_day = next(h for h in page.per_day.hits
                     if h.payload["since"] == two_days_ago and h.payload["category"] == "未戴口罩")
    page.per_day.clicked.emit(first_day.payload)
    qtbot.waitUntil(lambda: alerts.model.rowCount() == 2, timeout=5000)
    assert alerts.filters.category == "未戴口罩" and alerts.filters.until - alerts.filters.since == timedelta(days=1)

    # A funnel stage opens the 案件 tab filtered by state.
    window.show_page(page)
    _loaded(qtbot, page, page.loads)
    closed = next(h for h in page.funnel.hits if h.tip.startswith("已办结"))
    qtbot.mouseClick(page.funnel.plot.viewport(), Qt.LeftButton, pos=page.funnel.view_pos_of(closed))
    cases = window.cases_page
    qtbot.waitUntil(lambda: window.pages.currentWidget() is cases, timeout=3000)
    qtbot.waitUntil(lambda: cases.model.rowCount() == 1, timeout=5000)
    assert cases.filters.state == "已办结" and cases.state_buttons["已办结"].isChecked()

    # Scope: 违规类型 吸烟 reloads with only its bars; two quick requests → only the newer shown.
    window.show_page(page)
    _loaded(qtbot, page, page.loads)
    before = page.loads
    page.category.setCurrentIndex(page.category.findData("吸烟"))
    _loaded(qtbot, page, before)
    assert page.bundle.scope.category == "吸烟"
    assert page.per_day.bar_count() == 2 and page.by_category.bar_count() == 1
    before = page.loads
    page.preset.setCurrentIndex(2)  # 本月
    page.category.setCurrentIndex(0)
    _loaded(qtbot, page, before)
    qtbot.wait(300)
    assert page.loads == before + 1  # the first answer was superseded and dropped
    assert page.bundle.scope.category is None and page.bundle.scope.since == local_today().replace(day=1)


def test_monthly_report_from_the_dashboard(qtbot, rtsp_server, make_console, tmp_path):
    """导出月报: both files written off the GUI thread, the PDF's text has the month's title."""
    import subprocess

    from openpyxl import load_workbook
    from PySide6.QtCore import QDate

    console = make_console(rtsp_server, cameras=2, actor=HEAD)
    _seed(console)
    win = console.window
    page = win.dashboard_page
    today = local_today()
    page.report_month.setDate(QDate(today.year, today.month, 1))
    page.ask_report_path = lambda suggested: str(tmp_path / suggested)
    with qtbot.waitSignal(console.stats.reportWritten, timeout=60000) as sig:
        page.report_button.click()
    written = sorted(p.name for p in sig.args[0].written)
    assert written == [f"明厨亮灶监管月报-{today:%Y-%m}.pdf", f"明厨亮灶监管月报-{today:%Y-%m}.xlsx"]
    qtbot.waitUntil(page.report_button.isEnabled, timeout=2000)
    assert "月报已导出" in win.statusBar().currentMessage()
    wb = load_workbook(tmp_path / written[1])
    assert wb.sheetnames == ["进度报表", "统计表", "监管月报"]
    text = subprocess.run(["pdftotext", str(tmp_path / written[0]), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert f"{today.year}年{today.month}月" in text
    # A file that cannot be written: a clear message, the button back.
    page.ask_report_path = lambda suggested: str(tmp_path / "no-such-dir" / "x" / suggested)
    (tmp_path / "no-such-dir").write_text("a file, not a directory")
    with qtbot.waitSignal(console.stats.reportFailed, timeout=60000):
        page.report_button.click()
    qtbot.waitUntil(page.report_button.isEnabled, timeout=2000)
    assert "月报导出失败" in win.statusBar().currentMessage()
