"""`main.py import venues` / `export venues`: Chinese summary, row lines, report file, exit codes."""

from __future__ import annotations

import csv
import subprocess
import sys

from tests.actors import cli_accounts
from tests.conftest import ROOT
from tests.desktop.core.venue_io import sheets


def _run(tmp_path, *args):
    env = {"MINGCHU_DATA_DIR": str(tmp_path / "data"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    return subprocess.run([sys.executable, "main.py", *map(str, args)], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_import_export_commands(tmp_path):
    (tmp_path / "data").mkdir()
    cli_accounts(tmp_path / "data")
    src = sheets.pudong_messy(tmp_path / "附件3.xlsx")
    refused = _run(tmp_path, "import", "venues", src, "--street", "陆家嘴街道", "--user", "inspector")
    assert refused.returncode == 3 and "无权管理单位与摄像头" in refused.stderr and "Traceback" not in refused.stderr
    unknown = _run(tmp_path, "import", "venues", src, "--user", "nobody")
    assert unknown.returncode == 2 and "nobody" in unknown.stderr
    dry = _run(tmp_path, "import", "venues", src, "--dry-run", "--street", "陆家嘴街道", "--user", "admin")
    assert dry.returncode == 0, dry.stderr
    assert "新增 5，更新 0，未变 0，跳过 4，错误 0（试运行，未写入）" in dry.stdout
    assert "[附件3] 第10行 跳过：合计行" in dry.stdout

    done = _run(tmp_path, "import", "venues", src, "--street", "陆家嘴街道", "--report", tmp_path / "r.csv",
                "--user", "admin")
    assert done.returncode == 0, done.stderr
    assert "（已写入数据库）" in done.stdout and "没有街镇的行记为「陆家嘴街道」" in done.stdout
    with open(tmp_path / "r.csv", encoding="utf-8-sig") as fh:
        assert len(list(csv.reader(fh))) >= 10

    bad = sheets.template(tmp_path / "bad.xlsx", [
        sheets.venue_cells("某餐厅", "JY33101120005555", build_progress="快好了") + sheets.NO_CAMERA])
    rejected = _run(tmp_path, "import", "venues", bad, "--user", "admin")
    assert rejected.returncode == 1
    assert "错误 1（文件有错误，未写入任何数据）" in rejected.stdout
    assert "第2行 错误 某餐厅：建设进度「快好了」" in rejected.stdout

    (tmp_path / "x.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    unreadable = _run(tmp_path, "import", "venues", tmp_path / "x.xls", "--user", "admin")
    assert unreadable.returncode == 2 and "另存为 .xlsx" in unreadable.stderr

    out = _run(tmp_path, "export", "venues", tmp_path / "out.csv", "--user", "admin")
    assert out.returncode == 0, out.stderr
    assert "已导出 5 个单位、0 路摄像头" in out.stdout
    text = (tmp_path / "out.csv").read_text(encoding="utf-8-sig")
    assert text.count("陆家嘴街道") == 5
