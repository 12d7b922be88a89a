"""One sheet row -> the venue and camera fields it provides (normalised), or why it is skipped,
or what is wrong with it. No database here."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from desktop.core.credentials import Credentials
from desktop.core.venue_io import values
from desktop.core.venue_io.columns import COLUMNS, HeaderMatch
from desktop.core.venue_io.normalize import (
    Month,
    cell_text,
    fold_text,
    footer_text,
    next_year_for,
    only_numbers,
    parse_bool,
    parse_hours,
    parse_month,
    parse_phone,
    total_row_word,
)

COMPLETED = values.build_progress("完成建设")


@dataclass(slots=True)
class ParsedRow:
    sheet: str
    row: int
    format: str
    index: int = -1  # position among all the rows of the file (set by the planner)
    venue: dict[str, object] = field(default_factory=dict)  # provided venue fields, normalised
    camera: dict[str, object] | None = None  # provided camera fields (always with "name")
    username: str = ""
    secret: str = field(default="", repr=False)
    month: Month | None = None  # 预计完成时间 still waiting for a year
    skip: str = ""
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.venue.get("name", ""))

    @property
    def credentials(self) -> Credentials:
        return Credentials(self.username, self.secret)


def _text(value: object) -> str:
    return cell_text(value).strip()


# field -> (parser, label). Parsers raise ValueError for a value they cannot take.
_VENUE_PARSERS: dict[str, Callable[[object], object]] = {
    "name": fold_text,
    "license_no": values.licence_no,
    "address": fold_text,
    "street": fold_text,
    "venue_type": values.venue_type,
    "risk_level": values.risk_level,
    "contact_person": fold_text,
    "contact_phone": parse_phone,
    "business_hours": parse_hours,
    "build_progress": values.build_progress,
    "platform_connected": parse_bool,
    "notes": _text,
}
_CAMERA_PARSERS: dict[str, tuple[str, Callable[[object], object]]] = {
    "camera_name": ("name", fold_text),
    "camera_area": ("area", fold_text),
    "enabled": ("enabled", parse_bool),
    "camera_platform_connected": ("platform_connected", parse_bool),
}


_CACHE_MAX = 200_000
NAME_MAX = 100  # as the registry's venue dialog allows


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class RowParser:
    """Parses the data rows of one sheet whose header was found."""

    def __init__(self, sheet: str, header: HeaderMatch) -> None:
        self.sheet = sheet
        self.header = header
        self.format = header.format
        cols = header.columns
        self._venue = [(k, cols[k], p) for k, p in _VENUE_PARSERS.items() if k in cols]
        self._camera = [(k, cols[k], name, p) for k, (name, p) in _CAMERA_PARSERS.items() if k in cols]
        self._urls = [(k, cols[k]) for k in ("sub_url", "main_url") if k in cols]
        self._cols = cols
        self._has_camera = bool(self._camera or self._urls)
        self._previous: ParsedRow | None = None
        self._caches: dict[str, dict[object, object]] = {k: {} for k in COLUMNS}

    def parse(self, row_no: int, cells: Sequence[object]) -> ParsedRow:
        pr = ParsedRow(self.sheet, row_no, self.format)
        skip = self._skip_reason(cells)
        if skip:
            pr.skip = skip
            return pr
        cols = self._cols
        for key, col, parse in self._venue:
            value = cells[col]
            if _blank(value):
                continue
            try:
                result = self._cached(key, parse, value)
            except ValueError as exc:
                pr.errors.append(str(exc))
            else:
                if result != "":  # "无", "/" …: nothing given, so nothing to change
                    pr.venue[key] = result
        if "expected_completion" in cols and not _blank(cells[cols["expected_completion"]]):
            try:
                pr.month = parse_month(cells[cols["expected_completion"]])
            except ValueError as exc:
                pr.errors.append(f"预计完成时间{exc}")
        if "completed" in cols and not _blank(cells[cols["completed"]]):
            try:
                done = parse_bool(cells[cols["completed"]])
            except ValueError as exc:
                pr.errors.append(f"是否完成：{exc}")
            else:
                if done and "build_progress" not in pr.venue:
                    pr.venue["build_progress"] = COMPLETED
        if self._has_camera:
            self._parse_camera(pr, cells)
        if not pr.venue.get("name"):
            previous = self._previous
            if (pr.camera is not None and "license_no" not in pr.venue and previous is not None
                    and previous.venue.get("name") and not previous.errors):
                # a camera row under its venue's first row, venue cells left blank
                pr.venue = {**previous.venue, **pr.venue}
                pr.notes.append(f"单位信息沿用第{previous.row}行")
            else:
                pr.errors.insert(0, "单位名称为空")
        elif len(pr.venue["name"]) > NAME_MAX:
            pr.errors.insert(0, f"单位名称过长（最多 {NAME_MAX} 字）")
        if pr.month is not None and pr.month.year is not None:
            pr.venue["expected_completion"] = pr.month.text()
            pr.month = None
        if not pr.errors:
            self._previous = pr
        return pr

    def _parse_camera(self, pr: ParsedRow, cells: Sequence[object]) -> None:
        cam: dict[str, object] = {}
        for _key, col, name, parse in self._camera:
            value = cells[col]
            if _blank(value):
                continue
            try:
                cam[name] = self._cached(_key, parse, value)
            except ValueError as exc:
                pr.errors.append(f"{COLUMNS[_key].label}：{exc}")
        url_creds: Credentials | None = None
        for key, col in self._urls:
            value = cells[col]
            if _blank(value):
                continue
            try:
                url, creds = values.stream_url(value)
            except ValueError as exc:
                pr.errors.append(f"{COLUMNS[key].label}：{exc}")
                continue
            cam[key] = url
            if creds and url_creds is None:
                url_creds = creds
        cols = self._cols
        user = _text(cells[cols["username"]]) if "username" in cols else ""
        secret = cell_text(cells[cols["password"]]) if "password" in cols else ""
        secret = secret.strip("\r\n")
        if url_creds is not None:
            user = user or url_creds.username
            secret = secret or url_creds.secret
        if not cam and not (user or secret):
            return
        if not cam.get("name"):
            if cam.get("area"):
                cam["name"] = cam["area"]
            else:
                pr.errors.append("摄像头名称为空")
                return
        pr.camera = cam
        pr.username, pr.secret = user, secret

    def _cached(self, key: str, parse: Callable[[object], object], value: object) -> object:
        """Sheets repeat values (a venue's columns on each camera row, types, 是/否): parse each once."""
        cache = self._caches[key]
        k = value if value.__class__ is str else (value.__class__, value)
        try:
            result = cache[k]
        except KeyError:
            try:
                result = parse(value)
            except ValueError as exc:
                result = exc
            if len(cache) < _CACHE_MAX:
                cache[k] = result
        if isinstance(result, ValueError):
            raise result
        return result

    def _skip_reason(self, cells: Sequence[object]) -> str:
        texts = [c.strip() if c.__class__ is str else cell_text(c) for c in cells]
        if not any(texts):
            return "空行"
        word = total_row_word(texts)
        if word:
            return f"{word}行"
        if footer_text(texts):
            return "说明或落款行"
        filled = [t for t in texts if t]
        if len(filled) > 1 and len(set(filled)) == 1:
            return "说明行（合并单元格）"
        if only_numbers(texts):
            return "只有数字的行（序号或统计数）"
        return ""


def resolve_years(rows: Sequence[ParsedRow], today: date) -> list[str]:
    """Give a year to 预计完成时间 written without one ("9月"): the year most rows of the file
    use, else the next such month from today. Returns the file-level notes."""
    pending = [r for r in rows if r.month is not None]
    if not pending:
        return []
    years = Counter(int(str(r.venue["expected_completion"])[:4]) for r in rows
                    if "expected_completion" in r.venue)
    if years:
        year = years.most_common(1)[0][0]
        rule = f"按本文件其他行最常见的年份 {year} 年计"
    else:
        year = None
        rule = f"按今天（{today.isoformat()}）起最近的该月份计"
    for r in pending:
        assert r.month is not None
        y = year if year is not None else next_year_for(r.month.month, today)
        text = r.month.text(y)
        r.venue["expected_completion"] = text
        r.notes.append(f"预计完成时间「{r.month.month}月」未写年份，记为 {text}")
        r.month = None
    return [f"{len(pending)} 行的预计完成时间未写年份，{rule}"]
