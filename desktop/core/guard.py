"""The core's side of issue 7's permissions: the street scope as SQL, and refusals written to the
audit trail.

Lists are filtered in the database, never after loading: a district holds a million alerts, and a
list cut in Python would page and count wrongly. A venue without a street is only seen by actors
who are not limited to streets (as desktop.core.access.in_scope says)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import false, true
from sqlalchemy.engine import Engine
from sqlalchemy.sql.elements import ColumnElement

from desktop.core.access import Actor, PermissionDenied
from desktop.core.audit import AuditAction, record_now

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable)


def street_filter(actor: Actor, street_id_column) -> ColumnElement[bool]:
    """`street_id_column IN actor.streets`, or TRUE for the system and unlimited actors."""
    if actor.system or actor.streets is None:
        return true()
    if not actor.streets:
        return false()
    return street_id_column.in_(sorted(actor.streets))


def limited(actor: Actor) -> bool:
    """Whether queries need the street filter (and so the join to the venue)."""
    return not (actor.system or actor.streets is None)


def record_refusal(engine: Engine, actor: Actor, exc: PermissionDenied, target: str = "") -> None:
    """Write a permission_denied entry once per refusal (nested guarded calls share it). Called
    after the refused call's session is closed: on SQLite a second writer would wait for it."""
    if getattr(exc, "audited", False):
        return
    exc.audited = True
    try:
        record_now(engine, actor, AuditAction.PERMISSION_DENIED, target,
                   {"action": exc.action.name, "label": exc.action.value, "detail": exc.detail})
    except Exception:  # the refusal itself must reach the caller even if the log cannot be written
        log.warning("could not record a refused %s by %s", exc.action.name, actor.username, exc_info=True)


def audits_refusals(fn: F) -> F:
    """For core functions whose first argument is the engine and that take `actor=`: a
    PermissionDenied raised inside is recorded (with the function's name) and re-raised."""

    @functools.wraps(fn)
    def wrapper(engine, *args, **kwargs):
        try:
            return fn(engine, *args, **kwargs)
        except PermissionDenied as exc:
            actor = kwargs.get("actor")
            if isinstance(actor, Actor) and isinstance(engine, Engine):
                record_refusal(engine, actor, exc, fn.__name__)
            raise

    return wrapper  # type: ignore[return-value]
