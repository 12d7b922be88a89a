"""Cell cleaning: folding, booleans, months, vocabulary values, header names."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from desktop.core.venue_io import values
from desktop.core.venue_io.columns import field_for
from desktop.core.venue_io.normalize import (
    Month,
    fold_code,
    fold_text,
    match_key,
    next_year_for,
    parse_bool,
    parse_hours,
    parse_month,
    parse_phone,
)


def test_fold_text_keeps_chinese_punctuation_and_folds_wide_digits_letters_spaces():
    assert fold_text("  老盛昌（川沙店）\u3000ＡＢ１２  ") == "老盛昌（川沙店） AB12"
    assert fold_text("浦东新区 \n 世纪大道１００号") == "浦东新区 世纪大道100号"
    assert fold_text(None) == "" and fold_text(12.0) == "12"


def test_fold_code_and_match_key():
    assert fold_code("ｊｙ３３１０ 1150\u3000001201") == "JY33101150001201"
    assert match_key("老盛昌（川沙店）") == match_key("老盛昌 (川沙店)")


@pytest.mark.parametrize("raw, expected", [
    ("是", True), ("否", False), ("已完成", True), ("未完成", False), ("√", True), ("×", False), ("✓", True),
    ("Y", True), ("n", False), ("1", True), ("0", False), (1, True), (0.0, False), ("已接入", True),
    ("Ｙ", True), (" 是 ", True), (None, None), ("", None), (True, True),
])
def test_booleans(raw, expected):
    assert parse_bool(raw) is expected


def test_unknown_boolean_is_an_error():
    with pytest.raises(ValueError, match="不是是/否"):
        parse_bool("也许")


@pytest.mark.parametrize("raw, expected", [
    ("2023年9月", Month(2023, 9)), ("2023年9月底", Month(2023, 9)), ("2023.9", Month(2023, 9)),
    ("2023-09", Month(2023, 9)), ("2023/9/30", Month(2023, 9)), ("２０２３年１０月", Month(2023, 10)),
    ("2023年 9 月 30 日", Month(2023, 9)), ("202309", Month(2023, 9)), ("9月", Month(None, 9)),
    ("11月底", Month(None, 11)), (datetime(2023, 8, 15), Month(2023, 8)), (date(2024, 1, 2), Month(2024, 1)),
    (45169, Month(2023, 8)), (45169.5, Month(2023, 8)), (2023.9, Month(2023, 9)), (202312, Month(2023, 12)),
    ("2023-09-30 00:00:00", Month(2023, 9)), (None, None), ("", None),
])
def test_months(raw, expected):
    assert parse_month(raw) == expected


@pytest.mark.parametrize("raw", ["下个月", "2023年13月", "13", "尽快", "1800年1月"])
def test_bad_months(raw):
    with pytest.raises(ValueError):
        parse_month(raw)


def test_year_rule_for_a_month_without_year():
    today = date(2023, 10, 15)
    assert next_year_for(11, today) == 2023 and next_year_for(10, today) == 2023
    assert next_year_for(3, today) == 2024
    assert Month(None, 3).text(2024) == "2024-03"


def test_phone_and_hours():
    assert parse_phone("１３８ １２３４ ５６７８") == "13812345678"
    assert parse_phone("021-64921001；13912345678") == "021-64921001 13912345678"
    assert parse_phone(13812345678.0) == "13812345678"
    assert parse_phone("暂无") == "" and parse_phone("/") == ""
    assert parse_hours("6：00～20：00") == "06:00-20:00"
    assert parse_hours("06:00-09:00；11:00 至 13:00") == "06:00-09:00,11:00-13:00"
    assert parse_hours("6:30-9:00, 11:00-13:30") == "06:30-09:00,11:00-13:30"


def test_vocabulary_values():
    assert values.venue_type("学校（幼儿园）食堂") == "学校食堂"
    assert values.venue_type("大型聚餐流动餐馆经营单位") == "农村集体聚餐"  # Ordos' category name
    assert values.venue_type("托育机构") == "托幼机构食堂"
    assert values.venue_type("小型餐饮服务单位") == "小型餐饮"
    assert values.build_progress("已完成") == "完成建设" and values.build_progress("设备安装阶段") == "设备安装"
    assert values.risk_level("ｂ级") == "B"
    with pytest.raises(ValueError, match="建设进度「快好了」"):
        values.build_progress("快好了")
    with pytest.raises(ValueError, match="单位类型"):
        values.venue_type("洗浴中心")


def test_licences():
    assert values.licence_no("ＪＹ３３１０１１５０００１２０１") == "JY33101150001201"
    assert values.licence_no(" jy3310 1150 001201 ") == "JY33101150001201"
    for bad in ("沪餐证字2015第001号", "JY-3310115", "JY12", "J" * 31):
        with pytest.raises(ValueError, match="许可证号"):
            values.licence_no(bad)


def test_stream_urls_lose_their_credentials():
    url, creds = values.stream_url("rtsp://admin:pw@10.0.0.5:554/ch1")
    assert url == "rtsp://10.0.0.5:554/ch1" and (creds.username, creds.secret) == ("admin", "pw")
    with pytest.raises(ValueError) as err:
        values.stream_url("admin:pw 10.0.0.5")
    assert "pw" not in str(err.value)


@pytest.mark.parametrize("header, field", [
    ("单位名称", "name"), ("餐饮单位名称", "name"), ("养老机构名称", "name"), ("名 称", "name"),
    ("食品经营许可证号", "license_no"), ("许可证编号", "license_no"), ("所属街镇", "street"), ("街道", "street"),
    ("乡镇", "street"), ("联系人", "contact_person"), ("手机", "contact_phone"),
    ("预计完成\n时间", "expected_completion"),
    ("预计完成 时间", "expected_completion"), ("“互联网+明厨亮灶”是否完成", "completed"),
    ('"互联网+明厨亮灶"是否完成', "completed"), ("是否接入全省智慧监管平台", "platform_connected"),
    ("已对接平台", "platform_connected"), ("摄像头已对接平台", "camera_platform_connected"),
    ("预计完成时间（到月）", "expected_completion"), ("单位名称*", "name"), ("\u3000地\u3000址\u3000", "address"),
    ("用户名", "username"), ("密码", "password"), ("浦东新区示范店建设情况统计表", None), ("填报单位：", None),
])
def test_header_aliases(header, field):
    assert field_for(header) == field
