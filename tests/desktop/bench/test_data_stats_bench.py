"""`bench data --sections stats` at a tiny size (figures checked for shape and sense, not speed)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

from desktop.bench.data import run_data_bench
from desktop.bench.data_stats import dashboard_queries, generate
from desktop.core import statistics as st
from tests.actors import HEAD

QUERIES = set(dashboard_queries(None, st.StatsScope(date(2026, 1, 1), date(2026, 1, 2))))


def test_generated_district_adds_up(engine):
    now = datetime(2026, 11, 20, 4, tzinfo=UTC)
    counts = generate(engine, 20, now=now)
    assert {k: counts[k] for k in ("venue", "camera", "alert", "app_case")} == {
        "venue": 20, "camera": 40, "alert": 1600, "app_case": 160}
    assert counts["caseevent"] > counts["app_case"] and counts["camerastatusevent"] > 40 * 20
    year = st.StatsScope(date(2025, 11, 1), date(2026, 11, 21))
    assert sum(n for _c, n in st.alerts_by_category(engine, year, actor=HEAD)) == 1600
    assert sum(n for _s, n in st.alerts_by_street(engine, year, actor=HEAD)) == 1600
    assert st.case_funnel(engine, year, today=now.date(), actor=HEAD).opened == 160
    rates = st.camera_online_rate(engine, st.StatsScope(date(2026, 10, 1), date(2026, 11, 1)), now=now, actor=HEAD)
    assert len(rates) == 31 and all(0.5 < r <= 1.0 for _d, r in rates)
    m = st.monthly_summary(engine, date(2026, 10, 1), now=now, actor=HEAD)
    assert m.alerts_total > 0 and m.cases_opened > 0 and 0 < (m.rectification_rate or 0) <= 1
    assert 0.5 < (m.camera_online_rate or 0) <= 1


def test_stats_section_alone_on_sqlite_and_postgres(tmp_path, postgres_base_url, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    r = run_data_bench(20, postgres_url=postgres_base_url, sections=["stats"], workdir=tmp_path)
    assert "stats_pg_error" not in r, r.get("stats_pg_error")
    assert "template_rows" not in r and "import_xlsx_s" not in r  # the spreadsheet sections did not run
    assert r["stats_query_target_ms"] == 200 and r["stats_report_target_s"] == 10
    for db in ("stats_sqlite", "stats_postgresql"):
        figures = r[db]
        assert figures["rows"]["alert"] == 1600 and figures["rows"]["app_case"] == 160
        for scope in ("30d", "365d", "30d_street", "365d_streets"):
            assert set(figures[f"{scope}_ms"]) == QUERIES
            assert all(v >= 0 for v in figures[f"{scope}_ms"].values())
            assert isinstance(figures[f"{scope}_ok"], bool)
        assert figures["monthly_report_queries_s"] >= 0 and figures["monthly_report_ok"] is True
        assert figures["monthly_report_export_s"] > 0  # the xlsx and the PDF were really written
    assert isinstance(r["stats_ok"], bool)
    assert list(tmp_path.iterdir()) == []
    json.dumps(r, ensure_ascii=False)


def test_cli_sections_flag(capsys, monkeypatch, tmp_path):
    from desktop import cli

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    assert cli.main(["bench", "data", "--venues", "5", "--sections", "stats"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["bench"] == "data" and out["stats_sqlite"]["rows"]["venue"] == 5 and "stats_postgresql" not in out
