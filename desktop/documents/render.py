"""Lay out the printed documents of a case (案件登记表（现场检查记录）, 责令改正通知书) on A4 with
the margins of Chinese official documents (GB/T 9704-2012: 版心 156 mm × 225 mm, top 37 mm,
left 28 mm), to a PDF or to a printer. The same code draws both, so the paper and the PDF match.

The pages are a QTextDocument built from HTML, laid out at the device's own resolution and
painted page by page with a footer (第 X 页 共 Y 页). Blocks that must not be cut (an evidence
row, the signature lines) are moved to the next page when they would straddle a page break.
Text is drawn with an explicit CJK font, so a PDF holds real, extractable text.

Qt only through QtGui / QtPrintSupport: works under QT_QPA_PLATFORM=offscreen (CLI use) with a
QGuiApplication (ensure_gui_app), and inside the console's QApplication."""

from __future__ import annotations

import html
import logging
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, Qt, QUrl
from PySide6.QtGui import (
    QAbstractTextDocumentLayout,
    QColor,
    QFont,
    QFontDatabase,
    QGuiApplication,
    QImage,
    QPagedPaintDevice,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
    QTextBlock,
    QTextCursor,
    QTextDocument,
    QTextFormat,
    QTextFrame,
    QTextLength,
    QTextTable,
)
from PySide6.QtPrintSupport import QPrinter

from desktop.documents.case_sheet import (
    CaseSheet,
    EvidenceItem,
    RectificationNotice,
    cn_date,
    cn_datetime,
    short_sha,
)

log = logging.getLogger(__name__)

# Fonts whose text survives in the PDF first. Noto/Source Han CJK come last: their ideographs
# share glyphs with the Kangxi radicals, and Qt's PDF writer then maps 片, 文, 页 … to U+2Fxx in
# the ToUnicode table, so pdftotext, search and copy give radicals (seen here with Noto Serif CJK
# SC: "图⽚⽂件", "第2⻚"). WenQuanYi (Debian) and the Windows fonts map one glyph to one character.
CJK_FAMILIES: tuple[str, ...] = (
    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "FangSong", "SimSun", "Songti SC", "Microsoft YaHei",
    "PingFang SC", "Noto Serif CJK SC", "Source Han Serif SC", "Noto Sans CJK SC", "Source Han Sans SC",
)
FONT_PACKAGES = "fonts-wqy-microhei"

BODY_MM = QRectF(28.0, 37.0, 156.0, 225.0)  # GB/T 9704-2012 版心
FOOTER_GAP_MM = 7.0  # page number line, below the body
PDF_DPI = 300
EVIDENCE_DPI = 200  # pictures are downscaled to this at their printed size (PDF size)
EVIDENCE_MAX_H_MM = 58.0

Document = CaseSheet | RectificationNotice

_app: QGuiApplication | None = None


class FontMissingError(RuntimeError):
    """No Chinese font: printing would give boxes instead of text."""


def ensure_gui_app() -> QGuiApplication:
    """The running Qt application, or a new one (offscreen when there is no display) for
    command-line printing: fonts and text layout need one. A QApplication, not a bare
    QGuiApplication: any widget created later in the same process (a dialog, the console, a
    test) would abort it."""
    global _app
    app = QGuiApplication.instance()
    if app is not None:
        return app  # type: ignore[return-value]
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    _app = QApplication([sys.argv[0] if sys.argv else "mingchu-print"])
    return _app


@lru_cache(maxsize=1)
def cjk_family() -> str:
    """The font family documents are printed in: the first of CJK_FAMILIES installed, else any
    family that writes Simplified Chinese. Raises FontMissingError naming the package."""
    ensure_gui_app()
    families = QFontDatabase.families()
    for name in CJK_FAMILIES:
        if name in families:
            return name
    chinese = [f for f in families if QFontDatabase.WritingSystem.SimplifiedChinese in QFontDatabase.writingSystems(f)]
    if chinese:
        log.info("printing with CJK font %s (none of the preferred families is installed)", chinese[0])
        return chinese[0]
    raise FontMissingError(
        f"未找到中文字体，无法打印文书；请安装 {FONT_PACKAGES} / no CJK font found "
        f"(wanted one of {', '.join(CJK_FAMILIES)}): install the Debian package fonts-noto-cjk or fonts-wqy-microhei"
    )


# --- public API -----------------------------------------------------------------------------

def case_sheet_pdf(sheet: CaseSheet) -> bytes:
    """案件登记表（现场检查记录） as PDF bytes."""
    return _pdf(sheet)


def notice_pdf(notice: RectificationNotice) -> bytes:
    """责令改正通知书 as PDF bytes."""
    return _pdf(notice)


def print_document(doc: Document, printer: QPrinter) -> None:
    """Print `doc` (a CaseSheet or a RectificationNotice) on `printer`, typically configured by
    a QPrintDialog. The layout is the PDF's: A4 portrait, full page, 公文 margins."""
    ensure_gui_app()
    family = cjk_family()
    printer.setFullPage(True)  # coordinates from the paper's corner, as in the PDF; margins are ours
    printer.setDocName(_title(doc))
    printer.setPageOrientation(QPageLayout.Orientation.Portrait)
    if not printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4)):
        log.warning("printer %s refused A4; printing on its current paper", printer.printerName())
    _render(doc, printer, printer.resolution(), family)


def _pdf(doc: Document) -> bytes:
    ensure_gui_app()
    family = cjk_family()  # fail before creating an empty file
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(PDF_DPI)
    writer.setPageLayout(_page_layout())
    writer.setTitle(_title(doc))
    writer.setCreator("明厨亮灶监管工作台")
    _render(doc, writer, PDF_DPI, family)
    del writer  # finishes the PDF into the buffer
    buffer.close()
    return bytes(data.data())


def _title(doc: Document) -> str:
    if isinstance(doc, CaseSheet):
        return f"案件登记表（现场检查记录）{doc.number}"
    return f"责令改正通知书 {doc.number}"


def _page_layout() -> QPageLayout:
    return QPageLayout(QPageSize(QPageSize.PageSizeId.A4), QPageLayout.Orientation.Portrait,
                       QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)


# --- layout ---------------------------------------------------------------------------------
#
# Two scales: the page, the body and the footer are in device pixels (`dpi`); lengths inside
# the HTML (margins, paddings, borders, image sizes) are CSS pixels at 96 dpi (`_px`), which
# QTextDocument scales to the paint device itself; text-indent is the exception (`_indent`).
# Fonts are in points.

def _px(mm: float) -> int:
    """Millimetres as CSS pixels (96 dpi)."""
    return max(1, round(mm * 96 / 25.4)) if mm > 0 else 0


def _indent(points: float, dpi: int, chars: int = 2) -> int:
    """A first-line indent of `chars` Chinese characters at `points`. In device pixels: unlike
    margins and paddings, QTextDocument does not scale text-indent (and ignores `em` there)."""
    return round(chars * points * dpi / 72)


@dataclass(frozen=True)
class _TableSpec:
    widths: tuple[float, ...]  # per column, percent of the body width
    keep: bool  # moved whole to the next page rather than cut (when it fits on one page)


class _Html:
    """The document's HTML, plus what HTML cannot say about each top-level table."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.tables: list[_TableSpec] = []
        self.headings: set[str] = set()

    def add(self, *parts: str) -> None:
        self.parts.extend(parts)

    def spacer(self, mm: float) -> None:
        self.parts.append(f'<p style="margin-top: {_px(mm)}px; font-size: 1pt;">&nbsp;</p>')

    def heading(self, text: str) -> None:
        self.spacer(5)
        self.parts.append(f'<p class="h">{_e(text)}</p>')
        self.headings.add(text)
        self.spacer(1.5)

    def table(self, rows: Iterable[str], *, widths: tuple[float, ...], keep: bool = False, border: bool = True,
              pad_mm: float = 1.3, head: str = "") -> None:
        b = 1 if border else 0  # one CSS pixel: 0.26 mm
        head_html = f"<thead>{head}</thead>" if head else ""
        self.parts.append(
            f'<table width="100%" border="{b}" cellspacing="0" cellpadding="{_px(pad_mm)}" '
            f'style="border-collapse: collapse; border-color: #000000; border-style: solid;">'
            f"{head_html}<tbody>{''.join(rows)}</tbody></table>")
        self.tables.append(_TableSpec(widths, keep))

    def html(self) -> str:
        return f"<html><body>{''.join(self.parts)}</body></html>"


@dataclass
class _Page:
    body: QRectF  # device pixels, on the paper
    footer_y: float
    footer_left: str


def _render(doc: Document, device: QPagedPaintDevice, dpi: int, family: str | None = None) -> None:
    family = family or cjk_family()
    text = QTextDocument()
    text.documentLayout().setPaintDevice(device)  # fonts in points at the device's resolution
    text.setDocumentMargin(0)
    text.setDefaultFont(QFont(family, 10))
    k = dpi / 25.4
    # Whole device pixels: a page boundary Qt's fixed-point layout can hit exactly, so a line
    # moved to the next page is not also drawn (clipped) at the foot of the previous one.
    body = QRectF(round(BODY_MM.x() * k), round(BODY_MM.y() * k), int(BODY_MM.width() * k), int(BODY_MM.height() * k))
    text.setPageSize(body.size())
    if isinstance(doc, CaseSheet):
        html_doc, footer_left = _case_sheet_html(text, doc), f"案件编号：{doc.number}"
        css = _SHEET_CSS.replace("INDENT", str(_indent(10.5, dpi)))
    else:
        html_doc, footer_left = _notice_html(doc), ""
        css = _NOTICE_CSS.replace("INDENT", str(_indent(14, dpi)))
    text.setDefaultStyleSheet(css.replace("FAMILY", family))
    text.setHtml(html_doc.html())
    tables = [f for f in text.rootFrame().childFrames() if isinstance(f, QTextTable)]
    if len(tables) != len(html_doc.tables):  # a nested or stray table would shift every spec
        raise RuntimeError(f"文书排版失败 / layout: {len(tables)} tables for {len(html_doc.tables)} specs")
    for table, spec in zip(tables, html_doc.tables, strict=True):
        fmt = table.format()
        fmt.setColumnWidthConstraints([QTextLength(QTextLength.Type.PercentageLength, w) for w in spec.widths])
        table.setFormat(fmt)
    keep = [t for t, spec in zip(tables, html_doc.tables, strict=True) if spec.keep]
    _keep_together(text, keep, html_doc.headings, body.height())
    _paint_pages(text, device, _Page(body, body.bottom() + FOOTER_GAP_MM * k, footer_left), family, dpi)


def _paint_pages(text: QTextDocument, device: QPagedPaintDevice, page: _Page, family: str, dpi: int) -> None:
    count = text.pageCount()
    painter = QPainter()
    if not painter.begin(device):
        raise OSError("无法开始打印 / the printer or PDF writer could not be opened")
    try:
        footer_font = QFont(family)
        footer_font.setPointSizeF(9)
        for index in range(count):
            if index:
                device.newPage()
            painter.save()
            clip = QRectF(0, index * page.body.height(), page.body.width(), page.body.height())
            painter.translate(page.body.left(), page.body.top() - clip.top())
            painter.setClipRect(clip)
            ctx = QAbstractTextDocumentLayout.PaintContext()
            ctx.clip = clip.adjusted(0, 0, 0, -1)  # a line starting exactly at the next page's top is not ours
            ctx.palette.setColor(ctx.palette.ColorRole.Text, QColor("black"))
            text.documentLayout().draw(painter, ctx)
            painter.restore()
            painter.setFont(footer_font)
            painter.setPen(QPen(QColor("black")))
            line = QRectF(page.body.left(), page.footer_y, page.body.width(), 6 * dpi / 25.4)
            number = f"第 {index + 1} 页 共 {count} 页"
            if page.footer_left:
                painter.drawText(line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, page.footer_left)
                painter.drawText(line, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop, number)
            else:
                painter.drawText(line, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, number)
    finally:
        painter.end()


def _relayout(text: QTextDocument) -> None:
    """Lay the whole document out again. Qt's incremental layout can leave the paragraphs after
    a table that moved to the next page without lines (printed as nothing); a full pass, checked
    block by block, does not."""
    for _ in range(3):
        text.markContentsDirty(0, text.characterCount())
        text.size()  # forces the layout to finish
        block = text.begin()
        while block.isValid() and (block.length() <= 1 or block.layout().lineCount() > 0):
            block = block.next()
        if not block.isValid():
            return
    raise RuntimeError(f"文书排版失败 / text layout left a paragraph empty: {block.text()[:40]!r}")


def _keep_together(text: QTextDocument, tables: list[QTextTable], headings: set[str], page_height: float) -> None:
    """Move each of `tables` that would straddle a page break to the next page, with the
    section heading just above it (a heading is never left alone at the foot of a page).
    One at a time: each move shifts everything after it."""
    _relayout(text)
    layout = text.documentLayout()
    moved: set[int] = set()
    for _ in range(len(tables)):
        target = None
        for i, table in enumerate(tables):
            if i in moved:
                continue
            rect = layout.frameBoundingRect(table)
            heading = _heading_above(text, table, headings)
            top = layout.blockBoundingRect(heading).top() if heading is not None else rect.top()
            first, last = int(top // page_height), int((rect.bottom() - 1) // page_height)
            if last > first and rect.bottom() - top < page_height * 0.9:
                target = i
                break
        if target is None:
            return
        moved.add(target)
        heading = _heading_above(text, tables[target], headings)
        if heading is not None:
            cursor = QTextCursor(heading)
            fmt = heading.blockFormat()
            fmt.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
            cursor.setBlockFormat(fmt)
        else:
            fmt = tables[target].frameFormat()
            fmt.setPageBreakPolicy(QTextFormat.PageBreakFlag.PageBreak_AlwaysBefore)
            tables[target].setFrameFormat(fmt)
        _relayout(text)


def _heading_above(text: QTextDocument, frame: QTextFrame, headings: set[str]) -> QTextBlock | None:
    """The section heading (one of `headings`, outside any table) right above `frame`, across
    spacer paragraphs."""
    block = text.findBlock(frame.firstPosition()).previous()
    for _ in range(3):
        if not block.isValid():
            return None
        label = block.text().replace("\u00a0", "").strip()
        if label in headings and QTextCursor(block).currentTable() is None:
            return block
        if label:
            return None
        block = block.previous()
    return None


# Chinese type sizes: 二号 22 pt, 三号 16 pt, 四号 14 pt, 小四 12 pt, 五号 10.5 pt, 小五 9 pt.
_SHEET_CSS = f"""
body {{ font-family: 'FAMILY'; font-size: 10.5pt; color: #000000; }}
p {{ margin: 0; }}
.org {{ font-size: 14pt; text-align: center; }}
.title {{ font-size: 20pt; font-weight: bold; text-align: center; margin-top: {_px(1.5)}px; }}
.no {{ font-size: 10.5pt; text-align: right; }}
.h {{ font-size: 12pt; font-weight: bold; }}
.label {{ background-color: #efefef; font-weight: bold; }}
.cap {{ font-size: 9pt; }}
.small {{ font-size: 9pt; }}
.warn {{ color: #c00000; font-weight: bold; }}
.fact {{ text-indent: INDENTpx; line-height: 150%; }}
"""

_NOTICE_CSS = f"""
body {{ font-family: 'FAMILY'; font-size: 14pt; color: #000000; }}
p {{ margin: 0; }}
.org {{ font-size: 16pt; text-align: center; }}
.title {{ font-size: 22pt; font-weight: bold; text-align: center; margin-top: {_px(2)}px; }}
.no {{ font-size: 14pt; text-align: right; }}
.para {{ font-size: 14pt; text-indent: INDENTpx; line-height: 160%; }}
.flush {{ font-size: 14pt; line-height: 160%; }}
.sign {{ font-size: 12pt; line-height: 160%; }}
.small {{ font-size: 9pt; }}
"""


def _e(value: object) -> str:
    """Escaped text; None prints empty."""
    return html.escape("" if value is None else str(value)).strip()


def _paragraphs(value: str, cls: str, first_prefix: str = "") -> str:
    """One <p> per non-blank line of `value`; `first_prefix` opens the first one."""
    lines = [line.strip() for line in (value or "").splitlines() if line.strip()] or [""]
    return "".join(f'<p class="{cls}">{_e(first_prefix) if i == 0 else ""}{_e(line)}</p>'
                   for i, line in enumerate(lines))


# --- 案件登记表（现场检查记录） -----------------------------------------------------------------

def _case_sheet_html(text: QTextDocument, s: CaseSheet) -> _Html:
    h = _Html()
    h.add(f'<p class="org">{_e(s.station)}</p>', '<p class="title">案件登记表（现场检查记录）</p>')
    h.spacer(3)
    h.add(f'<p class="no">编号：{_e(s.number)}</p>')

    def row4(l1: str, v1: str, l2: str, v2: str) -> str:
        return (f'<tr><td class="label">{l1}</td><td>{_e(v1)}</td>'
                f'<td class="label">{l2}</td><td>{_e(v2)}</td></tr>')

    def row2(label: str, value: str) -> str:
        return f'<tr><td class="label">{label}</td><td colspan="3">{_e(value)}</td></tr>'

    state = s.state + (f"（{s.escalation}）" if s.escalation else "")
    contact = "　".join(v for v in (s.contact_person, s.contact_phone) if v)
    h.heading("一、被检查单位及案件信息")
    h.table([
        row2("单位名称", s.venue_name),
        row4("许可证号", s.license_no, "单位类型", s.venue_type),
        row2("经营地址", s.address),
        row4("所属街镇", s.street, "负责人及电话", contact),
        row4("违规类型", s.category, "违规级别", s.tier),
        row2("法律依据", s.legal_basis),
        row4("承办人", s.handler, "整改期限", cn_date(s.deadline)),
        row4("案件状态", state, "登记时间", cn_datetime(s.created_at)),
        row2("登记单位", s.station),
    ], widths=(17, 33, 18, 32))

    h.heading("二、检查情况及违法事实")
    h.table([f"<tr><td>{_paragraphs(s.facts, 'fact')}</td></tr>"], widths=(100,), pad_mm=2.5)

    h.heading(f"三、证据材料（共 {len(s.evidence)} 项）")
    if not s.evidence:
        h.add('<p class="small">（无）</p>')
    cell_w_mm = BODY_MM.width() / 2 - 2 * 2.0 - 1.0  # half the body, less paddings and border
    for start in range(0, len(s.evidence), 2):
        if start:
            h.spacer(1.5)
        cells = [f'<td align="center" valign="top">{_evidence_cell(text, item, n, cell_w_mm)}</td>'
                 for n, item in enumerate(s.evidence[start:start + 2], start=start + 1)]
        if len(cells) == 1:
            cells.append("<td></td>")
        h.table([f"<tr>{''.join(cells)}</tr>"], widths=(50, 50), keep=True, pad_mm=2.0)

    h.heading("四、案件处理经过")
    head = "".join(f'<td class="label" align="center">{c}</td>' for c in ("序号", "时间", "状态变更", "操作人", "说明"))
    rows = []
    for n, t in enumerate(s.timeline, start=1):
        change = f"{_e(t.from_state)} → {_e(t.to_state)}" if t.from_state else f"登记：{_e(t.to_state)}"
        rows.append(f'<tr><td align="center">{n}</td><td>{_e(cn_datetime(t.at))}</td><td>{change}</td>'
                    f"<td>{_e(t.who)}</td><td>{_e(t.comment)}</td></tr>")
    if not rows:
        rows.append('<tr><td colspan="5" align="center">（无）</td></tr>')
    # Kept whole when it fits on a page; a longer one breaks between rows, the head repeated.
    h.table(rows, widths=(7, 26, 29, 11, 27), keep=True, head=f"<tr>{head}</tr>")

    h.spacer(4)
    tall = f'style="padding-top: {_px(4)}px; padding-bottom: {_px(4)}px;"'  # room to sign
    date_blank = "年" + "&nbsp;" * 6 + "月" + "&nbsp;" * 6 + "日"
    h.table([
        f'<tr><td class="label" valign="middle" {tall}>检查人员（签名）</td><td {tall}></td>'
        f'<td class="label" valign="middle" align="center" {tall}>日期</td>'
        f'<td valign="middle" align="right" {tall}>{date_blank}</td></tr>',
        f'<tr><td class="label" valign="middle" {tall}>被检查单位负责人（签名）</td><td {tall}></td>'
        f'<td class="label" valign="middle" align="center" {tall}>日期</td>'
        f'<td valign="middle" align="right" {tall}>{date_blank}</td></tr>',
    ], widths=(34, 30, 9, 27), keep=True, pad_mm=2.0)
    h.spacer(1.5)
    h.add('<p class="small">注：证据图片下方为拍摄时间、摄像头及图片文件 SHA-256 摘要（前 16 位），'
          "可与电子证据核对。</p>")
    return h


def _evidence_cell(text: QTextDocument, item: EvidenceItem, n: int, width_mm: float) -> str:
    """The picture scaled into the cell (at most EVIDENCE_MAX_H_MM high), then its caption."""
    image = QImage.fromData(item.image_png) if item.image_png else QImage()
    lines = []
    if image.isNull():
        missing = "图片文件缺失" if not item.image_png else "图片无法读取"
        lines.append(f'<p class="warn" align="center" style="margin-top: {_px(20)}px; '
                     f'margin-bottom: {_px(20)}px;">（{missing}）</p>')
    else:
        aspect = image.height() / image.width()
        w_mm = min(width_mm, EVIDENCE_MAX_H_MM / aspect)
        target_w = max(1, round(w_mm / 25.4 * EVIDENCE_DPI))
        if image.width() > target_w:  # keeps the PDF small; 200 dpi on paper is plenty
            image = image.scaledToWidth(target_w, Qt.TransformationMode.SmoothTransformation)
        url = QUrl(f"evidence://{n}")
        text.addResource(QTextDocument.ResourceType.ImageResource, url, image)
        lines.append(f'<p align="center"><img src="{url.toString()}" width="{_px(w_mm)}" '
                     f'height="{_px(w_mm * aspect)}"></p>')
    title = f"证据{n}：{_e(item.caption)}" + ("（标注图）" if item.annotated else "")
    lines.append(f'<p class="cap" align="left" style="margin-top: {_px(1)}px;"><b>{title}</b></p>')
    lines.append(f'<p class="cap" align="left">拍摄时间：{_e(cn_datetime(item.captured_at))}</p>')
    lines.append(f'<p class="cap" align="left">摄像头：{_e(item.camera)}</p>')
    lines.append(f'<p class="cap" align="left">SHA-256：{_e(short_sha(item.sha256))}</p>')
    if item.annotated and item.original_sha256:
        lines.append(f'<p class="cap" align="left">原图 SHA-256：{_e(short_sha(item.original_sha256))}</p>')
    if item.problem:
        lines.append(f'<p class="cap warn" align="left">校验：{_e(item.problem)}</p>')
    return "".join(lines)


# --- 责令改正通知书 ---------------------------------------------------------------------------

def _notice_html(n: RectificationNotice) -> _Html:
    h = _Html()
    h.add(f'<p class="org">{_e(n.station)}</p>', '<p class="title">责令改正通知书</p>')
    h.spacer(4)
    h.add(f'<p class="no">{_e(n.number)}</p>')
    h.spacer(4)
    h.add(f'<p class="flush">{_e(n.venue_name)}：</p>')
    facts = n.facts.strip()
    h.add(_paragraphs(facts, "para", "" if facts.startswith("经查") else "经查，"))
    when = f"于{cn_date(n.deadline)}前" if n.deadline is not None else "立即"
    sentence = f"你单位的上述行为违反了{_e(n.violated)}的规定。" if n.violated else ""
    if n.legal_basis:
        sentence += f"依据{_e(n.legal_basis)}的规定，"
    sentence += f"现责令你单位{when}改正上述违法行为。"
    h.add(f'<p class="para">{sentence}</p>')
    h.add(_paragraphs(n.requirements, "para", "改正内容及要求："))
    contact = "　".join(v for v in (
        f"联系人：{_e(n.station_contact)}" if n.station_contact else "",
        f"联系电话：{_e(n.station_phone)}" if n.station_phone else "",
    ) if v)
    if contact:
        h.add(f'<p class="para">{contact}</p>')
    h.spacer(6)
    # 发文机关署名 centred over 成文日期, the date four characters from the right edge; the seal
    # goes over both (GB/T 9704-2012 7.3.5.1).
    char = 14 / 72 * 25.4 / BODY_MM.width() * 100  # one character, percent of the body width
    right = 4 * char
    middle = min(100 - right, max(len(n.station), 11) * char + 2)
    h.table([
        f'<tr><td></td><td align="center"><p class="flush">{_e(n.station)}</p>'
        f'<p class="flush">{_e(cn_date(n.issued_on))}</p></td><td></td></tr>',
    ], widths=(100 - right - middle, middle, right), keep=True, border=False, pad_mm=0)
    h.spacer(4)
    line = "_" * 16
    date_blank = "&nbsp;" * 12 + "年" + "&nbsp;" * 6 + "月" + "&nbsp;" * 6 + "日"
    h.table([  # the receipt, kept together with the rule above it
        '<tr><td colspan="2"><hr></td></tr>',
        f'<tr><td><p class="sign">当事人签收：{line}</p></td><td><p class="sign">签收日期：{date_blank}</p></td></tr>',
        f'<tr><td><p class="sign">送达人：{line}</p></td><td><p class="sign">送达日期：{date_blank}</p></td></tr>',
        '<tr><td colspan="2"><p class="small">本文书一式两份，一份送达被检查单位，一份归档。</p></td></tr>',
    ], widths=(52, 48), keep=True, border=False, pad_mm=1.0)
    return h


__all__ = [
    "CJK_FAMILIES",
    "FontMissingError",
    "case_sheet_pdf",
    "cjk_family",
    "ensure_gui_app",
    "notice_pdf",
    "print_document",
]
