"""`main.py users …`, `main.py audit export` and `main.py verify-audit` on each test database
(DATABASE_URL) with the anchor in the test's data directory: accounts administered headless
as an administrator (passwords from stdin, never argv), refused for other roles; the export read
back with openpyxl; verify-audit exits 0 on an intact log and 1 with the broken seq after an
edit, and after the tail was removed (the anchor)."""

from __future__ import annotations

import io
import sys

import pytest
from openpyxl import load_workbook
from sqlalchemy import text
from sqlmodel import Session

from desktop.cli import main
from desktop.core import audit
from desktop.core.accounts import authenticate, create_first_admin
from desktop.core.db import make_engine, migrate
from desktop.core.models import Street


@pytest.fixture
def station(data_dir, db_url, monkeypatch):
    data_dir.mkdir(parents=True)
    monkeypatch.setenv("DATABASE_URL", db_url)
    engine = make_engine(db_url)
    migrate(engine)
    with Session(engine) as s:
        s.add(Street(name="七宝镇", sort_order=1))
        s.add(Street(name="莘庄镇", sort_order=2))
        s.commit()
    create_first_admin(engine, "admin", "Admin2026!", "周管理")
    yield engine
    engine.dispose()


def _stdin(monkeypatch, text_in: str) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(text_in))


def test_users_add_list_and_change(station, monkeypatch, capsys):
    engine = station
    _stdin(monkeypatch, "Lihua2026!\n")
    assert main(["users", "add", "lihua", "--user", "admin", "--role", "科室负责人", "--display-name", "李华",
                 "--streets", "七宝镇", "--password-stdin"]) == 0
    actor = authenticate(engine, "lihua", "Lihua2026!")
    assert actor.streets is not None and len(actor.streets) == 1
    assert main(["users", "set-streets", "lihua", "莘庄镇,七宝镇", "--user", "admin"]) == 0
    assert main(["users", "set-role", "lihua", "检查员", "--user", "admin"]) == 0
    capsys.readouterr()
    assert main(["users", "list", "--user", "admin"]) == 0
    out = capsys.readouterr().out
    assert "lihua" in out and "检查员" in out and "七宝镇、莘庄镇" in out
    _stdin(monkeypatch, "Neu2026pass\n")
    assert main(["users", "passwd", "lihua", "--user", "admin", "--password-stdin"]) == 0
    assert authenticate(engine, "lihua", "Neu2026pass").role.value == "检查员"
    assert main(["users", "disable", "lihua", "--user", "admin"]) == 0
    with pytest.raises(Exception):  # noqa: B017, PT011 - LoginRefused
        authenticate(engine, "lihua", "Neu2026pass")
    with engine.connect() as conn:
        changes = conn.execute(text("SELECT count(*) FROM auditentry WHERE action = 'user_change'"
                                    " AND username = 'admin'")).scalar_one()
    assert changes >= 5  # created (first run), add, streets, role, password, disable


def test_users_refusals(station, monkeypatch, capsys):
    _stdin(monkeypatch, "Wang2026!x\n")
    assert main(["users", "add", "wang", "--user", "admin", "--role", "值班员", "--password-stdin"]) == 0
    capsys.readouterr()
    assert main(["users", "list", "--user", "wang"]) == 1  # not an administrator
    assert "无权管理账号" in capsys.readouterr().err
    assert main(["users", "list", "--user", "nobody"]) == 1
    assert main(["users", "set-streets", "wang", "不存在镇", "--user", "admin"]) == 2
    _stdin(monkeypatch, "short\n")
    assert main(["users", "add", "zhao", "--user", "admin", "--role", "检查员", "--password-stdin"]) == 1
    assert "密码至少" in capsys.readouterr().err
    assert main(["users", "disable", "admin", "--user", "admin"]) == 1  # the last administrator
    _stdin(monkeypatch, "")  # not a terminal, no --password-stdin
    assert main(["users", "passwd", "wang", "--user", "admin"]) == 2


def test_password_is_never_an_argument():
    from desktop.cli import _parser

    with pytest.raises(SystemExit):
        _parser().parse_args(["users", "add", "x", "--user", "admin", "--role", "值班员", "--password", "Secret123"])


def test_audit_export_and_verify(station, data_dir, tmp_path, capsys, monkeypatch):
    engine = station
    path = audit.anchor_path(engine)
    assert path is not None and str(path).startswith(str(data_dir))
    assert audit.read_anchor(path) is not None  # the first-run entry moved it
    _stdin(monkeypatch, "Lihua2026!\n")
    assert main(["users", "add", "lihua", "--user", "admin", "--role", "科室负责人", "--password-stdin"]) == 0
    out = tmp_path / "audit.xlsx"
    assert main(["audit", "export", "--out", str(out), "--user", "lihua", "--action", "账号变更"]) == 0
    ws = load_workbook(out)["审计日志"]
    assert ws["A3"].value == "序号"
    body = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    assert len(body) == 2 and {r[5] for r in body} == {"账号变更"}
    assert main(["audit", "export", "--out", str(out), "--user", "admin", "--since", "2000-13-01"]) == 2

    capsys.readouterr()
    assert main(["verify-audit"]) == 0
    report = capsys.readouterr().out
    with engine.connect() as conn:
        head = conn.execute(text("SELECT max(seq) FROM auditentry")).scalar_one()
    assert "OK" in report and f"#{head}" in report
    assert audit.read_anchor(path).seq == head

    with engine.begin() as conn:
        conn.execute(text("DELETE FROM auditentry WHERE seq = :s"), {"s": head})
    assert main(["verify-audit", "--no-anchor"]) == 0
    assert main(["verify-audit"]) == 1
    assert f"#{head}" in capsys.readouterr().err

    with engine.begin() as conn:
        conn.execute(text("UPDATE auditentry SET detail = '{}' WHERE seq = 2"))
    assert main(["verify-audit"]) == 1
    err = capsys.readouterr().err
    assert "#2" in err and "edited" in err
