"""轮巡分组: named lists of cameras the duty staff patrol together, stored for every console
that shares the database (the wall also patrols by 街镇 without any stored group)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from desktop.core.access import Action, Actor, require
from desktop.core.guard import audits_refusals, street_filter
from desktop.core.models import Camera, PatrolGroup, PatrolGroupMember, Venue
from desktop.core.registry_validation import ValidationError, fold

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PatrolGroupRecord:
    id: int
    name: str
    camera_ids: tuple[int, ...]  # in patrol order
    dwell_seconds: int
    layout: str


def list_patrol_groups(engine: Engine, *, actor: Actor) -> list[PatrolGroupRecord]:
    """Every group, with only the cameras of the actor's streets (groups are shared by the
    station; a limited user patrols their part of each)."""
    with Session(engine) as s:
        groups = s.exec(select(PatrolGroup).order_by(PatrolGroup.name)).all()
        members: dict[int, list[int]] = {}
        for gid, cid in s.exec(select(PatrolGroupMember.group_id, PatrolGroupMember.camera_id)
                               .join(Camera, Camera.id == PatrolGroupMember.camera_id)
                               .join(Venue, Venue.id == Camera.venue_id)
                               .where(street_filter(actor, Venue.street_id))
                               .order_by(PatrolGroupMember.group_id, PatrolGroupMember.position)).all():
            members.setdefault(gid, []).append(cid)
        return [PatrolGroupRecord(g.id, g.name, tuple(members.get(g.id, ())), g.dwell_seconds, g.layout)
                for g in groups]


@audits_refusals
def save_patrol_group(engine: Engine, name: str, camera_ids: list[int], dwell_seconds: int = 30,
                      layout: str = "3x3", group_id: int | None = None, *, actor: Actor) -> int:
    """Create or replace a group's cameras (order kept, duplicates dropped) in one transaction;
    every camera must be in the actor's streets (VIEW_WALL)."""
    require(actor, Action.VIEW_WALL)
    name = fold(name)
    errors = {}
    if not name:
        errors["name"] = "请填写分组名称"
    if not 5 <= dwell_seconds <= 3600:
        errors["dwell_seconds"] = "停留时间应在 5 到 3600 秒之间"
    ids = list(dict.fromkeys(camera_ids))
    if not ids:
        errors["camera_ids"] = "分组里至少要有一路摄像头"
    if errors:
        raise ValidationError(errors)
    with Session(engine) as s:
        known = dict(s.exec(select(Camera.id, Venue.street_id).join(Venue, Venue.id == Camera.venue_id)
                            .where(Camera.id.in_(ids))).all())
        if missing := [c for c in ids if c not in known]:
            raise ValidationError({"camera_ids": f"摄像头不存在：{missing}"})
        for street_id in set(known.values()):
            require(actor, Action.VIEW_WALL, street_id=street_id, scoped=True)
        other = s.exec(select(PatrolGroup.id).where(PatrolGroup.name == name)).first()
        if other is not None and other != group_id:
            raise ValidationError({"name": "已有同名分组"})
        group = PatrolGroup(name=name) if group_id is None else s.get(PatrolGroup, group_id)
        if group is None:
            raise ValidationError({"name": "分组不存在"})
        group.name, group.dwell_seconds, group.layout = name, dwell_seconds, layout
        s.add(group)
        s.flush()
        s.exec(delete(PatrolGroupMember).where(PatrolGroupMember.group_id == group.id))
        s.add_all(PatrolGroupMember(group_id=group.id, camera_id=c, position=i) for i, c in enumerate(ids))
        s.commit()
        log.info("patrol group %s saved with %d cameras", group.id, len(ids))
        return group.id


@audits_refusals
def delete_patrol_group(engine: Engine, group_id: int, *, actor: Actor) -> None:
    require(actor, Action.VIEW_WALL)
    with Session(engine) as s:
        s.exec(delete(PatrolGroupMember).where(PatrolGroupMember.group_id == group_id))
        s.exec(delete(PatrolGroup).where(PatrolGroup.id == group_id))
        s.commit()
