"""Identity, idempotence, duplicates and all-or-nothing: a rejected or broken file, a dry run and
a database failure leave every table exactly as it was."""

from __future__ import annotations

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from desktop.core.models import Street, Venue
from desktop.core.venue_io import ImportDefaults, SpreadsheetError, import_venues
from desktop.core.venue_io import importer as importer_module
from tests.actors import ADMIN
from tests.desktop.core.venue_io import sheets


def _sheet(path, rows, header=("街镇", "单位名称", "许可证号", "地址", "单位类型", "建设进度")):
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    wb.save(path)
    return path


BASE = [("莘庄镇", "莘庄镇中心小学食堂", "JY33101120001201", "莘松路218号", "学校食堂", "完成建设"),
        ("七宝镇", "七宝镇敬老院", "JY33101120001202", "七宝路1号", "养老机构食堂", "设备安装"),
        ("七宝镇", "老街面馆", None, "七宝老街12号", "小型餐饮", "前期准备")]


@pytest.fixture
def seeded(engine, tmp_path):
    """A database with three venues (one without licence) and a template camera."""
    report = import_venues(engine, _sheet(tmp_path / "base.xlsx", BASE), actor=ADMIN)
    assert report.committed and report.added == 3
    cam = sheets.template(tmp_path / "cam.xlsx", [
        sheets.venue_cells("莘庄镇中心小学食堂", "JY33101120001201", address="莘松路218号")
        + sheets.camera_cells("烹饪区", f"rtsp://admin:{sheets.SECRET}@10.1.2.3/sub")])
    assert import_venues(engine, cam, actor=ADMIN).committed
    return engine


def test_reimport_changes_nothing_not_even_updated_at(seeded, tmp_path):
    before = sheets.dump(seeded)
    for name in ("base.xlsx", "cam.xlsx"):
        report = import_venues(seeded, tmp_path / name, actor=ADMIN)
        assert report.committed and report.added == report.updated == report.errors == 0
        assert {r.action for r in report.rows} <= {"unchanged", "skipped"}
    assert sheets.dump(seeded) == before


def test_blank_cells_never_erase_and_a_new_name_is_reported(seeded, tmp_path):
    path = _sheet(tmp_path / "x.xlsx", [("", "莘庄镇中心小学(新校区)食堂", "JY33101120001201", None, None, None)])
    report = import_venues(seeded, path, actor=ADMIN)
    assert report.committed and report.updated == 1
    assert report.rows[0].changes == ("名称: 莘庄镇中心小学食堂 → 莘庄镇中心小学(新校区)食堂",)
    with seeded.connect() as conn:
        v = conn.execute(select(Venue.__table__).where(Venue.license_no == "JY33101120001201")).mappings().one()
    assert (v["address"], v["venue_type"], v["build_progress"], v["contact_phone"]) == \
        ("莘松路218号", "学校食堂", "完成建设", "021-64921001")


def test_venue_without_licence_is_matched_by_name_and_address_and_gets_the_licence(seeded, tmp_path):
    path = _sheet(tmp_path / "x.xlsx", [("七宝镇", "老街面馆", "JY33101120001299", "七宝老街 12 号", "", "视频对接")])
    report = import_venues(seeded, path, actor=ADMIN)
    assert report.committed and report.updated == 1 and report.added == 0
    assert report.rows[0].changes[0] == "许可证号: （空） → JY33101120001299"
    with seeded.connect() as conn:
        assert conn.execute(select(Venue.id).where(Venue.name == "老街面馆")).all().__len__() == 1


def test_duplicates_in_the_file(engine, tmp_path):
    rows = BASE[:2] + [BASE[0], ("莘庄镇", "莘庄镇中心小学食堂", "ＪＹ３３１０１１２０００１２０１", None, None, None)]
    report = import_venues(engine, _sheet(tmp_path / "x.xlsx", rows), actor=ADMIN)
    assert report.committed and report.added == 2
    assert [(r.row, r.action, r.reason) for r in report.rows[2:]] == [
        (4, "skipped", "与第2行重复"), (5, "skipped", "与第2行重复")]


def test_same_licence_for_two_different_units_rejects_the_file(seeded, tmp_path):
    before = sheets.dump(seeded)
    rows = [BASE[1], ("莘庄镇", "新开的面馆", "JY33101120009999", "莘东路1号", "小型餐饮", "前期准备"),
            ("", "另一家单位", "JY33101120001202", "", "", "")]
    report = import_venues(seeded, _sheet(tmp_path / "x.xlsx", rows), actor=ADMIN)
    assert not report.committed and report.errors == 1
    err = report.error_rows[0]
    assert err.row == 4 and err.reason == "许可证号 JY33101120001202 在第2行和第4行对应不同单位名称"
    assert "文件有错误" in report.summary()
    assert sheets.dump(seeded) == before


@pytest.mark.parametrize("row, message", [
    (("莘庄镇", "某餐厅", "JY33101120005555", "某路1号", "小型餐饮", "快好了"), "建设进度「快好了」无法识别"),
    (("莘庄镇", "某餐厅", "沪餐证字2015第001号", "某路1号", "小型餐饮", "完成"),
     "许可证号「沪餐证字2015第001号」格式不对"),
    (("莘庄镇", "某餐厅", "JY33101120005555", "某路1号", "洗浴中心", "完成"), "单位类型「洗浴中心」不在分类中"),
    (("莘庄镇", None, "JY33101120005555", "某路1号", "小型餐饮", "完成"), "单位名称为空"),
])
def test_a_row_error_rejects_the_whole_file_and_names_the_row(seeded, tmp_path, row, message):
    before = sheets.dump(seeded)
    good = ("浦江镇", "浦江食堂", "JY33101120007777", "浦江路1号", "机关食堂", "完成")
    report = import_venues(seeded, _sheet(tmp_path / "x.xlsx", [good, row]), actor=ADMIN)
    assert not report.committed and report.errors == 1 and report.added == 1
    assert report.error_rows[0].row == 3 and message in report.error_rows[0].reason
    assert sheets.dump(seeded) == before


def test_dry_run_plans_everything_and_writes_nothing(seeded, tmp_path):
    before = sheets.dump(seeded)
    rows = [("浦江镇", "浦江食堂", "JY33101120007777", "浦江路1号", "机关食堂", "完成"),
            ("七宝镇", "七宝镇敬老院", "JY33101120001202", "七宝路1号", "养老机构食堂", "完成建设")]
    report = import_venues(seeded, _sheet(tmp_path / "x.xlsx", rows), dry_run=True, actor=ADMIN)
    assert report.dry_run and not report.committed and report.ok
    assert (report.added, report.updated) == (1, 1) and "试运行" in report.summary()
    assert sheets.dump(seeded) == before


def test_defaults_fill_rows_without_street_or_type_but_never_overwrite(seeded, tmp_path):
    path = _sheet(tmp_path / "x.xlsx", [("新开面馆", "JY33101120008888"), ("七宝镇敬老院", "JY33101120001202")],
                  header=("单位名称", "许可证号"))
    report = import_venues(seeded, path, defaults=ImportDefaults(street="马桥镇", venue_type="小餐饮"), actor=ADMIN)
    assert report.committed and (report.added, report.unchanged) == (1, 1)
    with seeded.connect() as conn:
        streets = dict(conn.execute(select(Street.id, Street.name)).all())
        rows = {v.license_no: v for v in conn.execute(select(Venue.__table__))}
    assert streets[rows["JY33101120008888"].street_id] == "马桥镇" and rows["JY33101120008888"].venue_type == "小型餐饮"
    assert streets[rows["JY33101120001202"].street_id] == "七宝镇"
    with pytest.raises(ValueError, match="单位类型"):
        import_venues(seeded, path, defaults=ImportDefaults(venue_type="不存在的类型"), actor=ADMIN)


def test_ambiguous_name_without_licence_is_an_error(engine, tmp_path):
    two = [("七宝镇", "兰州拉面", None, "七宝路1号", "小型餐饮", "完成"),
           ("七宝镇", "兰州拉面", None, "七宝路9号", "小型餐饮", "完成")]
    assert import_venues(engine, _sheet(tmp_path / "a.xlsx", two), actor=ADMIN).added == 2
    path = _sheet(tmp_path / "b.xlsx", [("兰州拉面", "是")], header=("养老机构名称", "是否完成"))
    report = import_venues(engine, path, actor=ADMIN)
    assert not report.committed and "2 个已有单位同名" in report.error_rows[0].reason


@pytest.mark.parametrize("make, message", [
    (lambda p: _sheet(p, [("张三", 30, "某路")], header=("姓名", "年龄", "住址")), "没有找到可识别的表头"),
    (lambda p: _sheet(p, [(1, "某路", "JY33101120001201", "完成")], header=("序号", "地址", "许可证号", "建设进度")),
     "缺少「单位名称」"),
    (lambda p: p.write_bytes(bytes(range(256)) * 64), "不是有效的 .xlsx"),
    (lambda p: p.write_bytes(sheets.pudong_messy(p.with_name("ok.xlsx")).read_bytes()[:3000]), "不是有效的 .xlsx"),
])
def test_broken_files_raise_and_leave_the_database_alone(seeded, tmp_path, make, message):
    before = sheets.dump(seeded)
    path = tmp_path / "bad.xlsx"
    make(path)
    with pytest.raises(SpreadsheetError, match=message):
        import_venues(seeded, path, actor=ADMIN)
    assert sheets.dump(seeded) == before


def test_a_database_failure_midway_rolls_everything_back(seeded, tmp_path, monkeypatch):
    """Another console adds JY…7777 after our snapshot: our insert hits the unique constraint
    after the new street was already written; nothing of the file may remain."""
    before = sheets.dump(seeded)
    real = importer_module.load_existing

    def stale_snapshot(conn):
        ex = real(conn)
        ex.by_licence.pop("JY33101120001202")
        return ex

    monkeypatch.setattr(importer_module, "load_existing", stale_snapshot)
    rows = [("新街镇", "新开面馆", "JY33101120008888", "新路1号", "小型餐饮", "完成"),
            ("七宝镇", "七宝镇敬老院（重复）", "JY33101120001202", "别处", "养老机构食堂", "完成建设")]
    report = import_venues(seeded, _sheet(tmp_path / "x.xlsx", rows), actor=ADMIN)
    assert not report.committed and not report.ok
    assert report.failure.startswith("数据库写入失败，已全部回滚") and "唯一性冲突" in report.failure
    assert "未写入" in report.summary()
    assert sheets.dump(seeded) == before


def test_progress_is_throttled_and_never_called_inside_the_transaction(engine, tmp_path):
    rows = [("莘庄镇", f"餐厅{i}", f"JY331011200{i:05d}", f"路{i}号", "小型餐饮", "完成") for i in range(400)]
    calls = []

    def progress(done, total):
        assert engine.pool.checkedout() == 0  # no connection (so no lock) is held while the GUI is told
        calls.append((done, total))

    report = import_venues(engine, _sheet(tmp_path / "x.xlsx", rows), progress=progress, actor=ADMIN)
    assert report.committed and report.added == 400
    assert 10 <= len(calls) <= 52 and calls[0] == (0, 400) and calls[-1] == (400, 400)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_report_csv_lists_every_row(seeded, tmp_path):
    report = import_venues(seeded, sheets.pudong_messy(tmp_path / "p.xlsx"), actor=ADMIN)
    report.to_csv(tmp_path / "r.csv")
    text = (tmp_path / "r.csv").read_text(encoding="utf-8-sig")
    lines = text.splitlines()
    assert lines[0] == "工作表,行号,结果,单位名称,说明,变更"
    assert sum(1 for line in lines if line.startswith("附件3,")) == len(report.rows) == 9
    assert "附件3,10,跳过,,合计行," in text


def test_several_sheets_and_a_sheet_without_header(engine, tmp_path):
    wb = Workbook()
    info = wb.active
    info.title = "填表说明"
    info.append(["请按模板填写，建设进度请填写前期准备、设备安装、视频对接、完成建设"])
    for street, rows in (("莘庄镇", [("莘庄食堂", "JY33101120004001")]),
                         ("七宝镇", [("七宝食堂", "JY33101120004002"), ("莘庄食堂（改名）", "JY33101120004001")])):
        ws = wb.create_sheet(street)
        ws.append(["单位名称", "许可证号", "街镇"])
        for name, lic in rows:
            ws.append([name, lic, street])
    wb.save(tmp_path / "x.xlsx")
    report = import_venues(engine, tmp_path / "x.xlsx", actor=ADMIN)
    assert not report.committed and report.errors == 1
    assert report.error_rows[0].reason == \
        "许可证号 JY33101120004001 在工作表「莘庄镇」第2行和「七宝镇」第3行对应不同单位名称"
    assert report.notes[0] == "工作表「填表说明」没有可识别的表头，已忽略"
    assert [(r.sheet, r.row) for r in report.rows] == [("莘庄镇", 2), ("七宝镇", 2), ("七宝镇", 3)]


def test_nothing_to_change_says_so(seeded, tmp_path):
    report = import_venues(seeded, tmp_path / "base.xlsx", actor=ADMIN)
    assert report.committed and "无需改动" in report.summary()


def test_placeholder_cells_do_not_erase(seeded, tmp_path):
    path = _sheet(tmp_path / "x.xlsx", [("莘庄镇中心小学食堂", "JY33101120001201", "暂无", "/")],
                  header=("单位名称", "许可证号", "联系电话", "营业时间"))
    report = import_venues(seeded, path, actor=ADMIN)
    assert report.committed and report.unchanged == 1
    with seeded.connect() as conn:
        v = conn.execute(select(Venue.__table__).where(Venue.license_no == "JY33101120001201")).mappings().one()
    assert (v["contact_phone"], v["business_hours"]) == ("021-64921001", "06:00-18:00")
