"""审计日志: an append-only, hash-chained record of who did what, when, from which console.

Each entry's hash covers the previous entry's hash and every stored field of its own, so an
edited, inserted or removed entry breaks the chain at that point (`verify` finds it). Entries are
written in the caller's transaction: a case transition and its audit entry commit together or
not at all. `seq` is unique and gap-free; writers serialise on the chain's head (an advisory lock
on PostgreSQL, SQLite's write lock taken before the head is read), so two consoles never fork the
chain.

The chain alone cannot show a removed *tail*: drop the last entries and what is left is a valid,
shorter chain (and whoever can write the table can also recompute every hash after an edit).
So after every commit that wrote entries, the head (seq, hash) is copied to an **anchor file**
outside the database, in the console's data directory (atomic replace), and `verify` checks that
the chain still holds that entry with that hash. Why a file and not a second table: an attacker
with database access (the PostgreSQL account every console uses) could fix a table in the same
database as easily as the log itself; the anchor files sit on the consoles' own disks, one per
console that wrote, and each of them has to be found and fixed too. Someone with both the
database and a console's file system (for SQLite they are the same directory) can still rewrite
everything: against that, keep backups, and the head hash `verify-audit` prints can be written
down or kept elsewhere. The anchor only moves forward, and only from a head that still matches
it: once the table was tampered with, later writes do not launder the evidence.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from desktop.core.access import Actor
from desktop.core.atomic_file import write_atomic
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
    SCREEN_LOCK = "screen_lock"  # the console locked itself (idle) or was locked by its user
    SCREEN_UNLOCK = "screen_unlock"  # unlocked with the password, or by another user (切换用户)
    ALERT_ACK = "alert_ack"  # 签收告警 (desktop.core.alerts.acknowledge_alert)


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
    dialect = s.get_bind().dialect.name
    if dialect == "postgresql":
        s.exec(text("SELECT pg_advisory_xact_lock(:k)").bindparams(k=_PG_LOCK_KEY))
    elif dialect == "sqlite":
        # Take SQLite's write lock before reading the head: a transaction that reads first and
        # writes second cannot upgrade once another writer committed (SQLITE_BUSY at once, the
        # busy timeout does not apply), while waiting for the write lock does honour it. A
        # write statement takes the lock even when it changes no row.
        s.exec(text("UPDATE auditentry SET seq = seq WHERE 1 = 0"))


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
    _anchor_after_commit(s)
    return entry


def record_now(engine: Engine, actor: Actor, action: str, target: str = "", detail: dict | None = None) -> None:
    """Append one entry in its own transaction: for what changes nothing else in the database
    (a print, an export, viewing evidence, a failed login)."""
    with Session(engine) as s:
        record(s, actor, action, target, detail)
        s.commit()


# --- action names for people (the viewer, the export) -------------------------------------------

ACTION_LABELS: dict[str, str] = {
    AuditAction.LOGIN: "登录",
    AuditAction.LOGIN_FAILED: "登录失败",
    AuditAction.LOGOUT: "退出登录",
    AuditAction.LOCKED_OUT: "账号锁定",
    AuditAction.UNLOCK: "解锁账号",
    AuditAction.USER_CHANGE: "账号变更",
    AuditAction.CASE_CREATE: "立案",
    AuditAction.CASE_UPDATE: "修改案件",
    AuditAction.CASE_TRANSITION: "案件流转",
    AuditAction.CASE_DELETE: "删除案件",
    AuditAction.ALERT_REVIEW: "审核告警",
    AuditAction.EXPORT: "导出",
    AuditAction.IMPORT: "导入",
    AuditAction.PRINT: "打印",
    AuditAction.EVIDENCE_VIEW: "查看证据",
    AuditAction.EVIDENCE_ADD: "添加证据",
    AuditAction.VENUE_CHANGE: "单位变更",
    AuditAction.CAMERA_CHANGE: "摄像头变更",
    AuditAction.SETTINGS_CHANGE: "设置变更",
    AuditAction.MODEL_CHANGE: "模型变更",
    AuditAction.BACKUP: "备份",
    AuditAction.RESTORE: "恢复",
    AuditAction.RETENTION: "清理存储",
    AuditAction.PERMISSION_DENIED: "越权被拒",
    AuditAction.SCREEN_LOCK: "锁屏",
    AuditAction.SCREEN_UNLOCK: "解除锁屏",
    AuditAction.ALERT_ACK: "签收告警",
}


def action_label(action: str) -> str:
    """The Chinese name of an action; an action this build does not know shows as stored."""
    return ACTION_LABELS.get(action, action)


# --- the anchor: the head of the chain, kept outside the database -------------------------------

_anchor_lock = threading.Lock()  # one read-compare-replace of an anchor file at a time
_anchor_paths: dict[str, Path] = {}


def _db_key(engine: Engine) -> str:
    """Which database (never its password): anchors of different databases never mix."""
    return engine.url.set(password=None).render_as_string(hide_password=True)


def set_anchor_path(engine: Engine, path: Path | None) -> None:
    """Keep this database's anchor in `path` (tests, a console with an unusual layout); None:
    back to the default."""
    key = _db_key(engine)
    if path is None:
        _anchor_paths.pop(key, None)
    else:
        _anchor_paths[key] = Path(path)


def anchor_path(engine: Engine) -> Path | None:
    """The anchor file of this database: as set with set_anchor_path, else, for the console's
    own database (desktop.paths / DATABASE_URL), `audit-anchor/<digest of the URL>.json` in the
    data directory. Other databases (a benchmark's, a test's) have none unless set."""
    key = _db_key(engine)
    if key in _anchor_paths:
        return _anchor_paths[key]
    from sqlalchemy.engine import make_url

    from desktop import paths
    from desktop.core.db import database_url  # late: db is heavier and imports the models too

    data_dir = paths.data_dir()
    own_key = make_url(database_url(data_dir)).set(password=None).render_as_string(hide_password=True)
    if own_key != key:
        return None
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    return data_dir / "audit-anchor" / f"{digest}.json"


@dataclass(frozen=True, slots=True)
class Anchor:
    seq: int
    hash: str
    at: str = ""  # when it was written (ISO, UTC), for the operator


def read_anchor(path: Path | None) -> Anchor | None:
    """The anchor in `path`; None when there is none. An unreadable anchor file is reported by
    raising ValueError (it may have been tampered with: not silently treated as absent)."""
    if path is None or not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Anchor(int(data["seq"]), str(data["hash"]), str(data.get("at", "")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"审计锚点文件无法读取 / unreadable audit anchor {path}: {exc}") from exc


def _row_hash(conn, seq: int) -> str | None:
    row = conn.execute(text("SELECT hash FROM auditentry WHERE seq = :s").bindparams(s=seq)).first()
    return row[0] if row else None


def update_anchor(engine: Engine) -> Anchor | None:
    """Copy the committed head to the anchor file, if this database has one and the head still
    extends the anchored entry. Called after every commit that wrote audit entries; callable
    by hand (the CLI after a restore). Never raises: a failed anchor write must not fail the
    user's action, which is committed already; it is logged, and `verify` shows the stale anchor."""
    try:
        path = anchor_path(engine)
        if path is None:
            return None
        with _anchor_lock, engine.connect() as conn:
            head = conn.execute(text("SELECT seq, hash FROM auditentry ORDER BY seq DESC LIMIT 1")).first()
            if head is None:
                return None
            try:
                old = read_anchor(path)
            except ValueError:
                log.error("audit anchor %s unreadable: left for verify-audit to report", path)
                return None
            if old is not None:
                if old.seq >= head[0]:
                    return old  # another writer of this console got further already
                if _row_hash(conn, old.seq) != old.hash:
                    log.error("audit chain no longer holds the anchored entry %d: anchor kept as evidence",
                              old.seq)
                    return old
            anchor = Anchor(int(head[0]), str(head[1]), datetime.now(UTC).isoformat(timespec="seconds"))
            write_atomic(path, json.dumps({"seq": anchor.seq, "hash": anchor.hash, "at": anchor.at,
                                           "database": _db_key(engine)}, ensure_ascii=False).encode("utf-8"))
            return anchor
    except Exception:  # noqa: BLE001 - see docstring
        log.exception("audit anchor not updated")
        return None


def _anchor_after_commit(s: Session) -> None:
    """Once per session: after its next commit, move the anchor to the committed head."""
    if s.info.get("audit_anchor_hooked"):
        return
    s.info["audit_anchor_hooked"] = True
    engine = s.get_bind()

    def committed(_session) -> None:
        update_anchor(engine)

    event.listen(s, "after_commit", committed)


# --- verification -------------------------------------------------------------------------------

VERIFY_BATCH = 2000


@dataclass(frozen=True, slots=True)
class VerifyResult:
    """`ok` with the count and the head; else the first broken `seq`, a `kind` (edited, missing,
    link, truncated, anchor, anchor_unreadable) and a Chinese-first `problem`."""

    ok: bool
    count: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    kind: str = ""
    problem: str = ""
    anchor: Anchor | None = None
    anchor_path: str = ""

    def summary(self) -> str:
        if self.ok:
            text = f"审计日志完整 / audit log OK：{self.count} 条，链头 #{self.head_seq} {self.head_hash}"
            if self.anchor is None:
                text += "（无锚点，无法发现末尾被删除 / no anchor: a removed tail cannot be detected）"
            return text
        return f"审计日志被篡改 / audit log BROKEN at #{self.broken_seq}（{self.kind}）：{self.problem}"


def verify(engine: Engine, *, anchor: Path | None | bool = True, batch: int = VERIFY_BATCH) -> VerifyResult:
    """Walk the chain in seq order, `batch` rows at a time, recomputing every hash; then check
    the anchor (`anchor=True`: this database's anchor file; a Path: that file; None/False: none).
    Reports the first break only: everything after a break is unverifiable anyway."""
    path = anchor_path(engine) if anchor is True else (Path(anchor) if anchor else None)
    try:
        anchored = read_anchor(path)  # before the walk: entries committed meanwhile only extend it
    except ValueError as exc:
        return VerifyResult(False, 0, 0, GENESIS, 0, "anchor_unreadable", str(exc), None, str(path))

    def broken(seq: int, kind: str, problem: str, count: int, head_seq: int, head_hash: str) -> VerifyResult:
        return VerifyResult(False, count, head_seq, head_hash, seq, kind, problem, anchored, str(path or ""))

    expected, prev, count = 1, GENESIS, 0
    anchor_hash_seen: str | None = None
    with Session(engine) as s:
        while True:
            rows = s.exec(select(AuditEntry).where(AuditEntry.seq >= expected).order_by(AuditEntry.seq)
                          .limit(batch)).all()
            if not rows:
                break
            for row in rows:
                if row.seq != expected:
                    gap = f"#{expected}" if row.seq == expected + 1 else f"#{expected}–#{row.seq - 1}"
                    return broken(expected, "missing", f"缺少条目 {gap}（被删除）/ entries missing (removed)",
                                  count, expected - 1, prev)
                if row.prev_hash != prev:
                    return broken(row.seq, "link", "与前一条的链接不符（前面的条目被删除、插入或调换）"
                                  " / prev_hash does not match the previous entry (removed, inserted or reordered)",
                                  count, expected - 1, prev)
                if entry_hash(row.prev_hash, row.seq, row.at, row.username, row.role, row.console, row.action,
                              row.target, row.detail) != row.hash:
                    return broken(row.seq, "edited", "内容与哈希不符（条目被修改、调换或伪造）"
                                  " / content does not match its hash (edited, swapped or forged)",
                                  count, expected - 1, prev)
                if anchored is not None and row.seq == anchored.seq:
                    anchor_hash_seen = row.hash
                prev, expected, count = row.hash, expected + 1, count + 1
            s.expunge_all()  # a million entries are never all held at once
    head_seq = expected - 1
    if anchored is not None:
        if head_seq < anchored.seq:
            return broken(head_seq + 1, "truncated",
                          f"锚点记录到 #{anchored.seq}，日志只到 #{head_seq}（末尾条目被删除）"
                          f" / the anchor records #{anchored.seq}, the log ends at #{head_seq} (tail removed)",
                          count, head_seq, prev)
        if anchor_hash_seen != anchored.hash:
            return broken(anchored.seq, "anchor",
                          f"#{anchored.seq} 与锚点的哈希不符（日志被整体改写）"
                          " / differs from the anchored hash (the chain was rewritten)",
                          count, head_seq, prev)
    return VerifyResult(True, count, head_seq, prev, anchor=anchored, anchor_path=str(path or ""))
