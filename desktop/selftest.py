"""`main.py --self-test` (or `main.py self-test`): is this installation usable? GUI-less: no
display, no window; Qt is only asked for its version and its platform plugins.

Checks, each OK / 警告 WARN / 失败 FAIL with a reason in Chinese and English:
  versions   the app, Python, Qt/PySide6, PyAV/FFmpeg, OpenVINO, OpenCV, NumPy (an import failing fails)
  openvino   the devices OpenVINO sees, and its own test model compiled and run on one of them
  models     every default model: files present and unchanged, loaded, one inference on a
             generated picture (ms per model)
  database   reachable, Alembic revision of the database next to the newest one of this build
  libvlc     python-vlc loads libvlc and creates an instance (the clip player needs it)
  disk       free space where the data directory is

Exit status 0 when nothing failed, 1 otherwise. Warnings (e.g. a database the next start will
upgrade) do not fail the test."""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

OK, WARN, FAIL = "OK", "WARN", "FAIL"
MIN_FREE_MB = 1024  # below this the console cannot keep evidence and clips for long
LOW_FREE_MB = 10 * 1024  # a warning below this


@dataclass
class Check:
    key: str
    title: str
    status: str = OK
    lines: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # why it failed or warns: Chinese / English
    data: dict = field(default_factory=dict)  # figures for --json

    def fail(self, reason: str) -> None:
        self.status = FAIL
        self.reasons.append(reason)

    def warn(self, reason: str) -> None:
        if self.status == OK:
            self.status = WARN
        self.reasons.append(reason)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


# -- versions --------------------------------------------------------------------------------

def _qt() -> tuple[str, str, list[str]]:
    import PySide6
    from PySide6.QtCore import QLibraryInfo, qVersion

    plugins = Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.PluginsPath)) / "platforms"
    names = sorted(p.name for p in plugins.glob("*") if p.is_file()) if plugins.is_dir() else []
    return PySide6.__version__, qVersion(), names


def native_platform_plugin() -> str:
    return {"win32": "qwindows", "darwin": "qcocoa"}.get(sys.platform, "qxcb")


def check_versions() -> Check:
    from desktop.bundle import app_version, frozen

    c = Check("versions", "版本 / versions")
    c.data["app"] = app_version()
    c.data["python"] = platform.python_version()
    c.lines.append(f"明厨亮灶监管工作台 {c.data['app']}{' (安装版 / installed build)' if frozen() else ''}")
    c.lines.append(f"Python {c.data['python']} ({sys.platform}, {platform.machine()})")

    def probe(key: str, label: str, fn: Callable[[], str]) -> None:
        try:
            c.data[key] = fn()
            c.lines.append(f"{label} {c.data[key]}")
        except Exception as exc:  # noqa: BLE001 - any import failure is the finding
            c.fail(f"{label} 无法加载 / cannot be loaded: {_first_line(exc)}")

    def qt() -> str:
        pyside, qt_version, platforms = _qt()
        native = native_platform_plugin()
        if not any(n.startswith(("lib" + native, native)) for n in platforms):
            c.fail(f"缺少 Qt 平台插件 {native} / Qt platform plugin {native} missing (found: {', '.join(platforms)})")
        return f"{pyside} (Qt {qt_version}; platforms: {', '.join(n.split('.')[0] for n in platforms)})"

    def pyav() -> str:
        import av

        libs = ", ".join(f"{k} {'.'.join(map(str, v))}" for k, v in sorted(av.library_versions.items())
                         if k in ("libavcodec", "libavformat"))
        return f"{av.__version__} (FFmpeg {av.ffmpeg_version_info}; {libs})"

    def openvino() -> str:
        import openvino as ov

        return ov.get_version()

    def opencv() -> str:
        import cv2

        return cv2.__version__

    def numpy() -> str:
        import numpy as np

        return np.__version__

    probe("pyside6", "PySide6", qt)
    probe("pyav", "PyAV", pyav)
    probe("openvino", "OpenVINO", openvino)
    probe("opencv", "OpenCV", opencv)
    probe("numpy", "NumPy", numpy)
    return c


# -- OpenVINO and the models -----------------------------------------------------------------

def check_openvino(device: str = "AUTO"):
    """(Check, Runtime or None)."""
    c = Check("openvino", "OpenVINO 设备 / devices")
    try:
        from detectors.runtime import open_runtime

        rt = open_runtime(device)
    except Exception as exc:  # noqa: BLE001
        c.fail(f"OpenVINO 无法运行 / OpenVINO cannot run: {_first_line(exc)}")
        return c, None
    devices = []
    for d in rt.devices:
        try:
            devices.append(f"{d} ({rt.core.get_property(d, 'FULL_DEVICE_NAME')})")
        except Exception:  # noqa: BLE001 - a device that does not say its name
            devices.append(d)
    c.data.update(devices=rt.devices, device=rt.device, selftest_ms=round(rt.selftest.seconds * 1000, 1))
    c.lines.append(f"可用设备 / available: {', '.join(devices) or '-'}")
    c.lines.append(f"请求 / requested {device} → 使用 / using {rt.device} "
                   f"(测试模型 / test model {rt.selftest.seconds * 1000:.0f} ms)")
    if rt.notice and device.upper() not in ("AUTO", "CPU"):
        c.warn(rt.notice)
    return c, rt


def check_models(model_dir: Path, runtime) -> Check:
    c = Check("models", "默认模型 / default models")
    c.lines.append(f"模型目录 / model dir: {model_dir}")
    try:
        from detectors.check import check_model
        from detectors.manifest import bundled_manifests

        manifests = [m for m in bundled_manifests() if m.default]
    except Exception as exc:  # noqa: BLE001
        c.fail(f"模型清单无法读取 / model manifests unreadable: {_first_line(exc)}")
        return c
    if not manifests:
        c.fail("没有默认模型清单 / no default model manifests (resources/models missing)")
    if runtime is None:
        c.fail("OpenVINO 不可用，无法试运行模型 / OpenVINO unavailable: models not run")
        return c
    for m in manifests:
        r = check_model(m, model_dir, runtime, runs=3)
        c.data[m.id] = {"ok": r.ok, "latency_ms": round(r.latency_ms, 2), "load_ms": round(r.load_ms, 1),
                        "reason": r.reason}
        if r.ok:
            c.lines.append(f"{m.id:<22} {r.latency_ms:7.1f} ms/帧 frame  (加载 load {r.load_ms:.0f} ms, "
                           f"{r.device}, 输入 input {list(r.input_shape)})")
        else:
            c.lines.append(f"{m.id:<22} 失败 / FAILED")
            c.fail(f"模型 {m.id}（{m.name}）不可用 / model unusable: {r.reason}; "
                   "运行 / run `main.py models install`")
    return c


# -- database ---------------------------------------------------------------------------------

def check_database(data_dir: Path) -> Check:
    c = Check("database", "数据库 / database")
    try:
        from sqlalchemy import text

        from desktop.core.db import database_url, head_revision, make_engine
        from desktop.core.redact import redact_text, redact_url
    except Exception as exc:  # noqa: BLE001
        c.fail(f"数据库模块无法加载 / database modules cannot be loaded: {_first_line(exc)}")
        return c
    url = database_url(data_dir)
    c.lines.append(f"地址 / URL: {redact_url(url)}")
    try:
        head = head_revision()
    except Exception as exc:  # noqa: BLE001 - the migration scripts are missing from the build
        c.fail(f"迁移脚本缺失 / migration scripts missing: {_first_line(exc)}")
        return c
    c.data["head"] = head
    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        if not path.exists():
            # The first start creates it: check the folder takes files, without creating the database.
            if not os.access(path.parent, os.W_OK):
                c.fail(f"数据目录不可写 / data directory not writable: {path.parent}")
            else:
                c.data["current"] = None
                c.lines.append(f"数据库尚未创建，首次启动时创建并升级到 {head} / "
                               f"not created yet: the first start creates it at revision {head}")
            return c
    engine = None
    try:
        engine = make_engine(url)
        started = time.perf_counter()
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            from alembic.runtime.migration import MigrationContext
            from alembic.script import ScriptDirectory

            from desktop.core.db import alembic_config

            current = MigrationContext.configure(conn).get_current_revision()
        c.data.update(current=current, connect_ms=round((time.perf_counter() - started) * 1000, 1),
                      dialect=engine.dialect.name)
        c.lines.append(f"可连接 / reachable ({engine.dialect.name}, {c.data['connect_ms']:.0f} ms)")
        c.lines.append(f"迁移版本 / revision: 当前 current {current or '(空库 empty)'}, 最新 head {head}")
        if current == head:
            c.lines.append("已是最新 / up to date")
        elif current is None:
            c.warn(f"数据库为空，启动时将建表到 {head} / empty database: the next start creates the schema")
        else:
            known = {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}
            if current in known:
                c.warn(f"数据库版本 {current} 较旧，下次启动时自动升级到 {head} / "
                       f"revision {current} will be upgraded to {head} at the next start")
            else:
                c.fail(f"数据库版本 {current} 比本程序新或未知，请安装新版本 / database revision {current} "
                       f"is unknown to this build (newest {head}): install the newer version")
    except Exception as exc:  # noqa: BLE001 - unreachable, refused, bad credentials, not a database …
        c.fail(f"数据库无法连接 / database unreachable: {redact_text(_first_line(exc))}")
    finally:
        if engine is not None:
            engine.dispose()
    return c


# -- libvlc -----------------------------------------------------------------------------------

def check_libvlc() -> Check:
    c = Check("libvlc", "libvlc（录像回放 / clip player）")
    for var in ("PYTHON_VLC_LIB_PATH", "PYTHON_VLC_MODULE_PATH"):
        if os.environ.get(var):
            c.lines.append(f"{var}={os.environ[var]}")
    try:
        import vlc  # python-vlc exits the process when PYTHON_VLC_LIB_PATH names no library
    except (Exception, SystemExit) as exc:  # noqa: BLE001
        c.fail(f"找不到 libvlc，请安装 VLC（Debian: libvlc5 vlc-plugin-base）/ libvlc not found: {_first_line(exc)}")
        return c
    try:
        version = vlc.libvlc_get_version().decode()
        instance = vlc.Instance("--no-xlib", "--quiet")
    except Exception as exc:  # noqa: BLE001
        c.fail(f"libvlc 无法运行 / libvlc does not run: {_first_line(exc)}")
        return c
    c.data.update(version=version, python_vlc=getattr(vlc, "__version__", "?"), library=str(getattr(vlc, "dll", "")))
    c.lines.append(f"libvlc {version} (python-vlc {c.data['python_vlc']})")
    if instance is None:
        c.fail("libvlc 无法创建实例（插件缺失？Debian: vlc-plugin-base）/ libvlc could not create an instance "
               "(plugins missing?)")
        return c
    filters = len(instance.video_filter_list_get() or [])  # 0: libvlc found none of its plugins
    instance.release()
    c.data["video_filters"] = filters
    c.lines.append(f"插件 / plugins: {filters} video filters")
    if not filters:
        c.fail("libvlc 插件缺失（Debian: vlc-plugin-base）/ libvlc plugins missing")
    return c


# -- disk -------------------------------------------------------------------------------------

def check_disk(data_dir: Path, min_free_mb: int = MIN_FREE_MB, low_free_mb: int = LOW_FREE_MB) -> Check:
    c = Check("disk", "磁盘空间 / free disk")
    try:
        usage = shutil.disk_usage(data_dir)
    except OSError as exc:
        c.fail(f"数据目录不可用 / data directory unusable: {data_dir}: {_first_line(exc)}")
        return c
    free_mb = usage.free // (1 << 20)
    c.data.update(free_mb=free_mb, total_mb=usage.total // (1 << 20), path=str(data_dir))
    c.lines.append(f"{data_dir}: 可用 free {free_mb / 1024:.1f} GB / 共 total {usage.total / (1 << 30):.1f} GB")
    if free_mb < min_free_mb:
        c.fail(f"磁盘空间不足：{free_mb} MB，至少需要 {min_free_mb} MB / not enough free disk: "
               f"{free_mb} MB < {min_free_mb} MB")
    elif free_mb < low_free_mb:
        c.warn(f"磁盘空间偏低 / free disk low: {free_mb} MB")
    return c


# -- all of it --------------------------------------------------------------------------------

def run_self_test(data_dir: Path, model_dir: Path, device: str = "AUTO", min_free_mb: int = MIN_FREE_MB,
                  log_dir: Path | None = None) -> list[Check]:
    checks = [check_versions()]
    ov_check, runtime = check_openvino(device)
    checks += [ov_check, check_models(model_dir, runtime), check_database(data_dir), check_libvlc(),
               check_disk(data_dir, min_free_mb)]
    if log_dir is not None:
        checks[0].lines.append(f"日志目录 / log dir: {log_dir}")
    return checks


LABEL = {OK: "OK  ", WARN: "警告 WARN", FAIL: "失败 FAIL"}


def format_report(checks: list[Check]) -> str:
    out = ["明厨亮灶监管工作台 自检 / self-test"]
    for c in checks:
        out.append(f"[{LABEL[c.status]}] {c.title}")
        out += [f"    {line}" for line in c.lines]
        out += [f"    → {r}" for r in c.reasons]
    failed = [c for c in checks if c.status == FAIL]
    if failed:
        out.append(f"自检失败 / self-test FAILED: {'; '.join(r for c in failed for r in c.reasons)}")
    else:
        warned = sum(c.status == WARN for c in checks)
        out.append("自检通过 / self-test passed" + (f"（{warned} 项警告 / {warned} warning(s)）" if warned else ""))
    return "\n".join(out)


def to_json(checks: list[Check]) -> str:
    return json.dumps({"ok": not any(c.status == FAIL for c in checks), "checks": [asdict(c) for c in checks]},
                      ensure_ascii=False)


def main(data_dir: Path, model_dir: Path, device: str = "AUTO", as_json: bool = False,
         min_free_mb: int = MIN_FREE_MB, log_dir: Path | None = None) -> int:
    checks = run_self_test(data_dir, model_dir, device, min_free_mb, log_dir)
    print(to_json(checks) if as_json else format_report(checks), flush=True)
    return 1 if any(c.status == FAIL for c in checks) else 0
