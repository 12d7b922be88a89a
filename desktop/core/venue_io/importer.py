"""import_venues: a spreadsheet of the programme into the venue registry, all or nothing.

Stages: read the file (no database) -> find each sheet's header -> parse the rows (progress is
reported here, outside any transaction) -> in ONE transaction: load what exists, plan, write
with bulk statements, commit. Any row error, a dry run or a database failure rolls the whole
transaction back, so a file is never half imported."""

from __future__ import annotations

import logging
import time
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from desktop.core import audit
from desktop.core.access import Action, Actor, require
from desktop.core.audit import AuditAction
from desktop.core.guard import audits_refusals, limited
from desktop.core.models import utcnow
from desktop.core.redact import redact_text
from desktop.core.venue_io import values
from desktop.core.venue_io.columns import HeaderMatch, find_header
from desktop.core.venue_io.errors import SpreadsheetError
from desktop.core.venue_io.existing import Existing, load_existing
from desktop.core.venue_io.normalize import fold_text, match_key
from desktop.core.venue_io.plan import Plan, build_plan
from desktop.core.venue_io.progress import ProgressFn, Throttled
from desktop.core.venue_io.report import FORMAT_LABELS, ImportDefaults, ImportReport
from desktop.core.venue_io.rows import ParsedRow, RowParser, resolve_years
from desktop.core.venue_io.sheet_reader import read_sheets
from desktop.core.venue_io.store import apply_plan
from desktop.core.venue_io.xlsx_reader import RawSheet

log = logging.getLogger(__name__)


def check_defaults(defaults: ImportDefaults) -> ImportDefaults:
    """Defaults in canonical form; ValueError for an unknown venue type."""
    street = fold_text(defaults.street) if defaults.street else None
    venue_type = values.venue_type(defaults.venue_type) if defaults.venue_type else None
    return ImportDefaults(street=street or None, venue_type=venue_type)


def locate_tables(sheets: list[RawSheet], name: str) -> tuple[list[tuple[RawSheet, HeaderMatch]], list[str]]:
    """The sheets with a usable header; SpreadsheetError if there is none."""
    found, notes, nameless = [], [], []
    for sheet in sheets:
        header = find_header(sheet.rows)
        if header is None:
            if any(any(v is not None for v in r) for r in sheet.rows):
                notes.append(f"工作表「{sheet.name}」没有可识别的表头，已忽略")
            continue
        if not header.has_name:
            nameless.append((sheet, header))
            notes.append(f"工作表「{sheet.name}」缺少单位名称列，已忽略")
            continue
        found.append((sheet, header))
        where = f"第{header.first_row}行" if header.first_row == header.last_row else \
            f"第{header.first_row}–{header.last_row}行"
        extra = f"；未使用的列：{'、'.join(header.ignored)}" if header.ignored else ""
        notes.append(f"工作表「{sheet.name}」：表头在{where}，识别为{FORMAT_LABELS[header.format]}{extra}")
    if found:
        return found, notes
    if nameless:
        sheet, header = nameless[0]
        seen = "、".join(header.headers.values())
        raise SpreadsheetError(f"{name} 缺少「单位名称」（或「养老机构名称」）列，找到的表头：{seen}"
                               "（the name column is missing）")
    raise SpreadsheetError(f"{name} 中没有找到可识别的表头，应包含「单位名称」「许可证号」「地址」等列"
                           "（no recognisable header row）")


def _street_check(actor: Actor, existing: Existing):
    """None for an actor of every street, else: is this street name one of the actor's? A new
    street (not in the database yet) never is."""
    if not limited(actor):
        return None
    streets = actor.streets or frozenset()

    def allowed(name: str) -> bool:
        found = existing.streets.get(match_key(name)) if name else None
        return found is not None and found[0] in streets

    return allowed


@audits_refusals
def import_venues(engine: Engine, path: str | Path, *, actor: Actor, dry_run: bool = False,
                  defaults: ImportDefaults = ImportDefaults(), progress: ProgressFn | None = None,
                  today: date | None = None, xlsx_reader: str = "fast") -> ImportReport:
    """Import venues (and cameras, credentials) from an .xlsx or .csv (MANAGE_REGISTRY). Raises
    SpreadsheetError for a file that cannot be read or has no usable header, ValueError for bad
    defaults; every row problem is in the returned report instead, including rows of streets
    outside the actor's scope (then nothing is written). The import's counts go to the audit
    trail in its own transaction."""
    require(actor, Action.MANAGE_REGISTRY)
    t0 = time.perf_counter()
    path = Path(path)
    defaults = check_defaults(defaults)
    sheets = read_sheets(path, xlsx_reader=xlsx_reader)
    tables, notes = locate_tables(sheets, path.name)
    fmt = tables[0][1].format
    t_read = time.perf_counter()

    total = sum(max(len(s.rows) - h.last_row, 0) for s, h in tables)
    tick = Throttled(progress, total)
    tick(0)
    parsed: list[ParsedRow] = []
    for sheet, header in tables:
        parser = RowParser(sheet.name, header)
        for r in range(header.last_row, len(sheet.rows)):
            parsed.append(parser.parse(r + 1, sheet.rows[r]))
            tick(len(parsed))
    notes += resolve_years(parsed, today or date.today())
    if defaults.street:
        notes.append(f"没有街镇的行记为「{defaults.street}」")
    if defaults.venue_type or fmt == "ezhou":
        notes.append(f"没有单位类型的行记为「{defaults.venue_type or '养老机构食堂'}」")
    t_parse = time.perf_counter()

    plan: Plan | None = None
    committed, failure, stored = False, "", 0
    with engine.connect() as conn:
        tx = conn.begin()
        try:
            existing = load_existing(conn)
            plan = build_plan(parsed, existing, defaults, _street_check(actor, existing))
            if plan.errors == 0:
                stored = apply_plan(conn, plan, existing, utcnow())
                if not dry_run:
                    _audit_import(conn, actor, path, plan, stored)
            if plan.errors or dry_run:
                tx.rollback()
            else:
                tx.commit()
                committed = True
        except SQLAlchemyError as exc:
            tx.rollback()
            failure = db_failure_text(exc)
            log.error("import of %s failed and was rolled back: %s", path.name, failure)
    tick.finish()

    report = ImportReport.build(
        path=str(path), format=fmt, rows=tuple(plan.results) if plan is not None else (),
        committed=committed, dry_run=dry_run, notes=tuple(notes), failure=failure,
        venues_added=plan.venues_added if plan else 0, venues_updated=plan.venues_updated if plan else 0,
        cameras_added=plan.cameras_added if plan else 0, cameras_updated=plan.cameras_updated if plan else 0,
        credentials_stored=stored if committed else 0, seconds=round(time.perf_counter() - t0, 3))
    log.info("import %s (%s)%s: %s; read %.2fs, parse %.2fs, database %.2fs", path.name, fmt,
             " dry-run" if dry_run else "", report.summary(), t_read - t0, t_parse - t_read,
             time.perf_counter() - t_parse)
    return report


def _audit_import(conn, actor: Actor, path: Path, plan: Plan, stored: int) -> None:
    """The summary, in the import's own transaction: both commit or neither."""
    with Session(bind=conn) as s:  # joins the connection's transaction; commits nothing itself
        audit.record(s, actor, AuditAction.IMPORT, path.name,
                     {"what": "venues", "rows": len(plan.results), "venues_added": plan.venues_added,
                      "venues_updated": plan.venues_updated, "cameras_added": plan.cameras_added,
                      "cameras_updated": plan.cameras_updated, "credentials_stored": stored,
                      "new_streets": list(plan.new_streets)})


def db_failure_text(exc: SQLAlchemyError) -> str:
    """The driver's own message (first line), never SQLAlchemy's, which lists the parameters
    (and so could show a camera password)."""
    orig = getattr(exc, "orig", None)
    lines = str(orig if orig is not None else type(exc).__name__).strip().splitlines() or [""]
    detail = redact_text(" ".join(line.strip() for line in lines[:2])[:400])
    hint = ""
    if "unique" in detail.lower():
        hint = "唯一性冲突（例如许可证号已被另一条记录使用，可能是另一台工作台同时在改）；"
    return f"数据库写入失败，已全部回滚，未写入任何数据（database write failed, rolled back）：{hint}{detail}"
