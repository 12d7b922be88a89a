"""Nothing is lost (issue 5 §7): a child process saves a case, moves one or imports a package,
and is killed (SIGKILL) while its transaction has written everything but not committed. The
database then opens and holds the last committed state, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from desktop.core.case_package import export_case, import_case
from desktop.core.cases import CaseInput, count_cases, create_case, get_case, transition
from desktop.core.db import current_revision, head_revision, make_engine, migrate
from desktop.core.evidence import add_snapshot
from desktop.core.evidence_store import EvidenceStore
from desktop.core.registry import CameraInput, VenueInput, save_camera, save_venue
from tests.actors import ADMIN, HEAD, person
from tests.conftest import ROOT, wait_until

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

T0 = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)

# Every commit of the child flushes its writes, tells the parent it is in the middle of the
# transaction (a marker file) and waits to be killed.
CHILD = r'''
import sys, time
from pathlib import Path
from sqlmodel import Session

url, marker, mode, arg = sys.argv[1:5]


def paused_commit(self):
    self.flush()
    Path(marker).write_text("mid-write")
    time.sleep(120)
    raise SystemExit("not killed")


Session.commit = paused_commit
from desktop.core.access import Actor, Role  # noqa: E402
from desktop.core.db import make_engine  # noqa: E402

child = Actor("child", Role.HEAD, display_name="子进程")

engine = make_engine(url)
if mode == "create":
    from desktop.core.cases import CaseInput, create_case
    create_case(engine, CaseInput(venue_id=int(arg), category="鼠患", facts="half-saved"), actor=child)
elif mode == "transition":
    from desktop.core.cases import transition
    transition(engine, int(arg), "撤销", "killed before commit", actor=child)
elif mode == "import":
    from desktop.core.case_package import import_case
    from desktop.core.evidence_store import EvidenceStore
    package, evidence_dir = arg.split("|")
    import_case(engine, EvidenceStore(Path(evidence_dir), engine), Path(package), actor=child)
'''


def _kill_mid_write(db_url: str, tmp_path: Path, mode: str, arg: str) -> None:
    marker = tmp_path / f"{mode}.marker"
    proc = subprocess.Popen([sys.executable, "-c", CHILD, db_url, str(marker), mode, arg], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert wait_until(lambda: marker.exists() or proc.poll() is not None, 60)
        assert proc.poll() is None, proc.communicate()[1].decode(errors="replace")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL


def _reopen(db_url: str):
    """What the console does on its next start: open and migrate."""
    engine = make_engine(db_url)
    migrate(engine)
    assert current_revision(engine) == head_revision()
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    return engine


def _table_counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
                for t in ("app_case", "caseevent", "caseevidence", "casealert", "evidencefile", "casenumberseq")}


def test_kill_while_saving_a_case_keeps_the_last_committed_state(db_url, engine, tmp_path):
    venue = save_venue(engine, VenueInput(name="七宝中学食堂", street="七宝镇"), actor=ADMIN)
    kept = create_case(engine, CaseInput(venue_id=venue, category="未戴口罩", facts="saved"), now=T0,
                       actor=person("张三"))
    counts = _table_counts(engine)
    _kill_mid_write(db_url, tmp_path, "create", str(venue))
    after = _reopen(db_url)
    assert _table_counts(after) == counts and count_cases(after, actor=HEAD) == 1
    assert get_case(after, kept.id, actor=HEAD) == get_case(engine, kept.id, actor=HEAD)
    # The half-saved case's number was never given out.
    assert create_case(after, CaseInput(venue_id=venue, category="鼠患"), now=T0, actor=person("张三")).number == \
        "闵市监明厨〔2026〕0002号"
    after.dispose()


def test_kill_while_moving_a_case_keeps_its_state_and_time_line(db_url, engine, tmp_path):
    venue = save_venue(engine, VenueInput(name="七宝中学食堂", street="七宝镇"), actor=ADMIN)
    case = create_case(engine, CaseInput(venue_id=venue, category="未戴口罩", deadline=date(2026, 6, 10)),
                       now=T0, actor=person("张三"))
    before = transition(engine, case.id, "已推送整改", "已送达", now=T0, actor=person("张三"))
    _kill_mid_write(db_url, tmp_path, "transition", str(case.id))
    after = _reopen(db_url)
    rec = get_case(after, case.id, actor=HEAD)
    assert rec.state == "已推送整改" and rec.closed_at is None and rec.events == before.events
    assert transition(after, case.id, "整改中", actor=person("王建华")).state == "整改中"  # and it is not locked
    after.dispose()


def test_kill_while_importing_a_package_keeps_the_previous_state(db_url, engine, tmp_path):
    a = make_engine(f"sqlite:///{tmp_path / 'station-a.db'}")
    migrate(a)
    a_store = EvidenceStore(tmp_path / "evidence-a", a)
    venue_a = save_venue(a, VenueInput(name="七宝中学食堂", license_no="JY33101120001201"), actor=ADMIN)
    cam = save_camera(a, CameraInput(venue_a, "烹饪区", "rtsp://10.0.0.5/sub"), actor=ADMIN)
    snap = add_snapshot(a, a_store, b"\x89PNG evidence" + bytes(5000), camera_id=cam, captured_at=T0,
                        source="tile", actor=person("张三"))
    case = create_case(a, CaseInput(venue_id=venue_a, category="未戴口罩", evidence_ids=(snap.id,)), now=T0,
                       actor=person("张三"))
    package = export_case(a, a_store, case.id, tmp_path / "case.zip", actor=HEAD).path
    a.dispose()

    venue = save_venue(engine, VenueInput(name="七宝中学食堂", license_no="JY33101120001201"), actor=ADMIN)
    mine = create_case(engine, CaseInput(venue_id=venue, category="吸烟"), now=T0, actor=person("李四"))
    counts = _table_counts(engine)
    evidence_dir = tmp_path / "evidence-b"
    _kill_mid_write(db_url, tmp_path, "import", f"{package}|{evidence_dir}")
    after = _reopen(db_url)
    assert _table_counts(after) == counts and count_cases(after, actor=HEAD) == 1
    assert get_case(after, mine.id, actor=HEAD) == get_case(engine, mine.id, actor=HEAD)
    # The evidence file the child copied in is harmless: importing again works and reuses it.
    result = import_case(after, EvidenceStore(evidence_dir, after), package, actor=HEAD)
    assert result.status == "imported" and result.evidence_added == 1 and count_cases(after, actor=HEAD) == 2
    after.dispose()
