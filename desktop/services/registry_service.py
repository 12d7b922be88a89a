"""Qt glue of the registry (一户一档): every desktop.core.registry call runs on the console's DB
runner, never on the GUI thread; results come back to the GUI thread through the runner's
signal. `changed` fires after every successful change (the registry page and the wall reload
on it). Connection tests run on a runner of their own: a dead camera takes up to 8 s.

Every call acts as the logged-in user: the session's actor is read on the GUI thread when the
request starts and goes with the task, so lists hold the user's streets only and the core
refuses what the role may not change."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from sqlalchemy.engine import Engine

from desktop.core import registry
from desktop.core.access import Actor, PermissionDenied
from desktop.core.credentials import Credentials, with_credentials
from desktop.core.redact import redact_text, redact_url
from desktop.core.registry import CameraInput, CameraRecord, StreetRecord, VenueInput, VenueRecord
from desktop.core.registry_search import SearchEntry, make_entry
from desktop.services.task_runner import TaskRunner
from desktop.services.user_session import UserSession
from desktop.streaming.probe import ProbeResult, probe

log = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 8.0
PROGRESS_INTERVAL_S = 0.05

Callback = Callable[[object], None] | None


@dataclass(frozen=True, slots=True)
class RegistrySnapshot:
    """Everything the registry page shows, read in one go on the DB thread."""

    streets: tuple[StreetRecord, ...] = ()
    venues: tuple[VenueRecord, ...] = ()
    cameras: tuple[CameraRecord, ...] = ()
    entries: tuple[SearchEntry, ...] = ()

    def venue(self, venue_id: int) -> VenueRecord | None:
        return next((v for v in self.venues if v.id == venue_id), None)

    def cameras_of(self, venue_id: int) -> list[CameraRecord]:
        return [c for c in self.cameras if c.venue_id == venue_id]

    def camera(self, camera_id: int) -> CameraRecord | None:
        return next((c for c in self.cameras if c.id == camera_id), None)


@dataclass(frozen=True, slots=True)
class CredentialEdit:
    """What a camera dialog says about credentials. None = the field was left empty: keep what
    is stored. `clear` removes stored credentials."""

    username: str | None = None
    secret: str | None = field(default=None, repr=False)
    clear: bool = False

    @property
    def keeps_stored(self) -> bool:
        return not self.clear and self.username is None and self.secret is None


def merge_credentials(stored: Credentials, edit: CredentialEdit) -> Credentials:
    """Typed fields replace their stored counterpart; empty fields keep it."""
    if edit.clear:
        return Credentials()
    return Credentials(stored.username if edit.username is None else edit.username,
                       stored.secret if edit.secret is None else edit.secret)


def read_snapshot(engine: Engine, *, actor: Actor) -> RegistrySnapshot:
    """On the DB thread: venues, cameras, streets and the search entries (pinyin included), of
    the actor's streets."""
    venues = registry.list_venues(engine, actor=actor)
    cameras = registry.list_cameras(engine, actor=actor)
    names: dict[int, list[str]] = {}
    for c in cameras:
        names.setdefault(c.venue_id, []).append(c.name)
    entries = tuple(make_entry(v.id, v.name, v.address, v.license_no, v.street, v.venue_type, v.build_progress,
                               names.get(v.id, ())) for v in venues)
    return RegistrySnapshot(tuple(registry.list_streets(engine, actor=actor)), tuple(venues), tuple(cameras), entries)


class RegistryService(QObject):
    changed = Signal()  # after any successful change: reload what shows the registry
    failed = Signal(str)  # an operation failed for a reason other than invalid input
    progress = Signal(int, int)  # done, total of the running import or export

    def __init__(self, engine: Engine, db: TaskRunner, session: UserSession, prober: TaskRunner | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.engine = engine
        self.db = db
        self._own_prober = prober is None
        self.prober = prober or TaskRunner("probe", self)
        self._last_progress = 0.0

    # -- plumbing ----------------------------------------------------------------------------
    def _run(self, what: str, fn: Callable, *args, on_done: Callback = None, on_error: Callback = None,
             changes: bool = False):
        def done(result) -> None:
            if on_done is not None:
                on_done(result)
            if changes:
                self.changed.emit()

        def error(exc: BaseException) -> None:
            if not isinstance(exc, ValueError | LookupError):  # invalid input goes to its dialog only
                self.failed.emit(self.tr("{0}失败：{1}").format(what, error_text(exc)))
            if on_error is not None:
                on_error(exc)

        return self.db.submit(fn, *args, on_done=done, on_error=error)

    # -- reading -----------------------------------------------------------------------------
    def load(self, on_done: Callback, on_error: Callback = None):
        actor = self.session.actor
        return self._run(self.tr("读取单位档案"), lambda: read_snapshot(self.engine, actor=actor),
                         on_done=on_done, on_error=on_error)

    # -- changes -----------------------------------------------------------------------------
    def save_venue(self, data: VenueInput, on_done: Callback = None, on_error: Callback = None):
        """on_done(venue id); on_error(ValidationError with .errors) for bad input."""
        actor = self.session.actor
        return self._run(self.tr("保存单位"), lambda: registry.save_venue(self.engine, data, actor=actor),
                         on_done=on_done, on_error=on_error, changes=True)

    def delete_venue(self, venue_id: int, on_done: Callback = None, on_error: Callback = None):
        actor = self.session.actor
        return self._run(self.tr("删除单位"), lambda: registry.delete_venue(self.engine, venue_id, actor=actor),
                         on_done=on_done, on_error=on_error, changes=True)

    def save_camera(self, data: CameraInput, credentials: CredentialEdit = CredentialEdit(),
                    on_done: Callback = None, on_error: Callback = None):
        """Credentials typed in the dialog are merged with the stored ones on the DB thread, so
        the stored password never travels to the GUI."""
        engine, actor = self.engine, self.session.actor

        def save() -> int:
            creds = None
            if not credentials.keeps_stored:
                stored = registry.camera_credentials(engine, data.id) if data.id is not None else Credentials()
                creds = merge_credentials(stored, credentials)
            return registry.save_camera(engine, replace(data, credentials=creds), actor=actor)

        return self._run(self.tr("保存摄像头"), save, on_done=on_done, on_error=on_error, changes=True)

    def delete_camera(self, camera_id: int, on_done: Callback = None, on_error: Callback = None):
        actor = self.session.actor
        return self._run(self.tr("删除摄像头"), lambda: registry.delete_camera(self.engine, camera_id, actor=actor),
                         on_done=on_done, on_error=on_error, changes=True)

    # -- connection test ---------------------------------------------------------------------
    def probe(self, url: str, on_done: Callable[[ProbeResult], None], camera_id: int | None = None,
              credentials: CredentialEdit = CredentialEdit(), timeout: float | None = None):
        """Open `url` (no credentials in it) with the typed credentials, or the stored ones of
        `camera_id` for fields left empty, and report codec/size/fps or the reason it failed.
        The stored credentials are read on the DB thread and go straight to the probe thread."""
        engine, prober = self.engine, self.prober
        timeout = timeout or PROBE_TIMEOUT_S

        def resolve_and_probe() -> None:
            stored = registry.camera_credentials(engine, camera_id) if camera_id is not None else Credentials()
            full = with_credentials(url, merge_credentials(stored, credentials))
            log.info("connection test of %s", redact_url(url))
            prober.submit(_probe_safely, full, timeout, on_done=on_done, on_error=on_done)

        def failed(exc: BaseException) -> None:
            on_done(ProbeResult(False, redact_url(url), detail=redact_text(str(exc))))

        return self.db.submit(resolve_and_probe, on_error=failed)

    # -- import / export ---------------------------------------------------------------------
    def _progress(self, done: int, total: int) -> None:
        """Called on the DB thread; throttled so a 10,000-row file does not flood the GUI."""
        now = time.monotonic()
        if done >= total or now - self._last_progress >= PROGRESS_INTERVAL_S:
            self._last_progress = now
            self.progress.emit(done, total)

    def import_venues(self, path: Path, *, dry_run: bool, defaults=None, on_done: Callback = None,
                      on_error: Callback = None):
        """on_done(ImportReport). A dry run changes nothing; a real one emits `changed` if it committed."""
        from desktop.core import venue_io

        engine, progress, actor = self.engine, self._progress, self.session.actor
        kwargs = {} if defaults is None else {"defaults": defaults}

        def run():
            return venue_io.import_venues(engine, Path(path), actor=actor, dry_run=dry_run, progress=progress,
                                          **kwargs)

        def done(report) -> None:
            if on_done is not None:
                on_done(report)
            if not dry_run and getattr(report, "committed", False):
                self.changed.emit()

        return self._run(self.tr("导入"), run, on_done=done, on_error=on_error)

    def export_venues(self, path: Path, on_done: Callback = None, on_error: Callback = None):
        """on_done(ExportSummary)."""
        from desktop.core import venue_io

        engine, progress, actor = self.engine, self._progress, self.session.actor
        return self._run(self.tr("导出"),
                         lambda: venue_io.export_venues(engine, Path(path), actor=actor, progress=progress),
                         on_done=on_done, on_error=on_error)

    def shutdown(self, wait: bool = True) -> None:
        if self._own_prober:
            self.prober.shutdown(wait=wait)


def error_text(exc: BaseException) -> str:
    """What a person may read of an error. Our own errors (invalid input, not found, unreadable
    spreadsheet) carry messages written for people; anything else may quote SQL parameters,
    a camera's password among them, so only its kind is shown (the log has the rest)."""
    if isinstance(exc, ValueError | LookupError | PermissionDenied):
        return redact_text(str(exc))
    return f"{type(exc).__name__}（详情见日志）"


def _probe_safely(url: str, timeout: float) -> ProbeResult:
    """probe() never raises for a stream's failure; this also keeps any other error's text clean."""
    try:
        return probe(url, timeout)
    except Exception as exc:  # noqa: BLE001 - becomes the result the dialog shows
        return ProbeResult(False, redact_url(url), detail=redact_text(f"{type(exc).__name__}: {exc}"))
