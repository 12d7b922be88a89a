"""Shared by the login, first-run and idle-lock tests: a migrated SQLite database in the test's data
directory with an administrator, and where screenshots go (MINGCHU_TEST_SHOTS to keep them)."""

from __future__ import annotations

import os
from pathlib import Path

from desktop.core.accounts import create_first_admin
from desktop.core.db import database_url, init_schema, make_engine

PASSWORD = "Kitchen2026"


def station(data_dir: Path, admin: str = "admin"):
    """(engine, admin actor) of a fresh station in `data_dir`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(database_url(data_dir))
    init_schema(engine)
    return engine, create_first_admin(engine, admin, PASSWORD, "系统管理员")


def shot(widget, name: str, fallback: Path) -> Path:
    out = Path(os.environ.get("MINGCHU_TEST_SHOTS") or fallback)
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    assert widget.grab().save(str(path))
    return path
