"""A realistic case for the document tests: Chinese everywhere, long facts, three pictures."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

import cv2
import numpy as np

from desktop.documents.case_sheet import CaseSheet, EvidenceItem, TimelineEntry, notice_from_case

CASE_NUMBER = "闵市监明厨〔2026〕0001号"
VENUE = "老上海本帮菜馆（莘庄店）"
STATION = "闵行区市场监督管理局莘庄市场监督管理所"
FACTS_SNIPPET = "后厨烹饪区一名从业人员未佩戴口罩"
# Long enough to fill most of a page: the facts cell must wrap and may cross a page break.
FACTS = (
    "2026年3月5日11时20分，执法人员通过“互联网+明厨亮灶”监管平台巡查发现，当事人"
    f"{FACTS_SNIPPET}从事凉菜装盘作业，另一名从业人员在加工制作区吸烟，垃圾桶未加盖。"
    "执法人员于当日14时到场检查，现场情况与视频记录一致。\n"
    + "当事人负责人对上述事实无异议，表示将立即组织从业人员开展食品安全知识培训，"
      "落实从业人员个人卫生管理制度，并对加工制作区的废弃物存放容器进行更换。" * 4
    + "\n执法人员已当场告知当事人依法享有的陈述、申辩权利，当事人未提出陈述、申辩意见。"
)
COLOURS = ((40, 90, 200), (30, 160, 60), (200, 120, 30))


def picture(i: int, size: tuple[int, int] = (1280, 720)) -> bytes:
    """A camera-like PNG: coloured gradient, a few shapes, the camera name burnt in (ASCII)."""
    w, h = size
    img = np.zeros((h, w, 3), np.uint8)
    img[:] = np.linspace(30, 200, w, dtype=np.uint8)[None, :, None]
    img[..., i % 3] = 255 - img[..., i % 3]
    cv2.rectangle(img, (w // 5, h // 4), (w // 2, h * 3 // 4), COLOURS[i % 3], -1)
    cv2.circle(img, (w * 3 // 4, h // 2), h // 5, (250, 250, 250), -1)
    cv2.rectangle(img, (w // 5 - 8, h // 4 - 8), (w // 2 + 8, h * 3 // 4 + 8), (0, 0, 255), 6)
    cv2.putText(img, f"CAM-{i + 1} 2026-03-05 11:2{i}", (20, 50), cv2.FONT_HERSHEY_SIMPLEX, 1.4, (255, 255, 255), 3)
    ok, png = cv2.imencode(".png", img)
    assert ok
    return png.tobytes()


def evidence(count: int = 3) -> list[EvidenceItem]:
    captions = ("从业人员未佩戴口罩", "加工制作区吸烟", "垃圾桶未加盖", "现场复查照片")
    cameras = ("后厨烹饪区1号（烹饪区）", "凉菜专间（专间）", "粗加工区（粗加工区）", "备餐区（备餐区）")
    items = []
    for i in range(count):
        png = picture(i, (1280, 720) if i != 1 else (720, 960))  # one portrait picture
        items.append(EvidenceItem(
            caption=captions[i % 4],
            captured_at=datetime(2026, 3, 5, 11, 20 + i, 8),
            camera=cameras[i % 4],
            sha256=hashlib.sha256(png).hexdigest(),
            image_png=png,
            annotated=i == 0,
            original_sha256=hashlib.sha256(b"original %d" % i).hexdigest() if i == 0 else "",
        ))
    return items


TIMELINE = [
    TimelineEntry(datetime(2026, 3, 5, 11, 32), "", "待处理", "王建国", "由告警生成案件"),
    TimelineEntry(datetime(2026, 3, 5, 15, 10), "待处理", "已推送整改", "王建国", "已送达责令改正通知书"),
    TimelineEntry(datetime(2026, 3, 6, 9, 0), "已推送整改", "整改中", "李明", "单位已回复，正在整改"),
    TimelineEntry(datetime(2026, 3, 11, 16, 45), "整改中", "待复核", "李明", "单位提交整改照片"),
]


def case_sheet(evidence_count: int = 3, facts: str = FACTS) -> CaseSheet:
    return CaseSheet(
        number=CASE_NUMBER,
        station=STATION,
        venue_name=VENUE,
        license_no="JY23101120012345",
        address="上海市闵行区莘庄镇莘松路958弄12号101室",
        street="莘庄镇",
        venue_type="中型餐饮",
        contact_person="张海燕",
        contact_phone="13812345678",
        category="未戴口罩",
        tier="二级",
        legal_basis="《中华人民共和国食品安全法》第一百二十六条",
        facts=facts,
        handler="王建国",
        deadline=date(2026, 3, 12),
        state="待复核",
        created_at=datetime(2026, 3, 5, 11, 32),
        evidence=evidence(evidence_count),
        timeline=TIMELINE,
        escalation="黄牌",
    )


def notice():
    return notice_from_case(
        case_sheet(),
        issued_on=date(2026, 3, 5),
        violated="《中华人民共和国食品安全法》第三十三条第一款第（八）项",
        requirements="1. 立即组织全体从业人员开展食品安全知识培训；\n2. 落实从业人员佩戴口罩、工作帽等个人卫生要求；\n"
                     "3. 更换加工制作区带盖垃圾桶，整改完成后将整改照片报送我所。",
        station_contact="王建国",
        station_phone="021-64921234",
    )
