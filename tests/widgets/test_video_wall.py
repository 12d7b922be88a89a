"""The wall widget with in-memory sources: painting, maximise, selection, drag-and-drop."""

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt
from PySide6.QtGui import QDropEvent

from widgets.tile_painter import TileOverlay
from widgets.video_wall import CAMERA_MIME, VideoWall


@dataclass
class Frame:
    seq: int
    image: np.ndarray


class Source:
    def __init__(self, bgr: tuple[int, int, int], title: str):
        self.color = bgr
        self.title = title
        self.target = (0, 0)
        self.seq = 0
        self.status = "在线"

    def frame(self):
        w, h = self.target
        if not w:
            return None
        img = np.zeros((h, w, 4), np.uint8)
        img[..., :3] = self.color
        img[..., 3] = 255
        return Frame(self.seq, img)

    def overlay(self):
        return TileOverlay(self.title, "单位", self.status, "#15803d", stats="15.0 fps · 640×360")

    def set_target_size(self, w, h):
        self.target = (w, h)


def _center_color(wall, i):
    r = wall.tile_rect(i)
    c = wall.grab().toImage().pixelColor(r.center().x(), r.center().y())
    return c.blue(), c.green(), c.red()


def test_tiles_paint_their_frames_1_to_1(qtbot):
    wall = VideoWall()
    qtbot.addWidget(wall)
    wall.resize(800, 450)
    wall.show()
    sources = [Source((0, 0, 200), "红"), Source((0, 200, 0), "绿"), None, Source((200, 0, 0), "蓝")]
    wall.set_sources(sources)
    qtbot.waitUntil(lambda: all(wall.first_paint[i] is not None for i in (0, 1, 3)), timeout=2000)
    assert _center_color(wall, 0) == (0, 0, 200)
    assert _center_color(wall, 3) == (200, 0, 0)
    assert sources[0].target == (wall.tile_rect(0).width(), wall.tile_rect(0).height())
    before = wall.painted_frames[0]
    sources[0].seq += 1
    qtbot.waitUntil(lambda: wall.painted_frames[0] == before + 1, timeout=1000)


def test_maximise_gives_one_tile_the_whole_wall(qtbot):
    wall = VideoWall()
    qtbot.addWidget(wall)
    wall.resize(800, 450)
    wall.show()
    srcs = [Source((0, 0, 200), "a"), Source((0, 200, 0), "b"), Source((200, 0, 0), "c"), Source((9, 9, 9), "d")]
    wall.set_sources(srcs)
    with qtbot.waitSignal(wall.tileDoubleClicked) as sig:
        qtbot.mouseDClick(wall, Qt.LeftButton, pos=wall.tile_rect(1).center())
    assert sig.args == [1]
    wall.set_maximized(1)
    assert wall.visible_indices() == [1]
    assert srcs[1].target == (800, 450)
    qtbot.wait(60)
    assert _center_color(wall, 1) == (0, 200, 0)


def test_click_selects_and_drop_places_camera(qtbot):
    wall = VideoWall()
    qtbot.addWidget(wall)
    wall.resize(400, 400)
    wall.show()
    wall.set_sources([None] * 4)
    qtbot.mouseClick(wall, Qt.LeftButton, pos=wall.tile_rect(2).center())
    assert wall.selected == 2
    mime = QMimeData()
    mime.setData(CAMERA_MIME, b"42")
    pos = QPointF(wall.tile_rect(3).center())
    drop = QDropEvent(pos, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    with qtbot.waitSignal(wall.cameraDropped) as sig:
        wall.dropEvent(drop)
    assert sig.args == [3, 42]
    assert wall._index_at(QPoint(5, 5)) == 0
