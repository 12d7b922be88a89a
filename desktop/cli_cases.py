"""Case commands: `main.py export-case ID --out case.zip [--pdf F]`, `main.py import-case FILE`,
`main.py cases list [filters] [--json]`, `main.py case show ID [--json]` and
`main.py case transition ID --to 状态 --user 账号 [--comment 理由]`. ID is a case's id or number.
export-case, import-case and transition need `--user` (an account name); list and show take it
optionally to show only that account's streets.

Exit codes: 0 done (an import that changes nothing included); 1 refused (a transition not
allowed, a tampered package, an unknown venue, a database failure); 2 an unreadable file or an
unknown --user; 3 the account may not do this (desktop.cli_user)."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from desktop import paths
from desktop.cli_user import add_user_argument
from desktop.core.case_rules import CARDS, STATES

COMMANDS = ("export-case", "import-case", "cases", "case")
log = logging.getLogger(__name__)

_CARDS = (*CARDS, "逾期")  # desktop.core.case_queries.OVERDUE: either card


def render_pdf_for(engine, actor) -> Callable[[int], bytes] | None:
    """Case id → the printed case sheet (as `print-case` writes it) as PDF bytes: export-case puts
    it into every package it writes unless --pdf names a file. None when printing cannot run here
    (no Chinese font): the package is then written without a PDF, and the reason is logged."""
    from desktop.documents.case_loader import load_case_sheet
    from desktop.documents.render import FontMissingError, case_sheet_pdf, cjk_family, ensure_gui_app

    try:
        ensure_gui_app()
        cjk_family()
    except FontMissingError as exc:
        log.warning("export without the printed PDF: %s", exc)
        return None
    return lambda case_id: case_sheet_pdf(load_case_sheet(case_id, engine=engine, actor=actor))


def add_parsers(sub) -> None:
    ex = sub.add_parser("export-case", help="导出案件包（清单、证据、哈希、PDF）/ export a case package (zip)")
    ex.add_argument("case", help="案件 ID 或编号 / case id or number")
    ex.add_argument("--out", type=Path, required=True, help="输出的 .zip 文件")
    ex.add_argument("--pdf", type=Path, help="附上这份已打印的案件 PDF / include this PDF")
    add_user_argument(ex)
    im = sub.add_parser("import-case", help="导入案件包，校验每个哈希 / import a case package")
    im.add_argument("file", type=Path)
    add_user_argument(im)
    cs = sub.add_parser("cases", help="案件 / cases")
    ls = cs.add_subparsers(dest="what", required=True).add_parser("list", help="案件列表 / list cases, newest first")
    ls.add_argument("--state", choices=STATES)
    ls.add_argument("--venue-id", type=int)
    ls.add_argument("--street", help="街镇")
    ls.add_argument("--category", help="违规类型")
    ls.add_argument("--handler", help="承办人")
    ls.add_argument("--since", type=date.fromisoformat, help="立案日期起（含），YYYY-MM-DD")
    ls.add_argument("--until", type=date.fromisoformat, help="立案日期止（不含），YYYY-MM-DD")
    ls.add_argument("--card", choices=_CARDS, help="逾期：黄牌、红牌或两者")
    ls.add_argument("--limit", type=int, default=200)
    ls.add_argument("--json", action="store_true", help="JSON instead of a table")
    add_user_argument(ls, required=False)
    c = sub.add_parser("case", help="单个案件 / one case")
    csub = c.add_subparsers(dest="action", required=True)
    sh = csub.add_parser("show", help="案件详情与记录 / a case with its time line")
    sh.add_argument("case", help="案件 ID 或编号")
    sh.add_argument("--json", action="store_true")
    add_user_argument(sh, required=False)
    tr = csub.add_parser("transition", help="流转案件状态 / move a case to another state")
    tr.add_argument("case", help="案件 ID 或编号")
    tr.add_argument("--to", required=True, choices=STATES, help="目标状态")
    add_user_argument(tr)
    tr.add_argument("--comment", default="", help="理由 / 说明（撤销、复核不通过时必填）")


def run(args) -> int:
    from desktop.cli_user import UnknownUserError, actor_of, refused, unknown_user
    from desktop.core.access import PermissionDenied
    from desktop.core.case_package_format import CasePackageError, PackageUnreadableError
    from desktop.core.case_rules import CaseError
    from desktop.core.db import DatabaseError, database_url, make_engine, migrate
    from desktop.core.evidence_store import EvidenceStore

    engine = make_engine(database_url(paths.data_dir()))
    try:
        migrate(engine)
        read_only = args.command == "cases" or getattr(args, "action", "") == "show"
        actor = actor_of(engine, args.user, optional=read_only)
        store = EvidenceStore(paths.evidence_dir(), engine)
        if args.command == "export-case":
            return _export(engine, store, args, actor)
        if args.command == "import-case":
            return _import(engine, store, args, actor)
        if args.command == "cases":
            return _list(engine, args, actor)
        if args.action == "show":
            return _show(engine, args, actor)
        return _transition(engine, args, actor)
    except UnknownUserError as exc:
        return unknown_user(exc)
    except PermissionDenied as exc:
        return refused(exc)
    except PackageUnreadableError as exc:
        print(f"导入失败 / import failed: {exc}", file=sys.stderr)
        return 2
    except (CaseError, CasePackageError, DatabaseError) as exc:
        print(f"失败 / failed: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()


def _export(engine, store, args, actor) -> int:
    from desktop.core.case_package import export_case
    from desktop.core.cases import find_case

    case_id = find_case(engine, args.case, actor=actor)
    pdf = None
    if args.pdf is not None:
        try:
            pdf = args.pdf.read_bytes()
        except OSError as exc:
            print(f"读不到 PDF / cannot read {args.pdf}: {exc}", file=sys.stderr)
            return 2
    result = export_case(engine, store, case_id, args.out, pdf, actor=actor,
                         render_pdf=None if pdf else render_pdf_for(engine, actor))
    print(f"已导出案件 {result.number} 到 {result.path}：证据 {result.evidence_files} 个，"
          f"{'含' if result.with_pdf else '不含'} PDF，{result.size} 字节")
    return 0


def _import(engine, store, args, actor) -> int:
    from desktop.core.case_package import import_case

    result = import_case(engine, store, args.file, actor=actor)
    print(result.message())
    return 0


def _row(c) -> dict:
    return {"id": c.id, "number": c.number, "venue_id": c.venue_id, "venue": c.venue_name, "street": c.street,
            "category": c.category, "tier": c.tier, "handler": c.handler,
            "deadline": c.deadline.isoformat() if c.deadline else None, "state": c.state, "card": c.card,
            "days_overdue": c.days_overdue, "evidence_count": getattr(c, "evidence_count", 0),
            "created_by": c.created_by, "created_at": c.created_at.isoformat()}


def _list(engine, args, actor) -> int:
    from desktop.core.cases import CaseFilter, count_cases, list_cases

    f = CaseFilter(state=args.state, venue_id=args.venue_id, street=args.street, category=args.category,
                   handler=args.handler, since=args.since, until=args.until, card=args.card)
    rows = list_cases(engine, f, actor=actor, limit=args.limit)
    if args.json:
        print(json.dumps([_row(c) for c in rows], ensure_ascii=False))
        return 0
    print("\t".join(("ID", "编号", "单位", "街镇", "违规类型", "承办人", "整改期限", "状态", "逾期", "立案时间")))
    for c in rows:
        card = f"{c.card}（{c.days_overdue} 天）" if c.card else ""
        print("\t".join(str(x) for x in (c.id, c.number, c.venue_name, c.street, c.category, c.handler,
                                         c.deadline or "", c.state, card,
                                         c.created_at.astimezone().strftime("%Y-%m-%d %H:%M"))))
    total = count_cases(engine, f, actor=actor)
    print(f"共 {total} 件" + (f"，显示前 {len(rows)} 件" if total > len(rows) else ""))
    return 0


def _show(engine, args, actor) -> int:
    from desktop.core.cases import find_case, get_case

    c = get_case(engine, find_case(engine, args.case, actor=actor), actor=actor)
    if args.json:
        data = {**_row(c), "uuid": c.uuid, "legal_basis": c.legal_basis, "facts": c.facts,
                "allowed_transitions": list(c.allowed_transitions),
                "events": [{"action": e.action, "from": e.from_state, "to": e.to_state, "who": e.who,
                            "at": e.at.isoformat(), "comment": e.comment} for e in c.events],
                "evidence": [{"id": e.evidence_id, "sha256": e.sha256, "kind": e.kind, "role": e.role,
                              "derived_from_id": e.derived_from_id} for e in c.evidence]}
        data["evidence_count"] = len(c.evidence)
        print(json.dumps(data, ensure_ascii=False))
        return 0
    print(f"{c.number}  {c.state}{'  ' + c.card if c.card else ''}\n  单位：{c.venue_name}（{c.street}）"
          f"\n  违规类型：{c.category} {c.tier}\n  承办人：{c.handler}  整改期限：{c.deadline or '未定'}"
          f"\n  法律依据：{c.legal_basis}\n  违法事实：{c.facts}\n  证据 {len(c.evidence)} 项，告警 {len(c.alerts)} 条")
    for e in c.events:
        step = e.to_state if e.action == "create" else f"{e.from_state} → {e.to_state}" if e.action == "transition" \
            else "修改"
        print(f"  {e.at.astimezone().strftime('%Y-%m-%d %H:%M')}  {e.who}  {step}  {e.comment}")
    return 0


def _transition(engine, args, actor) -> int:
    from desktop.core.cases import find_case, transition

    c = transition(engine, find_case(engine, args.case, actor=actor), args.to, args.comment, actor=actor)
    print(f"案件 {c.number} 已转为「{c.state}」")
    return 0
