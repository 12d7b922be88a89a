"""Any supported file as a list of sheets of plain rows: .xlsx / .xlsm (xlsx_reader) and .csv / .txt
(UTF-8 with or without BOM, GB18030/GBK, UTF-16; comma, tab or semicolon)."""

from __future__ import annotations

import csv
import io
import logging
import zipfile
from pathlib import Path

from desktop.core.venue_io.errors import SpreadsheetError
from desktop.core.venue_io.xlsx_reader import RawSheet, finish_sheet, read_xlsx

log = logging.getLogger(__name__)

XLSX_SUFFIXES = (".xlsx", ".xlsm")
CSV_SUFFIXES = (".csv", ".txt")
OLD_BINARY_SUFFIXES = (".xls", ".et", ".wps")
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_sheets(path: str | Path, *, xlsx_reader: str = "fast") -> list[RawSheet]:
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in OLD_BINARY_SUFFIXES:
        raise SpreadsheetError(f"不支持旧版 {suffix} 格式，请在 Excel/WPS 中另存为 .xlsx 后再导入"
                               f"（{suffix} is not supported: save it as .xlsx）")
    if suffix not in XLSX_SUFFIXES + CSV_SUFFIXES:
        raise SpreadsheetError(f"不支持的文件类型「{suffix or path.name}」，请使用 .xlsx 或 .csv"
                               f"（unsupported file type, use .xlsx or .csv）")
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise SpreadsheetError(f"无法打开文件 {path.name}：{exc.strerror or exc}（cannot open the file）") from exc
    if not head:
        raise SpreadsheetError(f"文件 {path.name} 是空的（the file is empty）")
    if suffix in XLSX_SUFFIXES:
        return _read_xlsx(path, head, xlsx_reader)
    return [_read_csv(path)]


def _read_xlsx(path: Path, head: bytes, reader: str) -> list[RawSheet]:
    if head.startswith(_OLE_MAGIC):
        raise SpreadsheetError(f"{path.name} 实际是旧版 .xls 文件或已加密，请另存为不加密的 .xlsx"
                               "（an old .xls or an encrypted workbook: save it as a plain .xlsx）")
    if not zipfile.is_zipfile(path):
        raise SpreadsheetError(f"{path.name} 不是有效的 .xlsx 文件，可能已损坏或下载不完整"
                               "（not a valid .xlsx: corrupt or truncated）")
    try:
        sheets = read_xlsx(path, reader)
    except Exception as exc:  # noqa: BLE001 - anything a broken workbook raises becomes one clear message
        log.warning("cannot read %s: %s: %s", path.name, type(exc).__name__, exc)
        raise SpreadsheetError(f"{path.name} 无法读取，文件可能已损坏（cannot read the workbook: "
                               f"{type(exc).__name__}）") from exc
    if not sheets:
        raise SpreadsheetError(f"{path.name} 中没有工作表（the workbook has no worksheet）")
    return sheets


def _decode(data: bytes, name: str) -> tuple[str, str]:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise SpreadsheetError(f"{name} 的文字编码无法识别，请另存为 UTF-8 或 GBK 编码的 CSV"
                           "（unknown text encoding: save as UTF-8 or GBK CSV）")


def _read_csv(path: Path) -> RawSheet:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SpreadsheetError(f"无法打开文件 {path.name}：{exc.strerror or exc}（cannot open the file）") from exc
    if b"\x00" in data[:4096] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SpreadsheetError(f"{path.name} 不是文本格式的 CSV 文件（not a text CSV file）")
    text, encoding = _decode(data, path.name)
    sample = text[:8192]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",\t;").delimiter
    except csv.Error:
        delimiter = max(",\t;", key=sample.count) if any(d in sample for d in ",\t;") else ","
    try:
        rows: list[list[object]] = [[c if c.strip() else None for c in row]
                                    for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise SpreadsheetError(f"{path.name} 的 CSV 格式有误：{exc}（malformed CSV）") from exc
    log.info("read %s: %d rows, encoding %s, delimiter %r", path.name, len(rows), encoding, delimiter)
    return finish_sheet(path.stem, rows, [])
