"""The default models on real photos, through the real OpenVINO runtime. Expected boxes were drawn
by hand on the photos (a person from head to the image's lower edge; a face from hairline to chin)."""

from __future__ import annotations

import threading

import cv2
import pytest

from detectors.manifest import bundled_manifests
from detectors.registry import create_detector
from detectors.types import Box

PEOPLE = {"astronaut": Box(0, 20, 370, 512), "camera": Box(0, 65, 300, 512)}
FACES = {"astronaut": Box(175, 60, 270, 175), "camera": Box(200, 110, 262, 205)}
FACE_MODELS = ("face-ultraface", "face-blazeface-full", "face-blazeface-short")


@pytest.fixture(scope="module")
def detectors(model_dir, runtime):
    return {m.id: create_detector(m, model_dir, runtime) for m in bundled_manifests()}


@pytest.mark.parametrize("photo", sorted(PEOPLE))
def test_person_found_where_the_person_is(detectors, photos, photo):
    found = [d for d in detectors["person-ssdlite"].detect(photos[photo]) if d.label == "person"]
    assert len(found) == 1, found
    assert found[0].score > 0.8
    assert found[0].box.iou(PEOPLE[photo]) > 0.75, found[0].box
    assert found[0].category is None  # a person is a fact for the rules, not a violation


def test_no_person_in_a_cat(detectors, photos):
    assert detectors["person-ssdlite"].detect(photos["chelsea"]) == ()


@pytest.mark.parametrize("model", FACE_MODELS)
@pytest.mark.parametrize("photo", sorted(FACES))
def test_one_face_no_duplicates(detectors, photos, model, photo):
    found = detectors[model].detect(photos[photo])
    assert len(found) == 1, f"{model} on {photo}: {found}"  # NMS left exactly one box
    assert found[0].label == "face" and found[0].score >= 0.5
    assert found[0].box.iou(FACES[photo]) > 0.5, found[0].box


@pytest.mark.parametrize("model", FACE_MODELS)
def test_no_face_in_a_cat(detectors, photos, model):
    assert detectors[model].detect(photos["chelsea"]) == ()


def test_boxes_follow_the_frame_size(detectors, photos):
    """Frames of any size (the wall's tiles, the main stream) map back to their own pixels."""
    big = cv2.resize(photos["astronaut"], (1024, 1024))
    (face,) = detectors["face-ultraface"].detect(big)
    scaled = Box(*(v * 2 for v in (FACES["astronaut"].x1, FACES["astronaut"].y1,
                                   FACES["astronaut"].x2, FACES["astronaut"].y2)))
    assert face.box.iou(scaled) > 0.5


def test_grey_and_bgra_frames(detectors, photos):
    grey = cv2.cvtColor(photos["camera"], cv2.COLOR_BGR2GRAY)
    bgra = cv2.cvtColor(photos["camera"], cv2.COLOR_BGR2BGRA)  # what the wall's FrameSlot holds
    for frame in (grey, bgra):
        assert len(detectors["person-ssdlite"].detect(frame)) == 1


def test_async_runner_matches_sync(model_dir, runtime, photos):
    m = next(m for m in bundled_manifests() if m.id == "face-blazeface-full")
    det = create_detector(m, model_dir, runtime, hint="THROUGHPUT")
    expected = {name: det.detect(img) for name, img in photos.items()}
    got: dict[str, tuple] = {}
    lock = threading.Lock()

    def on_result(result, name):
        with lock:
            got[name] = result

    runner = det.runner(on_result, jobs=2)
    for _ in range(3):
        for name, img in photos.items():
            runner.submit(img, name)
    runner.wait_all()
    assert runner.errors == 0
    assert got == expected
