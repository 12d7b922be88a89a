"""Main window: camera tree on the left, the wall in the middle, status bar below."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow

from desktop.core.wall_cameras import WallCamera
from desktop.services.stream_service import StreamService
from desktop.services.task_runner import TaskRunner
from desktop.streaming.status import StreamState
from desktop.ui.camera_tile import STATE_COLORS, tr_status
from desktop.ui.wall_page import WallPage
from widgets.camera_tree import CameraTree, TreeCamera


class MainWindow(QMainWindow):
    def __init__(self, streams: StreamService, files: TaskRunner, snapshot_dir: Path,
                 plan_path: Path | None = None) -> None:
        super().__init__()
        self.setWindowTitle(self.tr("明厨亮灶监管工作台"))
        self.streams = streams
        self.wall_page = WallPage(streams, files, snapshot_dir, plan_path=plan_path, parent=self)
        self.setCentralWidget(self.wall_page)
        self.tree = CameraTree(self)
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

    def set_cameras(self, cameras: list[WallCamera]) -> None:
        self.tree.set_cameras([
            TreeCamera(c.camera_id, c.name, c.street, c.venue_name, c.venue_type) for c in cameras])
        self.wall_page.set_cameras(cameras)
        self._update_counts()

    def set_full_screen(self, on: bool) -> None:
        """F11: the wall alone on the whole screen; F11 or Esc brings the window back."""
        self.tree_dock.setVisible(not on)
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
        super().closeEvent(event)
