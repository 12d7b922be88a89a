"""The alert flash on the wall: a pulsing border round one tile, for a while, then gone."""

import time

from PySide6.QtGui import QColor

from tests.widgets.test_video_wall import Source
from widgets.video_wall import VideoWall


def _border(wall, i):
    r = wall.tile_rect(i)
    c = wall.grab().toImage().pixelColor(r.center().x(), r.top() + 3)
    return c.red(), c.green(), c.blue()


def test_flash_pulses_a_border_then_stops(qtbot):
    wall = VideoWall()
    qtbot.addWidget(wall)
    wall.resize(800, 450)
    wall.show()
    wall.set_sources([Source((0, 120, 0), "一"), Source((0, 120, 0), "二")])
    qtbot.waitUntil(lambda: None not in wall.first_paint, timeout=2000)
    plain, other = _border(wall, 1), _border(wall, 0)
    wall.flash(1, QColor(255, 0, 0), seconds=1.0)
    wall.flash(7, "#ff0000")  # no such tile: ignored
    assert wall.flashing() == [1]
    reds = []
    end = time.monotonic() + 0.8
    while time.monotonic() < end:
        qtbot.wait(60)
        reds.append(_border(wall, 1)[0])
    assert max(reds) > 200 and max(reds) - min(reds) > 60  # red, and pulsing
    assert _border(wall, 0) == other  # the other tile untouched
    qtbot.waitUntil(lambda: wall.flashing() == [], timeout=2000)
    qtbot.wait(120)
    assert _border(wall, 1) == plain
    assert not wall._flash_timer.isActive()  # no timer left running for nothing


def test_new_sources_clear_flashes(qtbot):
    wall = VideoWall()
    qtbot.addWidget(wall)
    wall.set_sources([Source((0, 0, 0), "一")])
    wall.flash(0)
    wall.set_sources([Source((0, 0, 0), "一")])
    assert wall.flashing() == []
