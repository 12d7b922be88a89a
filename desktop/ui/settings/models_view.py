"""The model list of the 设置 page: a table model over detectors.store.ModelStatus rows (with the
result of the last 校验 per model) and the HTML of the detail pane (licence notice included)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from detectors.manifest import Manifest
from detectors.store import BROKEN, INSTALLED, MISSING, ModelStatus

if TYPE_CHECKING:  # detectors.check loads OpenVINO; the GUI thread only reads its results
    from detectors.check import CheckResult

HEADERS = ("名称", "ID", "类型", "输出类别", "状态", "校验", "许可证", "来源")
COL_STATE, COL_CHECK, COL_LICENCE = 4, 5, 6
STATE_TEXT = {INSTALLED: "已安装", MISSING: "缺失", BROKEN: "校验失败"}
STATE_COLORS = {INSTALLED: "#4ade80", MISSING: "#fbbf24", BROKEN: "#f87171"}
KIND_TEXT = {"detector": "检测", "classifier": "分类"}
OK_COLOR, FAIL_COLOR, MUTED = "#4ade80", "#f87171", "#9ca3af"
RUNNING = "running"  # a check that has been asked for and not answered yet


def is_result(check: CheckResult | str | None) -> bool:
    return check is not None and not isinstance(check, str)


def _t(text: str) -> str:
    return QCoreApplication.translate("ModelsView", text)


@dataclass(frozen=True)
class ModelRow:
    status: ModelStatus
    licence: str = ""  # the licence or notice text (detectors.store.licence_text)


def kind_text(m: Manifest) -> str:
    return f"{_t(KIND_TEXT.get(m.kind, m.kind))} · {m.family}"


def categories_text(m: Manifest) -> str:
    """The violation categories the model raises, or what its labels are for."""
    cats = list(dict.fromkeys(m.categories.values()))
    if cats:
        return "、".join(cats)
    return _t("—（供规则使用）")


def check_text(check: CheckResult | str | None) -> str:
    if check is None:
        return "—"
    if check == RUNNING:
        return _t("校验中…")
    if check.ok:
        return _t("OK · {0} · {1:.1f} ms").format(check.device, check.latency_ms)
    return _t("失败")


class ModelTableModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._rows: list[ModelRow] = []
        self._checks: dict[str, CheckResult | str] = {}

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if role == Qt.DisplayRole and orientation == Qt.Horizontal:
            return _t(HEADERS[section])
        return None

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        row = self._rows[index.row()]
        s, m, col = row.status, row.status.manifest, index.column()
        check = self._checks.get(s.id)
        if role == Qt.DisplayRole:
            if col == COL_STATE:
                return _t(STATE_TEXT[s.state])
            if col == COL_CHECK:
                return check_text(check)
            if col == 7:
                return _t("插件") if s.plugin else _t("默认模型包")
            if m is None:
                return (_t("（清单无效）"), s.id, "—", "—", "", "", "—", "")[col]
            return (m.name, m.id, kind_text(m), categories_text(m), "", "", m.licence.name, "")[col]
        if role == Qt.ToolTipRole:
            if col == COL_STATE:
                return s.problem or _t("文件齐全，校验和一致")
            if col == COL_CHECK and is_result(check) and not check.ok:
                return check.reason
            if col == 7 and m is not None:
                return m.source
            if col == COL_LICENCE and m is not None:
                return m.licence.name + "\n" + _t("许可证全文见右侧详情")
            return None
        if role == Qt.ForegroundRole:
            if col == COL_STATE:
                return QBrush(QColor(STATE_COLORS[s.state]))
            if col == COL_CHECK and is_result(check):
                return QBrush(QColor(OK_COLOR if check.ok else FAIL_COLOR))
            if col == 7 and s.plugin:
                return QBrush(QColor("#93c5fd"))
            return None
        if role == Qt.UserRole:
            return row
        return None

    # -- content ------------------------------------------------------------------------------
    def rows(self) -> list[ModelRow]:
        return list(self._rows)

    def row_of(self, model_id: str) -> int:
        return next((i for i, r in enumerate(self._rows) if r.status.id == model_id), -1)

    def set_rows(self, rows: list[ModelRow]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        known = {r.status.id for r in rows}
        self._checks = {k: v for k, v in self._checks.items() if k in known}
        self.endResetModel()

    def check(self, model_id: str) -> CheckResult | str | None:
        return self._checks.get(model_id)

    def set_check(self, model_id: str, check: CheckResult | str | None) -> None:
        if check is None:
            self._checks.pop(model_id, None)
        else:
            self._checks[model_id] = check
        i = self.row_of(model_id)
        if i >= 0:
            self.dataChanged.emit(self.index(i, COL_CHECK), self.index(i, COL_CHECK))

    def clear_checks(self) -> None:
        self._checks.clear()
        if self._rows:
            self.dataChanged.emit(self.index(0, COL_CHECK), self.index(len(self._rows) - 1, COL_CHECK))


_URL = re.compile(r"(https?://[^\s)（），,;]+|(?<![\w/.])(?:github\.com|gitee\.com|huggingface\.co)/[^\s)（），,;]+)")


def linkify(text: str) -> str:
    """Escaped text with web addresses as links (sources name github.com/… without a scheme)."""
    out, last = [], 0
    for match in _URL.finditer(text):
        out.append(html.escape(text[last : match.start()]))
        url = match.group(0)
        href = url if url.startswith("http") else f"https://{url}"
        out.append(f'<a href="{html.escape(href)}" style="color:#93c5fd">{html.escape(url)}</a>')
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


def _line(label: str, value: str) -> str:
    return f'<tr><td style="color:{MUTED}; padding-right:12px; white-space:nowrap">{label}</td><td>{value}</td></tr>'


def detail_html(row: ModelRow | None, check: CheckResult | str | None) -> str:
    """The detail pane: what the model is, its files' state, the last check, and its licence."""
    if row is None:
        return f'<p style="color:{MUTED}">{html.escape(_t("选择一个模型查看详情和许可证。"))}</p>'
    s, m = row.status, row.status.manifest
    colour = STATE_COLORS[s.state]
    parts = []
    title = m.name if m is not None else s.id
    parts.append(f"<h3 style='margin:0'>{html.escape(title)}</h3>")
    lines = [_line(_t("模型 ID"), html.escape(s.id)), _line(_t("来源"), _t("插件") if s.plugin else _t("默认模型包"))]
    state = f'<span style="color:{colour}">{html.escape(_t(STATE_TEXT[s.state]))}</span>'
    if s.problem:
        state += f"<br><span style='color:{MUTED}'>{html.escape(s.problem)}</span>"
    lines.append(_line(_t("状态"), state))
    if check == RUNNING:
        lines.append(_line(_t("校验"), html.escape(_t("校验中…"))))
    elif is_result(check):
        if check.ok:
            outs = ", ".join(str(list(o)) for o in check.output_shapes)
            text = _t("OK：{0}，加载 {1:.0f} ms，单次推理 {2:.1f} ms<br>输入 {3}，输出 {4}").format(
                html.escape(check.device), check.load_ms, check.latency_ms, list(check.input_shape), outs
            )
            lines.append(_line(_t("校验"), f'<span style="color:{OK_COLOR}">{text}</span>'))
        else:
            reason = html.escape(check.reason or "")
            lines.append(_line(_t("校验"), f'<span style="color:{FAIL_COLOR}">{_t("失败")}：{reason}</span>'))
    if m is not None:
        i = m.input
        lines += [
            _line(_t("类型"), html.escape(kind_text(m))),
            _line(_t("输入"), f"{i.width}×{i.height} {i.layout} {i.colour} {i.dtype}"),
            _line(_t("文件"), "<br>".join(html.escape(f.name) for f in m.files)),
            _line(_t("标签 → 类别"), mapping_html(m)),
            _line(_t("出处"), linkify(m.source)),
        ]
    parts.append(f"<table cellspacing='0' cellpadding='2'>{''.join(lines)}</table>")
    if m is not None:
        parts.append(f"<h4 style='margin-bottom:2px'>{html.escape(_t('许可证'))}：{html.escape(m.licence.name)}</h4>")
        if row.licence.strip():
            parts.append(licence_html(row.licence))
        else:
            note = _t("清单未附许可证全文。") if not m.licence.file else _t("许可证文件 {0} 不在模型目录中。")
            parts.append(f"<p style='color:{MUTED}'>{html.escape(note.format(m.licence.file))}</p>")
    return "".join(parts)


def licence_html(text: str) -> str:
    """A licence text reflowed for a narrow pane: lines of a paragraph joined (licence files are
    hard-wrapped at ~80 columns), blank lines kept as paragraph breaks, addresses as links."""
    paragraphs = [" ".join(ln.strip() for ln in p.splitlines()) for p in re.split(r"\n\s*\n", text.strip())]
    return "".join(f"<p style='color:#d1d5db; margin:0 0 6px 0'>{linkify(p)}</p>" for p in paragraphs if p)


def mapping_html(m: Manifest) -> str:
    """label → category, one per line; labels without a category are facts for the rules."""
    out = []
    for label in m.labels:
        cat = m.categories.get(label)
        target = html.escape(cat) if cat else f'<span style="color:{MUTED}">{html.escape(_t("（供规则使用）"))}</span>'
        out.append(f"{html.escape(label)} → {target}")
    return "<br>".join(out)
