"""Import a spreadsheet: options (默认街镇, 默认单位类型) → a dry run in the background with a
progress bar → the result (counts and rows) → "确认导入" runs the real import, also in the
background. A file that cannot be read says why, and nothing changes."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.venue_io import ImportDefaults, ImportReport
from desktop.core.vocabulary import VENUE_TYPES
from desktop.services.registry_service import RegistryService, error_text
from desktop.ui.registry.form import ERROR_STYLE
from desktop.ui.registry.import_report_view import ImportReportView

log = logging.getLogger(__name__)


class ImportDialog(QDialog):
    def __init__(self, service: RegistryService, path: Path, streets: Sequence[str],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.path = path
        self.report: ImportReport | None = None  # the last result (dry run or real)
        self.running = False
        self.choose_report_file: Callable[[], Path | None] = self._choose_report_file
        self.setWindowTitle(self.tr("导入单位档案"))
        self.resize(860, 560)
        file_label = QLabel(self.tr("文件：{0}").format(path.name), self)
        file_label.setToolTip(str(path))
        self.street = QComboBox(self, editable=True)
        self.street.addItem("")
        self.street.addItems(list(streets))
        self.street.lineEdit().setPlaceholderText(self.tr("（不指定）"))
        self.venue_type = QComboBox(self)
        self.venue_type.addItem(self.tr("（不指定）"), "")
        for t in VENUE_TYPES:
            self.venue_type.addItem(t, t)
        options = QFormLayout()
        options.addRow(self.tr("默认街镇"), self.street)
        options.addRow(self.tr("默认单位类型"), self.venue_type)
        hint = QLabel(self.tr("默认值只用于表格中没有填写街镇或单位类型的行，不会覆盖已有数据。"), self)
        hint.setStyleSheet("color: #9ca3af;")
        hint.setWordWrap(True)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.progress.setTextVisible(True)
        self.progress.hide()
        self.result_view = ImportReportView(self)
        self.result_view.hide()
        self.check_button = QPushButton(self.tr("检查文件"), self)
        self.confirm_button = QPushButton(self.tr("确认导入"), self)
        self.save_report_button = QPushButton(self.tr("保存结果…"), self)
        self.close_button = QPushButton(self.tr("关闭"), self)
        self.confirm_button.hide()
        self.save_report_button.hide()
        self.check_button.setDefault(True)
        self.check_button.clicked.connect(self.check)
        self.confirm_button.clicked.connect(self.confirm)
        self.save_report_button.clicked.connect(self.save_report)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.save_report_button)
        buttons.addStretch(1)
        for b in (self.check_button, self.confirm_button, self.close_button):
            buttons.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(file_label)
        layout.addLayout(options)
        layout.addWidget(hint)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(self.result_view, 1)
        layout.addLayout(buttons)
        service.progress.connect(self._progress)

    def defaults(self) -> ImportDefaults:
        street = self.street.currentText().strip()
        return ImportDefaults(street=street or None, venue_type=self.venue_type.currentData() or None)

    # -- running -----------------------------------------------------------------------------
    def check(self) -> None:
        """The dry run: reads and checks everything, writes nothing."""
        self._start(dry_run=True, text=self.tr("正在检查文件……"))

    def confirm(self) -> None:
        """The real import, with the same options as the dry run the person just saw."""
        self._start(dry_run=False, text=self.tr("正在导入……"))

    def _start(self, *, dry_run: bool, text: str) -> None:
        if self.running:
            return
        self.running = True
        self._dry_run = dry_run
        for w in (self.check_button, self.confirm_button, self.street, self.venue_type, self.close_button):
            w.setEnabled(False)
        self.progress.setRange(0, 0)  # busy until the first figure arrives
        self.progress.show()
        self._show_status(text)
        self.service.import_venues(self.path, dry_run=dry_run, defaults=self.defaults(),
                                   on_done=self._finished, on_error=self._failed)

    def _progress(self, done: int, total: int) -> None:
        if not self.running:
            return
        if total <= 0 or done >= total:
            self.progress.setRange(0, 0)  # the rows are read; the database part has no figures
            self._show_status(self.tr("正在核对数据库……") if self._dry_run else self.tr("正在写入数据库……"))
            return
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.progress.setFormat(self.tr("第 %v / %m 行"))

    def _finished(self, report: ImportReport) -> None:
        self.running = False
        self.report = report
        self.progress.hide()
        self.close_button.setEnabled(True)
        self.result_view.set_report(report)
        self.result_view.show()
        self.save_report_button.show()
        self._show_status("")
        if report.committed:
            self.check_button.hide()
            self.confirm_button.hide()
            self.close_button.setText(self.tr("完成"))
            return
        for w in (self.check_button, self.street, self.venue_type):
            w.setEnabled(True)
        self.check_button.setText(self.tr("重新检查"))
        can_import = report.dry_run and report.ok and bool(report.added or report.updated)
        self.confirm_button.setVisible(report.dry_run)
        self.confirm_button.setEnabled(can_import)
        if can_import:
            self.confirm_button.setDefault(True)

    def _failed(self, exc: BaseException) -> None:
        """Unreadable file, wrong columns, bad defaults: nothing was written."""
        self.running = False
        self.progress.hide()
        for w in (self.check_button, self.street, self.venue_type, self.close_button):
            w.setEnabled(True)
        self.confirm_button.setEnabled(False)
        self._show_status(self.tr("无法导入：{0}\n没有写入任何数据。").format(error_text(exc)), ERROR_STYLE)

    def _show_status(self, text: str, style: str = "") -> None:
        self.status.setText(text)
        self.status.setStyleSheet(style)
        self.status.setVisible(bool(text))

    # -- report ------------------------------------------------------------------------------
    def save_report(self) -> None:
        if self.report is None:
            return
        path = self.choose_report_file()
        if path is None:
            return
        report = self.report
        self.service.db.submit(report.to_csv, Path(path),
                               on_done=lambda _r: self._show_status(self.tr("结果已保存到 {0}").format(path)),
                               on_error=lambda e: self._show_status(
                                   self.tr("保存结果失败：{0}").format(error_text(e)), ERROR_STYLE))

    def _choose_report_file(self) -> Path | None:
        suggested = str(self.path.with_suffix(".导入结果.csv"))
        path, _ = QFileDialog.getSaveFileName(self, self.tr("保存导入结果"), suggested, "CSV (*.csv)")
        return Path(path) if path else None

    def done(self, result: int) -> None:
        if self.running:
            return  # the import finishes first: closing now would hide its result
        try:
            self.service.progress.disconnect(self._progress)
        except (RuntimeError, TypeError):
            pass  # closed before
        super().done(result)
