"""The result of an import (or of its dry run): counts, file notes, and the rows in a table that
filters by action, errors highlighted."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.venue_io import ImportReport
from desktop.core.venue_io.report import ACTION_LABELS, ACTIONS, FORMAT_LABELS

ERROR_BG = QColor("#7f1d1d")
ERROR_FG = QColor("#fee2e2")
ACTION_COLORS = {"added": "#4ade80", "updated": "#60a5fa", "skipped": "#fbbf24"}


class ImportReportView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report: ImportReport | None = None
        self.summary = QLabel(self)
        self.summary.setObjectName("importSummary")
        self.summary.setWordWrap(True)
        font = self.summary.font()
        font.setBold(True)
        self.summary.setFont(font)
        self.notes = QLabel(self)
        self.notes.setObjectName("importNotes")
        self.notes.setWordWrap(True)
        self.notes.setStyleSheet("color: #9ca3af;")
        self.filter_box = QComboBox(self)
        self.filter_box.currentIndexChanged.connect(lambda _i: self._apply_filter())
        columns = [self.tr("工作表"), self.tr("行号"), self.tr("结果"), self.tr("单位名称"), self.tr("说明")]
        self.table = QTableWidget(0, len(columns), self)
        self.table.setHorizontalHeaderLabels(columns)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Interactive)
        header.setSectionResizeMode(4, QHeaderView.Stretch)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("显示"), self))
        row.addWidget(self.filter_box)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addWidget(self.notes)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)

    def set_report(self, report: ImportReport) -> None:
        self.report = report
        self.summary.setText(self.summary_text(report))
        notes = list(report.notes) + ([report.failure] if report.failure else [])
        self.notes.setText("\n".join(notes))
        self.notes.setVisible(bool(notes))
        self.filter_box.blockSignals(True)
        self.filter_box.clear()
        self.filter_box.addItem(self.tr("全部（{0}）").format(len(report.rows)), None)
        for action in ACTIONS:
            n = report.counts.get(action, 0)
            if n:
                self.filter_box.addItem(f"{self.tr(ACTION_LABELS[action])}（{n}）", action)
        self.filter_box.setCurrentIndex(max(0, self.filter_box.findData("error")))
        self.filter_box.blockSignals(False)
        self.table.setRowCount(len(report.rows))
        for r, row in enumerate(report.rows):
            cells = (row.sheet, str(row.row), self.tr(ACTION_LABELS[row.action]), row.venue, row.message)
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c == 1:
                    item.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                if c == 4 and text:
                    item.setToolTip(text)
                if row.action == "error":
                    item.setBackground(QBrush(ERROR_BG))
                    item.setForeground(QBrush(ERROR_FG))
                elif c == 2 and row.action in ACTION_COLORS:
                    item.setForeground(QBrush(QColor(ACTION_COLORS[row.action])))
                self.table.setItem(r, c, item)
        self._fit_columns()
        self._apply_filter()

    def _fit_columns(self) -> None:
        """Widths from every row, hidden ones included (the filter must not squeeze names)."""
        fm = self.table.fontMetrics()
        pad = 18
        for col in range(4):
            texts = [self.table.horizontalHeaderItem(col).text()]
            texts += [self.table.item(r, col).text() for r in range(min(self.table.rowCount(), 2000))]
            width = max(fm.horizontalAdvance(t) for t in texts) + pad
            self.table.setColumnWidth(col, min(width, 280))

    def summary_text(self, report: ImportReport) -> str:
        fmt = FORMAT_LABELS.get(report.format, report.format)
        counts = self.tr("新增 {0} · 更新 {1} · 未变 {2} · 跳过 {3} · 错误 {4}").format(
            report.added, report.updated, report.unchanged, report.skipped, report.errors)
        if report.committed:
            state = self.tr("已导入：新增单位 {0} 个、更新 {1} 个，新增摄像头 {2} 个、更新 {3} 个").format(
                report.venues_added, report.venues_updated, report.cameras_added, report.cameras_updated)
        elif report.failure:
            state = self.tr("数据库写入失败，已全部回滚，没有写入任何数据")
        elif report.errors:
            state = self.tr("文件中有 {0} 行错误：请修改表格后重新导入，本次不会写入任何数据").format(report.errors)
        elif report.dry_run and not (report.added or report.updated):
            state = self.tr("检查完成：没有需要导入的变化")
        elif report.dry_run:
            state = self.tr("检查完成，尚未写入。确认无误后点击「确认导入」")
        else:
            state = self.tr("没有写入任何数据")
        return f"{fmt}：{counts}\n{state}"

    def _apply_filter(self) -> None:
        if self.report is None:
            return
        action = self.filter_box.currentData()
        for r, row in enumerate(self.report.rows):
            self.table.setRowHidden(r, action is not None and row.action != action)

    def shown_rows(self) -> list[tuple[str, str]]:
        """(结果, 单位名称) of the rows the filter lets through (for tests)."""
        return [(self.table.item(r, 2).text(), self.table.item(r, 3).text())
                for r in range(self.table.rowCount()) if not self.table.isRowHidden(r)]
