from datetime import UTC, datetime

from sqlalchemy import text

from desktop.core.db import database_url, init_schema, make_engine
from desktop.core.wall_cameras import load_wall_cameras, record_status, status_history
from desktop.demo.catalogue import VENUES, demo_cameras
from desktop.demo.seed import seed_demo
from tests.actors import ADMIN, HEAD


def _engine(data_dir):
    data_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(database_url(data_dir))
    init_schema(engine)
    return engine


def test_sqlite_file_in_data_dir_with_wal_and_foreign_keys(data_dir):
    engine = _engine(data_dir)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert (data_dir / "console.db").exists()


def test_demo_station_loads_in_tree_order_and_seeding_is_idempotent(engine):
    n = seed_demo(engine, "127.0.0.1", 8554)
    seed_demo(engine, "127.0.0.1", 9554)  # again, with another port: URLs move, nothing doubles
    cams = load_wall_cameras(engine, actor=HEAD)
    assert len(VENUES) == 16 and n == len(demo_cameras()) == len(cams)
    assert len({c.venue_id for c in cams}) == 16
    streets = [c.street for c in cams]
    assert streets == sorted(streets, key=streets.index)  # grouped by 街镇
    assert {c.street for c in cams} == {"莘庄镇", "七宝镇", "古美路街道", "江川路街道"}
    assert cams[0].sub_url == "rtsp://127.0.0.1:9554/cam01/sub"
    assert cams[0].main_url == "rtsp://127.0.0.1:9554/cam01/main"
    assert cams[0].title == "莘庄镇中心小学食堂 · 烹饪区"


def test_status_history_is_recorded(engine):
    seed_demo(engine)
    cam = load_wall_cameras(engine, actor=HEAD)[0].camera_id
    record_status(engine, cam, False, "连接被拒绝", datetime(2026, 11, 22, 8, 0, tzinfo=UTC))
    record_status(engine, cam, True, "", datetime(2026, 11, 22, 8, 1, tzinfo=UTC))
    hist = status_history(engine, cam)
    assert [(e.online, e.reason) for e in hist] == [(False, "连接被拒绝"), (True, "")]


def test_credentials_reach_the_stream_engine_only(engine):
    from desktop.core.registry import CameraInput, list_cameras, save_camera

    seed_demo(engine)
    venue_id = load_wall_cameras(engine, actor=HEAD)[0].venue_id
    cid = save_camera(engine, CameraInput(venue_id, "后门", "rtsp://admin:p%40ss@10.0.0.9:554/ch1/sub"), actor=ADMIN)
    cam = next(c for c in load_wall_cameras(engine, actor=HEAD) if c.camera_id == cid)
    assert cam.sub_url == "rtsp://10.0.0.9:554/ch1/sub"  # what the tile, tree and dialogs may show
    assert cam.open_url("sub") == "rtsp://admin:p%40ss@10.0.0.9:554/ch1/sub"  # what PyAV opens
    assert "p@ss" not in repr(cam) and "p%40ss" not in repr(cam)
    assert next(c for c in list_cameras(engine, actor=HEAD) if c.id == cid).has_credentials
