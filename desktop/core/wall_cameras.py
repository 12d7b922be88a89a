"""Read the camera tree for the wall and record camera status changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from desktop.core.models import Camera, CameraStatusEvent, Street, Venue


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
    sub_url: str
    main_url: str

    @property
    def title(self) -> str:
        return f"{self.venue_name} · {self.name}"


def load_wall_cameras(engine: Engine) -> list[WallCamera]:
    """Enabled cameras ordered 街镇 → 单位 → camera, the order of the tree and the default wall."""
    stmt = (
        select(Camera, Venue, Street)
        .join(Venue, Camera.venue_id == Venue.id)
        .join(Street, Venue.street_id == Street.id, isouter=True)
        .where(Camera.enabled == True)  # noqa: E712 - SQL expression
        .order_by(Street.id, Venue.id, Camera.sort_order, Camera.id)
    )
    with Session(engine) as session:
        rows = session.exec(stmt).all()
        return [
            WallCamera(cam.id, cam.name, cam.area, venue.id, venue.name, venue.venue_type,
                       street.name if street else "", cam.sub_url, cam.main_url or cam.sub_url)
            for cam, venue, street in rows
        ]


def record_status(engine: Engine, camera_id: int, online: bool, reason: str, at: datetime) -> None:
    with Session(engine) as session:
        session.add(CameraStatusEvent(camera_id=camera_id, online=online, reason=reason, at=at))
        session.commit()


def status_history(engine: Engine, camera_id: int) -> list[CameraStatusEvent]:
    with Session(engine) as session:
        stmt = select(CameraStatusEvent).where(CameraStatusEvent.camera_id == camera_id).order_by(CameraStatusEvent.id)
        return list(session.exec(stmt).all())
