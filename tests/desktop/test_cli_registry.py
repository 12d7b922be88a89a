"""`main.py db` and `main.py stats progress` on the data directory's SQLite file."""

import json

from desktop.cli import main
from desktop.core.db import database_url, head_revision, make_engine
from desktop.core.registry import CameraInput, VenueInput, save_camera, save_venue
from tests.actors import ADMIN


def test_db_upgrade_then_progress_table_and_json(data_dir, capsys):
    data_dir.mkdir(parents=True)
    assert main(["db", "current"]) == 0
    assert "空库" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert f"{head_revision()} (最新" in capsys.readouterr().out
    engine = make_engine(database_url(data_dir))
    vid = save_venue(engine, VenueInput(name="七宝中学食堂", street="七宝镇", build_progress="完成建设",
                                        platform_connected=True), actor=ADMIN)
    save_camera(engine, CameraInput(vid, "烹饪区", "rtsp://10.0.0.5/sub", platform_connected=True), actor=ADMIN)
    save_venue(engine, VenueInput(name="七宝老街汤团店", street="七宝镇", build_progress="设备安装"), actor=ADMIN)
    engine.dispose()
    assert main(["stats", "progress"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("街镇\t选点(户)\t前期准备")
    assert lines[1].split("\t") == ["七宝镇", "2", "0", "1", "0", "1", "1", "1", "1", "1", "1"]
    assert main(["stats", "progress", "--json"]) == 0
    total = json.loads(capsys.readouterr().out)[-1]
    assert total["街镇"] == "合计" and total["单位"] == 2 and total["摄像头已对接"] == 1


def test_verify_evidence_lists_missing_and_altered_files(data_dir, capsys):
    from desktop import paths
    from desktop.core.db import migrate
    from desktop.core.evidence_store import EvidenceStore

    data_dir.mkdir(parents=True)
    engine = make_engine(database_url(data_dir))
    migrate(engine)
    store = EvidenceStore(paths.evidence_dir(), engine)
    good = store.put_bytes(b"frame one", kind="frame", media_type="image/png")
    bad = store.put_bytes(b"frame two", kind="frame", media_type="image/png")
    engine.dispose()
    assert main(["verify-evidence"]) == 0
    assert "证据文件 2 个，缺失或被改动 0 个" in capsys.readouterr().out
    store.path(bad.rel_path).write_bytes(b"frame 2")
    assert main(["verify-evidence"]) == 1
    out = capsys.readouterr().out
    assert f"内容被改动：#{bad.id}" in out and good.rel_path not in out


def test_progress_with_user_shows_that_accounts_streets(data_dir, capsys):
    from desktop.core.access import Role
    from desktop.core.db import migrate
    from desktop.core.registry import list_streets
    from tests.actors import cli_accounts

    data_dir.mkdir(parents=True)
    engine = make_engine(database_url(data_dir))
    migrate(engine)
    save_venue(engine, VenueInput(name="七宝中学食堂", street="七宝镇"), actor=ADMIN)
    save_venue(engine, VenueInput(name="莘庄敬老院食堂", street="莘庄镇"), actor=ADMIN)
    qibao = next(s.id for s in list_streets(engine, actor=ADMIN) if s.name == "七宝镇")
    engine.dispose()
    users = cli_accounts(data_dir, streets={Role.HEAD: [qibao]})
    assert main(["stats", "progress", "--json", "--user", users[Role.HEAD]]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["街镇"] for r in rows] == ["七宝镇", "合计"] and rows[-1]["单位"] == 1
    assert main(["stats", "progress", "--json"]) == 0  # the operator, no --user: every street
    assert [r["街镇"] for r in json.loads(capsys.readouterr().out)] == ["七宝镇", "莘庄镇", "合计"]
    assert main(["stats", "progress", "--user", users[Role.DUTY]]) == 3  # 值班员: no 查看统计
    assert "查看统计" in capsys.readouterr().err
    assert main(["stats", "progress", "--user", "nobody"]) == 2
