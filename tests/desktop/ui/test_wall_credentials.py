"""Credentials entered in the registry reach the stream engine, and nothing else: the wall plays
an RTSP server that demands a password, while tiles, tree and logs never show it."""

import logging

from desktop.core.db import database_url, make_engine, migrate
from desktop.core.registry import CameraInput, VenueInput, save_camera, save_venue
from desktop.demo.server import DemoServer
from desktop.services.user_session import UserSession
from desktop.ui.app import Console, GuiOptions, make_application
from tests.desktop.ui.actors import ADMIN, DUTY
from tests.desktop.ui.registry_helpers import visible_texts

PASSWORD = "Kitchen#2026"


def test_wall_opens_a_password_protected_camera_and_shows_no_secret(qtbot, data_dir, media_cache, caplog):
    caplog.set_level(logging.DEBUG)
    with DemoServer(streams=2, port=0, overlay=False, credentials=("admin", PASSWORD), cache_dir=media_cache) as s:
        make_application()
        data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(database_url(data_dir))
        migrate(engine)
        vid = save_venue(engine, VenueInput(name="七宝中学食堂", street="七宝镇", venue_type="学校食堂"), actor=ADMIN)
        # Typed as people paste it from the NVR's manual: credentials inside the URL.
        save_camera(engine, CameraInput(vid, "烹饪区", s.url(1, credentials=("admin", PASSWORD)),
                                        s.url(1, "main", credentials=("admin", PASSWORD)), area="烹饪区"), actor=ADMIN)
        # And one whose password is wrong: it must say so, still without showing anything secret.
        save_camera(engine, CameraInput(vid, "专间", s.url(2, credentials=("admin", "wrong-" + PASSWORD)), area="专间"),
                    actor=ADMIN)
        engine.dispose()
        console = Console(GuiOptions(size=(1280, 800)), UserSession(DUTY))
        console.start()
        try:
            page = console.window.wall_page
            qtbot.waitUntil(lambda: len(page.cameras) == 2, timeout=5000)
            qtbot.waitUntil(lambda: page.wall.first_paint[0] is not None, timeout=10000)
            qtbot.waitUntil(lambda: "用户名或密码错误" in page.wall.sources()[1].overlay().status
                            or "用户名或密码错误" in (page.wall.sources()[1].overlay().detail or ""), timeout=15000)
            overlays = [str(t.overlay()) for t in page.wall.sources() if t is not None]
            texts = visible_texts(console.window)
            assert "七宝中学食堂" in texts and "烹饪区" in texts  # the walk does reach the tree
            shown = "\n".join(texts + overlays)
            assert PASSWORD not in shown and "admin" not in shown
            assert PASSWORD not in caplog.text
        finally:
            console.window.close()
            console.shutdown()
