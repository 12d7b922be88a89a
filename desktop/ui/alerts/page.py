"""The 告警 page: filters on top, the list of alerts (newest first), the selected alert's
evidence and review form below. Every query and review runs on the DB runner through the
AlertService; new alerts arrive through its signals and are inserted without a query."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.alerts import REVIEW_STATES, AlertFilter, AlertRecord
from desktop.core.statistics import LOCAL_TZ
from desktop.services.alert_service import AlertService
from desktop.services.task_runner import TaskRunner
from desktop.ui.alerts.detail import AlertDetail
from desktop.ui.alerts.model import AlertTableModel, matches
from desktop.ui.alerts.sound import AlertSound, make_wav
from detectors.rules.violation import TIERS

log = logging.getLogger(__name__)

# Time ranges of the filter: label → how far back (None = all).
TIME_RANGES = (("全部时间", None), ("最近 1 小时", timedelta(hours=1)), ("最近 24 小时", timedelta(days=1)),
               ("最近 7 天", timedelta(days=7)), ("最近 30 天", timedelta(days=30)))


class AlertsPage(QWidget):
    message = Signal(str)  # for the status bar
    fileCaseRequested = Signal(list)  # [AlertRecord]: 立案 from these alerts (the 案件 page opens its dialog)
    openCaseRequested = Signal(int)  # a case id shown on the 案件 page

    def __init__(self, service: AlertService, files: TaskRunner, evidence_root: Path, cache_dir: Path,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.files = files
        self.filters = AlertFilter()
        self.sound = AlertSound()
        files.submit(make_wav, cache_dir / "alert.wav", on_done=self.sound.set_wav)
        self.model = AlertTableModel(self)

        self.category = QComboBox(self)
        self.category.addItem(self.tr("全部类别"), None)
        for cat in TIERS:
            self.category.addItem(cat, cat)
        self.venue = QComboBox(self)
        self.venue.addItem(self.tr("全部单位"), None)
        self.venue.setMinimumWidth(200)
        self.time_range = QComboBox(self)
        for label, span in TIME_RANGES:
            self.time_range.addItem(self.tr(label), span)
        self.state = QComboBox(self)
        self.state.addItem(self.tr("全部状态"), None)
        for st in REVIEW_STATES:
            self.state.addItem(st, st)
        self.ack = QComboBox(self)  # 签收: what the duty officer still has to take notice of
        for label, value in ((self.tr("全部"), None), (self.tr("未签收"), False), (self.tr("已签收"), True)):
            self.ack.addItem(label, value)
        self.refresh_button = QPushButton(self.tr("刷新"), self)
        self.mute = QToolButton(self)
        self.mute.setText(self.tr("静音"))
        self.mute.setCheckable(True)
        self.mute.toggled.connect(self._set_muted)
        self.counts = QLabel(self)
        # Filters set from elsewhere (the 统计 page) that have no control of their own: 街镇, a
        # time window. Shown as a chip; clicking it drops them.
        self.extra: dict = {}
        self.extra_chip = QToolButton(self)
        self.extra_chip.setObjectName("filterChip")
        self.extra_chip.setToolTip(self.tr("单击清除这些筛选条件"))
        self.extra_chip.hide()
        self.extra_chip.clicked.connect(self.clear_extra_filter)
        bar = QHBoxLayout()
        bar.setContentsMargins(8, 6, 8, 6)
        bar.setSpacing(6)
        for label, combo in ((self.tr("类别"), self.category), (self.tr("单位"), self.venue),
                             (self.tr("时间"), self.time_range), (self.tr("状态"), self.state),
                             (self.tr("签收"), self.ack)):
            bar.addWidget(QLabel(label, self))
            bar.addWidget(combo)
            bar.addSpacing(10)
        bar.addWidget(self.refresh_button)
        bar.addWidget(self.extra_chip)
        bar.addStretch(1)
        bar.addWidget(self.counts)
        bar.addWidget(self.mute)

        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.ExtendedSelection)  # several alerts → one case
        self.table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.Stretch)
        self.detail = AlertDetail(files, evidence_root, service.session, self)
        split = QSplitter(Qt.Vertical, self)
        split.addWidget(self.table)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 1)
        split.setSizes([300, 420])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(split, 1)

        for combo in (self.category, self.venue, self.time_range, self.state, self.ack):
            combo.currentIndexChanged.connect(self.reload)
        self.refresh_button.clicked.connect(self.reload)
        self.table.selectionModel().currentRowChanged.connect(lambda cur, _: self._select(cur.row()))
        self.detail.reviewRequested.connect(self._review)
        self.detail.acknowledgeRequested.connect(self._acknowledge)
        self.detail.evidenceOpened.connect(
            lambda record, evidence_id, opened: service.record_evidence_view(record, evidence_id, opened))
        self.detail.fileCaseRequested.connect(self.file_case)
        self.detail.openCaseRequested.connect(self.openCaseRequested)
        self.table.selectionModel().selectionChanged.connect(
            lambda *_: self.detail.set_file_count(len(self.selected_records())))
        self.cases = None  # CaseService, given by the main window with the 案件 page
        service.alertRaised.connect(self._on_raised)
        service.alertUpdated.connect(self._on_updated)
        # Another user logged in: their streets, so the list is read again as them.
        service.session.changed.connect(lambda _actor: self._user_changed())
        self._counts: dict[str, int] = {}
        self._venue_ids: set[int] | None = None  # the user's venues, once the wall has loaded them

    # -- filters and loading --------------------------------------------------------------------
    def set_venues(self, venues: list[tuple[int, str]]) -> None:
        """(venue id, name) of the station as the user sees it (their streets), for the venue
        filter; keeps the current choice."""
        self._venue_ids = {vid for vid, _name in venues}
        current = self.venue.currentData()
        self.venue.blockSignals(True)
        self.venue.clear()
        self.venue.addItem(self.tr("全部单位"), None)
        for vid, name in sorted(venues, key=lambda v: v[1]):
            self.venue.addItem(name, vid)
        index = self.venue.findData(current)
        self.venue.setCurrentIndex(max(0, index))
        self.venue.blockSignals(False)

    def current_filter(self) -> AlertFilter:
        span = self.time_range.currentData()
        since = datetime.now(UTC) - span if span is not None else None
        extra_since = self.extra.get("since")
        if extra_since is not None:
            since = extra_since if since is None else max(since, extra_since)
        return AlertFilter(category=self.category.currentData(), venue_id=self.venue.currentData(),
                           review_state=self.state.currentData(), street=self.extra.get("street"),
                           since=since, until=self.extra.get("until"), acknowledged=self.ack.currentData(),
                           venue_type=self.extra.get("venue_type"))

    def show_filtered(self, category: str | None = None, street: str | None = None, venue_id: int | None = None,
                      review_state: str | None = None, since: datetime | None = None,
                      until: datetime | None = None, venue_type: str | None = None) -> None:
        """Show the alerts of these filters (and only these): from the 统计 page's charts.
        `since` / `until` are aware datetimes, `until` exclusive."""
        combos = (self.category, self.venue, self.time_range, self.state, self.ack)
        for combo in combos:
            combo.blockSignals(True)
        try:
            if category is not None and self.category.findData(category) < 0:
                self.category.addItem(category, category)
            self.category.setCurrentIndex(max(0, self.category.findData(category)))
            if venue_id is not None and self.venue.findData(venue_id) < 0:
                self.venue.addItem(self.tr("单位 {0}").format(venue_id), venue_id)
            self.venue.setCurrentIndex(max(0, self.venue.findData(venue_id)))
            self.state.setCurrentIndex(max(0, self.state.findData(review_state)))
            self.time_range.setCurrentIndex(0)  # 全部时间: the window below decides
            self.ack.setCurrentIndex(0)
        finally:
            for combo in combos:
                combo.blockSignals(False)
        self.extra = {k: v for k, v in (("street", street), ("venue_type", venue_type), ("since", since),
                                        ("until", until)) if v is not None}
        self._show_extra()
        self.reload()

    def clear_extra_filter(self) -> None:
        self.extra = {}
        self._show_extra()
        self.reload()

    def _show_extra(self) -> None:
        parts = []
        if self.extra.get("street"):
            parts.append(self.extra["street"])
        if self.extra.get("venue_type"):
            parts.append(self.extra["venue_type"])
        since, until = self.extra.get("since"), self.extra.get("until")
        if since is not None or until is not None:
            first = since.astimezone(LOCAL_TZ).strftime("%Y-%m-%d") if since else "…"
            last = (until - timedelta(seconds=1)).astimezone(LOCAL_TZ).strftime("%Y-%m-%d") if until else "…"
            parts.append(first if first == last else f"{first} — {last}")
        self.extra_chip.setText(self.tr("✕ {0}").format(" · ".join(parts)))
        self.extra_chip.setVisible(bool(parts))

    def reload(self) -> None:
        self.filters = self.current_filter()
        wanted = self.filters

        def done(result) -> None:
            if isinstance(result, BaseException):
                self.message.emit(self.tr("加载告警失败：{0}").format(result))
                return
            if wanted != self.filters:
                return  # a newer filter's answer is on its way
            records, counts = result
            selected = self.detail.record.id if self.detail.record else None
            self.model.set_records([self.service.with_clip_note(r) for r in records])
            self._counts = counts
            self._show_counts()
            self._reselect(selected)

        self.service.load(wanted, done)

    def _show_counts(self) -> None:
        self.counts.setText(self.tr("待复核 {0} · 已确认 {1} · 误报 {2}").format(
            *(self._counts.get(s, 0) for s in REVIEW_STATES)))

    def _reselect(self, alert_id: int | None) -> None:
        rows = [i for i, r in enumerate(self.model.records()) if r.id == alert_id]
        if rows:
            self.table.selectRow(rows[0])
        else:
            self.table.clearSelection()
            self.detail.show_record(None)

    # -- alerts arriving and changing -----------------------------------------------------------
    def in_scope(self, record: AlertRecord) -> bool:
        """The analysis records every camera's alerts: a user limited to streets hears and
        sees only those of their venues (the wall's cameras, loaded for them)."""
        if self.service.session.actor.streets is None or self._venue_ids is None:
            return True
        return record.venue_id in self._venue_ids

    def _on_raised(self, record: AlertRecord) -> None:
        if not self.in_scope(record):
            return
        self.sound.play()
        if not matches(record, self.filters):
            return
        self.model.prepend(record)
        self._counts[record.review_state] = self._counts.get(record.review_state, 0) + 1
        self._show_counts()
        if self.detail.record is None:
            self.table.selectRow(0)

    def _on_updated(self, record: AlertRecord) -> None:
        before = next((r for r in self.model.records() if r.id == record.id), None)
        if before is not None and before.review_state != record.review_state:
            self._counts[before.review_state] = max(0, self._counts.get(before.review_state, 0) - 1)
            self._counts[record.review_state] = self._counts.get(record.review_state, 0) + 1
            self._show_counts()
        if not matches(record, self.filters):
            self.model.remove(record.id)
        else:
            self.model.update(record)
        if self.detail.record is not None and self.detail.record.id == record.id:
            self.detail.show_record(record if matches(record, self.filters) else None)

    def _select(self, row: int) -> None:
        self.detail.show_record(self.model.record(row))
        self._load_cases()

    # -- cases ----------------------------------------------------------------------------------
    def set_case_service(self, service) -> None:
        """The 案件 side: the detail lists the cases an alert was filed into."""
        self.cases = service
        service.caseChanged.connect(lambda _r: self._load_cases())
        service.caseDeleted.connect(lambda _id: self._load_cases())

    def _load_cases(self) -> None:
        record = self.detail.record
        if self.cases is None or record is None:
            return
        self.cases.cases_of_alert(record.id, lambda rows, aid=record.id: self.detail.show_cases(aid, rows),
                                  lambda exc: log.warning("cases of alert %s: %s", record.id, exc))

    def selected_records(self) -> list[AlertRecord]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        records = [self.model.record(r) for r in rows]
        return [r for r in records if r is not None]

    def file_case(self) -> None:
        """立案 from the selected alerts (the one shown when nothing else is selected)."""
        records = self.selected_records() or ([self.detail.record] if self.detail.record else [])
        venues = {r.venue_id for r in records}
        if len(venues) > 1:
            self.message.emit(self.tr("选中的告警来自不同单位，请分别立案"))
            return
        if records:
            self.fileCaseRequested.emit(records)

    def _review(self, alert_id: int, state: str, comment: str) -> None:
        def done(result) -> None:
            if not isinstance(result, BaseException):
                self.detail.comment.clear()
                self.message.emit(self.tr("告警已复核为「{0}」").format(state))

        self.service.review(alert_id, state, comment, on_done=done)

    def _acknowledge(self, alert_id: int) -> None:
        def done(result) -> None:
            if not isinstance(result, BaseException):
                self.message.emit(self.tr("告警已签收（{0}）").format(result.acknowledged_by))
            elif self.detail.record is not None and self.detail.record.id == alert_id:
                self.detail.show_record(self.detail.record)  # the button back, to try again

        self.service.acknowledge(alert_id, on_done=done)

    def _user_changed(self) -> None:
        self.detail.show_record(None)
        self.reload()

    def _set_muted(self, muted: bool) -> None:
        self.sound.muted = muted

    def shutdown(self) -> None:
        self.sound.release()
