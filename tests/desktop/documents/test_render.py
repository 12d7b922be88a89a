"""The printed case documents, checked as a reader would: the PDF's text through poppler's
pdftotext (real, extractable Chinese text, not pictures of it), and its pages rendered to PNG by
pdftoppm (not blank, the evidence pictures there and inside the margins)."""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import shutil
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest

from desktop.documents import case_loader, render
from desktop.documents.case_sheet import (
    EvidenceItem,
    TimelineEntry,
    cn_date,
    cn_datetime,
    notice_number,
    short_sha,
)
from tests.actors import cli_accounts
from tests.conftest import ROOT
from tests.desktop.documents import samples

PNG_DPI = 60
BODY_X_PX = (28 / 25.4 * PNG_DPI, 184 / 25.4 * PNG_DPI)  # the 公文 body's left and right edges


@pytest.fixture(autouse=True)
def _poppler(qapp):
    """The console's QApplication (pytest-qt) stands in for the CLI's QGuiApplication."""
    for tool in ("pdftotext", "pdftoppm", "pdfinfo"):
        assert shutil.which(tool), f"{tool} missing: install poppler-utils (installer/system-packages.sh)"


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    assert data.startswith(b"%PDF-"), data[:20]
    path = tmp_path / name
    path.write_bytes(data)
    return path


def pdf_text(pdf: Path, page: int | None = None) -> str:
    """The text poppler extracts, whitespace removed (lines wrap anywhere in Chinese)."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    out = subprocess.run(["pdftotext", *pages, str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return re.sub(r"\s+", "", out)


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def page_pngs(pdf: Path, out_dir: Path) -> list[np.ndarray]:
    out_dir.mkdir(exist_ok=True)
    subprocess.run(["pdftoppm", "-png", "-r", str(PNG_DPI), str(pdf), str(out_dir / "p")], check=True)
    files = sorted(out_dir.glob("p-*.png"), key=lambda p: int(p.stem.split("-")[1]))
    return [cv2.imread(str(f)) for f in files]


def assert_not_blank(pages: list[np.ndarray]) -> None:
    for i, img in enumerate(pages, start=1):
        grey = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
        assert img.shape[:2] == (round(297 / 25.4 * PNG_DPI), round(210 / 25.4 * PNG_DPI)), img.shape  # A4
        assert grey.std() > 8, f"page {i} is blank"
        assert (grey < 128).mean() > 0.003, f"page {i} has (almost) no ink"


def picture_boxes(pages: list[np.ndarray]) -> list[tuple[int, int, int, int, int]]:
    """(page, x, y, w, h) of every colourful region: the pages are black on white except the
    evidence pictures."""
    boxes = []
    for i, img in enumerate(pages, start=1):
        sat = cv2.cvtColor(img, cv2.COLOR_BGR2HSV)[..., 1]
        mask = cv2.dilate((sat > 70).astype(np.uint8), np.ones((7, 7), np.uint8))
        n, _, stats, _ = cv2.connectedComponentsWithStats(mask)
        boxes += [(i, *map(int, stats[k][:4])) for k in range(1, n) if stats[k][4] > 600]
    return boxes


# --- 案件登记表 ---------------------------------------------------------------------------------

def test_case_sheet_pdf_has_the_chinese_text_pictures_and_page_numbers(tmp_path):
    sheet = samples.case_sheet()
    pdf = _write(tmp_path, "sheet.pdf", render.case_sheet_pdf(sheet))
    text = pdf_text(pdf)
    pages = page_count(pdf)
    assert pages >= 2  # long facts and three pictures do not fit on one A4 page

    for s in ("案件登记表（现场检查记录）", samples.CASE_NUMBER, samples.VENUE, samples.STATION, samples.FACTS_SNIPPET,
              "JY23101120012345", "上海市闵行区莘庄镇莘松路958弄12号101室", "莘庄镇", "张海燕", "13812345678",
              "《中华人民共和国食品安全法》第一百二十六条", "待复核（黄牌）", "2026年3月12日",
              "检查人员（签名）", "被检查单位负责人（签名）", "日期",
              "执法人员已当场告知当事人依法享有的陈述、申辩权利"):
        assert s in text, s
    for n, item in enumerate(sheet.evidence, start=1):
        assert f"证据{n}：{item.caption}" in text
        assert f"拍摄时间：{cn_datetime(item.captured_at)}".replace(" ", "") in text
        assert f"SHA-256：{item.sha256[:16]}" in text
        assert item.camera in text
    assert f"原图SHA-256：{sheet.evidence[0].original_sha256[:16]}" in text  # the annotated picture's original
    for t in sheet.timeline:
        assert cn_datetime(t.at).replace(" ", "") in text
        assert t.comment in text
    assert "待处理→已推送整改" in text and "登记：待处理" in text
    for p in range(1, pages + 1):
        assert f"第{p}页共{pages}页" in text
        assert f"案件编号：{samples.CASE_NUMBER}" in pdf_text(pdf, p)
    # Each heading once: a line moved to the next page is not also drawn at the foot of the last.
    for heading in ("一、被检查单位及案件信息", "二、检查情况及违法事实", "三、证据材料（共3项）", "四、案件处理经过"):
        assert text.count(heading) == 1, heading

    images = page_pngs(pdf, tmp_path / "png")
    assert len(images) == pages
    assert_not_blank(images)
    boxes = picture_boxes(images)
    assert len(boxes) >= 3, boxes  # the three evidence pictures
    for page, x, _y, w, _h in boxes:  # inside the body: scaled into their cells, not overflowing
        assert BODY_X_PX[0] - 2 <= x and x + w <= BODY_X_PX[1] + 2, (page, x, w)
        assert w < (BODY_X_PX[1] - BODY_X_PX[0]) / 2, (page, x, w)  # two per row


def test_blocks_are_not_cut_by_a_page_break(tmp_path):
    """A heading stays with its first evidence row, each evidence row and the signature lines stay
    on one page; a time line longer than a page breaks between rows and repeats its head."""
    timeline = [TimelineEntry(datetime(2026, 3, 5, 9) + timedelta(hours=i), "整改中", "待复核", "李明",
                              f"第{i + 1}次复核记录") for i in range(45)]
    blocks = ("三、证据材料", "证据1：", "证据2：", "证据3：", "证据4：",
              "检查人员（签名）", "被检查单位负责人（签名）")
    for facts_repeat in (1, 2, 3):  # move the page breaks around
        sheet = dataclasses.replace(samples.case_sheet(evidence_count=4, facts=samples.FACTS * facts_repeat),
                                    timeline=timeline)
        pdf = _write(tmp_path, f"sheet{facts_repeat}.pdf", render.case_sheet_pdf(sheet))
        pages = [pdf_text(pdf, p) for p in range(1, page_count(pdf) + 1)]
        on = {s: [i for i, t in enumerate(pages) if s in t] for s in blocks}
        assert on["三、证据材料"] == on["证据1："], on
        assert on["证据1："] == on["证据2："] and on["证据3："] == on["证据4："], on
        assert on["检查人员（签名）"] == on["被检查单位负责人（签名）"], on
        whole = "".join(pages)
        assert all(f"第{i + 1}次复核记录" in whole for i in range(45))
        assert sum("序号" in t and "状态变更" in t for t in pages) >= 2  # the head on every page of the table
        assert_not_blank(page_pngs(pdf, tmp_path / f"png{facts_repeat}"))


def test_missing_or_altered_pictures_and_empty_lists_are_said_in_words(tmp_path):
    good, altered = samples.evidence(2)
    missing = EvidenceItem("现场照片", None, "库房（库房）", "ab" * 32, None, problem="文件缺失")
    altered = dataclasses.replace(altered, problem="内容被改动")
    pdf = _write(tmp_path, "sheet.pdf", render.case_sheet_pdf(
        dataclasses.replace(samples.case_sheet(), evidence=[good, missing, altered])))
    text = pdf_text(pdf)
    assert "（图片文件缺失）" in text and "校验：文件缺失" in text and "校验：内容被改动" in text
    assert_not_blank(page_pngs(pdf, tmp_path / "png"))

    empty = dataclasses.replace(samples.case_sheet(facts="现场检查发现垃圾桶未加盖。"), evidence=[], timeline=[],
                                deadline=None, escalation="")
    pdf = _write(tmp_path, "empty.pdf", render.case_sheet_pdf(empty))
    text = pdf_text(pdf)
    assert "三、证据材料（共0项）（无）" in text and "（无）" in text.split("四、案件处理经过")[1]
    assert "整改期限案件状态" in text  # a blank deadline is a blank cell, not "None"
    assert "None" not in text and page_count(pdf) == 1


# --- 责令改正通知书 ------------------------------------------------------------------------------

def test_notice_pdf_reads_like_the_form(tmp_path):
    notice = samples.notice()
    pdf = _write(tmp_path, "notice.pdf", render.notice_pdf(notice))
    text = pdf_text(pdf)
    for s in ("责令改正通知书", "闵市监明厨责改〔2026〕0001号", f"{samples.VENUE}：", f"经查，{samples.FACTS[:20]}",
              "你单位的上述行为违反了《中华人民共和国食品安全法》第三十三条第一款第（八）项的规定。",
              "依据《中华人民共和国食品安全法》第一百二十六条的规定，现责令你单位于2026年3月12日前改正上述违法行为。",
              "改正内容及要求：1.立即组织全体从业人员开展食品安全知识培训", "联系人：王建国", "联系电话：021-64921234",
              f"{samples.STATION}2026年3月5日", "当事人签收：", "签收日期：", "送达人：", "本文书一式两份"):
        assert s in text, s
    pages = page_count(pdf)
    assert f"第{pages}页共{pages}页" in text
    assert_not_blank(page_pngs(pdf, tmp_path / "png"))
    assert not picture_boxes(page_pngs(pdf, tmp_path / "png"))  # black on white

    short = dataclasses.replace(notice, facts="经查，你单位后厨从业人员未佩戴口罩。", deadline=None, violated="",
                                station_contact="", station_phone="")
    pdf = _write(tmp_path, "short.pdf", render.notice_pdf(short))
    text = pdf_text(pdf)
    assert "经查，你单位后厨从业人员未佩戴口罩。" in text and "经查，经查" not in text
    assert "现责令你单位立即改正上述违法行为。" in text
    assert "违反了" not in text and "联系人" not in text
    assert page_count(pdf) == 1 and "第1页共1页" in text


# --- printer, fonts, values ---------------------------------------------------------------------

def test_print_document_lays_out_like_the_pdf(tmp_path):
    from PySide6.QtPrintSupport import QPrinter

    sheet = samples.case_sheet()
    reference = _write(tmp_path, "ref.pdf", render.case_sheet_pdf(sheet))
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    render.print_document(sheet, printer)
    printed = tmp_path / "printed.pdf"
    assert page_count(printed) == page_count(reference)
    assert pdf_text(printed) == pdf_text(reference)
    assert_not_blank(page_pngs(printed, tmp_path / "png"))

    printer.setOutputFileName(str(tmp_path / "notice.pdf"))
    render.print_document(samples.notice(), printer)
    assert "责令改正通知书" in pdf_text(tmp_path / "notice.pdf")


def test_missing_cjk_font_is_a_clear_error(monkeypatch):
    render.cjk_family.cache_clear()
    monkeypatch.setattr(render.QFontDatabase, "families", staticmethod(lambda *a: ["DejaVu Sans", "DejaVu Serif"]))
    monkeypatch.setattr(render.QFontDatabase, "writingSystems", staticmethod(lambda *a: []))
    try:
        with pytest.raises(render.FontMissingError, match="fonts-wqy-microhei"):
            render.case_sheet_pdf(samples.case_sheet(evidence_count=0))
    finally:
        render.cjk_family.cache_clear()
    monkeypatch.undo()
    assert render.cjk_family() in render.CJK_FAMILIES


def test_values_format_as_printed():
    assert notice_number("闵市监明厨〔2026〕0001号") == "闵市监明厨责改〔2026〕0001号"
    assert cn_date(date(2026, 3, 5)) == "2026年3月5日" and cn_date(None) == ""
    assert cn_datetime(datetime(2026, 3, 5, 9, 7)) == "2026年3月5日 09:07"
    assert short_sha("A" * 64) == "a" * 16 + "…"
    sheet = samples.case_sheet()
    assert isinstance(sheet.evidence, tuple) and isinstance(sheet.timeline, tuple)  # lists frozen
    with pytest.raises(dataclasses.FrozenInstanceError):
        sheet.number = "x"  # type: ignore[misc]


def test_case_sheet_module_is_qt_free():
    code = ("import sys, desktop.documents.case_sheet, desktop.documents.case_loader, desktop.cli_print; "
            "assert not [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)


# --- main.py print-case ---------------------------------------------------------------------------

def _args(tmp_path: Path, notice: bool = True) -> argparse.Namespace:
    from desktop import cli_print

    parser = argparse.ArgumentParser()
    cli_print.add_parser(parser.add_subparsers(dest="command"))
    argv = ["print-case", "7", "--pdf", str(tmp_path / "out" / "case.pdf"), "--user", "head"]
    return parser.parse_args(argv + (["--notice", str(tmp_path / "out" / "notice.pdf")] if notice else []))


def test_print_case_command_writes_both_pdfs(tmp_path, monkeypatch, capsys):
    from desktop import cli_print

    monkeypatch.setenv("MINGCHU_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    (tmp_path / "data").mkdir()
    cli_accounts(tmp_path / "data")
    asked = []
    monkeypatch.setattr(case_loader, "load_case_sheet",
                        lambda case_id, **kw: asked.append((case_id, kw["actor"].username)) or samples.case_sheet())
    assert cli_print.run(_args(tmp_path)) == 0
    assert set(asked) == {(7, "head")}
    out = tmp_path / "out"
    assert sorted(p.name for p in out.iterdir()) == ["case.pdf", "notice.pdf"]  # no temporary files left
    assert samples.CASE_NUMBER in pdf_text(out / "case.pdf")
    notice = pdf_text(out / "notice.pdf")
    assert "责令改正通知书" in notice and "闵市监明厨责改〔2026〕0001号" in notice
    assert "case.pdf" in capsys.readouterr().out

    def missing(case_id, **kw):
        raise case_loader.CaseNotFoundError(case_id)

    monkeypatch.setattr(case_loader, "load_case_sheet", missing)
    before = (out / "case.pdf").read_bytes()
    assert cli_print.run(_args(tmp_path)) == 1
    assert (out / "case.pdf").read_bytes() == before  # the previous file is kept
    assert "案件不存在" in capsys.readouterr().err


def test_print_case_command_without_a_display_and_an_unknown_case(tmp_path, monkeypatch):
    """A fresh interpreter with no display and no Qt application: ensure_gui_app goes offscreen.
    A case the (empty) database does not hold: the command says so and exits 1, writing nothing."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("QT_QPA_PLATFORM", "DISPLAY", "WAYLAND_DISPLAY", "DATABASE_URL")}
    env["MINGCHU_DATA_DIR"] = str(tmp_path / "data")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    (tmp_path / "data").mkdir()
    cli_accounts(tmp_path / "data")
    code = f"""
import argparse, sys
from desktop import cli_print
from desktop.documents import case_loader
from tests.desktop.documents import samples
p = argparse.ArgumentParser(); cli_print.add_parser(p.add_subparsers(dest="command"))
args = p.parse_args(["print-case", "1", "--pdf", {str(tmp_path / "stub.pdf")!r}, "--user", "head"])
assert cli_print.run(args) == 1
case_loader.load_case_sheet = lambda case_id, **kw: samples.case_sheet()
args = p.parse_args(["print-case", "1", "--pdf", {str(tmp_path / "a.pdf")!r}, "--notice", {str(tmp_path / "b.pdf")!r},
                     "--user", "head"])
sys.exit(cli_print.run(args))
"""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert "案件不存在" in result.stderr
    assert not (tmp_path / "stub.pdf").exists()
    assert samples.VENUE in pdf_text(tmp_path / "a.pdf")
    assert "现责令你单位于2026年3月12日前改正" in pdf_text(tmp_path / "b.pdf")
