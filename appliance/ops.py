"""Operator commands: ``sparkhouse backup DEST`` and ``sparkhouse restore SRC``, with their
progress (platform/progress.py). The work is done by :mod:`appliance.platform.backup`.

A refusal (a hostile or damaged backup, a folder in use, a destination that exists) is one
line on stderr and exit status 2; a failure of the machine (a full disk, no permission) one
line and status 1. Never a traceback: the operator needs the reason, not our stack.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from appliance import __version__
from appliance.platform.progress import human_bytes, progress
from appliance.settings import Settings

SettingsLoader = Callable[[argparse.Namespace], Settings]

REFUSED = 2
FAILED = 1


def _fail(command: str, error: BaseException, status: int) -> int:
    message = " ".join(str(error).splitlines())  # one line, whatever the error holds
    print(f"sparkhouse {command}: {message}", file=sys.stderr)
    return status


def add_commands(commands: Any, load: SettingsLoader) -> None:
    backup = commands.add_parser(
        "backup",
        help="copy the data folder, consistently, while the server runs",
        description="Copy every file of the data folder into DEST, a new folder (or a "
        ".tar.gz archive when DEST ends with .tar.gz): SQLite through its backup API, DuckDB "
        "copied and verified, the rest as files. Safe while `sparkhouse serve` runs.",
    )
    backup.add_argument("dest", type=Path, help="new folder, or NAME.tar.gz")
    backup.add_argument("--data-dir", type=Path, help="data folder (SPARKHOUSE_DATA_DIR)")
    backup.add_argument("--quiet", action="store_true", help="no progress bar")
    backup.set_defaults(func=lambda args: cmd_backup(args, load(args)))

    restore = commands.add_parser(
        "restore",
        help="replace the data folder with a backup (server stopped)",
        description="Check every file of the backup SRC against its checksum, then put it in "
        "the data folder. Refuses while a server uses the folder, and refuses a non-empty "
        "folder unless --force.",
    )
    restore.add_argument("src", type=Path, help="backup folder or .tar.gz")
    restore.add_argument("--data-dir", type=Path, help="data folder (SPARKHOUSE_DATA_DIR)")
    restore.add_argument(
        "--force", action="store_true", help="replace the contents of a non-empty data folder"
    )
    restore.add_argument("--quiet", action="store_true", help="no progress bar")
    restore.set_defaults(func=lambda args: cmd_restore(args, load(args)))


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    from appliance.platform.backup import BackupError, backup

    started = time.monotonic()
    data_dir = settings.server.data_dir
    try:
        with progress(quiet=args.quiet) as report:
            manifest = backup(data_dir, args.dest, __version__, report)
    except BackupError as exc:
        return _fail("backup", exc, REFUSED)
    except OSError as exc:
        return _fail("backup", exc, FAILED)
    size = human_bytes(manifest.total_bytes)
    print(
        f"backed up {len(manifest.files)} files ({size}) of {data_dir} "
        f"to {args.dest} in {time.monotonic() - started:.1f} s"
    )
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    from appliance.platform.backup import BackupError, restore

    data_dir = settings.server.data_dir
    try:
        with progress(quiet=args.quiet) as report:
            manifest = restore(args.src, data_dir, force=args.force, progress=report)
    except BackupError as exc:
        return _fail("restore", exc, REFUSED)
    except OSError as exc:
        return _fail("restore", exc, FAILED)
    print(
        f"restored {len(manifest.files)} files ({human_bytes(manifest.total_bytes)}) from "
        f"{args.src} (taken {manifest.created_at} by sparkhouse {manifest.version}) "
        f"into {data_dir}"
    )
    return 0
