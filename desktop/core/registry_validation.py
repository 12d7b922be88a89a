"""Validation of what people type into the venue and camera dialogs (and what imports bring):
one place, below the UI, returning cleaned values or field → message in Chinese."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from desktop.core.credentials import split_credentials
from desktop.core.vocabulary import BUILD_PROGRESS, RISK_LEVELS, VENUE_TYPES

if TYPE_CHECKING:
    from desktop.core.registry import CameraInput, VenueInput

STREAM_SCHEMES = ("rtsp", "rtsps", "rtmp", "http", "https", "file", "udp", "srt")
_LICENSE = re.compile(r"^[A-Z0-9]{6,30}$")  # JY + 14 digits today; older forms and 信用代码 too
_PHONE = re.compile(r"^[0-9+()\- ]{5,24}(转\d{1,6})?$")
_SPAN = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
_MONTH = re.compile(r"^(19|20)\d\d-(0[1-9]|1[0-2])$")


class ValidationError(ValueError):
    """field name → message; str() lists them all."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("；".join(self.errors.values()))


# Full-width digits, Latin letters, space and the few signs that appear in numbers, phones and
# times (＋－．／：). Chinese punctuation such as （） stays: it is part of venue names.
_FOLD = {0x3000: " ", **{c: c - 0xFEE0 for c in range(0xFF10, 0xFF1A)},
         **{c: c - 0xFEE0 for c in range(0xFF21, 0xFF3B)}, **{c: c - 0xFEE0 for c in range(0xFF41, 0xFF5B)},
         **{ord(c): chr(ord(c) - 0xFEE0) for c in "＋－．／：＠"}}


def fold(text: str) -> str:
    """Full-width letters, digits and spaces to ASCII; trimmed; runs of spaces collapsed."""
    return re.sub(r"\s+", " ", (text or "").translate(_FOLD)).strip()


def normalise_license(text: str) -> str:
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", text or "")).upper()


def license_problem(normalised: str) -> str | None:
    """The one licence rule of the dialogs and the spreadsheet import."""
    if _LICENSE.match(normalised):
        return None
    return "应为 6–30 位字母和数字，如 JY + 14 位数字"


def _check_hours(text: str) -> bool:
    spans = [s.strip() for s in re.split(r"[,，;；]", text) if s.strip()]
    return bool(spans) and all(_SPAN.match(s) for s in spans)


def validate_venue(data: VenueInput) -> VenueInput:
    errors: dict[str, str] = {}
    data = replace(data, name=fold(data.name), address=fold(data.address), street=fold(data.street),
                   license_no=normalise_license(data.license_no), contact_person=fold(data.contact_person),
                   contact_phone=fold(data.contact_phone), business_hours=fold(data.business_hours).replace(" ", ""),
                   risk_level=fold(data.risk_level).upper(), notes=(data.notes or "").strip(),
                   expected_completion=fold(data.expected_completion))
    if not data.name:
        errors["name"] = "请填写单位名称"
    elif len(data.name) > 100:
        errors["name"] = "单位名称过长（最多 100 字）"
    if data.license_no and (msg := license_problem(data.license_no)) is not None:
        errors["license_no"] = f"许可证号格式不对（{msg}）"
    if data.venue_type and data.venue_type not in VENUE_TYPES:
        errors["venue_type"] = f"未知的单位类型「{data.venue_type}」"
    if data.build_progress not in BUILD_PROGRESS:
        errors["build_progress"] = f"建设进度应为：{'、'.join(BUILD_PROGRESS)}"
    if data.risk_level and data.risk_level not in RISK_LEVELS:
        errors["risk_level"] = "风险等级应为 A、B、C 或 D"
    if data.contact_phone and not _PHONE.match(data.contact_phone):
        errors["contact_phone"] = "联系电话只能包含数字、空格、+ 和 -"
    if data.business_hours and not _check_hours(data.business_hours):
        errors["business_hours"] = "营业时间格式如 06:00-20:00，多段用逗号分隔"
    if data.expected_completion and not _MONTH.match(data.expected_completion):
        errors["expected_completion"] = "预计完成时间填到月，如 2023-09"
    if errors:
        raise ValidationError(errors)
    return data


def url_problem(url: str, required: bool) -> str | None:
    """The one stream-URL rule of the dialogs and the spreadsheet import."""
    if not url:
        return "请填写视频流地址" if required else None
    try:
        parts = urlsplit(url)
    except ValueError:
        return "地址无法解析"
    if parts.scheme.lower() not in STREAM_SCHEMES:
        return f"不支持的协议「{parts.scheme or '无'}」（支持 {', '.join(STREAM_SCHEMES)}）"
    if parts.scheme.lower() != "file" and not parts.hostname:
        return "地址缺少主机名或 IP"
    try:
        parts.port  # noqa: B018 - raises for a port out of range
    except ValueError:
        return "端口号无效"
    return None


def validate_camera(data: CameraInput) -> CameraInput:
    """Cleans the URLs (credentials typed into them move to `credentials`) and checks them."""
    from desktop.core.credentials import Credentials

    sub, sub_creds = split_credentials(fold(data.sub_url))
    main, main_creds = split_credentials(fold(data.main_url))
    creds = data.credentials
    typed = sub_creds or main_creds
    if typed and not creds:
        creds = typed
    data = replace(data, name=fold(data.name), area=fold(data.area), sub_url=sub, main_url=main,
                   credentials=creds if creds is None or isinstance(creds, Credentials) else None)
    errors: dict[str, str] = {}
    if not data.name:
        errors["name"] = "请填写摄像头名称"
    if (msg := url_problem(data.sub_url, required=True)) is not None:
        errors["sub_url"] = msg
    if (msg := url_problem(data.main_url, required=False)) is not None:
        errors["main_url"] = msg
    if not 0.1 <= data.analysis_fps <= 15:
        errors["analysis_fps"] = "分析帧率应在 0.1 到 15 之间"
    if errors:
        raise ValidationError(errors)
    return data
