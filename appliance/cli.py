"""The ``sparkhouse`` command: serve, config, version, and the parts' client commands."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import multiprocessing
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import orjson
from pydantic import ValidationError

from appliance import __version__
from appliance.ops import add_commands as add_ops_commands
from appliance.platform.datadir import PRIVATE_UMASK
from appliance.registry import PARTS
from appliance.settings import Settings, describe, load_settings, markdown_table

if TYPE_CHECKING:  # Sanic loads only when serving
    from sanic import Sanic

EARLY_STOP_GRACE_SECONDS = 0.1


def _setup_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("sanic.access").disabled = True  # ours is sparkhouse.access


def _settings(args: argparse.Namespace) -> Settings:
    try:
        return load_settings(
            host=getattr(args, "host", None),
            port=getattr(args, "port", None),
            data_dir=getattr(args, "data_dir", None),
        )
    except ValidationError as exc:
        lines = [f"  {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise SystemExit("sparkhouse: invalid setting\n" + "\n".join(lines)) from None


GC_YOUNG_OBJECTS = 20_000
"""Allocations (net of deallocations) between two collections of the youngest generation
(CPython's default: 700)."""


def cmd_serve(args: argparse.Namespace) -> int:
    early_stop = _remember_stop_signals()
    # No cyclic GC while the server's modules load and the app is built: a few hundred
    # thousand new objects, almost none of them garbage, would trigger full collections over
    # and over (docs/decisions/startup-deferred-work.md).
    gc.disable()
    settings = _settings(args)
    _setup_logging(settings.server.log_level)
    from appliance.platform.datadir import DataDirInUse, DataDirLock, make_private
    from appliance.server import create_app  # heavy imports only when serving

    make_private(settings.server.data_dir)  # 0700, files 0600, before anything opens one
    try:
        # Held until the process ends: one server per data folder; restore waits for it.
        lock = DataDirLock(settings.server.data_dir).acquire()
    except DataDirInUse as exc:
        raise SystemExit(f"sparkhouse: {exc}") from None
    app = create_app(settings)
    # The start-up heap lives as long as the server: out of the cyclic GC's sight for good.
    # A request's objects (a 1,000-comment thread is ~10,000) die young when the youngest
    # generation is collected less often: fewer promoted, fewer full collections in the tail
    # (docs/decisions/gc-tuning.md).
    gc.freeze()
    gc.set_threshold(GC_YOUNG_OBJECTS, *gc.get_threshold()[1:])
    gc.enable()
    app.ctx.data_dir_lock = lock
    _stop_reliably(app, early_stop)
    logging.getLogger("sparkhouse").info(
        "serving on http://%s:%d (data in %s)",
        settings.server.host,
        settings.server.port,
        settings.server.data_dir.resolve(),
    )
    app.run(
        host=settings.server.host,
        port=settings.server.port,
        single_process=True,
        access_log=False,
        motd=False,
        debug=False,
    )
    return 0


def _remember_stop_signals(received: list[int] | None = None) -> list[int]:
    """Record SIGTERM and Ctrl-C in ``received`` (Python-level handlers). Until Sanic installs
    its handlers (after the start-up listeners ran) a signal would otherwise kill the process
    outright, skipping the shutdown that saves state; ``_stop_reliably`` acts on it."""
    received = [] if received is None else received
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda number, _frame: received.append(number))
    return received


def _stop_reliably(app: Sanic, received: list[int]) -> None:
    """Sanic stops on SIGTERM/Ctrl-C through uvloop's signal handling, and two ways lose the
    signal while it is still starting (seen as a binary that kept serving when signalled
    right after its first /healthz): uvloop listens for signals only while a run of
    the loop is in progress (a signal between Sanic's runs, or unread when one ends, is
    dropped), and a stop made inside the run of the after-start listeners is consumed by that
    run, so Sanic enters ``run_forever`` for good. So the signals stay recorded at the Python
    level too (uvloop still gets them through the wakeup fd), every ``app.stop()`` is recorded
    (server.SparkhouseApp), and a stop asked for before the server reached its main loop is
    made again once it has (docs/decisions/server-early-stop.md)."""

    async def stop_if_asked_before_serving() -> None:
        # Sanic sets is_running right before run_forever: a task step after that runs in it.
        while not app.state.is_running:  # noqa: ASYNC110 (a plain attribute, no event to wait on)
            await asyncio.sleep(0.01)
        # A stop made just before may still be under way (uvloop carries it into run_forever,
        # which then returns at once): give it time, so the server is never stopped twice —
        # a second stop would interrupt the shutdown listeners. The shutdown cancels this task.
        await asyncio.sleep(EARLY_STOP_GRACE_SECONDS)
        if received or getattr(app.ctx, "stop_requested", False):
            reason = signal.Signals(received[0]).name if received else "a stop"
            logging.getLogger("sparkhouse").info("stopping: %s received while starting", reason)
            app.stop(terminate=False)

    @app.after_server_start
    async def watch_for_early_stops(app: Sanic, _: object = None) -> None:
        # Sanic's loop handlers are in place: record at the Python level again beside them.
        _remember_stop_signals(received)
        app.ctx.early_stop_watch = asyncio.get_running_loop().create_task(
            stop_if_asked_before_serving(), name="early-stop-watch"
        )

    @app.before_server_stop
    async def end_the_watch(app: Sanic, _: object = None) -> None:
        watch: asyncio.Task[None] | None = getattr(app.ctx, "early_stop_watch", None)
        if watch is not None:
            watch.cancel()


def cmd_config(args: argparse.Namespace) -> int:
    if args.markdown:
        sys.stdout.write(markdown_table())
        return 0
    settings = _settings(args)
    rows = describe(settings)
    # What a person must do now (e.g. a pending first-run setup): after the table, or on
    # stderr when stdout is JSON for a program.
    notices = [
        line
        for part in PARTS
        if part.notices is not None
        for line in part.notices(part.section(settings), settings)
    ]
    if args.json:
        sys.stdout.write(
            orjson.dumps(rows, default=str, option=orjson.OPT_INDENT_2).decode() + "\n"
        )
        for line in notices:
            print(line, file=sys.stderr)
        return 0
    width = max(len(row["env"]) for row in rows)
    for row in rows:
        print(f"{row['env']:<{width}}  {row['value']!s:<24}  {row['description']}")
    if notices:
        print()
        print("\n".join(notices))
    return 0


def cmd_version(args: argparse.Namespace) -> int:
    print(f"sparkhouse {__version__}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sparkhouse", description="Sparkhouse: a self-hosted real-time appliance."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="serve every part on one port")
    serve.add_argument("--host", help="interface to listen on (HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (PORT, default 4000)")
    serve.add_argument("--data-dir", type=Path, help="data folder (SPARKHOUSE_DATA_DIR)")
    serve.set_defaults(func=cmd_serve)

    config = commands.add_parser("config", help="show the effective settings (secrets masked)")
    config.add_argument("--host")
    config.add_argument("--port", type=int)
    config.add_argument("--data-dir", type=Path)
    config.add_argument("--json", action="store_true", help="print JSON")
    config.add_argument(
        "--markdown", action="store_true", help="print the defaults as the README's Markdown table"
    )
    config.set_defaults(func=cmd_config)

    commands.add_parser("version", help="print the version").set_defaults(func=cmd_version)

    for part in PARTS:
        if part.commands is not None:
            part.commands(commands, _settings)
    add_ops_commands(commands, _settings)
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    # First: in the frozen binary a multiprocessing child re-runs this entry point, and
    # freeze_support() turns that run into the child (a no-op everywhere else).
    multiprocessing.freeze_support()
    # Every file this command creates is the operator's data or a backup of it, and some hold
    # secrets: private whatever umask it was started with (platform/datadir.py says why a umask).
    os.umask(PRIVATE_UMASK)
    args = build_parser().parse_args(argv)
    raise SystemExit(args.func(args))
