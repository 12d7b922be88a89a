"""`--user NAME` for the command line (issue 7): who runs a command that changes data, exports or
prints. The core checks the permissions; this module turns a name into an Actor and a refusal
into the exit status the commands share:

  2 — no active account of that name (like any other bad argument);
  3 — the account may not do this (the Chinese message on stderr, never a traceback).

The machine's operator is trusted to say who they are (accounts.actor_for); the audit trail
records the name and the console."""

from __future__ import annotations

import sys

from desktop.core.access import SYSTEM, Actor, PermissionDenied

EXIT_UNKNOWN_USER = 2
EXIT_REFUSED = 3


class UnknownUserError(Exception):
    """--user names no active account; the message says so (Chinese first)."""


def add_user_argument(parser, *, required: bool = True) -> None:
    if required:
        parser.add_argument("--user", required=True, metavar="NAME",
                            help="操作账号（用户名）/ the account this is done as")
    else:
        parser.add_argument("--user", default=None, metavar="NAME",
                            help="按此账号的街镇范围显示 / show only this account's streets")


def actor_of(engine, name: str | None, *, optional: bool = False) -> Actor:
    """The account's Actor; SYSTEM when the argument is optional and not given (a read-only
    command run by the machine's operator sees everything, as before accounts existed)."""
    from desktop.core.accounts import AccountError, actor_for

    if not name and optional:
        return SYSTEM
    try:
        return actor_for(engine, name or "")
    except AccountError as exc:
        raise UnknownUserError(str(exc)) from None


def refused(exc: PermissionDenied) -> int:
    print(f"拒绝 / refused: {exc}", file=sys.stderr)
    return EXIT_REFUSED


def unknown_user(exc: UnknownUserError) -> int:
    print(f"账号无效 / unknown user: {exc}", file=sys.stderr)
    return EXIT_UNKNOWN_USER
