"""The wall page: a camera plan shown page by page on the VideoWall, with maximise, patrol
and snapshots. Streams run only for the cameras on screen (plus the maximised main stream)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QInputDialog, QMenu, QMessageBox, QVBoxLayout, QWidget

from desktop.core.access import SYSTEM, Actor
from desktop.core.patrol_groups import PatrolGroupRecord
from desktop.core.settings_file import load_json, save_json
from desktop.core.snapshot import save_snapshot
from desktop.core.wall_cameras import WallCamera
from desktop.core.wall_plan import WallPlan, layout_for
from desktop.services.snapshot_grabber import Grab, grab_full_resolution
from desktop.services.stream_service import StreamService
from desktop.services.task_runner import TaskRunner
from desktop.services.user_session import UserSession
from desktop.streaming.worker import StreamKey
from desktop.ui.camera_tile import CameraTile
from desktop.ui.patrol import Patrol
from desktop.ui.wall_toolbar import WallToolbar
from widgets.video_wall import VideoWall

log = logging.getLogger(__name__)

HOLDER = "wall"


class WallPage(QWidget):
    message = Signal(str)  # for the status bar
    pageChanged = Signal()
    snapshotSaved = Signal(str)  # path of the PNG written
    patrolGroupSaveRequested = Signal(str, list, int)  # name, camera ids, dwell seconds
    patrolGroupDeleteRequested = Signal(int)

    def __init__(self, streams: StreamService, files: TaskRunner, snapshot_dir: Path, user: str = "",
                 plan_path: Path | None = None, parent: QWidget | None = None,
                 session: UserSession | None = None) -> None:
        super().__init__(parent)
        self.session = session if session is not None else UserSession(SYSTEM)
        self.plan_path = plan_path  # the duty officer's wall survives a restart
        self.streams = streams
        self.files = files
        self.snapshot_dir = snapshot_dir
        self._user = user
        # (png, camera id, frame time, source "tile"/"maximised", actor) → stored evidence; called
        # on the files thread. The console sets it: every snapshot is also content-addressed
        # evidence, stored as the user who pressed 抓拍.
        self.store_evidence: Callable[[bytes, int, datetime, str, Actor], object] | None = None
        self.cameras: dict[int, WallCamera] = {}
        self.patrol_groups: dict[int, PatrolGroupRecord] = {}
        self.ask_group_name = self._ask_group_name  # tests answer instead of a modal dialog
        self.confirm = self._confirm
        self.plan = WallPlan()
        self._shown: list[int | None] = []  # camera ids on screen now
        self._tiles: list[CameraTile | None] = []
        self._main_key: StreamKey | None = None
        self.wall = VideoWall(self)
        self.toolbar = WallToolbar(self)
        self.patrol = Patrol(self._show_ids, self)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.toolbar)
        layout.addWidget(self.wall, 1)
        self.wall.tileDoubleClicked.connect(self.toggle_maximize)
        self.wall.cameraDropped.connect(self.place_camera)
        self.wall.tileContextMenu.connect(self._context_menu)
        self.toolbar.layoutChosen.connect(self.set_layout)
        self.toolbar.pageStep.connect(self.step_page)
        self.toolbar.patrolToggled.connect(self._toggle_patrol)
        self.toolbar.saveGroupRequested.connect(self.save_page_as_group)
        self.toolbar.deleteGroupRequested.connect(self._delete_group)
        self.toolbar.snapshotRequested.connect(self.snapshot_selected)
        self.patrol.pageShown.connect(lambda i, n: self.toolbar.set_page_label(i, n, patrol=True))

    # -- cameras and pages ----------------------------------------------------------------
    def set_cameras(self, cameras: list[WallCamera]) -> None:
        """First load: the saved plan. A reload after a registry change: the plan in memory (a
        save may still be in flight), and only cameras whose stream URL changed restart."""
        previous, self.cameras = self.cameras, {c.camera_id: c for c in cameras}
        ids = [c.camera_id for c in cameras]
        for cam in cameras:
            before = previous.get(cam.camera_id)
            if before is not None and before.open_url("sub") != cam.open_url("sub"):
                # The wall acquires by camera id: releasing lets the next acquire open the new URL.
                self.streams.release(StreamKey(cam.camera_id, "sub"), HOLDER)
        saved = self.plan.to_dict() if previous else (load_json(self.plan_path) if self.plan_path else {})
        if saved:
            self.plan = WallPlan.from_dict(saved, ids)
        else:
            # At most 16 to a page: a large station pages or patrols rather than shrinking tiles.
            self.plan = WallPlan.of(ids, layout_for(min(len(ids), 16)) if ids else 16)
        self.toolbar.set_layout(self.plan.layout)
        self._update_group_choices()
        self.show_plan_page()

    def set_patrol_groups(self, groups: list[PatrolGroupRecord]) -> None:
        self.patrol_groups = {g.id: g for g in groups}
        self._update_group_choices()

    def _update_group_choices(self) -> None:
        streets = sorted({c.street for c in self.cameras.values() if c.street})
        self.toolbar.set_groups(streets, [(g.id, g.name) for g in self.patrol_groups.values()])

    def set_layout(self, n: int) -> None:
        self.plan.set_layout(n)
        self.toolbar.set_layout(n)
        if self.patrol.active:
            self._toggle_patrol(True)  # restart with the new page size
        else:
            self.show_plan_page()

    def step_page(self, delta: int) -> None:
        self.patrol.stop()
        self.toolbar.set_patrol_checked(False)
        self.plan.go(self.plan.page + delta)
        self.show_plan_page()

    def show_plan_page(self) -> None:
        self._show_ids(self.plan.page_cameras())
        self.toolbar.set_page_label(self.plan.page, self.plan.page_count)
        if self.plan_path is not None:
            self.files.submit(save_json, self.plan_path, self.plan.to_dict())

    def place_camera(self, tile: int, camera_id: int) -> None:
        if camera_id not in self.cameras:
            return
        if self.patrol.active:
            self.step_page(0)
        self.plan.place(tile, camera_id)
        self.show_plan_page()

    def show_camera(self, camera_id: int) -> None:
        """Tree double-click: go to the page that holds the camera, or put it on the selected tile."""
        if camera_id in self.plan.positions:
            self.plan.go(self.plan.positions.index(camera_id) // self.plan.layout)
            self.step_page(0)
        else:
            self.place_camera(self.wall.selected or 0, camera_id)

    def _show_ids(self, ids: list[int | None]) -> None:
        """Put these cameras on the wall; start what is new, stop what left the screen."""
        self._restore_maximized()
        old = {cid for cid in self._shown if cid is not None}
        new = {cid for cid in ids if cid is not None}
        tiles: list[CameraTile | None] = []
        for cid in ids:
            cam = self.cameras.get(cid) if cid is not None else None
            if cam is None:
                tiles.append(None)
                continue
            worker = self.streams.acquire(StreamKey(cid, "sub"), cam.open_url("sub"), HOLDER)
            tiles.append(CameraTile(cam, worker))
        for cid in old - new:
            self.streams.release(StreamKey(cid, "sub"), HOLDER)
        self._shown, self._tiles = list(ids), tiles
        self.wall.set_sources(tiles)
        self.pageChanged.emit()

    def visible_tiles(self) -> list[CameraTile]:
        return [t for t in self._tiles if t is not None]

    # -- maximise: the main stream for one camera ------------------------------------------
    def toggle_maximize(self, index: int) -> None:
        if self.wall.maximized is not None:
            self._restore_maximized()
            return
        tile = self._tiles[index] if index < len(self._tiles) else None
        if tile is None:
            return
        cam = tile.camera
        key = StreamKey(cam.camera_id, "main")
        worker = self.streams.acquire(key, cam.open_url("main"), HOLDER)
        self._main_key = key
        self.wall.replace_source(index, CameraTile(cam, worker))
        self.wall.set_maximized(index)

    def _restore_maximized(self) -> None:
        index = self.wall.maximized
        if index is None:
            return
        self.wall.set_maximized(None)
        if index < len(self._tiles):
            self.wall.replace_source(index, self._tiles[index])
        if self._main_key is not None:
            self.streams.release(self._main_key, HOLDER)
            self._main_key = None

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key_Escape and self.wall.maximized is not None:
            self._restore_maximized()
        elif event.key() == Qt.Key_PageDown:
            self.step_page(1)
        elif event.key() == Qt.Key_PageUp:
            self.step_page(-1)
        else:
            super().keyPressEvent(event)

    # -- patrol -----------------------------------------------------------------------------
    def _toggle_patrol(self, on: bool) -> None:
        if not on:
            self.patrol.stop()
            self.show_plan_page()
            return
        group = self.toolbar.patrol_group()
        if group.startswith("group:"):
            stored = self.patrol_groups.get(int(group[6:]))
            ids = [cid for cid in (stored.camera_ids if stored else ()) if cid in self.cameras]
        elif group:
            ids = [c.camera_id for c in self.cameras.values() if c.street == group]
        else:
            ids = [cid for cid in self.plan.positions if cid is not None]
        self.patrol.start(ids, self.plan.layout, self.toolbar.patrol_seconds())

    def save_page_as_group(self) -> None:
        """The cameras of the page on screen, in their tile order, become a stored patrol group."""
        ids = [cid for cid in self._shown if cid is not None]
        if not ids:
            self.message.emit(self.tr("当前页没有画面"))
            return
        name = self.ask_group_name()
        if name:
            self.patrolGroupSaveRequested.emit(name, ids, self.toolbar.patrol_seconds())

    def _delete_group(self, group_id: int) -> None:
        group = self.patrol_groups.get(group_id)
        if group is not None and self.confirm(self.tr("删除轮巡分组「{0}」？摄像头本身不受影响。").format(group.name)):
            if self.patrol.active:
                self.toolbar.patrol_button.setChecked(False)
            self.patrolGroupDeleteRequested.emit(group_id)

    def _confirm(self, text: str) -> bool:
        return QMessageBox.question(self, self.tr("轮巡分组"), text) == QMessageBox.Yes

    def _ask_group_name(self) -> str:
        name, ok = QInputDialog.getText(self, self.tr("存为轮巡分组"), self.tr("分组名称："))
        return name.strip() if ok else ""

    @property
    def user(self) -> str:
        """The name in a snapshot's file name: the logged-in user's."""
        return self._user or self.session.actor.name

    # -- snapshots ---------------------------------------------------------------------------
    def snapshot_selected(self) -> None:
        index = self.wall.maximized if self.wall.maximized is not None else self.wall.selected
        if index is None:
            self.message.emit(self.tr("请先选中一个画面"))
            return
        self.snapshot(index)

    def snapshot(self, index: int) -> None:
        """The camera's full resolution: its main stream, opened for the moment if need be."""
        source = self.wall.sources()[index] if index < len(self.wall.sources()) else None
        if source is None:
            return
        cam, sub = source.camera, self._tiles[index].worker if self._tiles[index] else source.worker
        self.message.emit(self.tr("正在抓拍 {0}……").format(cam.title))
        origin = "maximised" if self.wall.maximized == index else "tile"
        store, actor, user = self.store_evidence, self.session.actor, self.user

        def grab() -> tuple[Path, Grab]:
            try:
                shot = grab_full_resolution(self.streams, cam, sub)
            except RuntimeError:
                raise RuntimeError(self.tr("该摄像头当前没有画面")) from None
            when = datetime.fromtimestamp(shot.frame_time).astimezone()
            path = save_snapshot(shot.image, self.snapshot_dir, cam.title, cam.camera_id, when, user)
            if store is not None:  # the same bytes, content-addressed, with camera, venue, time and who
                store(path.read_bytes(), cam.camera_id, when, origin, actor)
            return path, shot

        def done(result) -> None:
            if isinstance(result, BaseException):
                self.message.emit(self.tr("抓拍失败：{0}").format(result))
                return
            path, shot = result
            h, w = shot.image.shape[:2]
            if shot.variant == "main":
                self.message.emit(self.tr("已抓拍（{0}×{1}）：{2}").format(w, h, path))
            else:
                self.message.emit(self.tr("主码流不可用，已用子码流抓拍（{0}×{1}）：{2}").format(w, h, path))
            self.snapshotSaved.emit(str(path))

        self.files.submit(grab, on_done=done, on_error=done)

    def _context_menu(self, index: int, pos) -> None:
        menu = QMenu(self)
        tile = self.wall.sources()[index] if index < len(self.wall.sources()) else None
        if tile is not None:
            menu.addAction(self.tr("抓拍"), lambda: self.snapshot(index))
            menu.addAction(self.tr("还原") if self.wall.maximized is not None else self.tr("最大化"),
                           lambda: self.toggle_maximize(index))
            menu.addAction(self.tr("从画面移除"), lambda: self._clear_tile(index))
        if not menu.isEmpty():
            menu.exec(pos)

    def _clear_tile(self, index: int) -> None:
        self.plan.clear_tile(index)
        self.show_plan_page()

    def shutdown(self) -> None:
        self.patrol.stop()
        self._restore_maximized()
        for cid in self._shown:
            if cid is not None:
                self.streams.release(StreamKey(cid, "sub"), HOLDER)
        self._shown, self._tiles = [], []
