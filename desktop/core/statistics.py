"""Statistics of the supervisor's desk (dashboard) and the monthly supervision summary.

Every figure is an SQL aggregate (GROUP BY, COUNT/SUM, window functions): no rows are loaded
into Python to be counted, so a district (12,500 venues, 25,000 cameras, 1,000,000 alerts,
100,000 cases) costs a few index range scans per figure (indexes: revision 0005).

Alert and camera figures read the daily roll-ups of revision 0007 (desktop.core.stats_rollup):
alert counts per local day (whole district / 街镇 / 单位类型 / both), confirmed alerts per venue
and day, offline seconds per camera and closed day (the running day, and yesterday for an hour
after midnight, from the events). A scope is whole local days, so they are exact: a year costs
what a month did. `direct=True` answers from the alert and event rows instead (the tests
compare both).

Days are local days in Asia/Shanghai (UTC+8 all year since 1991). Times are stored in UTC; a
scope's days become UTC bounds here (local midnight − 8 h) so the range filters use the indexes,
and rows are put into local days in SQL: SQLite `date(at, '+8 hours')`, PostgreSQL
`(at AT TIME ZONE 'Asia/Shanghai')::date` — the same day on both databases (SQLite's date() rounds
to milliseconds, so the stored text is cut to whole seconds first).

Scope (StatsScope): `since` (inclusive) and `until` (exclusive) local days; `street` (街镇 name),
`venue_type` and `category` narrow alerts (category = the alert's category) and cases (the
case's 违规类型). Camera figures honour street and venue_type only (a camera has no category).

Who asks (issue 7): every public function takes the keyword-only `actor`, needs 查看统计
(Action.VIEW_REPORTS) and answers for the actor's streets only. A user limited to streets gets
the figures of those streets (`street_ids`, set here: the alert roll-up's per-街镇 level with
`street_id IN (…)` on its (level, street_id, day) index; the per-venue and per-camera roll-ups
and the direct queries through venue.street_id); a named `street` outside them is refused
(PermissionDenied), as a venue without a street is (access.in_scope).

Definitions:
- 红黑榜 (venue_ranking): confirmed (已确认) alerts per venue in the scope. The first list has the
  venues with the most (only venues with at least one), the second the venues that have at least
  one camera with the fewest (0 included); ties by venue id.
- Review outcome per category: 已确认 / 误报 / 待复核 counts; precision = 已确认 / (已确认 + 误报).
- Case funnel: cases opened (created_at) in the scope, counted by their current state; overdue
  cards (黄牌 / 红牌, desktop.core.case_rules) as of `today` among those still open; median hours
  from created_at to closed_at of those in 已办结.
- Camera online rate: for each local day, 1 − offline time / (enabled cameras × length of the
  day), the day cut at now. A camera's state comes from its CameraStatusEvent rows; the state at
  the start of the range is its last event before it. Time before a camera's first event counts
  as online (nothing says it was down). Disabled cameras are left out (the current flag).
- Monthly summary (monthly_summary):
  cases_opened — created in the month; cases_closed — reached 已办结 in the month (closed_at);
  rectification_rate — cases_closed / cases under rectification in the month, i.e. cases that
  had been pushed (a CaseEvent to 已推送整改) before the month's end and were not yet finished
  (closed or revoked) at its start; None when there were none. overdue_cases — cases open at the
  month's end (or now, for the running month) whose deadline day had passed by then (the days
  before the reference day; case_rules counts whole days after the deadline);
  camera_online_rate — over the whole month (cut at now).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, timezone

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from desktop.core.access import Action, Actor, PermissionDenied, require
from desktop.core.case_rules import CLOSED, OPEN_STATES, PUSHED, RECTIFYING, REVIEWING, REVOKED
from desktop.core.case_settings import red_card_days
from desktop.core.guard import audits_refusals, limited

LOCAL_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")  # no daylight saving since 1991
UNASSIGNED = "未分配街镇"
CONFIRMED = "已确认"
FALSE_ALARM = "误报"
PENDING_REVIEW = "待复核"
DAY_S = 86400
LONG_RANGE_DAYS = 62  # longer ranges sum the per-camera roll-up in key order (SQLite)


# -- records ---------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class StatsScope:
    """The dashboard's filter."""

    since: date  # inclusive, local day
    until: date  # exclusive, local day
    street: str | None = None  # 街镇 name
    venue_type: str | None = None
    category: str | None = None
    # 街镇 ids the figures are limited to (None: no limit). The public functions narrow it to
    # the actor's streets; a caller's own value is only ever narrowed, never widened.
    street_ids: frozenset[int] | None = None

    @classmethod
    def last_days(cls, days: int = 30, today: date | None = None, **filters) -> StatsScope:
        """The `days` local days up to and including today."""
        today = today or local_today()
        return cls(today - timedelta(days=days - 1), today + timedelta(days=1), **filters)


@dataclass(frozen=True, slots=True)
class VenueCount:
    venue_id: int
    name: str
    street: str
    venue_type: str
    count: int


@dataclass(frozen=True, slots=True)
class ReviewOutcome:
    category: str
    confirmed: int
    false_alarm: int
    pending: int

    @property
    def reviewed(self) -> int:
        return self.confirmed + self.false_alarm

    @property
    def precision(self) -> float | None:
        """The field accuracy of the category's model: 已确认 / (已确认 + 误报)."""
        return self.confirmed / self.reviewed if self.reviewed else None


@dataclass(frozen=True, slots=True)
class CaseFunnel:
    opened: int
    pushed: int  # current state 已推送整改
    rectifying: int  # 整改中
    awaiting_review: int  # 待复核
    closed: int  # 已办结
    revoked: int  # 撤销
    overdue_yellow: int
    overdue_red: int
    median_close_hours: float | None

    @property
    def pending(self) -> int:
        """Still 待处理 (opened minus every other state)."""
        return self.opened - self.pushed - self.rectifying - self.awaiting_review - self.closed - self.revoked


@dataclass(frozen=True, slots=True)
class OfflineCamera:
    camera_id: int
    camera: str
    venue: str
    street: str
    offline_seconds: float
    since: datetime | None  # UTC; when its outage still going on at the range's end began


@dataclass(frozen=True, slots=True)
class MonthlySummary:
    month: date
    alerts_total: int
    alerts_by_category: list[tuple[str, int]]
    alerts_by_street: list[tuple[str, int]]
    cases_opened: int
    cases_closed: int
    rectification_rate: float | None
    overdue_cases: int
    camera_online_rate: float | None
    review: list[ReviewOutcome]


# -- time and dialect helpers -------------------------------------------------------------------
def local_today() -> date:
    return datetime.now(LOCAL_TZ).date()


def local_midnight(day: date) -> datetime:
    """The UTC instant a local day starts."""
    return datetime.combine(day, time(), LOCAL_TZ).astimezone(UTC)


class _Sql:
    """The few fragments SQLite and PostgreSQL spell differently."""

    def __init__(self, conn: Connection) -> None:
        self.pg = conn.dialect.name == "postgresql"

    def ts(self, value: datetime) -> object:
        """A bound UTC instant: SQLite stores 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC) and compares text."""
        value = value.astimezone(UTC)
        return value if self.pg else value.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")

    def day_param(self, value: date) -> object:
        return value if self.pg else value.isoformat()

    def ts_param(self, name: str) -> str:
        return f"CAST(:{name} AS TIMESTAMP WITH TIME ZONE)" if self.pg else f":{name}"

    def null_ts(self) -> str:
        return "CAST(NULL AS TIMESTAMP WITH TIME ZONE)" if self.pg else "NULL"

    def local_day(self, col: str) -> str:
        # SQLite's date() rounds to milliseconds (23:59:59.9999 would be the next day): whole seconds
        if self.pg:
            return f"CAST(({col} AT TIME ZONE 'Asia/Shanghai') AS DATE)"
        return f"date(substr({col}, 1, 19), '+8 hours')"

    def seconds_between(self, later: str, earlier: str) -> str:
        if self.pg:
            return f"EXTRACT(EPOCH FROM ({later} - {earlier}))"
        return f"((julianday({later}) - julianday({earlier})) * 86400.0)"

    def floor_int(self, expr: str) -> str:
        """floor of a non-negative number (SQLite's CAST truncates, PostgreSQL's rounds)."""
        return f"CAST(FLOOR({expr}) AS INTEGER)" if self.pg else f"CAST({expr} AS INTEGER)"

    def least(self, a: str, b: str) -> str:
        return f"LEAST({a}, {b})" if self.pg else f"min({a}, {b})"

    def greatest(self, a: str, b: str) -> str:
        return f"GREATEST({a}, {b})" if self.pg else f"max({a}, {b})"

    @staticmethod
    def as_date(value) -> date:
        return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])

    @staticmethod
    def as_datetime(value) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@contextmanager
def _connect(engine: Engine) -> Iterator[Connection]:
    """A read connection. On PostgreSQL: sorts and hashes of a district's rows in memory (the
    default 4 MB spills a month of status events to disk) and no JIT (its compile time is more
    than these queries' run time); SET LOCAL ends with the read's transaction."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL work_mem = '64MB'"))
            conn.execute(text("SET LOCAL jit = off"))
        yield conn


def _scoped(engine: Engine, scope: StatsScope, actor: Actor) -> StatsScope:
    """The scope as `actor` may see it: 查看统计 required; for a user limited to streets, a named
    street must be one of theirs (else PermissionDenied), and without one the figures are
    limited to their streets (street_ids, narrowed)."""
    require(actor, Action.VIEW_REPORTS)
    if not limited(actor):
        return scope
    streets = frozenset(actor.streets or ())
    if scope.street is not None:
        with engine.connect() as conn:
            street_id = conn.execute(text("SELECT id FROM street WHERE name = :name"),
                                     {"name": scope.street}).scalar()
        if street_id is None or int(street_id) not in streets:
            raise PermissionDenied(actor, Action.VIEW_REPORTS, f"街镇「{scope.street}」不在本账号的街镇范围内")
        return scope  # one street of the actor's: the street filter is the limit
    return replace(scope, street_ids=streets if scope.street_ids is None else streets & scope.street_ids)


def _in_streets(col: str, street_ids: frozenset[int]) -> str:
    """`col IN (…)`: the ids are ints from the actor (inlined: the planners see the values and
    pick the street index's seeks); no street at all matches nothing."""
    if not street_ids:
        return "1 = 0"
    return f"{col} IN ({', '.join(str(int(i)) for i in sorted(street_ids))})"


def _bounds(sql: _Sql, scope: StatsScope) -> dict:
    return {"t0": sql.ts(local_midnight(scope.since)), "t1": sql.ts(local_midnight(scope.until))}


def _venue_filter(scope: StatsScope, params: dict, v: str = "v", s: str = "s") -> list[str]:
    """Conditions on venue `v` (and street `s`, joined) for the scope's street(s) and venue type."""
    where = []
    if scope.street is not None:
        where.append(f"{s}.name = :street")
        params["street"] = scope.street
    if scope.street_ids is not None:
        where.append(_in_streets(f"{v}.street_id", scope.street_ids))
    if scope.venue_type is not None:
        where.append(f"{v}.venue_type = :venue_type")
        params["venue_type"] = scope.venue_type
    return where


def _alert_where(sql: _Sql, scope: StatsScope, params: dict, a: str = "a", venue_joined: bool = False) -> str:
    """WHERE for alerts `a` in the scope; street/venue type through the camera when the venue is
    not joined (an IN list of camera ids: the alert side stays an index-only range scan)."""
    params.update(_bounds(sql, scope))
    where = [f"{a}.at >= :t0", f"{a}.at < :t1"]
    if scope.category is not None:
        where.append(f"{a}.category = :category")
        params["category"] = scope.category
    venue = _venue_filter(scope, params)
    if venue and not venue_joined:
        # unary + keeps SQLite on the time-range index (not one look-up per camera of the street)
        where.append(f"+{a}.camera_id IN (SELECT c.id FROM camera c JOIN venue v ON v.id = c.venue_id"
                     f" LEFT JOIN street s ON s.id = v.street_id WHERE {' AND '.join(venue)})")
    elif venue:
        where.extend(venue)
    return " AND ".join(where)


def _rows(engine: Engine, build) -> list:
    with _connect(engine) as conn:
        sql = _Sql(conn)
        query, params = build(sql)
        return conn.execute(text(query), params).all()


def _rollup_where(sql: _Sql, scope: StatsScope, params: dict, by_street: bool = False,
                  by_type: bool = False) -> tuple[str, str]:
    """(WHERE, FROM) on alert_day `r` for the scope: the level that splits what is filtered or
    grouped by (1 街镇, 2 单位类型, 3 both), the unsplit side at its 'all' value, a day range.
    The actor's streets (street_ids) read the per-街镇 level: a few seeks of the street index."""
    one_street = scope.street is not None or scope.street_ids is not None  # street index seeks
    split_street, split_type = by_street or one_street, by_type or scope.venue_type is not None
    params.update(lv=int(split_street) + 2 * int(split_type), d0=sql.day_param(scope.since),
                  d1=sql.day_param(scope.until))
    where = ["r.level = :lv", "r.day >= :d0", "r.day < :d1"]
    if scope.street is not None:
        where.append("r.street_id = (SELECT st.id FROM street st WHERE st.name = :street)")
        params["street"] = scope.street
    elif not split_street:
        where.append("r.street_id = -1")
    if scope.street_ids is not None:
        where.append(_in_streets("r.street_id", scope.street_ids))
    if scope.venue_type is not None:
        where.append("r.venue_type = :venue_type")
        params["venue_type"] = scope.venue_type
    elif not split_type:
        where.append("r.venue_type = '*'")
    if scope.category is not None:
        where.append("r.category = :category")
        params["category"] = scope.category
    # the index whose leading columns are fixed and seek the day range: (level, street, day) when
    # the street is one value (a filter or -1) or a few (the actor's) unless only the venue type
    # is, else (level, type, day)
    by_type_index = not one_street and (split_street or scope.venue_type is not None)
    index = "ix_alert_day_level_venue_type_day" if by_type_index else "ix_alert_day_level_street_id_day"
    return " AND ".join(where), "alert_day r" + ("" if sql.pg else f" INDEXED BY {index}")


def _per_camera_day(sql: _Sql, scope: StatsScope) -> str:
    """camera_day_offline's day for a range condition. SQLite: sums per camera over a long range
    read the table in primary-key order (camera first: grouped as it streams, no sort), which
    the unary + forces by keeping the day index out; a short range seeks the day index."""
    return "+r.day" if not sql.pg and (scope.until - scope.since).days > LONG_RANGE_DAYS else "r.day"


# -- alerts ---------------------------------------------------------------------------------------
@audits_refusals
def alerts_per_day(engine: Engine, scope: StatsScope, *, actor: Actor,
                   direct: bool = False) -> list[tuple[date, str, int]]:
    """(local day, category, count), by day then category; days without alerts are absent."""
    scope = _scoped(engine, scope, actor)

    def build(sql: _Sql):
        params: dict = {}
        if not direct:
            where, table = _rollup_where(sql, scope, params)
            return (f"SELECT r.day, r.category, SUM(r.n) FROM {table} WHERE {where}"
                    " GROUP BY r.day, r.category HAVING SUM(r.n) > 0 ORDER BY 1, 2"), params
        where = _alert_where(sql, scope, params)
        day = sql.local_day("a.at")
        return (f"SELECT {day} AS day, a.category, COUNT(*) FROM alert a WHERE {where}"
                f" GROUP BY {day}, a.category ORDER BY 1, 2"), params

    with _connect(engine) as conn:
        sql = _Sql(conn)
        query, params = build(sql)
        return [(sql.as_date(d), c, int(n)) for d, c, n in conn.execute(text(query), params)]


@audits_refusals
def alerts_by_category(engine: Engine, scope: StatsScope, *, actor: Actor,
                       direct: bool = False) -> list[tuple[str, int]]:
    """Most first (ties by name)."""
    scope = _scoped(engine, scope, actor)

    def build(sql: _Sql):
        params: dict = {}
        if not direct:
            where, table = _rollup_where(sql, scope, params)
            return (f"SELECT r.category, SUM(r.n) AS n FROM {table} WHERE {where}"
                    " GROUP BY r.category HAVING SUM(r.n) > 0 ORDER BY n DESC, r.category"), params
        where = _alert_where(sql, scope, params)
        return (f"SELECT a.category, COUNT(*) AS n FROM alert a WHERE {where}"
                " GROUP BY a.category ORDER BY n DESC, a.category"), params

    return [(c, int(n)) for c, n in _rows(engine, build)]


def _alerts_by_venue_column(engine: Engine, scope: StatsScope, column: str, direct: bool) -> list[tuple[str, int]]:
    # Alerts are counted per camera first (index-only), then the ≤ 25,000 camera groups are joined.
    def build(sql: _Sql):
        params: dict = {}
        if not direct:
            by_street = column != "v.venue_type"
            where, table = _rollup_where(sql, scope, params, by_street=by_street, by_type=not by_street)
            if by_street:
                return (f"SELECT COALESCE(s.name, '{UNASSIGNED}') AS k, SUM(x.n) AS total FROM"
                        f" (SELECT r.street_id, SUM(r.n) AS n FROM {table} WHERE {where} GROUP BY r.street_id) x"
                        f" LEFT JOIN street s ON s.id = x.street_id GROUP BY COALESCE(s.name, '{UNASSIGNED}')"
                        " HAVING SUM(x.n) > 0 ORDER BY total DESC, k"), params
            return (f"SELECT r.venue_type AS k, SUM(r.n) AS total FROM {table} WHERE {where}"
                    " GROUP BY r.venue_type HAVING SUM(r.n) > 0 ORDER BY total DESC, k"), params
        inner = _alert_where(sql, scope.__class__(scope.since, scope.until, category=scope.category), params)
        outer = _venue_filter(scope, params)
        return (f"SELECT {column} AS k, SUM(x.n) AS total FROM"
                f" (SELECT a.camera_id, COUNT(*) AS n FROM alert a WHERE {inner} GROUP BY a.camera_id) x"
                " JOIN camera c ON c.id = x.camera_id JOIN venue v ON v.id = c.venue_id"
                " LEFT JOIN street s ON s.id = v.street_id"
                + (f" WHERE {' AND '.join(outer)}" if outer else "")
                + f" GROUP BY {column} ORDER BY total DESC, k"), params

    return [(k, int(n)) for k, n in _rows(engine, build)]


@audits_refusals
def alerts_by_street(engine: Engine, scope: StatsScope, *, actor: Actor,
                     direct: bool = False) -> list[tuple[str, int]]:
    """(街镇, count), most first; venues without a street under 未分配街镇 (not for a user
    limited to streets: only their streets' rows)."""
    return _alerts_by_venue_column(engine, _scoped(engine, scope, actor), f"COALESCE(s.name, '{UNASSIGNED}')", direct)


@audits_refusals
def alerts_by_venue_type(engine: Engine, scope: StatsScope, *, actor: Actor,
                         direct: bool = False) -> list[tuple[str, int]]:
    """(单位类型, count), most first."""
    return _alerts_by_venue_column(engine, _scoped(engine, scope, actor), "v.venue_type", direct)


@audits_refusals
def venue_ranking(engine: Engine, scope: StatsScope, n: int = 10, *, actor: Actor,
                  direct: bool = False) -> tuple[list[VenueCount], list[VenueCount]]:
    """红黑榜 by confirmed alerts: (most first — venues with at least one; fewest first — venues
    with at least one camera, 0 included). Ties by venue id."""
    scope = _scoped(engine, scope, actor)

    def build(sql: _Sql, most: bool):
        params: dict = {"n": n, "confirmed": CONFIRMED}
        inner = _alert_where(sql, scope.__class__(scope.since, scope.until, category=scope.category), params)
        outer = _venue_filter(scope, params)
        per_venue = ("SELECT c.venue_id, SUM(x.n) AS n FROM"
                     f" (SELECT a.camera_id, COUNT(*) AS n FROM alert a WHERE {inner} AND a.review_state = :confirmed"
                     " GROUP BY a.camera_id) x JOIN camera c ON c.id = x.camera_id GROUP BY c.venue_id")
        if not direct:  # the same counts from the confirmed alerts per venue and day, once for both
            params.update(d0=sql.day_param(scope.since), d1=sql.day_param(scope.until))
            per_venue = ("SELECT r.venue_id, SUM(r.n) AS n FROM alert_venue_day r WHERE r.day >= :d0 AND r.day < :d1"
                         + (" AND r.category = :category" if scope.category is not None else "")
                         + " GROUP BY r.venue_id HAVING SUM(r.n) > 0")
            return per_venue, params
        head = (f"SELECT v.id, v.name, COALESCE(s.name, '{UNASSIGNED}'), v.venue_type, COALESCE(p.n, 0) AS cnt"
                " FROM venue v LEFT JOIN street s ON s.id = v.street_id")
        if most:
            where = " AND ".join(outer) or "1 = 1"
            return (f"{head} JOIN ({per_venue}) p ON p.venue_id = v.id WHERE {where}"
                    " ORDER BY cnt DESC, v.id LIMIT :n"), params
        where = " AND ".join([*outer, "EXISTS (SELECT 1 FROM camera c2 WHERE c2.venue_id = v.id)"])
        return (f"{head} LEFT JOIN ({per_venue}) p ON p.venue_id = v.id WHERE {where}"
                " ORDER BY cnt, v.id LIMIT :n"), params

    with _connect(engine) as conn:
        sql = _Sql(conn)
        lists: list[list[VenueCount]] = [[], []]
        if not direct:
            per_venue, params = build(sql, True)
            outer = " AND ".join(_venue_filter(scope, params)) or "1 = 1"
            head = (f"SELECT v.id, v.name, COALESCE(s.name, '{UNASSIGNED}') AS street, v.venue_type,"
                    " COALESCE(p.n, 0) AS cnt FROM venue v LEFT JOIN street s ON s.id = v.street_id")
            query = (f"WITH pv AS MATERIALIZED ({per_venue})"
                     f" SELECT 0, m.* FROM ({head} JOIN pv p ON p.venue_id = v.id WHERE {outer}"
                     "  ORDER BY cnt DESC, v.id LIMIT :n) m"
                     f" UNION ALL SELECT 1, f.* FROM ({head} LEFT JOIN pv p ON p.venue_id = v.id WHERE {outer}"
                     "  AND EXISTS (SELECT 1 FROM camera c2 WHERE c2.venue_id = v.id) ORDER BY cnt, v.id LIMIT :n) f")
            for k, i, name, st, vt, c in conn.execute(text(query), params):
                lists[int(k)].append(VenueCount(int(i), name, st, vt, int(c)))
            return lists[0], lists[1]
        for k, most in enumerate((True, False)):
            query, params = build(sql, most)
            lists[k] = [VenueCount(int(i), name, st, vt, int(c)) for i, name, st, vt, c
                        in conn.execute(text(query), params)]
    return lists[0], lists[1]


@audits_refusals
def review_outcomes(engine: Engine, scope: StatsScope, *, actor: Actor, direct: bool = False) -> list[ReviewOutcome]:
    """Per category, most alerts first."""
    scope = _scoped(engine, scope, actor)

    def build(sql: _Sql):
        params: dict = {"confirmed": CONFIRMED, "false_alarm": FALSE_ALARM, "pending": PENDING_REVIEW}
        if not direct:
            where, table = _rollup_where(sql, scope, params)
            return ("SELECT r.category,"
                    " SUM(CASE WHEN r.review_state = :confirmed THEN r.n ELSE 0 END),"
                    " SUM(CASE WHEN r.review_state = :false_alarm THEN r.n ELSE 0 END),"
                    " SUM(CASE WHEN r.review_state = :pending THEN r.n ELSE 0 END), SUM(r.n) AS n"
                    f" FROM {table} WHERE {where} GROUP BY r.category HAVING SUM(r.n) > 0"
                    " ORDER BY n DESC, r.category"), params
        where = _alert_where(sql, scope, params)
        return ("SELECT a.category,"
                " SUM(CASE WHEN a.review_state = :confirmed THEN 1 ELSE 0 END),"
                " SUM(CASE WHEN a.review_state = :false_alarm THEN 1 ELSE 0 END),"
                " SUM(CASE WHEN a.review_state = :pending THEN 1 ELSE 0 END), COUNT(*) AS n"
                f" FROM alert a WHERE {where} GROUP BY a.category ORDER BY n DESC, a.category"), params

    return [ReviewOutcome(c, int(y), int(f), int(p)) for c, y, f, p, _n in _rows(engine, build)]


# -- cases ----------------------------------------------------------------------------------------
def _case_where(sql: _Sql, scope: StatsScope, params: dict, col: str = "created_at") -> str:
    params.update(_bounds(sql, scope))
    where = [f"k.{col} >= :t0", f"k.{col} < :t1"]
    if scope.category is not None:
        where.append("k.category = :category")
        params["category"] = scope.category
    where.extend(_case_venue(scope, params))
    return " AND ".join(where)


def _case_venue(scope: StatsScope, params: dict, k: str = "k") -> list[str]:
    """The condition on case `k`'s venue for the scope's street(s) and venue type, if any."""
    venue = _venue_filter(scope, params)
    if not venue:
        return []
    return [f"{k}.venue_id IN (SELECT v.id FROM venue v LEFT JOIN street s ON s.id = v.street_id"
            f" WHERE {' AND '.join(venue)})"]


def _median_hours_sql(sql: _Sql, where: str, params: dict, count: int) -> str:
    """The median of the `count` closed cases' hours to close (count > 0)."""
    hours = f"({sql.seconds_between('k.closed_at', 'k.created_at')} / 3600.0)"
    if sql.pg:  # the same median (the mean of the middle two of an even count) in one pass
        return (f"SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY {hours}) FROM app_case k WHERE {where}"
                " AND k.state = :closed AND k.closed_at IS NOT NULL")
    # the middle one or two values of the sorted list (no percentile function in SQLite)
    params.update(mid_n=2 - count % 2, mid_off=(count - 1) // 2)
    return (f"SELECT AVG(h) FROM (SELECT {hours} AS h FROM app_case k WHERE {where} AND k.state = :closed"
            " AND k.closed_at IS NOT NULL ORDER BY h LIMIT :mid_n OFFSET :mid_off) mid")


@audits_refusals
def case_funnel(engine: Engine, scope: StatsScope, today: date | None = None, *, actor: Actor) -> CaseFunnel:
    """Cases opened in the scope by current state; overdue cards as of `today` (local)."""
    scope = _scoped(engine, scope, actor)
    today = today or local_today()
    red_days = red_card_days(engine)
    with _connect(engine) as conn:
        sql = _Sql(conn)
        params: dict = {"closed": CLOSED, "revoked": REVOKED, "pushed": PUSHED, "rectifying": RECTIFYING,
                        "reviewing": REVIEWING, "yellow_to": sql.day_param(today)}
        # 黄牌: 1 … red_days whole days past the deadline; 红牌: more (desktop.core.case_rules)
        params["yellow_from"] = params["red_before"] = sql.day_param(today - timedelta(days=red_days))
        params.update({f"open{i}": s for i, s in enumerate(OPEN_STATES)})
        where = _case_where(sql, scope, params)
        open_in = ", ".join(f":open{i}" for i in range(len(OPEN_STATES)))
        row = conn.execute(text(
            "SELECT COUNT(*),"
            " SUM(CASE WHEN k.state = :pushed THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN k.state = :rectifying THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN k.state = :reviewing THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN k.state = :closed THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN k.state = :revoked THEN 1 ELSE 0 END),"
            f" SUM(CASE WHEN k.state IN ({open_in}) AND k.deadline >= :yellow_from AND k.deadline < :yellow_to"
            " THEN 1 ELSE 0 END),"
            f" SUM(CASE WHEN k.state IN ({open_in}) AND k.deadline < :red_before THEN 1 ELSE 0 END),"
            " SUM(CASE WHEN k.state = :closed AND k.closed_at IS NOT NULL THEN 1 ELSE 0 END)"
            f" FROM app_case k WHERE {where}"), params).one()
        *counts, timed = (int(v or 0) for v in row)
        median = (conn.execute(text(_median_hours_sql(sql, where, params, timed)), params).scalar()
                  if timed else None)
    return CaseFunnel(*counts, median_close_hours=None if median is None else float(median))


# -- cameras --------------------------------------------------------------------------------------
def _effective_end(scope: StatsScope, now: datetime | None) -> tuple[datetime, datetime]:
    start = local_midnight(scope.since)
    end = min(local_midnight(scope.until), (now or datetime.now(UTC)).astimezone(UTC))
    return start, end


def _offline_sql(sql: _Sql, scope: StatsScope, params: dict, start: datetime, end: datetime,
                 with_since: bool = False, cameras_where: str | None = None) -> str:
    """CTEs `cams` (enabled cameras in the scope) and `off` (offline intervals as seconds from
    the range start, 0 ≤ x0 ≤ x1 ≤ len; `orig` = when the outage began, `ongoing` = 1 when no
    event ends it before the range's end).

    An outage runs from an offline event to the camera's next event (whatever it says), found by
    one seek on (camera_id, at) per outage — cheaper on SQLite than sorting a month of events
    for a window function. The state carried into the range is the camera's last event before
    it; an event at the very start ends a carried-in outage there (length 0). `cameras_where`:
    the cameras (a condition on camera `c`) instead of the scope's enabled ones (the roll-up)."""
    params.update({"t0": sql.ts(start), "t1": sql.ts(end), "len": (end - start).total_seconds()})
    if cameras_where is not None:
        in_scope = cameras_where
    else:
        venue = _venue_filter(scope, params)
        params["enabled"] = True
        in_scope = " AND ".join(["c.enabled = :enabled", *venue])
    cams = ("SELECT c.id FROM camera c JOIN venue v ON v.id = c.venue_id LEFT JOIN street s ON s.id = v.street_id"
            f" WHERE {in_scope}")
    t0 = sql.ts_param("t0")
    last = ("(SELECT {col} FROM camerastatusevent p WHERE p.camera_id = {cam} AND p.at < :t0"
            " ORDER BY p.at DESC LIMIT 1)")
    orig = last.format(col="p.at", cam="prior.camera_id") if with_since else sql.null_ts()
    nxt = "(SELECT MIN(n.at) FROM camerastatusevent n WHERE n.camera_id = {cam} AND n.at {op} AND n.at < :t1)"
    return (f"cams AS ({cams}),"
            " prior AS (SELECT cams.id AS camera_id, " + last.format(col="p.online", cam="cams.id")
            + " AS online FROM cams),"
            # CROSS JOIN: SQLite keeps the events' time-range scan outside (PostgreSQL plans freely)
            " outages AS (SELECT e.camera_id, e.at AS t_from, e.at AS orig, "
            + nxt.format(cam="e.camera_id", op="> e.at") + " AS t_to"
            " FROM camerastatusevent e CROSS JOIN camera c CROSS JOIN venue v LEFT JOIN street s ON s.id = v.street_id"
            " WHERE e.at >= :t0 AND e.at < :t1 AND NOT e.online AND c.id = e.camera_id AND v.id = c.venue_id"
            f" AND {in_scope}"
            f" UNION ALL SELECT prior.camera_id, {t0}, {orig}, "
            + nxt.format(cam="prior.camera_id", op=">= :t0") + " FROM prior WHERE NOT prior.online),"
            f" off AS (SELECT camera_id, {sql.seconds_between('o.t_from', t0)} AS x0,"
            f" COALESCE({sql.seconds_between('o.t_to', t0)}, :len) AS x1, orig,"
            " CASE WHEN o.t_to IS NULL THEN 1 ELSE 0 END AS ongoing FROM outages o)")


def _rolled_days(engine: Engine, scope: StatsScope, now: datetime | None) -> date:
    """Make sure camera_day_offline holds the scope's closed days; returns the first day that
    is not rolled up (the scope's start when none is, at most its end)."""
    from desktop.core import stats_rollup

    upto = max(scope.since, min(scope.until, stats_rollup.eligible_end(now)))
    if upto > scope.since:
        with engine.begin() as conn:
            stats_rollup.ensure_camera_days(conn, scope.since, upto)
    return upto


def _cams_in_scope(scope: StatsScope, params: dict) -> str:
    venue = _venue_filter(scope, params)
    params["enabled"] = True
    return ("SELECT c.id FROM camera c JOIN venue v ON v.id = c.venue_id LEFT JOIN street s ON s.id = v.street_id"
            f" WHERE {' AND '.join(['c.enabled = :enabled', *venue])}")


@audits_refusals
def camera_online_rate(engine: Engine, scope: StatsScope, now: datetime | None = None, *, actor: Actor,
                       direct: bool = False) -> list[tuple[date, float]]:
    """(local day, fraction of the enabled cameras' time online) for each day of the scope up to
    now; empty when the scope has no enabled cameras or lies in the future. The closed days come
    from camera_day_offline, the others from the events."""
    scope = _scoped(engine, scope, actor)
    start, end = _effective_end(scope, now)
    if end <= start:
        return []
    if not direct:
        return _camera_online_rate_rolled(engine, scope, now, start, end)
    return _camera_online_rate_direct(engine, scope, start, end)


def _camera_online_rate_direct(engine: Engine, scope: StatsScope, start: datetime,
                               end: datetime) -> list[tuple[date, float]]:
    days = -(-int((end - start).total_seconds()) // DAY_S)
    with _connect(engine) as conn:
        sql = _Sql(conn)
        params: dict = {"days": days}
        ctes = _offline_sql(sql, scope, params, start, end)
        day0 = sql.floor_int("o.x0 / 86400")
        first = f"{sql.least('o.x1', '(o.d0 + 1) * 86400')} - o.x0"
        later = f"{sql.least('n.x1', '(n.i + 1) * 86400')} - n.i * 86400"
        day_len = f"({sql.least('(n.i + 1) * 86400', ':len')} - n.i * 86400)"
        # An outage adds to its first day; the few that run past midnight also to the days after.
        query = (f"WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < :days), {ctes},"
                 f" od AS (SELECT o.x0, o.x1, {day0} AS d0 FROM off o),"
                 # the days after the first of outages that run past midnight, one row each
                 " spread(x1, i) AS (SELECT o.x1, o.d0 + 1 FROM od o WHERE o.x1 > (o.d0 + 1) * 86400"
                 "  UNION ALL SELECT x1, i + 1 FROM spread WHERE (i + 1) * 86400 < x1),"
                 f" pieces AS (SELECT o.d0 AS i, {first} AS secs FROM od o"
                 f" UNION ALL SELECT n.i, {later} FROM spread n),"
                 " per_day AS (SELECT i, SUM(secs) AS secs FROM pieces GROUP BY i),"
                 " total AS (SELECT COUNT(*) AS cams FROM cams)"
                 f" SELECT n.i, 1.0 - COALESCE(p.secs, 0) / ((SELECT cams FROM total) * 1.0 * {day_len})"
                 " FROM n LEFT JOIN per_day p ON p.i = n.i WHERE (SELECT cams FROM total) > 0 ORDER BY n.i")
        return [(scope.since + timedelta(days=int(i)), float(rate)) for i, rate in conn.execute(text(query), params)]


def _camera_online_rate_rolled(engine: Engine, scope: StatsScope, now: datetime | None, start: datetime,
                               end: datetime) -> list[tuple[date, float]]:
    upto = _rolled_days(engine, scope, now)  # rolled-up days are whole: they ended before now
    rates: dict[date, float] = {}
    with _connect(engine) as conn:
        sql = _Sql(conn)
        params: dict = {}
        cams = _cams_in_scope(scope, params)
        cam_count = conn.execute(text(f"SELECT COUNT(*) FROM ({cams}) x"), params).scalar() or 0
        if not cam_count:
            return []
        if upto > scope.since:
            params.update(d0=sql.day_param(scope.since), d1=sql.day_param(upto), full=cam_count * float(DAY_S))
            per_day = ("SELECT r.day, SUM(r.seconds) AS secs FROM camera_day_offline r"
                       " WHERE r.day >= :d0 AND r.day < :d1{} GROUP BY r.day")
            all_cams = conn.execute(text("SELECT COUNT(*) FROM camera")).scalar() or 0
            if cam_count * 2 >= all_cams:  # most cameras: every camera's seconds minus the others'
                others = f" AND r.camera_id IN (SELECT o.id FROM camera o WHERE o.id NOT IN ({cams}))"
                query = ("SELECT t.day, 1.0 - (t.seconds - COALESCE(x.secs, 0)) / :full FROM camera_day_filled t"
                         f" LEFT JOIN ({per_day.format(others)}) x ON x.day = t.day"
                         " WHERE t.day >= :d0 AND t.day < :d1")
            else:
                query = f"SELECT x.day, 1.0 - x.secs / :full FROM ({per_day.format(f' AND r.camera_id IN ({cams})')}) x"
            rates.update((sql.as_date(d), float(rate)) for d, rate in conn.execute(text(query), params))
    if local_midnight(upto) < end:  # the days not rolled up (today; yesterday within the grace)
        live = replace(scope, since=upto, category=None)  # the same cameras (street_ids kept)
        live_start, live_end = _effective_end(live, now)
        if live_start < live_end:
            rates.update(_camera_online_rate_direct(engine, live, live_start, live_end))
    days = -(-int((end - start).total_seconds()) // DAY_S)
    return [(d, rates.get(d, 1.0)) for d in (scope.since + timedelta(days=i) for i in range(days))]


def _online_rate_total(engine: Engine, scope: StatsScope, now: datetime | None = None) -> float | None:
    start, end = _effective_end(scope, now)
    if end <= start:
        return None
    with _connect(engine) as conn:
        sql = _Sql(conn)
        params: dict = {}
        ctes = _offline_sql(sql, scope, params, start, end)
        value = conn.execute(text(
            f"WITH {ctes} SELECT CASE WHEN (SELECT COUNT(*) FROM cams) = 0 THEN NULL ELSE"
            " 1.0 - COALESCE((SELECT SUM(x1 - x0) FROM off), 0) / ((SELECT COUNT(*) FROM cams) * 1.0 * :len) END"),
            params).scalar()
    return None if value is None else float(value)


@audits_refusals
def cameras_offline_longest(engine: Engine, scope: StatsScope, n: int = 10, now: datetime | None = None, *,
                            actor: Actor, direct: bool = False) -> list[OfflineCamera]:
    """The enabled cameras with the most offline time in the scope (cut at now), longest first;
    `since` is when an outage still going on at the end began (None when back online). The
    closed days come from camera_day_offline, the rest (and `since`) from the events."""
    scope = _scoped(engine, scope, actor)
    start, end = _effective_end(scope, now)
    if end <= start:
        return []
    upto = scope.since if direct else _rolled_days(engine, scope, now)
    live_start = max(start, min(end, local_midnight(upto)))
    with _connect(engine) as conn:
        sql = _Sql(conn)
        params: dict = {"n": n, "d0": sql.day_param(scope.since), "d1": sql.day_param(upto)}
        day = _per_camera_day(sql, scope)
        # an outage going on at the end shows in the live part, even when that part is empty
        ctes = _offline_sql(sql, scope, params, live_start, end, with_since=True)
        rows = conn.execute(text(
            # per camera first, then the scope's cameras (PostgreSQL: no index scan per camera)
            f"WITH {ctes}, u AS (SELECT x.camera_id, x.secs, {sql.null_ts()} AS since FROM"
            " (SELECT r.camera_id, SUM(r.seconds) AS secs FROM camera_day_offline r"
            f" WHERE {day} >= :d0 AND {day} < :d1 GROUP BY r.camera_id) x WHERE x.camera_id IN (SELECT id FROM cams)"
            " UNION ALL SELECT camera_id, x1 - x0, CASE WHEN ongoing = 1 THEN orig END FROM off),"
            " per AS (SELECT camera_id, SUM(secs) AS secs, MAX(since) AS since FROM u GROUP BY camera_id"
            " HAVING SUM(secs) > 0 ORDER BY secs DESC, camera_id LIMIT :n)"
            f" SELECT c.id, c.name, v.name, COALESCE(s.name, '{UNASSIGNED}'), per.secs, per.since FROM per"
            " JOIN camera c ON c.id = per.camera_id JOIN venue v ON v.id = c.venue_id"
            " LEFT JOIN street s ON s.id = v.street_id ORDER BY per.secs DESC, c.id"),
            params).all()
    return [OfflineCamera(int(i), cam, venue, street, float(secs), sql.as_datetime(since))
            for i, cam, venue, street, secs, since in rows]


# -- the monthly summary --------------------------------------------------------------------------
def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


@audits_refusals
def monthly_summary(engine: Engine, month: date, now: datetime | None = None, *, actor: Actor) -> MonthlySummary:
    """The month's supervision figures (month = any day of it; reported as its first day), of
    the actor's streets."""
    month = month.replace(day=1)
    scope = _scoped(engine, StatsScope(month, _next_month(month)), actor)
    by_category = alerts_by_category(engine, scope, actor=actor)
    now_utc = (now or datetime.now(UTC)).astimezone(UTC)
    ref = min(local_midnight(scope.until), now_utc)  # the month's end, or now for the running month
    ref_day = min(scope.until - timedelta(days=1), ref.astimezone(LOCAL_TZ).date())
    with _connect(engine) as conn:
        sql = _Sql(conn)
        params: dict = {"closed": CLOSED, "revoked": REVOKED, "pushed": PUSHED, "ref": sql.ts(ref),
                        "ref_day": sql.day_param(ref_day)}
        params.update(_bounds(sql, scope))
        mine = "".join(f" AND {c}" for c in _case_venue(scope, params))  # the actor's streets
        row = conn.execute(text(
            "SELECT"
            f" (SELECT COUNT(*) FROM app_case k WHERE k.created_at >= :t0 AND k.created_at < :t1{mine}),"
            " (SELECT COUNT(*) FROM app_case k WHERE k.state = :closed AND k.closed_at >= :t0 AND k.closed_at < :t1"
            f"{mine}),"
            " (SELECT COUNT(DISTINCT e.case_id) FROM caseevent e JOIN app_case k ON k.id = e.case_id"
            f"  WHERE e.to_state = :pushed AND e.at < :t1 AND (k.closed_at IS NULL OR k.closed_at >= :t0){mine}),"
            # open at the reference time: created before it, not finished before it
            " (SELECT COUNT(*) FROM app_case k WHERE k.deadline < :ref_day AND k.created_at < :ref"
            f"  AND (k.closed_at IS NULL OR k.closed_at >= :ref){mine})"), params).one()
    opened, closed, under_rectification, overdue = (int(v or 0) for v in row)
    return MonthlySummary(
        month=month,
        alerts_total=sum(n for _c, n in by_category),
        alerts_by_category=by_category,
        alerts_by_street=alerts_by_street(engine, scope, actor=actor),
        cases_opened=opened,
        cases_closed=closed,
        rectification_rate=closed / under_rectification if under_rectification else None,
        overdue_cases=overdue,
        camera_online_rate=_online_rate_total(engine, scope, now),
        review=review_outcomes(engine, scope, actor=actor),
    )

