"""``sparkhouse arena import-legacy DIR``: the command line of the CodinCod import. Only the
parser loads with the CLI; the importer (SQLAlchemy, bson) when the command runs."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from appliance.platform.parts import SettingsLoader

COLLECTIONS = (
    "programminglanguages",
    "users",
    "userbans",
    "puzzles",
    "submissions",
    "games",
    "chatmessages",
    "comments",
    "uservotes",
    "reports",
    "preferences",
    "usermetrics",
)
"""Every collection of a CodinCod export, in the order they are imported."""


def add_import_command(groups: argparse._SubParsersAction[Any], load: SettingsLoader) -> None:
    command = groups.add_parser(
        "import-legacy",
        help="import a CodinCod MongoDB export (stop the server first)",
        description=(
            "Import a CodinCod export: DIR holds one file per collection as Mongoose names "
            "them (users.json, puzzles.json, …; a missing file is an empty collection), each "
            "mongoexport JSON lines or a JSON array, in Extended JSON. Ids are kept; running "
            "it again imports only what is new. Run it while the server is stopped: it "
            "refuses a data folder in use."
        ),
    )
    command.add_argument("source", metavar="DIR", type=Path, help="the export's folder")
    command.add_argument(
        "--only",
        action="append",
        choices=COLLECTIONS,
        metavar="COLLECTION",
        help=f"import only this collection (repeatable): {', '.join(COLLECTIONS)}",
    )
    command.add_argument(
        "--dry-run", action="store_true", help="read and check everything, write nothing"
    )
    command.add_argument("--json", action="store_true", help="print the report as JSON")
    command.add_argument("--quiet", action="store_true", help="no progress bars")
    command.add_argument("--data-dir", type=Path, help="data folder (SPARKHOUSE_DATA_DIR)")
    command.set_defaults(func=lambda args: _import(args, load(args)))


def _import(args: argparse.Namespace, settings: Any) -> int:
    from appliance.arena.legacy.importer import run_import
    from appliance.arena.legacy.reader import ReaderUnavailable
    from appliance.arena.migrations import VERSIONS
    from appliance.platform.datadir import DataDirInUse, DataDirLock, private_dir
    from appliance.platform.progress import progress
    from appliance.platform.store.__main__ import part_migrations

    source: Path = args.source
    if not source.is_dir():
        print(f"sparkhouse: {source} is not a folder", file=sys.stderr)
        return 2
    data_dir: Path = settings.server.data_dir
    private_dir(data_dir)
    try:
        lock = DataDirLock(data_dir).acquire()
    except DataDirInUse as exc:
        print(f"sparkhouse: {exc}: stop it before importing", file=sys.stderr)
        return 2
    try:
        with progress("documents", quiet=args.quiet) as report_progress:
            report = run_import(
                source,
                data_dir,
                # every part's branch, as the server opens the store: a store that other
                # parts' revisions are in can only be upgraded with their branches known
                [VERSIONS, *part_migrations()],
                report_progress,
                only=args.only or (),
                dry_run=args.dry_run,
            )
    except ReaderUnavailable as exc:
        print(f"sparkhouse: {exc}", file=sys.stderr)
        return 2
    finally:
        lock.release()
    print(json.dumps(report.wire(), indent=2) if args.json else report.text())
    return 0
