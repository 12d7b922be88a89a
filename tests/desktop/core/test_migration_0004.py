"""Revision 0004 (cases) on a database at 0003 with alerts and evidence: existing evidence gets
its venue and source, the legal bases and case settings are seeded, and the schema matches."""

from __future__ import annotations

from sqlalchemy import text

from desktop.core.case_settings import list_legal_bases, number_pattern, red_card_days, station_id
from desktop.core.db import current_revision, head_revision, make_engine, migrate
from tests.desktop.core.test_migrations import _schema_diff


def test_upgrade_from_0003_backfills_evidence_and_seeds_settings(db_url):
    engine = make_engine(db_url)
    migrate(engine, "0003")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO street (id, name, district, sort_order) VALUES (1, '七宝镇', '闵行区', 0)"))
        conn.execute(text(
            "INSERT INTO venue (id, name, address, street_id, venue_type, risk_level, contact_person, contact_phone,"
            " business_hours, build_progress, platform_connected, expected_completion, notes, created_at, updated_at)"
            " VALUES (1, '七宝中学食堂', '', 1, '学校食堂', 'B', '', '', '', '完成建设', :f, '', '',"
            " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {"f": False})
        conn.execute(text(
            "INSERT INTO camera (id, venue_id, name, area, sub_url, main_url, enabled, sort_order, installed,"
            " platform_connected, analysis_enabled, analysis_fps, analysis_json, zones_json, schedule_json,"
            " created_at, updated_at) VALUES (1, 1, '烹饪区', '', 'rtsp://h/s', '', :t, 0, :t, :f, :t, 2.0,"
            " '{}', '[]', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), {"t": True, "f": False})
        conn.execute(text(
            "INSERT INTO alert (id, camera_id, category, tier, started_at, at, score, rule_id, reason, boxes_json,"
            " review_state, reviewer, review_comment) VALUES (1, 1, '未戴口罩', '二级', CURRENT_TIMESTAMP,"
            " CURRENT_TIMESTAMP, 0.9, 'r', '', '[]', '待复核', '', '')"))
        for eid, sha, camera in ((1, "a" * 64, 1), (2, "b" * 64, None)):
            conn.execute(text(
                "INSERT INTO evidencefile (id, sha256, kind, media_type, size, rel_path, camera_id, created_by,"
                " created_at) VALUES (:i, :s, 'frame', 'image/png', 1, :r, :c, '', CURRENT_TIMESTAMP)"),
                {"i": eid, "s": sha, "r": f"{sha[:2]}/{sha}.png", "c": camera})
        conn.execute(text("INSERT INTO alertevidence (alert_id, evidence_id, role) VALUES (1, 1, 'clean')"))
    migrate(engine)
    assert current_revision(engine) == head_revision() and _schema_diff(engine) == []
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, venue_id, source, annotation_json, derived_from_id FROM evidencefile"
                                 " ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(1, 1, "alert", "", None), (2, None, "", "", None)]
    assert len(list_legal_bases(engine)) >= 6 and number_pattern(engine) == "闵市监明厨〔{year}〕{seq:04d}号"
    assert red_card_days(engine) == 7 and len(station_id(engine)) == 32
    engine.dispose()


def test_each_database_gets_its_own_station_id(tmp_path):
    ids = set()
    for name in ("a", "b"):
        engine = make_engine(f"sqlite:///{tmp_path / name}.db")
        migrate(engine)
        ids.add(station_id(engine))
        engine.dispose()
    assert len(ids) == 2


def test_downgrade_to_0003_and_up_again(db_url):
    from alembic import command

    from desktop.core.db import alembic_config

    engine = make_engine(db_url)
    migrate(engine)
    cfg = alembic_config()
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":  # as db.migrate does for batch mode
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        with conn.begin():
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0003")
    assert current_revision(engine) == "0003"
    with engine.connect() as conn:
        tables = {r[0] for r in conn.execute(text(
            "SELECT name FROM sqlite_master WHERE type = 'table'" if engine.dialect.name == "sqlite"
            else "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"))}
    assert "app_case" not in tables and "legalbasis" not in tables and "evidencefile" in tables
    migrate(engine)
    assert current_revision(engine) == head_revision() and _schema_diff(engine) == []
    engine.dispose()
