"""Database engine and schema: SQLite in the user data directory (WAL, foreign keys on) unless
DATABASE_URL names another database (PostgreSQL for several consoles sharing a station).

The schema is owned by Alembic (desktop/core/migrations); `migrate` brings any database to the
newest revision, including files created by the first release, which had no version table."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine
from sqlmodel import create_engine

from desktop.core import models  # noqa: F401 - registers the tables
from desktop.core.redact import redact_text, redact_url

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The tables of the first release (created with create_all, before Alembic).
_FIRST_RELEASE_TABLES = {"street", "venue", "camera", "camerastatusevent"}
FIRST_REVISION = "0001"


class DatabaseError(RuntimeError):
    """A database that cannot be opened or migrated; the message is safe to show (no password)."""


def database_url(data_dir: Path) -> str:
    return normalise_url(os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir / 'console.db'}")


def normalise_url(url: str) -> str:
    """`postgresql://` and `postgres://` (what people write) use psycopg 3, the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15}, hide_parameters=True)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:
            # The driver's own transaction handling is off, SQLAlchemy's BEGIN below takes over:
            # this makes DDL transactional too, so a failed migration rolls back completely.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn) -> None:
            conn.exec_driver_sql("BEGIN")
    else:
        engine = create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10}, hide_parameters=True)
    log.info("database: %s", redact_url(url))
    return engine


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the schema to `revision` in one transaction: a failure leaves the database as it
    was (DDL is transactional on PostgreSQL, and on SQLite with the BEGIN handling above)."""
    cfg = alembic_config()
    sqlite = engine.dialect.name == "sqlite"
    try:
        with engine.connect() as conn:
            if sqlite:
                # SQLite's batch mode copies tables; with foreign keys on, dropping the old copy
                # fails. The pragma only takes effect outside a transaction; checked at the end.
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
            try:
                with conn.begin():
                    tables = set(inspect(conn).get_table_names())
                    if "alembic_version" not in tables and _FIRST_RELEASE_TABLES <= tables:
                        # A file from the first release: its tables are revision 0001 exactly.
                        cfg.attributes["connection"] = conn
                        command.stamp(cfg, FIRST_REVISION)
                        log.info("database from the first release stamped at revision %s", FIRST_REVISION)
                    cfg.attributes["connection"] = conn
                    before = MigrationContext.configure(conn).get_current_revision()
                    command.upgrade(cfg, revision)
                    moved = MigrationContext.configure(conn).get_current_revision() != before
                    # The check reads every row: only after a migration ran (2.6 s at 1 M alerts).
                    if sqlite and moved:
                        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
                        if broken:
                            raise RuntimeError(f"foreign keys broken by the migration: {broken[:5]}")
            finally:
                if sqlite:
                    conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
    except Exception as exc:  # noqa: BLE001 - reported as one clear, redacted error
        raise DatabaseError(f"数据库迁移失败 / migration failed ({redact_url(str(engine.url))}): "
                            f"{type(exc).__name__}: {redact_text(str(exc))}") from exc


def init_schema(engine: Engine) -> None:
    """Kept for callers of the first release: the schema is now always migrated."""
    migrate(engine)
