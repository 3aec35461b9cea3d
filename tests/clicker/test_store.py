"""The snapshot file: atomic writes, the previous good copy, skips, and recovery at start-up."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import orjson
import pytest

from appliance.clicker.service import ClickEngine
from appliance.clicker.store import (
    HANDLE_KEY_NAME,
    PREVIOUS_NAME,
    SNAPSHOT_NAME,
    SnapshotStore,
    load_handle_key,
    parse_snapshot,
    write_snapshot_file,
)

A = "aaaaaaaa-0000-4000-8000-000000000001"
B = "bbbbbbbb-0000-4000-8000-000000000002"


def engine() -> ClickEngine:
    return ClickEngine(min_interval_ms=0)


def save(store: SnapshotStore, game: ClickEngine) -> bool:
    capture = store.try_capture(game)
    if capture is None:
        return False
    store.write(capture)
    return True


def scores(path: Path) -> dict[str, int]:
    return {record[0]: record[2] for record in parse_snapshot(path.read_bytes())}


def fingerprint(path: Path) -> tuple[int, int, int]:
    stat = path.stat()
    return stat.st_ino, stat.st_mtime_ns, stat.st_size


def test_round_trip_and_previous_copy(tmp_path: Path) -> None:
    store, game = SnapshotStore(tmp_path), engine()
    game.set_name(A, "Ada")
    game.click(A)
    assert save(store, game)
    assert scores(store.path) == {A: 1}
    assert not store.previous.exists()
    game.click(A)
    game.click(B)
    assert save(store, game)
    assert scores(store.path) == {A: 2, B: 1}
    assert scores(store.previous) == {A: 1}  # the previous good snapshot, kept beside it
    assert not store.temp.exists()

    reloaded = engine()
    reloaded.load(SnapshotStore(tmp_path).load())
    assert reloaded.top() == [
        {"handle": reloaded.handle(A), "name": "Ada", "score": 2},
        {"handle": reloaded.handle(B), "name": None, "score": 1},
    ]


def test_nothing_changed_means_the_file_is_not_touched(tmp_path: Path) -> None:
    store, game = SnapshotStore(tmp_path), engine()
    assert not save(store, game)  # empty game, no file
    assert not store.path.exists()
    game.click(A)
    assert save(store, game)
    before = fingerprint(store.path)
    game.view(A)
    game.top()
    assert not save(store, game)
    assert not save(store, game)
    assert fingerprint(store.path) == before
    assert store.skips == 3


def test_a_capture_is_a_consistent_copy(tmp_path: Path) -> None:
    store, game = SnapshotStore(tmp_path), engine()
    game.click(A)
    capture = store.try_capture(game)
    assert capture is not None
    # Clicks after the capture (while the writer thread works) are not in this snapshot ...
    game.click(A)
    game.click(B)
    assert store.try_capture(game) is None  # ... and no second capture while one is writing
    store.write(capture)
    assert scores(store.path) == {A: 1}
    assert save(store, game)  # ... they are in the next one
    assert scores(store.path) == {A: 2, B: 1}


def test_forgotten_players_leave_the_file(tmp_path: Path) -> None:
    clock = [1_700_000_000.0]
    game = ClickEngine(min_interval_ms=0, reset_after_seconds=10, clock=lambda: clock[0])
    store = SnapshotStore(tmp_path)
    game.click(A)
    game.set_name(B, "Bo")
    game.click(B)
    assert save(store, game)
    clock[0] += 11
    assert save(store, game)  # the capture applies the resets that fell due
    assert [record[:3] for record in parse_snapshot(store.path.read_bytes())] == [(B, "Bo", 0)]


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # truncated mid-write by a full disk
        lambda data: data[:-3],  # truncated at the very end
        lambda data: b"",
        lambda data: data.replace(b'"count":2', b'"count":3'),
        lambda data: data.replace(b'"players":{', b'"players":['),
        lambda data: data.replace(b"-0000-", b"-zzzz-", 1),
        lambda data: b'{"format":"something else"}',
    ],
)
def test_a_corrupt_snapshot_falls_back_to_the_previous_good_copy(
    tmp_path: Path, damage: object, caplog: pytest.LogCaptureFixture
) -> None:
    store, game = SnapshotStore(tmp_path), engine()
    game.click(A)
    save(store, game)
    game.click(A)
    game.click(B)
    save(store, game)
    store.path.write_bytes(damage(store.path.read_bytes()))  # type: ignore[operator]

    with caplog.at_level(logging.ERROR, logger="sparkhouse.clicker"):
        records = SnapshotStore(tmp_path).load()
    assert {record[0]: record[2] for record in records} == {A: 1}
    assert "unusable" in caplog.text
    moved = [p.name for p in tmp_path.iterdir() if ".corrupt-" in p.name]
    assert len(moved) == 1 and moved[0].startswith(SNAPSHOT_NAME)  # kept for inspection
    assert not store.path.exists() and store.previous.exists()


def test_after_a_fallback_the_good_copy_is_not_overwritten_by_the_bad_one(tmp_path: Path) -> None:
    write_snapshot_file(tmp_path / PREVIOUS_NAME, {A: (None, 5, 1e9)}, 1e9)
    (tmp_path / SNAPSHOT_NAME).write_bytes(b'{"format":"sparkhouse-clicker-snap')
    store, game = SnapshotStore(tmp_path), ClickEngine(reset_after_seconds=1e12)
    game.load(store.load())
    store.prime(game)
    assert save(store, game)  # rewritten at the first chance even though nothing changed
    assert scores(store.path) == {A: 5}
    assert scores(store.previous) == {A: 5}


def test_no_snapshot_is_an_empty_game_and_a_missing_main_file_uses_the_previous(
    tmp_path: Path,
) -> None:
    assert SnapshotStore(tmp_path / "new").load() == []
    write_snapshot_file(tmp_path / PREVIOUS_NAME, {A: ("Ada", 3, 1e9)}, 1e9)
    assert SnapshotStore(tmp_path).load() == [(A, "Ada", 3, 1e9)]


def test_both_copies_corrupt_starts_empty_and_keeps_the_files(tmp_path: Path) -> None:
    (tmp_path / SNAPSHOT_NAME).write_bytes(b"garbage")
    (tmp_path / PREVIOUS_NAME).write_bytes(b"[1,2")
    assert SnapshotStore(tmp_path).load() == []
    assert len([p for p in tmp_path.iterdir() if ".corrupt-" in p.name]) == 2


def test_a_failed_write_is_retried_and_keeps_the_old_snapshot(tmp_path: Path) -> None:
    store, game = SnapshotStore(tmp_path), engine()
    game.click(A)
    save(store, game)
    store.temp.mkdir()  # make the next write fail (root ignores permissions; a dir does not)
    game.click(A)
    assert save(store, game)
    assert scores(store.path) == {A: 1}  # untouched
    store.temp.rmdir()
    assert save(store, game)  # nothing new changed, but the failed write is redone
    assert scores(store.path) == {A: 2}


def test_the_file_is_one_json_document(tmp_path: Path) -> None:
    store, game = SnapshotStore(tmp_path), engine()
    game.set_name(A, 'Quote " and \\ slash')
    game.click(A)
    save(store, game)
    document = orjson.loads(store.path.read_bytes())
    assert document["format"] == "sparkhouse-clicker-snapshot"
    assert document["count"] == 1
    assert document["players"][A][:2] == ['Quote " and \\ slash', 1]
    assert os.stat(store.path).st_size == len(store.path.read_bytes())


def test_a_version_1_snapshot_still_loads(tmp_path: Path) -> None:
    """Version 1 kept the last click for players at 0 too; when they were named is unknown, so
    they count as idle since the file was saved (the forgetting clock starts there)."""
    saved_at = 1_700_000_000.5
    document = {
        "format": "sparkhouse-clicker-snapshot",
        "version": 1,
        "saved_at": saved_at,
        "count": 2,
        "players": {A: ["Ada", 0, 0.0], B: [None, 4, 1_699_999_990.0]},
    }
    (tmp_path / SNAPSHOT_NAME).write_bytes(orjson.dumps(document))
    store = SnapshotStore(tmp_path)
    records = store.load()
    assert records == [(A, "Ada", 0, saved_at), (B, None, 4, 1_699_999_990.0)]

    game = ClickEngine(reset_after_seconds=1e9, clock=lambda: saved_at + 60)
    game.load(records)
    store.prime(game)
    game.set_name(B, "Bo")
    assert save(store, game)  # the next write is version 2
    assert orjson.loads(store.path.read_bytes())["version"] == 2
    assert sorted(parse_snapshot(store.path.read_bytes())) == [
        (A, "Ada", 0, saved_at),
        (B, "Bo", 4, 1_699_999_990.0),
    ]


def test_the_handle_key_is_made_once_and_kept_private(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / HANDLE_KEY_NAME
    umask = os.umask(0)  # a permissive umask must not make the secret readable
    try:
        key = load_handle_key(tmp_path)
    finally:
        os.umask(umask)
    assert len(key) == 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_handle_key(tmp_path) == key  # kept across restarts: handles stay the same

    path.chmod(0o644)  # e.g. copied back from somewhere
    assert load_handle_key(tmp_path) == key
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    path.write_text("not hex")
    with caplog.at_level(logging.WARNING, logger="sparkhouse.clicker"):
        replaced = load_handle_key(tmp_path)
    assert len(replaced) == 32 and replaced != key
    assert "unreadable" in caplog.text
    assert load_handle_key(tmp_path) == replaced
