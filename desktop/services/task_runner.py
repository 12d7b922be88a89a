"""A single background thread with results delivered on the GUI thread through a signal.

The console has one for the database (one writer, sessions never shared, as in Anki) and
one for file work such as snapshots, so neither ever runs on the GUI thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


class TaskRunner(QObject):
    _finished = Signal(object, object, object)  # callback, result, error

    def __init__(self, name: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix=name)
        self._name = name
        self._closed = False
        self._finished.connect(self._deliver)

    def submit(self, fn: Callable, *args, on_done: Callable | None = None,
               on_error: Callable[[BaseException], None] | None = None) -> Future | None:
        """None once shut down: a late signal during the console's shutdown (a clip that just
        arrived, a picture to show) must not raise in the event loop; there is nobody to show it to."""
        if self._closed:
            log.debug("%s runner closed: %s not run", self._name, getattr(fn, "__name__", fn))
            return None

        def run():
            try:
                result = fn(*args)
            except Exception as exc:  # noqa: BLE001 - reported to the GUI, never lost
                log.exception("background task %s failed", getattr(fn, "__name__", fn))
                if on_error is not None:
                    self._finished.emit(on_error, None, exc)
                raise
            if on_done is not None:
                self._finished.emit(on_done, result, None)
            return result

        return self._pool.submit(run)

    def _deliver(self, callback: Callable, result, error) -> None:
        callback(error if error is not None else result)

    def shutdown(self, wait: bool = True) -> None:
        self._closed = True
        self._pool.shutdown(wait=wait)
