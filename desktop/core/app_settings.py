"""Console settings that are not window state: for now the OpenVINO device of the AI analysis,
chosen on the 设置 page and read by the analysis when it starts (a change applies at the next
start of the analysis). One JSON document in the data directory, written atomically; keys this
module does not know are kept, so later settings can live in the same file."""

from __future__ import annotations

import logging
import re
from pathlib import Path

from desktop import paths
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


def set_analysis_device(device: str, path: Path | None = None) -> None:
    """Store the device (ValueError for a name OpenVINO would not know); other settings are kept."""
    if not valid_device(device):
        raise ValueError(f"unknown OpenVINO device {device!r}")
    path = path or settings_path()
    data = load_json(path)
    section = data.get("analysis")
    data["analysis"] = {**(section if isinstance(section, dict) else {}), "device": device}
    save_json(path, data)
