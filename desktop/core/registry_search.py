"""Search and filters of the registry tree: name, address, 许可证号, camera names and the pinyin
initials of the venue name (typing "lsh" finds 老上海本帮菜馆). Pure functions, no Qt."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from pypinyin import Style, lazy_pinyin, load_single_dict

from desktop.core.registry_validation import fold, normalise_license

# Place-name readings pypinyin gets wrong: 莘 is "xīn" in 莘庄/莘城 (Minhang), not "shēn".
load_single_dict({ord("莘"): "xīn"})


@lru_cache(maxsize=65536)
def pinyin_keys(text: str) -> tuple[str, str]:
    """(initials, full pinyin) of the Chinese in `text`, lower case, no separators."""
    initials = "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="ignore")).lower()
    full = "".join(lazy_pinyin(text, errors="ignore")).lower()
    return initials, full


@dataclass(frozen=True, slots=True)
class SearchEntry:
    venue_id: int
    text: str  # everything searchable as typed, lower case
    initials: str
    pinyin: str
    venue_type: str
    build_progress: str


def make_entry(venue_id: int, name: str, address: str = "", license_no: str = "", street: str = "",
               venue_type: str = "", build_progress: str = "", camera_names: Iterable[str] = ()) -> SearchEntry:
    text = " ".join([name, address, license_no, street, *camera_names]).lower()
    initials, full = pinyin_keys(name)
    return SearchEntry(venue_id, fold(text), initials, full, venue_type, build_progress)


def matches(entry: SearchEntry, query: str) -> bool:
    """Every word of the query must match the text, the licence number, or the pinyin."""
    for word in fold(query).lower().split():
        if word in entry.text or normalise_license(word).lower() in entry.text:
            continue
        if word.isascii() and word.isalpha() and (word in entry.initials or word in entry.pinyin):
            continue
        return False
    return True


def filter_entries(entries: Iterable[SearchEntry], query: str = "", venue_types: frozenset[str] | None = None,
                   progress: frozenset[str] | None = None) -> set[int]:
    """Venue ids that pass the search box and the type and 建设进度 filters (None = no filter)."""
    return {e.venue_id for e in entries
            if (venue_types is None or e.venue_type in venue_types)
            and (progress is None or e.build_progress in progress)
            and (not query.strip() or matches(e, query))}
