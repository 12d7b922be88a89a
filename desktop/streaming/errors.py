"""Map what FFmpeg raised to a Reason a duty officer understands."""

from __future__ import annotations

import errno

import av

from desktop.core.redact import redact_text
from desktop.streaming.status import Reason


def classify(exc: BaseException, elapsed: float = 0.0, timeout: float = 0.0) -> tuple[Reason, str]:
    """Return (reason, detail) with any credentials scrubbed from the detail.

    `elapsed`/`timeout`: when FFmpeg's interrupt callback ends a blocked call, the error it
    surfaces is whatever the interrupted read returned (often "Invalid data"), so a failure
    that took the whole timeout is reported as the timeout it was."""
    detail = redact_text(_describe(exc))
    if isinstance(exc, TimeoutError | av.error.ExitError) or (timeout > 0 and elapsed >= timeout * 0.95):
        return Reason.TIMEOUT, detail
    if isinstance(exc, ConnectionRefusedError):
        return Reason.REFUSED, detail
    if isinstance(exc, av.error.HTTPUnauthorizedError):
        return Reason.AUTH, detail
    if isinstance(exc, av.error.HTTPForbiddenError):
        return Reason.FORBIDDEN, detail
    if isinstance(exc, av.error.HTTPNotFoundError):
        return Reason.NOT_FOUND, detail
    if isinstance(exc, av.error.HTTPServerError):
        return Reason.SERVER, detail
    if isinstance(exc, av.error.ProtocolNotFoundError | av.error.OptionNotFoundError):
        return Reason.BAD_URL, detail
    if isinstance(exc, av.error.EOFError):
        return Reason.ENDED, detail
    if isinstance(exc, av.error.InvalidDataError):
        return Reason.DECODE, detail
    code = getattr(exc, "errno", None)
    if code in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return Reason.UNREACHABLE, detail
    if code in (errno.ETIMEDOUT,):
        return Reason.TIMEOUT, detail
    if code == errno.EIO and "://" in str(getattr(exc, "filename", "")):
        # FFmpeg reports a failed name lookup as a bare I/O error on open.
        return Reason.HOST_NOT_FOUND, detail
    return Reason.UNKNOWN, detail


def _describe(exc: BaseException) -> str:
    if isinstance(exc, av.error.FFmpegError):
        return f"{type(exc).__name__}: {exc.strerror}"  # leave out the filename (the URL)
    return f"{type(exc).__name__}: {exc}"
