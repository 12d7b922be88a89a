"""The undo command both picture editors (zones, annotations) use: the whole shape list before
and after a change, applied back through the canvas's `_apply(shapes, selected)`. The lists are
short (a few polygons, a few dozen shapes), so whole copies are simpler than per-operation
inverses. Changes with the same `merge_key` merge into one step (typing a name, a spin box held
down)."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

from PySide6.QtGui import QUndoCommand

MERGE_ID = 1


class SnapshotEdit(QUndoCommand):
    def __init__(self, canvas: Any, text: str, before: Sequence, after: Sequence, select_before: int,
                 select_after: int, merge_key: Hashable | None = None) -> None:
        super().__init__(text)
        self.canvas = canvas
        self.before, self.after = list(before), list(after)
        self.select_before, self.select_after = select_before, select_after
        self.merge_key = merge_key

    def id(self) -> int:  # noqa: A003 - Qt's name
        return MERGE_ID if self.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, SnapshotEdit) or other.merge_key != self.merge_key:
            return False
        self.after, self.select_after = other.after, other.select_after
        return True

    def redo(self) -> None:
        self.canvas._apply(self.after, self.select_after)

    def undo(self) -> None:
        self.canvas._apply(self.before, self.select_before)
