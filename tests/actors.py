"""Actors for tests (issue 7): one per role, unlimited in streets unless a test limits them.
They need no account row: the core takes the Actor as given (the UI and CLI resolve accounts)."""

from __future__ import annotations

from desktop.core.access import Actor, Role

DUTY = Actor("duty", Role.DUTY, display_name="值班员")
INSPECTOR = Actor("inspector", Role.INSPECTOR, display_name="检查员")
HEAD = Actor("head", Role.HEAD, display_name="科长")
ADMIN = Actor("admin", Role.ADMIN, display_name="管理员")
BY_ROLE = {Role.DUTY: DUTY, Role.INSPECTOR: INSPECTOR, Role.HEAD: HEAD, Role.ADMIN: ADMIN}


def person(name: str, role: Role = Role.HEAD, streets=None) -> Actor:
    """A named actor (the name lands in created_by / reviewer / the time line): by default a
    科室负责人, who may do every case step."""
    return Actor(name or "anon", role, display_name=name, streets=None if streets is None else frozenset(streets))


PASSWORD = "Test-password-1234"
CLI_USERS = {Role.DUTY: "duty", Role.INSPECTOR: "inspector", Role.HEAD: "head", Role.ADMIN: "admin"}


def cli_accounts(data_dir, streets: dict[Role, list[int]] | None = None,
                 names: dict[Role, str] | None = None) -> dict[Role, str]:
    """Real accounts, one per role, in the database of `data_dir` (DATABASE_URL when set; what
    `--user` names): the first administrator, then the others, with display names `names`
    (default: the role). Returns role -> user name."""
    names = names or {}
    from desktop.core import accounts
    from desktop.core.db import database_url, make_engine, migrate

    engine = make_engine(database_url(data_dir))
    try:
        migrate(engine)
        admin = accounts.create_first_admin(engine, CLI_USERS[Role.ADMIN], PASSWORD, names.get(Role.ADMIN, "管理员"))
        for role, name in CLI_USERS.items():
            if role is not Role.ADMIN:
                accounts.create_user(engine, admin, name, PASSWORD, role, display_name=names.get(role, role.value),
                                     streets=(streets or {}).get(role))
    finally:
        engine.dispose()
    return dict(CLI_USERS)
