"""Which camera shows in which wall position: layouts, pages, drag-and-drop and 轮巡 patrol.

Pure data, no Qt: the wall page asks this for the cameras of the current page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

LAYOUTS: tuple[int, ...] = (1, 4, 9, 16, 25, 36, 64)


def layout_for(count: int) -> int:
    """Smallest layout that shows `count` cameras on one page (64 at most)."""
    return next((n for n in LAYOUTS if n >= count), LAYOUTS[-1])


@dataclass
class WallPlan:
    """Positions 0..len-1 across all pages; None is an empty tile."""

    positions: list[int | None] = field(default_factory=list)
    layout: int = 16
    page: int = 0

    @classmethod
    def of(cls, camera_ids: Sequence[int], layout: int = 16) -> WallPlan:
        return cls(list(camera_ids), layout, 0)

    @property
    def page_count(self) -> int:
        return max(1, math.ceil(len(self.positions) / self.layout))

    def set_layout(self, layout: int) -> None:
        if layout not in LAYOUTS:
            raise ValueError(f"unsupported layout {layout}")
        first = self.page * self.layout  # keep the first visible camera on screen
        self.layout = layout
        self.page = min(first // layout, self.page_count - 1)

    def page_cameras(self, page: int | None = None) -> list[int | None]:
        page = self.page if page is None else page
        chunk = self.positions[page * self.layout:(page + 1) * self.layout]
        return chunk + [None] * (self.layout - len(chunk))

    def go(self, page: int) -> None:
        self.page = page % self.page_count

    def next_page(self) -> None:
        self.go(self.page + 1)

    def prev_page(self) -> None:
        self.go(self.page - 1)

    def place(self, tile: int, camera_id: int) -> None:
        """Drop a camera on a tile of the current page. If the camera is already on the wall
        the two tiles swap, so no camera is shown twice and none is lost."""
        target = self.page * self.layout + tile
        if target >= len(self.positions):
            self.positions.extend([None] * (target + 1 - len(self.positions)))
        displaced = self.positions[target]
        if camera_id in self.positions:
            self.positions[self.positions.index(camera_id)] = displaced
        self.positions[target] = camera_id

    def to_dict(self) -> dict:
        return {"layout": self.layout, "page": self.page, "positions": list(self.positions)}

    @classmethod
    def from_dict(cls, data: dict, known: Sequence[int]) -> WallPlan:
        """Restore a saved plan against today's cameras: deleted cameras leave their tile empty,
        new ones join at the end, so nothing silently disappears from the wall."""
        ids = set(known)
        layout = data.get("layout") if data.get("layout") in LAYOUTS else 16
        seen: set[int] = set()
        positions: list[int | None] = []
        for cid in data.get("positions", []):
            keep = isinstance(cid, int) and cid in ids and cid not in seen
            positions.append(cid if keep else None)
            if keep:
                seen.add(cid)
        positions += [cid for cid in known if cid not in seen]
        while positions and positions[-1] is None:
            positions.pop()
        plan = cls(positions, layout, 0)
        page = data.get("page", 0)
        plan.go(page if isinstance(page, int) else 0)
        return plan

    def clear_tile(self, tile: int) -> None:
        target = self.page * self.layout + tile
        if target < len(self.positions):
            self.positions[target] = None


def patrol_pages(camera_ids: Sequence[int], layout: int) -> list[list[int | None]]:
    """Split a patrol group (a 街镇, a custom group, or all cameras) into wall pages."""
    ids = list(camera_ids)
    if not ids:
        return [[None] * layout]
    pages = [ids[i:i + layout] for i in range(0, len(ids), layout)]
    pages[-1] = pages[-1] + [None] * (layout - len(pages[-1]))
    return pages
