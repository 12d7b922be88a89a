"""One rotating log file per user plus stderr; every record is scrubbed of credentials."""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from desktop.core.redact import redact_text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact_text(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def setup_logging(log_dir: Path | None, level: int = logging.INFO, stderr_level: int = logging.WARNING) -> None:
    root = logging.getLogger()
    root.setLevel(level)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
    handlers: list[logging.Handler] = []
    if sys.stderr is not None:  # None in the windowed Windows build (no console)
        console = logging.StreamHandler()
        console.setLevel(stderr_level)
        handlers.append(console)
    if log_dir is not None:
        log_dir.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.handlers.RotatingFileHandler(
            log_dir / "console.log", maxBytes=5_000_000, backupCount=5, encoding="utf-8"))
    for h in handlers:
        h.setFormatter(fmt)
        h.addFilter(RedactingFilter())
        root.addHandler(h)


# -- uncaught exceptions ------------------------------------------------------------------------
# Logged with their traceback (scrubbed like every record), then handed to the notifiers the GUI
# registers (a dialog naming the log file, shown on the GUI thread) instead of vanishing.

_notifiers: list = []
_hooks_installed = False
crash_log = logging.getLogger("mingchu.crash")


def current_log_file() -> Path | None:
    """The rotating log file setup_logging opened (the newest, if it ran twice)."""
    for h in reversed(logging.getLogger().handlers):
        if isinstance(h, logging.handlers.RotatingFileHandler):
            return Path(h.baseFilename)
    return None


def add_crash_notifier(notify) -> None:
    """`notify(summary: str, log_file: Path | None)`, called from whichever thread failed."""
    _notifiers.append(notify)


def remove_crash_notifier(notify) -> None:
    if notify in _notifiers:
        _notifiers.remove(notify)


def report_uncaught(exc_type, exc, tb, where: str = "main") -> None:
    crash_log.critical("uncaught exception in %s thread", where, exc_info=(exc_type, exc, tb))
    summary = redact_text(f"{exc_type.__name__}: {exc}")
    for notify in list(_notifiers):
        try:
            notify(summary, current_log_file())
        except Exception:  # noqa: BLE001 - a failing notifier must not hide the original error
            crash_log.exception("crash notifier failed")


def install_excepthooks() -> None:
    """sys.excepthook and threading.excepthook: log every uncaught exception, then notify.
    Ctrl-C keeps Python's own behaviour."""
    import threading

    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True
    previous = sys.excepthook

    def hook(exc_type, exc, tb) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            previous(exc_type, exc, tb)
            return
        report_uncaught(exc_type, exc, tb)

    def thread_hook(args) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else "?"
        report_uncaught(args.exc_type, args.exc_value, args.exc_traceback, where=name)

    sys.excepthook = hook
    threading.excepthook = thread_hook
