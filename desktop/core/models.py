"""Tables of the console (SQLModel). The registry issue extends these with Alembic migrations."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Street(SQLModel, table=True):
    """街镇: the unit the station's work and statistics are organised by."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True)
    district: str = ""


class Venue(SQLModel, table=True):
    """单位 (一户一档)."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    license_no: str | None = Field(default=None, unique=True)  # 许可证号, unique when present
    address: str = ""
    street_id: int | None = Field(default=None, foreign_key="street.id", index=True)
    venue_type: str = ""  # 学校食堂, 养老机构食堂, 大型餐饮 ...
    risk_level: str = ""
    contact_person: str = ""
    contact_phone: str = ""
    business_hours: str = ""  # "06:00-20:00"
    build_progress: str = "前期准备"  # 前期准备 / 设备安装 / 视频对接 / 完成建设
    platform_connected: bool = False


class Camera(SQLModel, table=True):
    """摄像头. URLs are stored without credentials (see desktop.core.redact)."""

    id: int | None = Field(default=None, primary_key=True)
    venue_id: int = Field(foreign_key="venue.id", index=True)
    name: str
    area: str = ""  # 加工制作区, 专间, 烹饪区 ...
    sub_url: str = ""
    main_url: str = ""
    enabled: bool = True
    sort_order: int = 0


class CameraStatusEvent(SQLModel, table=True):
    """Online/offline changes of a camera, for the duty log and the online-rate statistics."""

    id: int | None = Field(default=None, primary_key=True)
    camera_id: int = Field(foreign_key="camera.id", index=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    online: bool
    reason: str = ""
