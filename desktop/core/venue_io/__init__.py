"""Import and export of the programme's venue spreadsheets (Qt-free).

    import_venues(engine, path, dry_run=False, defaults=ImportDefaults(), progress=None) -> ImportReport
    export_venues(engine, path, progress=None) -> ExportSummary

Accepted layouts: Pudong's 示范店建设情况统计表, Ezhou's 养老机构实施情况统计表, our own template
(sheet 一户一档, one row per camera) and any sheet whose header names a 单位名称 column."""

from desktop.core.venue_io.errors import SpreadsheetError
from desktop.core.venue_io.exporter import export_venues
from desktop.core.venue_io.importer import import_venues
from desktop.core.venue_io.report import ExportSummary, ImportDefaults, ImportReport, RowResult

__all__ = ["ExportSummary", "ImportDefaults", "ImportReport", "RowResult", "SpreadsheetError", "export_venues",
           "import_venues"]
