"""Daily time spans such as business hours "06:00-09:00,11:00-20:00" or lights-off hours
"22:00-05:00" (a span whose end is before its start runs over midnight)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_SPAN = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
_SEPARATORS = re.compile(r"[,，;；、\s]+")
_FOLD = str.maketrans({"：": ":", "～": "-", "~": "-", "—": "-", "–": "-", "至": "-", "到": "-"})
CHINA = timezone(timedelta(hours=8), "CST")


class ScheduleError(ValueError):
    """A time span that cannot be read; the message says which and why, in Chinese."""


@dataclass(frozen=True, slots=True)
class Span:
    start: int  # minutes after midnight, 0..1439
    end: int  # minutes after midnight, 1..1440; end < start: over midnight

    def contains(self, minute: int) -> bool:
        if self.start < self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end

    def text(self) -> str:
        return f"{self.start // 60:02d}:{self.start % 60:02d}-{self.end // 60:02d}:{self.end % 60:02d}"


@dataclass(frozen=True, slots=True)
class Spans:
    spans: tuple[Span, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.spans)

    def contains(self, t: time) -> bool:
        minute = t.hour * 60 + t.minute
        return any(s.contains(minute) for s in self.spans)

    def text(self) -> str:
        return ",".join(s.text() for s in self.spans)


def parse_spans(text: str) -> Spans:
    """"06:00-09:00,11:00-20:00" (full-width colons, 、/；/， separators and ～ accepted);
    "" gives no spans. "00:00-24:00" is the whole day."""
    spans = []
    for part in _SEPARATORS.split((text or "").translate(_FOLD).strip()):
        if not part:
            continue
        m = _SPAN.match(part)
        if not m:
            raise ScheduleError(f"时段「{part}」格式不对，应如 06:00-20:00，多段用逗号分隔")
        h1, m1, h2, m2 = (int(g) for g in m.groups())
        if h1 > 23 or m1 > 59 or h2 > 24 or m2 > 59 or (h2 == 24 and m2):
            raise ScheduleError(f"时段「{part}」的时间超出范围")
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if start == end:
            raise ScheduleError(f"时段「{part}」起止时间相同")
        spans.append(Span(start, end))
    return Spans(tuple(spans))


def zone_for(name: str) -> tzinfo:
    """The venue's time zone; China has one offset and no daylight saving, so when the system
    has no tz database (Windows without tzdata) Asia/Shanghai falls back to a fixed +08:00."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        if name in ("Asia/Shanghai", "Asia/Chongqing", "Asia/Urumqi", "PRC", "+08:00"):
            return CHINA
        raise ScheduleError(f"未知的时区「{name}」") from None


def local_time(at: datetime, zone: tzinfo) -> time:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("rule timestamps must be timezone-aware datetimes")
    return at.astimezone(zone).time()
