"""Domain values in the programme's vocabulary (desktop.core.vocabulary): venue types, 建设进度,
risk levels, licence numbers, stream URLs. Each function returns the canonical value or raises
ValueError with a message for the report."""

from __future__ import annotations

from desktop.core.credentials import Credentials, split_credentials
from desktop.core.registry_validation import license_problem, url_problem
from desktop.core.venue_io.normalize import cell_text, fold_code, match_key
from desktop.core.vocabulary import (
    BUILD_PROGRESS,
    BUILD_PROGRESS_SYNONYMS,
    RISK_LEVELS,
    VENUE_TYPE_SYNONYMS,
    VENUE_TYPES,
)

_TYPES = {match_key(t): t for t in VENUE_TYPES} | {match_key(k): v for k, v in VENUE_TYPE_SYNONYMS.items()}
_PROGRESS = {match_key(p): p for p in BUILD_PROGRESS} | {match_key(k): v for k, v in BUILD_PROGRESS_SYNONYMS.items()}
_TYPE_SUFFIXES = ("经营单位", "服务单位", "经营者", "单位", "服务", "类")
_PROGRESS_SUFFIXES = ("阶段", "中", "环节")


def _lookup(table: dict[str, str], text: str, suffixes: tuple[str, ...], extra: tuple[str, ...] = ()) -> str | None:
    key = match_key(text)
    if key in table:
        return table[key]
    for suffix in suffixes:
        if key.endswith(suffix) and key[: -len(suffix)] in table:
            return table[key[: -len(suffix)]]
    for add in extra:
        if key + add in table:
            return table[key + add]
    return None


def venue_type(value: object) -> str:
    text = cell_text(value).strip()
    found = _lookup(_TYPES, text, _TYPE_SUFFIXES, ("食堂",))
    if found is None:
        raise ValueError(f"单位类型「{text}」不在分类中（应为 {'、'.join(VENUE_TYPES)} 之一）")
    return found


def build_progress(value: object) -> str:
    text = cell_text(value).strip()
    found = _lookup(_PROGRESS, text, _PROGRESS_SUFFIXES)
    if found is None:
        raise ValueError(f"建设进度「{text}」无法识别（应为 {'、'.join(BUILD_PROGRESS)} 之一）")
    return found


def risk_level(value: object) -> str:
    text = fold_code(value)
    key = text.removesuffix("级").removesuffix("类")
    if key in RISK_LEVELS:
        return key
    raise ValueError(f"风险等级「{cell_text(value).strip()}」无法识别（应为 {'/'.join(RISK_LEVELS)}）")


def licence_no(value: object) -> str:
    """许可证号: upper case, no spaces, full-width folded; letters and digits, 6–30 characters."""
    text = fold_code(value)
    if (problem := license_problem(text)) is not None:
        raise ValueError(f"许可证号「{cell_text(value).strip()}」格式不对（{problem}）")
    return text


def stream_url(value: object) -> tuple[str, Credentials]:
    """A stream URL without its credentials, and the credentials it carried."""
    url, creds = split_credentials(cell_text(value).strip())
    if (problem := url_problem(url, required=True)) is not None:
        raise ValueError(f"码流地址：{problem}")
    return url, creds
