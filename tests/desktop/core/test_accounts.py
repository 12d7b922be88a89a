"""Accounts (desktop.core.accounts) on real SQLite and PostgreSQL: the first administrator exactly
once and without any default password, the password policy, argon2 hashes (never the password),
lock-out after five failures for fifteen minutes (clock passed in, no sleeping), unlock by an
administrator, the last administrator kept, inactive users refused, and the audit entries of
logins, failed logins and lock-outs."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, select

from desktop.core import accounts
from desktop.core.access import Actor, Role
from desktop.core.accounts import (
    LOCKOUT,
    MAX_FAILED_LOGINS,
    AccountError,
    LoginRefused,
    authenticate,
    create_first_admin,
    create_user,
    has_users,
    set_password,
    unlock_user,
    update_user,
)
from desktop.core.audit import AuditAction, verify
from desktop.core.models import AuditEntry, User

PASSWORD = "Kitchen2026"
T0 = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)


def _entries(engine, action: str | None = None) -> list[AuditEntry]:
    """The entries, with `detail` read back from its stored JSON."""
    with Session(engine) as s:
        q = select(AuditEntry).order_by(AuditEntry.seq)
        if action:
            q = q.where(AuditEntry.action == action)
        rows = list(s.exec(q).all())
    for e in rows:
        e.detail = json.loads(e.detail)
    return rows


@pytest.fixture
def admin(engine):
    return create_first_admin(engine, "admin", PASSWORD, "系统管理员")


def test_a_fresh_database_has_no_account_and_no_default_password(engine):
    assert not has_users(engine)
    with Session(engine) as s:
        assert s.exec(select(User)).all() == []
    for name, pw in (("admin", "admin"), ("admin", ""), ("admin", "123456"), ("root", "root")):
        with pytest.raises(LoginRefused):
            authenticate(engine, name, pw)


def test_first_admin_is_created_once_only(engine, admin):
    assert admin.role is Role.ADMIN and admin.username == "admin" and admin.user_id is not None
    assert has_users(engine)
    with pytest.raises(AccountError, match="已有账号"):
        create_first_admin(engine, "second", PASSWORD)
    with Session(engine) as s:
        assert [u.username for u in s.exec(select(User)).all()] == ["admin"]
    created = _entries(engine, AuditAction.USER_CHANGE)
    assert len(created) == 1 and created[0].detail["first_run"] is True


def test_an_account_without_a_password_does_not_count_as_the_first(engine):
    """The demo account (no password) neither ends the first run nor logs in."""
    from desktop.demo.seed import DEMO_USER, seed_demo_user

    seed_demo_user(engine)
    assert not has_users(engine)
    with pytest.raises(LoginRefused):
        authenticate(engine, DEMO_USER, "")
    assert accounts.actor_for(engine, DEMO_USER).role is Role.HEAD
    create_first_admin(engine, "admin", PASSWORD)
    assert has_users(engine)


@pytest.mark.parametrize("password,why", [
    ("short1", "至少"), ("onlyletters", "字母和数字"), ("12345678", "字母和数字"), ("", "至少"),
])
def test_password_policy(engine, password, why):
    with pytest.raises(AccountError, match=why):
        create_first_admin(engine, "admin", password)
    assert not has_users(engine)


def test_stored_hash_is_argon2_and_never_the_password(engine, admin):
    with Session(engine) as s:
        user = s.exec(select(User)).one()
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash
    # Two accounts with the same password: different salts, different hashes.
    create_user(engine, admin, "lihua", PASSWORD, Role.HEAD, "李华")
    with Session(engine) as s:
        hashes = [u.password_hash for u in s.exec(select(User)).all()]
    assert len(set(hashes)) == 2
    # Nor anywhere in the audit log.
    assert all(PASSWORD not in str(e.detail) for e in _entries(engine))


def test_login_success_and_audit(engine, admin):
    actor = authenticate(engine, "admin", PASSWORD, console="值班室1", now=T0)
    assert actor.username == "admin" and actor.role is Role.ADMIN and actor.console == "值班室1"
    logins = _entries(engine, AuditAction.LOGIN)
    assert [(e.username, e.console) for e in logins] == [("admin", "值班室1")]
    with Session(engine) as s:
        assert s.exec(select(User)).one().last_login_at is not None


def test_wrong_password_counts_and_is_audited_without_the_password(engine, admin):
    with pytest.raises(LoginRefused, match="再错 4 次"):
        authenticate(engine, "admin", "Wrong12345", now=T0)
    with pytest.raises(LoginRefused, match="用户名或密码错误"):
        authenticate(engine, "nobody", "Wrong12345", now=T0)
    failed = _entries(engine, AuditAction.LOGIN_FAILED)
    assert [(e.target, e.detail["reason"]) for e in failed] == [("user:admin", "password"),
                                                                ("user:nobody", "unknown")]
    assert all("Wrong12345" not in str(e.detail) for e in _entries(engine))
    # A good login resets the count.
    authenticate(engine, "admin", PASSWORD, now=T0)
    with Session(engine) as s:
        assert s.exec(select(User)).one().failed_logins == 0


def test_five_failures_lock_for_fifteen_minutes_even_against_the_right_password(engine, admin):
    for i in range(MAX_FAILED_LOGINS - 1):
        with pytest.raises(LoginRefused) as refused:
            authenticate(engine, "admin", f"Wrong{i}xyz", now=T0 + timedelta(seconds=i))
        assert refused.value.locked_until is None
    with pytest.raises(LoginRefused, match="锁定 15 分钟") as refused:
        authenticate(engine, "admin", "Wrong5xyz", now=T0 + timedelta(minutes=1))
    until = refused.value.locked_until
    assert until == T0 + timedelta(minutes=1) + LOCKOUT
    assert len(_entries(engine, AuditAction.LOCKED_OUT)) == 1
    # Locked: the right password is refused, and says until when.
    with pytest.raises(LoginRefused, match="账号已锁定") as refused:
        authenticate(engine, "admin", PASSWORD, now=until - timedelta(seconds=1))
    assert refused.value.locked_until == until
    assert _entries(engine, AuditAction.LOGIN_FAILED)[-1].detail["reason"] == "locked"
    assert _entries(engine, AuditAction.LOGIN) == []
    # After the lock-out the right password works again.
    assert authenticate(engine, "admin", PASSWORD, now=until + timedelta(seconds=1)).username == "admin"
    assert verify(engine, anchor=False).ok


def test_administrator_unlocks_a_locked_account(engine, admin):
    create_user(engine, admin, "lihua", PASSWORD, Role.HEAD, "李华")
    for i in range(MAX_FAILED_LOGINS):
        with pytest.raises(LoginRefused):
            authenticate(engine, "lihua", f"Bad{i}pass", now=T0)
    with pytest.raises(LoginRefused, match="锁定"):
        authenticate(engine, "lihua", PASSWORD, now=T0)
    user_id = next(u.id for u in accounts.list_users(engine, admin) if u.username == "lihua")
    assert next(u for u in accounts.list_users(engine, admin) if u.id == user_id).locked_until is not None
    unlock_user(engine, admin, user_id)
    assert authenticate(engine, "lihua", PASSWORD, now=T0).role is Role.HEAD
    assert [e.target for e in _entries(engine, AuditAction.UNLOCK)] == ["user:lihua"]
    # A password reset by the administrator lifts a lock-out too.
    for i in range(MAX_FAILED_LOGINS):
        with pytest.raises(LoginRefused):
            authenticate(engine, "lihua", f"Bad{i}pass", now=T0)
    set_password(engine, admin, user_id, "NewPass2026")
    assert authenticate(engine, "lihua", "NewPass2026", now=T0).username == "lihua"


def test_only_an_administrator_manages_accounts(engine, admin):
    from desktop.core.access import PermissionDenied

    create_user(engine, admin, "lihua", PASSWORD, Role.HEAD, "李华")
    head = authenticate(engine, "lihua", PASSWORD)
    with pytest.raises(PermissionDenied):
        create_user(engine, head, "zhang", PASSWORD, Role.DUTY)
    with pytest.raises(PermissionDenied):
        unlock_user(engine, head, admin.user_id)


def test_the_last_administrator_cannot_be_disabled_or_demoted(engine, admin):
    with pytest.raises(AccountError, match="至少需要保留一个"):
        update_user(engine, admin, admin.user_id, active=False)
    with pytest.raises(AccountError, match="至少需要保留一个"):
        update_user(engine, admin, admin.user_id, role=Role.HEAD)
    assert authenticate(engine, "admin", PASSWORD).role is Role.ADMIN
    # With a second administrator, the first may step down.
    second = create_user(engine, admin, "admin2", PASSWORD, Role.ADMIN)
    update_user(engine, admin, admin.user_id, role=Role.HEAD)
    with pytest.raises(AccountError, match="至少需要保留一个"):
        update_user(engine, authenticate(engine, "admin2", PASSWORD), second, active=False)


def test_an_inactive_user_is_refused(engine, admin):
    uid = create_user(engine, admin, "zhang", PASSWORD, Role.DUTY, "张三")
    assert authenticate(engine, "zhang", PASSWORD).role is Role.DUTY
    update_user(engine, admin, uid, active=False)
    with pytest.raises(LoginRefused, match="用户名或密码错误"):
        authenticate(engine, "zhang", PASSWORD)
    assert _entries(engine, AuditAction.LOGIN_FAILED)[-1].detail["reason"] == "inactive"
    with pytest.raises(AccountError, match="已停用"):
        accounts.refresh_actor(engine, Actor("zhang", Role.DUTY, uid))


def test_change_own_password_needs_the_current_one(engine, admin):
    with pytest.raises(AccountError, match="原密码不正确"):
        accounts.change_own_password(engine, admin, "NotMine123", "Another2026")
    with pytest.raises(AccountError, match="至少"):
        accounts.change_own_password(engine, admin, PASSWORD, "short1")
    accounts.change_own_password(engine, admin, PASSWORD, "Another2026")
    with pytest.raises(LoginRefused):
        authenticate(engine, "admin", PASSWORD)
    assert authenticate(engine, "admin", "Another2026").username == "admin"
