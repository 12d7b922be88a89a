"""Tables of the console (SQLModel). Every change goes with an Alembic revision in
desktop/core/migrations/versions (a test compares the migrated schema with these classes)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, UniqueConstraint
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

    # Revision 0005 (desktop.core.statistics): a camera's events in time order, with the state.
    __table_args__ = (Index("ix_camerastatusevent_camera_id_at_online", "camera_id", "at", "online"),
                      Index("ix_camerastatusevent_at_online_camera_id", "at", "online", "camera_id"))

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
    """账号 (desktop.core.accounts): an argon2 password hash, a role (desktop.core.access.Role),
    lock-out after repeated failed logins. Street scope in UserStreet (none = every street)."""

    __tablename__ = "app_user"  # "user" is reserved in PostgreSQL

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(unique=True)
    display_name: str = ""
    role: str = "值班员"
    password_hash: str | None = None
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow)
    # Revision 0006
    failed_logins: int = 0  # consecutive failures since the last good login
    locked_until: datetime | None = None
    last_login_at: datetime | None = None
    password_changed_at: datetime | None = None


class UserStreet(SQLModel, table=True):
    """The streets (街镇) a user is limited to; a user without rows sees every street."""

    user_id: int = Field(sa_column=_cascade_fk("app_user.id", primary_key=True))
    street_id: int = Field(sa_column=Column(Integer, ForeignKey("street.id", ondelete="CASCADE"), primary_key=True))


class AuditEntry(SQLModel, table=True):
    """审计日志 (desktop.core.audit): append-only and hash-chained. `seq` numbers the entries
    without gaps and is unique, so two writers cannot fork the chain; `hash` covers the previous
    entry's hash and every field of this one as stored."""

    id: int | None = Field(default=None, primary_key=True)
    seq: int = Field(unique=True)
    at: datetime = Field(index=True)  # UTC
    username: str = Field(index=True)
    role: str = ""
    console: str = ""
    action: str = Field(index=True)  # login, login_failed, case_transition, export, print ...
    target: str = ""  # "case:12", "camera:3", "user:zhang" ...
    detail: str = "{}"  # JSON, exactly as hashed
    prev_hash: str = ""
    hash: str = ""


class EvidenceFile(SQLModel, table=True):
    """证据: a file kept for an alert or a case, named and checked by its SHA-256 so that an
    altered or missing file is detected (desktop.core.evidence_store)."""

    id: int | None = Field(default=None, primary_key=True)
    sha256: str = Field(unique=True)
    kind: str  # frame / annotated / clip / snapshot
    media_type: str = ""  # image/png, video/mp4
    size: int = 0
    rel_path: str  # under the evidence root, e.g. "ab/abcdef….png"
    camera_id: int | None = Field(default=None, foreign_key="camera.id", index=True)
    captured_at: datetime | None = None  # when the picture was taken (not when stored)
    created_by: str = ""
    created_at: datetime = Field(default_factory=utcnow)
    # Revision 0004 (cases): the venue the picture shows, the original an annotated picture was
    # drawn on (never changed itself), the shapes as data so the annotation can be edited again,
    # and where it came from: tile / maximised / player / alert / import (desktop.core.evidence).
    venue_id: int | None = Field(default=None, foreign_key="venue.id", index=True)
    derived_from_id: int | None = Field(default=None, foreign_key="evidencefile.id", index=True)
    annotation_json: str = ""
    source: str = ""
    # Revision 0008 (desktop.core.disk_guard): the file was deleted by the retention policy; the
    # row stays (cases and alerts still name it) and the UI says 已按保留策略清理.
    removed_at: datetime | None = None
    removed_reason: str = ""


class Alert(SQLModel, table=True):
    """告警: a violation the analysis (or the stream engine) raised on a camera, and its review
    (待复核 → 已确认 / 误报), which is also the labelled data for evaluating models later."""

    # Revision 0005 (desktop.core.statistics): every dashboard figure on alerts is answered from
    # this one index (time range first, then what the figures group and filter by).
    __table_args__ = (Index("ix_alert_at_category_camera_id_review_state", "at", "category", "camera_id",
                            "review_state"),)

    id: int | None = Field(default=None, primary_key=True)
    camera_id: int = Field(foreign_key="camera.id", index=True)
    category: str = Field(index=True)  # 未戴口罩, 非工作时间人员, 画面异常, 视频离线 …
    tier: str = ""  # 一级 / 二级 / 三级 / 非AI
    started_at: datetime
    at: datetime = Field(index=True)
    score: float = 0.0
    rule_id: str = ""
    reason: str = ""
    boxes_json: str = "[]"  # [[x1, y1, x2, y2, score, label], …] in source pixels
    review_state: str = Field(default="待复核", index=True)
    reviewer: str = ""
    review_comment: str = ""
    reviewed_at: datetime | None = None
    # 签收 (revision 0009, desktop.core.alerts.acknowledge_alert): the first person who took
    # notice of the alert (a review counts); a later acknowledgement keeps the first.
    acknowledged_by: str = ""
    acknowledged_at: datetime | None = None


class AlertEvidence(SQLModel, table=True):
    alert_id: int = Field(sa_column=_cascade_fk("alert.id", primary_key=True))
    evidence_id: int = Field(sa_column=Column(Integer, ForeignKey("evidencefile.id"), primary_key=True))
    role: str = ""  # clean / boxes / clip


# --- 案件 cases (revision 0004, desktop.core.cases) -------------------------------------------

class Case(SQLModel, table=True):
    """案件: a violation handled from 待处理 to 已办结 (or 撤销); every change is a CaseEvent.
    `uuid` identifies the case across stations (offline exchange, desktop.core.case_package);
    `origin_station` is the station (database) it was filed on."""

    __tablename__ = "app_case"  # "case" is a reserved word in SQL
    __table_args__ = (Index("ix_app_case_state_created_at", "state", "created_at"),
                      # revision 0005 (desktop.core.statistics): cases opened in a range, by state
                      Index("ix_app_case_created_at_state", "created_at", "state"),
                      Index("ix_app_case_closed_at", "closed_at"))

    id: int | None = Field(default=None, primary_key=True)
    number: str = Field(unique=True)  # 闵市监明厨〔2026〕0001号, from the station's pattern
    uuid: str = Field(unique=True)
    venue_id: int = Field(foreign_key="venue.id", index=True)
    category: str = Field(default="", index=True)  # 违规类型: 未戴口罩, 鼠患 …
    tier: str = ""  # 一级 / 二级 / 三级 / 非AI
    legal_basis: str = ""  # the chosen 法律依据 (titles and text), one per line, copied at the time
    facts: str = ""  # 违法事实
    handler: str = Field(default="", index=True)  # 承办人
    deadline: date | None = Field(default=None, index=True)  # 整改期限
    state: str = "待处理"
    created_by: str = ""
    created_at: datetime = Field(default_factory=utcnow, index=True)
    updated_at: datetime = Field(default_factory=utcnow)
    closed_at: datetime | None = None  # 已办结 or 撤销
    origin_station: str = ""  # station id (CaseSetting "station_id") where it was filed
    origin_number: str = ""  # its number there, when it had to get another one here
    origin_alerts_json: str = ""  # alert summaries that came with an imported case
    imported_at: datetime | None = None


class CaseEvent(SQLModel, table=True):
    """One line of a case's time line: created, a state transition, an edit; who, when, why."""

    # Revision 0005 (desktop.core.statistics): when cases reached a state (rectification rate).
    __table_args__ = (Index("ix_caseevent_to_state_at", "to_state", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(unique=True)  # the same event on every station that holds the case
    case_id: int = Field(sa_column=_cascade_fk("app_case.id"))
    action: str = "transition"  # create / transition / edit
    from_state: str = ""
    to_state: str = ""
    who: str = ""
    at: datetime = Field(default_factory=utcnow)
    comment: str = ""


class CaseEvidence(SQLModel, table=True):
    """An evidence item of a case (the file stays a record of its own: no cascade from it)."""

    case_id: int = Field(sa_column=_cascade_fk("app_case.id", primary_key=True))
    evidence_id: int = Field(sa_column=Column(Integer, ForeignKey("evidencefile.id"), primary_key=True, index=True))
    role: str = ""  # what it shows: 现场照片, 告警截图, 标注图, 视频片段 …
    note: str = ""
    position: int = 0


class CaseAlert(SQLModel, table=True):
    case_id: int = Field(sa_column=_cascade_fk("app_case.id", primary_key=True))
    alert_id: int = Field(sa_column=Column(Integer, ForeignKey("alert.id"), primary_key=True, index=True))


class LegalBasis(SQLModel, table=True):
    """法律依据: the editable list a case's legal basis is chosen from."""

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(unique=True)  # 《中华人民共和国食品安全法》第一百二十六条
    text: str = ""
    position: int = 0


class CaseNumberSeq(SQLModel, table=True):
    """The last case number given out per year; taken inside the saving transaction."""

    year: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    last: int = 0


class CaseSetting(SQLModel, table=True):
    """Case settings shared by every console of the station (the database): number_pattern,
    red_card_days, station_id."""

    key: str = Field(primary_key=True)
    value: str = ""


# --- daily roll-ups of the dashboard (revision 0007, desktop.core.stats_rollup) ---------------

class AlertDay(SQLModel, table=True):
    """Alerts per local day, category and review state, at four levels: 0 all, 1 per 街镇
    (street_id; 0 = none), 2 per 单位类型, 3 per both (-1 / '*' where not split). Kept by triggers."""

    __tablename__ = "alert_day"
    __table_args__ = (
        # filters by street (or none) and a day range; figures per 单位类型
        Index("ix_alert_day_level_street_id_day", "level", "street_id", "day", "venue_type", "category",
              "review_state", "n"),
        # filters by 单位类型 (or none) and a day range; figures per 街镇
        Index("ix_alert_day_level_venue_type_day", "level", "venue_type", "day", "street_id", "category",
              "review_state", "n"),
        {"sqlite_with_rowid": False},  # the primary key holds the rows: read without look-ups
    )

    level: int = Field(primary_key=True)
    street_id: int = Field(primary_key=True)
    venue_type: str = Field(primary_key=True)
    day: date = Field(primary_key=True)
    category: str = Field(primary_key=True)
    review_state: str = Field(primary_key=True)
    n: int = 0


class AlertVenueDay(SQLModel, table=True):
    """Confirmed (已确认) alerts per venue, local day and category (红黑榜). Kept by triggers."""

    __tablename__ = "alert_venue_day"
    __table_args__ = (Index("ix_alert_venue_day_day_venue_id", "day", "venue_id", "category", "n"),
                      {"sqlite_with_rowid": False})

    venue_id: int = Field(primary_key=True)
    day: date = Field(primary_key=True)
    category: str = Field(primary_key=True)
    n: int = 0


class CameraDayOffline(SQLModel, table=True):
    """Seconds offline per camera and closed local day (days with none have no row)."""

    __tablename__ = "camera_day_offline"
    __table_args__ = (Index("ix_camera_day_offline_day_camera_id", "day", "camera_id", "seconds"),
                      {"sqlite_with_rowid": False})

    camera_id: int = Field(primary_key=True)
    day: date = Field(primary_key=True)
    seconds: float = 0.0


class CameraDayFilled(SQLModel, table=True):
    """The local days camera_day_offline holds (filled lazily), with the day's offline seconds
    of every camera (NULL until computed, again after a late status event or a deleted camera)."""

    __tablename__ = "camera_day_filled"

    day: date = Field(primary_key=True)
    seconds: float | None = None


class CameraDayStale(SQLModel, table=True):
    """Cameras whose filled days from `day` on must be computed again (a status event written,
    changed or deleted late); the next statistics query does it."""

    __tablename__ = "camera_day_stale"

    camera_id: int = Field(primary_key=True)
    day: date
