"""`bench data` end to end at a small scale (figures are checked for sense, not for speed)."""

from __future__ import annotations

from desktop.bench.data import SECTIONS, run_data_bench


def test_bench_data_small_on_sqlite_and_postgres(tmp_path, postgres_base_url, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    r = run_data_bench(300, postgres_url=postgres_base_url, workdir=tmp_path)
    assert r["bench"] == "data" and r["venues"] == 300 and r["template_rows"] == 600
    for prefix in ("", "pg_"):
        assert "pg_error" not in r, r.get("pg_error")
        for key in ("import_xlsx_s", "reimport_xlsx_s", "import_csv_s", "export_xlsx_s", "import_pudong_xlsx_s"):
            assert 0 < r[prefix + key] < 60, (prefix, key)
        assert r[prefix + "import_counts"] == {"venues": 300, "cameras": 600, "credentials": 600}
        assert r[prefix + "reimport_counts"] == {"added": 0, "updated": 0, "unchanged": 600, "skipped": 0, "error": 0}
    assert r["baseline_openpyxl_read_s"] > 0 and r["import_xlsx_ok"] is True
    assert "***@" in r["postgres"] or "@" not in r["postgres"]
    assert list(tmp_path.iterdir()) == []  # the scratch directory is gone
    assert [name for name, _ in SECTIONS][:2] == ["generate", "venue_io"]
