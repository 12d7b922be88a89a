"""The 统计 page: a scope bar (range, 街镇, 单位类型, 违规类型) above a grid of charts. Every figure
comes from the StatsService (the DB runner, one StatsBundle per scope). Clicking a bar asks for
the matching filtered list through alertsRequested / casesRequested (keyword arguments of the
告警 and 案件 pages' show_filtered); the main window connects them."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from pathlib import Path

from PySide6.QtCore import QDate, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktop.core.access import Action
from desktop.core.alerts import CONFIRMED, FALSE_ALARM
from desktop.core.case_rules import CLOSED, PUSHED, RECTIFYING, REVIEWING
from desktop.core.statistics import UNASSIGNED, StatsScope, local_midnight, local_today
from desktop.core.vocabulary import VENUE_TYPES
from desktop.services.stats_service import StatsBundle, StatsService
from desktop.ui.dashboard.charts import (
    CONFIRMED_COLOR,
    FALSE_ALARM_COLOR,
    PlotBox,
    Series,
    TableBox,
    series_color,
)
from desktop.ui.street_picker import fill_street_picker
from detectors.rules.violation import TIERS

log = logging.getLogger(__name__)

PRESETS = ("近7天", "近30天", "本月", "上月", "自定义")
CUSTOM = len(PRESETS) - 1


def preset_range(index: int, today: date) -> tuple[date, date]:
    """(first day, last day) inclusive of a preset."""
    if index == 0:
        return today - timedelta(days=6), today
    if index == 1:
        return today - timedelta(days=29), today
    first = today.replace(day=1)
    if index == 2:
        return first, today
    last_prev = first - timedelta(days=1)
    return last_prev.replace(day=1), last_prev


class DashboardPage(QWidget):
    message = Signal(str)  # for the status bar
    alertsRequested = Signal(dict)  # keyword arguments of AlertsPage.show_filtered
    casesRequested = Signal(dict)  # keyword arguments of CasesPage.show_filtered

    def __init__(self, service: StatsService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboardPage")
        self.service = service
        self.bundle: StatsBundle | None = None
        self.scope: StatsScope | None = None
        self.loads = 0  # answers shown

        # -- scope bar ---------------------------------------------------------------------------
        self.preset = QComboBox(self)
        for label in PRESETS:
            self.preset.addItem(self.tr(label))
        self.since = QDateEdit(self)
        self.until = QDateEdit(self)
        for d in (self.since, self.until):
            d.setCalendarPopup(True)
            d.setDisplayFormat("yyyy-MM-dd")
        self.street = QComboBox(self)
        fill_street_picker(self.street, ())
        self.venue_type = QComboBox(self)
        self.venue_type.addItem(self.tr("全部类型"), None)
        for t in VENUE_TYPES:
            self.venue_type.addItem(t, t)
        self.category = QComboBox(self)
        self.category.addItem(self.tr("全部违规"), None)
        for c in TIERS:
            self.category.addItem(c, c)
        self.refresh_button = QPushButton(self.tr("刷新"), self)
        self.report_month = QDateEdit(self)
        self.report_month.setDisplayFormat("yyyy-MM")
        self.report_month.setDate(QDate.currentDate().addMonths(-1))
        self.report_month.setToolTip(self.tr("月报的月份"))
        self.report_button = QPushButton(self.tr("导出月报…"), self)
        self.report_button.setToolTip(self.tr("进度报表、统计表和监管月报：Excel 与 PDF"))
        self.report_button.clicked.connect(self._ask_report)
        self.ask_report_path = self._ask_report_path  # tests answer instead of a file dialog
        service.reportWritten.connect(self._report_written)
        service.reportFailed.connect(self._report_failed)
        service.session.changed.connect(lambda _actor: self.apply_role())
        self.state_label = QLabel(self)
        self.state_label.setObjectName("dashboardState")
        bar = QHBoxLayout()
        bar.setContentsMargins(8, 6, 8, 6)
        bar.setSpacing(6)
        bar.addWidget(QLabel(self.tr("时间"), self))
        bar.addWidget(self.preset)
        bar.addWidget(self.since)
        bar.addWidget(QLabel("—", self))
        bar.addWidget(self.until)
        bar.addSpacing(10)
        for label, combo in ((self.tr("街镇"), self.street), (self.tr("单位类型"), self.venue_type),
                             (self.tr("违规类型"), self.category)):
            bar.addWidget(QLabel(label, self))
            bar.addWidget(combo)
            bar.addSpacing(10)
        bar.addWidget(self.refresh_button)
        bar.addStretch(1)
        self.report_label = QLabel(self.tr("月报"), self)
        bar.addWidget(self.report_label)
        bar.addWidget(self.report_month)
        bar.addWidget(self.report_button)
        bar.addSpacing(10)
        bar.addWidget(self.state_label)

        # -- charts ------------------------------------------------------------------------------
        self.per_day = PlotBox(self.tr("每日告警（按违规类型）"), self.tr("日期"), self.tr("告警数"))
        self.by_category = PlotBox(self.tr("告警按违规类型"), self.tr("告警数"))
        self.by_street = PlotBox(self.tr("告警按街镇"), self.tr("告警数"))
        self.by_venue_type = PlotBox(self.tr("告警按单位类型"), self.tr("告警数"))
        self.reviews = PlotBox(self.tr("复核结果（各模型现场准确率）"), self.tr("告警数"))
        self.funnel = PlotBox(self.tr("案件办理漏斗"), self.tr("案件数"))
        self.online = PlotBox(self.tr("摄像头每日在线率"), self.tr("日期"), self.tr("在线率（%）"))
        headers = (self.tr("#"), self.tr("单位"), self.tr("街镇"), self.tr("已确认"))
        self.ranking = TableBox(self.tr("红黑榜（已确认违规）"), headers)
        self.most_table = self.ranking.add_table(self.tr("黑榜：违规最多"))
        self.fewest_table = self.ranking.add_table(self.tr("红榜：违规最少"))
        self.offline = TableBox(self.tr("离线最久的摄像头"),
                                (self.tr("#"), self.tr("摄像头"), self.tr("单位"), self.tr("街镇"),
                                 self.tr("离线时长"), self.tr("离线起始")), stretch=2)
        self.offline_table = self.offline.add_table()
        self.charts = (self.per_day, self.by_category, self.by_street, self.by_venue_type, self.reviews, self.funnel,
                       self.online)
        grid_host = QWidget(self)
        grid_host.setObjectName("dashboardGrid")
        grid = QGridLayout(grid_host)
        grid.setContentsMargins(8, 4, 8, 8)
        grid.setSpacing(8)
        grid.addWidget(self.per_day, 0, 0, 1, 2)
        grid.addWidget(self.by_category, 0, 2)
        grid.addWidget(self.by_street, 1, 0)
        grid.addWidget(self.by_venue_type, 1, 1)
        grid.addWidget(self.reviews, 1, 2)
        grid.addWidget(self.funnel, 2, 0)
        grid.addWidget(self.online, 2, 1)
        grid.addWidget(self.offline, 2, 2)
        grid.addWidget(self.ranking, 3, 0, 1, 3)
        for c in range(3):
            grid.setColumnStretch(c, 1)
        for box in (*self.charts, self.offline):
            box.setMinimumHeight(270)
        self.ranking.setMinimumHeight(340)
        scroll = QScrollArea(self)
        scroll.setObjectName("dashboardScroll")
        scroll.setWidgetResizable(True)
        scroll.setWidget(grid_host)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(bar)
        layout.addWidget(scroll, 1)

        # -- wiring ------------------------------------------------------------------------------
        self._reload_timer = QTimer(self, singleShot=True, interval=200)
        self._reload_timer.timeout.connect(self.reload)
        self._setting_dates = False
        self.set_preset(0)
        self.preset.currentIndexChanged.connect(self._preset_changed)
        for d in (self.since, self.until):
            d.dateChanged.connect(self._dates_edited)
        for combo in (self.street, self.venue_type, self.category):
            combo.currentIndexChanged.connect(lambda _i: self.reload())
        self.refresh_button.clicked.connect(self.reload)
        service.loaded.connect(self._loaded)
        service.failed.connect(self._failed)
        self.per_day.clicked.connect(self._open_alerts)
        self.by_category.clicked.connect(self._open_alerts)
        self.by_street.clicked.connect(self._open_alerts)
        self.by_venue_type.clicked.connect(self._open_alerts)
        self.reviews.clicked.connect(self._open_alerts)
        self.funnel.clicked.connect(self._open_cases)
        self.ranking.activated.connect(self._open_alerts)
        for box in (*self.charts, self.ranking, self.offline):
            box.exported.connect(lambda path: self.message.emit(self.tr("已导出 {0}").format(path)))
        self.apply_role()

    # -- scope ----------------------------------------------------------------------------------
    def set_preset(self, index: int, today: date | None = None) -> None:
        if index == CUSTOM:
            return
        first, last = preset_range(index, today or local_today())
        self._setting_dates = True
        self.since.setDate(QDate(first))
        self.until.setDate(QDate(last))
        self._setting_dates = False

    def _preset_changed(self, index: int) -> None:
        if index != CUSTOM:
            self.set_preset(index)
            self.reload()

    def _dates_edited(self, _d) -> None:
        if self._setting_dates:
            return
        self.preset.blockSignals(True)
        self.preset.setCurrentIndex(CUSTOM)
        self.preset.blockSignals(False)
        self._reload_timer.start()

    def current_scope(self) -> StatsScope:
        first = self.since.date().toPython()
        last = self.until.date().toPython()
        if last < first:
            first, last = last, first
        return StatsScope(since=first, until=last + timedelta(days=1), street=self.street.currentData(),
                          venue_type=self.venue_type.currentData(), category=self.category.currentData())

    def reload(self) -> None:
        self._reload_timer.stop()
        self.scope = self.current_scope()
        self.state_label.setText(self.tr("加载中……"))
        self.service.load(self.scope)

    def set_streets(self, streets) -> None:
        fill_street_picker(self.street, streets)

    def _failed(self, text: str) -> None:
        self.state_label.setText(self.tr("加载失败"))
        self.message.emit(self.tr("加载统计失败：{0}").format(text))

    # -- showing --------------------------------------------------------------------------------
    def _loaded(self, bundle: StatsBundle) -> None:
        self.bundle = bundle
        self.loads += 1
        self.set_streets(bundle.streets)
        self._show_per_day(bundle)
        self._show_counts(self.by_category, bundle.by_category, "category")
        self._show_counts(self.by_street, bundle.by_street, "street")
        self._show_counts(self.by_venue_type, bundle.by_venue_type, "venue_type")
        self._show_reviews(bundle)
        self._show_funnel(bundle)
        self._show_online(bundle)
        self._show_ranking(bundle)
        self._show_offline(bundle)
        total = sum(n for _c, n in bundle.by_category)
        self.state_label.setText(self.tr("告警 {0} 条 · 更新于 {1}").format(total, datetime.now().strftime("%H:%M:%S")))

    def _scope_alerts(self, **kw) -> dict:
        """Filters of the alert list for this scope, plus the bar's own."""
        scope = self.bundle.scope
        args = {"category": scope.category, "street": scope.street, "venue_type": scope.venue_type,
                "since": local_midnight(scope.since), "until": local_midnight(scope.until)}
        args.update(kw)
        return args

    def _days(self, scope: StatsScope) -> list[date]:
        n = (scope.until - scope.since).days
        return [scope.since + timedelta(days=i) for i in range(max(0, n))]

    def _show_per_day(self, bundle: StatsBundle) -> None:
        days = self._days(bundle.scope)
        index = {d: i for i, d in enumerate(days)}
        totals: dict[str, int] = {}
        for _d, cat, n in bundle.per_day:
            totals[cat] = totals.get(cat, 0) + n
        cats = sorted(totals, key=lambda c: -totals[c])
        order = {c: i for i, c in enumerate(cats)}
        values = [[0] * len(days) for _ in cats]
        for d, cat, n in bundle.per_day:
            if d in index:
                values[order[cat]][index[d]] += n
        labels = [d.strftime("%m-%d") for d in days]
        series = [Series(cat, self._category_color(cat), values[i],
                         payloads=[self._scope_alerts(category=cat, since=local_midnight(d),
                                                      until=local_midnight(d + timedelta(days=1))) for d in days])
                  for i, cat in enumerate(cats)]
        self.per_day.set_bars(labels, series, mode="stacked", legend=True)

    def _category_color(self, category: str) -> str:
        cats = list(TIERS)
        return series_color(cats.index(category) if category in cats else len(cats))

    def _show_counts(self, box: PlotBox, rows, key: str | None) -> None:
        rows = list(rows)
        labels = [name or self.tr("（未填）") for name, _n in rows]
        payloads = ([self._scope_alerts(**{key: name}) if name and name != UNASSIGNED else None for name, _n in rows]
                    if key else None)
        color = {"category": None, "street": "#3b82f6"}.get(key, "#a855f7")
        if key == "category":
            tips = [self.tr("{0}：{1} 条").format(label, n) for label, (_name, n) in zip(labels, rows, strict=True)]
            series = [Series(name, self._category_color(name), [n if j == i else 0 for j in range(len(rows))],
                             tips=tips, payloads=payloads) for i, (name, n) in enumerate(rows)]
            box.set_bars(labels, series, mode="stacked", horizontal=True)
        else:
            box.set_bars(labels, [Series(self.tr("告警"), color, [n for _name, n in rows], payloads=payloads)],
                         horizontal=True)
        box.note.setText(self.tr("共 {0} 条").format(sum(n for _name, n in rows)))

    def _show_reviews(self, bundle: StatsBundle) -> None:
        rows = list(bundle.reviews)
        labels = [r.category for r in rows]

        def tips(state: str, value) -> list[str]:
            return [self.tr("{0} · {1}：{2}\n现场准确率 {3}（已确认 {4} / 误报 {5} / 待复核 {6}）").format(
                r.category, state, value(r), _pct(r.precision), r.confirmed, r.false_alarm, r.pending) for r in rows]

        series = [
            Series(self.tr("已确认"), CONFIRMED_COLOR, [r.confirmed for r in rows],
                   tips(CONFIRMED, lambda r: r.confirmed),
                   [self._scope_alerts(category=r.category, review_state=CONFIRMED) for r in rows]),
            Series(self.tr("误报"), FALSE_ALARM_COLOR, [r.false_alarm for r in rows],
                   tips(FALSE_ALARM, lambda r: r.false_alarm),
                   [self._scope_alerts(category=r.category, review_state=FALSE_ALARM) for r in rows]),
        ]
        self.reviews.set_bars(labels, series, mode="grouped", horizontal=True, legend=True)
        confirmed = sum(r.confirmed for r in rows)
        reviewed = confirmed + sum(r.false_alarm for r in rows)
        self.reviews.note.setText(self.tr("总体准确率 {0}").format(_pct(confirmed / reviewed if reviewed else None)))

    def _show_funnel(self, bundle: StatsBundle) -> None:
        f = bundle.funnel
        scope = bundle.scope
        base = {"street": scope.street, "category": scope.category, "since": scope.since, "until": scope.until}
        stages = ((self.tr("立案"), f.opened, None), (self.tr("推送整改"), f.pushed, PUSHED),
                  (self.tr("整改中"), f.rectifying, RECTIFYING), (self.tr("待复核"), f.awaiting_review, REVIEWING),
                  (self.tr("已办结"), f.closed, CLOSED))
        colors = ("#3b82f6", "#6366f1", "#f59e0b", "#a855f7", "#10b981")
        tips = [self.tr("{0}：{1} 件，单击查看案件").format(label, n) for label, n, _s in stages]
        series = [Series(label, colors[i], [n if j == i else 0 for j in range(len(stages))], tips=tips,
                         payloads=[{**base, "state": state} for _label, _n, state in stages])
                  for i, (label, n, state) in enumerate(stages)]
        self.funnel.set_bars([s[0] for s in stages], series, mode="stacked", horizontal=True)
        median = f.median_close_hours
        text = self.tr("办结中位用时 {0}").format(_hours(median)) if median is not None else self.tr("办结中位用时 —")
        self.funnel.note.setText(text + self.tr(" · 撤销 {0} · 黄牌 {1} · 红牌 {2}").format(
            f.revoked, f.overdue_yellow, f.overdue_red))

    def _show_online(self, bundle: StatsBundle) -> None:
        rows = list(bundle.online_rate)
        labels = [d.strftime("%m-%d") for d, _r in rows]
        values = [r * 100 if r <= 1.0 else r for _d, r in rows]
        self.online.set_line(labels, values, self.tr("在线率"))
        if values:
            self.online.note.setText(self.tr("平均 {0:.1f}%").format(sum(values) / len(values)))
        else:
            self.online.note.setText("")

    def _show_ranking(self, bundle: StatsBundle) -> None:
        for index, rows, color in ((0, bundle.most, "#f87171"), (1, bundle.fewest, "#34d399")):
            self.ranking.set_rows(
                index, [(i + 1, v.name, v.street, v.count) for i, v in enumerate(rows)],
                payloads=[self._scope_alerts(venue_id=v.venue_id, review_state=CONFIRMED, street=None) for v in rows],
                tips=[self.tr("{0}（{1}）：已确认 {2} 条，双击查看告警").format(v.name, v.venue_type, v.count)
                      for v in rows],
                colors=[color] * len(rows))

    def _show_offline(self, bundle: StatsBundle) -> None:
        rows = list(bundle.offline)
        self.offline.set_rows(0, [(i + 1, c.camera, c.venue, c.street, _hours(c.offline_seconds / 3600),
                                   c.since.astimezone().strftime("%m-%d %H:%M") if c.since else "—")
                                  for i, c in enumerate(rows)])

    # -- opening lists --------------------------------------------------------------------------
    def _open_alerts(self, payload) -> None:
        self.alertsRequested.emit(dict(payload))

    def _open_cases(self, payload) -> None:
        self.casesRequested.emit(dict(payload))

    # -- monthly report ----------------------------------------------------------------------------
    def apply_role(self) -> None:
        """The monthly report's export only for a role that exports reports (科室负责人); the
        figures themselves for anyone who sees this page."""
        may = self.service.session.can(Action.EXPORT_REPORTS)
        for w in (self.report_label, self.report_month, self.report_button):
            w.setVisible(may)

    def _ask_report_path(self, suggested: str) -> str:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("导出月报"), suggested, self.tr("Excel 与 PDF (*.xlsx)"))
        return path

    def _ask_report(self) -> None:
        d = self.report_month.date()
        month = date(d.year(), d.month(), 1)
        path = self.ask_report_path(f"明厨亮灶监管月报-{month:%Y-%m}.xlsx")
        if not path:
            return
        base = Path(path).with_suffix("")
        self.report_button.setEnabled(False)
        self.message.emit(self.tr("正在生成 {0} 月报……").format(f"{month:%Y-%m}"))
        self.service.export_monthly(month, xlsx=base.with_suffix(".xlsx"), pdf=base.with_suffix(".pdf"))

    def _report_written(self, result) -> None:
        self.report_button.setEnabled(True)
        names = "、".join(str(p) for p in result.written)
        self.message.emit(self.tr("月报已导出（{0:.1f} 秒）：{1}").format(result.seconds, names))

    def _report_failed(self, text: str) -> None:
        self.report_button.setEnabled(True)
        self.message.emit(self.tr("月报导出失败：{0}").format(text))


def _pct(value) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _hours(hours) -> str:
    if hours is None:
        return "—"
    if hours < 1:
        return f"{hours * 60:.0f} 分钟"
    if hours < 48:
        return f"{hours:.1f} 小时"
    return f"{hours / 24:.1f} 天"
