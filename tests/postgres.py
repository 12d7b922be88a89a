"""A throwaway PostgreSQL cluster on 127.0.0.1 for the tests (Debian's `postgresql` package).

The data-layer tests run against SQLite and PostgreSQL; a missing PostgreSQL is a test failure
with the install command, never a skip. MINGCHU_TEST_POSTGRES_URL points the tests at a running
server instead (a URL whose user may create databases)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

ADMIN_USER = "mingchu"


class PostgresUnavailableError(RuntimeError):
    pass


def _binary(name: str) -> str:
    # Debian keeps the server tools out of PATH (/usr/lib/postgresql/<major>/bin).
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    if found:
        return found[0]
    path = shutil.which(name)
    if path:
        return path
    raise PostgresUnavailableError(
        f"PostgreSQL server program '{name}' not found: install it with "
        "`sudo apt-get install postgresql` (make test does this through installer/system-packages.sh)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresCluster:
    """initdb + pg_ctl in a private directory; as root the server runs as the `postgres` user
    (PostgreSQL refuses to run as root)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="mingchu-pg-"))
        self.port = _free_port()
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise PostgresUnavailableError("running as root but there is no 'postgres' user") from exc
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self._as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        r = subprocess.run([*self._as_user, *args], capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise PostgresUnavailableError(f"{' '.join(args[:2])} failed: {r.stderr.strip() or r.stdout.strip()}")

    def start(self) -> str:
        data = self.dir / "data"
        self._run(_binary("initdb"), "-D", str(data), "-U", ADMIN_USER, "-A", "trust", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run(_binary("pg_ctl"), "-D", str(data), "-o", options, "-l", str(self.dir / "server.log"),
                  "-w", "-t", "60", "start")
        return f"postgresql+psycopg://{ADMIN_USER}@127.0.0.1:{self.port}"

    def stop(self) -> None:
        try:
            self._run(_binary("pg_ctl"), "-D", str(self.dir / "data"), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def _admin_dsn(base_url: str) -> str:
    return base_url.replace("postgresql+psycopg://", "postgresql://") + "/postgres"


def create_database(base_url: str) -> tuple[str, str]:
    """A fresh, empty database; returns (name, SQLAlchemy URL)."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_admin_dsn(base_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, f"{base_url}/{name}"


def drop_database(base_url: str, name: str) -> None:
    with psycopg.connect(_admin_dsn(base_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def scratch_database(base_url: str) -> Iterator[str]:
    """A fresh, empty database for the `with` block (its SQLAlchemy URL), dropped after."""
    name, url = create_database(base_url)
    try:
        yield url
    finally:
        drop_database(base_url, name)
