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


def _run(connection) -> None:
    """The revisions, with the statistics roll-up triggers (desktop.core.stats_rollup, revision
    0007) out of the way: on SQLite a revision that copies a table (batch mode) would fail on
    them or drop them, so they are dropped first and installed again after every run; on
    PostgreSQL installed again after a run that changed the revision."""
    from sqlalchemy import inspect

    from desktop.core import stats_rollup

    sqlite = connection.dialect.name == "sqlite"
    with context.begin_transaction():
        before = context.get_context().get_current_revision()
        if sqlite:
            stats_rollup.drop_triggers(connection)
        context.run_migrations()
        moved = context.get_context().get_current_revision() != before
        if (sqlite or moved) and "alert_day" in inspect(connection).get_table_names():
            stats_rollup.drop_triggers(connection)
            stats_rollup.install_triggers(connection)


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        _run(connection)
        return
    from desktop import paths
    from desktop.core.db import database_url, make_engine

    engine = make_engine(database_url(paths.data_dir()))
    with engine.connect() as conn:
        _configure(conn)
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; run against a database")
run_migrations_online()
