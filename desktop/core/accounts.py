"""账号: local users with argon2 password hashes, lock-out after failed logins, street scope.

There is no default password: the first start creates the administrator through the first-run
dialog (`create_first_admin`, refused once any user exists). `authenticate` returns the Actor the
rest of the core checks (desktop.core.access); every login, failed login and lock-out is written
to the audit log in the same transaction as the counters.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from desktop.core import audit
from desktop.core.access import Action, Actor, Role, console_name, require, role_from_label
from desktop.core.audit import AuditAction
from desktop.core.models import Street, User, UserStreet

log = logging.getLogger(__name__)

MAX_FAILED_LOGINS = 5
LOCKOUT = timedelta(minutes=15)
MIN_PASSWORD_LENGTH = 8
_USERNAME = re.compile(r"^[A-Za-z0-9_.\-\u4e00-\u9fff]{2,32}$")

_hasher = PasswordHasher()
# Verified against when the user name is unknown, so that the answer takes as long as for a
# known name (no probing which accounts exist).
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class AccountError(ValueError):
    """A refused account change; the message is safe to show."""


class LoginRefused(AccountError):  # noqa: N818 - the contract's name, used by the UI
    """Wrong name or password, a locked or inactive account. The message never says which of
    name or password was wrong."""

    def __init__(self, message: str, *, locked_until: datetime | None = None) -> None:
        super().__init__(message)
        self.locked_until = locked_until


@dataclass(frozen=True, slots=True)
class UserRecord:
    id: int
    username: str
    display_name: str
    role: str
    active: bool
    streets: tuple[int, ...]  # empty: every street
    street_names: tuple[str, ...]
    locked_until: datetime | None
    last_login_at: datetime | None
    has_password: bool


def _now(now: datetime | None) -> datetime:
    now = now or datetime.now(UTC)
    return now if now.tzinfo else now.replace(tzinfo=UTC)


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def check_password_policy(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(f"密码至少 {MIN_PASSWORD_LENGTH} 位 / at least {MIN_PASSWORD_LENGTH} characters")
    if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
        raise AccountError("密码须同时包含字母和数字 / letters and digits")


def _check_username(username: str) -> str:
    username = (username or "").strip()
    if not _USERNAME.match(username):
        raise AccountError("用户名为 2–32 位字母、数字、汉字或 _ . - / 2-32 letters, digits, _ . -")
    return username


def _streets_of(s: Session, user_id: int) -> frozenset[int] | None:
    ids = s.exec(select(UserStreet.street_id).where(UserStreet.user_id == user_id)).all()
    return frozenset(ids) if ids else None


def _actor(s: Session, user: User, console: str | None = None) -> Actor:
    return Actor(username=user.username, role=role_from_label(user.role), user_id=user.id,
                 display_name=user.display_name, streets=_streets_of(s, user.id), console=console or console_name())


def has_users(engine: Engine) -> bool:
    """False on a fresh database: the console then runs the first-run dialog."""
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(User).where(User.password_hash.is_not(None))).one() > 0


def create_first_admin(engine: Engine, username: str, password: str, display_name: str = "") -> Actor:
    """The first account, a 管理员; refused once any account with a password exists."""
    username = _check_username(username)
    check_password_policy(password)
    with Session(engine) as s:
        audit._lock_head(s)  # serialises two consoles racing through the first-run dialog
        if s.exec(select(func.count()).select_from(User).where(User.password_hash.is_not(None))).one():
            raise AccountError("已有账号，首次设置已完成 / accounts already exist")
        user = s.exec(select(User).where(User.username == username)).first() or User(username=username)
        now = _now(None)
        user.display_name, user.role, user.active = display_name.strip(), Role.ADMIN.value, True
        user.password_hash, user.password_changed_at, user.failed_logins = _hasher.hash(password), now, 0
        s.add(user)
        s.flush()
        actor = _actor(s, user)
        audit.record(s, actor, AuditAction.USER_CHANGE, f"user:{username}", {"created": True, "role": user.role,
                                                                              "first_run": True})
        s.commit()
    log.info("first administrator %s created", username)
    return actor


def authenticate(engine: Engine, username: str, password: str, *, console: str | None = None,
                 now: datetime | None = None) -> Actor:
    """The Actor of a good login; LoginRefused otherwise. Five failures in a row lock the account
    for LOCKOUT; while locked even the right password is refused."""
    now = _now(now)
    username = (username or "").strip()
    with Session(engine) as s:
        user = s.exec(select(User).where(User.username == username)).first()
        who = Actor(username=username or "?", role=None, console=console or console_name())
        if user is None or not user.password_hash or not user.active:
            _verify(_DUMMY_HASH, password)
            audit.record(s, who, AuditAction.LOGIN_FAILED, f"user:{username}",
                         {"reason": "unknown" if user is None else ("inactive" if not user.active else "no_password")})
            s.commit()
            raise LoginRefused("用户名或密码错误 / wrong user name or password")
        locked = _aware(user.locked_until)
        if locked and locked > now:
            audit.record(s, who, AuditAction.LOGIN_FAILED, f"user:{username}", {"reason": "locked"})
            s.commit()
            raise LoginRefused(f"账号已锁定，请于 {locked.astimezone().strftime('%H:%M')} 后再试 / account locked",
                               locked_until=locked)
        if not _verify(user.password_hash, password):
            user.failed_logins = (user.failed_logins or 0) + 1
            detail = {"reason": "password", "failures": user.failed_logins}
            if user.failed_logins >= MAX_FAILED_LOGINS:
                user.locked_until, user.failed_logins = now + LOCKOUT, 0
                s.add(user)
                audit.record(s, who, AuditAction.LOGIN_FAILED, f"user:{username}", detail)
                audit.record(s, who, AuditAction.LOCKED_OUT, f"user:{username}",
                             {"minutes": int(LOCKOUT.total_seconds() // 60)})
                s.commit()
                raise LoginRefused(f"密码连续错误 {MAX_FAILED_LOGINS} 次，账号锁定 {int(LOCKOUT.total_seconds() // 60)}"
                                   " 分钟 / account locked", locked_until=user.locked_until)
            s.add(user)
            audit.record(s, who, AuditAction.LOGIN_FAILED, f"user:{username}", detail)
            s.commit()
            left = MAX_FAILED_LOGINS - user.failed_logins
            raise LoginRefused(f"用户名或密码错误，再错 {left} 次将锁定 / wrong user name or password")
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = _hasher.hash(password)
        user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
        s.add(user)
        actor = _actor(s, user, console)
        audit.record(s, actor, AuditAction.LOGIN, f"user:{username}")
        s.commit()
    return actor


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return False


def actor_for(engine: Engine, username: str) -> Actor:
    """The Actor of an active account by name, for the CLI's `--user` (the machine's operator is
    trusted to say who they are; the audit log records the name and the console)."""
    username = (username or "").strip()
    with Session(engine) as s:
        user = s.exec(select(User).where(User.username == username)).first()
        if user is None or not user.active:
            raise AccountError(f"没有启用的账号「{username}」/ no active user {username!r}")
        return _actor(s, user)


def refresh_actor(engine: Engine, actor: Actor) -> Actor:
    """The actor with its current role and streets (after an administrator changed them)."""
    if actor.system or actor.user_id is None:
        return actor
    with Session(engine) as s:
        user = s.get(User, actor.user_id)
        if user is None or not user.active:
            raise AccountError(f"账号「{actor.username}」已停用 / account disabled")
        return _actor(s, user, actor.console)


def _record(s: Session, user: User) -> UserRecord:
    rows = s.exec(select(Street.id, Street.name).join(UserStreet, UserStreet.street_id == Street.id)
                  .where(UserStreet.user_id == user.id).order_by(Street.sort_order, Street.name)).all()
    return UserRecord(user.id, user.username, user.display_name, user.role, user.active,
                      tuple(r[0] for r in rows), tuple(r[1] for r in rows), _aware(user.locked_until),
                      _aware(user.last_login_at), bool(user.password_hash))


def list_users(engine: Engine, actor: Actor) -> list[UserRecord]:
    require(actor, Action.MANAGE_USERS)
    with Session(engine) as s:
        return [_record(s, u) for u in s.exec(select(User).order_by(User.username)).all()]


def _set_streets(s: Session, user_id: int, streets: Iterable[int] | None) -> None:
    s.exec(delete(UserStreet).where(UserStreet.user_id == user_id))
    for street_id in sorted(set(streets or ())):
        if s.get(Street, street_id) is None:
            raise AccountError(f"没有编号为 {street_id} 的街镇 / no such street")
        s.add(UserStreet(user_id=user_id, street_id=street_id))


def _active_admins(s: Session) -> int:
    return s.exec(select(func.count()).select_from(User).where(User.role == Role.ADMIN.value, User.active,
                                                               User.password_hash.is_not(None))).one()


def create_user(engine: Engine, actor: Actor, username: str, password: str, role: Role | str,
                display_name: str = "", streets: Iterable[int] | None = None) -> int:
    require(actor, Action.MANAGE_USERS)
    username = _check_username(username)
    role = role if isinstance(role, Role) else role_from_label(role)
    check_password_policy(password)
    with Session(engine) as s:
        if s.exec(select(User).where(User.username == username)).first() is not None:
            raise AccountError(f"用户名「{username}」已存在 / user exists")
        user = User(username=username, display_name=display_name.strip(), role=role.value,
                    password_hash=_hasher.hash(password), password_changed_at=_now(None))
        s.add(user)
        s.flush()
        _set_streets(s, user.id, streets)
        audit.record(s, actor, AuditAction.USER_CHANGE, f"user:{username}",
                     {"created": True, "role": role.value, "streets": sorted(set(streets or ()))})
        s.commit()
        return user.id


_KEEP = object()


def update_user(engine: Engine, actor: Actor, user_id: int, *, role: Role | str | None = None,
                display_name: str | None = None, active: bool | None = None, streets=_KEEP) -> UserRecord:
    """Change role, name, active flag or streets (`streets=None` or () for every street). The last
    active administrator cannot be disabled or demoted."""
    require(actor, Action.MANAGE_USERS)
    with Session(engine) as s:
        user = s.get(User, user_id)
        if user is None:
            raise AccountError("账号不存在 / no such user")
        changes: dict = {}
        was_admin = user.role == Role.ADMIN.value and user.active
        if role is not None:
            new_role = role if isinstance(role, Role) else role_from_label(role)
            if new_role.value != user.role:
                changes["role"] = [user.role, new_role.value]
                user.role = new_role.value
        if display_name is not None and display_name.strip() != user.display_name:
            changes["display_name"] = [user.display_name, display_name.strip()]
            user.display_name = display_name.strip()
        if active is not None and bool(active) != user.active:
            changes["active"] = [user.active, bool(active)]
            user.active = bool(active)
        if was_admin and (user.role != Role.ADMIN.value or not user.active):
            s.add(user)
            s.flush()
            if _active_admins(s) == 0:
                raise AccountError("至少需要保留一个启用的管理员 / the last administrator cannot be removed")
        if streets is not _KEEP:
            old = sorted(_streets_of(s, user_id) or ())
            new = sorted(set(streets or ()))
            if old != new:
                changes["streets"] = [old, new]
                _set_streets(s, user_id, new)
        s.add(user)
        if changes:
            audit.record(s, actor, AuditAction.USER_CHANGE, f"user:{user.username}", changes)
        s.commit()
        return _record(s, user)


def set_password(engine: Engine, actor: Actor, user_id: int, new_password: str) -> None:
    """An administrator resets someone's password (which also lifts a lock-out)."""
    require(actor, Action.MANAGE_USERS)
    check_password_policy(new_password)
    with Session(engine) as s:
        user = s.get(User, user_id)
        if user is None:
            raise AccountError("账号不存在 / no such user")
        user.password_hash, user.password_changed_at = _hasher.hash(new_password), _now(None)
        user.failed_logins, user.locked_until = 0, None
        s.add(user)
        audit.record(s, actor, AuditAction.USER_CHANGE, f"user:{user.username}", {"password_reset": True})
        s.commit()


def change_own_password(engine: Engine, actor: Actor, old_password: str, new_password: str) -> None:
    if actor.user_id is None:
        raise AccountError("系统账号没有密码 / the system has no password")
    check_password_policy(new_password)
    with Session(engine) as s:
        user = s.get(User, actor.user_id)
        if user is None or not user.password_hash or not _verify(user.password_hash, old_password):
            raise AccountError("原密码不正确 / wrong current password")
        user.password_hash, user.password_changed_at = _hasher.hash(new_password), _now(None)
        s.add(user)
        audit.record(s, actor, AuditAction.USER_CHANGE, f"user:{user.username}", {"password_changed": True})
        s.commit()


def unlock_user(engine: Engine, actor: Actor, user_id: int) -> None:
    require(actor, Action.MANAGE_USERS)
    with Session(engine) as s:
        user = s.get(User, user_id)
        if user is None:
            raise AccountError("账号不存在 / no such user")
        user.failed_logins, user.locked_until = 0, None
        s.add(user)
        audit.record(s, actor, AuditAction.UNLOCK, f"user:{user.username}")
        s.commit()
