"""What the database already holds, loaded once into dicts (no ORM per row), and the keys the
importer matches rows with."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.engine import Connection

from desktop.core.credentials import SecretReader
from desktop.core.models import Camera, CameraCredential, Street, Venue
from desktop.core.venue_io.normalize import match_key

VENUE_T = Venue.__table__
STREET_T = Street.__table__
CAMERA_T = Camera.__table__
CREDENTIAL_T = CameraCredential.__table__

# Venue fields an import can set ("street" is the street's name; street_id in the table).
VENUE_FIELDS: tuple[str, ...] = (
    "name", "license_no", "address", "street", "venue_type", "risk_level", "contact_person", "contact_phone",
    "business_hours", "build_progress", "expected_completion", "platform_connected", "notes",
)
CAMERA_FIELDS: tuple[str, ...] = ("name", "area", "sub_url", "main_url", "enabled", "platform_connected")


@dataclass
class Existing:
    streets: dict[str, tuple[int, str]] = field(default_factory=dict)  # match_key(name) -> (id, name)
    venues: dict[int, dict[str, object]] = field(default_factory=dict)  # id -> VENUE_FIELDS (+ "id")
    by_licence: dict[str, int] = field(default_factory=dict)
    # venues without a licence, by (name, address) and by name alone
    by_name_address: dict[tuple[str, str], list[int]] = field(default_factory=lambda: defaultdict(list))
    by_name: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    cameras: dict[int, dict[str, dict[str, object]]] = field(default_factory=lambda: defaultdict(dict))
    max_sort_order: dict[int, int] = field(default_factory=dict)  # venue id -> highest camera sort_order
    credentials: dict[int, tuple[str, str]] = field(default_factory=dict)  # camera id -> (username, secret)

    def street_name(self, name: str) -> str:
        """The stored spelling of a street the file names (or the file's, for a new street)."""
        found = self.streets.get(match_key(name))
        return found[1] if found else name


def load_existing(conn: Connection) -> Existing:
    ex = Existing()
    names_by_id: dict[int, str] = {}
    for sid, name in conn.execute(select(STREET_T.c.id, STREET_T.c.name)):
        ex.streets.setdefault(match_key(name), (sid, name))
        names_by_id[sid] = name
    cols = [VENUE_T.c[f] for f in VENUE_FIELDS if f != "street"]
    for row in conn.execute(select(VENUE_T.c.id, VENUE_T.c.street_id, *cols)).mappings():
        v = {f: row[f] for f in VENUE_FIELDS if f != "street"}
        v["street"] = names_by_id.get(row["street_id"], "") if row["street_id"] is not None else ""
        v["license_no"] = v["license_no"] or ""
        v["platform_connected"] = bool(v["platform_connected"])
        vid = row["id"]
        ex.venues[vid] = v
        if v["license_no"]:
            ex.by_licence[str(v["license_no"])] = vid
        else:
            nk = match_key(v["name"])
            ex.by_name_address[(nk, match_key(v["address"]))].append(vid)
            ex.by_name[nk].append(vid)
    ccols = [CAMERA_T.c[f] for f in CAMERA_FIELDS]
    for row in conn.execute(select(CAMERA_T.c.id, CAMERA_T.c.venue_id, CAMERA_T.c.sort_order, *ccols)
                            .order_by(CAMERA_T.c.venue_id, CAMERA_T.c.sort_order, CAMERA_T.c.id)).mappings():
        c = {f: row[f] for f in CAMERA_FIELDS}
        c["id"] = row["id"]
        c["enabled"], c["platform_connected"] = bool(c["enabled"]), bool(c["platform_connected"])
        vid = row["venue_id"]
        ex.cameras[vid].setdefault(match_key(c["name"]), c)  # the first of same-named cameras
        ex.max_sort_order[vid] = max(ex.max_sort_order.get(vid, -1), row["sort_order"])
    # Decrypted to compare with the file's (0.2 s for 25,000 passwords); they stay in this dict only.
    reveal = SecretReader()
    for cid, user, secret, fmt in conn.execute(select(CREDENTIAL_T.c.camera_id, CREDENTIAL_T.c.username,
                                                      CREDENTIAL_T.c.secret, CREDENTIAL_T.c.secret_format)):
        ex.credentials[cid] = (user, reveal(secret, fmt))
    return ex
