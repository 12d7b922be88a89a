"""Qt glue of alerts: AnalysisEvents arrive from any thread (the stream host's event reader),
are queued to the GUI thread, stored with their pictures on the DB runner, and their clip is cut
on a runner of its own (cut_clip blocks until the post-roll has arrived) and attached on the DB
runner when it is there. A failed clip is logged and shown on the alert; the alert is kept.

Signals carry frozen AlertRecords: `alertRaised` once an alert is stored, `alertUpdated` when
its clip arrived (or failed), it was reviewed or acknowledged (签收).

Storing an alert and its clip is the console's own work (no user); queries and reviews act as
the logged-in user, read from the session on the GUI thread when the request starts, so a user
switch while a query runs cannot lend the new user's rights to the old request."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

from PySide6.QtCore import QObject, Qt, Signal
from sqlalchemy.engine import Engine

from desktop.core import audit
from desktop.core.access import PermissionDenied
from desktop.core.alerts import (
    AlertError,
    AlertFilter,
    AlertRecord,
    acknowledge_alert,
    alert_input_from_violation,
    attach_clip,
    count_by_state,
    list_alerts,
    record_alert,
    review_alert,
)
from desktop.core.evidence_store import EvidenceStore
from desktop.services.task_runner import TaskRunner
from desktop.services.user_session import UserSession
from desktop.streaming.clip import ClipError
from desktop.streaming.worker import StreamKey

log = logging.getLogger(__name__)

PRE_S = 5.0  # DESIGN §3: the clip spans ≥ 5 s before the moment …
POST_S = 5.0  # … and ≥ 5 s after it


class AlertService(QObject):
    alertRaised = Signal(object)  # AlertRecord, just stored
    alertUpdated = Signal(object)  # AlertRecord: clip attached or failed, reviewed
    failed = Signal(str)  # a message for the status bar
    _incoming = Signal(object)  # AnalysisEvent, from any thread

    def __init__(self, engine: Engine, store: EvidenceStore, streams, db: TaskRunner, clip_dir: Path,
                 session: UserSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.engine = engine
        self.store = store
        self.streams = streams  # StreamService: worker(StreamKey) -> a worker with cut_clip
        self.db = db
        self.clip_dir = clip_dir
        self.clips = TaskRunner("clips", self)  # apart from the DB: a cut blocks ~5 s
        self.clip_errors: dict[int, str] = {}  # alert id → why its clip is missing (this session)
        self._closed = False
        self._incoming.connect(self._on_event, Qt.QueuedConnection)

    # -- events in ----------------------------------------------------------------------------
    def on_analysis(self, event) -> None:
        """Any thread: hand the event to the GUI thread (the callback HostedStreamManager calls)."""
        self._incoming.emit(event)

    def _on_event(self, event) -> None:
        if self._closed:
            return
        data = alert_input_from_violation(event.camera_id, event.violation, event.clean_png, event.boxes_png)
        stored: Future = self.db.submit(record_alert, self.engine, self.store, data,
                                        on_done=self._raised, on_error=self._record_failed)
        # The clip is asked for at once, in parallel with storing: the ring holds ~12 s only.
        path = self.clip_dir / f"alert-{event.camera_id}-{int(event.frame_time * 1000)}.mp4"
        self.clips.submit(self._cut, event.camera_id, event.frame_time, path,
                          on_done=lambda clip: self._clip_ready(stored, clip),
                          on_error=lambda exc: self._clip_failed(stored, exc))

    def _raised(self, record: AlertRecord) -> None:
        self.alertRaised.emit(record)

    def _record_failed(self, exc: BaseException) -> None:
        self.failed.emit(self.tr("告警保存失败：{0}").format(exc))

    # -- the clip -----------------------------------------------------------------------------
    def _cut(self, camera_id: int, at: float, path: Path) -> Path:
        """Clip runner: from the running sub stream's ring (the main stream's when maximised)."""
        worker = self.streams.worker(StreamKey(camera_id, "sub")) or self.streams.worker(StreamKey(camera_id, "main"))
        if worker is None:
            raise ClipError("摄像头未在播放，无法截取录像 / the camera's stream is not running")
        path.parent.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        clip = worker.cut_clip(at, PRE_S, POST_S, path)
        log.info("clip of camera %s cut in %.1fs", camera_id, time.monotonic() - started)
        return clip

    def _clip_ready(self, stored: Future, clip: Path) -> None:
        def attach() -> AlertRecord:
            try:
                record = stored.result()  # done: the DB runner ran it first
                return attach_clip(self.engine, self.store, record.id, clip)
            finally:
                clip.unlink(missing_ok=True)  # the store has its own copy (or the alert failed)

        if not self._closed:
            self.db.submit(attach, on_done=self.alertUpdated.emit,
                           on_error=lambda exc: self._clip_failed(stored, exc))

    def _clip_failed(self, stored: Future, exc: BaseException) -> None:
        reason = str(exc) or type(exc).__name__
        log.warning("alert clip unavailable: %s", reason)

        def mark(_) -> None:
            if stored.done() and stored.exception() is None:
                record = stored.result()
                self.clip_errors[record.id] = reason
                self.alertUpdated.emit(record.with_clip_error(reason))

        if not self._closed:  # after the record (FIFO on the DB runner), so it is known
            self.db.submit(lambda: None, on_done=mark)

    # -- queries and review (DB runner; results on the GUI thread) ------------------------------
    def load(self, filters: AlertFilter, on_done: Callable, limit: int = 500) -> None:
        """on_done((records, counts)) or on_done(exception)."""
        actor = self.session.actor

        def query():
            return (list_alerts(self.engine, filters, limit=limit, actor=actor),
                    count_by_state(self.engine, filters, actor=actor))

        self.db.submit(query, on_done=on_done, on_error=on_done)

    def review(self, alert_id: int, state: str, comment: str, on_done: Callable | None = None) -> None:
        """As the logged-in user (the core records their name as the reviewer)."""
        actor = self.session.actor

        def done(result) -> None:
            if isinstance(result, AlertError | PermissionDenied):
                self.failed.emit(str(result))
            elif isinstance(result, BaseException):
                self.failed.emit(self.tr("复核保存失败：{0}").format(result))
            else:
                self.alertUpdated.emit(self.with_clip_note(result))
            if on_done is not None:
                on_done(result)

        self.db.submit(lambda: review_alert(self.engine, alert_id, state, comment, actor=actor),
                       on_done=done, on_error=done)

    def acknowledge(self, alert_id: int, on_done: Callable | None = None) -> None:
        """签收 as the logged-in user; an alert someone else acknowledged first keeps theirs (the
        record that comes back says who)."""
        actor = self.session.actor

        def done(result) -> None:
            if isinstance(result, AlertError | PermissionDenied):
                self.failed.emit(str(result))
            elif isinstance(result, BaseException):
                self.failed.emit(self.tr("签收失败：{0}").format(result))
            else:
                self.alertUpdated.emit(self.with_clip_note(result))
            if on_done is not None:
                on_done(result)

        self.db.submit(lambda: acknowledge_alert(self.engine, alert_id, actor=actor), on_done=done, on_error=done)

    def record_evidence_view(self, record: AlertRecord, evidence_id: int, opened: str,
                             on_done: Callable | None = None) -> None:
        """An audit entry (查看证据) for evidence of an alert the user explicitly opened (the
        clip player, a picture enlarged), written on the DB runner; `opened` says what."""
        actor = self.session.actor

        def write() -> None:
            audit.record_now(self.engine, actor, audit.AuditAction.EVIDENCE_VIEW, f"evidence:{evidence_id}",
                             {"alert_id": record.id, "opened": opened, "venue": record.venue_name,
                              "camera": record.camera_name})

        def done(result) -> None:
            if isinstance(result, BaseException):
                log.warning("evidence view of alert %s not audited: %s", record.id, result)
                self.failed.emit(self.tr("查看证据未能记入审计日志：{0}").format(result))
            if on_done is not None:
                on_done(result)

        self.db.submit(write, on_done=done, on_error=done)

    def with_clip_note(self, record: AlertRecord) -> AlertRecord:
        reason = self.clip_errors.get(record.id)
        return record.with_clip_error(reason) if reason and record.evidence_of("clip") is None else record

    def shutdown(self, wait: bool = True) -> None:
        """Before the DB runner stops: pending cuts end when their streams stop (ClipError)."""
        self._closed = True
        self.clips.shutdown(wait=wait)
