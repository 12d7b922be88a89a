"""One call for the command line and the console: build the month's report once and write it
as .xlsx and/or .pdf. Both are rendered before either file is written; each file is written
atomically.

From the console, call export_monthly off the GUI thread (a worker / QThreadPool): reading a
district and laying out ~300 PDF pages takes seconds. The PDF part uses QPdfWriter and QPainter
on images only, which Qt allows outside the GUI thread."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from desktop.core.access import Action, Actor, require
from desktop.core.audit import AuditAction, record_now
from desktop.core.db import DatabaseError
from desktop.core.redact import redact_url
from desktop.reports.monthly import MonthlyReport, build_monthly_report


class ReportError(RuntimeError):
    """The report cannot be written (no Chinese font, a file that cannot be written, a wrong
    extension); the message is meant for the user."""


@dataclass(frozen=True)
class ExportResult:
    report: MonthlyReport
    written: tuple[Path, ...]
    seconds: float


def export_monthly(engine: Engine, month: date, *, actor: Actor, xlsx: str | Path | None = None,
                   pdf: str | Path | None = None, station: str | None = None) -> ExportResult:
    """Write the report of `month` (any day of it): EXPORT_REPORTS, audited. DatabaseError when
    the database cannot be read, ReportError for everything on the output side. At least one of
    xlsx / pdf."""
    require(actor, Action.EXPORT_REPORTS)
    if xlsx is None and pdf is None:
        raise ReportError("请至少选择一种输出格式（Excel 或 PDF） / nothing to write")
    for path, ext in ((xlsx, ".xlsx"), (pdf, ".pdf")):
        if path is not None and Path(path).suffix.lower() != ext:
            raise ReportError(f"文件须以 {ext} 结尾 / must end in {ext}: {path}")
    t0 = time.perf_counter()
    try:
        report = build_monthly_report(engine, month, actor=actor, station=station)
    except SQLAlchemyError as exc:
        raise DatabaseError(f"读取统计数据失败 / reading the statistics failed ({redact_url(str(engine.url))}): "
                            f"{type(exc).__name__}") from exc
    outputs: list[tuple[Path, bytes]] = []
    if xlsx is not None:
        from desktop.reports.monthly_xlsx import monthly_xlsx_bytes

        outputs.append((Path(xlsx), monthly_xlsx_bytes(report)))
    if pdf is not None:
        from desktop.documents.render import FontMissingError
        from desktop.reports.monthly_pdf import monthly_pdf_bytes

        try:
            outputs.append((Path(pdf), monthly_pdf_bytes(report)))
        except FontMissingError as exc:
            raise ReportError(str(exc)) from exc
    from desktop.core.atomic_file import write_atomic

    written = []
    for path, data in outputs:
        try:
            written.append(write_atomic(path, data))
        except OSError as exc:
            raise ReportError(f"无法写入 / cannot write {path}: {exc.strerror or exc}") from exc
    record_now(engine, actor, AuditAction.EXPORT, f"{month:%Y-%m}",
               {"what": "monthly_report", "files": [p.name for p in written]})
    return ExportResult(report, tuple(written), round(time.perf_counter() - t0, 3))
