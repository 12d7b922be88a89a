"""Data benchmark: the database side of a district (Minhang: ~12,500 venues) on SQLite and, when a
server is given, PostgreSQL. Prints one JSON line (through the CLI).

The run is a list of sections; each takes the shared context and returns its figures, which are
merged into one dict. `venue_io` times spreadsheet import/export against bare openpyxl reading
the same file (what reading alone costs with openpyxl's cell objects; our reader parses the
sheet XML itself and is faster, see read_xlsx_s). Later sections (alert and case queries) append
themselves to SECTIONS."""

from __future__ import annotations

import csv
import logging
import os
import platform
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl import Workbook
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from desktop.core.access import SYSTEM
from desktop.core.db import make_engine, migrate, normalise_url
from desktop.core.redact import redact_url
from desktop.core.venue_io import export_venues, import_venues
from desktop.core.venue_io.columns import TEMPLATE_COLUMNS, TEMPLATE_SHEET
from desktop.core.venue_io.sheet_reader import read_sheets
from desktop.core.vocabulary import BUILD_PROGRESS, CAMERA_AREAS, VENUE_TYPES

log = logging.getLogger(__name__)

IMPORT_TARGET_S = 10.0  # 12,500 venues, 2 cameras each, template .xlsx, SQLite, this 2-core machine
STREETS = ("莘庄镇", "七宝镇", "浦江镇", "梅陇镇", "虹桥镇", "马桥镇", "吴泾镇", "华漕镇", "颛桥镇", "江川路街道",
           "古美路街道", "新虹街道", "浦锦街道", "莘庄工业区")
PASSWORD = "Bench#2023"


@dataclass
class BenchContext:
    venues: int
    workdir: Path
    postgres_url: str | None = None
    files: dict[str, Path] = field(default_factory=dict)
    _cleanup: list[Callable[[], None]] = field(default_factory=list)

    def sqlite_engine(self, name: str) -> Engine:
        """A fresh, migrated SQLite file."""
        engine = make_engine(f"sqlite:///{self.workdir / (name + '.db')}")
        migrate(engine)
        self._cleanup.append(engine.dispose)
        return engine

    def postgres_engine(self, name: str) -> Engine:
        """A fresh, migrated database on the PostgreSQL server (dropped at the end)."""
        assert self.postgres_url
        server = make_url(normalise_url(self.postgres_url))
        db = f"mingchu_bench_{name}_{uuid.uuid4().hex[:8]}"
        # CREATE DATABASE from the URL's own database, or the maintenance database "postgres"
        admin = create_engine(server if server.database else server.set(database="postgres"),
                              isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{db}"'))
        engine = make_engine(server.set(database=db).render_as_string(hide_password=False))
        migrate(engine)

        def drop() -> None:
            engine.dispose()
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{db}" WITH (FORCE)'))
            admin.dispose()

        self._cleanup.append(drop)
        return engine

    def close(self) -> None:
        for fn in reversed(self._cleanup):
            try:
                fn()
            except Exception as exc:  # noqa: BLE001 - cleanup must not hide the figures
                log.warning("bench cleanup: %s", exc)
        self._cleanup.clear()


# -- spreadsheets of a district -----------------------------------------------------------------
def _venue(i: int) -> list[str]:
    street = STREETS[i % len(STREETS)]
    return [street, f"{street}第{i + 1}号餐饮服务单位", f"JY3{i % 10}1011{i:09d}", f"{street}沪闵路{i + 1}号",
            VENUE_TYPES[i % len(VENUE_TYPES)], "ABCD"[i % 4], f"负责人{i % 97}", f"1380{i:07d}",
            "06:00-21:00", BUILD_PROGRESS[i % len(BUILD_PROGRESS)], f"2023-{i % 12 + 1:02d}",
            "是" if i % 3 else "否", ""]


def _camera(i: int, c: int) -> list[str]:
    host = f"10.{i // 62500 % 250}.{i // 250 % 250}.{i % 250 + 1}"
    return [f"{CAMERA_AREAS[c]}{c + 1}", CAMERA_AREAS[c], f"rtsp://admin:{PASSWORD}@{host}:554/ch{c + 1}/sub",
            f"rtsp://admin:{PASSWORD}@{host}:554/ch{c + 1}/main", "是", "是" if i % 2 else "否"]


def template_rows(venues: int, cameras: int = 2):
    for i in range(venues):
        base = _venue(i)
        for c in range(cameras):
            yield base + _camera(i, c)


def write_template_xlsx(path: Path, venues: int, cameras: int = 2) -> int:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(TEMPLATE_SHEET)
    ws.append([c.label for c in TEMPLATE_COLUMNS])
    n = 0
    for row in template_rows(venues, cameras):
        ws.append(row)
        n += 1
    wb.save(path)
    return n


def write_template_csv(path: Path, venues: int, cameras: int = 2, encoding: str = "gb18030") -> int:
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow([c.label for c in TEMPLATE_COLUMNS])
        n = 0
        for row in template_rows(venues, cameras):
            w.writerow(row)
            n += 1
    return n


def write_pudong_xlsx(path: Path, venues: int) -> int:
    """附件3 as stations fill it: title rows above the header, 序号, to-the-month dates as text."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Sheet1")
    ws.append(["浦东新区示范店建设情况统计表"])
    ws.append(["填报单位：闵行区市场监督管理局", None, None, "填报时间：2023年9月25日"])
    ws.append(["序号", "单位名称", "地址", "许可证号", "建设进度", "预计完成 时间"])
    for i in range(venues):
        v = _venue(i)
        ws.append([i + 1, v[1], v[3], v[2], v[9], f"2023年{i % 12 + 1}月"])
    wb.save(path)
    return venues


# -- sections -----------------------------------------------------------------------------------
def section_generate(ctx: BenchContext) -> dict:
    t0 = time.perf_counter()
    f = ctx.files
    f["template_xlsx"] = ctx.workdir / "一户一档.xlsx"
    f["template_csv"] = ctx.workdir / "一户一档.csv"
    f["pudong_xlsx"] = ctx.workdir / "示范店建设情况统计表.xlsx"
    rows = write_template_xlsx(f["template_xlsx"], ctx.venues)
    write_template_csv(f["template_csv"], ctx.venues)
    write_pudong_xlsx(f["pudong_xlsx"], ctx.venues)
    return {"venues": ctx.venues, "template_rows": rows, "generate_s": round(time.perf_counter() - t0, 2),
            "template_xlsx_mb": round(f["template_xlsx"].stat().st_size / 1e6, 2)}


def _timed(fn: Callable[[], object]) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = fn()
    return round(time.perf_counter() - t0, 2), result


def _import_figures(ctx: BenchContext, new_engine: Callable[[str], Engine], prefix: str) -> dict:
    f, out = ctx.files, {}
    engine = new_engine("xlsx")
    out[f"{prefix}import_xlsx_s"], first = _timed(lambda: import_venues(engine, f["template_xlsx"], actor=SYSTEM))
    assert first.committed and first.errors == 0, first.summary()
    out[f"{prefix}import_counts"] = {"venues": first.venues_added, "cameras": first.cameras_added,
                                     "credentials": first.credentials_stored}
    out[f"{prefix}reimport_xlsx_s"], again = _timed(lambda: import_venues(engine, f["template_xlsx"], actor=SYSTEM))
    out[f"{prefix}reimport_counts"] = dict(again.counts)
    assert again.added == again.updated == again.errors == 0, again.summary()
    xlsx_out, csv_out = ctx.workdir / f"{prefix}export.xlsx", ctx.workdir / f"{prefix}export.csv"
    out[f"{prefix}export_xlsx_s"], summary = _timed(lambda: export_venues(engine, xlsx_out, actor=SYSTEM))
    assert summary.cameras == first.cameras_added
    out[f"{prefix}reimport_export_s"], rt = _timed(lambda: import_venues(engine, xlsx_out, actor=SYSTEM))
    assert rt.added == rt.updated == rt.errors == 0, rt.summary()
    out[f"{prefix}export_csv_s"], _ = _timed(lambda: export_venues(engine, csv_out, actor=SYSTEM))
    engine = new_engine("csv")
    out[f"{prefix}import_csv_s"], r = _timed(lambda: import_venues(engine, f["template_csv"], actor=SYSTEM))
    assert r.committed and r.errors == 0, r.summary()
    engine = new_engine("pudong")
    out[f"{prefix}import_pudong_xlsx_s"], r = _timed(lambda: import_venues(engine, f["pudong_xlsx"], actor=SYSTEM))
    assert r.committed and r.venues_added == ctx.venues, r.summary()
    return out


def section_venue_io(ctx: BenchContext) -> dict:
    def bare_read() -> int:
        wb = openpyxl.load_workbook(ctx.files["template_xlsx"], read_only=True, data_only=True)
        n = sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True))
        wb.close()
        return n

    out: dict = {}
    out["baseline_openpyxl_read_s"], _ = _timed(bare_read)
    # our reader alone (expat on the sheet XML): the part of import_xlsx_s spent reading the file
    out["read_xlsx_s"], _ = _timed(lambda: read_sheets(ctx.files["template_xlsx"]))
    out.update(_import_figures(ctx, ctx.sqlite_engine, ""))
    out["import_xlsx_vs_openpyxl"] = round(out["import_xlsx_s"] / max(out["baseline_openpyxl_read_s"], 1e-6), 2)
    out["import_target_s"] = IMPORT_TARGET_S
    out["import_xlsx_ok"] = out["import_xlsx_s"] <= IMPORT_TARGET_S
    if ctx.postgres_url:
        out["postgres"] = redact_url(ctx.postgres_url)
        try:
            out.update(_import_figures(ctx, ctx.postgres_engine, "pg_"))
        except Exception as exc:  # noqa: BLE001 - a server problem is a figure, the SQLite ones stand
            out["pg_error"] = f"{type(exc).__name__}: {exc}"[:300]
    return out


def section_stats(ctx: BenchContext) -> dict:
    """Dashboard queries and the monthly report's queries on a district's year of data
    (desktop.bench.data_stats), per database."""
    from desktop.bench.data_stats import QUERY_TARGET_MS, REPORT_TARGET_S, run_stats

    out: dict = {"stats_query_target_ms": QUERY_TARGET_MS, "stats_report_target_s": REPORT_TARGET_S,
                 "stats_sqlite": run_stats(ctx.sqlite_engine, ctx.venues)}
    if ctx.postgres_url:
        try:
            out["stats_postgresql"] = run_stats(ctx.postgres_engine, ctx.venues)
        except Exception as exc:  # noqa: BLE001 - a server problem is a figure, the SQLite ones stand
            out["stats_pg_error"] = f"{type(exc).__name__}: {exc}"[:300]
    dbs = [v for k, v in out.items() if k in ("stats_sqlite", "stats_postgresql")]
    out["stats_ok"] = all(d["30d_ok"] and d["365d_ok"] and d["30d_street_ok"] and d["365d_streets_ok"]
                         and d["monthly_report_ok"] for d in dbs)
    return out


SECTIONS: list[tuple[str, Callable[[BenchContext], dict]]] = [
    ("generate", section_generate),
    ("venue_io", section_venue_io),
    ("stats", section_stats),
]
SECTION_NAMES: tuple[str, ...] = tuple(name for name, _fn in SECTIONS)
# Sections that need the spreadsheets section_generate writes.
_NEEDS_FILES = {"venue_io"}


def run_data_bench(venues: int = 12500, *, postgres_url: str | None = None, sections: list[str] | None = None,
                   workdir: Path | None = None) -> dict:
    if venues < 1:
        raise ValueError("venues must be positive")
    env_url = os.environ.get("DATABASE_URL", "")
    if postgres_url is None and env_url.startswith(("postgres://", "postgresql")):
        postgres_url = env_url
    result: dict = {"bench": "data", "cpus": os.cpu_count(), "python": platform.python_version(),
                    "sqlite": sqlite3.sqlite_version, "openpyxl": openpyxl.__version__}
    with tempfile.TemporaryDirectory(prefix="mingchu-data-bench-", dir=workdir, ignore_cleanup_errors=True) as tmp:
        ctx = BenchContext(venues, Path(tmp), postgres_url)
        try:
            for name, section in SECTIONS:
                wanted = sections is None or name in sections
                if wanted or (name == "generate" and _NEEDS_FILES.intersection(sections or ())):
                    log.info("data bench: %s", name)
                    result.update(section(ctx))
        finally:
            ctx.close()
    return result
