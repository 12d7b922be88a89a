"""OpenVINO runtime: one `Runtime` per process (ov.Core is thread-safe), compiled models built by
the analysis worker that uses them (DESIGN §4), asynchronous inference through AsyncInferQueue.

`open_runtime` compiles and runs a tiny model on the requested device first, so a broken driver
shows at start, not on the first alert; when it ends up on the CPU although something else was
asked for, `Runtime.notice` carries a sentence the UI shows and the same line goes to the log."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import openvino as ov
import openvino.opset13 as ops

log = logging.getLogger(__name__)

DEVICES = ("AUTO", "CPU", "GPU", "NPU")


class OpenVinoError(RuntimeError):
    """OpenVINO could not read, compile or run a model; the message says which and why."""


@dataclass(frozen=True)
class SelfTest:
    requested: str
    device: str  # where the test model actually ran
    seconds: float
    error: str | None  # why the requested device failed, when it did


def _selftest_model() -> ov.Model:
    # Conv + ReLU: small, but exercises a real kernel rather than a no-op the plugin could skip.
    x = ops.parameter([1, 3, 16, 16], ov.Type.f32, name="x")
    w = ops.constant(np.full((4, 3, 3, 3), 0.1, dtype=np.float32))
    y = ops.relu(ops.convolution(x, w, [1, 1], [1, 1], [1, 1], [1, 1]))
    return ov.Model([y], [x], "selftest")


class Runtime:
    """Opened by `open_runtime`. `device` is a concrete device (AUTO already resolved), so
    per-device properties such as the inference precision can be set and read back."""

    def __init__(self, core: ov.Core, device: str, selftest: SelfTest, notice: str | None) -> None:
        self.core = core
        self.device = device
        self.selftest = selftest
        self.notice = notice

    @property
    def devices(self) -> list[str]:
        return list(self.core.available_devices)

    def device_name(self) -> str:
        try:
            return str(self.core.get_property(self.device, "FULL_DEVICE_NAME"))
        except RuntimeError:
            return self.device

    def read(self, path: Path) -> ov.Model:
        path = Path(path)
        if not path.is_file():
            raise OpenVinoError(f"模型文件不存在 / model file missing: {path}")
        try:
            return self.core.read_model(str(path))
        except Exception as exc:  # noqa: BLE001 — OpenVINO raises plain RuntimeError/Exception for any bad file
            raise OpenVinoError(f"无法读取模型 / cannot read model {path.name}: {_first_line(exc)}") from None

    def compile(self, model: ov.Model, kind: str = "detector", hint: str = "LATENCY") -> ov.CompiledModel:
        """kind 'classifier' forces f32: with bf16 (the default on CPUs that have it) a
        classifier's probabilities moved by up to 0.25 (MODELS.md); detectors keep the fast default."""
        config: dict[str, Any] = {"PERFORMANCE_HINT": hint}
        if kind == "classifier":
            config["INFERENCE_PRECISION_HINT"] = "f32"
        try:
            return self.core.compile_model(model, self.device, config)
        except Exception as exc:  # noqa: BLE001
            raise OpenVinoError(f"无法编译模型 / cannot compile {model.friendly_name} on {self.device}: "
                               f"{_first_line(exc)}") from None


def _first_line(exc: BaseException) -> str:
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip() and not ln.startswith("Exception from")]
    return (lines[-1] if lines else type(exc).__name__)[:300]


def _try_device(core: ov.Core, device: str) -> str:
    compiled = core.compile_model(_selftest_model(), device)
    out = compiled({0: np.ones((1, 3, 16, 16), np.float32)})[0]
    if not np.allclose(out[0, 0, 8, 8], 2.7, atol=1e-2):  # 27 taps × 0.1
        raise RuntimeError(f"self-test produced {out[0, 0, 8, 8]!r}, expected 2.7")
    try:
        return str(compiled.get_property("EXECUTION_DEVICES")[0])
    except (RuntimeError, IndexError):
        return device


def open_runtime(device: str = "AUTO", core: ov.Core | None = None) -> Runtime:
    device = device.upper()
    core = core or ov.Core()
    started = time.perf_counter()
    error = None
    try:
        actual = _try_device(core, device)
    except Exception as exc:  # noqa: BLE001 — any plugin failure means: use the CPU
        error = _first_line(exc)
        log.warning("OpenVINO device %s failed its self-test (%s); falling back to CPU", device, error)
        actual = _try_device(core, "CPU")
    # AUTO resolves to a concrete device for all later compiles: properties like the precision
    # hint are per device and AUTO does not report them back.
    actual = actual.split(".")[0] if actual.startswith("GPU") else actual
    notice = None
    if actual == "CPU" and device != "CPU":
        devices = ", ".join(core.available_devices)
        why = f"{device} 自检失败：{error}" if error else f"未发现可用的加速设备（可用设备：{devices}）"
        notice = f"AI 分析使用 CPU 推理 / running on CPU: {why}"
        log.warning(notice)
    test = SelfTest(device, actual, time.perf_counter() - started, error)
    log.info("OpenVINO %s: requested %s, using %s (self-test %.0f ms)", ov.get_version(), device, actual,
             test.seconds * 1000)
    return Runtime(core, actual, test, notice)


class AsyncRunner:
    """A bounded pool of infer requests around one compiled model. `submit` blocks only when
    every request is busy, so a caller feeding frames never builds a growing queue."""

    def __init__(self, compiled: ov.CompiledModel, jobs: int = 0,
                 on_done: Callable[[ov.InferRequest, Any], None] | None = None) -> None:
        """`jobs` 0: two requests per request the plugin runs at once. With only one per stream, a
        stream idles while Python decodes its result and submits the next frame (measured here:
        BlazeFace 990 → 1190 frames/s, UltraFace 87 → 100 with the second request)."""
        if jobs <= 0:
            try:
                jobs = 2 * int(compiled.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS"))
            except Exception:  # noqa: BLE001 - a plugin that does not say: let OpenVINO choose
                jobs = 0
        self._queue = ov.AsyncInferQueue(compiled, jobs)
        if on_done is not None:
            self._queue.set_callback(on_done)

    @property
    def jobs(self) -> int:
        return len(self._queue)

    def submit(self, inputs: dict | np.ndarray, userdata: Any = None, share_inputs: bool = False) -> None:
        """`share_inputs`: zero-copy; the caller must keep the arrays alive and unchanged until
        the request completes (e.g. by passing them in `userdata`)."""
        self._queue.start_async(inputs, userdata, share_inputs=share_inputs)

    def idle(self) -> bool:
        return self._queue.is_ready()

    def wait_all(self) -> None:
        self._queue.wait_all()


def infer_sync(compiled: ov.CompiledModel, inputs: dict | np.ndarray) -> dict[str, np.ndarray]:
    """One synchronous inference; outputs by their first tensor name (tests and CLIs)."""
    request = compiled.create_infer_request()
    request.infer(inputs)
    return {out.any_name: request.get_tensor(out).data.copy() for out in compiled.outputs}
