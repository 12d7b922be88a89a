"""A zone drawn to the picture's edge holds a person whose feet the frame cuts off."""

from datetime import UTC, datetime

from detectors.rules.config import CameraRules, Zone, anchor_point
from detectors.rules.engine import FrameFacts, RuleEngine
from detectors.types import Box, Detection


def test_anchor_on_the_bottom_edge_is_inside_a_zone_to_the_edge():
    box = Box(100, 200, 200, 360)  # feet on the last row of a 640x360 frame
    x, y = anchor_point(box, (640, 360), "bottom")
    assert y < 1.0
    zone = Zone(((0.0, 0.5), (0.5, 0.5), (0.5, 1.0), (0.0, 1.0)), "mask")
    assert zone.contains(x, y)


def test_mask_to_the_edge_silences_after_hours():
    person = Detection("person", None, 0.9, Box(100, 100, 200, 360))
    at = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    open_rules = CameraRules.from_json('{"rules": {"非工作时间人员": {"k": 1, "n": 1}}}')
    masked = CameraRules.from_json('{"rules": {"非工作时间人员": {"k": 1, "n": 1}}}',
                                   '[{"kind": "mask", "points": [[0, 0.5], [0.5, 0.5], [0.5, 1], [0, 1]]}]')
    facts = FrameFacts(1, at, (640, 360), (person,))
    assert [v.category for v in RuleEngine(1, open_rules, "08:00-20:00").process(facts)] == ["非工作时间人员"]
    assert RuleEngine(1, masked, "08:00-20:00").process(facts) == []
