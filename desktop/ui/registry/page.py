"""单位档案: the venue tree with search and filters on the left, the chosen venue's 一户一档 on
the right; add / edit / delete venues and cameras, import and export spreadsheets.

Everything that touches the database goes through RegistryService (DB thread). Confirmations
and file choosers are attributes, so tests (and later a scripted admin) can answer them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktop.core.access import Action
from desktop.core.registry_search import filter_entries
from desktop.core.vocabulary import BUILD_PROGRESS, VENUE_TYPES
from desktop.services.registry_service import RegistryService, RegistrySnapshot, error_text
from desktop.ui.registry.camera_dialog import CameraDialog
from desktop.ui.registry.camera_rules_dialog import CameraRulesDialog
from desktop.ui.registry.venue_dialog import VenueDialog
from desktop.ui.registry.venue_view import CAMERA_ID_ROLE, VenueView
from widgets.camera_tree import CameraTree, TreeCamera, TreeVenue

log = logging.getLogger(__name__)

# Disabled buttons must look disabled on the dark theme (applies to the page's dialogs too).
class RegistryPage(QWidget):
    message = Signal(str)  # for the status bar
    reloaded = Signal()  # the page shows what the database holds now

    def __init__(self, service: RegistryService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.snapshot = RegistrySnapshot()
        self.venue_id: int | None = None
        self.dialog: QWidget | None = None  # the dialog open now (tests drive it)
        # Answerable by tests: confirm(title, text) -> bool; choosers return a path or None.
        self.confirm: Callable[[str, str], bool] = self._ask
        self.choose_import_file: Callable[[], Path | None] = self._choose_import_file
        self.choose_export_file: Callable[[], Path | None] = self._choose_export_file
        self._loading = False
        self._reload_again = False

        left = QWidget(self)
        self.add_venue_button = QPushButton(self.tr("新增单位"), left)
        self.import_button = QPushButton(self.tr("导入"), left)
        self.export_button = QPushButton(self.tr("导出"), left)
        self.import_button.setToolTip(self.tr("从 Excel (.xlsx) 或 CSV 导入单位和摄像头"))
        self.export_button.setToolTip(self.tr("把全部单位和摄像头导出为 Excel (.xlsx) 或 CSV"))
        buttons = QHBoxLayout()
        for b in (self.add_venue_button, self.import_button, self.export_button):
            buttons.addWidget(b)
        self.tree = CameraTree(left, draggable=False, venues_selectable=True)
        self.tree.set_filter_options(VENUE_TYPES, BUILD_PROGRESS)
        lv = QVBoxLayout(left)
        lv.setContentsMargins(6, 6, 0, 6)
        lv.addLayout(buttons)
        lv.addWidget(self.tree, 1)
        self.view = VenueView(self)
        splitter = QSplitter(Qt.Horizontal, self)
        splitter.addWidget(left)
        splitter.addWidget(self.view)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([320, 900])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(splitter)

        self.add_venue_button.clicked.connect(self.add_venue)
        self.import_button.clicked.connect(self.import_file)
        self.export_button.clicked.connect(self.export_file)
        self.tree.filterChanged.connect(self._filter)
        self.tree.venueSelected.connect(self.show_venue)
        self.tree.cameraSelected.connect(self._camera_selected)
        self.view.editVenue.connect(self.edit_venue)
        self.view.deleteVenue.connect(self.delete_venue)
        self.view.addCamera.connect(self.add_camera)
        self.view.editCamera.connect(self.edit_camera)
        self.view.deleteCamera.connect(self.delete_camera)
        # Right-click on a camera row: edit, AI 分析设置, delete.
        self.view.table.setContextMenuPolicy(Qt.CustomContextMenu)
        self.view.table.customContextMenuRequested.connect(self._camera_context_menu)
        service.changed.connect(self.reload)
        service.session.changed.connect(lambda _actor: self._user_changed())
        self.apply_role()

    # -- the logged-in user ------------------------------------------------------------------
    @property
    def editable(self) -> bool:
        return self.service.session.can(Action.MANAGE_REGISTRY)

    def apply_role(self) -> None:
        """Everyone sees the venues and cameras of their streets; only a role that manages the
        registry (管理员) gets the buttons that change them, the import and the export."""
        for b in (self.add_venue_button, self.import_button, self.export_button):
            b.setVisible(self.editable)
        self.view.set_editable(self.editable)

    def _user_changed(self) -> None:
        self.apply_role()
        if self.dialog is not None and self.dialog.isVisible():
            self.dialog.close()  # begun by the previous user
        self.reload()  # their streets

    # -- loading -----------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the registry again (DB thread); overlapping requests collapse into one more read."""
        if self._loading:
            self._reload_again = True
            return
        self._loading = True
        self.service.load(self._loaded, self._load_failed)

    def _load_failed(self, exc: BaseException) -> None:
        self._loading = False
        self.message.emit(self.tr("读取单位档案失败：{0}").format(error_text(exc)))

    def _loaded(self, snap: RegistrySnapshot) -> None:
        self._loading = False
        if self._reload_again:
            self._reload_again = False
            self.reload()
        self.snapshot = snap
        venues = [TreeVenue(v.id, v.name, v.street, tooltip=self._venue_tip(v)) for v in snap.venues]
        by_venue = {v.id: v for v in snap.venues}
        cameras = [TreeCamera(c.id, c.name if c.enabled else self.tr("{0}（停用）").format(c.name),
                              by_venue[c.venue_id].street, by_venue[c.venue_id].name, venue_id=c.venue_id)
                   for c in snap.cameras if c.venue_id in by_venue]
        self.tree.set_cameras(cameras, venues)
        self._filter(*self.tree.filter_state())
        if self.venue_id is not None and snap.venue(self.venue_id) is None:
            self.venue_id = None
        self.show_venue(self.venue_id)
        self.reloaded.emit()

    def _venue_tip(self, v) -> str:
        return "\n".join(t for t in (v.address, v.license_no, v.venue_type, v.build_progress) if t)

    def _filter(self, query: str, types, progress) -> None:
        if not query.strip() and types is None and progress is None:
            self.tree.set_visible_venues(None)
        else:
            self.tree.set_visible_venues(filter_entries(self.snapshot.entries, query, types, progress))

    # -- selection ---------------------------------------------------------------------------
    def show_venue(self, venue_id: int | None) -> None:
        venue = self.snapshot.venue(venue_id) if venue_id is not None else None
        self.venue_id = venue.id if venue else None
        self.view.show_venue(venue, self.snapshot.cameras_of(venue.id) if venue else [])
        if venue is not None and self.tree.selected() != ("venue", venue.id):
            selected = self.tree.selected()
            if selected is None or selected[0] != "camera" or \
                    (cam := self.snapshot.camera(selected[1])) is None or cam.venue_id != venue.id:
                self.tree.select_venue(venue.id)

    def _camera_selected(self, camera_id: int) -> None:
        cam = self.snapshot.camera(camera_id)
        if cam is None:
            return
        if cam.venue_id != self.venue_id:
            self.show_venue(cam.venue_id)
        self.view.select_camera(camera_id)

    def _after_reload_select(self, kind: str, ident: int) -> None:
        """Select what a dialog just saved once the reload it caused has arrived."""
        def select() -> None:
            known = self.snapshot.venue(ident) if kind == "venue" else self.snapshot.camera(ident)
            if known is None:
                return  # a read that started before the change: wait for the next one
            self.reloaded.disconnect(select)
            if kind == "venue":
                self.show_venue(ident)
            else:
                self._camera_selected(ident)
                self.tree.select_camera(ident)

        self.reloaded.connect(select)

    # -- venues ------------------------------------------------------------------------------
    def _streets(self) -> list[str]:
        return [s.name for s in self.snapshot.streets]

    def _open(self, dialog: QWidget) -> QWidget:
        old = self.dialog
        busy = old is not None and any(getattr(old, a, False)
                                       for a in ("saving", "probing", "running", "fetching", "loading"))
        if old is not None and not old.isVisible() and not busy:
            old.deleteLater()  # closed and with nothing in flight that could still call it back
        self.dialog = dialog
        dialog.open()  # window-modal, never a nested event loop
        return dialog

    def add_venue(self) -> VenueDialog:
        dlg = VenueDialog(self.service, self._streets(), None, self)
        dlg.saved.connect(lambda vid: self._saved(self.tr("已新增单位"), "venue", vid))
        return self._open(dlg)

    def edit_venue(self) -> VenueDialog | None:
        venue = self.snapshot.venue(self.venue_id) if self.venue_id is not None else None
        if venue is None:
            return None
        dlg = VenueDialog(self.service, self._streets(), venue, self)
        dlg.saved.connect(lambda vid: self._saved(self.tr("已保存单位"), "venue", vid))
        return self._open(dlg)

    def _saved(self, text: str, kind: str, ident: int) -> None:
        self._after_reload_select(kind, ident)
        self.message.emit(text)

    def delete_venue(self) -> None:
        venue = self.snapshot.venue(self.venue_id) if self.venue_id is not None else None
        if venue is None:
            return
        n = len(self.snapshot.cameras_of(venue.id))
        text = self.tr("删除单位「{0}」？\n\n将同时删除它的 {1} 个摄像头，以及这些摄像头的用户名密码、在线/离线记录和"
                       "轮巡位置。此操作无法撤销。").format(venue.name, n)
        if not self.confirm(self.tr("删除单位"), text):
            return
        done = self.tr("已删除单位「{0}」").format(venue.name)
        self.service.delete_venue(venue.id, on_done=lambda _r: self.message.emit(done), on_error=self._delete_failed)

    # -- cameras -----------------------------------------------------------------------------
    def add_camera(self) -> CameraDialog | None:
        venue = self.snapshot.venue(self.venue_id) if self.venue_id is not None else None
        if venue is None:
            return None
        dlg = CameraDialog(self.service, venue, None, self)
        dlg.saved.connect(lambda cid: self._saved(self.tr("已添加摄像头"), "camera", cid))
        return self._open(dlg)

    def edit_camera(self, camera_id: int) -> CameraDialog | None:
        cam = self.snapshot.camera(camera_id)
        venue = self.snapshot.venue(cam.venue_id) if cam else None
        if cam is None or venue is None:
            return None
        dlg = CameraDialog(self.service, venue, cam, self)
        dlg.saved.connect(lambda cid: self._saved(self.tr("已保存摄像头"), "camera", cid))
        return self._open(dlg)

    def camera_rules(self, camera_id: int) -> CameraRulesDialog | None:
        """AI 分析设置 of a camera: zones and masks on its picture, thresholds, hours."""
        cam = self.snapshot.camera(camera_id)
        venue = self.snapshot.venue(cam.venue_id) if cam else None
        if cam is None or venue is None:
            return None
        dlg = CameraRulesDialog(self.service, venue, cam, self)
        dlg.saved.connect(lambda cid: self._saved(self.tr("已保存 AI 分析设置"), "camera", cid))
        return self._open(dlg)

    def camera_menu(self, camera_id: int) -> QMenu:
        menu = QMenu(self)
        if not self.editable:
            return menu
        menu.addAction(self.tr("编辑摄像头…"), lambda: self.edit_camera(camera_id))
        menu.addAction(self.tr("AI 分析设置…"), lambda: self.camera_rules(camera_id))
        menu.addSeparator()
        menu.addAction(self.tr("删除摄像头"), lambda: self.delete_camera(camera_id))
        return menu

    def _camera_context_menu(self, pos: QPoint) -> None:
        table = self.view.table
        item = table.itemAt(pos)
        if item is None:
            return
        camera_id = int(item.data(CAMERA_ID_ROLE))
        self.view.select_camera(camera_id)
        menu = self.camera_menu(camera_id)
        if menu.isEmpty():
            menu.deleteLater()
            return
        menu.aboutToHide.connect(menu.deleteLater)
        menu.popup(table.viewport().mapToGlobal(pos))

    def delete_camera(self, camera_id: int) -> None:
        cam = self.snapshot.camera(camera_id)
        if cam is None:
            return
        text = self.tr("删除摄像头「{0}」？\n\n将同时删除它的用户名密码、在线/离线记录和轮巡位置。此操作无法撤销。"
                       ).format(cam.name)
        if not self.confirm(self.tr("删除摄像头"), text):
            return
        done = self.tr("已删除摄像头「{0}」").format(cam.name)
        self.service.delete_camera(camera_id, on_done=lambda _r: self.message.emit(done), on_error=self._delete_failed)

    def _delete_failed(self, exc: BaseException) -> None:
        self.message.emit(self.tr("删除失败：{0}").format(error_text(exc)))

    # -- import / export ---------------------------------------------------------------------
    def import_file(self):
        path = self.choose_import_file()
        if path is None:
            return None
        from desktop.ui.registry.import_dialog import ImportDialog

        return self._open(ImportDialog(self.service, Path(path), self._streets(), self))

    def export_file(self):
        path = self.choose_export_file()
        if path is None:
            return None
        from desktop.ui.registry.export_dialog import ExportDialog

        dlg = ExportDialog(self.service, Path(path), self)
        self._open(dlg)
        dlg.start()
        return dlg

    # -- default answers (real dialogs) ------------------------------------------------------
    def _ask(self, title: str, text: str) -> bool:
        box = QMessageBox(QMessageBox.Warning, title, text, QMessageBox.Yes | QMessageBox.Cancel, self)
        box.button(QMessageBox.Yes).setText(self.tr("删除"))
        box.button(QMessageBox.Cancel).setText(self.tr("取消"))
        box.setDefaultButton(QMessageBox.Cancel)
        return box.exec() == QMessageBox.Yes

    def _choose_import_file(self) -> Path | None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("选择要导入的表格"), "",
                                              self.tr("表格 (*.xlsx *.csv);;Excel (*.xlsx);;CSV (*.csv)"))
        return Path(path) if path else None

    def _choose_export_file(self) -> Path | None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("导出单位档案"), self.tr("单位档案.xlsx"),
                                              self.tr("Excel (*.xlsx);;CSV (*.csv)"))
        return Path(path) if path else None
