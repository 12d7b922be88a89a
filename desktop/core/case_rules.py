"""案件 rules without a database (DESIGN.md §5): the states, the one table of allowed
transitions, overdue cards and case numbers. desktop.core.cases enforces them on every write;
the UI asks `allowed_transitions` which buttons to offer.

Overdue (逾期) counts whole days after the deadline day (the deadline day itself is in time):
  黄牌 — an open case 1 … red_card_days days past its deadline;
  红牌 — an open case more than red_card_days days past it (default 7, a station setting).
Cases in 已办结 or 撤销 never carry a card; a case without a deadline never does either."""

from __future__ import annotations

import string
from datetime import date

PENDING = "待处理"
PUSHED = "已推送整改"
RECTIFYING = "整改中"
REVIEWING = "待复核"
CLOSED = "已办结"
REVOKED = "撤销"
STATES: tuple[str, ...] = (PENDING, PUSHED, RECTIFYING, REVIEWING, CLOSED, REVOKED)
OPEN_STATES: tuple[str, ...] = (PENDING, PUSHED, RECTIFYING, REVIEWING)
FINAL_STATES: tuple[str, ...] = (CLOSED, REVOKED)
# Facts, legal basis, handler, deadline and evidence items can change while the case is open.
EDITABLE_STATES: tuple[str, ...] = OPEN_STATES

# The allowed transitions, in one place. 撤销 from every open state; 已办结 only after review;
# a review that fails (复核不通过) sends the case back to 整改中.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    PENDING: (PUSHED, REVOKED),
    PUSHED: (RECTIFYING, REVOKED),
    RECTIFYING: (REVIEWING, REVOKED),
    REVIEWING: (CLOSED, RECTIFYING, REVOKED),
    CLOSED: (),
    REVOKED: (),
}
# What the buttons say (the UI's words for a transition).
TRANSITION_LABELS: dict[tuple[str, str], str] = {
    (PENDING, PUSHED): "推送整改",
    (PUSHED, RECTIFYING): "开始整改",
    (RECTIFYING, REVIEWING): "提交复核",
    (REVIEWING, CLOSED): "复核通过，办结",
    (REVIEWING, RECTIFYING): "复核不通过",
    **{(s, REVOKED): "撤销案件" for s in OPEN_STATES},
}

YELLOW = "黄牌"
RED = "红牌"
CARDS: tuple[str, ...] = (YELLOW, RED)
DEFAULT_RED_CARD_DAYS = 7

DEFAULT_NUMBER_PATTERN = "闵市监明厨〔{year}〕{seq:04d}号"
_PATTERN_FIELDS = {"year", "seq"}


class CaseError(ValueError):
    """A request the case rules refuse; the message is for the inspector (Chinese first)."""


class CaseNotFoundError(CaseError, LookupError):
    pass


class CaseValidationError(CaseError):
    """field name → message, like registry_validation.ValidationError."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("；".join(self.errors.values()))


class CaseTransitionError(CaseError):
    def __init__(self, from_state: str, to_state: str, reason: str = "") -> None:
        self.from_state, self.to_state = from_state, to_state
        allowed = "、".join(TRANSITIONS.get(from_state, ())) or "无"
        why = reason or f"不允许从「{from_state}」转为「{to_state}」（可转为：{allowed}）"
        super().__init__(f"{why} / transition {from_state} → {to_state} refused")


class CasePermissionError(CaseError):
    pass


class CaseConfirmationRequiredError(CaseError):
    """Deleting a case that has evidence: ask, then call again with confirm=True."""


def allowed_transitions(state: str) -> tuple[str, ...]:
    return TRANSITIONS.get(state, ())


def comment_required(from_state: str, to_state: str) -> bool:
    """撤销 and 复核不通过 must say why."""
    return to_state == REVOKED or (from_state, to_state) == (REVIEWING, RECTIFYING)


def check_transition(from_state: str, to_state: str, who: str, comment: str) -> None:
    if to_state not in STATES:
        raise CaseTransitionError(from_state, to_state, f"未知的案件状态「{to_state}」")
    if to_state not in allowed_transitions(from_state):
        raise CaseTransitionError(from_state, to_state)
    if not who.strip():
        raise CaseTransitionError(from_state, to_state, "请填写操作人")
    if comment_required(from_state, to_state) and not comment.strip():
        raise CaseTransitionError(from_state, to_state, f"「{TRANSITION_LABELS[(from_state, to_state)]}」须填写理由")


def days_overdue(deadline: date | None, today: date) -> int:
    """Whole days after the deadline day (0 when there is none or it has not passed)."""
    if deadline is None:
        return 0
    return max(0, (today - deadline).days)


def overdue_card(state: str, deadline: date | None, today: date, red_card_days: int = DEFAULT_RED_CARD_DAYS) -> str:
    """"" (in time, closed or no deadline), 黄牌 or 红牌 (see the module's docstring)."""
    if state not in OPEN_STATES:
        return ""
    days = days_overdue(deadline, today)
    if days == 0:
        return ""
    return RED if days > red_card_days else YELLOW


def validate_number_pattern(pattern: str) -> str:
    """A str.format pattern with {seq} (required, e.g. {seq:04d}) and {year} (optional)."""
    pattern = (pattern or "").strip()

    def bad(message: str) -> CaseValidationError:
        return CaseValidationError({"number_pattern": message})

    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None}
    except ValueError as exc:
        raise bad(f"编号格式无效：{exc}") from exc
    if unknown := fields - _PATTERN_FIELDS:
        raise bad(f"编号格式只能使用 {{year}} 和 {{seq}}，不认识：{'、'.join(sorted(unknown))}")
    if "seq" not in fields:
        raise bad("编号格式须包含序号 {seq}，如 {seq:04d}")
    try:
        first, second = format_case_number(pattern, 2026, 1), format_case_number(pattern, 2026, 2)
    except (ValueError, TypeError) as exc:
        raise bad(f"编号格式无效：{exc}") from exc
    if first == second:
        raise bad("编号格式中的序号不起作用")
    return pattern


def format_case_number(pattern: str, year: int, seq: int) -> str:
    return pattern.format(year=year, seq=seq)
