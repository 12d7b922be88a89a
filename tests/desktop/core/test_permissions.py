"""The permission matrix (issue 7), enforced in the core on both databases: every role × every
action, each action a real core call on a real database, allowed exactly when ROLE_ACTIONS says
so; the street scope (a user limited to a street neither sees nor changes another street's
venues, alerts and cases); and the audit entries the changes leave."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime
from itertools import count

import pytest
from sqlmodel import Session, select

from desktop.core import accounts
from desktop.core.access import ROLE_ACTIONS, SYSTEM, Action, Actor, PermissionDenied, Role, require
from desktop.core.alerts import (
    CONFIRMED,
    AlertFilter,
    AlertInput,
    acknowledge_alert,
    list_alerts,
    record_alert,
    review_alert,
)
from desktop.core.audit_queries import query_audit
from desktop.core.camera_rules import read_camera_rules
from desktop.core.case_package import export_case, import_case
from desktop.core.case_settings import set_red_card_days
from desktop.core.cases import (
    CaseFilter,
    CaseInput,
    create_case,
    delete_case,
    get_case,
    list_cases,
    transition,
)
from desktop.core.evidence import add_annotated, add_snapshot, annotations_of, evidence_problems, get_evidence
from desktop.core.evidence_store import EvidenceStore
from desktop.core.models import AuditEntry
from desktop.core.progress_stats import progress_by_street
from desktop.core.registry import (
    CameraInput,
    VenueInput,
    list_cameras,
    list_streets,
    list_venues,
    save_camera,
    save_venue,
)
from desktop.core.statistics import StatsScope, alerts_by_street
from desktop.core.wall_cameras import load_wall_cameras
from desktop.documents.case_loader import load_case_sheet
from tests.actors import BY_ROLE

T0 = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)
_n = count(1)


@pytest.fixture
def store(engine, tmp_path):
    return EvidenceStore(tmp_path / "evidence", engine)


@pytest.fixture
def world(engine, store, tmp_path):
    """Two streets with a venue, a camera and an alert each; made by the system."""
    a = save_venue(engine, VenueInput(name="七宝中学食堂", street="七宝镇", license_no="JY33101120001201"),
                   actor=SYSTEM)
    b = save_venue(engine, VenueInput(name="莘庄敬老院食堂", street="莘庄镇", license_no="JY33101120001202"),
                   actor=SYSTEM)
    cam_a = save_camera(engine, CameraInput(a, "烹饪区", "rtsp://10.0.0.5/sub"), actor=SYSTEM)
    cam_b = save_camera(engine, CameraInput(b, "备餐区", "rtsp://10.0.0.7/sub"), actor=SYSTEM)
    streets = {v.id: v.street_id for v in list_venues(engine, actor=SYSTEM)}
    return {"a": a, "b": b, "cam_a": cam_a, "cam_b": cam_b, "street_a": streets[a], "street_b": streets[b],
            "store": store, "tmp": tmp_path}


def _alert(engine, store, camera_id) -> int:
    i = next(_n)
    return record_alert(engine, store, AlertInput(camera_id, "未戴口罩", "二级", T0, T0, 0.9, "mask", "未戴口罩",
                                                  clean_png=b"\x89PNG alert %d" % i)).id


def _case(engine, venue_id, **kw) -> int:
    return create_case(engine, CaseInput(venue_id=venue_id, category="鼠患", deadline=date(2099, 1, 1), **kw),
                       actor=SYSTEM, now=T0).id


def _png() -> bytes:
    return b"\x89PNG snapshot " + uuid.uuid4().bytes


# One real core call per action. Actions whose service belongs to another part of issue 7 or has
# no core function (models — detectors/ is guarded by its desktop-side callers) are checked with
# `require`, the same gate the services use.
def _calls(engine, w):
    store, tmp = w["store"], w["tmp"]
    va, cam_a = w["a"], w["cam_a"]

    def package():
        out = tmp / f"pkg{next(_n)}.zip"
        export_case(engine, store, _case(engine, va), out, actor=SYSTEM)
        return out

    def snapshot_by_system():
        return add_snapshot(engine, store, _png(), actor=SYSTEM, camera_id=cam_a, captured_at=T0, source="tile").id

    return {
        Action.VIEW_WALL: lambda a: load_wall_cameras(engine, actor=a),
        Action.VIEW_ALERTS: lambda a: list_alerts(engine, actor=a),
        Action.ACK_ALERT: lambda a: acknowledge_alert(engine, _alert(engine, store, cam_a), actor=a),
        Action.SNAPSHOT: lambda a: add_snapshot(engine, store, _png(), actor=a, camera_id=cam_a, captured_at=T0,
                                                source="tile"),
        Action.VIEW_EVIDENCE: lambda a: get_evidence(engine, [snapshot_by_system()], actor=a),
        Action.VIEW_CASES: lambda a: list_cases(engine, actor=a),
        Action.REVIEW_ALERT: lambda a: review_alert(engine, _alert(engine, store, cam_a), CONFIRMED, actor=a),
        Action.ANNOTATE: lambda a: add_annotated(engine, store, snapshot_by_system(), _png(), "{}", actor=a),
        Action.CREATE_CASE: lambda a: create_case(engine, CaseInput(venue_id=va, category="鼠患"), actor=a),
        Action.WORK_CASE: lambda a: transition(engine, _case(engine, va), "已推送整改", actor=a),
        Action.PRINT_CASE: lambda a: load_case_sheet(_case(engine, va), engine=engine, evidence_root=store.root,
                                                     actor=a),
        Action.EXPORT_CASE: lambda a: export_case(engine, store, _case(engine, va), tmp / f"x{next(_n)}.zip",
                                                  actor=a),
        Action.IMPORT_CASE: lambda a: import_case(engine, store, package(), actor=a),
        Action.APPROVE_CASE: lambda a: transition(engine, _case(engine, va), "撤销", "重复立案", actor=a),
        Action.DELETE_CASE: lambda a: delete_case(engine, _case(engine, va), reason="重复立案", actor=a),
        Action.VIEW_REPORTS: lambda a: alerts_by_street(engine, StatsScope(date(2026, 6, 1), date(2026, 6, 2)),
                                                        actor=a),
        Action.EXPORT_REPORTS: lambda a: _export_report(engine, a, tmp),
        Action.MANAGE_REGISTRY: lambda a: save_venue(engine, VenueInput(name=f"新单位{next(_n)}", street="七宝镇"),
                                                     actor=a),
        Action.MANAGE_USERS: lambda a: accounts.create_user(engine, a, f"user{next(_n)}", "Pass-word-12345",
                                                            Role.DUTY),
        Action.MANAGE_MODELS: lambda a: require(a, Action.MANAGE_MODELS),
        Action.MANAGE_SETTINGS: lambda a: set_red_card_days(engine, 7, actor=a),
        Action.BACKUP: lambda a: require(a, Action.BACKUP),
        Action.VIEW_AUDIT: lambda a: query_audit(engine, a),
    }


def _export_report(engine, actor, tmp):
    from desktop.reports.export import export_monthly

    return export_monthly(engine, date(2026, 6, 1), actor=actor, xlsx=tmp / f"m{next(_n)}.xlsx")


def test_every_action_has_a_call():
    assert set(_calls(None, {"store": None, "tmp": None, "a": 0, "cam_a": 0})) == set(Action)


@pytest.mark.parametrize("role", list(Role), ids=[r.name for r in Role])
def test_permission_matrix(engine, world, role):
    actor = BY_ROLE[role]
    outcomes = {}
    for action, call in _calls(engine, world).items():
        try:
            call(actor)
            outcomes[action] = True
        except PermissionDenied as exc:
            assert exc.action in (action, Action.VIEW_CASES), (action, exc.action)
            outcomes[action] = False
    expected = {action: action in ROLE_ACTIONS[role] for action in Action}
    wrong = {a.name: (outcomes[a], expected[a]) for a in Action if outcomes[a] != expected[a]}
    assert not wrong, f"{role.value}: (got, expected) {wrong}"


# --- street scope ----------------------------------------------------------------------------------

def test_an_inspector_of_one_street_sees_and_acts_only_there(engine, world):
    store = world["store"]
    inspector = Actor("zhang", Role.INSPECTOR, display_name="张三", streets=frozenset({world["street_a"]}))
    alert_a, alert_b = _alert(engine, store, world["cam_a"]), _alert(engine, store, world["cam_b"])
    case_a, case_b = _case(engine, world["a"]), _case(engine, world["b"])

    assert [v.id for v in list_venues(engine, actor=inspector)] == [world["a"]]
    assert {c.venue_id for c in list_cameras(engine, actor=inspector)} == {world["a"]}
    assert [w.camera_id for w in load_wall_cameras(engine, actor=inspector)] == [world["cam_a"]]
    assert [a.id for a in list_alerts(engine, actor=inspector)] == [alert_a]
    assert list_alerts(engine, AlertFilter(alert_ids=(alert_b,)), actor=inspector) == []
    assert [c.id for c in list_cases(engine, actor=inspector)] == [case_a]
    assert list_cases(engine, CaseFilter(venue_id=world["b"]), actor=inspector) == []

    with pytest.raises(PermissionDenied, match="街镇范围"):
        create_case(engine, CaseInput(venue_id=world["b"], category="鼠患"), actor=inspector)
    with pytest.raises(PermissionDenied, match="街镇范围"):
        create_case(engine, CaseInput(alert_ids=(alert_b,)), actor=inspector)
    with pytest.raises(PermissionDenied, match="街镇范围"):
        review_alert(engine, alert_b, CONFIRMED, actor=inspector)
    with pytest.raises(PermissionDenied, match="街镇范围"):
        acknowledge_alert(engine, alert_b, actor=inspector)
    with pytest.raises(PermissionDenied, match="街镇范围"):
        get_case(engine, case_b, actor=inspector)
    with pytest.raises(PermissionDenied, match="街镇范围"):
        transition(engine, case_b, "已推送整改", actor=inspector)
    with pytest.raises(PermissionDenied, match="街镇范围"):
        add_snapshot(engine, store, _png(), actor=inspector, camera_id=world["cam_b"], captured_at=T0, source="tile")
    assert get_case(engine, case_b, actor=SYSTEM).state == "待处理"
    # ... and in its own street the same calls go through.
    assert list_alerts(engine, AlertFilter(alert_ids=(alert_b,)), actor=SYSTEM)[0].acknowledged_by == ""
    assert review_alert(engine, alert_a, CONFIRMED, actor=inspector).reviewer == "张三"
    assert create_case(engine, CaseInput(alert_ids=(alert_a,)), actor=inspector).created_by == "张三"


def test_an_admin_of_one_street_cannot_edit_another_streets_camera_or_move_a_venue_there(engine, world):
    admin = Actor("li", Role.ADMIN, display_name="李四", streets=frozenset({world["street_a"]}))
    with pytest.raises(PermissionDenied, match="街镇范围"):
        save_camera(engine, CameraInput(world["b"], "备餐区", "rtsp://10.0.0.8/sub", id=world["cam_b"]), actor=admin)
    with pytest.raises(PermissionDenied, match="街镇范围"):  # nor move a camera of street B into street A
        save_camera(engine, CameraInput(world["a"], "备餐区", "rtsp://10.0.0.8/sub", id=world["cam_b"]), actor=admin)
    with pytest.raises(PermissionDenied, match="街镇范围"):
        save_venue(engine, VenueInput(name="七宝中学食堂", street="莘庄镇", license_no="JY33101120001201",
                                      id=world["a"]), actor=admin)
    with pytest.raises(PermissionDenied, match="街镇范围"):
        save_venue(engine, VenueInput(name="新单位", street="新街镇"), actor=admin)  # a street outside too
    assert [c.sub_url for c in list_cameras(engine, actor=SYSTEM) if c.id == world["cam_b"]] == \
        ["rtsp://10.0.0.7/sub"]
    assert save_camera(engine, CameraInput(world["a"], "烹饪区", "rtsp://10.0.0.9/sub", id=world["cam_a"]),
                       actor=admin) == world["cam_a"]


def test_evidence_camera_rules_progress_and_street_pickers_are_scoped(engine, world):
    store = world["store"]
    only_a = frozenset({world["street_a"]})
    inspector = Actor("zhang", Role.INSPECTOR, display_name="张三", streets=only_a)
    head = Actor("wang", Role.HEAD, display_name="王科长", streets=only_a)
    admin = Actor("li", Role.ADMIN, display_name="李四", streets=only_a)
    snap = {k: add_snapshot(engine, store, _png(), actor=SYSTEM, camera_id=world[f"cam_{k}"], captured_at=T0,
                            source="tile").id for k in ("a", "b")}
    marked = {k: add_annotated(engine, store, snap[k], _png(), "{}", actor=SYSTEM).id for k in ("a", "b")}
    loose = add_snapshot(engine, store, _png(), actor=SYSTEM, camera_id=None, captured_at=T0, source="tile").id
    for k in ("a", "b"):  # both files broken: only street A's problems are reported to the inspector
        store.path(get_evidence(engine, [snap[k]], actor=SYSTEM)[0].rel_path).unlink()

    # evidence: VIEW_EVIDENCE, filtered in SQL (a file without a venue only for unlimited users)
    assert [e.id for e in get_evidence(engine, [snap["b"], snap["a"], loose], actor=inspector)] == [snap["a"]]
    assert [e.id for e in get_evidence(engine, [snap["b"], snap["a"], loose], actor=SYSTEM)] == \
        [snap["b"], snap["a"], loose]
    assert [e.id for e in annotations_of(engine, snap["a"], actor=inspector)] == [marked["a"]]
    assert annotations_of(engine, snap["b"], actor=inspector) == []
    assert evidence_problems(engine, store, [snap["a"], snap["b"]], actor=inspector) == {snap["a"]: "文件缺失"}
    assert set(evidence_problems(engine, store, [snap["a"], snap["b"]], actor=SYSTEM)) == {snap["a"], snap["b"]}
    nobody = Actor("x", None)
    with pytest.raises(PermissionDenied, match="查看证据"):
        get_evidence(engine, [snap["a"]], actor=nobody)
    with pytest.raises(PermissionDenied, match="查看证据"):
        evidence_problems(engine, store, [snap["a"]], actor=nobody)

    # camera rules: MANAGE_REGISTRY on the camera's street; another street's camera is refused
    assert read_camera_rules(engine, world["cam_a"], actor=admin).analysis_fps > 0
    with pytest.raises(PermissionDenied, match="街镇范围"):
        read_camera_rules(engine, world["cam_b"], actor=admin)
    with pytest.raises(PermissionDenied, match="管理单位与摄像头"):
        read_camera_rules(engine, world["cam_a"], actor=inspector)

    # progress per street: VIEW_REPORTS, only the actor's streets (and their total)
    report = progress_by_street(engine, actor=head)
    assert [s.street for s in report.streets] == ["七宝镇"] and (report.total.venues, report.total.cameras) == (1, 1)
    assert {s.street for s in progress_by_street(engine, actor=SYSTEM).streets} == {"七宝镇", "莘庄镇"}
    with pytest.raises(PermissionDenied, match="查看统计"):
        progress_by_street(engine, actor=inspector)

    # street pickers: a limited user is offered their streets only
    assert [s.id for s in list_streets(engine, actor=inspector)] == [world["street_a"]]
    assert {s.id for s in list_streets(engine, actor=BY_ROLE[Role.DUTY])} == {world["street_a"], world["street_b"]}
    assert list_streets(engine, actor=Actor("y", Role.DUTY, streets=frozenset())) == []

    # dashboard statistics: VIEW_REPORTS, only the actor's streets; another street named is refused
    june = StatsScope(date(2026, 6, 1), date(2026, 6, 2))
    _alert(engine, store, world["cam_a"]), _alert(engine, store, world["cam_b"])
    assert alerts_by_street(engine, june, actor=head) == [("七宝镇", 1)]
    assert sorted(alerts_by_street(engine, june, actor=SYSTEM)) == [("七宝镇", 1), ("莘庄镇", 1)]
    with pytest.raises(PermissionDenied, match="街镇范围"):
        alerts_by_street(engine, StatsScope(june.since, june.until, street="莘庄镇"), actor=head)
    with pytest.raises(PermissionDenied, match="查看统计"):
        alerts_by_street(engine, june, actor=inspector)


# --- audit --------------------------------------------------------------------------------------------

def _entries(engine, action: str) -> list[AuditEntry]:
    with Session(engine) as s:
        return list(s.exec(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)).all())


def test_changes_and_refusals_are_in_the_audit_trail_with_the_actor(engine, world):
    head = Actor("wang", Role.HEAD, display_name="王科长", console="console-7")
    inspector = Actor("zhang", Role.INSPECTOR, display_name="张三")
    case_id = _case(engine, world["a"])
    transition(engine, case_id, "撤销", "重复立案", actor=head)
    entry = _entries(engine, "case_transition")[-1]
    assert (entry.username, entry.role, entry.console) == ("wang", "科室负责人", "console-7")
    assert json.loads(entry.detail) == {"case_id": case_id, "from_state": "待处理", "to_state": "撤销",
                                        "comment": "重复立案"}
    assert entry.target == get_case(engine, case_id, actor=head).number

    other = _case(engine, world["a"])
    with pytest.raises(PermissionDenied):
        transition(engine, other, "撤销", "重复立案", actor=inspector)  # closing and revoking need APPROVE_CASE
    refused = _entries(engine, "permission_denied")[-1]
    assert refused.username == "zhang" and json.loads(refused.detail)["action"] == "APPROVE_CASE"
    assert get_case(engine, other, actor=head).state == "待处理"

    delete_case(engine, other, reason="误建", actor=head)
    gone = _entries(engine, "case_delete")[-1]
    assert gone.username == "wang" and json.loads(gone.detail)["reason"] == "误建"

    save_camera(engine, CameraInput(world["a"], "烹饪区", "rtsp://admin:s3cret@10.0.0.6/sub", id=world["cam_a"]),
                actor=BY_ROLE[Role.ADMIN])
    camera = _entries(engine, "camera_change")[-1]
    assert "s3cret" not in camera.detail and "10.0.0.6" not in camera.detail
    assert json.loads(camera.detail)["url_changed"] is True
