"""Start and stop the demo RTSP server (a child process on the system Python with GStreamer)."""

from __future__ import annotations

import ctypes
import json
import logging
import os
import select
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from desktop.demo.catalogue import base_area, demo_cameras
from desktop.demo.scene import scene_file

log = logging.getLogger(__name__)

SCRIPT = Path(__file__).with_name("gst_rtsp_server.py")
SUB_SIZE = (640, 360)
MAIN_SIZE = (1280, 720)
FPS = 15


class DemoServerError(RuntimeError):
    pass


def system_python() -> str:
    """The interpreter that has Debian's python3-gi (a virtualenv cannot pip-install it)."""
    return os.environ.get("MINGCHU_GI_PYTHON", "/usr/bin/python3")


def _die_with_parent() -> None:
    """Linux: the server gets SIGTERM when the process that started it dies, even by kill -9,
    so no orphaned RTSP server keeps the port."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


@dataclass
class DemoServer:
    streams: int = 16
    port: int = 8554  # 0 = any free port
    host: str = "127.0.0.1"
    overlay: bool = True  # burn camera name + wall clock in (re-encodes: ~4.5 % of a core a stream)
    credentials: tuple[str, str] | None = None  # require RTSP basic auth on every mount
    cache_dir: Path = field(default_factory=lambda: Path.home() / ".cache" / "mingchu-demo")
    _proc: subprocess.Popen | None = None
    _log_path: Path | None = None

    def url(self, index: int, variant: str = "sub", credentials: tuple[str, str] | None = None) -> str:
        """RTSP URL of camera `index` (1-based), with user:password@ when given."""
        auth = f"{credentials[0]}:{credentials[1]}@" if credentials else ""
        return f"rtsp://{auth}{self.host}:{self.port}/cam{index:02d}/{variant}"

    def _config(self) -> dict:
        mounts = []
        for cam in demo_cameras(self.streams):
            area = base_area(cam.area)
            for variant, (w, h) in (("sub", SUB_SIZE), ("main", MAIN_SIZE)):
                mounts.append({
                    "path": f"/{cam.mount}/{variant}",
                    "file": str(scene_file(self.cache_dir, area, w, h)),
                    "overlay": self.overlay,
                    "title": cam.title,
                    "width": w,
                    "height": h,
                })
        return {"host": self.host, "port": self.port, "fps": FPS, "mounts": mounts,
                "auth": list(self.credentials) if self.credentials else None}

    def start(self, timeout: float = 30.0) -> DemoServer:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        python = system_python()
        if not Path(python).exists():
            raise DemoServerError(f"找不到系统 Python {python}：演示服务器需要 Debian 软件包 python3-gi 和 "
                                  "gir1.2-gst-rtsp-server-1.0（运行 make install-system）")
        config = self._config()  # renders missing scenes first: may take seconds
        # The config may hold test credentials: private file, deleted once the server has read it.
        fd, cfg_name = tempfile.mkstemp(prefix="rtsp-", suffix=".json", dir=self.cache_dir)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(config, fh, ensure_ascii=False)
        # stderr to a file, not a pipe: a pipe nobody reads blocks the server once it fills.
        log_fd, log_name = tempfile.mkstemp(prefix="rtsp-", suffix=".log", dir=self.cache_dir)
        self._log_path = Path(log_name)
        with os.fdopen(log_fd, "wb") as log_file:
            self._proc = subprocess.Popen([python, str(SCRIPT), cfg_name], stdout=subprocess.PIPE,
                                          stderr=log_file, text=True, preexec_fn=_die_with_parent)
        try:
            line = self._read_line(timeout)
        finally:
            Path(cfg_name).unlink(missing_ok=True)
        if not line.startswith("READY"):
            err = self._log_path.read_text(encoding="utf-8", errors="replace")
            self.stop()
            hint = ""
            if "gi" in err and ("No module" in err or "Namespace" in err):
                hint = "（缺少 python3-gi / gir1.2-gst-rtsp-server-1.0：运行 make install-system）"
            raise DemoServerError(f"演示 RTSP 服务器未能启动{hint}: {line or err.strip()[-500:]}")
        self.port = int(line.split()[1])
        log.info("demo RTSP server: %d streams at rtsp://%s:%d/camNN/{sub,main}", self.streams, self.host, self.port)
        return self

    def _read_line(self, timeout: float) -> str:
        assert self._proc is not None and self._proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self._proc.stdout], [], [], 0.2)
            if ready:
                return self._proc.stdout.readline().strip()
            if self._proc.poll() is not None:
                return ""
        return "timeout"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdout:
            proc.stdout.close()
        if self._log_path is not None:
            self._log_path.unlink(missing_ok=True)

    def __enter__(self) -> DemoServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
