"""Frozen values the importer and exporter hand back (they cross from the worker thread to the GUI)."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Action = Literal["added", "updated", "unchanged", "skipped", "error"]
ACTIONS: tuple[Action, ...] = ("added", "updated", "unchanged", "skipped", "error")
ACTION_LABELS: dict[str, str] = {"added": "新增", "updated": "更新", "unchanged": "未变", "skipped": "跳过",
                                 "error": "错误"}

FORMAT_LABELS: dict[str, str] = {
    "pudong": "浦东示范店建设情况统计表", "ezhou": "养老机构实施情况统计表",
    "template": "一户一档模板", "generic": "通用表格",
}


@dataclass(frozen=True, slots=True)
class ImportDefaults:
    """Values for rows that do not give them. They fill new venues and empty fields of existing
    ones; they never overwrite a value already in the database."""

    street: str | None = None
    venue_type: str | None = None


@dataclass(frozen=True, slots=True)
class RowResult:
    sheet: str
    row: int  # the row number as Excel shows it
    action: Action
    venue: str = ""
    reason: str = ""  # why skipped / the error / a note
    changes: tuple[str, ...] = ()  # "地址: 旧 → 新"

    @property
    def message(self) -> str:
        parts = [p for p in (self.reason, "；".join(self.changes)) if p]
        return "；".join(parts)

    def line(self) -> str:
        name = f" {self.venue}" if self.venue else ""
        msg = f"：{self.message}" if self.message else ""
        return f"[{self.sheet}] 第{self.row}行 {ACTION_LABELS[self.action]}{name}{msg}"


@dataclass(frozen=True, slots=True)
class ImportReport:
    path: str
    format: str  # pudong / ezhou / template / generic
    rows: tuple[RowResult, ...]
    committed: bool
    dry_run: bool
    notes: tuple[str, ...] = ()  # file-level remarks (header found where, year rule, defaults …)
    failure: str = ""  # a database failure: nothing was written
    venues_added: int = 0
    venues_updated: int = 0
    cameras_added: int = 0
    cameras_updated: int = 0
    credentials_stored: int = 0
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)  # action -> rows, filled by build()

    @classmethod
    def build(cls, **kwargs) -> ImportReport:
        rows = kwargs["rows"]
        counts = dict.fromkeys(ACTIONS, 0)
        for r in rows:
            counts[r.action] += 1
        return cls(counts=counts, **kwargs)

    added = property(lambda self: self.counts.get("added", 0))
    updated = property(lambda self: self.counts.get("updated", 0))
    unchanged = property(lambda self: self.counts.get("unchanged", 0))
    skipped = property(lambda self: self.counts.get("skipped", 0))
    errors = property(lambda self: self.counts.get("error", 0))

    @property
    def ok(self) -> bool:
        """No row error and no database failure (committed, or would be without --dry-run)."""
        return not self.errors and not self.failure

    @property
    def error_rows(self) -> tuple[RowResult, ...]:
        return tuple(r for r in self.rows if r.action == "error")

    def summary(self) -> str:
        counts = "，".join(f"{ACTION_LABELS[a]} {self.counts.get(a, 0)}" for a in ACTIONS)
        if self.committed:
            state = "已写入数据库" if self.added or self.updated else "数据库中已是这些内容，无需改动"
        elif self.dry_run and self.ok:
            state = "试运行，未写入"
        elif self.failure:
            state = "数据库写入失败，已全部回滚，未写入任何数据"
        else:
            state = "文件有错误，未写入任何数据"
        return f"{counts}（{state}）"

    def lines(self, limit: int = 50) -> list[str]:
        """Row lines for a terminal: errors first, then the other rows that are not unchanged,
        at most `limit`, and a last line saying how many were left out."""
        errors = [r for r in self.rows if r.action == "error"]
        others = [r for r in self.rows if r.action not in ("error", "unchanged")]
        shown = (errors + others)[:limit]
        out = [r.line() for r in shown]
        hidden = len(self.rows) - len(shown)
        if hidden > 0:
            out.append(f"…… 另有 {hidden} 行未列出（其中未变 {self.unchanged} 行；完整结果请用 --report 保存）")
        return out

    def to_csv(self, path: str | Path) -> None:
        """Every row of the report, UTF-8 with BOM so that Excel opens it correctly."""
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["工作表", "行号", "结果", "单位名称", "说明", "变更"])
            for r in self.rows:
                w.writerow([r.sheet, r.row, ACTION_LABELS[r.action], r.venue, r.reason, "；".join(r.changes)])
            for note in self.notes:
                w.writerow(["", "", "说明", "", note, ""])
            if self.failure:
                w.writerow(["", "", "失败", "", self.failure, ""])


@dataclass(frozen=True, slots=True)
class ExportSummary:
    path: str
    format: str  # xlsx / csv
    venues: int
    cameras: int
    rows: int
    seconds: float = 0.0
