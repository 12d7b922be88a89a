"""Labelled image sets for `main.py evaluate`: COCO JSON (one file) or YOLO txt (a directory of
`<image stem>.txt` files with `class cx cy w h` normalised lines, plus the class names).

Everything a station might hand us is checked while loading, and a problem is a DatasetError
naming the file and line (for COCO the line of the offending element, found again in the raw
text), never a traceback. Images are read with OpenCV when the evaluation needs their pixels."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from json.scanner import make_scanner
from pathlib import Path

import cv2
import numpy as np

from detectors.types import Box

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")
NAMES_FILES = ("classes.txt", "data.yaml", "data.yml")  # looked for in the YOLO label directory
_EDGE_TOLERANCE = 0.01  # YOLO coordinates a little outside 0..1 (rounding by labelling tools) are clipped


class DatasetError(ValueError):
    """Labels or images that cannot be used; the message names the file (and line) and is shown as is."""

    def __init__(self, path: Path | str, line: int | None, detail: str) -> None:
        self.path, self.line, self.detail = Path(path), line, detail
        where = f"{path}:{line}" if line else f"{path}"
        super().__init__(f"{where}: {detail}")


@dataclass(frozen=True, slots=True)
class GroundTruth:
    """One labelled object. `box` is in pixels, or in 0..1 of the image size for YOLO files
    (see LabelledImage.normalised). `ignore` marks COCO crowd regions: a detection there is
    neither right nor wrong."""

    label: str
    box: Box
    ignore: bool = False


@dataclass(frozen=True, slots=True)
class LabelledImage:
    path: Path
    objects: tuple[GroundTruth, ...]
    normalised: bool = False  # YOLO: boxes in 0..1, scaled by `in_pixels` once the image size is known
    width: int | None = None  # COCO's declared size, checked against the decoded image
    height: int | None = None

    def in_pixels(self, width: int, height: int) -> tuple[GroundTruth, ...]:
        if not self.normalised:
            return self.objects
        return tuple(
            GroundTruth(
                g.label, Box(g.box.x1 * width, g.box.y1 * height, g.box.x2 * width, g.box.y2 * height), g.ignore
            )
            for g in self.objects
        )


@dataclass(frozen=True)
class Dataset:
    format: str  # "coco" or "yolo"
    classes: tuple[str, ...]  # every class the labels declare, in their order (no duplicates)
    images: tuple[LabelledImage, ...]
    notes: tuple[str, ...] = field(default=())  # things skipped, for the report

    def object_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(self.classes, 0)
        for image in self.images:
            for g in image.objects:
                if not g.ignore:
                    counts[g.label] = counts.get(g.label, 0) + 1
        return counts


def load_dataset(images_dir: Path, labels: Path, names: Path | None = None) -> Dataset:
    """COCO when `labels` is a file, YOLO when it is a directory."""
    images_dir, labels = Path(images_dir), Path(labels)
    if not images_dir.is_dir():
        raise DatasetError(images_dir, None, "图片目录不存在 / images directory not found")
    if labels.is_dir():
        return load_yolo(images_dir, labels, names)
    if labels.is_file():
        if names is not None:
            raise DatasetError(names, None, "--names 只用于 YOLO 标注目录 / --names is for YOLO label directories only")
        if labels.suffix.lower() == ".txt":
            raise DatasetError(
                labels,
                None,
                "YOLO 标注请给出所在目录，单个文件应为 COCO JSON / for YOLO labels pass "
                "their directory; a single file must be COCO JSON",
            )
        return load_coco(images_dir, labels)
    raise DatasetError(labels, None, "标注文件或目录不存在 / labels file or directory not found")


def read_image(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if image is None:
        what = "图片不存在 / image not found" if not Path(path).is_file() else "无法读取图片 / cannot read the image"
        raise DatasetError(path, None, what)
    return image


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DatasetError(path, None, f"无法读取 / cannot read: {exc.strerror or exc}") from None
    for encoding in ("utf-8-sig", "gb18030"):  # label tools on Chinese Windows write GBK
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DatasetError(path, None, "不是 UTF-8 或 GB18030 文本 / not UTF-8 or GB18030 text")


def _image_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)


# ---- YOLO ------------------------------------------------------------------------------------


def load_names(path: Path) -> tuple[str, ...]:
    """Class names: one per line (classes.txt, obj.names), or the `names:` of a data.yaml."""
    path = Path(path)
    text = _read_text(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        return _yaml_names(text, path)
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    names = []
    for number, line in enumerate(lines, 1):
        name = line.strip()
        if not name:
            raise DatasetError(path, number, "空行：类别编号会错位 / blank line (would shift the class ids)")
        names.append(name)
    if not names:
        raise DatasetError(path, None, "没有类别名 / no class names")
    return tuple(names)


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def _strip_comment(line: str) -> str:
    return re.sub(r"\s+#.*$", "", line) if not line.lstrip().startswith("#") else ""


def _yaml_names(text: str, path: Path) -> tuple[str, ...]:
    """The `names:` of an Ultralytics data.yaml, in its three usual spellings: a flow list
    `[a, b]`, a block list `- a`, or a mapping `0: a` (PyYAML is not a dependency)."""
    lines = text.splitlines()
    start = next((i for i, ln in enumerate(lines) if re.match(r"^names\s*:", ln)), None)
    if start is None:
        raise DatasetError(path, None, "没有 names: 一项 / no `names:` key")
    rest = _strip_comment(lines[start].split(":", 1)[1]).strip()
    if rest:
        if not rest.startswith("["):
            raise DatasetError(path, start + 1, "names: 应为列表 / `names:` must be a list or a mapping")
        flow, end = rest, start
        while "]" not in flow and end + 1 < len(lines):
            end += 1
            flow += " " + _strip_comment(lines[end]).strip()
        if not flow.rstrip().endswith("]"):
            raise DatasetError(path, start + 1, "names: 列表缺少 ] / unterminated `names:` list")
        items = re.findall(r"""\s*('[^']*'|"[^"]*"|[^,]+)\s*(?:,|$)""", flow.strip()[1:-1])
        names = tuple(_unquote(i) for i in items if i.strip())
    else:
        listed: list[str] = []
        keyed: dict[int, str] = {}
        for number in range(start + 1, len(lines)):
            raw = lines[number]
            line = _strip_comment(raw).strip()
            if not line:
                continue
            if not raw[:1].isspace() and not raw.startswith("-"):
                break  # the next top-level key
            if line.startswith("-"):
                listed.append(_unquote(line[1:]))
            elif m := re.match(r"^(\d+)\s*:\s*(.*)$", line):
                keyed[int(m.group(1))] = _unquote(m.group(2))
            else:
                raise DatasetError(path, number + 1, f"无法识别的类别行 / cannot read this class line: {line!r}")
        if listed and keyed:
            raise DatasetError(path, start + 1, "names: 混用了列表和编号 / mixes a list and a mapping")
        if keyed:
            if sorted(keyed) != list(range(len(keyed))):
                raise DatasetError(
                    path,
                    start + 1,
                    f"类别编号应为 0..{len(keyed) - 1} 连续 / class ids must be "
                    f"0..{len(keyed) - 1}, got {sorted(keyed)}",
                )
            listed = [keyed[i] for i in range(len(keyed))]
        names = tuple(listed)
    if not names or any(not n for n in names):
        raise DatasetError(path, start + 1, "names: 为空或有空名称 / empty `names:` or an empty name")
    return names


def _find_names(labels_dir: Path) -> Path:
    for name in NAMES_FILES:
        if (labels_dir / name).is_file():
            return labels_dir / name
    raise DatasetError(
        labels_dir,
        None,
        "缺少类别名：请用 --names 指定，或在标注目录放 classes.txt / no class names: "
        "pass --names FILE or put a classes.txt in the labels directory",
    )


def parse_yolo_line(line: str, names: tuple[str, ...], path: Path, number: int) -> GroundTruth | None:
    """`class cx cy w h` in 0..1 → a normalised GroundTruth; None for a blank or comment line."""
    text = line.split("#", 1)[0].strip()
    if not text:
        return None
    parts = text.split()
    if len(parts) != 5:
        raise DatasetError(
            path,
            number,
            f"应为 5 个数（类别 cx cy w h），实际 {len(parts)} 个 / "
            f"expected 5 values (class cx cy w h), got {len(parts)}: {text!r}",
        )
    try:
        cls = int(parts[0])
    except ValueError:
        raise DatasetError(path, number, f"类别编号应为整数 / class id must be an integer: {parts[0]!r}") from None
    if not 0 <= cls < len(names):
        raise DatasetError(
            path,
            number,
            f"类别编号 {cls} 超出类别名表（共 {len(names)} 个）/ class id {cls} out of range (0..{len(names) - 1})",
        )
    try:
        cx, cy, w, h = (float(v) for v in parts[1:])
    except ValueError:
        raise DatasetError(path, number, f"坐标不是数 / coordinates must be numbers: {text!r}") from None
    if not all(math.isfinite(v) for v in (cx, cy, w, h)):
        raise DatasetError(path, number, f"坐标不是有限数 / coordinates must be finite: {text!r}")
    if w <= 0 or h <= 0:
        raise DatasetError(path, number, f"宽高必须大于 0 / width and height must be > 0: {text!r}")
    x1, y1, x2, y2 = cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2
    lo, hi = -_EDGE_TOLERANCE, 1 + _EDGE_TOLERANCE
    if min(x1, y1) < lo or max(x2, y2) > hi:
        raise DatasetError(
            path,
            number,
            f"框超出图片（坐标应为 0..1 的比例）/ box outside the image (coordinates must be fractions 0..1): {text!r}",
        )
    box = Box(max(0.0, x1), max(0.0, y1), min(1.0, x2), min(1.0, y2))
    return GroundTruth(names[cls], box)


def load_yolo(images_dir: Path, labels_dir: Path, names_file: Path | None = None) -> Dataset:
    names = load_names(names_file if names_file is not None else _find_names(labels_dir))
    notes = []
    names_paths = {(labels_dir / n).resolve() for n in NAMES_FILES}
    if names_file is not None:
        names_paths.add(Path(names_file).resolve())
    images = []
    used = set()
    for image_path in _image_files(images_dir):
        label_path = labels_dir / f"{image_path.stem}.txt"
        objects: list[GroundTruth] = []
        if label_path.is_file() and label_path.resolve() not in names_paths:
            used.add(label_path.name)
            for number, line in enumerate(_read_text(label_path).splitlines(), 1):
                g = parse_yolo_line(line, names, label_path, number)
                if g is not None:
                    objects.append(g)
        images.append(LabelledImage(image_path, tuple(objects), normalised=True))
    if not images:
        kinds = ", ".join(IMAGE_SUFFIXES)
        raise DatasetError(images_dir, None, f"目录中没有图片 / no images ({kinds}) in the directory")
    orphans = sorted(p.name for p in labels_dir.glob("*.txt") if p.name not in used and p.resolve() not in names_paths)
    if orphans:
        notes.append(
            f"{len(orphans)} 个标注文件没有对应图片，已跳过 / label files without an image, skipped: "
            f"{', '.join(orphans[:5])}{' …' if len(orphans) > 5 else ''}"
        )
    return Dataset("yolo", tuple(dict.fromkeys(names)), tuple(images), tuple(notes))


# ---- COCO ------------------------------------------------------------------------------------


def json_line(text: str, where: Iterable[str | int]) -> int | None:
    """Line (1-based) where the element at `where` (keys and list indices) starts in the JSON
    `text`, found by walking the raw text with the json module's own scanner; None if absent."""
    scan = make_scanner(json.JSONDecoder())
    ws = re.compile(r"[ \t\n\r]*")

    def skip(i: int) -> int:
        return ws.match(text, i).end()

    i = skip(0)
    try:
        for step in where:
            if isinstance(step, int):
                if text[i] != "[":
                    return None
                i = skip(i + 1)
                for _ in range(step):
                    _, i = scan(text, i)
                    i = skip(i)
                    if text[i] != ",":
                        return None
                    i = skip(i + 1)
                if text[i] == "]":
                    return None
            else:
                if text[i] != "{":
                    return None
                i = skip(i + 1)
                while True:
                    if text[i] != '"':
                        return None
                    key, i = scan(text, i)
                    i = skip(skip(i) + 1)  # past ':'
                    if key == step:
                        break
                    _, i = scan(text, i)
                    i = skip(i)
                    if text[i] != ",":
                        return None
                    i = skip(i + 1)
    except (StopIteration, IndexError, ValueError):
        return None
    return text.count("\n", 0, i) + 1


def load_coco(images_dir: Path, labels: Path) -> Dataset:
    text = _read_text(labels)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        detail = f"JSON 格式错误 / invalid JSON: {exc.msg} (column {exc.colno})"
        raise DatasetError(labels, exc.lineno, detail) from None

    def fail(where: tuple, detail: str) -> DatasetError:
        path = "".join(f"[{w}]" if isinstance(w, int) else f".{w}" for w in where).lstrip(".")
        return DatasetError(labels, json_line(text, where), f"{path}: {detail}" if path else detail)

    if not isinstance(data, dict):
        raise DatasetError(
            labels,
            1,
            "应为 COCO 对象（images、annotations、categories）/ expected a COCO object "
            "with images, annotations and categories",
        )
    for key in ("images", "annotations", "categories"):
        if not isinstance(data.get(key), list):
            raise fail((key,) if key in data else (), f"缺少列表 {key} / missing list `{key}`")

    categories: dict = {}
    for n, c in enumerate(data["categories"]):
        if not isinstance(c, dict) or "id" not in c or not isinstance(c.get("name"), str) or not c["name"].strip():
            raise fail(("categories", n), "类别应有 id 和 name / a category needs `id` and `name`")
        if c["id"] in categories:
            raise fail(("categories", n), f"类别 id {c['id']!r} 重复 / duplicate category id")
        categories[c["id"]] = c["name"].strip()

    files: dict = {}
    sizes: dict = {}
    for n, im in enumerate(data["images"]):
        if not isinstance(im, dict) or "id" not in im or not isinstance(im.get("file_name"), str):
            raise fail(("images", n), "图片应有 id 和 file_name / an image needs `id` and `file_name`")
        if im["id"] in files:
            raise fail(("images", n), f"图片 id {im['id']!r} 重复 / duplicate image id")
        w, h = im.get("width"), im.get("height")
        if w is not None or h is not None:
            if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (w, h)):
                raise fail(("images", n), "width/height 应为正整数 / width and height must be positive integers")
        files[im["id"]] = im["file_name"]
        sizes[im["id"]] = (w, h)

    objects: dict = {i: [] for i in files}
    for n, a in enumerate(data["annotations"]):
        if not isinstance(a, dict):
            raise fail(("annotations", n), "标注应为对象 / an annotation must be an object")
        for key in ("image_id", "category_id", "bbox"):
            if key not in a:
                raise fail(("annotations", n), f"缺少 {key} / missing `{key}`")
        if a["image_id"] not in files:
            raise fail(("annotations", n, "image_id"), f"未知图片 id / unknown image id {a['image_id']!r}")
        if a["category_id"] not in categories:
            raise fail(("annotations", n, "category_id"), f"未知类别 id / unknown category id {a['category_id']!r}")
        bbox = a["bbox"]
        if (
            not isinstance(bbox, list)
            or len(bbox) != 4
            or not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in bbox)
        ):
            detail = f"应为 [x, y, 宽, 高] 四个数 / must be [x, y, w, h] numbers: {bbox!r}"
            raise fail(("annotations", n, "bbox"), detail)
        x, y, w, h = (float(v) for v in bbox)
        if w < 0 or h < 0:
            raise fail(("annotations", n, "bbox"), f"宽高不能为负 / width and height must be >= 0: {bbox!r}")
        ignore = bool(a.get("iscrowd", 0)) or bool(a.get("ignore", 0))
        objects[a["image_id"]].append(GroundTruth(categories[a["category_id"]], Box(x, y, x + w, y + h), ignore))

    images = []
    for image_id, name in files.items():
        path = images_dir / name
        if not path.is_file() and (images_dir / Path(name).name).is_file():
            path = images_dir / Path(name).name  # file_name with the exporter's folder in front
        if not path.is_file():
            n = next(k for k, im in enumerate(data["images"]) if im["id"] == image_id)
            raise fail(("images", n), f"图片不在 {images_dir} 中 / image {name!r} not found in the images directory")
        w, h = sizes[image_id]
        images.append(LabelledImage(path, tuple(objects[image_id]), width=w, height=h))
    if not images:
        raise DatasetError(labels, None, "images 为空 / no images listed")
    listed = {p.path.resolve() for p in images}
    extra = [p.name for p in _image_files(images_dir) if p.resolve() not in listed]
    notes = []
    if extra:
        notes.append(
            f"{len(extra)} 张图片未列在标注文件中，已跳过 / images not listed in the labels, skipped: "
            f"{', '.join(extra[:5])}{' …' if len(extra) > 5 else ''}"
        )
    return Dataset("coco", tuple(dict.fromkeys(categories.values())), tuple(images), tuple(notes))


def load_image(image: LabelledImage) -> tuple[np.ndarray, tuple[GroundTruth, ...]]:
    """The decoded BGR image and its objects in pixels; a COCO size that does not match the
    file (another resolution, or an EXIF rotation) would misplace every box, so it is an error."""
    frame = read_image(image.path)
    h, w = frame.shape[:2]
    if image.width is not None and (image.width, image.height) != (w, h):
        raise DatasetError(
            image.path,
            None,
            f"图片尺寸 {w}x{h} 与标注中的 {image.width}x{image.height} 不符 / "
            f"image is {w}x{h}, the labels say {image.width}x{image.height}",
        )
    return frame, image.in_pixels(w, h)
