"""desktop.core.statistics on a small hand-made district, on SQLite and PostgreSQL: every figure
against values computed by hand (local days in Asia/Shanghai, UTC+8), the scope filters, empty
ranges, and revision 0005 (the statistics indexes)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import inspect, text
from sqlmodel import Session

from desktop.core import statistics as st
from desktop.core.access import PermissionDenied
from desktop.core.db import current_revision, head_revision, make_engine, migrate
from desktop.core.models import Alert, Camera, CameraStatusEvent, Case, CaseEvent, Street, Venue
from tests.actors import DUTY, HEAD, INSPECTOR, person
from tests.desktop.core.test_migrations import _schema_diff

NOV = st.StatsScope(date(2026, 11, 1), date(2026, 11, 4))  # local 11-01 … 11-03
NOW = datetime(2026, 12, 5, tzinfo=UTC)
TODAY = date(2026, 11, 12)
MASK, SMOKE = "未戴口罩", "吸烟"
UNASSIGNED = st.UNASSIGNED


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _fill(engine) -> None:
    """Times are UTC; the comments give the local (UTC+8) time."""
    with Session(engine) as s:
        s.add_all([Street(id=1, name="七宝镇", sort_order=0), Street(id=2, name="莘庄镇", sort_order=1)])
        s.add_all([
            Venue(id=1, name="七宝中学食堂", street_id=1, venue_type="学校食堂"),
            Venue(id=2, name="莘庄敬老院食堂", street_id=2, venue_type="养老机构食堂"),
            Venue(id=3, name="无摄像头饭店", street_id=2, venue_type="大型餐饮"),
            Venue(id=4, name="无街镇小吃", street_id=None, venue_type="小型餐饮"),
        ])
        s.flush()
        s.add_all([
            Camera(id=1, venue_id=1, name="C1"), Camera(id=2, venue_id=1, name="C2"),
            Camera(id=3, venue_id=2, name="C3"), Camera(id=4, venue_id=4, name="C4"),
            Camera(id=5, venue_id=2, name="C5", enabled=False),
        ])
        s.flush()
        alerts = [  # (id, camera, category, at, review)
            (1, 1, MASK, utc(2026, 10, 31, 15, 59, 59), "已确认"),  # 10-31 23:59:59: before the scope
            (2, 1, MASK, utc(2026, 10, 31, 16), "已确认"),  # 11-01 00:00
            (3, 2, SMOKE, utc(2026, 11, 1, 15, 30), "误报"),  # 11-01 23:30
            (4, 1, MASK, utc(2026, 11, 1, 16, 30), "待复核"),  # 11-02 00:30
            (5, 3, MASK, utc(2026, 11, 2, 2), "已确认"),  # 11-02 10:00
            (6, 3, SMOKE, utc(2026, 11, 3, 3), "已确认"),  # 11-03 11:00
            (7, 4, MASK, utc(2026, 11, 3, 15, 59, 59), "误报"),  # 11-03 23:59:59
            (8, 4, MASK, utc(2026, 11, 3, 16), "已确认"),  # 11-04 00:00: after the scope
            (9, 5, SMOKE, utc(2026, 11, 2, 5), "已确认"),  # 11-02 13:00 (a disabled camera's)
            (10, 3, MASK, utc(2026, 11, 2, 6), "已确认"),  # 11-02 14:00
        ]
        s.add_all([Alert(id=i, camera_id=c, category=cat, started_at=at, at=at, review_state=r)
                   for i, c, cat, at, r in alerts])
        cases = [  # (id, venue, category, state, created, closed, deadline)
            (1, 1, MASK, "已办结", utc(2026, 11, 1, 1), utc(2026, 11, 2, 1), date(2026, 11, 8)),  # 24 h
            (2, 2, SMOKE, "已办结", utc(2026, 11, 2, 0), utc(2026, 11, 4, 0), date(2026, 11, 9)),  # 48 h
            (3, 2, MASK, "整改中", utc(2026, 11, 2, 2), None, date(2026, 11, 5)),
            (4, 1, SMOKE, "已推送整改", utc(2026, 11, 3, 10), None, date(2026, 11, 10)),
            (5, 4, MASK, "撤销", utc(2026, 11, 3, 12), utc(2026, 11, 3, 13), None),
            (6, 2, MASK, "待处理", utc(2026, 11, 3, 15), None, date(2026, 11, 3)),  # local 11-03 23:00
            (7, 1, MASK, "待复核", utc(2026, 10, 31, 15), None, date(2026, 11, 1)),  # local 10-31 23:00
            (8, 1, SMOKE, "已办结", utc(2026, 11, 1, 3), utc(2026, 11, 1, 15), None),  # 12 h
            (10, 1, MASK, "已办结", utc(2026, 10, 10), utc(2026, 10, 20), None),  # finished in October
        ]
        s.add_all([Case(id=i, number=f"N{i}", uuid=f"u{i}", venue_id=v, category=cat, state=state,
                        created_at=created, updated_at=created, closed_at=closed, deadline=deadline)
                   for i, v, cat, state, created, closed, deadline in cases])
        s.flush()
        pushed = {1: utc(2026, 11, 1, 2), 2: utc(2026, 11, 2, 1), 3: utc(2026, 11, 2, 3), 4: utc(2026, 11, 3, 11),
                  7: utc(2026, 10, 31, 15, 30), 8: utc(2026, 11, 1, 4), 10: utc(2026, 10, 11)}
        s.add_all([CaseEvent(uuid=f"e{k}", case_id=k, from_state="待处理", to_state="已推送整改", at=at)
                   for k, at in pushed.items()])
        events = [  # (camera, at, online)
            (1, utc(2026, 10, 31, 10), False), (1, utc(2026, 10, 31, 20), True),  # 11-01 00:00 → 04:00
            (2, utc(2026, 10, 1), True),
            (2, utc(2026, 11, 2, 14), False), (2, utc(2026, 11, 2, 18), True),  # 11-02 22:00 → 11-03 02:00
            (3, utc(2026, 11, 3, 11), False),  # 11-03 19:00, never back
            (4, utc(2026, 11, 1, 12), False), (4, utc(2026, 11, 2, 20), True),  # 11-01 20:00 → 11-03 04:00
            (5, utc(2026, 10, 1), False),  # disabled: left out
        ]
        s.add_all([CameraStatusEvent(camera_id=c, at=at, online=on) for c, at, on in events])
        s.commit()


@pytest.fixture
def district(engine):
    _fill(engine)
    return engine


def test_alert_figures_by_local_day(district):
    # within a day the categories come in the database's text order: compared as a set
    assert sorted(st.alerts_per_day(district, NOV, actor=HEAD)) == sorted([
        (date(2026, 11, 1), SMOKE, 1), (date(2026, 11, 1), MASK, 1), (date(2026, 11, 2), SMOKE, 1),
        (date(2026, 11, 2), MASK, 3), (date(2026, 11, 3), SMOKE, 1), (date(2026, 11, 3), MASK, 1)])
    assert st.alerts_by_category(district, NOV, actor=HEAD) == [(MASK, 5), (SMOKE, 3)]
    assert st.alerts_by_street(district, NOV, actor=HEAD) == [("莘庄镇", 4), ("七宝镇", 3), (UNASSIGNED, 1)]
    assert st.alerts_by_venue_type(district, NOV, actor=HEAD) == [("养老机构食堂", 4), ("学校食堂", 3), ("小型餐饮", 1)]


def test_alerts_per_day_is_ordered_by_day(district):
    days = [d for d, _c, _n in st.alerts_per_day(district, NOV, actor=HEAD)]
    assert days == sorted(days) and set(days) == {date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)}
    assert sum(n for *_k, n in st.alerts_per_day(district, NOV, actor=HEAD)) == 8


def test_review_outcomes_and_precision(district):
    by = {r.category: r for r in st.review_outcomes(district, NOV, actor=HEAD)}
    assert [r.category for r in st.review_outcomes(district, NOV, actor=HEAD)] == [MASK, SMOKE]
    assert (by[MASK].confirmed, by[MASK].false_alarm, by[MASK].pending) == (3, 1, 1)
    assert by[MASK].precision == pytest.approx(0.75)
    assert (by[SMOKE].confirmed, by[SMOKE].false_alarm, by[SMOKE].pending) == (2, 1, 0)
    assert by[SMOKE].precision == pytest.approx(2 / 3)
    assert st.ReviewOutcome("x", 0, 0, 4).precision is None


def test_venue_ranking_both_ends(district):
    most, fewest = st.venue_ranking(district, NOV, actor=HEAD)
    assert [(v.venue_id, v.count) for v in most] == [(2, 4), (1, 1)]
    assert most[0] == st.VenueCount(2, "莘庄敬老院食堂", "莘庄镇", "养老机构食堂", 4)
    # venues with cameras, 0 included (venue 3 has none); the street of venue 4 is unassigned
    assert [(v.venue_id, v.count) for v in fewest] == [(4, 0), (1, 1), (2, 4)]
    assert fewest[0].street == UNASSIGNED
    most, fewest = st.venue_ranking(district, NOV, n=1, actor=HEAD)
    assert [v.venue_id for v in most] == [2] and [v.venue_id for v in fewest] == [4]


def test_case_funnel(district):
    f = st.case_funnel(district, NOV, today=TODAY, actor=HEAD)
    assert (f.opened, f.pushed, f.rectifying, f.awaiting_review) == (7, 1, 1, 0)
    assert (f.closed, f.revoked, f.pending) == (3, 1, 1)
    # as of 11-12 with red after 7 days: case 3 (deadline 11-05, 7 days) and 4 (11-10) yellow, 6 (11-03) red
    assert (f.overdue_yellow, f.overdue_red) == (2, 1)
    assert f.median_close_hours == pytest.approx(24.0)  # 12, 24, 48
    smoke = st.case_funnel(district, st.StatsScope(NOV.since, NOV.until, category=SMOKE), today=TODAY, actor=HEAD)
    assert (smoke.opened, smoke.closed) == (3, 2) and smoke.median_close_hours == pytest.approx(30.0)  # 12, 48


def test_camera_online_rate_per_local_day(district):
    rates = st.camera_online_rate(district, NOV, now=NOW, actor=HEAD)
    day = 4 * 86400  # four enabled cameras
    assert [d for d, _r in rates] == [date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)]
    expected = [1 - (14400 + 14400) / day, 1 - (7200 + 86400) / day, 1 - (7200 + 18000 + 14400) / day]
    assert [r for _d, r in rates] == pytest.approx(expected)


def test_camera_online_rate_stops_at_now(district):
    now = utc(2026, 11, 3, 4)  # local 11-03 12:00: half of the last day
    rates = st.camera_online_rate(district, NOV, now=now, actor=HEAD)
    assert [d for d, _r in rates][-1] == date(2026, 11, 3)
    assert rates[-1][1] == pytest.approx(1 - (7200 + 14400) / (4 * 43200))
    assert st.camera_online_rate(district, st.StatsScope(date(2027, 1, 1), date(2027, 1, 3)), now=NOW, actor=HEAD) == []


def test_cameras_offline_longest(district):
    rows = st.cameras_offline_longest(district, NOV, now=NOW, actor=HEAD)
    assert [r.camera_id for r in rows] == [4, 3, 1, 2]
    assert [r.offline_seconds for r in rows] == pytest.approx([115200.0, 18000.0, 14400.0, 14400.0])
    assert rows[1] == st.OfflineCamera(3, "C3", "莘庄敬老院食堂", "莘庄镇", pytest.approx(18000.0),
                                       utc(2026, 11, 3, 11))
    assert rows[0].since is None and rows[0].street == UNASSIGNED
    assert [r.camera_id for r in st.cameras_offline_longest(district, NOV, n=2, now=NOW, actor=HEAD)] == [4, 3]
    # an outage going on since before the range: since = when it began
    later = st.StatsScope(date(2026, 11, 10), date(2026, 11, 11))
    [row] = st.cameras_offline_longest(district, later, now=NOW, actor=HEAD)
    assert (row.camera_id, row.since) == (3, utc(2026, 11, 3, 11)) and row.offline_seconds == pytest.approx(86400.0)


def test_scope_filters(district):
    qibao = st.StatsScope(NOV.since, NOV.until, street="七宝镇")
    assert st.alerts_by_category(district, qibao, actor=HEAD) == [(MASK, 2), (SMOKE, 1)]
    assert st.alerts_by_street(district, qibao, actor=HEAD) == [("七宝镇", 3)]
    assert [(v.venue_id, v.count) for v in st.venue_ranking(district, qibao, actor=HEAD)[1]] == [(1, 1)]
    f = st.case_funnel(district, qibao, today=TODAY, actor=HEAD)
    assert (f.opened, f.closed, f.pushed) == (3, 2, 1)
    assert [r for _d, r in st.camera_online_rate(district, qibao, now=NOW, actor=HEAD)] == pytest.approx(
        [1 - 14400 / 172800, 1 - 7200 / 172800, 1 - 7200 / 172800])
    assert [r.camera_id for r in st.cameras_offline_longest(district, qibao, now=NOW, actor=HEAD)] == [1, 2]

    elderly = st.StatsScope(NOV.since, NOV.until, venue_type="养老机构食堂")
    assert sorted(st.alerts_by_category(district, elderly, actor=HEAD)) == sorted([(MASK, 2), (SMOKE, 2)])  # a tie
    assert st.alerts_by_venue_type(district, elderly, actor=HEAD) == [("养老机构食堂", 4)]
    assert [(v.venue_id, v.count) for v in st.venue_ranking(district, elderly, actor=HEAD)[0]] == [(2, 4)]
    assert st.case_funnel(district, elderly, today=TODAY, actor=HEAD).opened == 3

    smoke = st.StatsScope(NOV.since, NOV.until, category=SMOKE)
    assert st.alerts_by_street(district, smoke, actor=HEAD) == [("莘庄镇", 2), ("七宝镇", 1)]
    assert [(d, n) for d, _c, n in st.alerts_per_day(district, smoke, actor=HEAD)] == [
        (date(2026, 11, 1), 1), (date(2026, 11, 2), 1), (date(2026, 11, 3), 1)]
    assert [r.category for r in st.review_outcomes(district, smoke, actor=HEAD)] == [SMOKE]
    assert [(v.venue_id, v.count) for v in st.venue_ranking(district, smoke, actor=HEAD)[0]] == [(2, 2)]

    both = st.StatsScope(NOV.since, NOV.until, street="莘庄镇", venue_type="养老机构食堂", category=MASK)
    assert st.alerts_by_category(district, both, actor=HEAD) == [(MASK, 2)]
    assert st.alerts_by_category(district, st.StatsScope(NOV.since, NOV.until, street="不存在"), actor=HEAD) == []


def test_empty_ranges(district):
    empty = st.StatsScope(date(2025, 1, 1), date(2025, 1, 3))
    assert st.alerts_per_day(district, empty, actor=HEAD) == []
    assert st.alerts_by_category(district, empty, actor=HEAD) == []
    assert st.alerts_by_street(district, empty, actor=HEAD) == []
    assert st.alerts_by_venue_type(district, empty, actor=HEAD) == []
    assert st.review_outcomes(district, empty, actor=HEAD) == []
    most, fewest = st.venue_ranking(district, empty, actor=HEAD)
    assert most == [] and [v.count for v in fewest] == [0, 0, 0]
    assert st.case_funnel(district, empty, today=TODAY, actor=HEAD) == st.CaseFunnel(0, 0, 0, 0, 0, 0, 0, 0, None)
    # no events before or in the range: nothing says a camera was down
    assert st.camera_online_rate(district, empty, now=NOW, actor=HEAD) == [
        (date(2025, 1, 1), 1.0), (date(2025, 1, 2), 1.0)]
    assert st.cameras_offline_longest(district, empty, now=NOW, actor=HEAD) == []
    nothing = st.StatsScope(date(2026, 11, 2), date(2026, 11, 2))
    assert st.alerts_per_day(district, nothing, actor=HEAD) == []
    assert st.camera_online_rate(district, nothing, now=NOW, actor=HEAD) == []


def test_empty_database(engine):
    assert st.alerts_per_day(engine, NOV, actor=HEAD) == [] and st.venue_ranking(engine, NOV, actor=HEAD) == ([], [])
    assert st.camera_online_rate(engine, NOV, now=NOW, actor=HEAD) == []
    assert st.cameras_offline_longest(engine, NOV, actor=HEAD) == []
    m = st.monthly_summary(engine, date(2026, 11, 1), now=NOW, actor=HEAD)
    assert (m.alerts_total, m.cases_opened, m.cases_closed, m.overdue_cases) == (0, 0, 0, 0)
    assert m.rectification_rate is None and m.camera_online_rate is None and m.review == []


def test_monthly_summary(district):
    m = st.monthly_summary(district, date(2026, 11, 17), now=NOW, actor=HEAD)
    assert m.month == date(2026, 11, 1)
    assert m.alerts_total == 9 and m.alerts_by_category == [(MASK, 6), (SMOKE, 3)]
    assert m.alerts_by_street == [("莘庄镇", 4), ("七宝镇", 3), (UNASSIGNED, 2)]
    assert (m.cases_opened, m.cases_closed) == (7, 3)
    # under rectification in November: pushed before its end, not finished before its start:
    # cases 1, 2, 3, 4, 7 (pushed in October, still open), 8 — not 10 (closed in October)
    assert m.rectification_rate == pytest.approx(3 / 6)
    # open at the month's end with the deadline day passed: 3, 4, 6, 7
    assert m.overdue_cases == 4
    offline = 14400 + 14400 + (27 * 86400 + 5 * 3600) + 115200
    assert m.camera_online_rate == pytest.approx(1 - offline / (4 * 30 * 86400))
    by = {r.category: (r.confirmed, r.false_alarm, r.pending) for r in m.review}
    assert by == {MASK: (4, 1, 1), SMOKE: (2, 1, 0)}


def test_monthly_summary_of_the_running_month_stops_at_now(district):
    m = st.monthly_summary(district, date(2026, 11, 1), now=utc(2026, 11, 3, 4), actor=HEAD)  # local 11-03 12:00
    # overdue as of 11-03: only case 7 (deadline 11-01); case 6's deadline is that very day
    assert m.overdue_cases == 1
    assert m.camera_online_rate == pytest.approx(1 - (14400 + 14400 + 115200) / (4 * 2.5 * 86400))


def test_scope_helpers():
    s = st.StatsScope.last_days(30, today=date(2026, 11, 30), street="七宝镇")
    assert (s.since, s.until, s.street) == (date(2026, 11, 1), date(2026, 12, 1), "七宝镇")
    assert st.local_midnight(date(2026, 11, 1)) == utc(2026, 10, 31, 16)


# -- revision 0005 ----------------------------------------------------------------------------------
INDEXES = [("alert", "ix_alert_at_category_camera_id_review_state"), ("app_case", "ix_app_case_created_at_state"),
           ("app_case", "ix_app_case_closed_at"), ("caseevent", "ix_caseevent_to_state_at"),
           ("camerastatusevent", "ix_camerastatusevent_camera_id_at_online"),
           ("camerastatusevent", "ix_camerastatusevent_at_online_camera_id")]


def _index_names(engine, table: str) -> set[str]:
    return {ix["name"] for ix in inspect(engine).get_indexes(table)}


def test_migration_0005_adds_the_indexes_and_keeps_data(db_url):
    engine = make_engine(db_url)
    migrate(engine, "0004")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO street (id, name, district, sort_order) VALUES (1, '七宝镇', '闵行区', 0)"))
    assert all(name not in _index_names(engine, table) for table, name in INDEXES)
    migrate(engine)
    assert current_revision(engine) == head_revision() and _schema_diff(engine) == []
    assert all(name in _index_names(engine, table) for table, name in INDEXES)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM street")).scalar() == "七宝镇"

    from alembic import command

    from desktop.core.db import alembic_config

    cfg = alembic_config()
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        with conn.begin():
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0004")
    assert current_revision(engine) == "0004"
    assert all(name not in _index_names(engine, table) for table, name in INDEXES)
    migrate(engine)
    assert _schema_diff(engine) == []
    engine.dispose()


def test_event_at_the_very_start_of_the_range(district):
    """A camera down before the range and back exactly at its first local midnight: no outage."""
    with Session(district) as s:
        s.add(Camera(id=6, venue_id=3, name="C6"))
        s.flush()
        s.add_all([CameraStatusEvent(camera_id=6, at=utc(2026, 10, 20), online=False),
                   CameraStatusEvent(camera_id=6, at=utc(2026, 11, 1, 16), online=True)])  # local 11-02 00:00
        s.commit()
    day = st.StatsScope(date(2026, 11, 2), date(2026, 11, 3))
    assert [r.camera_id for r in st.cameras_offline_longest(district, day, now=NOW, actor=HEAD)] == [4, 2]
    [(d, rate)] = st.camera_online_rate(district, day, now=NOW, actor=HEAD)
    assert d == date(2026, 11, 2) and rate == pytest.approx(1 - (86400 + 7200) / (5 * 86400))
    before = st.StatsScope(date(2026, 11, 1), date(2026, 11, 2))
    assert [r.camera_id for r in st.cameras_offline_longest(district, before, now=NOW, actor=HEAD)][0] == 6


# -- issue 7: the actor's streets ---------------------------------------------------------------
def test_a_user_limited_to_streets_sees_only_their_venues_figures(district):
    """七宝镇 and 莘庄镇 (ids 1, 2): the venue without a street (camera C4) is not theirs."""
    both = person("街镇科长", streets=[1, 2])
    assert st.alerts_by_category(district, NOV, actor=both) == [(MASK, 4), (SMOKE, 3)]
    assert st.alerts_by_street(district, NOV, actor=both) == [("莘庄镇", 4), ("七宝镇", 3)]
    assert st.alerts_by_venue_type(district, NOV, actor=both) == [("养老机构食堂", 4), ("学校食堂", 3)]
    assert sum(n for *_k, n in st.alerts_per_day(district, NOV, actor=both)) == 7
    by = {r.category: (r.confirmed, r.false_alarm, r.pending) for r in st.review_outcomes(district, NOV, actor=both)}
    assert by == {MASK: (3, 0, 1), SMOKE: (2, 1, 0)}
    most, fewest = st.venue_ranking(district, NOV, actor=both)
    assert [(v.venue_id, v.count) for v in most] == [(2, 4), (1, 1)]
    assert [(v.venue_id, v.count) for v in fewest] == [(1, 1), (2, 4)]
    f = st.case_funnel(district, NOV, today=TODAY, actor=both)  # case 5 (the street-less venue's) is not theirs
    assert (f.opened, f.closed, f.rectifying, f.pushed, f.pending, f.revoked) == (6, 3, 1, 1, 1, 0)
    assert [r for _d, r in st.camera_online_rate(district, NOV, now=NOW, actor=both)] == pytest.approx(
        [1 - 14400 / (3 * 86400), 1 - 7200 / (3 * 86400), 1 - (7200 + 18000) / (3 * 86400)])
    assert [r.camera_id for r in st.cameras_offline_longest(district, NOV, now=NOW, actor=both)] == [3, 1, 2]

    m = st.monthly_summary(district, date(2026, 11, 17), now=NOW, actor=both)
    assert m.alerts_total == 7 and m.alerts_by_category == [(MASK, 4), (SMOKE, 3)]
    assert m.alerts_by_street == [("莘庄镇", 4), ("七宝镇", 3)]
    assert (m.cases_opened, m.cases_closed, m.overdue_cases) == (6, 3, 4)
    assert m.rectification_rate == pytest.approx(3 / 6)
    assert m.camera_online_rate == pytest.approx(1 - (14400 + 14400 + 27 * 86400 + 5 * 3600) / (3 * 30 * 86400))
    assert {r.category: (r.confirmed, r.false_alarm, r.pending) for r in m.review} == {
        MASK: (3, 0, 1), SMOKE: (2, 1, 0)}

    qibao_only = person("七宝科长", streets=[1])
    m = st.monthly_summary(district, date(2026, 11, 17), now=NOW, actor=qibao_only)
    # 七宝镇: cases 1, 4, 8 opened (7 in October); closed 1, 8; under rectification 1, 4, 7, 8; overdue 4, 7
    assert (m.alerts_total, m.cases_opened, m.cases_closed, m.overdue_cases) == (3, 3, 2, 2)
    assert m.rectification_rate == pytest.approx(2 / 4)
    with pytest.raises(PermissionDenied, match="莘庄镇"):
        st.alerts_by_category(district, st.StatsScope(NOV.since, NOV.until, street="莘庄镇"), actor=qibao_only)
    with pytest.raises(PermissionDenied):
        st.case_funnel(district, st.StatsScope(NOV.since, NOV.until, street="莘庄镇"), today=TODAY, actor=qibao_only)
    with pytest.raises(PermissionDenied, match="查看统计"):
        st.alerts_per_day(district, NOV, actor=DUTY)
    with pytest.raises(PermissionDenied):
        st.monthly_summary(district, date(2026, 11, 1), actor=INSPECTOR)
