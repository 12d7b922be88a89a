"""Main window: pages (视频墙, 单位档案, 告警, 案件, 统计, 设置, and any added with `add_page`)
as tabs; on the wall page the camera tree docks on the left; status bar below. A page whose
action the logged-in user's role lacks (统计 without 查看统计, 设置 without 系统设置 …) has its
tab hidden, and the tabs follow the session when another user logs in."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QTabWidget, QWidget

from desktop.core.access import SYSTEM, Action
from desktop.core.registry_search import SearchEntry, filter_entries, make_entry
from desktop.core.vocabulary import BUILD_PROGRESS, VENUE_TYPES
from desktop.core.wall_cameras import WallCamera
from desktop.services.registry_service import RegistryService
from desktop.services.stream_service import StreamService
from desktop.services.task_runner import TaskRunner
from desktop.services.user_session import UserSession
from desktop.streaming.status import StreamState
from desktop.ui.alerts import AlertsPage
from desktop.ui.alerts.model import tier_color
from desktop.ui.camera_tile import STATE_COLORS, tr_status
from desktop.ui.cases import CasesPage
from desktop.ui.registry import RegistryPage
from desktop.ui.settings import SettingsPage
from desktop.ui.wall_page import WallPage
from widgets.camera_tree import CameraTree, TreeCamera

if TYPE_CHECKING:
    from desktop.ui.dashboard import DashboardPage


def wall_entries(cameras: list[WallCamera]) -> list[SearchEntry]:
    """Search entries of the venues on the wall (pinyin costs ~0.3 ms a name: call it off the
    GUI thread for a large station, as the console's loader does)."""
    venues: dict[int, WallCamera] = {}
    names: dict[int, list[str]] = {}
    for c in cameras:
        venues.setdefault(c.venue_id, c)
        names.setdefault(c.venue_id, []).append(c.name)
    return [make_entry(vid, c.venue_name, c.address, c.license_no, c.street, c.venue_type, c.build_progress,
                       names[vid]) for vid, c in venues.items()]


# The tab of a page shows when the user may do any of these (a page not listed always shows).
PAGE_ACTIONS: dict[str, tuple[Action, ...]] = {
    "wall": (Action.VIEW_WALL,),
    "registry": (Action.VIEW_WALL,),  # everyone sees the venues of their streets; editing needs 管理
    "alerts": (Action.VIEW_ALERTS,),
    "cases": (Action.VIEW_CASES,),
    "dashboard": (Action.VIEW_REPORTS,),
    "settings": (Action.MANAGE_SETTINGS, Action.MANAGE_MODELS),
    "audit": (Action.VIEW_AUDIT,),
    "users": (Action.MANAGE_USERS,),
}


class MainWindow(QMainWindow):
    def __init__(self, streams: StreamService, files: TaskRunner, snapshot_dir: Path,
                 plan_path: Path | None = None, registry: RegistryService | None = None,
                 session: UserSession | None = None) -> None:
        super().__init__()
        self.setWindowTitle(self.tr("明厨亮灶监管工作台"))
        self.streams = streams
        # Without a session (a test of the wall alone): the console itself, which may do anything.
        self.session = session if session is not None else (registry.session if registry else UserSession(SYSTEM))
        self._page_actions: dict[QWidget, tuple[Action, ...]] = {}
        self.pages = QTabWidget(self)
        self.pages.setObjectName("pages")
        self.pages.setDocumentMode(True)
        self.wall_page = WallPage(streams, files, snapshot_dir, plan_path=plan_path, parent=self.pages,
                                  session=self.session)
        self.pages.addTab(self.wall_page, self.tr("视频墙"))
        self._page_actions[self.wall_page] = PAGE_ACTIONS["wall"]
        self.registry_page: RegistryPage | None = None
        self.alerts_page: AlertsPage | None = None
        self.cases_page: CasesPage | None = None
        self.settings_page: SettingsPage | None = None
        self.dashboard_page: DashboardPage | None = None
        if registry is not None:
            self.registry_page = RegistryPage(registry, self.pages)
            self.pages.addTab(self.registry_page, self.tr("单位档案"))
            self._page_actions[self.registry_page] = PAGE_ACTIONS["registry"]
            self.registry_page.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
            registry.failed.connect(lambda text: self.statusBar().showMessage(text, 15000))
        self.setCentralWidget(self.pages)
        self.pages.currentChanged.connect(self._page_changed)
        self.tree = CameraTree(self)
        self.tree.set_filter_options(VENUE_TYPES, BUILD_PROGRESS)
        self.tree.filterChanged.connect(self._filter_tree)
        self._entries: list[SearchEntry] = []
        dock = QDockWidget(self.tr("监控点"), self)
        dock.setObjectName("cameraTree")
        dock.setWidget(self.tree)
        dock.setFeatures(QDockWidget.DockWidgetMovable | QDockWidget.DockWidgetClosable)
        self.addDockWidget(Qt.LeftDockWidgetArea, dock)
        self.tree_dock = dock
        self.resizeDocks([dock], [260], Qt.Horizontal)
        self.online_label = QLabel(self)
        self.statusBar().addPermanentWidget(self.online_label)
        self.wall_page.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.tree.cameraActivated.connect(self.wall_page.show_camera)
        self.wall_page.pageChanged.connect(self._update_counts)
        streams.statusChanged.connect(self._on_status)
        self._online: set[int] = set()
        full = QAction(self.tr("全屏"), self, shortcut=QKeySequence(Qt.Key_F11), checkable=True)
        full.toggled.connect(self.set_full_screen)
        self.addAction(full)
        self.full_screen_action = full
        self.help_menu = self.menuBar().addMenu(self.tr("帮助"))
        self.about_action = self.help_menu.addAction(self.tr("关于"), self.show_about)
        self.user_label = QLabel(self)
        self.user_label.setObjectName("userLabel")
        self.statusBar().addPermanentWidget(self.user_label)
        self.session.changed.connect(lambda _actor: self.apply_role())
        self.apply_role()

    def show_about(self) -> None:
        from desktop.ui.about_dialog import AboutDialog

        AboutDialog(self).exec()

    # -- the logged-in user ----------------------------------------------------------------------
    def apply_role(self) -> None:
        """Tabs of pages the user's role cannot use are hidden (the current one moves to the
        wall); the status bar names who is logged in."""
        actor = self.session.actor
        shown = self.pages.currentWidget()  # Qt moves to a neighbour when its tab hides: the wall instead
        for page, actions in self._page_actions.items():
            index = self.pages.indexOf(page)
            if index >= 0:
                self.pages.setTabVisible(index, any(self.session.can(a) for a in actions))
        if shown is not None and not self.page_visible(shown):
            self.pages.setCurrentWidget(self.wall_page)
        who = actor.display_name or actor.username
        self.user_label.setText(self.tr("当前用户：{0}（{1}）").format(who, actor.role_label))

    def page_visible(self, page: QWidget) -> bool:
        index = self.pages.indexOf(page)
        return index >= 0 and self.pages.isTabVisible(index)

    def visible_page_titles(self) -> list[str]:
        return [self.pages.tabText(i) for i in range(self.pages.count()) if self.pages.isTabVisible(i)]

    def add_page(self, page: QWidget, title: str, actions: tuple[Action, ...] = (), after: QWidget | None = None
                 ) -> None:
        """A further tab (审计日志, 账号管理 …), shown only to users who may do one of `actions`
        (always when empty); after the page `after`, else at the end. A page's `message(str)`
        signal, if it has one, goes to the status bar."""
        index = self.pages.indexOf(after) if after is not None else -1
        self.pages.insertTab(index + 1 if index >= 0 else self.pages.count(), page, title)
        if actions:
            self._page_actions[page] = tuple(actions)
        message = getattr(page, "message", None)
        if message is not None and hasattr(message, "connect"):
            message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.apply_role()

    def set_user_button(self, button: QWidget) -> None:
        """The user menu (当前用户, 修改密码, 锁定, 注销: desktop.ui.user_menu) at the menu bar's right end."""
        self.user_button = button
        self.menuBar().setCornerWidget(button, Qt.TopRightCorner)
        button.show()  # a corner widget set after the menu bar was shown stays hidden otherwise

    def set_cameras(self, cameras: list[WallCamera], entries: list[SearchEntry] | None = None) -> None:
        """Show these cameras (first load, or a reload after a registry change). Streams of
        cameras whose URL or credentials did not change keep running; changed ones restart."""
        self._entries = list(entries) if entries is not None else wall_entries(cameras)
        self.tree.set_cameras([
            TreeCamera(c.camera_id, c.name, c.street, c.venue_name, c.venue_type, venue_id=c.venue_id)
            for c in cameras])
        self._filter_tree(*self.tree.filter_state())
        self.wall_page.set_cameras(cameras)
        if self.alerts_page is not None:
            self.alerts_page.set_venues(list({c.venue_id: c.venue_name for c in cameras}.items()))
        self._online &= {c.camera_id for c in cameras}
        self._update_counts()

    def _filter_tree(self, query: str, types, progress) -> None:
        if not query.strip() and types is None and progress is None:
            self.tree.set_visible_venues(None)
        else:
            self.tree.set_visible_venues(filter_entries(self._entries, query, types, progress))

    def add_alerts_page(self, page: AlertsPage) -> None:
        """The 告警 tab; a new alert also flashes its camera's tile when it is on the wall."""
        self.alerts_page = page
        self.pages.addTab(page, self.tr("告警"))
        self._page_actions[page] = PAGE_ACTIONS["alerts"]
        page.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        page.service.failed.connect(lambda text: self.statusBar().showMessage(text, 15000))
        page.service.alertRaised.connect(self.flash_camera)
        self.apply_role()

    def add_cases_page(self, page: CasesPage) -> None:
        """The 案件 tab, next to 告警: 立案 from the alerts' page, cases opened from a venue's page."""
        self.cases_page = page
        after = self.pages.indexOf(self.alerts_page) if self.alerts_page is not None else -1
        self.pages.insertTab(after + 1 if after >= 0 else self.pages.count(), page, self.tr("案件"))
        self._page_actions[page] = PAGE_ACTIONS["cases"]
        page.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        page.service.failed.connect(lambda text: self.statusBar().showMessage(text, 15000))
        page.showRequested.connect(lambda: self.show_page(page))
        if self.alerts_page is not None:
            self.alerts_page.set_case_service(page.service)
            self.alerts_page.fileCaseRequested.connect(page.new_case_from_alerts)
            self.alerts_page.openCaseRequested.connect(page.open_case)
        if self.registry_page is not None:
            self.registry_page.view.set_case_service(page.service)
            self.registry_page.view.openCase.connect(page.open_case)
        self.apply_role()

    def add_dashboard_page(self, page: DashboardPage) -> None:
        """The 统计 tab, after 案件: a click on a chart opens the matching filtered list there."""
        self.dashboard_page = page
        anchor = self.cases_page or self.alerts_page
        after = self.pages.indexOf(anchor) if anchor is not None else -1
        self.pages.insertTab(after + 1 if after >= 0 else self.pages.count(), page, self.tr("统计"))
        self._page_actions[page] = PAGE_ACTIONS["dashboard"]
        page.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        page.service.failed.connect(lambda text: self.statusBar().showMessage(text, 15000))
        page.alertsRequested.connect(self._show_alerts_filtered)
        page.casesRequested.connect(self._show_cases_filtered)
        self.apply_role()

    def _show_alerts_filtered(self, filters: dict) -> None:
        if self.alerts_page is not None:
            self.alerts_page.show_filtered(**filters)
            self.show_page(self.alerts_page)

    def _show_cases_filtered(self, filters: dict) -> None:
        if self.cases_page is not None:
            self.cases_page.show_filtered(**filters)
            self.show_page(self.cases_page)

    def add_settings_page(self, page: SettingsPage) -> None:
        """The 设置 tab (AI models, inference device)."""
        self.settings_page = page
        self.pages.addTab(page, self.tr("设置"))
        self._page_actions[page] = PAGE_ACTIONS["settings"]
        page.message.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.apply_role()

    def flash_camera(self, record) -> None:
        wall = self.wall_page.wall
        for i, source in enumerate(wall.sources()):
            if source is not None and source.camera.camera_id == record.camera_id:
                wall.flash(i, tier_color(record.tier))

    def show_page(self, page) -> None:
        self.pages.setCurrentWidget(page)

    def _page_changed(self, _index: int) -> None:
        on_wall = self.pages.currentWidget() is self.wall_page
        if self.dashboard_page is not None and self.pages.currentWidget() is self.dashboard_page:
            self.dashboard_page.reload()  # figures move with every alert and case: fresh on each visit
        self.tree_dock.setVisible(on_wall and not self.isFullScreen())

    def set_full_screen(self, on: bool) -> None:
        """F11: the wall alone on the whole screen; F11 or Esc brings the window back."""
        if on:
            self.pages.setCurrentWidget(self.wall_page)
        self.tree_dock.setVisible(not on)
        self.pages.tabBar().setVisible(not on)
        self.wall_page.toolbar.setVisible(not on)
        self.statusBar().setVisible(not on)
        self.showFullScreen() if on else self.showNormal()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key_Escape and self.isFullScreen():
            self.full_screen_action.setChecked(False)
        else:
            super().keyPressEvent(event)

    def _on_status(self, key, status) -> None:
        if key.variant != "sub":
            return
        if status.state is StreamState.STOPPED and self.streams.worker(key) is not None:
            return  # a late word from a worker already replaced by a new one for the same camera
        self.tree.set_camera_color(key.camera_id, STATE_COLORS[status.state],
                                   tr_status(status.reason.text or status.state.label))
        if status.state is StreamState.ONLINE:
            self._online.add(key.camera_id)
        elif status.state is not StreamState.CONNECTING:
            self._online.discard(key.camera_id)
        self._update_counts()

    def _update_counts(self) -> None:
        shown = len(self.wall_page.visible_tiles())
        online = len(self._online & {t.camera.camera_id for t in self.wall_page.visible_tiles()})
        total = len(self.wall_page.cameras)
        self.online_label.setText(self.tr("画面在线 {0} / {1} · 监控点 {2}").format(online, shown, total))

    def closeEvent(self, event) -> None:
        self.wall_page.shutdown()
        if self.alerts_page is not None:
            self.alerts_page.shutdown()
        if self.settings_page is not None:
            self.settings_page.shutdown()
        super().closeEvent(event)
