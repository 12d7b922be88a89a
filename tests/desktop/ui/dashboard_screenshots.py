"""Screenshots of the 统计 page, to look at (not a test):

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python -m tests.desktop.ui.dashboard_screenshots [OUT_DIR]

Seeds a month of alerts over the demo venues (several categories, most reviewed), cases in every
state and camera outages, then writes dashboard.png (the window on the 统计 tab), dashboard_lower.png
(scrolled to the bottom: 红黑榜) and dashboard_click.png (the 告警 tab after a click on a bar) to
OUT_DIR (default /tmp)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from desktop.core.access import Actor, Role
from tests.desktop.ui.screenshot_support import demo_console, spin

INSPECTOR = Actor("zhang", Role.INSPECTOR, display_name="张检查员")
HEAD = Actor("lihua", Role.HEAD, display_name="李科长")


def _seed(engine, store) -> None:
    import random

    from sqlmodel import Session, select

    from desktop.core.alerts import AlertInput, record_alert, review_alert
    from desktop.core.cases import CaseInput, create_case, transition
    from desktop.core.models import Camera, CameraStatusEvent

    rng = random.Random(7)
    with Session(engine) as s:
        cams = [(c.id, c.venue_id) for c in s.exec(select(Camera).order_by(Camera.id)).all()]
    weights = {"未戴口罩": 9, "未戴厨师帽": 6, "未穿工作服": 4, "吸烟": 3, "玩手机": 3, "垃圾桶未盖": 4, "鼠患": 1,
               "视频离线": 2}
    now = datetime.now(UTC)
    ids: list[tuple[int, str]] = []
    for day in range(30):
        for _ in range(rng.randint(4, 14)):
            cat = rng.choices(list(weights), list(weights.values()))[0]
            cam, _venue = cams[min(len(cams) - 1, int(rng.paretovariate(1.2)) - 1)]
            at = now - timedelta(days=day, minutes=rng.randint(1, 1200))
            a = record_alert(engine, store, AlertInput(camera_id=cam, category=cat, tier="二级", started_at=at, at=at,
                                                       score=0.8, rule_id="demo", reason=cat))
            ids.append((a.id, cat))
    for aid, cat in ids:
        roll = rng.random()
        if roll < 0.55 or (cat == "鼠患" and roll < 0.9):
            review_alert(engine, aid, "已确认", actor=INSPECTOR)
        elif roll < 0.55 + (0.35 if cat in ("玩手机", "未穿工作服") else 0.15):
            review_alert(engine, aid, "误报", actor=INSPECTOR)
    paths = [(), ("已推送整改",), ("已推送整改", "整改中"), ("已推送整改", "整改中", "待复核"),
             ("已推送整改", "整改中", "待复核", "已办结"), ("撤销",)]
    for i in range(26):
        cam, venue = cams[rng.randrange(len(cams))]
        opened = now - timedelta(days=rng.randint(1, 25), hours=rng.randint(0, 10))
        case = create_case(engine, CaseInput(venue_id=venue, category=rng.choice(list(weights)[:6]), handler="王建华",
                                             deadline=opened.date() + timedelta(days=rng.randint(1, 10))),
                           actor=INSPECTOR, now=opened)
        at = opened
        for state in paths[min(len(paths) - 1, i % 7)]:
            at += timedelta(hours=rng.randint(3, 40))
            transition(engine, case.id, state, "演示" if state == "撤销" else "", now=min(at, now),
                       actor=HEAD if state in ("已办结", "撤销") else INSPECTOR)
    with Session(engine) as s:
        for cam, _venue in cams[::3]:
            down = now - timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 20))
            s.add(CameraStatusEvent(camera_id=cam, at=down, online=False, reason="连接超时"))
            if rng.random() < 0.6:
                s.add(CameraStatusEvent(camera_id=cam, at=down + timedelta(hours=rng.randint(2, 60)), online=True))
        s.commit()


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with demo_console(HEAD, cameras=20, size=(1600, 1000)) as console:
        w = console.window
        _seed(console.engine, console.evidence)
        page = w.dashboard_page
        page.preset.setCurrentIndex(1)  # 近30天
        w.show_page(page)
        spin(lambda: page.loads >= 1 and page.bundle.scope.since == page.current_scope().since)
        spin(lambda: False, 0.8)
        w.grab().save(str(out / "dashboard.png"))
        from PySide6.QtWidgets import QScrollArea

        scroll = page.findChild(QScrollArea, "dashboardScroll")
        scroll.verticalScrollBar().setValue(scroll.verticalScrollBar().maximum())
        spin(lambda: False, 0.5)
        w.grab().save(str(out / "dashboard_lower.png"))
        hit = page.by_category.hits[0]
        page.by_category.clicked.emit(hit.payload)
        spin(lambda: w.pages.currentWidget() is w.alerts_page and w.alerts_page.model.rowCount() > 0)
        spin(lambda: False, 0.5)
        w.grab().save(str(out / "dashboard_click.png"))
        print(f"wrote {out}/dashboard.png, dashboard_lower.png, dashboard_click.png", flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp"))
