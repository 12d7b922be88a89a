"""Tiny models built with OpenVINO's own opset (no onnx dependency), with outputs we choose, so
decoding can be checked exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openvino as ov
import openvino.opset13 as ops


def constant_output_model(input_shape: list[int], output: np.ndarray, name: str) -> ov.Model:
    """A model whose output is `output` whatever the input (input × 0 is added so the input is used)."""
    x = ops.parameter(input_shape, ov.Type.f32, name="images")
    zero = ops.multiply(ops.reduce_mean(x, ops.constant(np.arange(len(input_shape), dtype=np.int64)), False),
                        ops.constant(np.float32(0)))
    y = ops.add(ops.constant(output.astype(np.float32)), zero)
    y.output(0).get_tensor().set_names({"output0"})
    return ov.Model([y], [x], name)


def mean_colour_classifier(path: Path) -> Path:
    """[1,32,32,3] RGB 0..1 → softmax over (red, green, blue) of the mean colour × 10: a
    'classifier-shaped' model with a predictable answer."""
    x = ops.parameter([1, 32, 32, 3], ov.Type.f32, name="input")
    mean = ops.reduce_mean(x, ops.constant(np.array([1, 2], dtype=np.int64)), False)  # [1, 3]
    y = ops.softmax(ops.multiply(mean, ops.constant(np.float32(10))), 1)
    ov.save_model(ov.Model([y], [x], "colour"), str(path))
    return path


def yolo_model(path: Path, preds: np.ndarray) -> Path:
    """YOLOv8-shaped IR: input [1,3,64,64], output [1, 4+C, N] = preds."""
    ov.save_model(constant_output_model([1, 3, 64, 64], preds[None], "yolo"), str(path))
    return path
