"""Case settings shared by every console of a station (they live in the database, table
casesetting): the case-number pattern, the days after which 黄牌 turns 红牌, the station's id
for the offline exchange and its name for printed sheets; the editable list of legal bases;
and the per-year number sequence, taken inside the transaction that saves a case."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from desktop.core import audit
from desktop.core.access import Action, Actor, require
from desktop.core.audit import AuditAction
from desktop.core.case_rules import (
    DEFAULT_NUMBER_PATTERN,
    DEFAULT_RED_CARD_DAYS,
    CaseNotFoundError,
    CaseValidationError,
    format_case_number,
    validate_number_pattern,
)
from desktop.core.guard import audits_refusals
from desktop.core.models import Case, CaseNumberSeq, CaseSetting, LegalBasis

log = logging.getLogger(__name__)

NUMBER_PATTERN = "number_pattern"
RED_CARD_DAYS = "red_card_days"
STATION_ID = "station_id"
STATION_NAME = "station_name"  # printed on case sheets (desktop/documents/case_loader.py)


@dataclass(frozen=True, slots=True)
class LegalBasisRecord:
    id: int
    title: str
    text: str
    position: int


def read_setting(s: Session, key: str, default: str = "") -> str:
    value = s.exec(select(CaseSetting.value).where(CaseSetting.key == key)).first()
    return default if value is None else value


def _write_setting(engine: Engine, key: str, value: str, actor: Actor | None = None) -> None:
    """Write one setting; with an actor, audited in the same transaction (the station id the
    console makes for itself has none)."""
    with Session(engine) as s:
        row = s.get(CaseSetting, key) or CaseSetting(key=key)
        before = row.value
        row.value = value
        s.add(row)
        if actor is not None:
            audit.record(s, actor, AuditAction.SETTINGS_CHANGE, key, {"from": before, "to": value})
        s.commit()


def number_pattern(engine: Engine) -> str:
    with Session(engine) as s:
        return read_setting(s, NUMBER_PATTERN, DEFAULT_NUMBER_PATTERN)


@audits_refusals
def set_number_pattern(engine: Engine, pattern: str, *, actor: Actor) -> str:
    """Used for the numbers given out from now on (existing numbers stay)."""
    require(actor, Action.MANAGE_SETTINGS)
    pattern = validate_number_pattern(pattern)
    _write_setting(engine, NUMBER_PATTERN, pattern, actor)
    log.info("case number pattern set to %s", pattern)
    return pattern


def red_card_days_of(s: Session) -> int:
    try:
        return max(0, int(read_setting(s, RED_CARD_DAYS, str(DEFAULT_RED_CARD_DAYS))))
    except ValueError:
        return DEFAULT_RED_CARD_DAYS


def red_card_days(engine: Engine) -> int:
    with Session(engine) as s:
        return red_card_days_of(s)


@audits_refusals
def set_red_card_days(engine: Engine, days: int, *, actor: Actor) -> int:
    require(actor, Action.MANAGE_SETTINGS)
    if not isinstance(days, int) or not 0 <= days <= 365:
        raise CaseValidationError({"red_card_days": "红牌天数应为 0–365 的整数"})
    _write_setting(engine, RED_CARD_DAYS, str(days), actor)
    return days


def station_id_of(s: Session) -> str:
    return read_setting(s, STATION_ID)


def station_id(engine: Engine) -> str:
    """This station's (this database's) id, made by the migration: the origin of its cases."""
    with Session(engine) as s:
        value = station_id_of(s)
    if not value:  # a settings row removed by hand: make a new one
        value = uuid.uuid4().hex
        _write_setting(engine, STATION_ID, value)
    return value


def station_name(engine: Engine, default: str = "") -> str:
    with Session(engine) as s:
        return read_setting(s, STATION_NAME, default)


@audits_refusals
def set_station_name(engine: Engine, name: str, *, actor: Actor) -> str:
    require(actor, Action.MANAGE_SETTINGS)
    name = (name or "").strip()
    if not name:
        raise CaseValidationError({"station_name": "请填写单位名称，如 闵行区市场监督管理局七宝市场监督管理所"})
    _write_setting(engine, STATION_NAME, name, actor)
    return name


def allocate_number(s: Session, when: datetime) -> str:
    """The next case number of `when`'s year (local time), inside the caller's transaction:
    two saves never get the same number, and a save that rolls back gives its number back.
    Call it before reading anything in the transaction: its first statement is a write, so
    SQLite takes its write lock first, and PostgreSQL locks the year's row until commit."""
    year = when.astimezone().year
    insert = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    s.exec(insert(CaseNumberSeq).values(year=year, last=0).on_conflict_do_nothing(index_elements=["year"]))
    pattern = read_setting(s, NUMBER_PATTERN, DEFAULT_NUMBER_PATTERN)
    while True:
        seq = s.exec(update(CaseNumberSeq).where(CaseNumberSeq.year == year)
                     .values(last=CaseNumberSeq.last + 1).returning(CaseNumberSeq.last)).scalar_one()
        number = format_case_number(pattern, year, seq)
        # An imported case may hold it already: skip it.
        if s.exec(select(Case.id).where(Case.number == number)).first() is None:
            return number


def lock_settings(s: Session) -> None:
    """Serialise a writer against every other that calls this (imports): a write first, for the
    same reasons as in allocate_number."""
    s.exec(update(CaseSetting).where(CaseSetting.key == STATION_ID).values(value=CaseSetting.value))


# --- 法律依据 -----------------------------------------------------------------------------------

def list_legal_bases(engine: Engine) -> list[LegalBasisRecord]:
    with Session(engine) as s:
        rows = s.exec(select(LegalBasis.id, LegalBasis.title, LegalBasis.text, LegalBasis.position)
                      .order_by(LegalBasis.position, LegalBasis.id)).all()
    return [LegalBasisRecord(*r) for r in rows]


@audits_refusals
def save_legal_basis(engine: Engine, title: str, text: str = "", *, actor: Actor, position: int | None = None,
                     basis_id: int | None = None) -> int:
    """Add (basis_id None, at the end unless a position is given) or edit an entry."""
    require(actor, Action.MANAGE_SETTINGS)
    title, text = (title or "").strip(), (text or "").strip()
    if not title:
        raise CaseValidationError({"title": "请填写法律依据名称，如《中华人民共和国食品安全法》第一百二十六条"})
    with Session(engine) as s:
        row = LegalBasis(title=title) if basis_id is None else s.get(LegalBasis, basis_id)
        if row is None:
            raise CaseNotFoundError(f"法律依据 {basis_id} 不存在 / legal basis not found")
        if position is not None:
            row.position = position
        elif basis_id is None:
            row.position = (s.exec(select(func.max(LegalBasis.position))).one() or 0) + 1
        before = (row.title, row.text) if basis_id is not None else None
        row.title, row.text = title, text
        s.add(row)
        try:
            s.flush()
            audit.record(s, actor, AuditAction.SETTINGS_CHANGE, "legal_basis",
                         {"id": row.id, "op": "create" if basis_id is None else "update",
                          "from": before and before[0], "title": title,
                          "text_changed": bool(before and before[1] != text)})
            s.commit()
        except IntegrityError as exc:
            s.rollback()
            raise CaseValidationError({"title": "已有同名的法律依据"}) from exc
        return row.id


@audits_refusals
def delete_legal_basis(engine: Engine, basis_id: int, *, actor: Actor) -> None:
    """Cases keep the text they were filed with: removing an entry changes no case."""
    require(actor, Action.MANAGE_SETTINGS)
    with Session(engine) as s:
        row = s.get(LegalBasis, basis_id)
        if row is None:
            raise CaseNotFoundError(f"法律依据 {basis_id} 不存在 / legal basis not found")
        audit.record(s, actor, AuditAction.SETTINGS_CHANGE, "legal_basis",
                     {"id": basis_id, "op": "delete", "title": row.title})
        s.delete(row)
        s.commit()


@audits_refusals
def reorder_legal_bases(engine: Engine, ids: list[int] | tuple[int, ...], *, actor: Actor) -> None:
    """Put the entries in this order (the case dialog offers them so): `ids` must name every
    entry once, so that a list edited meanwhile on another console is not half-reordered (the
    caller reloads and asks again). One transaction, one audit entry."""
    require(actor, Action.MANAGE_SETTINGS)
    ids = [int(i) for i in ids]
    with Session(engine) as s:
        rows = {r.id: r for r in s.exec(select(LegalBasis)).all()}
        if len(set(ids)) != len(ids) or set(ids) != set(rows):
            raise CaseValidationError({"order": "法律依据列表已被修改，请刷新后重试"})
        before = [r.id for r in sorted(rows.values(), key=lambda r: (r.position, r.id))]
        for position, basis_id in enumerate(ids, start=1):
            if rows[basis_id].position != position:
                rows[basis_id].position = position
                s.add(rows[basis_id])
        audit.record(s, actor, AuditAction.SETTINGS_CHANGE, "legal_basis",
                     {"op": "reorder", "from": before, "to": ids})
        s.commit()
