"""Per-camera rule settings, stored as the Camera row's three JSON texts:

- `analysis_json` (default "{}"): cooldown, offline delay, label sets, per-category rules,
  motion and quality thresholds, e.g.
  `{"cooldown_s": 300, "rules": {"未戴口罩": {"score": 0.7, "k": 3, "n": 5}}, "quality": {"frozen_seconds": 20}}`
  (a rule given partly is completed from the category's defaults);
- `zones_json` (default "[]"): polygons in picture fractions (0..1, x right, y down),
  `[{"kind": "include", "name": "操作台", "points": [[0.1, 0.5], [0.9, 0.5], [0.9, 1], [0.1, 1]]}]`;
  `kind` "mask" polygons are ignored areas (a TV, a window onto the street);
- `schedule_json` (default ""): `{"business_hours": "06:00-09:00,11:00-20:00", "lights_off": "22:00-05:00",
  "timezone": "Asia/Shanghai"}`; without `business_hours` the venue's hours apply.

Every bad value is rejected with `RulesConfigError` naming the document and the field.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from detectors.manifest import CATEGORIES
from detectors.motion import MotionConfig
from detectors.quality import QualityConfig
from detectors.rules.schedule import parse_spans, zone_for
from detectors.rules.violation import AFTER_HOURS, NIGHT_MOTION, NON_AI_CATEGORIES, QUALITY
from detectors.types import Box

ANCHORS = ("bottom", "centre")
EDGE = 1e-6  # anchors are kept this far inside the picture (see anchor_point)
RULE_CATEGORIES = tuple(CATEGORIES) + NON_AI_CATEGORIES
PERSON_LABELS = ("person",)
NO_MASK_LABELS = ("no-mask", "no_mask", "nomask", "without_mask", "mask_weared_incorrect")


class RulesConfigError(ValueError):
    """Camera rule settings that cannot be used; the message names the JSON document and field."""


def _d(text: str, **extra: Any) -> dict[str, Any]:
    return {"description": text, **extra}


@dataclass(frozen=True, slots=True)
class CategoryRule:
    enabled: bool = field(default=True, metadata=_d("the rule runs"))
    score: float = field(default=0.5, metadata=_d("minimum detection score that counts"))
    min_size: float = field(default=0.0, metadata=_d("minimum box height as a fraction of the frame height"))
    k: int = field(default=3, metadata=_d("condition true in k of the last n analysed frames"))
    n: int = field(default=5, metadata=_d("window of the k-of-n hysteresis"))
    cooldown_s: float | None = field(default=None, metadata=_d("seconds between two alerts of this category on "
                                                               "this camera (null: the camera's cooldown_s)",
                                                               nullable=True))
    anchor: str = field(default="centre", metadata=_d("point of the box tested against zones and masks: "
                                                      "'centre' or 'bottom' (bottom-centre, a person's feet)"))

    def __post_init__(self) -> None:
        if not 0.0 <= self.score <= 1.0:
            raise ValueError("score must be between 0 and 1")
        if not 0.0 <= self.min_size <= 1.0:
            raise ValueError("min_size must be between 0 and 1")
        if not 1 <= self.k <= self.n <= 100:
            raise ValueError("k and n need 1 ≤ k ≤ n ≤ 100")
        if self.cooldown_s is not None and self.cooldown_s < 0:
            raise ValueError("cooldown_s must not be negative")
        if self.anchor not in ANCHORS:
            raise ValueError(f"anchor must be one of {', '.join(ANCHORS)}")


# Defaults per category; any other category gets CategoryRule().
DEFAULT_RULES: dict[str, CategoryRule] = {
    "未戴口罩": CategoryRule(score=0.6, min_size=0.05),
    AFTER_HOURS: CategoryRule(score=0.5, min_size=0.1, anchor="bottom"),
    QUALITY: CategoryRule(score=0.0, k=1, n=1),  # the quality monitor has its own hysteresis
    NIGHT_MOTION: CategoryRule(score=0.0, k=2, n=4),
    "鼠患": CategoryRule(k=2, n=5),
    "有害生物": CategoryRule(k=2, n=5),
}


@dataclass(frozen=True, slots=True)
class Zone:
    points: tuple[tuple[float, float], ...]
    kind: str = "include"  # "include" or "mask"
    name: str = ""

    def __post_init__(self) -> None:
        if self.kind not in ("include", "mask"):
            raise ValueError("kind must be 'include' or 'mask'")
        if len(self.points) < 3:
            raise ValueError("a polygon needs at least 3 points")
        if any(not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0) for x, y in self.points):
            raise ValueError("points are picture fractions between 0 and 1")

    def contains(self, x: float, y: float) -> bool:
        """Even-odd ray casting; points on the boundary may fall either way."""
        inside = False
        pts = self.points
        j = len(pts) - 1
        for i in range(len(pts)):
            xi, yi = pts[i]
            xj, yj = pts[j]
            if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
                inside = not inside
            j = i
        return inside


def anchor_point(box: Box, size: tuple[int, int], anchor: str) -> tuple[float, float]:
    """The box's centre or bottom-centre in picture fractions, kept just inside the picture: feet
    cut off by the frame's bottom edge lie on y = 1, where a zone drawn to the edge ends and the
    even-odd test would count them outside."""
    w, h = size
    x = (box.x1 + box.x2) / 2 / w
    y = (box.y2 if anchor == "bottom" else (box.y1 + box.y2) / 2) / h
    return min(max(x, EDGE), 1 - EDGE), min(max(y, EDGE), 1 - EDGE)


@dataclass(frozen=True, slots=True)
class Schedule:
    business_hours: str | None = field(default=None, metadata=_d("business hours, e.g. 06:00-09:00,11:00-20:00; "
                                                                 "null: the venue's", nullable=True))
    lights_off: str = field(default="", metadata=_d("lights-off hours for 夜间移动目标, e.g. 22:00-05:00"))
    timezone: str = field(default="Asia/Shanghai", metadata=_d("time zone of the hours"))

    def __post_init__(self) -> None:
        if self.business_hours is not None:
            parse_spans(self.business_hours)
        parse_spans(self.lights_off)
        zone_for(self.timezone)


class CameraJson(NamedTuple):
    analysis_json: str
    zones_json: str
    schedule_json: str


@dataclass(frozen=True, slots=True)
class CameraRules:
    zones: tuple[Zone, ...] = ()
    schedule: Schedule = Schedule()
    rules: tuple[tuple[str, CategoryRule], ...] = ()  # overrides of DEFAULT_RULES, by category
    cooldown_s: float = 300.0
    offline_after_s: float = 60.0
    person_labels: tuple[str, ...] = PERSON_LABELS
    no_mask_labels: tuple[str, ...] = NO_MASK_LABELS
    motion: MotionConfig = MotionConfig()
    quality: QualityConfig = QualityConfig()

    def __post_init__(self) -> None:
        if self.cooldown_s < 0 or self.offline_after_s < 0:
            raise ValueError("cooldown_s and offline_after_s must not be negative")
        for category, _rule in self.rules:
            if category not in RULE_CATEGORIES:
                raise ValueError(f"unknown category {category!r}")

    def rule(self, category: str) -> CategoryRule:
        for c, r in self.rules:
            if c == category:
                return r
        return DEFAULT_RULES.get(category, CategoryRule())

    def cooldown(self, category: str) -> float:
        own = self.rule(category).cooldown_s
        return self.cooldown_s if own is None else own

    # --- JSON --------------------------------------------------------------------------------
    @classmethod
    def from_json(cls, analysis_json: str = "{}", zones_json: str = "[]", schedule_json: str = "") -> CameraRules:
        analysis = _load(analysis_json, "analysis_json", dict, {})
        zones = _load(zones_json, "zones_json", list, [])
        schedule = _load(schedule_json, "schedule_json", dict, {})
        try:
            rules = []
            raw_rules = analysis.pop("rules", {})
            if not isinstance(raw_rules, dict):
                raise RulesConfigError("analysis_json: rules: must be an object keyed by category")
            for category, data in raw_rules.items():
                if category not in RULE_CATEGORIES:
                    raise RulesConfigError(f"analysis_json: rules: unknown category {category!r} "
                                           f"(known: {', '.join(RULE_CATEGORIES)})")
                base = DEFAULT_RULES.get(category, CategoryRule())
                rules.append((category, _build(CategoryRule, data, f"analysis_json: rules.{category}", base)))
            motion = _build(MotionConfig, analysis.pop("motion", {}), "analysis_json: motion")
            quality = _build(QualityConfig, analysis.pop("quality", {}), "analysis_json: quality")
            top = _build(_Top, analysis, "analysis_json")
            zone_list = []
            for i, z in enumerate(zones):
                where = f"zones_json[{i}]"
                if not isinstance(z, dict):
                    raise RulesConfigError(f"{where}: must be an object with kind, name and points")
                z = dict(z)
                pts = z.get("points")
                if not isinstance(pts, list) or not all(
                        isinstance(p, list | tuple) and len(p) == 2 and all(_number(v) for v in p) for p in pts):
                    raise RulesConfigError(f"{where}: points: must be a list of [x, y] number pairs")
                z["points"] = tuple((float(x), float(y)) for x, y in pts)
                zone_list.append(_build(Zone, z, where))
            sched = _build(Schedule, schedule, "schedule_json")
            return cls(zones=tuple(zone_list), schedule=sched, rules=tuple(rules), motion=motion,
                       quality=quality, cooldown_s=top.cooldown_s, offline_after_s=top.offline_after_s,
                       person_labels=top.person_labels, no_mask_labels=top.no_mask_labels)
        except ValueError as exc:
            if isinstance(exc, RulesConfigError):
                raise
            raise RulesConfigError(f"analysis_json: {exc}") from None

    def to_json(self) -> CameraJson:
        analysis: dict[str, Any] = {
            "cooldown_s": self.cooldown_s, "offline_after_s": self.offline_after_s,
            "person_labels": list(self.person_labels), "no_mask_labels": list(self.no_mask_labels),
            "rules": {c: dataclasses.asdict(r) for c, r in self.rules},
            "motion": dataclasses.asdict(self.motion),
            "quality": dataclasses.asdict(self.quality),
        }
        zones = [{"kind": z.kind, "name": z.name, "points": [list(p) for p in z.points]} for z in self.zones]
        s = self.schedule
        schedule = "" if s == Schedule() else json.dumps(dataclasses.asdict(s), ensure_ascii=False)
        return CameraJson(json.dumps(analysis, ensure_ascii=False), json.dumps(zones, ensure_ascii=False), schedule)


@dataclass(frozen=True, slots=True)
class _Top:
    cooldown_s: float = field(default=300.0, metadata=_d("seconds between two alerts of one category"))
    offline_after_s: float = field(default=60.0, metadata=_d("seconds offline before 视频离线"))
    person_labels: tuple[str, ...] = PERSON_LABELS
    no_mask_labels: tuple[str, ...] = NO_MASK_LABELS


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _load(text: str, where: str, kind: type, empty: Any) -> Any:
    if text is None or not str(text).strip():
        return empty
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, TypeError) as exc:
        raise RulesConfigError(f"{where}: not valid JSON: {exc}") from None
    if not isinstance(value, kind):
        raise RulesConfigError(f"{where}: must be a JSON {'object' if kind is dict else 'array'}")
    return value


def _build(cls: type, data: Any, where: str, base: Any = None) -> Any:
    """A frozen dataclass from a JSON object: unknown keys, wrong types and the class's own checks
    all become RulesConfigError naming the field."""
    if not isinstance(data, dict):
        raise RulesConfigError(f"{where}: must be a JSON object")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise RulesConfigError(f"{where}: unknown field(s) {', '.join(unknown)} (known: {', '.join(fields)})")
    values = {name: _coerce(value, str(fields[name].type), f"{where}.{name}") for name, value in data.items()}
    try:
        return dataclasses.replace(base, **values) if base is not None else cls(**values)
    except (ValueError, TypeError) as exc:
        raise RulesConfigError(f"{where}: {exc}") from None


def _coerce(value: Any, annotation: str, where: str) -> Any:
    """Check a JSON value against the field's annotation (a string: `from __future__ import annotations`)."""
    nullable = annotation.endswith("| None")
    kind = annotation.removesuffix("| None").strip()
    if value is None:
        if nullable:
            return None
        raise RulesConfigError(f"{where}: must not be null")
    if kind == "bool":
        if not isinstance(value, bool):
            raise RulesConfigError(f"{where}: must be true or false")
    elif kind == "int":
        if not isinstance(value, int) or isinstance(value, bool):
            raise RulesConfigError(f"{where}: must be a whole number")
    elif kind == "float":
        if not _number(value):
            raise RulesConfigError(f"{where}: must be a number")
        return float(value)
    elif kind == "str":
        if not isinstance(value, str):
            raise RulesConfigError(f"{where}: must be a string")
    elif kind == "tuple[str, ...]":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise RulesConfigError(f"{where}: must be a list of strings")
        return tuple(value)
    return value
