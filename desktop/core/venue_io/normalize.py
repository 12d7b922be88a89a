"""Cleaning of cell values: text, codes, numbers, booleans and months as people type them.

Two kinds of folding: `fold_code` is NFKC plus upper case and no spaces (licence numbers, phones,
dates, numbers); `fold_text` only turns full-width spaces, digits and ASCII letters into their
half-width forms and collapses whitespace (names, addresses), so Chinese punctuation such as
（） stays as typed."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

# Full-width digits and ASCII letters (U+FF10–FF19, FF21–FF3A, FF41–FF5A) and the ideographic space.
_WIDE = {c: c - 0xFEE0 for r in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A)) for c in range(r[0], r[1] + 1)}
_WIDE[0x3000] = 0x20
_WIDE[0xA0] = 0x20
_SPACES = re.compile(r"\s+")
_ALL_SPACES = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")


def cell_text(value: object) -> str:
    """A cell as text: None -> "", 13812345678.0 -> "13812345678", datetimes as ISO dates."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    return str(value)


def fold_text(value: object) -> str:
    """Names, addresses, free text: half-width digits/letters/spaces, whitespace collapsed."""
    s = cell_text(value)
    if not s:
        return ""
    if not s.isascii():
        s = s.translate(_WIDE)
    return _SPACES.sub(" ", s).strip()


def fold_code(value: object) -> str:
    """Licence numbers and the like: NFKC, upper case, no whitespace at all."""
    s = cell_text(value)
    if not s:
        return ""
    return _ALL_SPACES.sub("", unicodedata.normalize("NFKC", s)).upper()


def fold_nfkc(value: object) -> str:
    """Phones, dates, numbers, hours: NFKC with whitespace collapsed."""
    s = cell_text(value)
    if not s:
        return ""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", s).replace("\u3000", " ")).strip()


def match_key(value: object) -> str:
    """What two names or addresses must share to be the same: NFKC, no whitespace, lower case
    (so （） and () or Ａ and A do not make two venues)."""
    return _ALL_SPACES.sub("", unicodedata.normalize("NFKC", cell_text(value))).lower()


_HEADER_JUNK = re.compile(r"[\s\u3000\u00a0\"'“”‘’「」『』*＊]+")
_BRACKETED = re.compile(r"[（(][^（）()]*[）)]")


def header_key(value: object) -> str:
    """A header cell for matching: no spaces anywhere (full-width too), no quotes or line breaks."""
    return _HEADER_JUNK.sub("", unicodedata.normalize("NFKC", cell_text(value))).strip()


def header_key_unbracketed(key: str) -> str:
    """`预计完成时间(到月)` -> `预计完成时间`: the second chance of a header."""
    return _BRACKETED.sub("", key)


# --- booleans ------------------------------------------------------------------------------------
_TRUE = {"是", "已完成", "完成", "√", "✓", "✔", "Y", "YES", "1", "TRUE", "T", "有", "已接入", "接入", "已对接",
         "对接", "已建成", "建成", "启用", "已启用", "开", "ON", "正常"}
_FALSE = {"否", "未完成", "×", "✗", "✘", "X", "N", "NO", "0", "FALSE", "F", "无", "未接入", "未对接", "未建成",
          "停用", "禁用", "未启用", "关", "OFF", "没有"}


def parse_bool(value: object) -> bool | None:
    """是/否 in all the ways people write it; None for an empty cell; ValueError otherwise."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    s = fold_code(value)
    if not s:
        return None
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ValueError(f"「{cell_text(value).strip()}」不是是/否")


# --- numbers and phones --------------------------------------------------------------------------
_PLACEHOLDERS = {"无", "暂无", "没有", "-", "--", "—", "/", "\\", "不详", "N/A", "NA", "NONE"}


def parse_phone(value: object) -> str:
    """`１３８ １２３４ ５６７８` -> `13812345678`; several numbers separated by one space (what the
    registry's phone check accepts); "无", "/" … -> "" (nothing to store)."""
    s = fold_nfkc(value)
    if not s or s.upper() in _PLACEHOLDERS:
        return ""
    s = re.sub(r"(?<=\d) (?=\d)", "", s)
    return re.sub(r"\s*[,，;；、/]\s*", " ", s).strip()


_HOURS_DASH = re.compile(r"\s*(?:-|~|～|—|–|－|至|到)+\s*")
_HOURS_SEP = re.compile(r"\s*[,，;；、]\s*|\s+")


_HOUR = re.compile(r"(?<![\d:])(\d)(?=:\d\d)")


def parse_hours(value: object) -> str:
    """`6：00～20：00；` -> `06:00-20:00`, several spans joined by commas (the registry's format;
    no validation here: the registry owns the business-hours rules)."""
    s = fold_nfkc(value).replace("：", ":")
    if not s or s.upper() in _PLACEHOLDERS:
        return ""
    s = _HOUR.sub(r"0\1", _HOURS_DASH.sub("-", s))
    return ",".join(p for p in _HOURS_SEP.split(s) if p)


# --- months --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Month:
    year: int | None  # None: the cell gave no year ("9月")
    month: int

    def text(self, year: int | None = None) -> str:
        return f"{self.year or year:04d}-{self.month:02d}"


_MONTH_PATTERNS = (
    re.compile(r"^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月(?:份)?(?:底|末|初|中旬|上旬|下旬|中|前|内)?"
               r"(?:\s*(?P<d>\d{1,2})\s*日)?(?:前|之前|以前)?$"),
    re.compile(r"^(?P<y>\d{4})\s*[-./]\s*(?P<m>\d{1,2})(?:\s*[-./]\s*(?P<d>\d{1,2}))?(?:\s+[\d:]+)?$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})?$"),
    re.compile(r"^(?P<m>\d{1,2})\s*月(?:份)?(?:底|末|初|中旬|上旬|下旬|中|前|内)?(?:\s*(?P<d>\d{1,2})\s*日)?"
               r"(?:前|之前|以前)?$"),
)
_SERIAL_MIN, _SERIAL_MAX = 20000, 80000  # Excel day numbers 1954..2119


def parse_month(value: object) -> Month | None:
    """预计完成时间 to the month. datetime cells, Excel serial numbers, "2023年9月(底)", "2023.9",
    "2023-09", "2023/9/30", "202309", "9月" (no year). None for an empty cell; ValueError otherwise."""
    if value is None:
        return None
    if isinstance(value, datetime | date):
        return Month(value.year, value.month)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if _SERIAL_MIN <= value <= _SERIAL_MAX:
            from openpyxl.utils.datetime import from_excel

            d = from_excel(value)
            return Month(d.year, d.month)
        if 190001 <= value <= 210012 and float(value).is_integer():
            value = str(int(value))  # 202309
        elif isinstance(value, float) and 1990 < value < 2100:
            value = repr(value)  # 2023.9 typed as a number (2023.1 is read as January)
        else:
            raise ValueError(f"「{cell_text(value)}」不是年月")
    s = fold_nfkc(value)
    if not s:
        return None
    for pattern in _MONTH_PATTERNS:
        m = pattern.match(s)
        if m:
            year = int(m.group("y")) if "y" in pattern.groupindex else None
            month = int(m.group("m"))
            if not 1 <= month <= 12 or (year is not None and not 1990 <= year <= 2100):
                break
            return Month(year, month)
    raise ValueError(f"「{s}」无法识别为年月（应为 2023年9月、2023-09 等）")


def next_year_for(month: int, today: date) -> int:
    """The year of the next `month` counting from this month (this month included)."""
    return today.year if month >= today.month else today.year + 1


# --- rows that are not data ----------------------------------------------------------------------
_TOTAL_WORDS = {"合计", "小计", "总计", "共计", "总数", "累计", "汇总"}
_NUMBERISH = re.compile(r"^[\d.,%\-+ ]+$")
_FOOTER = re.compile(r"^(?:注|说明|备注|填报人|填表人|审核人|制表人|制表|填报单位|填报时间|填表时间|统计员|"
                     r"单位负责人|负责人|联系人|联系电话|上报单位|上报日期)\s*[:：0-9０-９.、]")


def total_row_word(cells: list[str]) -> str | None:
    for c in cells:
        if len(c) > 12 or not ("计" in c or "总" in c):
            continue
        k = _ALL_SPACES.sub("", c)
        if k in _TOTAL_WORDS or (k.endswith(("合计", "小计", "总计")) and len(k) <= 8):
            return k
    return None


def only_numbers(cells: list[str]) -> bool:
    filled = [c for c in cells if c]
    return bool(filled) and all(_NUMBERISH.match(c) for c in filled)


def footer_text(cells: list[str]) -> bool:
    first = next((c for c in cells if c), "")
    return bool(_FOOTER.match(first.strip()))
