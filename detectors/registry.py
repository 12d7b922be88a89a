"""The families, by the name a manifest's `family` field uses. Explicit on purpose (DESIGN §9):
PyInstaller and type checkers see every import, and a manifest cannot name arbitrary code."""

from __future__ import annotations

import logging
from pathlib import Path

from detectors.families.base import Detector
from detectors.families.blazeface import BlazeFaceDetector
from detectors.families.classifier import Classifier
from detectors.families.ssd import SsdDetector
from detectors.families.ultraface import UltraFaceDetector
from detectors.families.yolo import YoloDetector
from detectors.manifest import Manifest
from detectors.runtime import Runtime

log = logging.getLogger(__name__)

FAMILIES: dict[str, type[Detector]] = {
    "ssd": SsdDetector,
    "ultraface": UltraFaceDetector,
    "blazeface": BlazeFaceDetector,
    "classifier": Classifier,
    "yolo": YoloDetector,
}


def create_detector(manifest: Manifest, model_dir: Path, runtime: Runtime, hint: str = "LATENCY",
                    path: Path | None = None) -> Detector:
    """Read, check and compile the model. Call it in the thread that will run the detector."""
    return FAMILIES[manifest.family](manifest, model_dir, runtime, hint, path)
