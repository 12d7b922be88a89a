"""Export the registry to a spreadsheet in the background, with progress and a closing word
("已导出 N 个单位"). Credentials are never exported (desktop.core.venue_io)."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from desktop.services.registry_service import RegistryService, error_text
from desktop.ui.registry.form import ERROR_STYLE

log = logging.getLogger(__name__)


class ExportDialog(QDialog):
    def __init__(self, service: RegistryService, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.path = path
        self.summary = None  # ExportSummary once done
        self.running = False
        self.setWindowTitle(self.tr("导出单位档案"))
        self.setMinimumWidth(460)
        self.status = QLabel(self.tr("导出到：{0}").format(path), self)
        self.status.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.close_button = QPushButton(self.tr("关闭"), self)
        self.close_button.clicked.connect(self.accept)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.progress)
        layout.addLayout(row)
        service.progress.connect(self._progress)

    def start(self) -> None:
        self.running = True
        self.close_button.setEnabled(False)
        self.progress.setRange(0, 0)
        self.status.setText(self.tr("正在导出到 {0}……").format(self.path))
        self.service.export_venues(self.path, on_done=self._finished, on_error=self._failed)

    def _progress(self, done: int, total: int) -> None:
        if self.running and total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(done)

    def _finished(self, summary) -> None:
        self.running = False
        self.summary = summary
        self.progress.setRange(0, 1)
        self.progress.setValue(1)
        self.status.setText(self.tr("已导出 {0} 个单位、{1} 个摄像头到\n{2}").format(
            summary.venues, summary.cameras, summary.path))
        self.close_button.setEnabled(True)

    def _failed(self, exc: BaseException) -> None:
        self.running = False
        self.progress.hide()
        self.status.setText(self.tr("导出失败：{0}").format(error_text(exc)))
        self.status.setStyleSheet(ERROR_STYLE)
        self.close_button.setEnabled(True)

    def done(self, result: int) -> None:
        if self.running:
            return
        try:
            self.service.progress.disconnect(self._progress)
        except (RuntimeError, TypeError):
            pass
        super().done(result)
