"""The built program and the Debian package, for real: `make package-check` builds dist/ and the
.deb first and runs these (MINGCHU_PACKAGE_CHECK=1); `make test` deselects them (-m "not package"),
and run directly without that variable they skip.

- dist/mingchu-console has the layout of installer/layout.py, carries the default models and no
  libvlc of its own on Linux, passes --self-test headless (no DISPLAY) and fails it when the models
  are missing, and its GUI starts (all its modules load) without a display;
- the .deb installs with apt-get, the installed program passes its self-test, and
  `apt-get remove --purge` leaves nothing in /opt, /usr/bin or the menu."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.installer.test_layout import ROOT, layout

pytestmark = [
    pytest.mark.package,
    pytest.mark.skipif(os.environ.get("MINGCHU_PACKAGE_CHECK") != "1",
                       reason="built artefacts: run `make package-check` (builds dist/ and the .deb first)"),
]

DIST = ROOT / "dist" / layout.DIST_NAME
EXE = DIST / layout.exe_names(sys.platform)[0]
OPT = Path("/opt") / layout.APP_ID
PACKAGE = "mingchu-console"


def headless_env(tmp_path: Path, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("MINGCHU_", "PYTHON_VLC_", "QT_")) and k not in ("DISPLAY", "WAYLAND_DISPLAY",
                                                                               "DATABASE_URL", "VIRTUAL_ENV")}
    env["PATH"] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"  # not the venv's
    env["MINGCHU_DATA_DIR"] = str(tmp_path / "data")
    env.update(extra)
    return env


def self_test(exe: Path, env: dict[str, str], *args: str) -> tuple[int, str]:
    proc = subprocess.run([str(exe), *args], env=env, capture_output=True, text=True, timeout=180)
    print(proc.stdout)
    return proc.returncode, proc.stdout + proc.stderr


def checks_of(out: str) -> dict[str, dict]:
    return {c["key"]: c for c in json.loads(out[:out.rindex("}") + 1])["checks"]}


def test_the_build_has_the_layout_and_carries_the_models():
    assert sorted(p.name for p in DIST.iterdir()) == layout.top_level(sys.platform)
    contents = DIST / layout.CONTENTS
    for d in layout.contents_dirs(sys.platform):
        assert (contents / d).is_dir(), d
    models = contents / layout.BUNDLED_MODELS
    lock = json.loads((models / "models.lock.json").read_text())
    assert {"person-ssdlite.pb", "face-ultraface-640.onnx", "mask-mobilenetv2.xml"} <= set(lock)
    assert all((models / name).is_file() for name in lock)
    assert (contents / "desktop" / "core" / "migrations" / "env.py").is_file()
    libs = contents / "openvino" / "libs"
    for plugin in ("libopenvino_intel_cpu_plugin.so", "libopenvino_ir_frontend.so", "libopenvino_onnx_frontend.so",
                   "libopenvino_tensorflow_frontend.so", "libopenvino_tensorflow_lite_frontend.so"):
        assert any(p.name.startswith(plugin) for p in libs.iterdir()), plugin
    if sys.platform.startswith("linux"):
        assert not list(contents.rglob("libvlc*.so*")), "the Linux build must use the system libvlc"


def test_the_built_program_passes_its_self_test_headless(tmp_path):
    code, out = self_test(EXE, headless_env(tmp_path), "self-test", "--json")
    assert code == 0, out
    checks = checks_of(out)
    assert "安装版" in checks["versions"]["lines"][0]
    assert all(m["ok"] for m in checks["models"]["data"].values())
    assert len(checks["models"]["data"]) >= 5
    assert checks["libvlc"]["status"] == "OK"
    # The bundled models were copied into the user's model directory on the way.
    assert (tmp_path / "data" / "models" / "person-ssdlite.pb").is_file()


def test_the_built_program_fails_its_self_test_without_models(tmp_path):
    env = headless_env(tmp_path, MINGCHU_MODEL_DIR=str(tmp_path / "empty"),
                       MINGCHU_BUNDLED_MODELS=str(tmp_path / "none"))
    code, out = self_test(EXE, env, "--self-test")
    assert code == 1 and "自检失败 / self-test FAILED" in out and "缺失 / missing" in out


def test_the_built_gui_starts_without_a_display(tmp_path):
    """No DISPLAY: the console falls back to the offscreen platform; it must come up (every GUI
    module importable from the bundle) and stay up until stopped."""
    env = headless_env(tmp_path, MINGCHU_ANALYSIS="off")
    proc = subprocess.Popen([str(EXE)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        time.sleep(12)
        alive = proc.poll() is None
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # a modal first-run wizard does not see SIGTERM
        out, err = proc.communicate(timeout=30)
    log = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in (tmp_path / "data" / "logs").glob("*.log"))
    assert alive, f"the console exited: {out}\n{err}\n{log}"
    assert "Traceback" not in err and "uncaught exception" not in log, err + log


@pytest.fixture
def installed():
    if os.geteuid() != 0:
        pytest.fail("the .deb check installs a package: run as root (CI does)")
    debs = sorted((ROOT / "dist").glob(f"{PACKAGE}_*.deb"), key=lambda p: p.stat().st_mtime)
    assert debs, "no dist/*.deb: run `make deb`"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "install", "-y", "-q", str(debs[-1])], check=True, env=env, timeout=600)
    try:
        yield debs[-1]
    finally:
        subprocess.run(["apt-get", "remove", "--purge", "-y", "-q", PACKAGE], env=env, timeout=600)


def test_the_deb_installs_self_tests_and_removes_cleanly(installed, tmp_path):
    info = subprocess.run(["dpkg-deb", "-f", str(installed), "Depends"], capture_output=True, text=True).stdout
    for dep in ("libvlc5", "vlc-plugin-base", "fonts-wqy-microhei"):
        assert dep in info
    launcher = Path("/usr/bin") / PACKAGE
    assert launcher.resolve() == (OPT / layout.exe_names("linux")[0]).resolve()
    desktop = Path("/usr/share/applications/mingchu-console.desktop")
    assert f"Name={layout.DISPLAY_NAME}" in desktop.read_text(encoding="utf-8")
    assert Path("/usr/share/icons/hicolor/scalable/apps/mingchu-console.svg").is_file()
    if shutil.which("desktop-file-validate"):
        subprocess.run(["desktop-file-validate", str(desktop)], check=True)

    code, out = self_test(launcher, headless_env(tmp_path), "--self-test")
    assert code == 0, out
    assert "自检通过 / self-test passed" in out and "person-ssdlite" in out

    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "remove", "--purge", "-y", "-q", PACKAGE], check=True, env=env, timeout=600)
    assert not OPT.exists() and not launcher.exists() and not launcher.is_symlink() and not desktop.exists()
    status = subprocess.run(["dpkg-query", "-W", "-f=${Status}", PACKAGE], capture_output=True, text=True)
    assert "install ok installed" not in status.stdout
    assert (tmp_path / "data" / "models").is_dir()  # the user's data stays
