"""Alembic environment: runs on the connection the console hands over (desktop.core.db.migrate),
or on DATABASE_URL / the default SQLite file when started by `alembic` or `main.py db`."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from desktop.core import models  # noqa: F401 - registers the tables on SQLModel.metadata

config = context.config
target_metadata = SQLModel.metadata


def _configure(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things: batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    from desktop import paths
    from desktop.core.db import database_url, make_engine

    engine = make_engine(database_url(paths.data_dir()))
    with engine.connect() as conn:
        _configure(conn)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run against a database")
run_migrations_online()
