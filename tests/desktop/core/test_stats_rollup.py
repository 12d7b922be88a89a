"""The daily roll-ups (desktop.core.stats_rollup, revision 0007) on SQLite and PostgreSQL: every
dashboard figure answered from them equals the direct query on the alert and status-event rows
(a generated district, every filter), the triggers keep them right through inserts near local
midnight, reviews, deletes and venues or cameras that move, rebuild_rollups gives the same rows,
and the camera days are right across midnight, for outages of several days and late events."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, inspect, text
from sqlmodel import Session, select

from desktop.bench.data_stats import generate
from desktop.core import statistics as st
from desktop.core import stats_rollup
from desktop.core.access import Actor, PermissionDenied
from desktop.core.db import make_engine, migrate
from desktop.core.models import Alert, Camera, CameraStatusEvent, Case, Street, Venue
from desktop.core.vocabulary import VENUE_TYPES
from tests.actors import DUTY, HEAD, person
from tests.desktop.core.test_statistics import _fill

NOW = datetime(2026, 11, 20, 4, tzinfo=UTC)  # local 11-20 12:00
TODAY = date(2026, 11, 20)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def _alert_figures(engine, scope: st.StatsScope, direct: bool, actor: Actor = HEAD) -> dict:
    return {
        "per_day": sorted(st.alerts_per_day(engine, scope, direct=direct, actor=actor)),
        "by_category": st.alerts_by_category(engine, scope, direct=direct, actor=actor),
        "by_street": st.alerts_by_street(engine, scope, direct=direct, actor=actor),
        "by_type": st.alerts_by_venue_type(engine, scope, direct=direct, actor=actor),
        "ranking": st.venue_ranking(engine, scope, n=12, direct=direct, actor=actor),
        "review": st.review_outcomes(engine, scope, direct=direct, actor=actor),
    }


def _assert_cameras_match(engine, scope: st.StatsScope, now: datetime = NOW, actor: Actor = HEAD) -> None:
    rolled = st.camera_online_rate(engine, scope, now=now, actor=actor)
    direct = st.camera_online_rate(engine, scope, now=now, direct=True, actor=actor)
    assert [d for d, _r in rolled] == [d for d, _r in direct]
    assert [r for _d, r in rolled] == pytest.approx([r for _d, r in direct], abs=1e-9)
    # every camera with offline time (n large), compared per camera: equal totals may tie
    rolled_cams = {c.camera_id: c for c in st.cameras_offline_longest(engine, scope, n=1000, now=now, actor=actor)}
    direct_cams = {c.camera_id: c for c in st.cameras_offline_longest(engine, scope, n=1000, now=now, direct=True,
                                                                      actor=actor)}
    assert rolled_cams.keys() == direct_cams.keys()
    for cam, c in rolled_cams.items():
        assert c.offline_seconds == pytest.approx(direct_cams[cam].offline_seconds, abs=0.01)
        assert c.since == direct_cams[cam].since


def _scopes() -> list[st.StatsScope]:
    year = st.StatsScope.last_days(365, TODAY)
    month = st.StatsScope.last_days(30, TODAY)
    return [year, month, st.StatsScope(date(2026, 3, 5), date(2026, 3, 6)),  # one past day
            st.StatsScope(TODAY, TODAY + timedelta(days=1)),  # the running day only
            st.StatsScope(date(2026, 12, 1), date(2026, 12, 31)),  # the future
            st.StatsScope(year.since, year.until, street="七宝镇"),
            st.StatsScope(year.since, year.until, venue_type=VENUE_TYPES[1]),
            st.StatsScope(month.since, month.until, street="莘庄镇", venue_type=VENUE_TYPES[0]),
            st.StatsScope(year.since, year.until, category="吸烟"),
            st.StatsScope(month.since, month.until, street="七宝镇", category="未戴口罩"),
            st.StatsScope(year.since, year.until, street="没有这个街镇")]


def _rollup_rows(engine) -> dict[str, list]:
    with engine.connect() as conn:
        return {
            "alert_day": sorted(tuple(str(v) for v in r) for r in conn.execute(text(
                "SELECT level, street_id, venue_type, day, category, review_state, n FROM alert_day WHERE n <> 0"))),
            "alert_venue_day": sorted(tuple(str(v) for v in r) for r in conn.execute(text(
                "SELECT venue_id, day, category, n FROM alert_venue_day WHERE n <> 0"))),
        }


@pytest.fixture
def generated(engine):
    generate(engine, 20, now=NOW)  # bulk load, then rebuild_rollups (the triggers are off meanwhile)
    return engine


def test_every_figure_from_the_rollups_equals_the_direct_query(generated):
    with generated.connect() as conn:
        assert conn.execute(text("SELECT SUM(n) FROM alert_day WHERE level = 0")).scalar() == 1600
        assert conn.execute(text("SELECT COUNT(*) FROM camera_day_offline")).scalar() > 0
    for scope in _scopes():
        rolled, direct = _alert_figures(generated, scope, False), _alert_figures(generated, scope, True)
        assert rolled == direct, scope
        _assert_cameras_match(generated, scope)
    assert sum(n for _c, n in st.alerts_by_category(generated, _scopes()[0], actor=HEAD)) > 1000


def test_the_rollups_are_what_the_figures_are_read_from(generated):
    """Corrupting a roll-up changes the answer (so the comparisons above compare two paths)."""
    year = st.StatsScope.last_days(365, TODAY)
    before = st.alerts_by_category(generated, year, actor=HEAD)
    rate_before = st.camera_online_rate(generated, year, now=NOW, actor=HEAD)
    longest_before = st.cameras_offline_longest(generated, year, now=NOW, actor=HEAD)
    with generated.begin() as conn:
        conn.execute(text("UPDATE alert_day SET n = n + 1000 WHERE level = 0 AND category = '吸烟'"))
        conn.execute(text("UPDATE camera_day_filled SET seconds = 0"))  # every camera's seconds per day
        conn.execute(text("UPDATE camera_day_offline SET seconds = seconds / 2"))
    after = dict(st.alerts_by_category(generated, year, actor=HEAD))
    assert after["吸烟"] >= dict(before)["吸烟"] + 1000
    assert st.alerts_by_category(generated, year, direct=True, actor=HEAD) == before
    rates = st.camera_online_rate(generated, year, now=NOW, actor=HEAD)
    assert sum(r for _d, r in rates) > sum(r for _d, r in rate_before)
    longest = st.cameras_offline_longest(generated, year, now=NOW, actor=HEAD)
    assert longest[0].offline_seconds < longest_before[0].offline_seconds


def test_triggers_follow_inserts_reviews_deletes_and_moves(generated):
    with Session(generated) as s:
        cams = s.exec(select(Camera).order_by(Camera.id)).all()
        cam_a, cam_b = cams[0].id, cams[5].id
        # near local midnight (UTC+8): 11-10 23:59:59.999999 and 11-11 00:00:00
        s.add_all([Alert(camera_id=cam_a, category="玩手机", started_at=utc(2026, 11, 10, 15, 59, 59, 999999),
                         at=utc(2026, 11, 10, 15, 59, 59, 999999)),
                   Alert(camera_id=cam_a, category="玩手机", started_at=utc(2026, 11, 10, 16), at=utc(2026, 11, 10, 16),
                         review_state="已确认"),
                   Alert(camera_id=cam_b, category="鼠患", started_at=utc(2026, 11, 12, 1), at=utc(2026, 11, 12, 1))])
        s.commit()
        # reviews: pending → confirmed → false alarm, and a confirmed one set back to pending
        pending = s.exec(select(Alert).where(Alert.review_state == "待复核").order_by(Alert.id)).all()[:6]
        for a in pending[:3]:
            a.review_state = "已确认"
        for a in pending[3:]:
            a.review_state = "误报"
        s.commit()
        pending[0].review_state = "误报"
        confirmed = s.exec(select(Alert).where(Alert.review_state == "已确认").order_by(Alert.id.desc())).first()
        confirmed.review_state = "待复核"
        s.commit()
        # an alert moved in time and to another category, another deleted
        moved = s.exec(select(Alert).order_by(Alert.id)).all()[10]
        moved.at, moved.category = moved.at + timedelta(hours=20), "吸烟"
        s.delete(s.exec(select(Alert).order_by(Alert.id)).all()[11])
        s.commit()
        # a venue to another street and type, a venue to no street, a camera to another venue
        v1, v2 = s.get(Venue, 1), s.get(Venue, 2)
        v1.street_id, v1.venue_type = 2, VENUE_TYPES[5]
        v2.street_id = None
        s.get(Camera, cam_b).venue_id = 7
        s.commit()
    for scope in _scopes():
        assert _alert_figures(generated, scope, False) == _alert_figures(generated, scope, True), scope
    day = st.StatsScope(date(2026, 11, 10), date(2026, 11, 12))
    phones = [(d, n) for d, c, n in st.alerts_per_day(generated, day, actor=HEAD) if c == "玩手机"]
    direct = [(d, n) for d, c, n in st.alerts_per_day(generated, day, direct=True, actor=HEAD) if c == "玩手机"]
    assert phones == direct and {d for d, _n in phones} >= {date(2026, 11, 10), date(2026, 11, 11)}
    maintained = _rollup_rows(generated)
    with generated.begin() as conn:
        stats_rollup.rebuild_rollups(conn, NOW)
    assert _rollup_rows(generated) == maintained


def test_review_through_the_alert_api_moves_one_count(engine, tmp_path):
    from desktop.core.alerts import AlertInput, record_alert, review_alert
    from desktop.core.evidence_store import EvidenceStore
    from tests.actors import INSPECTOR

    with Session(engine) as s:
        s.add(Street(id=1, name="七宝镇"))
        s.flush()
        s.add(Venue(id=1, name="七宝中学食堂", street_id=1, venue_type="学校食堂"))
        s.flush()
        s.add(Camera(id=1, venue_id=1, name="C1"))
        s.commit()
    store = EvidenceStore(tmp_path / "evidence", engine)
    at = utc(2026, 11, 1, 15, 59, 59)  # local 11-01 23:59:59
    ids = [record_alert(engine, store, AlertInput(1, "未戴口罩", "二级", at, at, 0.9, "r", "")).id for _ in range(3)]
    scope = st.StatsScope(date(2026, 11, 1), date(2026, 11, 2))

    def outcome():
        [r] = st.review_outcomes(engine, scope, actor=HEAD)
        assert [r] == st.review_outcomes(engine, scope, direct=True, actor=HEAD)
        most, _fewest = st.venue_ranking(engine, scope, actor=HEAD)
        return r.confirmed, r.false_alarm, r.pending, [v.count for v in most]

    assert outcome() == (0, 0, 3, [])
    review_alert(engine, ids[0], "已确认", actor=INSPECTOR)
    review_alert(engine, ids[1], "已确认", actor=INSPECTOR)
    assert outcome() == (2, 0, 1, [2])
    review_alert(engine, ids[0], "误报", "看错了", actor=INSPECTOR)
    assert outcome() == (1, 1, 1, [1])
    assert st.alerts_per_day(engine, scope, actor=HEAD) == [(date(2026, 11, 1), "未戴口罩", 3)]


def test_camera_days_across_midnight_long_outages_and_late_events(engine):
    with Session(engine) as s:
        s.add(Venue(id=1, name="V"))
        s.flush()
        s.add_all([Camera(id=1, venue_id=1, name="C1"), Camera(id=2, venue_id=1, name="C2")])
        s.flush()
        s.add_all([CameraStatusEvent(camera_id=1, at=utc(2026, 11, 1, 14), online=False),  # 11-01 22:00
                   CameraStatusEvent(camera_id=1, at=utc(2026, 11, 2, 18), online=True),  # 11-03 02:00
                   CameraStatusEvent(camera_id=2, at=utc(2026, 11, 4, 15), online=False)])  # 11-04 23:00, ongoing
        s.commit()
    now = utc(2026, 11, 5, 2)  # local 11-05 10:00
    week = st.StatsScope(date(2026, 10, 30), date(2026, 11, 6))
    _assert_cameras_match(engine, week, now)

    def offline_days():
        with engine.connect() as conn:
            return {(c, str(d)[:10]): round(secs) for c, d, secs in conn.execute(text(
                "SELECT camera_id, day, seconds FROM camera_day_offline"))}

    def filled():
        with engine.connect() as conn:
            return sorted(str(d)[:10] for (d,) in conn.execute(text("SELECT day FROM camera_day_filled")))

    assert offline_days() == {(1, "2026-11-01"): 7200, (1, "2026-11-02"): 86400, (1, "2026-11-03"): 7200,
                              (2, "2026-11-04"): 3600}
    assert filled() == [f"2026-{d}" for d in ("10-30", "10-31", "11-01", "11-02", "11-03", "11-04")]
    rates = dict(st.camera_online_rate(engine, week, now=now, actor=HEAD))
    assert rates[date(2026, 11, 2)] == pytest.approx(0.5) and rates[date(2026, 11, 4)] == pytest.approx(1 - 1 / 48)
    assert rates[date(2026, 11, 5)] == pytest.approx(1 - 36000 / (2 * 36000))  # today so far: C2 down all of it
    [c1, c2] = st.cameras_offline_longest(engine, week, now=now, actor=HEAD)  # 28 h, then 11 h and still down
    assert (c1.camera_id, c1.since, c2.camera_id, c2.since) == (1, None, 2, utc(2026, 11, 4, 15))

    # a late event for a rolled-up day: back at 11-02 12:00; that camera's days from there on are
    # dropped and computed again by the next query, the other cameras' days stay
    with Session(engine) as s:
        s.add(CameraStatusEvent(camera_id=1, at=utc(2026, 11, 2, 4), online=True))
        s.commit()
    with engine.connect() as conn:
        assert [(c, str(d)[:10]) for c, d in conn.execute(text("SELECT camera_id, day FROM camera_day_stale"))] == [
            (1, "2026-11-02")]
    assert offline_days() == {(1, "2026-11-01"): 7200, (2, "2026-11-04"): 3600}
    assert len(filled()) == 6
    _assert_cameras_match(engine, week, now)
    assert offline_days() == {(1, "2026-11-01"): 7200, (1, "2026-11-02"): 43200, (2, "2026-11-04"): 3600}
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM camera_day_stale")).scalar() == 0
    # a camera deleted the way the registry does it (its events first): its rows go, nothing else
    with Session(engine) as s:
        s.exec(delete(CameraStatusEvent).where(CameraStatusEvent.camera_id == 2))
        s.exec(delete(Camera).where(Camera.id == 2))
        s.commit()
    assert offline_days() == {(1, "2026-11-01"): 7200, (1, "2026-11-02"): 43200} and len(filled()) == 6
    _assert_cameras_match(engine, week, now)
    assert dict(st.camera_online_rate(engine, week, now=now, actor=HEAD))[date(2026, 11, 2)] == pytest.approx(0.5)


def test_yesterday_stays_live_within_the_grace_and_a_past_range_ends_in_an_outage(engine):
    with Session(engine) as s:
        s.add(Venue(id=1, name="V"))
        s.flush()
        s.add(Camera(id=1, venue_id=1, name="C1"))
        s.flush()
        s.add(CameraStatusEvent(camera_id=1, at=utc(2026, 11, 3, 10), online=False))  # 11-03 18:00
        s.commit()
    just_after_midnight = utc(2026, 11, 4, 16, 30)  # local 11-05 00:30: 11-04 ended 30 minutes ago
    assert stats_rollup.eligible_end(just_after_midnight) == date(2026, 11, 4)
    scope = st.StatsScope(date(2026, 11, 1), date(2026, 11, 6))
    _assert_cameras_match(engine, scope, just_after_midnight)
    with engine.connect() as conn:
        assert "2026-11-04" not in {str(d)[:10] for (d,) in conn.execute(text("SELECT day FROM camera_day_filled"))}
    past = st.StatsScope(date(2026, 11, 1), date(2026, 11, 4))  # ends while C1 is down
    _assert_cameras_match(engine, past, just_after_midnight)
    [c1] = st.cameras_offline_longest(engine, past, now=just_after_midnight, actor=HEAD)
    assert c1.since == utc(2026, 11, 3, 10) and c1.offline_seconds == pytest.approx(6 * 3600, abs=0.01)


def _downgrade(engine, revision: str) -> None:
    from alembic import command

    from desktop.core.db import alembic_config

    cfg = alembic_config()
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        with conn.begin():
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, revision)


def _trigger_count(engine) -> int:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return conn.execute(text("SELECT COUNT(*) FROM sqlite_master WHERE type = 'trigger'")).scalar()
        return conn.execute(text("SELECT COUNT(*) FROM pg_trigger WHERE tgname LIKE 'rollup_%'")).scalar()


def test_migration_0007_backfills_the_rollups_and_later_revisions_keep_the_triggers(db_url):
    engine = make_engine(db_url)
    migrate(engine)
    _fill(engine)  # the hand-made district of test_statistics
    _downgrade(engine, "0006")  # later revisions copy the alert table on SQLite: triggers out of the way
    with engine.connect() as conn:
        assert "alert_day" not in inspect(conn).get_table_names()
    assert _trigger_count(engine) == 0
    migrate(engine)  # 0007 computes the roll-ups from the rows, the triggers go back in
    assert _trigger_count(engine) == len(stats_rollup._TRIGGERS)
    nov = st.StatsScope(date(2026, 11, 1), date(2026, 11, 4))
    assert _alert_figures(engine, nov, False) == _alert_figures(engine, nov, True)
    assert st.alerts_by_category(engine, nov, actor=HEAD) == [("未戴口罩", 5), ("吸烟", 3)]
    _assert_cameras_match(engine, nov, datetime.now(UTC))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM camera_day_filled")).scalar() > 30
    migrate(engine)  # nothing to do: the triggers stay
    assert _trigger_count(engine) == len(stats_rollup._TRIGGERS)
    with Session(engine) as s:  # and work
        s.add(Alert(id=100, camera_id=1, category="吸烟", started_at=utc(2026, 11, 2), at=utc(2026, 11, 2)))
        s.commit()
    assert st.alerts_by_category(engine, nov, actor=HEAD) == [("未戴口罩", 5), ("吸烟", 4)]
    engine.dispose()


def test_venue_type_bars_match_the_alert_list_filtered_by_venue_type(generated):
    """The 统计 page's 单位类型 bar opens the 告警 list with AlertFilter(venue_type=…): the same counts."""
    from desktop.core.alerts import AlertFilter, count_by_state
    from tests.actors import ADMIN

    scope = st.StatsScope.last_days(30, TODAY)
    bars = st.alerts_by_venue_type(generated, scope, actor=HEAD)
    assert len(bars) > 3
    window = {"since": st.local_midnight(scope.since), "until": st.local_midnight(scope.until)}
    for venue_type, n in bars:
        listed = count_by_state(generated, AlertFilter(venue_type=venue_type, **window), actor=ADMIN)
        assert sum(listed.values()) == n, venue_type
    assert sum(count_by_state(generated, AlertFilter(venue_type="没有这个类型", **window), actor=ADMIN).values()) == 0


# -- issue 7: a user limited to streets sees those streets' figures ------------------------------
STREET_A, STREET_B, STREET_C = "莘庄镇", "七宝镇", "浦江镇"  # ids 1, 2, 3 in generate()
LIMITED = person("街镇科长", streets=[1, 2])


def _merged(*lists) -> dict:
    total: Counter = Counter()
    for rows in lists:
        for *key, n in rows:
            total[tuple(key)] += n
    return {k: n for k, n in total.items() if n}


def _reviews(*lists) -> dict[str, tuple[int, int, int]]:
    """(已确认, 误报, 待复核) per category, summed over the lists."""
    total: dict[str, tuple[int, int, int]] = {}
    for rows in lists:
        for r in rows:
            y, f, p = total.get(r.category, (0, 0, 0))
            total[r.category] = (y + r.confirmed, f + r.false_alarm, p + r.pending)
    return total


def _enabled_cameras(engine, street: str) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT COUNT(*) FROM camera c JOIN venue v ON v.id = c.venue_id"
                                 " JOIN street s ON s.id = v.street_id WHERE c.enabled AND s.name = :s"),
                            {"s": street}).scalar()


def _median_close_hours(engine, scope: st.StatsScope, street_ids: set[int]) -> float | None:
    t0, t1 = st.local_midnight(scope.since), st.local_midnight(scope.until)
    utc_of = st._Sql.as_datetime
    with Session(engine) as s:
        rows = s.exec(select(Case.created_at, Case.closed_at, Venue.street_id).join(Venue, Venue.id == Case.venue_id)
                      .where(Case.state == "已办结", Case.closed_at.is_not(None))).all()
    hours = [(utc_of(closed) - utc_of(created)).total_seconds() / 3600 for created, closed, street in rows
             if street in street_ids and t0 <= utc_of(created) < t1]
    return statistics.median(hours) if hours else None


def _assert_limited_is_the_sum_of_its_streets(engine, scope: st.StatsScope, direct: bool) -> None:
    per = {s: replace(scope, street=s) for s in (STREET_A, STREET_B)}

    def each(fn, **kw):
        return [fn(engine, per[s], actor=HEAD, **kw) for s in (STREET_A, STREET_B)]

    mine = _alert_figures(engine, scope, direct, LIMITED)
    assert _merged(mine["per_day"]) == _merged(*each(st.alerts_per_day, direct=direct)), scope
    assert _merged(mine["by_category"]) == _merged(*each(st.alerts_by_category, direct=direct))
    assert [n for _c, n in mine["by_category"]] == sorted((n for _c, n in mine["by_category"]), reverse=True)
    # only the two streets' rows, each the street's own figure
    assert sorted(mine["by_street"]) == sorted(r for rows in each(st.alerts_by_street, direct=direct) for r in rows)
    assert _merged(mine["by_type"]) == _merged(*each(st.alerts_by_venue_type, direct=direct))
    most, fewest = mine["ranking"]
    ranks = each(st.venue_ranking, n=1000, direct=direct)
    assert most == sorted(ranks[0][0] + ranks[1][0], key=lambda v: (-v.count, v.venue_id))[:12]
    assert fewest == sorted(ranks[0][1] + ranks[1][1], key=lambda v: (v.count, v.venue_id))[:12]
    assert {v.street for v in most + fewest} <= {STREET_A, STREET_B}
    assert _reviews(mine["review"]) == _reviews(*each(st.review_outcomes, direct=direct))

    # cameras: the online rate is the streets' rates weighted by their enabled cameras
    cams = [_enabled_cameras(engine, s) for s in (STREET_A, STREET_B)]
    rates = each(st.camera_online_rate, now=NOW, direct=direct)
    expected = {}
    for k, rows in enumerate(rates):
        for d, r in rows:
            expected[d] = expected.get(d, 0.0) + r * cams[k] / sum(cams)
    mine_rates = st.camera_online_rate(engine, scope, now=NOW, direct=direct, actor=LIMITED)
    assert [d for d, _r in mine_rates] == sorted(expected)
    assert [r for _d, r in mine_rates] == pytest.approx([expected[d] for d, _r in mine_rates], abs=1e-9)
    offline = st.cameras_offline_longest(engine, scope, n=1000, now=NOW, direct=direct, actor=LIMITED)
    theirs = [c for rows in each(st.cameras_offline_longest, n=1000, now=NOW, direct=direct) for c in rows]
    assert {c.camera_id: (pytest.approx(c.offline_seconds, abs=0.01), c.since) for c in offline} == {
        c.camera_id: (c.offline_seconds, c.since) for c in theirs}
    assert [c.offline_seconds for c in offline] == sorted((c.offline_seconds for c in offline), reverse=True)

    # cases (no direct path): every count is the sum; the median of the two streets' closed cases
    funnel = st.case_funnel(engine, scope, today=TODAY, actor=LIMITED)
    funnels = each(st.case_funnel, today=TODAY)
    for field in ("opened", "pushed", "rectifying", "awaiting_review", "closed", "revoked", "overdue_yellow",
                  "overdue_red"):
        assert getattr(funnel, field) == sum(getattr(f, field) for f in funnels), field
    median = _median_close_hours(engine, scope, {1, 2})
    assert funnel.median_close_hours == (None if median is None else pytest.approx(median, abs=1e-6))


def test_a_user_limited_to_streets_gets_the_sum_of_those_streets(generated):
    year, month = st.StatsScope.last_days(365, TODAY), st.StatsScope.last_days(30, TODAY)
    scopes = [year, month, st.StatsScope(TODAY, TODAY + timedelta(days=1)),
              replace(year, venue_type=VENUE_TYPES[1]), replace(month, category="吸烟")]
    everything = _alert_figures(generated, year, False)
    assert len(everything["by_street"]) > 2  # the other streets have alerts: the limit takes some away
    for scope in scopes:
        for direct in (False, True):
            _assert_limited_is_the_sum_of_its_streets(generated, scope, direct)
        # the two paths agree for the limited user too
        assert _alert_figures(generated, scope, False, LIMITED) == _alert_figures(generated, scope, True, LIMITED)
        _assert_cameras_match(generated, scope, actor=LIMITED)
    mine = _alert_figures(generated, year, False, LIMITED)
    assert {s for s, _n in mine["by_street"]} == {STREET_A, STREET_B}
    assert sum(n for _c, n in mine["by_category"]) < sum(n for _c, n in everything["by_category"])
    # a street of theirs, named: the same as the unlimited user's answer for it
    qibao = replace(year, street=STREET_B)
    assert _alert_figures(generated, qibao, False, LIMITED) == _alert_figures(generated, qibao, False)
    # no streets at all: nothing
    nobody = person("无街镇", streets=[])
    assert st.alerts_by_category(generated, year, actor=nobody) == []
    assert st.case_funnel(generated, year, today=TODAY, actor=nobody).opened == 0
    assert st.camera_online_rate(generated, year, now=NOW, actor=nobody) == []


def test_the_monthly_summary_of_a_limited_user_is_the_sum_of_its_streets(generated):
    month = date(2026, 10, 1)
    mine = st.monthly_summary(generated, month, now=NOW, actor=LIMITED)
    a, b = (st.monthly_summary(generated, month, now=NOW, actor=person("x", streets=[i])) for i in (1, 2))
    everything = st.monthly_summary(generated, month, now=NOW, actor=HEAD)
    assert 0 < mine.alerts_total == a.alerts_total + b.alerts_total < everything.alerts_total
    assert _merged(mine.alerts_by_category) == _merged(a.alerts_by_category, b.alerts_by_category)
    assert sorted(mine.alerts_by_street) == sorted(a.alerts_by_street + b.alerts_by_street)
    assert {s for s, _n in mine.alerts_by_street} == {STREET_A, STREET_B}
    for field in ("cases_opened", "cases_closed", "overdue_cases"):
        assert getattr(mine, field) == getattr(a, field) + getattr(b, field), field
    assert mine.cases_opened < everything.cases_opened
    cams = [_enabled_cameras(generated, s) for s in (STREET_A, STREET_B)]
    assert mine.camera_online_rate == pytest.approx(
        (a.camera_online_rate * cams[0] + b.camera_online_rate * cams[1]) / sum(cams), abs=1e-9)
    assert _reviews(mine.review) == _reviews(a.review, b.review)


def _every_figure(engine, scope: st.StatsScope, actor: Actor) -> list:
    return [
        lambda: st.alerts_per_day(engine, scope, actor=actor),
        lambda: st.alerts_by_category(engine, scope, actor=actor),
        lambda: st.alerts_by_street(engine, scope, actor=actor, direct=True),
        lambda: st.alerts_by_venue_type(engine, scope, actor=actor),
        lambda: st.venue_ranking(engine, scope, actor=actor),
        lambda: st.review_outcomes(engine, scope, actor=actor, direct=True),
        lambda: st.case_funnel(engine, scope, today=TODAY, actor=actor),
        lambda: st.camera_online_rate(engine, scope, now=NOW, actor=actor),
        lambda: st.cameras_offline_longest(engine, scope, now=NOW, actor=actor),
    ]


def test_another_street_and_a_role_without_reports_are_refused(generated):
    year = st.StatsScope.last_days(365, TODAY)
    refusals = 0
    for scope, actor in ((replace(year, street=STREET_C), LIMITED),  # not one of theirs
                         (replace(year, street="没有这个街镇"), LIMITED),
                         (replace(year, street=st.UNASSIGNED), LIMITED),
                         (year, DUTY)):  # 值班员: no 查看统计
        for figure in _every_figure(generated, scope, actor):
            with pytest.raises(PermissionDenied):
                figure()
            refusals += 1
    with pytest.raises(PermissionDenied, match="查看统计"):
        st.monthly_summary(generated, date(2026, 10, 1), actor=DUTY)
    # each refusal is in the audit trail, once
    with generated.connect() as conn:
        logged = conn.execute(text("SELECT COUNT(*) FROM auditentry WHERE action = 'permission_denied'")).scalar()
    assert logged == refusals + 1
    # an unlimited user asking for that street is answered
    assert st.alerts_by_category(generated, replace(year, street=STREET_C), actor=HEAD) != []
