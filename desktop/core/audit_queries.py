"""Reading the audit log: filtered, paged queries (newest first) and the export to .xlsx.

Only who may see the audit log (Action.VIEW_AUDIT: 科室负责人, 管理员) reads it, whether through
the 审计日志 page, the CLI or a test; every export is itself written to the log (action export)
once the file is complete; an export that cannot be recorded is removed again.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from desktop.core import audit
from desktop.core.access import Action, Actor, require
from desktop.core.atomic_file import write_atomic
from desktop.core.audit import AuditAction, AuditRecord, action_label
from desktop.core.models import AuditEntry

DEFAULT_PAGE_SIZE = 200
EXPORT_MAX_ROWS = 1_000_000  # one worksheet holds 1,048,576 rows


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Every field optional; text fields match a part, case-insensitively. `since`/`until` are
    aware datetimes (a naive one is taken as local time): since <= at < until."""

    since: datetime | None = None
    until: datetime | None = None
    username: str = ""
    actions: tuple[str, ...] = ()  # AuditAction values; empty: all
    target: str = ""
    console: str = ""

    def describe(self) -> dict:
        """For the export's own audit entry and the sheet's header line."""
        out: dict = {}
        if self.since:
            out["since"] = _utc(self.since).isoformat(timespec="seconds")
        if self.until:
            out["until"] = _utc(self.until).isoformat(timespec="seconds")
        for name in ("username", "target", "console"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        if self.actions:
            out["actions"] = list(self.actions)
        return out


@dataclass(frozen=True, slots=True)
class AuditPage:
    rows: list[AuditRecord]
    total: int  # entries matching the filter
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True, slots=True)
class AuditFacets:
    """What the filter bar offers: the user names and consoles present in the log."""

    usernames: list[str] = field(default_factory=list)
    consoles: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class AuditExport:
    path: Path
    rows: int


def _utc(at: datetime) -> datetime:
    return (at if at.tzinfo else at.astimezone()).astimezone(UTC)


def _db_time(at: datetime) -> datetime:
    """The column holds naive UTC (see audit._naive_utc): compare with the same."""
    return _utc(at).replace(tzinfo=None)


def _like(text: str) -> str:
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _where(stmt, f: AuditFilter):
    if f.since is not None:
        stmt = stmt.where(AuditEntry.at >= _db_time(f.since))
    if f.until is not None:
        stmt = stmt.where(AuditEntry.at < _db_time(f.until))
    if f.username.strip():
        stmt = stmt.where(func.lower(AuditEntry.username).like(_like(f.username), escape="\\"))
    if f.actions:
        stmt = stmt.where(AuditEntry.action.in_(list(f.actions)))
    if f.target.strip():
        stmt = stmt.where(func.lower(AuditEntry.target).like(_like(f.target), escape="\\"))
    if f.console.strip():
        stmt = stmt.where(func.lower(AuditEntry.console).like(_like(f.console), escape="\\"))
    return stmt


def _record(e: AuditEntry) -> AuditRecord:
    try:
        detail = json.loads(e.detail or "{}")
    except ValueError:
        detail = {"raw": e.detail}  # shown as stored; verify reports whether it was tampered with
    at = e.at if e.at.tzinfo else e.at.replace(tzinfo=UTC)
    return AuditRecord(e.seq, at, e.username, e.role, e.console, e.action, e.target,
                       detail if isinstance(detail, dict) else {"value": detail}, e.hash)


def query_audit(engine: Engine, actor: Actor, f: AuditFilter | None = None, *, page: int = 0,
                page_size: int = DEFAULT_PAGE_SIZE) -> AuditPage:
    """One page (0-based) of the matching entries, newest first."""
    require(actor, Action.VIEW_AUDIT)
    f = f or AuditFilter()
    page, page_size = max(0, page), max(1, page_size)
    with Session(engine) as s:
        total = s.exec(_where(select(func.count()).select_from(AuditEntry), f)).one()
        rows = s.exec(_where(select(AuditEntry), f).order_by(AuditEntry.seq.desc())
                      .offset(page * page_size).limit(page_size)).all()
        return AuditPage([_record(r) for r in rows], int(total), page, page_size)


def audit_facets(engine: Engine, actor: Actor) -> AuditFacets:
    require(actor, Action.VIEW_AUDIT)
    with Session(engine) as s:
        users = s.exec(select(AuditEntry.username).distinct().order_by(AuditEntry.username)).all()
        consoles = s.exec(select(AuditEntry.console).distinct().order_by(AuditEntry.console)).all()
    return AuditFacets([u for u in users if u], [c for c in consoles if c])


def detail_text(detail: dict) -> str:
    """The detail as one readable line: `key: value; …` (values as compact JSON when not text)."""
    parts = []
    for key, value in detail.items():
        shown = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        parts.append(f"{key}: {shown}")
    return "; ".join(parts)


def local_time(at: datetime) -> str:
    """The entry's time as the console's local time (stored as UTC)."""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone().strftime("%Y-%m-%d %H:%M:%S")


# --- the export ----------------------------------------------------------------------------------

HEADER = ("序号", "时间", "用户", "角色", "工作站", "操作", "对象", "详情", "哈希")
_WIDTHS = (8, 20, 14, 12, 18, 12, 24, 60, 20)
_HEAD_FONT = Font(name="宋体", size=10, bold=True)
_BODY_FONT = Font(name="宋体", size=10)
_TITLE_FONT = Font(name="宋体", size=14, bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")
_CENTER = Alignment(horizontal="center", vertical="center")


def _cell(ws, value, font=_BODY_FONT, fill=None, align=None) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # a target or detail typed by a user is text, never a formula
    cell.font = font
    if fill is not None:
        cell.fill = fill
    if align is not None:
        cell.alignment = align
    return cell


def _xlsx(rows: list[AuditRecord], f: AuditFilter, actor: Actor, now: datetime) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("审计日志")
    ws.freeze_panes = "A4"  # title, conditions, header stay in view
    for i, width in enumerate(_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.append([_cell(ws, "审计日志", _TITLE_FONT)])
    conditions = "；".join(f"{k}={v}" for k, v in f.describe().items()) or "全部"
    ws.append([_cell(ws, f"导出：{actor.name}（{actor.role_label}）于 {local_time(now)}，条件：{conditions}，"
                         f"共 {len(rows)} 条")])
    ws.append([_cell(ws, h, _HEAD_FONT, _HEAD_FILL, _CENTER) for h in HEADER])
    for r in rows:
        ws.append([_cell(ws, r.seq), _cell(ws, local_time(r.at)), _cell(ws, r.username), _cell(ws, r.role),
                   _cell(ws, r.console), _cell(ws, action_label(r.action)), _cell(ws, r.target),
                   _cell(ws, detail_text(r.detail)), _cell(ws, r.hash[:16])])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def export_audit(engine: Engine, actor: Actor, out: Path, f: AuditFilter | None = None) -> AuditExport:
    """Every entry matching `f`, newest first, to `out` (.xlsx, written atomically); the export
    is recorded in the log (who, the file's name, the conditions, how many rows)."""
    require(actor, Action.VIEW_AUDIT)
    f = f or AuditFilter()
    out = Path(out)
    with Session(engine) as s:
        total = s.exec(_where(select(func.count()).select_from(AuditEntry), f)).one()
        if total > EXPORT_MAX_ROWS:
            raise ValueError(f"符合条件的条目过多（{total}），请缩小时间范围 / too many entries for one sheet")
        rows = [_record(e) for e in s.exec(_where(select(AuditEntry), f).order_by(AuditEntry.seq.desc()))]
    write_atomic(out, _xlsx(rows, f, actor, datetime.now(UTC)))
    # Its own short transaction after the file is complete (no lock held while writing the
    # file); an export that cannot be recorded does not stay behind either.
    try:
        audit.record_now(engine, actor, AuditAction.EXPORT, "audit_log",
                         {"file": out.name, "rows": len(rows), "filter": f.describe()})
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return AuditExport(out, len(rows))
