"""Keep camera credentials out of everything a person or a log file can see."""

from __future__ import annotations

import re

# scheme://user[:password]@  anywhere in a text (FFmpeg errors embed the URL they failed on).
_CREDENTIALS_IN_TEXT = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@'\"]*@")

# A whole URL whose userinfo may hold characters people do not escape (# / ? @ in passwords):
# the userinfo runs to the last "@" before the path that is followed by a host (no "/" in it,
# so an "@" in a path or query is not mistaken for credentials).
_URL_WITH_USERINFO = re.compile(
    r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/]*)@"
    r"(?P<host>(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._~-]+)(?::\d*)?)(?P<rest>[/?#].*)?$", re.S)


def parse_userinfo(url: str) -> tuple[str, str, str, str] | None:
    """(scheme://, userinfo, host[:port], rest) of a URL with credentials; None without."""
    m = _URL_WITH_USERINFO.match(url.strip())
    if m is None:
        return None
    return m.group("scheme"), m.group("userinfo"), m.group("host"), m.group("rest") or ""


def redact_url(url: str) -> str:
    """`rtsp://admin:secret@10.0.0.5/ch1` -> `rtsp://***@10.0.0.5/ch1`; URLs without credentials unchanged."""
    parsed = parse_userinfo(url)
    if parsed is None:
        return redact_text(url)  # still scrub odd forms
    scheme, _userinfo, host, rest = parsed
    return f"{scheme}***@{host}{rest}"


def redact_text(text: str) -> str:
    """Scrub every `scheme://user:pass@` in free text, e.g. an exception message."""
    return _CREDENTIALS_IN_TEXT.sub(lambda m: f"{m.group('scheme')}***@", text)
