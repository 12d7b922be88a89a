"""`main.py db …` (schema state and upgrades), `main.py stats progress` (the monthly progress
figures per 街镇) and `main.py verify-evidence`: commands for the station's administrator, no GUI."""

from __future__ import annotations

import json
import sys

from desktop import paths
from desktop.cli_user import add_user_argument


def add_parsers(sub) -> None:
    db = sub.add_parser("db", help="数据库 / database: schema revision and upgrades")
    db.add_argument("action", choices=("current", "upgrade"),
                    help="current: 显示版本 / show the revision; upgrade: 升级到最新 / migrate to the newest")
    st = sub.add_parser("stats", help="统计 / statistics")
    sp = st.add_subparsers(dest="what", required=True).add_parser(
        "progress", help="各街镇建设进度、视频安装与对接数量 / progress per 街镇")
    sp.add_argument("--json", action="store_true", help="one JSON object instead of a table")
    add_user_argument(sp, required=False)
    sub.add_parser("verify-evidence", help="重新计算每个证据文件的 SHA-256，列出缺失或被改动的 / re-hash all evidence")


def run(args) -> int:
    from desktop.core.db import DatabaseError, current_revision, database_url, head_revision, make_engine, migrate
    from desktop.core.redact import redact_url

    url = database_url(paths.data_dir())
    engine = make_engine(url)
    try:
        if args.command == "db":
            if args.action == "upgrade":
                migrate(engine)
            current = current_revision(engine)
            state = "最新 / up to date" if current == head_revision() else f"需要升级 / behind {head_revision()}"
            print(f"{redact_url(url)}\n  版本 revision: {current or '空库 / empty'} ({state})")
            return 0
        migrate(engine)
        if args.command == "verify-evidence":
            return _verify_evidence(engine)
        return _progress(engine, args.json, getattr(args, "user", None))
    except DatabaseError as exc:
        print(exc, file=sys.stderr)
        return 1
    finally:
        engine.dispose()


def _progress(engine, as_json: bool, user: str | None = None) -> int:
    """Without --user the machine's operator sees every street; with it, that account's streets
    (and a refusal, exit 3, for a role without 查看统计)."""
    from desktop.cli_user import UnknownUserError, actor_of, refused, unknown_user
    from desktop.core.access import PermissionDenied
    from desktop.core.progress_stats import progress_by_street
    from desktop.core.vocabulary import BUILD_PROGRESS

    try:
        report = progress_by_street(engine, actor=actor_of(engine, user, optional=True))
    except UnknownUserError as exc:
        return unknown_user(exc)
    except PermissionDenied as exc:
        return refused(exc)
    rows = [*report.streets, report.total]
    if as_json:
        print(json.dumps([{"街镇": r.street, "单位": r.venues, "建设进度": r.by_progress,
                           "视频安装完成": r.video_installed, "对接平台": r.platform_connected, "摄像头": r.cameras,
                           "摄像头已安装": r.cameras_installed, "摄像头已对接": r.cameras_connected} for r in rows],
                         ensure_ascii=False))
        return 0
    head = ["街镇", "选点(户)", *BUILD_PROGRESS, "视频安装完成(户)", "对接平台(户)", "摄像头", "已安装", "已对接"]
    print("\t".join(head))
    for r in rows:
        print("\t".join(str(x) for x in (r.street, r.venues, *(r.by_progress.get(p, 0) for p in BUILD_PROGRESS),
                                         r.video_installed, r.platform_connected, r.cameras, r.cameras_installed,
                                         r.cameras_connected)))
    return 0


def _verify_evidence(engine) -> int:
    """Exit 0: every file is there and unchanged; 1: some are missing or altered (listed)."""
    from sqlmodel import Session, func, select

    from desktop.core.evidence_store import EvidenceStore
    from desktop.core.models import EvidenceFile

    store = EvidenceStore(paths.evidence_dir(), engine)
    with Session(engine) as s:
        total = s.exec(select(func.count(EvidenceFile.id))).one()
    problems = store.verify()
    for p in problems:
        print(f"  {p.problem}：#{p.id} {p.rel_path}")
    print(f"证据文件 {total} 个，缺失或被改动 {len(problems)} 个 / {total} evidence files, {len(problems)} bad")
    return 1 if problems else 0
