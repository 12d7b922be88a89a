"""审计日志: an append-only, hash-chained record of who did what, when, from which console.

Each entry's hash covers the previous entry's hash and every stored field of its own, so an
edited, inserted or removed entry breaks the chain at that point (`verify` finds it). Entries are
written in the caller's transaction: a case transition and its audit entry commit together or
not at all. `seq` is unique and gap-free; writers serialise on the chain's head (an advisory lock
on PostgreSQL; SQLite allows one writer anyway), so two consoles never fork the chain.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from desktop.core.access import Actor
from desktop.core.models import AuditEntry

log = logging.getLogger(__name__)

GENESIS = "0" * 64
_PG_LOCK_KEY = 0x6D696E67  # "ming": the advisory lock that serialises audit writers on PostgreSQL


class AuditAction:
    """The actions written to the log (stored as these strings; the viewer translates them)."""

    LOGIN = "login"
    LOGIN_FAILED = "login_failed"
    LOGOUT = "logout"
    LOCKED_OUT = "locked_out"
    UNLOCK = "unlock"
    USER_CHANGE = "user_change"
    CASE_CREATE = "case_create"
    CASE_UPDATE = "case_update"
    CASE_TRANSITION = "case_transition"
    CASE_DELETE = "case_delete"
    ALERT_REVIEW = "alert_review"
    EXPORT = "export"
    IMPORT = "import"
    PRINT = "print"
    EVIDENCE_VIEW = "evidence_view"
    EVIDENCE_ADD = "evidence_add"
    VENUE_CHANGE = "venue_change"
    CAMERA_CHANGE = "camera_change"
    SETTINGS_CHANGE = "settings_change"
    MODEL_CHANGE = "model_change"
    BACKUP = "backup"
    RESTORE = "restore"
    RETENTION = "retention"
    PERMISSION_DENIED = "permission_denied"


@dataclass(frozen=True, slots=True)
class AuditRecord:
    seq: int
    at: datetime
    username: str
    role: str
    console: str
    action: str
    target: str
    detail: dict
    hash: str


def _naive_utc(at: datetime) -> datetime:
    """Hashed as naive UTC: the column gives back aware UTC on both databases, the hash must not
    depend on how a driver spells the zone."""
    if at.tzinfo is not None:
        at = at.astimezone(UTC).replace(tzinfo=None)
    return at


def entry_hash(prev_hash: str, seq: int, at: datetime, username: str, role: str, console: str, action: str,
               target: str, detail: str) -> str:
    payload = json.dumps([prev_hash, seq, _naive_utc(at).isoformat(timespec="microseconds"), username, role,
                          console, action, target, detail], ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _lock_head(s: Session) -> None:
    if s.get_bind().dialect.name == "postgresql":
        s.exec(text("SELECT pg_advisory_xact_lock(:k)").bindparams(k=_PG_LOCK_KEY))


def record(s: Session, actor: Actor, action: str, target: str = "", detail: dict | None = None, *,
           at: datetime | None = None) -> AuditEntry:
    """Append one entry in the caller's transaction (the caller commits). `detail` must never
    hold a password or a URL with credentials: callers pass names and ids."""
    _lock_head(s)
    last = s.exec(select(AuditEntry.seq, AuditEntry.hash).order_by(AuditEntry.seq.desc()).limit(1)).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    when = (at or datetime.now(UTC)).astimezone(UTC)
    detail_text = json.dumps(detail or {}, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    role = actor.role_label
    entry = AuditEntry(seq=seq, at=when, username=actor.username, role=role, console=actor.console, action=action,
                       target=target, detail=detail_text, prev_hash=prev,
                       hash=entry_hash(prev, seq, when, actor.username, role, actor.console, action, target,
                                       detail_text))
    s.add(entry)
    s.flush()
    return entry


def record_now(engine: Engine, actor: Actor, action: str, target: str = "", detail: dict | None = None) -> None:
    """Append one entry in its own transaction: for what changes nothing else in the database
    (a print, an export, viewing evidence, a failed login)."""
    with Session(engine) as s:
        record(s, actor, action, target, detail)
        s.commit()
