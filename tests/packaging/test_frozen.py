"""Clean-up of the onefile binary's stale unpack folders (appliance/platform/frozen.py)."""

from __future__ import annotations

import json
import mmap
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from appliance.platform import frozen


def unpack_dir(root: Path, name: str, ours: bool = True, age: float = 3600) -> Path:
    path = root / name
    (path / ("appliance" if ours else "elsewhere")).mkdir(parents=True)
    (path / "libpython3.11.so.1.0").write_bytes(b"\0" * 4096)
    stamp = time.time() - age
    os.utime(path, (stamp, stamp))
    return path


def test_only_our_old_unused_folders_are_stale(tmp_path: Path) -> None:
    stale = unpack_dir(tmp_path, "_MEIaaaaaa")
    unpack_dir(tmp_path, "_MEIbbbbbb", age=0)  # a sibling still unpacking
    unpack_dir(tmp_path, "_MEIcccccc", ours=False)  # another PyInstaller program
    own = unpack_dir(tmp_path, "_MEIdddddd")  # this very process
    (tmp_path / "unrelated").mkdir()
    assert frozen.stale_unpack_dirs(tmp_path, own) == [stale]


def test_a_folder_mapped_by_a_running_process_is_kept(tmp_path: Path) -> None:
    busy = unpack_dir(tmp_path, "_MEIbusy00")
    with (busy / "libpython3.11.so.1.0").open("rb") as library:
        mapping = mmap.mmap(library.fileno(), 0, prot=mmap.PROT_READ)
        try:
            assert frozen.stale_unpack_dirs(tmp_path) == []
        finally:
            mapping.close()
    assert frozen.stale_unpack_dirs(tmp_path) == [busy]


def test_nothing_happens_outside_the_onefile_binary() -> None:
    assert not frozen.is_frozen()
    assert frozen.unpack_dir() is None
    assert frozen.clean_stale_unpack_dirs() == []


def pack(root: Path, groups: dict[str, dict[str, bytes]], needs: dict[str, list[str]]) -> None:
    """Files as the spec packs them: ``<file>.zst`` and the manifest."""
    zstandard = pytest.importorskip("zstandard")
    for files in groups.values():
        for name, content in files.items():
            packed = zstandard.ZstdCompressor(level=3).compress(content) if content else b"junk"
            (root / f"{name}.zst").write_bytes(packed)
    manifest = {"groups": {g: list(files) for g, files in groups.items()}, "needs": needs}
    (root / frozen.ZSTD_MANIFEST).write_text(json.dumps(manifest))


@pytest.fixture
def packed_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, frozen._AwaitUnpacked)]


def test_the_start_group_is_restored_at_boot_before_any_import(packed_dir: Path) -> None:
    source = b"ANSWER = 42\n" * 1000
    library = b"\x7fELF not really" * 100
    pack(
        packed_dir,
        {"start": {"sparkhouse_probe_start.py": source, "libprobe.so.1": library}, "later": {}},
        {"sparkhouse_probe_start": ["libprobe.so.1", "sparkhouse_probe_start.py"]},
    )
    assert frozen.unpack_compressed_extensions(packed_dir) is not None
    assert (packed_dir / "sparkhouse_probe_start.py").read_bytes() == source
    assert (packed_dir / "libprobe.so.1").read_bytes() == library
    assert not list(packed_dir.glob("*.zst")) and not list(packed_dir.glob("*.part"))
    import sparkhouse_probe_start  # type: ignore[import-not-found]

    assert sparkhouse_probe_start.ANSWER == 42


def test_the_later_group_waits_for_the_server_or_the_first_import(packed_dir: Path) -> None:
    pack(
        packed_dir,
        {
            "start": {},
            "later": {"sparkhouse_probe_a.py": b"A = 1\n", "sparkhouse_probe_b.py": b"B = 2\n"},
        },
        {
            "sparkhouse_probe_a": ["sparkhouse_probe_a.py"],
            "sparkhouse_probe_b": ["sparkhouse_probe_b.py"],
        },
    )
    waiter = frozen.unpack_compressed_extensions(packed_dir)
    assert waiter is not None
    assert not (packed_dir / "sparkhouse_probe_a.py").exists()  # not during the start
    import sparkhouse_probe_a  # type: ignore[import-not-found]  # restores what it needs

    assert sparkhouse_probe_a.A == 1
    frozen.finish_unpacking()  # the server, once serving: the rest, in the background
    frozen.finish_unpacking()  # once only
    later = waiter.groups[frozen.LATER]
    assert all(event.wait(10) for event in later.done.values())
    assert (packed_dir / "sparkhouse_probe_b.py").read_bytes() == b"B = 2\n"


def test_a_damaged_packed_file_fails_the_import_that_needs_it_loudly(packed_dir: Path) -> None:
    pack(
        packed_dir,
        {"start": {}, "later": {"sparkhouse_probe_damaged.py": b""}},  # b"": not zstd at all
        {"sparkhouse_probe_damaged": ["sparkhouse_probe_damaged.py"]},
    )
    frozen.unpack_compressed_extensions(packed_dir)
    with pytest.raises(ImportError, match=r"could not unpack sparkhouse_probe_damaged\.py"):
        import sparkhouse_probe_damaged  # type: ignore[import-not-found]  # noqa: F401


def test_nothing_to_restore_without_a_manifest(tmp_path: Path) -> None:
    assert frozen.unpack_compressed_extensions(tmp_path) is None
