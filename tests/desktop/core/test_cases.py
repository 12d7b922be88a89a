"""Cases on both databases: filing, the transition table, the time line, numbers, overdue
cards, list filters, editing and deleting."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from desktop.core.access import PermissionDenied, Role
from desktop.core.alerts import AlertInput, record_alert, review_alert
from desktop.core.case_settings import (
    delete_legal_basis,
    list_legal_bases,
    number_pattern,
    red_card_days,
    save_legal_basis,
    set_number_pattern,
    set_red_card_days,
    set_station_name,
    station_id,
    station_name,
)
from desktop.core.cases import (
    CLOSED,
    PENDING,
    STATES,
    TRANSITIONS,
    CaseConfirmationRequiredError,
    CaseError,
    CaseFilter,
    CaseInput,
    CaseTransitionError,
    CaseUpdate,
    CaseValidationError,
    cases_of_alert,
    cases_of_venue,
    count_by_card,
    count_by_state,
    count_cases,
    create_case,
    delete_case,
    find_case,
    get_case,
    list_cases,
    transition,
    update_case,
)
from desktop.core.evidence import add_snapshot
from desktop.core.evidence_store import EvidenceStore
from desktop.core.registry import CameraInput, VenueInput, save_camera, save_venue
from tests.actors import ADMIN, HEAD, person

T0 = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)  # noon in Shanghai: the same day and year anywhere
D0 = date(2026, 6, 1)

# The states in the order a case reaches them, and how to reach each one.
PATH = {
    "待处理": [],
    "已推送整改": ["已推送整改"],
    "整改中": ["已推送整改", "整改中"],
    "待复核": ["已推送整改", "整改中", "待复核"],
    "已办结": ["已推送整改", "整改中", "待复核", "已办结"],
    "撤销": ["撤销"],
}


@pytest.fixture
def store(engine, tmp_path):
    return EvidenceStore(tmp_path / "evidence", engine)


@pytest.fixture
def world(engine, store):
    a = save_venue(engine, VenueInput(name="七宝中学食堂", street="七宝镇", license_no="JY33101120001201"), actor=ADMIN)
    b = save_venue(engine, VenueInput(name="莘庄敬老院食堂", street="莘庄镇", license_no="JY33101120001202"),
                   actor=ADMIN)
    cam_a = save_camera(engine, CameraInput(a, "烹饪区", "rtsp://10.0.0.5/sub"), actor=ADMIN)
    cam_b = save_camera(engine, CameraInput(b, "备餐区", "rtsp://10.0.0.7/sub"), actor=ADMIN)
    return {"a": a, "b": b, "cam_a": cam_a, "cam_b": cam_b}


def _alert(engine, store, camera_id, minutes=0, category="未戴口罩"):
    at = T0 + timedelta(minutes=minutes)
    return record_alert(engine, store, AlertInput(
        camera_id=camera_id, category=category, tier="二级", started_at=at, at=at, score=0.9, rule_id="no-mask",
        reason="3/5 帧未戴口罩", clean_png=b"\x89PNG clean %d" % minutes, boxes_png=b"\x89PNG boxes %d" % minutes)).id


def _case(engine, venue_id, *, now=T0, deadline=D0 + timedelta(days=10), category="未戴口罩", handler="王建华",
          **kw):
    return create_case(engine, CaseInput(venue_id=venue_id, category=category, handler=handler, deadline=deadline,
                                         facts="后厨人员未戴口罩", **kw), now=now, actor=person("张三"))


def _walk(engine, case_id, states, who="李四"):
    for state in states:
        comment = "无法联系单位" if state == "撤销" else ""
        transition(engine, case_id, state, comment, now=T0 + timedelta(hours=1), actor=person(who))


# --- filing -----------------------------------------------------------------------------------

def test_case_from_nothing_needs_venue_and_category(engine, world):
    with pytest.raises(CaseValidationError, match="请选择单位"):
        create_case(engine, CaseInput(category="鼠患"), actor=person("张三"))
    with pytest.raises(CaseValidationError, match="违规类型"):
        create_case(engine, CaseInput(venue_id=world["a"]), actor=person("张三"))
    rec = create_case(engine, CaseInput(venue_id=world["a"], category="鼠患", tier="一级", facts="库房发现鼠迹",
                                        legal_basis="《中华人民共和国食品安全法》第三十三条"),
                      now=T0, actor=person("张三"))
    assert (rec.state, rec.venue_name, rec.street, rec.category, rec.tier) == (PENDING, "七宝中学食堂", "七宝镇",
                                                                              "鼠患", "一级")
    assert rec.venue_license_no == "JY33101120001201" and rec.created_at == T0 and rec.created_by == "张三"
    assert rec.evidence == () and rec.alerts == () and len(rec.uuid) == 32 and rec.origin_station == station_id(engine)
    assert [(e.action, e.from_state, e.to_state, e.who) for e in rec.events] == [("create", "", PENDING, "张三")]
    assert rec.allowed_transitions == ("已推送整改", "撤销")


def test_case_from_alerts_takes_venue_category_and_their_evidence(engine, store, world):
    a1, a2 = _alert(engine, store, world["cam_a"]), _alert(engine, store, world["cam_a"], minutes=5)
    snap = add_snapshot(engine, store, b"\x89PNG snapshot", camera_id=world["cam_a"], captured_at=T0,
                        source="maximised", actor=person("张三"))
    rec = create_case(engine, CaseInput(alert_ids=(a1, a2), evidence_ids=(snap.id,)), now=T0, actor=person("张三"))
    assert rec.venue_id == world["a"] and (rec.category, rec.tier) == ("未戴口罩", "二级")
    assert [a.alert_id for a in rec.alerts] == [a1, a2]
    assert [e.role for e in rec.evidence] == ["现场截图", "告警原图", "告警标注图", "告警原图", "告警标注图"]
    assert [e.position for e in rec.evidence] == [1, 2, 3, 4, 5]
    assert [c.id for c in cases_of_alert(engine, a1, actor=HEAD)] == [rec.id]


def test_alerts_of_two_venues_and_false_alarms_are_refused(engine, store, world):
    a = _alert(engine, store, world["cam_a"])
    b = _alert(engine, store, world["cam_b"], minutes=1)
    with pytest.raises(CaseValidationError, match="不同单位"):
        create_case(engine, CaseInput(alert_ids=(a, b)), actor=person("张三"))
    with pytest.raises(CaseValidationError, match="其他单位"):
        create_case(engine, CaseInput(venue_id=world["b"], alert_ids=(a,)), actor=person("张三"))
    review_alert(engine, a, "误报", actor=person("李四"))
    with pytest.raises(CaseValidationError, match="误报"):
        create_case(engine, CaseInput(alert_ids=(a,)), actor=person("张三"))
    with pytest.raises(CaseValidationError, match="不存在"):
        create_case(engine, CaseInput(alert_ids=(99999,)), actor=person("张三"))
    assert count_cases(engine, actor=HEAD) == 0


def test_deadline_before_filing_is_refused(engine, world):
    with pytest.raises(CaseValidationError, match="整改期限"):
        _case(engine, world["a"], deadline=D0 - timedelta(days=1))


# --- transitions ------------------------------------------------------------------------------

@pytest.mark.parametrize("from_state", STATES)
def test_transition_table_is_enforced(engine, world, from_state):
    for to_state in STATES:
        case_id = _case(engine, world["a"]).id
        _walk(engine, case_id, PATH[from_state])
        assert get_case(engine, case_id, actor=HEAD).state == from_state
        events_before = len(get_case(engine, case_id, actor=HEAD).events)
        if to_state in TRANSITIONS[from_state]:
            rec = transition(engine, case_id, to_state, "理由", actor=person("李四"))
            assert rec.state == to_state and len(rec.events) == events_before + 1
        else:
            with pytest.raises(CaseTransitionError) as err:
                transition(engine, case_id, to_state, "理由", actor=person("李四"))
            assert (err.value.from_state, err.value.to_state) == (from_state, to_state)
            assert f"「{from_state}」" in str(err.value) and f"「{to_state}」" in str(err.value)
            rec = get_case(engine, case_id, actor=HEAD)
            assert rec.state == from_state and len(rec.events) == events_before


def test_every_transition_is_logged_with_who_when_why(engine, world):
    case_id = _case(engine, world["a"]).id
    steps = [("已推送整改", "张三", "已发送责令改正通知书"), ("整改中", "王建华", "单位已签收"),
             ("待复核", "王建华", "单位提交整改照片"), ("整改中", "李四", "复核不通过：仍未戴口罩"),
             ("待复核", "王建华", "再次提交"), ("已办结", "李四", "复核通过")]
    for i, (state, who, why) in enumerate(steps, 1):
        rec = transition(engine, case_id, state, why, now=T0 + timedelta(days=i), actor=person(who))
    assert rec.state == CLOSED and rec.closed_at == T0 + timedelta(days=6) and rec.allowed_transitions == ()
    logged = [(e.action, e.from_state, e.to_state, e.who, e.at, e.comment) for e in rec.events]
    expected, prev = [("create", "", PENDING, "张三", T0, "立案")], PENDING
    for i, (state, who, why) in enumerate(steps, 1):
        expected.append(("transition", prev, state, who, T0 + timedelta(days=i), why))
        prev = state
    assert logged == expected


def test_revoking_and_failed_review_need_a_reason_and_push_needs_a_deadline(engine, world):
    case_id = _case(engine, world["a"], deadline=None).id
    with pytest.raises(CaseTransitionError, match="整改期限"):
        transition(engine, case_id, "已推送整改", actor=person("张三"))
    with pytest.raises(CaseTransitionError, match="须填写理由"):
        transition(engine, case_id, "撤销", "  ", actor=person("张三"))
    with pytest.raises(CaseTransitionError, match="未知的案件状态"):
        transition(engine, case_id, "已结案", "x", actor=person("张三"))
    rec = transition(engine, case_id, "撤销", "重复立案", actor=person("张三"))
    assert rec.state == "撤销" and rec.closed_at is not None
    other = _case(engine, world["a"]).id
    _walk(engine, other, PATH["待复核"])
    with pytest.raises(CaseTransitionError, match="复核不通过」须填写理由"):
        transition(engine, other, "整改中", actor=person("李四"))


# --- editing ----------------------------------------------------------------------------------

def test_edits_are_logged_and_only_open_cases_change(engine, store, world):
    case = _case(engine, world["a"])
    s1, s2 = (add_snapshot(engine, store, png, camera_id=world["cam_a"], captured_at=T0, source="tile",
                           actor=person("张三"))
              for png in (b"\x89PNG one", b"\x89PNG two"))
    rec = update_case(engine, case.id, CaseUpdate(facts="两名厨师未戴口罩", handler="赵六", deadline=date(2026, 6, 20),
                                                  add_evidence=(s1.id, s2.id)),
                      now=T0 + timedelta(hours=2), actor=person("张三"))
    assert (rec.facts, rec.handler, rec.deadline) == ("两名厨师未戴口罩", "赵六", date(2026, 6, 20))
    assert [e.evidence_id for e in rec.evidence] == [s1.id, s2.id]
    edit = rec.events[-1]
    assert (edit.action, edit.who, edit.from_state, edit.to_state) == ("edit", "张三", PENDING, PENDING)
    assert "违法事实" in edit.comment and "承办人" in edit.comment and "添加证据 2 项" in edit.comment
    rec = update_case(engine, case.id, CaseUpdate(evidence_order=(s2.id, s1.id),
                                                  evidence_labels=((s1.id, "现场截图", "操作台"),)),
                      actor=person("张三"))
    assert [(e.evidence_id, e.note) for e in rec.evidence] == [(s2.id, ""), (s1.id, "操作台")]
    rec = update_case(engine, case.id, CaseUpdate(remove_evidence=(s2.id,)), actor=person("张三"))
    assert [e.evidence_id for e in rec.evidence] == [s1.id] and "移除证据 1 项" in rec.events[-1].comment
    with pytest.raises(CaseValidationError, match="属于原单位"):  # s1 shows venue a
        update_case(engine, case.id, CaseUpdate(venue_id=world["b"]), actor=person("张三"))
    n_events = len(rec.events)
    assert len(update_case(engine, case.id, CaseUpdate(facts="两名厨师未戴口罩"),
                           actor=person("张三")).events) == n_events
    transition(engine, case.id, "已推送整改", actor=person("张三"))
    with pytest.raises(CaseValidationError, match="不能更换单位"):
        update_case(engine, case.id, CaseUpdate(venue_id=world["b"]), actor=person("张三"))
    transition(engine, case.id, "撤销", "单位已注销", actor=person("张三"))
    with pytest.raises(CaseError, match="不能修改"):
        update_case(engine, case.id, CaseUpdate(facts="x"), actor=person("张三"))
    assert get_case(engine, case.id, actor=HEAD).facts == "两名厨师未戴口罩"


# --- numbers ----------------------------------------------------------------------------------

def test_numbers_are_sequential_per_year_and_follow_the_pattern(engine, world):
    assert number_pattern(engine) == "闵市监明厨〔{year}〕{seq:04d}号"
    numbers = [_case(engine, world["a"]).number for _ in range(3)]
    assert numbers == [f"闵市监明厨〔2026〕{i:04d}号" for i in (1, 2, 3)]
    next_year = datetime(2027, 3, 1, 4, tzinfo=UTC)
    assert _case(engine, world["a"], now=next_year, deadline=None).number == "闵市监明厨〔2027〕0001号"
    set_number_pattern(engine, "莘市监明厨〔{year}〕第{seq}号", actor=ADMIN)
    assert _case(engine, world["a"]).number == "莘市监明厨〔2026〕第4号"
    for bad in ("明厨{year}", "明厨{seq}{who}", "明厨{seq:04d", "明厨{seq:q}"):
        with pytest.raises(CaseValidationError):
            set_number_pattern(engine, bad, actor=ADMIN)
    assert number_pattern(engine) == "莘市监明厨〔{year}〕第{seq}号"


def test_a_refused_save_gives_its_number_back(engine, world):
    _case(engine, world["a"])
    with pytest.raises(CaseValidationError):
        _case(engine, world["a"], category="")  # refused after the number was taken
    assert _case(engine, world["a"]).number == "闵市监明厨〔2026〕0002号"


def test_concurrent_saves_never_share_a_number(engine, world):
    numbers, errors = [], []

    def worker():
        try:
            for _ in range(5):
                numbers.append(_case(engine, world["a"]).number)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(numbers) == [f"闵市监明厨〔2026〕{i:04d}号" for i in range(1, 21)]


# --- overdue cards and lists ------------------------------------------------------------------

def test_overdue_cards_from_the_deadline(engine, world):
    deadline = date(2026, 6, 10)
    case_id = _case(engine, world["a"], deadline=deadline).id
    closed = _case(engine, world["a"], deadline=deadline).id
    _walk(engine, closed, PATH["已办结"])
    no_deadline = _case(engine, world["a"], deadline=None).id

    def card(day):
        return {c.id: (c.card, c.days_overdue) for c in list_cases(engine, today=day, actor=HEAD)}

    assert card(deadline)[case_id] == ("", 0)  # the deadline day is still in time
    assert card(deadline + timedelta(days=1))[case_id] == ("黄牌", 1)
    assert card(deadline + timedelta(days=7))[case_id] == ("黄牌", 7)
    assert card(deadline + timedelta(days=8))[case_id] == ("红牌", 8)
    assert card(deadline + timedelta(days=30))[closed] == ("", 0)
    assert card(deadline + timedelta(days=30))[no_deadline] == ("", 0)
    assert get_case(engine, case_id, today=deadline + timedelta(days=8), actor=HEAD).card == "红牌"
    set_red_card_days(engine, 3, actor=ADMIN)
    assert red_card_days(engine) == 3
    assert card(deadline + timedelta(days=4))[case_id] == ("红牌", 4)
    with pytest.raises(CaseValidationError):
        set_red_card_days(engine, -1, actor=ADMIN)


def test_station_name_for_printed_sheets(engine):
    assert station_name(engine, "市场监督管理所") == "市场监督管理所"
    set_station_name(engine, " 七宝市场监督管理所 ", actor=ADMIN)
    assert station_name(engine) == "七宝市场监督管理所"
    with pytest.raises(CaseValidationError):
        set_station_name(engine, " ", actor=ADMIN)


def test_list_filters_run_in_sql(engine, store, world):
    a1 = _case(engine, world["a"], handler="王建华", category="未戴口罩", deadline=date(2026, 6, 5))
    a2 = _case(engine, world["a"], handler="赵六", category="鼠患", now=T0 + timedelta(days=3),
               deadline=date(2026, 6, 30))
    b1 = _case(engine, world["b"], handler="王建华", category="未戴口罩", now=T0 + timedelta(days=5),
               deadline=date(2026, 6, 8))
    _walk(engine, b1.id, PATH["整改中"])
    today = date(2026, 6, 15)  # a1 10 days late (红牌), b1 7 days (黄牌), a2 in time

    def ids(**kw):
        return [c.id for c in list_cases(engine, CaseFilter(**kw), today=today, actor=HEAD)]

    assert ids() == [b1.id, a2.id, a1.id]  # newest first
    assert ids(state="整改中") == [b1.id] and ids(states=("待处理",)) == [a2.id, a1.id]
    assert ids(venue_id=world["a"]) == [a2.id, a1.id] and ids(street="莘庄镇") == [b1.id]
    assert ids(category="鼠患") == [a2.id] and ids(handler="王建华") == [b1.id, a1.id]
    assert ids(since=date(2026, 6, 2), until=date(2026, 6, 6)) == [a2.id]
    assert ids(since=T0 + timedelta(days=5)) == [b1.id]
    assert ids(card="红牌") == [a1.id] and ids(card="黄牌") == [b1.id] and ids(card="逾期") == [b1.id, a1.id]
    assert ids(text="敬老院") == [b1.id] and ids(text="0002号") == [a2.id]
    assert ids(category="未戴口罩", street="七宝镇", card="红牌") == [a1.id]
    assert count_cases(engine, CaseFilter(venue_id=world["a"]), today=today, actor=HEAD) == 2
    assert count_by_state(engine, CaseFilter(state="撤销"), actor=HEAD)["待处理"] == 2  # the state filter is ignored
    assert count_by_card(engine, today=today, actor=HEAD) == {"黄牌": 1, "红牌": 1}
    assert [c.id for c in cases_of_venue(engine, world["b"], actor=HEAD)] == [b1.id]
    assert [c.id for c in list_cases(engine, limit=1, offset=1, today=today, actor=HEAD)] == [a2.id]
    assert find_case(engine, a2.number, actor=HEAD) == a2.id and find_case(engine, str(a2.id), actor=HEAD) == a2.id
    with pytest.raises(CaseError):
        find_case(engine, "闵市监明厨〔2020〕0001号", actor=HEAD)


def test_list_query_uses_the_indexes(engine, world):
    """The list filters are served by indexes (issue 6 lists 100k cases)."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            plan = " ".join(str(r[-1]) for r in conn.execute(text(
                "EXPLAIN QUERY PLAN SELECT id FROM app_case WHERE state = '待处理' ORDER BY created_at DESC")))
            assert "ix_app_case_state_created_at" in plan
        indexes = {r[0] for r in conn.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'index'" if engine.dialect.name == "sqlite"
            else "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"))}
    assert {"ix_app_case_venue_id", "ix_app_case_category", "ix_app_case_handler", "ix_app_case_deadline",
            "ix_app_case_created_at", "ix_app_case_state_created_at", "ix_caseevent_case_id",
            "ix_evidencefile_venue_id", "ix_evidencefile_derived_from_id"} <= indexes


# --- deleting ---------------------------------------------------------------------------------

def test_delete_needs_authorisation_reason_and_confirmation_with_evidence(engine, store, world):
    alert = _alert(engine, store, world["cam_a"])
    case_id = create_case(engine, CaseInput(alert_ids=(alert,)), now=T0, actor=person("张三")).id
    evidence = [e.evidence_id for e in get_case(engine, case_id, actor=HEAD).evidence]
    with pytest.raises(PermissionDenied, match="无权删除案件"):  # an inspector may not delete
        delete_case(engine, case_id, reason="重复立案", actor=person("张三", Role.INSPECTOR))
    with pytest.raises(CaseValidationError, match="理由"):
        delete_case(engine, case_id, reason="", actor=person("科长"))
    with pytest.raises(CaseConfirmationRequiredError, match="2 项证据"):
        delete_case(engine, case_id, reason="重复立案", actor=person("科长"))
    assert get_case(engine, case_id, actor=HEAD).id == case_id
    delete_case(engine, case_id, reason="重复立案", confirm=True, actor=person("科长"))
    assert count_cases(engine, actor=HEAD) == 0
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM caseevent")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM caseevidence")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM casealert")).scalar() == 0
        kept = conn.execute(text("SELECT count(*) FROM evidencefile")).scalar()
    assert kept == len(evidence)  # the files are records of their own
    empty = _case(engine, world["a"]).id
    delete_case(engine, empty, reason="误建", actor=person("科长"))  # no evidence: no question
    assert count_cases(engine, actor=HEAD) == 0


# --- legal bases --------------------------------------------------------------------------------

def test_legal_bases_are_seeded_and_editable(engine):
    titles = [b.title for b in list_legal_bases(engine)]
    assert "《中华人民共和国食品安全法》第一百二十六条" in titles and "《中华人民共和国食品安全法》第三十三条" in titles
    assert any("实施条例" in t for t in titles) and any("餐饮服务食品安全操作规范" in t for t in titles)
    assert all(b.text for b in list_legal_bases(engine))
    new = save_legal_basis(engine, "《上海市食品安全条例》第五十条", "（条文）", actor=ADMIN)
    assert list_legal_bases(engine)[-1].id == new
    save_legal_basis(engine, "《上海市食品安全条例》第五十一条", "新条文", basis_id=new, actor=ADMIN)
    assert list_legal_bases(engine)[-1].title == "《上海市食品安全条例》第五十一条"
    with pytest.raises(CaseValidationError, match="同名"):
        save_legal_basis(engine, titles[0], actor=ADMIN)
    delete_legal_basis(engine, new, actor=ADMIN)
    assert [b.title for b in list_legal_bases(engine)] == titles


def test_tier_defaults_from_the_category(engine):
    from desktop.core.cases import CaseInput, create_case
    from desktop.core.registry import VenueInput, save_venue

    venue = save_venue(engine, VenueInput(name="七宝老街汤团店", street="七宝镇"), actor=ADMIN)
    assert create_case(engine, CaseInput(venue_id=venue, category="鼠患"), actor=person("张三")).tier == "一级"
    assert create_case(engine, CaseInput(venue_id=venue, category="吸烟", tier="三级"),
                       actor=person("张三")).tier == "三级"
