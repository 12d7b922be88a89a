"""The idle lock on the real console (demo RTSP streams, SQLite): after the (shortened) idle time
the window locks itself while the wall keeps receiving and painting frames; a wrong password is
refused, the right one unlocks; input re-arms the timer; 切换用户 continues as another user; every
step is in the audit log. The idle time comes from MINGCHU_IDLE_LOCK_SECONDS, as the console
reads it in run_gui."""

from __future__ import annotations

import json
import time

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from sqlmodel import Session, select

from desktop.core.access import Role
from desktop.core.accounts import create_user
from desktop.core.audit import AuditAction
from desktop.core.models import AuditEntry
from desktop.ui.app import _install_account_ui
from desktop.ui.idle_lock import MANUAL
from tests.desktop.ui.account_helpers import PASSWORD, shot, station


def _actions(engine) -> list[tuple[str, str, dict]]:
    with Session(engine) as s:
        rows = s.exec(select(AuditEntry).order_by(AuditEntry.seq)).all()
        return [(e.action, e.username, json.loads(e.detail)) for e in rows]


def _locked_console(qtbot, make_console, rtsp_server, data_dir, monkeypatch, seconds: float):
    engine, admin = station(data_dir)
    monkeypatch.setenv("MINGCHU_IDLE_LOCK_SECONDS", str(seconds))
    console = make_console(rtsp_server, cameras=2)
    console.session.set_actor(admin)
    _install_account_ui(console, demo=False)
    return console, engine, admin


def _unlock_with(qtbot, lock, password: str) -> None:
    lock.overlay.password.setText(password)
    lock.overlay.unlock_button.click()
    qtbot.waitUntil(lambda: not lock.busy, timeout=10000)


def test_idle_lock_keeps_the_wall_playing_and_unlocks_with_the_password(
        qtbot, rtsp_server, make_console, data_dir, monkeypatch, tmp_path):
    console, engine, admin = _locked_console(qtbot, make_console, rtsp_server, data_dir, monkeypatch, 1.5)
    lock = console.idle_lock
    wall = console.window.wall_page.wall
    qtbot.waitUntil(lambda: all(wall.first_paint[i] is not None for i in (0, 1)), timeout=15000)
    # Input re-arms the timer: the lock comes no sooner than the idle time after the last input.
    QTest.mouseMove(console.window.pages, QPoint(50, 50))
    QTest.keyClick(console.window.pages, Qt.Key_Shift)
    last_input = time.monotonic()
    assert not lock.is_locked
    qtbot.waitUntil(lambda: lock.is_locked, timeout=15000)
    assert time.monotonic() - last_input >= 1.4
    assert console.session.locked and lock.overlay.isVisible()
    assert lock.overlay.geometry() == console.window.rect()
    assert lock.overlay.username.text() == "admin" and lock.overlay.username.isReadOnly()
    # The wall behind the lock: streams keep running, tiles keep painting new frames.
    painted = list(wall.painted_frames)
    seqs = [wall.sources()[i].frame().seq for i in (0, 1)]
    qtbot.wait(1500)
    assert all(wall.painted_frames[i] - painted[i] >= 10 for i in (0, 1))
    assert all(wall.sources()[i].frame().seq > seqs[i] for i in (0, 1))
    shot(console.window, "lock_screen.png", tmp_path)
    # While locked, the window's shortcuts do nothing (F11 would take the wall full screen).
    QTest.keyClick(lock.overlay.password, Qt.Key_F11)
    assert not console.window.isFullScreen()

    _unlock_with(qtbot, lock, "Wrong2026")
    assert lock.is_locked and lock.overlay.message.text() == "用户名或密码错误，再错 4 次将锁定"
    assert lock.overlay.password.text() == ""
    _unlock_with(qtbot, lock, PASSWORD)
    assert not lock.is_locked and not console.session.locked and not lock.overlay.isVisible()
    assert console.session.actor.username == "admin"
    qtbot.waitUntil(lambda: any(a == AuditAction.SCREEN_UNLOCK for a, _u, _d in _actions(engine)), timeout=5000)
    log = [(a, u) for a, u, _d in _actions(engine) if a != AuditAction.USER_CHANGE]
    assert log == [(AuditAction.SCREEN_LOCK, "admin"), (AuditAction.LOGIN_FAILED, "admin"),
                   (AuditAction.LOGIN, "admin"), (AuditAction.SCREEN_UNLOCK, "admin")]
    assert _actions(engine)[1][2] == {"reason": "idle"}
    # Unlocked, the timer runs again.
    qtbot.waitUntil(lambda: lock.is_locked, timeout=15000)
    engine.dispose()


def test_lock_out_on_the_lock_screen_then_switch_user(qtbot, rtsp_server, make_console, data_dir, monkeypatch,
                                                     tmp_path):
    console, engine, admin = _locked_console(qtbot, make_console, rtsp_server, data_dir, monkeypatch, 600)
    create_user(engine, admin, "lihua", PASSWORD, Role.HEAD, "李华")
    lock = console.idle_lock
    button = console.window.user_button
    assert button.text() == "系统管理员（管理员）" and button.isVisible()
    assert [a.text() for a in button.menu().actions() if a.isVisible() and a.text()] == [
        "当前用户：系统管理员 · admin（管理员）", "修改密码…", "锁定", "注销"]
    shot(console.window, "user_button.png", tmp_path)
    button.lock_action.trigger()  # 锁定 from the user menu
    assert lock.is_locked and lock.reason == MANUAL
    for _ in range(5):
        _unlock_with(qtbot, lock, "Wrong2026")
    assert lock.overlay.message.text() == "密码连续错误 5 次，账号锁定 15 分钟"
    _unlock_with(qtbot, lock, PASSWORD)
    assert lock.is_locked and lock.overlay.message.text().startswith("账号已锁定")
    # Another user takes over the console.
    lock.overlay.switch_button.click()
    assert not lock.overlay.username.isReadOnly() and lock.overlay.username.text() == ""
    lock.overlay.username.setText("lihua")
    _unlock_with(qtbot, lock, PASSWORD)
    assert not lock.is_locked
    assert console.session.actor.username == "lihua" and console.session.actor.role is Role.HEAD
    assert button.text() == "李华（科室负责人）"
    qtbot.waitUntil(lambda: _actions(engine)[-1][0] == AuditAction.SCREEN_UNLOCK, timeout=5000)
    tail = _actions(engine)[-3:]
    assert [(a, u) for a, u, _d in tail] == [(AuditAction.LOGOUT, "admin"), (AuditAction.LOGIN, "lihua"),
                                            (AuditAction.SCREEN_UNLOCK, "lihua")] or \
        [(a, u) for a, u, _d in tail] == [(AuditAction.LOGIN, "lihua"), (AuditAction.LOGOUT, "admin"),
                                         (AuditAction.SCREEN_UNLOCK, "lihua")]
    assert tail[-1][2] == {"reason": MANUAL, "switched_from": "admin"}
    # 注销: the same screen, nobody named; the next login continues.
    button.logout_action.trigger()
    assert lock.is_locked and lock.overlay.username.text() == "" and lock.overlay.title.text() == "已注销"
    shot(console.window, "logged_out.png", tmp_path)
    lock.overlay.username.setText("admin")
    _unlock_with(qtbot, lock, PASSWORD)
    assert lock.is_locked  # admin is still locked out
    lock.overlay.username.setText("lihua")
    _unlock_with(qtbot, lock, PASSWORD)
    assert not lock.is_locked and console.session.actor.username == "lihua"
    qtbot.waitUntil(lambda: any(a == AuditAction.LOGOUT and u == "lihua" for a, u, _d in _actions(engine)),
                    timeout=5000)
    engine.dispose()


def test_demo_mode_logs_in_as_the_demo_account_without_a_lock(qtbot, rtsp_server, make_console, data_dir):
    from desktop.core.accounts import actor_for
    from desktop.core.db import database_url, make_engine
    from desktop.demo.seed import seed_demo_user

    console = make_console(rtsp_server, cameras=1)
    engine = make_engine(database_url(data_dir))
    demo = actor_for(engine, seed_demo_user(engine, Role.DUTY))
    engine.dispose()
    console.session.set_actor(demo)
    _install_account_ui(console, demo=True)
    assert console.window.windowTitle().endswith("演示模式")
    assert console.idle_lock is None  # the demo account has no password to unlock with
    button = console.window.user_button
    assert button.text() == "演示账号（值班员）"
    assert not any(a.isVisible() for a in (button.password_action, button.lock_action, button.logout_action))
