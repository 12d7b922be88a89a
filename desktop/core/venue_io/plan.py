"""From parsed rows and what the database holds to a plan: the inserts and updates to make, and
one RowResult per row. Pure Python on dicts; the file's own consistency is checked here too
(the same venue twice, the same 许可证号 for two different units)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from desktop.core.credentials import Credentials
from desktop.core.venue_io.columns import COLUMNS
from desktop.core.venue_io.existing import VENUE_FIELDS, Existing
from desktop.core.venue_io.normalize import match_key
from desktop.core.venue_io.report import ImportDefaults, RowResult
from desktop.core.vocabulary import DEFAULT_PROGRESS

FORMAT_VENUE_TYPE = {"ezhou": "养老机构食堂"}
_LABELS = {f: COLUMNS[f].label for f in VENUE_FIELDS if f in COLUMNS} | {"name": "名称"}
_CAMERA_LABELS = {"area": "区域", "sub_url": "子码流地址", "main_url": "主码流地址", "enabled": "启用",
                  "platform_connected": "已对接平台"}
_MATCH_FIELDS = ("name", "address")  # compared by match_key: spaces and bracket widths do not count


@dataclass
class _Entry:
    """One venue of the file (its first row and every further row naming it)."""

    first: object  # ParsedRow
    fields: dict[str, object]
    cameras: dict[str, object] = field(default_factory=dict)  # match_key(camera name) -> ParsedRow


@dataclass
class Plan:
    results: list[RowResult]
    new_streets: list[str] = field(default_factory=list)
    venue_inserts: list[dict[str, object]] = field(default_factory=list)  # "street" still a name
    venue_updates: list[dict[str, object]] = field(default_factory=list)  # {"id": …, changed fields}
    camera_inserts: list[dict[str, object]] = field(default_factory=list)  # "venue_ref": id or ("new", i)
    camera_updates: list[dict[str, object]] = field(default_factory=list)
    credentials: list[tuple[object, Credentials, bool]] = field(default_factory=list)  # (camera ref, creds, exists)
    venues_added: int = 0
    venues_updated: int = 0
    cameras_added: int = 0
    cameras_updated: int = 0

    @property
    def errors(self) -> int:
        return sum(1 for r in self.results if r.action == "error")


def _show(value: object) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value) if value not in (None, "") else "（空）"


def _same(f: str, a: object, b: object) -> bool:
    return match_key(a) == match_key(b) if f in _MATCH_FIELDS else a == b


def _where(pr, other) -> str:
    if pr.sheet == other.sheet:
        return f"第{other.row}行和第{pr.row}行"
    return f"工作表「{other.sheet}」第{other.row}行和「{pr.sheet}」第{pr.row}行"


def _row_ref(pr, other) -> str:
    return f"第{other.row}行" if pr.sheet == other.sheet else f"工作表「{other.sheet}」第{other.row}行"


class Planner:
    def __init__(self, existing: Existing, defaults: ImportDefaults,
                 street_allowed: Callable[[str], bool] | None = None) -> None:
        self.ex = existing
        self.defaults = defaults
        self.street_allowed = street_allowed
        self.results: dict[int, RowResult] = {}
        self.plan = Plan(results=[])
        self._new_streets: dict[str, str] = {}
        self._claimed: dict[int, object] = {}  # venue id -> the ParsedRow that matched it

    # -- pass 1: the file against itself ---------------------------------------------------------
    def _group(self, rows: Sequence) -> list[_Entry]:
        entries: dict[tuple, _Entry] = {}
        order: list[_Entry] = []
        for i, pr in enumerate(rows):
            if pr.skip:
                self._result(i, pr, "skipped", pr.skip)
                continue
            if pr.errors:
                self._result(i, pr, "error", "；".join(pr.errors))
                continue
            lic = pr.venue.get("license_no")
            key = ("L", lic) if lic else ("N", match_key(pr.venue["name"]), match_key(pr.venue.get("address", "")))
            e = entries.get(key)
            if e is None:
                e = entries[key] = _Entry(first=pr, fields=dict(pr.venue))
                order.append(e)
                pr.index = i
                if pr.camera is not None:
                    e.cameras[match_key(pr.camera["name"])] = pr
                continue
            conflicts = [f for f, v in pr.venue.items() if f in e.fields and not _same(f, e.fields[f], v)]
            if conflicts:
                self._result(i, pr, "error", self._conflict(key, e.first, pr, conflicts))
                continue
            for f, v in pr.venue.items():
                e.fields.setdefault(f, v)
            if pr.camera is None:
                self._result(i, pr, "skipped", f"与{_row_ref(pr, e.first)}重复")
                continue
            ck = match_key(pr.camera["name"])
            other = e.cameras.get(ck)
            if other is None:
                e.cameras[ck] = pr
                pr.index = i
            elif other.camera == pr.camera and (not pr.credentials or pr.credentials == other.credentials):
                self._result(i, pr, "skipped", f"与{_row_ref(pr, other)}重复")
            else:
                self._result(i, pr, "error",
                             f"摄像头「{pr.camera['name']}」在{_where(pr, other)}内容不同")
        return order

    @staticmethod
    def _conflict(key: tuple, first, pr, fields: list[str]) -> str:
        what = "、".join(_LABELS.get(f, f) for f in fields)
        if "name" in fields:
            what = "单位名称"
        if key[0] == "L":
            return f"许可证号 {key[1]} 在{_where(pr, first)}对应不同{what}"
        return f"单位「{pr.venue['name']}」在{_where(pr, first)}的{what}不同"

    # -- pass 2: the file against the database ----------------------------------------------------
    def _match(self, e: _Entry) -> tuple[int | None, str]:
        f = e.fields
        lic = f.get("license_no")
        if lic and lic in self.ex.by_licence:
            return self.ex.by_licence[lic], ""
        nk = match_key(f["name"])
        ak = match_key(f.get("address", ""))
        if ak:
            cands = self.ex.by_name_address.get((nk, ak)) or [
                v for v in self.ex.by_name.get(nk, ()) if not self.ex.venues[v]["address"]]
        else:
            cands = list(self.ex.by_name.get(nk, ()))
        if len(cands) > 1:
            return None, (f"「{f['name']}」与 {len(cands)} 个已有单位同名（均无许可证号），无法确定是哪一个，"
                          "请填写许可证号或地址")
        return (cands[0] if cands else None), ""

    def _defaults_for(self, fmt: str) -> dict[str, str]:
        d = {}
        if self.defaults.street:
            d["street"] = self.defaults.street
        vt = self.defaults.venue_type or FORMAT_VENUE_TYPE.get(fmt)
        if vt:
            d["venue_type"] = vt
        return d

    def _street(self, name: str) -> str:
        canonical = self.ex.street_name(name)
        if match_key(canonical) not in self.ex.streets:
            canonical = self._new_streets.setdefault(match_key(name), name)
        return canonical

    def build(self, rows: Sequence) -> Plan:
        for e in self._group(rows):
            self._plan_entry(e)
        plan = self.plan
        plan.new_streets = list(self._new_streets.values())
        plan.results = [self.results[i] for i in sorted(self.results)]
        return plan

    def _plan_entry(self, e: _Entry) -> None:
        first = e.first
        vid, problem = self._match(e)
        if problem:
            self._fail_entry(e, problem)
            return
        if vid is not None and vid in self._claimed:
            other = self._claimed[vid]
            self._fail_entry(e, f"与{_row_ref(first, other)}对应同一个已有单位「{self.ex.venues[vid]['name']}」")
            return
        fields = dict(e.fields)
        defaults = self._defaults_for(first.format)
        if "street" in fields:
            fields["street"] = self._street(str(fields["street"]))
        if vid is None:
            values = {"name": fields["name"], "license_no": fields.get("license_no") or None, "address": "",
                      "street": "", "venue_type": "", "risk_level": "", "contact_person": "", "contact_phone": "",
                      "business_hours": "", "build_progress": DEFAULT_PROGRESS, "expected_completion": "",
                      "platform_connected": False, "notes": ""}
            for f, v in defaults.items():
                values[f] = v
            values.update(fields)
            if values["street"]:
                values["street"] = self._street(str(values["street"]))
            if not self._allowed(e, str(values["street"] or "")):
                return
            venue_ref: object = ("new", len(self.plan.venue_inserts))
            self.plan.venue_inserts.append(values)
            self.plan.venues_added += 1
            venue_action, changes = "added", []
            old_cameras: dict[str, dict] = {}
        else:
            self._claimed[vid] = first
            old = self.ex.venues[vid]
            for f, v in defaults.items():
                if f not in fields and not old[f]:
                    fields[f] = self._street(v) if f == "street" else v
            # Both where the venue is and where the file would move it must be the user's.
            target = str(fields.get("street", old["street"]) or "")
            if not (self._allowed(e, str(old["street"] or "")) and self._allowed(e, target)):
                return
            changed = {f: fields[f] for f in VENUE_FIELDS if f in fields and old[f] != fields[f]}
            changes = [f"{_LABELS[f]}: {_show(old[f])} → {_show(v)}" for f, v in changed.items()]
            if changed:
                self.plan.venue_updates.append({"id": vid, **changed})
                self.plan.venues_updated += 1
            venue_ref = vid
            venue_action = "updated" if changed else "unchanged"
            old_cameras = self.ex.cameras.get(vid, {})
        cam_rows = sorted(e.cameras.values(), key=lambda p: p.index)
        first_has_camera = any(p is first for p in cam_rows)
        if not first_has_camera:
            self._result(first.index, first, venue_action, "", changes)
        next_order = self.ex.max_sort_order.get(vid, -1) + 1 if vid is not None else 0
        for pr in cam_rows:
            action, cam_changes, next_order = self._plan_camera(pr, venue_ref, old_cameras, next_order)
            if pr is first:
                action = ("added" if "added" in (venue_action, action) else
                          "updated" if "updated" in (venue_action, action) else "unchanged")
                cam_changes = changes + cam_changes
            self._result(pr.index, pr, action, "", cam_changes)

    def _plan_camera(self, pr, venue_ref, old_cameras: dict, next_order: int) -> tuple[str, list[str], int]:
        cam = pr.camera
        creds = pr.credentials
        old = old_cameras.get(match_key(cam["name"]))
        label = f"摄像头「{cam['name']}」"
        if old is None:
            values = {"venue_ref": venue_ref, "name": cam["name"], "area": "", "sub_url": "", "main_url": "",
                      "enabled": True, "platform_connected": False, "sort_order": next_order}
            values.update(cam)
            self.plan.camera_inserts.append(values)
            self.plan.cameras_added += 1
            if creds:
                self.plan.credentials.append((("new", len(self.plan.camera_inserts) - 1), creds, False))
            return "added", [f"新增{label}" + ("（含用户名/密码）" if creds else "")], next_order + 1
        changed = {f: v for f, v in cam.items() if f != "name" and old[f] != v}
        changes = [f"{label}{_CAMERA_LABELS[f]}: {_show(old[f])} → {_show(v)}" for f, v in changed.items()]
        if changed:
            self.plan.camera_updates.append({"id": old["id"], **changed})
            self.plan.cameras_updated += 1
        if creds:
            stored = self.ex.credentials.get(old["id"])
            merged = Credentials(creds.username or (stored[0] if stored else ""),
                                 creds.secret or (stored[1] if stored else ""))
            if stored is None or (merged.username, merged.secret) != stored:
                self.plan.credentials.append((old["id"], merged, stored is not None))
                changes.append(f"{label}用户名/密码已更新")
        return ("updated" if changes else "unchanged"), changes, next_order

    def _allowed(self, e: _Entry, street: str) -> bool:
        """False (and the entry's rows failed) when the importing user may not change venues of
        this street."""
        if self.street_allowed is None or self.street_allowed(street):
            return True
        where = f"街镇「{street}」" if street else "没有街镇的单位"
        self._fail_entry(e, f"{where}不在本账号的范围内，不能导入 / street outside the user's scope")
        return False

    def _fail_entry(self, e: _Entry, reason: str) -> None:
        rows = [e.first] + [p for p in e.cameras.values() if p is not e.first]
        for pr in rows:
            self._result(pr.index, pr, "error", reason)

    def _result(self, i: int, pr, action: str, reason: str, changes: Sequence[str] = ()) -> None:
        notes = "；".join(pr.notes)
        reason = "；".join(p for p in (reason, notes) if p)
        self.results[i] = RowResult(pr.sheet, pr.row, action, pr.name, reason, tuple(changes))


def build_plan(rows: Sequence, existing: Existing, defaults: ImportDefaults,
               street_allowed: Callable[[str], bool] | None = None) -> Plan:
    """`street_allowed(street name)`: whether the importing user may change venues of that
    street (None: every street); a row outside is an error row, so nothing is written."""
    return Planner(existing, defaults, street_allowed).build(rows)
