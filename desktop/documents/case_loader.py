"""From a stored case to what is printed: the one place that knows both the case tables and
desktop/documents/case_sheet.py. Printing (desktop/documents/render.py, `main.py print-case`)
only sees the values returned here."""

from __future__ import annotations

from datetime import date

from desktop.documents.case_sheet import CaseSheet, RectificationNotice, notice_from_case


class CaseNotFoundError(LookupError):
    """No case with that id."""


def load_case_sheet(case_id: int) -> CaseSheet:
    """The case `case_id` as a CaseSheet. Raises CaseNotFoundError when there is no such case.

    TODO(cases, issue 5): implement once the case tables land. Open the database as the other
    commands do (desktop.core.db: database_url(paths.data_dir()), make_engine, migrate), then map:
    - the case row → number, category, tier, legal_basis, facts, handler, deadline, state,
      created_at, and escalation (黄牌 / 红牌 when overdue, else "");
    - its venue → venue_name, license_no, address, street, venue_type, contact person / phone;
    - the station's name (settings) → station;
    - each evidence item, in the case's order → EvidenceItem: the annotated file when there is
      one (annotated=True, original_sha256 = the original's hash), else the original; the bytes
      from the EvidenceStore, with `problem` = "文件缺失" / "内容被改动" when its check fails
      (image_png=None when missing);
    - each transition → TimelineEntry(at, from_state, to_state, who, comment), oldest first,
      the creation first with from_state="".
    """
    raise NotImplementedError(
        f"案件数据尚未接入，无法读取案件 {case_id} / printing a stored case needs the case tables "
        "(desktop/documents/case_loader.py: load_case_sheet is not implemented yet)"
    )


def load_rectification_notice(case_id: int, *, issued_on: date | None = None) -> RectificationNotice:
    """The 责令改正通知书 of case `case_id`, issued today unless `issued_on` is given.

    TODO(cases): once cases store their own notice text (number, 违反条款, requirements), use it
    here; until then the notice is derived from the case sheet (notice_from_case)."""
    return notice_from_case(load_case_sheet(case_id), issued_on=issued_on or date.today())
