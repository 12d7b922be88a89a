"""Database engine: SQLite in the user data directory (WAL, foreign keys on) unless
DATABASE_URL names another database."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel, create_engine

from desktop.core import models  # noqa: F401 - registers the tables
from desktop.core.redact import redact_url

log = logging.getLogger(__name__)


def database_url(data_dir: Path) -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir / 'console.db'}"


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()
    else:
        engine = create_engine(url, pool_pre_ping=True)
    log.info("database: %s", redact_url(url))
    return engine


def init_schema(engine: Engine) -> None:
    SQLModel.metadata.create_all(engine)
