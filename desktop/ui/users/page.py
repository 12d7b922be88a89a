"""The 账号管理 page: the station's accounts (role, streets, active, locked, last login) with
新建, 编辑 (name, role, streets, active), 重置密码 and 解除锁定. Every call goes through
desktop.core.accounts on the console's DB runner as the session's user at the moment of asking
(the core checks 管理账号 and writes the audit entry); refusals (AccountError, PermissionDenied)
are shown in the page's banner as the core words them."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import Engine

from desktop.core import accounts
from desktop.core.access import Action, PermissionDenied, Role
from desktop.core.accounts import AccountError, UserRecord
from desktop.core.registry import StreetRecord, list_streets
from desktop.services.task_runner import TaskRunner
from desktop.services.user_session import UserSession
from desktop.ui.record_table_model import RecordTableModel

log = logging.getLogger(__name__)


def _when(at: datetime | None) -> str:
    return at.astimezone().strftime("%Y-%m-%d %H:%M") if at else ""


def _locked(u: UserRecord, now: datetime) -> bool:
    return bool(u.locked_until and u.locked_until > now)


class UsersTableModel(RecordTableModel):
    HEADERS = ("账号", "姓名", "角色", "街镇", "状态", "锁定至", "最近登录")

    def set_rows(self, rows: list[UserRecord]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self._now = datetime.now(UTC)
        self.endResetModel()

    def row(self, index: int) -> UserRecord:
        return self._rows[index]

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        u: UserRecord = self._rows[index.row()]
        locked = _locked(u, self._now)
        if role == Qt.DisplayRole:
            state = (self.tr("停用") if not u.active
                     else self.tr("未设密码") if not u.has_password else self.tr("启用"))
            return (u.username, u.display_name, u.role, "、".join(u.street_names) or self.tr("全部街镇"), state,
                    _when(u.locked_until) if locked else "", _when(u.last_login_at))[index.column()]
        if role == Qt.ForegroundRole:
            if not u.active:
                return QColor("#6b7280")
            if locked and index.column() == 5:
                return QColor("#f87171")
        return None


class UserDialog(QDialog):
    """新建账号 (with the initial password) or 编辑账号 (name, role, streets, active)."""

    def __init__(self, streets: list[StreetRecord], user: UserRecord | None = None, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("userDialog")
        self.setWindowTitle(self.tr("编辑账号") if user else self.tr("新建账号"))
        self.user = user
        self.username = QLineEdit(self)
        self.display_name = QLineEdit(self)
        self.role = QComboBox(self)
        for r in Role:
            self.role.addItem(r.value, r.value)
        self.all_streets = QCheckBox(self.tr("不限街镇（可见全部单位）"), self)
        self.streets = QListWidget(self)
        self.streets.setMinimumHeight(120)
        for s in streets:
            item = QListWidgetItem(s.name, self.streets)
            item.setData(Qt.UserRole, s.id)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Unchecked)
        self.active = QCheckBox(self.tr("启用"), self)
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.Password)
        self.password_again = QLineEdit(self)
        self.password_again.setEchoMode(QLineEdit.Password)
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #f87171;")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("用户名"), self.username)
        form.addRow(self.tr("姓名"), self.display_name)
        form.addRow(self.tr("角色"), self.role)
        form.addRow(self.tr("街镇范围"), self.all_streets)
        form.addRow("", self.streets)
        if user is None:
            self.password.setPlaceholderText(self.tr("至少 {0} 位，含字母和数字").format(accounts.MIN_PASSWORD_LENGTH))
            form.addRow(self.tr("初始密码"), self.password)
            form.addRow(self.tr("再输一次"), self.password_again)
            self.active.hide()
            self.all_streets.setChecked(True)
        else:
            self.username.setText(user.username)
            self.username.setReadOnly(True)
            self.display_name.setText(user.display_name)
            self.role.setCurrentIndex(max(0, self.role.findData(user.role)))
            self.active.setChecked(user.active)
            form.addRow(self.tr("状态"), self.active)
            self.all_streets.setChecked(not user.streets)
            for i in range(self.streets.count()):
                item = self.streets.item(i)
                if item.data(Qt.UserRole) in user.streets:
                    item.setCheckState(Qt.Checked)
        self.all_streets.toggled.connect(lambda on: self.streets.setEnabled(not on))
        self.streets.setEnabled(not self.all_streets.isChecked())
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.button(QDialogButtonBox.Ok).setText(self.tr("确定"))
        buttons.button(QDialogButtonBox.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(420, 0)

    def street_ids(self) -> list[int] | None:
        """None: every street."""
        if self.all_streets.isChecked():
            return None
        return [self.streets.item(i).data(Qt.UserRole) for i in range(self.streets.count())
                if self.streets.item(i).checkState() == Qt.Checked]

    def _accept(self) -> None:
        if not self.all_streets.isChecked() and not self.street_ids():
            self.error.setText(self.tr("请选择至少一个街镇，或勾选「不限街镇」"))
            return
        if self.user is None and self.password.text() != self.password_again.text():
            self.error.setText(self.tr("两次输入的密码不一致"))
            return
        self.accept()


class PasswordDialog(QDialog):
    def __init__(self, username: str, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("重置「{0}」的密码").format(username))
        self.password = QLineEdit(self)
        self.password.setEchoMode(QLineEdit.Password)
        self.password.setPlaceholderText(self.tr("至少 {0} 位，含字母和数字").format(accounts.MIN_PASSWORD_LENGTH))
        self.password_again = QLineEdit(self)
        self.password_again.setEchoMode(QLineEdit.Password)
        self.error = QLabel(self)
        self.error.setStyleSheet("color: #f87171;")
        form = QFormLayout()
        form.addRow(self.tr("新密码"), self.password)
        form.addRow(self.tr("再输一次"), self.password_again)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.button(QDialogButtonBox.Ok).setText(self.tr("确定"))
        buttons.button(QDialogButtonBox.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(QLabel(self.tr("重置密码同时解除锁定。"), self))
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _accept(self) -> None:
        if self.password.text() != self.password_again.text():
            self.error.setText(self.tr("两次输入的密码不一致"))
            return
        self.accept()


class UsersPage(QWidget):
    message = Signal(str)
    loaded = Signal()
    failed = Signal(str)  # a refused change, as shown in the banner

    def __init__(self, engine: Engine, db: TaskRunner, session: UserSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("usersPage")
        self.engine, self.db, self.session = engine, db, session
        self.streets: list[StreetRecord] = []
        self._stale = True
        # Tests answer the dialogs: (dialog) -> accepted?
        self.run_dialog = lambda dialog: dialog.exec() == QDialog.Accepted

        self.add_button = QPushButton(self.tr("新建账号…"), self)
        self.edit_button = QPushButton(self.tr("编辑…"), self)
        self.password_button = QPushButton(self.tr("重置密码…"), self)
        self.unlock_button = QPushButton(self.tr("解除锁定"), self)
        self.refresh_button = QPushButton(self.tr("刷新"), self)
        bar = QHBoxLayout()
        for b in (self.add_button, self.edit_button, self.password_button, self.unlock_button):
            bar.addWidget(b)
        bar.addStretch(1)
        bar.addWidget(self.refresh_button)
        self.banner = QLabel(self)
        self.banner.setObjectName("usersBanner")
        self.banner.setWordWrap(True)
        self.banner.hide()
        self.model = UsersTableModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(False)
        header = self.table.horizontalHeader()
        for col, width in enumerate((110, 100, 90, 220, 70, 130)):
            header.resizeSection(col, width)
        header.setSectionResizeMode(6, QHeaderView.Stretch)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addLayout(bar)
        layout.addWidget(self.banner)
        layout.addWidget(self.table, 1)

        self.add_button.clicked.connect(self.add_user)
        self.edit_button.clicked.connect(self.edit_user)
        self.password_button.clicked.connect(self.reset_password)
        self.unlock_button.clicked.connect(self.unlock)
        self.refresh_button.clicked.connect(self.reload)
        self.table.doubleClicked.connect(lambda _i: self.edit_user())
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        session.changed.connect(lambda _actor: self._role_changed())
        self._update_buttons()

    def allowed(self) -> bool:
        return self.session.can(Action.MANAGE_USERS)

    def selected(self) -> UserRecord | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def select_user(self, username: str) -> None:
        for i in range(self.model.rowCount()):
            if self.model.row(i).username == username:
                self.table.selectRow(i)
                return

    def _update_buttons(self) -> None:
        allowed, chosen = self.allowed(), self.selected()
        self.add_button.setEnabled(allowed)
        for b in (self.edit_button, self.password_button):
            b.setEnabled(allowed and chosen is not None)
        self.unlock_button.setEnabled(allowed and chosen is not None and _locked(chosen, datetime.now(UTC)))

    def _role_changed(self) -> None:
        self.model.set_rows([])
        self.banner.hide()
        self._stale = True
        self._update_buttons()
        if self.isVisible():
            self.reload()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()

    def _show_error(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.setStyleSheet("color: #f87171; font-weight: bold;")
        self.banner.show()
        self.failed.emit(text)

    def _show_info(self, text: str) -> None:
        self.banner.setText(text)
        self.banner.setStyleSheet("color: #4ade80;")
        self.banner.show()
        self.message.emit(text)

    # -- loading ---------------------------------------------------------------------------------
    def reload(self) -> None:
        if not self.allowed():
            self.model.set_rows([])
            return
        self._stale = False
        actor = self.session.actor
        chosen = self.selected()

        def work():
            return accounts.list_users(self.engine, actor), list_streets(self.engine, actor=actor)

        def done(result) -> None:
            if isinstance(result, BaseException):
                self._show_error(self.tr("读取账号失败：{0}").format(result))
                return
            users, self.streets = result
            self.model.set_rows(users)
            if chosen is not None:
                self.select_user(chosen.username)
            self._update_buttons()
            self.loaded.emit()

        self.db.submit(work, on_done=done, on_error=done)

    def _submit(self, fn, done_text: str, select: str | None = None) -> None:
        """Run one account change on the DB runner; afterwards the list is read again."""
        def done(result) -> None:
            if isinstance(result, AccountError | PermissionDenied | ValueError):
                self._show_error(str(result))
            elif isinstance(result, BaseException):
                self._show_error(self.tr("操作失败：{0}").format(type(result).__name__))
            else:
                self._show_info(done_text)
            self.reload()
            if select:
                self.loaded.connect(self._select_once(select))

        self.db.submit(fn, on_done=done, on_error=done)

    def _select_once(self, username: str):
        def select() -> None:
            self.loaded.disconnect(select)
            self.select_user(username)
            self._update_buttons()
        return select

    # -- actions ---------------------------------------------------------------------------------
    def add_user(self) -> None:
        if not self.allowed():
            return
        dialog = UserDialog(self.streets, None, self)
        if not self.run_dialog(dialog):
            return
        actor = self.session.actor
        username, password = dialog.username.text().strip(), dialog.password.text()
        role, name, streets = dialog.role.currentData(), dialog.display_name.text(), dialog.street_ids()
        self._submit(lambda: accounts.create_user(self.engine, actor, username, password, role, name, streets),
                     self.tr("已创建账号「{0}」").format(username), select=username)

    def edit_user(self) -> None:
        user = self.selected()
        if user is None or not self.allowed():
            return
        dialog = UserDialog(self.streets, user, self)
        if not self.run_dialog(dialog):
            return
        actor = self.session.actor
        role, name, active, streets = (dialog.role.currentData(), dialog.display_name.text(),
                                       dialog.active.isChecked(), dialog.street_ids())
        self._submit(lambda: accounts.update_user(self.engine, actor, user.id, role=role, display_name=name,
                                                  active=active, streets=streets),
                     self.tr("已保存账号「{0}」").format(user.username), select=user.username)

    def reset_password(self) -> None:
        user = self.selected()
        if user is None or not self.allowed():
            return
        dialog = PasswordDialog(user.username, self)
        if not self.run_dialog(dialog):
            return
        actor, password = self.session.actor, dialog.password.text()
        self._submit(lambda: accounts.set_password(self.engine, actor, user.id, password),
                     self.tr("已重置「{0}」的密码").format(user.username), select=user.username)

    def unlock(self) -> None:
        user = self.selected()
        if user is None or not self.allowed():
            return
        actor = self.session.actor
        self._submit(lambda: accounts.unlock_user(self.engine, actor, user.id),
                     self.tr("已解除「{0}」的锁定").format(user.username), select=user.username)
