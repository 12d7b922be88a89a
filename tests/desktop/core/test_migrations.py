"""Alembic owns the schema: an empty database and one at the previous revision both reach the
newest revision, and the result matches the SQLModel classes exactly."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlmodel import SQLModel

from desktop.core.db import DatabaseError, current_revision, head_revision, make_engine, migrate


def _schema_diff(engine):
    with engine.connect() as conn:
        return compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), SQLModel.metadata)


def test_empty_database_upgrades_to_head_and_matches_models(db_url):
    engine = make_engine(db_url)
    migrate(engine)
    assert current_revision(engine) == head_revision()
    assert _schema_diff(engine) == []
    migrate(engine)  # again: nothing to do, nothing fails
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_previous_revision_with_data_upgrades_and_moves_credentials_out_of_urls(db_url):
    engine = make_engine(db_url)
    migrate(engine, "0001")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO street (id, name, district) VALUES (1, '莘庄镇', '闵行区')"))
        conn.execute(text(
            "INSERT INTO venue (id, name, license_no, address, street_id, venue_type, risk_level, contact_person,"
            " contact_phone, business_hours, build_progress, platform_connected) VALUES"
            " (1, '莘庄镇中心小学食堂', 'JY33101120001201', '莘松路 218 号', 1, '学校食堂', 'B', '王建华',"
            " '021-64921001', '06:00-18:00', '完成建设', :t)"), {"t": True})
        conn.execute(text(
            "INSERT INTO camera (id, venue_id, name, area, sub_url, main_url, enabled, sort_order) VALUES"
            " (1, 1, '烹饪区', '烹饪区', 'rtsp://admin:s3cret@10.1.2.3:554/ch1/sub',"
            " 'rtsp://admin:s3cret@10.1.2.3:554/ch1/main', :t, 0)"), {"t": True})
        conn.execute(text("INSERT INTO camerastatusevent (camera_id, at, online, reason)"
                          " VALUES (1, CURRENT_TIMESTAMP, :t, '')"), {"t": True})
    migrate(engine)
    assert current_revision(engine) == head_revision()
    assert _schema_diff(engine) == []
    with engine.connect() as conn:
        cam = conn.execute(text("SELECT sub_url, main_url, platform_connected, analysis_fps, installed"
                                " FROM camera WHERE id = 1")).one()
        cred = conn.execute(text("SELECT username, secret FROM cameracredential WHERE camera_id = 1")).one()
        venue = conn.execute(text("SELECT name, expected_completion, created_at FROM venue WHERE id = 1")).one()
        events = conn.execute(text("SELECT count(*) FROM camerastatusevent")).scalar()
    assert cam.sub_url == "rtsp://10.1.2.3:554/ch1/sub" and cam.main_url == "rtsp://10.1.2.3:554/ch1/main"
    assert bool(cam.platform_connected) and bool(cam.installed) and cam.analysis_fps == 2.0
    assert (cred.username, cred.secret) == ("admin", "s3cret")
    assert venue.name == "莘庄镇中心小学食堂" and venue.expected_completion == "" and venue.created_at is not None
    assert events == 1
    engine.dispose()


def test_first_release_file_without_version_table_is_recognised(tmp_path):
    """The foundation release created its tables with create_all and no alembic_version."""
    url = f"sqlite:///{tmp_path / 'console.db'}"
    engine = make_engine(url)
    migrate(engine, "0001")
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
        conn.execute(text("INSERT INTO street (name, district) VALUES ('七宝镇', '闵行区')"))
    migrate(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT name FROM street")).scalar() == "七宝镇"
    engine.dispose()


def test_a_failing_migration_reports_clearly_and_leaves_the_revision(db_url):
    engine = make_engine(db_url)
    migrate(engine, "0001")
    with engine.begin() as conn:  # a table in the way of revision 0002
        conn.execute(text("CREATE TABLE app_user (id INTEGER PRIMARY KEY)"))
    with pytest.raises(DatabaseError, match="迁移失败"):
        migrate(engine)
    assert current_revision(engine) == "0001"
    assert "cameracredential" not in inspect(engine).get_table_names()
    engine.dispose()


def test_password_of_database_url_never_in_error(tmp_path):
    engine = make_engine("postgresql://station:topsecret@127.0.0.1:1/none")
    with pytest.raises(DatabaseError) as err:
        migrate(engine)
    assert "topsecret" not in str(err.value) and "127.0.0.1" in str(err.value)
    engine.dispose()


def test_alerts_reviewed_before_0009_count_as_acknowledged(db_url):
    """签收 (0009): an alert reviewed earlier was seen by its reviewer; a pending one was not."""
    engine = make_engine(db_url)
    migrate(engine, "0008")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO street (id, name, district) VALUES (1, '七宝镇', '闵行区')"))
        conn.execute(text("INSERT INTO venue (id, name, license_no, address, street_id, venue_type, risk_level,"
                          " contact_person, contact_phone, business_hours, build_progress, platform_connected,"
                          " expected_completion, created_at) VALUES (1, '七宝中学食堂', '', '', 1, '', '', '', '',"
                          " '', '', :f, '', CURRENT_TIMESTAMP)"), {"f": False})
        conn.execute(text("INSERT INTO camera (id, venue_id, name, area, sub_url, main_url, enabled, sort_order,"
                          " analysis_fps, installed) VALUES (1, 1, '烹饪区', '', '', '', :t, 0, 2.0, :t)"), {"t": True})
        for aid, state, reviewer, reviewed in ((1, '已确认', '张三', "2026-06-01 04:00:00"),
                                               (2, '待复核', '', None)):
            conn.execute(text("INSERT INTO alert (id, camera_id, category, tier, started_at, at, score, rule_id,"
                              " reason, boxes_json, review_state, reviewer, review_comment, reviewed_at) VALUES"
                              " (:id, 1, '未戴口罩', '二级', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 0.9, '', '', '[]',"
                              " :state, :reviewer, '', :reviewed)"),
                         {"id": aid, "state": state, "reviewer": reviewer, "reviewed": reviewed})
    migrate(engine)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, acknowledged_by, acknowledged_at IS NOT NULL FROM alert"
                                 " ORDER BY id")).all()
    assert [(r[0], r[1], bool(r[2])) for r in rows] == [(1, "张三", True), (2, "", False)]
    engine.dispose()
