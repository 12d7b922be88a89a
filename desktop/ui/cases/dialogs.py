"""Dialogs of the 案件 page: 立案 / 编辑 (CaseDialog), the editable list of legal bases
(LegalBasisDialog), a state change with its comment (TransitionDialog) and 删除 with a reason
(DeleteDialog). They store nothing themselves: every write goes through the CaseService (DB
runner); the core's refusal is shown in the dialog, which stays open."""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.access import Action
from desktop.core.case_queries import CaseRecord
from desktop.core.case_rules import (
    PENDING,
    TRANSITION_LABELS,
    CaseError,
    CaseValidationError,
    comment_required,
)
from desktop.core.cases import KEEP, CaseInput, CaseUpdate
from desktop.services.case_service import CaseFormData, CaseService, error_text
from desktop.ui.cases.model import state_color
from desktop.ui.registry.form import ERROR_STYLE, HINT_STYLE, FieldForm
from detectors.rules.violation import TIERS, tier_of

OTHER = "其他"
TIER_CHOICES = ("一级", "二级", "三级", "非AI")
ID_ROLE = Qt.UserRole + 1


def short_error(exc: BaseException) -> str:
    """The core's message without its English tail (「… / transition … refused」)."""
    text = error_text(exc)
    return text.split(" / ")[0] if " / " in text else text


def _error_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setObjectName("dialogError")
    label.setStyleSheet(ERROR_STYLE)
    label.setWordWrap(True)
    label.hide()
    return label


def _who_field(user: str, parent: QWidget) -> QLineEdit:
    """操作人: the logged-in user, shown and not editable (the core records who is logged in)."""
    edit = QLineEdit(user or getpass.getuser(), parent)
    edit.setReadOnly(True)
    edit.setObjectName("whoField")
    edit.setToolTip(parent.tr("当前登录用户，记入案件时间线"))
    return edit


@dataclass(frozen=True, slots=True)
class CasePreset:
    """What a new case starts with when it is filed from alerts or evidence."""

    venue_id: int | None = None
    category: str = ""
    tier: str = ""
    facts: str = ""
    alerts: tuple[tuple[int, str], ...] = ()  # (alert id, label shown in the dialog)
    evidence_ids: tuple[int, ...] = ()


class CaseDialog(QDialog):
    """立案 (record None) or 编辑 an open case. `saved(CaseRecord)` once the core stored it."""

    saved = Signal(object)

    def __init__(self, service: CaseService, record: CaseRecord | None = None, preset: CasePreset | None = None,
                 user: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("caseDialog")
        self.service = service
        self.record = record
        self.preset = preset or CasePreset()
        self.loading = True
        self.saving = False
        self.setWindowTitle(self.tr("编辑案件 {0}").format(record.number) if record else self.tr("立案"))
        self.form = FieldForm(self)
        self.who = _who_field(user, self)
        self.venue = QComboBox(self)
        self.venue.setEditable(True)
        self.venue.setInsertPolicy(QComboBox.NoInsert)
        self.venue.lineEdit().setPlaceholderText(self.tr("输入单位名称、许可证号或街镇查找"))
        self.category = QComboBox(self)
        self.category.setEditable(True)
        self.category.setInsertPolicy(QComboBox.NoInsert)
        self.category.addItems([*TIERS, OTHER])
        self.category.setCurrentIndex(-1)
        self.category.lineEdit().setPlaceholderText(self.tr("选择或填写违规类型"))
        self.tier = QComboBox(self)
        self.tier.setEditable(True)
        self.tier.addItems(TIER_CHOICES)
        self.bases = QListWidget(self)
        self.bases.setObjectName("legalBases")
        self.bases.setMaximumHeight(110)
        self.manage_button = QPushButton(self.tr("管理…"), self)
        self.manage_button.setToolTip(self.tr("新增、修改或删除法律依据条目"))
        bases_box = QWidget(self)
        bl = QHBoxLayout(bases_box)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addWidget(self.bases, 1)
        bl.addWidget(self.manage_button, 0, Qt.AlignTop)
        self.facts = QPlainTextEdit(self)
        self.facts.setPlaceholderText(self.tr("违法事实：时间、地点、发现的问题"))
        self.facts.setMinimumHeight(90)
        self.handler = QLineEdit(self)
        self.handler.setPlaceholderText(self.tr("承办人姓名"))
        self.has_deadline = QCheckBox(self.tr("设定整改期限"), self)
        self.deadline = QDateEdit(self)
        self.deadline.setCalendarPopup(True)
        self.deadline.setDisplayFormat("yyyy-MM-dd")
        self.deadline.setDate(QDate.currentDate().addDays(7))
        self.deadline.setEnabled(False)
        self.has_deadline.toggled.connect(self.deadline.setEnabled)
        deadline_box = QWidget(self)
        dl = QHBoxLayout(deadline_box)
        dl.setContentsMargins(0, 0, 0, 0)
        dl.addWidget(self.has_deadline)
        dl.addWidget(self.deadline)
        dl.addStretch(1)
        self.alerts = QListWidget(self)
        self.alerts.setObjectName("caseAlerts")
        self.alerts.setMaximumHeight(90)
        self.comment = QLineEdit(self)
        self.comment.setPlaceholderText(self.tr("修改说明（可选，记入时间线）"))

        self.form.add("who", self.tr("操作人"), self.who)
        self.form.add("venue_id", self.tr("单位"), self.venue)
        self.form.add("category", self.tr("违规类型"), self.category)
        self.form.add("tier", self.tr("等级"), self.tier, self.tr("随违规类型自动填写，可修改"))
        self.form.add("legal_basis", self.tr("法律依据"), bases_box)
        self.form.add("facts", self.tr("违法事实"), self.facts)
        self.form.add("handler", self.tr("承办人"), self.handler)
        self.form.add("deadline", self.tr("整改期限"), deadline_box)
        if record is None and (self.preset.alerts or self.preset.evidence_ids):
            hint = self.tr("告警的图片和录像随告警一并作为证据")
            if self.preset.evidence_ids:
                hint += self.tr("；另有 {0} 项证据").format(len(self.preset.evidence_ids))
            self.form.add("alert_ids", self.tr("关联告警"), self.alerts, hint)
        else:
            self.alerts.hide()
        if record is not None:
            self.form.add("comment", self.tr("修改说明"), self.comment)
        else:
            self.comment.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel, self)
        self.save_button = self.buttons.button(QDialogButtonBox.Save)
        self.save_button.setText(self.tr("立案") if record is None else self.tr("保存"))
        self.buttons.button(QDialogButtonBox.Cancel).setText(self.tr("取消"))
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.form)
        layout.addWidget(self.buttons)
        self.resize(640, 680)

        self.category.currentTextChanged.connect(self._category_changed)
        self.manage_button.clicked.connect(self.manage_bases)
        # The list of legal bases is the station's setting (系统设置), not a case worker's.
        self.manage_button.setVisible(service.session.can(Action.MANAGE_SETTINGS))
        self.save_button.setEnabled(False)
        self._fill_alerts()
        self._fill_known()
        service.form_data(self._loaded, self._load_failed)

    # -- filling -------------------------------------------------------------------------------
    def _fill_alerts(self) -> None:
        for alert_id, label in self.preset.alerts:
            item = QListWidgetItem(label, self.alerts)
            item.setData(ID_ROLE, alert_id)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked)

    def _fill_known(self) -> None:
        r, p = self.record, self.preset
        category = r.category if r else p.category
        if category:
            self.category.setCurrentText(category)
        tier = r.tier if r else p.tier
        if tier:
            self.tier.setCurrentText(tier)
        self.facts.setPlainText(r.facts if r else p.facts)
        if r is not None:
            self.handler.setText(r.handler)
            if r.deadline is not None:
                self.has_deadline.setChecked(True)
                self.deadline.setDate(QDate(r.deadline.year, r.deadline.month, r.deadline.day))

    def _loaded(self, data: CaseFormData) -> None:
        self.loading = False
        self.save_button.setEnabled(True)
        venue_id = self.record.venue_id if self.record else self.preset.venue_id
        self.venue.clear()
        for v in data.venues:
            self.venue.addItem(f"{v.name}（{v.street or '—'}）", v.id)
            self.venue.setItemData(self.venue.count() - 1, "\n".join(t for t in (v.address, v.license_no) if t),
                                   Qt.ToolTipRole)
        completer = QCompleter(self.venue.model(), self.venue)
        completer.setFilterMode(Qt.MatchContains)
        completer.setCaseSensitivity(Qt.CaseInsensitive)
        completer.setCompletionMode(QCompleter.PopupCompletion)
        self.venue.setCompleter(completer)
        self.venue.setCurrentIndex(self.venue.findData(venue_id) if venue_id is not None else -1)
        if self.record is not None and self.record.state != PENDING:
            self.venue.setEnabled(False)
            self.venue.setToolTip(self.tr("案件已推送整改，不能更换单位"))
        elif self.preset.alerts:
            self.venue.setEnabled(False)
            self.venue.setToolTip(self.tr("单位随告警确定"))
        self.set_legal_bases(data.legal_bases, self._chosen_bases() or self._initial_bases())

    def _load_failed(self, exc: BaseException) -> None:
        self.loading = False
        self.form.show_general(self.tr("读取单位和法律依据失败：{0}").format(short_error(exc)))

    def _initial_bases(self) -> list[str]:
        return [t for t in (self.record.legal_basis.splitlines() if self.record else []) if t.strip()]

    def _chosen_bases(self) -> list[str]:
        return [self.bases.item(i).text() for i in range(self.bases.count())
                if self.bases.item(i).checkState() == Qt.Checked]

    def set_legal_bases(self, bases, chosen: list[str]) -> None:
        """The station's list, checked as `chosen`; a chosen title no longer listed stays, checked."""
        self.bases.clear()
        titles = [b.title for b in bases]
        for title in titles + [t for t in chosen if t not in titles]:
            item = QListWidgetItem(title, self.bases)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked if title in chosen else Qt.Unchecked)
            text = next((b.text for b in bases if b.title == title), "")
            if text:
                item.setToolTip(text)

    def _category_changed(self, text: str) -> None:
        if text in TIERS:
            self.tier.setCurrentText(tier_of(text))

    def manage_bases(self) -> LegalBasisDialog:
        dlg = LegalBasisDialog(self.service, self)
        chosen = self._chosen_bases()
        dlg.changed.connect(lambda bases: self.set_legal_bases(bases, chosen))
        dlg.open()
        self.bases_dialog = dlg
        return dlg

    # -- saving --------------------------------------------------------------------------------
    def venue_id(self) -> int | None:
        index = self.venue.findText(self.venue.currentText())
        return self.venue.itemData(index) if index >= 0 else None

    def save(self) -> None:
        if self.loading or self.saving:
            return
        self.form.clear_errors()
        category = self.category.currentText().strip()
        deadline = self.deadline.date().toPython() if self.has_deadline.isChecked() else None
        legal = "\n".join(self._chosen_bases())
        who = self.who.text().strip()
        if not who:
            self.form.show_errors({"who": self.tr("请填写操作人")})
            return
        self.saving = True
        self.save_button.setEnabled(False)
        if self.record is None:
            alert_ids = tuple(self.alerts.item(i).data(ID_ROLE) for i in range(self.alerts.count())
                              if self.alerts.item(i).checkState() == Qt.Checked)
            data = CaseInput(venue_id=self.venue_id(), category=category, tier=self.tier.currentText().strip(),
                             legal_basis=legal, facts=self.facts.toPlainText(), handler=self.handler.text(),
                             deadline=deadline, alert_ids=alert_ids, evidence_ids=self.preset.evidence_ids)
            self.service.create(data, on_done=self._saved, on_error=self._failed)
        else:
            r = self.record
            changes = CaseUpdate(venue_id=self.venue_id() if r.state == PENDING else None, category=category,
                                 tier=self.tier.currentText(), legal_basis=legal, facts=self.facts.toPlainText(),
                                 handler=self.handler.text(), deadline=deadline if deadline != r.deadline else KEEP,
                                 comment=self.comment.text())
            self.service.update(r.id, changes, on_done=self._saved, on_error=self._failed)

    def _saved(self, record: CaseRecord) -> None:
        self.saving = False
        self.saved.emit(record)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.saving = False
        self.save_button.setEnabled(True)
        if isinstance(exc, CaseValidationError):
            self.form.show_errors(exc.errors)
        else:
            self.form.show_general(short_error(exc) if isinstance(exc, CaseError)
                                   else self.tr("保存失败：{0}").format(short_error(exc)))


class LegalBasisDialog(QDialog):
    """管理法律依据: the station's editable list (case_settings), shared by every console."""

    changed = Signal(object)  # the new tuple of LegalBasisRecord

    def __init__(self, service: CaseService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("legalBasisDialog")
        self.setWindowTitle(self.tr("管理法律依据"))
        self.service = service
        self.bases = ()
        self.busy = False
        self.list = QListWidget(self)
        self.title = QLineEdit(self)
        self.title.setPlaceholderText(self.tr("如《中华人民共和国食品安全法》第一百二十六条"))
        self.text = QPlainTextEdit(self)
        self.text.setPlaceholderText(self.tr("条文内容（可选）"))
        self.text.setMaximumHeight(100)
        self.error = _error_label(self)
        self.add_button = QPushButton(self.tr("新增"), self)
        self.save_button = QPushButton(self.tr("保存修改"), self)
        self.delete_button = QPushButton(self.tr("删除"), self)
        close = QDialogButtonBox(QDialogButtonBox.Close, self)
        close.button(QDialogButtonBox.Close).setText(self.tr("关闭"))
        close.rejected.connect(self.reject)
        row = QHBoxLayout()
        for b in (self.add_button, self.save_button, self.delete_button):
            row.addWidget(b)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addWidget(QLabel(self.tr("名称"), self))
        layout.addWidget(self.title)
        layout.addWidget(QLabel(self.tr("条文"), self))
        layout.addWidget(self.text)
        layout.addWidget(self.error)
        layout.addLayout(row)
        layout.addWidget(close)
        self.resize(560, 460)
        self.list.currentRowChanged.connect(self._selected)
        self.add_button.clicked.connect(lambda: self._save(None))
        self.save_button.clicked.connect(lambda: self._save(self._current_id()))
        self.delete_button.clicked.connect(self._delete)
        self._update_buttons()
        self.busy = True
        service.form_data(lambda data: self._show(data.legal_bases, emit=False), self._failed)

    def _current_id(self) -> int | None:
        item = self.list.currentItem()
        return item.data(ID_ROLE) if item is not None else None

    def _show(self, bases, emit: bool = True) -> None:
        self.busy = False
        current = self._current_id()
        self.bases = tuple(bases)
        self.list.clear()
        for b in self.bases:
            item = QListWidgetItem(b.title, self.list)
            item.setData(ID_ROLE, b.id)
            item.setToolTip(b.text)
            if b.id == current:
                self.list.setCurrentItem(item)
        self._update_buttons()
        if emit:
            self.changed.emit(self.bases)

    def _selected(self, row: int) -> None:
        if 0 <= row < len(self.bases):
            self.title.setText(self.bases[row].title)
            self.text.setPlainText(self.bases[row].text)
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = self._current_id() is not None
        self.save_button.setEnabled(has)
        self.delete_button.setEnabled(has)

    def _save(self, basis_id: int | None) -> None:
        self.error.hide()
        self.busy = True
        self.service.save_legal_basis(self.title.text(), self.text.toPlainText(), basis_id, on_done=self._show,
                                      on_error=self._failed)

    def _delete(self) -> None:
        basis_id = self._current_id()
        if basis_id is None:
            return
        self.error.hide()
        self.busy = True
        self.service.delete_legal_basis(basis_id, on_done=self._show, on_error=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.error.setText(short_error(exc))
        self.error.show()


class TransitionDialog(QDialog):
    """One state change of a case: who and the comment (required for 撤销 and 复核不通过). The
    owner calls the core on `submitted`; a refusal comes back through show_error."""

    submitted = Signal(str, str, str)  # to_state, who, comment

    def __init__(self, record: CaseRecord, to_state: str, user: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("transitionDialog")
        self.record, self.to_state = record, to_state
        label = TRANSITION_LABELS.get((record.state, to_state), to_state)
        self.required = comment_required(record.state, to_state)
        self.saving = False
        self.setWindowTitle(label)
        head = QLabel(self.tr("案件 {0}：<span style='color:{1}'>{2}</span> → "
                              "<span style='color:{3}'>{4}</span>").format(
            record.number, state_color(record.state), record.state, state_color(to_state), to_state), self)
        head.setWordWrap(True)
        self.who = _who_field(user, self)
        self.comment = QPlainTextEdit(self)
        self.comment.setPlaceholderText(self.tr("必填：请说明理由") if self.required else self.tr("说明（可选）"))
        self.comment.setMaximumHeight(110)
        hint = QLabel(self.tr("此操作须填写理由，记入案件时间线") if self.required
                      else self.tr("操作人、时间和说明记入案件时间线"), self)
        hint.setStyleSheet(HINT_STYLE)
        self.error = _error_label(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.ok_button = self.buttons.button(QDialogButtonBox.Ok)
        self.ok_button.setText(label)
        self.buttons.button(QDialogButtonBox.Cancel).setText(self.tr("取消"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(head)
        layout.addWidget(QLabel(self.tr("操作人"), self))
        layout.addWidget(self.who)
        layout.addWidget(QLabel(self.tr("理由 / 说明"), self))
        layout.addWidget(self.comment)
        layout.addWidget(hint)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(460, 300)

    def submit(self) -> None:
        if self.saving:
            return
        self.error.hide()
        self.saving = True
        self.ok_button.setEnabled(False)
        self.submitted.emit(self.to_state, self.who.text().strip(), self.comment.toPlainText().strip())

    def show_error(self, text: str) -> None:
        self.saving = False
        self.ok_button.setEnabled(True)
        self.error.setText(text)
        self.error.show()


class DeleteDialog(QDialog):
    """删除案件: a reason and an explicit confirmation; the core's permission hook decides."""

    submitted = Signal(str, str)  # who, reason

    def __init__(self, record: CaseRecord, user: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("deleteCaseDialog")
        self.record = record
        self.saving = False
        self.setWindowTitle(self.tr("删除案件"))
        n = len(record.evidence)
        text = QLabel(self.tr("删除案件 {0}（{1}）？\n\n将删除案件的时间线和 {2} 项证据、{3} 条告警的关联；"
                              "证据文件本身保留。删除记入日志，无法撤销。").format(
            record.number, record.venue_name, n, len(record.alerts)), self)
        text.setWordWrap(True)
        self.who = _who_field(user, self)
        self.reason = QPlainTextEdit(self)
        self.reason.setPlaceholderText(self.tr("必填：删除理由"))
        self.reason.setMaximumHeight(90)
        self.confirm = QCheckBox(self.tr("我已确认删除此案件及其 {0} 项证据的关联").format(n), self)
        self.error = _error_label(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.ok_button = self.buttons.button(QDialogButtonBox.Ok)
        self.ok_button.setText(self.tr("删除"))
        self.ok_button.setEnabled(False)
        self.buttons.button(QDialogButtonBox.Cancel).setText(self.tr("取消"))
        self.buttons.accepted.connect(self.submit)
        self.buttons.rejected.connect(self.reject)
        self.confirm.toggled.connect(self._update)
        self.reason.textChanged.connect(self._update)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(QLabel(self.tr("操作人"), self))
        layout.addWidget(self.who)
        layout.addWidget(QLabel(self.tr("删除理由"), self))
        layout.addWidget(self.reason)
        layout.addWidget(self.confirm)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.resize(480, 320)

    def _update(self) -> None:
        self.ok_button.setEnabled(self.confirm.isChecked() and bool(self.reason.toPlainText().strip())
                                  and not self.saving)

    def submit(self) -> None:
        if self.saving or not self.confirm.isChecked():
            return
        self.error.hide()
        self.saving = True
        self._update()
        self.submitted.emit(self.who.text().strip(), self.reason.toPlainText().strip())

    def show_error(self, text: str) -> None:
        self.saving = False
        self._update()
        self.error.setText(text)
        self.error.show()
