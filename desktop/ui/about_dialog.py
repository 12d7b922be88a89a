"""关于: the version, where the data and logs are, and the licences of the bundled AI models and of
the libraries the program carries (desktop/licences.py gathers them, with the versions loaded)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop import paths
from desktop.bundle import app_version, frozen
from desktop.licences import LicenceRow, library_licences, model_licences
from desktop.logging_setup import current_log_file


def _table(rows: list[LicenceRow], headers: list[str], parent: QWidget) -> QTableWidget:
    t = QTableWidget(len(rows), 4, parent)
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().hide()
    t.setEditTriggers(QAbstractItemView.NoEditTriggers)
    t.setSelectionBehavior(QAbstractItemView.SelectRows)
    for r, row in enumerate(rows):
        for c, text in enumerate((row.component, row.version, row.licence, row.note)):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            t.setItem(r, c, item)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
    t.horizontalHeader().setStretchLastSection(True)
    return t


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("关于 明厨亮灶监管工作台"))
        self.resize(820, 520)
        layout = QVBoxLayout(self)
        build = self.tr("安装版") if frozen() else self.tr("源码运行")
        log_file = current_log_file()
        info = QLabel(self.tr("<h3>明厨亮灶监管工作台</h3>版本 {0}（{1}）<br>数据目录：{2}<br>日志：{3}").format(
            app_version(), build, paths.data_dir(), log_file or paths.log_dir()), self)
        info.setTextInteractionFlags(Qt.TextSelectableByMouse)
        info.setObjectName("aboutInfo")
        layout.addWidget(info)
        tabs = QTabWidget(self)
        headers = [self.tr("组件"), self.tr("版本"), self.tr("许可证"), self.tr("说明")]
        self.models_table = _table(model_licences(), [self.tr("模型"), headers[1], headers[2], self.tr("来源")], tabs)
        self.libraries_table = _table(library_licences(), headers, tabs)
        tabs.addTab(self.models_table, self.tr("AI 模型许可证"))
        tabs.addTab(self.libraries_table, self.tr("第三方库许可证"))
        layout.addWidget(tabs, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
