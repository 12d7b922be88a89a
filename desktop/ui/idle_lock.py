"""锁屏: after a few idle minutes (no mouse or keyboard input anywhere in the application) the
console covers its window with a lock screen. The wall keeps playing behind a dimmed veil (the
duty room still sees the kitchens; nobody can act without the password); streams, analysis and
alerts are not touched. Unlock with the same user's password (accounts.authenticate: failures
count and lock the account out as at the login), or 切换用户: another user logs in and the
console goes on as them. 注销 shows the same screen with an empty user name.

While locked, shortcuts outside the lock screen are swallowed and other windows of the console
(dialogs left open) are hidden until it is unlocked."""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import Engine

from desktop.core import audit
from desktop.core.access import Actor
from desktop.core.accounts import authenticate
from desktop.core.audit import AuditAction
from desktop.services.task_runner import TaskRunner
from desktop.services.user_session import UserSession
from desktop.ui.login_dialog import ERROR_STYLE, HINT_STYLE, refusal_text

log = logging.getLogger(__name__)

_INPUT_EVENTS = frozenset({
    QEvent.MouseButtonPress, QEvent.MouseButtonRelease, QEvent.MouseButtonDblClick, QEvent.MouseMove,
    QEvent.KeyPress, QEvent.KeyRelease, QEvent.Wheel, QEvent.TouchBegin, QEvent.TouchUpdate,
})
_SHORTCUT_EVENTS = frozenset({QEvent.Shortcut, QEvent.ShortcutOverride})

# Why the screen was locked / unlocked, for the overlay's title and the audit entry.
IDLE, MANUAL, LOGGED_OUT = "idle", "manual", "logout"


class IdleWatcher(QObject):
    """Application-level event filter: `idle` once no input reached any widget for `timeout_ms`."""

    idle = Signal()

    def __init__(self, timeout_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self, singleShot=True)
        self.timer.timeout.connect(self.idle)
        self.block_shortcuts: Callable[[QObject], bool] | None = None
        self.set_timeout(timeout_ms)
        QApplication.instance().installEventFilter(self)

    def set_timeout(self, timeout_ms: int) -> None:
        """0 switches the lock off."""
        self.timeout_ms = max(0, int(timeout_ms))
        self.reset()

    def reset(self) -> None:
        if self.timeout_ms > 0:
            self.timer.start(self.timeout_ms)
        else:
            self.timer.stop()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in _INPUT_EVENTS:
            if self.timeout_ms > 0:
                self.timer.start(self.timeout_ms)  # cheap: re-arms the one timer
        elif kind in _SHORTCUT_EVENTS and self.block_shortcuts is not None and self.block_shortcuts(watched):
            return True
        return False

    def stop(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)


class LockOverlay(QWidget):
    """The lock screen: a dimmed veil over the whole main window with a card in the middle."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setObjectName("lockOverlay")
        self.setAttribute(Qt.WA_StyledBackground, False)
        self.setFocusPolicy(Qt.StrongFocus)
        card = QFrame(self)
        card.setObjectName("lockCard")
        card.setStyleSheet("QFrame#lockCard { background: #1f2329; border: 1px solid #3a414b; border-radius: 6px; }"
                           "QFrame#lockCard QLabel { background: transparent; }")
        card.setFixedWidth(420)
        self.card = card
        self.title = QLabel(card)
        self.title.setObjectName("lockTitle")
        self.title.setStyleSheet("font-size: 18px; font-weight: bold; background: transparent;")
        self.title.setAlignment(Qt.AlignCenter)
        self.who = QLabel(card)
        self.who.setObjectName("lockWho")
        self.who.setAlignment(Qt.AlignCenter)
        self.who.setWordWrap(True)
        self.username = QLineEdit(card)
        self.username.setObjectName("lockUser")
        self.username.setPlaceholderText(self.tr("用户名"))
        self.password = QLineEdit(card)
        self.password.setObjectName("lockPassword")
        self.password.setEchoMode(QLineEdit.Password)
        self.password.setPlaceholderText(self.tr("密码"))
        self.message = QLabel(card)
        self.message.setObjectName("lockMessage")
        self.message.setWordWrap(True)
        self.unlock_button = QPushButton(self.tr("解锁"), card)
        self.unlock_button.setObjectName("lockUnlock")
        self.unlock_button.setDefault(True)
        self.switch_button = QPushButton(self.tr("切换用户"), card)
        self.switch_button.setObjectName("lockSwitch")
        self.hint = QLabel(self.tr("锁定期间视频墙和告警照常运行"), card)
        self.hint.setStyleSheet(HINT_STYLE + " background: transparent;")
        self.hint.setAlignment(Qt.AlignCenter)
        buttons = QHBoxLayout()
        buttons.addWidget(self.switch_button)
        buttons.addStretch(1)
        buttons.addWidget(self.unlock_button)
        lay = QVBoxLayout(card)
        lay.setContentsMargins(28, 22, 28, 18)
        lay.setSpacing(10)
        for w in (self.title, self.who, self.username, self.password, self.message):
            lay.addWidget(w)
        lay.addLayout(buttons)
        lay.addWidget(self.hint)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(card)
        row.addStretch(1)
        outer.addLayout(row)
        outer.addStretch(2)
        self.password.returnPressed.connect(self.unlock_button.click)
        self.username.returnPressed.connect(self.password.setFocus)
        window.installEventFilter(self)
        self.hide()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.parent() and event.type() == QEvent.Resize:
            self.setGeometry(self.parentWidget().rect())
        return False

    def paintEvent(self, _event) -> None:
        # Dim, not black: the duty room keeps seeing the wall behind the lock.
        QPainter(self).fillRect(self.rect(), QColor(8, 10, 14, 190))

    def show_message(self, text: str, style: str = ERROR_STYLE) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(style + " background: transparent;")

    def cover(self) -> None:
        self.setGeometry(self.parentWidget().rect())
        self.show()
        self.raise_()
        (self.password if self.username.isReadOnly() else self.username).setFocus()


class IdleLock(QObject):
    """Locks `window` after `timeout_ms` without input, or when asked (锁定, 注销); unlocks with
    a password checked on `runner` (the console's database thread)."""

    locked = Signal(bool)

    def __init__(self, window: QMainWindow, session: UserSession, engine: Engine, runner: TaskRunner,
                 timeout_ms: int, parent: QObject | None = None) -> None:
        super().__init__(parent or window)
        self.window = window
        self.session = session
        self.engine = engine
        self.runner = runner
        self.reason: str | None = None
        self.busy = False
        self.overlay = LockOverlay(window)
        self.overlay.unlock_button.clicked.connect(self.try_unlock)
        self.overlay.switch_button.clicked.connect(self.switch_user)
        self.watcher = IdleWatcher(timeout_ms, self)
        self.watcher.idle.connect(lambda: self.lock(IDLE))
        self.watcher.block_shortcuts = self._outside_lock
        self._hidden: list[QWidget] = []
        session.changed.connect(lambda _a: self._show_user())

    @property
    def is_locked(self) -> bool:
        return self.reason is not None

    def _outside_lock(self, receiver: QObject) -> bool:
        if not self.is_locked:
            return False
        w = receiver if isinstance(receiver, QWidget) else None
        return w is None or not (w is self.overlay or self.overlay.isAncestorOf(w))

    def lock(self, reason: str = MANUAL) -> None:
        if self.is_locked:
            return
        self.reason = reason
        self.watcher.timer.stop()
        actor = self.session.actor
        logout = reason == LOGGED_OUT
        o = self.overlay
        o.title.setText(self.tr("已注销") if logout else self.tr("工作台已锁定"))
        o.username.setReadOnly(not logout)
        o.username.setText("" if logout else actor.username)
        o.password.clear()
        o.unlock_button.setText(self.tr("登录") if logout else self.tr("解锁"))
        o.switch_button.setVisible(not logout)
        o.show_message(self.tr("空闲超时自动锁定，请输入密码解锁") if reason == IDLE else "", HINT_STYLE)
        self._show_user()
        # Dialogs left open would sit above the lock and take input: hidden until unlocked.
        self._hidden = [w for w in QApplication.topLevelWidgets()
                        if w.isVisible() and w is not self.window and not w.isAncestorOf(self.window)
                        and w.windowType() in (Qt.Dialog, Qt.Window, Qt.Tool)]
        for w in self._hidden:
            w.hide()
        o.cover()
        self.session.set_locked(True)
        self.locked.emit(True)
        action = AuditAction.LOGOUT if logout else AuditAction.SCREEN_LOCK
        self._audit(actor, action, {"reason": reason})

    def _show_user(self) -> None:
        a = self.session.actor
        if self.reason == LOGGED_OUT:
            self.overlay.who.setText(self.tr("请登录后继续使用工作台"))
        else:
            self.overlay.who.setText(self.tr("当前用户：{0}（{1}）").format(a.name, a.role_label))

    def switch_user(self) -> None:
        """Another user logs in on the lock screen (the current one's session ends)."""
        o = self.overlay
        o.title.setText(self.tr("切换用户"))
        o.username.setReadOnly(False)
        o.username.clear()
        o.password.clear()
        o.unlock_button.setText(self.tr("登录"))
        o.show_message("")
        o.username.setFocus()

    def try_unlock(self) -> None:
        o = self.overlay
        if self.busy or not self.is_locked:
            return
        name = o.username.text().strip()
        if not name or not o.password.text():
            o.show_message(self.tr("请输入用户名和密码"))
            return
        self.busy = True
        o.unlock_button.setEnabled(False)
        o.show_message(self.tr("正在验证……"), HINT_STYLE)
        self.runner.submit(authenticate, self.engine, name, o.password.text(),
                           on_done=self._authenticated, on_error=self._refused)

    def _refused(self, exc: BaseException) -> None:
        self.busy = False
        self.overlay.unlock_button.setEnabled(True)
        self.overlay.password.clear()
        self.overlay.password.setFocus()
        self.overlay.show_message(refusal_text(exc))

    def _authenticated(self, actor: Actor) -> None:
        self.busy = False
        self.overlay.unlock_button.setEnabled(True)
        before = self.session.actor
        reason = self.reason
        switched = actor.username != before.username
        if switched and reason != LOGGED_OUT:
            self._audit(before, AuditAction.LOGOUT, {"reason": "switch_user", "to": actor.username})
        self.session.set_actor(actor)
        if reason != LOGGED_OUT:  # after 注销 the login entry authenticate wrote says it all
            self._audit(actor, AuditAction.SCREEN_UNLOCK,
                        {"reason": reason, **({"switched_from": before.username} if switched else {})})
        self.unlock()

    def unlock(self) -> None:
        self.reason = None
        self.overlay.password.clear()
        self.overlay.hide()
        for w in self._hidden:
            w.show()
        self._hidden = []
        self.session.set_locked(False)
        self.locked.emit(False)
        self.watcher.reset()

    def _audit(self, actor: Actor, action: str, detail: dict) -> None:
        if actor.system:
            return
        self.runner.submit(audit.record_now, self.engine, actor, action, "console", detail)

    def shutdown(self) -> None:
        self.watcher.stop()
