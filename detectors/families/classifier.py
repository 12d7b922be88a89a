"""Image classifiers (e.g. MobileNetV2 mask / no-mask on a face crop): one output [1, C] of
probabilities or logits. Compiled in f32 (runtime: bf16 moved scores by up to 0.25). `detect`
classifies the whole frame; `classify(frame, box)` a crop, widened by `options.margin`."""

from __future__ import annotations

import logging

import numpy as np
import openvino as ov
from pydantic import BaseModel, ConfigDict, Field

from detectors.families.base import Detector, ModelMismatchError, Transform
from detectors.types import Box, Detection

log = logging.getLogger(__name__)


class ClassifierOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    softmax: bool = Field(False, description="apply softmax (the model outputs logits, not probabilities)")
    margin: float = Field(0.0, ge=0.0, le=1.0, description="widen a crop box by this fraction of its size per side")


class Classifier(Detector):
    kind = "classifier"
    Options = ClassifierOptions

    def _check_outputs(self, model: ov.Model) -> dict[str, int]:
        shape = self._shape(model, 0)
        if len(shape) != 2 or shape[1] != len(self.manifest.labels):
            raise ModelMismatchError(f"{self.manifest.id}: classifier output must be [1, {len(self.manifest.labels)}] "
                                     f"(one score per label); model has {shape}")
        return {"probs": 0}

    def _decode(self, outputs: list[np.ndarray], t: Transform) -> tuple[Detection, ...]:
        p = outputs[self._out["probs"]][0].astype(np.float64)
        if self.options.softmax:
            p = np.exp(p - p.max())
            p /= p.sum()
        best = int(p.argmax())
        if p[best] < self.manifest.thresholds.score:
            return ()
        label = self._labels[best]
        box = Box(0.0, 0.0, float(t.src_w), float(t.src_h))
        return (Detection(label, self._categories.get(label), float(p[best]), box),)

    def classify(self, frame: np.ndarray, box: Box) -> Detection | None:
        """Classify the crop `box` of `frame`; the result's box is the crop in frame pixels."""
        h, w = frame.shape[:2]
        m = self.options.margin
        x1, y1 = max(0, int(box.x1 - box.width * m)), max(0, int(box.y1 - box.height * m))
        x2, y2 = min(w, int(np.ceil(box.x2 + box.width * m))), min(h, int(np.ceil(box.y2 + box.height * m)))
        if x2 - x1 < 2 or y2 - y1 < 2:
            return None
        found = self.detect(frame[y1:y2, x1:x2])
        if not found:
            return None
        d = found[0]
        return Detection(d.label, d.category, d.score, Box(float(x1), float(y1), float(x2), float(y2)))
