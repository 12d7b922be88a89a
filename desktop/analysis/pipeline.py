"""One camera's analysis of one frame: motion gate → (person, face, mask) inference → rule engine
→ AnalysisEvents with their evidence pictures. Runs in the analysis thread of the stream host;
not thread-safe (one CameraAnalyzer per camera, all in that thread).

Motion gating: on a static scene inference is skipped and the previous frame's detections stand
(the picture has not changed, so neither has what is in it); the quality checks then run at most
every QUALITY_STATIC_S, and the night-motion rule always gets the gate's result. Every
STATIC_REFRESH_S a static scene is inferred anyway, so a person standing still is still seen.
The face detector and the mask classifier run only on frames where the person detector found
someone (faces without a person are close-ups the kitchen cameras do not take), which halves
the inference cost of a kitchen with people in it and removes it for an empty one.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import cv2
import numpy as np

from desktop.analysis.events import AnalysisEvent
from detectors.motion import MotionGate
from detectors.quality import QualityMonitor
from detectors.rules.config import CameraRules
from detectors.rules.engine import FrameFacts, RuleEngine
from detectors.rules.violation import AFTER_HOURS, NIGHT_MOTION, NO_MASK, OFFLINE, QUALITY, Violation
from detectors.types import Detection

log = logging.getLogger(__name__)

DEFAULT_MODELS = ("person-ssdlite", "face-ultraface", "mask-mobilenetv2")
PERSON_MODEL = "person-ssdlite"
FACE_LABEL = "face"
MIN_FACE_PX = 24  # faces smaller than this (at sub-stream resolution) are not classified
QUALITY_STATIC_S = 1.0
STATIC_REFRESH_S = 5.0

# cv2.putText draws no CJK: the evidence picture carries an ASCII name; the UI shows the category.
SHORT_NAMES = {
    NO_MASK: "no mask", AFTER_HOURS: "after hours", NIGHT_MOTION: "night motion", QUALITY: "picture fault",
    OFFLINE: "offline", "鼠患": "rodent", "有害生物": "pest", "吸烟": "smoking", "垃圾桶未盖": "bin open",
    "未戴厨师帽": "no chef hat", "未穿工作服": "no uniform", "玩手机": "phone", "赤膊": "shirtless",
    "未戴手套": "no gloves",
}


def model_dir() -> Path:
    """MINGCHU_MODEL_DIR, else <data dir>/models (the same rule as `main.py models`)."""
    override = os.environ.get("MINGCHU_MODEL_DIR")
    if override:
        return Path(override)
    from desktop import paths

    return paths.data_dir() / "models"


@dataclass
class Detectors:
    """The compiled models of one analysis thread (DESIGN §4: built in the thread that runs them)."""

    detectors: list = field(default_factory=list)  # run on the whole frame
    classifiers: list = field(default_factory=list)  # run on face crops
    notices: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.detectors

    def fork(self) -> Detectors:
        """The same compiled models with infer requests of their own, for another analysis lane:
        the lanes' requests then run at once on the plugin's streams (THROUGHPUT hint)."""
        return Detectors([d.fork() for d in self.detectors], [c.fork() for c in self.classifiers], [])

    def parallel_requests(self) -> int:
        """How many requests the first model runs at once to best effect (its plugin's answer)."""
        if not self.detectors:
            return 1
        try:
            return max(1, int(self.detectors[0].compiled.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS")))
        except Exception:  # noqa: BLE001 - a plugin that does not say: one lane
            return 1


def load_detectors(directory: Path | None = None, device: str = "AUTO", hint: str = "LATENCY") -> Detectors:
    """The default models plus every imported plug-in that is present and loads. Missing or broken
    models are left out with a notice: the non-AI rules (motion, quality, night motion) still run."""
    from detectors.manifest import installed_manifests
    from detectors.registry import create_detector
    from detectors.store import file_problem

    directory = directory or model_dir()
    out = Detectors()
    wanted = [m for m in installed_manifests(directory) if m.id in DEFAULT_MODELS or not m.default]
    missing = [m.id for m in wanted if m.id in DEFAULT_MODELS and file_problem(m, directory)]
    usable = [m for m in wanted if not file_problem(m, directory)]
    if not usable:
        out.notices.append(f"AI 模型未安装，仅运行非AI规则（夜间移动、画面异常）/ models missing in {directory}: "
                           "run `python main.py models install`")
        return out
    try:
        from detectors.runtime import open_runtime

        runtime = open_runtime(device)
    except Exception as exc:  # noqa: BLE001 - no OpenVINO at all: the non-AI rules still run
        out.notices.append(f"OpenVINO 无法启动，仅运行非AI规则 / OpenVINO failed: {exc}")
        return out
    if runtime.notice:
        out.notices.append(runtime.notice)
    for m in usable:
        try:
            det = create_detector(m, directory, runtime, hint)
        except Exception as exc:  # noqa: BLE001 - one broken plug-in must not stop the others
            out.notices.append(f"模型 {m.id} 无法加载 / cannot load: {exc}")
            continue
        (out.classifiers if det.kind == "classifier" else out.detectors).append(det)
    if missing:
        out.notices.append(f"缺少默认模型 / default models missing: {', '.join(missing)} — "
                           "run `python main.py models install`")
    # The person detector first: the others run only when it found someone.
    out.detectors.sort(key=lambda d: d.manifest.id != PERSON_MODEL)
    return out


@dataclass(frozen=True, slots=True)
class FrameResult:
    events: tuple[AnalysisEvent, ...]
    inferred: bool  # False: the motion gate skipped inference
    inference_ms: float


class CameraAnalyzer:
    def __init__(self, camera_id: int, rules: CameraRules, venue_hours: str, detectors: Detectors, *,
                 clock: Callable[[], float] = time.monotonic,
                 infer: Callable[[np.ndarray], tuple[Detection, ...]] | None = None,
                 gate_inference: bool = True) -> None:
        """`clock` times the motion gate's refreshes (a file's own timeline in `main.py detect`);
        `infer` replaces the default person → face → mask chain; with `gate_inference` off every
        frame is inferred (the CLI prints every sampled frame's detections)."""
        self.camera_id = camera_id
        self.rules = rules
        self.engine = RuleEngine(camera_id, rules, venue_hours)
        self.motion = MotionGate(rules.motion)
        self.quality = QualityMonitor(rules.quality)
        self.detectors = detectors
        self._clock = clock
        self._infer_fn = infer or self._infer
        self._can_infer = infer is not None or bool(detectors.detectors)
        self._gate = gate_inference
        self._last: tuple[Detection, ...] = ()
        self._last_infer = -1e9
        self._last_quality = -1e9
        self._size: tuple[int, int] | None = None

    def process(self, frame: np.ndarray, frame_time: float) -> FrameResult:
        """`frame`: BGR at sub-stream resolution; `frame_time`: time.time() it was decoded."""
        h, w = frame.shape[:2]
        if self._size != (w, h):  # another stream size: old boxes mean nothing
            self._size, self._last, self._last_infer = (w, h), (), -1e9
        mono = self._clock()
        motion = self.motion.update(frame)
        static = not motion.moving
        quality = None
        if not static or mono - self._last_quality >= QUALITY_STATIC_S:
            quality = self.quality.update(frame, frame_time)
            self._last_quality = mono
        inferred, ms = False, 0.0
        if self._can_infer and (not self._gate or not static or mono - self._last_infer >= STATIC_REFRESH_S):
            started = time.perf_counter()
            self._last = self._infer_fn(frame)
            ms = (time.perf_counter() - started) * 1000
            inferred, self._last_infer = True, mono
        at = datetime.fromtimestamp(frame_time, UTC)
        facts = FrameFacts(self.camera_id, at, (w, h), self._last, motion, quality)
        violations = self.engine.process(facts)
        events = tuple(self._event(v, frame, frame_time) for v in violations)
        return FrameResult(events, inferred, ms)

    @property
    def last_detections(self) -> tuple[Detection, ...]:
        """The detections the latest verdict used (the previous frame's when the gate skipped)."""
        return self._last

    def _infer(self, frame: np.ndarray) -> tuple[Detection, ...]:
        found: list[Detection] = []
        people = True
        for det in self.detectors.detectors:
            if det.manifest.id != PERSON_MODEL and not people:
                continue
            results = det.detect(frame)
            if det.manifest.id == PERSON_MODEL:
                people = any(d.label in self.rules.person_labels for d in results)
            for d in results:
                found.append(d)
                if d.label == FACE_LABEL and d.box.height >= MIN_FACE_PX:
                    for cls in self.detectors.classifiers:
                        c = cls.classify(frame, d.box)
                        if c is not None:
                            found.append(c)
        return tuple(found)

    def _event(self, v: Violation, frame: np.ndarray, frame_time: float) -> AnalysisEvent:
        return AnalysisEvent(self.camera_id, v, frame_time, encode_png(frame),
                             encode_png(draw_boxes(frame, v, self._last)))


def encode_png(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:
        raise ValueError("PNG encoding failed")
    return data.tobytes()


def draw_boxes(frame: np.ndarray, v: Violation, detections: tuple[Detection, ...]) -> np.ndarray:
    """A copy of the frame with the other detections (thin, green) and the violation's boxes (red,
    with the category's ASCII name and score)."""
    out = frame.copy()
    for d in detections:
        b = d.box
        cv2.rectangle(out, (int(b.x1), int(b.y1)), (int(b.x2), int(b.y2)), (80, 200, 80), 1)
    name = SHORT_NAMES.get(v.category, "alert")
    label = f"{name} {v.score:.2f}"
    for b in v.boxes:
        p1, p2 = (int(b.x1), int(b.y1)), (int(b.x2), int(b.y2))
        cv2.rectangle(out, p1, p2, (0, 0, 255), 2)
        _text(out, label, (p1[0], max(12, p1[1] - 4)))
    if not v.boxes:
        _text(out, label, (6, 18))
    return out


def _text(img: np.ndarray, text: str, origin: tuple[int, int]) -> None:
    (tw, th), base = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, 0.45, 1)
    x, y = origin
    cv2.rectangle(img, (x, y - th - base), (x + tw + 2, y + base), (0, 0, 255), -1)
    cv2.putText(img, text, (x + 1, y), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 255), 1, cv2.LINE_AA)
