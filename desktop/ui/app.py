"""Start the GUI: Qt application, services, main window; ordered shutdown at the end."""

from __future__ import annotations

import gc
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QTimer, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from desktop import paths
from desktop.core.access import Actor, PermissionDenied
from desktop.core.credentials import encrypt_plain_rows
from desktop.core.db import database_url, init_schema, make_engine
from desktop.core.evidence import add_snapshot
from desktop.core.evidence_store import EvidenceStore
from desktop.core.patrol_groups import delete_patrol_group, list_patrol_groups, save_patrol_group
from desktop.core.registry_validation import ValidationError
from desktop.core.wall_cameras import load_wall_cameras
from desktop.services.alert_service import AlertService
from desktop.services.analysis_service import AnalysisService
from desktop.services.case_service import CaseService
from desktop.services.disk_guard_service import DiskGuardService
from desktop.services.registry_service import RegistryService
from desktop.services.stats_service import StatsService
from desktop.services.status_recorder import StatusRecorder
from desktop.services.stream_service import StreamService
from desktop.services.task_runner import TaskRunner
from desktop.services.user_session import UserSession
from desktop.ui.alerts import AlertsPage
from desktop.ui.audit import AuditPage
from desktop.ui.cases import CasesPage
from desktop.ui.crash_dialog import CrashReporter
from desktop.ui.dashboard import DashboardPage
from desktop.ui.main_window import PAGE_ACTIONS, MainWindow, wall_entries
from desktop.ui.settings import SettingsPage
from desktop.ui.users import UsersPage

log = logging.getLogger(__name__)

CJK_FONTS = ("Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC", "Source Han Sans SC")
SCREENSHOT_SETTLE_S = 2.0
SCREENSHOT_REFRESH_S = 30
STYLE = Path(__file__).resolve().parents[2] / "resources" / "styles" / "console.qss"


@dataclass
class GuiOptions:
    screenshot: Path | None = None  # write a PNG of the window once every tile shows a picture
    screenshot_timeout: float = 20.0
    quit_after_screenshot: bool = False
    size: tuple[int, int] = (1600, 900)


def make_application(argv: list[str] | None = None) -> QApplication:
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY") and sys.platform.startswith("linux"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    app = QApplication.instance() or QApplication(argv or [sys.argv[0]])
    if app.property("mingchu_ready"):
        # Set up once: every extra translator or style sheet re-polishes and re-translates every
        # widget alive (tests build many consoles in one process).
        return app
    app.setApplicationName("明厨亮灶监管工作台")
    # Qt's own texts (standard buttons, file dialogs) in Chinese; the installed build carries them.
    qt_zh = QTranslator(app)
    if qt_zh.load(QLocale(QLocale.Chinese, QLocale.China), "qtbase", "_",
                  QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt_zh)
    families = set(QFontDatabase.families())
    family = next((f for f in CJK_FONTS if f in families), None)
    if family:
        font = QFont(family, 10)
        app.setFont(font)
    else:
        log.warning("no CJK font found: Chinese text may show as boxes (install fonts-wqy-microhei)")
    if STYLE.exists():
        app.setStyleSheet(STYLE.read_text(encoding="utf-8"))
    app.setProperty("mingchu_ready", True)
    return app


class Console:
    """Owns the long-lived parts and shuts them down in order: streams → tasks → database."""

    def __init__(self, options: GuiOptions, session: UserSession) -> None:
        self.options = options
        self.session = session  # the logged-in user: pages and services act as session.actor
        self.engine = make_engine(database_url(paths.data_dir()))  # lazy: connects on first use
        self.db = TaskRunner("db")
        self.files = TaskRunner("files")
        self.streams = StreamService()
        self.recorder = StatusRecorder(self.streams, self.db, self.engine)  # the console's own record (SYSTEM)
        self.registry = RegistryService(self.engine, self.db, session)
        self.window = MainWindow(self.streams, self.files, paths.snapshot_dir(), paths.data_dir() / "wall.json",
                                 registry=self.registry, session=session)
        self.evidence = EvidenceStore(paths.evidence_dir(), self.engine)
        self.alerts = AlertService(self.engine, self.evidence, self.streams, self.db, paths.cache_dir() / "clips",
                                   session)
        self.window.add_alerts_page(AlertsPage(self.alerts, self.files, paths.evidence_dir(), paths.cache_dir()))
        self.cases = CaseService(self.engine, self.evidence, self.db, self.files, session)
        self.window.add_cases_page(CasesPage(self.cases, self.files, paths.evidence_dir()))
        self.stats = StatsService(self.engine, self.db, session)
        self.window.add_dashboard_page(DashboardPage(self.stats))
        self.window.add_settings_page(SettingsPage(session=session, engine=self.engine, db=self.db))
        self.audit_page = AuditPage(self.engine, self.db, session)
        self.window.add_page(self.audit_page, self.window.tr("审计日志"), PAGE_ACTIONS["audit"])
        self.users_page = UsersPage(self.engine, self.db, session)
        self.window.add_page(self.users_page, self.window.tr("账号管理"), PAGE_ACTIONS["users"])
        self.window.wall_page.store_evidence = self._store_snapshot
        self.window.alerts_page.detail.store_snapshot = self._store_snapshot
        # No live reload of the models in the stream host yet: say when the change applies.
        self.window.settings_page.modelsChanged.connect(
            lambda: self.window.statusBar().showMessage(self.window.tr("模型已更新，重启分析后生效"), 15000))
        # Every enabled camera is analysed in the stream host; its findings become alerts here.
        self.analysis = AnalysisService(self.streams, self.window)
        self.streams.analysisEvent.connect(self.alerts.on_analysis)
        self.analysis.notice.connect(lambda text: self.window.statusBar().showMessage(text, 15000))
        # MINGCHU_ANALYSIS=off: the wall alone (the wall benchmark, tests of other features).
        self.analysis_on = os.environ.get("MINGCHU_ANALYSIS", "on") != "off"
        self.registry.changed.connect(self.reload_cameras)
        self.window.wall_page.patrolGroupSaveRequested.connect(self._save_patrol_group)
        self.window.wall_page.patrolGroupDeleteRequested.connect(self._delete_patrol_group)
        # Another user at this console (after the idle lock or a switch): their streets and rights.
        session.changed.connect(lambda _actor: self.reload_cameras())
        self.window.resize(*options.size)
        self._started = time.monotonic()
        self._announced = False
        self._shut_down = False
        self.disk_guard = DiskGuardService(self.engine, self.db, paths.data_dir(), parent=self.window)  # issue 7
        self.disk_guard.warning.connect(lambda t: t and self.window.statusBar().showMessage(t))
        self.disk_guard.start()

    def _store_snapshot(self, png: bytes, camera_id: int, when, source: str, actor: Actor):
        """On the files thread: a snapshot into the evidence store (camera, venue, time) as
        `actor`, the user who pressed 抓拍 (read on the GUI thread then)."""
        return add_snapshot(self.engine, self.evidence, png, actor=actor, camera_id=camera_id, captured_at=when,
                            source=source)

    def start(self) -> None:
        self.window.show()
        self.window.statusBar().showMessage(self.window.tr("正在加载监控点……"))
        self.db.submit(self._prepare_and_load, self.session.actor, on_done=self._loaded, on_error=self._loaded)
        if self.options.screenshot is not None:
            self._shot_timer = QTimer(self.window, interval=500)
            self._shot_timer.timeout.connect(self._maybe_screenshot)
            self._shot_timer.start()

    def _prepare_and_load(self, actor: Actor):
        """On the DB thread: schema check and the camera list, never on the GUI thread."""
        init_schema(self.engine)
        encrypt_plain_rows(self.engine)  # passwords stored before the encryption at rest (issue 7)
        return self._load_cameras(actor)

    def _load_cameras(self, actor: Actor):
        """On the DB thread: the wall's cameras of the user's streets, the search entries of
        their venues, the stored patrol groups (their members in those streets)."""
        cameras = load_wall_cameras(self.engine, actor=actor)
        return cameras, wall_entries(cameras), list_patrol_groups(self.engine, actor=actor)

    def _apply_cameras(self, result, failure: str) -> bool:
        """The loaded cameras to the wall, its tree, the analysis and the patrol menu."""
        if isinstance(result, BaseException):
            self.window.statusBar().showMessage(failure.format(result))
            return False
        cameras, entries, groups = result
        self.window.set_cameras(cameras, entries)
        if self.analysis_on:
            self.analysis.set_cameras(cameras)
        self.window.wall_page.set_patrol_groups(groups)
        return True

    def _loaded(self, result) -> None:
        if not self._apply_cameras(result, self.window.tr("加载监控点失败：{0}")):
            return
        if self.window.registry_page is not None:
            self.window.registry_page.reload()
        self.window.alerts_page.reload()
        self.window.cases_page.reload()
        self.window.statusBar().showMessage(self.window.tr("已加载 {0} 个监控点").format(len(result[0])), 5000)

    def reload_cameras(self) -> None:
        """After a registry change or an import: the wall and its tree show the new state;
        streams of unchanged cameras keep running."""
        if not self._shut_down:
            self.db.submit(self._load_cameras, self.session.actor, on_done=self._reloaded, on_error=self._reloaded)

    def _reloaded(self, result) -> None:
        self._apply_cameras(result, self.window.tr("刷新监控点失败：{0}"))

    def _save_patrol_group(self, name: str, camera_ids: list, dwell: int) -> None:
        actor = self.session.actor

        def save():
            save_patrol_group(self.engine, name, camera_ids, dwell_seconds=dwell, actor=actor)
            return list_patrol_groups(self.engine, actor=actor)

        def done(result) -> None:
            if isinstance(result, ValidationError | PermissionDenied):
                self.window.statusBar().showMessage(self.window.tr("保存分组失败：{0}").format(result), 8000)
            elif isinstance(result, BaseException):
                self.window.statusBar().showMessage(self.window.tr("保存分组失败"), 8000)
            else:
                self.window.wall_page.set_patrol_groups(result)
                self.window.statusBar().showMessage(self.window.tr("已保存轮巡分组「{0}」").format(name), 5000)

        self.db.submit(save, on_done=done, on_error=done)

    def _delete_patrol_group(self, group_id: int) -> None:
        actor = self.session.actor

        def delete():
            delete_patrol_group(self.engine, group_id, actor=actor)
            return list_patrol_groups(self.engine, actor=actor)

        def done(result) -> None:
            if isinstance(result, PermissionDenied):
                self.window.statusBar().showMessage(self.window.tr("删除分组失败：{0}").format(result), 8000)
            elif isinstance(result, BaseException):
                self.window.statusBar().showMessage(self.window.tr("删除分组失败"), 8000)
            else:
                self.window.wall_page.set_patrol_groups(result)

        self.db.submit(delete, on_done=done, on_error=done)

    def _maybe_screenshot(self) -> None:
        """First shot once every tile has shown video for a moment (so fps figures are real),
        or at the timeout; then, unless quitting, a fresh one every SCREENSHOT_REFRESH_S."""
        wall = self.window.wall_page.wall
        tiles = [i for i, s in enumerate(wall.sources()) if s is not None]
        shown_at = [wall.first_paint[i] for i in tiles]
        now = time.monotonic()
        all_settled = bool(tiles) and None not in shown_at and now - max(shown_at) >= SCREENSHOT_SETTLE_S
        timed_out = now - self._started > self.options.screenshot_timeout
        if not (all_settled or timed_out):
            return
        self._shot_timer.setInterval(SCREENSHOT_REFRESH_S * 1000)
        path = self.options.screenshot
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part.png")
        if self.window.grab().save(str(tmp)):
            os.replace(tmp, path)  # whoever looks at the file never sees half a PNG
        shown = sum(1 for i in tiles if wall.first_paint[i] is not None)
        if not self._announced:
            print(f"墙面截图 / wall screenshot: {path} ({shown}/{len(tiles)} tiles showing video; "
                  f"refreshed every {SCREENSHOT_REFRESH_S} s)", flush=True)
            self._announced = True
        if self.options.quit_after_screenshot:
            self._shot_timer.stop()
            QApplication.instance().quit()

    def shutdown(self) -> None:
        """Ordered: streams -> file and DB tasks -> database. Safe to call twice."""
        if self._shut_down:
            return
        self._shut_down = True
        lock = getattr(self, "idle_lock", None)
        if lock is not None:
            # Its application-wide input filter would outlive the window (and, in one process
            # running many consoles, swallow other windows' shortcuts).
            lock.shutdown()
        self.window.wall_page.shutdown()
        self.window.settings_page.shutdown()  # an install downloading is not waited for
        self.alerts.shutdown(wait=False)  # a clip being cut ends with its stream
        self.streams.shutdown(3.0)
        self.registry.shutdown(wait=True)
        self.files.shutdown(wait=True)
        self.db.shutdown(wait=True)
        self.engine.dispose()


def _quit_on_signals(app: QApplication) -> None:
    """Ctrl-C and SIGTERM close the console cleanly (streams stopped, demo server stopped).
    Python runs signal handlers only between bytecodes: an idle login dialog or wizard runs no
    Python at all, so a light timer wakes the interpreter. quit() ends a modal dialog's nested
    loop too (QCoreApplication::exit stops every loop of the thread)."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: app.exit(0))
    wake = QTimer(app, interval=250)
    wake.timeout.connect(lambda: None)
    wake.start()
    app._signal_wake = wake  # kept alive with the application


def _off_gui(fn, *args):
    """Run `fn` on a worker while the event loop keeps turning (before the console exists there
    is no runner yet); its result, or the exception it raised."""
    from PySide6.QtCore import QEventLoop

    runner = TaskRunner("login-prepare")
    loop = QEventLoop()
    box: list = []

    def done(result) -> None:
        box.append(result)
        loop.quit()

    runner.submit(fn, *args, on_done=done, on_error=done)
    if not box:
        loop.exec()
    runner.shutdown(wait=True)
    return box[0]


def _open_database():
    """On a worker: the data directory's database, migrated; (engine, has accounts)."""
    from desktop.core.accounts import has_users

    engine = make_engine(database_url(paths.data_dir()))
    try:
        init_schema(engine)
        return engine, has_users(engine)
    except BaseException:
        engine.dispose()
        raise


def _log_in(app: QApplication, options: GuiOptions) -> tuple[Actor, str] | None:
    """Who uses this console: the first-run wizard on a station without accounts, else the login
    dialog. (actor, what follows: first_run_wizard.EMPTY, IMPORT or DEMO); None when the user
    cancels or the database cannot be opened."""
    from PySide6.QtWidgets import QDialog, QMessageBox

    from desktop.ui.first_run_wizard import EMPTY, FirstRunWizard
    from desktop.ui.login_dialog import LoginDialog, chinese

    result = _off_gui(_open_database)
    if isinstance(result, BaseException):
        QMessageBox.critical(None, app.tr("无法打开数据库"),
                             app.tr("无法打开数据库：{0}\n\n请检查数据目录或 DATABASE_URL，详情见日志：{1}")
                             .format(chinese(str(result)), paths.log_dir()))
        return None
    engine, accounts = result
    try:
        if not accounts:
            engine.dispose()
            wizard = FirstRunWizard()
            accepted = wizard.exec() == QDialog.Accepted
            engine = wizard.engine
            if accepted and wizard.actor is not None:
                return wizard.actor, wizard.next_step
            if not (accepted and wizard.existing_accounts) or engine is None:
                return None  # cancelled (an administrator created by then logs in next time)
        dialog = LoginDialog(engine)
        if dialog.exec() == QDialog.Accepted and dialog.actor is not None:
            return dialog.actor, EMPTY
        return None
    finally:
        if engine is not None:
            engine.dispose()


def _install_account_ui(console: Console, demo: bool) -> None:
    """The user menu and the idle lock. The demo account has no password: no lock, no 注销."""
    from PySide6.QtWidgets import QLabel

    from desktop.core import app_settings
    from desktop.ui.idle_lock import LOGGED_OUT, MANUAL, IdleLock
    from desktop.ui.user_menu import ChangePasswordDialog, UserButton

    window, session = console.window, console.session
    if demo:
        window.setWindowTitle(window.tr("明厨亮灶监管工作台 — 演示模式"))
        badge = QLabel(window.tr("演示模式"), window)
        badge.setObjectName("demoBadge")
        badge.setStyleSheet("color: #fbbf24; font-weight: bold; padding: 0 6px;")
        window.statusBar().addPermanentWidget(badge)
        window.set_user_button(UserButton(session, on_change_password=None, on_lock=None, on_logout=None,
                                          parent=window))
        console.idle_lock = None
        return
    override = os.environ.get("MINGCHU_IDLE_LOCK_SECONDS")  # tests and demonstrations of the lock
    seconds = float(override) if override else app_settings.idle_lock_minutes() * 60
    lock = IdleLock(window, session, console.engine, console.db, int(seconds * 1000))
    console.idle_lock = lock
    if window.settings_page is not None and not override:
        # The 设置 page's 锁屏 minutes apply at once (0 stops the timer).
        window.settings_page.idle_lock.apply = lambda minutes: lock.watcher.set_timeout(int(minutes * 60_000))

    def change_password() -> None:
        dialog = ChangePasswordDialog(console.engine, console.db, session.actor, window)
        dialog.accepted.connect(lambda: window.statusBar().showMessage(window.tr("密码已修改"), 8000))
        dialog.open()

    window.set_user_button(UserButton(session, on_change_password=change_password, on_lock=lambda: lock.lock(MANUAL),
                                      on_logout=lambda: lock.lock(LOGGED_OUT), parent=window))


def _start_demo_process() -> bool:
    """The demo in a process of its own (its own data directory and account)."""
    from PySide6.QtCore import QProcess

    if getattr(sys, "frozen", False):
        program, args = sys.executable, ["demo"]
    else:
        program, args = sys.executable, [str(Path(__file__).resolve().parents[2] / "main.py"), "demo"]
    return QProcess.startDetached(program, args)[0]


def run_gui(options: GuiOptions, demo_actor: Actor | None = None) -> int:
    """The console. `demo_actor`: `main.py demo` only — the demo's own account in the demo's own
    database, logged in without a password; the real console always asks who is there."""
    from desktop.ui.first_run_wizard import DEMO, IMPORT

    app = make_application()
    _quit_on_signals(app)
    crashes = CrashReporter(app)  # an uncaught exception shows a dialog with the log file
    if demo_actor is not None:
        actor, next_step = demo_actor, ""
    else:
        login = _log_in(app, options)
        if login is None:
            crashes.close()
            return 0
        actor, next_step = login
        if next_step == DEMO:
            crashes.close()
            return 0 if _start_demo_process() else 1
    console = Console(options, UserSession(actor))
    _install_account_ui(console, demo=demo_actor is not None)
    console.start()
    if next_step == IMPORT and console.window.registry_page is not None:
        page = console.window.registry_page

        def import_venues() -> None:
            console.window.show_page(page)
            page.import_file()

        QTimer.singleShot(0, import_venues)
    # Everything imported and built so far lives for the whole session: out of the collector's
    # sight, full collections (which hold the GIL against the GUI thread) become much cheaper.
    gc.freeze()
    try:
        return app.exec()
    finally:
        console.shutdown()
        crashes.close()
