"""The one exception of the package: a file that cannot be imported at all."""

from __future__ import annotations


class SpreadsheetError(ValueError):
    """Unreadable or corrupt file, unsupported format, no recognisable header, missing name column.

    The message is Chinese first with the English in parentheses, safe to show as is. Problems of
    single rows never raise: they are listed in the ImportReport."""
