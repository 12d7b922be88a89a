"""The installed (PyInstaller) program: where its bundled files are, and the default models it
carries. The models are installed into the bundle at build time (installer/mingchu.spec); the
console reads models from the user's model directory, so on start the bundled ones are copied
there when missing (the station can still import plug-ins there; the program folder is read-only).

Qt-free; nothing here runs outside a frozen build unless MINGCHU_BUNDLED_MODELS names a folder."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import tempfile
from importlib import metadata
from pathlib import Path

log = logging.getLogger(__name__)

APP_DIST = "mingchu-console"
BUNDLED_MODELS = "models"  # installer/layout.py BUNDLED_MODELS, under the contents folder
LOCK = "models.lock.json"


def frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def bundle_root() -> Path | None:
    """The contents folder of the one-folder build (sys._MEIPASS), None when run from source."""
    base = getattr(sys, "_MEIPASS", None)
    return Path(base) if frozen() and base else None


def app_version() -> str:
    try:
        return metadata.version(APP_DIST)
    except metadata.PackageNotFoundError:
        return "unknown"


def bundled_model_dir() -> Path | None:
    """MINGCHU_BUNDLED_MODELS, else <bundle>/models in a frozen build, else None."""
    override = os.environ.get("MINGCHU_BUNDLED_MODELS")
    if override:
        return Path(override)
    root = bundle_root()
    return root / BUNDLED_MODELS if root else None


def _copy(src: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.")
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def seed_models(model_dir: Path, source: Path | None = None) -> list[str]:
    """Copy the bundled default models (and their licences and lock entries) into `model_dir`
    where a file of that name is missing; a file that is there is never overwritten (a corrupt
    one is for the self-test to report). Returns the names copied."""
    source = source or bundled_model_dir()
    if source is None or not source.is_dir():
        return []
    try:
        lock = json.loads((source / LOCK).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        lock = {}
    copied: list[str] = []
    for name in lock:
        if (source / name).is_file() and not (model_dir / name).exists():
            _copy(source / name, model_dir / name)
            copied.append(name)
    for lic in sorted((source / "licenses").glob("*")):
        if lic.is_file() and not (model_dir / "licenses" / lic.name).exists():
            _copy(lic, model_dir / "licenses" / lic.name)
    if copied:
        try:
            mine = json.loads((model_dir / LOCK).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            mine = {}
        mine.update({name: lock[name] for name in copied})
        fd, tmp = tempfile.mkstemp(dir=model_dir, prefix=f".{LOCK}.")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(mine, f, indent=1, sort_keys=True, ensure_ascii=False)
        os.chmod(tmp, 0o644)
        os.replace(tmp, model_dir / LOCK)
        log.info("bundled models copied into %s: %s", model_dir, ", ".join(copied))
    return copied
