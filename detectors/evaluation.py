"""Precision, recall and AP of the models against labelled images (`main.py evaluate`).

Everything is grouped by *category*: a model label's violation category when its manifest maps
it to one (no_mask → 未戴口罩), else the label itself (person, face). A dataset's class names
are brought to the same categories: a name is renamed first (`--map gt=label`), then taken as a
model label or as a category. Each (category, model) pair is scored on its own, so two models
with the same label (two face detectors) are compared instead of counting as each other's
duplicates.

Matching, per image and per (category, model): detections in descending score order each take
the not yet matched ground-truth box of that category with the highest IoU, if that IoU is
≥ the threshold (true positive). Otherwise a detection is a false positive, so a second box on
an already found object counts as a false positive; a detection lying in a COCO crowd region
(iscrowd: its area inside the region ≥ the threshold) instead is not counted at all.

AP is the area under the precision/recall curve with all-point interpolation (PASCAL VOC
2010+) over the detections the models returned, i.e. those above the score threshold: a
lower --score gives a fuller curve."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from detectors.datasets import GroundTruth
from detectors.manifest import Manifest
from detectors.types import Box


@dataclass(frozen=True, slots=True)
class Prediction:
    category: str
    score: float
    box: Box
    model: str = ""


@dataclass(frozen=True, slots=True)
class CategoryResult:
    category: str
    model: str
    gt: int
    tp: int
    fp: int
    ap: float | None  # None without ground truth

    @property
    def detections(self) -> int:
        return self.tp + self.fp

    @property
    def fn(self) -> int:
        return self.gt - self.tp

    @property
    def precision(self) -> float | None:
        return self.tp / self.detections if self.detections else None

    @property
    def recall(self) -> float | None:
        return self.tp / self.gt if self.gt else None

    def as_dict(self) -> dict:
        def r(v: float | None) -> float | None:
            return None if v is None else round(v, 4)

        return {
            "category": self.category,
            "model": self.model,
            "gt": self.gt,
            "detections": self.detections,
            "tp": self.tp,
            "fp": self.fp,
            "fn": self.fn,
            "precision": r(self.precision),
            "recall": r(self.recall),
            "ap": r(self.ap),
        }


def match(
    truths: Sequence[Box], scored: Sequence[tuple[float, Box]], iou_threshold: float, ignored: Sequence[Box] = ()
) -> list[bool | None]:
    """Greedy matching of one image's detections of one category: for each detection, in the
    given order, True (true positive), False (false positive) or None (on an ignored region)."""
    order = sorted(range(len(scored)), key=lambda i: -scored[i][0])  # stable: equal scores keep their order
    taken = [False] * len(truths)
    out: list[bool | None] = [False] * len(scored)
    for i in order:
        box = scored[i][1]
        best, best_iou = -1, -1.0
        for j, truth in enumerate(truths):
            if not taken[j]:
                v = box.iou(truth)
                if v >= iou_threshold and v > best_iou:
                    best, best_iou = j, v
        if best >= 0:
            taken[best] = True
            out[i] = True
        elif any(_covered(box, r) >= iou_threshold for r in ignored):
            out[i] = None
    return out


def _covered(box: Box, region: Box) -> float:
    """Fraction of `box` inside `region` (a crowd region is larger than any one detection)."""
    ix = max(0.0, min(box.x2, region.x2) - max(box.x1, region.x1))
    iy = max(0.0, min(box.y2, region.y2) - max(box.y1, region.y1))
    return ix * iy / box.area if box.area > 0 else 0.0


def average_precision(outcomes: Iterable[tuple[float, bool]], gt: int) -> float | None:
    """All-point interpolated AP of (score, is true positive) pairs against `gt` objects."""
    if gt <= 0:
        return None
    ranked = sorted(outcomes, key=lambda o: -o[0])
    recall, precision = [0.0], [0.0]
    tp = fp = 0
    for _, hit in ranked:
        tp, fp = tp + hit, fp + (not hit)
        recall.append(tp / gt)
        precision.append(tp / (tp + fp))
    recall.append(1.0)
    precision.append(0.0)
    for i in range(len(precision) - 2, -1, -1):  # precision envelope: best precision at this recall or beyond
        precision[i] = max(precision[i], precision[i + 1])
    return sum((recall[i + 1] - recall[i]) * precision[i + 1] for i in range(len(recall) - 1))


class Evaluator:
    """Accumulates images; `rows` declares the (category, model) pairs to report even when a
    model finds nothing. A category with ground truth but no row is reported with model ""."""

    def __init__(self, iou_threshold: float = 0.5, rows: Iterable[tuple[str, str]] = ()) -> None:
        if not 0.0 < iou_threshold <= 1.0:
            raise ValueError(f"IoU threshold must be in (0, 1], got {iou_threshold}")
        self.iou_threshold = iou_threshold
        self.images = 0
        self.gt: Counter[str] = Counter()
        self._scored: dict[tuple[str, str], list[tuple[float, bool]]] = {r: [] for r in rows}

    def add_image(self, truths: Iterable[GroundTruth], predictions: Iterable[Prediction]) -> None:
        """`truths` with `label` already a category (see LabelMap.category_of_class)."""
        truths = list(truths)
        self.images += 1
        self.gt.update(t.label for t in truths if not t.ignore)
        groups: dict[tuple[str, str], list[Prediction]] = {}
        for p in predictions:
            groups.setdefault((p.category, p.model), []).append(p)
        for (category, model), preds in groups.items():
            boxes = [t.box for t in truths if t.label == category and not t.ignore]
            ignored = [t.box for t in truths if t.label == category and t.ignore]
            outcomes = match(boxes, [(p.score, p.box) for p in preds], self.iou_threshold, ignored)
            row = self._scored.setdefault((category, model), [])
            row.extend((p.score, hit) for p, hit in zip(preds, outcomes, strict=True) if hit is not None)

    def results(self) -> list[CategoryResult]:
        rows = dict(self._scored)
        covered = {c for c, _ in rows}
        for category in self.gt:
            if category not in covered:
                rows[(category, "")] = []
        out = []
        for (category, model), scored in sorted(rows.items()):
            gt = self.gt.get(category, 0)
            tp = sum(1 for _, hit in scored if hit)
            out.append(CategoryResult(category, model, gt, tp, len(scored) - tp, average_precision(scored, gt)))
        return out


def parse_renames(text: str | None) -> dict[str, str]:
    """`gt=label,gt2=label2` → {gt: label}; ValueError naming the bad item."""
    renames: dict[str, str] = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        gt, sep, label = item.partition("=")
        if not sep or not gt.strip() or not label.strip():
            raise ValueError(f"--map 应为 标注名=模型标签 / --map items must be gt=label, got {item.strip()!r}")
        renames[gt.strip()] = label.strip()
    return renames


@dataclass
class LabelMap:
    """Model labels and dataset class names → the categories of the evaluation."""

    manifests: Sequence[Manifest]
    renames: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._by_model = {m.id: {label: m.categories.get(label, label) for label in m.labels} for m in self.manifests}
        self._labels: dict[str, str] = {}
        for labels in self._by_model.values():
            for label, category in labels.items():
                self._labels.setdefault(label, category)
        self.categories = set(self._labels.values())
        bad = [f"{gt}={to}" for gt, to in self.renames.items() if to not in self._labels and to not in self.categories]
        if bad:
            raise ValueError(
                f"--map 的目标不是所选模型的标签或类别 / --map target is not a label or category of the "
                f"chosen models: {', '.join(bad)} (labels: {', '.join(sorted(self._labels))})"
            )

    def category_of_label(self, model: str, label: str) -> str:
        return self._by_model[model][label]

    def category_of_class(self, name: str) -> str | None:
        """The category a dataset class counts as, or None when no chosen model can find it."""
        name = self.renames.get(name, name)
        if name in self.categories:
            return name
        return self._labels.get(name)

    def rows(self, classes: Iterable[str]) -> list[tuple[str, str]]:
        """(category, model) pairs to evaluate: categories the dataset labels and a model produces."""
        wanted = {c for c in map(self.category_of_class, classes) if c is not None}
        return sorted({(c, m) for m, labels in self._by_model.items() for c in labels.values() if c in wanted})

    def unlabelled(self, classes: Iterable[str]) -> list[tuple[str, str]]:
        """(category, model) pairs a model produces but the dataset has no class for: not evaluated,
        since the dataset says nothing about them."""
        wanted = {c for c in map(self.category_of_class, classes) if c is not None}
        return sorted({(c, m) for m, labels in self._by_model.items() for c in labels.values() if c not in wanted})
