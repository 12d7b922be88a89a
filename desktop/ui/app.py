"""Start the GUI: Qt application, services, main window; ordered shutdown at the end."""

from __future__ import annotations

import gc
import getpass
import logging
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from desktop import paths
from desktop.core.access import SYSTEM, Actor
from desktop.core.db import database_url, init_schema, make_engine
from desktop.core.evidence import add_snapshot
from desktop.core.evidence_store import EvidenceStore
from desktop.core.patrol_groups import delete_patrol_group, list_patrol_groups, save_patrol_group
from desktop.core.registry_validation import ValidationError
from desktop.core.wall_cameras import load_wall_cameras
from desktop.services.alert_service import AlertService
from desktop.services.analysis_service import AnalysisService
from desktop.services.case_service import CaseService
from desktop.services.registry_service import RegistryService
from desktop.services.stats_service import StatsService
from desktop.services.status_recorder import StatusRecorder
from desktop.services.stream_service import StreamService
from desktop.services.task_runner import TaskRunner
from desktop.services.user_session import UserSession
from desktop.ui.alerts import AlertsPage
from desktop.ui.cases import CasesPage
from desktop.ui.dashboard import DashboardPage
from desktop.ui.main_window import MainWindow, wall_entries
from desktop.ui.settings import SettingsPage

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
    app.setApplicationName("明厨亮灶监管工作台")
    families = set(QFontDatabase.families())
    family = next((f for f in CJK_FONTS if f in families), None)
    if family:
        font = QFont(family, 10)
        app.setFont(font)
    else:
        log.warning("no CJK font found: Chinese text may show as boxes (install fonts-wqy-microhei)")
    if STYLE.exists():
        app.setStyleSheet(STYLE.read_text(encoding="utf-8"))
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
        self.recorder = StatusRecorder(self.streams, self.db, self.engine)
        self.registry = RegistryService(self.engine, self.db)
        self.window = MainWindow(self.streams, self.files, paths.snapshot_dir(), paths.data_dir() / "wall.json",
                                 registry=self.registry)
        self.evidence = EvidenceStore(paths.evidence_dir(), self.engine)
        self.alerts = AlertService(self.engine, self.evidence, self.streams, self.db, paths.cache_dir() / "clips")
        self.window.add_alerts_page(AlertsPage(self.alerts, self.files, paths.evidence_dir(), paths.cache_dir()))
        self.cases = CaseService(self.engine, self.evidence, self.db, self.files)
        self.window.add_cases_page(CasesPage(self.cases, self.files, paths.evidence_dir()))
        self.stats = StatsService(self.engine, self.db)
        self.window.add_dashboard_page(DashboardPage(self.stats))
        self.window.add_settings_page(SettingsPage())
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
        self.window.resize(*options.size)
        self._started = time.monotonic()
        self._announced = False
        self._shut_down = False

    def _store_snapshot(self, png: bytes, camera_id: int, when, source: str):
        """On the files thread: a wall snapshot into the evidence store (camera, venue, time, who)."""
        return add_snapshot(self.engine, self.evidence, png, camera_id=camera_id, captured_at=when,
                            who=self.window.wall_page.user or getpass.getuser(), source=source)

    def start(self) -> None:
        self.window.show()
        self.window.statusBar().showMessage(self.window.tr("正在加载监控点……"))
        self.db.submit(self._prepare_and_load, on_done=self._loaded, on_error=self._loaded)
        if self.options.screenshot is not None:
            self._shot_timer = QTimer(self.window, interval=500)
            self._shot_timer.timeout.connect(self._maybe_screenshot)
            self._shot_timer.start()

    def _prepare_and_load(self):
        """On the DB thread: schema check and the camera list, never on the GUI thread."""
        init_schema(self.engine)
        return self._load_cameras()

    def _load_cameras(self):
        """On the DB thread: the wall's cameras, the search entries of their venues, the
        stored patrol groups."""
        cameras = load_wall_cameras(self.engine)
        return cameras, wall_entries(cameras), list_patrol_groups(self.engine)

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
            self.db.submit(self._load_cameras, on_done=self._reloaded, on_error=self._reloaded)

    def _reloaded(self, result) -> None:
        self._apply_cameras(result, self.window.tr("刷新监控点失败：{0}"))

    def _save_patrol_group(self, name: str, camera_ids: list, dwell: int) -> None:
        def save():
            save_patrol_group(self.engine, name, camera_ids, dwell_seconds=dwell)
            return list_patrol_groups(self.engine)

        def done(result) -> None:
            if isinstance(result, ValidationError):
                self.window.statusBar().showMessage(self.window.tr("保存分组失败：{0}").format(result), 8000)
            elif isinstance(result, BaseException):
                self.window.statusBar().showMessage(self.window.tr("保存分组失败"), 8000)
            else:
                self.window.wall_page.set_patrol_groups(result)
                self.window.statusBar().showMessage(self.window.tr("已保存轮巡分组「{0}」").format(name), 5000)

        self.db.submit(save, on_done=done, on_error=done)

    def _delete_patrol_group(self, group_id: int) -> None:
        def delete():
            delete_patrol_group(self.engine, group_id)
            return list_patrol_groups(self.engine)

        def done(result) -> None:
            if isinstance(result, BaseException):
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
    Python runs signal handlers only between bytecodes; the wall's timers run Python often."""
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: app.quit())


def _log_in(app: QApplication, options: GuiOptions) -> Actor | None:
    """Who uses this console: the first-run dialog on a fresh database, else the login dialog.
    None when the user cancels. (Issue 7 replaces this placeholder with the real dialogs.)"""
    return SYSTEM


def run_gui(options: GuiOptions) -> int:
    app = make_application()
    _quit_on_signals(app)
    actor = _log_in(app, options)
    if actor is None:
        return 0
    console = Console(options, UserSession(actor))
    console.start()
    # Everything imported and built so far lives for the whole session: out of the collector's
    # sight, full collections (which hold the GIL against the GUI thread) become much cheaper.
    gc.freeze()
    try:
        return app.exec()
    finally:
        console.shutdown()
