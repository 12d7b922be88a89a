"""Case packages between two separate databases and evidence directories: the source is a SQLite
file of its own, the destination each of the test databases (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from desktop.core.alerts import AlertInput, record_alert
from desktop.core.case_package import (
    CasePackageError,
    PackageTamperedError,
    PackageUnreadableError,
    export_case,
    import_case,
)
from desktop.core.case_settings import station_id
from desktop.core.cases import CaseInput, create_case, get_case, transition
from desktop.core.db import make_engine, migrate
from desktop.core.evidence import add_annotated, add_snapshot, evidence_problems
from desktop.core.evidence_store import EvidenceStore
from desktop.core.registry import CameraInput, VenueInput, save_camera, save_venue
from tests.actors import ADMIN, HEAD, person

T0 = datetime(2026, 6, 1, 4, 0, tzinfo=UTC)
LICENSE = "JY33101120001201"
SHAPES = json.dumps({"format": "mingchu-annotation", "version": 1,
                     "shapes": [{"type": "ellipse", "x": 5, "y": 5, "w": 50, "h": 40}]}, ensure_ascii=False)
TABLES = ("app_case", "caseevent", "caseevidence", "casealert", "evidencefile")


@pytest.fixture
def source(tmp_path):
    """Station A with one case: an alert's pictures, a snapshot and its annotated version."""
    engine = make_engine(f"sqlite:///{tmp_path / 'station-a.db'}")
    migrate(engine)
    store = EvidenceStore(tmp_path / "evidence-a", engine)
    venue = save_venue(engine, VenueInput(name="七宝中学食堂", street="七宝镇", license_no=LICENSE,
                                          address="七宝镇富强街 1 号"), actor=ADMIN)
    cam = save_camera(engine, CameraInput(venue, "烹饪区", "rtsp://10.0.0.5/sub"), actor=ADMIN)
    alert = record_alert(engine, store, AlertInput(
        camera_id=cam, category="未戴口罩", tier="二级", started_at=T0, at=T0, score=0.93, rule_id="no-mask",
        reason="4/5 帧未戴口罩", clean_png=b"\x89PNG clean", boxes_png=b"\x89PNG boxes")).id
    snap = add_snapshot(engine, store, b"\x89PNG snapshot" + bytes(2000), camera_id=cam, captured_at=T0,
                        source="maximised", actor=person("张三"))
    marked = add_annotated(engine, store, snap.id, b"\x89PNG annotated" + bytes(2000), SHAPES, actor=person("张三"))
    case = create_case(engine, CaseInput(alert_ids=(alert,), evidence_ids=(marked.id,), facts="厨师未戴口罩",
                                         legal_basis="《中华人民共和国食品安全法》第三十三条", handler="王建华",
                                         deadline=date(2026, 6, 10)), now=T0, actor=person("张三"))
    transition(engine, case.id, "已推送整改", "已送达责令改正通知书", now=T0 + timedelta(hours=1), actor=person("张三"))
    yield SimpleNamespace(engine=engine, store=store, case_id=case.id, venue=venue, snap=snap, marked=marked)
    engine.dispose()


@pytest.fixture
def dest(engine, tmp_path):
    """Station B: the same venue (same 许可证号, another name and id) and a camera of the same name."""
    save_venue(engine, VenueInput(name="别的单位", street="莘庄镇"), actor=ADMIN)
    venue = save_venue(engine, VenueInput(name="七宝中学（食堂）", street="七宝镇", license_no=LICENSE), actor=ADMIN)
    cam = save_camera(engine, CameraInput(venue, "烹饪区", "rtsp://192.168.1.5/sub"), actor=ADMIN)
    return SimpleNamespace(engine=engine, store=EvidenceStore(tmp_path / "evidence-b", engine), venue=venue, cam=cam)


def _counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar() for t in TABLES}


def _rewrite(src: Path, dst: Path, *, replace: dict[str, bytes] | None = None, drop: tuple[str, ...] = (),
             add: dict[str, bytes] | None = None, resum: bool = False) -> Path:
    """A copy of a package with members replaced, dropped or added; resum recomputes SHA256SUMS
    (a forger who knows the format)."""
    replace, add = dict(replace or {}), dict(add or {})
    with zipfile.ZipFile(src) as zin:
        members = {i.filename: zin.read(i.filename) for i in zin.infolist() if i.filename not in drop}
    members.update(replace)
    members.update(add)
    if resum:
        members["SHA256SUMS"] = "".join(f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in members.items()
                                        if n != "SHA256SUMS").encode()
    with zipfile.ZipFile(dst, "w") as zout:
        for name, data in members.items():
            zout.writestr(name, data)
    return dst


def _manifest(path: Path) -> dict:
    with zipfile.ZipFile(path) as zf:
        return json.loads(zf.read("manifest.json"))


def test_round_trip_between_two_stations(source, dest, tmp_path):
    out = tmp_path / "out" / "case.zip"
    result = export_case(source.engine, source.store, source.case_id, out, b"%PDF-1.7 printed sheet",
                         actor=person("张三"))
    assert result.path == out and result.evidence_files == 4 and result.with_pdf  # 3 items + the original
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
    assert {"manifest.json", "SHA256SUMS", "case.pdf"} <= names and len(names) == 7
    if shutil.which("sha256sum"):  # the package checks with the standard tool too
        unpacked = tmp_path / "unpacked"
        zipfile.ZipFile(out).extractall(unpacked)
        subprocess.run(["sha256sum", "--quiet", "-c", "SHA256SUMS"], cwd=unpacked, check=True)

    imported = import_case(dest.engine, dest.store, out, now=T0 + timedelta(days=1), actor=HEAD)
    assert (imported.status, imported.venue_id, imported.events_added, imported.evidence_added) == (
        "imported", dest.venue, 2, 3)
    a, b = get_case(source.engine, source.case_id, actor=HEAD), get_case(dest.engine, imported.case_id, actor=HEAD)
    for field in ("number", "uuid", "category", "tier", "legal_basis", "facts", "handler", "deadline", "state",
                  "created_by", "created_at", "updated_at", "closed_at"):
        assert getattr(b, field) == getattr(a, field), field
    assert b.venue_id == dest.venue and b.imported_at == T0 + timedelta(days=1)
    assert b.origin_station == station_id(source.engine) != station_id(dest.engine)
    assert [(e.uuid, e.action, e.from_state, e.to_state, e.who, e.at, e.comment) for e in b.events] == \
        [(e.uuid, e.action, e.from_state, e.to_state, e.who, e.at, e.comment) for e in a.events]
    assert [(e.sha256, e.role, e.position, e.kind, e.source, e.captured_at) for e in b.evidence] == \
        [(e.sha256, e.role, e.position, e.kind, e.source, e.captured_at) for e in a.evidence]
    assert all(e.camera_id == dest.cam for e in b.evidence)  # matched by the camera's name in that venue
    marked = next(e for e in b.evidence if e.kind == "annotated" and e.annotation_json)
    assert marked.annotation_json == SHAPES
    with dest.engine.connect() as conn:
        original_sha = conn.execute(text("SELECT sha256 FROM evidencefile WHERE id = :i"),
                                    {"i": marked.derived_from_id}).scalar()
    assert original_sha == source.snap.sha256
    assert [(x.alert_id, x.camera_name, x.category, x.at, x.score) for x in b.alerts] == [
        (None, "烹饪区", "未戴口罩", T0, 0.93)]
    assert evidence_problems(dest.engine, dest.store, [e.evidence_id for e in b.evidence], actor=HEAD) == {}


def test_the_same_package_twice_changes_nothing(source, dest, tmp_path):
    out = export_case(source.engine, source.store, source.case_id, tmp_path / "case.zip", actor=HEAD).path
    first = import_case(dest.engine, dest.store, out, actor=HEAD)
    counts, before = _counts(dest.engine), get_case(dest.engine, first.case_id, actor=HEAD)
    again = import_case(dest.engine, dest.store, out, actor=HEAD)
    assert (again.status, again.case_id, again.events_added, again.evidence_added) == ("unchanged", first.case_id, 0, 0)
    assert "无变化" in again.message()
    assert _counts(dest.engine) == counts and get_case(dest.engine, first.case_id, actor=HEAD) == before


def test_a_later_package_brings_the_rest_and_a_case_changed_on_both_sides_is_refused(source, dest, tmp_path):
    old = export_case(source.engine, source.store, source.case_id, tmp_path / "v1.zip", actor=HEAD).path
    case_id = import_case(dest.engine, dest.store, old, actor=HEAD).case_id
    transition(source.engine, source.case_id, "整改中", "单位已签收", now=T0 + timedelta(days=2),
               actor=person("王建华"))
    newer_snap = add_snapshot(source.engine, source.store, b"\x89PNG rectified", camera_id=None, venue_id=source.venue,
                              captured_at=T0 + timedelta(days=2), source="import", actor=person("王建华"))
    from desktop.core.cases import CaseUpdate, update_case

    update_case(source.engine, source.case_id, CaseUpdate(add_evidence=(newer_snap.id,)),
                now=T0 + timedelta(days=2), actor=person("王建华"))
    new = export_case(source.engine, source.store, source.case_id, tmp_path / "v2.zip", actor=HEAD).path
    result = import_case(dest.engine, dest.store, new, actor=HEAD)
    assert (result.status, result.case_id, result.events_added, result.evidence_added) == ("updated", case_id, 2, 1)
    rec = get_case(dest.engine, case_id, actor=HEAD)
    assert rec.state == "整改中" and len(rec.evidence) == 4 and rec.events[-1].action == "edit"
    # B is now up to date: the old package changes nothing.
    stale = import_case(dest.engine, dest.store, old, actor=HEAD)
    assert stale.status == "unchanged" and "比案件包新" in stale.note
    # Both sides move on: refused, nothing changes.
    transition(dest.engine, case_id, "待复核", "B 站复核", now=T0 + timedelta(days=3), actor=person("李四"))
    transition(source.engine, source.case_id, "撤销", "A 站撤销", now=T0 + timedelta(days=3), actor=person("张三"))
    both = export_case(source.engine, source.store, source.case_id, tmp_path / "v3.zip", actor=HEAD).path
    counts = _counts(dest.engine)
    with pytest.raises(CasePackageError, match="都有新的记录"):
        import_case(dest.engine, dest.store, both, actor=HEAD)
    assert _counts(dest.engine) == counts and get_case(dest.engine, case_id, actor=HEAD).state == "待复核"


@pytest.mark.parametrize("how", ["evidence", "manifest", "pdf", "missing", "extra", "resummed_evidence",
                                 "resummed_bad_state", "resummed_size"])
def test_a_tampered_package_is_refused_with_the_reason_and_nothing_is_imported(source, dest, tmp_path, how):
    out = export_case(source.engine, source.store, source.case_id, tmp_path / "case.zip", b"%PDF-1.7 sheet",
                      actor=HEAD).path
    manifest = _manifest(out)
    evidence_path = manifest["evidence"][0]["path"]
    bad = tmp_path / "bad.zip"
    if how == "evidence":
        _rewrite(out, bad, replace={evidence_path: b"\x89PNG retouched"})
    elif how == "manifest":
        manifest["case"]["facts"] = "无违法事实"
        _rewrite(out, bad, replace={"manifest.json": json.dumps(manifest, ensure_ascii=False).encode()})
    elif how == "pdf":
        _rewrite(out, bad, replace={"case.pdf": b"%PDF-1.7 another sheet"})
    elif how == "missing":
        _rewrite(out, bad, drop=(evidence_path,))
    elif how == "extra":
        _rewrite(out, bad, add={"evidence/" + "0" * 64 + ".png": b"smuggled"})
    elif how == "resummed_evidence":  # SHA256SUMS recomputed: the file name still carries the hash
        _rewrite(out, bad, replace={evidence_path: b"\x89PNG retouched"}, resum=True)
    elif how == "resummed_bad_state":
        manifest["case"]["state"] = "已结案"
        _rewrite(out, bad, replace={"manifest.json": json.dumps(manifest, ensure_ascii=False).encode()}, resum=True)
    elif how == "resummed_size":
        manifest["evidence"][0]["size"] += 1
        _rewrite(out, bad, replace={"manifest.json": json.dumps(manifest, ensure_ascii=False).encode()}, resum=True)
    counts = _counts(dest.engine)
    with pytest.raises(CasePackageError) as err:
        import_case(dest.engine, dest.store, bad, actor=HEAD)
    message = str(err.value)
    expected_file = {"evidence": evidence_path, "manifest": "manifest.json", "pdf": "case.pdf",
                     "missing": evidence_path, "extra": "evidence/" + "0" * 64 + ".png",
                     "resummed_evidence": evidence_path, "resummed_size": evidence_path}.get(how)
    if expected_file is not None:
        assert isinstance(err.value, PackageTamperedError) and err.value.file == expected_file
        assert expected_file in message and "已被改动" in message
    if how in ("evidence", "manifest", "pdf"):  # expected and actual hashes are both named
        assert err.value.expected in message and err.value.actual in message and len(err.value.actual) == 64
    if how == "resummed_bad_state":
        assert "已结案" in message
    assert _counts(dest.engine) == counts
    assert not dest.store.root.exists() or not any(dest.store.root.rglob("*.png"))


def test_unreadable_and_unknown_venue_packages_are_refused(source, dest, tmp_path):
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"not a zip at all")
    with pytest.raises(PackageUnreadableError, match="不是有效的案件包"):
        import_case(dest.engine, dest.store, junk, actor=HEAD)
    with pytest.raises(PackageUnreadableError, match="找不到"):
        import_case(dest.engine, dest.store, tmp_path / "nowhere.zip", actor=HEAD)
    out = export_case(source.engine, source.store, source.case_id, tmp_path / "case.zip", actor=HEAD).path
    other = make_engine(f"sqlite:///{tmp_path / 'station-c.db'}")
    migrate(other)
    save_venue(other, VenueInput(name="七宝中学食堂", license_no="JY33101120009999"), actor=ADMIN)
    store = EvidenceStore(tmp_path / "evidence-c", other)
    with pytest.raises(CasePackageError, match="许可证号为 JY33101120009999"):
        import_case(other, store, out, actor=HEAD)
    with other.begin() as conn:
        conn.execute(text("DELETE FROM venue"))
    with pytest.raises(CasePackageError, match="请先在单位档案中添加") as err:
        import_case(other, store, out, actor=HEAD)
    assert LICENSE in str(err.value) and "七宝中学食堂" in str(err.value)
    assert _counts(other)["app_case"] == 0 and not store.root.exists()
    other.dispose()


def test_venue_without_licence_is_matched_by_name(dest, tmp_path):
    a = make_engine(f"sqlite:///{tmp_path / 'station-a2.db'}")
    migrate(a)
    venue = save_venue(a, VenueInput(name="老街汤团店", street="七宝镇"), actor=ADMIN)
    case = create_case(a, CaseInput(venue_id=venue, category="鼠患"), now=T0, actor=person("张三"))
    out = export_case(a, EvidenceStore(tmp_path / "ev-a2", a), case.id, tmp_path / "case.zip", actor=HEAD).path
    a.dispose()
    mine = save_venue(dest.engine, VenueInput(name="老街汤团店", street="七宝镇"), actor=ADMIN)
    result = import_case(dest.engine, dest.store, out, actor=HEAD)
    assert result.venue_id == mine and get_case(dest.engine, result.case_id, actor=HEAD).evidence == ()


def test_a_number_taken_here_gets_the_next_one_and_keeps_the_original(source, dest, tmp_path):
    mine = create_case(dest.engine, CaseInput(venue_id=dest.venue, category="吸烟"), now=T0, actor=person("李四"))
    assert mine.number == get_case(source.engine, source.case_id, actor=HEAD).number
    out = export_case(source.engine, source.store, source.case_id, tmp_path / "case.zip", actor=HEAD).path
    result = import_case(dest.engine, dest.store, out, actor=HEAD)
    assert result.number == "闵市监明厨〔2026〕0002号" and result.origin_number == mine.number
    assert "原编号" in result.message()
    rec = get_case(dest.engine, result.case_id, actor=HEAD)
    assert (rec.number, rec.origin_number) == ("闵市监明厨〔2026〕0002号", mine.number)
    assert create_case(dest.engine, CaseInput(venue_id=dest.venue, category="吸烟"),
                       now=T0, actor=person("李四")).number == "闵市监明厨〔2026〕0003号"


def test_export_refuses_altered_evidence_and_leaves_the_old_package(source, tmp_path):
    out = tmp_path / "case.zip"
    out.write_bytes(b"previous package")
    source.store.path(source.marked.rel_path).write_bytes(b"\x89PNG retouched")
    with pytest.raises(CasePackageError, match="内容被改动"):
        export_case(source.engine, source.store, source.case_id, out, actor=HEAD)
    assert out.read_bytes() == b"previous package" and [p.name for p in tmp_path.glob("case.zip*")] == ["case.zip"]


def test_the_print_hook_puts_the_pdf_in(source, tmp_path):
    asked = []

    def render(case_id: int) -> bytes:
        asked.append(case_id)
        return b"%PDF-1.7 rendered"

    out = export_case(source.engine, source.store, source.case_id, tmp_path / "case.zip", render_pdf=render,
                      actor=HEAD).path
    assert asked == [source.case_id]
    with zipfile.ZipFile(out) as zf:
        assert zf.read("case.pdf") == b"%PDF-1.7 rendered"
    assert _manifest(out)["pdf"]["sha256"] == hashlib.sha256(b"%PDF-1.7 rendered").hexdigest()
