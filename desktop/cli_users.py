"""Headless account administration: `main.py users list|add|set-role|set-streets|passwd|unlock|
disable|enable --user ADMIN ...`. Every command acts as the named administrator (checked in
desktop.core.accounts, written to the audit log). Passwords are never taken from the command
line (shell history, the process list): they are asked for twice on a terminal, or read from
the first line of stdin with `--password-stdin`.

Exit codes: 0 done; 1 refused (no permission, no such user, a password too weak, the last
administrator); 2 an unusable argument (unknown street or role, passwords that differ)."""

from __future__ import annotations

import getpass
import json
import sys

from desktop import paths

COMMANDS = ("users",)
ALL_STREETS = "全部"


def add_parsers(sub) -> None:
    from desktop.core.access import Role

    roles = [r.value for r in Role]
    u = sub.add_parser("users", help="账号管理 / user accounts (as an administrator: --user)")
    us = u.add_subparsers(dest="users_command", required=True)

    def cmd(name: str, help_text: str, *, target: bool = True):
        p = us.add_parser(name, help=help_text)
        p.add_argument("--user", required=True, help="执行操作的管理员 / the administrator acting")
        if target:
            p.add_argument("username", help="账号 / the account")
        return p

    ls = cmd("list", "账号列表 / list accounts", target=False)
    ls.add_argument("--json", action="store_true")
    add = cmd("add", "新建账号 / create an account")
    add.add_argument("--role", required=True, choices=roles)
    add.add_argument("--display-name", default="", help="姓名 / display name")
    add.add_argument("--streets", default=ALL_STREETS,
                     help=f"街镇（名称或编号，逗号分隔；{ALL_STREETS} = 不限）/ streets, comma-separated")
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读取初始密码 / password on stdin")
    sr = cmd("set-role", "修改角色 / change the role")
    sr.add_argument("role", choices=roles)
    ss = cmd("set-streets", "修改街镇范围 / change the streets")
    ss.add_argument("streets", help=f"街镇（名称或编号，逗号分隔；{ALL_STREETS} = 不限）")
    pw = cmd("passwd", "重置密码（同时解除锁定）/ reset the password")
    pw.add_argument("--password-stdin", action="store_true")
    cmd("unlock", "解除锁定 / lift a lock-out")
    cmd("disable", "停用账号 / disable")
    cmd("enable", "启用账号 / enable")


class _UsageError(ValueError):
    """A bad argument: exit 2."""


def _password(args) -> str:
    if getattr(args, "password_stdin", False):
        line = sys.stdin.readline()
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise _UsageError("没有终端可输入密码，请用 --password-stdin / no terminal: use --password-stdin")
    first = getpass.getpass("新密码 / new password: ")
    if getpass.getpass("再输入一次 / again: ") != first:
        raise _UsageError("两次输入的密码不一致 / passwords differ")
    return first


def _street_ids(engine, actor, text: str) -> list[int] | None:
    """Street names or ids → ids; 全部 (or empty, or 'all') → None, every street."""
    from desktop.core.registry import list_streets

    text = (text or "").strip()
    if text in ("", ALL_STREETS, "all"):
        return None
    streets = list_streets(engine, actor=actor)
    by_name = {s.name: s.id for s in streets}
    ids = {s.id for s in streets}
    out = []
    for part in (p.strip() for p in text.replace("，", ",").split(",")):
        if not part:
            continue
        if part in by_name:
            out.append(by_name[part])
        elif part.isdigit() and int(part) in ids:
            out.append(int(part))
        else:
            raise _UsageError(f"没有街镇「{part}」，可选：{'、'.join(by_name) or '（尚无街镇）'}")
    return out


def _find(engine, actor, username: str):
    from desktop.core.accounts import AccountError, list_users

    for record in list_users(engine, actor):
        if record.username == username:
            return record
    raise AccountError(f"没有账号「{username}」/ no user {username!r}")


def run(args) -> int:
    from desktop.core.access import PermissionDenied
    from desktop.core.accounts import AccountError, actor_for
    from desktop.core.db import DatabaseError, database_url, make_engine, migrate

    engine = make_engine(database_url(paths.data_dir()))
    try:
        migrate(engine)
        actor = actor_for(engine, args.user)
        return _run(engine, actor, args)
    except _UsageError as exc:
        print(f"参数错误 / bad argument: {exc}", file=sys.stderr)
        return 2
    except (AccountError, PermissionDenied, DatabaseError) as exc:
        print(f"失败 / failed: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()


def _run(engine, actor, args) -> int:
    from desktop.core import accounts

    command = args.users_command
    if command == "list":
        return _list(engine, actor, args)
    if command == "add":
        streets = _street_ids(engine, actor, args.streets)
        password = _password(args)
        accounts.create_user(engine, actor, args.username, password, args.role, args.display_name, streets)
        print(f"已创建账号「{args.username}」（{args.role}）")
        return 0
    record = _find(engine, actor, args.username)
    if command == "set-role":
        accounts.update_user(engine, actor, record.id, role=args.role)
        print(f"「{record.username}」的角色：{args.role}")
    elif command == "set-streets":
        streets = _street_ids(engine, actor, args.streets)
        updated = accounts.update_user(engine, actor, record.id, streets=streets)
        print(f"「{record.username}」的街镇：{'、'.join(updated.street_names) or ALL_STREETS}")
    elif command == "passwd":
        accounts.set_password(engine, actor, record.id, _password(args))
        print(f"已重置「{record.username}」的密码")
    elif command == "unlock":
        accounts.unlock_user(engine, actor, record.id)
        print(f"已解除「{record.username}」的锁定")
    elif command in ("disable", "enable"):
        accounts.update_user(engine, actor, record.id, active=command == "enable")
        print(f"已{'启用' if command == 'enable' else '停用'}「{record.username}」")
    return 0


def _list(engine, actor, args) -> int:
    from datetime import UTC, datetime

    from desktop.core.accounts import list_users

    users = list_users(engine, actor)
    now = datetime.now(UTC)

    def when(at) -> str:
        return at.astimezone().strftime("%Y-%m-%d %H:%M") if at else ""

    if args.json:
        print(json.dumps([{"username": u.username, "display_name": u.display_name, "role": u.role,
                           "active": u.active, "streets": list(u.street_names),
                           "locked": bool(u.locked_until and u.locked_until > now),
                           "locked_until": u.locked_until.isoformat() if u.locked_until else None,
                           "last_login_at": u.last_login_at.isoformat() if u.last_login_at else None,
                           "has_password": u.has_password} for u in users], ensure_ascii=False, indent=1))
        return 0
    print(f"{'账号':<14}{'姓名':<10}{'角色':<8}{'状态':<6}{'最近登录':<18}街镇")
    for u in users:
        state = "停用" if not u.active else ("锁定" if u.locked_until and u.locked_until > now else "启用")
        print(f"{u.username:<14}{u.display_name:<10}{u.role:<8}{state:<6}{when(u.last_login_at):<18}"
              f"{'、'.join(u.street_names) or ALL_STREETS}")
    return 0
