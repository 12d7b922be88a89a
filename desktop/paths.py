"""Where the console keeps its data: the user data directory, or MINGCHU_DATA_DIR."""

from __future__ import annotations

import os
from pathlib import Path

from platformdirs import user_cache_dir, user_data_dir, user_log_dir

APP = "mingchu-console"


def data_dir() -> Path:
    path = Path(os.environ.get("MINGCHU_DATA_DIR") or user_data_dir(APP, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def snapshot_dir() -> Path:
    return data_dir() / "snapshots"


def evidence_dir() -> Path:
    """Content-addressed evidence (desktop.core.evidence_store): beside the database."""
    return data_dir() / "evidence"


def screenshot_dir() -> Path:
    return data_dir() / "screenshots"


def cache_dir() -> Path:
    base = os.environ.get("MINGCHU_DATA_DIR")
    return Path(base) / "cache" if base else Path(user_cache_dir(APP, appauthor=False))


def demo_cache_dir() -> Path:
    """Rendered demo scenes (seconds to make, same for every data directory):
    MINGCHU_DEMO_CACHE lets tests and benchmarks share one cache."""
    override = os.environ.get("MINGCHU_DEMO_CACHE")
    return Path(override) if override else cache_dir() / "demo"


def log_dir() -> Path:
    base = os.environ.get("MINGCHU_DATA_DIR")
    path = Path(base) / "logs" if base else Path(user_log_dir(APP, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path
