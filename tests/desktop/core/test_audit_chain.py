"""The hash-chained audit log (desktop.core.audit): a chain verifies; each way of tampering with
it (an edited field, a removed middle entry, a removed tail, two swapped entries, a forged
insertion, a rewritten chain) is found at the right seq; concurrent writers never fork it.
Real SQLite and PostgreSQL, real anchor files."""

from __future__ import annotations

import json
import multiprocessing
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from desktop.core import audit
from desktop.core.access import SYSTEM, Actor, Role
from desktop.core.audit import GENESIS, AuditAction, entry_hash, read_anchor, verify
from desktop.core.models import AuditEntry

ADMIN = Actor("admin", Role.ADMIN, 1, "管理员甲", console="工作站1")
HEAD = Actor("lihua", Role.HEAD, 2, "李华", console="工作站2")
T0 = datetime(2026, 5, 1, 1, 0, tzinfo=UTC)
N = 12


@pytest.fixture
def anchored(engine, tmp_path):
    path = tmp_path / "anchor" / "head.json"
    audit.set_anchor_path(engine, path)
    yield engine, path
    audit.set_anchor_path(engine, None)


def _fill(engine, n: int = N) -> None:
    for i in range(n):
        audit.record_now(engine, ADMIN if i % 2 else HEAD, AuditAction.CASE_TRANSITION, f"case:{i}",
                         {"to": "已办结", "i": i, "note": "整改完成"})


def _exec(engine, sql: str, **params) -> None:
    with engine.begin() as conn:
        conn.execute(text(sql), params)


def test_an_untouched_chain_verifies_with_its_count_head_and_anchor(anchored):
    engine, path = anchored
    _fill(engine)
    result = verify(engine, batch=5)  # several batches
    assert result.ok, result.summary()
    assert (result.count, result.head_seq) == (N, N)
    anchor = read_anchor(path)
    assert anchor is not None and anchor.seq == N and anchor.hash == result.head_hash
    assert json.loads(path.read_text(encoding="utf-8"))["seq"] == N
    with engine.connect() as conn:
        first = conn.execute(text("SELECT prev_hash FROM auditentry WHERE seq = 1")).scalar_one()
    assert first == GENESIS


def test_an_empty_log_verifies(anchored):
    engine, _ = anchored
    result = verify(engine)
    assert result.ok and result.count == 0 and result.head_hash == GENESIS


def test_edited_detail_is_found_at_its_seq(anchored):
    engine, _ = anchored
    _fill(engine)
    _exec(engine, "UPDATE auditentry SET detail = :d WHERE seq = 7", d='{"i":6,"note":"无问题","to":"已办结"}')
    result = verify(engine, batch=4)
    assert not result.ok
    assert (result.broken_seq, result.kind) == (7, "edited")
    assert result.head_seq == 6  # verified up to the entry before


@pytest.mark.parametrize("column,value", [("username", "someone"), ("action", "login"), ("console", "别处"),
                                          ("target", "case:99"), ("role", "管理员")])
def test_every_stored_field_is_covered_by_the_hash(anchored, column, value):
    engine, _ = anchored
    _fill(engine, 4)
    _exec(engine, f"UPDATE auditentry SET {column} = :v WHERE seq = 3", v=value)
    assert (verify(engine).broken_seq, verify(engine).kind) == (3, "edited")


def test_edited_time_is_found(anchored):
    engine, _ = anchored
    _fill(engine, 4)
    with Session(engine) as s:
        entry = s.exec(select(AuditEntry).where(AuditEntry.seq == 2)).one()
        entry.at = entry.at - timedelta(hours=3)
        s.add(entry)
        s.commit()
    assert (verify(engine).broken_seq, verify(engine).kind) == (2, "edited")


def test_deleted_middle_entry_is_found_as_a_gap(anchored):
    engine, _ = anchored
    _fill(engine)
    _exec(engine, "DELETE FROM auditentry WHERE seq = 5")
    result = verify(engine)
    assert (result.broken_seq, result.kind) == (5, "missing")


def test_deleted_and_renumbered_entries_are_found(anchored):
    """Closing the gap by renumbering the later entries changes what their hashes cover."""
    engine, _ = anchored
    _fill(engine)
    _exec(engine, "DELETE FROM auditentry WHERE seq = 5")
    for seq in range(6, N + 1):
        _exec(engine, "UPDATE auditentry SET seq = :new WHERE seq = :old", new=seq - 1, old=seq)
    result = verify(engine)
    assert result.broken_seq == 5 and result.kind in ("link", "edited")


def test_deleted_last_entry_is_caught_by_the_anchor(anchored):
    engine, _ = anchored
    _fill(engine)
    _exec(engine, "DELETE FROM auditentry WHERE seq = :s", s=N)
    assert verify(engine, anchor=False).ok  # the chain alone cannot tell
    result = verify(engine)
    assert not result.ok
    assert (result.broken_seq, result.kind) == (N, "truncated")


def test_a_write_after_truncation_does_not_launder_the_anchor(anchored):
    engine, path = anchored
    _fill(engine)
    _exec(engine, "DELETE FROM auditentry WHERE seq >= :s", s=N - 2)
    audit.record_now(engine, ADMIN, AuditAction.LOGIN, "user:admin")  # takes seq N-2 again
    assert read_anchor(path).seq == N  # kept as evidence
    result = verify(engine)
    assert not result.ok and result.broken_seq in (N - 1, N - 2)


def test_swapped_entries_are_found(anchored):
    engine, _ = anchored
    _fill(engine)
    _exec(engine, "UPDATE auditentry SET seq = -1 WHERE seq = 4")
    _exec(engine, "UPDATE auditentry SET seq = 4 WHERE seq = 5")
    _exec(engine, "UPDATE auditentry SET seq = 5 WHERE seq = -1")
    result = verify(engine)
    assert result.broken_seq == 4 and result.kind in ("link", "edited")


def test_inserted_forged_entry_is_found(anchored):
    """A forged entry, hashed correctly onto #3, pushed in at #4: the entry that was #4 breaks."""
    engine, _ = anchored
    _fill(engine)
    for seq in range(N, 3, -1):
        _exec(engine, "UPDATE auditentry SET seq = :new WHERE seq = :old", new=seq + 1, old=seq)
    with engine.connect() as conn:
        prev = conn.execute(text("SELECT hash FROM auditentry WHERE seq = 3")).scalar_one()
    at = T0.replace(tzinfo=None)
    forged = entry_hash(prev, 4, at, "lihua", "科室负责人", "工作站2", "case_delete", "case:1", "{}")
    _exec(engine, "INSERT INTO auditentry (seq, at, username, role, console, action, target, detail, prev_hash, hash)"
                  " VALUES (4, :at, 'lihua', '科室负责人', '工作站2', 'case_delete', 'case:1', '{}', :p, :h)",
          at=at, p=prev, h=forged)
    result = verify(engine)
    assert result.broken_seq == 5 and result.kind in ("link", "edited")


def test_a_rewritten_chain_is_caught_by_the_anchor(anchored):
    """Whoever rewrites a detail and recomputes every hash after it leaves a valid chain; the
    anchor outside the database still holds the old head."""
    engine, _ = anchored
    _fill(engine, 6)
    _exec(engine, "UPDATE auditentry SET detail = '{}' WHERE seq = 3")
    prev = GENESIS
    with Session(engine) as s:
        for r in s.exec(select(AuditEntry).order_by(AuditEntry.seq)).all():
            r.prev_hash = prev
            r.hash = prev = entry_hash(prev, r.seq, r.at, r.username, r.role, r.console, r.action, r.target,
                                       r.detail)
            s.add(r)
        s.commit()
    assert verify(engine, anchor=False).ok
    result = verify(engine)
    assert (result.broken_seq, result.kind) == (6, "anchor")


def test_an_unreadable_anchor_is_reported_not_ignored(anchored):
    engine, path = anchored
    _fill(engine, 3)
    path.write_text("{not json", encoding="utf-8")
    result = verify(engine)
    assert not result.ok and result.kind == "anchor_unreadable"


def test_a_rolled_back_entry_leaves_no_trace(anchored):
    engine, path = anchored
    _fill(engine, 3)
    with Session(engine) as s:
        audit.record(s, ADMIN, AuditAction.CASE_DELETE, "case:1")
        s.rollback()
    assert read_anchor(path).seq == 3
    assert verify(engine).ok and verify(engine).count == 3


def test_concurrent_writers_never_fork_the_chain(anchored):
    engine, _ = anchored
    errors: list[BaseException] = []

    def write(actor: Actor, k: int) -> None:
        for i in range(25):
            try:
                audit.record_now(engine, actor, AuditAction.EVIDENCE_VIEW, f"evidence:{k}-{i}")
            except BaseException as exc:  # noqa: BLE001 - collected for the assertion
                errors.append(exc)

    threads = [threading.Thread(target=write, args=(a, k)) for k, a in enumerate((ADMIN, HEAD, SYSTEM))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    result = verify(engine)
    assert result.ok and result.count == 75


def _process_writer(url: str, anchor: str, name: str, n: int) -> None:
    from desktop.core.db import make_engine

    engine = make_engine(url)
    audit.set_anchor_path(engine, anchor)
    actor = Actor(name, Role.ADMIN, console=f"console-{name}")
    for i in range(n):
        audit.record_now(engine, actor, AuditAction.PRINT, f"case:{i}")
    engine.dispose()


def test_two_processes_never_fork_the_chain(anchored, db_url):
    engine, path = anchored
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_process_writer, args=(db_url, str(path), name, 20)) for name in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    result = verify(engine)
    assert result.ok and result.count == 40
    with engine.connect() as conn:
        consoles = set(conn.execute(text("SELECT DISTINCT console FROM auditentry")).scalars())
    assert consoles == {"console-a", "console-b"}
