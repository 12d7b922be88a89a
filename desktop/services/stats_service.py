"""Qt glue of the 统计 dashboard: every desktop.core.statistics query of one scope runs on the
console's DB runner in one task; the answers come back on the GUI thread as one StatsBundle
through `loaded`, or a message through `failed`. A newer request supersedes an older one: the
answer of a request that is no longer the latest is dropped.

  loaded(StatsBundle)   every figure of the latest scope
  failed(str)           a message for the status bar
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date

from PySide6.QtCore import QObject, Signal
from sqlalchemy.engine import Engine

from desktop.core import statistics
from desktop.core.access import Actor
from desktop.core.guard import limited
from desktop.core.registry import list_streets
from desktop.core.statistics import CaseFunnel, OfflineCamera, ReviewOutcome, StatsScope, VenueCount
from desktop.services.task_runner import TaskRunner
from desktop.services.user_session import UserSession

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class StatsBundle:
    """Every figure the dashboard shows for one scope."""

    scope: StatsScope
    per_day: tuple[tuple[date, str, int], ...]
    by_category: tuple[tuple[str, int], ...]
    by_street: tuple[tuple[str, int], ...]
    by_venue_type: tuple[tuple[str, int], ...]
    most: tuple[VenueCount, ...]
    fewest: tuple[VenueCount, ...]
    reviews: tuple[ReviewOutcome, ...]
    funnel: CaseFunnel
    online_rate: tuple[tuple[date, float], ...]
    offline: tuple[OfflineCamera, ...]
    streets: tuple[str, ...]  # the station's 街镇, for the scope bar


def read_bundle(engine: Engine, scope: StatsScope, ranking: int = 10, *, actor: Actor) -> StatsBundle:
    """DB runner: all the queries of one scope, as `actor` (the core limits every figure to the
    actor's streets and refuses a role without 查看统计); the scope bar offers the actor's
    streets. A street picked under an earlier login that this actor may not see is dropped
    from the scope (the bar then shows 全部街镇) rather than refusing every reload."""
    streets = tuple(s.name for s in list_streets(engine, actor=actor))
    if limited(actor) and scope.street is not None and scope.street not in streets:
        scope = replace(scope, street=None)
    most, fewest = statistics.venue_ranking(engine, scope, n=ranking, actor=actor)
    return StatsBundle(
        scope=scope,
        per_day=tuple(tuple(r) for r in statistics.alerts_per_day(engine, scope, actor=actor)),
        by_category=tuple(tuple(r) for r in statistics.alerts_by_category(engine, scope, actor=actor)),
        by_street=tuple(tuple(r) for r in statistics.alerts_by_street(engine, scope, actor=actor)),
        by_venue_type=tuple(tuple(r) for r in statistics.alerts_by_venue_type(engine, scope, actor=actor)),
        most=tuple(most), fewest=tuple(fewest),
        reviews=tuple(statistics.review_outcomes(engine, scope, actor=actor)),
        funnel=statistics.case_funnel(engine, scope, actor=actor),
        online_rate=tuple(tuple(r) for r in statistics.camera_online_rate(engine, scope, actor=actor)),
        offline=tuple(statistics.cameras_offline_longest(engine, scope, n=ranking, actor=actor)),
        streets=streets,
    )


class StatsService(QObject):
    loaded = Signal(object)  # StatsBundle
    failed = Signal(str)
    reportWritten = Signal(object)  # desktop.reports.export.ExportResult
    reportFailed = Signal(str)

    def __init__(self, engine: Engine, db: TaskRunner, session: UserSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.engine = engine
        self.db = db
        self._latest = 0
        self.busy = False

    def load(self, scope: StatsScope) -> int:
        """Ask for the figures of `scope`; returns the request's number. Only the answer of the
        latest request is delivered."""
        self._latest += 1
        ticket = self._latest
        self.busy = True

        def done(result) -> None:
            if ticket != self._latest:
                return  # superseded by a newer scope
            self.busy = False
            if isinstance(result, BaseException):
                self.failed.emit(str(result) or type(result).__name__)
            else:
                self.loaded.emit(result)

        actor = self.session.actor
        self.db.submit(lambda: read_bundle(self.engine, scope, actor=actor), on_done=done, on_error=done)
        return ticket

    def export_monthly(self, month, xlsx=None, pdf=None) -> None:
        """The monthly report (进度报表, 统计表, 监管月报) on the db thread: the queries and the
        rendering (QPainter on a QPdfWriter is allowed off the GUI thread) never block the GUI.
        As the logged-in user: the core refuses a role without 导出报表 and audits the export."""
        from desktop.reports.export import export_monthly

        actor = self.session.actor

        def done(result) -> None:
            if isinstance(result, BaseException):
                self.reportFailed.emit(str(result) or type(result).__name__)
            else:
                self.reportWritten.emit(result)

        self.db.submit(lambda: export_monthly(self.engine, month, actor=actor, xlsx=xlsx, pdf=pdf),
                       on_done=done, on_error=done)
