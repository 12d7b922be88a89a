"""The user button in the window's top right corner: 当前用户 (name and role), 修改密码, 锁定, 注销."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import Engine

from desktop.core.access import Actor
from desktop.core.accounts import MIN_PASSWORD_LENGTH, AccountError, change_own_password, check_password_policy
from desktop.services.task_runner import TaskRunner
from desktop.services.user_session import UserSession
from desktop.ui.login_dialog import ERROR_STYLE, HINT_STYLE, chinese, refusal_text


def policy_text() -> str:
    return f"密码至少 {MIN_PASSWORD_LENGTH} 位，须同时包含字母和数字"


class ChangePasswordDialog(QDialog):
    """修改密码: the current password, the new one twice; checked and stored on the DB runner."""

    def __init__(self, engine: Engine, runner: TaskRunner, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("changePasswordDialog")
        self.engine, self.runner, self.actor = engine, runner, actor
        self.busy = False
        self.setWindowTitle(self.tr("修改密码"))
        self.old = QLineEdit(self, echoMode=QLineEdit.Password)
        self.new = QLineEdit(self, echoMode=QLineEdit.Password)
        self.again = QLineEdit(self, echoMode=QLineEdit.Password)
        form = QFormLayout()
        form.addRow(self.tr("账号"), QLabel(f"{actor.name}（{actor.username}）", self))
        form.addRow(self.tr("原密码"), self.old)
        form.addRow(self.tr("新密码"), self.new)
        form.addRow(self.tr("再次输入"), self.again)
        policy = QLabel(self.tr(policy_text()), self)
        policy.setStyleSheet(HINT_STYLE)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.button(QDialogButtonBox.Ok).setText(self.tr("确定"))
        buttons.button(QDialogButtonBox.Cancel).setText(self.tr("取消"))
        self.ok_button = buttons.button(QDialogButtonBox.Ok)
        buttons.accepted.connect(self.submit)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(policy)
        lay.addWidget(self.message)
        lay.addWidget(buttons)
        self.setMinimumWidth(400)

    def submit(self) -> None:
        if self.busy:
            return
        if self.new.text() != self.again.text():
            self.message.setText(self.tr("两次输入的新密码不一致"))
            return
        try:
            check_password_policy(self.new.text())
        except AccountError as exc:
            self.message.setText(chinese(str(exc)))
            return
        self.busy = True
        self.ok_button.setEnabled(False)
        self.runner.submit(change_own_password, self.engine, self.actor, self.old.text(), self.new.text(),
                           on_done=lambda _r: self._changed(), on_error=self._failed)

    def _changed(self) -> None:
        self.busy = False
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.ok_button.setEnabled(True)
        self.message.setText(refusal_text(exc))


class UserButton(QToolButton):
    """Shows who is logged in; its menu holds what a user does with their own session."""

    def __init__(self, session: UserSession, *, on_change_password: Callable[[], None] | None,
                 on_lock: Callable[[], None] | None, on_logout: Callable[[], None] | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("userButton")
        self.session = session
        self.setPopupMode(QToolButton.InstantPopup)
        self.setStyleSheet("QToolButton#userButton { border: none; background: transparent; padding: 1px 10px; }"
                           "QToolButton#userButton:hover { color: #ffffff; }")
        menu = QMenu(self)
        self.who_action = menu.addAction("")
        self.who_action.setEnabled(False)
        menu.addSeparator()
        self.password_action = menu.addAction(self.tr("修改密码…"))
        self.lock_action = menu.addAction(self.tr("锁定"))
        self.logout_action = menu.addAction(self.tr("注销"))
        for action, slot in ((self.password_action, on_change_password), (self.lock_action, on_lock),
                             (self.logout_action, on_logout)):
            if slot is None:
                action.setVisible(False)  # the demo account has no password: nothing to lock with
            else:
                action.triggered.connect(slot)
        self.setMenu(menu)
        session.changed.connect(lambda _a: self._show())
        self._show()

    def _show(self) -> None:
        a = self.session.actor
        self.setText(self.tr("{0}（{1}）").format(a.name, a.role_label))
        self.who_action.setText(self.tr("当前用户：{0} · {1}（{2}）").format(a.name, a.username, a.role_label))
