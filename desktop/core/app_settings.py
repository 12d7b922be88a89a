"""Console settings that are not window state: for now the OpenVINO device of the AI analysis,
chosen on the 设置 page and read by the analysis when it starts (a change applies at the next
start of the analysis). One JSON document in the data directory, written atomically; keys this
module does not know are kept, so later settings can live in the same file."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from sqlalchemy.engine import Engine

from desktop import paths
from desktop.core.access import Action, Actor, PermissionDenied, require
from desktop.core.audit import AuditAction, record_now
from desktop.core.guard import record_refusal
from desktop.core.settings_file import load_json, save_json

log = logging.getLogger(__name__)

SETTINGS_FILE = "settings.json"
DEFAULT_DEVICE = "AUTO"
# The choices offered: detectors.runtime.DEVICES (not imported here: that would load OpenVINO
# into whoever only wants to read a setting). A numbered device such as GPU.1 is accepted too.
DEVICE_CHOICES = ("AUTO", "CPU", "GPU", "NPU")
_DEVICE = re.compile(r"^(AUTO|CPU|GPU|NPU)(\.\d+)?$")


def settings_path() -> Path:
    return paths.data_dir() / SETTINGS_FILE


def valid_device(name: object) -> bool:
    return isinstance(name, str) and bool(_DEVICE.match(name))


def analysis_device(path: Path | None = None) -> str:
    """The OpenVINO device the analysis should open (AUTO, CPU, GPU, NPU or e.g. GPU.1); AUTO
    when nothing or something unusable is stored."""
    device = load_json(path or settings_path()).get("analysis", {})
    device = device.get("device") if isinstance(device, dict) else None
    if device is None:
        return DEFAULT_DEVICE
    if not valid_device(device):
        log.warning("ignoring unknown analysis device %r in the settings file; using %s", device, DEFAULT_DEVICE)
        return DEFAULT_DEVICE
    return device


def _require_settings(actor: Actor, engine: Engine | None, what: str) -> None:
    """MANAGE_SETTINGS; a refusal goes to the audit trail when `engine` is given."""
    try:
        require(actor, Action.MANAGE_SETTINGS)
    except PermissionDenied as exc:
        if engine is not None:
            record_refusal(engine, actor, exc, what)
        raise


def _store(section: str, key: str, value, path: Path | None, actor: Actor, engine: Engine | None) -> None:
    """Write one setting, keeping the others; the change goes to the audit trail when `engine`
    is given (the file lives outside the database, so the entry has a transaction of its own).
    The caller has checked the permission (_require_settings) and the value."""
    path = path or settings_path()
    data = load_json(path)
    old = data.get(section)
    old = old if isinstance(old, dict) else {}
    data[section] = {**old, key: value}
    save_json(path, data)
    if engine is not None:
        record_now(engine, actor, AuditAction.SETTINGS_CHANGE, f"{section}.{key}", {"from": old.get(key), "to": value})


def set_analysis_device(device: str, path: Path | None = None, *, actor: Actor, engine: Engine | None = None) -> None:
    """Store the device (ValueError for a name OpenVINO would not know). MANAGE_SETTINGS,
    audited when `engine` is given."""
    _require_settings(actor, engine, "set_analysis_device")
    if not valid_device(device):
        raise ValueError(f"unknown OpenVINO device {device!r}")
    _store("analysis", "device", device, path, actor, engine)


DEFAULT_IDLE_LOCK_MINUTES = 10


def idle_lock_minutes(path: Path | None = None) -> float:
    """Minutes without mouse or keyboard input after which the console locks itself; 0 = never.
    Stored as {"security": {"idle_lock_minutes": N}}."""
    section = load_json(path or settings_path()).get("security", {})
    value = section.get("idle_lock_minutes") if isinstance(section, dict) else None
    if value is None:
        return DEFAULT_IDLE_LOCK_MINUTES
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        log.warning("ignoring idle_lock_minutes %r in the settings file; using %s", value, DEFAULT_IDLE_LOCK_MINUTES)
        return DEFAULT_IDLE_LOCK_MINUTES
    return value


def set_idle_lock_minutes(minutes: float, path: Path | None = None, *, actor: Actor,
                          engine: Engine | None = None) -> None:
    """ValueError for a negative or non-numeric value. MANAGE_SETTINGS, audited when `engine`
    is given."""
    _require_settings(actor, engine, "set_idle_lock_minutes")
    if isinstance(minutes, bool) or not isinstance(minutes, int | float) or minutes < 0:
        raise ValueError(f"锁屏时间应为不小于 0 的分钟数 / idle lock minutes must be >= 0, not {minutes!r}")
    _store("security", "idle_lock_minutes", minutes, path, actor, engine)
