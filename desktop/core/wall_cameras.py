"""Read the camera tree for the wall and record camera status changes."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from desktop.core.access import Action, Actor, require
from desktop.core.credentials import Credentials, SecretReader, with_credentials
from desktop.core.guard import audits_refusals, street_filter
from desktop.core.models import Camera, CameraCredential, CameraStatusEvent, Street, Venue
from desktop.core.secret_box import SecretKeyError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WallCamera:
    """A camera as the wall sees it: plain values, safe to hand to the GUI thread."""

    camera_id: int
    name: str
    area: str
    venue_id: int
    venue_name: str
    venue_type: str
    street: str
    sub_url: str  # without credentials: safe to show
    main_url: str
    license_no: str = ""
    address: str = ""
    build_progress: str = ""
    credentials: Credentials = field(default=Credentials(), repr=False, compare=False)
    # Analysis settings (desktop/analysis): the Camera row's rule documents and rate, and the
    # venue's business hours, which apply when the camera has no schedule of its own.
    analysis_enabled: bool = True
    analysis_fps: float = 2.0
    analysis_json: str = "{}"
    zones_json: str = "[]"
    schedule_json: str = ""
    business_hours: str = ""

    @property
    def title(self) -> str:
        return f"{self.venue_name} · {self.name}"

    def open_url(self, variant: str) -> str:
        """The URL the stream engine opens, credentials included; never for display or logs."""
        return with_credentials(self.main_url if variant == "main" else self.sub_url, self.credentials)


@audits_refusals
def load_wall_cameras(engine: Engine, *, actor: Actor) -> list[WallCamera]:
    """Enabled cameras of the actor's streets ordered 街镇 → 单位 → camera, the order of the tree
    and the default wall."""
    require(actor, Action.VIEW_WALL)
    # Plain columns, not ORM entities: at district scale (25,000 cameras) entities cost full
    # garbage collections that stall the GUI thread.
    stmt = (
        select(Camera.id, Camera.name, Camera.area, Venue.id, Venue.name, Venue.venue_type, Street.name,
               Camera.sub_url, Camera.main_url, Venue.license_no, Venue.address, Venue.build_progress,
               CameraCredential.username, CameraCredential.secret, CameraCredential.secret_format,
               Camera.analysis_enabled, Camera.analysis_fps,
               Camera.analysis_json, Camera.zones_json, Camera.schedule_json, Venue.business_hours)
        .select_from(Camera)
        .join(Venue, Camera.venue_id == Venue.id)
        .join(Street, Venue.street_id == Street.id, isouter=True)
        .join(CameraCredential, CameraCredential.camera_id == Camera.id, isouter=True)
        .where(Camera.enabled == True)  # noqa: E712 - SQL expression
        .where(street_filter(actor, Venue.street_id))
        .order_by(Street.sort_order, Street.id, Venue.id, Camera.sort_order, Camera.id)
    )
    with Session(engine) as session:
        rows = session.exec(stmt).all()
    key_problem: list[str] = []
    reveal = SecretReader()

    def creds(user: str | None, secret: str | None, fmt: str | None) -> Credentials:
        if user is None:
            return Credentials()
        try:
            return Credentials(user, reveal(secret, fmt))
        except SecretKeyError as exc:  # the wall still starts; such cameras fail with 用户名或密码错误
            key_problem.append(str(exc))
            return Credentials(user, "")

    cameras = [
        WallCamera(cid, name, area, vid, venue, vtype, street or "", sub_url, main_url or sub_url, lic or "",
                   address, progress, creds(user, secret, fmt), bool(enabled), fps, analysis, zones, schedule, hours)
        for (cid, name, area, vid, venue, vtype, street, sub_url, main_url, lic, address, progress, user, secret,
             fmt, enabled, fps, analysis, zones, schedule, hours) in rows
    ]
    if key_problem:
        log.error("%d camera password(s) not available: %s", len(key_problem), key_problem[0])
    return cameras


def record_status(engine: Engine, camera_id: int, online: bool, reason: str, at: datetime) -> None:
    with Session(engine) as session:
        session.add(CameraStatusEvent(camera_id=camera_id, online=online, reason=reason, at=at))
        session.commit()


def status_history(engine: Engine, camera_id: int) -> list[CameraStatusEvent]:
    with Session(engine) as session:
        stmt = select(CameraStatusEvent).where(CameraStatusEvent.camera_id == camera_id).order_by(CameraStatusEvent.id)
        return list(session.exec(stmt).all())
