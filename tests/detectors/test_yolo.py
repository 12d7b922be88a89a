"""YOLO decoding on a tiny model with known outputs: letterbox mapping, per-class NMS, thresholds."""

from __future__ import annotations

import numpy as np
import pytest

from detectors.families.base import ModelMismatchError
from detectors.manifest import parse_manifest
from detectors.registry import create_detector
from detectors.types import Box
from tests.detectors.builders import yolo_model
from tests.detectors.test_manifest import GOOD

# Columns: cx, cy, w, h (input pixels of the 64×64 letterboxed input), score(hat), score(no_hat).
CANDIDATES = np.array([
    [20, 30, 10, 10, 0.90, 0.05],  # hat A                       → kept
    [21, 30, 10, 10, 0.80, 0.05],  # same hat, IoU 0.82          → suppressed by A
    [20, 30, 10, 10, 0.05, 0.85],  # no_hat on the same spot     → kept (other class)
    [50, 40, 8, 6, 0.40, 0.60],    # no_hat elsewhere            → kept
    [40, 40, 10, 10, 0.10, 0.20],  # below the score threshold   → dropped
], dtype=np.float32).T  # → [4 + C, N]


@pytest.fixture
def yolo(tmp_path, runtime):
    yolo_model(tmp_path / "chef-hat.xml", CANDIDATES)
    manifest = parse_manifest({**GOOD, "files": [{"name": "chef-hat.xml"}],
                               "thresholds": {"score": 0.25, "nms_iou": 0.5}})
    return create_detector(manifest, tmp_path, runtime)


def test_decode_letterbox_and_per_class_nms(yolo):
    # A 128×64 frame letterboxes into 64×64 at scale 0.5 with 16 px of padding above and below,
    # so source = ((x − 0) / 0.5, (y − 16) / 0.5).
    found = yolo.detect(np.zeros((64, 128, 3), np.uint8))
    got = [(d.label, d.category, round(d.score, 2), d.box) for d in found]
    assert got == [
        ("hat", None, 0.9, Box(30, 18, 50, 38)),
        ("no_hat", "未戴厨师帽", 0.85, Box(30, 18, 50, 38)),
        ("no_hat", "未戴厨师帽", 0.6, Box(92, 42, 108, 54)),
    ]


def test_boxes_clipped_to_the_frame(tmp_path, runtime):
    edge = np.array([[2, 32, 10, 10, 0.9, 0.0]], dtype=np.float32).T
    yolo_model(tmp_path / "edge.xml", edge)
    m = parse_manifest({**GOOD, "files": [{"name": "edge.xml"}]})
    (d,) = create_detector(m, tmp_path, runtime).detect(np.zeros((64, 64, 3), np.uint8))
    assert d.box == Box(0, 27, 7, 37)


def test_label_count_must_match_classes(tmp_path, runtime):
    yolo_model(tmp_path / "chef-hat.xml", CANDIDATES)
    m = parse_manifest({**GOOD, "files": [{"name": "chef-hat.xml"}], "labels": ["hat", "no_hat", "cap"],
                        "categories": {}})
    with pytest.raises(ModelMismatchError, match=r"C = 3 labels \(4\+C = 7\); model has \[1, 6, 5\]"):
        create_detector(m, tmp_path, runtime)


def test_input_size_must_match(tmp_path, runtime):
    yolo_model(tmp_path / "chef-hat.xml", CANDIDATES)
    m = parse_manifest({**GOOD, "files": [{"name": "chef-hat.xml"}],
                        "input": {**GOOD["input"], "width": 640, "height": 640}})
    with pytest.raises(ModelMismatchError, match=r"input shape \[1,3,64,64\] does not fit the manifest"):
        create_detector(m, tmp_path, runtime)
