"""The dashboard's chart boxes: a title bar with 导出PNG, a pyqtgraph plot in the dark theme,
Chinese tick labels, a tooltip (label and value) over each bar or point and a click that hands the
bar's payload to whoever listens. Every bar drawn is kept as a Hit (its rectangle in data
coordinates, its tooltip, its payload), which is what hovering, clicking and the tests use."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyqtgraph as pg
from PySide6.QtCore import QBuffer, QIODevice, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QCursor, QFont
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QToolButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from desktop.core.atomic_file import write_atomic

log = logging.getLogger(__name__)

# Dark theme (resources/styles/console.qss): page #1f2329, fields #15181c, lines #363c45.
PLOT_BG = "#181b20"
AXIS = "#9ca3af"
TEXT = "#d1d5db"
GRID_ALPHA = 0.15
PALETTE = ("#3b82f6", "#f59e0b", "#10b981", "#ef4444", "#a855f7", "#06b6d4", "#f97316", "#84cc16",
           "#ec4899", "#eab308", "#14b8a6", "#6366f1", "#e879f9", "#7dd3fc", "#fca5a5", "#9ca3af")
CONFIRMED_COLOR = "#ef4444"
FALSE_ALARM_COLOR = "#6b7280"
LINE_COLOR = "#10b981"


def series_color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    color: str
    values: Sequence[float]
    tips: Sequence[str] | None = None  # one per category; default "label · name: value"
    payloads: Sequence[object] | None = None  # one per category; None = nothing to open


@dataclass(frozen=True, slots=True)
class Hit:
    rect: QRectF  # data coordinates
    tip: str
    payload: object


def png_bytes(widget: QWidget) -> bytes:
    buf = QBuffer()
    buf.open(QIODevice.WriteOnly)
    widget.grab().save(buf, "PNG")
    return bytes(buf.data())


class ChartBox(QFrame):
    """Title, an optional note, 导出PNG, and the content below."""

    exported = Signal(str)  # the path written

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("chartBox")
        self.title = QLabel(title, self)
        self.title.setObjectName("chartTitle")
        self.note = QLabel(self)
        self.note.setObjectName("chartNote")
        self.export_button = QToolButton(self)
        self.export_button.setObjectName("chartExport")
        self.export_button.setText(self.tr("导出PNG"))
        self.export_button.setToolTip(self.tr("把这张图保存为 PNG 图片"))
        self.export_button.clicked.connect(lambda: self.export_png())
        head = QHBoxLayout()
        head.setContentsMargins(8, 4, 4, 0)
        head.addWidget(self.title)
        head.addSpacing(8)
        head.addWidget(self.note)
        head.addStretch(1)
        head.addWidget(self.export_button)
        self.body = QVBoxLayout()
        self.body.setContentsMargins(4, 0, 4, 4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(head)
        layout.addLayout(self.body, 1)
        # Answerable by tests: (title, suggested file name) → path or None.
        self.choose_save_path: Callable[[str, str], Path | None] = self._choose_save_path

    def content(self) -> QWidget:
        """What is exported (the plot or table, without the title bar's button)."""
        return self

    def export_png(self, path: Path | None = None) -> Path | None:
        if path is None:
            path = self.choose_save_path(self.tr("导出PNG"), f"{self.title.text()}.png")
        if path is None:
            return None
        path = Path(path)
        if path.suffix.lower() != ".png":
            path = path.with_name(path.name + ".png")
        self.export_button.hide()  # not part of the picture
        try:
            data = png_bytes(self)
        finally:
            self.export_button.show()
        write_atomic(path, data)
        self.exported.emit(str(path))
        return path

    def _choose_save_path(self, title: str, suggested: str) -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self, title, str(Path.home() / suggested), self.tr("PNG 图片 (*.png)"))
        return Path(name) if name else None


class PlotBox(ChartBox):
    """A pyqtgraph plot with hit-tested bars or points."""

    clicked = Signal(object)  # the payload of the bar or point clicked

    def __init__(self, title: str, x_label: str = "", y_label: str = "", parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.plot = pg.PlotWidget(parent=self, background=PLOT_BG)
        self.plot.setMinimumHeight(220)
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        item = self.plot.getPlotItem()
        vb = item.getViewBox()
        vb.setMouseEnabled(x=False, y=False)
        font = QFont(self.font())
        font.setPointSize(9)
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen(AXIS))
            axis.setTextPen(pg.mkPen(TEXT))
            axis.setStyle(tickFont=font)
            axis.label.setFont(font)
        if x_label:
            item.setLabel("bottom", x_label, color=AXIS)
        if y_label:
            item.setLabel("left", y_label, color=AXIS)
        self.body.addWidget(self.plot, 1)
        # The legend sits below the plot, never over the bars.
        self.legend = QLabel(self)
        self.legend.setObjectName("chartLegend")
        self.legend.setWordWrap(True)
        self.legend.hide()
        self.body.addWidget(self.legend)
        self.hits: list[Hit] = []
        self.bar_items: list[pg.BarGraphItem] = []
        scene = self.plot.scene()
        scene.sigMouseMoved.connect(self._hover)
        scene.sigMouseClicked.connect(self._click)

    # -- drawing --------------------------------------------------------------------------------
    def clear(self) -> None:
        item = self.plot.getPlotItem()
        item.clear()
        self.legend.clear()
        self.legend.hide()
        self.hits = []
        self.bar_items = []

    def bar_count(self) -> int:
        """Bars drawn (with a non-zero value), counted from the BarGraphItems themselves."""
        n = 0
        for bar in self.bar_items:
            sizes = bar.opts.get("width") if bar.opts.get("horizontal") else bar.opts.get("height")
            n += sum(1 for v in sizes if v)
        return n

    def _ticks(self, axis: str, labels: Sequence[str], every: int = 1) -> None:
        ticks = [(i, text) for i, text in enumerate(labels) if i % every == 0]
        self.plot.getPlotItem().getAxis(axis).setTicks([ticks, []])

    def set_bars(self, labels: Sequence[str], series: Sequence[Series], *, mode: str = "stacked",
                 horizontal: bool = False, legend: bool = False, value_fmt: str = "{0:g}") -> None:
        """Bars per label: one series, several stacked, or several side by side (mode="grouped")."""
        self.clear()
        item = self.plot.getPlotItem()
        if legend and len(series) > 1:
            self.legend.setText("　".join(f"<span style='color:{s.color}'>■</span>&nbsp;{html.escape(s.name)}"
                                         for s in series))
            self.legend.show()
        n = len(labels)
        base = [0.0] * n
        k = max(1, len(series))
        slot = 0.75
        for si, s in enumerate(series):
            if mode == "grouped" and k > 1:
                size = slot / k
                centers = [i - slot / 2 + size * (si + 0.5) for i in range(n)]
                starts = [0.0] * n
            else:
                size = slot if k == 1 or mode == "stacked" else slot
                centers = list(range(n))
                starts = list(base) if mode == "stacked" else [0.0] * n
            values = [float(v) for v in s.values]
            brush = pg.mkBrush(s.color)
            pen = pg.mkPen(QColor(PLOT_BG), width=0.5)
            if horizontal:
                bar = pg.BarGraphItem(x0=starts, y=centers, height=size, width=values, brush=brush, pen=pen,
                                      name=s.name)
                bar.opts["horizontal"] = True
            else:
                bar = pg.BarGraphItem(x=centers, y0=starts, width=size, height=values, brush=brush, pen=pen,
                                      name=s.name)
            item.addItem(bar)
            self.bar_items.append(bar)
            for i, v in enumerate(values):
                if not v:
                    continue
                if horizontal:
                    rect = QRectF(starts[i], centers[i] - size / 2, v, size)
                else:
                    rect = QRectF(centers[i] - size / 2, starts[i], size, v)
                shown = value_fmt.format(v)
                tip = s.tips[i] if s.tips else f"{labels[i]} · {s.name}：{shown}" if k > 1 else f"{labels[i]}：{shown}"
                self.hits.append(Hit(rect, tip, s.payloads[i] if s.payloads else None))
            if mode == "stacked":
                base = [b + v for b, v in zip(base, values, strict=True)]
        total = max([*base, *(max((float(v) for v in s.values), default=0) for s in series), 0.0])
        vb = item.getViewBox()
        if horizontal:
            self._ticks("left", labels)
            item.getAxis("bottom").setTicks(None)
            item.showGrid(x=True, y=False, alpha=GRID_ALPHA)
            vb.invertY(True)
            vb.setRange(xRange=(0, max(1.0, total) * 1.08), yRange=(-0.6, max(0, n - 1) + 0.6),
                        padding=0)
        else:
            every = max(1, (n + 13) // 14)
            self._ticks("bottom", labels, every)
            item.getAxis("left").setTicks(None)
            item.showGrid(x=False, y=True, alpha=GRID_ALPHA)
            vb.invertY(False)
            vb.setRange(xRange=(-0.6, max(0, n - 1) + 0.6), yRange=(0, max(1.0, total) * 1.08),
                        padding=0)

    def set_line(self, labels: Sequence[str], values: Sequence[float], name: str, *, y_range=(0, 100),
                 value_fmt: str = "{0:.1f}%", payloads: Sequence[object] | None = None) -> None:
        """A line with a dot per label (e.g. a rate per day)."""
        self.clear()
        item = self.plot.getPlotItem()
        xs = list(range(len(values)))
        item.plot(xs, [float(v) for v in values], pen=pg.mkPen(LINE_COLOR, width=2), symbol="o", symbolSize=7,
                  symbolBrush=pg.mkBrush(LINE_COLOR), symbolPen=pg.mkPen(PLOT_BG), name=name)
        lo, hi = y_range
        for i, v in enumerate(values):
            self.hits.append(Hit(QRectF(i - 0.4, lo, 0.8, hi - lo), f"{labels[i]} · {name}：{value_fmt.format(v)}",
                                 payloads[i] if payloads else None))
        self._ticks("bottom", labels, max(1, (len(labels) + 13) // 14))
        item.getAxis("left").setTicks(None)
        item.showGrid(x=False, y=True, alpha=GRID_ALPHA)
        vb = item.getViewBox()
        vb.invertY(False)
        vb.setRange(xRange=(-0.6, max(0, len(values) - 1) + 0.6), yRange=(lo, hi * 1.05), padding=0)

    # -- hovering and clicking ------------------------------------------------------------------
    def hit_at(self, scene_pos: QPointF) -> Hit | None:
        vb = self.plot.getPlotItem().getViewBox()
        if not vb.sceneBoundingRect().contains(scene_pos):
            return None
        p = vb.mapSceneToView(scene_pos)
        return next((h for h in self.hits if h.rect.contains(p)), None)

    def view_pos_of(self, hit: Hit):
        """Where a hit's centre is on the plot widget (for tests and keyboard-less clicking)."""
        vb = self.plot.getPlotItem().getViewBox()
        return self.plot.mapFromScene(vb.mapViewToScene(hit.rect.center()))

    def _hover(self, scene_pos) -> None:
        hit = self.hit_at(scene_pos)
        if hit is None:
            QToolTip.hideText()
            self.plot.setCursor(Qt.ArrowCursor)
            return
        self.plot.setCursor(Qt.PointingHandCursor if hit.payload is not None else Qt.ArrowCursor)
        QToolTip.showText(QCursor.pos(), hit.tip, self.plot)

    def _click(self, event) -> None:
        if event.button() != Qt.LeftButton:
            return
        hit = self.hit_at(event.scenePos())
        if hit is not None and hit.payload is not None:
            self.clicked.emit(hit.payload)


class TableBox(ChartBox):
    """A short read-only table (红黑榜, cameras offline longest); a double-click hands the row's payload."""

    activated = Signal(object)

    def __init__(self, title: str, headers: Sequence[str], stretch: int = 1, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.stretch = stretch
        self.tables: list[QTableWidget] = []
        self.captions: list[QLabel] = []
        self._row = QHBoxLayout()
        self._row.setSpacing(6)
        self.body.addLayout(self._row, 1)
        self.headers = list(headers)
        self._payloads: dict[int, list[object]] = {}

    def add_table(self, caption: str = "") -> QTableWidget:
        col = QVBoxLayout()
        col.setSpacing(2)
        if caption:
            label = QLabel(caption, self)
            label.setObjectName("chartCaption")
            col.addWidget(label)
            self.captions.append(label)
        table = QTableWidget(0, len(self.headers), self)
        table.setObjectName("chartTable")
        table.setHorizontalHeaderLabels(self.headers)
        table.verticalHeader().hide()
        table.setEditTriggers(QTableWidget.NoEditTriggers)
        table.setSelectionBehavior(QTableWidget.SelectRows)
        table.setWordWrap(False)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(self.stretch, QHeaderView.Stretch)
        table.verticalHeader().setDefaultSectionSize(22)
        index = len(self.tables)
        table.cellDoubleClicked.connect(lambda row, _col, t=index: self._activate(t, row))
        col.addWidget(table, 1)
        self._row.addLayout(col, 1)
        self.tables.append(table)
        return table

    def set_rows(self, index: int, rows: Sequence[Sequence[object]], payloads: Sequence[object] | None = None,
                 tips: Sequence[str] | None = None, colors: Sequence[str | None] | None = None) -> None:
        table = self.tables[index]
        table.setRowCount(len(rows))
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                cell = QTableWidgetItem(str(value))
                if isinstance(value, int | float):
                    cell.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
                if tips:
                    cell.setToolTip(tips[r])
                if colors and colors[r]:
                    cell.setForeground(QColor(colors[r]))
                table.setItem(r, c, cell)
        self._payloads[index] = list(payloads or [])

    def _activate(self, index: int, row: int) -> None:
        payloads = self._payloads.get(index, [])
        if 0 <= row < len(payloads) and payloads[row] is not None:
            self.activated.emit(payloads[row])
