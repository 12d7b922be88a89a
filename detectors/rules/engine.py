"""The per-camera rule engine: detections, motion and quality over time → violations.

Per analysed frame, each rule computes a condition (is the thing seen in this frame, after
score, size, zone and mask filters?), which passes through k-of-n hysteresis. An *episode* is
a stretch where the hysteresis is on. One violation is emitted per episode — on the first frame
of the episode that shows the thing and whose camera+category cooldown has run out — so a
lasting condition never repeats on every frame, and a new episode during the cooldown is
reported when the cooldown ends if it is still on. Lives in one analysis worker; not thread-safe.

Zones: a detection counts where its anchor lies — the box's centre by default, its
bottom-centre (a person's feet) for 非工作时间人员 — per `CategoryRule.anchor`. With include
zones, the anchor must lie in one of them; an anchor in a mask never counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from detectors.rules.config import CameraRules, CategoryRule, anchor_point
from detectors.rules.hysteresis import KofN
from detectors.rules.schedule import Spans, local_time, parse_spans, zone_for
from detectors.rules.violation import AFTER_HOURS, NIGHT_MOTION, NO_MASK, OFFLINE, QUALITY, Violation, tier_of
from detectors.types import Box, Detection

if TYPE_CHECKING:
    from detectors.motion import MotionResult
    from detectors.quality import QualityResult


@dataclass(frozen=True, slots=True)
class FrameFacts:
    """What the analysis knows about one frame. `size` is (width, height) of the frame the boxes
    refer to; `motion` / `quality` are None when they were not computed for this frame."""

    camera_id: int | str
    at: datetime
    size: tuple[int, int]
    detections: tuple[Detection, ...] = ()
    motion: MotionResult | None = None
    quality: QualityResult | None = None


@dataclass(slots=True)
class _Condition:
    state: KofN
    reported: bool = False


@dataclass(frozen=True, slots=True)
class _Seen:
    """One rule's finding in one frame."""

    present: bool
    score: float = 0.0
    boxes: tuple[Box, ...] = ()
    reason: str = ""


class RuleEngine:
    def __init__(self, camera_id: int | str, rules: CameraRules | None = None, venue_hours: str = "") -> None:
        """`venue_hours` is the venue's business hours, used when the camera's schedule has none."""
        self.camera_id = camera_id
        self.rules = rules or CameraRules()
        s = self.rules.schedule
        self.business: Spans = parse_spans(venue_hours if s.business_hours is None else s.business_hours)
        self.lights_off: Spans = parse_spans(s.lights_off)
        self.zone = zone_for(s.timezone)
        self._conditions: dict[str, _Condition] = {}
        self._last_alert: dict[str, datetime] = {}
        self._offline_reported: datetime | None = None

    # --- cooldown ----------------------------------------------------------------------------
    def cooling(self, category: str, at: datetime) -> bool:
        last = self._last_alert.get(category)
        return last is not None and (at - last).total_seconds() < self.rules.cooldown(category)

    def _emit(self, category: str, rule_id: str, started: datetime, at: datetime, seen: _Seen) -> Violation:
        self._last_alert[category] = at
        return Violation(self.camera_id, category, tier_of(category), started, at, round(seen.score, 4),
                         seen.boxes, seen.reason, rule_id)

    # --- frames ------------------------------------------------------------------------------
    def process(self, facts: FrameFacts) -> list[Violation]:
        if facts.at.tzinfo is None:
            raise ValueError("FrameFacts.at must be a timezone-aware datetime")
        now = local_time(facts.at, self.zone)
        findings: dict[str, tuple[str, _Seen | None]] = {}

        findings[NO_MASK] = ("mask", self._no_mask(facts))
        findings[AFTER_HOURS] = ("after_hours_person", self._after_hours(facts, now))
        findings[QUALITY] = ("video_quality", self._quality(facts))
        findings[NIGHT_MOTION] = ("night_motion", self._night_motion(facts, now))
        plugin = {d.category for d in facts.detections if d.category and d.category != NO_MASK}
        plugin |= {c for c in self._conditions if c not in findings}
        for category in sorted(plugin):
            findings[category] = ("plugin_category", self._category(facts, category))

        out = []
        for category, (rule_id, seen) in findings.items():
            if seen is None:  # not observable in this frame (no motion or quality computed)
                continue
            rule = self.rules.rule(category)
            if not rule.enabled:
                continue
            cond = self._conditions.get(category)
            if cond is None:
                cond = self._conditions[category] = _Condition(KofN(rule.k, rule.n))
            if cond.state.push(seen.present, facts.at):
                cond.reported = False
            if not cond.state.active:
                continue
            if seen.present and not cond.reported and not self.cooling(category, facts.at):
                cond.reported = True
                started = cond.state.started_at if isinstance(cond.state.started_at, datetime) else facts.at
                out.append(self._emit(category, rule_id, started, facts.at, seen))
        return out

    def _kept(self, facts: FrameFacts, rule: CategoryRule, wanted) -> list[Detection]:
        w, h = facts.size
        kept = []
        for d in facts.detections:
            if not wanted(d) or d.score < rule.score or d.box.height / h < rule.min_size:
                continue
            if self._in_view(anchor_point(d.box, (w, h), rule.anchor)):
                kept.append(d)
        return kept

    def _in_view(self, point: tuple[float, float]) -> bool:
        x, y = point
        zones = self.rules.zones
        if any(z.kind == "mask" and z.contains(x, y) for z in zones):
            return False
        includes = [z for z in zones if z.kind == "include"]
        return not includes or any(z.contains(x, y) for z in includes)

    @staticmethod
    def _seen(kept: list[Detection], reason: str) -> _Seen:
        if not kept:
            return _Seen(False)
        kept.sort(key=lambda d: -d.score)
        return _Seen(True, kept[0].score, tuple(d.box for d in kept), reason)

    def _no_mask(self, facts: FrameFacts) -> _Seen:
        rule = self.rules.rule(NO_MASK)
        labels = self.rules.no_mask_labels
        kept = self._kept(facts, rule, lambda d: d.category == NO_MASK or d.label in labels)
        top = max((d.score for d in kept), default=0.0)
        return self._seen(kept, f"检测到未戴口罩人员 {len(kept)} 人（置信度 {top:.2f}，"
                                f"{rule.k}/{rule.n} 帧确认）")

    def _after_hours(self, facts: FrameFacts, now) -> _Seen:
        if not self.business or self.business.contains(now):
            return _Seen(False)
        rule = self.rules.rule(AFTER_HOURS)
        labels = self.rules.person_labels
        kept = self._kept(facts, rule, lambda d: d.label in labels)
        return self._seen(kept, f"非营业时间（营业时间 {self.business.text()}）"
                                f"{now.strftime('%H:%M')} 检测到人员 {len(kept)} 人")

    def _quality(self, facts: FrameFacts) -> _Seen | None:
        q = facts.quality
        if q is None:
            return None
        if not q.problems:
            return _Seen(False)
        return _Seen(True, 1.0, (), f"画面异常：{'、'.join(q.problems)}")

    def _night_motion(self, facts: FrameFacts, now) -> _Seen | None:
        m = facts.motion
        if m is None:
            return None
        if not self.lights_off or not self.lights_off.contains(now) or not m.moving:
            return _Seen(False)
        rule = self.rules.rule(NIGHT_MOTION)
        boxes = tuple(b for b in m.boxes if self._in_view(anchor_point(b, facts.size, rule.anchor)))
        if m.boxes and not boxes:
            return _Seen(False)  # all the motion is in masks or outside the zones
        return _Seen(True, 1.0, boxes, f"关灯时段（{self.lights_off.text()}）{now.strftime('%H:%M')} "
                                       f"检测到移动目标，疑似鼠患（变化像素 {m.changed_fraction:.1%}）")

    def _category(self, facts: FrameFacts, category: str) -> _Seen:
        rule = self.rules.rule(category)
        kept = self._kept(facts, rule, lambda d: d.category == category)
        labels = "、".join(sorted({d.label for d in kept}))
        top = max((d.score for d in kept), default=0.0)
        return self._seen(kept, f"检测到{category}（{labels}，置信度 {top:.2f}，{rule.k}/{rule.n} 帧确认）")

    # --- stream engine -----------------------------------------------------------------------
    def offline(self, since: datetime, at: datetime) -> Violation | None:
        """视频离线: the stream engine reports the camera offline since `since`; call it while it
        stays offline (e.g. on every reconnect attempt). Emits once per outage, after
        `offline_after_s`, with the same per-category cooldown as the other rules."""
        rule = self.rules.rule(OFFLINE)
        seconds = (at - since).total_seconds()
        if not rule.enabled or seconds < self.rules.offline_after_s or self._offline_reported == since:
            return None
        if self.cooling(OFFLINE, at):
            return None
        self._offline_reported = since
        minutes = seconds / 60
        text = f"视频离线 {minutes:.0f} 分钟" if minutes >= 1 else f"视频离线 {seconds:.0f} 秒"
        text += f"（自 {since.astimezone(self.zone):%H:%M:%S} 起）"
        return self._emit(OFFLINE, "offline", since, at, _Seen(True, 1.0, (), text))


def offline_violation(engine: RuleEngine, since: datetime, at: datetime) -> Violation | None:
    """Function form of `RuleEngine.offline` for the stream engine's callbacks."""
    return engine.offline(since, at)
