"""导入插件模型: choose the model file and its manifest; the dialog shows what the manifest says
(id, family, labels → categories) and its licence, and 导入 stays disabled until the licence is
accepted. The check (OpenVINO loads the model, shapes and labels fit, one inference) and the copy
run off the GUI thread through detectors.store.import_plugin, the code path of `models import`:
a broken file is refused with the reason and the model directory is left as it was."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.services.task_runner import TaskRunner
from desktop.ui.settings.models_view import categories_text, kind_text, mapping_html
from detectors.manifest import Manifest, ManifestError
from detectors.store import PluginCheckError, StoreError, import_plugin, licence_text, read_plugin_manifest

log = logging.getLogger(__name__)

ERROR_STYLE = "color: #f87171;"
OK_STYLE = "color: #4ade80;"
HINT_STYLE = "color: #9ca3af;"


def read_manifest(path: Path, model_dir: Path) -> tuple[Manifest, str]:
    """Runner: the manifest and its licence text (from the manifest, or the licence file beside it)."""
    m = read_plugin_manifest(path)
    return m, licence_text(m, path.parent, model_dir)


def run_import(model: Path, manifest_path: Path, model_dir: Path, device: str, expected: Manifest):
    """Runner: open OpenVINO on the chosen device and import (check first, then copy)."""
    from detectors.runtime import open_runtime

    return import_plugin(model, manifest_path, model_dir, open_runtime(device), expected=expected)


def import_error_text(exc: BaseException) -> str:
    """The sentence a person reads when an import is refused."""
    if isinstance(exc, ManifestError):
        text = "清单无效，未导入：{0}"
    elif isinstance(exc, PluginCheckError):
        text = "模型校验失败，未导入，模型目录未改动：{0}"
    elif isinstance(exc, StoreError):
        text = "导入失败，模型目录未改动：{0}"
    else:
        text = "导入失败：{0}"
    return QCoreApplication.translate("ImportModelDialog", text).format(exc)


class ImportModelDialog(QDialog):
    imported = Signal(str, str)  # model id, display name

    def __init__(
        self,
        runner: TaskRunner,
        model_dir: Path,
        device: str,
        plugin_ids: set[str] | frozenset[str] = frozenset(),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("importModelDialog")
        self.runner = runner
        self.model_dir = model_dir
        self.device = device
        self.plugin_ids = set(plugin_ids)
        self.manifest: Manifest | None = None
        self.model_path: Path | None = None
        self.manifest_path: Path | None = None
        self.loading = False  # the manifest is being read
        self.running = False  # the check and copy are under way
        self.result = None  # (manifest, CheckResult, written) after a successful import
        self._generation = 0
        # Answerable by tests: choosers return a path or None.
        self.choose_model_file: Callable[[], Path | None] = self._choose_model_file
        self.choose_manifest_file: Callable[[], Path | None] = self._choose_manifest_file
        self.setWindowTitle(self.tr("导入插件模型"))
        self.resize(760, 720)

        self.model_edit = QLineEdit(self, readOnly=True)
        self.model_edit.setPlaceholderText(self.tr("OpenVINO IR (.xml，同目录下需有 .bin) 或 ONNX (.onnx)"))
        self.manifest_edit = QLineEdit(self, readOnly=True)
        self.manifest_edit.setPlaceholderText(self.tr("模型清单 (.toml)：标签、类别映射、许可证"))
        self.model_button = QPushButton(self.tr("选择…"), self)
        self.manifest_button = QPushButton(self.tr("选择…"), self)
        self.model_button.clicked.connect(self.pick_model_file)
        self.manifest_button.clicked.connect(self.pick_manifest_file)
        files = QFormLayout()
        for label, edit, button in (
            (self.tr("模型文件"), self.model_edit, self.model_button),
            (self.tr("清单文件"), self.manifest_edit, self.manifest_button),
        ):
            row = QHBoxLayout()
            row.addWidget(edit, 1)
            row.addWidget(button)
            files.addRow(label, row)

        self.info = QLabel(self)
        self.info.setWordWrap(True)
        self.info.setTextFormat(Qt.RichText)
        self.info.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.info.setAlignment(Qt.AlignTop | Qt.AlignLeft)
        self.info.setText(self.tr("请选择模型文件和它的清单。"))
        self.info.setStyleSheet(HINT_STYLE)

        licence_box = QFrame(self)
        licence_box.setObjectName("licenceBox")
        self.licence_name = QLabel(licence_box)
        self.licence_name.setObjectName("licenceName")
        self.licence_name.setWordWrap(True)
        self.licence_name.setText(self.tr("许可证：—"))
        self.licence_text = QPlainTextEdit(licence_box, readOnly=True)
        self.licence_text.setObjectName("licenceText")
        self.licence_text.setPlaceholderText(self.tr("许可证全文将显示在这里。"))
        self.accept_box = QCheckBox(self.tr("已阅读并接受许可证"), licence_box)
        self.accept_box.setObjectName("acceptLicence")
        self.accept_box.setEnabled(False)
        self.accept_box.toggled.connect(self._update_buttons)
        box = QVBoxLayout(licence_box)
        box.addWidget(self.licence_name)
        box.addWidget(self.licence_text, 1)
        box.addWidget(self.accept_box)

        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(6)
        self.progress.hide()
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.import_button = QPushButton(self.tr("导入"), self)
        self.import_button.setDefault(True)
        self.import_button.setEnabled(False)
        self.import_button.clicked.connect(self.start_import)
        self.close_button = QPushButton(self.tr("取消"), self)
        self.close_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.import_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addLayout(files)
        layout.addWidget(self.info)
        layout.addWidget(licence_box, 1)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(buttons)

    # -- choosing files ------------------------------------------------------------------------
    def pick_model_file(self) -> None:
        path = self.choose_model_file()
        if path is not None:
            self.set_model_file(Path(path))

    def pick_manifest_file(self) -> None:
        path = self.choose_manifest_file()
        if path is not None:
            self.set_manifest_file(Path(path))

    def set_model_file(self, path: Path) -> None:
        self.model_path = path
        self.model_edit.setText(str(path))
        self._show_status("")
        if self.manifest_path is None:  # a manifest of the same name beside the model
            beside = path.with_suffix(".toml")
            if beside.is_file():
                self.set_manifest_file(beside)
        self._update_buttons()

    def set_manifest_file(self, path: Path) -> None:
        """Reads the manifest off the GUI thread; a new manifest needs its licence accepted again."""
        self.manifest_path = path
        self.manifest_edit.setText(str(path))
        self.manifest = None
        self.accept_box.setChecked(False)
        self.accept_box.setEnabled(False)
        self.licence_name.setText(self.tr("许可证：—"))
        self.licence_text.clear()
        self.info.setText(self.tr("正在读取清单……"))
        self.info.setStyleSheet(HINT_STYLE)
        self._show_status("")
        self.loading = True
        self._generation += 1
        generation = self._generation
        self._update_buttons()
        self.runner.submit(
            read_manifest,
            path,
            self.model_dir,
            on_done=lambda result: self._manifest_read(generation, result),
            on_error=lambda exc: self._manifest_read(generation, exc),
        )

    def _manifest_read(self, generation: int, result) -> None:
        if generation != self._generation:
            return  # another manifest was chosen meanwhile
        self.loading = False
        if isinstance(result, BaseException):
            self.info.setText(html.escape(self.tr("无法使用此清单：{0}").format(result)))
            self.info.setStyleSheet(ERROR_STYLE)
            self._update_buttons()
            return
        m, text = result
        self.manifest = m
        self.info.setStyleSheet("")
        self.info.setText(self._manifest_html(m))
        self.licence_name.setText(self.tr("许可证：{0}").format(m.licence.name))
        self.licence_text.setPlainText(
            text.strip() or self.tr("（清单未附许可证全文，请向模型提供方索取「{0}」的条款。）").format(m.licence.name)
        )
        self.accept_box.setText(self.tr("已阅读并接受许可证「{0}」").format(m.licence.name))
        self.accept_box.setEnabled(True)
        if self.model_path is None:  # the manifest's own file name beside it
            beside = self.manifest_path.parent / m.files[0].name
            if beside.is_file():
                self.model_path = beside
                self.model_edit.setText(str(beside))
        self._update_buttons()

    def _manifest_html(self, m: Manifest) -> str:
        rows = [
            (self.tr("ID"), html.escape(m.id)),
            (self.tr("名称"), html.escape(m.name)),
            (self.tr("类型"), html.escape(kind_text(m))),
            (self.tr("输入"), f"{m.input.width}×{m.input.height} {m.input.layout}"),
            (self.tr("标签 → 类别"), mapping_html(m)),
            (self.tr("输出类别"), html.escape(categories_text(m))),
            (self.tr("出处"), html.escape(m.source)),
        ]
        body = "".join(
            f"<tr><td style='color:#9ca3af; padding-right:12px; white-space:nowrap'>{k}</td><td>{v}</td></tr>"
            for k, v in rows
        )
        out = f"<table cellspacing='0' cellpadding='2'>{body}</table>"
        if m.id in self.plugin_ids:
            warn = html.escape(self.tr("已有 ID 为「{0}」的插件，导入将替换它。").format(m.id))
            out += f"<p style='color:#fbbf24'>{warn}</p>"
        return out

    # -- importing -----------------------------------------------------------------------------
    def can_import(self) -> bool:
        return (
            self.manifest is not None
            and self.model_path is not None
            and self.accept_box.isChecked()
            and not self.loading
            and not self.running
        )

    def _update_buttons(self, *_args) -> None:
        self.import_button.setEnabled(self.can_import())
        for w in (self.model_button, self.manifest_button, self.close_button):
            w.setEnabled(not self.running)
        self.accept_box.setEnabled(self.manifest is not None and not self.running)

    def start_import(self) -> None:
        if not self.can_import():
            return
        self.running = True
        self._update_buttons()
        self.progress.show()
        self._show_status(self.tr("正在校验模型（OpenVINO 加载、输入输出形状、标签数、试运行一次）……"))
        self.runner.submit(
            run_import,
            self.model_path,
            self.manifest_path,
            self.model_dir,
            self.device,
            self.manifest,
            on_done=self._imported,
            on_error=self._failed,
        )

    def _imported(self, result) -> None:
        self.running = False
        self.progress.hide()
        self.result = result
        m, check, _written = result
        self._show_status(
            self.tr("已导入「{0}」（{1}，单次推理 {2:.1f} ms）").format(m.name, check.device, check.latency_ms)
        )
        self.status.setStyleSheet(OK_STYLE)
        self._update_buttons()
        self.imported.emit(m.id, m.name)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.running = False
        self.progress.hide()
        self._show_status(import_error_text(exc), error=True)
        self._update_buttons()

    def _show_status(self, text: str, error: bool = False) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(ERROR_STYLE if error else "")

    def reject(self) -> None:
        if self.running:
            return  # the copy is atomic, but the person should see how it ended
        super().reject()

    # -- default answers (real dialogs) --------------------------------------------------------
    def _choose_model_file(self) -> Path | None:
        path, _ = QFileDialog.getOpenFileName(
            self,
            self.tr("选择模型文件"),
            "",
            self.tr("模型文件 (*.xml *.onnx);;OpenVINO IR (*.xml);;ONNX (*.onnx);;所有文件 (*)"),
        )
        return Path(path) if path else None

    def _choose_manifest_file(self) -> Path | None:
        start = str(self.model_path.parent) if self.model_path else ""
        path, _ = QFileDialog.getOpenFileName(self, self.tr("选择模型清单"), start, self.tr("模型清单 (*.toml)"))
        return Path(path) if path else None
