"""Who may do what (issue 7): roles, the actions the core checks, and the street scope.

Every core function that changes data, or shows data a user may only see within their streets,
takes an `Actor` and calls `require` before it touches anything, so the rules hold for the UI,
the CLI and tests alike. The UI asks `can` only to hide or disable what would be refused.

Roles are cumulative where the work is: a 检查员 can do what a 值班员 can, a 科室负责人 what a
检查员 can. The 管理员 looks after the station (venues, cameras, users, models, storage) and is
deliberately not a case worker: separation of duties for legal evidence.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    DUTY = "值班员"
    INSPECTOR = "检查员"
    HEAD = "科室负责人"
    ADMIN = "管理员"


class Action(StrEnum):
    # watching (值班员)
    VIEW_WALL = "查看视频墙"
    VIEW_ALERTS = "查看告警"
    ACK_ALERT = "签收告警"
    SNAPSHOT = "截图取证"
    VIEW_EVIDENCE = "查看证据"
    VIEW_CASES = "查看案件"
    # inspection (检查员)
    REVIEW_ALERT = "审核告警"
    ANNOTATE = "标注证据"
    CREATE_CASE = "立案"
    WORK_CASE = "办理案件"  # edit, 推送整改, 整改, 复核 ...
    PRINT_CASE = "打印案件"
    EXPORT_CASE = "导出案件"
    IMPORT_CASE = "导入案件"
    # heads of section (科室负责人)
    APPROVE_CASE = "审批办结与撤销"
    DELETE_CASE = "删除案件"
    VIEW_REPORTS = "查看统计"
    EXPORT_REPORTS = "导出报表"
    # administration (管理员)
    MANAGE_REGISTRY = "管理单位与摄像头"
    MANAGE_USERS = "管理账号"
    MANAGE_MODELS = "管理模型"
    MANAGE_SETTINGS = "系统设置"
    BACKUP = "备份与恢复"
    # both the head of section and the administrator
    VIEW_AUDIT = "查看审计日志"


_DUTY = frozenset({Action.VIEW_WALL, Action.VIEW_ALERTS, Action.ACK_ALERT, Action.SNAPSHOT, Action.VIEW_EVIDENCE,
                   Action.VIEW_CASES})
_INSPECTOR = _DUTY | {Action.REVIEW_ALERT, Action.ANNOTATE, Action.CREATE_CASE, Action.WORK_CASE,
                      Action.PRINT_CASE, Action.EXPORT_CASE, Action.IMPORT_CASE}
_HEAD = _INSPECTOR | {Action.APPROVE_CASE, Action.DELETE_CASE, Action.VIEW_REPORTS, Action.EXPORT_REPORTS,
                      Action.VIEW_AUDIT}
_ADMIN = _DUTY | {Action.MANAGE_REGISTRY, Action.MANAGE_USERS, Action.MANAGE_MODELS, Action.MANAGE_SETTINGS,
                  Action.BACKUP, Action.VIEW_AUDIT, Action.VIEW_REPORTS}

ROLE_ACTIONS: dict[Role, frozenset[Action]] = {
    Role.DUTY: _DUTY,
    Role.INSPECTOR: frozenset(_INSPECTOR),
    Role.HEAD: frozenset(_HEAD),
    Role.ADMIN: frozenset(_ADMIN),
}

# Actions about one venue's data: refused outside the actor's streets. The others concern the
# station as a whole (users, models, settings, backups, the audit log).
SCOPED_ACTIONS = frozenset({
    Action.VIEW_WALL, Action.VIEW_ALERTS, Action.ACK_ALERT, Action.SNAPSHOT, Action.VIEW_EVIDENCE,
    Action.VIEW_CASES, Action.REVIEW_ALERT, Action.ANNOTATE, Action.CREATE_CASE, Action.WORK_CASE,
    Action.PRINT_CASE, Action.EXPORT_CASE, Action.IMPORT_CASE, Action.APPROVE_CASE, Action.DELETE_CASE,
    Action.MANAGE_REGISTRY,
})


class PermissionDenied(PermissionError):  # noqa: N818 - reads as what happened: 无权
    """A refused call; the message is Chinese first and safe to show."""

    def __init__(self, actor: Actor, action: Action, detail: str = "") -> None:
        self.actor, self.action, self.detail = actor, action, detail
        who = actor.display_name or actor.username
        text = f"「{who}」（{actor.role_label}）无权{action.value}"
        if detail:
            text += f"：{detail}"
        super().__init__(text + f" / not permitted: {action.name.lower()}")


def console_name() -> str:
    """Which console an action came from, for the audit trail."""
    try:
        return socket.gethostname() or "?"
    except OSError:
        return "?"


@dataclass(frozen=True, slots=True)
class Actor:
    """The person behind a call. `streets` holds the street ids the user is limited to; None
    means every street. `system` is the console itself (the analysis recording alerts, the demo
    seeding its station), never a person: the UI and the CLI always act as a logged-in user."""

    username: str
    role: Role | None
    user_id: int | None = None
    display_name: str = ""
    streets: frozenset[int] | None = None
    console: str = field(default_factory=console_name)
    system: bool = False

    @property
    def role_label(self) -> str:
        return self.role.value if self.role else ("系统" if self.system else "无角色")

    @property
    def name(self) -> str:
        """The name written into records (case time lines, reviews): the display name if any."""
        return self.display_name or self.username

    def with_streets(self, streets: Iterable[int] | None) -> Actor:
        return Actor(self.username, self.role, self.user_id, self.display_name,
                     None if streets is None else frozenset(streets), self.console, self.system)


SYSTEM = Actor(username="system", role=None, display_name="系统", system=True)


def can(actor: Actor, action: Action) -> bool:
    """May the actor do this at all (somewhere in their streets)?"""
    if actor.system:
        return True
    return actor.role is not None and action in ROLE_ACTIONS.get(actor.role, frozenset())


def in_scope(actor: Actor, street_id: int | None) -> bool:
    """Is a venue on this street within the actor's streets? A venue without a street is only
    seen by users who are not limited to streets."""
    if actor.system or actor.streets is None:
        return True
    return street_id is not None and street_id in actor.streets


def require(actor: Actor, action: Action, *, street_id: int | None = None, scoped: bool = False) -> None:
    """Raise PermissionDenied unless the actor may do `action` (on a venue of `street_id` when
    `scoped`). Callers that act on a venue pass scoped=True with the venue's street id."""
    if not can(actor, action):
        raise PermissionDenied(actor, action)
    if scoped and action in SCOPED_ACTIONS and not in_scope(actor, street_id):
        raise PermissionDenied(actor, action, "该单位不在本账号的街镇范围内")


def role_from_label(label: str) -> Role:
    try:
        return Role(label)
    except ValueError as exc:
        raise ValueError(f"未知角色「{label}」，可选：{'、'.join(r.value for r in Role)}") from exc
