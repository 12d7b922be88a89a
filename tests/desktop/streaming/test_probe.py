import subprocess
import sys

from desktop.streaming.probe import probe
from desktop.streaming.status import Reason
from tests.conftest import ROOT, free_port


def test_probe_reports_codec_size_and_fps(rtsp_server):
    r = probe(rtsp_server.url(1, "main"))
    assert r.ok and (r.codec, r.width, r.height, r.fps) == ("h264", 1280, 720, 15.0)


def test_probe_failure_has_reason():
    r = probe(f"rtsp://127.0.0.1:{free_port()}/x", timeout=3)
    assert not r.ok and r.reason is Reason.REFUSED


def test_probe_cli_exit_status_and_no_password_in_output(rtsp_server, data_dir):
    ok = subprocess.run([sys.executable, "main.py", "probe", rtsp_server.url(2)], cwd=ROOT,
                        capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    assert "h264" in ok.stdout and "640x360" in ok.stdout and "15" in ok.stdout
    bad = subprocess.run([sys.executable, "main.py", "probe", f"rtsp://admin:TopSecret@127.0.0.1:{free_port()}/x",
                          "--timeout", "3"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert bad.returncode == 1
    assert "连接被拒绝" in bad.stderr and "REFUSED" in bad.stderr
    assert "TopSecret" not in bad.stdout + bad.stderr and "rtsp://***@127.0.0.1" in bad.stderr
