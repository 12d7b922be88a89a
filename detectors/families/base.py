"""What every family shares: reading and checking the model against its manifest, turning a BGR
frame of any size into the input tensor, mapping boxes back to source pixels, and running
synchronously or through a bounded async queue. A family supplies `_check_outputs` and `_decode`.

A Detector compiles its model in __init__, so the analysis worker that creates it owns it
(DESIGN §4): create one per worker thread, never share one between threads."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import cv2
import numpy as np
import openvino as ov
from openvino.preprocess import ColorFormat, PrePostProcessor
from pydantic import BaseModel, ValidationError

from detectors.manifest import Manifest
from detectors.runtime import AsyncRunner, OpenVinoError, Runtime
from detectors.types import Box, Detection

log = logging.getLogger(__name__)


class ModelMismatchError(OpenVinoError):
    """The model file loads but does not have the inputs/outputs its manifest promises."""


@dataclass(frozen=True, slots=True)
class Transform:
    """Input pixel = source pixel × scale + pad; kept per frame to map boxes back."""

    sx: float
    sy: float
    px: float
    py: float
    src_w: int
    src_h: int

    def to_source(self, xyxy: np.ndarray) -> np.ndarray:
        out = np.empty_like(xyxy, dtype=np.float32)
        out[:, [0, 2]] = np.clip((xyxy[:, [0, 2]] - self.px) / self.sx, 0, self.src_w)
        out[:, [1, 3]] = np.clip((xyxy[:, [1, 3]] - self.py) / self.sy, 0, self.src_h)
        return out


class Detector:
    kind: ClassVar[str] = "detector"
    Options: ClassVar[type[BaseModel] | None] = None

    def __init__(self, manifest: Manifest, model_dir: Path, runtime: Runtime, hint: str = "LATENCY",
                 path: Path | None = None) -> None:
        """`path` overrides the file location (a plug-in checked before it is copied in)."""
        self.manifest = manifest
        self.runtime = runtime
        self.options = self.Options.model_validate(manifest.options) if self.Options else None
        model = runtime.read(path or manifest.path(Path(model_dir)))
        self._fit_input(model)
        self.input_shape = tuple(model.inputs[0].shape)  # the model's own, before preprocessing is embedded
        model = self._embed_preprocessing(model)
        self.prepared = model  # the graph as compiled (preprocessing embedded): `bench detect` saves it
        self._out = self._check_outputs(model)
        self.compiled = runtime.compile(model, self.kind, hint)
        self._request = self.compiled.create_infer_request()
        self._labels = manifest.labels
        self._categories = manifest.categories

    # ---- manifest / model checks -------------------------------------------------------------
    @classmethod
    def check_options(cls, manifest: Manifest) -> None:
        if cls.Options is None:
            return
        try:
            cls.Options.model_validate(manifest.options)
        except ValidationError as exc:
            msgs = [f"options.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
            raise ValueError("; ".join(msgs)) from None

    def _expected_input_shape(self) -> list[int]:
        s = self.manifest.input
        return [1, 3, s.height, s.width] if s.layout == "NCHW" else [1, s.height, s.width, 3]

    def _fit_input(self, model: ov.Model) -> None:
        if len(model.inputs) != 1:
            raise ModelMismatchError(f"{self.manifest.id}: expected 1 input, model has {len(model.inputs)}")
        want = self._expected_input_shape()
        shape = model.inputs[0].partial_shape
        if shape.rank.is_dynamic or shape.rank.get_length() != 4:
            raise ModelMismatchError(f"{self.manifest.id}: input must be 4-D {want}, model has {shape}")
        for i, (dim, w) in enumerate(zip(shape, want, strict=True)):
            if dim.is_static and dim.get_length() != w:
                raise ModelMismatchError(f"{self.manifest.id}: input shape {shape} does not fit the manifest "
                                         f"({self.manifest.input.layout} {want}; dimension {i})")
        if shape.is_dynamic:  # e.g. TF SSD's [?,?,?,3]: fix it so the plugin can plan memory
            model.reshape({model.inputs[0]: ov.PartialShape(want)})

    def _embed_preprocessing(self, model: ov.Model) -> ov.Model:
        """Colour order, mean/scale, float conversion and layout run inside the compiled model
        (OpenVINO's PrePostProcessor): the worker then only resizes a uint8 BGR frame, and the
        plugin does the per-pixel arithmetic in its own threads — numpy doing it cost UltraFace
        several ms a frame."""
        s = self.manifest.input
        ppp = PrePostProcessor(model)
        inp = ppp.input()
        inp.tensor().set_element_type(ov.Type.u8).set_layout(ov.Layout("NHWC")).set_color_format(ColorFormat.BGR)
        inp.model().set_layout(ov.Layout(s.layout))
        steps = inp.preprocess()
        if model.inputs[0].element_type != ov.Type.u8:
            steps.convert_element_type(model.inputs[0].element_type)
        if s.colour == "RGB":
            steps.convert_color(ColorFormat.RGB)
        if s.dtype == "float32":
            steps.mean(list(s.mean)).scale(list(s.scale))
        return ppp.build()

    def _check_outputs(self, model: ov.Model) -> dict[str, int]:
        """Return role → output index; raise ModelMismatchError if the outputs do not fit."""
        raise NotImplementedError

    @staticmethod
    def _shape(model: ov.Model, index: int) -> list[int | None]:
        return [d.get_length() if d.is_static else None for d in model.outputs[index].partial_shape]

    # ---- pre / post processing -----------------------------------------------------------------
    def preprocess(self, frame: np.ndarray) -> tuple[np.ndarray, Transform]:
        s = self.manifest.input
        h, w = frame.shape[:2]
        if frame.ndim == 2:
            frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
        elif frame.shape[2] == 4:
            frame = cv2.cvtColor(frame, cv2.COLOR_BGRA2BGR)
        if s.resize == "letterbox":
            r = min(s.width / w, s.height / h)
            nw, nh = max(1, round(w * r)), max(1, round(h * r))
            px, py = (s.width - nw) // 2, (s.height - nh) // 2
            img = np.full((s.height, s.width, 3), s.pad_value, np.uint8)
            img[py:py + nh, px:px + nw] = cv2.resize(frame, (nw, nh), interpolation=cv2.INTER_LINEAR)
            t = Transform(r, r, px, py, w, h)
        else:
            img = cv2.resize(frame, (s.width, s.height), interpolation=cv2.INTER_LINEAR)
            t = Transform(s.width / w, s.height / h, 0.0, 0.0, w, h)
        return img[None], t  # uint8 BGR NHWC: the rest is inside the model (_embed_preprocessing)

    def _decode(self, outputs: list[np.ndarray], t: Transform) -> tuple[Detection, ...]:
        raise NotImplementedError

    def _detections(self, xyxy: np.ndarray, scores: np.ndarray, classes: np.ndarray, t: Transform,
                    normalised: bool) -> tuple[Detection, ...]:
        """Boxes in input pixels (or 0..1 when `normalised`) → Detections in source pixels."""
        if len(scores) == 0:
            return ()
        s = self.manifest.input
        xyxy = np.asarray(xyxy, np.float32).reshape(-1, 4)
        if normalised:
            xyxy = xyxy * np.float32([s.width, s.height, s.width, s.height])
        src = t.to_source(xyxy)
        out = []
        for (x1, y1, x2, y2), score, cls in zip(src, scores, classes, strict=True):
            label = self._labels[int(cls)]
            out.append(Detection(label, self._categories.get(label), float(score),
                                 Box(float(x1), float(y1), float(x2), float(y2))))
        out.sort(key=lambda d: -d.score)
        return tuple(out[: self.manifest.thresholds.max_detections])

    # ---- running -------------------------------------------------------------------------------
    def detect(self, frame: np.ndarray) -> tuple[Detection, ...]:
        tensor, t = self.preprocess(frame)
        # Zero-copy: the fresh array from preprocess is not touched again until infer returns.
        self._request.infer({0: tensor}, share_inputs=True)
        return self._decode([self._request.get_output_tensor(i).data for i in range(len(self.compiled.outputs))], t)

    def fork(self) -> Detector:
        """This detector with an infer request of its own, sharing the compiled model (compiled
        models are thread-safe; requests are not): one per thread that runs it."""
        twin = copy.copy(self)
        twin._request = self.compiled.create_infer_request()
        return twin

    def runner(self, on_result: Callable[[tuple[Detection, ...], Any], None], jobs: int = 0) -> DetectorRunner:
        return DetectorRunner(self, on_result, jobs)


class DetectorRunner:
    """Asynchronous detection: `submit(frame, userdata)` returns at once while a request is free;
    `on_result(detections, userdata)` is called from OpenVINO's callback thread, so it must only
    hand the frozen result over (queue.put, a signal), not touch widgets."""

    def __init__(self, det: Detector, on_result: Callable[[tuple[Detection, ...], Any], None], jobs: int) -> None:
        self._det = det
        self._on_result = on_result
        self._runner = AsyncRunner(det.compiled, jobs, self._done)
        self.errors = 0

    def _done(self, request: ov.InferRequest, userdata: tuple[Transform, Any, np.ndarray]) -> None:
        t, user, _tensor = userdata
        try:
            outs = [request.get_output_tensor(i).data for i in range(len(self._det.compiled.outputs))]
            result = self._det._decode(outs, t)
        except Exception:  # noqa: BLE001 — an exception escaping into OpenVINO's thread is lost silently
            self.errors += 1
            log.exception("decoding %s failed", self._det.manifest.id)
            return
        self._on_result(result, user)

    def submit(self, frame: np.ndarray, userdata: Any = None) -> None:
        tensor, t = self._det.preprocess(frame)
        # Zero-copy input; the array rides along in the userdata so it outlives the request.
        self._runner.submit({0: tensor}, (t, userdata, tensor), share_inputs=True)

    @property
    def jobs(self) -> int:
        return self._runner.jobs

    def idle(self) -> bool:
        return self._runner.idle()

    def wait_all(self) -> None:
        self._runner.wait_all()
