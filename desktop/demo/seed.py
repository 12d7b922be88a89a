"""Load the demo station into the database: idempotent, keyed by 许可证号 and camera name."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from desktop.core import audit
from desktop.core.access import SYSTEM, Role
from desktop.core.audit import AuditAction
from desktop.core.models import Camera, Street, User, Venue
from desktop.demo.catalogue import DISTRICT, base_area, demo_cameras


def stream_url(host: str, port: int, mount: str, variant: str) -> str:
    return f"rtsp://{host}:{port}/{mount}/{variant}"


DEMO_USER = "演示"
DEMO_ROLE = Role.HEAD


def seed_demo_user(engine: Engine, role: Role = DEMO_ROLE) -> str:
    """The demo's account (in the demo's own database): no password, so nobody can log in with
    it (accounts.authenticate refuses an account without one) and it does not count as the
    station's first account; `main.py demo` acts as it without asking. Returns the user name."""
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == DEMO_USER)).first()
        if user is None or user.role != role.value or not user.active:
            created = user is None
            user = user or User(username=DEMO_USER, display_name="演示账号")
            user.role, user.active, user.password_hash = role.value, True, None
            session.add(user)
            audit.record(session, SYSTEM, AuditAction.USER_CHANGE, f"user:{DEMO_USER}",
                         {"created": created, "role": role.value, "demo": True})
            session.commit()
    return DEMO_USER


def seed_demo(engine: Engine, host: str = "127.0.0.1", port: int = 8554, cameras: int | None = None) -> int:
    """Create (or refresh the URLs of) the demo venues and cameras. Returns the camera count."""
    cams = demo_cameras(cameras)
    with Session(engine) as session:
        streets = {s.name: s for s in session.exec(select(Street)).all()}
        venues = {v.license_no: v for v in session.exec(select(Venue)).all()}
        for cam in cams:
            dv = cam.venue
            street = streets.get(dv.street)
            if street is None:
                street = streets[dv.street] = Street(name=dv.street, district=DISTRICT)
                session.add(street)
                session.flush()
            venue = venues.get(dv.license_no)
            if venue is None:
                venue = venues[dv.license_no] = Venue(
                    name=dv.name, license_no=dv.license_no, address=dv.address, street_id=street.id,
                    venue_type=dv.venue_type, risk_level="B", contact_person=dv.contact_person,
                    contact_phone=dv.contact_phone, business_hours=dv.business_hours,
                    build_progress=dv.build_progress, platform_connected=dv.build_progress == "完成建设")
                session.add(venue)
                session.flush()
            camera = session.exec(select(Camera).where(Camera.venue_id == venue.id, Camera.name == cam.area)).first()
            if camera is None:
                camera = Camera(venue_id=venue.id, name=cam.area, area=base_area(cam.area),
                                sort_order=cam.index)
            camera.sub_url = stream_url(host, port, cam.mount, "sub")
            camera.main_url = stream_url(host, port, cam.mount, "main")
            camera.enabled = True
            session.add(camera)
        session.commit()
    return len(cams)
