"""The columns we know: the template's own (the export's layout, in order), the seed documents'
names for the same things, and finding the header row of a messy sheet."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from desktop.core.venue_io.normalize import header_key, header_key_unbracketed

TEMPLATE_SHEET = "一户一档"


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    label: str  # the template header (also the label in change lists)
    aliases: tuple[str, ...] = ()
    level: str = "venue"  # venue / camera / other


# The template, in the order of the export. Import accepts every alias as well.
TEMPLATE_COLUMNS: tuple[Column, ...] = (
    Column("street", "街镇", ("街道", "乡镇", "所属街镇", "所属街道", "所属乡镇", "镇街", "街镇名称", "街道(镇)",
                            "街道乡镇", "所属街道乡镇")),
    Column("name", "单位名称", ("餐饮单位名称", "名称", "养老机构名称", "单位名", "机构名称", "企业名称",
                               "经营者名称", "门店名称", "食堂名称", "学校名称", "餐饮服务单位名称")),
    Column("license_no", "许可证号", ("食品经营许可证号", "许可证编号", "食品经营许可证编号", "经营许可证号",
                                   "许可证", "食品经营许可证", "许可证号码")),
    Column("address", "地址", ("经营地址", "单位地址", "经营场所", "详细地址", "地点", "经营场所地址")),
    Column("venue_type", "单位类型", ("业态", "类型", "单位类别", "经营业态", "场所类型", "主体业态", "单位性质")),
    Column("risk_level", "风险等级", ("风险分级", "风险级别", "风险等级(A/B/C/D)")),
    Column("contact_person", "负责人", ("联系人", "食品安全负责人", "法定代表人(负责人)", "法定代表人",
                                      "负责人姓名")),
    Column("contact_phone", "联系电话", ("电话", "手机", "联系方式", "手机号", "手机号码", "负责人电话",
                                       "联系人电话")),
    Column("business_hours", "营业时间", ("经营时间", "营业时段")),
    Column("build_progress", "建设进度", ("进度", "建设情况", "建设状态")),
    Column("expected_completion", "预计完成时间", ("预计完成", "计划完成时间", "预计完成时间(到月)", "完成时间")),
    Column("platform_connected", "是否接入平台", ("是否接入全省智慧监管平台", "已对接平台", "是否对接平台",
                                              "接入平台", "是否接入监管平台", "是否接入智慧监管平台",
                                              "是否已接入平台", "视频是否接入平台")),
    Column("notes", "备注", ("说明",)),
    Column("camera_name", "摄像头名称", ("摄像头", "点位名称", "通道名称", "监控点名称", "摄像机名称"), "camera"),
    Column("camera_area", "区域", ("摄像头区域", "安装区域", "安装位置", "监控区域", "点位区域"), "camera"),
    Column("sub_url", "子码流地址", ("子码流", "子码流url", "辅码流地址"), "camera"),
    Column("main_url", "主码流地址", ("主码流", "主码流url", "视频地址", "视频流地址", "码流地址", "rtsp地址",
                                     "取流地址"), "camera"),
    Column("enabled", "启用", ("是否启用",), "camera"),
    Column("camera_platform_connected", "摄像头已对接平台", ("摄像头是否对接平台", "摄像头已接入平台"), "camera"),
)

# Accepted on import, never exported (credentials) or only in the seed layouts.
EXTRA_COLUMNS: tuple[Column, ...] = (
    Column("username", "用户名", ("账号", "登录名", "摄像头用户名"), "camera"),
    Column("password", "密码", ("摄像头密码", "登录密码"), "camera"),
    Column("completed", "是否完成", ("互联网+明厨亮灶是否完成", "明厨亮灶是否完成", "是否完成建设", "是否建成"),
           "venue"),
    Column("seq", "序号", ("编号", "序", "no", "no.")),
)

COLUMNS: dict[str, Column] = {c.key: c for c in TEMPLATE_COLUMNS + EXTRA_COLUMNS}
CAMERA_FIELDS = frozenset(c.key for c in TEMPLATE_COLUMNS + EXTRA_COLUMNS if c.level == "camera")
_CAMERA_MARKERS = ("camera_name", "sub_url", "main_url")

ALIASES: dict[str, str] = {}
for _col in TEMPLATE_COLUMNS + EXTRA_COLUMNS:
    for _name in (_col.label, *_col.aliases):
        ALIASES.setdefault(header_key(_name).lower(), _col.key)

HEADER_SCAN_ROWS = 30


def field_for(header: object) -> str | None:
    key = header_key(header).lower()
    if not key:
        return None
    return ALIASES.get(key) or ALIASES.get(header_key_unbracketed(key))


@dataclass(frozen=True, slots=True)
class HeaderMatch:
    first_row: int  # 1-based Excel row of the (first) header row
    last_row: int  # data start after this row
    columns: dict[str, int]  # field key -> 0-based column index
    headers: dict[str, str]  # field key -> the header text as found
    ignored: tuple[str, ...]  # headers we did not use (unknown or repeated)
    format: str

    @property
    def has_name(self) -> bool:
        return "name" in self.columns


def _candidates(top: object, sub: object | None) -> list[object]:
    if sub is None:
        return [top]
    t, s = header_key(top), header_key(sub)
    if t and s and t != s:
        return [t + s, s, t]
    return [s or t]


def _match(rows: Sequence[Sequence[object]], r: int, two: bool) -> tuple[dict[str, int], dict[str, str], list[str]]:
    top = rows[r]
    sub = rows[r + 1] if two else None
    width = max(len(top), len(sub) if sub is not None else 0)
    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    ignored: list[str] = []
    for c in range(width):
        t = top[c] if c < len(top) else None
        s = (sub[c] if c < len(sub) else None) if sub is not None else None
        found = None
        for cand in _candidates(t, s):
            key = field_for(cand)
            if key is not None and key not in columns:
                found = key
                break
        parts: list[str] = []
        for x in (t, s):
            xs = str(x).strip() if x is not None else ""
            if xs and xs not in parts:
                parts.append(xs)
        text = "/".join(parts)
        if found is not None:
            columns[found] = c
            headers[found] = text
        elif text:
            ignored.append(text)
    return columns, headers, ignored


def _score(columns: dict[str, int]) -> int:
    return len(columns) - (1 if "seq" in columns else 0) + (2 if "name" in columns else 0)


def detect_format(columns: dict[str, int], headers: dict[str, str]) -> str:
    if any(k in columns for k in _CAMERA_MARKERS):
        return "template"
    if "completed" in columns or "养老机构" in headers.get("name", ""):
        return "ezhou"
    if "build_progress" in columns or "expected_completion" in columns:
        return "pudong"
    return "generic"


def find_header(rows: Sequence[Sequence[object]]) -> HeaderMatch | None:
    """The header among the first rows: the row (or pair of rows, for a group header over
    sub-headers) that names the most known columns. None if no row names two known columns."""
    best: tuple[int, int, bool] | None = None  # (score, row, two rows?)
    for r in range(min(len(rows), HEADER_SCAN_ROWS)):
        single, _, _ = _match(rows, r, False)
        score = _score(single)
        if len(single) >= 2 and (best is None or score > best[0]):
            best = (score, r, False)
        if r + 1 < len(rows) and single:
            double, _, _ = _match(rows, r, True)
            nxt, _, _ = _match(rows, r + 1, False)
            dscore = _score(double)
            if len(double) >= 2 and dscore > max(score, _score(nxt)) and (best is None or dscore > best[0]):
                best = (dscore, r, True)
    if best is None:
        return None
    _, r, two = best
    columns, headers, ignored = _match(rows, r, two)
    return HeaderMatch(first_row=r + 1, last_row=r + 2 if two else r + 1, columns=columns, headers=headers,
                       ignored=tuple(ignored), format=detect_format(columns, headers))
