"""`main.py cases list`, `case show`, `case transition`, `export-case` and `import-case`: station A
on each test database (DATABASE_URL), station B a SQLite file in another data directory."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, date, datetime

import pytest

from desktop import paths
from desktop.cli import main
from desktop.core.access import Role
from desktop.core.cases import CaseInput, create_case, transition
from desktop.core.db import make_engine, migrate
from desktop.core.evidence import add_snapshot
from desktop.core.evidence_store import EvidenceStore
from desktop.core.registry import CameraInput, VenueInput, save_camera, save_venue
from tests.actors import ADMIN, cli_accounts, person

T0 = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)
LICENSE = "JY33101120001201"


@pytest.fixture
def station(data_dir, db_url, monkeypatch):
    data_dir.mkdir(parents=True)
    monkeypatch.setenv("DATABASE_URL", db_url)
    engine = make_engine(db_url)
    migrate(engine)
    cli_accounts(data_dir, names={Role.HEAD: "张三"})
    store = EvidenceStore(paths.evidence_dir(), engine)
    venue = save_venue(engine, VenueInput(name="七宝中学食堂", street="七宝镇", license_no=LICENSE), actor=ADMIN)
    other = save_venue(engine, VenueInput(name="莘庄敬老院食堂", street="莘庄镇"), actor=ADMIN)
    cam = save_camera(engine, CameraInput(venue, "烹饪区", "rtsp://10.0.0.5/sub"), actor=ADMIN)
    snap = add_snapshot(engine, store, b"\x89PNG snapshot", camera_id=cam, captured_at=T0, source="tile",
                        actor=person("张三"))
    first = create_case(engine, CaseInput(venue_id=venue, category="未戴口罩", handler="王建华",
                                          deadline=date(2026, 6, 10), evidence_ids=(snap.id,)),
                        now=T0, actor=person("张三"))
    second = create_case(engine, CaseInput(venue_id=other, category="鼠患"), now=T0, actor=person("张三"))
    transition(engine, second.id, "撤销", "重复立案", now=T0, actor=person("张三"))
    engine.dispose()
    return {"first": first, "second": second}


def test_cases_list_table_and_json_with_filters(station, capsys):
    assert main(["cases", "list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split("\t")[:3] == ["ID", "编号", "单位"] and out[-1] == "共 2 件"
    assert main(["cases", "list", "--state", "撤销", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["number"], r["state"], r["venue"]) for r in rows] == [
        (station["second"].number, "撤销", "莘庄敬老院食堂")]
    assert main(["cases", "list", "--street", "七宝镇", "--card", "红牌", "--json"]) == 0
    late = date.today() > date(2026, 6, 17)  # the command judges by today's date: 7 days after the deadline
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == ([station["first"].id] if late else [])
    assert main(["cases", "list", "--handler", "王建华", "--json"]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == [station["first"].id]


def test_case_transition_and_show(station, capsys):
    number = station["first"].number
    assert main(["case", "transition", number, "--to", "已推送整改", "--user", "head", "--comment", "已送达"]) == 0
    assert "已转为「已推送整改」" in capsys.readouterr().out
    assert main(["case", "transition", str(station["first"].id), "--to", "已办结", "--user", "head"]) == 1
    err = capsys.readouterr().err
    assert "「已推送整改」" in err and "「已办结」" in err
    assert main(["case", "transition", "闵市监明厨〔2020〕0009号", "--to", "撤销", "--user", "head"]) == 1
    assert "不存在" in capsys.readouterr().err
    assert main(["case", "show", number, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["state"] == "已推送整改" and data["allowed_transitions"] == ["整改中", "撤销"]
    assert [(e["from"], e["to"], e["who"], e["comment"]) for e in data["events"]] == [
        ("", "待处理", "张三", "立案"), ("待处理", "已推送整改", "张三", "已送达")]
    assert main(["case", "show", number]) == 0
    assert "待处理 → 已推送整改" in capsys.readouterr().out


def test_a_command_with_the_wrong_role_or_an_unknown_user_is_refused(station, tmp_path, capsys):
    number = station["first"].number
    # An inspector works on cases but may not revoke one: exit 3, the reason in Chinese, no traceback.
    assert main(["case", "transition", number, "--to", "撤销", "--user", "inspector", "--comment", "重复"]) == 3
    err = capsys.readouterr().err
    assert "无权审批办结与撤销" in err and "检查员" in err and "Traceback" not in err
    assert main(["export-case", number, "--out", str(tmp_path / "x.zip"), "--user", "duty"]) == 3
    assert "无权导出案件" in capsys.readouterr().err and not (tmp_path / "x.zip").exists()
    assert main(["print-case", str(station["first"].id), "--pdf", str(tmp_path / "x.pdf"), "--user", "admin"]) == 3
    assert "无权打印案件" in capsys.readouterr().err
    assert main(["case", "transition", number, "--to", "已推送整改", "--user", "nobody"]) == 2
    assert "nobody" in capsys.readouterr().err
    with pytest.raises(SystemExit) as missing:  # --user is required for what changes data
        main(["case", "transition", number, "--to", "已推送整改"])
    assert missing.value.code == 2
    assert main(["case", "show", number, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["state"] == "待处理"  # nothing was changed


def test_export_then_import_on_another_station(station, tmp_path, monkeypatch, capsys):
    pdf = tmp_path / "sheet.pdf"
    pdf.write_bytes(b"%PDF-1.7 case sheet")
    out = tmp_path / "case.zip"
    assert main(["export-case", station["first"].number, "--out", str(out), "--pdf", str(pdf), "--user", "head"]) == 0
    assert "含 PDF" in capsys.readouterr().out
    with zipfile.ZipFile(out) as zf:
        assert zf.read("case.pdf") == b"%PDF-1.7 case sheet"
    assert main(["export-case", "12345", "--out", str(tmp_path / "x.zip"), "--user", "head"]) == 1

    b_dir = tmp_path / "station-b"
    monkeypatch.setenv("MINGCHU_DATA_DIR", str(b_dir))
    monkeypatch.delenv("DATABASE_URL")
    b_dir.mkdir()
    cli_accounts(b_dir)
    assert main(["import-case", str(out), "--user", "head"]) == 1  # B does not know the venue yet
    assert "请先在单位档案中添加" in capsys.readouterr().err
    engine = make_engine(f"sqlite:///{b_dir / 'console.db'}")
    save_venue(engine, VenueInput(name="七宝中学食堂", license_no=LICENSE), actor=ADMIN)
    engine.dispose()
    assert main(["import-case", str(out), "--user", "head"]) == 0
    assert capsys.readouterr().out.startswith("已导入：案件 " + station["first"].number)
    assert main(["import-case", str(out), "--user", "head"]) == 0
    assert capsys.readouterr().out.startswith("无变化")
    assert main(["cases", "list", "--json"]) == 0
    assert [r["number"] for r in json.loads(capsys.readouterr().out)] == [station["first"].number]
    assert main(["verify-evidence"]) == 0
    capsys.readouterr()

    with zipfile.ZipFile(out) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["case.pdf"] = b"%PDF-1.7 forged sheet"
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    assert main(["import-case", str(bad), "--user", "head"]) == 1
    assert "case.pdf" in capsys.readouterr().err
    junk = tmp_path / "junk.zip"
    junk.write_text("hello")
    assert main(["import-case", str(junk), "--user", "head"]) == 2


def _pdf_text(path) -> str:
    import subprocess

    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_print_case_and_export_with_the_printed_sheet(station, tmp_path, capsys):
    """The stored case printed through the CLI (real PDF, read back with pdftotext); export-case
    without --pdf carries the same printed sheet."""
    number = station["first"].number
    sheet, notice = tmp_path / "sheet.pdf", tmp_path / "notice.pdf"
    assert main(["print-case", str(station["first"].id), "--pdf", str(sheet), "--notice", str(notice),
                 "--user", "head"]) == 0
    text = _pdf_text(sheet)
    for needle in ("案件登记表", number, "七宝中学食堂", LICENSE, "未戴口罩", "王建华", "检查人员"):
        assert needle in text, needle
    assert "责令改正通知书" in _pdf_text(notice) and "七宝中学食堂" in _pdf_text(notice)
    assert main(["print-case", "98765", "--pdf", str(tmp_path / "none.pdf"), "--user", "head"]) == 1
    assert "no case" in capsys.readouterr().err and not (tmp_path / "none.pdf").exists()
    out = tmp_path / "case.zip"
    assert main(["export-case", number, "--out", str(out), "--user", "head"]) == 0
    assert "含 PDF" in capsys.readouterr().out
    with zipfile.ZipFile(out) as zf:
        (tmp_path / "inside.pdf").write_bytes(zf.read("case.pdf"))
    assert number in _pdf_text(tmp_path / "inside.pdf")
