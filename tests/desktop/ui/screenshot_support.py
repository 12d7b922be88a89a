"""What the screenshot scripts (tests/desktop/ui/*_screenshots.py) share: a console on a
scratch data directory with the demo cameras, logged in as a given person, and a wait that keeps
Qt's events turning. The scripts are run by hand to look at the pages; pytest does not collect them."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def spin(cond: Callable[[], object], timeout: float = 15.0) -> bool:
    """Process events until `cond()` is true (True) or the time is up (False)."""
    from PySide6.QtWidgets import QApplication

    app, end = QApplication.instance(), time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()
        if cond():
            return True
        time.sleep(0.02)
    return False


@contextmanager
def demo_console(actor, *, cameras: int, size: tuple[int, int], analysis: bool = False,
                 prepare: Callable[[object, object], None] | None = None) -> Iterator[object]:
    """A started console as `actor` on a fresh data directory holding the demo station with
    `cameras` cameras (served by 4 demo streams); `prepare(engine, server)` runs on the database
    before the console opens it. Waits until the wall knows every camera; shut down after."""
    tmp = Path(tempfile.mkdtemp())
    os.environ["MINGCHU_DATA_DIR"] = str(tmp / "data")
    if not analysis:
        os.environ["MINGCHU_ANALYSIS"] = "off"
    from desktop.core.db import database_url, init_schema, make_engine
    from desktop.demo.seed import seed_demo
    from desktop.demo.server import DemoServer
    from desktop.services.user_session import UserSession
    from desktop.ui.app import Console, GuiOptions, make_application

    with DemoServer(streams=4, port=0, overlay=False) as server:
        (tmp / "data").mkdir(parents=True)
        engine = make_engine(database_url(tmp / "data"))
        try:
            init_schema(engine)
            seed_demo(engine, server.host, server.port, cameras=cameras)
            if prepare is not None:
                prepare(engine, server)
        finally:
            engine.dispose()
        make_application()
        console = Console(GuiOptions(size=size), UserSession(actor))
        console.start()
        try:
            spin(lambda: len(console.window.wall_page.cameras) >= cameras)
            yield console
        finally:
            console.window.close()
            console.shutdown()
