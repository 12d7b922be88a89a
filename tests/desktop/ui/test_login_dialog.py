"""The login dialog against a real SQLite database: a good login gives the user's Actor, a wrong
password is refused with the count left, five failures lock the account and even the right
password then shows until when; the GUI stays responsive (authenticate runs on a worker)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog
from sqlmodel import Session, select

from desktop.core.access import Role
from desktop.core.audit import AuditAction
from desktop.core.models import AuditEntry
from desktop.ui.app import make_application
from desktop.ui.login_dialog import LoginDialog
from tests.desktop.ui.account_helpers import PASSWORD, shot, station


def _dialog(qtbot, engine, username=""):
    make_application()
    dialog = LoginDialog(engine, username=username)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _submit(qtbot, dialog, name: str, password: str) -> None:
    dialog.username.setText(name)
    dialog.password.setText(password)
    dialog.login_button.click()
    assert dialog.busy or dialog.result() == QDialog.Accepted or dialog.message.text()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10000)


def test_login_success(qtbot, data_dir, tmp_path):
    engine, _admin = station(data_dir)
    dialog = _dialog(qtbot, engine)
    shot(dialog, "login_dialog.png", tmp_path)
    _submit(qtbot, dialog, "admin", PASSWORD)
    assert dialog.result() == QDialog.Accepted
    assert dialog.actor.username == "admin" and dialog.actor.role is Role.ADMIN
    assert dialog.password.text() == ""
    with Session(engine) as s:
        assert [e.action for e in s.exec(select(AuditEntry).order_by(AuditEntry.seq)).all()][-1] == AuditAction.LOGIN
    engine.dispose()


def test_empty_fields_are_asked_for_without_a_database_call(qtbot, data_dir):
    engine, _admin = station(data_dir)
    dialog = _dialog(qtbot, engine)
    dialog.login_button.click()
    assert not dialog.busy and dialog.message.text() == "请输入用户名和密码"
    engine.dispose()


def test_wrong_password_then_lock_out_shows_until_when(qtbot, data_dir, tmp_path):
    engine, _admin = station(data_dir)
    dialog = _dialog(qtbot, engine)
    _submit(qtbot, dialog, "admin", "Wrong2026")
    assert dialog.result() != QDialog.Accepted and dialog.actor is None
    assert dialog.message.text() == "用户名或密码错误，再错 4 次将锁定"
    assert dialog.password.text() == ""  # typed again, never kept
    for _ in range(3):
        _submit(qtbot, dialog, "admin", "Wrong2026")
    assert "再错 1 次" in dialog.message.text()
    _submit(qtbot, dialog, "admin", "Wrong2026")
    assert dialog.message.text() == "密码连续错误 5 次，账号锁定 15 分钟"
    _submit(qtbot, dialog, "admin", PASSWORD)
    assert dialog.actor is None
    assert dialog.message.text().startswith("账号已锁定，请于 ") and dialog.message.text().endswith(" 后再试")
    shot(dialog, "login_locked.png", tmp_path)
    # An unknown user reads exactly like a wrong password (no probing for names).
    _submit(qtbot, dialog, "nobody", "Wrong2026")
    assert dialog.message.text() == "用户名或密码错误"
    engine.dispose()
