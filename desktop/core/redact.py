"""Keep camera credentials out of everything a person or a log file can see."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

# scheme://user[:password]@  anywhere in a text (FFmpeg errors embed the URL they failed on).
_CREDENTIALS_IN_TEXT = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@'\"]*@")


def redact_url(url: str) -> str:
    """`rtsp://admin:secret@10.0.0.5/ch1` -> `rtsp://***@10.0.0.5/ch1`; URLs without credentials unchanged."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return redact_text(url)
    if parts.username is None and parts.password is None:
        return redact_text(url)  # still scrub odd forms urlsplit does not parse
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, f"***@{host}", parts.path, parts.query, parts.fragment))


def redact_text(text: str) -> str:
    """Scrub every `scheme://user:pass@` in free text, e.g. an exception message."""
    return _CREDENTIALS_IN_TEXT.sub(lambda m: f"{m.group('scheme')}***@", text)
