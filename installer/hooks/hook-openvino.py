"""OpenVINO for PyInstaller (pyinstaller-hooks-contrib has no hook for it): the runtime finds its
device plugins (libopenvino_intel_cpu_plugin …) and frontends (IR, ONNX, TensorFlow, TFLite)
next to libopenvino in openvino/libs, by file name, so they are collected there as they are
(collect_dynamic_libs misses the versioned `.so.2641` frontends). The frontends the console
never reads (PyTorch, JAX, Paddle, GGUF) are left out."""

from pathlib import Path

from PyInstaller.utils.hooks import collect_data_files, collect_submodules, get_package_paths

UNUSED = ("pytorch", "jax", "paddle", "gguf")
_pkg = Path(get_package_paths("openvino")[1])
_libs = _pkg / "libs"

binaries = [(str(p), "openvino/libs") for p in sorted(_libs.iterdir())
            if p.is_file() and (".so" in p.name or p.suffix in (".dll", ".dylib"))
            and not any(f"_{u}_frontend" in p.name for u in UNUSED)]
datas = collect_data_files("openvino", includes=["libs/*.xml", "libs/*.json"])
hiddenimports = collect_submodules("openvino", filter=lambda n: not n.startswith((
    "openvino.tools", "openvino.frontend.pytorch", "openvino.frontend.jax", "openvino.frontend.paddle",
    "openvino.torch")))
excludedimports = ["torch", "tensorflow", "jax", "paddle", "openvino.tools", "openvino.torch"]
