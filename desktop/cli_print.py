"""`main.py print-case ID --pdf F [--notice F2]`: write a case's 案件登记表（现场检查记录） as PDF,
and its 责令改正通知书 with --notice. Works without a display (Qt offscreen).

Both documents are rendered before either file is written, and each file is written atomically
(the previous file, or none, survives a failure). Exit codes: 0 written; 1 no such case, or the
case cannot be read; 2 no Chinese font installed, or a file cannot be written."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

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


def run(args) -> int:
    try:
        sheet = case_loader.load_case_sheet(args.case_id)
        # The notice is derived from the same loaded case: one database read, not two.
        notice = notice_from_case(sheet, issued_on=date.today()) if args.notice else None
    except case_loader.CaseNotFoundError as exc:
        print(f"案件不存在 / no such case: {exc}", file=sys.stderr)
        return 1
    except NotImplementedError as exc:
        print(f"无法读取案件 / cannot read the case: {exc}", file=sys.stderr)
        return 1

    from desktop.documents.render import FontMissingError, case_sheet_pdf, notice_pdf

    try:
        outputs = [(args.pdf, case_sheet_pdf(sheet))]
        if notice is not None:
            outputs.append((args.notice, notice_pdf(notice)))
    except FontMissingError as exc:
        print(f"打印失败 / cannot print: {exc}", file=sys.stderr)
        return 2
    for path, data in outputs:
        try:
            write_atomic(path, data)
        except OSError as exc:
            print(f"无法写入 / cannot write {path}: {exc}", file=sys.stderr)
            return 2
        print(f"{path}  ({len(data) // 1024} KB)")
    return 0
