"""The case package (offline exchange between consoles): its layout, and reading one back with
every check done before anything is written. desktop.core.case_package exports and imports.

    manifest.json        what the case is: format, version, case fields, venue identity
                         (许可证号 + name), time line, evidence list, alert summaries, the PDF
    evidence/<sha256>.<ext>  the evidence files, named by their SHA-256
    case.pdf             the printed case sheet, when there is one
    SHA256SUMS           "<sha256>  <path>" for every other file (`sha256sum -c SHA256SUMS`)

A package is refused when a file differs from its hash (which file, expected and actual), when
a file is missing or extra, or when the manifest does not describe a valid case."""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from desktop.core.case_rules import STATES

FORMAT = "mingchu-case-package"
VERSION = 1
MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
PDF = "case.pdf"
EVIDENCE_DIR = "evidence/"
_EVIDENCE_NAME = re.compile(r"^evidence/([0-9a-f]{64})\.(png|jpg|mp4|bin)$")
_SUM_LINE = re.compile(r"^([0-9a-f]{64}) [ *](.+)$")
_MAX_TEXT = 64 << 20  # manifest and sums: far beyond any real case
_CHUNK = 1 << 20
EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "video/mp4": ".mp4"}


class CasePackageError(ValueError):
    """A package that cannot be imported; the message says why (Chinese first)."""


class PackageUnreadableError(CasePackageError):
    """Not a file, or not a zip: nothing to check."""


class PackageTamperedError(CasePackageError):
    def __init__(self, file: str, expected: str, actual: str, what: str = "内容与哈希不符") -> None:
        self.file, self.expected, self.actual = file, expected, actual
        super().__init__(f"案件包已被改动：{file} {what}（应为 {expected}，实为 {actual}）"
                         f" / package tampered: {file} expected {expected}, got {actual}")


def evidence_name(sha256: str, media_type: str) -> str:
    return f"{EVIDENCE_DIR}{sha256}{EXTENSIONS.get(media_type, '.bin')}"


def iso(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


@dataclass(frozen=True, slots=True)
class VerifiedPackage:
    """A package whose every file matched its hash and whose manifest describes a valid case."""

    path: Path
    manifest: dict
    sums: dict[str, str]  # member name → sha256


def _hash_member(zf: zipfile.ZipFile, name: str) -> str:
    digest = hashlib.sha256()
    with zf.open(name) as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _read_text(zf: zipfile.ZipFile, name: str) -> str:
    info = zf.getinfo(name)
    if info.file_size > _MAX_TEXT:
        raise CasePackageError(f"案件包中的 {name} 过大（{info.file_size} 字节）/ {name} too large")
    try:
        return zf.read(name).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CasePackageError(f"案件包中的 {name} 不是 UTF-8 文本 / not UTF-8") from exc


def verify_package(path: Path) -> VerifiedPackage:
    """Open and check a package without writing anything; raises CasePackageError (or
    PackageTamperedError) with the reason."""
    try:
        zf = zipfile.ZipFile(path)
    except FileNotFoundError as exc:
        raise PackageUnreadableError(f"找不到案件包：{path} / file not found") from exc
    except (zipfile.BadZipFile, OSError) as exc:
        raise PackageUnreadableError(f"不是有效的案件包（zip）：{path.name}：{exc} / not a zip file") from exc
    with zf:
        names = [i.filename for i in zf.infolist() if not i.is_dir()]
        if len(set(names)) != len(names):
            raise CasePackageError("案件包中有重名文件 / duplicate members")
        for name in names:
            if name not in (MANIFEST, SUMS, PDF) and not _EVIDENCE_NAME.match(name):
                raise CasePackageError(f"案件包中有不认识的文件：{name} / unexpected member")
        for required in (SUMS, MANIFEST):
            if required not in names:
                raise CasePackageError(f"案件包缺少 {required} / {required} missing")
        sums: dict[str, str] = {}
        for number, line in enumerate(_read_text(zf, SUMS).splitlines(), 1):
            if not line.strip():
                continue
            m = _SUM_LINE.match(line)
            if m is None:
                raise CasePackageError(f"{SUMS} 第 {number} 行格式错误 / malformed line {number}")
            sums[m.group(2)] = m.group(1)
        members = set(names) - {SUMS}
        if missing := sorted(set(sums) - members):
            raise PackageTamperedError(missing[0], sums[missing[0]], "文件缺失", "缺失")
        if extra := sorted(members - set(sums)):
            raise PackageTamperedError(extra[0], "未登记", _hash_member(zf, extra[0]), "未在 SHA256SUMS 中登记")
        for name in sorted(members):
            actual = _hash_member(zf, name)
            if actual != sums[name]:
                raise PackageTamperedError(name, sums[name], actual)
            m = _EVIDENCE_NAME.match(name)
            if m and m.group(1) != actual:  # evidence is named by its hash
                raise PackageTamperedError(name, m.group(1), actual, "内容与文件名中的哈希不符")
        try:
            manifest = json.loads(_read_text(zf, MANIFEST))
        except ValueError as exc:
            raise CasePackageError(f"{MANIFEST} 不是有效的 JSON：{exc} / manifest is not JSON") from exc
        _check_manifest(manifest, sums, {n: zf.getinfo(n).file_size for n in members})
    return VerifiedPackage(path, manifest, sums)


def _need(d: dict, key: str, kind: type | tuple, where: str, optional: bool = False):
    value = d.get(key) if isinstance(d, dict) else None
    if value is None and optional:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise CasePackageError(f"{MANIFEST} 中 {where}.{key} 缺失或类型错误 / invalid manifest field")
    return value


def _need_time(d: dict, key: str, where: str, optional: bool = False) -> datetime | None:
    text = _need(d, key, str, where, optional)
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise CasePackageError(f"{MANIFEST} 中 {where}.{key} 不是时间：{text}") from exc
    if value.tzinfo is None:
        raise CasePackageError(f"{MANIFEST} 中 {where}.{key} 缺少时区：{text}")
    return value


def parse_date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CasePackageError(f"{MANIFEST} 中的整改期限不是日期：{text}") from exc


def _check_manifest(m: dict, sums: dict[str, str], sizes: dict[str, int]) -> None:
    if not isinstance(m, dict) or m.get("format") != FORMAT:
        raise CasePackageError(f"不是案件包（format 应为 {FORMAT}）/ not a case package")
    version = _need(m, "version", int, "")
    if version > VERSION:
        raise CasePackageError(f"案件包版本 {version} 比本程序支持的 {VERSION} 新，请先升级 / newer format")
    case = _need(m, "case", dict, "")
    for key in ("uuid", "number", "category", "state", "created_by"):
        _need(case, key, str, "case")
    for key in ("tier", "legal_basis", "facts", "handler", "origin_station", "origin_number"):
        _need(case, key, str, "case", optional=True)
    if not re.fullmatch(r"[0-9a-f]{32}", case["uuid"]):
        raise CasePackageError(f"{MANIFEST} 中 case.uuid 格式错误")
    if case["state"] not in STATES:
        raise CasePackageError(f"{MANIFEST} 中的案件状态「{case['state']}」未知")
    for key in ("created_at", "updated_at"):
        _need_time(case, key, "case")
    _need_time(case, "closed_at", "case", optional=True)
    parse_date(_need(case, "deadline", str, "case", optional=True))
    venue = _need(m, "venue", dict, "")
    _need(venue, "name", str, "venue")
    _need(venue, "license_no", str, "venue", optional=True)
    events = _need(m, "events", list, "")
    if not events:
        raise CasePackageError(f"{MANIFEST} 中没有案件记录（events）")
    for i, e in enumerate(events):
        where = f"events[{i}]"
        for key in ("uuid", "action", "from_state", "to_state", "who", "comment"):
            _need(e, key, str, where)
        _need_time(e, "at", where)
        if e["to_state"] not in STATES or (e["from_state"] and e["from_state"] not in STATES):
            raise CasePackageError(f"{MANIFEST} 中 {where} 的状态未知")
    if events[-1]["to_state"] != case["state"]:
        raise CasePackageError(f"{MANIFEST} 中案件状态「{case['state']}」与最后一条记录不符")
    shas = set()
    for i, ev in enumerate(_need(m, "evidence", list, "")):
        where = f"evidence[{i}]"
        sha = _need(ev, "sha256", str, where)
        name = _need(ev, "path", str, where)
        if name != evidence_name(sha, _need(ev, "media_type", str, where)):
            raise CasePackageError(f"{MANIFEST} 中 {where}.path 与哈希不符：{name}")
        if sums.get(name) != sha:
            raise PackageTamperedError(name, sha, sums.get(name, "文件缺失"), "与清单登记的哈希不符")
        if _need(ev, "size", int, where) != sizes[name]:
            raise PackageTamperedError(name, f"{ev['size']} 字节", f"{sizes[name]} 字节", "大小与清单不符")
        for key in ("kind", "source", "created_by", "annotation_json", "camera"):
            _need(ev, key, str, where, optional=True)
        _need_time(ev, "captured_at", where, optional=True)
        item = _need(ev, "item", dict, where, optional=True)
        if item is not None:
            _need(item, "position", int, where + ".item")
        shas.add(sha)
    for i, ev in enumerate(m["evidence"]):
        parent = ev.get("derived_from")
        if parent is not None and parent not in shas:
            raise CasePackageError(f"{MANIFEST} 中 evidence[{i}] 的原图不在包内")
    _need(m, "alerts", list, "")
    pdf = _need(m, "pdf", dict, "", optional=True)
    if (pdf is not None) != (PDF in sums):
        raise CasePackageError(f"{MANIFEST} 与包内的 {PDF} 不一致")
    if pdf is not None and _need(pdf, "sha256", str, "pdf") != sums[PDF]:
        raise PackageTamperedError(PDF, pdf["sha256"], sums[PDF], "与清单登记的哈希不符")
