"""Clean-up of the onefile binary's stale unpack folders (appliance/platform/frozen.py)."""

from __future__ import annotations

import mmap
import os
import sys
import time
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


def test_a_zstd_packed_module_is_restored_before_its_first_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    zstandard = pytest.importorskip("zstandard")
    source = b"ANSWER = 42\n" * 1000
    (tmp_path / "sparkhouse_packed_probe.py.zst").write_bytes(
        zstandard.ZstdCompressor(level=3).compress(source)
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    thread = frozen.unpack_compressed_extensions(tmp_path)
    assert thread is not None
    import sparkhouse_packed_probe  # type: ignore[import-not-found]

    assert sparkhouse_packed_probe.ANSWER == 42
    assert (tmp_path / "sparkhouse_packed_probe.py").read_bytes() == source
    assert not list(tmp_path.glob("*.zst")) and not list(tmp_path.glob("*.part"))
    assert not any(isinstance(f, frozen._AwaitUnpacked) for f in sys.meta_path)


def test_a_damaged_packed_module_fails_its_import_loudly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("zstandard")
    (tmp_path / "sparkhouse_damaged_probe.py.zst").write_bytes(b"not zstd")
    monkeypatch.syspath_prepend(str(tmp_path))
    frozen.unpack_compressed_extensions(tmp_path)
    with pytest.raises(ImportError, match="could not unpack"):
        import sparkhouse_damaged_probe  # type: ignore[import-not-found]  # noqa: F401
    assert frozen.unpack_compressed_extensions(tmp_path / "empty") is None


def test_the_server_restores_packed_modules_once_it_serves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    zstandard = pytest.importorskip("zstandard")
    source = b"ANSWER = 7\n"
    (tmp_path / "sparkhouse_later_probe.py.zst").write_bytes(
        zstandard.ZstdCompressor(level=3).compress(source)
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    thread = frozen.unpack_compressed_extensions(tmp_path)
    assert thread is not None
    try:
        assert thread.ident is None  # not during the start: nothing restored yet
        assert not (tmp_path / "sparkhouse_later_probe.py").exists()
        frozen.finish_unpacking()
        frozen.finish_unpacking()  # once only
        thread.join(timeout=10)
        assert (tmp_path / "sparkhouse_later_probe.py").read_bytes() == source
        import sparkhouse_later_probe  # type: ignore[import-not-found]

        assert sparkhouse_later_probe.ANSWER == 7
    finally:
        sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, frozen._AwaitUnpacked)]
