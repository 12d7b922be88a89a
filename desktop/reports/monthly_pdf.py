"""The monthly report as an A4 PDF (Qt, works offscreen): title and station, the key figures,
the charts (alerts per day stacked by category, alerts by category, camera online rate per day),
the alert tables, the review outcome per category, then the 进度报表 and the venue 统计表 on
landscape pages. Every page has a footer with 第 X 页 共 Y 页.

Fonts and the Qt application come from desktop.documents.render (ensure_gui_app, cjk_family:
the families whose glyphs map back to their characters, so pdftotext and search work).

Layout is done in two passes with QPainter: the first places every block (a table row never
splits; a table's header is repeated on each page it continues on), the second paints the
pages knowing their count. Text is drawn as text (extractable); charts are QImages painted by
QPainter at 200 dpi of their printed size. A district's 12,500 venues (~300 landscape pages)
take a few seconds."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetricsF,
    QImage,
    QPageLayout,
    QPageSize,
    QPainter,
    QPdfWriter,
    QPen,
)

from desktop.core.atomic_file import write_atomic
from desktop.documents.render import cjk_family, ensure_gui_app
from desktop.reports.monthly import (
    PROGRESS_HEADER,
    PROGRESS_TITLE,
    VENUE_HEADER,
    VENUE_TITLE,
    MonthlyReport,
    cn_date,
    percent,
)

PDF_DPI = 300
CHART_DPI = 200
MARGIN_MM = 15.0
FOOTER_MM = 8.0  # the footer's baseline band, inside the bottom margin
MAX_CELL_LINES = 4

SECTIONS = ("一、主要指标", "二、告警情况", "三、告警复核结果", "四、摄像头在线情况",
            f"五、{PROGRESS_TITLE}", f"六、{VENUE_TITLE}")
CHART_TITLES = ("每日告警数（按类别堆叠）", "告警类别分布", "摄像头每日在线率")

# Distinct, print-friendly colours for categories (the dashboard's order: largest first).
PALETTE = ("#4472C4", "#ED7D31", "#A5A5A5", "#FFC000", "#5B9BD5", "#70AD47", "#264478", "#9E480E",
           "#636363", "#997300", "#C00000", "#7030A0")
OTHER_COLOUR = "#BFBFBF"
MAX_CHART_CATEGORIES = 8  # the rest are summed into 其他

_HEAD_FILL = QColor("#D9E1F2")
_TOTAL_FILL = QColor("#F2F2F2")
_GRID = QColor("#808080")

Op = Callable[[QPainter], None]


@dataclass
class _Page:
    landscape: bool
    ops: list[Op] = field(default_factory=list)


@dataclass(frozen=True)
class Column:
    label: str
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft
    wrap: bool = True  # may take several lines (names, addresses)
    max_mm: float | None = None


class _Layout:
    """Places blocks on pages in device pixels (PDF_DPI); painting happens later."""

    def __init__(self, device: QPdfWriter, family: str) -> None:
        self.device = device
        self.family = family
        self.k = PDF_DPI / 25.4  # pixels per mm
        self.pages: list[_Page] = []
        self.y = 0.0
        self._fonts: dict[tuple[float, bool], tuple[QFont, QFontMetricsF]] = {}

    # --- geometry ------------------------------------------------------------------------
    def mm(self, v: float) -> float:
        return v * self.k

    @property
    def landscape(self) -> bool:
        return self.pages[-1].landscape if self.pages else False

    @property
    def width(self) -> float:
        return self.mm((297 if self.landscape else 210) - 2 * MARGIN_MM)

    @property
    def left(self) -> float:
        return self.mm(MARGIN_MM)

    @property
    def bottom(self) -> float:
        return self.mm((210 if self.landscape else 297) - MARGIN_MM - FOOTER_MM / 2)

    def font(self, points: float, bold: bool = False) -> tuple[QFont, QFontMetricsF]:
        key = (points, bold)
        if key not in self._fonts:
            f = QFont(self.family)
            f.setPointSizeF(points)
            f.setBold(bold)
            self._fonts[key] = (f, QFontMetricsF(f, self.device))
        return self._fonts[key]

    def new_page(self, landscape: bool | None = None) -> None:
        self.pages.append(_Page(self.landscape if landscape is None else landscape))
        self.y = self.mm(MARGIN_MM)

    def room(self, height: float) -> None:
        if self.y + height > self.bottom:
            self.new_page()

    def op(self, fn: Op) -> None:
        self.pages[-1].ops.append(fn)

    # --- blocks --------------------------------------------------------------------------
    def text(self, text: str, points: float, *, bold: bool = False, align=Qt.AlignmentFlag.AlignLeft,
             space_before: float = 0.0, space_after: float = 1.5, keep_with: float = 0.0) -> None:
        font, fm = self.font(points, bold)
        h = fm.height() * 1.15
        self.y += self.mm(space_before) if self.pages[-1].ops else 0
        self.room(h + keep_with)
        rect = QRectF(self.left, self.y, self.width, h)

        def paint(p: QPainter) -> None:
            p.setFont(font)
            p.setPen(QColor("black"))
            p.drawText(rect, align | Qt.AlignmentFlag.AlignVCenter, text)

        self.op(paint)
        self.y += h + self.mm(space_after)

    def heading(self, text: str, keep_with_mm: float = 20.0) -> None:
        self.text(text, 13, bold=True, space_before=4, space_after=2, keep_with=self.mm(keep_with_mm))

    def image(self, image: QImage, height_mm: float) -> None:
        h = self.mm(height_mm)
        self.room(h)
        rect = QRectF(self.left, self.y, self.width, h)
        self.op(lambda p: p.drawImage(rect, image))
        self.y += h + self.mm(3)

    def table(self, columns: Sequence[Column], rows: Sequence[Sequence[object]], *, points: float = 9.0,
              bold_last: bool = False, widths_mm: Sequence[float] | None = None, pad_mm: float = 1.2,
              caption: str | None = None, heading: str | None = None) -> None:
        """A bordered table as wide as the body; rows never split, the header repeats. A table
        that fits on one page starts on the next page rather than being cut (with its caption).

        Speed (12,500 venues): text advances are measured once per distinct string, a cell that
        fits on one line is drawn at a point (no text layout), only longer ones wrap."""
        font, fm = self.font(points)
        bold, bfm = self.font(points, True)
        pad = self.mm(pad_mm)
        line = fm.lineSpacing()
        baseline = (line + fm.ascent() - fm.descent()) / 2  # from a line's top, centred
        texts = [["" if v is None else str(v) for v in row] for row in rows]
        cache: dict[str, float] = {}

        def advance(t: str) -> float:
            a = cache.get(t)
            if a is None:
                a = cache[t] = fm.horizontalAdvance(t)
            return a

        advances = [[advance(t) for t in row] for row in texts]
        if widths_mm is not None:
            widths = [self.mm(w) for w in widths_mm]
            widths = [w * self.width / sum(widths) for w in widths]
        else:
            widths = self._fit(columns, advances, bfm, pad)
        head_h = self._header_height(columns, widths, bfm, pad)
        word = int(Qt.TextFlag.TextWordWrap)
        anywhere = int(Qt.TextFlag.TextWrapAnywhere)
        inner = [w - 2 * pad for w in widths]
        lefts = []
        x = self.left
        for w in widths:
            lefts.append(x)
            x += w
        right_al = [c.align == Qt.AlignmentFlag.AlignRight for c in columns]
        centre_al = [c.align == Qt.AlignmentFlag.AlignHCenter for c in columns]

        def draw_header() -> None:
            self.room(head_h + line + 2 * pad)
            y = self.y
            cells = [(QRectF(x, y, w, head_h), col.label) for x, w, col in zip(lefts, widths, columns, strict=True)]

            def paint(p: QPainter) -> None:
                p.setFont(bold)
                p.setPen(Qt.PenStyle.NoPen)
                p.fillRect(QRectF(cells[0][0].topLeft(), cells[-1][0].bottomRight()), _HEAD_FILL)
                p.setPen(QPen(_GRID, self.mm(0.2)))
                p.drawRects([r for r, _ in cells])
                p.setPen(QColor("black"))
                for rect, label in cells:
                    p.drawText(rect.adjusted(pad, pad, -pad, -pad), word | int(Qt.AlignmentFlag.AlignCenter), label)

            self.op(paint)
            self.y += head_h

        laid: list[tuple[float, list, list]] = []
        for row, advs in zip(texts, advances, strict=True):
            one: list[tuple[float, str]] = []  # (x, text) on one line
            many: list[tuple[int, int, int, str]] = []  # (column, lines, flags, text) wrapped
            n = 1
            for c, (t, a) in enumerate(zip(row, advs, strict=True)):
                if not t:
                    continue
                if a <= inner[c] or not columns[c].wrap:
                    x = lefts[c] + pad + (inner[c] - a if right_al[c] else (inner[c] - a) / 2 if centre_al[c] else 0)
                    one.append((x, t))
                    continue
                flags = word
                b = fm.boundingRect(QRectF(0, 0, inner[c], 1e6), word, t)
                if b.width() > inner[c] + 0.5:  # a word longer than the cell: break anywhere
                    flags = anywhere
                    b = fm.boundingRect(QRectF(0, 0, inner[c], 1e6), anywhere, t)
                k = min(MAX_CELL_LINES, max(1, round(b.height() / line)))
                many.append((c, k, flags | int(columns[c].align) | int(Qt.AlignmentFlag.AlignVCenter), t))
                n = max(n, k)
            laid.append((n * line + 2 * pad, one, many))

        caption_h = self.font(10.5, True)[1].height() * 1.15 + self.mm(1.5) if caption else 0.0
        heading_h = self.font(13, True)[1].height() * 1.15 + self.mm(6) if heading else 0.0
        whole = heading_h + caption_h + head_h + sum(h for h, _, _ in laid)
        page_h = self.bottom - self.mm(MARGIN_MM)
        if whole <= page_h * 0.9 and self.y + whole > self.bottom:
            self.new_page()
        if heading:
            self.heading(heading, keep_with_mm=0)
        if caption:
            self.text(caption, 10.5, bold=True, keep_with=head_h + (laid[0][0] if laid else 0))
        draw_header()
        last = len(laid) - 1
        for r, (h, one, many) in enumerate(laid):
            if self.y + h > self.bottom:
                self.new_page()
                draw_header()
            y = self.y
            total = bold_last and r == last

            def paint(p: QPainter, y=y, h=h, one=one, many=many, total=total) -> None:
                if total:
                    p.fillRect(QRectF(lefts[0], y, sum(widths), h), _TOTAL_FILL)
                p.setPen(QPen(_GRID, self.mm(0.2)))
                p.drawRects([QRectF(x, y, w, h) for x, w in zip(lefts, widths, strict=True)])
                p.setPen(QColor("black"))
                p.setFont(bold if total else font)
                ty = y + (h - line) / 2 + baseline
                for x, t in one:
                    p.drawText(QPointF(x, ty), t)
                for c, _k, flags, t in many:
                    p.drawText(QRectF(lefts[c] + pad, y + pad, inner[c], h - 2 * pad), flags, t)

            self.op(paint)
            self.y += h
        self.y += self.mm(3)

    def _fit(self, columns: Sequence[Column], advances: list[list[float]], bfm: QFontMetricsF,
             pad: float) -> list[float]:
        """Each column as wide as its widest value (a header may wrap to two lines), the
        widest ones capped so the table is as wide as the body."""
        avail = self.width
        natural = []
        for i, col in enumerate(columns):
            widest = max((row[i] for row in advances), default=0.0)
            head = bfm.horizontalAdvance(col.label)
            head_min = min(head, max(bfm.horizontalAdvance("字") * 4, head / 2 + bfm.horizontalAdvance("字")))
            w = max(widest, head_min) + 2 * pad + 1
            if col.max_mm is not None:
                w = min(w, self.mm(col.max_mm))
            natural.append(w)
        total = sum(natural)
        if total <= avail:
            return [w * avail / total for w in natural]
        lo, hi = 0.0, max(natural)  # water-filling: the cap that makes the widths add up
        for _ in range(40):
            mid = (lo + hi) / 2
            if sum(min(w, mid) for w in natural) > avail:
                hi = mid
            else:
                lo = mid
        widths = [min(w, lo) for w in natural]
        spare = avail - sum(widths)
        capped = [i for i, w in enumerate(natural) if w > lo]
        for i in capped:
            widths[i] += spare / len(capped)
        return widths

    def _header_height(self, columns: Sequence[Column], widths: list[float], bfm: QFontMetricsF,
                       pad: float) -> float:
        word = int(Qt.TextFlag.TextWordWrap)
        lines = 1
        for col, w in zip(columns, widths, strict=True):
            r = bfm.boundingRect(QRectF(0, 0, w - 2 * pad, 1e6), word, col.label)
            lines = max(lines, round(r.height() / bfm.lineSpacing()))
        return lines * bfm.lineSpacing() + 2 * pad


# --- charts ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ChartImages:
    per_day: QImage
    by_category: QImage
    online: QImage


def _chart_canvas(width_mm: float, height_mm: float) -> tuple[QImage, QPainter, float]:
    s = CHART_DPI / 25.4
    img = QImage(round(width_mm * s), round(height_mm * s), QImage.Format.Format_RGB32)
    img.setDotsPerMeterX(round(CHART_DPI / 0.0254))
    img.setDotsPerMeterY(round(CHART_DPI / 0.0254))
    img.fill(QColor("white"))
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setRenderHint(QPainter.RenderHint.TextAntialiasing)
    return img, p, s


def _font(family: str, points: float, bold: bool = False) -> QFont:
    f = QFont(family)
    f.setPointSizeF(points)
    f.setBold(bold)
    return f


def _nice_max(v: float) -> tuple[float, float]:
    """An axis maximum ≥ v and its tick step (1, 2 or 5 × 10^n, about five ticks)."""
    if v <= 0:
        return 5.0, 1.0
    raw = v / 5
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 5, 10) if m * mag >= raw)
    step = max(step, 1.0)
    return step * math.ceil(v / step), step


def _title_and_frame(p: QPainter, img: QImage, s: float, family: str, title: str, y_label: str,
                     legend_w_mm: float = 0.0) -> QRectF:
    """Draw the chart title and y-axis label; return the plot rectangle (pixels)."""
    p.setPen(QColor("black"))
    p.setFont(_font(family, 10, True))
    p.drawText(QRectF(0, 0, img.width(), 7 * s), Qt.AlignmentFlag.AlignCenter, title)
    p.setFont(_font(family, 7.5))
    p.save()
    p.translate(3.5 * s, img.height() / 2)
    p.rotate(-90)
    p.drawText(QRectF(-25 * s, -3 * s, 50 * s, 6 * s), Qt.AlignmentFlag.AlignCenter, y_label)
    p.restore()
    return QRectF(17 * s, 9 * s, img.width() - (19 + legend_w_mm) * s, img.height() - 18 * s)


def _y_axis(p: QPainter, plot: QRectF, s: float, family: str, top: float, step: float,
            fmt: Callable[[float], str]) -> None:
    p.setFont(_font(family, 7))
    v = 0.0
    while v <= top + 1e-9:
        y = plot.bottom() - v / top * plot.height()
        p.setPen(QPen(QColor("#E0E0E0"), 0.25 * s))
        p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        p.setPen(QColor("#404040"))
        p.drawText(QRectF(plot.left() - 14 * s, y - 2.5 * s, 13 * s, 5 * s),
                   Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, fmt(v))
        v += step
    p.setPen(QPen(QColor("#404040"), 0.3 * s))
    p.drawLine(plot.bottomLeft(), plot.bottomRight())
    p.drawLine(plot.bottomLeft(), plot.topLeft())


def _x_days(p: QPainter, plot: QRectF, s: float, family: str, days: int, label: str) -> float:
    """Day numbers under the plot (every other day when crowded); returns the slot width."""
    slot = plot.width() / max(1, days)
    p.setFont(_font(family, 6.5))
    p.setPen(QColor("#404040"))
    every = 1 if slot > 4.2 * s else 2
    for i in range(days):
        if (i + 1) % every and i:
            continue
        x = plot.left() + (i + 0.5) * slot
        p.drawText(QRectF(x - 4 * s, plot.bottom() + 0.8 * s, 8 * s, 4 * s), Qt.AlignmentFlag.AlignCenter,
                   str(i + 1))
    p.setFont(_font(family, 7.5))
    p.drawText(QRectF(plot.left(), plot.bottom() + 4.5 * s, plot.width(), 4.5 * s), Qt.AlignmentFlag.AlignCenter,
               label)
    return slot


def chart_categories(report: MonthlyReport) -> list[tuple[str, str]]:
    """(category, colour) in legend order; past MAX_CHART_CATEGORIES the rest are 其他."""
    cats = report.categories()
    shown = cats[:MAX_CHART_CATEGORIES] if len(cats) > MAX_CHART_CATEGORIES + 1 else cats
    out = [(c, PALETTE[i % len(PALETTE)]) for i, c in enumerate(shown)]
    if len(shown) < len(cats):
        out.append(("其他", OTHER_COLOUR))
    return out


def draw_alerts_per_day(report: MonthlyReport, family: str, width_mm: float, height_mm: float) -> QImage:
    img, p, s = _chart_canvas(width_mm, height_mm)
    try:
        legend = chart_categories(report)
        names = {c for c, _ in legend}
        days = report.days()
        index = {d: i for i, d in enumerate(days)}
        stacks: list[dict[str, int]] = [{} for _ in days]
        for d, c, n in report.alerts_per_day:
            if d in index:
                key = c if c in names else "其他"
                stacks[index[d]][key] = stacks[index[d]].get(key, 0) + n
        top, step = _nice_max(max((sum(x.values()) for x in stacks), default=0))
        plot = _title_and_frame(p, img, s, family, CHART_TITLES[0], "告警数（条）", legend_w_mm=30)
        _y_axis(p, plot, s, family, top, step, lambda v: f"{v:g}")
        slot = _x_days(p, plot, s, family, len(days), f"日期（{report.month.year}年{report.month.month}月）")
        bar = slot * 0.72
        p.setPen(Qt.PenStyle.NoPen)
        for i, stack in enumerate(stacks):
            y = plot.bottom()
            x = plot.left() + i * slot + (slot - bar) / 2
            for cat, colour in legend:
                n = stack.get(cat, 0)
                if n:
                    h = n / top * plot.height()
                    p.fillRect(QRectF(x, y - h, bar, h), QColor(colour))
                    y -= h
        if not report.alerts_per_day:
            p.setPen(QColor("#808080"))
            p.setFont(_font(family, 10))
            p.drawText(plot, Qt.AlignmentFlag.AlignCenter, "本月无告警")
        # legend
        p.setFont(_font(family, 7))
        lx, ly = plot.right() + 3 * s, plot.top()
        for cat, colour in legend:
            p.fillRect(QRectF(lx, ly + 0.8 * s, 3 * s, 3 * s), QColor(colour))
            p.setPen(QColor("black"))
            p.drawText(QRectF(lx + 4 * s, ly, 24 * s, 4.6 * s), Qt.AlignmentFlag.AlignLeft |
                       Qt.AlignmentFlag.AlignVCenter, cat)
            ly += 4.8 * s
    finally:
        p.end()
    return img


def draw_alerts_by_category(report: MonthlyReport, family: str, width_mm: float, height_mm: float) -> QImage:
    """Horizontal bars, largest first, with the count and share at the end of each bar."""
    img, p, s = _chart_canvas(width_mm, height_mm)
    try:
        colours = dict(chart_categories(report))
        rows = report.category_rows()
        if len(rows) > MAX_CHART_CATEGORIES + 1:
            rest = rows[MAX_CHART_CATEGORIES:]
            n = sum(r[1] for r in rest)
            rows = [*rows[:MAX_CHART_CATEGORIES], ("其他", n, (n / report.summary.alerts_total)
                                                      if report.summary.alerts_total else None)]
        p.setPen(QColor("black"))
        p.setFont(_font(family, 10, True))
        p.drawText(QRectF(0, 0, img.width(), 7 * s), Qt.AlignmentFlag.AlignCenter, CHART_TITLES[1])
        label_font = _font(family, 7.5)
        p.setFont(label_font)
        label_w = max([p.fontMetrics().horizontalAdvance(r[0]) for r in rows] + [10 * s]) + 2 * s
        plot = QRectF(label_w + 2 * s, 9 * s, img.width() - label_w - 26 * s, img.height() - 12 * s)
        if not rows:
            p.setPen(QColor("#808080"))
            p.setFont(_font(family, 10))
            p.drawText(plot, Qt.AlignmentFlag.AlignCenter, "本月无告警")
            return img
        top = max(r[1] for r in rows) or 1
        slot = min(plot.height() / len(rows), 9 * s)
        bar = slot * 0.65
        for i, (cat, n, share) in enumerate(rows):
            y = plot.top() + i * slot
            w = n / top * plot.width()
            p.fillRect(QRectF(plot.left(), y + (slot - bar) / 2, w, bar), QColor(colours.get(cat, OTHER_COLOUR)))
            p.setPen(QColor("black"))
            p.drawText(QRectF(0, y, label_w, slot), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, cat)
            p.drawText(QRectF(plot.left() + w + 1.5 * s, y, 24 * s, slot),
                       Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, f"{n:,}（{percent(share)}）")
        p.setPen(QPen(QColor("#404040"), 0.3 * s))
        p.drawLine(plot.topLeft(), QPointF(plot.left(), plot.top() + len(rows) * slot))
    finally:
        p.end()
    return img


def draw_online_rate(report: MonthlyReport, family: str, width_mm: float, height_mm: float) -> QImage:
    img, p, s = _chart_canvas(width_mm, height_mm)
    try:
        days = report.days()
        index = {d: i for i, d in enumerate(days)}
        plot = _title_and_frame(p, img, s, family, CHART_TITLES[2], "在线率")
        lo, step = online_axis([r for _, r in report.online_per_day])
        _y_axis(p, plot, s, family, 1.0 - lo, step, lambda v: f"{(lo + v) * 100:.{0 if step >= 0.01 else 1}f}%")
        slot = _x_days(p, plot, s, family, len(days), f"日期（{report.month.year}年{report.month.month}月）")
        points = [QPointF(plot.left() + (index[d] + 0.5) * slot,
                          plot.bottom() - (max(lo, min(1.0, r)) - lo) / (1.0 - lo) * plot.height())
                  for d, r in report.online_per_day if d in index]
        if not points:
            p.setPen(QColor("#808080"))
            p.setFont(_font(family, 10))
            p.drawText(plot, Qt.AlignmentFlag.AlignCenter, "本月无在线记录")
            return img
        p.setPen(QPen(QColor(PALETTE[0]), 0.6 * s))
        p.drawPolyline(points)
        p.setBrush(QColor(PALETTE[0]))
        for pt in points:
            p.drawEllipse(pt, 0.8 * s, 0.8 * s)
    finally:
        p.end()
    return img


def online_axis(rates: Sequence[float]) -> tuple[float, float]:
    """(lowest value, tick step) of the online-rate axis, which ends at 100 %: from 0 when a
    day fell below 50 %, else from just under the lowest day in 1/2/5 steps, so that a month
    between 99.2 % and 99.9 % is not a flat line at the top."""
    low = min(rates, default=1.0)
    if low < 0.5:
        return 0.0, 0.2
    span = max(1.0 - low, 0.005) * 1.25
    for step in (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1):
        if span / step <= 5:
            break
    lo = max(0.0, math.floor((1.0 - span) / step + 1e-9) * step)
    return round(lo, 4), step


def chart_images(report: MonthlyReport, width_mm: float = 180.0) -> ChartImages:
    """The three charts as images (also usable by the UI for a preview)."""
    ensure_gui_app()
    family = cjk_family()
    n_cat = min(len(report.summary.alerts_by_category), MAX_CHART_CATEGORIES + 1)
    return ChartImages(
        per_day=draw_alerts_per_day(report, family, width_mm, 72),
        by_category=draw_alerts_by_category(report, family, width_mm, max(30.0, 14 + 7.5 * n_cat)),
        online=draw_online_rate(report, family, width_mm, 62),
    )


# --- the document ---------------------------------------------------------------------------

_R = Qt.AlignmentFlag.AlignRight
_C = Qt.AlignmentFlag.AlignHCenter
_L = Qt.AlignmentFlag.AlignLeft


def _layout(report: MonthlyReport, lay: _Layout) -> None:
    lay.new_page(landscape=False)
    lay.text(report.title, 18, bold=True, align=_C, space_after=2)
    lay.text(report.station, 13, align=_C, space_after=1)
    lay.text(f"{report.period}　　生成时间：{report.generated_at:%Y-%m-%d %H:%M}", 9.5, align=_C, space_after=4)

    lay.heading(SECTIONS[0])
    figures = report.key_figures()
    cells = []
    for label, value, kind in figures:
        cells.append((label, percent(value) if kind == "percent" else f"{value:,}" if value is not None else "—"))
    half = (len(cells) + 1) // 2
    rows = []
    for i in range(half):
        right = cells[half + i] if half + i < len(cells) else ("", "")
        rows.append((*cells[i], *right))
    lay.table([Column("指标"), Column("数值", _R), Column("指标"), Column("数值", _R)], rows, points=10,
              widths_mm=(32, 18, 32, 18))

    charts = chart_images(report, width_mm=180)
    lay.heading(SECTIONS[1], keep_with_mm=72)
    lay.image(charts.per_day, 72)
    n_cat = min(len(report.summary.alerts_by_category), MAX_CHART_CATEGORIES + 1)
    lay.image(charts.by_category, max(30.0, 14 + 7.5 * n_cat))
    cat_rows = [(c, f"{n:,}", percent(sh)) for c, n, sh in report.category_rows()]
    cat_rows.append(("合计", f"{report.summary.alerts_total:,}", "100.0%" if report.summary.alerts_total else "—"))
    lay.table([Column("告警类别"), Column("告警数（条）", _R), Column("占比", _R)], cat_rows, bold_last=True,
              widths_mm=(50, 25, 25), caption="告警按类别统计")
    street_rows = [(st, f"{n:,}", percent(sh)) for st, n, sh in report.street_rows()]
    street_rows.append(("合计", f"{sum(n for _, n, _ in report.street_rows()):,}",
                        "100.0%" if report.summary.alerts_total else "—"))
    lay.table([Column("街镇"), Column("告警数（条）", _R), Column("占比", _R)], street_rows, bold_last=True,
              widths_mm=(50, 25, 25), caption="告警按街镇统计")

    review = report.review_rows()
    tc, tf, tp = (sum(r[i] for r in review) for i in (1, 2, 3))
    rows = [(c, f"{a:,}", f"{b:,}", f"{d:,}", percent(pr)) for c, a, b, d, pr in review]
    rows.append(("合计", f"{tc:,}", f"{tf:,}", f"{tp:,}", percent(tc / (tc + tf) if tc + tf else None)))
    lay.table([Column("告警类别"), Column("已确认", _R), Column("误报", _R), Column("待复核", _R),
               Column("准确率", _R)], rows, bold_last=True, widths_mm=(36, 16, 16, 16, 16), heading=SECTIONS[2])
    lay.text("注：准确率＝已确认÷（已确认＋误报），待复核不计入。", 8.5)

    lay.heading(SECTIONS[3], keep_with_mm=62)
    lay.image(charts.online, 62)

    lay.new_page(landscape=True)
    lay.heading(SECTIONS[4])
    cols = [Column(h, _C if i == 0 else _L if i == 1 else _R, wrap=i == 1) for i, h in enumerate(PROGRESS_HEADER)]
    prow = [tuple("合计" if (r[0] == "" and i == 1) else v for i, v in enumerate(r)) for r in report.progress_rows()]
    lay.table(cols, prow, points=9, bold_last=True)
    lay.text("区级配套资金投入情况（万元）：", 9.5, space_before=2)
    lay.text("存在的问题和建议：", 9.5)

    lay.new_page(landscape=True)
    lay.heading(SECTIONS[5])
    venue_cols = []
    for i, h in enumerate(VENUE_HEADER):
        align = _C if i in (0, 4, 5, 13) else _R if i in (10, 11, 12) else _L
        venue_cols.append(Column(h, align, wrap=i in (1, 2, 3, 6, 7, 8, 9), max_mm=None))
    lay.table(venue_cols, [v.cells() for v in report.venues], points=8, pad_mm=0.9)
    lay.text(f"共 {len(report.venues):,} 户。注：建设进度为前期准备、设备安装、视频对接、完成建设；"
             "预计完成时间填写到月。", 8.5)


def _page_layout(landscape: bool) -> QPageLayout:
    return QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                       QPageLayout.Orientation.Landscape if landscape else QPageLayout.Orientation.Portrait,
                       QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Millimeter)


def monthly_pdf_bytes(report: MonthlyReport) -> bytes:
    """The report as PDF bytes. FontMissingError (desktop.documents.render) without a CJK font."""
    ensure_gui_app()
    family = cjk_family()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(PDF_DPI)
    writer.setPageLayout(_page_layout(False))
    writer.setTitle(report.title)
    writer.setCreator("明厨亮灶监管工作台")
    lay = _Layout(writer, family)
    _layout(report, lay)
    count = len(lay.pages)
    footer_font, _ = lay.font(8.5)
    footer_left = f"{report.station}　{report.month.year}年{report.month.month}月 监管工作月报"
    writer.setPageLayout(_page_layout(lay.pages[0].landscape))
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError("无法生成 PDF / the PDF writer could not be opened")
    try:
        for i, page in enumerate(lay.pages):
            if i:
                writer.setPageLayout(_page_layout(page.landscape))
                writer.newPage()
            for op in page.ops:
                op(painter)
            w_mm, h_mm = (297, 210) if page.landscape else (210, 297)
            line = QRectF(lay.mm(MARGIN_MM), lay.mm(h_mm - MARGIN_MM - FOOTER_MM / 2) + lay.mm(1.5),
                          lay.mm(w_mm - 2 * MARGIN_MM), lay.mm(5))
            painter.setFont(footer_font)
            painter.setPen(QColor("black"))
            painter.drawText(line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, footer_left)
            painter.drawText(line, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
                             f"第 {i + 1} 页 共 {count} 页")
    finally:
        painter.end()
    del writer
    buffer.close()
    return bytes(data.data())


def write_monthly_pdf(report: MonthlyReport, path: str | Path) -> Path:
    """Render, then write `path` atomically. FontMissingError, OSError."""
    return write_atomic(Path(path), monthly_pdf_bytes(report))


__all__ = ["CHART_TITLES", "SECTIONS", "chart_images", "cn_date", "monthly_pdf_bytes", "write_monthly_pdf"]
