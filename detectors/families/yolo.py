"""YOLOv8-style exports (ultralytics ONNX/IR, and most vendors' plug-in models): letterboxed RGB
0..1 NCHW input; one output [1, 4 + C, N] with (cx, cy, w, h) in input pixels then C class scores
(no objectness). Per-class NMS, so a phone inside a hand's box is not dropped as a duplicate."""

from __future__ import annotations

import logging

import numpy as np
import openvino as ov
from pydantic import BaseModel, ConfigDict, Field

from detectors.families.base import Detector, ModelMismatchError, Transform
from detectors.nms import batched_nms
from detectors.types import Detection

log = logging.getLogger(__name__)


class YoloOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    transposed: bool = Field(False, description="output is [1, N, 4 + C] instead of [1, 4 + C, N]")


class YoloDetector(Detector):
    Options = YoloOptions

    def _check_outputs(self, model: ov.Model) -> dict[str, int]:
        if len(model.outputs) < 1:
            raise ModelMismatchError(f"{self.manifest.id}: YOLO model has no output")
        shape = self._shape(model, 0)
        want = 4 + len(self.manifest.labels)
        attr = shape[2] if self.options.transposed else (shape[1] if len(shape) == 3 else None)
        if len(shape) != 3 or attr != want:
            form = "[1, N, 4+C]" if self.options.transposed else "[1, 4+C, N]"
            raise ModelMismatchError(f"{self.manifest.id}: YOLO output must be {form} with "
                                     f"C = {len(self.manifest.labels)} labels (4+C = {want}); model has {shape}")
        return {"out": 0}

    def _decode(self, outputs: list[np.ndarray], t: Transform) -> tuple[Detection, ...]:
        out = outputs[self._out["out"]][0]
        pred = out if self.options.transposed else out.T  # → [N, 4 + C]
        cls_scores = pred[:, 4:]
        classes = cls_scores.argmax(axis=1)
        scores = cls_scores[np.arange(len(classes)), classes]
        keep = scores >= self.manifest.thresholds.score
        cxcywh, scores, classes = pred[keep, :4], scores[keep], classes[keep]
        xyxy = np.concatenate([cxcywh[:, :2] - cxcywh[:, 2:] / 2, cxcywh[:, :2] + cxcywh[:, 2:] / 2], axis=1)
        idx = batched_nms(xyxy, scores, classes, self.manifest.thresholds.nms_iou)
        return self._detections(xyxy[idx], scores[idx], classes[idx], t, normalised=False)
