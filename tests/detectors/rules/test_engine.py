"""The rule engine on synthetic detections: k of n, zones and masks, schedules, cooldown."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from detectors.motion import MotionResult
from detectors.quality import QualityResult
from detectors.rules.config import CameraRules, CategoryRule, Schedule, Zone
from detectors.rules.engine import FrameFacts, RuleEngine, offline_violation
from detectors.types import Box, Detection

SH = ZoneInfo("Asia/Shanghai")
SIZE = (640, 360)
T0 = datetime(2026, 3, 2, 12, 0, tzinfo=SH)


def face(x=100, y=100, side=40, score=0.9, label="no-mask", category="未戴口罩") -> Detection:
    return Detection(label, category, score, Box(x, y, x + side, y + side))


def person(x=300, y=100, w=60, h=200, score=0.8) -> Detection:
    return Detection("person", None, score, Box(x, y, x + w, y + h))


def feed(engine: RuleEngine, frames, start: datetime = T0, step: float = 0.5, **extra):
    """`frames`: one tuple of detections per analysed frame; returns (frame index, violation)."""
    out = []
    for i, dets in enumerate(frames):
        at = start + timedelta(seconds=i * step)
        for v in engine.process(FrameFacts(1, at, SIZE, tuple(dets), **extra)):
            out.append((i, v))
    return out


def test_no_mask_needs_k_of_n_and_is_emitted_once():
    engine = RuleEngine(1)
    # 2 of 5: no alert.
    assert feed(engine, [[face()], [], [face()], [], []]) == []
    got = feed(engine, [[face()], [], [face()], [face()]] + [[face()]] * 20, start=T0 + timedelta(seconds=10))
    assert len(got) == 1
    i, v = got[0]
    assert i == 3  # third true frame within five
    assert v.category == "未戴口罩" and v.tier == "二级" and v.rule_id == "mask" and v.camera_id == 1
    assert v.started_at == T0 + timedelta(seconds=10) and v.at == T0 + timedelta(seconds=11.5)
    assert v.score == pytest.approx(0.9) and v.boxes == (face().box,)
    assert "未戴口罩" in v.reason


def test_no_mask_by_label_or_category_with_score_and_size_thresholds():
    engine = RuleEngine(1)
    weak = face(score=0.4)
    tiny = face(side=10)  # 10/360 of the height, below the default 0.05
    assert feed(engine, [[weak, tiny]] * 6) == []
    by_label = Detection("no_mask", None, 0.8, face().box)
    assert len(feed(engine, [[by_label]] * 3, start=T0 + timedelta(seconds=5))) == 1
    masked = Detection("mask", None, 0.99, face().box)
    assert feed(RuleEngine(1), [[masked]] * 6) == []


def test_include_zone_and_mask():
    left_half = Zone(((0, 0), (0.5, 0), (0.5, 1), (0, 1)))
    tv = Zone(((0.1, 0.1), (0.3, 0.1), (0.3, 0.4), (0.1, 0.4)), kind="mask", name="电视")
    engine = RuleEngine(1, CameraRules(zones=(left_half, tv)))
    outside = face(x=500)  # centre x = 0.81
    in_mask = face(x=100, y=50)  # centre (0.19, 0.19): inside the TV mask
    assert feed(engine, [[outside, in_mask]] * 6) == []
    inside = face(x=200, y=200)  # centre (0.34, 0.61)
    got = feed(engine, [[outside, in_mask, inside]] * 3, start=T0 + timedelta(seconds=5))
    assert len(got) == 1 and got[0][1].boxes == (inside.box,)


def test_person_zone_uses_the_bottom_centre():
    floor = Zone(((0, 0.7), (1, 0.7), (1, 1), (0, 1)), name="后厨地面")
    rules = CameraRules(zones=(floor,), schedule=Schedule(business_hours="06:00-09:00"))
    standing = person(y=100, h=200)  # feet at y=300/360=0.83, centre at 0.56
    high = person(y=0, h=200)  # feet at 0.56: on a poster or behind the pass, not on the floor
    assert feed(RuleEngine(1, rules), [[high]] * 6) == []
    assert len(feed(RuleEngine(1, rules), [[standing]] * 6)) == 1


def test_after_hours_from_the_venue_and_the_cameras_own_schedule():
    hours = "06:00-09:00,11:00-20:00"
    engine = RuleEngine(1, venue_hours=hours)
    assert feed(engine, [[person()]] * 6, start=T0) == []  # 12:00, open
    got = feed(engine, [[person()]] * 6, start=T0.replace(hour=10))  # between the two spans
    assert len(got) == 1 and got[0][1].category == "非工作时间人员" and got[0][1].tier == "非AI"
    assert "06:00-09:00,11:00-20:00" in got[0][1].reason
    night = RuleEngine(1, venue_hours=hours)
    assert len(feed(night, [[person()]] * 6, start=T0.replace(hour=23, minute=30))) == 1
    # The camera's own hours win over the venue's; without any hours the rule is off.
    own = RuleEngine(1, CameraRules(schedule=Schedule(business_hours="22:00-02:00")), venue_hours=hours)
    assert feed(own, [[person()]] * 6, start=T0.replace(hour=1)) == []
    assert feed(RuleEngine(1), [[person()]] * 6, start=T0.replace(hour=3)) == []


def test_timestamps_in_utc_are_judged_in_the_venues_zone():
    engine = RuleEngine(1, venue_hours="06:00-20:00")
    utc_noon = datetime(2026, 3, 2, 4, 0, tzinfo=ZoneInfo("UTC"))  # 12:00 in Shanghai: open
    assert feed(engine, [[person()]] * 6, start=utc_noon) == []
    with pytest.raises(ValueError, match="aware"):
        engine.process(FrameFacts(1, datetime(2026, 3, 2, 12), SIZE, ()))


def test_cooldown_suppresses_a_new_episode_and_re_arms_after_it():
    engine = RuleEngine(1, CameraRules(cooldown_s=300))
    smoke = Detection("cigarette", "吸烟", 0.7, Box(200, 100, 240, 130))
    first = feed(engine, [[smoke]] * 3 + [[]] * 5)
    assert [i for i, _ in first] == [2] and first[0][1].tier == "二级" and first[0][1].rule_id == "plugin_category"
    # A new episode 60 s later: in cooldown, nothing.
    assert feed(engine, [[smoke]] * 6 + [[]] * 5, start=T0 + timedelta(seconds=60)) == []
    # An episode that lasts past the end of the cooldown is reported when it ends (once).
    start = T0 + timedelta(seconds=290)
    got = feed(engine, [[smoke]] * 40, start=start)
    assert [i for i, _ in got] == [22]  # 290 + 22 * 0.5 = 301 s: 300 s after the first alert (at 1 s)
    assert got[0][1].started_at == start
    # Another category is not held back by 吸烟's cooldown.
    rat = Detection("rat", "鼠患", 0.6, Box(10, 300, 30, 310))
    got = feed(engine, [[smoke, rat]] * 4, start=T0 + timedelta(seconds=320))
    assert [(v.category, v.tier) for _, v in got] == [("鼠患", "一级")]  # k=2 of 5 for rats
    # After the cooldown a new episode alerts again.
    later = T0 + timedelta(seconds=700)
    assert len(feed(engine, [[]] * 5 + [[smoke]] * 3, start=later)) == 1


def test_per_category_cooldown_and_disabled_rule():
    rules = CameraRules(rules=(("吸烟", CategoryRule(cooldown_s=10)), ("玩手机", CategoryRule(enabled=False))))
    engine = RuleEngine(1, rules)
    smoke = Detection("cigarette", "吸烟", 0.7, Box(200, 100, 240, 130))
    phone = Detection("phone", "玩手机", 0.9, Box(300, 100, 340, 130))
    frames = [[smoke, phone]] * 3 + [[]] * 5 + [[smoke, phone]] * 3  # second episode 5.5 s later
    got = feed(engine, frames, step=2.0)  # 16 s later: beyond the 10 s cooldown
    assert [(i, v.category) for i, v in got] == [(2, "吸烟"), (10, "吸烟")]


@pytest.mark.parametrize("category", ["未戴厨师帽", "吸烟", "玩手机", "鼠患", "垃圾桶未盖", "未穿工作服", "赤膊"])
def test_every_plugin_category_becomes_a_violation(category):
    det = Detection("x", category, 0.9, Box(100, 100, 200, 200))
    got = feed(RuleEngine(7), [[det]] * 5)
    assert len(got) == 1 and got[0][1].category == category and got[0][1].camera_id == 7
    assert category in got[0][1].reason


def motion(moving: bool, boxes=(Box(500, 300, 530, 320),)) -> MotionResult:
    return MotionResult(0.01 if moving else 0.0, moving, boxes if moving else ())


def test_night_motion_in_the_lights_off_hours_only():
    rules = CameraRules(schedule=Schedule(lights_off="22:00-05:00"))
    night = T0.replace(hour=23)
    engine = RuleEngine(1, rules)
    got = []
    for i, m in enumerate([True, False, True, True]):
        got += engine.process(FrameFacts(1, night + timedelta(seconds=i), SIZE, (), motion=motion(m)))
    assert len(got) == 1
    v = got[0]
    assert v.category == "夜间移动目标" and v.rule_id == "night_motion" and "鼠患" in v.reason
    assert v.boxes == (Box(500, 300, 530, 320),)
    day = RuleEngine(1, rules)
    assert not any(day.process(FrameFacts(1, T0 + timedelta(seconds=i), SIZE, (), motion=motion(True)))
                   for i in range(6))
    # Motion only inside a mask (the extractor fan) does not count.
    fan = Zone(((0.7, 0.7), (0.9, 0.7), (0.9, 0.95), (0.7, 0.95)), kind="mask")
    masked = RuleEngine(1, CameraRules(zones=(fan,), schedule=rules.schedule))
    assert not any(masked.process(FrameFacts(1, night + timedelta(seconds=i), SIZE, (), motion=motion(True)))
                   for i in range(6))


def test_video_quality_problem_becomes_a_violation():
    engine = RuleEngine(1)
    ok = QualityResult((), (), 120.0, 60.0, 0.3, 0.0, 0.0)
    covered = QualityResult(("遮挡",), ("遮挡",), 100.0, 2.0, 0.95, 0.0, 0.0)
    assert engine.process(FrameFacts(1, T0, SIZE, (), quality=ok)) == []
    got = engine.process(FrameFacts(1, T0 + timedelta(seconds=1), SIZE, (), quality=covered))
    assert len(got) == 1 and got[0].category == "画面异常" and got[0].tier == "非AI" and "遮挡" in got[0].reason
    # Frames without a quality result neither raise nor clear it; no repeat while it lasts.
    assert engine.process(FrameFacts(1, T0 + timedelta(seconds=2), SIZE, ())) == []
    assert engine.process(FrameFacts(1, T0 + timedelta(seconds=3), SIZE, (), quality=covered)) == []


def test_offline_once_per_outage_with_cooldown():
    engine = RuleEngine(3, CameraRules(offline_after_s=60, cooldown_s=300))
    since = T0
    assert engine.offline(since, since + timedelta(seconds=30)) is None
    v = offline_violation(engine, since, since + timedelta(seconds=90))
    assert v is not None and v.category == "视频离线" and v.tier == "非AI" and v.rule_id == "offline"
    assert v.started_at == since and v.camera_id == 3 and "视频离线" in v.reason and "12:00:00" in v.reason
    assert engine.offline(since, since + timedelta(seconds=400)) is None  # same outage
    second = since + timedelta(seconds=120)  # back online, then off again within the cooldown
    assert engine.offline(second, second + timedelta(seconds=100)) is None
    assert engine.offline(second, since + timedelta(seconds=400)) is not None  # cooldown over, still off


def test_a_lasting_condition_is_reported_once_even_past_the_cooldown():
    engine = RuleEngine(1, CameraRules(cooldown_s=10))
    rat = Detection("rat", "鼠患", 0.6, Box(10, 300, 30, 310))
    got = feed(engine, [[rat]] * 120)  # one minute, six cooldowns long
    assert [i for i, _ in got] == [1]
    # Once it is over (fewer than k of n), the next appearance is a new episode.
    got = feed(engine, [[]] * 5 + [[rat]] * 2, start=T0 + timedelta(seconds=60))
    assert [i for i, _ in got] == [6]
