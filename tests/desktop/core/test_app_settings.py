"""The settings file: the analysis device is stored atomically, read back, and never breaks the start."""

from __future__ import annotations

import json

import pytest

from desktop.core import app_settings
from desktop.core.app_settings import DEVICE_CHOICES, analysis_device, set_analysis_device, settings_path
from tests.actors import ADMIN


def test_default_is_auto(data_dir):
    assert analysis_device() == "AUTO"
    assert settings_path() == data_dir / "settings.json"


def test_saved_and_read_back_keeping_other_settings(data_dir):
    path = settings_path()
    path.write_text(json.dumps({"ui": {"theme": "dark"}, "analysis": {"fps": 2}}), encoding="utf-8")
    set_analysis_device("GPU", actor=ADMIN)
    assert analysis_device() == "GPU"
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "ui": {"theme": "dark"},
        "analysis": {"fps": 2, "device": "GPU"},
    }
    set_analysis_device("GPU.1", actor=ADMIN)
    assert analysis_device() == "GPU.1"
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".part")]  # atomic write left nothing


@pytest.mark.parametrize(
    "content", ["{", '{"analysis": {"device": "TPU"}}', '{"analysis": "GPU"}', "[1]", '{"analysis": {"device": 3}}']
)
def test_bad_file_or_value_means_auto(data_dir, content):
    settings_path().write_text(content, encoding="utf-8")
    assert analysis_device() == "AUTO"


def test_unknown_device_refused(tmp_path):
    with pytest.raises(ValueError):
        set_analysis_device("TPU", tmp_path / "s.json", actor=ADMIN)
    assert not (tmp_path / "s.json").exists()


def test_choices_are_the_runtimes():
    from detectors.runtime import DEVICES

    assert DEVICE_CHOICES == DEVICES and app_settings.DEFAULT_DEVICE in DEVICES
