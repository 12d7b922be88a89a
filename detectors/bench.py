"""`bench detect`: latency and throughput of each installed model through our own path
(preprocess → infer → decode), next to OpenVINO's `benchmark_app` on the same file and device in
the same run, which measures bare inference with random input: the ceiling we compare against.
benchmark_app runs twice: on the model file as shipped (the issue's baseline) and on the graph as
we compile it, with the uint8 BGR → float/RGB/mean/scale/layout steps embedded, so the report
shows how much of the gap is that preprocessing and how much is our Python around it."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import openvino as ov

from detectors.check import synthetic_frame
from detectors.manifest import Manifest
from detectors.registry import create_detector
from detectors.runtime import Runtime
from detectors.store import file_problem

log = logging.getLogger(__name__)


def _benchmark_app() -> list[str] | None:
    exe = Path(sys.executable).with_name("benchmark_app")
    if exe.is_file():
        return [str(exe)]
    found = shutil.which("benchmark_app")
    if found:
        return [found]
    try:
        import openvino.tools.benchmark.main  # noqa: F401 — only asking whether it is there
    except ImportError:
        return None
    return [sys.executable, "-m", "openvino.tools.benchmark.main"]


def run_benchmark_app(cmd: list[str], model: Path, device: str, shape: list[int], hint: str,
                      seconds: float, precision: str | None = None) -> dict:
    """`precision`: the inference precision our runtime forces for this kind (f32 for
    classifiers), so benchmark_app runs what we run."""
    args = [*cmd, "-m", str(model), "-d", device, "-hint", hint, "-t", str(max(1, round(seconds))),
            "-shape", "[" + ",".join(map(str, shape)) + "]"]
    if precision:
        args += ["-infer_precision", precision]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=seconds * 4 + 120)
    text = proc.stdout + proc.stderr
    fps = re.search(r"Throughput:\s+([\d.]+)\s*FPS", text)
    median = re.search(r"Median:\s+([\d.]+)\s*ms", text)
    if proc.returncode != 0 or not fps:
        return {"error": (text.strip().splitlines() or ["no output"])[-1][:300]}
    return {"fps": float(fps.group(1)), "median_ms": float(median.group(1)) if median else None}


def _latency(det, frame: np.ndarray, runs: int) -> dict:
    for _ in range(3):
        det.detect(frame)
    total, infer = [], []
    tensor, _ = det.preprocess(frame)
    for _ in range(runs):
        t = time.perf_counter()
        det.detect(frame)
        total.append(time.perf_counter() - t)
        t = time.perf_counter()
        det._request.infer({0: tensor})
        infer.append(time.perf_counter() - t)
    ms = np.asarray(total) * 1000
    return {"median_ms": round(float(np.median(ms)), 2), "p95_ms": round(float(np.percentile(ms, 95)), 2),
            "infer_median_ms": round(float(np.median(infer)) * 1000, 2)}


def _throughput(det, frame: np.ndarray, seconds: float) -> dict:
    done = 0
    lock = threading.Lock()

    def on_result(_result, _user) -> None:
        nonlocal done
        with lock:
            done += 1

    runner = det.runner(on_result)
    end = time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < end:
        runner.submit(frame)  # blocks while every request is busy: no queue grows
    runner.wait_all()
    elapsed = time.perf_counter() - started
    return {"fps": round(done / elapsed, 1), "requests": runner.jobs}


def bench_models(manifests: list[Manifest], model_dir: Path, runtime: Runtime, seconds: float = 5.0,
                 baseline: bool = True) -> dict:
    frame = synthetic_frame(640, 360)  # a sub-stream frame: what the analysis scheduler hands over
    app = _benchmark_app() if baseline else None
    result: dict = {"bench": "detect", "device": runtime.device, "device_name": runtime.device_name(),
                    "notice": runtime.notice, "frame": [640, 360], "seconds": seconds,
                    "benchmark_app": ("available" if app else ("skipped" if not baseline else
                                      "not available in this openvino install")), "models": {}}
    for m in manifests:
        problem = file_problem(m, model_dir)
        if problem:
            result["models"][m.id] = {"error": problem}
            continue
        entry: dict = {"family": m.family}
        det = create_detector(m, model_dir, runtime, hint="LATENCY")
        entry["latency"] = _latency(det, frame, runs=max(20, int(seconds * 10)))
        entry["shape"] = list(det.input_shape)
        del det
        det = create_detector(m, model_dir, runtime, hint="THROUGHPUT")
        entry["throughput"] = _throughput(det, frame, seconds)
        prepared = det.prepared
        prepared_shape = [d.get_length() for d in prepared.inputs[0].partial_shape]
        del det
        if app:
            precision = "f32" if m.kind == "classifier" else None
            ba = run_benchmark_app(app, m.path(model_dir), runtime.device, entry["shape"], "throughput", seconds,
                                   precision)
            entry["benchmark_app"] = ba
            if "fps" in ba and ba["fps"]:
                entry["throughput_ratio"] = round(entry["throughput"]["fps"] / ba["fps"], 2)
            # The same file as we compile it (uint8 BGR in, colour/mean/scale/layout inside the
            # graph): separates the cost of that preprocessing from our Python overhead.
            with tempfile.TemporaryDirectory() as tmp:
                graph = Path(tmp) / f"{m.id}-prepared.xml"
                ov.save_model(prepared, str(graph), compress_to_fp16=False)
                ba2 = run_benchmark_app(app, graph, runtime.device, prepared_shape, "throughput", seconds, precision)
            entry["benchmark_app_prepared_graph"] = ba2
            if "fps" in ba2 and ba2["fps"]:
                entry["throughput_ratio_prepared_graph"] = round(entry["throughput"]["fps"] / ba2["fps"], 2)
        result["models"][m.id] = entry
        log.info("bench %s: %s", m.id, entry)
    return result
