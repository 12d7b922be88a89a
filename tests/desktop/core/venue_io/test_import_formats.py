"""Each layout of the programme imported as it comes: Pudong 附件3, Ezhou's 养老机构统计表, our
template with cameras and credentials, and a generic sheet with other column names."""

from __future__ import annotations

from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from desktop.core.credentials import reveal_secret
from desktop.core.models import Camera, CameraCredential, Street, Venue
from desktop.core.venue_io import ImportDefaults, import_venues
from tests.actors import ADMIN
from tests.desktop.core.venue_io import sheets

pytestmark = pytest.mark.usefixtures("data_dir")  # the passwords' key goes to a private data directory


def venues(engine) -> dict[str, dict]:
    with engine.connect() as conn:
        streets = dict(conn.execute(select(Street.id, Street.name)).all())
        out = {}
        for v in conn.execute(select(Venue.__table__)).mappings():
            out[v["license_no"] or v["name"]] = dict(v) | {"street": streets.get(v["street_id"], "")}
        return out


def test_pudong_messy_sheet(engine, tmp_path):
    report = import_venues(engine, sheets.pudong_messy(tmp_path / "附件3.xlsx"), actor=ADMIN)
    assert report.committed and report.ok and report.format == "pudong"
    assert (report.added, report.skipped, report.errors) == (5, 4, 0)
    got = venues(engine)
    for lic, (name, address, progress, month) in sheets.PUDONG_EXPECTED.items():
        v = got[lic]
        assert (v["name"], v["address"], v["build_progress"], v["expected_completion"]) == (name, address, progress,
                                                                                            month), lic
    skipped = {r.row: r.reason for r in report.rows if r.action == "skipped"}
    assert skipped == {6: "空行", 10: "合计行", 11: "说明或落款行", 12: "说明或落款行"}
    row9 = next(r for r in report.rows if r.row == 9)
    assert "未写年份" in row9.reason and "2023-11" in row9.reason
    assert any("最常见的年份 2023" in n for n in report.notes)
    assert any("第3行" in n and "浦东示范店" in n for n in report.notes)


def test_month_without_year_and_no_other_dates_uses_the_next_such_month(engine, tmp_path):
    wb = Workbook()
    wb.active.append(["单位名称", "许可证号", "预计完成时间"])
    wb.active.append(["小杨生煎", "JY33101150001205", "3月"])
    wb.save(tmp_path / "x.xlsx")
    report = import_venues(engine, tmp_path / "x.xlsx", today=date(2023, 10, 1), actor=ADMIN)
    assert venues(engine)["JY33101150001205"]["expected_completion"] == "2024-03"
    assert "今天（2023-10-01）起最近" in report.notes[-1]


def test_pudong_two_row_header(engine, tmp_path):
    report = import_venues(engine, sheets.pudong_two_row_header(tmp_path / "p.xlsx", merge_down=False), actor=ADMIN)
    assert report.committed and report.added == 2
    got = venues(engine)
    assert got["JY33101150009901"]["build_progress"] == "设备安装"
    assert got["JY33101150009901"]["expected_completion"] == "2024-03"
    assert got["JY33101150009902"]["build_progress"] == "视频对接"
    assert got["JY33101150009902"]["expected_completion"] == "2024-04"


def test_ezhou_sheet_with_defaults_then_matched_by_name(engine, tmp_path):
    path = sheets.ezhou(tmp_path / "养老机构.xlsx")
    report = import_venues(engine, path, defaults=ImportDefaults(street="鄂城区"), actor=ADMIN)
    assert report.committed and report.format == "ezhou" and report.added == 3 and report.skipped == 1
    got = venues(engine)
    home = got["鄂城区社会福利院"]
    assert home["venue_type"] == "养老机构食堂" and home["build_progress"] == "完成建设" and home["platform_connected"]
    assert home["contact_person"] == "刘芳" and home["contact_phone"] == "13971100011" and home["street"] == "鄂城区"
    assert home["license_no"] is None
    assert got["华容区颐养中心"]["contact_phone"] == "13971100022" and not got["华容区颐养中心"]["platform_connected"]
    assert got["梁子湖区敬老院"]["build_progress"] == "前期准备"

    again = import_venues(engine, path, actor=ADMIN)  # no address, no licence: matched by name alone
    assert again.committed and (again.added, again.updated, again.unchanged) == (0, 0, 3)

    wb = Workbook()
    ws = wb.active
    ws.append(["序号", "养老机构名称", "负责人", "联系电话", "“互联网+明厨亮灶”是否完成", "是否接入全省智慧监管平台"])
    ws.append([1, "鄂城区社会福利院", "刘芳", "13971100011", "否", "是"])  # 否 keeps 完成建设
    ws.append([2, "梁子湖区敬老院", "王强", "0711-3210033", "已完成", "√"])
    wb.save(tmp_path / "later.xlsx")
    later = import_venues(engine, tmp_path / "later.xlsx", actor=ADMIN)
    assert (later.updated, later.unchanged) == (1, 1)
    assert later.rows[1].changes == ("建设进度: 前期准备 → 完成建设", "是否接入平台: 否 → 是")
    got = venues(engine)
    assert got["鄂城区社会福利院"]["build_progress"] == "完成建设"
    assert got["梁子湖区敬老院"]["platform_connected"] and len(got) == 3


def _template_rows():
    a = sheets.venue_cells("莘庄镇中心小学食堂", "JY33101120001201")
    b = sheets.venue_cells("七宝镇敬老院", "JY33101120001202", street="七宝镇", venue_type="养老院")
    return [
        a + sheets.camera_cells("烹饪区", f"rtsp://admin:{sheets.SECRET}@10.1.2.3:554/ch1/sub",
                                f"rtsp://admin:{sheets.SECRET}@10.1.2.3:554/ch1/main") + [None, None],
        a + sheets.camera_cells("专间", "rtsp://10.1.2.4/ch1/sub", area="专间") + ["viewer", sheets.SECRET],
        b + sheets.NO_CAMERA + [None, None],
    ]


def _cameras(engine):
    with engine.connect() as conn:
        cams = {c.name: c for c in conn.execute(select(Camera.__table__))}
        rows = list(conn.execute(select(CameraCredential.__table__)))
    assert all(c.secret_format == "fernet-v1" and sheets.SECRET not in c.secret for c in rows)  # encrypted at rest
    creds = {c.camera_id: (c.username, reveal_secret(c.secret, c.secret_format)) for c in rows}
    return cams, creds


def test_template_with_cameras_and_credentials(engine, tmp_path):
    path = sheets.template(tmp_path / "t.xlsx", _template_rows(), extra=("用户名", "密码"))
    report = import_venues(engine, path, actor=ADMIN)
    assert report.committed and report.format == "template"
    assert (report.venues_added, report.cameras_added, report.credentials_stored) == (2, 2, 2)
    assert report.rows[0].changes == ("新增摄像头「烹饪区」（含用户名/密码）",)
    cams, creds = _cameras(engine)
    assert cams["烹饪区"].sub_url == "rtsp://10.1.2.3:554/ch1/sub"
    assert cams["烹饪区"].main_url == "rtsp://10.1.2.3:554/ch1/main"
    assert creds[cams["烹饪区"].id] == ("admin", sheets.SECRET) and creds[cams["专间"].id] == ("viewer", sheets.SECRET)
    assert cams["专间"].area == "专间" and cams["专间"].enabled and not cams["专间"].platform_connected
    got = venues(engine)
    assert got["JY33101120001202"]["venue_type"] == "养老机构食堂" and got["JY33101120001202"]["street"] == "七宝镇"
    assert sheets.SECRET not in repr(report)

    # blank credential cells and clean URLs keep what is stored
    rows = _template_rows()
    rows[0][15:17] = ["rtsp://10.1.2.3:554/ch1/sub", "rtsp://10.1.2.3:554/ch1/main"]
    rows[1][-2:] = [None, None]
    again = import_venues(engine, sheets.template(tmp_path / "t2.xlsx", rows, extra=("用户名", "密码")), actor=ADMIN)
    assert again.committed and (again.added, again.updated) == (0, 0)
    assert _cameras(engine)[1] == creds

    # a new password only: stored, reported without the value
    rows[1][-2:] = [None, "n3w-secret"]
    changed = import_venues(engine, sheets.template(tmp_path / "t3.xlsx", rows, extra=("用户名", "密码")), actor=ADMIN)
    assert changed.updated == 1 and changed.rows[1].changes == ("摄像头「专间」用户名/密码已更新",)
    cams, creds = _cameras(engine)
    assert creds[cams["专间"].id] == ("viewer", "n3w-secret")
    assert "n3w-secret" not in repr(changed)


def test_generic_sheet_with_other_column_names(engine, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["所属街镇", "餐饮单位名称", "食品经营许可证号", "经营地址", "业态", "联系人", "手机", "已对接平台"])
    ws.append(["梅陇镇", "梅陇食府", "JY33101120003001", "梅陇路1号", "中型餐饮服务", "李四", "13800000001", "Y"])
    wb.save(tmp_path / "g.xlsx")
    report = import_venues(engine, tmp_path / "g.xlsx", actor=ADMIN)
    assert report.committed and report.format == "generic"
    v = venues(engine)["JY33101120003001"]
    assert (v["street"], v["name"], v["venue_type"], v["contact_person"], v["contact_phone"], v["platform_connected"]) \
        == ("梅陇镇", "梅陇食府", "中型餐饮", "李四", "13800000001", True)
    assert v["build_progress"] == "前期准备"


def test_csv_in_gbk_and_utf8_bom(engine, tmp_path):
    header = ["序号", "单位名称", "地址", "许可证号", "建设进度", "预计完成 时间"]
    wide_licence = "ＪＹ３３１０１１５０００１２０２"
    rows = [header, ["1", "老盛昌（川沙店）", "川沙路5558号", wide_licence, "完成", "2023年9月底"]]
    first = import_venues(engine, sheets.write_csv(tmp_path / "gbk.csv", rows, "gbk"), actor=ADMIN)
    assert first.committed and first.added == 1
    second = import_venues(engine, sheets.write_csv(tmp_path / "bom.csv", rows, "utf-8-sig"), actor=ADMIN)
    assert second.committed and second.unchanged == 1
    v = venues(engine)["JY33101150001202"]
    assert (v["name"], v["expected_completion"], v["build_progress"]) == ("老盛昌（川沙店）", "2023-09", "完成建设")
