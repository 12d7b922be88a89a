"""AI 分析设置 of one camera: zones and masks drawn on its picture, the thresholds of every
category, and its own hours. The dialog edits the Camera row's three rule documents
(analysis_json, zones_json, schedule_json; see detectors/rules/config.py) together with
analysis on/off and its rate.

- 区域: the zone editor over a picture fetched off the GUI thread: the camera's sub-stream is
  opened briefly with the stream engine's own worker (with a timeout) and its first decoded
  frame shown; a failure shows why in the editor and editing goes on over the placeholder.
- 规则: analysis on/off, analysed frames per second, the camera's cooldown and one row per
  category (RULE_CATEGORIES): enabled, score, min_size, k of n, cooldown, anchor.
- 时间: the venue's business hours as the default, or the camera's own; lights-off hours; time zone.

Every value is checked with CameraRules.from_json, the parser the analysis uses, before anything
is written; a bad value is named next to its field in Chinese and nothing is saved. Parts of
analysis_json the dialog does not show (motion, quality, label sets, offline delay) are kept.
Reading and saving run on the console's DB runner; a save emits RegistryService.changed, the
signal every registry change already sends, so the registry page reloads and the console
reloads the wall's cameras and the analysis settings (desktop/ui/app.py).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import (
    QAbstractItemView,
    QAbstractSpinBox,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop.core import registry
from desktop.core.camera_rules import MAX_FPS, MIN_FPS, RulesDocuments, read_camera_rules, save_camera_rules
from desktop.core.credentials import with_credentials
from desktop.core.registry import CameraRecord, VenueRecord
from desktop.core.registry_validation import ValidationError
from desktop.services.registry_service import RegistryService, error_text
from desktop.streaming.frames import FrameSlot
from desktop.streaming.status import Reason, StreamState
from desktop.streaming.worker import StreamKey, StreamWorker, WorkerOptions
from desktop.ui.camera_tile import tr_status
from desktop.ui.registry.form import ERROR_STYLE, HINT_STYLE, FieldForm
from detectors.rules.config import (
    ANCHORS,
    DEFAULT_RULES,
    RULE_CATEGORIES,
    CameraRules,
    CategoryRule,
    RulesConfigError,
    Schedule,
)
from detectors.rules.schedule import parse_spans
from detectors.rules.violation import tier_of
from widgets.zone_editor import ZoneEditor

log = logging.getLogger(__name__)

PICTURE_TIMEOUT_S = 8.0  # open + first frame of the sub-stream
DEFAULT_COOLDOWN_S = CameraRules().cooldown_s
DEFAULT_TIMEZONE = Schedule().timezone
TIMEZONES = ("Asia/Shanghai", "Asia/Urumqi", "Asia/Hong_Kong", "Asia/Macau", "Asia/Taipei")
OK_STYLE = "color: #4ade80;"
BAD_CELL = QColor("#7f1d1d")

# Columns of the rules table.
COL_CATEGORY, COL_TIER, COL_ENABLED, COL_SCORE, COL_MIN_SIZE, COL_K, COL_N, COL_COOLDOWN, COL_ANCHOR = range(9)


# --- picture ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Picture:
    image: np.ndarray | None  # BGR at the stream's resolution, or None
    reason: str = ""  # Reason.text (translated by the UI) when there is no image
    detail: str = ""


def grab_sub_picture(url: str, camera_id: int, timeout: float) -> Picture:
    """On a background thread: open `url` (credentials included) with a stream worker of its own,
    wait for the first decoded frame and close it again; the worker's reason when it fails."""
    options = WorkerOptions(open_timeout=timeout, read_timeout=timeout)
    worker = StreamWorker(StreamKey(camera_id, "sub"), url, FrameSlot(), lambda _k, _s: None, options)
    worker.start()
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            status = worker.status
            if status.online and (image := worker.snapshot()) is not None:
                return Picture(image)
            if status.state in (StreamState.RECONNECTING, StreamState.OFFLINE, StreamState.STOPPED):
                return Picture(
                    None, (status.reason if status.reason is not Reason.NONE else Reason.UNKNOWN).text, status.detail
                )
            time.sleep(0.05)
        return Picture(None, Reason.TIMEOUT.text)
    finally:
        worker.stop()


def bgr_to_qimage(image: np.ndarray) -> QImage:
    h, w = image.shape[:2]
    data = np.ascontiguousarray(image)
    return QImage(data.data, w, h, data.strides[0], QImage.Format_BGR888).copy()


# --- the dialog ---------------------------------------------------------------------------------


class _RuleRow:
    """The editors of one category's row in the rules table."""

    def __init__(self, dialog: CameraRulesDialog, table: QTableWidget, row: int, category: str) -> None:
        self.category = category
        tr = dialog.tr
        name = QTableWidgetItem(category)
        name.setFlags(Qt.ItemIsEnabled)
        tier = QTableWidgetItem(tier_of(category))
        tier.setFlags(Qt.ItemIsEnabled)
        tier.setTextAlignment(Qt.AlignCenter)
        table.setItem(row, COL_CATEGORY, name)
        table.setItem(row, COL_TIER, tier)
        self.enabled = QCheckBox(table)
        self.enabled.setToolTip(tr("启用「{0}」的判定").format(category))
        holder = QWidget(table)
        box = QHBoxLayout(holder)
        box.setContentsMargins(0, 0, 0, 0)
        box.setAlignment(Qt.AlignCenter)
        box.addWidget(self.enabled)
        table.setCellWidget(row, COL_ENABLED, holder)
        self.score = QDoubleSpinBox(table, minimum=0.0, maximum=1.0, singleStep=0.05, decimals=2)
        self.min_size = QDoubleSpinBox(table, minimum=0.0, maximum=1.0, singleStep=0.01, decimals=2)
        # Whole numbers in QDoubleSpinBox(decimals=0): the console's style sheet gives QSpinBox a
        # border under which a spin box without buttons draws no text.
        self.k = QDoubleSpinBox(table, minimum=1, maximum=100, decimals=0)
        self.n = QDoubleSpinBox(table, minimum=1, maximum=100, decimals=0)
        self.cooldown = QDoubleSpinBox(table, minimum=-1.0, maximum=86400.0, singleStep=30.0, decimals=0)
        self.cooldown.setSpecialValueText(tr("同摄像头"))  # -1: null, the camera's cooldown_s
        self.cooldown.setToolTip(tr("本类别两次告警的最短间隔（秒）；「同摄像头」即用摄像头的冷却时间"))
        self.anchor = QComboBox(table)
        for value in ANCHORS:
            self.anchor.addItem(tr("底边中点（脚下）") if value == "bottom" else tr("中心"), value)
        for w in (self.score, self.min_size, self.k, self.n, self.cooldown):
            w.setButtonSymbols(QAbstractSpinBox.NoButtons)  # typed, arrow keys or wheel: a dense table
            w.setFrame(False)
        for col, w in (
            (COL_SCORE, self.score),
            (COL_MIN_SIZE, self.min_size),
            (COL_K, self.k),
            (COL_N, self.n),
            (COL_COOLDOWN, self.cooldown),
            (COL_ANCHOR, self.anchor),
        ):
            table.setCellWidget(row, col, w)
        self.row = row
        self.table = table

    def set_rule(self, rule: CategoryRule) -> None:
        self.enabled.setChecked(rule.enabled)
        self.score.setValue(rule.score)
        self.min_size.setValue(rule.min_size)
        self.k.setValue(rule.k)
        self.n.setValue(rule.n)
        self.cooldown.setValue(-1.0 if rule.cooldown_s is None else rule.cooldown_s)
        self.anchor.setCurrentIndex(max(0, self.anchor.findData(rule.anchor)))

    def values(self) -> dict:
        cooldown = self.cooldown.value()
        return {
            "enabled": self.enabled.isChecked(),
            "score": round(self.score.value(), 2),
            "min_size": round(self.min_size.value(), 2),
            "k": int(self.k.value()),
            "n": int(self.n.value()),
            "cooldown_s": None if cooldown < 0 else float(cooldown),
            "anchor": self.anchor.currentData(),
        }

    def mark(self, message: str) -> None:
        for col in (COL_CATEGORY, COL_TIER):
            item = self.table.item(self.row, col)
            item.setData(Qt.BackgroundRole, BAD_CELL if message else None)
            item.setToolTip(message)


class CameraRulesDialog(QDialog):
    saved = Signal(int)  # camera id, after the database took the settings
    loaded = Signal()  # the stored settings are in the fields
    pictureDone = Signal(bool)  # a picture fetch ended: True with a picture

    def __init__(
        self,
        service: RegistryService,
        venue: VenueRecord,
        camera: CameraRecord,
        parent: QWidget | None = None,
        fetch_picture: bool = True,
    ) -> None:
        super().__init__(parent)
        self.service = service
        self.venue = venue
        self.camera = camera
        self.loading = True
        self.saving = False
        self.fetching = False
        self.stored: RulesDocuments | None = None
        self._analysis_base: dict = {}  # the stored analysis_json, for the parts not shown here
        self.setWindowTitle(self.tr("AI 分析设置 · {0} · {1}").format(venue.name, camera.name))
        self.setMinimumSize(880, 620)
        self.resize(1040, 760)

        self.general = QLabel(self)
        self.general.setObjectName("formError")
        self.general.setStyleSheet(ERROR_STYLE)
        self.general.setWordWrap(True)
        self.general.hide()
        self.tabs = QTabWidget(self)
        self.tabs.addTab(self._zones_tab(), self.tr("区域"))
        self.tabs.addTab(self._rules_tab(), self.tr("规则"))
        self.tabs.addTab(self._schedule_tab(), self.tr("时间"))
        self.buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel, self)
        self.buttons.button(QDialogButtonBox.Save).setText(self.tr("保存"))
        self.buttons.button(QDialogButtonBox.Cancel).setText(self.tr("取消"))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.buttons.button(QDialogButtonBox.Save).setEnabled(False)  # until the stored settings are in
        layout = QVBoxLayout(self)
        layout.addWidget(self.general)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.buttons)

        actor = service.session.actor
        self.service.db.submit(
            lambda: read_camera_rules(service.engine, camera.id, actor=actor),
            on_done=self._loaded, on_error=self._load_failed,
        )
        if fetch_picture:
            self.refresh_picture()

    # -- tabs --------------------------------------------------------------------------------
    def _zones_tab(self) -> QWidget:
        tab = QWidget(self)
        self.editor = ZoneEditor(tab)
        self.refresh_button = QPushButton(self.tr("刷新画面"), tab)
        self.refresh_button.setToolTip(self.tr("从摄像头子码流取一帧当前画面"))
        self.refresh_button.clicked.connect(self.refresh_picture)
        self.editor.add_tool(self.refresh_button)
        self.picture_status = QLabel(self.tr("尚未获取画面"), tab)
        self.picture_status.setObjectName("pictureStatus")
        self.picture_status.setWordWrap(True)
        about = QLabel(
            self.tr(
                "判定区域：只判定区域内的目标，不画区域则整个画面都判定。"
                "屏蔽区：区域内的目标一律不判定，用于电视、临街窗户、镜子等。"
            ),
            tab,
        )
        about.setStyleSheet(HINT_STYLE)
        about.setWordWrap(True)
        self.zones_error = QLabel(tab)
        self.zones_error.setObjectName("fieldError")
        self.zones_error.setStyleSheet(ERROR_STYLE)
        self.zones_error.setWordWrap(True)
        self.zones_error.hide()
        layout = QVBoxLayout(tab)
        layout.addWidget(self.editor, 1)
        layout.addWidget(self.picture_status)
        layout.addWidget(about)
        layout.addWidget(self.zones_error)
        return tab

    def _rules_tab(self) -> QWidget:
        tab = QWidget(self)
        f = self.rules_form = FieldForm(tab)
        # One row: on/off, rate, cooldown (spin boxes cannot hold a bad value; the save's own
        # check of the rate reports under the row).
        self.analysis = QCheckBox(self.tr("启用"), tab)
        self.analysis.setToolTip(self.tr("关闭后不再分析本摄像头的画面，也不产生告警；视频墙照常显示"))
        self.fps = QDoubleSpinBox(tab, minimum=MIN_FPS, maximum=MAX_FPS, singleStep=0.5, decimals=1, value=2.0)
        self.fps.setSuffix(self.tr(" 帧/秒"))
        self.fps.setToolTip(self.tr("每秒分析的画面数，默认 2；摄像头多时调低可减轻电脑负担"))
        self.cooldown = QDoubleSpinBox(
            tab, minimum=0.0, maximum=86400.0, singleStep=30.0, decimals=0, value=DEFAULT_COOLDOWN_S
        )
        self.cooldown.setSuffix(self.tr(" 秒"))
        self.cooldown.setToolTip(self.tr("同一类告警在本摄像头上两次之间的最短间隔；下表可按类别单独设置"))
        top = QWidget(tab)
        row = QHBoxLayout(top)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.analysis)
        row.addSpacing(24)
        row.addWidget(QLabel(self.tr("分析帧率"), top))
        row.addWidget(self.fps)
        row.addSpacing(24)
        row.addWidget(QLabel(self.tr("告警冷却"), top))
        row.addWidget(self.cooldown)
        row.addStretch(1)
        for w in (self.fps, self.cooldown):
            w.setMinimumWidth(110)
        f.add(
            "analysis_fps",
            self.tr("智能分析"),
            top,
            self.tr(
                "关闭后不再分析本摄像头的画面，也不产生告警。分析帧率默认每秒 2 帧，摄像头多时可调低；"
                "告警冷却是同一类告警两次之间的最短间隔，下表可按类别单独设置。"
            ),
        )
        columns = [
            self.tr("类别"),
            self.tr("等级"),
            self.tr("启用"),
            self.tr("最低置信度"),
            self.tr("最小尺寸"),
            self.tr("k"),
            self.tr("n"),
            self.tr("冷却（秒）"),
            self.tr("判定点"),
        ]
        self.table = QTableWidget(len(RULE_CATEGORIES), len(columns), tab)
        self.table.setObjectName("rulesTable")
        self.table.setHorizontalHeaderLabels(columns)
        self.table.verticalHeader().hide()
        self.table.setSelectionMode(QAbstractItemView.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        tips = {
            COL_SCORE: self.tr("检测结果的置信度达到此值才计入（0–1）"),
            COL_MIN_SIZE: self.tr("目标框高度至少占画面高度的比例（0–1），过滤远处的小目标"),
            COL_K: self.tr("最近 n 帧中至少 k 帧满足条件才告警"),
            COL_N: self.tr("k/n 判定的窗口帧数"),
            COL_COOLDOWN: self.tr("本类别两次告警的最短间隔（秒）"),
            COL_ANCHOR: self.tr("用目标框的哪一点判断是否在区域内：中心，或底边中点（人的脚下）"),
        }
        for col, tip in tips.items():
            self.table.horizontalHeaderItem(col).setToolTip(tip)
        self.rule_rows = [_RuleRow(self, self.table, i, c) for i, c in enumerate(RULE_CATEGORIES)]
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.Fixed)
        for col, width in (
            (COL_CATEGORY, 130),
            (COL_TIER, 56),
            (COL_ENABLED, 48),
            (COL_SCORE, 96),
            (COL_MIN_SIZE, 84),
            (COL_K, 56),
            (COL_N, 56),
            (COL_COOLDOWN, 110),
        ):
            header.resizeSection(col, width)
        header.setSectionResizeMode(COL_ANCHOR, QHeaderView.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(30)
        self.rules_error = QLabel(tab)
        self.rules_error.setObjectName("fieldError")
        self.rules_error.setStyleSheet(ERROR_STYLE)
        self.rules_error.setWordWrap(True)
        self.rules_error.hide()
        hint = QLabel(
            self.tr(
                "k/n：最近 n 帧分析中至少 k 帧满足条件才告警，可滤掉一闪而过的误检。"
                "最小尺寸：目标框高度占画面高度的比例。「非AI」类别由画面检查和时段规则产生。"
            ),
            tab,
        )
        hint.setStyleSheet(HINT_STYLE)
        hint.setWordWrap(True)
        layout = QVBoxLayout(tab)
        layout.addWidget(f)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.rules_error)
        layout.addWidget(hint)
        return tab

    def _schedule_tab(self) -> QWidget:
        tab = QWidget(self)
        f = self.schedule_form = FieldForm(tab)
        hours = self.venue.business_hours.strip()
        self.venue_hours = f.add(
            "venue_hours",
            self.tr("单位营业时间"),
            QLabel(hours or self.tr("（单位档案中未填写）"), tab),
            self.tr("默认按单位档案中的营业时间判定「非工作时间人员」"),
        )
        self.own_hours = f.add("own_hours", "", QCheckBox(self.tr("本摄像头单独设置营业时间"), tab))
        self.business_hours = f.add(
            "business_hours",
            self.tr("营业时间"),
            QLineEdit(tab),
            self.tr("如 06:00-09:00,11:00-20:00，多段用逗号分隔；不勾选上面一项时使用单位的营业时间"),
        )
        self.lights_off = f.add(
            "lights_off",
            self.tr("关灯时段"),
            QLineEdit(tab),
            self.tr("此时段内画面中有移动目标报「夜间移动目标」，如 22:00-05:00（可跨午夜）；留空则不检测"),
        )
        self.lights_off.setPlaceholderText(self.tr("如 22:00-05:00"))
        self.timezone = QComboBox(tab, editable=True)
        self.timezone.addItems(TIMEZONES)
        f.add("timezone", self.tr("时区"), self.timezone, self.tr("营业时间和关灯时段按此时区计算，一般不用改"))
        self.own_hours.toggled.connect(self._own_hours_toggled)
        self._own_hours_toggled(False)
        layout = QVBoxLayout(tab)
        layout.addWidget(f)
        layout.addStretch(1)
        return tab

    def _own_hours_toggled(self, own: bool) -> None:
        self.business_hours.setEnabled(own)
        venue_hours = self.venue.business_hours.strip()
        if own and not self.business_hours.text().strip():
            self.business_hours.setText(venue_hours)
        self.business_hours.setPlaceholderText(
            self.tr("如 06:00-09:00,11:00-20:00") if own else (venue_hours or self.tr("使用单位的营业时间"))
        )
        if not own:
            self.business_hours.clear()

    # -- loading -----------------------------------------------------------------------------
    def _alive(self) -> bool:
        return shiboken6.isValid(self)

    def _load_failed(self, exc: BaseException) -> None:
        if not self._alive():
            return
        self.loading = False
        self.general.setText(self.tr("读取分析设置失败：{0}").format(error_text(exc)))
        self.general.show()

    def _loaded(self, docs: RulesDocuments) -> None:
        if not self._alive():
            return
        self.stored = docs
        problems = []
        # Each document on its own: a bad one falls back to defaults, the others still show.
        try:
            rules = CameraRules.from_json(analysis_json=docs.analysis_json)
            self._analysis_base = json.loads(docs.analysis_json) if docs.analysis_json.strip() else {}
        except RulesConfigError as exc:
            problems.append(str(exc))
            rules, self._analysis_base = CameraRules(), {}
        try:
            zones = CameraRules.from_json(zones_json=docs.zones_json).zones
        except RulesConfigError as exc:
            problems.append(str(exc))
            zones = ()
        try:
            schedule = CameraRules.from_json(schedule_json=docs.schedule_json).schedule
        except RulesConfigError as exc:
            problems.append(str(exc))
            schedule = Schedule()
        self.analysis.setChecked(docs.analysis_enabled)
        self.fps.setValue(docs.analysis_fps)
        self.cooldown.setValue(rules.cooldown_s)
        for row in self.rule_rows:
            row.set_rule(rules.rule(row.category))
        self.editor.set_zones([{"kind": z.kind, "name": z.name, "points": [list(p) for p in z.points]} for z in zones])
        self.own_hours.setChecked(schedule.business_hours is not None)
        if schedule.business_hours is not None:
            self.business_hours.setText(schedule.business_hours)
        self.lights_off.setText(schedule.lights_off)
        self.timezone.setEditText(schedule.timezone)
        if problems:
            self.general.setText(
                self.tr("已保存的分析设置有误，相应部分按默认值显示，保存后将被替换：{0}").format("；".join(problems))
            )
            self.general.show()
        self.loading = False
        self.buttons.button(QDialogButtonBox.Save).setEnabled(True)
        self.loaded.emit()

    # -- picture -----------------------------------------------------------------------------
    def refresh_picture(self) -> None:
        """Open the camera's sub-stream briefly for one current frame (credentials resolved on the
        DB thread, the stream opened on the connection-test thread)."""
        if self.fetching:
            return
        self.fetching = True
        self.refresh_button.setEnabled(False)
        timeout = PICTURE_TIMEOUT_S
        self._show_picture_status(self.tr("正在获取画面……（最长约 {0:g} 秒）").format(timeout), "")
        if not self.editor.canvas.has_picture():
            self.editor.set_message(self.tr("正在获取画面……"))
        engine, prober, cam = self.service.engine, self.service.prober, self.camera

        def resolve() -> None:
            url = with_credentials(cam.sub_url, registry.camera_credentials(engine, cam.id))
            prober.submit(grab_sub_picture, url, cam.id, timeout, on_done=self._picture, on_error=self._picture)

        self.service.db.submit(resolve, on_error=self._picture)

    def _picture(self, result) -> None:
        if not self._alive():
            return
        self.fetching = False
        self.refresh_button.setEnabled(True)
        if isinstance(result, Picture) and result.image is not None:
            h, w = result.image.shape[:2]
            self.editor.set_picture(bgr_to_qimage(result.image))
            self.editor.set_message("")
            self._show_picture_status(
                self.tr("画面 {0}×{1}，获取于 {2}").format(w, h, datetime.now().strftime("%H:%M:%S")), OK_STYLE
            )
            self.pictureDone.emit(True)
            return
        if isinstance(result, Picture):
            reason = tr_status(result.reason) if result.reason else (result.detail or self.tr("未知错误"))
            detail = result.detail
        else:
            reason, detail = error_text(result), ""
        text = self.tr("无法获取画面：{0}").format(reason)
        if self.editor.canvas.has_picture():
            text = self.tr("{0}（显示的是上次的画面）").format(text)
        self.editor.set_message(text)
        self._show_picture_status(text + self.tr("。仍可在占位图上编辑区域。"), ERROR_STYLE, detail)
        self.pictureDone.emit(False)

    def _show_picture_status(self, text: str, style: str, tooltip: str = "") -> None:
        self.picture_status.setText(text)
        self.picture_status.setStyleSheet(style)
        self.picture_status.setToolTip(tooltip)

    # -- validation --------------------------------------------------------------------------
    def _rule_message(self, text: str) -> str:
        """CategoryRule's checks in Chinese."""
        known = (
            ("score", self.tr("最低置信度应在 0 到 1 之间")),
            ("min_size", self.tr("最小尺寸应在 0 到 1 之间")),
            ("k and n", self.tr("k 不能大于 n（需 1 ≤ k ≤ n ≤ 100）")),
            ("cooldown_s", self.tr("冷却时间不能为负数")),
            ("anchor", self.tr("判定点只能是中心或底边中点")),
        )
        return next((msg for key, msg in known if key in text), text)

    @staticmethod
    def _check(**documents: str) -> str:
        """'' when CameraRules.from_json takes the documents, else its message without the prefix."""
        try:
            CameraRules.from_json(**documents)
        except RulesConfigError as exc:
            text = str(exc)
            for prefix in ("schedule_json: ", "analysis_json: "):
                if text.startswith(prefix):
                    text = text[len(prefix) :]
            return text
        return ""

    def clear_errors(self) -> None:
        self.general.hide()
        self.general.clear()
        self.rules_form.clear_errors()
        self.schedule_form.clear_errors()
        self.rules_error.hide()
        self.rules_error.clear()
        self.zones_error.hide()
        self.zones_error.clear()
        for row in self.rule_rows:
            row.mark("")

    def documents(self) -> RulesDocuments | None:
        """The fields as the three documents, or None after showing every bad value."""
        self.clear_errors()
        schedule_errors: dict[str, str] = {}
        schedule: dict = {}
        if self.own_hours.isChecked():
            hours = self.business_hours.text().strip()
            if not hours:
                schedule_errors["business_hours"] = self.tr("请填写营业时间，或取消勾选以使用单位的营业时间")
            elif error := self._check(schedule_json=json.dumps({"business_hours": hours})):
                schedule_errors["business_hours"] = error
            else:
                schedule["business_hours"] = parse_spans(hours).text()
        lights = self.lights_off.text().strip()
        if lights:
            if error := self._check(schedule_json=json.dumps({"lights_off": lights})):
                schedule_errors["lights_off"] = error
            else:
                schedule["lights_off"] = parse_spans(lights).text()
        tz = self.timezone.currentText().strip() or DEFAULT_TIMEZONE
        if error := self._check(schedule_json=json.dumps({"timezone": tz})):
            schedule_errors["timezone"] = error
        elif tz != DEFAULT_TIMEZONE:
            schedule["timezone"] = tz

        rule_errors: list[str] = []
        rules: dict[str, dict] = {}
        for row in self.rule_rows:
            values = row.values()
            error = self._check(analysis_json=json.dumps({"rules": {row.category: values}}))
            if error:
                message = self._rule_message(error)
                row.mark(message)
                rule_errors.append(self.tr("「{0}」：{1}").format(row.category, message))
                continue
            rule = CategoryRule(**values)
            if rule != DEFAULT_RULES.get(row.category, CategoryRule()):
                rules[row.category] = dataclasses.asdict(rule)
        analysis = dict(self._analysis_base)
        cooldown = float(self.cooldown.value())
        if cooldown != DEFAULT_COOLDOWN_S or "cooldown_s" in analysis:
            analysis["cooldown_s"] = cooldown
        if rules:
            analysis["rules"] = rules
        else:
            analysis.pop("rules", None)
        zones_json = json.dumps(self.editor.zones(), ensure_ascii=False)
        zones_error = self._check(zones_json=zones_json)

        bad_tab = None
        if zones_error:
            self.zones_error.setText(self.tr("区域有误：{0}").format(zones_error))
            self.zones_error.show()
            bad_tab = 0
        if rule_errors:
            self.rules_error.setText("；".join(rule_errors))
            self.rules_error.show()
            bad_tab = 1 if bad_tab is None else bad_tab
        if schedule_errors:
            self.schedule_form.show_errors(schedule_errors)
            bad_tab = 2 if bad_tab is None else bad_tab
        if bad_tab is not None:
            self.tabs.setCurrentIndex(bad_tab)
            return None
        docs = RulesDocuments(
            json.dumps(analysis, ensure_ascii=False) if analysis else "{}",
            zones_json,
            json.dumps(schedule, ensure_ascii=False) if schedule else "",
            self.analysis.isChecked(),
            round(self.fps.value(), 1),
        )
        if error := self._check(
            analysis_json=docs.analysis_json, zones_json=docs.zones_json, schedule_json=docs.schedule_json
        ):
            self._show_general(self.tr("设置有误，未保存：{0}").format(error))
            return None
        return docs

    def _show_general(self, text: str) -> None:
        self.general.setText(text)
        self.general.show()

    # -- saving ------------------------------------------------------------------------------
    def accept(self) -> None:
        if self.saving or self.loading:
            return
        docs = self.documents()
        if docs is None:
            return
        self.saving = True
        self.buttons.setEnabled(False)
        engine, camera_id, actor = self.service.engine, self.camera.id, self.service.session.actor
        self.service.db.submit(
            lambda: save_camera_rules(engine, camera_id, docs, actor=actor),
            on_done=lambda _cid: self._saved(docs),
            on_error=self._failed,
        )

    def _saved(self, docs: RulesDocuments) -> None:
        self.stored = docs
        # The signal every registry change sends: the registry page and the console reload
        # (the wall's cameras and the analysis settings follow).
        self.service.changed.emit()
        if not self._alive():
            return
        self.saving = False
        self.buttons.setEnabled(True)
        self.saved.emit(self.camera.id)
        super().accept()

    def _failed(self, exc: BaseException) -> None:
        if not self._alive():
            return
        self.saving = False
        self.buttons.setEnabled(True)
        if isinstance(exc, ValidationError):
            self.rules_form.show_errors(exc.errors)
            self.tabs.setCurrentIndex(1)
        else:
            self._show_general(self.tr("保存失败：{0}").format(error_text(exc)))
