"""`main.py detect PATH [--json] [--models id,id]`: run the installed models on an image or a video
file and print what they find — for checking models on a station's own footage, without the GUI.

Detectors run on the whole frame; every classifier (the mask classifier) runs on each face crop
at least `--min-face` pixels high. A video is sampled at `--fps` (default 2, the analysis rate).
Text by default, or one JSON object per image / sampled frame with --json.
Exit codes: 0 ok, 1 the file cannot be read, 2 a model is missing, unknown or does not load."""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

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


@dataclass
class Pipeline:
    detectors: list  # detectors.families.base.Detector, run on the whole frame
    classifiers: list  # run on each face crop
    min_face: int

    def run(self, frame: np.ndarray) -> list[dict]:
        found = []
        for det in self.detectors:
            for d in det.detect(frame):
                box = [round(v, 1) for v in (d.box.x1, d.box.y1, d.box.x2, d.box.y2)]
                row = {"model": det.manifest.id, "label": d.label, "category": d.category,
                       "score": round(d.score, 4), "box": box}
                if d.label == FACE_LABEL and d.box.height >= self.min_face:
                    for cls in self.classifiers:
                        c = cls.classify(frame, d.box)
                        if c is not None:
                            row.setdefault("classes", []).append({"model": cls.manifest.id, "label": c.label,
                                                                  "category": c.category, "score": round(c.score, 4)})
                found.append(row)
        return found


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


def _print_text(path: Path, index: int, t: float | None, shape: tuple, found: list[dict], ms: float) -> None:
    where = f"{path.name}" if t is None else f"{path.name} frame {index} t={t:.2f}s"
    print(f"{where} ({shape[1]}x{shape[0]}, {ms:.0f} ms): {len(found)} detection(s)")
    for d in found:
        x1, y1, x2, y2 = d["box"]
        cat = f" [{d['category']}]" if d["category"] else ""
        line = f"  {d['label']:<8} {d['score']:.2f}{cat}  ({x1:.0f},{y1:.0f})-({x2:.0f},{y2:.0f})  {d['model']}"
        for c in d.get("classes", []):
            line += f"  → {c['label']} {c['score']:.2f}" + (f" [{c['category']}]" if c["category"] else "")
        print(line)


def run(args) -> int:
    from desktop.cli_models import model_dir

    ids = [i.strip() for i in args.models.split(",") if i.strip()] if args.models else list(DEFAULT_MODELS)
    if args.fps <= 0:
        print("--fps must be > 0", file=sys.stderr)
        return 2
    if not args.path.is_file():  # before loading the models: a typo should fail fast
        print(f"文件不存在 / no such file: {args.path}", file=sys.stderr)
        return 1
    try:
        pipeline = _build(ids, model_dir(), args.device, args.min_face)
    except ModelsUnavailableError as exc:
        print(exc, file=sys.stderr)
        return 2
    try:
        for index, t, frame in _frames(args.path, args.fps):
            started = time.perf_counter()
            found = pipeline.run(frame)
            ms = (time.perf_counter() - started) * 1000
            if args.json:
                print(json.dumps({"path": str(args.path), "frame": index, "time": None if t is None else round(t, 3),
                                  "width": frame.shape[1], "height": frame.shape[0], "ms": round(ms, 1),
                                  "detections": found}, ensure_ascii=False), flush=True)
            else:
                _print_text(args.path, index, t, frame.shape, found, ms)
    except UnreadableFileError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0
