"""Table model of the alert list: frozen AlertRecords, newest first."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from desktop.core.alerts import CONFIRMED, FALSE_ALARM, PENDING, AlertFilter, AlertRecord
from desktop.ui.record_table_model import RecordTableModel

TIER_COLORS = {"一级": "#dc2626", "二级": "#f59e0b", "三级": "#3b82f6", "非AI": "#9ca3af"}
STATE_COLORS = {PENDING: "#fbbf24", CONFIRMED: "#f87171", FALSE_ALARM: "#9ca3af"}
HEADERS = ("时间", "街镇", "单位", "摄像头", "类别", "级别", "分数", "复核状态", "签收")
ACK_COLORS = {True: "#9ca3af", False: "#fbbf24"}


def tier_color(tier: str) -> str:
    return TIER_COLORS.get(tier, "#9ca3af")


def ack_text(record: AlertRecord) -> str:
    return "已签收" if record.acknowledged else "未签收"


def local_time(record: AlertRecord) -> str:
    return record.at.astimezone().strftime("%m-%d %H:%M:%S")


def matches(record: AlertRecord, f: AlertFilter) -> bool:
    """Whether a new alert belongs in a list loaded with these filters (checked on the GUI thread,
    so an arriving alert needs no query)."""
    return ((not f.category or record.category == f.category)
            and (f.venue_id is None or record.venue_id == f.venue_id)
            and (not f.street or record.street == f.street)
            and (f.camera_id is None or record.camera_id == f.camera_id)
            and (not f.review_state or record.review_state == f.review_state)
            and (f.since is None or record.at >= f.since)
            and (f.until is None or record.at < f.until)
            and (f.acknowledged is None or record.acknowledged == f.acknowledged))


class AlertTableModel(RecordTableModel):
    HEADERS = HEADERS
    _rows: list[AlertRecord]

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        r = self._rows[index.row()]
        col = index.column()
        if role == Qt.DisplayRole:
            return (local_time(r), r.street, r.venue_name, r.camera_name, r.category, r.tier,
                    f"{r.score:.2f}", r.review_state, ack_text(r))[col]
        if role == Qt.ForegroundRole:
            if col in (4, 5):
                return QBrush(QColor(tier_color(r.tier)))
            if col == 7:
                return QBrush(QColor(STATE_COLORS.get(r.review_state, "#e5e7eb")))
            if col == 8:
                return QBrush(QColor(ACK_COLORS[r.acknowledged]))
        if role == Qt.ToolTipRole and col == 8 and r.acknowledged:
            return f"{r.acknowledged_by} {r.acknowledged_at.astimezone().strftime('%m-%d %H:%M:%S')}"
        if role == Qt.UserRole:
            return r
        return None

    # -- content ------------------------------------------------------------------------------
    def records(self) -> list[AlertRecord]:
        return list(self._rows)

    def set_records(self, records: list[AlertRecord]) -> None:
        self.beginResetModel()
        self._rows = list(records)
        self.endResetModel()

    def prepend(self, record: AlertRecord) -> None:
        if any(r.id == record.id for r in self._rows):
            self.update(record)
            return
        self.beginInsertRows(QModelIndex(), 0, 0)
        self._rows.insert(0, record)
        self.endInsertRows()

    def update(self, record: AlertRecord) -> int | None:
        """Replace the row of this alert; returns its row, or None when it is not listed."""
        for i, r in enumerate(self._rows):
            if r.id == record.id:
                self._rows[i] = record
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(HEADERS) - 1))
                return i
        return None

    def remove(self, alert_id: int) -> None:
        for i, r in enumerate(self._rows):
            if r.id == alert_id:
                self.beginRemoveRows(QModelIndex(), i, i)
                del self._rows[i]
                self.endRemoveRows()
                return

    def record(self, row: int) -> AlertRecord | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None
