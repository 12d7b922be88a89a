"""The 审计日志 page: who did what, when, from which console. Filters (time, user, action,
target, console) above a paged table (newest first); 导出 writes the filtered entries to .xlsx,
校验 walks the hash chain (desktop.core.audit.verify). Every query runs on the console's DB
runner as the session's user at the moment of asking; the core refuses users without
查看审计日志, and the page clears itself and stops asking when the role loses it."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta
from pathlib import Path

from PySide6.QtCore import QDate, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import Engine

from desktop.core import audit
from desktop.core.access import Action, PermissionDenied
from desktop.core.audit import ACTION_LABELS, AuditRecord, action_label
from desktop.core.audit_queries import AuditFilter, audit_facets, detail_text, export_audit, local_time, query_audit
from desktop.services.task_runner import TaskRunner
from desktop.services.user_session import UserSession
from desktop.ui.record_table_model import RecordTableModel

log = logging.getLogger(__name__)

PAGE_SIZE = 200
RANGES = ("近7天", "近30天", "今天", "全部", "自定义")
CUSTOM = len(RANGES) - 1
_FAILED_ACTIONS = {audit.AuditAction.LOGIN_FAILED, audit.AuditAction.LOCKED_OUT, audit.AuditAction.PERMISSION_DENIED,
                   audit.AuditAction.CASE_DELETE}


class AuditTableModel(RecordTableModel):
    HEADERS = ("序号", "时间", "用户", "角色", "工作站", "操作", "对象", "详情")

    def set_rows(self, rows: list[AuditRecord]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row(self, index: int) -> AuditRecord:
        return self._rows[index]

    def data(self, index: QModelIndex, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        r: AuditRecord = self._rows[index.row()]
        col = index.column()
        if role == Qt.DisplayRole:
            return (str(r.seq), local_time(r.at), r.username, r.role, r.console, action_label(r.action), r.target,
                    detail_text(r.detail))[col]
        if role == Qt.ToolTipRole and col == 7:
            return detail_text(r.detail).replace("; ", "\n")
        if role == Qt.ForegroundRole and col == 5 and r.action in _FAILED_ACTIONS:
            return QColor("#f87171")
        return None


def _range(index: int, since: QDate, until: QDate) -> tuple[datetime | None, datetime | None]:
    """Local [since, until) of a preset (today included)."""
    today = datetime.now().astimezone().date()
    if index == 3:
        return None, None
    if index == CUSTOM:
        first, last = since.toPython(), until.toPython()
    else:
        first, last = today - timedelta(days=(6, 29, 0)[index]), today
    return (datetime.combine(first, time()).astimezone(),
            datetime.combine(last + timedelta(days=1), time()).astimezone())


class AuditPage(QWidget):
    message = Signal(str)
    loaded = Signal()  # a page of entries arrived (tests wait on it)
    verified = Signal(object)  # audit.VerifyResult
    exported = Signal(object)  # AuditExport or an exception

    def __init__(self, engine: Engine, db: TaskRunner, session: UserSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("auditPage")
        self.engine, self.db, self.session = engine, db, session
        self._page = 0
        self._total = 0
        self._ticket = 0
        self._stale = True
        self.ask_export_path = self._ask_export_path  # tests answer instead of a file dialog

        self.range = QComboBox(self)
        self.range.addItems([self.tr(r) for r in RANGES])
        self.since, self.until = QDateEdit(self), QDateEdit(self)
        for d, offset in ((self.since, -6), (self.until, 0)):
            d.setCalendarPopup(True)
            d.setDisplayFormat("yyyy-MM-dd")
            d.setDate(QDate.currentDate().addDays(offset))
        self.user = QComboBox(self)
        self.user.setEditable(True)
        self.user.lineEdit().setPlaceholderText(self.tr("全部用户"))
        self.action = QComboBox(self)
        self.action.addItem(self.tr("全部操作"), None)
        for code, label in ACTION_LABELS.items():
            self.action.addItem(label, code)
        self.target = QLineEdit(self)
        self.target.setPlaceholderText(self.tr("对象，如 case:12"))
        self.console = QComboBox(self)
        self.console.setEditable(True)
        self.console.lineEdit().setPlaceholderText(self.tr("全部工作站"))
        for combo in (self.user, self.console):
            combo.setMinimumWidth(120)
            combo.setSizeAdjustPolicy(QComboBox.AdjustToContents)
        self.search_button = QPushButton(self.tr("查询"), self)
        self.export_button = QPushButton(self.tr("导出 xlsx…"), self)
        self.verify_button = QPushButton(self.tr("校验"), self)
        self.verify_button.setToolTip(self.tr("校验哈希链：发现被修改、删除或插入的条目"))

        bar = QHBoxLayout()
        bar.setSpacing(6)
        bar.addWidget(QLabel(self.tr("时间"), self))
        bar.addWidget(self.range)
        bar.addWidget(self.since)
        bar.addWidget(QLabel("—", self))
        bar.addWidget(self.until)
        for label, widget in ((self.tr("用户"), self.user), (self.tr("操作"), self.action)):
            bar.addSpacing(8)
            bar.addWidget(QLabel(label, self))
            bar.addWidget(widget)
        bar.addSpacing(8)
        bar.addWidget(self.target, 1)
        bar.addWidget(self.console)
        bar.addWidget(self.search_button)
        bar.addStretch(0)
        bar.addSpacing(12)
        bar.addWidget(self.export_button)
        bar.addWidget(self.verify_button)

        self.verify_label = QLabel(self)
        self.verify_label.setObjectName("auditVerify")
        self.verify_label.setWordWrap(True)
        self.verify_label.hide()

        self.model = AuditTableModel(self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setAlternatingRowColors(False)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        for col, width in enumerate((60, 150, 90, 80, 110, 90, 130)):
            header.resizeSection(col, width)
        header.setSectionResizeMode(7, QHeaderView.Stretch)

        self.prev_button = QPushButton(self.tr("上一页"), self)
        self.next_button = QPushButton(self.tr("下一页"), self)
        self.page_label = QLabel(self)
        pager = QHBoxLayout()
        pager.addWidget(self.page_label)
        pager.addStretch(1)
        pager.addWidget(self.prev_button)
        pager.addWidget(self.next_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addLayout(bar)
        layout.addWidget(self.verify_label)
        layout.addWidget(self.table, 1)
        layout.addLayout(pager)

        self.range.currentIndexChanged.connect(self._range_changed)
        self.search_button.clicked.connect(lambda: self.reload(first_page=True))
        self.target.returnPressed.connect(lambda: self.reload(first_page=True))
        self.action.currentIndexChanged.connect(lambda _i: self.reload(first_page=True))
        self.prev_button.clicked.connect(lambda: self._go(-1))
        self.next_button.clicked.connect(lambda: self._go(+1))
        self.export_button.clicked.connect(self._ask_export)
        self.verify_button.clicked.connect(self.run_verify)
        session.changed.connect(lambda _actor: self._role_changed())
        self._range_changed(self.range.currentIndex())
        self._update_pager()

    # -- state -----------------------------------------------------------------------------------
    def allowed(self) -> bool:
        return self.session.can(Action.VIEW_AUDIT)

    def current_filter(self) -> AuditFilter:
        since, until = _range(self.range.currentIndex(), self.since.date(), self.until.date())
        action = self.action.currentData()
        return AuditFilter(since=since, until=until, username=self.user.currentText().strip(),
                           actions=(action,) if action else (), target=self.target.text().strip(),
                           console=self.console.currentText().strip())

    def _range_changed(self, index: int) -> None:
        custom = index == CUSTOM
        self.since.setEnabled(custom)
        self.until.setEnabled(custom)
        self.reload(first_page=True)

    def _role_changed(self) -> None:
        """Another user: nothing of the previous one's view stays on screen."""
        self.model.set_rows([])
        self.verify_label.hide()
        self._total, self._page = 0, 0
        self._update_pager()
        self._stale = True
        if self.isVisible():
            self.reload()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()

    # -- loading ---------------------------------------------------------------------------------
    def reload(self, first_page: bool = False) -> None:
        if first_page:
            self._page = 0
        if not self.allowed():
            self.model.set_rows([])
            return
        if not self.isVisible():
            self._stale = True  # asked for when the page is shown
            return
        self._stale = False
        self._ticket += 1
        ticket, actor, f, page = self._ticket, self.session.actor, self.current_filter(), self._page

        def work():
            return query_audit(self.engine, actor, f, page=page, page_size=PAGE_SIZE), audit_facets(self.engine, actor)

        def done(result) -> None:
            if ticket != self._ticket:
                return  # a newer query is on its way
            if isinstance(result, BaseException):
                self.message.emit(self.tr("读取审计日志失败：{0}").format(result))
                return
            page_result, facets = result
            self.model.set_rows(page_result.rows)
            self._total = page_result.total
            self._set_items(self.user, facets.usernames)
            self._set_items(self.console, facets.consoles)
            self._update_pager()
            self.loaded.emit()

        self.db.submit(work, on_done=done, on_error=done)

    @staticmethod
    def _set_items(combo: QComboBox, items: list[str]) -> None:
        text = combo.currentText()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem("")
        combo.addItems(items)
        combo.setEditText(text)
        combo.blockSignals(False)

    def _go(self, step: int) -> None:
        pages = max(1, -(-self._total // PAGE_SIZE))
        self._page = min(max(0, self._page + step), pages - 1)
        self.reload()

    def _update_pager(self) -> None:
        pages = max(1, -(-self._total // PAGE_SIZE))
        self.page_label.setText(self.tr("共 {0} 条，第 {1} / {2} 页").format(self._total, self._page + 1, pages))
        self.prev_button.setEnabled(self._page > 0)
        self.next_button.setEnabled(self._page + 1 < pages)

    # -- verify and export -----------------------------------------------------------------------
    def run_verify(self) -> None:
        if not self.allowed():
            return
        self.verify_button.setEnabled(False)
        self.verify_label.setText(self.tr("正在校验……"))
        self.verify_label.setStyleSheet("")
        self.verify_label.show()
        actor = self.session.actor

        def work():
            from desktop.core.access import require

            require(actor, Action.VIEW_AUDIT)
            return audit.verify(self.engine)

        self.db.submit(work, on_done=self._verified, on_error=self._verified)

    def _verified(self, result) -> None:
        self.verify_button.setEnabled(True)
        if isinstance(result, BaseException):
            self.verify_label.setText(self.tr("校验失败：{0}").format(result))
            self.verify_label.setStyleSheet("color: #f87171;")
        elif result.ok:
            text = self.tr("✔ 审计日志完整：{0} 条，链头 #{1}（{2}…）").format(result.count, result.head_seq,
                                                                      result.head_hash[:16])
            if result.anchor is None:
                text += self.tr("；未找到锚点，无法发现末尾被删除")
            self.verify_label.setText(text)
            self.verify_label.setStyleSheet("color: #4ade80;")
        else:
            self.verify_label.setText(self.tr("✘ 审计日志被篡改：第 #{0} 条起不可信。{1}").format(
                result.broken_seq, result.problem))
            self.verify_label.setStyleSheet("color: #f87171; font-weight: bold;")
        self.verify_label.show()
        self.verified.emit(result)

    def _ask_export_path(self) -> Path | None:
        name = f"审计日志_{datetime.now():%Y%m%d_%H%M}.xlsx"
        path, _ = QFileDialog.getSaveFileName(self, self.tr("导出审计日志"), str(Path.home() / name),
                                              self.tr("Excel 工作簿 (*.xlsx)"))
        if not path:
            return None
        return Path(path if path.lower().endswith(".xlsx") else path + ".xlsx")

    def _ask_export(self) -> None:
        if not self.allowed():
            return
        path = self.ask_export_path()
        if path is not None:
            self.export_to(path)

    def export_to(self, path: Path) -> None:
        actor, f = self.session.actor, self.current_filter()
        self.export_button.setEnabled(False)

        def done(result) -> None:
            self.export_button.setEnabled(True)
            if isinstance(result, PermissionDenied | ValueError | OSError):
                self.message.emit(self.tr("导出失败：{0}").format(result))
            elif isinstance(result, BaseException):
                self.message.emit(self.tr("导出失败"))
            else:
                self.message.emit(self.tr("已导出 {0} 条审计记录到 {1}").format(result.rows, result.path))
                self.reload()  # the export is in the log now
            self.exported.emit(result)

        self.db.submit(export_audit, self.engine, actor, path, f, on_done=done, on_error=done)
