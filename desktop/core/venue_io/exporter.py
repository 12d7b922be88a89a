"""export_venues: the registry as our template (sheet 一户一档, one row per camera, venue columns
repeated; a venue without cameras is one row with empty camera columns).

Never writes credentials: no 用户名/密码 columns, and every URL goes through split_credentials
in case an old row still carries them."""

from __future__ import annotations

import csv
import io
import logging
import re
import time
import zipfile
from collections import defaultdict
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.engine import Engine

from desktop.core.access import Action, Actor, require
from desktop.core.atomic_file import write_atomic
from desktop.core.audit import AuditAction, record_now
from desktop.core.credentials import split_credentials
from desktop.core.guard import audits_refusals, street_filter
from desktop.core.venue_io.columns import TEMPLATE_COLUMNS, TEMPLATE_SHEET
from desktop.core.venue_io.errors import SpreadsheetError
from desktop.core.venue_io.existing import CAMERA_T, STREET_T, VENUE_T
from desktop.core.venue_io.progress import ProgressFn, Throttled
from desktop.core.venue_io.report import ExportSummary

log = logging.getLogger(__name__)

HEADER = [c.label for c in TEMPLATE_COLUMNS]
_WIDTHS = {"街镇": 12, "单位名称": 28, "许可证号": 20, "地址": 32, "单位类型": 14, "联系电话": 15, "营业时间": 14,
           "预计完成时间": 12, "摄像头名称": 14, "子码流地址": 40, "主码流地址": 40}
_NEEDS_CLEANING = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_VENUE_COLS = ("name", "license_no", "address", "venue_type", "risk_level", "contact_person", "contact_phone",
               "business_hours", "build_progress", "expected_completion", "platform_connected", "notes")


def _yes(value: object) -> str:
    return "是" if value else "否"


def _clean(url: str | None) -> str:
    return split_credentials(url or "")[0]


def export_rows(engine: Engine, actor: Actor) -> tuple[list[list[str]], int, int]:
    """The template rows (without header) of the actor's streets, the venue count and the camera
    count."""
    in_scope = street_filter(actor, VENUE_T.c.street_id)
    with engine.connect() as conn:
        streets = {sid: (order, name) for sid, order, name in
                   conn.execute(select(STREET_T.c.id, STREET_T.c.sort_order, STREET_T.c.name))}
        venues = conn.execute(select(VENUE_T.c.id, VENUE_T.c.street_id, *[VENUE_T.c[c] for c in _VENUE_COLS])
                              .where(in_scope)).mappings().all()
        cameras: dict[int, list] = defaultdict(list)
        for cam in conn.execute(select(CAMERA_T.c.venue_id, CAMERA_T.c.name, CAMERA_T.c.area, CAMERA_T.c.sub_url,
                                       CAMERA_T.c.main_url, CAMERA_T.c.enabled, CAMERA_T.c.platform_connected)
                                .join(VENUE_T, VENUE_T.c.id == CAMERA_T.c.venue_id).where(in_scope)
                                .order_by(CAMERA_T.c.venue_id, CAMERA_T.c.sort_order, CAMERA_T.c.id)):
            cameras[cam.venue_id].append(cam)
    no_street = (1 << 30, "")

    def order(v) -> tuple:
        s = streets.get(v["street_id"], no_street)
        return (s[0], s[1], v["name"], v["id"])

    rows: list[list[str]] = []
    ncams = 0
    for v in sorted(venues, key=order):
        street = streets.get(v["street_id"], no_street)[1]
        base = [street, v["name"], v["license_no"] or "", v["address"], v["venue_type"], v["risk_level"],
                v["contact_person"], v["contact_phone"], v["business_hours"], v["build_progress"],
                v["expected_completion"], _yes(v["platform_connected"]), v["notes"]]
        cams = cameras.get(v["id"], [])
        ncams += len(cams)
        if not cams:
            rows.append(base + [""] * 6)
        for c in cams:
            rows.append(base + [c.name, c.area, _clean(c.sub_url), _clean(c.main_url), _yes(c.enabled),
                                _yes(c.platform_connected)])
    return rows, len(venues), ncams


def _xlsx_bytes(rows: list[list[str]], tick: Throttled) -> bytes:
    """openpyxl writes the package (styles, bold header, widths, frozen panes); the data rows are
    then written straight into the sheet's XML as inline strings, which is what openpyxl would
    write, several times faster than its per-cell objects (25,000 rows: ~1 s instead of 6–11 s).
    Inline strings are text, never formulas, whatever they start with."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(TEMPLATE_SHEET)
    ws.freeze_panes = "C2"
    for i, label in enumerate(HEADER, start=1):
        ws.column_dimensions[get_column_letter(i)].width = _WIDTHS.get(label, 10)
    bold = Font(bold=True)
    header = []
    for label in HEADER:
        cell = WriteOnlyCell(ws, label)
        cell.font = bold
        header.append(cell)
    ws.append(header)
    buf = io.BytesIO()
    wb.save(buf)
    return _with_rows(buf.getvalue(), rows, tick)


def _cells_xml(rows: list[list[str]], tick: Throttled) -> str:
    letters = [get_column_letter(i + 1) for i in range(len(HEADER))]
    parts: list[str] = []
    for n, row in enumerate(rows, start=2):
        parts.append(f'<row r="{n}">')
        for letter, value in zip(letters, row, strict=False):
            if not value:
                continue
            if _NEEDS_CLEANING.search(value):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            space = ' xml:space="preserve"' if value != value.strip() else ""
            parts.append(f'<c r="{letter}{n}" t="inlineStr"><is><t{space}>{escape(value)}</t></is></c>')
        parts.append("</row>")
        tick(n - 1)
    return "".join(parts)


def _with_rows(package: bytes, rows: list[list[str]], tick: Throttled) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        sheet = next(n for n in zin.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml"))
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == sheet:
                xml = data.decode("utf-8")
                cut = xml.rindex("</sheetData>")
                data = (xml[:cut] + _cells_xml(rows, tick) + xml[cut:]).encode("utf-8")
            zout.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
    return out.getvalue()


def _csv_bytes(rows: list[list[str]], tick: Throttled) -> bytes:
    buf = io.StringIO(newline="")
    w = csv.writer(buf)
    w.writerow(HEADER)
    for n, row in enumerate(rows, start=1):
        w.writerow(row)
        tick(n)
    return buf.getvalue().encode("utf-8-sig")  # with BOM: Excel opens it as UTF-8


@audits_refusals
def export_venues(engine: Engine, path: str | Path, *, actor: Actor,
                  progress: ProgressFn | None = None) -> ExportSummary:
    """Write the registry of the actor's streets to .xlsx or .csv (atomically: the old file
    stays until the new one is complete); MANAGE_REGISTRY, audited. SpreadsheetError for an
    unsupported extension."""
    require(actor, Action.MANAGE_REGISTRY)
    t0 = time.perf_counter()
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise SpreadsheetError(f"不支持导出为「{suffix or path.name}」，请使用 .xlsx 或 .csv"
                               "（export to .xlsx or .csv）")
    rows, venues, cameras = export_rows(engine, actor)
    tick = Throttled(progress, len(rows))
    tick(0)
    data = _xlsx_bytes(rows, tick) if suffix == ".xlsx" else _csv_bytes(rows, tick)
    write_atomic(path, data)
    tick.finish()
    summary = ExportSummary(str(path), suffix[1:], venues, cameras, len(rows), round(time.perf_counter() - t0, 3))
    log.info("exported %d venues, %d cameras to %s in %.2fs", venues, cameras, path.name, summary.seconds)
    record_now(engine, actor, AuditAction.EXPORT, path.name, {"what": "venues", "venues": venues, "cameras": cameras})
    return summary
