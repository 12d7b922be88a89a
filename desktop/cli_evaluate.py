"""`main.py evaluate`: how good are the models on a station's own footage?

`evaluate --images DIR --labels FILE` runs the installed models on every labelled image and
prints, per category, the ground-truth count, detections, TP, FP, FN, precision, recall and AP
(detectors/evaluation.py; matching at IoU ≥ --iou). The labels are COCO JSON (a file) or YOLO
txt (a directory, with --names or a classes.txt). Detectors run on the whole image; a classifier
(the mask classifier) runs on each face at least --min-face pixels high, and its verdict counts
as a detection with the face's box, as in `main.py detect`.

`evaluate --reviews` needs no images: every alert an inspector reviewed (已确认 / 误报) is a
labelled example, and the field precision per category is confirmed / (confirmed + false).

Exit codes: 0 ok; 1 labels or images unreadable or malformed (the message names the file and
line), or the database cannot be read; 2 a model is missing, unknown or does not load, or an
option is invalid."""

from __future__ import annotations

import json
import sys
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from desktop import paths
from desktop.cli_detect import DEFAULT_MODELS, FACE_LABEL, ModelsUnavailableError


def add_parser(sub) -> None:
    e = sub.add_parser(
        "evaluate",
        help="评估模型 / precision and recall of the models on labelled images (or of the alerts, from their reviews)",
    )
    e.add_argument("--images", type=Path, help="图片目录 / directory of the labelled images")
    e.add_argument(
        "--labels",
        type=Path,
        help="COCO JSON 文件，或 YOLO 标注目录（<图片名>.txt）/ COCO JSON file, or YOLO directory of <image stem>.txt",
    )
    e.add_argument(
        "--names",
        type=Path,
        help="YOLO 类别名：每行一个，或 data.yaml / YOLO class names: one per line, "
        "or a data.yaml (default: classes.txt in the labels directory)",
    )
    e.add_argument(
        "--map",
        metavar="GT=LABEL,…",
        help="标注类别改名为模型标签 / rename label classes to model labels or categories, e.g. pedestrian=person",
    )
    e.add_argument("--iou", type=float, default=0.5, help="IoU threshold of a match (default 0.5)")
    e.add_argument(
        "--models", help=f"comma-separated model ids (default: the detectors among {','.join(DEFAULT_MODELS)})"
    )
    e.add_argument("--score", type=float, help="minimum score of a detection (default: each manifest's threshold)")
    e.add_argument("--min-face", type=int, default=40, help="classify faces at least this many pixels high")
    e.add_argument("--device", default="AUTO")
    e.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    e.add_argument(
        "--reviews",
        action="store_true",
        help="不用图片：按复核结果统计各类别告警的准确率 / no images: field precision of the alerts "
        "per category from their reviews (已确认 / 误报)",
    )


def run(args) -> int:
    if args.reviews:
        if args.images or args.labels:
            return _usage("--reviews 不需要 --images / --labels / --reviews takes no --images or --labels")
        return _reviews(args.json)
    if not (args.images and args.labels):
        return _usage(
            "需要 --images DIR 和 --labels FILE，或 --reviews / --images DIR and --labels FILE are required "
            "(or --reviews)"
        )
    if not 0.0 < args.iou <= 1.0:
        return _usage(f"--iou 应在 (0, 1] 内 / --iou must be in (0, 1], got {args.iou}")
    if args.score is not None and not 0.0 <= args.score <= 1.0:
        return _usage(f"--score 应在 [0, 1] 内 / --score must be in [0, 1], got {args.score}")
    return _evaluate(args)


def _usage(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


# ---- labelled images ---------------------------------------------------------------------------


@dataclass
class _Models:
    detectors: list  # detectors.families.base.Detector, on the whole image
    classifiers: list  # on each face crop
    labels: object  # detectors.evaluation.LabelMap
    min_face: int

    def predict(self, frame) -> list:
        from detectors.evaluation import Prediction

        out = []
        for det in self.detectors:
            model = det.manifest.id
            for d in det.detect(frame):
                out.append(Prediction(self.labels.category_of_label(model, d.label), d.score, d.box, model))
                if d.label == FACE_LABEL and d.box.height >= self.min_face:
                    for cls in self.classifiers:
                        c = cls.classify(frame, d.box)
                        if c is not None:
                            out.append(
                                Prediction(
                                    self.labels.category_of_label(cls.manifest.id, c.label),
                                    c.score,
                                    d.box,
                                    cls.manifest.id,
                                )
                            )
        return out


def _manifests(ids: list[str] | None, model_dir: Path) -> list:
    """The chosen manifests, checked like `main.py detect` does (unknown id, files missing)."""
    from detectors.manifest import installed_manifests
    from detectors.store import file_problem

    known = {m.id: m for m in installed_manifests(model_dir)}
    if ids is None:
        ids = [i for i in DEFAULT_MODELS if i not in known or known[i].kind != "classifier"]
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise ModelsUnavailableError(
            f"未知模型 / unknown model id: {', '.join(unknown)} (known: {', '.join(sorted(known))})"
        )
    problems = [f"{i}: {p}" for i in ids if (p := file_problem(known[i], model_dir))]
    if problems:
        raise ModelsUnavailableError(
            "模型未安装 / models missing — run `python main.py models install`: " + "; ".join(problems)
        )
    chosen = [known[i] for i in dict.fromkeys(ids)]
    if any(m.kind == "classifier" for m in chosen) and not any(
        m.kind != "classifier" and FACE_LABEL in m.labels for m in chosen
    ):
        raise ModelsUnavailableError(
            "分类模型在人脸上运行，--models 中需要一个人脸检测模型 / a classifier runs on "
            "faces: add a face detector (e.g. face-ultraface) to --models"
        )
    return chosen


def _compile(manifests: list, labels, model_dir: Path, device: str, score: float | None, min_face: int) -> _Models:
    from detectors.registry import create_detector
    from detectors.runtime import OpenVinoError, open_runtime

    try:
        runtime = open_runtime(device)
    except OpenVinoError as exc:
        raise ModelsUnavailableError(f"OpenVINO 无法使用设备 / device {device}: {exc}") from None
    detectors, classifiers = [], []
    for m in manifests:
        if score is not None:  # the families filter by the manifest's threshold while decoding
            m = m.model_copy(update={"thresholds": m.thresholds.model_copy(update={"score": score})})
        try:
            det = create_detector(m, model_dir, runtime)
        except OpenVinoError as exc:
            raise ModelsUnavailableError(f"{m.id}: {exc} — run `python main.py models verify`") from None
        (classifiers if det.kind == "classifier" else detectors).append(det)
    return _Models(detectors, classifiers, labels, min_face)


def _evaluate(args) -> int:
    from desktop.cli_models import model_dir
    from detectors.datasets import DatasetError, GroundTruth, load_dataset, load_image
    from detectors.evaluation import Evaluator, LabelMap, parse_renames

    try:
        renames = parse_renames(args.map)
    except ValueError as exc:
        return _usage(str(exc))
    try:  # the labels first: a malformed file should fail before the models take seconds to load
        dataset = load_dataset(args.images, args.labels, args.names)
    except DatasetError as exc:
        print(f"标注或图片无法使用 / labels or images unusable: {exc}", file=sys.stderr)
        return 1
    absent = [gt for gt in renames if gt not in dataset.classes]
    if absent:
        return _usage(
            f"--map 中的类别不在标注中 / --map names classes the labels do not have: {', '.join(absent)} "
            f"(classes: {', '.join(dataset.classes)})"
        )
    ids = [i.strip() for i in args.models.split(",") if i.strip()] if args.models else None
    folder = model_dir()
    try:
        manifests = _manifests(ids, folder)
        labels = LabelMap(manifests, renames)
    except ModelsUnavailableError as exc:
        print(exc, file=sys.stderr)
        return 2
    except ValueError as exc:  # a --map target no chosen model has
        return _usage(str(exc))
    rows = labels.rows(dataset.classes)
    counts = dataset.object_counts()
    if not rows:
        print(
            f"标注类别与所选模型的标签没有对应，无可评估 / no label class matches a label or category of the chosen "
            f"models — use --map gt=label. Classes: {', '.join(dataset.classes)}; model labels: "
            f"{', '.join(sorted({lb for m in manifests for lb in m.labels}))}",
            file=sys.stderr,
        )
        return 1
    try:
        models = _compile(manifests, labels, folder, args.device, args.score, args.min_face)
    except ModelsUnavailableError as exc:
        print(exc, file=sys.stderr)
        return 2

    evaluator = Evaluator(args.iou, rows)
    wanted = set(rows)
    started = time.perf_counter()
    progress = sys.stderr.isatty() and not args.json
    for n, image in enumerate(dataset.images, 1):
        try:
            frame, objects = load_image(image)
        except DatasetError as exc:
            print(f"标注或图片无法使用 / labels or images unusable: {exc}", file=sys.stderr)
            return 1
        truths = [GroundTruth(c, g.box, g.ignore) for g in objects if (c := labels.category_of_class(g.label))]
        evaluator.add_image(truths, [p for p in models.predict(frame) if (p.category, p.model) in wanted])
        if progress:
            print(f"\r{n}/{len(dataset.images)}", end="", file=sys.stderr, flush=True)
    if progress:
        print("\r", end="", file=sys.stderr)
    seconds = time.perf_counter() - started

    results = evaluator.results()
    not_classes = {c: counts.get(c, 0) for c in dataset.classes if labels.category_of_class(c) is None}
    not_models = labels.unlabelled(dataset.classes)
    thresholds = {m.id: args.score if args.score is not None else m.thresholds.score for m in manifests}
    if args.json:
        print(
            json.dumps(
                {
                    "images": evaluator.images,
                    "format": dataset.format,
                    "iou": args.iou,
                    "seconds": round(seconds, 2),
                    "models": [{"id": i, "score": s} for i, s in thresholds.items()],
                    "categories": [r.as_dict() for r in results],
                    "not_evaluated": {
                        "classes": not_classes,
                        "categories": [{"category": c, "model": m} for c, m in not_models],
                    },
                    "notes": list(dataset.notes),
                },
                ensure_ascii=False,
            )
        )
        return 0
    print(
        f"评估 / evaluation: {evaluator.images} 张图片 images ({dataset.format}), IoU ≥ {args.iou:g}, "
        f"{seconds:.1f} s ({seconds / max(1, evaluator.images) * 1000:.0f} ms/image)"
    )
    print("模型 / models: " + ", ".join(f"{i} (score ≥ {s:g})" for i, s in thresholds.items()))
    head = [
        "类别 category",
        "模型 model",
        "标注 GT",
        "检出 det",
        "TP",
        "FP",
        "FN",
        "精确率 precision",
        "召回率 recall",
        f"AP@{args.iou:g}",
    ]
    table = [
        [
            r.category,
            r.model or "-",
            str(r.gt),
            str(r.detections),
            str(r.tp),
            str(r.fp),
            str(r.fn),
            _pct(r.precision),
            _pct(r.recall),
            _pct(r.ap),
        ]
        for r in results
    ]
    for line in _table(head, table, left=2):
        print(line)
    for name, n in not_classes.items():
        print(
            f"未评估 / not evaluated: 标注类别 {name}（{n} 个目标）没有对应的模型标签 / no model label "
            f"(--map {name}=LABEL)"
        )
    for category, model in not_models:
        print(f"未评估 / not evaluated: {model} 的 {category} 在标注中没有此类别 / the labels have no such class")
    for note in dataset.notes:
        print(f"说明 / note: {note}")
    return 0


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.3f}"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(head: list[str], rows: list[list[str]], left: int) -> list[str]:
    """Columns aligned for a terminal (CJK characters are two cells wide); the first `left`
    columns are left-aligned, the numbers right-aligned."""
    widths = [max(_width(r[i]) for r in [head, *rows]) for i in range(len(head))]
    lines = []
    for r in [head, *rows]:
        cells = [
            c + " " * (w - _width(c)) if i < left else " " * (w - _width(c)) + c
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    return lines


# ---- reviewed alerts ---------------------------------------------------------------------------


def _reviews(as_json: bool) -> int:
    from sqlalchemy import func
    from sqlalchemy.exc import SQLAlchemyError
    from sqlmodel import Session, select

    from desktop.core.alerts import CONFIRMED, FALSE_ALARM, PENDING
    from desktop.core.db import DatabaseError, database_url, make_engine, migrate
    from desktop.core.models import Alert
    from desktop.core.redact import redact_text

    engine = make_engine(database_url(paths.data_dir()))
    try:
        migrate(engine)
        with Session(engine) as s:
            found = s.exec(
                select(Alert.category, Alert.review_state, func.count(Alert.id)).group_by(
                    Alert.category, Alert.review_state
                )
            ).all()
    except DatabaseError as exc:
        print(exc, file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(f"数据库读取失败 / cannot read the database: {redact_text(str(exc))}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    per: dict[str, dict[str, int]] = {}
    for category, state, n in found:
        per.setdefault(category, dict.fromkeys((CONFIRMED, FALSE_ALARM, PENDING), 0))[state] = n
    total = dict.fromkeys((CONFIRMED, FALSE_ALARM, PENDING), 0)
    for counts in per.values():
        for state in total:
            total[state] += counts.get(state, 0)

    def row(name: str, c: dict[str, int]) -> dict:
        reviewed = c[CONFIRMED] + c[FALSE_ALARM]
        return {
            "category": name,
            "confirmed": c[CONFIRMED],
            "false_alarm": c[FALSE_ALARM],
            "pending": c[PENDING],
            "precision": round(c[CONFIRMED] / reviewed, 4) if reviewed else None,
        }

    rows = [row(name, per[name]) for name in sorted(per)]
    if as_json:
        print(json.dumps({"categories": rows, "total": row("合计", total)}, ensure_ascii=False))
        return 0
    if not per:
        print("数据库中没有告警 / no alerts in the database")
        return 0
    print(f"告警复核结果 / alert reviews: 准确率 precision = {CONFIRMED} / ({CONFIRMED} + {FALSE_ALARM})")
    head = ["类别 category", f"{CONFIRMED} confirmed", f"{FALSE_ALARM} false", f"{PENDING} pending", "准确率 precision"]
    table = [
        [r["category"], str(r["confirmed"]), str(r["false_alarm"]), str(r["pending"]), _pct(r["precision"])]
        for r in [*rows, row("合计 total", total)]
    ]
    for line in _table(head, table, left=1):
        print(line)
    if not total[CONFIRMED] + total[FALSE_ALARM]:
        print("还没有已复核的告警 / no alert has been reviewed yet")
    return 0
