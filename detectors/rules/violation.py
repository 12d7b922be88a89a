"""The value a rule emits, and the categories' tiers (DESIGN §5, Hubei practice)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from detectors.types import Box

AFTER_HOURS = "非工作时间人员"
QUALITY = "画面异常"
NIGHT_MOTION = "夜间移动目标"
OFFLINE = "视频离线"
NO_MASK = "未戴口罩"
NON_AI_CATEGORIES = (AFTER_HOURS, QUALITY, NIGHT_MOTION, OFFLINE)

NON_AI = "非AI"
TIERS: dict[str, str] = {
    "鼠患": "一级", "有害生物": "一级",
    "吸烟": "二级", "垃圾桶未盖": "二级", "未戴口罩": "二级", "未戴厨师帽": "二级", "未穿工作服": "二级",
    "玩手机": "二级", "赤膊": "二级",
    "未戴手套": "三级",
    **{c: NON_AI for c in NON_AI_CATEGORIES},
}


def tier_of(category: str) -> str:
    """一级 immediate, 二级 rectify by deadline, 三级 routine; 非AI for the stream engine's and the
    rules' own categories (视频离线, 画面异常, 非工作时间人员, 夜间移动目标)."""
    return TIERS.get(category, "三级")


@dataclass(frozen=True, slots=True)
class Violation:
    """One alert-worthy finding. `started_at` is when the condition began (the first frame of its
    k of n), `at` the frame it was emitted on (the evidence frame); `boxes` are in source pixels."""

    camera_id: int | str
    category: str
    tier: str
    started_at: datetime
    at: datetime
    score: float
    boxes: tuple[Box, ...]
    reason: str
    rule_id: str
