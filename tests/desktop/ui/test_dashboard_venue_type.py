"""The 统计 page's 单位类型 bar opens the 告警 list filtered by that venue type (and the scope's
days); a scope narrowed to a venue type carries it into every bar's list."""

from __future__ import annotations

from PySide6.QtCore import Qt
from sqlmodel import Session, select

from desktop.core.models import Camera, Venue
from tests.desktop.ui.actors import HEAD
from tests.desktop.ui.test_dashboard import _loaded, _seed


def test_venue_type_bar_opens_the_alerts_of_that_type(qtbot, rtsp_server, make_console):
    console = make_console(rtsp_server, cameras=1, actor=HEAD)
    window = console.window
    page = window.dashboard_page
    _seed(console)  # 7 alerts, all on the first camera
    with Session(console.engine) as s:
        cam = s.exec(select(Camera).order_by(Camera.id)).first()
        venue_type = s.get(Venue, cam.venue_id).venue_type
    window.show_page(page)
    _loaded(qtbot, page, 0)
    [hit] = page.by_venue_type.hits
    assert hit.payload["venue_type"] == venue_type
    qtbot.mouseClick(page.by_venue_type.plot.viewport(), Qt.LeftButton, pos=page.by_venue_type.view_pos_of(hit))
    alerts = window.alerts_page
    qtbot.waitUntil(lambda: window.pages.currentWidget() is alerts, timeout=3000)
    qtbot.waitUntil(lambda: alerts.model.rowCount() == 7, timeout=5000)
    assert alerts.filters.venue_type == venue_type and alerts.filters.since is not None
    assert venue_type in alerts.extra_chip.text()

    # another type (as the scope's filter would send it): nothing
    alerts.show_filtered(venue_type="没有这个类型", since=alerts.filters.since)
    qtbot.waitUntil(lambda: alerts.model.rowCount() == 0, timeout=5000)
    alerts.clear_extra_filter()
    assert alerts.filters.venue_type is None
    qtbot.waitUntil(lambda: alerts.model.rowCount() == 7, timeout=5000)

    # a scope narrowed to the venue type: the category bars' lists keep it
    window.show_page(page)
    before = page.loads
    page.venue_type.setCurrentIndex(page.venue_type.findData(venue_type))
    _loaded(qtbot, page, before)
    assert all(h.payload["venue_type"] == venue_type for h in page.by_category.hits)
