"""登录: user name and password, checked by desktop.core.accounts.authenticate on a worker thread
(argon2 takes ~50-100 ms and the database may be a PostgreSQL server across the network). The
refusal is shown as the core words it (never which of name or password was wrong; a lock-out
says until when). Used at start, after 注销 and for 切换用户 on the lock screen."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import Engine

from desktop.core.access import Actor
from desktop.core.accounts import AccountError, authenticate
from desktop.services.task_runner import TaskRunner

log = logging.getLogger(__name__)

ERROR_STYLE = "color: #f87171;"
HINT_STYLE = "color: #9ca3af;"


def chinese(message: str) -> str:
    """The core's messages read "中文 / English": the console shows the Chinese half."""
    return message.split(" / ")[0].strip() or message


def refusal_text(exc: BaseException) -> str:
    """What a person reads when a login (or unlock) did not work."""
    if isinstance(exc, AccountError):
        return chinese(str(exc))
    return f"无法连接数据库，请稍后再试（{type(exc).__name__}）"


class LoginDialog(QDialog):
    """exec() == Accepted: `actor` is the logged-in user. Cancel (退出) rejects."""

    def __init__(self, engine: Engine, runner: TaskRunner | None = None, parent: QWidget | None = None, *,
                 username: str = "", subtitle: str = "") -> None:
        super().__init__(parent)
        self.setObjectName("loginDialog")
        self.engine = engine
        self.runner = runner or TaskRunner("login", self)
        self._own_runner = runner is None
        self.actor: Actor | None = None
        self.busy = False
        self.setWindowTitle(self.tr("登录 - 明厨亮灶监管工作台"))
        title = QLabel(self.tr("明厨亮灶监管工作台"), self)
        title.setObjectName("loginTitle")
        title.setStyleSheet("font-size: 20px; font-weight: bold;")
        title.setAlignment(Qt.AlignCenter)
        sub = QLabel(subtitle or self.tr("请使用本人账号登录，操作将记入审计日志"), self)
        sub.setStyleSheet(HINT_STYLE)
        sub.setAlignment(Qt.AlignCenter)
        sub.setWordWrap(True)
        self.username = QLineEdit(username, self)
        self.username.setObjectName("loginUser")
        self.username.setPlaceholderText(self.tr("用户名"))
        self.password = QLineEdit(self)
        self.password.setObjectName("loginPassword")
        self.password.setEchoMode(QLineEdit.Password)
        self.password.setPlaceholderText(self.tr("密码"))
        form = QFormLayout()
        form.addRow(self.tr("用户名"), self.username)
        form.addRow(self.tr("密码"), self.password)
        self.message = QLabel(self)
        self.message.setObjectName("loginMessage")
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.buttons = QDialogButtonBox(self)
        self.login_button = self.buttons.addButton(self.tr("登录"), QDialogButtonBox.AcceptRole)
        self.cancel_button = self.buttons.addButton(self.tr("退出"), QDialogButtonBox.RejectRole)
        self.login_button.setDefault(True)
        self.buttons.accepted.connect(self.try_login)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(28, 24, 28, 20)
        layout.setSpacing(12)
        layout.addWidget(title)
        layout.addWidget(sub)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(420)
        (self.password if username else self.username).setFocus()

    def try_login(self) -> None:
        if self.busy:
            return
        name = self.username.text().strip()
        if not name or not self.password.text():
            self.show_message(self.tr("请输入用户名和密码"))
            return
        self._set_busy(True)
        self.show_message(self.tr("正在验证……"), HINT_STYLE)
        self.runner.submit(authenticate, self.engine, name, self.password.text(),
                           on_done=self._logged_in, on_error=self._refused)

    def _logged_in(self, actor: Actor) -> None:
        self._set_busy(False)
        self.actor = actor
        self.password.clear()
        self.accept()

    def _refused(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.show_message(refusal_text(exc))
        self.password.clear()
        self.password.setFocus()

    def show_message(self, text: str, style: str = ERROR_STYLE) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(style)

    def _set_busy(self, busy: bool) -> None:
        self.busy = busy
        self.login_button.setEnabled(not busy)
        self.username.setEnabled(not busy)
        self.password.setEnabled(not busy)

    def done(self, result: int) -> None:
        if self._own_runner:
            self.runner.shutdown(wait=False)
        super().done(result)
