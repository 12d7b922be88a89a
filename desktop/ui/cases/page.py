"""The 案件 page: filters and the counts per state on top, the list of cases (newest first),
the chosen case's detail below with what can be done to it. Every query and write runs on the
DB runner through the CaseService; pictures, seal checks and PDFs on the files runner.

Questions to the user are attributes (choose_save_path, choose_open_path, choose_printer,
notify) so tests answer them; dialogs open window-modal without a nested event loop and the
one open now is `self.dialog`."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from PySide6.QtCore import QDate, Qt, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.access import Action
from desktop.core.alerts import AlertRecord
from desktop.core.case_queries import OVERDUE, CaseEvidenceItem, CaseFilter, CaseRecord
from desktop.core.case_rules import RED, STATES, YELLOW
from desktop.services.case_service import CaseList, CaseService
from desktop.services.task_runner import TaskRunner
from desktop.ui.annotation_dialog import AnnotationDialog
from desktop.ui.cases.detail import CaseDetail
from desktop.ui.cases.dialogs import OTHER, CaseDialog, CasePreset, DeleteDialog, TransitionDialog, short_error
from desktop.ui.cases.model import COL_VENUE, CaseTableModel, card_color, state_color
from desktop.ui.clip_player_dialog import ClipPlayerDialog
from desktop.ui.picture_dialog import PictureDialog, load_full_picture
from desktop.ui.street_picker import fill_street_picker
from detectors.rules.violation import TIERS

log = logging.getLogger(__name__)


def _safe_name(text: str) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "_", text).strip("_") or "案件"


def _printer_name(printer) -> str:
    """What the 打印 audit entry names as the output: the file of a print to PDF, else the printer."""
    try:
        return Path(printer.outputFileName()).name or printer.printerName()
    except AttributeError:  # a test's stand-in printer
        return str(printer)


def load_image(path: Path) -> QImage:
    """Files runner: the full-resolution picture for the annotation editor."""
    return QImage(str(path))


def preset_from_alerts(records: list[AlertRecord]) -> CasePreset:
    """Venue, category, tier and facts of a case filed from these alerts (oldest first)."""
    records = sorted(records, key=lambda r: r.at)
    first = records[0]
    lines = [f"{r.at.astimezone().strftime('%Y-%m-%d %H:%M:%S')}，{r.venue_name}「{r.camera_name}」监控画面发现"
             f"{r.category}（{r.reason or r.rule_id}）。" for r in records]
    alerts = tuple((r.id, f"{r.at.astimezone().strftime('%m-%d %H:%M:%S')} {r.camera_name} {r.category} "
                          f"{r.tier} {r.reason}") for r in records)
    return CasePreset(venue_id=first.venue_id, category=first.category, tier=first.tier, facts="\n".join(lines),
                      alerts=alerts)


class CasesPage(QWidget):
    message = Signal(str)  # for the status bar
    showRequested = Signal()  # bring this page to the front (a case opened from elsewhere)

    def __init__(self, service: CaseService, files: TaskRunner, evidence_root: Path,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("casesPage")
        self.service = service
        self.files = files
        self.evidence_root = evidence_root
        self.filters = CaseFilter()
        self.dialog: QWidget | None = None
        self.last_message = ""
        self.message_box: QMessageBox | None = None
        self.loaded_once = False
        self._wanted_case: int | None = None
        self._syncing = False  # selecting a row from code: no second read of the case
        # Answerable by tests.
        self.choose_save_path: Callable[[str, str, str], Path | None] = self._choose_save_path
        self.choose_open_path: Callable[[str, str], Path | None] = self._choose_open_path
        self.choose_printer: Callable[[], object] = self._choose_printer
        self.notify: Callable[[str, bool], None] = self._notify
        self.model = CaseTableModel(self)

        # -- filters ---------------------------------------------------------------------------
        self.new_button = QPushButton(self.tr("立案"), self)
        self.new_button.setObjectName("primaryButton")
        self.import_button = QPushButton(self.tr("导入案件包"), self)
        self.text = QLineEdit(self)
        self.text.setPlaceholderText(self.tr("单位名称或案件编号"))
        self.text.setClearButtonEnabled(True)
        self.text.setMinimumWidth(180)
        self.street = QComboBox(self)
        fill_street_picker(self.street, ())
        self.category = QComboBox(self)
        self.category.addItem(self.tr("全部类型"), None)
        for cat in [*TIERS, OTHER]:
            self.category.addItem(cat, cat)
        self.handler = QLineEdit(self)
        self.handler.setPlaceholderText(self.tr("承办人"))
        self.handler.setClearButtonEnabled(True)
        self.handler.setMaximumWidth(110)
        self.use_dates = QCheckBox(self.tr("立案日期"), self)
        self.since = QDateEdit(QDate.currentDate().addDays(-30), self)
        self.until = QDateEdit(QDate.currentDate(), self)
        for d in (self.since, self.until):
            d.setCalendarPopup(True)
            d.setDisplayFormat("yyyy-MM-dd")
            d.setEnabled(False)
        self.card = QComboBox(self)
        for label, value in ((self.tr("全部期限"), None), (self.tr("逾期（黄牌或红牌）"), OVERDUE),
                             (self.tr("黄牌"), YELLOW), (self.tr("红牌"), RED)):
            self.card.addItem(label, value)
        self.refresh_button = QPushButton(self.tr("刷新"), self)
        bar = QHBoxLayout()
        bar.setContentsMargins(8, 6, 8, 2)
        bar.setSpacing(6)
        bar.addWidget(self.new_button)
        bar.addWidget(self.import_button)
        bar.addSpacing(12)
        bar.addWidget(self.text)
        bar.addWidget(self.street)
        bar.addWidget(self.category)
        bar.addWidget(self.handler)
        bar.addWidget(self.use_dates)
        bar.addWidget(self.since)
        bar.addWidget(QLabel("—", self))
        bar.addWidget(self.until)
        bar.addWidget(self.card)
        bar.addWidget(self.refresh_button)
        bar.addStretch(1)
        # -- counts per state (they are the state filter too) ---------------------------------
        self.state_group = QButtonGroup(self)
        self.state_group.setExclusive(True)
        self.state_buttons: dict[str | None, QToolButton] = {}
        states = QHBoxLayout()
        states.setContentsMargins(8, 2, 8, 6)
        states.setSpacing(4)
        for state in (None, *STATES):
            b = QToolButton(self)
            b.setObjectName("stateFilter")
            b.setCheckable(True)
            b.setProperty("state", state or "")
            if state:
                b.setStyleSheet(f"QToolButton#stateFilter:!checked {{ color: {state_color(state)}; }}")
            self.state_group.addButton(b)
            self.state_buttons[state] = b
            states.addWidget(b)
        self.state_buttons[None].setChecked(True)
        states.addSpacing(16)
        self.card_counts = QLabel(self)
        self.card_counts.setObjectName("cardCounts")
        states.addWidget(self.card_counts)
        states.addStretch(1)
        self.total = QLabel(self)
        states.addWidget(self.total)
        self._show_counts({}, {}, 0)

        # -- list and detail -------------------------------------------------------------------
        self.table = QTableView(self)
        self.table.setObjectName("caseTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(COL_VENUE, QHeaderView.Stretch)
        self.detail = CaseDetail(files, evidence_root, self, session=service.session)
        split = QSplitter(Qt.Vertical, self)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(1, 1)
        split.setSizes([200, 640])
        self.splitter = split
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addLayout(states)
        layout.addWidget(split, 1)

        # -- wiring ----------------------------------------------------------------------------
        self._reload_timer = QTimer(self, singleShot=True, interval=250)
        self._reload_timer.timeout.connect(self.reload)
        for combo in (self.street, self.category, self.card):
            combo.currentIndexChanged.connect(self.reload)
        for edit in (self.text, self.handler):
            edit.textChanged.connect(lambda _t: self._reload_timer.start())
        self.use_dates.toggled.connect(self._dates_toggled)
        self.since.dateChanged.connect(lambda _d: self.use_dates.isChecked() and self.reload())
        self.until.dateChanged.connect(lambda _d: self.use_dates.isChecked() and self.reload())
        self.state_group.buttonClicked.connect(lambda _b: self.reload())
        self.refresh_button.clicked.connect(self.reload)
        self.new_button.clicked.connect(lambda: self.new_case())
        self.import_button.clicked.connect(self.import_package)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _: self._select(cur.row()))
        d = self.detail
        d.transitionRequested.connect(self.request_transition)
        d.editRequested.connect(self.edit_case)
        d.printRequested.connect(self.print_case)
        d.pdfRequested.connect(lambda: self.export_pdf(notice=False))
        d.noticeRequested.connect(lambda: self.export_pdf(notice=True))
        d.exportRequested.connect(self.export_package)
        d.deleteRequested.connect(self.delete_case)
        d.addEvidenceRequested.connect(self.add_evidence_file)
        d.annotateRequested.connect(self.annotate)
        d.openRequested.connect(self.open_evidence)
        self.viewers: list[QWidget] = []  # open picture and clip viewers (non-modal)
        service.caseChanged.connect(self._on_changed)
        service.caseDeleted.connect(self._on_deleted)
        service.session.changed.connect(lambda _actor: self._user_changed())
        self.apply_role()

    # -- the logged-in user ---------------------------------------------------------------------
    @property
    def session(self):
        return self.service.session

    @property
    def user(self) -> str:
        """The name the dialogs show as 操作人 (the core records the logged-in user)."""
        return self.session.actor.name

    def apply_role(self) -> None:
        """立案 and 导入 only for roles that do case work; the detail pane does the rest."""
        self.new_button.setVisible(self.session.can(Action.CREATE_CASE))
        self.import_button.setVisible(self.session.can(Action.IMPORT_CASE))

    def _user_changed(self) -> None:
        """Another user logged in: their rights, and their streets' cases only."""
        self.apply_role()
        for dialog in (self.dialog, self.message_box):
            if dialog is not None and dialog.isVisible():
                dialog.close()  # begun by the previous user
        self.detail.show_record(None)
        self._wanted_case = None
        self.loaded_once = False  # the street filter offers the new user's streets
        self.reload()

    # -- filters and loading --------------------------------------------------------------------
    def set_streets(self, streets: list[str]) -> None:
        fill_street_picker(self.street, streets)

    def set_state_filter(self, state: str | None) -> None:
        self.state_buttons[state].setChecked(True)
        self.reload()

    def show_filtered(self, state: str | None = None, street: str | None = None, category: str | None = None,
                      since=None, until=None) -> None:
        """Show the cases of these filters (and only these): from the 统计 page's funnel. `since`
        and `until` are dates of 立案, `until` exclusive; None = no date filter."""
        widgets = (self.street, self.category, self.card, self.text, self.handler, self.use_dates, self.since,
                   self.until)
        for w in widgets:
            w.blockSignals(True)
        try:
            if street is not None and self.street.findData(street) < 0:
                self.street.addItem(street, street)
            self.street.setCurrentIndex(max(0, self.street.findData(street)))
            if category is not None and self.category.findData(category) < 0:
                self.category.addItem(category, category)
            self.category.setCurrentIndex(max(0, self.category.findData(category)))
            self.card.setCurrentIndex(0)
            self.text.clear()
            self.handler.clear()
            dated = since is not None or until is not None
            self.use_dates.setChecked(dated)
            self.since.setEnabled(dated)
            self.until.setEnabled(dated)
            if since is not None:
                self.since.setDate(QDate(since))
            if until is not None:
                self.until.setDate(QDate(until - timedelta(days=1)))
        finally:
            for w in widgets:
                w.blockSignals(False)
        self._reload_timer.stop()
        self.state_buttons[state if state in self.state_buttons else None].setChecked(True)
        self.showRequested.emit()
        self.reload()

    def _dates_toggled(self, on: bool) -> None:
        self.since.setEnabled(on)
        self.until.setEnabled(on)
        self.reload()

    def current_filter(self) -> CaseFilter:
        checked = self.state_group.checkedButton()
        state = checked.property("state") if checked is not None else ""
        since = until = None
        if self.use_dates.isChecked():
            since = self.since.date().toPython()
            until = self.until.date().toPython() + timedelta(days=1)
        return CaseFilter(state=state or None, street=self.street.currentData(), category=self.category.currentData(),
                          handler=self.handler.text().strip() or None, since=since, until=until,
                          card=self.card.currentData(), text=self.text.text().strip() or None)

    def reload(self) -> None:
        self.filters = self.current_filter()
        wanted = self.filters
        if not self.loaded_once:
            self.service.form_data(lambda data: self.set_streets(sorted({v.street for v in data.venues if v.street})),
                                   lambda _exc: None)

        def done(result) -> None:
            if isinstance(result, BaseException):
                self.message.emit(self.tr("加载案件失败：{0}").format(short_error(result)))
                return
            if wanted != self.filters:
                return  # a newer filter's answer is on its way
            self._loaded(result)

        self.service.load(wanted, done, done)

    def _loaded(self, result: CaseList) -> None:
        self.loaded_once = True
        selected = self.detail.record.id if self.detail.record else self._wanted_case
        self.model.set_rows(result.rows)
        self._show_counts(result.by_state, result.by_card, result.total)
        row = self.model.row_of(selected) if selected is not None else None
        self._syncing = True
        if row is not None:
            self.table.selectRow(row)
        else:
            self.table.clearSelection()
        self._syncing = False

    def _show_counts(self, by_state: dict[str, int], by_card: dict[str, int], total: int) -> None:
        for state, b in self.state_buttons.items():
            n = sum(by_state.values()) if state is None else by_state.get(state, 0)
            b.setText(self.tr("{0} {1}").format(state or self.tr("全部"), n))
        self.card_counts.setText(self.tr("<span style='color:{0}'>黄牌 {1}</span>　"
                                         "<span style='color:{2}'>红牌 {3}</span>").format(
            card_color(YELLOW), by_card.get(YELLOW, 0), card_color(RED), by_card.get(RED, 0)))
        self.total.setText(self.tr("共 {0} 件").format(total))

    # -- the case shown -------------------------------------------------------------------------
    def _select(self, row: int) -> None:
        if self._syncing:
            return
        summary = self.model.summary(row)
        if summary is not None:
            self.open_case(summary.id, bring_to_front=False)

    def open_case(self, case_id: int, bring_to_front: bool = True) -> None:
        """Show a case (from the list, the venue view, an alert); its row is selected when listed."""
        self._wanted_case = case_id
        if bring_to_front:
            self.showRequested.emit()
        row = self.model.row_of(case_id)
        if row is not None and self.table.currentIndex().row() != row:
            self._syncing = True
            self.table.selectRow(row)
            self._syncing = False

        def done(result) -> None:
            if isinstance(result, BaseException):
                self.notify(self.tr("读取案件失败：{0}").format(short_error(result)), True)
            elif self._wanted_case == case_id:
                self.show_case(result)

        self.service.get(case_id, done, done)

    def show_case(self, record: CaseRecord) -> None:
        self.detail.show_record(record)
        ids = tuple(e.evidence_id for e in record.evidence)
        if ids:
            self.service.check_evidence(ids, lambda problems, cid=record.id: self.detail.set_problems(cid, problems),
                                        lambda exc: self.message.emit(self.tr("核验证据失败：{0}").format(exc)))

    def _on_changed(self, record: CaseRecord) -> None:
        if self.detail.record is not None and self.detail.record.id == record.id:
            self.show_case(record)
        self._reload_timer.start()

    def _on_deleted(self, case_id: int) -> None:
        if self.detail.record is not None and self.detail.record.id == case_id:
            self.detail.show_record(None)
            self._wanted_case = None
        self.reload()

    # -- 立案 and 编辑 ---------------------------------------------------------------------------
    def _open(self, dialog: QWidget) -> QWidget:
        old = self.dialog
        if old is not None and not old.isVisible() and not getattr(old, "saving", False):
            old.deleteLater()
        self.dialog = dialog
        dialog.open()
        return dialog

    def new_case(self, preset: CasePreset | None = None) -> CaseDialog:
        dlg = CaseDialog(self.service, None, preset, self.user, self)
        dlg.saved.connect(lambda r: self._filed(r))
        return self._open(dlg)

    def new_case_from_alerts(self, records: list[AlertRecord]) -> CaseDialog | None:
        """立案 from the 告警 page: venue, category, tier and facts from the alerts."""
        if not records:
            return None
        return self.new_case(preset_from_alerts(records))

    def _filed(self, record: CaseRecord) -> None:
        self.message.emit(self.tr("已立案：{0}").format(record.number))
        self.open_case(record.id)
        self.reload()

    def edit_case(self) -> CaseDialog | None:
        record = self.detail.record
        if record is None:
            return None
        dlg = CaseDialog(self.service, record, None, self.user, self)
        dlg.saved.connect(lambda r: self.message.emit(self.tr("已保存案件 {0}").format(r.number)))
        return self._open(dlg)

    # -- transitions and deleting ---------------------------------------------------------------
    def request_transition(self, to_state: str) -> TransitionDialog | None:
        record = self.detail.record
        if record is None:
            return None
        dlg = TransitionDialog(record, to_state, self.user, self)

        def submitted(state: str, _who: str, comment: str) -> None:
            def done(result) -> None:
                if isinstance(result, BaseException):
                    text = short_error(result)
                    dlg.show_error(text)
                    self.last_message = text
                    self.message.emit(self.tr("操作被拒绝：{0}").format(text))
                else:
                    dlg.accept()
                    self.message.emit(self.tr("案件 {0} 已转为「{1}」").format(result.number, result.state))

            self.service.transition(record.id, state, comment, on_done=done, on_error=done)

        dlg.submitted.connect(submitted)
        return self._open(dlg)

    def delete_case(self) -> DeleteDialog | None:
        record = self.detail.record
        if record is None:
            return None
        dlg = DeleteDialog(record, self.user, self)

        def submitted(_who: str, reason: str) -> None:
            def done(result) -> None:
                if isinstance(result, BaseException):
                    text = short_error(result)
                    dlg.show_error(text)
                    self.last_message = text
                else:
                    dlg.accept()
                    self.message.emit(self.tr("已删除案件 {0}").format(record.number))

            self.service.delete(record.id, reason, on_done=done, on_error=done)

        dlg.submitted.connect(submitted)
        return self._open(dlg)

    # -- evidence -------------------------------------------------------------------------------
    def add_evidence_file(self) -> None:
        record = self.detail.record
        if record is None:
            return
        path = self.choose_open_path(self.tr("选择证据文件"), self.tr("图片或视频 (*.png *.jpg *.jpeg *.mp4)"))
        if path is None:
            return

        def done(result) -> None:
            if isinstance(result, BaseException):
                self.notify(self.tr("添加证据失败：{0}").format(short_error(result)), True)
            else:
                self.message.emit(self.tr("已添加证据 {0}").format(Path(path).name))

        self.service.add_file(record.id, record.venue_id, Path(path), on_done=done, on_error=done)

    def annotate(self, item: CaseEvidenceItem) -> None:
        """Double-click on a picture: the editor on the original (with the shapes of an annotated
        version, to edit them again); the result is new evidence linked to that original."""
        record = self.detail.record
        if record is None or not self.session.can(Action.ANNOTATE):
            return
        if item.derived_from_id is None:
            self._annotate_on(record, item.evidence_id, item.rel_path, "", item)
            return
        known = next((e for e in record.evidence if e.evidence_id == item.derived_from_id), None)
        if known is not None:
            self._annotate_on(record, known.evidence_id, known.rel_path, item.annotation_json, item)
            return

        def found(result) -> None:
            if isinstance(result, BaseException) or not result:
                self.notify(self.tr("找不到标注图的原图"), True)
            else:
                self._annotate_on(record, result[0].id, result[0].rel_path, item.annotation_json, item)

        self.service.evidence((item.derived_from_id,), found, found)

    def _annotate_on(self, record: CaseRecord, original_id: int, rel_path: str, shapes: str,
                     item: CaseEvidenceItem) -> None:
        if original_id in self.detail.problems:
            self.notify(self.tr("原图{0}，不能标注").format(self.detail.problems[original_id]), True)
            return

        def loaded(image) -> None:
            if not isinstance(image, QImage) or image.isNull():
                self.notify(self.tr("图片无法读取"), True)
                return
            subtitle = f"{record.number} · {item.role or item.kind}"
            opened = "标注编辑器" if item.evidence_id == original_id else f"标注编辑器（标注图 {item.evidence_id}）"
            self._audit_view(record, original_id, opened)
            result = AnnotationDialog.annotate(image, shapes, subtitle, self)
            if result is None:
                return
            png, shapes_json = result

            def done(r) -> None:
                if isinstance(r, BaseException):
                    self.notify(self.tr("保存标注失败：{0}").format(short_error(r)), True)
                else:
                    self.message.emit(self.tr("已保存标注图（原图不变）"))

            self.service.add_annotated(record.id, original_id, png, shapes_json, on_done=done, on_error=done)

        self.files.submit(load_image, self.evidence_root / rel_path, on_done=loaded, on_error=loaded)

    def open_evidence(self, item: CaseEvidenceItem) -> QWidget | None:
        """Double-click on evidence by a user who does not annotate it: a picture large, a clip
        in the player; either is an audited view (查看证据)."""
        record = self.detail.record
        if record is None:
            return None
        if item.evidence_id in self.detail.problems:
            self.notify(self.tr("证据{0}，无法查看").format(self.detail.problems[item.evidence_id]), True)
            return None
        path = self.evidence_root / item.rel_path
        title = f"{record.number} · {item.role or item.kind}"
        if item.media_type.startswith("video/"):
            dlg = ClipPlayerDialog(path, venue_name=record.venue_name, clip_start=item.captured_at, parent=self)
            self._show_viewer(dlg)
            self._audit_view(record, item.evidence_id, "播放录像")
            return dlg

        def loaded(image) -> None:
            if not isinstance(image, QImage) or image.isNull():
                self.notify(self.tr("图片无法读取"), True)
                return
            self._show_viewer(PictureDialog(image, title, self))
            self._audit_view(record, item.evidence_id, "查看大图")

        self.files.submit(load_full_picture, path, on_done=loaded, on_error=loaded)
        return None

    def _show_viewer(self, dlg: QWidget) -> None:
        dlg.setAttribute(Qt.WA_DeleteOnClose)
        dlg.destroyed.connect(lambda _=None, d=dlg: self.viewers.remove(d) if d in self.viewers else None)
        self.viewers.append(dlg)
        dlg.show()

    def _audit_view(self, record: CaseRecord, evidence_id: int, opened: str) -> None:
        """The 查看证据 entry, written on the DB runner (never here on the GUI thread)."""
        self.service.record_evidence_view(
            record.number, evidence_id, opened,
            on_error=lambda exc: self.message.emit(self.tr("查看证据未能记入审计日志：{0}").format(short_error(exc))))

    # -- documents and packages -----------------------------------------------------------------
    def print_case(self) -> None:
        """QPrintDialog, then the case sheet printed on the GUI thread (the printer is Qt's)."""
        record = self.detail.record
        if record is None:
            return

        def loaded(sheet) -> None:
            if isinstance(sheet, BaseException):
                self.notify(self.tr("读取案件失败：{0}").format(short_error(sheet)), True)
                return
            printer = self.choose_printer()
            if printer is None:
                return
            from desktop.documents.render import print_document

            try:
                print_document(sheet, printer)
            except Exception as exc:  # noqa: BLE001 - a printer's failure is shown, never raised
                log.exception("printing case %s failed", record.id)
                self.notify(self.tr("打印失败：{0}").format(exc), True)
                return
            self.message.emit(self.tr("已发送到打印机：{0}").format(record.number))
            self.service.record_print(
                record.number, "case_sheet", _printer_name(printer),
                on_error=lambda exc: self.message.emit(self.tr("打印未能记入审计日志：{0}").format(short_error(exc))))

        self.service.load_sheet(record.id, loaded, loaded)

    def export_pdf(self, notice: bool = False) -> None:
        record = self.detail.record
        if record is None:
            return
        kind = self.tr("责令改正通知书") if notice else self.tr("案件登记表")
        path = self.choose_save_path(self.tr("导出{0} PDF").format(kind), f"{kind}_{_safe_name(record.number)}.pdf",
                                     self.tr("PDF 文件 (*.pdf)"))
        if path is None:
            return

        def done(result) -> None:
            if isinstance(result, BaseException):
                self.notify(self.tr("导出 PDF 失败：{0}").format(short_error(result)), True)
            else:
                self.notify(self.tr("已导出 {0}：{1}").format(kind, result), False)

        self.service.export_pdf(record.id, Path(path), on_done=done, on_error=done, notice=notice,
                                number=record.number)

    def export_package(self) -> None:
        record = self.detail.record
        if record is None:
            return
        path = self.choose_save_path(self.tr("导出案件包"), f"{_safe_name(record.number)}.zip",
                                     self.tr("案件包 (*.zip)"))
        if path is None:
            return

        def done(result) -> None:
            if isinstance(result, BaseException):
                self.notify(self.tr("导出案件包失败：{0}").format(short_error(result)), True)
            else:
                self.notify(self.tr("已导出案件包 {0}：{1} 个证据文件，含案件登记表 PDF\n{2}").format(
                    result.number, result.evidence_files, result.path), False)

        self.service.export_package(record.id, Path(path), on_done=done, on_error=done)

    def import_package(self) -> None:
        path = self.choose_open_path(self.tr("导入案件包"), self.tr("案件包 (*.zip)"))
        if path is None:
            return

        def done(result) -> None:
            if isinstance(result, BaseException):
                self.notify(self.tr("导入被拒绝：{0}").format(result), True)
                return
            self.notify(result.message(), False)
            self.open_case(result.case_id)
            self.reload()

        self.service.import_package(Path(path), on_done=done, on_error=done)

    # -- default answers (real dialogs) ---------------------------------------------------------
    def _notify(self, text: str, error: bool = False) -> None:
        self.last_message = text
        self.message.emit(text.splitlines()[0] if text else "")
        if self.message_box is not None:
            self.message_box.close()
            self.message_box.deleteLater()
        box = QMessageBox(QMessageBox.Warning if error else QMessageBox.Information,
                          self.tr("案件"), text, QMessageBox.Ok, self)
        box.button(QMessageBox.Ok).setText(self.tr("确定"))
        box.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.message_box = box
        box.open()

    def _choose_save_path(self, title: str, name: str, filters: str) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(self, title, str(Path.home() / name), filters)
        return Path(path) if path else None

    def _choose_open_path(self, title: str, filters: str) -> Path | None:
        path, _ = QFileDialog.getOpenFileName(self, title, str(Path.home()), filters)
        return Path(path) if path else None

    def _choose_printer(self):
        from PySide6.QtPrintSupport import QPrintDialog, QPrinter

        printer = QPrinter(QPrinter.HighResolution)
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle(self.tr("打印案件登记表"))
        return printer if dialog.exec() == QPrintDialog.Accepted else None
