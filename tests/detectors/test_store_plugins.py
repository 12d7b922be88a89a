"""The model directory as the settings page sees it: statuses, plug-in import through the same
check as `models import`, and plug-in removal; on a private copy of the real default models."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from detectors.manifest import installed_manifests, load_manifest
from detectors.store import (
    BROKEN,
    INSTALLED,
    MISSING,
    PluginCheckError,
    StoreError,
    import_plugin,
    licence_text,
    model_statuses,
    read_lock,
    remove_plugin,
)
from tests.detectors.builders import yolo_model
from tests.detectors.test_cli_models import PLUGIN_TOML, snapshot
from tests.detectors.test_yolo import CANDIDATES


@pytest.fixture
def models(model_dir, tmp_path):
    private = tmp_path / "models"
    shutil.copytree(model_dir, private)
    return private


@pytest.fixture
def plugin(tmp_path):
    src = tmp_path / "vendor"
    src.mkdir()
    yolo_model(src / "hat.xml", CANDIDATES)
    (src / "chef-hat.toml").write_text(PLUGIN_TOML, encoding="utf-8")
    return src


def by_id(statuses):
    return {s.id: s for s in statuses}


def test_statuses_of_the_defaults(models):
    statuses = by_id(model_statuses(models))
    assert [s.id for s in model_statuses(models)] == [m.id for m in installed_manifests(models)]
    person = statuses["person-ssdlite"]
    assert person.state == INSTALLED and person.problem is None and not person.plugin
    assert "MIT" in licence_text(person.manifest, models)  # from licenses/, taken out of the wheel
    (models / "person-ssdlite.pb").unlink()
    onnx = models / "face-ultraface-640.onnx"
    onnx.write_bytes(onnx.read_bytes()[:1000])
    statuses = by_id(model_statuses(models))
    assert statuses["person-ssdlite"].state == MISSING and "missing file" in statuses["person-ssdlite"].problem
    assert statuses["face-ultraface"].state == BROKEN and "corrupt file" in statuses["face-ultraface"].problem


def test_import_then_remove(models, plugin, runtime):
    before = snapshot(models)
    m, result, written = import_plugin(plugin / "hat.xml", plugin / "chef-hat.toml", models, runtime)
    assert m.id == "chef-hat" and result.ok and result.input_shape == (1, 3, 64, 64)
    assert {p.name for p in written} == {"chef-hat.xml", "chef-hat.bin", "chef-hat.toml"}
    s = by_id(model_statuses(models))["chef-hat"]
    assert s.plugin and s.state == INSTALLED and s.manifest_path == models / "manifests" / "chef-hat.toml"
    assert licence_text(s.manifest, models) == "test"
    assert {"chef-hat.xml", "chef-hat.bin"} <= read_lock(models).keys()

    removed = remove_plugin(models, "chef-hat")
    assert {p.name for p in removed} == {"chef-hat.toml", "chef-hat.xml", "chef-hat.bin"}
    assert "chef-hat" not in by_id(model_statuses(models))
    assert snapshot(models) == before  # lock entries gone too: the directory is as it was


def test_licence_file_beside_the_manifest_goes_along(models, plugin, runtime):
    toml = plugin / "chef-hat.toml"
    toml.write_text(PLUGIN_TOML.replace('text = "test"', 'file = "chef-hat-licence.txt"'), encoding="utf-8")
    (plugin / "chef-hat-licence.txt").write_text("GNU AFFERO GENERAL PUBLIC LICENSE v3", encoding="utf-8")
    assert licence_text(load_manifest(toml), models, plugin).startswith("GNU AFFERO")
    import_plugin(plugin / "hat.xml", toml, models, runtime)
    m = by_id(model_statuses(models))["chef-hat"].manifest
    assert licence_text(m, models).startswith("GNU AFFERO")
    remove_plugin(models, "chef-hat")
    assert not (models / "licenses" / "chef-hat-licence.txt").exists()


def test_broken_file_is_refused_and_nothing_changes(models, plugin, runtime):
    before = snapshot(models)
    (plugin / "hat.xml").write_bytes(np.random.default_rng(3).bytes(2000))
    with pytest.raises(PluginCheckError, match="cannot read model hat.xml"):
        import_plugin(plugin / "hat.xml", plugin / "chef-hat.toml", models, runtime)
    assert snapshot(models) == before


def test_file_type_must_match_the_manifest(models, plugin, runtime, tmp_path):
    """An .onnx chosen for a manifest that names an .xml would be stored under the wrong suffix."""
    before = snapshot(models)
    (plugin / "hat.onnx").write_bytes(b"not read")
    with pytest.raises(PluginCheckError, match="不符"):
        import_plugin(plugin / "hat.onnx", plugin / "chef-hat.toml", models, runtime)
    assert snapshot(models) == before


def test_manifest_changed_since_shown(models, plugin, runtime):
    shown = load_manifest(plugin / "chef-hat.toml")
    (plugin / "chef-hat.toml").write_text(PLUGIN_TOML.replace('"AGPL-3.0"', '"Proprietary"'), encoding="utf-8")
    before = snapshot(models)
    with pytest.raises(StoreError, match="清单文件已被修改"):
        import_plugin(plugin / "hat.xml", plugin / "chef-hat.toml", models, runtime, expected=shown)
    assert snapshot(models) == before


def test_bundled_ids_cannot_be_imported_or_removed(models, plugin, runtime):
    toml = plugin / "chef-hat.toml"
    toml.write_text(PLUGIN_TOML.replace('id = "chef-hat"', 'id = "person-ssdlite"'), encoding="utf-8")
    with pytest.raises(StoreError, match="默认模型"):
        import_plugin(plugin / "hat.xml", toml, models, runtime)
    with pytest.raises(StoreError, match="默认模型"):
        remove_plugin(models, "person-ssdlite")
    with pytest.raises(StoreError, match="未找到"):
        remove_plugin(models, "no-such-plugin")
    assert (models / "person-ssdlite.pb").is_file()


def test_shared_files_stay_when_a_plugin_goes(models, plugin, runtime):
    """Two plug-ins naming the same file: removing one keeps the file the other needs."""
    import_plugin(plugin / "hat.xml", plugin / "chef-hat.toml", models, runtime)
    second = plugin / "hat2.toml"
    second.write_text(PLUGIN_TOML.replace('id = "chef-hat"', 'id = "chef-hat-2"'), encoding="utf-8")
    import_plugin(plugin / "hat.xml", second, models, runtime)
    remove_plugin(models, "chef-hat-2")
    assert by_id(model_statuses(models))["chef-hat"].state == INSTALLED


def test_unreadable_imported_manifest_is_listed_and_removable(models):
    bad = models / "manifests" / "junk.toml"
    bad.parent.mkdir(exist_ok=True)
    bad.write_text("id = [", encoding="utf-8")
    s = by_id(model_statuses(models))["junk"]
    assert s.plugin and s.manifest is None and s.state == BROKEN and "清单无效" in s.problem
    assert remove_plugin(models, "junk") == [bad] and not bad.exists()
