"""The 设置 page's station sections (issue 7): 案件设置 — the case-number pattern, the days
after which a 黄牌 turns 红牌 and the list of legal bases (法律依据) the case dialog offers — and
锁屏, the idle minutes after which the console locks itself.

They need 系统设置 (MANAGE_SETTINGS, the 管理员): the core checks it and writes every change to
the audit trail (desktop.core.case_settings, desktop.core.app_settings); these views only hide
what would be refused. All reads and writes run on the console's DB runner, never on the GUI
thread; a refusal or an invalid value comes back as the core's Chinese message."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import Engine

from desktop.core import app_settings, case_settings
from desktop.core.access import Action
from desktop.core.case_rules import format_case_number
from desktop.services.task_runner import TaskRunner
from desktop.services.user_session import UserSession

HINT_STYLE = "color: #9ca3af;"
ERROR_STYLE = "color: #f87171;"
OK_STYLE = "color: #4ade80;"
ID_ROLE = Qt.UserRole + 1
MAX_IDLE_MINUTES = 240


def chinese(exc: BaseException) -> str:
    """The core's message without its English tail (「… / not permitted: …」)."""
    text = str(exc) or type(exc).__name__
    return text.split(" / ")[0]


@dataclass(frozen=True, slots=True)
class CaseSettingsData:
    number_pattern: str
    red_card_days: int
    legal_bases: tuple[case_settings.LegalBasisRecord, ...]


def read_case_settings(engine: Engine) -> CaseSettingsData:
    """DB runner: everything the 案件设置 section shows."""
    return CaseSettingsData(case_settings.number_pattern(engine), case_settings.red_card_days(engine),
                            tuple(case_settings.list_legal_bases(engine)))


class _Section(QWidget):
    """What both sections share: the session, the runner, a status line and the busy flag."""

    message = Signal(str)  # for the status bar

    def __init__(self, session: UserSession, engine: Engine | None, db: TaskRunner | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session, self.engine, self.db = session, engine, db
        self.busy = False
        self.status = QLabel(self)
        self.status.setObjectName("sectionStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextSelectableByMouse)

    def allowed(self) -> bool:
        return self.session.can(Action.MANAGE_SETTINGS)

    def show_status(self, text: str, style: str = HINT_STYLE) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(style)

    def submit(self, work: Callable, on_done: Callable) -> None:
        """work() on the DB runner; on_done(result) back on the GUI thread, errors shown here."""
        self.busy = True
        self.update_enabled()

        def done(result) -> None:
            self.busy = False
            if isinstance(result, BaseException):
                self.show_status(chinese(result), ERROR_STYLE)
                self.message.emit(chinese(result))
            else:
                on_done(result)
            self.update_enabled()

        self.db.submit(work, on_done=done, on_error=done)

    def update_enabled(self) -> None:
        """Enable what the logged-in user may change (each section says what)."""


class CaseSettingsView(_Section):
    """案件编号格式, 红牌天数 and the 法律依据 list (add, edit, move, delete)."""

    loaded = Signal()  # the stored values are shown (after each load or change)

    def __init__(self, session: UserSession, engine: Engine | None, db: TaskRunner | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(session, engine, db, parent)
        self.setObjectName("caseSettings")
        self.data: CaseSettingsData | None = None

        numbers = QGroupBox(self.tr("案件编号与红牌"), self)
        self.pattern = QLineEdit(numbers)
        self.pattern.setObjectName("numberPattern")
        self.pattern.setMinimumWidth(320)
        self.pattern.setToolTip(self.tr("{year} 为年份，{seq} 为当年序号（必填），{seq:04d} 表示补足 4 位"))
        self.preview = QLabel(numbers)
        self.preview.setObjectName("numberPreview")
        self.save_pattern_button = QPushButton(self.tr("保存编号格式"), numbers)
        self.red_days = QSpinBox(numbers)
        self.red_days.setObjectName("redCardDays")
        self.red_days.setRange(0, 365)
        self.red_days.setSuffix(self.tr(" 天"))
        self.save_days_button = QPushButton(self.tr("保存红牌天数"), numbers)
        pattern_row = QHBoxLayout()
        pattern_row.addWidget(self.pattern, 1)
        pattern_row.addWidget(self.save_pattern_button)
        days_row = QHBoxLayout()
        days_row.addWidget(self.red_days)
        days_row.addWidget(self.save_days_button)
        days_hint = QLabel(self.tr("未办结案件超过整改期限即为黄牌，超过期限这么多天后转为红牌"), numbers)
        days_hint.setStyleSheet(HINT_STYLE)
        days_row.addWidget(days_hint, 1)
        form = QFormLayout(numbers)
        form.addRow(self.tr("编号格式"), pattern_row)
        form.addRow("", self.preview)
        form.addRow(self.tr("红牌天数"), days_row)
        note = QLabel(self.tr("新格式只用于此后新立的案件，已有案件编号不变。"), numbers)
        note.setStyleSheet(HINT_STYLE)
        form.addRow("", note)

        bases = QGroupBox(self.tr("法律依据"), self)
        self.bases = QListWidget(bases)
        self.bases.setObjectName("legalBasisList")
        self.bases.setSelectionMode(QAbstractItemView.SingleSelection)
        self.title = QLineEdit(bases)
        self.title.setObjectName("legalBasisTitle")
        self.title.setPlaceholderText(self.tr("如《中华人民共和国食品安全法》第一百二十六条"))
        self.text = QPlainTextEdit(bases)
        self.text.setObjectName("legalBasisText")
        self.text.setPlaceholderText(self.tr("条文内容（可选，打印时引用）"))
        self.add_button = QPushButton(self.tr("新增"), bases)
        self.save_button = QPushButton(self.tr("保存修改"), bases)
        self.up_button = QPushButton(self.tr("上移"), bases)
        self.down_button = QPushButton(self.tr("下移"), bases)
        self.delete_button = QPushButton(self.tr("删除"), bases)
        self.delete_button.setToolTip(self.tr("已立案件保留立案时的法律依据文字，删除条目不影响已有案件"))
        editor = QVBoxLayout()
        editor.addWidget(QLabel(self.tr("名称"), bases))
        editor.addWidget(self.title)
        editor.addWidget(QLabel(self.tr("条文"), bases))
        editor.addWidget(self.text, 1)
        row = QHBoxLayout()
        for b in (self.add_button, self.save_button, self.delete_button):
            row.addWidget(b)
        row.addStretch(1)
        editor.addLayout(row)
        order = QVBoxLayout()
        order.addWidget(self.up_button)
        order.addWidget(self.down_button)
        order.addStretch(1)
        bases_layout = QHBoxLayout(bases)
        bases_layout.addWidget(self.bases, 3)
        bases_layout.addLayout(order)
        bases_layout.addLayout(editor, 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(numbers)
        layout.addWidget(bases, 1)
        layout.addWidget(self.status)
        self.show_status(self.tr("案件编号格式、红牌天数和法律依据由本站所有工作台共用，修改写入审计日志。"))

        self.pattern.textChanged.connect(self._preview)
        self.save_pattern_button.clicked.connect(self.save_pattern)
        self.save_days_button.clicked.connect(self.save_red_days)
        self.bases.currentRowChanged.connect(self._selected)
        self.add_button.clicked.connect(lambda: self.save_basis(None))
        self.save_button.clicked.connect(lambda: self.save_basis(self.current_id()))
        self.delete_button.clicked.connect(self.delete_basis)
        self.up_button.clicked.connect(lambda: self.move(-1))
        self.down_button.clicked.connect(lambda: self.move(1))
        self.update_enabled()

    # -- reading ------------------------------------------------------------------------------
    def reload(self) -> None:
        if self.engine is None or self.db is None:
            self.show_status(self.tr("未连接数据库：无法读取案件设置"), ERROR_STYLE)
            return
        engine = self.engine
        self.submit(lambda: read_case_settings(engine), self._show)

    def _show(self, data: CaseSettingsData) -> None:
        self.data = data
        self.pattern.setText(data.number_pattern)
        self.red_days.setValue(data.red_card_days)
        self._show_bases(data.legal_bases)
        self.loaded.emit()

    def _show_bases(self, bases, select_id: int | None = None) -> None:
        current = select_id if select_id is not None else self.current_id()
        self.data = CaseSettingsData(self.data.number_pattern, self.data.red_card_days, tuple(bases)) \
            if self.data else CaseSettingsData("", 0, tuple(bases))
        self.bases.blockSignals(True)
        self.bases.clear()
        for b in self.data.legal_bases:
            item = QListWidgetItem(b.title, self.bases)
            item.setData(ID_ROLE, b.id)
            item.setToolTip(b.text)
            if b.id == current:
                self.bases.setCurrentItem(item)
        self.bases.blockSignals(False)
        self._selected(self.bases.currentRow())

    def current_id(self) -> int | None:
        item = self.bases.currentItem()
        return item.data(ID_ROLE) if item is not None else None

    def titles(self) -> list[str]:
        return [self.bases.item(i).text() for i in range(self.bases.count())]

    def select_basis(self, title: str) -> None:
        for i in range(self.bases.count()):
            if self.bases.item(i).text() == title:
                self.bases.setCurrentRow(i)

    def _selected(self, row: int) -> None:
        if self.data is not None and 0 <= row < len(self.data.legal_bases):
            self.title.setText(self.data.legal_bases[row].title)
            self.text.setPlainText(self.data.legal_bases[row].text)
        self.update_enabled()

    def _preview(self, pattern: str) -> None:
        try:
            example = format_case_number(pattern.strip(), date.today().year, 1)
            self.preview.setText(self.tr("示例：{0}").format(example))
            self.preview.setStyleSheet(HINT_STYLE)
        except (ValueError, TypeError, KeyError, IndexError):
            self.preview.setText(self.tr("格式无效：只能使用 {year} 和 {seq}"))
            self.preview.setStyleSheet(ERROR_STYLE)

    def update_enabled(self) -> None:
        ok = self.allowed() and not self.busy and self.engine is not None and self.db is not None
        has = self.current_id() is not None
        row, count = self.bases.currentRow(), self.bases.count()
        for w in (self.pattern, self.red_days, self.title, self.text, self.save_pattern_button,
                  self.save_days_button, self.add_button):
            w.setEnabled(ok)
        self.save_button.setEnabled(ok and has)
        self.delete_button.setEnabled(ok and has)
        self.up_button.setEnabled(ok and has and row > 0)
        self.down_button.setEnabled(ok and has and row < count - 1)

    # -- changes (each one audited by the core) ------------------------------------------------
    def save_pattern(self) -> None:
        engine, actor, pattern = self.engine, self.session.actor, self.pattern.text()

        def done(saved: str) -> None:
            self.data = CaseSettingsData(saved, self.data.red_card_days, self.data.legal_bases)
            self.pattern.setText(saved)
            self._done(self.tr("编号格式已保存：此后新立的案件使用 {0}").format(saved))

        self.submit(lambda: case_settings.set_number_pattern(engine, pattern, actor=actor), done)

    def save_red_days(self) -> None:
        engine, actor, days = self.engine, self.session.actor, self.red_days.value()

        def done(saved: int) -> None:
            self.data = CaseSettingsData(self.data.number_pattern, saved, self.data.legal_bases)
            self._done(self.tr("红牌天数已保存：超过整改期限 {0} 天转为红牌").format(saved))

        self.submit(lambda: case_settings.set_red_card_days(engine, days, actor=actor), done)

    def save_basis(self, basis_id: int | None) -> None:
        engine, actor = self.engine, self.session.actor
        title, text = self.title.text(), self.text.toPlainText()

        def work():
            new_id = case_settings.save_legal_basis(engine, title, text, basis_id=basis_id, actor=actor)
            return new_id, case_settings.list_legal_bases(engine)

        def done(result) -> None:
            new_id, bases = result
            self._show_bases(bases, new_id)
            self._done(self.tr("已新增法律依据") if basis_id is None else self.tr("已保存法律依据"))

        self.submit(work, done)

    def delete_basis(self) -> None:
        basis_id = self.current_id()
        if basis_id is None:
            return
        engine, actor = self.engine, self.session.actor

        def work():
            case_settings.delete_legal_basis(engine, basis_id, actor=actor)
            return case_settings.list_legal_bases(engine)

        def done(bases) -> None:
            self.title.clear()
            self.text.clear()
            self._show_bases(bases)
            self._done(self.tr("已删除法律依据（已有案件不受影响）"))

        self.submit(work, done)

    def move(self, step: int) -> None:
        row = self.bases.currentRow()
        ids = [self.bases.item(i).data(ID_ROLE) for i in range(self.bases.count())]
        if not 0 <= row + step < len(ids) or row < 0:
            return
        ids[row], ids[row + step] = ids[row + step], ids[row]
        engine, actor, moved = self.engine, self.session.actor, ids[row + step]

        def work():
            case_settings.reorder_legal_bases(engine, ids, actor=actor)
            return case_settings.list_legal_bases(engine)

        self.submit(work, lambda bases: (self._show_bases(bases, moved), self._done(self.tr("已调整顺序"))))

    def _done(self, text: str) -> None:
        self.show_status(text, OK_STYLE)
        self.message.emit(text)
        self.loaded.emit()


class IdleLockView(_Section):
    """锁屏: idle minutes (0 = never). Applied to the running lock through `apply` when the
    console set it (run_gui's idle lock), else at the next start — the view says which."""

    saved = Signal(float)  # the stored minutes

    def __init__(self, session: UserSession, engine: Engine | None, db: TaskRunner | None, settings_path: Path,
                 parent: QWidget | None = None) -> None:
        super().__init__(session, engine, db, parent)
        self.setObjectName("idleLockSettings")
        self.settings_path = settings_path
        # Set by the console when an idle lock runs: minutes -> None, applied at once.
        self.apply: Callable[[float], None] | None = None
        box = QGroupBox(self.tr("锁屏"), self)
        self.minutes = QSpinBox(box)
        self.minutes.setObjectName("idleLockMinutes")
        self.minutes.setRange(0, MAX_IDLE_MINUTES)
        self.minutes.setSuffix(self.tr(" 分钟"))
        self.minutes.setSpecialValueText(self.tr("从不锁定"))
        stored = app_settings.idle_lock_minutes(settings_path)
        self.minutes.setValue(int(round(stored)))
        self.save_button = QPushButton(self.tr("保存"), box)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("无操作"), box))
        row.addWidget(self.minutes)
        row.addWidget(QLabel(self.tr("后自动锁定工作台"), box))
        row.addWidget(self.save_button)
        row.addStretch(1)
        about = QLabel(self.tr("锁定期间视频墙和告警照常运行，输入本人密码解锁或切换用户。设为 0 则不自动锁定"
                               "（值班室无人值守时不建议）。"), box)
        about.setWordWrap(True)
        about.setStyleSheet(HINT_STYLE)
        inner = QVBoxLayout(box)
        inner.addLayout(row)
        inner.addWidget(about)
        inner.addWidget(self.status)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(box)
        self.save_button.clicked.connect(self.save)
        self.update_enabled()

    def update_enabled(self) -> None:
        ok = self.allowed() and not self.busy and self.db is not None
        self.minutes.setEnabled(ok)
        self.save_button.setEnabled(ok)

    def save(self) -> None:
        minutes, path, actor, engine = self.minutes.value(), self.settings_path, self.session.actor, self.engine

        def done(_result) -> None:
            if self.apply is not None:
                self.apply(minutes)
                when = self.tr("已立即生效")
            else:
                when = self.tr("下次启动工作台时生效")
            text = (self.tr("已关闭自动锁屏，{0}").format(when) if minutes == 0
                    else self.tr("锁屏时间已设为 {0} 分钟，{1}").format(minutes, when))
            self.show_status(text, OK_STYLE)
            self.message.emit(text)
            self.saved.emit(float(minutes))

        self.submit(lambda: app_settings.set_idle_lock_minutes(minutes, path, actor=actor, engine=engine), done)
