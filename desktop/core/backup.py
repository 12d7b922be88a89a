"""备份与恢复: the database, the evidence files and the camera-password key in one directory,
with a manifest (versions, Alembic revision, row counts, SHA-256 and size of every file)
written last and verified after writing and again before a restore.

Consistency while the console keeps writing:
- SQLite: sqlite3's online backup API copies a consistent snapshot page by page (restarting
  when a writer changes a copied page); PostgreSQL: pg_dump (custom format) inside a
  REPEATABLE READ snapshot that the row counts of the manifest are read from too.
- Evidence is copied after the database: files are written before their rows and never
  changed (content-addressed), so every file the copied database names is there.

Restore goes into an empty data directory (and, for PostgreSQL, an empty database): it is
built in a temporary directory beside the target and renamed into place at the end, so an
interrupted restore leaves no half-restored directory. Restoring needs no account: an empty
directory has none, and whoever can read the backup's files owns its data anyway (the backup
holds the key to the camera passwords: keep it like the passwords themselves). The restore is
written to the restored database's audit log, with the OS user who ran it.
"""

from __future__ import annotations

import getpass
import glob
import json
import logging
import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine, make_url

from desktop.core import audit
from desktop.core.access import Action, Actor, require
from desktop.core.audit import AuditAction
from desktop.core.db import current_revision, make_engine, normalise_url
from desktop.core.evidence_store import sha256_file
from desktop.core.redact import redact_text, redact_url
from desktop.core.secret_box import KEY_FILE_NAME, current_key, forget_cached_keys, write_key_file

log = logging.getLogger(__name__)

MANIFEST = "manifest.json"
FORMAT = 1
SQLITE_FILE = "console.db"
PG_DUMP_FILE = "database.pgdump"
EVIDENCE_DIR = "evidence"

Progress = Callable[[str], None]


class BackupError(RuntimeError):
    """A refused or failed backup or restore; the message is Chinese first, safe to show (no
    password), and names the file at fault."""


@dataclass(frozen=True, slots=True)
class BackupResult:
    path: Path
    database: str  # sqlite / postgresql
    revision: str | None
    counts: dict[str, int]
    files: int
    bytes: int
    manifest: dict = field(repr=False, default_factory=dict)


def _app_version() -> str:
    try:
        from importlib.metadata import version

        return version("mingchu-console")
    except Exception:  # noqa: BLE001 - running from a source tree
        return "source"


def pg_binary(name: str) -> str:
    """pg_dump / pg_restore: Debian keeps them in /usr/lib/postgresql/<major>/bin; the newest
    major reads archives of every older server."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_major, reverse=True)
    path = found[0] if found else shutil.which(name)
    if not path:
        raise BackupError(f"找不到 PostgreSQL 工具 {name}，请安装 postgresql-client / {name} not found")
    return path


def _major(path: str) -> int:
    try:
        return int(Path(path).parts[-3])
    except (ValueError, IndexError):
        return 0


def _pg_args(url: str) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for the PostgreSQL tools; the password goes through the
    environment, never the command line (visible to every user in the process list)."""
    u = make_url(normalise_url(url))
    args = ["--no-password"]
    if u.host:
        args += ["-h", u.host]
    if u.port:
        args += ["-p", str(u.port)]
    if u.username:
        args += ["-U", u.username]
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    return args + ["-d", u.database or ""], env


def _run_pg(cmd: list[str], env: dict[str, str], what: str) -> None:
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=24 * 3600)
    if r.returncode != 0:
        raise BackupError(f"{what}失败 / {Path(cmd[0]).name} failed: {redact_text(r.stderr.strip()[-2000:])}")


def _table_counts_sql(conn) -> dict[str, int]:
    names = sorted(inspect(conn).get_table_names())
    quote = conn.dialect.identifier_preparer.quote
    return {n: conn.execute(text(f"SELECT count(*) FROM {quote(n)}")).scalar_one() for n in names}


def _sqlite_counts(path: Path) -> tuple[dict[str, int], str | None]:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' "
                                            "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        counts = {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
        rev = conn.execute("SELECT version_num FROM alembic_version").fetchone() if "alembic_version" in names \
            else None
        return counts, rev[0] if rev else None
    finally:
        conn.close()


def _sqlite_integrity(path: Path) -> None:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        result = [r[0] for r in conn.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"数据库副本损坏 / database copy corrupt: {path.name}: {exc}") from None
    finally:
        conn.close()
    if result != ["ok"]:
        raise BackupError(f"数据库副本完整性检查未通过 / integrity_check failed: {path.name}: {result[:3]}")


def _sqlite_copy(src: Path, dst: Path, *, live: bool = True) -> None:
    """sqlite3's online backup: a consistent snapshot even while the console writes. Small
    steps with a pause let the console's writers through on a large file. A live (WAL)
    database is opened read-write (a read-only connection cannot set up the WAL index)."""
    source = sqlite3.connect(str(src), timeout=30) if live else \
        sqlite3.connect(f"file:{src}?mode=ro", uri=True, timeout=30)
    target = sqlite3.connect(dst)
    try:
        source.backup(target, pages=4096, sleep=0.005)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        target.close()
        source.close()


def _copy_tree_hashed(src_root: Path, dst_root: Path, prefix: str, entries: list[dict]) -> None:
    """Copy the evidence tree, hashing what was written (not what was read before)."""
    if not src_root.is_dir():
        return
    for path in sorted(src_root.rglob("*")):
        if not path.is_file() or path.name.endswith(".part"):
            continue  # a half-written file of a store in progress: not referenced yet
        rel = path.relative_to(src_root).as_posix()
        target = dst_root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        entries.append({"path": f"{prefix}/{rel}", "sha256": sha256_file(target), "size": target.stat().st_size})


def _file_entry(root: Path, rel: str) -> dict:
    p = root / rel
    return {"path": rel, "sha256": sha256_file(p), "size": p.stat().st_size}


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            with path.open("rb") as fh:
                os.fsync(fh.fileno())


def _check_empty_target(path: Path, what: str) -> None:
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise BackupError(f"{what} {path} 不是空目录，拒绝覆盖 / {path} is not empty")


def backup(engine: Engine, data_dir: Path, out: Path, *, actor: Actor,
           progress: Progress | None = None) -> BackupResult:
    """Write a verified backup of the station to the empty (or new) directory `out`."""
    require(actor, Action.BACKUP)
    say = progress or (lambda _m: None)
    out = Path(out).resolve()
    _check_empty_target(out, "备份目录")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.partial-", dir=out.parent))
    try:
        entries: list[dict] = []
        dialect = engine.dialect.name
        say("数据库")
        if dialect == "sqlite":
            src = Path(engine.url.database or "")
            _sqlite_copy(src, tmp / SQLITE_FILE)
            _sqlite_integrity(tmp / SQLITE_FILE)
            counts, revision = _sqlite_counts(tmp / SQLITE_FILE)
            entries.append(_file_entry(tmp, SQLITE_FILE))
        elif dialect == "postgresql":
            counts, revision = _pg_dump(engine, tmp / PG_DUMP_FILE)
            entries.append(_file_entry(tmp, PG_DUMP_FILE))
        else:
            raise BackupError(f"不支持的数据库 {dialect} / unsupported database")
        say("证据文件")
        _copy_tree_hashed(Path(data_dir) / EVIDENCE_DIR, tmp / EVIDENCE_DIR, EVIDENCE_DIR, entries)
        key, location = current_key(Path(data_dir))
        if key is not None:
            write_key_file(tmp / KEY_FILE_NAME, key)
            entries.append(_file_entry(tmp, KEY_FILE_NAME))
        manifest = {
            "format": FORMAT,
            "application": "mingchu-console",
            "app_version": _app_version(),
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "created_by": actor.username,
            "console": actor.console,
            "database": dialect,
            "database_file": SQLITE_FILE if dialect == "sqlite" else PG_DUMP_FILE,
            "source": redact_url(str(engine.url)),
            "alembic_revision": revision,
            "counts": counts,
            "secrets_key": {"included": key is not None, "from": location.kind},
            "files": entries,
        }
        _fsync_tree(tmp)
        # The manifest last: a backup without one is visibly incomplete.
        (tmp / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
        say("校验")
        verify_backup(tmp)
        if out.exists():
            out.rmdir()  # empty, checked above
        tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    total = sum(e["size"] for e in entries)
    audit.record_now(engine, actor, AuditAction.BACKUP, str(out),
                     {"database": dialect, "revision": revision, "files": len(entries), "bytes": total,
                      "evidence": sum(1 for e in entries if e["path"].startswith(EVIDENCE_DIR + "/"))})
    log.info("backup written to %s: %d files, %d bytes", out, len(entries), total)
    return BackupResult(out, dialect, revision, counts, len(entries), total, manifest)


def _pg_dump(engine: Engine, target: Path) -> tuple[dict[str, int], str | None]:
    """pg_dump inside a snapshot this connection holds open, so the counts of the manifest are
    those of the dump, whatever the consoles write meanwhile."""
    args, env = _pg_args(engine.url.render_as_string(hide_password=False))
    with engine.connect() as conn:
        conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
        snapshot = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
        counts = _table_counts_sql(conn)
        revision = conn.execute(text("SELECT version_num FROM alembic_version")).scalar() \
            if "alembic_version" in counts else None
        _run_pg([pg_binary("pg_dump"), *args, "--format=custom", f"--snapshot={snapshot}", "--no-owner",
                 "--no-privileges", "-f", str(target)], env, "导出 PostgreSQL 数据库")
        conn.rollback()
    return counts, revision


def read_manifest(src: Path) -> dict:
    path = Path(src) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{src} 中没有 {MANIFEST}：不是完整的备份 / not a complete backup") from None
    except (OSError, ValueError) as exc:
        raise BackupError(f"{MANIFEST} 无法读取 / unreadable manifest: {exc}") from None
    if manifest.get("application") != "mingchu-console" or manifest.get("format") != FORMAT:
        raise BackupError(f"{MANIFEST} 不是本软件的备份格式 / not a backup of this application")
    return manifest


def verify_backup(src: Path) -> dict:
    """Re-hash every file against the manifest; refuse missing, altered and unlisted files
    (naming the first few), and check the database copy opens (integrity_check on SQLite,
    pg_restore --list on a dump). Returns the manifest."""
    src = Path(src)
    manifest = read_manifest(src)
    listed = {e["path"]: e for e in manifest["files"]}
    problems: list[str] = []
    for rel, e in listed.items():
        p = src / rel
        if ".." in Path(rel).parts or Path(rel).is_absolute():
            problems.append(f"{rel}（路径非法）")
        elif not p.is_file():
            problems.append(f"{rel}（文件缺失）")
        elif p.stat().st_size != e["size"] or sha256_file(p) != e["sha256"]:
            problems.append(f"{rel}（内容被改动）")
    for p in sorted(src.rglob("*")):
        rel = p.relative_to(src).as_posix()
        if p.is_file() and rel != MANIFEST and rel not in listed:
            problems.append(f"{rel}（清单中没有）")
    if problems:
        raise BackupError(f"备份校验失败，{len(problems)} 个文件有问题：{'；'.join(problems[:5])}"
                          f"{' ……' if len(problems) > 5 else ''} / backup verification failed")
    if manifest["database"] == "sqlite":
        _sqlite_integrity(src / SQLITE_FILE)
        counts, _ = _sqlite_counts(src / SQLITE_FILE)
        if counts != manifest["counts"]:
            raise BackupError(f"{SQLITE_FILE} 的行数与清单不符 / row counts differ from the manifest")
    else:
        r = subprocess.run([pg_binary("pg_restore"), "--list", str(src / PG_DUMP_FILE)], capture_output=True,
                           text=True, timeout=3600)
        if r.returncode != 0:
            raise BackupError(f"{PG_DUMP_FILE} 无法读取 / unreadable dump: {r.stderr.strip()[-500:]}")
    return manifest


@dataclass(frozen=True, slots=True)
class RestoreResult:
    data_dir: Path
    database_url: str  # redacted
    revision: str | None
    counts: dict[str, int]
    files: int


def restore(src: Path, data_dir: Path, database_url: str | None = None, *, os_user: str | None = None,
            progress: Progress | None = None) -> RestoreResult:
    """Restore the backup at `src` into the empty `data_dir` (SQLite: the database file goes
    there too) or, with a PostgreSQL `database_url`, into that empty database. The backup is
    verified first; a SQLite backup restores only to SQLite and a PostgreSQL one only to
    PostgreSQL."""
    say = progress or (lambda _m: None)
    src, data_dir = Path(src).resolve(), Path(data_dir).resolve()
    say("校验备份")
    manifest = verify_backup(src)
    _check_empty_target(data_dir, "数据目录")
    kind = manifest["database"]
    url = normalise_url(database_url) if database_url else None
    if (url or "sqlite").startswith("sqlite") != (kind == "sqlite"):
        raise BackupError(f"这是 {kind} 数据库的备份，只能恢复到同类数据库 / a {kind} backup restores to {kind} only")
    if url and url.startswith("sqlite"):
        raise BackupError("SQLite 备份恢复到数据目录中的 console.db，不需要 --database-url / "
                          "a SQLite backup restores into the data directory")
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{data_dir.name}.restoring-", dir=data_dir.parent))
    engine = None
    try:
        say("证据文件")
        files = 0
        for e in manifest["files"]:
            rel = e["path"]
            if rel == KEY_FILE_NAME:
                write_key_file(tmp / KEY_FILE_NAME, (src / rel).read_bytes().strip())
            elif rel.startswith(EVIDENCE_DIR + "/"):
                (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src / rel, tmp / rel)
            else:
                continue
            if sha256_file(tmp / rel) != e["sha256"]:
                raise BackupError(f"{rel} 复制后校验不符 / copy of {rel} differs")
            files += 1
        say("数据库")
        if kind == "sqlite":
            _sqlite_copy(src / SQLITE_FILE, tmp / SQLITE_FILE, live=False)
            _sqlite_integrity(tmp / SQLITE_FILE)
            engine = make_engine(f"sqlite:///{tmp / SQLITE_FILE}")
        else:
            engine = make_engine(url)
            with engine.connect() as conn:
                if inspect(conn).get_table_names():
                    raise BackupError(f"目标数据库 {redact_url(url)} 不是空库，拒绝覆盖 / target database not empty")
            args, env = _pg_args(engine.url.render_as_string(hide_password=False))
            _run_pg([pg_binary("pg_restore"), *args, "--no-owner", "--no-privileges", "--single-transaction",
                     "--exit-on-error", str(src / PG_DUMP_FILE)], env, "恢复 PostgreSQL 数据库")
        with engine.connect() as conn:
            counts = _table_counts_sql(conn)
        revision = current_revision(engine)
        if counts != manifest["counts"] or revision != manifest["alembic_revision"]:
            raise BackupError("恢复后的数据与备份清单不符 / restored rows differ from the manifest")
        who = Actor(username=f"os:{os_user or getpass.getuser()}", role=None, display_name="系统恢复", system=True)
        audit.record_now(engine, who, AuditAction.RESTORE, str(src),
                         {"created_at": manifest["created_at"], "created_by": manifest["created_by"],
                          "revision": revision, "files": files, "database": kind})
        engine.dispose()
        engine = None
        _fsync_tree(tmp)
        if data_dir.exists():
            data_dir.rmdir()  # empty, checked above
        tmp.rename(data_dir)
    except BaseException:
        if engine is not None:
            engine.dispose()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    forget_cached_keys()
    log.info("backup %s restored into %s", src, data_dir)
    return RestoreResult(data_dir, redact_url(url or f"sqlite:///{data_dir / SQLITE_FILE}"), revision, counts, files)
