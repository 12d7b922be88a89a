"""Add or edit a camera. Credentials typed into a URL move to the user/password fields at once;
the stored password is never loaded into the dialog (empty fields keep what is stored).
"测试连接" probes the typed URL in the background and shows codec, size, fps and open time,
or why it failed. "AI 分析设置…" opens the camera's zones, thresholds and hours (camera_rules_dialog)."""

from __future__ import annotations

import logging

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from desktop.core.credentials import split_credentials
from desktop.core.registry import CameraInput, CameraRecord, VenueRecord
from desktop.core.registry_validation import ValidationError
from desktop.core.vocabulary import CAMERA_AREAS
from desktop.services.registry_service import CredentialEdit, RegistryService, error_text
from desktop.streaming.probe import ProbeResult
from desktop.ui.camera_tile import tr_status
from desktop.ui.registry.camera_rules_dialog import CameraRulesDialog
from desktop.ui.registry.form import FieldForm, dialog_layout
from desktop.ui.registry.venue_dialog import combo_value

log = logging.getLogger(__name__)

OK_STYLE = "color: #4ade80;"
FAIL_STYLE = "color: #f87171;"


class CameraDialog(QDialog):
    saved = Signal(int)  # camera id
    probed = Signal(object)  # ProbeResult

    def __init__(self, service: RegistryService, venue: VenueRecord, camera: CameraRecord | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.venue = venue
        self.camera = camera
        self.last_probe: ProbeResult | None = None
        self.saving = self.probing = False
        self.setWindowTitle(self.tr("编辑摄像头") if camera else self.tr("添加摄像头"))
        self.setMinimumWidth(560)
        f = self.form = FieldForm(self)
        venue_label = QLabel(venue.name, self)
        venue_label.setWordWrap(True)
        f.add("venue_id", self.tr("所属单位"), venue_label)
        self.name = f.add("name", self.tr("名称 *"), QLineEdit(self))
        self.area = QComboBox(self, editable=True)
        self.area.addItems(CAMERA_AREAS)
        f.add("area", self.tr("区域"), self.area)
        self.sub_url = f.add("sub_url", self.tr("子码流地址 *"), QLineEdit(self),
                             self.tr("视频墙用子码流；地址中的用户名和密码会移到下面的凭据栏"))
        self.sub_url.setPlaceholderText("rtsp://192.168.1.64:554/Streaming/Channels/102")
        self.main_url = f.add("main_url", self.tr("主码流地址"), QLineEdit(self), self.tr("最大化和抓拍时使用，可不填"))
        self.main_url.setPlaceholderText("rtsp://192.168.1.64:554/Streaming/Channels/101")
        stored = camera is not None and camera.has_credentials
        keep = self.tr("已保存，留空则不修改") if stored else self.tr("可选")
        self.username = f.add("username", self.tr("用户名"), QLineEdit(self))
        self.username.setPlaceholderText(keep)
        self.password = f.add("password", self.tr("密码"), QLineEdit(self))
        self.password.setEchoMode(QLineEdit.Password)
        self.password.setPlaceholderText(keep)
        self.clear_credentials = QCheckBox(self.tr("清除已保存的用户名和密码"), self)
        if stored:
            f.add("credentials", "", self.clear_credentials)
        else:
            self.clear_credentials.hide()
        self.enabled = QCheckBox(self.tr("启用（在视频墙显示）"), self, checked=True)
        self.installed = QCheckBox(self.tr("已安装"), self, checked=True)
        self.connected = QCheckBox(self.tr("已对接平台"), self)
        self.analysis = QCheckBox(self.tr("智能分析"), self, checked=True)
        flags = QWidget(self)
        row = QHBoxLayout(flags)
        row.setContentsMargins(0, 0, 0, 0)
        for box in (self.enabled, self.installed, self.connected, self.analysis):
            row.addWidget(box)
        row.addStretch(1)
        f.add("flags", self.tr("状态"), flags)
        self.analysis_fps = QDoubleSpinBox(self, minimum=0.1, maximum=15.0, singleStep=0.5, decimals=1, value=2.0)
        self.analysis_fps.setSuffix(self.tr(" 帧/秒"))
        f.add("analysis_fps", self.tr("分析帧率"), self.analysis_fps)
        # Zones, masks, thresholds and hours: a dialog of their own, for a camera already saved.
        self.rules_dialog: CameraRulesDialog | None = None
        self.rules_button = QPushButton(self.tr("AI 分析设置…"), self)
        if camera is None:
            self.rules_button.setEnabled(False)
            self.rules_button.setToolTip(self.tr("保存摄像头后才能设置"))
        else:
            self.rules_button.setToolTip(self.tr("在画面上画判定区域和屏蔽区，设置各类告警的阈值和时段"))
        self.rules_button.clicked.connect(self.open_rules)
        rules_row = QWidget(self)
        rrow = QHBoxLayout(rules_row)
        rrow.setContentsMargins(0, 0, 0, 0)
        rrow.addWidget(self.rules_button)
        rrow.addStretch(1)
        f.add("rules", self.tr("分析设置"), rules_row, self.tr("区域和屏蔽区、阈值、营业时间和关灯时段"))
        # Connection test
        self.probe_target = QComboBox(self)
        self.probe_target.addItem(self.tr("子码流"), "sub")
        self.probe_target.addItem(self.tr("主码流"), "main")
        self.probe_button = QPushButton(self.tr("测试连接"), self)
        self.probe_button.clicked.connect(self.test_connection)
        self.probe_result = QLabel(self)
        self.probe_result.setObjectName("probeResult")
        self.probe_result.setWordWrap(True)
        test = QWidget(self)
        trow = QHBoxLayout(test)
        trow.setContentsMargins(0, 0, 0, 0)
        trow.addWidget(self.probe_target)
        trow.addWidget(self.probe_button)
        trow.addWidget(self.probe_result, 1)
        f.add("probe", self.tr("连接测试"), test)
        self.buttons = dialog_layout(self, f)
        for edit in (self.sub_url, self.main_url):  # typed or pasted: out of the URL at once
            edit.textEdited.connect(lambda _t, e=edit: self._take_credentials(e))
            edit.editingFinished.connect(lambda e=edit: self._take_credentials(e))
        self._fill(camera)

    def _fill(self, c: CameraRecord | None) -> None:
        if c is None:
            self.area.setCurrentIndex(0)
            return
        self.name.setText(c.name)
        self.area.setEditText(c.area)
        self.sub_url.setText(c.sub_url)  # stored URLs never carry credentials
        self.main_url.setText(c.main_url if c.main_url != c.sub_url else "")
        self.enabled.setChecked(c.enabled)
        self.installed.setChecked(c.installed)
        self.connected.setChecked(c.platform_connected)
        self.analysis.setChecked(c.analysis_enabled)
        self.analysis_fps.setValue(c.analysis_fps)

    # -- AI 分析设置 -------------------------------------------------------------------------
    def open_rules(self) -> CameraRulesDialog | None:
        if self.camera is None:
            return None
        if self.rules_dialog is not None and self.rules_dialog.isVisible():
            self.rules_dialog.raise_()
            return self.rules_dialog
        dlg = self.rules_dialog = CameraRulesDialog(self.service, self.venue, self.camera, self)
        dlg.saved.connect(lambda _cid: self._rules_saved(dlg))
        dlg.open()
        return dlg

    def _rules_saved(self, dlg: CameraRulesDialog) -> None:
        """The rules dialog stored analysis on/off and its rate too: show them here, so saving
        this dialog afterwards does not put the old values back."""
        if dlg.stored is not None:
            self.analysis.setChecked(dlg.stored.analysis_enabled)
            self.analysis_fps.setValue(dlg.stored.analysis_fps)

    # -- credentials -------------------------------------------------------------------------
    def _take_credentials(self, edit: QLineEdit) -> None:
        """`rtsp://user:pw@host/...` → the URL without them, user and password into their fields."""
        clean, creds = split_credentials(edit.text())
        if not creds:
            return
        edit.setText(clean)
        if creds.username:
            self.username.setText(creds.username)
        if creds.secret:
            self.password.setText(creds.secret)

    def credential_edit(self) -> CredentialEdit:
        self._take_credentials(self.sub_url)
        self._take_credentials(self.main_url)
        if self.clear_credentials.isChecked():
            return CredentialEdit(clear=True)
        return CredentialEdit(self.username.text().strip() or None, self.password.text() or None)

    # -- connection test ---------------------------------------------------------------------
    def test_connection(self) -> None:
        if self.probing:
            return
        creds = self.credential_edit()
        url = (self.main_url.text() if self.probe_target.currentData() == "main" else "").strip() \
            or self.sub_url.text().strip()
        if not url:
            self._show_probe(self.tr("请先填写码流地址"), FAIL_STYLE)
            return
        self.probing = True
        self.probe_button.setEnabled(False)
        self._show_probe(self.tr("正在连接……（最长约 8 秒）"), "")
        camera_id = self.camera.id if self.camera is not None else None
        self.service.probe(url, self._probed, camera_id=camera_id, credentials=creds)

    def _probed(self, result: ProbeResult) -> None:
        self.probing = False
        self.probe_button.setEnabled(True)
        self.last_probe = result
        if result.ok:
            text = self.tr("连接成功：{0} · {1}x{2} · {3:g} fps · 打开用时 {4:.2f} 秒").format(
                result.codec, result.width, result.height, result.fps, result.open_seconds)
            self._show_probe(text, OK_STYLE)
        else:
            reason = tr_status(result.reason.text) if result.reason.text else (result.detail or self.tr("未知错误"))
            self._show_probe(self.tr("连接失败：{0}").format(reason), FAIL_STYLE, result.detail)
        self.probed.emit(result)

    def _show_probe(self, text: str, style: str, tooltip: str = "") -> None:
        self.probe_result.setText(text)
        self.probe_result.setStyleSheet(style)
        self.probe_result.setToolTip(tooltip)

    # -- saving ------------------------------------------------------------------------------
    def value(self) -> CameraInput:
        return CameraInput(
            venue_id=self.venue.id, name=self.name.text(), sub_url=self.sub_url.text(),
            main_url=self.main_url.text(), area=combo_value(self.area), enabled=self.enabled.isChecked(),
            installed=self.installed.isChecked(), platform_connected=self.connected.isChecked(),
            analysis_enabled=self.analysis.isChecked(), analysis_fps=round(self.analysis_fps.value(), 1),
            id=self.camera.id if self.camera is not None else None)

    def accept(self) -> None:
        if self.saving:
            return
        creds = self.credential_edit()
        self.form.clear_errors()
        self.saving = True
        self.buttons.setEnabled(False)
        self.service.save_camera(self.value(), creds, on_done=self._saved, on_error=self._failed)

    def _saved(self, camera_id: int) -> None:
        self.saving = False
        self.buttons.setEnabled(True)
        self.saved.emit(camera_id)
        super().accept()

    def _failed(self, exc: BaseException) -> None:
        self.saving = False
        self.buttons.setEnabled(True)
        if isinstance(exc, ValidationError):
            self.form.show_errors(exc.errors)
        else:
            self.form.show_general(self.tr("保存失败：{0}").format(error_text(exc)))
