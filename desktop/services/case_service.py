"""Qt glue of 案件: every desktop.core.cases / case_queries / case_settings / case_package call runs
on the console's DB runner, never on the GUI thread; hashing evidence (the broken-seal check),
reading pictures and rendering PDFs run on the files runner. Results come back on the GUI
thread: through the caller's callback and through the signals

  casesLoaded(CaseList)   a list query answered
  caseLoaded(CaseRecord)  one case read
  caseChanged(CaseRecord) a case created, edited, moved on, given evidence or imported
  caseDeleted(int)        a case removed
  failed(str)             a message for the status bar (the callers show refusals themselves)

Every call acts as the logged-in user: the session's actor is read on the GUI thread when the
request starts and travels with the task, so the core checks the role and the streets of the
user who asked (a PermissionDenied comes back like any other error, nothing saved).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from sqlalchemy.engine import Engine

from desktop.core import audit, case_settings, cases
from desktop.core.access import Action, Actor, require
from desktop.core.atomic_file import write_atomic
from desktop.core.case_package import ExportResult, ImportResult, export_case, import_case
from desktop.core.case_queries import CaseFilter, CaseRecord, CaseSummary
from desktop.core.evidence import EvidenceInfo, add_annotated, add_file, evidence_problems, get_evidence
from desktop.core.evidence_store import EvidenceStore
from desktop.core.registry import list_venues
from desktop.services.task_runner import TaskRunner
from desktop.services.user_session import UserSession

log = logging.getLogger(__name__)

Callback = Callable[[object], None] | None


@dataclass(frozen=True, slots=True)
class CaseList:
    """One answer of the list query: the rows and the counts the page shows above them."""

    filters: CaseFilter
    rows: tuple[CaseSummary, ...]
    total: int
    by_state: dict[str, int]
    by_card: dict[str, int]


@dataclass(frozen=True, slots=True)
class VenueChoice:
    id: int
    name: str
    street: str
    license_no: str
    address: str


@dataclass(frozen=True, slots=True)
class CaseFormData:
    """What the create / edit dialog offers: the station's venues and legal bases."""

    venues: tuple[VenueChoice, ...]
    legal_bases: tuple[case_settings.LegalBasisRecord, ...]


@dataclass(frozen=True, slots=True)
class CaseSettingsValues:
    number_pattern: str
    station_name: str
    red_card_days: int


def error_text(exc: BaseException) -> str:
    """What an inspector reads: the core's message (Chinese first) without the English tail."""
    text = str(exc) or type(exc).__name__
    return text


def read_list(engine: Engine, filters: CaseFilter, limit: int = 500, *, actor: Actor) -> CaseList:
    """DB runner: rows, total and the per-state / per-card counts of the filters (the actor's
    streets only)."""
    rows = tuple(cases.list_cases(engine, filters, limit=limit, actor=actor))
    return CaseList(filters, rows, cases.count_cases(engine, filters, actor=actor),
                    cases.count_by_state(engine, filters, actor=actor),
                    cases.count_by_card(engine, filters, actor=actor))


def read_form_data(engine: Engine, *, actor: Actor) -> CaseFormData:
    venues = tuple(VenueChoice(v.id, v.name, v.street, v.license_no, v.address)
                   for v in list_venues(engine, actor=actor))
    return CaseFormData(venues, tuple(case_settings.list_legal_bases(engine)))


class CaseService(QObject):
    casesLoaded = Signal(object)  # CaseList
    caseLoaded = Signal(object)  # CaseRecord
    caseChanged = Signal(object)  # CaseRecord
    caseDeleted = Signal(int)
    failed = Signal(str)
    legalBasesChanged = Signal()

    def __init__(self, engine: Engine, store: EvidenceStore, db: TaskRunner, files: TaskRunner,
                 session: UserSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.engine = engine
        self.store = store
        self.db = db
        self.files = files

    # -- helpers -------------------------------------------------------------------------------
    @property
    def actor(self) -> Actor:
        """Who asks, read on the GUI thread when a request starts."""
        return self.session.actor

    def _as(self, fn: Callable, *args, **kwargs) -> Callable[[], object]:
        """fn(*args, actor=<the user asking now>, **kwargs), to run later on a runner."""
        actor = self.session.actor
        return lambda: fn(*args, actor=actor, **kwargs)

    def _run(self, fn: Callable, *args, on_done: Callback = None, on_error: Callback = None,
             signal: Signal | None = None, runner: TaskRunner | None = None) -> None:
        """fn(*args) on a runner (the DB's unless told); the result to `signal` and on_done, an
        exception to on_error (or, without one, to `failed`)."""
        def done(result) -> None:
            if signal is not None:
                signal.emit(result)
            if on_done is not None:
                on_done(result)

        def error(exc: BaseException) -> None:
            if on_error is not None:
                on_error(exc)
            else:
                self.failed.emit(error_text(exc))

        (runner or self.db).submit(fn, *args, on_done=done, on_error=error)

    # -- reading -------------------------------------------------------------------------------
    def load(self, filters: CaseFilter, on_done: Callback = None, on_error: Callback = None, limit: int = 500) -> None:
        self._run(self._as(read_list, self.engine, filters, limit), on_done=on_done, on_error=on_error,
                  signal=self.casesLoaded)

    def get(self, case_id: int, on_done: Callback = None, on_error: Callback = None) -> None:
        self._run(self._as(cases.get_case, self.engine, case_id), on_done=on_done, on_error=on_error,
                  signal=self.caseLoaded)

    def cases_of_venue(self, venue_id: int, on_done: Callback, on_error: Callback = None) -> None:
        self._run(self._as(cases.cases_of_venue, self.engine, venue_id), on_done=on_done, on_error=on_error)

    def cases_of_alert(self, alert_id: int, on_done: Callback, on_error: Callback = None) -> None:
        self._run(self._as(cases.cases_of_alert, self.engine, alert_id), on_done=on_done, on_error=on_error)

    def form_data(self, on_done: Callback, on_error: Callback = None) -> None:
        self._run(self._as(read_form_data, self.engine), on_done=on_done, on_error=on_error)

    def evidence(self, ids: tuple[int, ...], on_done: Callback, on_error: Callback = None) -> None:
        """EvidenceInfo of these ids (e.g. the original an annotated picture was drawn on)."""
        self._run(self._as(get_evidence, self.engine, ids), on_done=on_done, on_error=on_error)

    def check_evidence(self, ids: tuple[int, ...], on_done: Callback, on_error: Callback = None) -> None:
        """Files runner: {evidence id: 文件缺失 / 内容被改动} (hashes every file)."""
        self._run(self._as(evidence_problems, self.engine, self.store, tuple(ids)), on_done=on_done, on_error=on_error,
                  runner=self.files)

    # -- writing -------------------------------------------------------------------------------
    def create(self, data: cases.CaseInput, on_done: Callback = None, on_error: Callback = None) -> None:
        self._run(self._as(cases.create_case, self.engine, data), on_done=on_done, on_error=on_error,
                  signal=self.caseChanged)

    def update(self, case_id: int, changes: cases.CaseUpdate, on_done: Callback = None,
               on_error: Callback = None) -> None:
        self._run(self._as(cases.update_case, self.engine, case_id, changes), on_done=on_done, on_error=on_error,
                  signal=self.caseChanged)

    def transition(self, case_id: int, to_state: str, comment: str, on_done: Callback = None,
                   on_error: Callback = None) -> None:
        self._run(self._as(cases.transition, self.engine, case_id, to_state, comment), on_done=on_done,
                  on_error=on_error, signal=self.caseChanged)

    def delete(self, case_id: int, reason: str, on_done: Callback = None, on_error: Callback = None) -> None:
        """The user confirmed in the dialog (confirm=True); the core checks the role and streets."""
        actor = self.actor

        def delete() -> int:
            cases.delete_case(self.engine, case_id, actor=actor, reason=reason, confirm=True)
            return case_id

        self._run(delete, on_done=on_done, on_error=on_error, signal=self.caseDeleted)

    def add_annotated(self, case_id: int, original_id: int, png: bytes, annotation_json: str,
                      on_done: Callback = None, on_error: Callback = None) -> None:
        """The annotated picture as new evidence linked to its original, added to the case."""
        actor = self.actor

        def run() -> CaseRecord:
            info = add_annotated(self.engine, self.store, original_id, png, annotation_json, actor=actor)
            return self._link(case_id, info, actor, "标注证据图片")

        self._run(run, on_done=on_done, on_error=on_error, signal=self.caseChanged)

    def add_file(self, case_id: int, venue_id: int, path: Path, on_done: Callback = None,
                 on_error: Callback = None) -> None:
        """A photo or clip from a file (hashed while copied in) added to the case."""
        actor = self.actor

        def run() -> CaseRecord:
            info = add_file(self.engine, self.store, Path(path), venue_id=venue_id, actor=actor)
            return self._link(case_id, info, actor, f"添加证据文件 {Path(path).name}")

        self._run(run, on_done=on_done, on_error=on_error, signal=self.caseChanged)

    def _link(self, case_id: int, info: EvidenceInfo, actor: Actor, comment: str) -> CaseRecord:
        return cases.update_case(self.engine, case_id, cases.CaseUpdate(add_evidence=(info.id,), comment=comment),
                                 actor=actor)

    # -- documents and packages ----------------------------------------------------------------
    def load_sheet(self, case_id: int, on_done: Callback, on_error: Callback = None, notice: bool = False) -> None:
        """The CaseSheet (or the 责令改正通知书) of a case, read on the DB runner (for printing)."""
        from desktop.documents import case_loader

        root, actor = self.store.root, self.actor

        def read():
            if notice:
                return case_loader.load_rectification_notice(case_id, engine=self.engine, evidence_root=root,
                                                             actor=actor)
            return case_loader.load_case_sheet(case_id, engine=self.engine, evidence_root=root, actor=actor)

        self._run(read, on_done=on_done, on_error=on_error)

    def export_pdf(self, case_id: int, out: Path, on_done: Callback = None, on_error: Callback = None,
                   notice: bool = False, number: str = "") -> None:
        """The case sheet (or the notice) as PDF, written atomically, then its 打印 audit entry
        (case `number`, else the document's) on the DB runner; on_done(out)."""
        from desktop.documents.render import case_sheet_pdf, notice_pdf

        actor = self.actor

        def write(doc) -> Path:
            data = notice_pdf(doc) if notice else case_sheet_pdf(doc)
            return write_atomic(Path(out), data)

        def loaded(doc) -> None:
            def written(path: Path) -> None:
                self._run(self._record_print, actor, number or doc.number, "notice" if notice else "case_sheet",
                          Path(path).name, path, on_done=on_done, on_error=on_error)

            self._run(write, doc, on_done=written, on_error=on_error, runner=self.files)

        self.load_sheet(case_id, loaded, on_error or (lambda exc: self.failed.emit(error_text(exc))), notice=notice)

    def _record_print(self, actor: Actor, number: str, document: str, output: str, result=None):
        """DB runner: the audit entry of a printed or PDF-written document; gives back `result`."""
        from desktop.documents.case_loader import record_print

        record_print(self.engine, actor, number, document, output)
        return result

    def record_print(self, number: str, document: str, output: str, on_done: Callback = None,
                     on_error: Callback = None) -> None:
        """After the GUI thread printed `document` (case_sheet / notice) of case `number`."""
        self._run(self._record_print, self.actor, number, document, output, on_done=on_done, on_error=on_error)

    def record_evidence_view(self, case_number: str, evidence_id: int, opened: str, on_done: Callback = None,
                             on_error: Callback = None) -> None:
        """An audit entry (查看证据) for case evidence the user explicitly opened (the annotation
        editor, a picture enlarged, a clip played); thumbnails are not views."""
        actor = self.actor

        def write() -> None:
            audit.record_now(self.engine, actor, audit.AuditAction.EVIDENCE_VIEW, f"evidence:{evidence_id}",
                             {"case": case_number, "opened": opened})

        self._run(write, on_done=on_done, on_error=on_error)

    def export_package(self, case_id: int, out: Path, on_done: Callback = None, on_error: Callback = None) -> None:
        """The exchange package with the printed case sheet inside; on_done(ExportResult)."""
        from desktop.documents.render import case_sheet_pdf

        fail = on_error or (lambda exc: self.failed.emit(error_text(exc)))
        actor = self.actor

        def rendered(pdf: bytes) -> None:
            self._run(self._export, case_id, Path(out), pdf, actor, on_done=on_done, on_error=fail)

        def loaded(sheet) -> None:
            self._run(case_sheet_pdf, sheet, on_done=rendered, on_error=fail, runner=self.files)

        self.load_sheet(case_id, loaded, fail)

    def _export(self, case_id: int, out: Path, pdf: bytes, actor: Actor) -> ExportResult:
        return export_case(self.engine, self.store, case_id, out, pdf_bytes=pdf, actor=actor)

    def import_package(self, path: Path, on_done: Callback = None, on_error: Callback = None) -> None:
        """Verify and import a package; on_done(ImportResult); caseChanged when it changed anything."""
        actor = self.actor

        def run() -> tuple[ImportResult, CaseRecord]:
            result = import_case(self.engine, self.store, Path(path), actor=actor)
            return result, cases.get_case(self.engine, result.case_id, actor=actor)

        def done(pair) -> None:
            result, record = pair
            if result.status != "unchanged":
                self.caseChanged.emit(record)
            if on_done is not None:
                on_done(result)

        self._run(run, on_done=done, on_error=on_error)

    # -- settings ------------------------------------------------------------------------------
    def save_legal_basis(self, title: str, text: str = "", basis_id: int | None = None, on_done: Callback = None,
                         on_error: Callback = None) -> None:
        actor = self.actor

        def run():
            case_settings.save_legal_basis(self.engine, title, text, basis_id=basis_id, actor=actor)
            return tuple(case_settings.list_legal_bases(self.engine))

        self._run(run, on_done=self._bases_changed(on_done), on_error=on_error)

    def delete_legal_basis(self, basis_id: int, on_done: Callback = None, on_error: Callback = None) -> None:
        actor = self.actor

        def run():
            case_settings.delete_legal_basis(self.engine, basis_id, actor=actor)
            return tuple(case_settings.list_legal_bases(self.engine))

        self._run(run, on_done=self._bases_changed(on_done), on_error=on_error)

    def _bases_changed(self, on_done: Callback) -> Callable:
        def done(result) -> None:
            self.legalBasesChanged.emit()
            if on_done is not None:
                on_done(result)
        return done

    def settings(self, on_done: Callback, on_error: Callback = None) -> None:
        def read() -> CaseSettingsValues:
            return CaseSettingsValues(case_settings.number_pattern(self.engine),
                                      case_settings.station_name(self.engine),
                                      case_settings.red_card_days(self.engine))

        self._run(read, on_done=on_done, on_error=on_error)

    def save_settings(self, values: CaseSettingsValues, on_done: Callback = None, on_error: Callback = None) -> None:
        """All three or none: each is checked before anything is written."""
        actor = self.actor

        def write() -> CaseSettingsValues:
            from desktop.core.case_rules import validate_number_pattern

            require(actor, Action.MANAGE_SETTINGS)  # before the first of the three is written
            validate_number_pattern(values.number_pattern)
            case_settings.set_red_card_days(self.engine, values.red_card_days, actor=actor)
            case_settings.set_number_pattern(self.engine, values.number_pattern, actor=actor)
            if values.station_name.strip():
                case_settings.set_station_name(self.engine, values.station_name, actor=actor)
            return values

        self._run(write, on_done=on_done, on_error=on_error)

