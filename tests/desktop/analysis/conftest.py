"""Real models for the analysis tests, installed by the same code and into the same cache as the
detector tests (MINGCHU_TEST_MODEL_CACHE keeps them across runs)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from detectors.store import install_defaults


@pytest.fixture(scope="session")
def installed_models(tmp_path_factory) -> Path:
    override = os.environ.get("MINGCHU_TEST_MODEL_CACHE")
    cache = Path(override) if override else tmp_path_factory.mktemp("models")
    cache.mkdir(parents=True, exist_ok=True)
    install_defaults(cache / "models", cache / "wheels")
    return cache / "models"
