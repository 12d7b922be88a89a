"""Monthly progress figures the programme asks for (Pudong 附件2 进度报表, 附件3 统计表):
per 街镇, venues by 建设进度, venues with video installed and connected, cameras installed and
connected. Aggregates in SQL (GROUP BY), so a district's 12,500 venues cost one query each."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Integer, case, func, literal
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from desktop.core.access import Action, Actor, require
from desktop.core.guard import audits_refusals, street_filter
from desktop.core.models import Camera, Street, Venue
from desktop.core.vocabulary import BUILD_PROGRESS

UNASSIGNED = "未分配街镇"
# Past 设备安装 the video is installed (视频对接 and 完成建设): Pudong's 视频安装完成数量.
_INSTALLED_STAGES = BUILD_PROGRESS[2:]


@dataclass(frozen=True, slots=True)
class StreetProgress:
    street: str
    venues: int = 0  # 选点完成数量 (户): every venue in the registry was chosen
    by_progress: dict[str, int] = field(default_factory=dict)  # 建设进度 → venues
    video_installed: int = 0  # 视频安装完成数量 (户)
    platform_connected: int = 0  # 视频对接第三方平台数量 (户)
    cameras: int = 0
    cameras_installed: int = 0
    cameras_connected: int = 0


@dataclass(frozen=True, slots=True)
class ProgressReport:
    streets: tuple[StreetProgress, ...]
    total: StreetProgress


def _bool_sum(column) -> object:
    return func.coalesce(func.sum(case((column == True, 1), else_=0)), 0).cast(Integer)  # noqa: E712


@audits_refusals
def progress_by_street(engine: Engine, *, actor: Actor) -> ProgressReport:
    """VIEW_REPORTS; a user limited to streets gets those streets only (and their 合计)."""
    require(actor, Action.VIEW_REPORTS)
    street_name = func.coalesce(Street.name, literal(UNASSIGNED))
    venue_rows = (
        select(Venue.street_id, street_name, Venue.build_progress, func.count(Venue.id),
               _bool_sum(Venue.platform_connected))
        .select_from(Venue).join(Street, Venue.street_id == Street.id, isouter=True)
        .where(street_filter(actor, Venue.street_id))
        .group_by(Venue.street_id, street_name, Venue.build_progress)
    )
    camera_rows = (
        select(Venue.street_id, func.count(Camera.id), _bool_sum(Camera.installed),
               _bool_sum(Camera.platform_connected))
        .select_from(Camera).join(Venue, Camera.venue_id == Venue.id)
        .where(street_filter(actor, Venue.street_id))
        .group_by(Venue.street_id)
    )
    with Session(engine) as s:
        order = {sid: (so, sid) for sid, so in s.exec(select(Street.id, Street.sort_order)).all()}
        acc: dict[int | None, dict] = {}
        for sid, name, progress, n, connected in s.exec(venue_rows).all():
            a = acc.setdefault(sid, {"street": name, "by": {}, "venues": 0, "connected": 0, "cams": (0, 0, 0)})
            a["venues"] += n
            a["connected"] += connected
            a["by"][progress] = a["by"].get(progress, 0) + n
        for sid, cams, installed, connected in s.exec(camera_rows).all():
            acc[sid]["cams"] = (cams, installed, connected)
    streets = []
    for sid in sorted(acc, key=lambda k: order.get(k, (1 << 30, 1 << 30))):
        a = acc[sid]
        by = {p: a["by"].get(p, 0) for p in BUILD_PROGRESS}
        by.update({p: n for p, n in a["by"].items() if p not in by})  # values outside the vocabulary stay visible
        streets.append(StreetProgress(a["street"], a["venues"], by, sum(by.get(p, 0) for p in _INSTALLED_STAGES),
                                      a["connected"], *a["cams"]))
    return ProgressReport(tuple(streets), _total(streets))


def _total(streets: list[StreetProgress]) -> StreetProgress:
    by: dict[str, int] = {}
    for st in streets:
        for p, n in st.by_progress.items():
            by[p] = by.get(p, 0) + n
    return StreetProgress("合计", sum(s.venues for s in streets), by, sum(s.video_installed for s in streets),
                          sum(s.platform_connected for s in streets), sum(s.cameras for s in streets),
                          sum(s.cameras_installed for s in streets), sum(s.cameras_connected for s in streets))
