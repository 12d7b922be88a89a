"""The detail pane of one alert: its clean and boxed pictures, the clip, and the review form.
Pictures are read and scaled on the files runner (QImage is safe off the GUI thread); the
clip's duration is read there too with PyAV."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import av
from PySide6.QtCore import QBuffer, QIODevice, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop.core.access import SYSTEM, Action, Actor
from desktop.core.alerts import CONFIRMED, FALSE_ALARM, PENDING, AlertRecord
from desktop.services.alert_service import POST_S
from desktop.services.task_runner import TaskRunner
from desktop.services.user_session import UserSession
from desktop.ui.alerts.model import local_time, tier_color
from desktop.ui.clip_player_dialog import ClipPlayerDialog
from desktop.ui.picture_dialog import PictureDialog, load_full_picture

log = logging.getLogger(__name__)

PICTURE_W, PICTURE_H = 400, 225


def load_picture(path: Path) -> QImage:
    """Files runner: the picture scaled to the pane (a null image when the file is missing)."""
    img = QImage(str(path))
    return img if img.isNull() else img.scaled(PICTURE_W, PICTURE_H, Qt.KeepAspectRatio, Qt.SmoothTransformation)


def clip_duration(path: Path) -> float:
    """Files runner: seconds from the first to the last frame of the clip."""
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        if v.duration is not None and v.time_base is not None:
            return float(v.duration * v.time_base)
        return float(c.duration or 0) / av.time_base


class _Picture(QLabel):
    """A picture of the pane; double-click opens it large (an audited view of the evidence)."""

    doubleClicked = Signal()

    def mouseDoubleClickEvent(self, event) -> None:
        self.doubleClicked.emit()
        super().mouseDoubleClickEvent(event)


class AlertDetail(QWidget):
    reviewRequested = Signal(int, str, str)  # alert id, state, comment (the reviewer is the logged-in user)
    acknowledgeRequested = Signal(int)  # 签收 this alert (as the logged-in user)
    evidenceOpened = Signal(object, int, str)  # AlertRecord, evidence id, what was opened: for the audit trail
    fileCaseRequested = Signal()  # 立案 from the selected alert(s)
    openCaseRequested = Signal(int)  # a case this alert was filed into
    snapshotStored = Signal(object)  # EvidenceInfo of a snapshot taken in the clip player

    def __init__(self, files: TaskRunner, evidence_root: Path, session: UserSession | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session if session is not None else UserSession(SYSTEM)
        self.files = files
        self.evidence_root = evidence_root
        self.record: AlertRecord | None = None
        self.title = QLabel(self)
        self.title.setObjectName("alertTitle")
        self.info = QLabel(self)
        self.info.setWordWrap(True)
        self.info.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.clean = self._picture_label()
        self.boxes = self._picture_label()
        self.clean.doubleClicked.connect(lambda: self.open_picture("clean"))
        self.boxes.doubleClicked.connect(lambda: self.open_picture("boxes"))
        self._pictures: list[PictureDialog] = []
        self.clip_label = QLabel(self)
        self.clip_label.setWordWrap(True)
        self.clip_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.play_button = QPushButton(self.tr("打开录像"), self)
        self.play_button.setToolTip(self.tr("逐帧查看告警录像，可变速、加书签、抓拍存证"))
        self.play_button.clicked.connect(self.open_clip)
        # (png, camera id, frame time, source, actor) → stored evidence, on the files thread (the
        # console sets it): snapshots from the clip player become content-addressed evidence.
        self.store_snapshot: Callable[[bytes, int, datetime, str, Actor], object] | None = None
        self._players: list[ClipPlayerDialog] = []
        # 签收: the duty officer signs the alert off as seen; after that it says by whom and when.
        self.ack_label = QLabel(self)
        self.ack_label.setObjectName("ackLabel")
        self.ack_button = QPushButton(self.tr("签收"), self)
        self.ack_button.setObjectName("ackButton")
        self.ack_button.setToolTip(self.tr("确认已看到此告警（复核也视为签收）"))
        self.ack_button.clicked.connect(self._acknowledge)
        # The reviewer is whoever is logged in (the core records their name): shown, not typed.
        self.reviewer = QLabel(self)
        self.reviewer.setObjectName("reviewerLabel")
        self.comment = QLineEdit(self)
        self.comment.setPlaceholderText(self.tr("复核说明（重新复核时必填）"))
        self.confirm_button = QPushButton(self.tr("已确认"), self)
        self.false_button = QPushButton(self.tr("误报"), self)
        self.file_button = QPushButton(self.tr("立案"), self)
        self.file_button.setObjectName("fileCaseButton")
        self.file_button.setToolTip(self.tr("以选中的告警立案（可按住 Ctrl 或 Shift 多选同一单位的告警）"))
        self.file_button.clicked.connect(self.fileCaseRequested)
        self.cases_label = QLabel(self)
        self.cases_label.setObjectName("alertCases")
        self.cases_label.setTextFormat(Qt.RichText)
        self.cases_label.setWordWrap(True)
        self.cases_label.linkActivated.connect(lambda link: self.openCaseRequested.emit(int(link.split(":")[1])))
        self.confirm_button.clicked.connect(lambda: self._review(CONFIRMED))
        self.false_button.clicked.connect(lambda: self._review(FALSE_ALARM))

        pictures = QGridLayout()
        pictures.addWidget(QLabel(self.tr("原始画面"), self), 0, 0)
        pictures.addWidget(QLabel(self.tr("标注画面"), self), 0, 1)
        pictures.addWidget(self.clean, 1, 0)
        pictures.addWidget(self.boxes, 1, 1)
        pictures.setColumnStretch(2, 1)  # pictures side by side on the left
        review = QHBoxLayout()
        review.addWidget(self.reviewer)
        review.addWidget(self.comment, 1)
        review.addWidget(self.confirm_button)
        review.addWidget(self.false_button)
        review.addSpacing(12)
        review.addWidget(self.file_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.title)
        layout.addWidget(self.info)
        layout.addWidget(self.cases_label)
        layout.addLayout(pictures)
        clip_row = QHBoxLayout()
        clip_row.addWidget(self.clip_label, 1)
        clip_row.addWidget(self.play_button)
        layout.addLayout(clip_row)
        ack_row = QHBoxLayout()
        ack_row.addWidget(self.ack_label)
        ack_row.addWidget(self.ack_button)
        ack_row.addStretch(1)
        layout.addLayout(ack_row)
        layout.addLayout(review)
        layout.addStretch(1)
        self.session.changed.connect(lambda _actor: self.apply_role())
        self.apply_role()

    def apply_role(self) -> None:
        """审核 (已确认 / 误报) only for a role that reviews alerts, 立案 only for one that files
        cases: a 值班员 watches and acknowledges, the buttons are not theirs to see."""
        may_review = self.session.can(Action.REVIEW_ALERT)
        for w in (self.reviewer, self.comment, self.confirm_button, self.false_button):
            w.setVisible(may_review)
        self.file_button.setVisible(self.session.can(Action.CREATE_CASE))
        self.ack_button.setVisible(self.session.can(Action.ACK_ALERT))
        self.reviewer.setText(self.tr("复核人：{0}").format(self.session.actor.name))
        self.show_record(self.record)

    def _picture_label(self) -> _Picture:
        label = _Picture(self)
        label.setToolTip(self.tr("双击查看原图"))
        label.setFixedSize(PICTURE_W, PICTURE_H)
        label.setAlignment(Qt.AlignCenter)
        label.setStyleSheet("background: #111317; border: 1px solid #363c45;")
        label.setSizePolicy(QSizePolicy.Fixed, QSizePolicy.Fixed)
        return label

    # -- showing -------------------------------------------------------------------------------
    def show_record(self, record: AlertRecord | None) -> None:
        same = record is not None and self.record is not None and record.id == self.record.id
        old, self.record = self.record, record
        enabled = record is not None
        may_review = self.session.can(Action.REVIEW_ALERT)
        for w in (self.confirm_button, self.false_button, self.comment):
            w.setEnabled(enabled and may_review)
        self.file_button.setEnabled(enabled and record.review_state != FALSE_ALARM
                                    and self.session.can(Action.CREATE_CASE))
        self.ack_button.setEnabled(enabled and not record.acknowledged and self.session.can(Action.ACK_ALERT))
        if not same:
            self.cases_label.clear()
        if record is None:
            self.title.setText(self.tr("未选择告警"))
            self.info.setText(self.tr("在上方列表中选择一条告警查看证据并复核。"))
            for label in (self.clean, self.boxes):
                label.clear()
            self.clip_label.clear()
            self.ack_label.clear()
            return
        if record.acknowledged:
            self.ack_label.setText(self.tr("已签收：{0}，{1}").format(
                record.acknowledged_by, record.acknowledged_at.astimezone().strftime("%m-%d %H:%M:%S")))
            self.ack_button.setText(self.tr("已签收"))
        else:
            self.ack_label.setText(self.tr("签收：未签收"))
            self.ack_button.setText(self.tr("签收"))
        self.title.setText(f"<span style='color:{tier_color(record.tier)}; font-size:14pt; font-weight:600'>"
                           f"{record.category} · {record.tier}</span>")
        lines = [
            self.tr("时间：{0}　分数：{1:.2f}　规则：{2}").format(local_time(record), record.score, record.rule_id),
            self.tr("街镇：{0}　单位：{1}　摄像头：{2}").format(record.street or "—", record.venue_name,
                                                        record.camera_name),
            self.tr("原因：{0}").format(record.reason or "—"),
        ]
        if record.review_state == PENDING:
            lines.append(self.tr("复核：待复核"))
        else:
            lines.append(self.tr("复核：{0}（{1}，{2}）{3}").format(
                record.review_state, record.reviewer,
                record.reviewed_at.astimezone().strftime("%m-%d %H:%M") if record.reviewed_at else "",
                record.review_comment))
        self.info.setText("\n".join(lines))
        self.comment.setPlaceholderText(self.tr("复核说明（重新复核时必填）") if record.review_state != PENDING
                                        else self.tr("复核说明（可选）"))
        if not same or old.evidence != record.evidence:
            self._load_pictures(record)
        self._show_clip(record, reload=not same or old.evidence != record.evidence)

    def _load_pictures(self, record: AlertRecord) -> None:
        for role, label in (("clean", self.clean), ("boxes", self.boxes)):
            ev = record.evidence_of(role)
            label.setText(self.tr("加载中……") if ev else self.tr("无图片"))
            if ev is None:
                continue
            path = self.evidence_root / ev.rel_path

            def done(result, label=label, alert_id=record.id) -> None:
                if self.record is None or self.record.id != alert_id:
                    return  # another alert was chosen meanwhile
                if isinstance(result, QImage) and not result.isNull():
                    label.setPixmap(QPixmap.fromImage(result))
                else:
                    label.setText(self.tr("图片缺失"))

            self.files.submit(load_picture, path, on_done=done, on_error=done)

    def _show_clip(self, record: AlertRecord, reload: bool) -> None:
        ev = record.evidence_of("clip")
        self.play_button.setEnabled(ev is not None and not ev.removed)
        if ev is not None and ev.removed:  # the disk guard's retention policy, not a broken file
            self.clip_label.setText(self.tr("录像：已按保留策略清理"))
            return
        if ev is None:
            if record.clip_error:
                self.clip_label.setText(self.tr("录像不可用：{0}").format(record.clip_error))
            else:
                self.clip_label.setText(self.tr("录像：截取中或无录像"))
            return
        path = self.evidence_root / ev.rel_path
        if not reload and self.clip_label.property("clip") == ev.sha256:
            return
        self.clip_label.setProperty("clip", ev.sha256)
        self.clip_label.setText(self.tr("录像：{0}").format(path))

        def done(result, alert_id=record.id) -> None:
            if self.record is None or self.record.id != alert_id:
                return
            if isinstance(result, BaseException):
                self.clip_label.setText(self.tr("录像：{0}（无法读取：{1}）").format(path, result))
            else:
                self.clip_label.setText(self.tr("录像：{0}（时长 {1:.1f} 秒，{2:.1f} MB）").format(
                    path, result, ev.size / 1e6))

        self.files.submit(clip_duration, path, on_done=done, on_error=done)

    # -- clip review ---------------------------------------------------------------------------
    def open_clip(self) -> ClipPlayerDialog | None:
        """The alert's clip in the player (non-modal), the alert moment marked: the clip ends
        POST_S after it (cut_from_ring), which also gives each frame its wall-clock time."""
        record = self.record
        ev = record.evidence_of("clip") if record is not None else None
        if ev is None or ev.removed:
            return None
        dlg = ClipPlayerDialog(self.evidence_root / ev.rel_path, camera_name=record.camera_name,
                               venue_name=record.venue_name, alert_at=record.at, marker_from_end_s=POST_S,
                               parent=self)
        dlg.setAttribute(Qt.WA_DeleteOnClose)
        dlg.snapshotTaken.connect(lambda image, _s, when, rec=record: self._store_player_snapshot(rec, image, when))
        dlg.destroyed.connect(lambda _=None, d=dlg: self._players.remove(d) if d in self._players else None)
        self._players.append(dlg)
        dlg.show()
        self.evidenceOpened.emit(record, ev.evidence_id, "打开录像")
        return dlg

    def open_picture(self, role: str) -> None:
        """The clean or boxed picture at full resolution (read on the files runner)."""
        record = self.record
        ev = record.evidence_of(role) if record is not None else None
        if ev is None or ev.removed:
            return
        which = "原始画面" if role == "clean" else "标注画面"
        title = self.tr("{0} · {1} · {2}").format(self.tr(which), record.venue_name, local_time(record))

        def loaded(image) -> None:
            if not isinstance(image, QImage) or image.isNull():
                self.clip_label.setText(self.tr("图片无法读取"))
                return
            dlg = PictureDialog(image, title, self)
            dlg.setAttribute(Qt.WA_DeleteOnClose)
            dlg.destroyed.connect(lambda _=None, d=dlg: self._pictures.remove(d) if d in self._pictures else None)
            self._pictures.append(dlg)
            dlg.show()
            self.evidenceOpened.emit(record, ev.evidence_id, "查看大图：" + which)

        self.files.submit(load_full_picture, self.evidence_root / ev.rel_path, on_done=loaded, on_error=loaded)

    def _store_player_snapshot(self, record: AlertRecord, image: QImage, when: datetime | None) -> None:
        store = self.store_snapshot
        if store is None or image.isNull():
            return
        frame = image.copy()  # the encoding runs on the files thread, on a copy of its own
        at = when or record.at
        actor = self.session.actor

        def encode_and_store():
            buffer = QBuffer()
            buffer.open(QIODevice.WriteOnly)
            frame.save(buffer, "PNG")
            return store(bytes(buffer.data()), record.camera_id, at, "player", actor)

        def done(result) -> None:
            if isinstance(result, BaseException):
                self.clip_label.setText(self.tr("抓拍存证失败：{0}").format(result))
            else:
                self.clip_label.setText(self.tr("已抓拍存证（{0}×{1}），可在立案时加入证据").format(
                    image.width(), image.height()))
                self.snapshotStored.emit(result)

        self.files.submit(encode_and_store, on_done=done, on_error=done)

    def show_cases(self, alert_id: int, cases) -> None:
        """The cases this alert was filed into (CaseSummary rows), as links to the 案件 page."""
        if self.record is None or self.record.id != alert_id:
            return
        if not cases:
            self.cases_label.setText(self.tr("案件：未立案"))
            return
        links = "、".join(f"<a href='case:{c.id}' style='color:#60a5fa'>{c.number}</a>（{c.state}）" for c in cases)
        self.cases_label.setText(self.tr("已立案：{0}").format(links))

    def set_file_count(self, n: int) -> None:
        self.file_button.setText(self.tr("立案（{0} 条）").format(n) if n > 1 else self.tr("立案"))

    # -- acknowledge and review ----------------------------------------------------------------
    def _acknowledge(self) -> None:
        if self.record is not None and not self.record.acknowledged:
            self.ack_button.setEnabled(False)  # one request; the updated record decides the rest
            self.acknowledgeRequested.emit(self.record.id)

    def _review(self, state: str) -> None:
        if self.record is not None:
            self.reviewRequested.emit(self.record.id, state, self.comment.text().strip())
