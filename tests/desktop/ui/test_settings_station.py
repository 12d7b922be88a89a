"""The 设置 page's station sections on a real SQLite file and the DB runner: 案件设置 (number
pattern with a Chinese error for an invalid one, 红牌 days) and the 法律依据 list (add, edit,
reorder, delete, an empty name refused in Chinese), each change audited; 锁屏 minutes stored,
audited and applied to the running lock; the sections hidden from a role without 系统设置."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from desktop.core import audit
from desktop.core.app_settings import idle_lock_minutes
from desktop.core.case_settings import list_legal_bases, number_pattern, red_card_days
from desktop.core.db import make_engine, migrate
from desktop.core.models import AuditEntry
from desktop.services.task_runner import TaskRunner
from desktop.services.user_session import UserSession
from desktop.ui.settings import SettingsPage
from tests.desktop.ui.actors import ADMIN, HEAD
from tests.desktop.ui.registry_helpers import click

NEW_BASIS = "《上海市食品安全条例》第五十条"


@pytest.fixture
def station(tmp_path, qtbot):
    from desktop.ui.app import make_application

    make_application()
    engine = make_engine(f"sqlite:///{tmp_path / 'console.db'}")
    migrate(engine)
    audit.set_anchor_path(engine, tmp_path / "anchor.json")
    db = TaskRunner("db")
    yield engine, db
    db.shutdown(wait=True)
    audit.set_anchor_path(engine, None)
    engine.dispose()


def _page(qtbot, station, tmp_path, actor) -> SettingsPage:
    engine, db = station
    (tmp_path / "models").mkdir(exist_ok=True)
    page = SettingsPage(model_dir=tmp_path / "models", wheel_dir=tmp_path / "wheels",
                        settings_path=tmp_path / "settings.json", session=UserSession(actor), engine=engine, db=db)
    qtbot.addWidget(page)
    page.resize(1400, 800)
    page.show()
    return page


def _settings_changes(engine) -> list[tuple[str, dict]]:
    with Session(engine) as s:
        rows = s.exec(select(AuditEntry).where(AuditEntry.action == "settings_change").order_by(AuditEntry.seq))
        return [(r.target, json.loads(r.detail)) for r in rows]


def _idle(qtbot, view) -> None:
    qtbot.waitUntil(lambda: not view.busy, timeout=10000)


def test_case_settings_and_legal_bases_are_edited_and_audited(qtbot, station, tmp_path):
    engine = station[0]
    page = _page(qtbot, station, tmp_path, ADMIN)
    view = page.case_settings
    page.sections.setCurrentIndex(page.case_tab)
    qtbot.waitUntil(lambda: view.data is not None and not view.busy, timeout=10000)
    seeded = [b.title for b in list_legal_bases(engine)]
    assert view.titles() == seeded and view.pattern.text() == number_pattern(engine)
    assert view.red_days.value() == red_card_days(engine) and "示例：" in view.preview.text()

    # an invalid pattern: the core's Chinese message, nothing stored
    view.pattern.setText("明厨〔{year}〕号")
    click(qtbot, view.save_pattern_button)
    _idle(qtbot, view)
    assert "须包含序号" in view.status.text() and number_pattern(engine) != "明厨〔{year}〕号"
    view.pattern.setText("七宝明厨〔{year}〕{seq:03d}号")
    assert "七宝明厨〔" in view.preview.text() and "001号" in view.preview.text()
    click(qtbot, view.save_pattern_button)
    _idle(qtbot, view)
    assert number_pattern(engine) == "七宝明厨〔{year}〕{seq:03d}号" and "已保存" in view.status.text()
    view.red_days.setValue(10)
    click(qtbot, view.save_days_button)
    _idle(qtbot, view)
    assert red_card_days(engine) == 10

    # legal bases: an empty name is refused, then add, edit, move to the top, delete
    view.bases.setCurrentRow(-1)
    view.title.clear()
    click(qtbot, view.add_button)
    _idle(qtbot, view)
    assert "请填写法律依据名称" in view.status.text()
    view.title.setText(NEW_BASIS)
    view.text.setPlainText("（条文）")
    click(qtbot, view.add_button)
    _idle(qtbot, view)
    assert view.titles() == [*seeded, NEW_BASIS] and view.bases.currentItem().text() == NEW_BASIS
    view.title.setText(NEW_BASIS + "第一款")
    click(qtbot, view.save_button)
    _idle(qtbot, view)
    assert [b.title for b in list_legal_bases(engine)][-1] == NEW_BASIS + "第一款"
    assert not view.down_button.isEnabled()  # the last one
    for _ in range(len(seeded)):
        click(qtbot, view.up_button)
        _idle(qtbot, view)
    assert [b.title for b in list_legal_bases(engine)] == [NEW_BASIS + "第一款", *seeded]
    assert view.bases.currentRow() == 0 and not view.up_button.isEnabled()
    click(qtbot, view.delete_button)
    _idle(qtbot, view)
    assert [b.title for b in list_legal_bases(engine)] == seeded == view.titles()

    changes = _settings_changes(engine)
    assert [t for t, _ in changes[:2]] == ["number_pattern", "red_card_days"]
    ops = [d.get("op") for t, d in changes if t == "legal_basis"]
    assert ops == ["create", "update", *["reorder"] * len(seeded), "delete"]
    assert all(page.sections.isTabVisible(i) for i in range(page.sections.count()))


def test_idle_lock_minutes_saved_audited_and_applied(qtbot, station, tmp_path):
    engine = station[0]
    page = _page(qtbot, station, tmp_path, ADMIN)
    view = page.idle_lock
    page.sections.setCurrentIndex(page.lock_tab)
    assert view.minutes.value() == 10  # the default
    applied = []
    view.apply = applied.append
    view.minutes.setValue(3)
    click(qtbot, view.save_button)
    _idle(qtbot, view)
    assert idle_lock_minutes(tmp_path / "settings.json") == 3 and applied == [3]
    assert "3 分钟" in view.status.text() and "立即生效" in view.status.text()
    assert _settings_changes(engine)[-1] == ("security.idle_lock_minutes", {"from": None, "to": 3})
    view.apply = None  # no lock running (demo mode): applies at the next start, and says so
    view.minutes.setValue(0)
    assert view.minutes.text() == "从不锁定"
    click(qtbot, view.save_button)
    _idle(qtbot, view)
    assert idle_lock_minutes(tmp_path / "settings.json") == 0 and "下次启动" in view.status.text()


def test_a_role_without_the_settings_right_does_not_see_the_sections(qtbot, station, tmp_path):
    page = _page(qtbot, station, tmp_path, HEAD)
    assert not page.sections.isTabVisible(page.case_tab) and not page.sections.isTabVisible(page.lock_tab)
    assert not page.case_settings.add_button.isEnabled() and not page.idle_lock.save_button.isEnabled()
    assert page.case_settings.data is None  # nothing read for a user who may not change it
    page.session.set_actor(ADMIN)  # 切换用户 on the lock screen
    assert page.sections.isTabVisible(page.case_tab) and page.sections.isTabVisible(page.lock_tab)
    qtbot.waitUntil(lambda: page.case_settings.data is not None, timeout=10000)
    assert page.case_settings.add_button.isEnabled()
