"""Run-time support of the single-file binary (``make binary``, PyInstaller onefile).

The onefile binary unpacks itself into ``<tmp>/_MEIxxxxxx`` at every start and removes that
folder on exit. A binary killed with SIGKILL (OOM killer, ``kill -9``, power loss with a
persistent /tmp) leaves its whole folder behind each time. At boot we remove such stale
folders of *this* program: named ``_MEI*``, holding our ``appliance/`` data, older than a
minute (a sibling may still be unpacking) and mapped by no running process.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types import ModuleType

log = logging.getLogger("sparkhouse.frozen")

PREFIX = "_MEI"
MIN_AGE_SECONDS = 60.0


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def unpack_dir() -> Path | None:
    """The folder the onefile binary unpacked into (None from source or a onedir build)."""
    meipass = getattr(sys, "_MEIPASS", None)
    if not is_frozen() or meipass is None:
        return None
    path = Path(meipass)
    return path if path.name.startswith(PREFIX) else None


def _mapped_paths() -> set[str]:
    """Every file path some process of this machine has mapped (from /proc/<pid>/maps)."""
    mapped: set[str] = set()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/maps", encoding="utf-8", errors="replace") as maps:
                for line in maps:
                    parts = line.split(None, 5)
                    if len(parts) == 6 and parts[5].startswith("/"):
                        mapped.add(parts[5].rstrip("\n"))
        except OSError:
            continue  # gone, or not ours to read
    return mapped


def stale_unpack_dirs(
    root: Path, own: Path | None = None, min_age: float = MIN_AGE_SECONDS
) -> list[Path]:
    """Our unpack folders in ``root`` that no process uses any more."""
    now = time.time()
    candidates: list[Path] = []
    try:
        entries = list(os.scandir(root))
    except OSError:
        return []
    for entry in entries:
        if not entry.name.startswith(PREFIX) or (own is not None and entry.path == str(own)):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not entry.is_dir(follow_symlinks=False) or info.st_uid != os.getuid():
            continue
        if now - info.st_mtime < min_age or not Path(entry.path, "appliance").is_dir():
            continue
        candidates.append(Path(entry.path))
    if not candidates:
        return []  # the usual case: no /proc scan at all
    mapped = _mapped_paths()
    return [path for path in candidates if not any(name.startswith(f"{path}/") for name in mapped)]


def clean_stale_unpack_dirs() -> list[Path]:
    own = unpack_dir()
    if own is None:
        return []
    removed = []
    for path in stale_unpack_dirs(own.parent, own):
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    if removed:
        log.info("removed %d stale unpack folder(s) in %s", len(removed), own.parent)
    return removed


# -- binaries shipped zstd-compressed ----------------------------------------------------------
#
# PyInstaller compresses what the onefile binary holds with zlib and inflates all of it, on one
# core, before any Python runs. The spec ships the large binaries as ``<path>.zst`` instead
# (zstd -19: smaller, and it inflates faster) and lists them in ``zstd-packed.json``: two
# groups, and for each extension module the packed files its import needs (itself, and the
# shared libraries it links, e.g. ``_ssl`` → libcrypto). Group "start" (pydantic_core,
# libcrypto, uvloop…) is restored at boot, before the imports that need it; group "later"
# (DuckDB's module, the largest, loaded at its first use) by a thread once the server serves
# (finish_unpacking), or at the first import that needs it, which waits for its files only
# (_AwaitUnpacked). Restoring "later" beside the start-up imports slowed them (GIL hand-offs).
# Figures: docs/decisions/binary-zstd-packed-files.md.

ZSTD_SUFFIX = ".zst"
ZSTD_MANIFEST = "zstd-packed.json"
LATER = "later"


class _PackedGroup:
    """Files restored in order, by a thread of their own or by the caller; each has an event
    set once it is there (or failed)."""

    def __init__(self, name: str, files: list[Path], zstd: ModuleType) -> None:
        self.name = name
        self.files = files
        self.done = {path: threading.Event() for path in files}
        self.errors: dict[Path, BaseException] = {}
        self._zstd = zstd
        self._begun = False
        self._lock = threading.Lock()

    def _begin(self) -> bool:
        with self._lock:
            begun, self._begun = self._begun, True
        return not begun

    def start(self) -> None:
        """Restore in a background thread, unless that has begun."""
        if self._begin():
            threading.Thread(target=self._restore, name=f"unpack-{self.name}", daemon=True).start()

    def restore_now(self) -> None:
        """Restore in the calling thread, unless that has begun."""
        if self._begin():
            self._restore()

    def _restore(self) -> None:
        for target in self.files:
            try:
                source = target.with_name(target.name + ZSTD_SUFFIX)
                partial = target.with_name(target.name + ".part")
                # A decompressor per file, dropped after it: a level-19 frame's window is
                # 8 MB, which a kept decompressor would hold for good (idle RSS).
                decompressor = self._zstd.ZstdDecompressor()
                with source.open("rb") as src, partial.open("wb") as dst:
                    decompressor.copy_stream(src, dst, read_size=1 << 20, write_size=1 << 22)
                del decompressor
                partial.chmod(0o755)
                partial.replace(target)
                source.unlink()  # the unpack folder holds each file once
            except BaseException as exc:  # surfaced by the import that needs the file
                self.errors[target] = exc
            finally:
                self.done[target].set()

    def wait(self, target: Path) -> BaseException | None:
        self.start()
        self.done[target].wait()
        return self.errors.get(target)


class _AwaitUnpacked:
    """Meta path entry that holds the import of a module until the packed files it needs are
    restored; then the usual finders find it."""

    def __init__(self, root: Path, manifest: dict[str, Any]) -> None:
        # zstandard is imported now, at boot, never by a restoring thread: an import that
        # waits here holds the global import lock, so an import in the thread would hang.
        import zstandard

        self.groups = {
            name: _PackedGroup(name, [root / file for file in files], zstandard)
            for name, files in manifest["groups"].items()
        }
        group_of = {file: group for group in self.groups.values() for file in group.files}
        self.needs = {
            module: [(group_of[root / file], root / file) for file in files]
            for module, files in manifest["needs"].items()
        }

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
        needed = self.needs.get(fullname)
        if needed is None:
            return None
        for group, file in needed:
            error = group.wait(file)
            if error is not None:
                raise ImportError(f"{fullname}: could not unpack {file.name}: {error!r}")
        self.needs.pop(fullname, None)
        import importlib

        importlib.invalidate_caches()  # the folder listings the path finder cached lack them
        return None


def unpack_compressed_extensions(root: Path) -> _AwaitUnpacked | None:
    """Restore the packed files of ``root`` (listed in its manifest) of every group but
    "later" now; those of "later" at finish_unpacking or at the first import needing them."""
    manifest_path = root / ZSTD_MANIFEST
    if not manifest_path.is_file():
        return None
    import json

    waiter = _AwaitUnpacked(root, json.loads(manifest_path.read_text(encoding="utf-8")))
    sys.meta_path.insert(0, waiter)
    for name, group in waiter.groups.items():
        if name != LATER:
            group.restore_now()
    return waiter


def finish_unpacking() -> None:
    """Restore the packed files left (DuckDB's) in the background now: the server calls it
    once it serves, so that the first use of DuckDB does not wait for them. Nothing outside
    the binary."""
    for finder in list(sys.meta_path):
        if isinstance(finder, _AwaitUnpacked):
            for group in finder.groups.values():
                group.start()


# -- packages shipped as zips ------------------------------------------------------------------
#
# A package made of hundreds of small resource files (tzdata's ~600 zones) would cost a file
# creation each at every unpack; the spec ships it as ``zipped/<name>.zip`` instead, imported
# from there by zipimport (importlib.resources reads its files inside the zip).

ZIPPED_DIR = "zipped"


def add_zipped_packages(bundle: Path) -> list[str]:
    added = [str(path) for path in sorted((bundle / ZIPPED_DIR).glob("*.zip"))]
    sys.path.extend(entry for entry in added if entry not in sys.path)
    return added


def boot() -> None:
    """Called first by the binary's entry script: puts the zipped packages on ``sys.path``,
    restores the "start" group of zstd-packed binaries (DuckDB's waits for finish_unpacking
    or its first import), and cleans stale unpack folders in a daemon thread so that never
    delays the start."""
    bundle = getattr(sys, "_MEIPASS", None)
    if is_frozen() and bundle is not None:
        add_zipped_packages(Path(bundle))
    root = unpack_dir()
    if root is not None:
        unpack_compressed_extensions(root)
        threading.Thread(target=clean_stale_unpack_dirs, name="unpack-cleanup", daemon=True).start()
