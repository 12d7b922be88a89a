"""Reading files: merged cells filled, the fast reader gives exactly what openpyxl gives, CSV
encodings, and every kind of unreadable file is one clear SpreadsheetError."""

from __future__ import annotations

import zipfile
from datetime import datetime

import pytest
from openpyxl import Workbook

from desktop.core.venue_io.columns import find_header
from desktop.core.venue_io.errors import SpreadsheetError
from desktop.core.venue_io.sheet_reader import read_sheets
from tests.desktop.core.venue_io import sheets


def test_merged_title_and_note_rows_are_filled_and_trailing_blank_rows_dropped(tmp_path):
    raw = read_sheets(sheets.pudong_messy(tmp_path / "p.xlsx"))[0]
    assert raw.name == "附件3"
    assert raw.rows[0] == ["浦东新区示范店建设情况统计表"] * 6
    assert raw.rows[1][:3] == ["填报单位：浦东新区市场监督管理局"] * 3
    assert raw.rows[10][0].startswith("注：") and len(set(raw.rows[10])) == 1
    assert raw.rows[4][5] == datetime(2023, 8, 15) and raw.rows[7][5] == 45169
    assert raw.rows[5] == [None] * 6 and len(raw.rows) == 12
    header = find_header(raw.rows)
    assert (header.first_row, header.last_row, header.format) == (3, 3, "pudong")
    assert header.columns == {"seq": 0, "name": 1, "address": 2, "license_no": 3, "build_progress": 4,
                              "expected_completion": 5}


@pytest.mark.parametrize("merge_down", [True, False])
def test_two_row_header_with_a_group_over_sub_headers(tmp_path, merge_down):
    raw = read_sheets(sheets.pudong_two_row_header(tmp_path / "p2.xlsx", merge_down))[0]
    header = find_header(raw.rows)
    # merged down, the lower row alone names every column; otherwise both rows are needed
    assert (header.first_row, header.last_row) == ((3, 3) if merge_down else (2, 3))
    assert header.columns == {"seq": 0, "name": 1, "address": 2, "license_no": 3, "build_progress": 4,
                              "expected_completion": 5}
    assert header.format == "pudong"


def _workbooks(tmp_path):
    yield sheets.pudong_messy(tmp_path / "a.xlsx")
    yield sheets.pudong_two_row_header(tmp_path / "b.xlsx")
    yield sheets.ezhou(tmp_path / "c.xlsx")
    yield sheets.template(tmp_path / "d.xlsx", [
        sheets.venue_cells("莘庄镇中心小学食堂", "JY33101120001201", notes="=1+1 不是公式")
        + sheets.camera_cells("烹饪区", "rtsp://a:b@10.0.0.1/sub"),
        [None] * 19, [True, 3.5, -7, datetime(2024, 2, 29, 13, 30)]])


@pytest.mark.parametrize("prefix", ["", "x"])
def test_fast_reader_matches_openpyxl_including_shared_strings(tmp_path, prefix):
    for i, path in enumerate(_workbooks(tmp_path)):
        for variant in (path, sheets.to_shared_strings(path, tmp_path / f"ss{i}.xlsx", prefix)):
            fast = read_sheets(variant)
            slow = read_sheets(variant, xlsx_reader="openpyxl")
            assert [(s.name, s.rows) for s in fast] == [(s.name, s.rows) for s in slow], variant
    shared = read_sheets(tmp_path / "ss0.xlsx")[0]
    assert shared.rows[0][0] == "浦东新区示范店建设情况统计表"  # the phonetic run is not text
    assert shared.rows[3][1] == "浦东\u3000小南国餐厅"


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig", "utf-8", "utf-16"])
def test_csv_encodings(tmp_path, encoding):
    rows = [["序号", "单位名称", "地址", "许可证号", "建设进度", "预计完成时间"],
            ["1", "老盛昌（川沙店）", "川沙路5558号", "JY33101150001202", "完成", "2023年9月"]]
    path = sheets.write_csv(tmp_path / "x.csv", rows, encoding)
    raw = read_sheets(path)[0]
    assert raw.rows == rows


def test_tab_separated_text(tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("单位名称\t许可证号\n阿香米线\tJY33101150001203\n", encoding="gb18030")
    assert read_sheets(path)[0].rows[1] == ["阿香米线", "JY33101150001203"]


def _valid_xlsx(path):
    wb = Workbook()
    wb.active.append(["单位名称", "许可证号"])
    wb.save(path)
    return path


@pytest.mark.parametrize("make, message", [
    (lambda p: p.with_suffix(".xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600), "另存为 .xlsx"),
    (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600), "旧版 .xls"),
    (lambda p: p.write_bytes(bytes(range(256)) * 40), "不是有效的 .xlsx"),
    (lambda p: p.write_bytes(_valid_xlsx(p.with_name("ok.xlsx")).read_bytes()[:1500]), "不是有效的 .xlsx"),
    (lambda p: p.write_bytes(b""), "是空的"),
    (lambda p: p.with_suffix(".ods").write_bytes(b"PK"), "不支持的文件类型"),
])
def test_unreadable_files(tmp_path, make, message):
    target = tmp_path / "bad.xlsx"
    make(target)
    path = next(p for p in tmp_path.iterdir() if p.name.startswith("bad"))
    with pytest.raises(SpreadsheetError, match=message) as err:
        read_sheets(path)
    assert "（" in str(err.value) and "）" in str(err.value)  # English in parentheses


def test_zip_with_a_broken_sheet(tmp_path):
    good = _valid_xlsx(tmp_path / "ok.xlsx")
    bad = tmp_path / "bad.xlsx"
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(bad, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data[: len(data) // 2]  # cut in the middle of the XML
            zout.writestr(item, data)
    with pytest.raises(SpreadsheetError, match="无法读取"):
        read_sheets(bad)


def test_missing_file(tmp_path):
    with pytest.raises(SpreadsheetError, match="无法打开"):
        read_sheets(tmp_path / "nope.xlsx")


def test_fast_reader_falls_back_to_openpyxl(tmp_path, monkeypatch):
    from desktop.core.venue_io import xlsx_reader

    path = sheets.pudong_messy(tmp_path / "p.xlsx")
    expected = read_sheets(path)[0].rows

    def broken(_path):
        raise KeyError("xl/worksheets/sheet1.xml")

    monkeypatch.setattr(xlsx_reader, "_read_fast", broken)
    assert read_sheets(path)[0].rows == expected
