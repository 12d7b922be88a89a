"""The runtime: self-test, the CPU fallback notice, and f32 for classifiers."""

from __future__ import annotations

import numpy as np
import openvino as ov
import pytest

from detectors.manifest import parse_manifest
from detectors.registry import create_detector
from detectors.runtime import OpenVinoError, infer_sync, open_runtime
from detectors.types import Box
from tests.detectors.builders import mean_colour_classifier


def test_self_test_and_devices(runtime):
    assert runtime.selftest.error is None
    assert runtime.device in runtime.devices
    if runtime.device == "CPU":  # AUTO that lands on the CPU says so, visibly
        assert runtime.notice and "CPU" in runtime.notice


def test_missing_accelerator_falls_back_to_cpu_with_notice(caplog):
    rt = open_runtime("NPU") if "NPU" not in ov.Core().available_devices else pytest.skip("has an NPU")
    assert rt.device == "CPU"
    assert rt.selftest.error
    assert "NPU" in rt.notice and "CPU" in rt.notice
    assert any("falling back to CPU" in r.getMessage() for r in caplog.records)


def test_explicit_cpu_has_no_notice():
    assert open_runtime("CPU").notice is None


def classifier_manifest(name: str) -> dict:
    return {"id": "colour", "name": "颜色分类", "family": "classifier", "labels": ["red", "green", "blue"],
            "files": [{"name": name}],
            "input": {"layout": "NHWC", "width": 32, "height": 32, "colour": "RGB", "scale": [255, 255, 255]},
            "thresholds": {"score": 0.0}, "licence": {"name": "MIT"}, "source": "test"}


@pytest.fixture
def colour_classifier(tmp_path, runtime):
    mean_colour_classifier(tmp_path / "colour.xml")
    return create_detector(parse_manifest(classifier_manifest("colour.xml")), tmp_path, runtime)


def test_classifier_compiled_in_f32(colour_classifier):
    assert colour_classifier.compiled.get_property("INFERENCE_PRECISION_HINT") == ov.Type.f32


def test_detectors_use_latency_hint(model_dir, runtime):
    from detectors.manifest import bundled_manifests

    m = next(m for m in bundled_manifests() if m.id == "face-blazeface-short")
    det = create_detector(m, model_dir, runtime)
    assert str(det.compiled.get_property("PERFORMANCE_HINT")).endswith("LATENCY")


def test_classifier_on_a_crop(colour_classifier):
    frame = np.zeros((100, 200, 3), np.uint8)
    frame[:, 100:] = (255, 0, 0)  # BGR: the right half is blue
    (whole,) = colour_classifier.detect(frame)
    assert whole.box == Box(0, 0, 200, 100)
    crop = colour_classifier.classify(frame, Box(120, 10, 180, 90))
    assert crop.label == "blue" and crop.box == Box(120, 10, 180, 90)
    expected = np.exp([0, 0, 10]) / np.exp([0, 0, 10]).sum()  # softmax(10 × mean RGB)
    assert crop.score == pytest.approx(expected[2], abs=1e-4)


def test_infer_sync_helper(colour_classifier):
    out = infer_sync(colour_classifier.compiled, np.ones((1, 32, 32, 3), np.float32))
    (probs,) = out.values()
    assert probs.shape == (1, 3) and probs.sum() == pytest.approx(1.0, abs=1e-5)


def test_unreadable_file_is_a_clear_failure(tmp_path, runtime):
    bad = tmp_path / "bad.onnx"
    bad.write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(OpenVinoError, match="cannot read model bad.onnx"):
        runtime.read(bad)
