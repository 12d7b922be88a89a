"""`main.py evaluate`, run as a real subprocess with the real installed models (same install and
cache as the detector tests): a small labelled set of real photos (the astronaut, the cameraman,
the astronaut with a drawn surgical mask, a cat) and a blank image, as COCO JSON and as YOLO txt.
`--reviews` on a real SQLite file with alerts recorded and reviewed through desktop/core/alerts."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest

from detectors.types import Box
from tests.actors import ADMIN, person
from tests.detectors.conftest import model_cache, model_dir, photos  # noqa: F401 — the session fixtures
from tests.detectors.test_mask_classifier import draw_surgical_mask
from tests.detectors.test_real_models import FACES, PEOPLE

ROOT = Path(__file__).resolve().parents[2]
CAT = Box(60, 20, 400, 300)  # not a class any model has
MISSED = Box(100, 50, 250, 330)  # a "person" on the blank image: no model can find it

# image → [(class, box)]: the photos' hand-drawn boxes from test_real_models
LABELS = {
    "astronaut.png": [
        ("person", PEOPLE["astronaut"]),
        ("face", FACES["astronaut"]),
        ("without_mask", FACES["astronaut"]),
    ],
    "camera.png": [("person", PEOPLE["camera"]), ("face", FACES["camera"]), ("without_mask", FACES["camera"])],
    "masked.png": [("person", PEOPLE["astronaut"]), ("face", FACES["astronaut"]), ("with_mask", FACES["astronaut"])],
    "chelsea.png": [("cat", CAT)],
    "blank.png": [("person", MISSED)],
}
CLASSES = ["person", "face", "without_mask", "with_mask", "cat"]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory, photos):  # noqa: F811
    """images/, instances.json (COCO) and yolo/ (txt + classes.txt) describing the same objects."""
    root = tmp_path_factory.mktemp("evalset")
    images = root / "images"
    images.mkdir()
    frames = {
        "astronaut.png": photos["astronaut"],
        "camera.png": photos["camera"],
        "masked.png": draw_surgical_mask(photos["astronaut"], FACES["astronaut"]),
        "chelsea.png": photos["chelsea"],
        "blank.png": np.full((360, 640, 3), 128, np.uint8),
    }
    coco = {"images": [], "annotations": [], "categories": [{"id": i + 1, "name": c} for i, c in enumerate(CLASSES)]}
    yolo = root / "yolo"
    yolo.mkdir()
    (yolo / "classes.txt").write_text("\n".join(CLASSES) + "\n", encoding="utf-8")
    for n, (name, frame) in enumerate(frames.items(), 1):
        cv2.imwrite(str(images / name), frame)
        h, w = frame.shape[:2]
        coco["images"].append({"id": n, "file_name": name, "width": w, "height": h})
        lines = []
        for cls, b in LABELS[name]:
            coco["annotations"].append(
                {
                    "id": len(coco["annotations"]) + 1,
                    "image_id": n,
                    "category_id": CLASSES.index(cls) + 1,
                    "bbox": [b.x1, b.y1, b.width, b.height],
                }
            )
            lines.append(
                f"{CLASSES.index(cls)} {(b.x1 + b.x2) / 2 / w:.6f} {(b.y1 + b.y2) / 2 / h:.6f} "
                f"{b.width / w:.6f} {b.height / h:.6f}"
            )
        (yolo / f"{Path(name).stem}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (root / "instances.json").write_text(json.dumps(coco, indent=1), encoding="utf-8")
    return root


@pytest.fixture
def env(model_dir, tmp_path):  # noqa: F811
    e = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    e.update(MINGCHU_MODEL_DIR=str(model_dir), MINGCHU_DATA_DIR=str(tmp_path / "data"), QT_QPA_PLATFORM="offscreen")
    return e


def evaluate(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "main.py", "evaluate", *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def rows(out: str) -> dict[tuple[str, str], dict]:
    report = json.loads(out)
    return {(r["category"], r["model"]): r for r in report["categories"]}


def counts(row: dict) -> tuple:
    return row["gt"], row["detections"], row["tp"], row["fp"], row["fn"], row["precision"], row["recall"]


def test_coco_default_models(dataset, env):
    p = evaluate(env, "--images", dataset / "images", "--labels", dataset / "instances.json", "--json")
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert report["images"] == 5 and report["format"] == "coco" and report["iou"] == 0.5
    assert report["models"] == [{"id": "person-ssdlite", "score": 0.5}, {"id": "face-ultraface", "score": 0.7}]
    found = rows(p.stdout)
    assert set(found) == {("person", "person-ssdlite"), ("face", "face-ultraface")}
    # 4 people labelled: the astronaut and the cameraman are found; SSDLite misses the astronaut
    # with the drawn mask (even at score 0.2), and nobody can find the one on the blank image
    assert counts(found["person", "person-ssdlite"]) == (4, 2, 2, 0, 2, 1.0, 0.5)
    assert found["person", "person-ssdlite"]["ap"] == 0.5
    assert counts(found["face", "face-ultraface"]) == (3, 3, 3, 0, 0, 1.0, 1.0)
    # the mask classes and the cat have no model among the defaults; the classifier is not a default
    assert report["not_evaluated"]["classes"] == {"without_mask": 2, "with_mask": 1, "cat": 1}


def test_yolo_gives_the_same_numbers_and_the_text_table(dataset, env):
    p = evaluate(env, "--images", dataset / "images", "--labels", dataset / "yolo", "--json")
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["format"] == "yolo"
    found = rows(p.stdout)
    assert counts(found["person", "person-ssdlite"]) == (4, 2, 2, 0, 2, 1.0, 0.5)
    assert counts(found["face", "face-ultraface"]) == (3, 3, 3, 0, 0, 1.0, 1.0)
    p = evaluate(env, "--images", dataset / "images", "--labels", dataset / "yolo")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0].startswith("评估 / evaluation: 5 张图片 images (yolo), IoU ≥ 0.5")
    table = {ln.split()[0]: ln.split()[1:] for ln in lines[3:5]}
    assert table == {
        "face": ["face-ultraface", "3", "3", "3", "0", "0", "1.000", "1.000", "1.000"],
        "person": ["person-ssdlite", "4", "2", "2", "0", "2", "1.000", "0.500", "0.500"],
    }
    assert any("标注类别 cat（1 个目标）" in ln for ln in lines)


def test_mask_classifier_on_faces_with_renamed_classes(dataset, env):
    p = evaluate(
        env,
        "--images",
        dataset / "images",
        "--labels",
        dataset / "instances.json",
        "--json",
        "--models",
        "face-ultraface,mask-mobilenetv2",
        "--map",
        "without_mask=no_mask,with_mask=mask",
    )
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    found = rows(p.stdout)
    assert set(found) == {("face", "face-ultraface"), ("mask", "mask-mobilenetv2"), ("未戴口罩", "mask-mobilenetv2")}
    assert counts(found["未戴口罩", "mask-mobilenetv2"]) == (2, 2, 2, 0, 0, 1.0, 1.0)
    assert counts(found["mask", "mask-mobilenetv2"]) == (1, 1, 1, 0, 0, 1.0, 1.0)
    assert report["not_evaluated"]["classes"] == {"person": 4, "cat": 1}


def test_iou_threshold_and_score_change_the_numbers(dataset, env):
    # SSDLite's person boxes overlap the hand-drawn ones by IoU 0.954 (astronaut) and 0.986 (cameraman)
    for iou, expected in [("0.97", (4, 2, 1, 1, 3, 0.5, 0.25)), ("0.99", (4, 2, 0, 2, 4, 0.0, 0.0))]:
        p = evaluate(
            env,
            "--images",
            dataset / "images",
            "--labels",
            dataset / "instances.json",
            "--json",
            "--models",
            "person-ssdlite",
            "--iou",
            iou,
        )
        assert p.returncode == 0, p.stderr
        assert counts(rows(p.stdout)["person", "person-ssdlite"]) == expected
    # A score above every detection's: nothing detected, recall 0, precision undefined.
    p = evaluate(
        env,
        "--images",
        dataset / "images",
        "--labels",
        dataset / "instances.json",
        "--json",
        "--models",
        "person-ssdlite",
        "--score",
        "0.9999",
    )
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert report["models"] == [{"id": "person-ssdlite", "score": 0.9999}]
    assert counts(rows(p.stdout)["person", "person-ssdlite"]) == (4, 0, 0, 0, 4, None, 0.0)


def test_malformed_yolo_file_exit_1_names_file_and_line(dataset, env, tmp_path):
    labels = tmp_path / "labels"
    labels.mkdir()
    for f in (dataset / "yolo").iterdir():
        (labels / f.name).write_bytes(f.read_bytes())
    with open(labels / "camera.txt", "a", encoding="utf-8") as f:
        f.write("1 0.5 0.5 0.2\n")  # line 4: a value missing
    p = evaluate(env, "--images", dataset / "images", "--labels", labels)
    assert p.returncode == 1
    assert f"{labels / 'camera.txt'}:4: " in p.stderr and "expected 5 values" in p.stderr
    assert "Traceback" not in p.stderr and p.stdout == ""


def test_malformed_coco_exit_1_names_file_and_line(dataset, env, tmp_path):
    data = json.loads((dataset / "instances.json").read_text(encoding="utf-8"))
    data["annotations"][3]["bbox"] = [1, 2, 3]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    bbox_lines = [i + 1 for i, ln in enumerate(path.read_text(encoding="utf-8").splitlines()) if '"bbox"' in ln]
    p = evaluate(env, "--images", dataset / "images", "--labels", path)
    assert p.returncode == 1
    assert f"{path}:{bbox_lines[3]}: annotations[3].bbox" in p.stderr and "Traceback" not in p.stderr


@pytest.mark.parametrize("case", ["no-images", "no-labels", "unreadable-image"])
def test_unreadable_inputs_exit_1(dataset, env, tmp_path, case):
    images, labels = dataset / "images", dataset / "instances.json"
    if case == "no-images":
        images = tmp_path / "missing"
    elif case == "no-labels":
        labels = tmp_path / "missing.json"
    else:
        images = tmp_path / "images"
        images.mkdir()
        for f in (dataset / "images").iterdir():
            (images / f.name).write_bytes(f.read_bytes())
        (images / "chelsea.png").write_bytes(b"\x89PNG broken")
    p = evaluate(env, "--images", images, "--labels", labels)
    assert p.returncode == 1, p.stderr
    expected = {
        "no-images": f"{images}: 图片目录不存在 / images directory not found",
        "no-labels": f"{labels}: 标注文件或目录不存在 / labels file or directory not found",
        "unreadable-image": f"{images / 'chelsea.png'}: 无法读取图片 / cannot read the image",
    }[case]
    assert expected in p.stderr and "Traceback" not in p.stderr


def test_no_class_matches_exit_1(dataset, env, tmp_path):
    coco = {
        "images": [{"id": 1, "file_name": "blank.png"}],
        "annotations": [],
        "categories": [{"id": 1, "name": "老鼠"}],
    }
    path = tmp_path / "rats.json"
    path.write_text(json.dumps(coco, ensure_ascii=False), encoding="utf-8")
    p = evaluate(env, "--images", dataset / "images", "--labels", path)
    assert p.returncode == 1 and "no label class matches" in p.stderr and "老鼠" in p.stderr


def test_models_missing_or_unknown_exit_2(dataset, env, tmp_path):
    env = {**env, "MINGCHU_MODEL_DIR": str(tmp_path / "empty")}
    p = evaluate(env, "--images", dataset / "images", "--labels", dataset / "instances.json")
    assert p.returncode == 2 and "main.py models install" in p.stderr and "person-ssdlite" in p.stderr
    p = evaluate(env, "--images", dataset / "images", "--labels", dataset / "instances.json", "--models", "nope")
    assert p.returncode == 2 and "unknown model id: nope" in p.stderr


def test_bad_options_exit_2(dataset, env):
    base = ["--images", dataset / "images", "--labels", dataset / "instances.json"]
    for args, message in [
        (["--map", "cat=dog"], "--map target is not a label"),
        (["--map", "dog=person"], "--map names classes the labels do not have: dog"),
        (["--map", "cat"], "gt=label"),
        (["--iou", "0"], "--iou must be in (0, 1]"),
        (["--models", "mask-mobilenetv2"], "add a face detector"),
        ([], None),
    ]:
        p = evaluate(env, *(base if args or message else []), *args)
        assert p.returncode == 2, (args, p.stderr)
        assert (message or "--images DIR and --labels FILE are required") in p.stderr


# ---- reviewed alerts ---------------------------------------------------------------------------


def test_reviews_field_precision_per_category(env, tmp_path):
    from desktop.core.alerts import CONFIRMED, FALSE_ALARM, AlertInput, record_alert, review_alert
    from desktop.core.db import make_engine, migrate
    from desktop.core.evidence_store import EvidenceStore
    from desktop.core.registry import CameraInput, VenueInput, save_camera, save_venue

    data = Path(env["MINGCHU_DATA_DIR"])
    p = evaluate(env, "--reviews")  # an empty database: created, nothing to report
    assert p.returncode == 0, p.stderr
    assert "no alerts in the database" in p.stdout
    engine = make_engine(f"sqlite:///{data / 'console.db'}")
    migrate(engine)
    store = EvidenceStore(data / "evidence", engine)
    venue = save_venue(engine, VenueInput(name="七宝中学食堂", street="七宝镇"), actor=ADMIN)
    camera = save_camera(engine, CameraInput(venue, "烹饪区", "rtsp://10.0.0.5/sub"), actor=ADMIN)
    t0 = datetime(2026, 11, 22, 4, 0, tzinfo=UTC)
    plan = (
        [("未戴口罩", CONFIRMED)] * 3
        + [("未戴口罩", FALSE_ALARM), ("未戴口罩", None)]
        + [("吸烟", FALSE_ALARM)] * 2
        + [("视频离线", None)]
    )
    for n, (category, verdict) in enumerate(plan):
        at = t0 + timedelta(minutes=n)
        alert = record_alert(
            engine,
            store,
            AlertInput(
                camera_id=camera,
                category=category,
                tier="二级",
                started_at=at,
                at=at,
                score=0.9,
                rule_id="r",
                reason="test",
            ),
        )
        if verdict:
            review_alert(engine, alert.id, verdict, actor=person("张三"))
    engine.dispose()

    p = evaluate(env, "--reviews", "--json")
    assert p.returncode == 0, p.stderr
    report = json.loads(p.stdout)
    assert report["categories"] == [
        {"category": "吸烟", "confirmed": 0, "false_alarm": 2, "pending": 0, "precision": 0.0},
        {"category": "未戴口罩", "confirmed": 3, "false_alarm": 1, "pending": 1, "precision": 0.75},
        {"category": "视频离线", "confirmed": 0, "false_alarm": 0, "pending": 1, "precision": None},
    ]
    assert report["total"] == {"category": "合计", "confirmed": 3, "false_alarm": 3, "pending": 2, "precision": 0.5}
    p = evaluate(env, "--reviews")
    assert p.returncode == 0, p.stderr
    table = {ln.split()[0]: ln.split()[1:] for ln in p.stdout.splitlines()[2:]}
    assert table == {
        "吸烟": ["0", "2", "0", "0.000"],
        "未戴口罩": ["3", "1", "1", "0.750"],
        "视频离线": ["0", "0", "1", "-"],
        "合计": ["total", "3", "3", "2", "0.500"],
    }


def test_reviews_takes_no_images(env, dataset):
    p = evaluate(env, "--reviews", "--images", dataset / "images")
    assert p.returncode == 2 and "--reviews takes no --images" in p.stderr
