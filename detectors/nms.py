"""Non-maximum suppression in numpy: shared by the families whose models output raw candidates."""

from __future__ import annotations

import numpy as np


def iou_one_to_many(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """IoU of one [x1, y1, x2, y2] box with each row of `boxes`."""
    ix = np.clip(np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0]), 0, None)
    iy = np.clip(np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1]), 0, None)
    inter = ix * iy
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-9)


def nms(boxes: np.ndarray, scores: np.ndarray, iou: float, top_k: int = 300) -> np.ndarray:
    """Indices of the kept boxes, best first (hard NMS)."""
    order = np.argsort(-scores, kind="stable")
    keep: list[int] = []
    while order.size and len(keep) < top_k:
        i = int(order[0])
        keep.append(i)
        rest = order[1:]
        order = rest[iou_one_to_many(boxes[i], boxes[rest]) <= iou]
    return np.asarray(keep, dtype=np.int64)


def batched_nms(boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray, iou: float) -> np.ndarray:
    """Per-class NMS: boxes of different classes never suppress each other. Shifting each class
    into its own coordinate range does that in one pass (the trick torchvision uses)."""
    if boxes.size == 0:
        return np.zeros(0, dtype=np.int64)
    offset = (boxes.max() - boxes.min() + 1.0) * classes.astype(np.float64)[:, None]
    return nms(boxes + offset, scores, iou)


def weighted_nms(boxes: np.ndarray, scores: np.ndarray, iou: float) -> tuple[np.ndarray, np.ndarray]:
    """MediaPipe's weighted NMS: each cluster of overlapping boxes becomes one box, the score-weighted
    mean of the cluster, with the best score. BlazeFace emits several near-identical anchors per
    face, and averaging them gives a steadier box than keeping only the best one."""
    order = np.argsort(-scores, kind="stable")
    out_boxes: list[np.ndarray] = []
    out_scores: list[float] = []
    while order.size:
        best = int(order[0])
        overlap = iou_one_to_many(boxes[best], boxes[order]) > iou
        cluster = order[overlap]
        w = scores[cluster][:, None]
        out_boxes.append((boxes[cluster] * w).sum(axis=0) / w.sum())
        out_scores.append(float(scores[best]))
        order = order[~overlap]
    if not out_boxes:
        return np.zeros((0, 4), dtype=np.float32), np.zeros(0, dtype=np.float32)
    return np.stack(out_boxes).astype(np.float32), np.asarray(out_scores, dtype=np.float32)
