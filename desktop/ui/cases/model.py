"""Table model of the case list (frozen CaseSummary rows, newest first) and the colours of
states and cards on the dark theme."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from desktop.core.case_queries import CaseSummary
from desktop.core.case_rules import CLOSED, PENDING, PUSHED, RECTIFYING, RED, REVIEWING, REVOKED, YELLOW
from desktop.ui.alerts.model import tier_color
from desktop.ui.record_table_model import RecordTableModel

HEADERS = ("案件编号", "单位", "街镇", "违规类型", "等级", "承办人", "期限", "状态", "黄牌/红牌", "立案时间")
COL_NUMBER, COL_VENUE, COL_STREET, COL_CATEGORY, COL_TIER, COL_HANDLER, COL_DEADLINE, COL_STATE, COL_CARD, \
    COL_CREATED = range(len(HEADERS))

STATE_COLORS = {PENDING: "#fbbf24", PUSHED: "#60a5fa", RECTIFYING: "#38bdf8", REVIEWING: "#c084fc",
                CLOSED: "#34d399", REVOKED: "#9ca3af"}
CARD_COLORS = {YELLOW: "#facc15", RED: "#f87171"}
CARD_BACKGROUNDS = {YELLOW: "#3a3212", RED: "#3b1d1d"}


def state_color(state: str) -> str:
    return STATE_COLORS.get(state, "#e5e7eb")


def card_color(card: str) -> str:
    return CARD_COLORS.get(card, "#e5e7eb")


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return value.astimezone().strftime(fmt) if value is not None else ""


def card_text(card: str, days: int) -> str:
    if not card:
        return ""
    return QCoreApplication.translate("CaseTableModel", "{0}（逾期 {1} 天）").format(card, days)


class CaseTableModel(RecordTableModel):
    HEADERS = HEADERS
    _rows: list[CaseSummary]

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        r = self._rows[index.row()]
        col = index.column()
        if role == Qt.DisplayRole:
            return (r.number, r.venue_name, r.street, r.category, r.tier, r.handler,
                    r.deadline.isoformat() if r.deadline else "", r.state, card_text(r.card, r.days_overdue),
                    local_time(r.created_at))[col]
        if role == Qt.ForegroundRole:
            if col == COL_TIER:
                return QBrush(QColor(tier_color(r.tier)))
            if col == COL_STATE:
                return QBrush(QColor(state_color(r.state)))
            if col in (COL_CARD, COL_DEADLINE) and r.card:
                return QBrush(QColor(card_color(r.card)))
        if role == Qt.BackgroundRole and col == COL_CARD and r.card:
            return QBrush(QColor(CARD_BACKGROUNDS[r.card]))
        if role == Qt.FontRole and col == COL_CARD and r.card:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.UserRole:
            return r
        return None

    # -- content ------------------------------------------------------------------------------
    def rows(self) -> list[CaseSummary]:
        return list(self._rows)

    def set_rows(self, rows) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def row_of(self, case_id: int) -> int | None:
        return next((i for i, r in enumerate(self._rows) if r.id == case_id), None)

    def summary(self, row: int) -> CaseSummary | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None
