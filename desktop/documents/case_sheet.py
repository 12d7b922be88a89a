"""What the printed documents of a case say (DESIGN.md §5 "Documents"): plain, frozen values,
independent of the database and of Qt. A loader maps a case row to a `CaseSheet`
(desktop/documents/case_loader.py); desktop/documents/render.py lays them out on paper or PDF.

Every text is printed as given (Chinese); empty fields print as blank cells, never as "None"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

# Printed as the notice's requirements when the case gives none.
DEFAULT_REQUIREMENTS = (
    "立即对上述问题进行整改，整改完成后将整改情况书面报告（附整改前后对比照片）报送{station}。"
    "逾期不改正的，将依法予以处理。"
)


@dataclass(frozen=True, slots=True)
class EvidenceItem:
    """One picture of the case as printed: the annotated version when there is one."""

    caption: str
    captured_at: datetime | None
    camera: str  # camera name and area, e.g. "后厨烹饪区1号（烹饪区）"
    sha256: str  # of the printed image file (the annotated one when annotated)
    image_png: bytes | None  # PNG (or any format Qt reads); None prints "图片文件缺失"
    annotated: bool = False
    original_sha256: str = ""  # the unannotated original, when `annotated`
    problem: str = ""  # evidence check result printed in red, e.g. "内容被改动" (empty when sound)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One state transition of the case: who moved it from where to where, when and why."""

    at: datetime
    from_state: str  # empty for the case's creation
    to_state: str
    who: str
    comment: str = ""


@dataclass(frozen=True, slots=True)
class CaseSheet:
    """案件登记表（现场检查记录）: the venue, the case, its evidence and its time line."""

    number: str  # e.g. 闵市监明厨〔2026〕0001号
    station: str  # 监管所名称, e.g. 闵行区市场监督管理局莘庄市场监督管理所
    venue_name: str
    license_no: str
    address: str
    street: str  # 街镇
    venue_type: str
    contact_person: str
    contact_phone: str
    category: str  # 违规类型
    tier: str  # 一级 / 二级 / 三级
    legal_basis: str
    facts: str
    handler: str
    deadline: date | datetime | None
    state: str
    created_at: datetime
    evidence: tuple[EvidenceItem, ...] = field(default_factory=tuple)
    timeline: tuple[TimelineEntry, ...] = field(default_factory=tuple)
    escalation: str = ""  # 黄牌 / 红牌 when overdue, printed after the state

    def __post_init__(self) -> None:
        # Accept lists from callers; keep tuples so the value stays immutable and hashable.
        object.__setattr__(self, "evidence", tuple(self.evidence))
        object.__setattr__(self, "timeline", tuple(self.timeline))


@dataclass(frozen=True, slots=True)
class RectificationNotice:
    """责令改正通知书: addressed to the venue, issued by the station."""

    number: str  # e.g. 闵市监明厨责改〔2026〕0001号
    venue_name: str
    facts: str  # 经查，……
    legal_basis: str  # 依据……的规定 (the provision that orders the correction)
    deadline: date | datetime | None  # 改正期限; None: 立即改正
    requirements: str  # 改正内容及要求
    station: str  # issuing 监管所
    issued_on: date
    violated: str = ""  # 违反了……的规定 (the provision broken); omitted when empty
    station_contact: str = ""  # printed as 联系人 when given
    station_phone: str = ""  # printed as 联系电话 when given


def notice_number(case_number: str) -> str:
    """The notice's number from the case's: 闵市监明厨〔2026〕0001号 → 闵市监明厨责改〔2026〕0001号."""
    if "〔" in case_number:
        head, tail = case_number.split("〔", 1)
        return f"{head}责改〔{tail}"
    return f"{case_number}（责改）" if case_number else ""


def notice_from_case(
    sheet: CaseSheet,
    *,
    issued_on: date,
    number: str | None = None,
    requirements: str | None = None,
    violated: str = "",
    station_contact: str = "",
    station_phone: str = "",
) -> RectificationNotice:
    """The 责令改正通知书 of a case: its venue, facts, legal basis, deadline and station.
    `requirements` defaults to a generic text naming the station."""
    return RectificationNotice(
        number=number if number is not None else notice_number(sheet.number),
        venue_name=sheet.venue_name,
        facts=sheet.facts,
        legal_basis=sheet.legal_basis,
        deadline=sheet.deadline,
        requirements=requirements if requirements is not None else DEFAULT_REQUIREMENTS.format(station=sheet.station),
        station=sheet.station,
        issued_on=issued_on,
        violated=violated,
        station_contact=station_contact,
        station_phone=station_phone,
    )


def cn_date(value: date | datetime | None) -> str:
    """2026年3月5日 (Arabic numerals, as GB/T 9704-2012 writes dates); empty for None."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = _local(value).date()
    return f"{value.year}年{value.month}月{value.day}日"


def cn_datetime(value: datetime | None) -> str:
    """2026年3月5日 14:32; empty for None."""
    if value is None:
        return ""
    value = _local(value)
    return f"{cn_date(value)} {value:%H:%M}"


def short_sha(sha256: str) -> str:
    """The first 16 hex digits, enough to tell two files apart on paper."""
    sha = sha256.strip().lower()
    return f"{sha[:16]}…" if len(sha) > 16 else sha


def _local(value: datetime) -> datetime:
    """Aware times print in the console's local zone; naive times are already local."""
    return value.astimezone() if value.tzinfo is not None else value
