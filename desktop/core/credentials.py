"""Camera credentials live in CameraCredential, never inside a stored URL. These helpers split
them out of what people type and put them back only at the moment a stream is opened."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from sqlalchemy import bindparam, insert, update
from sqlalchemy.engine import Connection
from sqlmodel import Session

from desktop.core.models import CameraCredential, utcnow
from desktop.core.redact import parse_userinfo


@dataclass(frozen=True, slots=True)
class Credentials:
    username: str = ""
    secret: str = field(default="", repr=False)  # never in a repr, a log line or a traceback

    def __bool__(self) -> bool:
        return bool(self.username or self.secret)


def split_credentials(url: str) -> tuple[str, Credentials]:
    """`rtsp://admin:pw@10.0.0.5:554/ch1` -> (`rtsp://10.0.0.5:554/ch1`, Credentials('admin', 'pw')).
    Passwords pasted unescaped (`Kitchen#2026`, `a@b`) are understood too."""
    url = (url or "").strip()
    parsed = parse_userinfo(url)
    if parsed is None:
        return url, Credentials()
    scheme, userinfo, host, rest = parsed
    user, _, secret = userinfo.partition(":")
    return f"{scheme}{host}{rest}", Credentials(unquote(user), unquote(secret))


def with_credentials(url: str, creds: Credentials | None) -> str:
    """The URL a stream worker opens. Only the stream engine sees the result: it redacts URLs
    in every status and error it reports."""
    if not url or not creds:
        return url
    parts = urlsplit(url)
    if parts.username is not None:  # already carries some: leave as typed
        return url
    userinfo = quote(creds.username, safe="")
    if creds.secret:
        userinfo += ":" + quote(creds.secret, safe="")
    return urlunsplit((parts.scheme, f"{userinfo}@{parts.netloc}", parts.path, parts.query, parts.fragment))


def load_credentials(session: Session, camera_id: int) -> Credentials:
    row = session.get(CameraCredential, camera_id)
    return Credentials(row.username, row.secret) if row else Credentials()


def store_credentials(session: Session, camera_id: int, creds: Credentials | None) -> None:
    """Set (or with empty credentials, remove) a camera's credentials in the caller's transaction."""
    row = session.get(CameraCredential, camera_id)
    if not creds:
        if row is not None:
            session.delete(row)
        return
    if row is None:
        row = CameraCredential(camera_id=camera_id)
    row.username, row.secret, row.secret_format, row.updated_at = creds.username, creds.secret, "plain", utcnow()
    session.add(row)


def store_credentials_many(conn: Connection, new: dict[int, Credentials], changed: dict[int, Credentials]) -> int:
    """Bulk form of store_credentials for imports (one executemany each, in the caller's
    transaction): `new` for cameras without stored credentials, `changed` for the others.
    The row format is the same, so the security issue's encryption changes one place."""
    table = CameraCredential.__table__
    now = utcnow()

    def row(c: Credentials) -> dict:
        return {"username": c.username, "secret": c.secret, "secret_format": "plain", "updated_at": now}

    if new:
        conn.execute(insert(table), [{"camera_id": cid, **row(c)} for cid, c in new.items()])
    if changed:
        conn.execute(update(table).where(table.c.camera_id == bindparam("_camera_id")),
                     [{"_camera_id": cid, **row(c)} for cid, c in changed.items()])
    return len(new) + len(changed)
