"""`main.py print-case ID --pdf F [--notice F2]`: write a case's 案件登记表（现场检查记录） as PDF,
and its 责令改正通知书 with --notice. Works without a display (Qt offscreen).

Both documents are rendered before either file is written, and each file is written atomically
(the previous file, or none, survives a failure). `--user` names the account that prints
(PRINT_CASE); each written document goes to the audit trail. Exit codes: 0 written; 1 no such
case, or the case cannot be read; 2 no Chinese font installed, a file cannot be written, or an
unknown --user; 3 the account may not print this case."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

from desktop.cli_user import add_user_argument
from desktop.core.atomic_file import write_atomic
from desktop.documents import case_loader
from desktop.documents.case_sheet import notice_from_case


def add_parser(sub) -> None:
    p = sub.add_parser(
        "print-case",
        help="打印案件文书 / write a case's 案件登记表 (and with --notice its 责令改正通知书) as PDF",
    )
    p.add_argument("case_id", type=int, metavar="ID", help="案件 ID / the case's id")
    p.add_argument("--pdf", type=Path, required=True, metavar="F", help="案件登记表（现场检查记录）PDF")
    p.add_argument("--notice", type=Path, metavar="F2", help="责令改正通知书 PDF")
    add_user_argument(p)


def run(args) -> int:
    from desktop.cli_user import UnknownUserError, actor_of, refused, unknown_user
    from desktop.core.access import PermissionDenied

    engine = _engine()
    try:
        actor = actor_of(engine, args.user)
        sheet = case_loader.load_case_sheet(args.case_id, engine=engine, actor=actor)
        # The notice is derived from the same loaded case: one database read, not two.
        notice = notice_from_case(sheet, issued_on=date.today()) if args.notice else None
        return _write(engine, actor, args, sheet, notice)
    except UnknownUserError as exc:
        return unknown_user(exc)
    except PermissionDenied as exc:
        return refused(exc)
    except case_loader.CaseNotFoundError as exc:
        print(f"案件不存在 / no such case: {exc}", file=sys.stderr)
        return 1
    except NotImplementedError as exc:
        print(f"无法读取案件 / cannot read the case: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()


def _engine():
    from desktop import paths
    from desktop.core.db import database_url, make_engine, migrate

    engine = make_engine(database_url(paths.data_dir()))
    migrate(engine)
    return engine


def _write(engine, actor, args, sheet, notice) -> int:
    from desktop.documents.render import FontMissingError, case_sheet_pdf, notice_pdf

    try:
        outputs = [(args.pdf, case_sheet_pdf(sheet))]
        if notice is not None:
            outputs.append((args.notice, notice_pdf(notice)))
    except FontMissingError as exc:
        print(f"打印失败 / cannot print: {exc}", file=sys.stderr)
        return 2
    for (path, data), document in zip(outputs, ("case_sheet", "notice"), strict=False):
        try:
            write_atomic(path, data)
        except OSError as exc:
            print(f"无法写入 / cannot write {path}: {exc}", file=sys.stderr)
            return 2
        case_loader.record_print(engine, actor, sheet.number, document, Path(path).name)
        print(f"{path}  ({len(data) // 1024} KB)")
    return 0
