"""Shared fixtures: a real RTSP server on 127.0.0.1, a private data directory per test."""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The camera-password key goes to the test's data directory, never the developer's keyring.
os.environ.setdefault("MINGCHU_KEYRING", "off")

from desktop.demo.server import DemoServer  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def media_cache(tmp_path_factory) -> Path:
    """Rendered demo scenes are shared by every server of the session, in-process or started
    through main.py (rendering takes seconds). MINGCHU_TEST_MEDIA_CACHE keeps them across runs."""
    override = os.environ.get("MINGCHU_TEST_MEDIA_CACHE")
    path = Path(override) if override else tmp_path_factory.mktemp("media")
    os.environ["MINGCHU_DEMO_CACHE"] = str(path)
    return path


@pytest.fixture(scope="session")
def rtsp_server(media_cache) -> DemoServer:
    """Four pre-encoded kitchen cameras, sub 640x360 and main 1280x720, 15 fps."""
    with DemoServer(streams=4, port=0, overlay=False, cache_dir=media_cache) as server:
        yield server


@pytest.fixture
def private_server(media_cache):
    """A server of the test's own, which the test may kill and restart on the same port."""
    servers: list[DemoServer] = []

    def start(streams: int = 2, port: int = 0) -> DemoServer:
        server = DemoServer(streams=streams, port=port, overlay=False, cache_dir=media_cache).start()
        servers.append(server)
        return server

    yield start
    for s in servers:
        s.stop()


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("MINGCHU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return tmp_path / "data"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout: float, interval: float = 0.05) -> bool:
    """Poll a condition without a Qt event loop (stream core tests); use qtbot.waitUntil in UI tests."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


class Recorder:
    def __init__(self):
        self.events = []
        self.lock = threading.Lock()

    def __call__(self, key, status):
        with self.lock:
            self.events.append((key, status))

    def states(self, camera_id=None):
        with self.lock:
            return [s.state for k, s in self.events if camera_id is None or k.camera_id == camera_id]


# --- databases: every data-layer test runs on a real SQLite file and a real PostgreSQL --------

@pytest.fixture(scope="session")
def postgres_base_url():
    from tests.postgres import PostgresCluster

    override = os.environ.get("MINGCHU_TEST_POSTGRES_URL")
    if override:
        yield override.replace("postgresql://", "postgresql+psycopg://", 1)
        return
    cluster = PostgresCluster()
    try:
        yield cluster.start()
    finally:
        cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """An empty database of each kind (nothing migrated yet)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'console.db'}"
        return
    from tests.postgres import scratch_database

    with scratch_database(request.getfixturevalue("postgres_base_url")) as url:
        yield url


@pytest.fixture
def engine(db_url):
    """A database of each kind migrated to the newest revision."""
    from desktop.core.db import make_engine, migrate

    eng = make_engine(db_url)
    migrate(eng)
    yield eng
    eng.dispose()
