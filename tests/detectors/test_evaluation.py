"""The evaluation metrics with numbers computed by hand, and the COCO / YOLO label readers on
files written here, malformed ones included (the error names the file and the line)."""

from __future__ import annotations

import json
import re

import cv2
import numpy as np
import pytest

from detectors.datasets import (
    DatasetError,
    GroundTruth,
    json_line,
    load_dataset,
    load_image,
    load_names,
)
from detectors.evaluation import Evaluator, LabelMap, Prediction, average_precision, match, parse_renames
from detectors.manifest import bundled_manifests
from detectors.types import Box


def gt(label, x1, y1, x2, y2, ignore=False):
    return GroundTruth(label, Box(x1, y1, x2, y2), ignore)


def pred(category, score, x1, y1, x2, y2, model="m"):
    return Prediction(category, score, Box(x1, y1, x2, y2), model)


def only(evaluator: Evaluator, category: str, model: str = "m"):
    [row] = [r for r in evaluator.results() if (r.category, r.model) == (category, model)]
    return row


# ---- matching -------------------------------------------------------------------------------------


def test_tp_fp_fn_and_duplicates_count_as_false_positives():
    ev = Evaluator(0.5)
    truths = [gt("person", 0, 0, 100, 100), gt("person", 200, 0, 300, 100)]
    ev.add_image(
        truths,
        [
            pred("person", 0.9, 0, 0, 100, 100),  # TP on the first person
            pred("person", 0.8, 5, 5, 100, 100),  # duplicate of the first: FP (IoU 0.9025 with a taken box)
            pred("person", 0.7, 500, 500, 600, 600),  # nothing there: FP
        ],
    )
    r = only(ev, "person")
    assert (r.gt, r.detections, r.tp, r.fp, r.fn) == (2, 3, 1, 2, 1)
    assert r.precision == pytest.approx(1 / 3) and r.recall == pytest.approx(1 / 2)
    # ranked: TP, FP, FP → precision 1 at recall 0.5, never reaching recall 1: AP = 0.5 × 1
    assert r.ap == pytest.approx(0.5)


def test_iou_threshold_edge_is_inclusive():
    truth = [gt("person", 0, 0, 10, 10)]
    half = [pred("person", 0.9, 0, 0, 10, 5)]  # intersection 50, union 100: IoU exactly 0.5
    at = Evaluator(0.5)
    at.add_image(truth, half)
    above = Evaluator(0.51)
    above.add_image(truth, half)
    assert (only(at, "person").tp, only(at, "person").fp) == (1, 0)
    assert (only(above, "person").tp, only(above, "person").fp, only(above, "person").fn) == (0, 1, 1)


def test_greedy_by_score_not_by_iou():
    """The higher-scored detection takes the object even though the other overlaps it better."""
    truths = [Box(0, 0, 100, 100)]
    outcomes = match(truths, [(0.6, Box(0, 0, 100, 100)), (0.9, Box(0, 0, 100, 60))], 0.5)
    assert outcomes == [False, True]


def test_each_detection_takes_the_best_free_object():
    """Two people overlapping: the first detection fits both (IoU 0.74 and 0.90) and takes the
    better one, which leaves the first person to the second detection (IoU 0.70 with it, 0.42 with
    the other). Taking the first box that passes would have made the second detection an FP."""
    truths = [Box(0, 0, 100, 100), Box(20, 0, 120, 100)]
    outcomes = match(truths, [(0.9, Box(15, 0, 115, 100)), (0.8, Box(0, 0, 70, 100))], 0.5)
    assert outcomes == [True, True]


def test_labels_are_matched_separately_and_per_model():
    ev = Evaluator(0.5, rows=[("face", "a"), ("face", "b"), ("person", "a")])
    ev.add_image(
        [gt("face", 0, 0, 10, 10), gt("person", 0, 0, 50, 100)],
        [
            pred("person", 0.9, 0, 0, 10, 10, "a"),  # a person box on the face: the face does not count for it
            pred("face", 0.8, 0, 0, 10, 10, "a"),
            pred("face", 0.7, 0, 0, 10, 10, "b"),  # a second model on the same face: its own TP, not a duplicate
        ],
    )
    rows = {(r.category, r.model): (r.gt, r.tp, r.fp, r.fn) for r in ev.results()}
    assert rows == {("face", "a"): (1, 1, 0, 0), ("face", "b"): (1, 1, 0, 0), ("person", "a"): (1, 0, 1, 1)}


def test_declared_row_without_detections_and_blank_images():
    ev = Evaluator(0.5, rows=[("person", "m")])
    ev.add_image([], [])  # a blank image, nothing found: no effect but the image count
    ev.add_image([gt("person", 0, 0, 10, 10)], [])
    ev.add_image([], [pred("person", 0.6, 0, 0, 10, 10)])  # a detection on an image without people
    r = only(ev, "person")
    assert ev.images == 3
    assert (r.gt, r.tp, r.fp, r.fn, r.precision, r.recall, r.ap) == (1, 0, 1, 1, 0.0, 0.0, 0.0)


def test_category_with_ground_truth_but_no_model_row():
    ev = Evaluator(0.5)
    ev.add_image([gt("吸烟", 0, 0, 10, 10)], [])
    [r] = ev.results()
    assert (r.category, r.model, r.gt, r.fn, r.precision, r.recall) == ("吸烟", "", 1, 1, None, 0.0)


def test_crowd_region_detections_are_not_counted():
    ev = Evaluator(0.5)
    ev.add_image(
        [gt("person", 0, 0, 100, 100), gt("person", 200, 0, 400, 200, ignore=True)],
        [
            pred("person", 0.9, 0, 0, 100, 100),
            pred("person", 0.8, 250, 50, 300, 100),  # inside the crowd: ignored
            pred("person", 0.7, 380, 150, 480, 250),  # 4 % inside the crowd: FP
        ],
    )
    r = only(ev, "person")
    assert (r.gt, r.detections, r.tp, r.fp) == (1, 2, 1, 1)


def test_average_precision_hand_computed():
    # GT 2; ranked TP, FP, TP: precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1.
    # Envelope: 1 up to recall 1/2, 2/3 up to recall 1 → AP = 0.5·1 + 0.5·2/3 = 5/6.
    assert average_precision([(0.9, True), (0.8, False), (0.7, True)], 2) == pytest.approx(5 / 6)
    # order comes from the scores, not the list
    assert average_precision([(0.7, True), (0.9, True), (0.8, False)], 2) == pytest.approx(5 / 6)
    assert average_precision([(0.9, False), (0.8, True)], 1) == pytest.approx(0.5)
    assert average_precision([], 3) == 0.0
    assert average_precision([(0.9, False)], 0) is None


def test_accumulates_over_images():
    ev = Evaluator(0.5)
    ev.add_image([gt("face", 0, 0, 10, 10)], [pred("face", 0.9, 0, 0, 10, 10)])
    ev.add_image([gt("face", 0, 0, 10, 10), gt("face", 20, 20, 30, 30)], [pred("face", 0.5, 50, 50, 60, 60)])
    r = only(ev, "face")
    assert (r.gt, r.tp, r.fp, r.fn) == (3, 1, 1, 2)
    assert r.as_dict() == {
        "category": "face",
        "model": "m",
        "gt": 3,
        "detections": 2,
        "tp": 1,
        "fp": 1,
        "fn": 2,
        "precision": 0.5,
        "recall": 0.3333,
        "ap": 0.3333,
    }


def test_bad_iou_threshold():
    with pytest.raises(ValueError):
        Evaluator(0.0)


# ---- label names → categories ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def manifests():
    by_id = {m.id: m for m in bundled_manifests()}
    return [by_id["person-ssdlite"], by_id["face-ultraface"], by_id["mask-mobilenetv2"]]


def test_label_map(manifests):
    labels = LabelMap(manifests, parse_renames("pedestrian=person, without_mask=no_mask,口罩=mask"))
    assert labels.category_of_label("mask-mobilenetv2", "no_mask") == "未戴口罩"
    assert labels.category_of_label("person-ssdlite", "person") == "person"
    assert [
        labels.category_of_class(c)
        for c in ("person", "pedestrian", "未戴口罩", "no_mask", "without_mask", "口罩", "cat")
    ] == ["person"] * 2 + ["未戴口罩"] * 3 + ["mask", None]
    assert labels.rows(["pedestrian", "without_mask", "cat"]) == [
        ("person", "person-ssdlite"),
        ("未戴口罩", "mask-mobilenetv2"),
    ]
    assert labels.unlabelled(["pedestrian"]) == [
        ("face", "face-ultraface"),
        ("mask", "mask-mobilenetv2"),
        ("未戴口罩", "mask-mobilenetv2"),
    ]


def test_label_map_rejects_unknown_targets(manifests):
    with pytest.raises(ValueError, match="cat=dog"):
        LabelMap(manifests, {"cat": "dog"})
    with pytest.raises(ValueError, match="gt=label"):
        parse_renames("person")


# ---- YOLO ---------------------------------------------------------------------------------------


def image(path, w=200, h=100):
    cv2.imwrite(str(path), np.full((h, w, 3), 90, np.uint8))
    return path


@pytest.fixture
def yolo(tmp_path):
    images, labels = tmp_path / "images", tmp_path / "labels"
    images.mkdir()
    labels.mkdir()
    image(images / "a.jpg")
    image(images / "b.png")
    image(images / "c.png")  # no label file: a background image
    (labels / "classes.txt").write_text("person\nface\n\n", encoding="utf-8")
    (labels / "a.txt").write_text("0 0.5 0.5 0.5 1.0\n\n1 0.25 0.25 0.1 0.2  # a face\n", encoding="utf-8")
    (labels / "b.txt").write_text("", encoding="utf-8")
    (labels / "orphan.txt").write_text("0 0.5 0.5 0.1 0.1\n", encoding="utf-8")
    return images, labels


def test_yolo(yolo):
    images, labels = yolo
    ds = load_dataset(images, labels)
    assert ds.format == "yolo" and ds.classes == ("person", "face")
    assert [i.path.name for i in ds.images] == ["a.jpg", "b.png", "c.png"]
    assert [len(i.objects) for i in ds.images] == [2, 0, 0]
    assert ds.object_counts() == {"person": 1, "face": 1}
    frame, objects = load_image(ds.images[0])
    assert frame.shape == (100, 200, 3)
    person, face = objects
    assert person == gt("person", 50, 0, 150, 100)
    assert face.label == "face"
    assert face.box.x1 == pytest.approx(40) and face.box.y1 == pytest.approx(15)
    assert face.box.x2 == pytest.approx(60) and face.box.y2 == pytest.approx(35)
    assert "orphan.txt" in ds.notes[0]


def test_yolo_names_option_and_data_yaml(yolo, tmp_path):
    images, labels = yolo
    (labels / "classes.txt").unlink()
    with pytest.raises(DatasetError, match="--names"):
        load_dataset(images, labels)
    names = tmp_path / "obj.names"
    names.write_text("行人\n人脸\n", encoding="gb18030")
    assert load_dataset(images, labels, names).classes == ("行人", "人脸")
    (labels / "data.yaml").write_text("path: .\nnames:\n  0: person  # people\n  1: 'face'\nnc: 2\n", encoding="utf-8")
    assert load_dataset(images, labels).classes == ("person", "face")


@pytest.mark.parametrize(
    "text, names",
    [
        ("nc: 2\nnames: ['person', \"chef hat\"]  # two\n", ("person", "chef hat")),
        ("names: [person,\n  face]\n", ("person", "face")),
        ("names:\n- person\n- face\ntrain: images\n", ("person", "face")),
        ("train: x\nnames:\n  - person\n  - 厨师帽\n", ("person", "厨师帽")),
    ],
)
def test_data_yaml_spellings(tmp_path, text, names):
    path = tmp_path / "data.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_names(path) == names


@pytest.mark.parametrize(
    "text, line, message",
    [
        ("train: x\n", None, "names:"),
        ("names:\n  0: a\n  2: b\n", 1, "0..1"),
        ("names: person\n", 1, "must be a list"),
        ("names:\n  0: a\n  what is this\n", 3, "cannot read this class line"),
    ],
)
def test_malformed_data_yaml(tmp_path, text, line, message):
    path = tmp_path / "data.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DatasetError, match=message) as err:
        load_names(path)
    assert err.value.line == line and err.value.path == path


def test_names_file_with_blank_line_inside(tmp_path):
    path = tmp_path / "classes.txt"
    path.write_text("person\n\nface\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=r"classes.txt:2: .*blank line"):
        load_names(path)


@pytest.mark.parametrize(
    "line, message",
    [
        ("0 0.5 0.5 0.2", "expected 5 values"),
        ("0 0.5 0.5 0.2 0.2 0.9", "expected 5 values"),
        ("person 0.5 0.5 0.2 0.2", "class id must be an integer"),
        ("2 0.5 0.5 0.2 0.2", "class id 2 out of range"),
        ("-1 0.5 0.5 0.2 0.2", "class id -1 out of range"),
        ("0 0.5 x 0.2 0.2", "must be numbers"),
        ("0 0.5 0.5 nan 0.2", "finite"),
        ("0 0.5 0.5 0 0.2", "must be > 0"),
        ("0 250 120 40 60", "fractions 0..1"),  # pixels instead of fractions
    ],
)
def test_malformed_yolo_line_names_file_and_line(yolo, line, message):
    images, labels = yolo
    (labels / "a.txt").write_text(f"0 0.5 0.5 0.5 1.0\n{line}\n", encoding="utf-8")
    with pytest.raises(DatasetError, match=message) as err:
        load_dataset(images, labels)
    assert err.value.path == labels / "a.txt" and err.value.line == 2
    assert str(err.value).startswith(f"{labels / 'a.txt'}:2: ")


def test_yolo_edges_are_clipped(yolo):
    images, labels = yolo
    (labels / "a.txt").write_text("0 0.5 0.5 1.005 1.0\n", encoding="utf-8")
    [person] = load_dataset(images, labels).images[0].objects
    assert (person.box.x1, person.box.x2) == (0.0, 1.0)


def test_missing_directories(tmp_path, yolo):
    images, labels = yolo
    with pytest.raises(DatasetError, match="images directory not found"):
        load_dataset(tmp_path / "nope", labels)
    with pytest.raises(DatasetError, match="labels file or directory not found"):
        load_dataset(images, tmp_path / "nope.json")
    with pytest.raises(DatasetError, match="pass their directory"):
        load_dataset(images, labels / "a.txt")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DatasetError, match="no images"):
        load_dataset(empty, labels)


def test_unreadable_image(yolo):
    images, labels = yolo
    (images / "b.png").write_bytes(b"not a png")
    ds = load_dataset(images, labels)
    with pytest.raises(DatasetError, match=r"b.png: .*cannot read the image"):
        load_image(ds.images[1])


# ---- COCO ---------------------------------------------------------------------------------------


def coco_data():
    return {
        "info": {"description": "kitchen"},
        "images": [{"id": 1, "file_name": "train/a.jpg", "width": 200, "height": 100}, {"id": 2, "file_name": "b.png"}],
        "categories": [{"id": 1, "name": "person"}, {"id": 7, "name": "未戴口罩"}],
        "annotations": [
            {"id": 1, "image_id": 1, "category_id": 1, "bbox": [10, 20, 30, 40]},
            {"id": 2, "image_id": 1, "category_id": 7, "bbox": [0.5, 1.5, 10, 10.25]},
            {"id": 3, "image_id": 2, "category_id": 1, "bbox": [0, 0, 200, 100], "iscrowd": 1},
        ],
    }


@pytest.fixture
def coco(tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    image(images / "a.jpg")
    image(images / "b.png")
    image(images / "unlisted.png")
    path = tmp_path / "instances.json"
    return images, path


def write(path, data):
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def test_coco(coco):
    images, path = coco
    write(path, coco_data())
    ds = load_dataset(images, path)
    assert ds.format == "coco" and ds.classes == ("person", "未戴口罩")
    a, b = ds.images
    assert a.path == images / "a.jpg"  # the exporter's folder in file_name is dropped when needed
    assert a.objects == (gt("person", 10, 20, 40, 60), gt("未戴口罩", 0.5, 1.5, 10.5, 11.75))
    assert b.objects == (gt("person", 0, 0, 200, 100, ignore=True),)
    assert ds.object_counts() == {"person": 1, "未戴口罩": 1}  # crowd regions are not objects
    assert load_image(a)[1] == a.objects
    assert "unlisted.png" in ds.notes[0]


def test_coco_declared_size_must_match(coco):
    images, path = coco
    data = coco_data()
    data["images"][0]["width"] = 100
    write(path, data)
    ds = load_dataset(images, path)
    with pytest.raises(DatasetError, match="image is 200x100, the labels say 100x100"):
        load_image(ds.images[0])


def test_invalid_json_names_the_line(coco):
    images, path = coco
    path.write_text('{\n  "images": [],\n  "annotations": [\n    {"bbox": [1, 2, 3, 4],}\n  ]\n}\n')
    with pytest.raises(DatasetError, match="invalid JSON") as err:
        load_dataset(images, path)
    assert err.value.line == 4 and str(err.value).startswith(f"{path}:4: ")


def broken(mutate):
    data = coco_data()
    mutate(data)
    return data


@pytest.mark.parametrize(
    "data, where, message",
    [
        (broken(lambda d: d["annotations"][1].update(bbox=[1, 2, 3])), "annotations[1].bbox", "must be [x, y, w, h]"),
        (
            broken(lambda d: d["annotations"][2].update(bbox=[1, 2, "3", 4])),
            "annotations[2].bbox",
            "must be [x, y, w, h]",
        ),
        (broken(lambda d: d["annotations"][0].update(bbox=[1, 2, -3, 4])), "annotations[0].bbox", "must be >= 0"),
        (broken(lambda d: d["annotations"][1].update(image_id=9)), "annotations[1].image_id", "unknown image id 9"),
        (broken(lambda d: d["annotations"][0].update(category_id=2)), "annotations[0].category_id", "unknown category"),
        (broken(lambda d: d["annotations"][2].pop("bbox")), "annotations[2]", "missing `bbox`"),
        (broken(lambda d: d["categories"][1].pop("name")), "categories[1]", "needs `id` and `name`"),
        (broken(lambda d: d["images"][1].update(id=1)), "images[1]", "duplicate image id"),
        (broken(lambda d: d["images"][1].update(file_name="gone.jpg")), "images[1]", "'gone.jpg' not found"),
        (broken(lambda d: d["images"][0].update(width="200")), "images[0]", "positive integers"),
        (broken(lambda d: d.pop("annotations")), "", "missing list `annotations`"),
    ],
)
def test_malformed_coco_names_the_element_and_its_line(coco, data, where, message):
    images, path = coco
    write(path, data)
    with pytest.raises(DatasetError, match=re.escape(message)) as err:
        load_dataset(images, path)
    text = path.read_text(encoding="utf-8")
    steps = [int(s) if s.isdigit() else s for s in where.replace("[", ".").replace("]", "").split(".") if s]
    expected = json_line(text, steps)
    assert expected is not None and err.value.line == expected
    assert str(err.value).startswith(f"{path}:{expected}: {where}")


def test_json_line_on_hand_written_text():
    text = '{"a": 1,\n "list": [\n  {"x": [1, 2]},\n  {"x": [3,\n 4]}\n ],\n "b": {"c": "d"}}'
    assert json_line(text, ["list", 1]) == 4
    assert json_line(text, ["list", 1, "x"]) == 4
    assert json_line(text, ["list", 0, "x"]) == 3
    assert json_line(text, ["b", "c"]) == 7
    assert json_line(text, ["list", 2]) is None
    assert json_line(text, ["zzz"]) is None


def test_coco_not_an_object(coco):
    images, path = coco
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(DatasetError, match="expected a COCO object"):
        load_dataset(images, path)


def test_malformed_coco_line_is_the_line_of_the_element(coco):
    images, path = coco
    write(path, broken(lambda d: d["annotations"][1].update(bbox=[1, 2, 3])))
    text = path.read_text(encoding="utf-8")
    second_bbox = text.index('"bbox"', text.index('"bbox"') + 1)
    with pytest.raises(DatasetError) as err:
        load_dataset(images, path)
    assert err.value.line == text.count("\n", 0, second_bbox) + 1 == 43
