"""Reading .xlsx sheets as plain rows of values, merged ranges filled in.

openpyxl's ExcelReader reads the workbook (shared strings, styles, which sheets exist); the cells
themselves are read with expat directly from the sheet's XML, about five times faster than openpyxl's
per-cell objects (25,000 rows × 19 columns: ~1.4 s instead of ~7 s here). The merged ranges,
at the end of the same XML, come out of the same pass. If anything about the workbook is
unusual for this fast path, openpyxl's normal (slower) reader does the job."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

import openpyxl
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles.stylesheet import apply_stylesheet
from openpyxl.utils.cell import column_index_from_string, range_boundaries
from openpyxl.utils.datetime import from_excel, from_ISO8601

log = logging.getLogger(__name__)

Rows = list[list[object]]


@dataclass(frozen=True, slots=True)
class RawSheet:
    name: str
    rows: Rows  # rows[i] is Excel row i + 1; every row has the same length
    merged: int = 0  # merged ranges filled


class _SheetParser:
    """expat callbacks for one worksheet XML (no namespace processing: prefixes are stripped)."""

    def __init__(self, strings, date_styles, timedelta_styles, epoch) -> None:
        self.strings, self.date_styles, self.timedelta_styles, self.epoch = (
            strings, date_styles, timedelta_styles, epoch)
        self.rows: Rows = []
        self.merges: list[str] = []
        self._row: list[object] | None = None
        self._row_no = 0
        self._col = 0
        self._type = "n"
        self._style: str | None = None
        self._text: list[str] = []
        self._collect = False
        self._in_is = False
        self._in_rph = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        if ":" in name:
            name = name.rpartition(":")[2]
        if name == "c":
            ref = attrs.get("r")
            self._col = column_index_from_string(ref.rstrip("0123456789")) if ref else self._col + 1
            self._type = attrs.get("t", "n")
            self._style = attrs.get("s")
            self._text = []
        elif name == "v":
            self._collect = True
        elif name == "t":
            self._collect = self._in_is and not self._in_rph
        elif name == "is":
            self._in_is = True
        elif name == "rPh":
            self._in_rph = True
        elif name == "row":
            r = attrs.get("r")
            self._row_no = int(r) if r else self._row_no + 1
            self._row = []
            self._col = 0
        elif name == "mergeCell":
            ref = attrs.get("ref")
            if ref:
                self.merges.append(ref)

    def end(self, name: str) -> None:
        if ":" in name:
            name = name.rpartition(":")[2]
        if name == "v" or name == "t":
            self._collect = False
        elif name == "c":
            value = self._value()
            if value is not None and self._row is not None:
                row, col = self._row, self._col
                if len(row) < col:
                    row.extend([None] * (col - len(row)))
                row[col - 1] = value
        elif name == "row":
            rows = self.rows
            while len(rows) < self._row_no - 1:
                rows.append([])
            if len(rows) == self._row_no - 1:
                rows.append(self._row or [])
            self._row = None
        elif name == "is":
            self._in_is = False
        elif name == "rPh":
            self._in_rph = False

    def chars(self, data: str) -> None:
        if self._collect:
            self._text.append(data)

    def _value(self) -> object:
        raw = "".join(self._text)
        t = self._type
        if t == "s":
            return self.strings[int(raw)] if raw else None
        if t in ("inlineStr", "str", "e"):
            return raw or None
        if not raw:
            return None
        if t == "b":
            return raw.strip() in ("1", "true")
        if t == "d":
            return from_ISO8601(raw)
        number: int | float = float(raw) if ("." in raw or "E" in raw or "e" in raw) else int(raw)
        style = self._style
        if style and int(style) in self.date_styles:
            try:
                return from_excel(number, self.epoch, timedelta=int(style) in self.timedelta_styles)
            except (OverflowError, ValueError):
                return number
        return number


def finish_sheet(name: str, rows: Rows, merges: list[str]) -> RawSheet:
    """Pad rows to one width, copy each merged range's value into all its cells, drop trailing
    empty rows."""
    width = max((len(r) for r in rows), default=0)
    filled = 0
    for ref in merges:
        try:
            min_col, min_row, max_col, max_row = range_boundaries(ref)
        except (TypeError, ValueError):
            continue
        if min_row is None or min_col is None or min_row > len(rows):
            continue
        max_row = min(max_row or len(rows), len(rows))
        max_col = min(max_col or width, width)  # nothing to fill beyond the data
        anchor = rows[min_row - 1]
        value = anchor[min_col - 1] if min_col - 1 < len(anchor) else None
        if value is None:
            continue
        filled += 1
        for r in range(min_row - 1, max_row):
            row = rows[r]
            if len(row) < max_col:
                row.extend([None] * (max_col - len(row)))
            for c in range(min_col - 1, max_col):
                row[c] = value
    for row in rows:
        if len(row) < width:
            row.extend([None] * (width - len(row)))
    while rows and all(v is None or (isinstance(v, str) and not v.strip()) for v in rows[-1]):
        rows.pop()
    return RawSheet(name, rows, filled)


def _read_fast(path: Path) -> list[RawSheet]:
    # openpyxl's ExcelReader steps without read_worksheets: its read-only worksheets scan the
    # whole sheet for a missing <dimension> (openpyxl's own files have none) before any reading.
    reader = ExcelReader(str(path), read_only=True, data_only=True, keep_links=False)
    try:
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        wb = reader.wb
        apply_stylesheet(reader.archive, wb)
        sheets = []
        for sheet, rel in reader.parser.find_sheets():
            if rel.target not in reader.valid_files or "chartsheet" in rel.Type:
                continue
            parser = _SheetParser(reader.shared_strings, wb._date_formats, wb._timedelta_formats, wb.epoch)
            x = expat.ParserCreate()
            x.buffer_text = True
            x.buffer_size = 1 << 16
            x.StartElementHandler = parser.start
            x.EndElementHandler = parser.end
            x.CharacterDataHandler = parser.chars
            with reader.archive.open(rel.target) as fh:
                x.ParseFile(fh)
            sheets.append(finish_sheet(sheet.name, parser.rows, parser.merges))
        return sheets
    finally:
        reader.archive.close()


def _read_openpyxl(path: Path) -> list[RawSheet]:
    wb = openpyxl.load_workbook(path, data_only=True)
    try:
        sheets = []
        for ws in wb.worksheets:
            rows = [list(r) for r in ws.iter_rows(min_row=1, max_row=ws.max_row, min_col=1,
                                                   max_col=ws.max_column, values_only=True)]
            sheets.append(finish_sheet(ws.title, rows, [str(r) for r in ws.merged_cells.ranges]))
        return sheets
    finally:
        wb.close()


def read_xlsx(path: Path, reader: str = "fast") -> list[RawSheet]:
    """All worksheets of an .xlsx. Exceptions are the caller's to turn into SpreadsheetError;
    the fast reader falls back to openpyxl's own on anything unexpected."""
    if reader == "fast":
        try:
            return _read_fast(path)
        except (AttributeError, KeyError, IndexError, TypeError, ValueError, expat.ExpatError) as exc:
            log.info("fast xlsx reader gave up on %s (%s: %s); using openpyxl's reader",
                     path.name, type(exc).__name__, exc)
    return _read_openpyxl(path)
