import pytest
from sqlmodel import Session, select

from desktop.core.access import Actor
from desktop.core.db import database_url, init_schema, make_engine
from desktop.core.models import Camera, Venue
from desktop.demo.seed import seed_demo
from desktop.services.user_session import UserSession
from desktop.ui.app import Console, GuiOptions, make_application
from tests.desktop.ui.actors import DUTY


@pytest.fixture
def make_console(qtbot, data_dir, monkeypatch):
    """The real console (window, services, stream workers, SQLite) on N demo cameras of `server`,
    plus optional extra cameras with the given URLs. The AI analysis stays off unless asked for:
    the tests of the wall, registry and alert panel must not see alerts of their own making.
    `actor` is the logged-in user (a 值班员 unless the test is about other work)."""
    consoles = []

    def build(server, cameras: int, extra_urls: tuple[str, ...] = (), analysis: bool = False,
              actor: Actor = DUTY) -> Console:
        monkeypatch.setenv("MINGCHU_ANALYSIS", "on" if analysis else "off")
        make_application()
        data_dir.mkdir(parents=True, exist_ok=True)
        engine = make_engine(database_url(data_dir))
        init_schema(engine)
        seed_demo(engine, server.host, server.port, cameras=cameras)
        with Session(engine) as s:
            venue = s.exec(select(Venue)).first()
            for i, url in enumerate(extra_urls):
                s.add(Camera(venue_id=venue.id, name=f"故障摄像头{i + 1}", area="库房", sub_url=url,
                             main_url=url, sort_order=1000 + i))
            s.commit()
        engine.dispose()
        console = Console(GuiOptions(size=(1280, 800)), UserSession(actor))
        consoles.append(console)
        console.start()
        qtbot.waitUntil(lambda: len(console.window.wall_page.cameras) == cameras + len(extra_urls), timeout=5000)
        return console

    yield build
    for c in consoles:
        c.window.close()
        c.shutdown()
