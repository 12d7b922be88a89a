"""`main.py detect PATH`, in-process, with the real installed models: a real photo, a short video
generated from it (PyAV, H.264), and the exit codes for an unreadable file and missing models."""

from __future__ import annotations

import json
from fractions import Fraction

import av
import cv2
import numpy as np
import pytest

from desktop.cli import main
from tests.detectors.test_mask_classifier import draw_surgical_mask
from tests.detectors.test_real_models import FACES, PEOPLE


@pytest.fixture
def models(model_dir, monkeypatch, data_dir):
    monkeypatch.setenv("MINGCHU_MODEL_DIR", str(model_dir))
    return model_dir


def json_lines(out: str) -> list[dict]:
    return [json.loads(ln) for ln in out.splitlines() if ln.strip()]


def by_model(frame: dict, model: str) -> list[dict]:
    return [d for d in frame["detections"] if d["model"] == model]


def iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def as_list(box) -> list[float]:
    return [box.x1, box.y1, box.x2, box.y2]


def write_video(path, frames: list[np.ndarray], fps: int = 10) -> None:
    h, w = frames[0].shape[:2]
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.time_base = Fraction(1, fps)
        for i, img in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(img, format="bgr24")
            frame.pts = i
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def test_photo_json(models, photos, tmp_path, capsys):
    path = tmp_path / "astronaut.png"
    cv2.imwrite(str(path), photos["astronaut"])
    assert main(["detect", str(path), "--json"]) == 0
    [frame] = json_lines(capsys.readouterr().out)
    assert frame["time"] is None and (frame["width"], frame["height"]) == (512, 512)
    [person] = by_model(frame, "person-ssdlite")
    assert person["label"] == "person" and iou(person["box"], as_list(PEOPLE["astronaut"])) > 0.7
    [face] = by_model(frame, "face-ultraface")
    assert iou(face["box"], as_list(FACES["astronaut"])) > 0.7
    [mask] = face["classes"]
    assert mask == {"model": "mask-mobilenetv2", "label": "no_mask", "category": "未戴口罩", "score": mask["score"]}
    assert mask["score"] > 0.9


def test_photo_text_and_model_choice(models, photos, tmp_path, capsys):
    path = tmp_path / "camera.jpg"
    cv2.imwrite(str(path), photos["camera"])
    assert main(["detect", str(path), "--models", "face-ultraface"]) == 0
    out = capsys.readouterr().out
    assert "camera.jpg (512x512" in out and "face-ultraface" in out
    assert "person" not in out and "no_mask" not in out  # only the chosen model ran


def test_video_sampled_at_2_fps_mask_on_then_off(models, photos, tmp_path, capsys):
    """3 s at 10 fps: 1.5 s of the real face, then 1.5 s with a drawn surgical mask."""
    img = photos["astronaut"]
    masked = draw_surgical_mask(img, FACES["astronaut"])
    path = tmp_path / "clip.mp4"
    write_video(path, [img] * 15 + [masked] * 15)
    assert main(["detect", str(path), "--json"]) == 0
    frames = json_lines(capsys.readouterr().out)
    assert [f["time"] for f in frames] == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5]
    assert [f["frame"] for f in frames] == [0, 5, 10, 15, 20, 25]
    verdicts = []
    for f in frames:
        [face] = by_model(f, "face-ultraface")
        verdicts.append(face["classes"][0]["label"])
    assert verdicts == ["no_mask"] * 3 + ["mask"] * 3
    assert by_model(frames[0], "person-ssdlite")  # the person is found in the decoded video too


def test_video_text_output(models, photos, tmp_path, capsys):
    path = tmp_path / "clip.mp4"
    write_video(path, [photos["camera"]] * 10)
    assert main(["detect", str(path), "--fps", "1"]) == 0
    out = capsys.readouterr().out
    assert "clip.mp4 frame 0 t=0.00s" in out and "t=0.50s" not in out and "no_mask" in out


@pytest.mark.parametrize("content", [None, b"", b"not an image, not a video" * 100])
def test_unreadable_file_exit_1(models, tmp_path, capsys, content):
    path = tmp_path / "broken.mp4"
    if content is not None:
        path.write_bytes(content)
    assert main(["detect", str(path)]) == 1
    err = capsys.readouterr().err
    assert ("no such file" if content is None else "cannot read broken.mp4") in err


def test_models_missing_exit_2(tmp_path, photos, monkeypatch, data_dir, capsys):
    monkeypatch.setenv("MINGCHU_MODEL_DIR", str(tmp_path / "empty"))
    path = tmp_path / "a.png"
    cv2.imwrite(str(path), photos["astronaut"])
    assert main(["detect", str(path)]) == 2
    err = capsys.readouterr().err
    assert "main.py models install" in err and "person-ssdlite" in err


def test_unknown_model_exit_2(models, photos, tmp_path, capsys):
    path = tmp_path / "a.png"
    cv2.imwrite(str(path), photos["astronaut"])
    assert main(["detect", str(path), "--models", "no-such-model"]) == 2
    assert "unknown model id: no-such-model" in capsys.readouterr().err


# --- the rules: what the console would raise on this footage ----------------------------------


def alerts_of(frames: list[dict]) -> list[dict]:
    return [a for f in frames for a in f["alerts"]]


def test_still_image_no_mask_alert_and_masked_face_none(models, photos, tmp_path, capsys):
    """A still image is judged on its own: the bare face raises 未戴口罩 at once (1 of 1)."""
    bare, masked = tmp_path / "bare.png", tmp_path / "masked.png"
    cv2.imwrite(str(bare), photos["astronaut"])
    cv2.imwrite(str(masked), draw_surgical_mask(photos["astronaut"], FACES["astronaut"]))
    assert main(["detect", str(bare), "--json"]) == 0
    [frame] = json_lines(capsys.readouterr().out)
    [alert] = frame["alerts"]
    assert alert["category"] == "未戴口罩" and alert["tier"] == "二级" and alert["score"] > 0.9
    assert iou(alert["boxes"][0], as_list(FACES["astronaut"])) > 0.5
    assert main(["detect", str(masked), "--json"]) == 0
    assert json_lines(capsys.readouterr().out)[0]["alerts"] == []


def test_after_hours_person_follows_hours_and_zones(models, photos, tmp_path, capsys):
    path = tmp_path / "night.png"
    cv2.imwrite(str(path), photos["camera"])
    night = ["--hours", "08:00-20:00", "--start", "2026-11-22 23:10"]
    assert main(["detect", str(path), "--json", *night]) == 0
    cats = [a["category"] for a in json_lines(capsys.readouterr().out)[0]["alerts"]]
    assert "非工作时间人员" in cats
    # Inside business hours: no after-hours alert.
    assert main(["detect", str(path), "--json", "--hours", "08:00-20:00", "--start", "2026-11-22 12:00"]) == 0
    cats = [a["category"] for a in json_lines(capsys.readouterr().out)[0]["alerts"]]
    assert "非工作时间人员" not in cats
    # The person's feet (bottom-centre, about x=0.3, y=1.0) lie in a mask: no alert.
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"zones": [{"kind": "mask", "name": "门口",
                                            "points": [[0, 0.5], [0.7, 0.5], [0.7, 1], [0, 1]]}]}), "utf-8")
    assert main(["detect", str(path), "--json", "--rules", str(rules), *night]) == 0
    cats = [a["category"] for a in json_lines(capsys.readouterr().out)[0]["alerts"]]
    assert "非工作时间人员" not in cats


def test_video_k_of_n_and_cooldown(models, photos, tmp_path, capsys):
    """6 s of a bare face at 2 fps: 未戴口罩 needs 3 of 5 frames, then the cooldown holds it to one
    alert; with a 1 s cooldown it comes back as soon as the condition starts a new episode — here it
    never ends, so still one. The schedule's business hours come from the rules file."""
    path = tmp_path / "clip.mp4"
    write_video(path, [photos["astronaut"]] * 60)
    rules = tmp_path / "rules.json"
    rules.write_text(json.dumps({"schedule": {"business_hours": "00:00-24:00"}}), "utf-8")
    assert main(["detect", str(path), "--json", "--rules", str(rules)]) == 0
    frames = json_lines(capsys.readouterr().out)
    no_mask = [(f["time"], a) for f in frames for a in f["alerts"] if a["category"] == "未戴口罩"]
    assert [t for t, _ in no_mask] == [1.0]  # the third analysed frame: k = 3
    assert no_mask[0][1]["started_at"] <= no_mask[0][1]["at"]
    assert main(["detect", str(path), "--rules", str(rules)]) == 0
    out = capsys.readouterr().out
    assert "告警 ALERT 未戴口罩（二级）" in out and "共 1 条告警 / 1 alert(s)" in out


@pytest.mark.parametrize(("content", "needle"), [
    ("{not json", "cannot read rules"),
    ('{"analysis": {"rules": {"未戴口罩": {"k": 9, "n": 2}}}}', "invalid rules"),
    ('{"zones": [{"kind": "mask", "points": [[0, 0], [2, 0], [0, 1]]}]}', "zones_json[0]"),
    ('{"cameras": []}', "expected an object with the keys"),
])
def test_bad_rules_file_exit_1_before_models_load(models, photos, tmp_path, capsys, content, needle):
    path, rules = tmp_path / "a.png", tmp_path / "rules.json"
    cv2.imwrite(str(path), photos["astronaut"])
    rules.write_text(content, "utf-8")
    assert main(["detect", str(path), "--rules", str(rules)]) == 1
    assert needle in capsys.readouterr().err


def test_bad_start_time_exit_1(models, photos, tmp_path, capsys):
    path = tmp_path / "a.png"
    cv2.imwrite(str(path), photos["astronaut"])
    assert main(["detect", str(path), "--start", "yesterday"]) == 1
    assert "cannot read --start" in capsys.readouterr().err
