"""Zones and masks drawn on a camera's picture.

`ZoneCanvas` is a QGraphicsView over the picture (or a grey "无画面" placeholder of the picture's
size, 16:9 when unknown). It keeps the picture's aspect ratio and scales with the widget. The
polygons live in picture fractions (0..1, x right, y down), the format of a camera's zones_json:
`[{"kind": "include" | "mask", "name": "操作台", "points": [[x, y], ...]}]`.

- 新增区域 / 新增屏蔽区 (`start_drawing`), then click to add points; double-click, Enter or a
  click on the first point closes the polygon, Backspace or a right click takes the last point
  back, Esc cancels.
- Drag a vertex of a polygon, or the polygon itself; click a polygon to select it, Del deletes it.
- Every change is one step of `undo_stack` (Ctrl+Z / Ctrl+Y), which stores whole zone lists in
  fractions, so a new picture of another size keeps both the zones and the history.

`ZoneEditor` adds the tool row (add, delete, undo, redo, the selected polygon's name) and a hint
line. A pure widget: no database, no streams; the owner gives it a QImage and zones.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from PySide6.QtCore import QPoint, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QKeySequence,
    QPainter,
    QPainterPath,
    QPen,
    QPixmap,
    QPolygonF,
    QUndoStack,
)
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsPolygonItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from widgets.snapshot_undo import SnapshotEdit

__all__ = ["INCLUDE", "MASK", "PLACEHOLDER_SIZE", "ZoneCanvas", "ZoneEditor", "ZoneShape"]

INCLUDE, MASK = "include", "mask"
PLACEHOLDER_SIZE = (1600, 900)  # 16:9 when the camera's size is not known
HANDLE_PX = 8  # vertex handles, on screen
HIT_PX = 9  # how near a vertex a press must be to grab it
PRECISION = 4  # decimals of the fractions handed out

_COLOURS = {
    INCLUDE: (QColor("#22c55e"), QColor(34, 197, 94, 55)),
    MASK: (QColor("#f97316"), QColor(249, 115, 22, 40)),
}
_SELECTED = QColor("#facc15")
_HATCH = QColor(249, 115, 22, 190)


@dataclass(frozen=True, slots=True)
class ZoneShape:
    kind: str
    name: str
    points: tuple[tuple[float, float], ...]

    def as_json(self) -> dict:
        return {
            "kind": self.kind,
            "name": self.name,
            "points": [[round(x, PRECISION), round(y, PRECISION)] for x, y in self.points],
        }


def _clamp(v: float) -> float:
    return min(1.0, max(0.0, v))


def shapes_from_json(zones: Iterable) -> list[ZoneShape]:
    """Zones as zones_json holds them; entries that are no polygon are left out (the owner
    validates the document), coordinates outside the picture are pulled onto its edge."""
    out = []
    for z in zones or ():
        if not isinstance(z, dict):
            continue
        pts = z.get("points")
        try:
            points = tuple((_clamp(float(p[0])), _clamp(float(p[1]))) for p in pts)
        except (TypeError, ValueError, IndexError):
            continue
        if len(points) < 3:
            continue
        out.append(ZoneShape(MASK if z.get("kind") == MASK else INCLUDE, str(z.get("name") or ""), points))
    return out


# --- undo --------------------------------------------------------------------------------------


# --- scene items -------------------------------------------------------------------------------


class _Label(QGraphicsItem):
    """A polygon's name in a dark box at its top-left corner, readable on any picture, at the
    same screen size at any scale."""

    PAD = 4

    def __init__(self, text: str, colour: QColor, parent: QGraphicsItem) -> None:
        super().__init__(parent)
        self.setFlag(QGraphicsItem.ItemIgnoresTransformations)
        self.text, self.colour = text, colour
        self.font = QFont()
        self.font.setPixelSize(13)
        self.font.setBold(True)
        metrics = QFontMetrics(self.font)
        self._rect = QRectF(0, 0, metrics.horizontalAdvance(text) + 2 * self.PAD + 3, metrics.height() + 2)

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, painter: QPainter, option, widget=None) -> None:
        painter.fillRect(self._rect, QColor(0, 0, 0, 170))
        painter.fillRect(QRectF(0, 0, 3, self._rect.height()), self.colour)
        painter.setFont(self.font)
        painter.setPen(QColor("#ffffff"))
        painter.drawText(self._rect.adjusted(3 + self.PAD, 0, 0, 0), Qt.AlignVCenter | Qt.AlignLeft, self.text)


class _ZoneItem(QGraphicsPolygonItem):
    """One polygon: include zones filled green, masks orange and hatched; the selected one has a
    yellow outline and vertex handles. Handles and label keep their screen size."""

    def __init__(self, shape: ZoneShape, label: str, size: QSize, selected: bool) -> None:
        super().__init__()
        self.shape_ = shape
        self.selected = selected
        self.label = _Label(label, _COLOURS[shape.kind][0], self)
        self.handles: list[QGraphicsRectItem] = []
        for _ in shape.points if selected else ():  # the selection rebuilds the items
            handle = QGraphicsRectItem(-HANDLE_PX / 2, -HANDLE_PX / 2, HANDLE_PX, HANDLE_PX, self)
            handle.setFlag(QGraphicsItem.ItemIgnoresTransformations)
            handle.setBrush(QColor("#ffffff"))
            pen = QPen(_SELECTED, 1.5)
            pen.setCosmetic(True)
            handle.setPen(pen)
            self.handles.append(handle)
        self.update_shape(shape, size)

    def update_shape(self, shape: ZoneShape, size: QSize) -> None:
        self.shape_ = shape
        w, h = size.width(), size.height()
        pts = [QPointF(x * w, y * h) for x, y in shape.points]
        self.setPolygon(QPolygonF(pts))
        line, _fill = _COLOURS[shape.kind]
        pen = QPen(_SELECTED if self.selected else line, 3.0 if self.selected else 2.0)
        pen.setCosmetic(True)
        if shape.kind == MASK:
            pen.setStyle(Qt.DashLine)
        self.setPen(pen)
        self.label.setPos(QPolygonF(pts).boundingRect().topLeft())
        for handle, p in zip(self.handles, pts, strict=False):
            handle.setPos(p)

    def paint(self, painter: QPainter, option, widget=None) -> None:
        line, fill = _COLOURS[self.shape_.kind]
        poly = self.polygon()
        painter.setRenderHint(QPainter.Antialiasing)
        painter.setPen(Qt.NoPen)
        painter.setBrush(fill)
        painter.drawPolygon(poly)
        if self.shape_.kind == MASK:  # hatched: an area the rules ignore
            painter.setBrush(QBrush(_HATCH, Qt.BDiagPattern))
            painter.drawPolygon(poly)
        painter.setBrush(Qt.NoBrush)
        painter.setPen(self.pen())
        painter.drawPolygon(poly)


# --- the canvas --------------------------------------------------------------------------------


@dataclass
class _Drag:
    zone: int
    vertex: int  # -1: the whole polygon
    start: tuple[float, float]  # fraction where the press was
    before: list[ZoneShape]
    moved: bool = False


class ZoneCanvas(QGraphicsView):
    zonesChanged = Signal()  # after every change, undo and redo (not while a drag is under way)
    selectionChanged = Signal(int)  # index of the selected polygon, -1 for none
    drawingChanged = Signal(str)  # kind being drawn, "" when not drawing
    renameRequested = Signal(int)  # double-click on a polygon

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.undo_stack = QUndoStack(self)
        self._zones: list[ZoneShape] = []
        self._items: list[_ZoneItem] = []
        self._selected = -1
        self._pixmap: QPixmap | None = None
        self._size = QSize(*PLACEHOLDER_SIZE)
        self._message = ""
        self._draft: list[tuple[float, float]] | None = None
        self._draft_kind = ""
        self._hover: tuple[float, float] | None = None
        self._draft_item = QGraphicsPathItem()
        self._draft_item.setZValue(10)
        self.scene().addItem(self._draft_item)
        self._drag: _Drag | None = None
        self.setRenderHints(QPainter.Antialiasing | QPainter.SmoothPixmapTransform)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.setFrameShape(QFrame.NoFrame)
        self.setViewportUpdateMode(QGraphicsView.FullViewportUpdate)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setMinimumSize(320, 180)
        self.setBackgroundBrush(QColor("#111418"))
        self.scene().setSceneRect(QRectF(0, 0, self._size.width(), self._size.height()))

    # -- picture -----------------------------------------------------------------------------
    def set_picture(self, image: QImage | None, size: tuple[int, int] | None = None) -> None:
        """The camera's picture, or None for the placeholder at `size` (default 16:9). The zones
        stay where they are on the picture (they are fractions)."""
        if image is not None and not image.isNull():
            self._pixmap = QPixmap.fromImage(image)
            new = image.size()
        else:
            self._pixmap = None
            new = QSize(*size) if size and size[0] > 0 and size[1] > 0 else QSize(*PLACEHOLDER_SIZE)
        if new != self._size:
            self._size = new
            self.scene().setSceneRect(QRectF(0, 0, new.width(), new.height()))
            self._rebuild()
        self._fit()
        self.viewport().update()

    def has_picture(self) -> bool:
        return self._pixmap is not None

    def picture_size(self) -> tuple[int, int]:
        return self._size.width(), self._size.height()

    def set_message(self, text: str) -> None:
        """A line over the picture or the placeholder (e.g. why there is no picture)."""
        self._message = text
        self.viewport().update()

    def message(self) -> str:
        return self._message

    # -- zones -------------------------------------------------------------------------------
    def set_zones(self, zones: Iterable) -> None:
        """Load zones_json's list; clears the undo history."""
        self.cancel_drawing()
        self.undo_stack.clear()
        self._apply(shapes_from_json(zones), -1)

    def zones(self) -> list[dict]:
        return [z.as_json() for z in self._zones]

    def shapes(self) -> list[ZoneShape]:
        return list(self._zones)

    def selected(self) -> int:
        return self._selected

    def select(self, index: int) -> None:
        index = index if 0 <= index < len(self._zones) else -1
        if index != self._selected:
            self._selected = index
            self._rebuild()
            self.selectionChanged.emit(index)

    def delete_selected(self) -> bool:
        i = self._selected
        if i < 0:
            return False
        after = self._zones[:i] + self._zones[i + 1 :]
        self._push(self.tr("删除「{0}」").format(self.label_of(self._zones[i], i)), after, -1)
        return True

    def rename(self, index: int, name: str) -> None:
        if not 0 <= index < len(self._zones) or self._zones[index].name == name:
            return
        after = list(self._zones)
        after[index] = replace(after[index], name=name)
        self._push(self.tr("重命名"), after, index, merge_key=index)

    def label_of(self, shape: ZoneShape, index: int) -> str:
        if shape.kind == MASK:
            return self.tr("屏蔽区 · {0}").format(shape.name) if shape.name else self.tr("屏蔽区")
        return shape.name or self.tr("区域 {0}").format(index + 1)

    def default_name(self, kind: str) -> str:
        n = sum(1 for z in self._zones if z.kind == kind) + 1
        return self.tr("区域{0}").format(n) if kind == INCLUDE else self.tr("屏蔽区{0}").format(n)

    # -- drawing -----------------------------------------------------------------------------
    def start_drawing(self, kind: str) -> None:
        self.cancel_drawing()
        self.select(-1)
        self._draft, self._draft_kind = [], MASK if kind == MASK else INCLUDE
        self.setCursor(Qt.CrossCursor)
        self.setFocus()
        self._update_draft()
        self.drawingChanged.emit(self._draft_kind)

    def drawing(self) -> str:
        return self._draft_kind if self._draft is not None else ""

    def draft_points(self) -> list[tuple[float, float]]:
        return list(self._draft or [])

    def cancel_drawing(self) -> None:
        if self._draft is None:
            return
        self._draft, self._draft_kind, self._hover = None, "", None
        self.unsetCursor()
        self._update_draft()
        self.drawingChanged.emit("")

    def finish_drawing(self) -> bool:
        """Close the polygon being drawn (needs 3 points); False if it cannot be closed yet."""
        if self._draft is None or len(self._draft) < 3:
            return False
        shape = ZoneShape(self._draft_kind, self.default_name(self._draft_kind), tuple(self._draft))
        self.cancel_drawing()
        text = self.tr("新增屏蔽区") if shape.kind == MASK else self.tr("新增区域")
        self._push(text, [*self._zones, shape], len(self._zones))
        return True

    def _take_back_point(self) -> None:
        if self._draft:
            self._draft.pop()
            self._update_draft()
        else:
            self.cancel_drawing()

    # -- geometry ----------------------------------------------------------------------------
    def fraction_at(self, pos: QPoint | QPointF) -> tuple[float, float]:
        """The picture fraction under a viewport position (clamped onto the picture)."""
        p = self.mapToScene(QPoint(round(pos.x()), round(pos.y())))
        return _clamp(p.x() / self._size.width()), _clamp(p.y() / self._size.height())

    def view_point(self, fx: float, fy: float) -> QPoint:
        """The viewport position of a picture fraction (for tests and scripted use)."""
        return self.mapFromScene(QPointF(fx * self._size.width(), fy * self._size.height()))

    def _screen_distance(self, pos: QPointF, frac: tuple[float, float]) -> float:
        q = self.view_point(*frac)
        return math.hypot(q.x() - pos.x(), q.y() - pos.y())

    def _vertex_at(self, pos: QPointF) -> tuple[int, int] | None:
        order = ([self._selected] if self._selected >= 0 else []) + [
            i for i in reversed(range(len(self._zones))) if i != self._selected
        ]
        for zi in order:
            for vi, pt in enumerate(self._zones[zi].points):
                if self._screen_distance(pos, pt) <= HIT_PX:
                    return zi, vi
        return None

    def _zone_at(self, pos: QPointF) -> int:
        sp = self.mapToScene(QPoint(round(pos.x()), round(pos.y())))
        for i in reversed(range(len(self._zones))):
            if self._items[i].polygon().containsPoint(sp, Qt.OddEvenFill):
                return i
        return -1

    # -- mouse and keys ----------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        pos = event.position()
        if self._draft is not None:
            if event.button() == Qt.LeftButton:
                if len(self._draft) >= 3 and self._screen_distance(pos, self._draft[0]) <= HIT_PX:
                    self.finish_drawing()
                    return
                frac = self.fraction_at(pos)
                if not self._draft or self._screen_distance(pos, self._draft[-1]) > 2:
                    self._draft.append(frac)
                self._update_draft()
            elif event.button() == Qt.RightButton:
                self._take_back_point()
            return
        if event.button() != Qt.LeftButton:
            return
        self.setFocus()
        hit = self._vertex_at(pos)
        if hit is not None:
            self.select(hit[0])
            self._drag = _Drag(hit[0], hit[1], self.fraction_at(pos), list(self._zones))
            return
        zone = self._zone_at(pos)
        self.select(zone)
        if zone >= 0:
            self._drag = _Drag(zone, -1, self.fraction_at(pos), list(self._zones))
            self.setCursor(Qt.ClosedHandCursor)

    def mouseMoveEvent(self, event) -> None:
        pos = event.position()
        if self._draft is not None:
            self._hover = self.fraction_at(pos)
            self._update_draft()
            return
        drag = self._drag
        if drag is None:
            return
        fx, fy = self.fraction_at(pos)
        original = drag.before[drag.zone]
        if drag.vertex >= 0:
            pts = list(original.points)
            pts[drag.vertex] = (fx, fy)
        else:  # the whole polygon, kept inside the picture
            dx, dy = fx - drag.start[0], fy - drag.start[1]
            xs, ys = [p[0] for p in original.points], [p[1] for p in original.points]
            dx = min(max(dx, -min(xs)), 1.0 - max(xs))
            dy = min(max(dy, -min(ys)), 1.0 - max(ys))
            pts = [(x + dx, y + dy) for x, y in original.points]
        drag.moved = True
        self._zones[drag.zone] = replace(original, points=tuple(pts))
        self._items[drag.zone].update_shape(self._zones[drag.zone], self._size)

    def mouseReleaseEvent(self, event) -> None:
        drag, self._drag = self._drag, None
        if drag is None:
            return
        if self._draft is None:
            self.unsetCursor()
        if drag.moved and self._zones[drag.zone] != drag.before[drag.zone]:
            text = self.tr("移动顶点") if drag.vertex >= 0 else self.tr("移动区域")
            after = list(self._zones)
            self._zones = list(drag.before)  # the command applies the change (and undoes it)
            self._push(text, after, drag.zone)

    def mouseDoubleClickEvent(self, event) -> None:
        if self._draft is not None:
            if event.button() == Qt.LeftButton:
                pos = event.position()  # a real double-click's first press added the point already
                if not self._draft or self._screen_distance(pos, self._draft[-1]) > 2:
                    self._draft.append(self.fraction_at(pos))
                self.finish_drawing()
            return
        zone = self._zone_at(event.position())
        if zone >= 0:
            self.select(zone)
            self.renameRequested.emit(zone)

    def keyPressEvent(self, event) -> None:
        key = event.key()
        if event.matches(QKeySequence.Undo):
            if self._draft is not None:
                self._take_back_point()
            else:
                self.undo_stack.undo()
        elif event.matches(QKeySequence.Redo) or (key == Qt.Key_Y and event.modifiers() & Qt.ControlModifier):
            if self._draft is None:
                self.undo_stack.redo()
        elif key in (Qt.Key_Return, Qt.Key_Enter) and self._draft is not None:
            self.finish_drawing()
        elif key == Qt.Key_Escape and self._draft is not None:
            self.cancel_drawing()
        elif key == Qt.Key_Escape and self._selected >= 0:
            self.select(-1)
        elif key == Qt.Key_Backspace and self._draft is not None:
            self._take_back_point()
        elif key in (Qt.Key_Delete, Qt.Key_Backspace) and self._draft is None and self._selected >= 0:
            self.delete_selected()
        else:
            super().keyPressEvent(event)
            return
        event.accept()

    # -- internals ---------------------------------------------------------------------------
    def _push(self, text: str, after: list[ZoneShape], select_after: int, merge_key: int | None = None) -> None:
        self.undo_stack.push(SnapshotEdit(self, text, self._zones, after, self._selected, select_after, merge_key))

    def _apply(self, zones: Sequence[ZoneShape], selected: int) -> None:
        """Called by the undo commands (and loading): the zones and the selection, then the scene."""
        self._zones = list(zones)
        old = self._selected
        self._selected = selected if 0 <= selected < len(self._zones) else -1
        self._rebuild()
        if old != self._selected:
            self.selectionChanged.emit(self._selected)
        self.zonesChanged.emit()

    def _rebuild(self) -> None:
        for item in self._items:
            self.scene().removeItem(item)
        self._items = []
        for i, z in enumerate(self._zones):
            item = _ZoneItem(z, self.label_of(z, i), self._size, i == self._selected)
            item.setZValue(2 if i == self._selected else 1)
            self.scene().addItem(item)
            item.update_shape(z, self._size)
            self._items.append(item)
        self._update_draft()

    def _update_draft(self) -> None:
        path = QPainterPath()
        w, h = self._size.width(), self._size.height()
        pts = list(self._draft or [])
        if pts:
            path.moveTo(pts[0][0] * w, pts[0][1] * h)
            for x, y in pts[1:]:
                path.lineTo(x * w, y * h)
            if self._hover is not None:
                path.lineTo(self._hover[0] * w, self._hover[1] * h)
            for x, y in pts:
                path.addEllipse(QPointF(x * w, y * h), w / 300, w / 300)
        colour = _COLOURS[self._draft_kind][0] if self._draft_kind else _SELECTED
        pen = QPen(colour, 2.0, Qt.DashLine)
        pen.setCosmetic(True)
        self._draft_item.setPen(pen)
        self._draft_item.setPath(path)

    def _fit(self) -> None:
        self.fitInView(self.sceneRect(), Qt.KeepAspectRatio)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._fit()

    def sizeHint(self) -> QSize:
        return QSize(800, 450)

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        super().drawBackground(painter, rect)
        scene_rect = self.sceneRect()
        if self._pixmap is not None:
            painter.drawPixmap(scene_rect, self._pixmap, QRectF(self._pixmap.rect()))
            return
        painter.fillRect(scene_rect, QColor("#4b5563"))
        # The placeholder's words in screen pixels, so they stay readable at any scale.
        box = self.mapFromScene(scene_rect).boundingRect()
        painter.save()
        painter.resetTransform()
        font = QFont(self.font())
        font.setPixelSize(max(16, min(40, box.height() // 9)))
        painter.setFont(font)
        painter.setPen(QColor("#d1d5db"))
        upper = box.adjusted(0, 0, 0, -box.height() // 2 + font.pixelSize() // 2)
        painter.drawText(upper, Qt.AlignHCenter | Qt.AlignBottom, self.tr("无画面"))
        painter.restore()

    def drawForeground(self, painter: QPainter, rect: QRectF) -> None:
        super().drawForeground(painter, rect)
        if not self._message:
            return
        box = self.mapFromScene(self.sceneRect()).boundingRect()
        painter.save()
        painter.resetTransform()
        font = QFont(self.font())
        font.setPixelSize(14)
        painter.setFont(font)
        if self._pixmap is None:  # under "无画面"
            area = box.adjusted(24, box.height() // 2 + 24, -24, -12)
            painter.setPen(QColor("#fca5a5"))
            painter.drawText(area, Qt.AlignHCenter | Qt.AlignTop | Qt.TextWordWrap, self._message)
        else:  # a band along the top of the picture
            metrics = painter.fontMetrics()
            band = QRectF(box.left(), box.top(), box.width(), metrics.height() + 10)
            painter.fillRect(band, QColor(0, 0, 0, 150))
            painter.setPen(QColor("#f3f4f6"))
            painter.drawText(band.adjusted(8, 0, -8, 0), Qt.AlignVCenter | Qt.AlignLeft, self._message)
        painter.restore()


class ZoneEditor(QWidget):
    """The canvas with its tool row (新增区域, 新增屏蔽区, 删除, 撤销, 重做, 名称) and a hint line."""

    zonesChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = ZoneCanvas(self)
        self.add_include_button = QPushButton(self.tr("新增区域"), self)
        self.add_include_button.setToolTip(self.tr("画一个判定区域：只在区域内判定（不画区域则整个画面都判定）"))
        self.add_mask_button = QPushButton(self.tr("新增屏蔽区"), self)
        self.add_mask_button.setToolTip(self.tr("画一个屏蔽区：区域内的目标不判定（如电视、临街窗户）"))
        self.delete_button = QPushButton(self.tr("删除"), self)
        self.delete_button.setToolTip(self.tr("删除所选区域（Del）"))
        self.undo_button = QPushButton(self.tr("撤销"), self)
        self.undo_button.setToolTip(self.tr("撤销（Ctrl+Z）"))
        self.redo_button = QPushButton(self.tr("重做"), self)
        self.redo_button.setToolTip(self.tr("重做（Ctrl+Y）"))
        self.name_label = QLabel(self.tr("名称"), self)
        self.name_edit = QLineEdit(self)
        self.name_edit.setPlaceholderText(self.tr("选中区域后可改名"))
        self.name_edit.setMaximumWidth(200)
        self.hint = QLabel(self)
        self.hint.setObjectName("zoneHint")
        self.hint.setStyleSheet("color: #9ca3af;")
        self.hint.setWordWrap(True)
        self.tools = QHBoxLayout()
        self.tools.setContentsMargins(0, 0, 0, 0)
        for w in (
            self.add_include_button,
            self.add_mask_button,
            self.delete_button,
            self.undo_button,
            self.redo_button,
        ):
            self.tools.addWidget(w)
        self.tools.addSpacing(12)
        self.tools.addWidget(self.name_label)
        self.tools.addWidget(self.name_edit)
        self.tools.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.tools)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.hint)

        c = self.canvas
        self.add_include_button.clicked.connect(lambda: c.start_drawing(INCLUDE))
        self.add_mask_button.clicked.connect(lambda: c.start_drawing(MASK))
        self.delete_button.clicked.connect(c.delete_selected)
        self.undo_button.clicked.connect(c.undo_stack.undo)
        self.redo_button.clicked.connect(c.undo_stack.redo)
        c.undo_stack.canUndoChanged.connect(self.undo_button.setEnabled)
        c.undo_stack.canRedoChanged.connect(self.redo_button.setEnabled)
        self.name_edit.textEdited.connect(lambda text: c.rename(c.selected(), text))
        c.selectionChanged.connect(self._selection)
        c.drawingChanged.connect(self._drawing)
        c.zonesChanged.connect(self._changed)
        c.renameRequested.connect(lambda _i: (self.name_edit.setFocus(), self.name_edit.selectAll()))
        self._selection(-1)
        self._drawing("")
        self.undo_button.setEnabled(False)
        self.redo_button.setEnabled(False)

    # -- pass-through ------------------------------------------------------------------------
    def set_picture(self, image: QImage | None, size: tuple[int, int] | None = None) -> None:
        self.canvas.set_picture(image, size)

    def set_message(self, text: str) -> None:
        self.canvas.set_message(text)

    def set_zones(self, zones: Iterable) -> None:
        self.canvas.set_zones(zones)

    def zones(self) -> list[dict]:
        return self.canvas.zones()

    def add_tool(self, widget: QWidget) -> None:
        """A button of the owner's at the end of the tool row (e.g. 刷新画面)."""
        self.tools.addWidget(widget)

    # -- state -------------------------------------------------------------------------------
    def _selection(self, index: int) -> None:
        has = index >= 0
        self.delete_button.setEnabled(has)
        self.name_edit.setEnabled(has)
        self.name_label.setEnabled(has)
        shapes = self.canvas.shapes()
        self.name_edit.setText(shapes[index].name if has else "")

    def _changed(self) -> None:
        i = self.canvas.selected()
        shapes = self.canvas.shapes()
        if 0 <= i < len(shapes) and self.name_edit.text() != shapes[i].name:
            self.name_edit.setText(shapes[i].name)
        self.zonesChanged.emit()

    def _drawing(self, kind: str) -> None:
        drawing = bool(kind)
        for b in (self.add_include_button, self.add_mask_button):
            b.setEnabled(not drawing)
        if kind == MASK:
            self.hint.setText(
                self.tr("正在画屏蔽区：单击添加顶点，双击、回车或点回第一个顶点闭合；右键或退格撤回一个顶点，Esc 取消")
            )
        elif kind == INCLUDE:
            self.hint.setText(
                self.tr("正在画区域：单击添加顶点，双击、回车或点回第一个顶点闭合；右键或退格撤回一个顶点，Esc 取消")
            )
        else:
            self.hint.setText(
                self.tr(
                    "绿色为判定区域，橙色斜线为屏蔽区。拖动顶点或整个区域调整，"
                    "单击选中、Del 删除，双击改名；Ctrl+Z 撤销，Ctrl+Y 重做"
                )
            )
