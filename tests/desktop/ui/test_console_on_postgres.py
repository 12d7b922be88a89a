"""DATABASE_URL selects PostgreSQL: the real console loads its station from a real PostgreSQL
server and records camera status there."""

from sqlalchemy import text

from desktop.core.db import make_engine, migrate
from desktop.demo.seed import seed_demo
from desktop.services.user_session import UserSession
from desktop.ui.app import Console, GuiOptions, make_application
from tests.desktop.ui.actors import DUTY
from tests.postgres import create_database, drop_database


def test_console_runs_on_postgresql(qtbot, rtsp_server, postgres_base_url, data_dir, monkeypatch):
    name, url = create_database(postgres_base_url)
    try:
        engine = make_engine(url)
        migrate(engine)
        seed_demo(engine, rtsp_server.host, rtsp_server.port, cameras=2)
        # What an administrator writes: a plain postgresql:// URL (the console picks the driver).
        monkeypatch.setenv("DATABASE_URL", url.replace("postgresql+psycopg://", "postgresql://"))
        make_application()
        console = Console(GuiOptions(size=(1024, 700)), UserSession(DUTY))
        console.start()
        try:
            page = console.window.wall_page
            qtbot.waitUntil(lambda: len(page.cameras) == 2, timeout=8000)
            qtbot.waitUntil(lambda: all(page.wall.first_paint[i] is not None for i in range(2)), timeout=10000)

            def online_rows():
                with engine.connect() as conn:
                    return conn.execute(text("SELECT count(*) FROM camerastatusevent WHERE online")).scalar()

            qtbot.waitUntil(lambda: online_rows() >= 2, timeout=8000)
            assert console.engine.dialect.name == "postgresql"
        finally:
            console.window.close()
            console.shutdown()
        engine.dispose()
    finally:
        drop_database(postgres_base_url, name)
