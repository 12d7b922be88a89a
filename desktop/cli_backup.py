"""`main.py backup --out DIR --user ADMIN` and `main.py restore --from DIR --data-dir EMPTYDIR
[--database-url URL]`, `main.py verify-backup DIR`, and `main.py disk-guard [--apply]`.

Backup needs an account with 备份与恢复 (管理员). Restore needs none: it goes into an empty
directory (and an empty database), where no account exists yet; whoever can read the backup's
files has its data already. The restore is audited in the restored database with the OS user.

Exit codes: 0 done; 1 refused or failed (the reason on stderr, naming the file at fault);
2 unknown user; 3 not permitted."""

from __future__ import annotations

import sys
from pathlib import Path

from desktop import paths

COMMANDS = ("backup", "restore", "verify-backup", "disk-guard")


def add_parsers(sub) -> None:
    from desktop.cli_user import add_user_argument

    b = sub.add_parser("backup", help="备份数据库、证据文件和密钥 / back up database, evidence and key")
    b.add_argument("--out", type=Path, required=True, help="备份目录（须为空或不存在）/ an empty or new directory")
    add_user_argument(b)
    r = sub.add_parser("restore", help="从备份恢复到空的数据目录 / restore into an empty data directory")
    r.add_argument("--from", dest="source", type=Path, required=True, help="备份目录 / the backup directory")
    r.add_argument("--data-dir", type=Path, required=True, help="空的数据目录 / an empty data directory")
    r.add_argument("--database-url", help="PostgreSQL 备份恢复到此空库 / an empty PostgreSQL database")
    v = sub.add_parser("verify-backup", help="校验备份（哈希与数据库）/ verify a backup")
    v.add_argument("source", type=Path)
    g = sub.add_parser("disk-guard", help="检查磁盘空间并按保留策略清理录像 / check free space, apply retention")
    g.add_argument("--apply", action="store_true", help="空间不足时按保留策略清理（默认只报告）")
    g.add_argument("--min-free-gb", type=float, default=None)
    g.add_argument("--min-free-percent", type=float, default=None)


def _err(message: str) -> int:
    print(message, file=sys.stderr)
    return 1


def run(args) -> int:
    from desktop.core.backup import BackupError
    from desktop.core.db import DatabaseError

    try:
        if args.command == "backup":
            return _backup(args)
        if args.command == "restore":
            return _restore(args)
        if args.command == "verify-backup":
            from desktop.core.backup import verify_backup

            m = verify_backup(args.source)
            print(f"备份完好 / backup intact: {len(m['files'])} 个文件, {m['database']}, 版本 {m['alembic_revision']}")
            return 0
        return _disk_guard(args)
    except (BackupError, DatabaseError, OSError) as exc:
        return _err(f"失败 / failed: {exc}")


def _backup(args) -> int:
    from desktop.cli import _migrated_engine
    from desktop.cli_user import UnknownUserError, actor_of, refused, unknown_user
    from desktop.core.access import PermissionDenied
    from desktop.core.backup import backup

    engine = _migrated_engine()
    try:
        actor = actor_of(engine, args.user)
        result = backup(engine, paths.data_dir(), args.out, actor=actor, progress=lambda m: print(f"… {m}"))
    except UnknownUserError as exc:
        return unknown_user(exc)
    except PermissionDenied as exc:
        return refused(exc)
    finally:
        engine.dispose()
    print(f"备份完成并已校验 / backup written and verified: {result.path}")
    print(f"  数据库 {result.database}，版本 {result.revision}，{result.files} 个文件，{result.bytes / 1e6:.1f} MB")
    return 0


def _restore(args) -> int:
    from desktop.core.backup import restore

    result = restore(args.source, args.data_dir, args.database_url, progress=lambda m: print(f"… {m}"))
    print(f"恢复完成 / restored into {result.data_dir} ({result.database_url})，版本 {result.revision}，"
          f"{result.files} 个文件")
    print(f"  启动时设置 MINGCHU_DATA_DIR={result.data_dir}"
          + (f" DATABASE_URL={result.database_url}" if args.database_url else ""))
    return 0


def _disk_guard(args) -> int:
    from desktop.cli import _migrated_engine
    from desktop.core.disk_guard import GuardPolicy, check_and_apply

    policy = GuardPolicy()
    if args.min_free_gb is not None:
        policy = policy.with_(min_free_bytes=int(args.min_free_gb * 1e9))
    if args.min_free_percent is not None:
        policy = policy.with_(min_free_percent=args.min_free_percent)
    engine = _migrated_engine()
    try:
        report = check_and_apply(engine, paths.data_dir(), policy, apply=args.apply)
    finally:
        engine.dispose()
    print(report.summary())
    return 0
