"""Audit commands: `main.py verify-audit [--anchor FILE | --no-anchor]` and
`main.py audit export --out F.xlsx --user NAME [--since D] [--until D] [--who U] [--action A]
[--target T] [--console C]`.

Exit codes: verify-audit 0 intact, 1 broken (the first broken entry is printed); audit export
0 written, 1 refused (no such user, no permission, a database failure), 2 an unusable argument."""

from __future__ import annotations

import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path

from desktop import paths

COMMANDS = ("verify-audit", "audit")


def add_parsers(sub) -> None:
    v = sub.add_parser("verify-audit", help="校验审计日志的哈希链 / verify the audit log's hash chain")
    g = v.add_mutually_exclusive_group()
    g.add_argument("--anchor", type=Path, help="用此锚点文件核对末尾 / check the tail against this anchor file")
    g.add_argument("--no-anchor", action="store_true", help="只校验链本身 / the chain only")
    a = sub.add_parser("audit", help="审计日志 / audit log")
    ex = a.add_subparsers(dest="what", required=True).add_parser(
        "export", help="导出审计日志为 .xlsx / export the audit log")
    ex.add_argument("--out", type=Path, required=True, help="输出的 .xlsx 文件")
    ex.add_argument("--user", required=True, help="导出人（须有查看审计日志的权限）/ who exports")
    ex.add_argument("--since", help="起始日期或时间（含，本地时间），YYYY-MM-DD[THH:MM]")
    ex.add_argument("--until", help="截止日期（含当天）或时间（不含），YYYY-MM-DD[THH:MM]")
    ex.add_argument("--who", default="", help="操作用户（包含）/ user name contains")
    ex.add_argument("--action", action="append", default=[],
                    help="操作（英文代码或中文名，可重复）/ action code or Chinese name, repeatable")
    ex.add_argument("--target", default="", help="对象（包含）/ target contains, e.g. case:12")
    ex.add_argument("--console", default="", help="工作站（包含）/ console contains")


def _when(text: str | None, *, end: bool) -> datetime | None:
    """A local date or date-time; a bare date as `--until` includes that whole day."""
    if not text:
        return None
    try:
        if "T" in text or " " in text:
            return datetime.fromisoformat(text).astimezone()
        day = date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"无法识别的日期「{text}」/ bad date") from exc
    if end:
        day += timedelta(days=1)
    return datetime.combine(day, time()).astimezone()


def _action_codes(names: list[str]) -> tuple[str, ...]:
    from desktop.core.audit import ACTION_LABELS

    by_label = {label: code for code, label in ACTION_LABELS.items()}
    codes = []
    for name in names:
        if name in ACTION_LABELS:
            codes.append(name)
        elif name in by_label:
            codes.append(by_label[name])
        else:
            raise ValueError(f"未知操作「{name}」，可选：{'、'.join(ACTION_LABELS.values())}")
    return tuple(codes)


def run(args) -> int:
    from desktop.core.db import DatabaseError, database_url, make_engine, migrate

    engine = make_engine(database_url(paths.data_dir()))
    try:
        migrate(engine)
        if args.command == "verify-audit":
            return _verify(engine, args)
        return _export(engine, args)
    except DatabaseError as exc:
        print(f"失败 / failed: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()


def _verify(engine, args) -> int:
    from desktop.core.audit import verify

    result = verify(engine, anchor=False if args.no_anchor else (args.anchor or True))
    if result.ok:
        print(result.summary())
        if result.anchor is not None:
            print(f"  锚点 anchor: #{result.anchor.seq} {result.anchor.hash}（{result.anchor_path}）")
        return 0
    print(result.summary(), file=sys.stderr)
    print(f"  已校验 {result.count} 条，校验通过至 #{result.head_seq} / verified {result.count} entries up to "
          f"#{result.head_seq}", file=sys.stderr)
    return 1


def _export(engine, args) -> int:
    from desktop.core.access import PermissionDenied
    from desktop.core.accounts import AccountError, actor_for
    from desktop.core.audit_queries import AuditFilter, export_audit

    try:
        f = AuditFilter(since=_when(args.since, end=False), until=_when(args.until, end=True),
                        username=args.who, actions=_action_codes(args.action), target=args.target,
                        console=args.console)
    except ValueError as exc:
        print(f"参数错误 / bad argument: {exc}", file=sys.stderr)
        return 2
    try:
        actor = actor_for(engine, args.user)
        result = export_audit(engine, actor, args.out, f)
    except (AccountError, PermissionDenied, ValueError, OSError) as exc:
        print(f"导出失败 / export failed: {exc}", file=sys.stderr)
        return 1
    print(f"已导出 {result.rows} 条审计记录到 {result.path}")
    return 0
