"""`main.py detect PATH [--json] [--models id,id] [--rules R.json] [--start T] [--hours H]`: run the
installed models and the violation rules on an image or a video file and print what they find and
which alerts the console would raise — for checking models and a camera's rule settings on a
station's own footage, without the GUI.

Detectors run on the whole frame; every classifier (the mask classifier) runs on each face crop
at least `--min-face` pixels high. A video is sampled at `--fps` (default 2, the analysis rate).
The rules are the live analysis's own (`CameraAnalyzer`: motion, picture quality, k-of-n,
zones, schedules, cooldown) on the file's timeline starting at `--start`; a still image is judged
on its own (every rule's k-of-n becomes 1 of 1). `--rules` takes a JSON file
`{"analysis": {...}, "zones": [...], "schedule": {...}}` in the camera's format
(detectors/rules/config.py); `--hours` are the venue's business hours (default all day).
Text by default, or one JSON object per image / sampled frame with --json.
Exit codes: 0 ok, 1 the file or the rules cannot be read, 2 a model is missing, unknown or does
not load."""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from detectors.rules.config import CameraRules
from detectors.types import Detection

log = logging.getLogger(__name__)

DEFAULT_MODELS = ("person-ssdlite", "face-ultraface", "mask-mobilenetv2")
FACE_LABEL = "face"


class UnreadableFileError(Exception):
    """The input is neither an image cv2 reads nor a video PyAV decodes."""


class ModelsUnavailableError(Exception):
    """A requested model is unknown, missing from the model directory or does not load."""


def add_parser(sub) -> None:
    d = sub.add_parser("detect", help="检测图片或视频 / run the models on an image or video file and print detections")
    d.add_argument("path", type=Path, help="image (.jpg, .png …) or video (.mp4, .mkv …)")
    d.add_argument("--json", action="store_true", help="one JSON object per image / sampled frame")
    d.add_argument("--models", help=f"comma-separated model ids (default: {','.join(DEFAULT_MODELS)})")
    d.add_argument("--fps", type=float, default=2.0, help="frames analysed per second of video (default 2)")
    d.add_argument("--min-face", type=int, default=40, help="classify faces at least this many pixels high")
    d.add_argument("--device", default="AUTO")
    d.add_argument("--rules", type=Path, help='camera rules JSON: {"analysis": {}, "zones": [], "schedule": {}}')
    d.add_argument("--start", help="local time of the first frame, e.g. '2026-11-22 23:10' (default: now)")
    d.add_argument("--hours", default="00:00-24:00", help="the venue's business hours (default 00:00-24:00)")


@dataclass
class Pipeline:
    detectors: list  # detectors.families.base.Detector, run on the whole frame
    classifiers: list  # run on each face crop
    min_face: int

    rows: list[dict] = field(default_factory=list)  # the latest frame's findings, for printing

    def infer(self, frame: np.ndarray) -> tuple[Detection, ...]:
        """Every model on `frame`: the detections (classifier results as detections on the face
        box, as the live analysis does) for the rules; `rows` keeps them for printing."""
        found: list[Detection] = []
        self.rows = []
        for det in self.detectors:
            for d in det.detect(frame):
                found.append(d)
                box = [round(v, 1) for v in (d.box.x1, d.box.y1, d.box.x2, d.box.y2)]
                row = {"model": det.manifest.id, "label": d.label, "category": d.category,
                       "score": round(d.score, 4), "box": box}
                if d.label == FACE_LABEL and d.box.height >= self.min_face:
                    for cls in self.classifiers:
                        c = cls.classify(frame, d.box)
                        if c is not None:
                            found.append(c)
                            row.setdefault("classes", []).append({"model": cls.manifest.id, "label": c.label,
                                                                  "category": c.category, "score": round(c.score, 4)})
                self.rows.append(row)
        return tuple(found)

    def run(self, frame: np.ndarray) -> list[dict]:
        self.infer(frame)
        return self.rows


class RulesFileError(Exception):
    """The --rules file cannot be read or holds invalid settings; the message says where."""


def load_rules(path: Path | None, still_image: bool) -> CameraRules:
    """The camera's rules from the --rules file (defaults without one). For a still image every
    rule's k-of-n becomes 1 of 1: a single picture is all the evidence there is."""
    from detectors.rules.config import RULE_CATEGORIES, RulesConfigError

    rules = CameraRules()
    if path is not None:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise RulesFileError(f"无法读取规则文件 / cannot read rules {path}: {exc}") from None
        if not isinstance(doc, dict) or not set(doc) <= {"analysis", "zones", "schedule"}:
            raise RulesFileError(f"规则文件格式错误 / {path}: expected an object with the keys "
                                 "analysis, zones, schedule")
        try:
            rules = CameraRules.from_json(json.dumps(doc.get("analysis", {}), ensure_ascii=False),
                                          json.dumps(doc.get("zones", []), ensure_ascii=False),
                                          json.dumps(doc["schedule"], ensure_ascii=False) if "schedule" in doc else "")
        except RulesConfigError as exc:
            raise RulesFileError(f"规则无效 / invalid rules in {path}: {exc}") from None
    if still_image:
        single = tuple((c, dataclasses.replace(rules.rule(c), k=1, n=1)) for c in RULE_CATEGORIES)
        rules = dataclasses.replace(rules, rules=single)
    return rules


def parse_start(text: str | None, zone) -> datetime:
    """--start as a local time in the rules' time zone; now without it."""
    if not text:
        return datetime.now(UTC)
    try:
        at = datetime.fromisoformat(text.strip().replace("T", " "))
    except ValueError:
        raise RulesFileError(f"无法识别的时间 / cannot read --start {text!r}: use e.g. 2026-11-22 23:10") from None
    return at.replace(tzinfo=zone) if at.tzinfo is None else at


def violation_row(v) -> dict:
    return {"category": v.category, "tier": v.tier, "score": v.score, "reason": v.reason, "rule": v.rule_id,
            "at": v.at.isoformat(timespec="seconds"), "started_at": v.started_at.isoformat(timespec="seconds"),
            "boxes": [[round(b.x1, 1), round(b.y1, 1), round(b.x2, 1), round(b.y2, 1)] for b in v.boxes]}


def _build(ids: list[str], model_dir: Path, device: str, min_face: int) -> Pipeline:
    from detectors.manifest import installed_manifests
    from detectors.registry import create_detector
    from detectors.runtime import OpenVinoError, open_runtime
    from detectors.store import file_problem

    known = {m.id: m for m in installed_manifests(model_dir)}
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise ModelsUnavailableError(f"未知模型 / unknown model id: {', '.join(unknown)} "
                                     f"(known: {', '.join(sorted(known))})")
    problems = [f"{i}: {p}" for i in ids if (p := file_problem(known[i], model_dir))]
    if problems:
        raise ModelsUnavailableError("模型未安装 / models missing — run `python main.py models install`: "
                                     + "; ".join(problems))
    runtime = open_runtime(device)
    detectors, classifiers = [], []
    for i in ids:
        try:
            det = create_detector(known[i], model_dir, runtime)
        except OpenVinoError as exc:
            raise ModelsUnavailableError(f"{i}: {exc} — run `python main.py models verify`") from None
        (classifiers if det.kind == "classifier" else detectors).append(det)
    return Pipeline(detectors, classifiers, min_face)


def _frames(path: Path, fps: float) -> Iterator[tuple[int, float | None, np.ndarray]]:
    """(index, seconds or None for a still image, BGR frame): an image, or a video sampled at `fps`."""
    import cv2

    if not path.is_file():
        raise UnreadableFileError(f"文件不存在 / no such file: {path}")
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is not None:
        yield 0, None, image
        return
    import av

    try:
        container = av.open(str(path))
    except (av.FFmpegError, OSError, UnicodeDecodeError) as exc:
        raise UnreadableFileError(f"无法读取 / cannot read {path.name}: neither an image nor a video ({exc})") from None
    with container:
        if not container.streams.video:
            raise UnreadableFileError(f"无法读取 / cannot read {path.name}: no video stream")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        step, next_t, index, sampled = 1.0 / fps, 0.0, 0, 0
        try:
            for frame in container.decode(stream):
                t = float(frame.time) if frame.time is not None else index / float(stream.average_rate or 25)
                index += 1
                if t + 1e-6 < next_t:
                    continue
                next_t = max(next_t + step, t)  # after a gap, resume from here rather than catch up
                sampled += 1
                yield index - 1, t, frame.to_ndarray(format="bgr24")
        except av.FFmpegError as exc:
            if not sampled:
                raise UnreadableFileError(f"无法解码 / cannot decode {path.name}: {exc}") from None
            log.warning("decoding %s stopped after %d frames: %s", path, index, exc)
        if not sampled:
            raise UnreadableFileError(f"无法读取 / cannot read {path.name}: no frame decoded")


def _print_text(path: Path, index: int, t: float | None, shape: tuple, found: list[dict], ms: float,
                alerts: list[dict]) -> None:
    where = f"{path.name}" if t is None else f"{path.name} frame {index} t={t:.2f}s"
    print(f"{where} ({shape[1]}x{shape[0]}, {ms:.0f} ms): {len(found)} detection(s)")
    for d in found:
        x1, y1, x2, y2 = d["box"]
        cat = f" [{d['category']}]" if d["category"] else ""
        line = f"  {d['label']:<8} {d['score']:.2f}{cat}  ({x1:.0f},{y1:.0f})-({x2:.0f},{y2:.0f})  {d['model']}"
        for c in d.get("classes", []):
            line += f"  → {c['label']} {c['score']:.2f}" + (f" [{c['category']}]" if c["category"] else "")
        print(line)
    for a in alerts:
        print(f"  告警 ALERT {a['category']}（{a['tier']}）{a['score']:.2f}  {a['reason']}")


def run(args) -> int:
    from desktop.analysis.pipeline import CameraAnalyzer, Detectors
    from desktop.cli_models import model_dir
    from detectors.rules.schedule import zone_for

    ids = [i.strip() for i in args.models.split(",") if i.strip()] if args.models else list(DEFAULT_MODELS)
    if args.fps <= 0:
        print("--fps must be > 0", file=sys.stderr)
        return 2
    if not args.path.is_file():  # before loading the models: a typo should fail fast
        print(f"文件不存在 / no such file: {args.path}", file=sys.stderr)
        return 1
    import cv2

    still = cv2.haveImageReader(str(args.path))
    try:
        rules = load_rules(args.rules, still)
        start = parse_start(args.start, zone_for(rules.schedule.timezone))
        from detectors.rules.schedule import parse_spans

        parse_spans(args.hours)
    except (RulesFileError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 1
    try:
        pipeline = _build(ids, model_dir(), args.device, args.min_face)
    except ModelsUnavailableError as exc:
        print(exc, file=sys.stderr)
        return 2
    timeline = [0.0]  # the file's own clock: the motion gate and the rules run on it, not on ours
    analyzer = CameraAnalyzer(0, rules, args.hours, Detectors(), clock=lambda: timeline[0],
                              infer=pipeline.infer, gate_inference=False)
    total = 0
    try:
        for index, t, frame in _frames(args.path, args.fps):
            timeline[0] = t or 0.0
            at = start + timedelta(seconds=timeline[0])
            started = time.perf_counter()
            result = analyzer.process(frame, at.timestamp())
            ms = (time.perf_counter() - started) * 1000
            found = pipeline.rows
            alerts = [violation_row(e.violation) for e in result.events]
            total += len(alerts)
            if args.json:
                print(json.dumps({"path": str(args.path), "frame": index, "time": None if t is None else round(t, 3),
                                  "width": frame.shape[1], "height": frame.shape[0], "ms": round(ms, 1),
                                  "detections": found, "alerts": alerts}, ensure_ascii=False), flush=True)
            else:
                _print_text(args.path, index, t, frame.shape, found, ms, alerts)
    except UnreadableFileError as exc:
        print(exc, file=sys.stderr)
        return 1
    if not args.json:
        print(f"共 {total} 条告警 / {total} alert(s)")
    return 0
