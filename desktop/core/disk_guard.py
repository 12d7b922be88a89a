"""磁盘守护: watch the free space of the data directory and, when it runs low, apply the
retention policy to alert clips (the large files), in this order, oldest first, until the
space is no longer low:

1. clips of alerts that are settled: reviewed 误报, or linked to a case that is 已办结 or 撤销
   (DESIGN.md §7: a case's evidence is kept until the case is closed);
2. clips older than the retention period (7 days: 视频信息保存不少于7天, the programme's rule)
   of alerts still 待复核, or settled.

Never: a file linked to a case that is not closed, directly (CaseEvidence) or through one of the
case's alerts (CaseAlert). That rule is part of the very UPDATE that marks a file removed, so a
case opened a moment before cannot lose its evidence to a candidate list read earlier. A clip
of a 已确认 alert outside any case is kept too (it is waiting for a case).

A removed file keeps its row (removed_at, removed_reason): alerts and cases still name it and
the UI says 已按保留策略清理. Every run that removes something is one audit entry (SYSTEM).
Pictures are small and stay; only clips go.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import and_, exists, func, not_, or_, select, update
from sqlalchemy.engine import Engine

from desktop.core import audit
from desktop.core.access import SYSTEM
from desktop.core.alerts import FALSE_ALARM, PENDING, ROLE_CLIP
from desktop.core.audit import AuditAction
from desktop.core.case_rules import FINAL_STATES
from desktop.core.models import Alert, AlertEvidence, Case, CaseAlert, CaseEvidence, EvidenceFile

log = logging.getLogger(__name__)

REMOVED_NOTE = "已按保留策略清理"
TIER_SETTLED = "settled"  # 误报 or closed case
TIER_EXPIRED = "expired"  # older than the retention period


@dataclass(frozen=True, slots=True)
class GuardPolicy:
    min_free_bytes: int = 10 * 1000**3  # warn below 10 GB …
    min_free_percent: float = 5.0  # … or below 5 % of the disk
    retention_days: int = 7

    def with_(self, **changes) -> GuardPolicy:
        return replace(self, **changes)


@dataclass(frozen=True, slots=True)
class DiskStatus:
    path: str
    total: int
    free: int
    low: bool

    @property
    def free_percent(self) -> float:
        return 100.0 * self.free / self.total if self.total else 0.0

    def text(self) -> str:
        return f"{self.free / 1000**3:.1f} GB 可用（{self.free_percent:.1f}%）"


@dataclass(frozen=True, slots=True)
class RemovedClip:
    evidence_id: int
    rel_path: str
    size: int
    tier: str


@dataclass(frozen=True, slots=True)
class GuardReport:
    before: DiskStatus
    after: DiskStatus
    removed: tuple[RemovedClip, ...] = ()
    applied: bool = False
    errors: tuple[str, ...] = field(default=())

    @property
    def freed(self) -> int:
        return sum(r.size for r in self.removed)

    @property
    def warning(self) -> str | None:
        """The status-bar warning while space is low (None when it is fine)."""
        if not self.after.low:
            return None
        text = f"磁盘空间不足：数据目录仅剩 {self.after.text()}"
        if self.removed:
            text += f"；已按保留策略清理 {len(self.removed)} 段录像（{self.freed / 1e6:.0f} MB）"
        return text + "。请清理磁盘或扩容。"

    def summary(self) -> str:
        lines = [f"数据目录 {self.before.path}：{self.before.text()}" + ("，空间不足" if self.before.low else "，正常")]
        if self.removed:
            lines.append(f"已按保留策略清理 {len(self.removed)} 段录像，释放 {self.freed / 1e6:.1f} MB；"
                         f"现在 {self.after.text()}")
        elif self.before.low and not self.applied:
            lines.append("未清理（加 --apply 按保留策略清理）")
        elif self.before.low:
            lines.append("没有可按保留策略清理的录像")
        lines += [f"错误：{e}" for e in self.errors]
        return "\n".join(lines)


Usage = Callable[[Path], tuple[int, int, int]]


def disk_status(path: Path, policy: GuardPolicy, usage: Usage = shutil.disk_usage) -> DiskStatus:
    probe = Path(path)
    while not probe.exists() and probe.parent != probe:  # not created yet: the disk it will be on
        probe = probe.parent
    total, _used, free = usage(probe)
    low = free < policy.min_free_bytes or (total > 0 and 100.0 * free / total < policy.min_free_percent)
    return DiskStatus(str(path), total, free, low)


# --- the SQL of the policy ------------------------------------------------------------------

def _open_case_ids():
    # Anything not final counts as open, including states a later release may add.
    return select(Case.id).where(Case.state.not_in(FINAL_STATES))


def _in_open_case(ef=EvidenceFile):
    """The file is evidence of a case that is not closed, itself or through an alert."""
    direct = exists().where(CaseEvidence.evidence_id == ef.id, CaseEvidence.case_id.in_(_open_case_ids()))
    via_alert = exists(select(AlertEvidence.alert_id)
                       .join(CaseAlert, CaseAlert.alert_id == AlertEvidence.alert_id)
                       .where(AlertEvidence.evidence_id == ef.id, CaseAlert.case_id.in_(_open_case_ids())))
    return or_(direct, via_alert)


def _settled(alert=Alert):
    closed_case = exists(select(CaseAlert.case_id).join(Case, Case.id == CaseAlert.case_id)
                         .where(CaseAlert.alert_id == alert.id, Case.state.in_(FINAL_STATES)))
    return or_(alert.review_state == FALSE_ALARM, closed_case)


def _every_alert(ef, condition):
    """Every alert that links the file satisfies `condition` (NOT EXISTS one that does not)."""
    return not_(exists(select(AlertEvidence.alert_id).join(Alert, Alert.id == AlertEvidence.alert_id)
                       .where(AlertEvidence.evidence_id == ef.id, not_(condition))))


def _eligible(tier: str, cutoff: datetime, ef=EvidenceFile):
    """The whole rule for one tier, as a SQL condition on the evidence file."""
    is_clip = exists().where(AlertEvidence.evidence_id == ef.id, AlertEvidence.role == ROLE_CLIP)
    base = and_(ef.removed_at.is_(None), is_clip, not_(_in_open_case(ef)))
    if tier == TIER_SETTLED:
        return and_(base, _every_alert(ef, _settled()))
    return and_(base, _every_alert(ef, or_(_settled(), and_(Alert.review_state == PENDING, Alert.at < cutoff))))


def candidates(engine: Engine, policy: GuardPolicy, now: datetime | None = None) -> list[RemovedClip]:
    """What the policy would remove, in order: settled clips oldest first, then expired ones."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=policy.retention_days)
    when = func.coalesce(EvidenceFile.captured_at, EvidenceFile.created_at)
    out: list[RemovedClip] = []
    seen: set[int] = set()
    with engine.connect() as conn:
        for tier in (TIER_SETTLED, TIER_EXPIRED):
            rows = conn.execute(select(EvidenceFile.id, EvidenceFile.rel_path, EvidenceFile.size)
                                .where(_eligible(tier, cutoff)).order_by(when, EvidenceFile.id)).all()
            for eid, rel, size in rows:
                if eid not in seen:
                    seen.add(eid)
                    out.append(RemovedClip(eid, rel, size or 0, tier))
    return out


def _mark_removed(conn, clip: RemovedClip, cutoff: datetime, now: datetime) -> bool:
    """Mark one file removed, re-checking the whole rule in the same statement."""
    result = conn.execute(update(EvidenceFile)
                          .where(EvidenceFile.id == clip.evidence_id, _eligible(clip.tier, cutoff))
                          .values(removed_at=now, removed_reason=REMOVED_NOTE))
    return result.rowcount == 1


def check_and_apply(engine: Engine, data_dir: Path, policy: GuardPolicy | None = None, *, apply: bool = True,
                    now: datetime | None = None, usage: Usage = shutil.disk_usage) -> GuardReport:
    """Check the free space of the data directory; when low (and `apply`), remove clips by the
    policy until it is not low any more. Runs on the DB/files thread (never the GUI thread)."""
    policy = policy or GuardPolicy()
    data_dir = Path(data_dir)
    evidence_root = data_dir / "evidence"
    before = disk_status(data_dir, policy, usage)
    if not before.low or not apply:
        return GuardReport(before, before, applied=apply)
    now = now or datetime.now(UTC)
    cutoff = now - timedelta(days=policy.retention_days)
    removed: list[RemovedClip] = []
    errors: list[str] = []
    status = before
    for clip in candidates(engine, policy, now):
        with engine.begin() as conn:
            marked = _mark_removed(conn, clip, cutoff, now)
        if not marked:
            continue  # linked to a case or reviewed meanwhile: kept
        # Marked first, deleted after the commit: a crash in between leaves an orphan file,
        # never a row that names a file which is silently gone.
        try:
            (evidence_root / clip.rel_path).unlink(missing_ok=True)
        except OSError as exc:
            errors.append(f"{clip.rel_path}: {exc}")
            continue
        removed.append(clip)
        status = disk_status(data_dir, policy, usage)
        if not status.low:
            break
    if removed:
        audit.record_now(engine, SYSTEM, AuditAction.RETENTION, "evidence",
                         {"removed": len(removed), "bytes": sum(r.size for r in removed),
                          "evidence_ids": [r.evidence_id for r in removed[:200]],
                          "settled": sum(1 for r in removed if r.tier == TIER_SETTLED),
                          "expired": sum(1 for r in removed if r.tier == TIER_EXPIRED),
                          "free_before": before.free, "free_after": status.free})
        log.warning("retention: %d clip(s) removed, %d bytes freed; %s", len(removed),
                    sum(r.size for r in removed), status.text())
    elif before.low:
        log.warning("disk space low (%s) and nothing the retention policy may remove", before.text())
    return GuardReport(before, status, tuple(removed), True, tuple(errors))
