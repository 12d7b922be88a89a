"""The logged-in user of this console, shared by the pages and services on the GUI thread.

Pages read `session.actor` when they start work and pass that value to the worker thread (an
Actor is frozen, safe to share); they hide or disable what `session.can(action)` refuses and
update on `changed` (another user logged in, an administrator changed the role). The core
checks again whatever the UI lets through.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from desktop.core.access import Action, Actor, can


class UserSession(QObject):
    changed = Signal(object)  # the new Actor
    lockedChanged = Signal(bool)  # idle lock on / off (the wall keeps playing behind it)

    def __init__(self, actor: Actor, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._actor = actor
        self._locked = False

    @property
    def actor(self) -> Actor:
        return self._actor

    def set_actor(self, actor: Actor) -> None:
        if actor != self._actor:
            self._actor = actor
            self.changed.emit(actor)

    def can(self, action: Action) -> bool:
        return can(self._actor, action)

    @property
    def locked(self) -> bool:
        return self._locked

    def set_locked(self, locked: bool) -> None:
        if locked != self._locked:
            self._locked = locked
            self.lockedChanged.emit(locked)
