"""Qt glue of the disk guard (desktop.core.disk_guard): every `interval_s` (and once soon after
start) the check runs on the console's DB runner, never on the GUI thread; the answer comes
back on the GUI thread.

  warning(str)   the data directory is low on space (what was cleaned, what is left), for the
                 status bar; "" once the space is fine again
  checked(object) the GuardReport of each run
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from sqlalchemy.engine import Engine

from desktop.core.disk_guard import GuardPolicy, GuardReport, check_and_apply
from desktop.services.task_runner import TaskRunner

log = logging.getLogger(__name__)

INTERVAL_S = 10 * 60
FIRST_CHECK_S = 30  # after the wall has started: the check never competes with loading it


class DiskGuardService(QObject):
    warning = Signal(str)
    checked = Signal(object)

    def __init__(self, engine: Engine, runner: TaskRunner, data_dir: Path, policy: GuardPolicy | None = None,
                 interval_s: float = INTERVAL_S, first_check_s: float = FIRST_CHECK_S, parent=None) -> None:
        super().__init__(parent)
        self.engine, self.runner, self.data_dir = engine, runner, Path(data_dir)
        self.policy = policy or GuardPolicy()
        self._busy = False
        self._last_warning = ""
        self._timer = QTimer(self, interval=int(interval_s * 1000))
        self._timer.timeout.connect(self.check_now)
        self._first = QTimer(self, singleShot=True, interval=int(first_check_s * 1000))
        self._first.timeout.connect(self.check_now)

    def start(self) -> None:
        self._first.start()
        self._timer.start()

    def stop(self) -> None:
        self._first.stop()
        self._timer.stop()

    def check_now(self) -> None:
        if self._busy:
            return  # a slow run (many clips to remove) is not stacked up
        self._busy = True
        self.runner.submit(check_and_apply, self.engine, self.data_dir, self.policy, on_done=self._done,
                           on_error=self._failed)

    def _done(self, report: GuardReport) -> None:
        self._busy = False
        text = report.warning or ""
        if text != self._last_warning or text:
            self._last_warning = text
            self.warning.emit(text)
        self.checked.emit(report)

    def _failed(self, exc: BaseException) -> None:
        self._busy = False
        log.error("disk guard failed: %s: %s", type(exc).__name__, exc)
