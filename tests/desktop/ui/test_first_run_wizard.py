"""The first-run wizard end to end on a fresh station: another data directory is chosen and
remembered (the next start finds it), the administrator is created there with the password
policy enforced, the models and OpenVINO devices are checked, and the wizard returns the admin
and what follows. A directory that already has accounts ends the wizard for the login."""

from __future__ import annotations

import json

import pytest
from PySide6.QtWidgets import QDialog, QWizard

from desktop import paths
from desktop.core.access import Role
from desktop.core.accounts import authenticate, has_users
from desktop.core.db import database_url, make_engine
from desktop.ui.app import make_application
from desktop.ui.first_run_wizard import EMPTY, IMPORT, FirstRunWizard
from tests.desktop.ui.account_helpers import PASSWORD, shot, station


@pytest.fixture
def fresh_machine(tmp_path, monkeypatch):
    """No MINGCHU_DATA_DIR: the wizard's choice must be what paths.data_dir() then answers.
    The user's config and data directories are the test's own."""
    monkeypatch.delenv("MINGCHU_DATA_DIR", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("MINGCHU_MODEL_DIR", str(tmp_path / "models"))  # empty: models missing
    paths.use_data_dir(None)
    return tmp_path


def _wizard(qtbot) -> FirstRunWizard:
    make_application()
    wizard = FirstRunWizard()
    qtbot.addWidget(wizard)
    wizard.show()
    return wizard


def test_wizard_chooses_the_data_dir_creates_the_admin_and_returns_it(qtbot, fresh_machine):
    tmp = fresh_machine
    assert paths.data_dir() == paths.default_data_dir()
    wizard = _wizard(qtbot)
    assert wizard.data_page.path.text() == str(paths.default_data_dir())
    shot(wizard, "wizard_1_data_dir.png", tmp)
    chosen = tmp / "站点数据"
    wizard.data_page.path.setText(str(chosen))
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.admin_page, timeout=20000)
    # Remembered for the next start, atomically, outside the data directory itself.
    location = paths.location_file()
    assert location.is_relative_to(tmp / "config")
    assert json.loads(location.read_text(encoding="utf-8")) == {"data_dir": str(chosen.resolve())}
    assert paths.data_dir() == chosen.resolve()
    assert (chosen / "console.db").exists() and not (paths.default_data_dir() / "console.db").exists()

    page = wizard.admin_page
    assert page.username.text() == "admin" and page.password.text() == ""  # no default password
    page.password.setText(PASSWORD)
    page.again.setText(PASSWORD + "x")
    wizard.next()
    assert wizard.currentPage() is page and page.message.text() == "两次输入的密码不一致"
    page.password.setText("abcdefgh")
    page.again.setText("abcdefgh")
    wizard.next()
    assert wizard.currentPage() is page and page.message.text() == "密码须同时包含字母和数字"
    page.username.setText("zhangsan")
    page.display_name.setText("张三")
    page.password.setText(PASSWORD)
    page.again.setText(PASSWORD)
    shot(wizard, "wizard_2_admin.png", tmp)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.models_page, timeout=20000)
    assert wizard.actor is not None and wizard.actor.username == "zhangsan" and wizard.actor.role is Role.ADMIN
    assert page.password.text() == ""
    assert wizard.button(QWizard.BackButton).isHidden() or not wizard.button(QWizard.BackButton).isEnabled()
    engine = make_engine(database_url(chosen))
    try:
        assert has_users(engine)
        assert authenticate(engine, "zhangsan", PASSWORD).display_name == "张三"
    finally:
        engine.dispose()

    models = wizard.models_page
    qtbot.waitUntil(lambda: models.statuses is not None, timeout=60000)
    assert "未安装" in models.models.text()  # the empty model directory
    assert models.install_button.isVisible()
    assert models.devices, "OpenVINO finds at least the CPU"
    assert any(d == "CPU" for d, _name in models.devices)
    assert "CPU" in models.device_label.text()
    shot(wizard, "wizard_3_models.png", tmp)
    wizard.next()
    assert wizard.currentPage() is wizard.start_page
    assert wizard.start_page.choice() == IMPORT
    wizard.start_page.select(EMPTY)
    shot(wizard, "wizard_4_start.png", tmp)
    wizard.button(QWizard.FinishButton).click()
    assert wizard.result() == QDialog.Accepted
    assert wizard.next_step == EMPTY
    # The next start: the chosen directory, which now has accounts (the login, not the wizard).
    paths.use_data_dir(None)
    assert paths.data_dir() == chosen.resolve()


def test_a_directory_with_accounts_ends_the_wizard_for_the_login(qtbot, fresh_machine):
    earlier = fresh_machine / "earlier"
    engine, _admin = station(earlier)
    engine.dispose()
    wizard = _wizard(qtbot)
    wizard.data_page.path.setText(str(earlier))
    wizard.next()
    qtbot.waitUntil(lambda: wizard.result() == QDialog.Accepted, timeout=20000)
    assert wizard.existing_accounts and wizard.actor is None
    assert paths.data_dir() == earlier.resolve()
    assert wizard.engine is not None and has_users(wizard.engine)
    wizard.engine.dispose()


def test_an_unusable_directory_says_why_and_stays(qtbot, fresh_machine):
    blocker = fresh_machine / "a-file"
    blocker.write_text("not a directory")
    wizard = _wizard(qtbot)
    wizard.data_page.path.setText(str(blocker / "data"))
    wizard.next()
    qtbot.waitUntil(lambda: not wizard.data_page.busy, timeout=20000)
    assert wizard.currentPage() is wizard.data_page
    assert wizard.data_page.message.text().startswith("无法使用该目录")
    assert not paths.location_file().exists()
