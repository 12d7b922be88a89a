"""Small JSON documents in the data directory (the wall plan, later other UI state).

Written atomically: a crash or a full disk while saving leaves the previous file intact."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from desktop.core.atomic_file import write_atomic

log = logging.getLogger(__name__)


def load_json(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        log.warning("ignoring unreadable %s: %s", path, exc)
        return {}
    return data if isinstance(data, dict) else {}


def save_json(path: Path, data: dict) -> None:
    write_atomic(path, json.dumps(data, ensure_ascii=False, indent=1).encode("utf-8"))
