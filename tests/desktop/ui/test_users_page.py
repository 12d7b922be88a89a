"""The 账号管理 page on a real SQLite file and the DB runner: the accounts list (role, streets,
state, lock, last login); creating an account limited to streets; editing role, streets and the
active flag; resetting a password; lifting a lock-out; a refusal from the core (the last
administrator) shown in Chinese; a role without 管理账号 sees nothing."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog
from sqlmodel import Session

from desktop.core import audit
from desktop.core.access import Actor, Role
from desktop.core.accounts import LoginRefused, authenticate, create_first_admin, create_user, list_users
from desktop.core.db import make_engine, migrate
from desktop.core.models import Street
from desktop.services.task_runner import TaskRunner
from desktop.services.user_session import UserSession
from desktop.ui.users import UsersPage
from tests.desktop.ui.test_audit_page import shot


@pytest.fixture
def station(tmp_path, qtbot):
    from desktop.ui.app import make_application

    make_application()
    engine = make_engine(f"sqlite:///{tmp_path / 'console.db'}")
    migrate(engine)
    audit.set_anchor_path(engine, tmp_path / "anchor.json")
    with Session(engine) as s:
        for i, name in enumerate(("七宝镇", "莘庄镇", "梅陇镇", "虹桥镇")):
            s.add(Street(name=name, sort_order=i))
        s.commit()
    admin = create_first_admin(engine, "admin", "Admin2026!", "周管理")
    create_user(engine, admin, "lihua", "Lihua2026!", Role.HEAD, "李华", streets=[1, 2])
    create_user(engine, admin, "wang", "Wang2026!x", Role.DUTY, "王值班")
    authenticate(engine, "lihua", "Lihua2026!")
    for _ in range(5):
        with pytest.raises(LoginRefused):
            authenticate(engine, "wang", "wrong-password1")
    db = TaskRunner("db")
    yield engine, db, admin
    db.shutdown(wait=True)
    audit.set_anchor_path(engine, None)
    engine.dispose()


def _page(qtbot, engine, db, actor) -> tuple[UsersPage, UserSession]:
    session = UserSession(actor)
    page = UsersPage(engine, db, session)
    qtbot.addWidget(page)
    page.resize(1100, 420)
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.show()
    return page, session


def _cells(page) -> dict[str, list[str]]:
    m = page.model
    return {m.data(m.index(r, 0)): [m.data(m.index(r, c)) for c in range(m.columnCount())]
            for r in range(m.rowCount())}


def _by_name(engine, admin, username):
    return next(u for u in list_users(engine, admin) if u.username == username)


def test_the_list_shows_roles_streets_locks_and_logins(qtbot, station, tmp_path):
    engine, db, admin = station
    page, _ = _page(qtbot, engine, db, admin)
    cells = _cells(page)
    assert cells["lihua"][2:5] == ["科室负责人", "七宝镇、莘庄镇", "启用"]
    assert cells["lihua"][6]  # last login
    assert cells["wang"][3] == "全部街镇"
    assert cells["wang"][5]  # locked until …
    assert cells["admin"][2] == "管理员"
    page.select_user("wang")
    assert page.unlock_button.isEnabled()
    shot(page, tmp_path, "users_page.png")


def test_create_an_account_limited_to_streets(qtbot, station, tmp_path):
    engine, db, admin = station
    page, _ = _page(qtbot, engine, db, admin)

    def fill(dialog) -> bool:
        dialog.username.setText("zhaomin")
        dialog.display_name.setText("赵敏")
        dialog.role.setCurrentIndex(dialog.role.findData(Role.INSPECTOR.value))
        dialog.all_streets.setChecked(False)
        dialog.streets.item(2).setCheckState(Qt.Checked)  # 梅陇镇
        dialog.password.setText("Zhao2026min")
        dialog.password_again.setText("Zhao2026min")
        dialog.resize(460, 420)
        shot(dialog, tmp_path, "users_new_dialog.png")
        dialog._accept()
        return dialog.result() == QDialog.Accepted

    page.run_dialog = fill
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.add_user()
    qtbot.waitUntil(lambda: "zhaomin" in _cells(page), timeout=5000)
    assert _cells(page)["zhaomin"][1:4] == ["赵敏", "检查员", "梅陇镇"]
    assert "已创建" in page.banner.text()
    actor = authenticate(engine, "zhaomin", "Zhao2026min")
    assert actor.role is Role.INSPECTOR and actor.streets == frozenset({3})


def test_edit_role_streets_and_disable(qtbot, station):
    engine, db, admin = station
    page, _ = _page(qtbot, engine, db, admin)
    page.select_user("lihua")

    def edit(dialog) -> bool:
        assert dialog.username.isReadOnly() and dialog.streets.item(0).checkState() == Qt.Checked
        dialog.role.setCurrentIndex(dialog.role.findData(Role.INSPECTOR.value))
        dialog.streets.item(0).setCheckState(Qt.Unchecked)
        dialog.active.setChecked(False)
        return True

    page.run_dialog = edit
    page.edit_user()
    qtbot.waitUntil(lambda: _cells(page)["lihua"][4] == "停用", timeout=10000)
    record = _by_name(engine, admin, "lihua")
    assert (record.role, record.street_names, record.active) == ("检查员", ("莘庄镇",), False)


def test_reset_password_and_unlock(qtbot, station):
    engine, db, admin = station
    page, _ = _page(qtbot, engine, db, admin)
    page.select_user("wang")
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.unlock()
    qtbot.waitUntil(lambda: not _cells(page)["wang"][5], timeout=5000)
    assert authenticate(engine, "wang", "Wang2026!x").username == "wang"
    page.select_user("lihua")

    def new_password(dialog) -> bool:
        dialog.password.setText("Neues2026pw")
        dialog.password_again.setText("Neues2026pw")
        return True

    page.run_dialog = new_password
    with qtbot.waitSignal(page.loaded, timeout=10000):
        page.reset_password()
    assert authenticate(engine, "lihua", "Neues2026pw").username == "lihua"


def test_a_refusal_from_the_core_is_shown_in_chinese(qtbot, station, tmp_path):
    engine, db, admin = station
    page, _ = _page(qtbot, engine, db, admin)
    page.select_user("admin")

    def demote(dialog) -> bool:
        dialog.role.setCurrentIndex(dialog.role.findData(Role.DUTY.value))
        return True

    page.run_dialog = demote
    with qtbot.waitSignal(page.failed, timeout=10000) as sig:
        page.edit_user()
    assert "至少需要保留一个启用的管理员" in sig.args[0]
    assert page.banner.isVisible() and "管理员" in page.banner.text()
    qtbot.waitUntil(lambda: bool(_cells(page)), timeout=5000)
    shot(page, tmp_path, "users_refused.png")
    assert _by_name(engine, admin, "admin").role == "管理员"


def test_a_short_password_is_refused(qtbot, station):
    engine, db, admin = station
    page, _ = _page(qtbot, engine, db, admin)

    def fill(dialog) -> bool:
        dialog.username.setText("short")
        dialog.password.setText("abc1")
        dialog.password_again.setText("abc1")
        return True

    page.run_dialog = fill
    with qtbot.waitSignal(page.failed, timeout=10000) as sig:
        page.add_user()
    assert "密码至少" in sig.args[0]


def test_without_the_role_the_page_is_empty(qtbot, station):
    from desktop.core.access import PermissionDenied

    engine, db, admin = station
    head = Actor("lihua", Role.HEAD, 2, "李华")
    with pytest.raises(PermissionDenied):
        list_users(engine, head)
    page, session = _page(qtbot, engine, db, admin)
    assert page.model.rowCount() == 3
    session.set_actor(head)
    assert page.model.rowCount() == 0
    assert not page.add_button.isEnabled()
    qtbot.wait(300)
    assert page.model.rowCount() == 0
