"""StatsService (the 统计 dashboard's Qt glue), on SQLite: the figures are read on the DB runner
as the session's user at the time of the request — a user limited to streets gets their
streets' figures and is offered only their streets in the scope bar, a street picked under an
earlier login that the new user may not see is dropped from the scope, and a role without
查看统计 gets the core's refusal as a message."""

from datetime import date

import pytest

from desktop.core import statistics as st
from desktop.core.db import database_url, init_schema, make_engine
from desktop.services.stats_service import StatsService, read_bundle
from desktop.services.task_runner import TaskRunner
from desktop.services.user_session import UserSession
from tests.actors import DUTY, HEAD, person
from tests.desktop.core.test_statistics import NOV, _fill

QIBAO = person("七宝科长", streets=[1])  # 七宝镇 of test_statistics' district


@pytest.fixture
def engine(data_dir):
    data_dir.mkdir(parents=True, exist_ok=True)
    eng = make_engine(database_url(data_dir))
    init_schema(eng)
    _fill(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def service(qtbot, engine):
    db = TaskRunner("db")
    svc = StatsService(engine, db, UserSession(HEAD))
    yield svc
    db.shutdown()


def test_read_bundle_answers_for_the_actors_streets(engine):
    everyone = read_bundle(engine, NOV, actor=HEAD)
    assert everyone.streets == ("七宝镇", "莘庄镇")
    assert dict(everyone.by_street) == {"莘庄镇": 4, "七宝镇": 3, st.UNASSIGNED: 1}

    mine = read_bundle(engine, NOV, actor=QIBAO)
    assert mine.streets == ("七宝镇",)
    assert mine.by_street == (("七宝镇", 3),)
    assert sum(n for _c, n in mine.by_category) == 3
    assert {v.street for v in mine.most + mine.fewest} == {"七宝镇"}
    assert {c.street for c in mine.offline} == {"七宝镇"}
    assert mine.funnel.opened == 3  # cases 1, 4, 8 of 七宝中学食堂
    # the same figures as the whole district's answer for 七宝镇 named
    named = read_bundle(engine, st.StatsScope(NOV.since, NOV.until, street="七宝镇"), actor=HEAD)
    assert (mine.by_category, mine.per_day, mine.reviews, mine.funnel, mine.online_rate) == (
        named.by_category, named.per_day, named.reviews, named.funnel, named.online_rate)


def test_a_street_of_an_earlier_login_is_dropped_from_the_scope(engine):
    xinzhuang = st.StatsScope(NOV.since, NOV.until, street="莘庄镇")
    bundle = read_bundle(engine, xinzhuang, actor=QIBAO)
    assert bundle.scope.street is None and bundle.by_street == (("七宝镇", 3),)
    # the core itself refuses the named street
    with pytest.raises(PermissionError):
        st.alerts_by_street(engine, xinzhuang, actor=QIBAO)


def test_the_service_reads_as_the_sessions_user(qtbot, service):
    with qtbot.waitSignal(service.loaded, timeout=10000) as got:
        service.load(NOV)
    assert got.args[0].streets == ("七宝镇", "莘庄镇")

    service.session.set_actor(QIBAO)
    with qtbot.waitSignal(service.loaded, timeout=10000) as got:
        service.load(NOV)
    assert got.args[0].by_street == (("七宝镇", 3),) and got.args[0].streets == ("七宝镇",)

    service.session.set_actor(DUTY)  # 值班员: no 查看统计
    with qtbot.waitSignal(service.failed, timeout=10000) as failed:
        service.load(st.StatsScope(date(2026, 11, 1), date(2026, 11, 2)))
    assert "查看统计" in failed.args[0]
