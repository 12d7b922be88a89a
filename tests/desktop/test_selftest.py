"""`main.py --self-test`: passes on a working installation, and each check fails for real when
its part is broken (a corrupt or missing model, an unreachable database, no libvlc, too little disk)."""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from desktop import bundle, selftest
from tests.detectors.conftest import model_cache, model_dir  # noqa: F401 — the session fixtures

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def models(model_dir, tmp_path):  # noqa: F811 — a private copy the test may break
    dest = tmp_path / "models"
    shutil.copytree(model_dir, dest)
    return dest


@pytest.fixture
def env(models, tmp_path):
    e = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "PYTHON_VLC_LIB_PATH", "DISPLAY")}
    e.update(MINGCHU_MODEL_DIR=str(models), MINGCHU_DATA_DIR=str(tmp_path / "data"))
    return e


def self_test(env, *args) -> tuple[int, str, dict | None]:
    proc = subprocess.run([sys.executable, "main.py", "self-test", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    data = json.loads(proc.stdout) if "--json" in args else None
    return proc.returncode, proc.stdout + proc.stderr, data


def by_key(data: dict) -> dict:
    return {c["key"]: c for c in data["checks"]}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_passes_on_a_working_installation(env):
    proc = subprocess.run([sys.executable, "main.py", "--self-test"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = proc.stdout
    for part in ("PySide6", "PyAV", "FFmpeg", "OpenVINO", "OpenCV", "可用设备 / available: CPU", "libvlc 3.",
                 "磁盘空间 / free disk", "数据库尚未创建", "自检通过 / self-test passed"):
        assert part in out, part
    for model in ("person-ssdlite", "face-ultraface", "mask-mobilenetv2", "face-blazeface-full"):
        assert f"{model}" in out and "ms/帧" in out
    assert not (Path(env["MINGCHU_DATA_DIR"]) / "console.db").exists()  # the self-test creates no database


def test_json_has_a_latency_per_default_model(env):
    code, out, data = self_test(env, "--json")
    assert code == 0, out
    models = by_key(data)["models"]["data"]
    assert {"person-ssdlite", "face-ultraface", "mask-mobilenetv2", "face-blazeface-full",
            "face-blazeface-short"} <= models.keys()
    assert all(m["ok"] and m["latency_ms"] > 0 for m in models.values())


def test_a_corrupt_model_fails(env, models):
    pb = models / "person-ssdlite.pb"
    data = bytearray(pb.read_bytes())
    data[1000:1100] = b"\0" * 100
    pb.write_bytes(bytes(data))
    code, out, _ = self_test(env)
    assert code == 1
    assert "自检失败 / self-test FAILED" in out
    assert "person-ssdlite" in out and "已损坏 / corrupt" in out


def test_a_missing_model_fails(env, models):
    (models / "face-ultraface-640.onnx").unlink()
    code, out, data = self_test(env, "--json")
    assert code == 1 and data["ok"] is False
    m = by_key(data)["models"]
    assert m["status"] == "FAIL" and "缺失 / missing" in m["data"]["face-ultraface"]["reason"]
    assert m["data"]["person-ssdlite"]["ok"]  # the others still ran


def test_a_corrupt_model_without_a_checksum_fails_at_loading(models, tmp_path):
    """The lock's checksum is gone too (e.g. a hand-copied folder): OpenVINO itself refuses the file."""
    from detectors.runtime import open_runtime

    (models / "face-ultraface-640.onnx").write_bytes(b"not an onnx model" * 100)
    lock = json.loads((models / "models.lock.json").read_text())
    lock.pop("face-ultraface-640.onnx")
    (models / "models.lock.json").write_text(json.dumps(lock))
    c = selftest.check_models(models, open_runtime("CPU"))
    # face-ultraface's manifest pins its SHA-256, so the check still names it as corrupt.
    assert c.status == selftest.FAIL
    assert any("face-ultraface" in r for r in c.reasons)


def test_an_unreachable_database_fails_without_showing_the_password(env):
    env["DATABASE_URL"] = f"postgresql://inspector:S3cretPw@127.0.0.1:{free_port()}/mingchu"
    code, out, _ = self_test(env)
    assert code == 1
    assert "数据库无法连接 / database unreachable" in out
    assert "S3cretPw" not in out


def test_database_revisions(tmp_path, monkeypatch):
    from desktop.core.db import database_url, head_revision, make_engine, migrate

    monkeypatch.delenv("DATABASE_URL", raising=False)
    engine = make_engine(database_url(tmp_path))
    migrate(engine)
    engine.dispose()
    c = selftest.check_database(tmp_path)
    assert c.status == selftest.OK and c.data["current"] == c.data["head"] == head_revision()
    with sqlite3.connect(tmp_path / "console.db") as db:
        db.execute("UPDATE alembic_version SET version_num = '0002'")
    c = selftest.check_database(tmp_path)
    assert c.status == selftest.WARN and "0002" in c.reasons[0]
    with sqlite3.connect(tmp_path / "console.db") as db:
        db.execute("UPDATE alembic_version SET version_num = '9999'")
    c = selftest.check_database(tmp_path)
    assert c.status == selftest.FAIL and "9999" in c.reasons[0]
    (tmp_path / "console.db").write_bytes(b"this is not a database" * 100)
    for extra in ("-wal", "-shm"):
        (tmp_path / f"console.db{extra}").unlink(missing_ok=True)
    c = selftest.check_database(tmp_path)
    assert c.status == selftest.FAIL and "database unreachable" in c.reasons[0]


def test_libvlc_absent_fails(env, tmp_path):
    env["PYTHON_VLC_LIB_PATH"] = str(tmp_path / "no" / "libvlc.so.5")
    code, out, data = self_test(env, "--json")
    assert code == 1
    c = by_key(data)["libvlc"]
    assert c["status"] == "FAIL" and "找不到 libvlc" in c["reasons"][0]
    assert by_key(data)["models"]["status"] == "OK"  # python-vlc's sys.exit did not end the self-test


def test_too_little_disk_fails(env):
    code, out, _ = self_test(env, "--min-free-mb", str(10 ** 9))  # a petabyte
    assert code == 1 and "磁盘空间不足" in out


def test_no_openvino_device_fails(env):
    code, out, data = self_test(env, "--json", "--device", "NOSUCHDEVICE")
    # An unknown device falls back to the CPU (as the console does), with the reason shown …
    assert by_key(data)["openvino"]["status"] in ("WARN", "FAIL")
    assert by_key(data)["openvino"]["reasons"]


def test_bundled_models_are_seeded_into_an_empty_model_dir(env, models, tmp_path):
    empty = tmp_path / "user-models"
    env.update(MINGCHU_MODEL_DIR=str(empty), MINGCHU_BUNDLED_MODELS=str(models))
    code, out, _ = self_test(env)
    assert code == 0, out
    assert (empty / "person-ssdlite.pb").is_file() and (empty / "licenses").is_dir()
    # A corrupt file already there is not overwritten: the self-test reports it.
    (empty / "person-ssdlite.pb").write_bytes(b"broken")
    assert bundle.seed_models(empty, models) == []
    code, out, _ = self_test(env)
    assert code == 1 and "person-ssdlite" in out
