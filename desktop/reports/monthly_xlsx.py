"""The monthly report as an Excel workbook (openpyxl): sheets 进度报表, 统计表 and 监管月报.

Each sheet: a title row and a line naming the station and the period above a bold, filled,
bordered header; frozen panes under the header (and left of the venue name in 统计表);
column widths from the longest value, counting a Chinese character as two; percentages as
numbers with a percent format, so they stay computable. Printed landscape on A4, fitted to the
page width, the header repeated on every page.

Written in openpyxl's write-only mode (12,500 venues: about a second) and atomically: the old
file stays until the new one is complete."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from desktop.core.atomic_file import write_atomic
from desktop.reports.monthly import (
    PROGRESS_HEADER,
    PROGRESS_TITLE,
    VENUE_HEADER,
    VENUE_TITLE,
    MonthlyReport,
    cn_date,
)

SHEET_PROGRESS = "进度报表"
SHEET_VENUES = "统计表"
SHEET_SUMMARY = "监管月报"
SHEETS = (SHEET_PROGRESS, SHEET_VENUES, SHEET_SUMMARY)

PERCENT = "0.0%"
HEADER_ROW = 4  # title, station and period, blank (a note in 统计表), then the header
SUMMARY_HEADER_ROW = 5  # title, station and period, blank, section title, then the header

_thin = Side(style="thin", color="808080")
_BORDER = Border(left=_thin, right=_thin, top=_thin, bottom=_thin)
_TITLE_FONT = Font(name="宋体", size=16, bold=True)
_SUB_FONT = Font(name="宋体", size=10, color="404040")
_HEAD_FONT = Font(name="宋体", size=10, bold=True)
_BODY_FONT = Font(name="宋体", size=10)
_TOTAL_FONT = Font(name="宋体", size=10, bold=True)
_SECTION_FONT = Font(name="宋体", size=12, bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")
_TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
_HEAD_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center")
_RIGHT = Alignment(horizontal="right", vertical="center")
_CENTER = Alignment(horizontal="center", vertical="center")

MAX_WIDTH = 48
HEADER_WRAP = 12  # a header longer than this wraps rather than widening its column


def text_width(value: object) -> int:
    """Display width in Excel's character units: East Asian wide/full-width characters count 2."""
    s = "" if value is None else str(value)
    if s.isascii():
        return len(s)
    try:  # GBK: two bytes for a Chinese character or a full-width form, one for ASCII (C speed)
        return len(s.encode("gbk"))
    except UnicodeEncodeError:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)


def column_widths(header: Sequence[str], rows: Iterable[Sequence[object]], *, minimum: int = 6) -> list[float]:
    widest = [min(text_width(h), HEADER_WRAP) for h in header]
    for row in rows:
        for i, v in enumerate(row):
            if v is not None and v != "":
                w = text_width(v if not isinstance(v, float) else f"{v:.1%}")
                if w > widest[i]:
                    widest[i] = w
    return [float(min(MAX_WIDTH, max(minimum, w + 2))) for w in widest]


class _Sheet:
    """A write-only sheet written top to bottom, with styled cells."""

    def __init__(self, wb: Workbook, title: str, ncols: int, header_row: int, freeze_col: int = 1) -> None:
        self.ws: Worksheet = wb.create_sheet(title)
        self.ncols = ncols
        self.row = 0
        # Write-only: the sheet's view is written with its first row, so the panes come first.
        self.ws.freeze_panes = f"{get_column_letter(freeze_col)}{header_row + 1}"
        self.ws.print_title_rows = f"{header_row}:{header_row}"
        self.ws.page_setup.orientation = "landscape"
        self.ws.page_setup.paperSize = "9"  # A4
        self.ws.page_setup.fitToWidth = 1
        self.ws.page_setup.fitToHeight = 0
        self.ws.sheet_properties.pageSetUpPr.fitToPage = True

    def widths(self, widths: Sequence[float]) -> None:
        for i, w in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(i)].width = w

    def cell(self, value: object, font: Font = _BODY_FONT, *, border: bool = True, fill: PatternFill | None = None,
             align: Alignment | None = None, fmt: str | None = None) -> WriteOnlyCell:
        c = WriteOnlyCell(self.ws, value)
        c.font = font
        if border:
            c.border = _BORDER
        if fill is not None:
            c.fill = fill
        if align is not None:
            c.alignment = align
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            c.alignment = _RIGHT
        else:
            c.alignment = _LEFT
        if fmt:
            c.number_format = fmt
        return c

    def append(self, cells: list) -> int:
        self.ws.append(cells)
        self.row += 1
        return self.row

    def title(self, title: str, subtitle: str) -> None:
        self.append([self.cell(title, _TITLE_FONT, border=False, align=_CENTER)])
        self.ws.merged_cells.add(f"A1:{get_column_letter(self.ncols)}1")
        self.append([self.cell(subtitle, _SUB_FONT, border=False, align=_LEFT)])
        self.ws.merged_cells.add(f"A2:{get_column_letter(self.ncols)}2")
        self.append([])

    def header(self, labels: Sequence[str]) -> int:
        return self.append([self.cell(h, _HEAD_FONT, fill=_HEAD_FILL, align=_HEAD_ALIGN) for h in labels])



def _subtitle(report: MonthlyReport) -> str:
    return f"上报单位：{report.station}　　{report.period}　　上报日期：{cn_date(report.generated_at.date())}"


def _progress_sheet(wb: Workbook, report: MonthlyReport) -> None:
    rows = report.progress_rows()
    sh = _Sheet(wb, SHEET_PROGRESS, len(PROGRESS_HEADER), HEADER_ROW, 3)
    sh.widths(column_widths(PROGRESS_HEADER, rows))
    sh.title(f"{report.month.year}年{report.month.month}月 {PROGRESS_TITLE}", _subtitle(report))
    sh.header(PROGRESS_HEADER)
    for row in rows[:-1]:
        sh.append([sh.cell(v, align=_CENTER if i == 0 else None) for i, v in enumerate(row)])
    total = rows[-1]
    sh.append([sh.cell("合计" if i == 1 else v, _TOTAL_FONT, fill=_TOTAL_FILL, align=_CENTER if i < 2 else None)
               for i, v in enumerate(total)])
    sh.append([])
    # Pudong 附件2's lines the database cannot fill: left for the station to write in.
    for label in ("区级配套资金投入情况（万元）：", "存在的问题和建议：", "统计员：　　　　　　电话："):
        sh.append([sh.cell(label, _BODY_FONT, border=False)])


def _venue_sheet(wb: Workbook, report: MonthlyReport) -> None:
    """Title, note, header and the first venue through openpyxl; the other venues are spliced
    into the sheet's XML afterwards with the first row's styles (_splice_venue_rows)."""
    cells = [v.cells() for v in report.venues]
    sh = _Sheet(wb, SHEET_VENUES, len(VENUE_HEADER), HEADER_ROW, 3)  # 序号 and 单位名称 stay in view
    sh.widths(column_widths(VENUE_HEADER, cells))
    if cells:
        sh.ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(VENUE_HEADER))}{HEADER_ROW + len(cells)}"
    sh.append([sh.cell(f"{report.month.year}年{report.month.month}月 {VENUE_TITLE}", _TITLE_FONT, border=False,
                       align=_CENTER)])
    sh.ws.merged_cells.add(f"A1:{get_column_letter(sh.ncols)}1")
    sh.append([sh.cell(_subtitle(report), _SUB_FONT, border=False, align=_LEFT)])
    sh.ws.merged_cells.add(f"A2:{get_column_letter(sh.ncols)}2")
    note = f"共 {len(cells)} 户。注：建设进度为前期准备、设备安装、视频对接、完成建设；预计完成时间填写到月。"
    sh.append([sh.cell(note, _SUB_FONT, border=False, align=_LEFT)])
    sh.ws.merged_cells.add(f"A3:{get_column_letter(sh.ncols)}3")
    sh.header(VENUE_HEADER)
    if cells:
        sh.append([sh.cell(v, align=_CENTER if i in VENUE_CENTERED else None) for i, v in enumerate(cells[0])])


VENUE_CENTERED = (0, 4, 5, 13)
_ROW_RE = re.compile(r'<row r="(\d+)"[^>]*>(.*?)</row>', re.S)
_CELL_STYLE_RE = re.compile(r'<c r="([A-Z]+)\d+"[^>]*?\ss="(\d+)"')
_NEEDS_CLEANING = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _venue_rows_xml(cells: list[tuple], first_row: int, styles: list[str]) -> str:
    """Rows as the sheet XML openpyxl would write: numbers as <v>, text as inline strings
    (never formulas, whatever they start with)."""
    letters = [get_column_letter(i + 1) for i in range(len(VENUE_HEADER))]
    parts: list[str] = []
    for n, row in enumerate(cells, start=first_row):
        parts.append(f'<row r="{n}">')
        for letter, style, value in zip(letters, styles, row, strict=True):
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                parts.append(f'<c r="{letter}{n}" s="{style}" t="n"><v>{value}</v></c>')
                continue
            text = "" if value is None else str(value)
            if not text:
                parts.append(f'<c r="{letter}{n}" s="{style}"/>')  # keeps the border
                continue
            if _NEEDS_CLEANING.search(text):
                text = ILLEGAL_CHARACTERS_RE.sub("", text)
            space = ' xml:space="preserve"' if text != text.strip() else ""
            parts.append(f'<c r="{letter}{n}" s="{style}" t="inlineStr"><is><t{space}>{escape(text)}</t></is></c>')
        parts.append("</row>")
    return "".join(parts)


def _splice_venue_rows(package: bytes, sheet_index: int, cells: list[tuple]) -> bytes:
    """Add venues 2… after the first one in sheet number `sheet_index` (1-based), with the
    first data row's cell styles."""
    if len(cells) < 2:
        return package
    name = f"xl/worksheets/sheet{sheet_index}.xml"
    out = io.BytesIO()
    first = HEADER_ROW + 1
    with zipfile.ZipFile(io.BytesIO(package)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == name:
                xml = data.decode("utf-8")
                m = next(m for m in _ROW_RE.finditer(xml) if int(m.group(1)) == first)
                styles = [s for _, s in _CELL_STYLE_RE.findall(m.group(2))]
                if len(styles) != len(VENUE_HEADER):
                    raise RuntimeError(f"统计表样式读取失败 / styles of the first venue row: {styles}")
                rows = _venue_rows_xml(cells[1:], first + 1, styles)
                xml = xml[:m.end()] + rows + xml[m.end():]
                last = f"{get_column_letter(len(VENUE_HEADER))}{first + len(cells) - 1}"
                xml = re.sub(r'<dimension ref="[^"]*"\s*/>', f'<dimension ref="A1:{last}"/>', xml, count=1)
                data = xml.encode("utf-8")
            zout.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=1)
    return out.getvalue()


def _summary_sheet(wb: Workbook, report: MonthlyReport) -> None:
    ncols = 5
    sh = _Sheet(wb, SHEET_SUMMARY, ncols, SUMMARY_HEADER_ROW)
    key = report.key_figures()
    cats, streets, review = report.category_rows(), report.street_rows(), report.review_rows()
    sample = [(k, v) for k, v, _ in key] + [r[:3] for r in cats] + [r[:3] for r in streets] + list(review)
    widths = column_widths(("告警类别", "告警数（条）", "误报", "待复核", "准确率"), sample, minimum=10)
    widths[0] = max(widths[0], 22.0)
    sh.widths(widths)
    sh.ws.page_setup.orientation = "portrait"
    sh.title(report.title, _subtitle(report))

    def section(text: str) -> None:
        sh.append([sh.cell(text, _SECTION_FONT, border=False)])

    section("一、主要指标")
    sh.header(("指标", "数值"))  # row SUMMARY_HEADER_ROW: the panes freeze under it
    for label, value, kind in key:
        sh.append([sh.cell(label), sh.cell(value if value is not None else "—", fmt=PERCENT if kind == "percent"
                                           else "#,##0", align=_RIGHT)])
    sh.append([])

    def share_table(title: str, first: str, rows: list) -> None:
        section(title)
        sh.header((first, "告警数（条）", "占比"))
        for name, n, share in rows:
            sh.append([sh.cell(name), sh.cell(n, fmt="#,##0"),
                       sh.cell(share if share is not None else "—", fmt=PERCENT, align=_RIGHT)])
        total = sum(n for _, n, _ in rows)
        sh.append([sh.cell("合计", _TOTAL_FONT, fill=_TOTAL_FILL), sh.cell(total, _TOTAL_FONT, fill=_TOTAL_FILL,
                   fmt="#,##0"), sh.cell(1.0 if total else "—", _TOTAL_FONT, fill=_TOTAL_FILL, fmt=PERCENT,
                                         align=_RIGHT)])
        sh.append([])

    share_table("二、告警按类别统计", "告警类别", cats)
    share_table("三、告警按街镇统计", "街镇", streets)
    section("四、告警复核结果（各类别识别准确率）")
    sh.header(("告警类别", "已确认", "误报", "待复核", "准确率"))
    for cat, confirmed, false_alarm, pending, precision in review:
        sh.append([sh.cell(cat), sh.cell(confirmed), sh.cell(false_alarm), sh.cell(pending),
                   sh.cell(precision if precision is not None else "—", fmt=PERCENT, align=_RIGHT)])
    tc, tf, tp = (sum(r[i] for r in review) for i in (1, 2, 3))
    tprec = tc / (tc + tf) if tc + tf else None
    sh.append([sh.cell(v, _TOTAL_FONT, fill=_TOTAL_FILL, fmt=PERCENT if i == 4 else None,
                       align=_RIGHT if i == 4 else None)
               for i, v in enumerate(("合计", tc, tf, tp, tprec if tprec is not None else "—"))])
    sh.append([])
    sh.append([sh.cell("注：准确率＝已确认÷（已确认＋误报），待复核不计入。", _SUB_FONT, border=False)])


def monthly_xlsx_bytes(report: MonthlyReport) -> bytes:
    wb = Workbook(write_only=True)
    _progress_sheet(wb, report)
    _venue_sheet(wb, report)  # sheet2.xml
    _summary_sheet(wb, report)
    wb.properties.title = report.title
    wb.properties.creator = "明厨亮灶监管工作台"
    buf = io.BytesIO()
    wb.save(buf)
    return _splice_venue_rows(buf.getvalue(), SHEETS.index(SHEET_VENUES) + 1, [v.cells() for v in report.venues])


def write_monthly_xlsx(report: MonthlyReport, path: str | Path) -> Path:
    """Write the workbook to `path` atomically. OSError when it cannot be written."""
    return write_atomic(Path(path), monthly_xlsx_bytes(report))
