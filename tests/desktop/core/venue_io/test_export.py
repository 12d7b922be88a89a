"""Export: our template, one row per camera, never a credential; export -> import is unchanged."""

from __future__ import annotations

import csv
import zipfile

import openpyxl
import pytest
from sqlalchemy import update

from desktop.core.models import Venue
from desktop.core.venue_io import SpreadsheetError, export_venues, import_venues
from tests.actors import ADMIN
from tests.desktop.core.venue_io import sheets

FORMULA_LIKE = '=HYPERLINK("x") 不是公式'


@pytest.fixture
def filled(engine, tmp_path):
    assert import_venues(engine, sheets.pudong_messy(tmp_path / "p.xlsx"), actor=ADMIN).committed
    assert import_venues(engine, sheets.ezhou(tmp_path / "e.xlsx"), actor=ADMIN).committed
    rows = [
        sheets.venue_cells("莘庄镇中心小学食堂", "JY33101120001201")
        + sheets.camera_cells("烹饪区", f"rtsp://admin:{sheets.SECRET}@10.1.2.3:554/ch1/sub",
                              f"rtsp://admin:{sheets.SECRET}@10.1.2.3:554/ch1/main", connected="是"),
        sheets.venue_cells("莘庄镇中心小学食堂", "JY33101120001201")
        + sheets.camera_cells("专间", "rtsp://10.1.2.4/sub", area="专间", enabled="否") + ["viewer", sheets.SECRET],
    ]
    assert import_venues(engine, sheets.template(tmp_path / "t.xlsx", rows, extra=("用户名", "密码")),
                         actor=ADMIN).committed
    with engine.begin() as conn:  # typed in the registry: must come out as text, not as a formula
        conn.execute(update(Venue).where(Venue.license_no == "JY33101120001201").values(notes=FORMULA_LIKE))
    return engine


def test_xlsx_export_layout_and_no_credentials_anywhere(filled, tmp_path):
    path = tmp_path / "out" / "一户一档.xlsx"
    summary = export_venues(filled, path, actor=ADMIN)
    assert (summary.venues, summary.cameras, summary.rows, summary.format) == (9, 2, 10, "xlsx")
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            data = z.read(name)
            assert sheets.SECRET.encode() not in data, name
            assert b"admin" not in data and b"viewer" not in data, name
    wb = openpyxl.load_workbook(path)
    ws = wb["一户一档"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows[0] == sheets.TEMPLATE_HEADER and "用户名" not in rows[0] and "密码" not in rows[0]
    school = [r for r in rows if r[1] == "莘庄镇中心小学食堂"]
    assert [r[13] for r in school] == ["烹饪区", "专间"]
    assert school[0][15] == "rtsp://10.1.2.3:554/ch1/sub" and school[0][18] == "是" and school[1][17] == "否"
    notes = ws.cell(row=rows.index(school[0]) + 1, column=13)
    assert notes.data_type != "f" and notes.value == FORMULA_LIKE  # text, never a formula
    pudong = [r for r in rows if r[2] == "JY33101150001202"]
    assert len(pudong) == 1 and pudong[0][13:] == [None] * 6 and pudong[0][10] == "2023-08"


def test_csv_export_has_no_credentials(filled, tmp_path):
    path = tmp_path / "out.csv"
    export_venues(filled, path, actor=ADMIN)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and sheets.SECRET.encode() not in data
    rows = list(csv.reader(data.decode("utf-8-sig").splitlines()))
    assert rows[0] == sheets.TEMPLATE_HEADER and len(rows) == 11


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_export_then_import_changes_nothing(filled, tmp_path, suffix):
    before = sheets.dump(filled)
    export_venues(filled, tmp_path / f"x{suffix}", actor=ADMIN)
    report = import_venues(filled, tmp_path / f"x{suffix}", actor=ADMIN)
    assert report.committed and report.format == "template"
    assert (report.added, report.updated, report.errors) == (0, 0, 0) and report.unchanged == 10
    assert sheets.dump(filled) == before  # credentials kept, updated_at untouched


def test_unsupported_export_suffix(filled, tmp_path):
    with pytest.raises(SpreadsheetError, match="不支持导出"):
        export_venues(filled, tmp_path / "x.xls", actor=ADMIN)
    assert not (tmp_path / "x.xls").exists()


def test_progress_of_the_export(filled, tmp_path):
    calls = []
    export_venues(filled, tmp_path / "x.xlsx", progress=lambda d, t: calls.append((d, t)), actor=ADMIN)
    assert calls[0] == (0, 10) and calls[-1] == (10, 10) and len(calls) <= 52
