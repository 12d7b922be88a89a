"""Screenshots of the 案件 page and its dialogs, to look at (not a test):

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python -m tests.desktop.ui.cases_screenshots [OUT_DIR]

Writes cases.png (list with cards and states, the detail of a case with evidence thumbnails, an
annotated version next to its original, one broken seal and the time line), case_dialog.png
(立案 from two alerts), transition_dialog.png, venue_cases.png and alert_cases.png to OUT_DIR
(default /tmp), all as a 科室负责人; then the same case as a 值班员 sees it (cases_duty.png:
read-only) and the 单位档案 page as a 检查员 sees it (registry_inspector.png: no editing)."""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from desktop.core.access import Actor, Role
from tests.desktop.ui.screenshot_support import demo_console, spin

ADMIN = Actor("admin", Role.ADMIN, display_name="管理员甲")
INSPECTOR = Actor("zhang", Role.INSPECTOR, display_name="张检查员")
LINA = Actor("lina", Role.INSPECTOR, display_name="李娜")
ZHAO = Actor("zhao", Role.INSPECTOR, display_name="赵强")
HEAD = Actor("lihua", Role.HEAD, display_name="李科长")
DUTY = Actor("wangwu", Role.DUTY, display_name="王值班")




def _frame(seed: int, label: str) -> bytes:
    import cv2
    import numpy as np

    img = np.full((720, 1280, 3), (48, 56, 64), np.uint8)
    rng = np.random.default_rng(seed)
    for _ in range(12):
        x, y = int(rng.integers(0, 1180)), int(rng.integers(0, 620))
        color = tuple(int(c) for c in rng.integers(60, 200, 3))
        cv2.rectangle(img, (x, y), (x + int(rng.integers(60, 300)), y + int(rng.integers(40, 200))), color, -1)
    cv2.putText(img, label, (60, 120), cv2.FONT_HERSHEY_SIMPLEX, 3, (255, 255, 255), 6)
    return cv2.imencode(".png", img)[1].tobytes()


def _demo_cases(console) -> tuple[int, list[int]]:
    from sqlmodel import Session, select

    from desktop.core.alerts import AlertInput, record_alert
    from desktop.core.annotation_shapes import Rect, to_json
    from desktop.core.case_settings import save_legal_basis
    from desktop.core.cases import CaseInput, create_case, transition
    from desktop.core.evidence import add_annotated
    from desktop.core.models import Camera

    engine, store = console.engine, console.evidence
    from desktop.core.case_rules import CaseValidationError

    for title in ("《中华人民共和国食品安全法》第一百二十六条", "《餐饮服务食品安全操作规范》第十六条"):
        try:
            save_legal_basis(engine, title, actor=ADMIN)
        except CaseValidationError:
            pass  # the migration's list has it
    with Session(engine) as s:
        cams = s.exec(select(Camera).order_by(Camera.id)).all()
        cams = [(c.id, c.venue_id) for c in cams]

    def alert(cam: int, minutes: int, category: str, tier: str, reason: str) -> int:
        at = datetime.now(UTC) - timedelta(minutes=minutes)
        return record_alert(engine, store, AlertInput(
            camera_id=cam, category=category, tier=tier, started_at=at, at=at, score=0.91, rule_id="demo",
            reason=reason, clean_png=_frame(minutes, f"CAM {cam} {category}"[:14]),
            boxes_png=_frame(minutes + 1, f"BOX {cam}"))).id

    old = datetime.now(UTC) - timedelta(days=30)
    today = date.today()
    c0, v0 = cams[0]
    c1, v1 = cams[1 % len(cams)]
    c2, v2 = cams[2 % len(cams)]
    a = alert(c0, 50, "未戴口罩", "二级", "4/5 帧未戴口罩")
    b = alert(c0, 40, "未戴口罩", "二级", "5/5 帧未戴口罩")
    main = create_case(engine, CaseInput(alert_ids=(a, b), handler="王建华", deadline=today - timedelta(days=3),
                                         legal_basis="《中华人民共和国食品安全法》第一百二十六条",
                                         facts="监控画面显示后厨切配区两名从业人员未佩戴口罩操作直接入口食品。"),
                       actor=INSPECTOR, now=old)
    transition(engine, main.id, "已推送整改", "已送达责令改正通知书", actor=INSPECTOR, now=old + timedelta(hours=2))
    transition(engine, main.id, "整改中", "单位已签收，承诺三日内整改", actor=LINA, now=old + timedelta(days=1))
    clean = main.evidence[0]
    shapes = to_json([Rect(300, 200, 300, 260)], (1280, 720))
    ann = add_annotated(engine, store, clean.evidence_id, _frame(999, "ANNOTATED"), shapes, actor=INSPECTOR)
    from desktop.core.cases import CaseUpdate, update_case

    update_case(engine, main.id, CaseUpdate(add_evidence=(ann.id,), comment="标注证据图片"), actor=INSPECTOR)
    # One file altered on disk: the broken seal.
    store.path(main.evidence[3].rel_path).write_bytes(b"altered")
    others = [
        create_case(engine, CaseInput(venue_id=v1, category="鼠患", tier="一级", handler="李娜",
                                      deadline=today - timedelta(days=15), facts="夜间后厨发现老鼠活动"),
                    actor=INSPECTOR, now=old),
        create_case(engine, CaseInput(venue_id=v2, category="吸烟", tier="二级", handler="王建华",
                                      facts="厨师在后厨吸烟"),
                    actor=LINA),
        create_case(engine, CaseInput(venue_id=v1, category="垃圾桶未盖", tier="二级", handler="赵强",
                                      deadline=today + timedelta(days=5), facts="垃圾桶未加盖"), actor=LINA),
    ]
    transition(engine, others[0].id, "已推送整改", actor=LINA, now=old + timedelta(hours=1))
    done = others[2]
    for state in ("已推送整改", "整改中", "待复核", "已办结"):
        transition(engine, done.id, state, "现场复查合格" if state == "已办结" else "",
                   actor=HEAD if state == "已办结" else ZHAO)
    alert(c1, 10, "未戴厨师帽", "二级", "3/5 帧未戴厨师帽")
    alert(c1, 8, "未戴厨师帽", "二级", "4/5 帧未戴厨师帽")
    return main.id, [o.id for o in others]


def main(out: Path) -> None:
    from PySide6.QtCore import Qt

    out.mkdir(parents=True, exist_ok=True)
    with demo_console(HEAD, cameras=4, size=(1600, 1000)) as console:
        w = console.window
        main_id, _ = _demo_cases(console)
        page = w.cases_page
        w.show_page(page)
        page.reload()
        spin(lambda: page.model.rowCount() == 4)
        page.open_case(main_id)
        spin(lambda: page.detail.record is not None and page.detail.broken_seals()
              and all(t.picture.pixmap() is not None and not t.picture.pixmap().isNull()
                      for t in page.detail.tiles if t.is_picture and not t.seal_broken))
        spin(lambda: False, 0.5)
        w.grab().save(str(out / "cases.png"))
        # 立案 from the two 未戴厨师帽 alerts.
        alerts = w.alerts_page
        w.show_page(alerts)
        alerts.reload()
        spin(lambda: alerts.model.rowCount() >= 2)
        alerts.table.selectRow(0)
        spin(lambda: alerts.detail.record is not None)
        from PySide6.QtCore import QItemSelectionModel

        alerts.table.selectionModel().select(alerts.model.index(1, 0), QItemSelectionModel.Select
                                             | QItemSelectionModel.Rows)
        spin(lambda: False, 0.3)
        alerts.file_case()
        dlg = page.dialog
        spin(lambda: not dlg.loading)
        dlg.handler.setText("王建华")
        dlg.has_deadline.setChecked(True)
        if dlg.bases.count():
            dlg.bases.item(0).setCheckState(Qt.Checked)
        spin(lambda: False, 0.3)
        dlg.grab().save(str(out / "case_dialog.png"))
        dlg.reject()
        # The alert's case link.
        alerts.table.selectRow(alerts.model.rowCount() - 1)
        spin(lambda: "已立案" in alerts.detail.cases_label.text(), 5)
        spin(lambda: False, 0.3)
        w.grab().save(str(out / "alert_cases.png"))
        # A transition dialog with the core's refusal.
        w.show_page(page)
        page.open_case(main_id)
        spin(lambda: page.detail.record is not None and page.detail.record.id == main_id)
        tdlg = page.request_transition("撤销")
        tdlg.ok_button.click()
        spin(lambda: tdlg.error.isVisibleTo(tdlg), 5)
        tdlg.grab().save(str(out / "transition_dialog.png"))
        tdlg.reject()
        # The venue's cases.
        reg = w.registry_page
        w.show_page(reg)
        spin(lambda: reg.snapshot.venue(page.detail.record.venue_id) is not None)
        reg.show_venue(page.detail.record.venue_id)
        spin(lambda: reg.view.case_table.rowCount() > 0, 5)
        spin(lambda: False, 0.3)
        w.grab().save(str(out / "venue_cases.png"))
        # The same case as a 值班员 sees it: read-only, no 立案 / 导入.
        console.session.set_actor(DUTY)
        w.show_page(page)
        spin(lambda: page.model.rowCount() == 4)
        page.open_case(main_id)
        spin(lambda: page.detail.record is not None and all(
            t.picture.pixmap() is not None and not t.picture.pixmap().isNull()
            for t in page.detail.tiles if t.is_picture and not t.seal_broken))
        spin(lambda: False, 0.5)
        w.grab().save(str(out / "cases_duty.png"))
        # 单位档案 as a 检查员: the venue and its cameras and cases, nothing to change.
        venue_id = page.detail.record.venue_id
        console.session.set_actor(INSPECTOR)
        w.show_page(reg)
        spin(lambda: reg.snapshot.venue(venue_id) is not None)
        reg.show_venue(venue_id)
        spin(lambda: reg.view.case_table.rowCount() > 0, 5)
        spin(lambda: False, 0.3)
        w.grab().save(str(out / "registry_inspector.png"))
        print("\n".join(str(out / n) for n in ("cases.png", "case_dialog.png", "alert_cases.png",
                                                 "transition_dialog.png", "venue_cases.png", "cases_duty.png",
                                                 "registry_inspector.png")))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("/tmp"))
