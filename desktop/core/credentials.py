"""Camera credentials live in CameraCredential, never inside a stored URL. These helpers split
them out of what people type and put them back only at the moment a stream is opened.

Passwords are stored encrypted (secret_format "fernet-v1", desktop.core.secret_box); rows of
older databases ("plain") are still read, and `encrypt_plain_rows` re-encrypts them at start.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit, urlunsplit

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from desktop.core.models import CameraCredential, utcnow
from desktop.core.redact import parse_userinfo
from desktop.core.secret_box import (
    FERNET_V1,
    PLAIN,
    SecretBox,
    SecretKeyError,
    SecretKeyMissingError,
    secret_box,
)

log = logging.getLogger(__name__)


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


def reveal_secret(secret: str, secret_format: str, box: SecretBox | None = None) -> str:
    """The password of a stored row. SecretKeyError (Chinese, names the key's location, never
    the token) when the key is missing or does not fit; the row itself is left untouched."""
    if not secret or secret_format == PLAIN:
        return secret or ""
    if secret_format != FERNET_V1:
        raise SecretKeyError(f"未知的密码保存格式「{secret_format}」/ unknown secret format")
    return (box or secret_box()).decrypt(secret)


class SecretReader:
    """Reveals many rows with one key look-up (the wall's and the importer's thousands of rows)."""

    def __init__(self) -> None:
        self._box: SecretBox | None = None
        self._error: SecretKeyError | None = None  # a missing key is looked for once, not per row

    def __call__(self, secret: str | None, secret_format: str | None) -> str:
        if secret and secret_format == FERNET_V1 and self._box is None:
            if self._error is None:
                try:
                    self._box = secret_box()
                except SecretKeyError as exc:
                    self._error = exc
            if self._error is not None:
                raise SecretKeyError(str(self._error)) from None
        return reveal_secret(secret or "", secret_format or PLAIN, self._box)


def _has_encrypted_rows(conn) -> bool:
    table = CameraCredential.__table__
    return conn.execute(select(table.c.camera_id).where(table.c.secret_format == FERNET_V1).limit(1)).first() \
        is not None


def writer_box(conn) -> SecretBox:
    """The box to encrypt with; creates the key on first use, unless the database already holds
    secrets encrypted with a key this console does not have (a second key would leave the
    passwords of the two keys unreadable to each other's consoles)."""
    try:
        return secret_box()
    except SecretKeyMissingError as exc:
        if _has_encrypted_rows(conn):
            raise SecretKeyError(f"{exc}。数据库中已有加密保存的摄像头密码，请先复制原工作台的密钥文件，"
                                 f"再保存新密码 / the database holds secrets of another key") from None
        return secret_box(create=True)


def _sealed(box: SecretBox, secret: str) -> tuple[str, str]:
    """(stored secret, secret_format): an empty secret stays empty (nothing to hide)."""
    return (box.encrypt(secret), FERNET_V1) if secret else ("", FERNET_V1)


def load_credentials(session: Session, camera_id: int) -> Credentials:
    row = session.get(CameraCredential, camera_id)
    return Credentials(row.username, reveal_secret(row.secret, row.secret_format)) if row else Credentials()


def store_credentials(session: Session, camera_id: int, creds: Credentials | None) -> None:
    """Set (or with empty credentials, remove) a camera's credentials in the caller's transaction."""
    row = session.get(CameraCredential, camera_id)
    if not creds:
        if row is not None:
            session.delete(row)
        return
    if row is None:
        row = CameraCredential(camera_id=camera_id)
    secret, fmt = _sealed(writer_box(session.connection()), creds.secret)
    row.username, row.secret, row.secret_format, row.updated_at = creds.username, secret, fmt, utcnow()
    session.add(row)


def store_credentials_many(conn: Connection, new: dict[int, Credentials], changed: dict[int, Credentials]) -> int:
    """Bulk form of store_credentials for imports (one executemany each, in the caller's
    transaction): `new` for cameras without stored credentials, `changed` for the others.
    Secrets are encrypted like store_credentials'."""
    table = CameraCredential.__table__
    now = utcnow()
    if not (new or changed):
        return 0
    box = writer_box(conn)

    def row(c: Credentials) -> dict:
        secret, fmt = _sealed(box, c.secret)
        return {"username": c.username, "secret": secret, "secret_format": fmt, "updated_at": now}

    if new:
        conn.execute(insert(table), [{"camera_id": cid, **row(c)} for cid, c in new.items()])
    if changed:
        conn.execute(update(table).where(table.c.camera_id == bindparam("_camera_id")),
                     [{"_camera_id": cid, **row(c)} for cid, c in changed.items()])
    return len(new) + len(changed)


def encrypt_plain_rows(engine: Engine) -> int:
    """Re-encrypt rows still stored as "plain" (databases from before the encryption), in one
    transaction; returns how many. Called at every start (console and CLI): cheap when there
    is nothing to do. A key problem is logged and the rows stay readable as they are."""
    table = CameraCredential.__table__
    with engine.begin() as conn:
        rows = conn.execute(select(table.c.camera_id, table.c.secret)
                            .where(table.c.secret_format == PLAIN)).all()
        if not rows:
            return 0
        try:
            box = writer_box(conn)
        except SecretKeyError as exc:
            log.error("camera passwords left unencrypted: %s", exc)
            return 0
        conn.execute(update(table).where(table.c.camera_id == bindparam("_camera_id"))
                     .where(table.c.secret_format == PLAIN),
                     [{"_camera_id": cid, "secret": box.encrypt(secret) if secret else "", "secret_format": FERNET_V1}
                      for cid, secret in rows])
    log.info("%d stored camera password(s) encrypted at rest", len(rows))
    return len(rows)
