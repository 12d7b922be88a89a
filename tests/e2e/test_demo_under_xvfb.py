"""`make run` as a newcomer on a server meets it: the demo console under Xvfb, screenshot of the wall."""

import os
import shutil
import subprocess
import sys

import cv2
import numpy as np

from tests.conftest import ROOT, free_port


def test_demo_runs_under_xvfb_and_writes_a_screenshot_of_a_live_wall(tmp_path, media_cache):
    assert shutil.which("xvfb-run"), "xvfb-run missing: installer/system-packages.sh installs xvfb"
    shot = tmp_path / "wall.png"
    env = {k: v for k, v in os.environ.items() if k not in ("QT_QPA_PLATFORM", "DISPLAY")}
    env["MINGCHU_DATA_DIR"] = str(tmp_path / "data")
    proc = subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 1920x1080x24", sys.executable, "main.py", "demo",
         "--port", str(free_port()), "--screenshot", str(shot), "--quit-after-screenshot",
         "--screenshot-timeout", "40"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"wall screenshot: {shot} (16/16 tiles showing video;" in proc.stdout
    img = cv2.imread(str(shot))
    assert img.shape == (900, 1600, 3)
    # The wall (right of the camera tree) is full of pictures, not placeholders.
    wall = img[60:880, 300:1600]
    assert wall.std() > 30 and len(np.unique(wall.reshape(-1, 3), axis=0)) > 1000
    assert (tmp_path / "data" / "console.db").exists()


def test_sigterm_closes_the_console_and_its_demo_server(tmp_path, media_cache):
    import signal
    import time

    import psutil

    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    env.update(MINGCHU_DATA_DIR=str(tmp_path / "data"), QT_QPA_PLATFORM="offscreen")
    shot = tmp_path / "wall.png"
    proc = subprocess.Popen([sys.executable, "main.py", "demo", "--port", str(free_port()), "--no-overlay",
                             "--screenshot", str(shot)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        deadline = time.monotonic() + 90
        while not shot.exists() and time.monotonic() < deadline:
            time.sleep(0.5)
        assert shot.exists()
        children = psutil.Process(proc.pid).children(recursive=True)
        assert any("gst_rtsp_server" in " ".join(c.cmdline()) for c in children)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
        gone, alive = psutil.wait_procs(children, timeout=10)
        assert not alive
    finally:
        if proc.poll() is None:
            proc.kill()
