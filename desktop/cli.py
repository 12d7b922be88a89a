"""Command line: no subcommand starts the console; subcommands for the demo, probing and benchmarks."""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import time
from pathlib import Path

from desktop import (
    cli_audit,
    cli_backup,
    cli_cases,
    cli_detect,
    cli_evaluate,
    cli_models,
    cli_print,
    cli_registry,
    cli_report,
    cli_users,
    paths,
)
from desktop.cli_user import add_user_argument
from desktop.logging_setup import install_excepthooks, setup_logging

log = logging.getLogger(__name__)

# Past this many streams the demo server's live re-encoding would take the CPU the wall needs.
LIVE_OVERLAY_MAX = 24


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="main.py", description="明厨亮灶监管工作台")
    p.add_argument("-v", "--verbose", action="store_true", help="log INFO to stderr too")
    p.add_argument("--self-test", action="store_true", help="自检（无界面）/ GUI-less self-test, like `self-test`")
    # No subcommand starts the console (the desktop entry, the Start menu): the gui options' defaults.
    p.set_defaults(screenshot=None, screenshot_timeout=20.0, quit_after_screenshot=False)
    gui = argparse.ArgumentParser(add_help=False)
    gui.add_argument("--screenshot", type=Path, help="save a PNG of the window once every tile shows video")
    gui.add_argument("--screenshot-timeout", type=float, default=20.0)
    gui.add_argument("--quit-after-screenshot", action="store_true")
    sub = p.add_subparsers(dest="command")
    sub.add_parser("gui", parents=[gui], help="start the console (default)")
    d = sub.add_parser("demo", parents=[gui], help="demo RTSP server + demo station + console")
    d.add_argument("--port", type=int, default=8554)
    d.add_argument("--no-overlay", action="store_true", help="serve pre-encoded loops (no burnt-in clock)")
    d.add_argument("--role", choices=("值班员", "检查员", "科室负责人", "管理员"), default="科室负责人",
                   help="演示账号的角色 / the demo account's role")
    s = sub.add_parser("demo-server", help="serve N synthetic kitchen cameras over RTSP on 127.0.0.1")
    s.add_argument("--streams", type=int, default=16)
    s.add_argument("--port", type=int, default=8554)
    s.add_argument("--overlay", choices=("auto", "on", "off"), default="auto",
                   help="burn camera name + wall clock in (re-encodes, ~4.5%% of a core a stream); "
                        f"auto = on up to {LIVE_OVERLAY_MAX} streams, pre-encoded loops beyond")
    pr = sub.add_parser("probe", help="open a stream and print codec, resolution and fps")
    pr.add_argument("url")
    pr.add_argument("--timeout", type=float, default=8.0)
    b = sub.add_parser("bench", help="benchmarks (print one JSON line)")
    bsub = b.add_subparsers(dest="bench", required=True)
    bw = bsub.add_parser("wall", help="the real wall against the demo server, with bare ffmpeg as baseline")
    bw.add_argument("--streams", type=int, default=36)
    bw.add_argument("--seconds", type=float, default=20.0)
    bw.add_argument("--no-baseline", action="store_true", help="skip the ffmpeg -f null baseline")
    bd = bsub.add_parser("data", help="venue import/export at district scale (SQLite, PostgreSQL), openpyxl baseline")
    bd.add_argument("--venues", type=int, default=12500)
    bd.add_argument("--postgres-url", help="also measure on this PostgreSQL server (default: DATABASE_URL if postgres)")
    bd.add_argument("--sections", help="comma-separated: generate,venue_io,stats (default: all)")
    im = sub.add_parser("import", help="导入表格 / import a spreadsheet into the database")
    iv = im.add_subparsers(dest="what", required=True).add_parser(
        "venues", help="单位与摄像头（一户一档、浦东统计表、鄂州养老机构统计表）from .xlsx or .csv")
    iv.add_argument("file", type=Path)
    add_user_argument(iv)
    iv.add_argument("--dry-run", action="store_true", help="试运行：检查并列出变更，不写入 / check only")
    iv.add_argument("--street", help="没有街镇的行记为此街镇 / street for rows without one")
    iv.add_argument("--venue-type", help="没有单位类型的行记为此类型 / venue type for rows without one")
    iv.add_argument("--report", type=Path, help="每一行的结果写入此 CSV / write every row's result to this CSV")
    ex = sub.add_parser("export", help="导出表格 / export the database to a spreadsheet")
    ev = ex.add_subparsers(dest="what", required=True).add_parser("venues", help="一户一档模板 .xlsx or .csv")
    ev.add_argument("file", type=Path)
    add_user_argument(ev)
    st = sub.add_parser("self-test", help="自检：版本、设备、模型、数据库、libvlc、磁盘 / GUI-less self-test")
    st.add_argument("--json", action="store_true")
    st.add_argument("--device", default="AUTO", help="OpenVINO device to test (AUTO, CPU, GPU, NPU)")
    st.add_argument("--min-free-mb", type=int, default=None, help="fail below this free disk (default 1024)")
    cli_registry.add_parsers(sub)
    cli_models.add_parsers(sub, bsub)
    cli_detect.add_parser(sub)
    cli_evaluate.add_parser(sub)
    cli_cases.add_parsers(sub)
    cli_print.add_parser(sub)
    cli_report.add_parsers(sub)
    cli_audit.add_parsers(sub)
    cli_users.add_parsers(sub)
    cli_backup.add_parsers(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    command = "self-test" if args.self_test else args.command or "gui"
    setup_logging(paths.log_dir(), stderr_level=logging.INFO if args.verbose else logging.WARNING)
    install_excepthooks()
    _seed_bundled_models()
    if command == "self-test":
        return _self_test(args)
    if command == "probe":
        return _probe(args)
    if command == "demo-server":
        return _demo_server(args)
    if command in ("db", "stats", "verify-evidence"):
        return cli_registry.run(args)
    if command == "detect":
        return cli_detect.run(args)
    if command == "evaluate":
        return cli_evaluate.run(args)
    if command in cli_cases.COMMANDS:
        return cli_cases.run(args)
    if command == "print-case":
        return cli_print.run(args)
    if command in cli_audit.COMMANDS:
        return cli_audit.run(args)
    if command in cli_users.COMMANDS:
        return cli_users.run(args)
    if command in cli_backup.COMMANDS:
        return cli_backup.run(args)
    if command == "report":
        return cli_report.run(args)
    if command == "models" or (command == "bench" and args.bench == "detect"):
        return cli_models.run(args)
    if command == "import":
        return _import_venues(args)
    if command == "export":
        return _export_venues(args)
    if command == "bench" and args.bench == "data":
        from desktop.bench.data import run_data_bench

        sections = [x.strip() for x in args.sections.split(",") if x.strip()] if args.sections else None
        print(json.dumps(run_data_bench(args.venues, postgres_url=args.postgres_url, sections=sections),
                         ensure_ascii=False), flush=True)
        return 0
    if command == "bench":
        from desktop.bench.wall import run_wall_bench

        print(json.dumps(run_wall_bench(args.streams, args.seconds, baseline=not args.no_baseline),
                         ensure_ascii=False), flush=True)
        return 0
    from desktop.ui.app import GuiOptions, run_gui

    options = GuiOptions(args.screenshot, args.screenshot_timeout, args.quit_after_screenshot)
    if command == "demo":
        return _demo(args, options)
    return run_gui(options)


def _seed_bundled_models() -> None:
    """An installed build carries the default models: copy them into the user's model dir."""
    from desktop.bundle import bundled_model_dir, seed_models

    source = bundled_model_dir()
    if source is not None:
        try:
            seed_models(cli_models.model_dir(), source)
        except OSError as exc:
            log.warning("bundled models not copied: %s", exc)


def _self_test(args) -> int:
    from desktop import selftest

    return selftest.main(paths.data_dir(), cli_models.model_dir(), device=getattr(args, "device", "AUTO"),
                         as_json=getattr(args, "json", False),
                         min_free_mb=getattr(args, "min_free_mb", None) or selftest.MIN_FREE_MB,
                         log_dir=paths.log_dir())


def _migrated_engine():
    from desktop.core.db import database_url, make_engine, migrate

    engine = make_engine(database_url(paths.data_dir()))
    migrate(engine)
    from desktop.core.credentials import encrypt_plain_rows

    encrypt_plain_rows(engine)  # passwords of databases from before the encryption (issue 7)
    return engine


def _import_venues(args) -> int:
    """Exit 0: committed (or a clean dry run); 1: rejected (row errors, database failure);
    2: unreadable file or no usable columns, or an unknown --user; 3: the user may not."""
    from desktop.cli_user import UnknownUserError, actor_of, refused, unknown_user
    from desktop.core.access import PermissionDenied
    from desktop.core.db import DatabaseError
    from desktop.core.venue_io import ImportDefaults, SpreadsheetError, import_venues

    try:
        engine = _migrated_engine()
        report = import_venues(engine, args.file, actor=actor_of(engine, args.user), dry_run=args.dry_run,
                               defaults=ImportDefaults(street=args.street, venue_type=args.venue_type))
    except UnknownUserError as exc:
        return unknown_user(exc)
    except PermissionDenied as exc:
        return refused(exc)
    except SpreadsheetError as exc:
        print(f"导入失败 / import failed: {exc}", file=sys.stderr)
        return 2
    except (DatabaseError, ValueError) as exc:
        print(f"导入失败 / import failed: {exc}", file=sys.stderr)
        return 1
    engine.dispose()
    print(f"{args.file.name}（{report.format}）：{report.summary()}")
    print(f"  单位 新增 {report.venues_added}、更新 {report.venues_updated}；"
          f"摄像头 新增 {report.cameras_added}、更新 {report.cameras_updated}；用时 {report.seconds:.2f}s")
    for note in report.notes:
        print(f"  说明：{note}")
    if report.failure:
        print(f"  {report.failure}", file=sys.stderr)
    for line in report.lines(50):
        print(f"  {line}")
    if args.report:
        report.to_csv(args.report)
        print(f"  逐行结果已写入 {args.report}")
    return 0 if report.ok else 1


def _export_venues(args) -> int:
    from desktop.cli_user import UnknownUserError, actor_of, refused, unknown_user
    from desktop.core.access import PermissionDenied
    from desktop.core.db import DatabaseError
    from desktop.core.venue_io import SpreadsheetError, export_venues

    try:
        engine = _migrated_engine()
        summary = export_venues(engine, args.file, actor=actor_of(engine, args.user))
    except UnknownUserError as exc:
        return unknown_user(exc)
    except PermissionDenied as exc:  # before OSError: PermissionDenied is a PermissionError
        return refused(exc)
    except SpreadsheetError as exc:
        print(f"导出失败 / export failed: {exc}", file=sys.stderr)
        return 2
    except (DatabaseError, OSError) as exc:
        print(f"导出失败 / export failed: {exc}", file=sys.stderr)
        return 1
    engine.dispose()
    print(f"已导出 {summary.venues} 个单位、{summary.cameras} 路摄像头（{summary.rows} 行）到 {summary.path}，"
          f"用时 {summary.seconds:.2f}s（不含用户名和密码）")
    return 0


def _probe(args) -> int:
    from desktop.streaming.probe import probe

    r = probe(args.url, args.timeout)
    if r.ok:
        print(f"{r.url}\n  编码 codec: {r.codec}\n  分辨率 resolution: {r.width}x{r.height}\n"
              f"  帧率 fps: {r.fps:g}\n  打开用时 open: {r.open_seconds:.2f}s")
        return 0
    print(f"{r.url}\n  失败 failed: {r.reason.text} ({r.reason.name}) {r.detail}", file=sys.stderr)
    return 1


def _demo_server(args) -> int:
    from desktop.demo.server import DemoServer, DemoServerError

    overlay = args.overlay == "on" or (args.overlay == "auto" and args.streams <= LIVE_OVERLAY_MAX)
    server = DemoServer(streams=args.streams, port=args.port, overlay=overlay, cache_dir=paths.demo_cache_dir())
    try:
        server.start()
    except DemoServerError as exc:
        print(exc, file=sys.stderr)
        return 1
    kind = "画面叠加名称与时钟 / live name+clock overlay" if overlay else "预编码循环 / pre-encoded loops"
    print(f"演示 RTSP 服务器已启动 / demo RTSP server running: {args.streams} cameras, {kind}", flush=True)
    print(f"  子码流 sub  640x360@15: {server.url(1)} … {server.url(args.streams)}")
    print(f"  主码流 main 1280x720@15: {server.url(1, 'main')} …  (Ctrl-C to stop)", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while server.running:
            time.sleep(0.5)
        if server.pid is not None:
            print("演示服务器意外退出 / demo server exited", file=sys.stderr)
            return 1
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.stop()
    return 0


def _demo(args, options) -> int:
    from desktop.core.access import Role
    from desktop.core.accounts import actor_for
    from desktop.core.db import database_url, init_schema, make_engine
    from desktop.demo.catalogue import demo_cameras
    from desktop.demo.seed import seed_demo, seed_demo_user
    from desktop.demo.server import DemoServer, DemoServerError
    from desktop.ui.app import run_gui

    # The demo's station lives in a directory of its own, never in the real one (unless
    # MINGCHU_DATA_DIR names one explicitly, as the tests do).
    if not os.environ.get("MINGCHU_DATA_DIR"):
        paths.use_data_dir(paths.demo_data_dir())
        if os.environ.pop("DATABASE_URL", None):
            log.warning("demo: DATABASE_URL ignored, the demo station uses its own SQLite database")
    count = len(demo_cameras())
    server = DemoServer(streams=count, port=args.port, overlay=not args.no_overlay,
                        cache_dir=paths.demo_cache_dir())
    try:
        server.start()
    except DemoServerError as exc:
        print(exc, file=sys.stderr)
        return 1
    try:
        engine = make_engine(database_url(paths.data_dir()))
        init_schema(engine)
        seed_demo(engine, server.host, server.port)
        actor = actor_for(engine, seed_demo_user(engine, Role(args.role)))
        engine.dispose()
        print(f"演示工作台：{count} 路摄像头，数据库 {paths.data_dir() / 'console.db'}", flush=True)
        return run_gui(options, demo_actor=actor)
    finally:
        server.stop()
