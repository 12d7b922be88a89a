"""`main.py report monthly --month YYYY-MM [--xlsx F] [--pdf F]`: the month's supervision report
(进度报表, 示范店建设情况统计表, 监管月报 with charts) as Excel and/or PDF. Works without a display
(Qt offscreen for the PDF).

The data is read once; both files are rendered before either is written, and each is written
atomically (the previous file, or none, survives a failure). `--user` names the account
(EXPORT_REPORTS); the export goes to the audit trail. Exit codes: 0 written; 1 the database
cannot be read; 2 bad arguments (month, no output, unsupported extension, unknown --user), no
Chinese font for the PDF, or a file cannot be written; 3 the account may not export reports."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from desktop import paths
from desktop.cli_user import add_user_argument


def add_parsers(sub) -> None:
    rp = sub.add_parser("report", help="报表 / reports")
    m = rp.add_subparsers(dest="report", required=True).add_parser(
        "monthly", help="监管工作月报：进度报表、统计表、监管月报（含图表）/ the monthly report as .xlsx and/or .pdf")
    m.add_argument("--month", required=True, metavar="YYYY-MM", help="月份，如 2026-11 / the month")
    m.add_argument("--xlsx", type=Path, metavar="F", help="Excel 文件（.xlsx）")
    m.add_argument("--pdf", type=Path, metavar="F", help="PDF 文件（.pdf）")
    add_user_argument(m)


def _check_outputs(args) -> str | None:
    if args.xlsx is None and args.pdf is None:
        return "请至少指定 --xlsx 或 --pdf 之一 / give --xlsx F and/or --pdf F"
    if args.xlsx is not None and args.xlsx.suffix.lower() != ".xlsx":
        return f"--xlsx 需要 .xlsx 文件 / --xlsx must end in .xlsx: {args.xlsx}"
    if args.pdf is not None and args.pdf.suffix.lower() != ".pdf":
        return f"--pdf 需要 .pdf 文件 / --pdf must end in .pdf: {args.pdf}"
    return None


def run(args) -> int:
    from desktop.reports.monthly import parse_month

    try:
        month = parse_month(args.month)
    except ValueError as exc:
        print(f"参数错误 / bad argument: {exc}", file=sys.stderr)
        return 2
    problem = _check_outputs(args)
    if problem:
        print(f"参数错误 / bad argument: {problem}", file=sys.stderr)
        return 2

    from desktop.cli_user import UnknownUserError, actor_of, refused, unknown_user
    from desktop.core.access import PermissionDenied
    from desktop.core.db import DatabaseError, current_revision, database_url, head_revision, make_engine, migrate
    from desktop.reports.export import ReportError, export_monthly

    t0 = time.perf_counter()
    engine = make_engine(database_url(paths.data_dir()))
    try:
        # Upgrade only when behind: at the head, migrate() still checks every foreign key of
        # the file (SQLite), seconds at district scale for a command that only reads.
        if current_revision(engine) != head_revision():
            migrate(engine)
        result = export_monthly(engine, month, actor=actor_of(engine, args.user), xlsx=args.xlsx, pdf=args.pdf)
    except UnknownUserError as exc:
        return unknown_user(exc)
    except PermissionDenied as exc:
        return refused(exc)
    except DatabaseError as exc:
        print(f"无法读取数据库 / cannot read the database: {exc}", file=sys.stderr)
        return 1
    except ReportError as exc:
        print(f"生成报表失败 / report failed: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    report = result.report
    print(f"{report.title}（{report.station}）：{len(report.progress.streets)} 个街镇、{len(report.venues)} 户单位、"
          f"告警 {report.summary.alerts_total} 条，用时 {time.perf_counter() - t0:.2f}s")
    for path in result.written:
        print(f"  {path}  ({path.stat().st_size // 1024} KB)")
    return 0
