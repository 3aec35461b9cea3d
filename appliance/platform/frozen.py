"""Run-time support of the single-file binary (``make binary``, PyInstaller onefile).

The onefile binary unpacks itself into ``<tmp>/_MEIxxxxxx`` at every start and removes that
folder on exit. A binary killed with SIGKILL (OOM killer, ``kill -9``, power loss with a
persistent /tmp) leaves its folder behind, ~100 MB each time. At boot we remove such stale
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
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import zstandard

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


# -- extension modules shipped zstd-compressed -------------------------------------------------
#
# PyInstaller compresses what the onefile binary holds with zlib and inflates all of it at every
# start. DuckDB's extension module is 69 MB of it: 24.5 MB with zlib, 17.8 MB with zstd -19,
# and zstd inflates it 3-4x faster. So the spec ships it as ``<name>.zst`` (packaging/
# sparkhouse.spec: ZSTD_EXTENSIONS), restored in the unpack folder by a thread (zstandard
# releases the GIL). Not during the start, whose imports it slowed by ~0.08 s (disk writes
# and GIL hand-offs beside them; DuckDB itself loads at its first use): the server starts it
# once it serves (finish_unpacking), and the first import of the module starts it if nothing
# did and waits for it (_AwaitUnpacked).

ZSTD_SUFFIX = ".zst"


def _decompress(
    packed: list[Path], errors: list[BaseException], decompressor: zstandard.ZstdDecompressor
) -> None:
    try:
        for source in packed:
            target = source.with_name(source.name.removesuffix(ZSTD_SUFFIX))
            partial = target.with_name(target.name + ".part")
            with source.open("rb") as src, partial.open("wb") as dst:
                decompressor.copy_stream(src, dst, read_size=1 << 20, write_size=1 << 22)
            partial.chmod(0o755)
            partial.replace(target)
            source.unlink()  # the unpack folder holds each module once
    except BaseException as exc:  # surfaced by the import that needs the module
        errors.append(exc)


class _AwaitUnpacked:
    """Meta path entry that holds the import of a packed module until it is restored."""

    def __init__(self, names: set[str], packed: list[Path]) -> None:
        self.names = names
        self.errors: list[BaseException] = []
        self.packed = packed
        self._decompressor: zstandard.ZstdDecompressor | None = None
        try:
            # Imported now, at boot, not by the thread: the first import of a packed module
            # starts and joins the thread under the global import lock (find_spec), so an
            # import inside the thread would wait for that join forever.
            import zstandard

            self._decompressor = zstandard.ZstdDecompressor()
        except BaseException as exc:  # surfaced by the import that needs the module
            self.errors.append(exc)
        self.thread = threading.Thread(target=self._restore, name="unpack-zstd", daemon=True)
        self._starting = threading.Lock()

    def start(self) -> None:
        """Start the restoring thread unless it already runs (or ran)."""
        with self._starting:
            if self.thread.ident is None:
                self.thread.start()

    def _restore(self) -> None:
        if self._decompressor is not None:
            _decompress(self.packed, self.errors, self._decompressor)

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
        if fullname not in self.names:
            return None
        self.start()
        self.thread.join()
        if self in sys.meta_path:
            sys.meta_path.remove(self)
        if self.errors:
            raise ImportError(f"{fullname}: could not unpack it: {self.errors[0]!r}")
        import importlib

        importlib.invalidate_caches()  # the folder listing the path finder cached lacks it
        return None  # found by the usual finders, now that the file is there


def unpack_compressed_extensions(root: Path) -> threading.Thread | None:
    """Make the packed modules of ``root`` importable: their first import restores them.
    Returns the restoring thread (not started: see finish_unpacking)."""
    packed = sorted(root.glob(f"*{ZSTD_SUFFIX}"))
    if not packed:
        return None
    waiter = _AwaitUnpacked({path.name.split(".", 1)[0] for path in packed}, packed)
    sys.meta_path.insert(0, waiter)
    return waiter.thread


def finish_unpacking() -> None:
    """Restore the packed modules in the background now (the server calls it once it
    serves, so that the first use of DuckDB does not wait for it). Nothing outside the
    binary."""
    for finder in list(sys.meta_path):
        if isinstance(finder, _AwaitUnpacked):
            finder.start()


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
    """Called first by the binary's entry script. The clean-up runs in a daemon thread so it
    never delays the start; so does the restoring of the zstd-packed extension modules."""
    bundle = getattr(sys, "_MEIPASS", None)
    if is_frozen() and bundle is not None:
        add_zipped_packages(Path(bundle))
    root = unpack_dir()
    if root is not None:
        unpack_compressed_extensions(root)
        threading.Thread(target=clean_stale_unpack_dirs, name="unpack-cleanup", daemon=True).start()
