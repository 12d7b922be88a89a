"""Daily roll-ups of the dashboard's figures (revision 0007, desktop.core.statistics).

A year of a district is a million alerts and 600,000 camera status events: counting them for
every dashboard figure takes up to a second. The roll-ups hold the same figures per local day
(Asia/Shanghai), so a year is a few hundred rows per figure. Both are exact for whole local
days, which is what a StatsScope is; tests compare every figure with the direct queries.

alert_day — alerts per (local day, category, review state) at four levels: 0 all venues, 1 per
  街镇 (street_id, 0 = none), 2 per 单位类型, 3 per 街镇 and 单位类型 (-1 / '*' = not split).
  Kept by triggers on alert (insert, review or any other change, delete), on venue (street or
  type changed: the venue's alerts move) and on camera (moved to another venue), in the writing
  transaction, whoever writes: record_alert, review_alert, case imports, bulk loads.
alert_venue_day — confirmed (已确认) alerts per venue, local day and category: the 红黑榜.
camera_day_offline — seconds offline per camera and closed local day (only days with some), for
  every camera (enabled or not: the flag is applied when asked). Filled lazily for days that
  ended at least FILL_GRACE ago (ensure_camera_days), marked in camera_day_filled; the running
  day is computed from the events. A status event written late for a filled day (or changed,
  or deleted) drops that camera's rows from that day on and marks it in camera_day_stale
  (trigger); the next query computes them again. A deleted camera's rows go with it.

rebuild_rollups(conn) recomputes everything with INSERT … SELECT … GROUP BY: the migration's
backfill and bulk loads that bypass the triggers (the data benchmark drops them while loading).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import text
from sqlalchemy.engine import Connection

from desktop.core.statistics import CONFIRMED, LOCAL_TZ, StatsScope, _offline_sql, _Sql, local_midnight

FILL_GRACE = timedelta(hours=1)  # a day is rolled up once it ended this long ago
ALL_STREETS, ALL_TYPES, NO_STREET = -1, "*", 0
_KEY = "level, street_id, venue_type, day, category, review_state"
_TRIGGERS = ("rollup_alert_insert", "rollup_alert_update", "rollup_alert_delete", "rollup_venue_update",
             "rollup_camera_update", "rollup_camera_delete", "rollup_status_insert", "rollup_status_update",
             "rollup_status_delete")


def _day(pg: bool, col: str) -> str:
    # as statistics._Sql.local_day: SQLite's date() would round 23:59:59.9999 up to the next day
    return f"CAST(({col} AT TIME ZONE 'Asia/Shanghai') AS DATE)" if pg else f"date(substr({col}, 1, 19), '+8 hours')"


def _levels_upsert(src: str) -> str:
    """Add the rows of `src` (street_id, venue_type, day, category, review_state, n) to alert_day
    at every level."""
    return ("INSERT INTO alert_day (level, street_id, venue_type, day, category, review_state, n)"
            f" SELECT l.lv, CASE WHEN l.lv IN (1, 3) THEN x.street_id ELSE {ALL_STREETS} END,"
            f" CASE WHEN l.lv >= 2 THEN x.venue_type ELSE '{ALL_TYPES}' END, x.day, x.category, x.review_state,"
            f" SUM(x.n) FROM ({src}) x CROSS JOIN (SELECT 0 AS lv UNION ALL SELECT 1 UNION ALL SELECT 2"
            " UNION ALL SELECT 3) l WHERE 1 = 1 GROUP BY 1, 2, 3, 4, 5, 6"
            f" ON CONFLICT ({_KEY}) DO UPDATE SET n = alert_day.n + excluded.n")


def _venue_upsert(src: str) -> str:
    """Add the confirmed rows of `src` (venue_id, day, category, review_state, n) to alert_venue_day."""
    return ("INSERT INTO alert_venue_day (venue_id, day, category, n)"
            f" SELECT x.venue_id, x.day, x.category, SUM(x.n) FROM ({src}) x WHERE x.review_state = '{CONFIRMED}'"
            " GROUP BY 1, 2, 3 ON CONFLICT (venue_id, day, category) DO UPDATE SET n = alert_venue_day.n + excluded.n")


def _one_alert(pg: bool, row: str, sign: int) -> str:
    """The alert NEW/OLD as a source row, under its camera's venue as it is now."""
    return (f"SELECT COALESCE(v.street_id, {NO_STREET}) AS street_id, v.venue_type AS venue_type, v.id AS venue_id,"
            f" {_day(pg, row + '.at')} AS day, {row}.category AS category, {row}.review_state AS review_state,"
            f" {sign} AS n FROM camera c JOIN venue v ON v.id = c.venue_id WHERE c.id = {row}.camera_id")


def _alerts_of(pg: bool, where: str, street: str, venue_type: str, venue_id: str, sign: int) -> str:
    """The alerts matching `where` (a = alert, c = its camera) under the given venue figures."""
    day = _day(pg, "a.at")
    return (f"SELECT {street} AS street_id, {venue_type} AS venue_type, {venue_id} AS venue_id, {day} AS day,"
            f" a.category AS category, a.review_state AS review_state, {sign} * COUNT(*) AS n"
            f" FROM alert a JOIN camera c ON c.id = a.camera_id WHERE {where}"
            f" GROUP BY {day}, a.category, a.review_state")


def _trigger_bodies(pg: bool) -> dict[str, tuple[str, str, list[str]]]:
    """name → (event, WHEN condition or '', statements)."""
    new_alert, old_alert = _one_alert(pg, "NEW", 1), _one_alert(pg, "OLD", -1)
    changed = ("OLD.review_state {ne} NEW.review_state OR OLD.category {ne} NEW.category OR OLD.at {ne} NEW.at"
               " OR OLD.camera_id {ne} NEW.camera_id")
    ne = "IS DISTINCT FROM" if pg else "IS NOT"
    venue_moved = f"OLD.street_id {ne} NEW.street_id OR OLD.venue_type {ne} NEW.venue_type"
    old_venue = (f"(SELECT COALESCE(v.street_id, {NO_STREET}) FROM venue v WHERE v.id = OLD.venue_id)",
                 "(SELECT v.venue_type FROM venue v WHERE v.id = OLD.venue_id)", "OLD.venue_id")
    new_venue = (f"(SELECT COALESCE(v.street_id, {NO_STREET}) FROM venue v WHERE v.id = NEW.venue_id)",
                 "(SELECT v.venue_type FROM venue v WHERE v.id = NEW.venue_id)", "NEW.venue_id")
    cam_old = _alerts_of(pg, "a.camera_id = NEW.id", *old_venue, -1)
    cam_new = _alerts_of(pg, "a.camera_id = NEW.id", *new_venue, 1)
    ven_old = _alerts_of(pg, "c.venue_id = NEW.id", f"COALESCE(OLD.street_id, {NO_STREET})", "OLD.venue_type",
                         "NEW.id", -1)
    ven_new = _alerts_of(pg, "c.venue_id = NEW.id", f"COALESCE(NEW.street_id, {NO_STREET})", "NEW.venue_type",
                         "NEW.id", 1)

    def stale(row: str) -> list[str]:
        """A status event of a rolled-up day: its camera's days from there on are computed again."""
        day = _day(pg, f"{row}.at")
        return [f"INSERT INTO camera_day_stale (camera_id, day) SELECT {row}.camera_id, {day}"
                f" WHERE EXISTS (SELECT 1 FROM camera_day_filled f WHERE f.day >= {day})"
                " ON CONFLICT (camera_id) DO UPDATE SET day = CASE WHEN excluded.day < camera_day_stale.day"
                " THEN excluded.day ELSE camera_day_stale.day END",
                f"UPDATE camera_day_filled SET seconds = NULL WHERE day >= {day}",
                f"DELETE FROM camera_day_offline WHERE camera_id = {row}.camera_id AND day >= {day}"]

    return {
        "rollup_alert_insert": ("INSERT ON alert", "", [_levels_upsert(new_alert), _venue_upsert(new_alert)]),
        "rollup_alert_update": ("UPDATE ON alert", changed.format(ne=ne),
                                [_levels_upsert(old_alert), _venue_upsert(old_alert),
                                 _levels_upsert(new_alert), _venue_upsert(new_alert)]),
        "rollup_alert_delete": ("DELETE ON alert", "", [_levels_upsert(old_alert), _venue_upsert(old_alert)]),
        "rollup_venue_update": ("UPDATE ON venue", venue_moved, [_levels_upsert(ven_old), _levels_upsert(ven_new)]),
        "rollup_camera_update": ("UPDATE ON camera", f"OLD.venue_id {ne} NEW.venue_id",
                                 [_levels_upsert(cam_old), _venue_upsert(cam_old),
                                  _levels_upsert(cam_new), _venue_upsert(cam_new)]),
        "rollup_camera_delete": ("DELETE ON camera", "", [
            "UPDATE camera_day_filled SET seconds = NULL"
            " WHERE day IN (SELECT o.day FROM camera_day_offline o WHERE o.camera_id = OLD.id)",
            "DELETE FROM camera_day_offline WHERE camera_id = OLD.id",
            "DELETE FROM camera_day_stale WHERE camera_id = OLD.id"]),
        "rollup_status_insert": ("INSERT ON camerastatusevent", "", stale("NEW")),
        "rollup_status_update": ("UPDATE ON camerastatusevent", "", stale("OLD") + stale("NEW")),
        "rollup_status_delete": ("DELETE ON camerastatusevent", "", stale("OLD")),
    }


def install_triggers(conn: Connection) -> None:
    pg = conn.dialect.name == "postgresql"
    for name, (event, when, statements) in _trigger_bodies(pg).items():
        cond = f" WHEN ({when})" if when else ""
        if pg:
            body = "; ".join(statements)
            conn.exec_driver_sql(f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $fn$"
                                 f" BEGIN {body}; RETURN NULL; END $fn$")
            conn.exec_driver_sql(f"CREATE TRIGGER {name} AFTER {event} FOR EACH ROW{cond} EXECUTE FUNCTION {name}()")
        else:
            body = "".join(f"{s}; " for s in statements)
            conn.exec_driver_sql(f"CREATE TRIGGER {name} AFTER {event} FOR EACH ROW{cond} BEGIN {body}END")


def drop_triggers(conn: Connection) -> None:
    """For bulk loads (followed by rebuild_rollups) and the migration's downgrade."""
    pg = conn.dialect.name == "postgresql"
    for name in _TRIGGERS:
        if pg:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name} ON {_table_of_trigger(name)}")
            conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {name}()")
        else:
            conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")


def _table_of_trigger(name: str) -> str:
    kind = name.split("_")[1]
    return {"alert": "alert", "venue": "venue", "camera": "camera", "status": "camerastatusevent"}[kind]


# -- rebuild --------------------------------------------------------------------------------------
def rebuild_rollups(conn: Connection, now: datetime | None = None) -> None:
    """Recompute every roll-up from the rows (in the caller's transaction)."""
    pg = conn.dialect.name == "postgresql"
    day = _day(pg, "a.at")
    for table in ("alert_day", "alert_venue_day", "camera_day_offline", "camera_day_filled", "camera_day_stale"):
        conn.exec_driver_sql(f"DELETE FROM {table}")
    # level 3 from the alerts, the coarser levels from level 3
    conn.execute(text(
        f"INSERT INTO alert_day ({_KEY}, n) SELECT 3, COALESCE(v.street_id, {NO_STREET}), v.venue_type, {day},"
        " a.category, a.review_state, COUNT(*) FROM alert a JOIN camera c ON c.id = a.camera_id"
        f" JOIN venue v ON v.id = c.venue_id GROUP BY COALESCE(v.street_id, {NO_STREET}), v.venue_type, {day},"
        " a.category, a.review_state"))
    for level, street, vtype, split in ((1, "street_id", f"'{ALL_TYPES}'", "street_id, "),
                                        (2, str(ALL_STREETS), "venue_type", "venue_type, "),
                                        (0, str(ALL_STREETS), f"'{ALL_TYPES}'", "")):
        conn.execute(text(
            f"INSERT INTO alert_day ({_KEY}, n) SELECT {level}, {street}, {vtype}, day, category, review_state, SUM(n)"
            f" FROM alert_day WHERE level = 3 GROUP BY {split}day, category, review_state"))
    conn.execute(text(
        f"INSERT INTO alert_venue_day (venue_id, day, category, n) SELECT c.venue_id, {day}, a.category, COUNT(*)"
        " FROM alert a JOIN camera c ON c.id = a.camera_id WHERE a.review_state = :confirmed"
        f" GROUP BY c.venue_id, {day}, a.category"), {"confirmed": CONFIRMED})
    first = conn.execute(text("SELECT MIN(at) FROM camerastatusevent")).scalar()
    if first is not None:
        first_day = _Sql.as_datetime(first).astimezone(LOCAL_TZ).date()
        ensure_camera_days(conn, first_day, eligible_end(now))


# -- camera offline seconds per closed day --------------------------------------------------------
def eligible_end(now: datetime | None = None) -> date:
    """The first local day that may not be rolled up yet (exclusive end of the closed days)."""
    now_utc = (now or datetime.now(UTC)).astimezone(UTC)
    return (now_utc - FILL_GRACE).astimezone(LOCAL_TZ).date()


def ensure_camera_days(conn: Connection, since: date, until: date) -> None:
    """Compute again the stale cameras' days, then fill the closed days in [since, until) that
    are not filled yet (until ≤ eligible_end())."""
    sql = _Sql(conn)
    stale = conn.execute(text("SELECT camera_id, day FROM camera_day_stale")).all()
    if stale:
        last = conn.execute(text("SELECT MAX(day) FROM camera_day_filled")).scalar()
        lo = min(sql.as_date(d) for _c, d in stale)
        if last is not None and lo <= sql.as_date(last):
            fill_camera_days(conn, lo, sql.as_date(last) + timedelta(days=1),
                             cameras="c.id IN (SELECT camera_id FROM camera_day_stale)")
        conn.execute(text("DELETE FROM camera_day_stale WHERE camera_id = :c AND day = :d"),
                     [{"c": c, "d": d} for c, d in stale])
    if until <= since:
        return
    filled = {sql.as_date(d) for (d,) in conn.execute(
        text("SELECT day FROM camera_day_filled WHERE day >= :d0 AND day < :d1"),
        {"d0": sql.day_param(since), "d1": sql.day_param(until)})}
    missing = [since + timedelta(days=i) for i in range((until - since).days)
               if since + timedelta(days=i) not in filled]
    if missing:
        fill_camera_days(conn, missing[0], missing[-1] + timedelta(days=1))
    # every camera's seconds per day (the online rate of a scope with most cameras subtracts the
    # rest); written only when some are missing: a dashboard read takes no write lock otherwise
    bounds = {"d0": sql.day_param(since), "d1": sql.day_param(until)}
    if conn.execute(text("SELECT 1 FROM camera_day_filled WHERE seconds IS NULL AND day >= :d0 AND day < :d1"
                         " LIMIT 1"), bounds).first() is not None:
        conn.execute(text(
            "UPDATE camera_day_filled SET seconds = COALESCE((SELECT SUM(o.seconds) FROM camera_day_offline o"
            " WHERE o.day = camera_day_filled.day), 0) WHERE seconds IS NULL AND day >= :d0 AND day < :d1"), bounds)


def fill_camera_days(conn: Connection, since: date, until: date, cameras: str | None = None) -> None:
    """Offline seconds per camera and day of [since, until) from the status events (every camera),
    the same intervals statistics.camera_online_rate cuts into days; rows already there stay.
    `cameras`: only these (a condition on camera `c`), and the days are not marked filled."""
    if until <= since:
        return
    sql = _Sql(conn)
    start, end = local_midnight(since), local_midnight(until)
    params: dict = {"a": sql.day_param(since), "days": (until - since).days}
    ctes = _offline_sql(sql, StatsScope(since, until), params, start, end, cameras_where=cameras or "1 = 1")
    day0 = sql.floor_int("o.x0 / 86400")
    first = f"{sql.least('o.x1', '(o.d0 + 1) * 86400')} - o.x0"
    later = f"{sql.least('p.x1', '(p.i + 1) * 86400')} - p.i * 86400"
    as_day = "CAST(:a AS DATE) + CAST({i} AS INTEGER)" if sql.pg else "date(:a, '+' || {i} || ' days')"
    conn.execute(text(
        f"WITH RECURSIVE {ctes}, od AS (SELECT o.camera_id, o.x0, o.x1, {day0} AS d0 FROM off o),"
        " spread(camera_id, x1, i) AS (SELECT o.camera_id, o.x1, o.d0 + 1 FROM od o WHERE o.x1 > (o.d0 + 1) * 86400"
        "  UNION ALL SELECT camera_id, x1, i + 1 FROM spread WHERE (i + 1) * 86400 < x1),"
        f" pieces AS (SELECT o.camera_id, o.d0 AS i, {first} AS secs FROM od o"
        f"  UNION ALL SELECT p.camera_id, p.i, {later} FROM spread p)"
        f" INSERT INTO camera_day_offline (camera_id, day, seconds) SELECT camera_id, {as_day.format(i='i')}, SUM(secs)"
        " FROM pieces WHERE 1 = 1 GROUP BY camera_id, i HAVING SUM(secs) > 0"
        " ON CONFLICT (camera_id, day) DO NOTHING"), params)
    if cameras is not None:
        return
    conn.execute(text(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < :days)"
        f" INSERT INTO camera_day_filled (day) SELECT {as_day.format(i='n.i')} FROM n WHERE 1 = 1"
        " ON CONFLICT (day) DO NOTHING"), params)
