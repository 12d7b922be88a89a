"""The monthly supervision report (明厨亮灶监管工作月报), the data part: everything the Excel and
PDF renderers print, gathered once from the database. Qt-free.

- 进度报表 (Pudong 附件2): per 街镇 and 合计, from desktop.core.progress_stats;
- 统计表 (Pudong 附件3 示范店建设情况统计表): one row per venue, the seed's columns first in the
  seed's order (序号, 单位名称, 地址, 许可证号, 建设进度, 预计完成时间), then the registry's
  街镇, type, contact and camera counts — one SQL query (cameras aggregated per venue), so a
  district's 12,500 venues cost well under a second;
- 监管月报: desktop.core.statistics' MonthlySummary, alerts per day and the camera online rate
  per day for the charts.

The renderers take their tables from here (headers and rows as plain values), so the Excel
sheet and the PDF table never disagree."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Integer, case, func, literal, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from desktop.core.access import Actor
from desktop.core.guard import street_filter
from desktop.core.models import Camera, Street, Venue
from desktop.core.progress_stats import UNASSIGNED, ProgressReport, StreetProgress, progress_by_street
from desktop.core.statistics import (
    LOCAL_TZ,
    MonthlySummary,
    StatsScope,
    alerts_per_day,
    camera_online_rate,
    monthly_summary,
)
from desktop.core.vocabulary import BUILD_PROGRESS

DEFAULT_STATION = "市场监督管理所"

PROGRESS_TITLE = "建设进度报表"
VENUE_TITLE = "示范店建设情况统计表"
SUMMARY_TITLE = "监管工作月报"

# Pudong 附件2's three figures, then the breakdown the station also reports.
PROGRESS_HEADER: tuple[str, ...] = (
    "序号", "街镇", "选点完成数量（户）", *BUILD_PROGRESS, "视频安装完成数量（户）", "视频对接第三方平台数量（户）",
    "摄像头（路）", "摄像头已安装（路）", "摄像头已对接（路）",
)
# Pudong 附件3 in its order, then ours.
SEED_VENUE_COLUMNS: tuple[str, ...] = ("序号", "单位名称", "地址", "许可证号", "建设进度", "预计完成时间")
VENUE_HEADER: tuple[str, ...] = (
    *SEED_VENUE_COLUMNS, "街镇", "单位类型", "负责人", "联系电话", "摄像头（路）", "已安装（路）", "已对接（路）",
    "是否接入平台",
)


@dataclass(frozen=True, slots=True)
class VenueRow:
    serial: int
    name: str
    address: str
    license_no: str
    build_progress: str
    expected_completion: str
    street: str
    venue_type: str
    contact_person: str
    contact_phone: str
    cameras: int
    cameras_installed: int
    cameras_connected: int
    platform_connected: bool

    def cells(self) -> tuple:
        """The row in VENUE_HEADER's order."""
        return (self.serial, self.name, self.address, self.license_no, self.build_progress,
                self.expected_completion, self.street, self.venue_type, self.contact_person, self.contact_phone,
                self.cameras, self.cameras_installed, self.cameras_connected,
                "是" if self.platform_connected else "否")


@dataclass(frozen=True)
class MonthlyReport:
    month: date  # the first day of the month
    station: str
    generated_at: datetime  # local (Asia/Shanghai) wall-clock time, naive
    progress: ProgressReport
    venues: tuple[VenueRow, ...]
    summary: MonthlySummary
    alerts_per_day: tuple[tuple[date, str, int], ...]  # (day, category, alerts)
    online_per_day: tuple[tuple[date, float], ...]  # (day, online rate 0..1)

    # --- the wording every renderer shares -----------------------------------------------
    @property
    def title(self) -> str:
        return f"{self.month.year}年{self.month.month}月 明厨亮灶监管工作月报"

    @property
    def period(self) -> str:
        last = month_end(self.month)
        return f"统计期间：{cn_date(self.month)}至{cn_date(last)}"

    # --- 进度报表 -----------------------------------------------------------------------------
    def progress_rows(self) -> list[tuple]:
        """One row per 街镇 in PROGRESS_HEADER's order, then 合计 (序号 empty)."""
        rows = [_progress_cells(n, s) for n, s in enumerate(self.progress.streets, start=1)]
        rows.append(_progress_cells("", self.progress.total))
        return rows

    # --- 监管月报 -----------------------------------------------------------------------------
    def key_figures(self) -> list[tuple[str, object, str]]:
        """(label, value, kind) with kind "int", "percent" (a 0..1 float or None) or "text"."""
        s = self.summary
        return [
            ("告警总数（条）", s.alerts_total, "int"),
            ("新立案件（件）", s.cases_opened, "int"),
            ("办结案件（件）", s.cases_closed, "int"),
            ("整改率", s.rectification_rate, "percent"),
            ("逾期未办结案件（件）", s.overdue_cases, "int"),
            ("摄像头在线率", s.camera_online_rate, "percent"),
            ("在册单位（户）", self.progress.total.venues, "int"),
            ("在册摄像头（路）", self.progress.total.cameras, "int"),
        ]

    def category_rows(self) -> list[tuple[str, int, float | None]]:
        """(告警类别, 告警数, 占比) by count, largest first (as the summary gives them)."""
        total = self.summary.alerts_total
        return [(c, n, (n / total) if total else None) for c, n in self.summary.alerts_by_category]

    def street_rows(self) -> list[tuple[str, int, float | None]]:
        total = self.summary.alerts_total
        return [(st or UNASSIGNED, n, (n / total) if total else None) for st, n in self.summary.alerts_by_street]

    def review_rows(self) -> list[tuple[str, int, int, int, float | None]]:
        """(类别, 已确认, 误报, 待复核, 准确率) — the field precision of each model."""
        return [(r.category, r.confirmed, r.false_alarm, r.pending, r.precision) for r in self.summary.review]

    def days(self) -> list[date]:
        last = month_end(self.month)
        return [self.month + timedelta(days=i) for i in range((last - self.month).days + 1)]

    def categories(self) -> list[str]:
        """Categories in the summary's order (largest first), then any only seen per day."""
        order = [c for c, _ in self.summary.alerts_by_category]
        seen = set(order)
        for _, c, _ in self.alerts_per_day:
            if c not in seen:
                seen.add(c)
                order.append(c)
        return order


def _progress_cells(serial: object, s: StreetProgress) -> tuple:
    return (serial, s.street, s.venues, *(s.by_progress.get(p, 0) for p in BUILD_PROGRESS), s.video_installed,
            s.platform_connected, s.cameras, s.cameras_installed, s.cameras_connected)


# --- months ---------------------------------------------------------------------------------

_MONTH = re.compile(r"^\s*(\d{4})\s*(?:-|/|\.|年)\s*(\d{1,2})\s*月?\s*$")


def parse_month(text: str) -> date:
    """"2026-11" (also 2026/11, 2026.11, 2026年11月) → date(2026, 11, 1). ValueError otherwise."""
    m = _MONTH.match(text or "")
    if not m or not 1 <= int(m.group(2)) <= 12 or not 1970 <= int(m.group(1)) <= 9999:
        raise ValueError(f"月份格式应为 YYYY-MM，如 2026-11 / month must be YYYY-MM: {text!r}")
    return date(int(m.group(1)), int(m.group(2)), 1)


def month_end(month: date) -> date:
    """The last day of `month`'s month."""
    nxt = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def cn_date(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


# --- the registry ---------------------------------------------------------------------------

def _bool_sum(column):
    return func.coalesce(func.sum(case((column == True, 1), else_=0)), 0).cast(Integer)  # noqa: E712


def venue_rows(engine: Engine, *, actor: Actor) -> tuple[VenueRow, ...]:
    """Every venue of the actor's streets with its camera counts, ordered by 街镇 (its sort
    order), then name: one query."""
    v, st, cam = Venue.__table__, Street.__table__, Camera.__table__
    cams = (select(cam.c.venue_id, func.count(cam.c.id).label("n"), _bool_sum(cam.c.installed).label("inst"),
                   _bool_sum(cam.c.platform_connected).label("conn"))
            .group_by(cam.c.venue_id).subquery())
    no_street = 1 << 30
    query = (
        select(v.c.name, v.c.address, v.c.license_no, v.c.build_progress, v.c.expected_completion,
               func.coalesce(st.c.name, literal(UNASSIGNED)), v.c.venue_type, v.c.contact_person,
               v.c.contact_phone, func.coalesce(cams.c.n, 0), func.coalesce(cams.c.inst, 0),
               func.coalesce(cams.c.conn, 0), v.c.platform_connected)
        .select_from(v.outerjoin(st, v.c.street_id == st.c.id).outerjoin(cams, cams.c.venue_id == v.c.id))
        .where(street_filter(actor, v.c.street_id))
        .order_by(func.coalesce(st.c.sort_order, no_street), func.coalesce(st.c.name, ""), v.c.name, v.c.id)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return tuple(VenueRow(i, name or "", address or "", license_no or "", progress or "", expected or "",
                          street, vtype or "", person or "", phone or "", int(n), int(inst), int(conn_),
                          bool(connected))
                 for i, (name, address, license_no, progress, expected, street, vtype, person, phone, n, inst,
                         conn_, connected) in enumerate(rows, start=1))


def _station_name(engine: Engine) -> str:
    from desktop.core.case_settings import station_name

    try:
        return station_name(engine, "") or DEFAULT_STATION
    except SQLAlchemyError:  # a database without the settings table still gets its report
        return DEFAULT_STATION


def build_monthly_report(engine: Engine, month: date, *, actor: Actor, station: str | None = None) -> MonthlyReport:
    """Everything the month's report prints. `month`: any day of the month.

    The month's summary (the heaviest part at district scale) is read on a second connection
    while this thread reads the registry and the per-day figures."""
    month = date(month.year, month.month, 1)
    scope = StatsScope(since=month, until=month_end(month) + timedelta(days=1))  # until: exclusive
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="monthly-summary") as pool:
        summary = pool.submit(monthly_summary, engine, month, actor=actor)
        per_day = tuple((d, c, int(n)) for d, c, n in alerts_per_day(engine, scope, actor=actor))
        online = tuple((d, float(r)) for d, r in camera_online_rate(engine, scope, actor=actor) if r is not None)
        progress = progress_by_street(engine, actor=actor)
        venues = venue_rows(engine, actor=actor)
        name = station or _station_name(engine)
        return MonthlyReport(month=month, station=name, generated_at=datetime.now(LOCAL_TZ).replace(tzinfo=None),
                             progress=progress, venues=venues, summary=summary.result(), alerts_per_day=per_day,
                             online_per_day=online)


def percent(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"
