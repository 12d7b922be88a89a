"""`bench data --sections stats`: a district's year of supervision data generated in SQL
(INSERT … SELECT over a row-number source: a recursive CTE on SQLite, generate_series on
PostgreSQL — generation time is not the measured figure), then the time of every dashboard query
(desktop.core.statistics; median of 3 runs) on a 30-day and a 1-year scope, and of the monthly
report's query part (monthly_summary + progress_by_street) per database.

Scale per venue (12,500 venues → district): 2 cameras (2 % disabled), 80 alerts over the past
365 days (1,000,000), 8 cases (100,000) with their time lines (~3.4 events each), and 12 outages
per camera a year (24 status events: 600,000), some lasting days, a few still going on.

The bulk load runs without the statistics roll-up triggers (desktop.core.stats_rollup), then
rebuild_rollups computes the roll-ups at once (rebuild_rollups_s) and the triggers go back in,
as in a database migrated to revision 0007 (the queries then read the roll-ups)."""

from __future__ import annotations

import statistics as pystats
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from desktop.core import statistics as st
from desktop.core import stats_rollup
from desktop.core.access import SYSTEM, Actor, Role
from desktop.core.progress_stats import progress_by_street
from desktop.core.vocabulary import BUILD_PROGRESS, CAMERA_AREAS, VENUE_TYPES

QUERY_TARGET_MS = 200.0
REPORT_TARGET_S = 10.0
YEAR_S = 365 * 86400
CATEGORIES = ("未戴口罩", "未穿工作服", "未戴帽子", "玩手机", "吸烟", "鼠患", "非工作时间人员", "画面异常")
# Case path: the states a case passes through, in order (撤销 straight from 待处理 here).
PATH = ("待处理", "已推送整改", "整改中", "待复核", "已办结")


def _case(expr: str, values: tuple[str, ...]) -> str:
    whens = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
    return f"CASE ({expr}) % {len(values)} {whens} END"


class _Gen:
    def __init__(self, conn: Connection, base: datetime) -> None:
        self.conn = conn
        self.pg = conn.dialect.name == "postgresql"
        self.base = base  # UTC, one year before now

    def rows(self, n: int) -> tuple[str, str]:
        """(WITH prefix, FROM source) giving i = 0 … n-1."""
        if self.pg:
            return "", f"generate_series(CAST(0 AS BIGINT), {n - 1}) AS n(i)"
        return f"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < {n}) ", "n"

    def at(self, secs: str) -> str:
        """base + secs (an integer expression) as a stored UTC time."""
        if self.pg:
            return f"(CAST(:base AS TIMESTAMP WITH TIME ZONE) + ({secs}) * INTERVAL '1 second')"
        return f"(strftime('%Y-%m-%d %H:%M:%S', :base, ({secs}) || ' seconds') || '.000000')"

    def day(self, secs: str) -> str:
        """The local day of base + secs (a Date column)."""
        if self.pg:
            return f"CAST(({self.at(secs)} AT TIME ZONE 'Asia/Shanghai') AS DATE)"
        return f"date(:base, (({secs}) + 28800) || ' seconds')"

    def run(self, sql: str, **params) -> None:
        base = self.base if self.pg else self.base.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S")
        self.conn.execute(text(sql), {"base": base, **params})


def generate(engine: Engine, venues: int, now: datetime | None = None) -> dict:
    """Fill an empty migrated database; returns the row counts."""
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    cameras, alerts, cases, outages = venues * 2, venues * 80, venues * 8, 12
    streets = ("莘庄镇", "七宝镇", "浦江镇", "梅陇镇", "虹桥镇", "马桥镇", "吴泾镇", "华漕镇", "颛桥镇", "江川路街道",
               "古美路街道", "新虹街道", "浦锦街道", "莘庄工业区")
    with engine.begin() as conn:
        # bulk load without the roll-up triggers (one upsert per row), then the roll-ups at once
        stats_rollup.drop_triggers(conn)
        g = _Gen(conn, now - timedelta(seconds=YEAR_S))
        for k, name in enumerate(streets):
            g.run("INSERT INTO street (id, name, district, sort_order) VALUES (:i, :n, '闵行区', :i)", i=k + 1, n=name)
        w, src = g.rows(venues)
        g.run(f"INSERT INTO venue (id, name, address, street_id, venue_type, risk_level, contact_person, contact_phone,"
              " business_hours, build_progress, platform_connected, expected_completion, notes, created_at, updated_at)"
              f" {w}SELECT i + 1, '餐饮单位' || i, '沪闵路' || i || '号', i % {len(streets)} + 1,"
              f" {_case('i', VENUE_TYPES)}, 'B', '', '', '06:00-21:00', {_case('i', BUILD_PROGRESS)},"
              f" i % 3 > 0, '2023-09', '', {g.at('0')}, {g.at('0')} FROM {src}")
        w, src = g.rows(cameras)
        g.run("INSERT INTO camera (id, venue_id, name, area, sub_url, main_url, enabled, sort_order, installed,"
              " platform_connected, analysis_enabled, analysis_fps, analysis_json, zones_json, schedule_json,"
              f" created_at, updated_at) {w}SELECT i + 1, i / 2 + 1, {_case('i', CAMERA_AREAS)}, '',"
              " 'rtsp://10.0.0.1/' || i, '', i % 50 <> 7, i % 2, TRUE, i % 3 > 0, TRUE, 2.0, '{}', '[]', '',"
              f" {g.at('0')}, {g.at('0')} FROM {src}")
        w, src = g.rows(alerts)
        secs = f"(i * {YEAR_S // alerts}) + (i * 7) % {max(1, YEAR_S // alerts)}"
        g.run("INSERT INTO alert (id, camera_id, category, tier, started_at, at, score, rule_id, reason, boxes_json,"
              " review_state, reviewer, review_comment)"
              f" {w}SELECT i + 1, (i * 7919) % {cameras} + 1, {_case('(i * 13) % 17 % 11', CATEGORIES)}, '二级',"
              f" {g.at(secs + ' - 5')}, {g.at(secs)}, 0.8, 'bench', '', '[]',"
              " CASE WHEN (i * 37) % 100 < 55 THEN '已确认' WHEN (i * 37) % 100 < 80 THEN '误报' ELSE '待复核' END,"
              f" '', '' FROM {src}")
        w, src = g.rows(cases)
        created = f"(i * {YEAR_S // cases})"
        state = "CASE WHEN i % 20 < 2 THEN 0 WHEN i % 20 < 4 THEN 1 WHEN i % 20 < 6 THEN 2 WHEN i % 20 < 7 THEN 3" \
                " WHEN i % 20 < 18 THEN 4 ELSE 5 END"
        states = (*PATH, "撤销")
        closed = f"{created} + 86400 + (i * 7717) % (20 * 86400)"
        g.run("INSERT INTO app_case (id, number, uuid, venue_id, category, tier, legal_basis, facts, handler,"
              " deadline, state, created_by, created_at, updated_at, closed_at, origin_station, origin_number,"
              f" origin_alerts_json) {w}SELECT i + 1, 'BENCH-' || i, 'bench-case-' || i, (i * 7907) % {venues} + 1,"
              f" {_case('(i * 13) % 17 % 11', CATEGORIES)}, '二级', '', '', '承办人' || (i % 30),"
              f" {g.day(created + ' + 7 * 86400')}, {_case(state, states)}, 'bench', {g.at(created)},"
              f" {g.at(created)}, CASE WHEN ({state}) >= 4 THEN {g.at(closed)} END, '', '', '' FROM {src}")
        # time lines: create + one transition per step reached (撤销: create + revoke)
        values = " UNION ALL ".join(f"SELECT {k} AS k, '{s}' AS to_state, '{PATH[k - 1] if k else ''}' AS from_state"
                                    for k, s in enumerate(PATH))
        rank = _case_rank()
        hours = "(k.id * 3 % 8 + 1) * 1800"  # steps a few hours apart, all before closed_at (≥ 1 day)
        step_at = (f"CASE WHEN s.k = 0 THEN k.created_at WHEN s.k = 4 OR k.state = '撤销' THEN k.closed_at ELSE "
                   f"{_shift(g, 'k.created_at', f's.k * {hours}')} END")
        g.run("INSERT INTO caseevent (uuid, case_id, action, from_state, to_state, who, at, comment)"
              f" WITH steps AS ({values}) SELECT k.uuid || '-' || s.k, k.id,"
              " CASE WHEN s.k = 0 THEN 'create' ELSE 'transition' END,"
              " CASE WHEN k.state = '撤销' AND s.k = 1 THEN '待处理' ELSE s.from_state END,"
              " CASE WHEN k.state = '撤销' AND s.k = 1 THEN '撤销' ELSE s.to_state END, 'bench', "
              f"{step_at}, '' FROM app_case k JOIN steps s ON s.k <= {rank}")
        # outages: camera c, outage j (12 a year), offline then back online; a few last for days,
        # every 211th camera's last one is still going on
        w, src = g.rows(cameras * outages)
        slot = YEAR_S // outages
        off = f"(i % {outages}) * {slot} + ((i / {outages}) * 7919 + (i % {outages}) * 104729) % ({slot} - 4 * 86400)"
        dur = (f"CASE WHEN (i / {outages}) % 97 = 0 THEN 3 * 86400 + (i % 7) * 3600"
               f" ELSE 60 + ((i * 31) % 100) * ((i * 17) % 100) * 2 END")
        g.run("INSERT INTO camerastatusevent (camera_id, at, online, reason)"
              f" {w}SELECT i / {outages} + 1, {g.at(off)}, FALSE, '连接超时' FROM {src}")
        w, src = g.rows(cameras * outages)
        g.run("INSERT INTO camerastatusevent (camera_id, at, online, reason)"
              f" {w}SELECT i / {outages} + 1, {g.at(off + ' + ' + dur)}, TRUE, '' FROM {src}"
              f" WHERE NOT ((i / {outages}) % 211 = 0 AND i % {outages} = {outages - 1})")
        if g.pg:
            for table in ("street", "venue", "camera", "alert", "app_case", "caseevent", "camerastatusevent"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                                  f" (SELECT COALESCE(MAX(id), 1) FROM {table}))"))
        t0 = time.perf_counter()
        stats_rollup.rebuild_rollups(conn, now)
        stats_rollup.install_triggers(conn)
        rebuild_s = time.perf_counter() - t0
        counts = {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar()
                  for t in ("venue", "camera", "alert", "app_case", "caseevent", "camerastatusevent", "alert_day",
                            "alert_venue_day", "camera_day_offline")}
        counts["rebuild_rollups_s"] = round(rebuild_s, 1)
    # statistics for the planners, as autovacuum / PRAGMA optimize keep them in a live database
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return counts


def _case_rank() -> str:
    """How many steps of PATH the case took (撤销: one, the revoke)."""
    whens = " ".join(f"WHEN '{s}' THEN {k}" for k, s in enumerate(PATH))
    return f"CASE k.state {whens} WHEN '撤销' THEN 1 END"


def _shift(g: _Gen, col: str, secs: str) -> str:
    if g.pg:
        return f"({col} + ({secs}) * INTERVAL '1 second')"
    return f"(strftime('%Y-%m-%d %H:%M:%S', {col}, ({secs}) || ' seconds') || '.000000')"


def _median_ms(fn: Callable[[], object], runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return round(pystats.median(times), 1)


def dashboard_queries(engine: Engine, scope: st.StatsScope,
                      actor: Actor = SYSTEM) -> dict[str, Callable[[], object]]:
    """The dashboard's queries of one scope as `actor` (the console itself by default; an actor
    limited to streets measures the street-scoped plans)."""
    return {
        "alerts_per_day": lambda: st.alerts_per_day(engine, scope, actor=actor),
        "alerts_by_category": lambda: st.alerts_by_category(engine, scope, actor=actor),
        "alerts_by_street": lambda: st.alerts_by_street(engine, scope, actor=actor),
        "alerts_by_venue_type": lambda: st.alerts_by_venue_type(engine, scope, actor=actor),
        "venue_ranking": lambda: st.venue_ranking(engine, scope, actor=actor),
        "review_outcomes": lambda: st.review_outcomes(engine, scope, actor=actor),
        "case_funnel": lambda: st.case_funnel(engine, scope, actor=actor),
        "camera_online_rate": lambda: st.camera_online_rate(engine, scope, actor=actor),
        "cameras_offline_longest": lambda: st.cameras_offline_longest(engine, scope, actor=actor),
    }


def measure(engine: Engine, today: date | None = None) -> dict:
    """Query times (ms, median of 3) on the default 30-day scope, the same for one 街镇, and a
    1-year scope; the monthly report's query part (s)."""
    today = today or st.local_today()
    # 365d_streets: a 科室负责人 limited to two 街镇 (issue 7: the figures filtered to their streets)
    two_streets = Actor("bench", Role.HEAD, streets=frozenset({1, 2}))
    scopes = {"30d": (st.StatsScope.last_days(30, today), SYSTEM),
              "365d": (st.StatsScope.last_days(365, today), SYSTEM),
              "30d_street": (st.StatsScope.last_days(30, today, street="七宝镇"), SYSTEM),
              "365d_streets": (st.StatsScope.last_days(365, today), two_streets)}
    out: dict = {}
    for name, (scope, actor) in scopes.items():
        times = {q: _median_ms(fn) for q, fn in dashboard_queries(engine, scope, actor).items()}
        out[f"{name}_ms"] = times
        out[f"{name}_max_ms"] = max(times.values())
        out[f"{name}_ok"] = out[f"{name}_max_ms"] <= QUERY_TARGET_MS
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)

    def report() -> None:
        st.monthly_summary(engine, last_month, actor=SYSTEM)
        progress_by_street(engine, actor=SYSTEM)

    out["monthly_report_queries_s"] = round(_median_ms(report) / 1000, 3)
    out["monthly_report_export_s"] = _export_seconds(engine, last_month)
    out["monthly_report_ok"] = max(out["monthly_report_queries_s"], out["monthly_report_export_s"]) <= REPORT_TARGET_S
    return out


def _export_seconds(engine: Engine, month: date) -> float:
    """The whole monthly report as the user gets it: queries, the .xlsx and the PDF with its
    charts (~300 pages at district scale), written to a scratch directory. Run once: it takes
    seconds, and a second run would only measure warm caches."""
    import tempfile
    from pathlib import Path

    from desktop.reports.export import export_monthly

    with tempfile.TemporaryDirectory(prefix="mingchu-report-bench-") as tmp:
        t0 = time.perf_counter()
        export_monthly(engine, month, actor=SYSTEM, xlsx=Path(tmp) / "r.xlsx", pdf=Path(tmp) / "r.pdf")
        return round(time.perf_counter() - t0, 2)


def run_stats(new_engine: Callable[[str], Engine], venues: int) -> dict:
    engine = new_engine("stats")
    t0 = time.perf_counter()
    counts = generate(engine, venues)
    generate_s = round(time.perf_counter() - t0, 1)
    out = {"rebuild_rollups_s": counts.pop("rebuild_rollups_s"), "rows": counts, "generate_s": generate_s}
    out.update(measure(engine))
    return out
