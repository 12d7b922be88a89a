"""Where the console keeps its data. In order: MINGCHU_DATA_DIR; the directory this process
was told to use (the demo's own one, `use_data_dir`); the directory chosen in the first-run
wizard (a small JSON file in the user config directory, which cannot live in the data directory
it points to); the user data directory."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from platformdirs import user_cache_dir, user_config_dir, user_data_dir, user_log_dir

APP = "mingchu-console"
LOCATION_FILE = "location.json"

log = logging.getLogger(__name__)
_session_dir: Path | None = None


def default_data_dir() -> Path:
    return Path(user_data_dir(APP, appauthor=False))


def location_file() -> Path:
    """Remembers the data directory chosen at the first run (XDG_CONFIG_HOME moves it on Linux)."""
    return Path(user_config_dir(APP, appauthor=False)) / LOCATION_FILE


def chosen_data_dir() -> Path | None:
    """The data directory stored by `save_data_dir_choice`, if any and readable."""
    try:
        value = json.loads(location_file().read_text(encoding="utf-8")).get("data_dir")
    except FileNotFoundError:
        return None
    except (OSError, ValueError, AttributeError) as exc:
        log.warning("ignoring unreadable %s: %s", location_file(), exc)
        return None
    return Path(value) if isinstance(value, str) and value.strip() else None


def save_data_dir_choice(path: Path) -> Path:
    """Remember `path` as the data directory of every later start (written atomically)."""
    from desktop.core.atomic_file import write_atomic

    path = Path(path).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    write_atomic(location_file(), json.dumps({"data_dir": str(path)}, ensure_ascii=False).encode("utf-8"))
    return path


def use_data_dir(path: Path | None) -> None:
    """This process only (the demo keeps its station apart from the real one); None: back to normal."""
    global _session_dir
    _session_dir = Path(path) if path is not None else None


def demo_data_dir() -> Path:
    return default_data_dir() / "demo"


def data_dir() -> Path:
    env = os.environ.get("MINGCHU_DATA_DIR")
    path = Path(env) if env else _session_dir or chosen_data_dir() or default_data_dir()
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
