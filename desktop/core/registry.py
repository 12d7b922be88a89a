"""一户一档: reading and changing venues and cameras. Every function opens its own session and
returns plain frozen values (DESIGN.md §4: never hand out attached ORM objects); every change
is validated here, below the UI, and happens in one transaction."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy import delete, func
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from desktop.core import audit
from desktop.core.access import Action, Actor, require
from desktop.core.audit import AuditAction
from desktop.core.credentials import Credentials, load_credentials, store_credentials
from desktop.core.guard import audits_refusals, street_filter
from desktop.core.models import (
    Alert,
    Camera,
    CameraCredential,
    CameraStatusEvent,
    Case,
    EvidenceFile,
    PatrolGroupMember,
    Street,
    Venue,
    utcnow,
)
from desktop.core.registry_validation import ValidationError, validate_camera, validate_venue

log = logging.getLogger(__name__)

__all__ = ["CameraInput", "CameraRecord", "NotFoundError", "StreetRecord", "ValidationError", "VenueInput",
           "VenueRecord", "camera_credentials", "delete_camera", "delete_venue", "get_venue", "list_cameras",
           "list_streets", "list_venues", "save_camera", "save_venue"]


class NotFoundError(LookupError):
    pass


@dataclass(frozen=True, slots=True)
class StreetRecord:
    id: int
    name: str
    district: str


@dataclass(frozen=True, slots=True)
class VenueRecord:
    id: int
    name: str
    license_no: str
    address: str
    street_id: int | None
    street: str
    venue_type: str
    risk_level: str
    contact_person: str
    contact_phone: str
    business_hours: str
    build_progress: str
    expected_completion: str
    platform_connected: bool
    notes: str
    camera_count: int = 0


@dataclass(frozen=True, slots=True)
class CameraRecord:
    """What the UI may show of a camera: no credentials, only whether they are set."""

    id: int
    venue_id: int
    name: str
    area: str
    sub_url: str
    main_url: str
    enabled: bool
    sort_order: int
    installed: bool
    platform_connected: bool
    analysis_enabled: bool
    analysis_fps: float
    has_credentials: bool


@dataclass(frozen=True, slots=True)
class VenueInput:
    """A venue as an add/edit dialog or an import fills it in; id None = a new venue.
    `street` is a name: a new 街镇 is created on first use."""

    name: str
    license_no: str = ""
    address: str = ""
    street: str = ""
    venue_type: str = ""
    risk_level: str = ""
    contact_person: str = ""
    contact_phone: str = ""
    business_hours: str = ""
    build_progress: str = "前期准备"
    expected_completion: str = ""
    platform_connected: bool = False
    notes: str = ""
    id: int | None = None


@dataclass(frozen=True, slots=True)
class CameraInput:
    """`credentials` None keeps what is stored; empty Credentials() removes them. Credentials
    typed into a URL (`rtsp://user:pw@host/...`) are moved out of it by validation."""

    venue_id: int
    name: str
    sub_url: str
    main_url: str = ""
    area: str = ""
    enabled: bool = True
    installed: bool = True
    platform_connected: bool = False
    analysis_enabled: bool = True
    analysis_fps: float = 2.0
    sort_order: int | None = None
    credentials: Credentials | None = field(default=None, repr=False)
    id: int | None = None


# Plain column selects, not ORM entities: a district lists 12,500 venues and 25,000 cameras, and
# that many tracked objects cost full garbage collections the GUI thread feels (GIL).
_VENUE_COLUMNS = (Venue.id, Venue.name, Venue.license_no, Venue.address, Venue.street_id, Street.name,
                  Venue.venue_type, Venue.risk_level, Venue.contact_person, Venue.contact_phone,
                  Venue.business_hours, Venue.build_progress, Venue.expected_completion,
                  Venue.platform_connected, Venue.notes)
_CAMERA_COLUMNS = (Camera.id, Camera.venue_id, Camera.name, Camera.area, Camera.sub_url, Camera.main_url,
                   Camera.enabled, Camera.sort_order, Camera.installed, Camera.platform_connected,
                   Camera.analysis_enabled, Camera.analysis_fps)


def _venue_record(row) -> VenueRecord:
    (vid, name, license_no, address, street_id, street, venue_type, risk, person, phone, hours, progress,
     expected, connected, notes, cameras) = row
    return VenueRecord(vid, name, license_no or "", address, street_id, street or "", venue_type, risk, person,
                       phone, hours, progress, expected, bool(connected), notes, cameras)


def _camera_record(row) -> CameraRecord:
    *values, credential = row
    cid, venue_id, name, area, sub_url, main_url, enabled, order, installed, connected, analysis, fps = values
    return CameraRecord(cid, venue_id, name, area, sub_url, main_url, bool(enabled), order, bool(installed),
                        bool(connected), bool(analysis), fps, credential is not None)


def _venue_query():
    counts = select(Camera.venue_id, func.count(Camera.id).label("n")).group_by(Camera.venue_id).subquery()
    return (select(*_VENUE_COLUMNS, func.coalesce(counts.c.n, 0)).select_from(Venue)
            .join(Street, Venue.street_id == Street.id, isouter=True)
            .join(counts, counts.c.venue_id == Venue.id, isouter=True))


def list_streets(engine: Engine, *, actor: Actor) -> list[StreetRecord]:
    """The streets the actor may see (pickers, the dashboard's scope bar): all of them unless the
    actor is limited to some. No permission of its own: a street name is not venue data."""
    with Session(engine) as s:
        rows = s.exec(select(Street).where(street_filter(actor, Street.id))
                      .order_by(Street.sort_order, Street.id)).all()
        return [StreetRecord(r.id, r.name, r.district) for r in rows]


def list_venues(engine: Engine, *, actor: Actor) -> list[VenueRecord]:
    """The actor's venues in tree order (街镇, then entry order), with their camera counts."""
    with Session(engine) as s:
        rows = s.exec(_venue_query().where(street_filter(actor, Venue.street_id))
                      .order_by(Street.sort_order, Street.id, Venue.id)).all()
        return [_venue_record(r) for r in rows]


@audits_refusals
def get_venue(engine: Engine, venue_id: int, *, actor: Actor) -> VenueRecord:
    """One venue; PermissionDenied for a venue outside the actor's streets."""
    with Session(engine) as s:
        row = s.exec(_venue_query().where(Venue.id == venue_id)).first()
        if row is None:
            raise NotFoundError(f"单位不存在 (venue {venue_id} not found)")
        record = _venue_record(row)
    require(actor, Action.VIEW_WALL, street_id=record.street_id, scoped=True)
    return record


def list_cameras(engine: Engine, venue_id: int | None = None, *, actor: Actor) -> list[CameraRecord]:
    """Cameras of the actor's venues (of one venue when given)."""
    stmt = (select(*_CAMERA_COLUMNS, CameraCredential.camera_id)
            .join(CameraCredential, CameraCredential.camera_id == Camera.id, isouter=True)
            .join(Venue, Venue.id == Camera.venue_id)
            .where(street_filter(actor, Venue.street_id))
            .order_by(Camera.venue_id, Camera.sort_order, Camera.id))
    if venue_id is not None:
        stmt = stmt.where(Camera.venue_id == venue_id)
    with Session(engine) as s:
        return [_camera_record(r) for r in s.exec(stmt).all()]


def camera_credentials(engine: Engine, camera_id: int) -> Credentials:
    """For the stream engine and the connection test only; never for display."""
    with Session(engine) as s:
        return load_credentials(s, camera_id)


def _street_id(s: Session, name: str) -> int | None:
    if not name:
        return None
    street = s.exec(select(Street).where(Street.name == name)).first()
    if street is None:
        street = Street(name=name, sort_order=(s.exec(select(func.max(Street.sort_order))).one() or 0) + 1)
        s.add(street)
        s.flush()
    return street.id


def _require_registry(s: Session, actor: Actor, venue_id: int) -> None:
    street_id = s.exec(select(Venue.street_id).where(Venue.id == venue_id)).first()
    require(actor, Action.MANAGE_REGISTRY, street_id=street_id, scoped=True)


_VENUE_AUDIT_FIELDS = ("name", "license_no", "address", "street_id", "venue_type", "risk_level", "contact_person",
                       "contact_phone", "business_hours", "build_progress", "expected_completion",
                       "platform_connected", "notes")
# Never the URLs: an address typed with user:password@ in it must not reach the audit trail.
_CAMERA_AUDIT_FIELDS = ("venue_id", "name", "area", "enabled", "installed", "platform_connected",
                        "analysis_enabled", "analysis_fps", "sort_order")


def _fields(row, names: tuple[str, ...]) -> dict:
    return {n: getattr(row, n) for n in names}


def _changes(before: dict, after: dict) -> dict:
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


@audits_refusals
def save_venue(engine: Engine, data: VenueInput, *, actor: Actor) -> int:
    """Add or update a venue (MANAGE_REGISTRY on its street, before and after); raises
    ValidationError (field → message) for bad input, including a 许可证号 another venue already
    has."""
    require(actor, Action.MANAGE_REGISTRY)
    data = validate_venue(data)
    with Session(engine) as s:
        if data.license_no:
            other = s.exec(select(Venue.id, Venue.name).where(Venue.license_no == data.license_no)).first()
            if other is not None and other[0] != data.id:
                raise ValidationError({"license_no": f"许可证号已被「{other[1]}」使用"})
        venue = Venue() if data.id is None else s.get(Venue, data.id)
        if venue is None:
            raise NotFoundError(f"单位不存在 (venue {data.id} not found)")
        if data.id is not None:
            require(actor, Action.MANAGE_REGISTRY, street_id=venue.street_id, scoped=True)
        before = {} if data.id is None else _fields(venue, _VENUE_AUDIT_FIELDS)
        venue.name, venue.license_no, venue.address = data.name, data.license_no or None, data.address
        venue.street_id = _street_id(s, data.street)
        # Moving a venue (or adding one) to a street outside the actor's scope is refused too.
        require(actor, Action.MANAGE_REGISTRY, street_id=venue.street_id, scoped=True)
        venue.venue_type, venue.risk_level = data.venue_type, data.risk_level
        venue.contact_person, venue.contact_phone = data.contact_person, data.contact_phone
        venue.business_hours, venue.build_progress = data.business_hours, data.build_progress
        venue.expected_completion, venue.platform_connected = data.expected_completion, data.platform_connected
        venue.notes, venue.updated_at = data.notes, utcnow()
        s.add(venue)
        try:
            s.flush()
            audit.record(s, actor, AuditAction.VENUE_CHANGE, venue.name,
                         {"venue_id": venue.id, "op": "create" if data.id is None else "update",
                          "changes": _changes(before, _fields(venue, _VENUE_AUDIT_FIELDS))})
            s.commit()
        except IntegrityError as exc:  # a concurrent console took the licence number first
            s.rollback()
            raise ValidationError({"license_no": "许可证号已存在"}) from exc
        log.info("venue %s saved (%s)", venue.id, "new" if data.id is None else "edit")
        return venue.id


def _delete_camera_rows(s: Session, camera_ids: list[int]) -> None:
    if not camera_ids:
        return
    # Alerts and evidence are records of the station's supervision: a camera that has any is
    # disabled, not deleted.
    for table, what in ((Alert, "告警"), (EvidenceFile, "证据")):
        if s.exec(select(table.id).where(table.camera_id.in_(camera_ids)).limit(1)).first() is not None:
            raise ValidationError({"camera": f"摄像头已有{what}记录，不能删除；可改为停用"})
    for table in (CameraStatusEvent, PatrolGroupMember, CameraCredential):
        s.exec(delete(table).where(table.camera_id.in_(camera_ids)))
    s.exec(delete(Camera).where(Camera.id.in_(camera_ids)))


@audits_refusals
def delete_venue(engine: Engine, venue_id: int, *, actor: Actor) -> None:
    """Removes the venue with its cameras, their credentials, status history and patrol places."""
    require(actor, Action.MANAGE_REGISTRY)
    with Session(engine) as s:
        venue = s.get(Venue, venue_id)
        if venue is None:
            raise NotFoundError(f"单位不存在 (venue {venue_id} not found)")
        require(actor, Action.MANAGE_REGISTRY, street_id=venue.street_id, scoped=True)
        name, license_no = venue.name, venue.license_no
        # Cases and evidence filed against the venue are legal records: it stays (as with cameras).
        for table, what in ((Case, "案件"), (EvidenceFile, "证据")):
            if s.exec(select(table.id).where(table.venue_id == venue_id).limit(1)).first() is not None:
                raise ValidationError({"venue": f"单位已有{what}记录，不能删除"})
        cameras = list(s.exec(select(Camera.id).where(Camera.venue_id == venue_id)).all())
        _delete_camera_rows(s, cameras)
        s.exec(delete(Venue).where(Venue.id == venue_id))
        audit.record(s, actor, AuditAction.VENUE_CHANGE, name,
                     {"venue_id": venue_id, "op": "delete", "license_no": license_no or "", "cameras": cameras})
        s.commit()
    log.info("venue %s deleted", venue_id)


@audits_refusals
def save_camera(engine: Engine, data: CameraInput, *, actor: Actor) -> int:
    """Add or update a camera (MANAGE_REGISTRY on its venue's street, and on the old venue's
    when it moves)."""
    require(actor, Action.MANAGE_REGISTRY)
    data = validate_camera(data)
    with Session(engine) as s:
        if s.get(Venue, data.venue_id) is None:
            raise ValidationError({"venue_id": "所属单位不存在"})
        _require_registry(s, actor, data.venue_id)
        same_name = s.exec(select(Camera.id).where(Camera.venue_id == data.venue_id, Camera.name == data.name)).first()
        if same_name is not None and same_name != data.id:
            raise ValidationError({"name": "该单位已有同名摄像头"})
        cam = Camera(venue_id=data.venue_id, name=data.name) if data.id is None else s.get(Camera, data.id)
        if cam is None:
            raise NotFoundError(f"摄像头不存在 (camera {data.id} not found)")
        if data.id is not None:
            _require_registry(s, actor, cam.venue_id)
        before = {} if data.id is None else _fields(cam, _CAMERA_AUDIT_FIELDS)
        urls_before = (None, None) if data.id is None else (cam.sub_url, cam.main_url)
        if data.sort_order is not None:
            cam.sort_order = data.sort_order
        elif data.id is None:
            last = s.exec(select(func.max(Camera.sort_order)).where(Camera.venue_id == data.venue_id)).one()
            cam.sort_order = (last or 0) + 1
        cam.venue_id, cam.name, cam.area = data.venue_id, data.name, data.area
        cam.sub_url, cam.main_url = data.sub_url, data.main_url
        cam.enabled, cam.installed, cam.platform_connected = data.enabled, data.installed, data.platform_connected
        cam.analysis_enabled, cam.analysis_fps, cam.updated_at = data.analysis_enabled, data.analysis_fps, utcnow()
        s.add(cam)
        s.flush()
        if data.credentials is not None:
            store_credentials(s, cam.id, data.credentials)
        detail = {"camera_id": cam.id, "op": "create" if data.id is None else "update",
                  "changes": _changes(before, _fields(cam, _CAMERA_AUDIT_FIELDS))}
        if urls_before != (cam.sub_url, cam.main_url):
            detail["url_changed"] = True  # which, not what: the URLs stay out of the log
        if data.credentials is not None:
            detail["credentials_changed"] = True
        audit.record(s, actor, AuditAction.CAMERA_CHANGE, cam.name, detail)
        s.commit()
        log.info("camera %s saved (%s)", cam.id, "new" if data.id is None else "edit")
        return cam.id


@audits_refusals
def delete_camera(engine: Engine, camera_id: int, *, actor: Actor) -> None:
    require(actor, Action.MANAGE_REGISTRY)
    with Session(engine) as s:
        cam = s.get(Camera, camera_id)
        if cam is None:
            raise NotFoundError(f"摄像头不存在 (camera {camera_id} not found)")
        _require_registry(s, actor, cam.venue_id)
        name, venue_id = cam.name, cam.venue_id
        _delete_camera_rows(s, [camera_id])
        audit.record(s, actor, AuditAction.CAMERA_CHANGE, name,
                     {"camera_id": camera_id, "venue_id": venue_id, "op": "delete"})
        s.commit()
    log.info("camera %s deleted", camera_id)
