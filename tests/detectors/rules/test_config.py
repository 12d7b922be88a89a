"""Camera rule settings as the Camera row's JSON texts: round trip and clear errors."""

from __future__ import annotations

import json

import pytest

from detectors.motion import MotionConfig
from detectors.quality import QualityConfig
from detectors.rules.config import CameraRules, CategoryRule, RulesConfigError, Schedule, Zone


def test_defaults_from_the_column_defaults():
    rules = CameraRules.from_json("{}", "[]", "")
    assert rules == CameraRules()
    assert rules.schedule.business_hours is None  # the venue's hours apply
    assert rules.rule("未戴口罩").min_size == 0.05 and rules.rule("吸烟") == CategoryRule()
    assert rules.cooldown("吸烟") == 300.0


def test_round_trip_of_a_full_configuration():
    rules = CameraRules(
        zones=(Zone(((0.1, 0.5), (0.9, 0.5), (0.9, 1.0), (0.1, 1.0)), name="操作台"),
               Zone(((0.0, 0.0), (0.2, 0.0), (0.2, 0.2)), kind="mask", name="窗外")),
        schedule=Schedule(business_hours="06:00-09:00,11:00-20:00", lights_off="22:00-05:00"),
        rules=(("未戴口罩", CategoryRule(score=0.7, min_size=0.06, k=4, n=6, cooldown_s=600.0)),
               ("赤膊", CategoryRule(enabled=False))),
        cooldown_s=120.0, offline_after_s=30.0, person_labels=("person", "pedestrian"),
        motion=MotionConfig(noise_floor=20), quality=QualityConfig(frozen_seconds=30.0, k=2, n=4),
    )
    texts = rules.to_json()
    for text in texts:
        json.loads(text)  # each column holds valid JSON
    assert "操作台" in texts.zones_json  # Chinese kept readable, not \\u-escaped
    back = CameraRules.from_json(*texts)
    assert back == rules
    assert back.cooldown("未戴口罩") == 600.0 and back.cooldown("吸烟") == 120.0


def test_a_rule_given_partly_is_completed_from_the_categorys_defaults():
    rules = CameraRules.from_json('{"rules": {"未戴口罩": {"k": 2}}}')
    assert rules.rule("未戴口罩") == CategoryRule(score=0.6, min_size=0.05, k=2, n=5)
    assert CameraRules.from_json('{"rules": {"吸烟": {"score": 1}}}').rule("吸烟").score == 1.0


@pytest.mark.parametrize(("analysis", "zones", "schedule", "message"), [
    ("{not json", "[]", "", "analysis_json: not valid JSON"),
    ("[]", "[]", "", "analysis_json: must be a JSON object"),
    ('{"cooldown": 5}', "[]", "", "analysis_json: unknown field(s) cooldown"),
    ('{"cooldown_s": "5"}', "[]", "", "analysis_json.cooldown_s: must be a number"),
    ('{"rules": {"打架": {}}}', "[]", "", "unknown category '打架'"),
    ('{"rules": {"吸烟": {"score": 2}}}', "[]", "", "rules.吸烟: score must be between 0 and 1"),
    ('{"rules": {"吸烟": {"k": 6, "n": 5}}}', "[]", "", "rules.吸烟: k and n"),
    ('{"rules": {"吸烟": {"enabled": "yes"}}}', "[]", "", "rules.吸烟.enabled: must be true or false"),
    ('{"rules": {"吸烟": {"anchor": "top"}}}', "[]", "", "anchor must be one of"),
    ('{"quality": {"frozen": 3}}', "[]", "", "analysis_json: quality: unknown field(s) frozen"),
    ('{"motion": {"blur": 4}}', "[]", "", "analysis_json: motion: motion blur must be 0 or an odd"),
    ("{}", "{}", "", "zones_json: must be a JSON array"),
    ("{}", '[{"points": [[0, 0], [1, 0]]}]', "", "zones_json[0]: a polygon needs at least 3 points"),
    ("{}", '[{"points": [[0, 0], [1, 0], [2, 1]]}]', "", "zones_json[0]: points are picture fractions"),
    ("{}", '[{"points": [[0, 0], [1, 0], ["a", 1]]}]', "", "zones_json[0]: points: must be a list"),
    ("{}", '[{"kind": "exclude", "points": [[0, 0], [1, 0], [1, 1]]}]', "", "kind must be"),
    ("{}", "[]", '{"business_hours": "8点到晚上"}', "schedule_json: 时段「8点-晚上」格式不对"),
    ("{}", "[]", '{"lights_off": "22:00-22:00"}', "schedule_json: 时段「22:00-22:00」起止时间相同"),
    ("{}", "[]", '{"timezone": "Mars/Base"}', "schedule_json: 未知的时区"),
])
def test_bad_json_is_rejected_naming_the_document_and_field(analysis, zones, schedule, message):
    with pytest.raises(RulesConfigError) as info:
        CameraRules.from_json(analysis, zones, schedule)
    assert message in str(info.value)
