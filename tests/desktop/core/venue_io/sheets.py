"""Spreadsheets as stations really send them, written with openpyxl (and csv) for the tests."""

from __future__ import annotations

import csv
import re
import zipfile
from datetime import datetime
from html import escape, unescape
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from sqlalchemy import select
from sqlmodel import SQLModel

from desktop.core.venue_io.columns import TEMPLATE_COLUMNS

TEMPLATE_HEADER = [c.label for c in TEMPLATE_COLUMNS]
SECRET = "s3cret-Pw!"  # a camera password that must never leave the database


def pudong_messy(path: Path) -> Path:
    """附件3 with a merged title, 填报 rows, full-width text, \\u3000, a datetime cell, an Excel
    serial number, text months, a blank row, a 合计 row, a merged note and a signature row."""
    wb = Workbook()
    ws = wb.active
    ws.title = "附件3"
    ws.append(["浦东新区示范店建设情况统计表"])
    ws.merge_cells("A1:F1")
    ws.append(["填报单位：浦东新区市场监督管理局", None, None, "填报时间：2023年9月25日"])
    ws.merge_cells("A2:C2")
    ws.append(["序号", "单位名称", "地址", "许可证号", "建设进度", "预计完成\n时间"])
    for cell in ws[3]:
        cell.font = Font(bold=True)
    ws.append([1, "浦东\u3000小南国餐厅", "浦东新区\u3000世纪大道１００号", "ＪＹ３３１０１１５０００１２０１",
               "设备安装", "2023年9月"])
    ws.append([2, "老盛昌（川沙店）", "川沙路5558号", "JY33101150001202", "完成", datetime(2023, 8, 15)])
    ws.append([None, None, None, None, None, None])
    ws.append([3, "阿香米线", "张江路 88 号", "jy 3310 1150 0012 03", "视频对接中", "2023.10"])
    ws.append([4, "沪上阿姨", "金科路2889号", "JY33101150001204", "已完成", 45169])  # serial: 2023-08-31
    ws.append([5, "小杨生煎", "晨晖路１号", "JY33101150001205", "前期准备", "11月"])
    ws.append(["合　计", None, None, None, None, None])
    ws.append(["注：1. 建设进度请填写前期准备、设备安装、视频对接、完成建设；2. 预计完成时间请填写到月。"])
    ws.merge_cells("A11:F11")
    ws.append(["填报人：张三", None, "联系电话：021-12345678"])
    wb.save(path)
    return path


PUDONG_EXPECTED = {
    "JY33101150001201": ("浦东 小南国餐厅", "浦东新区 世纪大道100号", "设备安装", "2023-09"),
    "JY33101150001202": ("老盛昌（川沙店）", "川沙路5558号", "完成建设", "2023-08"),
    "JY33101150001203": ("阿香米线", "张江路 88 号", "视频对接", "2023-10"),
    "JY33101150001204": ("沪上阿姨", "金科路2889号", "完成建设", "2023-08"),
    "JY33101150001205": ("小杨生煎", "晨晖路1号", "前期准备", "2023-11"),
}


def pudong_two_row_header(path: Path, merge_down: bool = True) -> Path:
    """A group header 建设情况 over 建设进度 / 预计完成时间; the other headers merged down two rows
    (or, with merge_down False, written in the upper row only)."""
    wb = Workbook()
    ws = wb.active
    ws.append(["浦东新区示范店建设情况统计表"])
    ws.merge_cells("A1:F1")
    ws.append(["序号", "单位名称", "地址", "许可证号", "建设情况", None])
    ws.append([None, None, None, None, "建设进度", "预计完成时间"])
    for col in "ABCD" if merge_down else "":
        ws.merge_cells(f"{col}2:{col}3")
    ws.merge_cells("E2:F2")
    ws.append([1, "川沙老街面馆", "川沙路1号", "JY33101150009901", "安装", "2024年3月底"])
    ws.append([2, "高桥松饼店", "高桥镇季景路2号", "JY33101150009902", "对接", "2024/4/30"])
    wb.save(path)
    return path


def ezhou(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "附件"
    ws.append(['养老机构"互联网+明厨亮灶"实施情况统计表'])
    ws.merge_cells("A1:F1")
    ws.append(["填报单位：鄂城区民政局"])
    ws.append(["填报时间：2023年8月25日"])
    ws.append(["序号", "养老机构名称", "负责人", "联系电话", "“互联网+明厨亮灶”是否完成", "是否接入全省智慧监管平台"])
    ws.append([1, "鄂城区社会福利院", "刘芳", "１３９ ７１１０ ００１１", "是", "是"])
    ws.append([2, "华容区颐养中心", "陈明", 13971100022, "√", "×"])
    ws.append([3, "梁子湖区敬老院", "王强", "0711-3210033", "否", "否"])
    ws.append(["小计", None, None, None, "2", "1"])
    wb.save(path)
    return path


def template(path: Path, rows: list[list[object]], extra: tuple[str, ...] = ()) -> Path:
    """Our own layout: sheet 一户一档, TEMPLATE_HEADER (+ extra columns such as 用户名/密码)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "一户一档"
    ws.append(TEMPLATE_HEADER + list(extra))
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def venue_cells(name: str, licence: str, street: str = "莘庄镇", **kw) -> list[object]:
    values = {"address": f"{name}路1号", "venue_type": "学校食堂", "risk_level": "B", "contact_person": "王建华",
              "contact_phone": "021-64921001", "business_hours": "06:00-18:00", "build_progress": "完成建设",
              "expected_completion": "2023-09", "platform_connected": "是", "notes": ""} | kw
    return [street, name, licence, values["address"], values["venue_type"], values["risk_level"],
            values["contact_person"], values["contact_phone"], values["business_hours"], values["build_progress"],
            values["expected_completion"], values["platform_connected"], values["notes"]]


def camera_cells(name: str, sub: str, main: str = "", area: str = "烹饪区", enabled: str = "是",
                 connected: str = "否") -> list[object]:
    return [name, area, sub, main, enabled, connected]


NO_CAMERA = [None] * 6


def write_csv(path: Path, rows: list[list[object]], encoding: str) -> Path:
    with open(path, "w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows([["" if v is None else v for v in r] for r in rows])
    return path


def to_shared_strings(src: Path, dst: Path, prefix: str = "") -> Path:
    """Rewrite an openpyxl file the way Excel stores text: a shared-string table instead of inline
    strings (the first string gets a phonetic run, which is not part of the text). With `prefix`
    the sheet's elements are written with a namespace prefix (x:c, x:v …), as some tools do."""
    strings: list[str] = []
    index: dict[str, int] = {}

    def shared(m: re.Match) -> str:
        text = unescape(m.group(2))
        if text not in index:
            index[text] = len(strings)
            strings.append(text)
        return f'<c {m.group(1)}t="s"><v>{index[text]}</v></c>'

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                xml = re.sub(r'<c ([^>]*?)t="inlineStr"><is><t[^>]*>(.*?)</t></is></c>', shared, data.decode())
                if prefix:
                    xml = re.sub(r"<(/?)(?!\?)([A-Za-z]+)", rf"<\1{prefix}:\2", xml)
                    xml = xml.replace('xmlns="http://schemas', f'xmlns:{prefix}="http://schemas', 1)
                data = xml.encode()
            elif item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
            elif item.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdSS" Type="http://schemas.openxml'
                                    b'formats.org/officeDocument/2006/relationships/sharedStrings" '
                                    b'Target="sharedStrings.xml"/></Relationships>')
            zout.writestr(item, data)
        items = []
        for i, s in enumerate(strings):
            if i == 0:
                items.append(f"<si><r><t>{escape(s)}</t></r><rPh sb=\"0\" eb=\"1\"><t>PHONETIC</t></rPh></si>")
            else:
                items.append(f'<si><t xml:space="preserve">{escape(s)}</t></si>')
        zout.writestr("xl/sharedStrings.xml",
                      '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
                      f'spreadsheetml/2006/main" count="{len(strings)}" uniqueCount="{len(strings)}">'
                      + "".join(items) + "</sst>")
    return dst


def dump(engine) -> dict[str, list[tuple]]:
    """Every row of every table, for before/after comparisons; not the audit trail, which records
    every import and export (even one that changes nothing) by design."""
    out = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if table.name == "auditentry":
                continue
            pk = list(table.primary_key.columns)
            out[table.name] = [tuple(r) for r in conn.execute(select(table).order_by(*pk))]
    return out
