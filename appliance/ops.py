"""Operator commands: ``sparkhouse backup DEST`` and ``sparkhouse restore SRC``, with a
progress bar. The work is done by :mod:`appliance.platform.backup`."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from appliance import __version__
from appliance.settings import Settings

SettingsLoader = Callable[[argparse.Namespace], Settings]


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


@contextmanager
def _progress(quiet: bool) -> Iterator[Callable[[str, int, int], None]]:
    """A rich progress bar, one line per file; a no-op when quiet."""
    if quiet:
        yield lambda step, done, total: None
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    columns = (
        TextColumn("{task.description:<32}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    tasks: dict[str, Any] = {}
    with Progress(*columns, transient=False) as bar:

        def report(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=max(total, 1))
            bar.update(tasks[step], completed=done, total=max(total, 1))

        yield report


def _size(count: int) -> str:
    size = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{count} B"


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    from appliance.platform.backup import BackupError, backup

    started = time.monotonic()
    data_dir = settings.server.data_dir
    try:
        with _progress(args.quiet) as report:
            manifest = backup(data_dir, args.dest, __version__, report)
    except BackupError as exc:
        raise SystemExit(f"sparkhouse backup: {exc}") from None
    print(
        f"backed up {len(manifest.files)} files ({_size(manifest.total_bytes)}) of {data_dir} "
        f"to {args.dest} in {time.monotonic() - started:.1f} s"
    )
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    from appliance.platform.backup import BackupError, restore

    data_dir = settings.server.data_dir
    try:
        with _progress(args.quiet) as report:
            manifest = restore(args.src, data_dir, force=args.force, progress=report)
    except BackupError as exc:
        raise SystemExit(f"sparkhouse restore: {exc}") from None
    print(
        f"restored {len(manifest.files)} files ({_size(manifest.total_bytes)}) from "
        f"{args.src} (taken {manifest.created_at} by sparkhouse {manifest.version}) "
        f"into {data_dir}"
    )
    return 0
