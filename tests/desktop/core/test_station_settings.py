"""The station settings the 设置 page edits besides models: the order of the legal bases (one
transaction, refused when the list changed meanwhile) and the idle-lock minutes (系统设置 only,
audited), on both databases for the database part."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session, select

from desktop.core.access import PermissionDenied
from desktop.core.app_settings import DEFAULT_IDLE_LOCK_MINUTES, idle_lock_minutes, set_idle_lock_minutes
from desktop.core.case_rules import CaseValidationError
from desktop.core.case_settings import list_legal_bases, reorder_legal_bases, save_legal_basis
from desktop.core.models import AuditEntry
from tests.actors import ADMIN, HEAD


def _settings_entries(engine) -> list[AuditEntry]:
    with Session(engine) as s:
        return list(s.exec(select(AuditEntry).where(AuditEntry.action == "settings_change")
                           .order_by(AuditEntry.seq)).all())


def test_legal_bases_are_reordered_in_one_audited_step(engine):
    ids = [b.id for b in list_legal_bases(engine)]
    assert len(ids) >= 3  # seeded by the migration
    wanted = [ids[-1], *ids[:-1]]
    reorder_legal_bases(engine, wanted, actor=ADMIN)
    assert [b.id for b in list_legal_bases(engine)] == wanted
    entry = _settings_entries(engine)[-1]
    assert entry.username == ADMIN.username and json.loads(entry.detail)["to"] == wanted

    with pytest.raises(PermissionDenied, match="系统设置"):
        reorder_legal_bases(engine, ids, actor=HEAD)
    added = save_legal_basis(engine, "《上海市食品安全条例》第五十条", actor=ADMIN)
    with pytest.raises(CaseValidationError, match="已被修改"):  # the list changed since it was read
        reorder_legal_bases(engine, ids, actor=ADMIN)
    with pytest.raises(CaseValidationError, match="已被修改"):
        reorder_legal_bases(engine, [*wanted, added, added], actor=ADMIN)
    assert [b.id for b in list_legal_bases(engine)] == [*wanted, added]


def test_idle_lock_minutes_need_the_settings_right_and_are_audited(engine, tmp_path):
    path = tmp_path / "settings.json"
    path.write_text(json.dumps({"analysis": {"device": "GPU"}}), encoding="utf-8")
    assert idle_lock_minutes(path) == DEFAULT_IDLE_LOCK_MINUTES
    set_idle_lock_minutes(5, path, actor=ADMIN, engine=engine)
    assert idle_lock_minutes(path) == 5
    assert json.loads(path.read_text(encoding="utf-8"))["analysis"] == {"device": "GPU"}  # kept
    entry = _settings_entries(engine)[-1]
    assert entry.target == "security.idle_lock_minutes"
    assert json.loads(entry.detail) == {"from": None, "to": 5}
    set_idle_lock_minutes(0, path, actor=ADMIN)  # 0 = never lock
    assert idle_lock_minutes(path) == 0

    with pytest.raises(PermissionDenied, match="系统设置"):
        set_idle_lock_minutes(30, path, actor=HEAD, engine=engine)
    with pytest.raises(ValueError, match="不小于 0"):
        set_idle_lock_minutes(-1, path, actor=ADMIN)
    assert idle_lock_minutes(path) == 0
    with Session(engine) as s:
        refusals = s.exec(select(AuditEntry).where(AuditEntry.action == "permission_denied")).all()
    assert [r.target for r in refusals] == ["set_idle_lock_minutes"]
