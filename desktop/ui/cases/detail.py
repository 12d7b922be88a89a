"""The detail pane of one case: its fields, the buttons for exactly the transitions the core
allows, its evidence as thumbnails (read and scaled on the files runner) with a red 「封存失效」
mark on a missing or altered file, annotated versions next to their original, the alerts it was
filed from and its time line. The pane emits requests; the page does the work."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktop.core.access import SYSTEM, Action
from desktop.core.case_queries import CaseEvidenceItem, CaseRecord
from desktop.core.case_rules import EDITABLE_STATES, FINAL_STATES, TRANSITION_LABELS
from desktop.services.task_runner import TaskRunner
from desktop.services.user_session import UserSession
from desktop.ui.alerts.model import tier_color
from desktop.ui.cases.model import CARD_BACKGROUNDS, card_color, card_text, local_time, state_color
from widgets.detail_panel import DetailPanel, heading_label

log = logging.getLogger(__name__)

THUMB_W, THUMB_H = 176, 99
KIND_NAMES = {"frame": "告警画面", "annotated": "标注图", "clip": "视频片段", "snapshot": "抓拍画面",
              "photo": "现场照片"}
ACTION_NAMES = {"create": "立案", "edit": "修改", "transition": "状态变更", "import": "导入"}
SEAL_BROKEN = "封存失效"


def transition_action(to_state: str) -> Action:
    """办结 and 撤销 are approvals (科室负责人); the other steps are case work (检查员)."""
    return Action.APPROVE_CASE if to_state in FINAL_STATES else Action.WORK_CASE


def load_thumbnail(path: Path) -> QImage:
    """Files runner: the picture scaled to a thumbnail (a null image when it cannot be read)."""
    img = QImage(str(path))
    return img if img.isNull() else img.scaled(THUMB_W, THUMB_H, Qt.KeepAspectRatio, Qt.SmoothTransformation)


def display_order(items: tuple[CaseEvidenceItem, ...]) -> list[CaseEvidenceItem]:
    """The case's order, each annotated version right after the original it was drawn on."""
    ids = {e.evidence_id for e in items}
    derived: dict[int, list[CaseEvidenceItem]] = {}
    for e in items:
        if e.derived_from_id is not None and e.derived_from_id in ids:
            derived.setdefault(e.derived_from_id, []).append(e)
    out: list[CaseEvidenceItem] = []
    for e in items:
        if e.derived_from_id is not None and e.derived_from_id in ids:
            continue
        out.append(e)
        out.extend(derived.get(e.evidence_id, []))
    return out


def _section(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName("caseSection")
    return label


def _table(columns: list[str], parent: QWidget) -> QTableWidget:
    table = QTableWidget(0, len(columns), parent)
    table.setHorizontalHeaderLabels(columns)
    table.verticalHeader().hide()
    table.setSelectionBehavior(QAbstractItemView.SelectRows)
    table.setEditTriggers(QAbstractItemView.NoEditTriggers)
    table.setWordWrap(False)
    table.setVerticalScrollBarPolicy(Qt.ScrollBarAsNeeded)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeToContents)
    header.setSectionResizeMode(len(columns) - 1, QHeaderView.Stretch)
    return table


def _fit(table: QTableWidget, rows: int, most: int = 8) -> None:
    shown = min(max(rows, 1), most)
    table.setFixedHeight(table.horizontalHeader().sizeHint().height()
                         + shown * table.verticalHeader().defaultSectionSize() + 2 * table.frameWidth() + 2)


class EvidenceTile(QFrame):
    """One evidence item: thumbnail, caption and (when the file is missing or altered) the
    broken-seal mark. Double-click: annotate or view (pictures), play (clips)."""

    activated = Signal(object)  # CaseEvidenceItem

    def __init__(self, item: CaseEvidenceItem, original_no: int | None, no: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.item = item
        self.setObjectName("evidenceTile")
        self.setProperty("annotated", item.derived_from_id is not None)
        self.picture = QLabel(self)
        self.picture.setObjectName("evidencePicture")
        self.picture.setFixedSize(THUMB_W, THUMB_H)
        self.picture.setAlignment(Qt.AlignCenter)
        kind = KIND_NAMES.get(item.kind, item.kind)
        role = item.role or kind
        caption = f"{no}. {role}"
        if original_no is not None:
            caption += self.tr("（标注自 {0}）").format(original_no)
        self.caption = QLabel(caption, self)
        self.caption.setObjectName("evidenceCaption")
        self.caption.setFixedWidth(THUMB_W)
        when = local_time(item.captured_at, "%m-%d %H:%M:%S") if item.captured_at else ""
        self.meta = QLabel(f"{when}  {item.sha256[:10]}", self)
        self.meta.setObjectName("evidenceMeta")
        self.seal = QLabel(self.tr(SEAL_BROKEN), self)
        self.seal.setObjectName("sealBroken")
        self.seal.setAlignment(Qt.AlignCenter)
        self.seal.hide()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(2)
        layout.addWidget(self.picture)
        layout.addWidget(self.caption)
        layout.addWidget(self.meta)
        layout.addWidget(self.seal)
        layout.addStretch(1)
        tips = [self.tr("{0}，{1:.1f} KB，SHA-256 {2}").format(kind, item.size / 1024, item.sha256)]
        if item.note:
            tips.insert(0, item.note)
        if self.is_picture:
            tips.append(self.tr("双击标注（另存为新证据，原图不变）或查看"))
        elif self.is_video:
            tips.append(self.tr("双击播放"))
        self.setToolTip("\n".join(tips))
        if not self.is_picture:
            self.picture.setText(self.tr("▶ 视频") if item.media_type.startswith("video/") else kind)

    @property
    def is_picture(self) -> bool:
        return self.item.media_type.startswith("image/")

    @property
    def is_video(self) -> bool:
        return self.item.media_type.startswith("video/")

    @property
    def seal_broken(self) -> bool:
        return not self.seal.isHidden()

    def set_problem(self, problem: str) -> None:
        if problem:
            self.seal.setText(self.tr("封存失效：{0}").format(problem))
            self.seal.setToolTip(self.tr("文件与立案时记录的 SHA-256 不符，不能作为证据使用"))
            self.seal.show()
        else:
            self.seal.hide()

    def set_image(self, image: QImage | None) -> None:
        if image is not None and not image.isNull():
            self.picture.setPixmap(QPixmap.fromImage(image))
        elif self.is_picture:
            self.picture.setText(self.tr("图片无法读取"))

    def mouseDoubleClickEvent(self, event) -> None:
        if self.is_picture or self.is_video:
            self.activated.emit(self.item)
        super().mouseDoubleClickEvent(event)


class CaseDetail(QWidget):
    transitionRequested = Signal(str)  # to_state
    editRequested = Signal()
    printRequested = Signal()
    pdfRequested = Signal()
    noticeRequested = Signal()
    exportRequested = Signal()
    deleteRequested = Signal()
    addEvidenceRequested = Signal()
    annotateRequested = Signal(object)  # CaseEvidenceItem: a picture, by a user who annotates
    openRequested = Signal(object)  # CaseEvidenceItem: view a picture large, play a clip

    def __init__(self, files: TaskRunner, evidence_root: Path, parent: QWidget | None = None,
                 session: UserSession | None = None) -> None:
        super().__init__(parent)
        self.session = session if session is not None else UserSession(SYSTEM)
        self.files = files
        self.evidence_root = evidence_root
        self.record: CaseRecord | None = None
        self.tiles: list[EvidenceTile] = []
        self.problems: dict[int, str] = {}
        self._thumbs: dict[str, QImage] = {}  # sha256 → thumbnail (files never change under a hash)

        body = QWidget(self)
        body.setObjectName("caseDetailBody")
        self.title = heading_label("", body, "caseTitle")
        self.badge = QLabel(body)
        self.badge.setObjectName("caseBadge")
        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.badge, 0, Qt.AlignTop)
        # Actions: the allowed transitions (rebuilt per case), then the fixed ones.
        self.transition_bar = QHBoxLayout()
        self.transition_bar.setSpacing(6)
        self.transition_buttons: dict[str, QPushButton] = {}
        self.edit_button = QPushButton(self.tr("编辑"), body)
        self.print_button = QPushButton(self.tr("打印"), body)
        self.pdf_button = QPushButton(self.tr("导出PDF"), body)
        self.notice_button = QPushButton(self.tr("责令改正通知书"), body)
        self.export_button = QPushButton(self.tr("导出案件包"), body)
        self.delete_button = QPushButton(self.tr("删除"), body)
        self.delete_button.setObjectName("dangerButton")
        self.notice_button.setToolTip(self.tr("导出责令改正通知书 PDF"))
        for button, signal in ((self.edit_button, self.editRequested), (self.print_button, self.printRequested),
                               (self.pdf_button, self.pdfRequested), (self.notice_button, self.noticeRequested),
                               (self.export_button, self.exportRequested),
                               (self.delete_button, self.deleteRequested)):
            button.clicked.connect(signal)
        actions = QHBoxLayout()
        actions.addLayout(self.transition_bar)
        actions.addStretch(1)
        for b in (self.edit_button, self.print_button, self.pdf_button, self.notice_button, self.export_button,
                  self.delete_button):
            actions.addWidget(b)
        self.fields = DetailPanel(parent=body, columns=2)
        self.facts = QLabel(body)
        self.facts.setObjectName("caseFacts")
        self.facts.setWordWrap(True)
        self.facts.setTextInteractionFlags(Qt.TextSelectableByMouse)
        # Evidence
        self.evidence_title = _section(self.tr("证据"), body)
        self.add_evidence_button = QPushButton(self.tr("添加证据文件…"), body)
        self.add_evidence_button.clicked.connect(self.addEvidenceRequested)
        self.evidence_hint = QLabel(self.tr("双击图片进行标注"), body)
        self.evidence_hint.setObjectName("caseHint")
        ev_head = QHBoxLayout()
        ev_head.addWidget(self.evidence_title)
        ev_head.addWidget(self.evidence_hint, 1)
        ev_head.addWidget(self.add_evidence_button)
        self.strip = QWidget(body)
        self.strip.setObjectName("evidenceStrip")
        self.strip_layout = QHBoxLayout(self.strip)
        self.strip_layout.setContentsMargins(0, 0, 0, 0)
        self.strip_layout.setSpacing(8)
        self.strip_layout.addStretch(1)
        self.strip_scroll = QScrollArea(body)
        self.strip_scroll.setObjectName("evidenceScroll")
        self.strip_scroll.setWidget(self.strip)
        self.strip_scroll.setWidgetResizable(True)
        self.strip_scroll.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.strip_scroll.setFixedHeight(THUMB_H + 98)
        self.no_evidence = QLabel(self.tr("暂无证据"), body)
        self.no_evidence.setObjectName("caseHint")
        # Alerts and time line
        self.alerts_title = _section(self.tr("关联告警"), body)
        self.alerts = _table([self.tr("时间"), self.tr("摄像头"), self.tr("类别"), self.tr("等级"), self.tr("复核"),
                              self.tr("原因")], body)
        self.no_alerts = QLabel(self.tr("无关联告警"), body)
        self.no_alerts.setObjectName("caseHint")
        self.timeline_title = _section(self.tr("时间线"), body)
        self.timeline = _table([self.tr("时间"), self.tr("操作人"), self.tr("操作"), self.tr("说明")], body)

        layout = QVBoxLayout(body)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(6)
        layout.addLayout(head)
        layout.addLayout(actions)
        layout.addWidget(self.fields)
        layout.addWidget(self.facts)
        layout.addLayout(ev_head)
        layout.addWidget(self.strip_scroll)
        layout.addWidget(self.no_evidence)
        below = QHBoxLayout()  # alerts and time line side by side: both visible without scrolling
        below.setSpacing(12)
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(self.alerts_title)
        left.addWidget(self.alerts)
        left.addWidget(self.no_alerts)
        left.addStretch(1)
        right.addWidget(self.timeline_title)
        right.addWidget(self.timeline)
        right.addStretch(1)
        below.addLayout(left, 1)
        below.addLayout(right, 1)
        layout.addLayout(below)
        layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setObjectName("caseDetailScroll")
        scroll.setWidget(body)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.NoFrame)
        self.empty = QLabel(self.tr("在左侧列表中选择一个案件，或点击「立案」"), self)
        self.empty.setAlignment(Qt.AlignCenter)
        self.empty.setObjectName("caseHint")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.empty)
        outer.addWidget(scroll)
        self.body_scroll = scroll
        self.show_record(None)
        self.session.changed.connect(lambda _actor: self.apply_role())
        self.apply_role()

    # -- showing -------------------------------------------------------------------------------
    def show_record(self, record: CaseRecord | None) -> None:
        same = record is not None and self.record is not None and record.id == self.record.id
        self.record = record
        self.empty.setVisible(record is None)
        self.body_scroll.setVisible(record is not None)
        if record is None:
            self._set_transitions(())
            self._show_evidence(())
            return
        self.title.setText(f"{record.number}　<span style='color:{state_color(record.state)}'>{record.state}</span>")
        self.title.setTextFormat(Qt.RichText)
        if record.card:
            self.badge.setText(card_text(record.card, record.days_overdue))
            self.badge.setStyleSheet(f"color: {card_color(record.card)}; background: {CARD_BACKGROUNDS[record.card]};"
                                     f" border: 1px solid {card_color(record.card)}; border-radius: 3px;"
                                     " padding: 2px 8px; font-weight: bold;")
            self.badge.show()
        else:
            self.badge.hide()
        origin = ""
        if record.imported_at is not None:
            origin = self.tr("导入于 {0}").format(local_time(record.imported_at))
            if record.origin_number:
                origin += self.tr("，原编号 {0}").format(record.origin_number)
        self.fields.set_rows([
            (self.tr("单位"), record.venue_name), (self.tr("街镇"), record.street),
            (self.tr("许可证号"), record.venue_license_no), (self.tr("地址"), record.venue_address),
            (self.tr("违规类型"), record.category), (self.tr("等级"), record.tier),
            (self.tr("承办人"), record.handler),
            (self.tr("整改期限"), record.deadline.isoformat() if record.deadline else ""),
            (self.tr("立案"), f"{local_time(record.created_at)} {record.created_by}"),
            (self.tr("办结"), local_time(record.closed_at)),
            (self.tr("法律依据"), "；".join(t for t in record.legal_basis.splitlines() if t.strip())),
            (self.tr("来源"), origin),
        ])
        self.facts.setText(self.tr("违法事实：{0}").format(record.facts or "—"))
        self._set_transitions(record.allowed_transitions)
        editable = record.state in EDITABLE_STATES
        self.edit_button.setEnabled(editable)
        self.add_evidence_button.setEnabled(editable)
        if not editable:
            self.evidence_hint.setText(self.tr("案件已结束，证据不能再添加"))
        elif self.session.can(Action.ANNOTATE):
            self.evidence_hint.setText(self.tr("双击图片进行标注，双击视频播放"))
        else:
            self.evidence_hint.setText(self.tr("双击查看图片或播放视频"))
        if not same:
            self.problems = {}
        self._show_evidence(record.evidence)
        self._show_alerts(record)
        self._show_timeline(record)

    def _set_transitions(self, states: tuple[str, ...]) -> None:
        for b in self.transition_buttons.values():
            self.transition_bar.removeWidget(b)
            b.hide()  # gone at once, not when the event loop gets to the deletion
            b.deleteLater()
        self.transition_buttons = {}
        record = self.record
        for to_state in states:
            needed = transition_action(to_state)
            if not (self.session.can(Action.WORK_CASE) or self.session.can(Action.APPROVE_CASE)):
                continue  # no case work at all (值班员, 管理员): the case is read-only
            label = TRANSITION_LABELS.get((record.state, to_state), to_state)
            b = QPushButton(label, self)
            b.setObjectName("transitionButton")
            b.setProperty("revoke", to_state == "撤销")
            if not self.session.can(needed):
                b.setEnabled(False)
                b.setToolTip(self.tr("需{0}权限（科室负责人）").format(needed.value))
            b.clicked.connect(lambda _=False, s=to_state: self.transitionRequested.emit(s))
            self.transition_bar.addWidget(b)
            self.transition_buttons[to_state] = b

    def transition_labels(self) -> list[str]:
        return [b.text() for b in self.transition_buttons.values()]

    def apply_role(self) -> None:
        """What the logged-in user's role may do with a case: buttons of work the role does not
        do are hidden; transitions that need an approval the role lacks are shown disabled."""
        can = self.session.can
        for button, action in ((self.edit_button, Action.WORK_CASE), (self.add_evidence_button, Action.WORK_CASE),
                               (self.print_button, Action.PRINT_CASE), (self.pdf_button, Action.PRINT_CASE),
                               (self.notice_button, Action.PRINT_CASE), (self.export_button, Action.EXPORT_CASE),
                               (self.delete_button, Action.DELETE_CASE)):
            button.setVisible(can(action))
        if self.record is not None:
            self.show_record(self.record)

    def _show_evidence(self, items) -> None:
        for t in self.tiles:
            self.strip_layout.removeWidget(t)
            t.deleteLater()
        self.tiles = []
        ordered = display_order(tuple(items))
        numbers = {e.evidence_id: i for i, e in enumerate(ordered, 1)}
        for i, item in enumerate(ordered, 1):
            tile = EvidenceTile(item, numbers.get(item.derived_from_id), i, self.strip)
            tile.activated.connect(self._activated)
            tile.set_problem(self.problems.get(item.evidence_id, ""))
            self.strip_layout.insertWidget(self.strip_layout.count() - 1, tile)
            self.tiles.append(tile)
            if tile.is_picture:
                self._load_thumb(tile)
        self.strip_scroll.setVisible(bool(ordered))
        self.no_evidence.setVisible(not ordered)
        self.evidence_title.setText(self.tr("证据（{0}）").format(len(ordered)))

    def _activated(self, item: CaseEvidenceItem) -> None:
        """Double-click: pictures go to the annotation editor for those who annotate (editing
        is the way they look closely), otherwise the evidence opens to be viewed."""
        if item.media_type.startswith("image/") and self.session.can(Action.ANNOTATE):
            self.annotateRequested.emit(item)
        else:
            self.openRequested.emit(item)

    def _load_thumb(self, tile: EvidenceTile) -> None:
        sha = tile.item.sha256
        if sha in self._thumbs and tile.item.evidence_id not in self.problems:
            tile.set_image(self._thumbs[sha])
            return
        tile.picture.setText(self.tr("加载中……"))

        def done(result, tile=tile) -> None:
            if tile not in self.tiles:
                return  # another case (or a refresh) replaced it
            image = result if isinstance(result, QImage) else None
            if image is not None and not image.isNull() and tile.item.evidence_id not in self.problems:
                self._thumbs[sha] = image
            tile.set_image(image)

        self.files.submit(load_thumbnail, self.evidence_root / tile.item.rel_path, on_done=done, on_error=done)

    def set_problems(self, case_id: int, problems: dict[int, str]) -> None:
        """The seal check's answer (files runner) for the case shown."""
        if self.record is None or self.record.id != case_id:
            return
        self.problems = dict(problems)
        for tile in self.tiles:
            problem = self.problems.get(tile.item.evidence_id, "")
            tile.set_problem(problem)
            if problem:
                self._thumbs.pop(tile.item.sha256, None)

    def broken_seals(self) -> list[int]:
        return [t.item.evidence_id for t in self.tiles if t.seal_broken]

    def _show_alerts(self, record: CaseRecord) -> None:
        self.alerts.setRowCount(len(record.alerts))
        for row, a in enumerate(record.alerts):
            cells = (local_time(a.at, "%m-%d %H:%M:%S"), a.camera_name, a.category, a.tier, a.review_state, a.reason)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 3:
                    item.setForeground(QColor(tier_color(a.tier)))
                self.alerts.setItem(row, col, item)
        _fit(self.alerts, len(record.alerts), 5)
        self.alerts.setVisible(bool(record.alerts))
        self.no_alerts.setVisible(not record.alerts)
        self.alerts_title.setText(self.tr("关联告警（{0}）").format(len(record.alerts)))

    def _show_timeline(self, record: CaseRecord) -> None:
        events = record.events
        self.timeline.setRowCount(len(events))
        for row, ev in enumerate(events):
            if ev.action == "transition":
                what = f"{ev.from_state} → {ev.to_state}"
            elif ev.action == "create":
                what = self.tr("立案（{0}）").format(ev.to_state)
            else:
                what = self.tr(ACTION_NAMES.get(ev.action, ev.action))
            cells = (local_time(ev.at, "%Y-%m-%d %H:%M:%S"), ev.who, what, ev.comment)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 3:
                    item.setToolTip(text)
                if col == 2 and ev.to_state:
                    item.setForeground(QColor(state_color(ev.to_state)))
                self.timeline.setItem(row, col, item)
        _fit(self.timeline, len(events), 10)

    def sizeHint(self):  # the splitter's share
        hint = super().sizeHint()
        hint.setWidth(max(hint.width(), 640))
        return hint


__all__ = ["SEAL_BROKEN", "THUMB_H", "THUMB_W", "CaseDetail", "EvidenceTile", "display_order", "load_thumbnail"]
