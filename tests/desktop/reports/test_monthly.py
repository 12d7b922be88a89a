"""The monthly report (监管工作月报) on a small generated data set in a real database: the data
part against hand-computed figures, the Excel file read back with openpyxl, the PDF read back
with poppler (pdftotext for its text, pdftoppm for its pages: not blank, charts drawn), and
`main.py report monthly` end to end."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import cv2
import numpy as np
import pytest
from openpyxl import load_workbook
from sqlmodel import Session

from desktop.core.access import PermissionDenied
from desktop.core.case_settings import set_station_name
from desktop.core.db import make_engine, migrate
from desktop.core.models import Alert, CameraStatusEvent, Case, CaseEvent
from desktop.core.registry import CameraInput, VenueInput, list_streets, save_camera, save_venue
from desktop.reports.monthly import (
    PROGRESS_HEADER,
    SEED_VENUE_COLUMNS,
    VENUE_HEADER,
    build_monthly_report,
    parse_month,
    venue_rows,
)
from tests.actors import ADMIN, DUTY, cli_accounts, person
from tests.conftest import ROOT

MONTH = date(2026, 10, 1)
STATION = "闵行区市场监督管理局七宝市场监督管理所"


def _utc(day: int, hour: int = 4, month: int = 10) -> datetime:
    """Noon in Shanghai on `day` of the month (04:00 UTC): no day-boundary doubt."""
    return datetime(2026, month, day, hour, tzinfo=UTC)


def _venue(engine, name, street, progress, connected=False, cameras=(), **kw) -> tuple[int, list[int]]:
    vid = save_venue(engine, VenueInput(name=name, street=street, build_progress=progress,
                                        platform_connected=connected, **kw), actor=ADMIN)
    cams = []
    for i, (installed, cam_connected) in enumerate(cameras):
        cams.append(save_camera(engine, CameraInput(vid, f"{name}摄像头{i + 1}", f"rtsp://10.0.{vid}.{i}/sub",
                                                    installed=installed, platform_connected=cam_connected),
                                actor=ADMIN))
    return vid, cams


def populate(engine) -> dict:
    """5 venues in 莘庄镇 (3), 七宝镇 (1) and none; 5 cameras; October: 5 alerts, 2 cases
    (one closed, one overdue), one camera offline for 24 hours."""
    set_station_name(engine, STATION, actor=ADMIN)
    a, cams_a = _venue(engine, "老上海本帮菜馆", "莘庄镇", "完成建设", True, [(True, True), (True, True)],
                       license_no="JY13101120000001", address="莘庄镇莘松路100号", venue_type="大型餐饮",
                       contact_person="张伟", contact_phone="13800000001", expected_completion="2026-09")
    b, cams_b = _venue(engine, "莘庄中学食堂", "莘庄镇", "视频对接", False, [(True, False)],
                       address="莘庄镇沁春路8号", venue_type="学校食堂")
    _venue(engine, "阳光养老院食堂", "莘庄镇", "前期准备", venue_type="养老机构食堂")
    d, cams_d = _venue(engine, "七宝老街面馆", "七宝镇", "设备安装", False, [(False, False), (True, False)],
                       address="七宝镇青年路1号")
    _venue(engine, "无街镇小吃店", "", "完成建设", True, [])
    cams = cams_a + cams_b + cams_d
    with Session(engine) as s:
        def alert(cam, category, when, state):
            s.add(Alert(camera_id=cam, category=category, started_at=when, at=when, review_state=state))

        alert(cams_a[0], "未戴口罩", _utc(3), "已确认")
        alert(cams_a[1], "未戴口罩", _utc(3, 5), "已确认")
        alert(cams_b[0], "未戴口罩", _utc(5), "误报")
        alert(cams_d[1], "鼠患", _utc(5, 6), "已确认")
        alert(cams_d[1], "鼠患", _utc(5, 7), "待复核")
        alert(cams_a[0], "吸烟", _utc(2, month=11), "已确认")  # other months: not counted
        alert(cams_a[0], "吸烟", datetime(2026, 9, 30, 4, tzinfo=UTC), "已确认")
        closed = Case(number="闵市监明厨〔2026〕0001号", uuid=uuid.uuid4().hex, venue_id=a, category="未戴口罩",
                      state="已办结", created_at=_utc(3, 8), closed_at=_utc(10), deadline=date(2026, 10, 15))
        open_ = Case(number="闵市监明厨〔2026〕0002号", uuid=uuid.uuid4().hex, venue_id=d, category="鼠患",
                     state="已推送整改", created_at=_utc(5, 8), deadline=date(2026, 10, 20))
        s.add(closed)
        s.add(open_)
        s.flush()
        for case, day in ((closed, 4), (open_, 6)):
            s.add(CaseEvent(uuid=uuid.uuid4().hex, case_id=case.id, from_state="待处理", to_state="已推送整改",
                            at=_utc(day)))
        # one of the five cameras offline from the 10th noon to the 11th noon (local)
        s.add(CameraStatusEvent(camera_id=cams[0], at=_utc(10), online=False, reason="连接超时"))
        s.add(CameraStatusEvent(camera_id=cams[0], at=_utc(11), online=True))
        s.commit()
    return {"cameras": len(cams)}


# hand-computed figures of populate()
STREETS = ["莘庄镇", "七宝镇", "未分配街镇"]
VENUES = {"莘庄镇": 3, "七宝镇": 1, "未分配街镇": 1}
VIDEO_INSTALLED = {"莘庄镇": 2, "七宝镇": 0, "未分配街镇": 1}  # 视频对接 or 完成建设
CONNECTED = {"莘庄镇": 1, "七宝镇": 0, "未分配街镇": 1}
CAMERAS = {"莘庄镇": 3, "七宝镇": 2, "未分配街镇": 0}
ONLINE_RATE = 1 - 86400 / (5 * 31 * 86400)  # 99.4 %


@pytest.fixture
def sqlite_engine(tmp_path):
    eng = make_engine(f"sqlite:///{tmp_path / 'console.db'}")
    migrate(eng)
    populate(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def report(sqlite_engine):
    return build_monthly_report(sqlite_engine, MONTH, actor=ADMIN)


def test_parse_month():
    assert parse_month("2026-11") == date(2026, 11, 1)
    assert parse_month("2026年1月") == date(2026, 1, 1)
    for bad in ("2026-13", "11-2026", "", "2026-1-5"):
        with pytest.raises(ValueError):
            parse_month(bad)


def test_venue_rows_in_the_seed_column_order(engine):
    """SQLite and PostgreSQL: one row per venue, ordered by 街镇 then name, cameras counted."""
    populate(engine)
    seed = ("序号", "单位名称", "地址", "许可证号", "建设进度", "预计完成时间")  # Pudong 附件3
    assert VENUE_HEADER[:6] == SEED_VENUE_COLUMNS == seed
    rows = venue_rows(engine, actor=ADMIN)
    assert [r.street for r in rows] == ["莘庄镇"] * 3 + ["七宝镇", "未分配街镇"]  # 街镇 in their order
    # then by name (in the database's collation)
    assert {r.name for r in rows[:3]} == {"老上海本帮菜馆", "莘庄中学食堂", "阳光养老院食堂"}
    by = {r.name: r for r in rows}
    assert [r.serial for r in rows] == [1, 2, 3, 4, 5]
    assert by["老上海本帮菜馆"].cells()[1:] == ("老上海本帮菜馆", "莘庄镇莘松路100号", "JY13101120000001", "完成建设",
                                             "2026-09", "莘庄镇", "大型餐饮", "张伟", "13800000001", 2, 2, 2, "是")
    qb = by["七宝老街面馆"]
    assert (qb.cameras, qb.cameras_installed, qb.cameras_connected) == (2, 1, 0)
    assert by["阳光养老院食堂"].cameras == 0 and by["无街镇小吃店"].platform_connected


def test_report_figures_match_hand_counts(report):
    s = report.summary
    assert report.station == STATION and report.title == "2026年10月 明厨亮灶监管工作月报"
    assert s.alerts_total == 5
    assert s.alerts_by_category == [("未戴口罩", 3), ("鼠患", 2)]
    assert dict(s.alerts_by_street) == {"莘庄镇": 3, "七宝镇": 2}
    assert (s.cases_opened, s.cases_closed, s.overdue_cases) == (2, 1, 1)
    assert s.rectification_rate == pytest.approx(0.5)
    assert s.camera_online_rate == pytest.approx(ONLINE_RATE, abs=1e-6)
    assert {r.category: (r.confirmed, r.false_alarm, r.pending) for r in s.review} == {
        "未戴口罩": (2, 1, 0), "鼠患": (1, 0, 1)}
    assert sorted(report.alerts_per_day) == [(date(2026, 10, 3), "未戴口罩", 2), (date(2026, 10, 5), "未戴口罩", 1),
                                             (date(2026, 10, 5), "鼠患", 2)]
    rates = dict(report.online_per_day)
    assert len(rates) == 31 and rates[date(2026, 10, 10)] == pytest.approx(0.9)
    rows = report.progress_rows()
    assert [r[1] for r in rows] == [*STREETS, "合计"]
    assert rows[-1][2] == sum(VENUES.values()) == 5


def test_a_head_of_one_street_gets_that_streets_report(sqlite_engine):
    """Issue 7: every part of the report (summary, charts, progress, venues) covers only the
    actor's streets; a 值班员 gets none."""
    qibao = next(s.id for s in list_streets(sqlite_engine, actor=ADMIN) if s.name == "七宝镇")
    report = build_monthly_report(sqlite_engine, MONTH, actor=person("七宝科长", streets=[qibao]))
    s = report.summary
    assert (s.alerts_total, s.alerts_by_category, s.alerts_by_street) == (2, [("鼠患", 2)], [("七宝镇", 2)])
    assert (s.cases_opened, s.cases_closed, s.overdue_cases) == (1, 0, 1)
    assert s.rectification_rate == 0.0  # its one case under rectification is not closed
    assert s.camera_online_rate == pytest.approx(1.0)  # the offline camera is 莘庄镇's
    assert {r.category: (r.confirmed, r.false_alarm, r.pending) for r in s.review} == {"鼠患": (1, 0, 1)}
    assert report.alerts_per_day == ((date(2026, 10, 5), "鼠患", 2),)
    assert len(report.online_per_day) == 31 and {r for _d, r in report.online_per_day} == {1.0}
    assert [r[1] for r in report.progress_rows()] == ["七宝镇", "合计"]
    assert [v.name for v in report.venues] == ["七宝老街面馆"]
    with pytest.raises(PermissionDenied):
        build_monthly_report(sqlite_engine, MONTH, actor=DUTY)


def _header_row(ws, first: str) -> int:
    return next(r for r in range(1, 10) if ws.cell(r, 1).value == first)


def test_xlsx_read_back(report, tmp_path):
    from desktop.reports.monthly_xlsx import SHEETS, text_width, write_monthly_xlsx

    path = write_monthly_xlsx(report, tmp_path / "out" / "月报.xlsx")
    assert not list(path.parent.glob("*.part"))  # written atomically, no temp file left
    wb = load_workbook(path)
    assert wb.sheetnames == list(SHEETS) == ["进度报表", "统计表", "监管月报"]

    ws = wb["进度报表"]
    assert "建设进度报表" in ws["A1"].value and STATION in ws["A2"].value
    h = _header_row(ws, "序号")
    header = [c.value for c in ws[h]]
    assert header == list(PROGRESS_HEADER)
    for label in ("选点完成数量（户）", "视频安装完成数量（户）", "视频对接第三方平台数量（户）"):
        assert label in header
    assert ws.cell(h, 1).font.b and ws.cell(h, 1).fill.fgColor.rgb.endswith("D9E1F2")
    assert ws.cell(h, 1).border.bottom.style == "thin"
    assert ws.freeze_panes == f"C{h + 1}"
    col = {label: i + 1 for i, label in enumerate(header)}
    body = {ws.cell(r, 2).value: r for r in range(h + 1, h + 5)}
    assert list(body) == [*STREETS, "合计"]
    total = body["合计"]
    for label, per_street in (("选点完成数量（户）", VENUES), ("视频安装完成数量（户）", VIDEO_INSTALLED),
                              ("视频对接第三方平台数量（户）", CONNECTED), ("摄像头（路）", CAMERAS)):
        for street, n in per_street.items():
            assert ws.cell(body[street], col[label]).value == n, (street, label)
        assert ws.cell(total, col[label]).value == sum(per_street.values()), label
    assert ws.cell(total, col["完成建设"]).value == 2 and ws.cell(total, 2).font.b
    for letter in "ABCDEFGHIJKL":  # every column has a width, at least its widest value
        assert ws.column_dimensions[letter].width >= 6
    assert ws.column_dimensions["B"].width >= text_width("未分配街镇") + 2

    ws = wb["统计表"]
    h = _header_row(ws, "序号")
    assert [c.value for c in ws[h]] == list(VENUE_HEADER)
    assert ws.freeze_panes == f"C{h + 1}"
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=h + 1, max_row=ws.max_row)]
    assert len(rows) == 5 and [r[0] for r in rows] == [1, 2, 3, 4, 5]
    first = next(r for r in rows if r[1] == "老上海本帮菜馆")
    assert first[1:] == ["老上海本帮菜馆", "莘庄镇莘松路100号", "JY13101120000001", "完成建设", "2026-09", "莘庄镇",
                         "大型餐饮", "张伟", "13800000001", 2, 2, 2, "是"]
    assert sum(r[10] for r in rows) == sum(CAMERAS.values())
    assert ws.cell(h + 5, 2).border.left.style == "thin"  # the spliced rows keep the body style
    assert ws.column_dimensions["B"].width >= text_width("老上海本帮菜馆") + 2
    assert ws.column_dimensions["C"].width >= text_width("莘庄镇莘松路100号") + 2

    ws = wb["监管月报"]
    assert ws["A1"].value == "2026年10月 明厨亮灶监管工作月报"
    values = {ws.cell(r, 1).value: ws.cell(r, 2) for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value}
    assert values["告警总数（条）"].value == 5
    assert values["新立案件（件）"].value == 2 and values["办结案件（件）"].value == 1
    assert values["逾期未办结案件（件）"].value == 1
    assert values["整改率"].value == pytest.approx(0.5) and values["整改率"].number_format == "0.0%"
    assert values["摄像头在线率"].value == pytest.approx(ONLINE_RATE, abs=1e-6)
    assert values["摄像头在线率"].number_format == "0.0%"
    assert values["未戴口罩"].value in (3, 2)  # the category table (and the review table below it)
    cats = [(ws.cell(r, 1).value, ws.cell(r, 2).value) for r in range(1, ws.max_row + 1)]
    start = cats.index(("告警类别", "告警数（条）"))
    assert cats[start + 1:start + 4] == [("未戴口罩", 3), ("鼠患", 2), ("合计", 5)]
    review_head = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 5).value == "准确率")
    assert [c.value for c in ws[review_head + 1]][:4] == ["未戴口罩", 2, 1, 0]
    assert ws.cell(review_head + 1, 5).value == pytest.approx(2 / 3)
    assert ws.freeze_panes is not None


def _pdftotext(pdf: Path, *args: str) -> str:
    return subprocess.run(["pdftotext", *args, str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def _pages(pdf: Path, out: Path, dpi: int = 50) -> list[np.ndarray]:
    out.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(pdf), str(out / "p")], check=True)
    return [cv2.imread(str(p)) for p in sorted(out.glob("p-*.png"), key=lambda p: int(p.stem.split("-")[1]))]


def _colour_pixels(img: np.ndarray, hex_colour: str, tol: int = 40) -> int:
    rgb = [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]
    bgr = np.array(rgb[::-1], dtype=np.int16)
    return int((np.abs(img.astype(np.int16) - bgr).max(axis=2) < tol).sum())


@pytest.fixture
def poppler(qapp):
    for tool in ("pdftotext", "pdftoppm"):
        assert shutil.which(tool), f"{tool} missing: install poppler-utils (installer/system-packages.sh)"


def test_pdf_text_pages_and_charts(report, tmp_path, poppler):
    from desktop.reports.monthly_pdf import PALETTE, SECTIONS, write_monthly_pdf

    pdf = write_monthly_pdf(report, tmp_path / "月报.pdf")
    text = _pdftotext(pdf, "-raw")  # content order: a wrapped header cell stays together
    flat = re.sub(r"\s+", "", text)
    assert "2026年10月明厨亮灶监管工作月报" in flat and STATION in flat
    for section in SECTIONS:
        assert section in flat, section
    assert "统计期间：2026年10月1日至2026年10月31日" in flat
    layout = re.sub(r"\s+", "", _pdftotext(pdf, "-layout"))  # the key figures sit two pairs a row
    for figure in ("告警总数（条）5", "新立案件（件）2", "办结案件（件）1", "整改率50.0%", "逾期未办结案件（件）1",
                   f"摄像头在线率{ONLINE_RATE * 100:.1f}%"):
        assert figure in layout, figure
    for name in ("老上海本帮菜馆", "JY13101120000001", "七宝老街面馆", "无街镇小吃店", "选点完成数量（户）",
                 "视频对接第三方平台数量（户）", "未戴口罩", "鼠患", "66.7%"):
        assert name in flat, name
    n = int(re.search(r"共(\d+)页", flat).group(1))
    assert n >= 3 and f"第{n}页共{n}页" in flat
    assert "\u2f00" not in text and "\ufffd" not in text  # no Kangxi radicals or replacement boxes

    pages = _pages(pdf, tmp_path / "png")
    assert len(pages) == n
    for i, img in enumerate(pages):
        dark = int((img.min(axis=2) < 128).sum())
        assert dark > 500, f"page {i + 1} looks blank"
    # The charts: the first category's colour (bars of the per-day and per-category charts, the
    # online-rate line) on the first pages, in an area charts alone would fill.
    first = sum(_colour_pixels(img, PALETTE[0]) for img in pages[:3])
    second = sum(_colour_pixels(img, PALETTE[1]) for img in pages[:3])
    assert first > 150 and second > 40, (first, second)
    # landscape pages for the wide tables
    assert pages[-1].shape[1] > pages[-1].shape[0] and pages[0].shape[0] > pages[0].shape[1]


def test_pdf_of_an_empty_month(sqlite_engine, tmp_path, poppler):
    from desktop.reports.monthly_pdf import monthly_pdf_bytes

    empty = build_monthly_report(sqlite_engine, date(2026, 8, 1), actor=ADMIN)
    assert empty.summary.alerts_total == 0
    pdf = tmp_path / "empty.pdf"
    pdf.write_bytes(monthly_pdf_bytes(empty))
    flat = re.sub(r"\s+", "", _pdftotext(pdf))
    assert "2026年8月明厨亮灶监管工作月报" in flat
    layout = re.sub(r"\s+", "", _pdftotext(pdf, "-layout"))
    assert "告警总数（条）0" in layout and "整改率—" in layout


def _cli(*args: str, env: dict, user: str = "head") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), "report", "monthly", *args, "--user", user],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=180)


def test_cli_end_to_end(data_dir, tmp_path, poppler):
    from desktop.core.db import database_url

    data_dir.mkdir(parents=True, exist_ok=True)
    eng = make_engine(database_url(data_dir))
    migrate(eng)
    populate(eng)
    eng.dispose()
    cli_accounts(data_dir)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    refused = _cli("--month", "2026-10", "--xlsx", str(tmp_path / "x.xlsx"), env=env, user="duty")
    assert refused.returncode == 3 and "无权导出报表" in refused.stderr and not (tmp_path / "x.xlsx").exists()
    xlsx, pdf = tmp_path / "r" / "2026-10.xlsx", tmp_path / "r" / "2026-10.pdf"
    done = _cli("--month", "2026-10", "--xlsx", str(xlsx), "--pdf", str(pdf), env=env)
    assert done.returncode == 0, done.stderr
    assert "2026年10月 明厨亮灶监管工作月报" in done.stdout and str(xlsx) in done.stdout and str(pdf) in done.stdout
    assert load_workbook(xlsx)["进度报表"]["A1"].value.startswith("2026年10月")
    assert "告警总数（条）5" in re.sub(r"\s+", "", _pdftotext(pdf))

    only_pdf = tmp_path / "only.pdf"
    assert _cli("--month", "2026-10", "--pdf", str(only_pdf), env=env).returncode == 0 and only_pdf.exists()

    for args, message in ((["--month", "2026-10"], "--xlsx"), (["--month", "2026-13", "--pdf", str(pdf)], "YYYY-MM"),
                          (["--month", "2026-10", "--xlsx", str(tmp_path / "x.csv")], ".xlsx")):
        bad = _cli(*args, env=env)
        assert bad.returncode == 2 and message in bad.stderr, (args, bad.stderr)
    blocked = tmp_path / "file"
    blocked.write_text("")
    bad = _cli("--month", "2026-10", "--xlsx", str(blocked / "x.xlsx"), env=env)  # a file where a folder should be
    assert bad.returncode == 2 and "无法写入" in bad.stderr
