"""The right side of the registry page: one venue's 一户一档 — details, cameras, its cases (read
through the CaseService when the console has one; double-click opens the case on the 案件 tab),
and the alerts that a later issue fills in."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.redact import redact_url
from desktop.core.registry import CameraRecord, VenueRecord
from widgets.detail_panel import DetailPanel, heading_label

CAMERA_ID_ROLE = Qt.UserRole + 1
CASE_ID_ROLE = Qt.UserRole + 2
CASE_STATE_COLORS = {"待处理": "#fbbf24", "已推送整改": "#60a5fa", "整改中": "#38bdf8", "待复核": "#c084fc",
                     "已办结": "#34d399", "撤销": "#9ca3af"}
CARD_COLORS = {"黄牌": "#facc15", "红牌": "#f87171"}
TABLE_MAX_ROWS = 10  # past this the camera table scrolls


def _section(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName("sectionTitle")
    font = label.font()
    font.setBold(True)
    label.setFont(font)
    label.setStyleSheet("padding-top: 8px;")
    return label


def _placeholder(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName("emptyNote")
    label.setStyleSheet("color: #9ca3af; padding: 4px 0 4px 8px;")
    return label


class VenueView(QWidget):
    editVenue = Signal()
    deleteVenue = Signal()
    addCamera = Signal()
    editCamera = Signal(int)
    deleteCamera = Signal(int)
    openCase = Signal(int)  # a case of this venue, double-clicked

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.venue: VenueRecord | None = None
        self.editable = True  # False for a role without 管理单位与摄像头: the venue is only shown
        self.stack = QStackedWidget(self)
        self.empty = QLabel(self.tr("请在左侧选择一个单位，或点击「新增单位」"), self)
        self.empty.setAlignment(Qt.AlignCenter)
        self.empty.setStyleSheet("color: #9ca3af;")
        body = QWidget(self)
        self.details = DetailPanel(parent=body, columns=2)
        self.title = heading_label("", body, "venueTitle")
        self.edit_button = QPushButton(self.tr("编辑单位"), body)
        self.delete_button = QPushButton(self.tr("删除单位"), body)
        self.edit_button.clicked.connect(self.editVenue)
        self.delete_button.clicked.connect(self.deleteVenue)
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.edit_button)
        head.addWidget(self.delete_button)
        # Cameras
        self.add_camera_button = QPushButton(self.tr("添加摄像头"), body)
        self.edit_camera_button = QPushButton(self.tr("编辑摄像头"), body)
        self.delete_camera_button = QPushButton(self.tr("删除摄像头"), body)
        self.add_camera_button.clicked.connect(self.addCamera)
        self.edit_camera_button.clicked.connect(lambda: self._with_camera(self.editCamera))
        self.delete_camera_button.clicked.connect(lambda: self._with_camera(self.deleteCamera))
        self.cameras_title = _section(self.tr("摄像头"), body)
        cam_head = QHBoxLayout()
        cam_head.addWidget(self.cameras_title, 1)
        for b in (self.add_camera_button, self.edit_camera_button, self.delete_camera_button):
            cam_head.addWidget(b)
        columns = [self.tr("名称"), self.tr("区域"), self.tr("子码流地址"), self.tr("主码流地址"), self.tr("启用"),
                   self.tr("已安装"), self.tr("已对接"), self.tr("凭据")]
        self.table = QTableWidget(0, len(columns), body)
        self.table.setHorizontalHeaderLabels(columns)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.Stretch)
        header.setSectionResizeMode(3, QHeaderView.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.cellDoubleClicked.connect(lambda row, _c: self._with_camera(self.editCamera, row))
        self.no_cameras = _placeholder(self.tr("暂无摄像头"), body)
        # Later issues
        self.alerts = _placeholder(self.tr("暂无记录"), body)
        self.cases = _placeholder(self.tr("暂无记录"), body)
        self.case_service = None
        self.cases_title = _section(self.tr("案件"), body)
        case_columns = [self.tr("案件编号"), self.tr("违规类型"), self.tr("等级"), self.tr("承办人"), self.tr("期限"),
                        self.tr("状态"), self.tr("黄牌/红牌"), self.tr("立案时间")]
        self.case_table = QTableWidget(0, len(case_columns), body)
        self.case_table.setObjectName("venueCases")
        self.case_table.setHorizontalHeaderLabels(case_columns)
        self.case_table.verticalHeader().hide()
        self.case_table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.case_table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.case_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.case_table.setWordWrap(False)
        self.case_table.setToolTip(self.tr("双击在「案件」页打开"))
        self.case_table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
        self.case_table.horizontalHeader().setStretchLastSection(True)
        self.case_table.cellDoubleClicked.connect(self._case_activated)
        self.case_table.hide()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.addLayout(head)
        layout.addWidget(self.details)
        layout.addLayout(cam_head)
        layout.addWidget(self.table)
        layout.addWidget(self.no_cameras)
        layout.addWidget(_section(self.tr("告警"), body))
        layout.addWidget(self.alerts)
        layout.addWidget(self.cases_title)
        layout.addWidget(self.case_table)
        layout.addWidget(self.cases)
        layout.addStretch(1)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(body)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.stack)
        self._update_buttons()

    def show_venue(self, venue: VenueRecord | None, cameras: Sequence[CameraRecord] = ()) -> None:
        self.venue = venue
        if venue is None:
            self.stack.setCurrentIndex(0)
            return
        self.stack.setCurrentIndex(1)
        yes, no = self.tr("是"), self.tr("否")
        self.title.setText(venue.name)
        self.details.set_rows([
            (self.tr("许可证号"), venue.license_no), (self.tr("街镇"), venue.street),
            (self.tr("单位类型"), venue.venue_type), (self.tr("风险等级"), venue.risk_level),
            (self.tr("地址"), venue.address), (self.tr("营业时间"), venue.business_hours),
            (self.tr("联系人"), venue.contact_person), (self.tr("联系电话"), venue.contact_phone),
            (self.tr("建设进度"), venue.build_progress), (self.tr("预计完成"), venue.expected_completion),
            (self.tr("接入平台"), yes if venue.platform_connected else no),
            (self.tr("摄像头"), self.tr("{0} 个").format(len(cameras))),
            (self.tr("备注"), venue.notes),
        ])
        self.cameras_title.setText(self.tr("摄像头（{0}）").format(len(cameras)))
        selected = self.selected_camera()
        self.table.setRowCount(len(cameras))
        for row, c in enumerate(cameras):
            cells = (c.name, c.area, redact_url(c.sub_url),
                     redact_url(c.main_url) if c.main_url and c.main_url != c.sub_url else "",
                     yes if c.enabled else no, yes if c.installed else no, yes if c.platform_connected else no,
                     self.tr("已设置") if c.has_credentials else self.tr("未设置"))
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(CAMERA_ID_ROLE, c.id)
                if col == 2 or col == 3:
                    item.setToolTip(text)
                if not c.enabled:
                    item.setForeground(Qt.gray)
                self.table.setItem(row, col, item)
        self._fit_table(len(cameras))
        self.table.setVisible(bool(cameras))
        self.no_cameras.setVisible(not cameras)
        if selected is not None:
            self.select_camera(selected)
        self._update_buttons()
        self._load_cases()

    # -- cases ---------------------------------------------------------------------------------
    def set_case_service(self, service) -> None:
        """The console's CaseService: the venue's cases are listed (and follow every change)."""
        self.case_service = service
        service.caseChanged.connect(lambda record: self._load_cases() if self.venue is not None
                                    and record.venue_id == self.venue.id else None)
        service.caseDeleted.connect(lambda _id: self._load_cases())
        self._load_cases()

    def _load_cases(self) -> None:
        if self.case_service is None or self.venue is None:
            return
        venue_id = self.venue.id

        def done(result) -> None:
            if self.venue is None or self.venue.id != venue_id:
                return  # another venue was chosen meanwhile
            if isinstance(result, BaseException):
                self.cases.setText(self.tr("读取案件失败：{0}").format(result))
                self.cases.show()
                self.case_table.hide()
                return
            self.show_cases(result)

        self.case_service.cases_of_venue(venue_id, done, done)

    def show_cases(self, cases) -> None:
        """CaseSummary rows of the venue, newest first."""
        self.cases_title.setText(self.tr("案件（{0}）").format(len(cases)))
        self.case_table.setRowCount(len(cases))
        for row, c in enumerate(cases):
            card = self.tr("{0}（逾期 {1} 天）").format(c.card, c.days_overdue) if c.card else ""
            cells = (c.number, c.category, c.tier, c.handler, c.deadline.isoformat() if c.deadline else "", c.state,
                     card, c.created_at.astimezone().strftime("%Y-%m-%d %H:%M"))
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(CASE_ID_ROLE, c.id)
                if col == 5:
                    item.setForeground(QColor(CASE_STATE_COLORS.get(c.state, "#e5e7eb")))
                if col == 6 and c.card:
                    item.setForeground(QColor(CARD_COLORS[c.card]))
                self.case_table.setItem(row, col, item)
        shown = min(max(len(cases), 1), TABLE_MAX_ROWS)
        self.case_table.setFixedHeight(self.case_table.horizontalHeader().sizeHint().height()
                                       + shown * self.case_table.verticalHeader().defaultSectionSize()
                                       + 2 * self.case_table.frameWidth() + 2)
        self.case_table.setVisible(bool(cases))
        self.cases.setText(self.tr("暂无案件"))
        self.cases.setVisible(not cases)

    def case_ids(self) -> list[int]:
        return [self.case_table.item(r, 0).data(CASE_ID_ROLE) for r in range(self.case_table.rowCount())]

    def _case_activated(self, row: int, _col: int) -> None:
        item = self.case_table.item(row, 0)
        if item is not None:
            self.openCase.emit(int(item.data(CASE_ID_ROLE)))

    def _fit_table(self, rows: int) -> None:
        """As tall as its rows (up to TABLE_MAX_ROWS), so the sections below stay close."""
        shown = min(max(rows, 1), TABLE_MAX_ROWS)
        height = (self.table.horizontalHeader().sizeHint().height()
                  + shown * self.table.verticalHeader().defaultSectionSize() + 2 * self.table.frameWidth() + 2)
        if rows > TABLE_MAX_ROWS:
            height += self.table.horizontalScrollBar().sizeHint().height()
        self.table.setFixedHeight(height)

    def select_camera(self, camera_id: int) -> bool:
        for row in range(self.table.rowCount()):
            if self.table.item(row, 0).data(CAMERA_ID_ROLE) == camera_id:
                self.table.selectRow(row)
                return True
        return False

    def selected_camera(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.table.item(rows[0].row(), 0).data(CAMERA_ID_ROLE)

    def set_editable(self, editable: bool) -> None:
        """Hide the buttons that change a venue or its cameras (read-only for most roles)."""
        self.editable = editable
        for b in (self.edit_button, self.delete_button, self.add_camera_button, self.edit_camera_button,
                  self.delete_camera_button):
            b.setVisible(editable)
        self.empty.setText(self.tr("请在左侧选择一个单位，或点击「新增单位」") if editable
                           else self.tr("请在左侧选择一个单位"))

    def _with_camera(self, signal, row: int | None = None) -> None:
        if not self.editable:
            return
        cid = self.table.item(row, 0).data(CAMERA_ID_ROLE) if row is not None else self.selected_camera()
        if cid is not None:
            signal.emit(int(cid))

    def _update_buttons(self) -> None:
        has = self.selected_camera() is not None
        self.edit_camera_button.setEnabled(has)
        self.delete_camera_button.setEnabled(has)
