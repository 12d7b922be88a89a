"""Tables of the console (SQLModel). Every change goes with an Alembic revision in
desktop/core/migrations/versions (a test compares the migrated schema with these classes)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, ForeignKey, Integer, UniqueConstraint
from sqlmodel import Field, SQLModel

# Named constraints, so migrations can alter them on PostgreSQL and in SQLite's batch mode.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def _cascade_fk(target: str, *, primary_key: bool = False, index: bool = True) -> Column:
    return Column(Integer, ForeignKey(target, ondelete="CASCADE"), nullable=False,
                  primary_key=primary_key, index=index and not primary_key)


class Street(SQLModel, table=True):
    """街镇: the unit the station's work and statistics are organised by."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    district: str = ""
    sort_order: int = 0


class Venue(SQLModel, table=True):
    """单位 (一户一档)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    license_no: str | None = Field(default=None, unique=True)  # 许可证号, unique when present
    address: str = ""
    street_id: int | None = Field(default=None, foreign_key="street.id", index=True)
    venue_type: str = ""  # 学校食堂, 养老机构食堂, 大型餐饮 ... (desktop.core.vocabulary)
    risk_level: str = ""  # A / B / C / D
    contact_person: str = ""
    contact_phone: str = ""
    business_hours: str = ""  # "06:00-20:00"; several spans "06:00-09:00,11:00-13:00"
    build_progress: str = "前期准备"  # 前期准备 / 设备安装 / 视频对接 / 完成建设
    expected_completion: str = ""  # 预计完成时间, to the month: "2023-09"
    platform_connected: bool = False  # 是否接入平台
    notes: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class Camera(SQLModel, table=True):
    """摄像头. URLs never carry credentials: they live in CameraCredential."""

    id: int | None = Field(default=None, primary_key=True)
    venue_id: int = Field(foreign_key="venue.id", index=True)
    name: str
    area: str = ""  # 加工制作区, 专间, 烹饪区 ...
    sub_url: str = ""
    main_url: str = ""
    enabled: bool = True
    sort_order: int = 0
    installed: bool = True  # 视频安装完成
    platform_connected: bool = False  # 已对接平台
    analysis_enabled: bool = True
    analysis_fps: float = 2.0
    # JSON documents owned by the analysis issue: detectors/categories/thresholds, zones and
    # masks (polygons in picture fractions), schedule ("" = the venue's business hours).
    analysis_json: str = "{}"
    zones_json: str = "[]"
    schedule_json: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class CameraCredential(SQLModel, table=True):
    """User name and password of a camera, apart from its URLs so that nothing that shows or
    logs a URL can leak them. `secret_format` lets the security issue encrypt at rest."""

    camera_id: int = Field(sa_column=_cascade_fk("camera.id", primary_key=True))
    username: str = ""
    secret: str = ""
    secret_format: str = "plain"
    updated_at: datetime = Field(default_factory=utcnow)


class CameraStatusEvent(SQLModel, table=True):
    """Online/offline changes of a camera, for the duty log and the online-rate statistics."""

    id: int | None = Field(default=None, primary_key=True)
    camera_id: int = Field(foreign_key="camera.id", index=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    online: bool
    reason: str = ""


class PatrolGroup(SQLModel, table=True):
    """轮巡分组: cameras the duty staff patrol together."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    dwell_seconds: int = 30
    layout: str = "3x3"
    created_at: datetime = Field(default_factory=utcnow)


class PatrolGroupMember(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("group_id", "camera_id", name="uq_patrolgroupmember_group_camera"),)

    id: int | None = Field(default=None, primary_key=True)
    group_id: int = Field(sa_column=_cascade_fk("patrolgroup.id"))
    camera_id: int = Field(sa_column=_cascade_fk("camera.id"))
    position: int = 0


class User(SQLModel, table=True):
    """账号: a placeholder the roles issue fills (password hashes, street scope, lock-out)."""

    __tablename__ = "app_user"  # "user" is reserved in PostgreSQL

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True)
    display_name: str = ""
    role: str = "值班员"
    password_hash: str | None = None
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
