"""The export's files as ``reader`` reads them (JSON lines or one array, Extended JSON in its
canonical and relaxed forms, bad lines named) and the conversions ``mapping`` makes of
CodinCod's quirks (old ``roles[]``, language strings, dates, ids)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from appliance.arena.legacy import reader
from appliance.arena.legacy.command import COLLECTIONS
from appliance.arena.legacy.mapping import _role, oid, when

CANONICAL = (
    '{"_id": {"$oid": "65E1C3400000000200000000"}, "at": {"$date": {"$numberLong": '
    '"1709294400000"}}, "n": {"$numberLong": "5"}, "i": {"$numberInt": "3"}, '
    '"f": {"$numberDouble": "0.5"}}'
)
RELAXED = (
    '{"_id": {"$oid": "65e1c3400000000200000001"}, "at": {"$date": "2024-03-01T12:00:00.250Z"}}'
)


def test_json_lines_in_canonical_and_relaxed_extended_json(tmp_path: Path) -> None:
    path = tmp_path / "users.json"
    path.write_text(f"{CANONICAL}\n\n{{not json\n[1, 2]\n{RELAXED}\n")
    entries = list(reader.read(path))
    assert [e.where for e in entries] == ["line 1", "line 3", "line 4", "line 5"]
    first = entries[0].document
    assert first is not None
    assert oid(first["_id"]) == "65e1c3400000000200000000"  # upper case read as lower
    assert when(first["at"]) == datetime(2024, 3, 1, 12, 0)
    assert (first["n"], first["i"], first["f"]) == (5, 3, 0.5)
    assert entries[1].error is not None and entries[1].error.startswith("not Extended JSON")
    assert entries[2].error == "not a document (an object)"
    last = entries[3].document
    assert last is not None and when(last["at"]) == datetime(2024, 3, 1, 12, 0, 0, 250000)


def test_a_json_array_and_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "puzzles.json"
    path.write_text(f"\ufeff  [\n{CANONICAL},\n{RELAXED}, 7]")
    entries = list(reader.read(path))
    assert [e.where for e in entries] == ["item 1", "item 2", "item 3"]
    assert entries[2].error == "not a document (an object)"
    assert list(reader.read(tmp_path / "comments.json")) == []
    broken = tmp_path / "games.json"
    broken.write_text("[{")
    assert [e.where for e in reader.read(broken)] == ["file"]


def test_values_in_every_form_codincod_wrote_them() -> None:
    assert _role({"roles": ["user", "moderator"]}) == "moderator"
    assert _role({"roles": ["admin", "user"]}) == "admin"
    assert _role({"roles": []}) == "user"
    assert _role({"role": "moderator"}) == "moderator"
    assert _role({"role": "wizard"}) == "user"
    assert oid({"_id": "65e1c3400000000200000000"}) == "65e1c3400000000200000000"
    assert oid("not an id") is None and oid(None) is None and oid(12) is None
    assert when("2024-03-01T12:00:00.000Z") == datetime(2024, 3, 1, 12, 0)
    assert when(1709294400000) == datetime(2024, 3, 1, 12, 0)
    assert when("yesterday") is None and when(True) is None


def test_the_collections_are_mongooses_twelve() -> None:
    assert sorted(COLLECTIONS) == sorted(
        [
            "users", "puzzles", "submissions", "games", "comments", "uservotes", "preferences",
            "programminglanguages", "reports", "chatmessages", "userbans", "usermetrics",
        ]
    )  # fmt: skip
    order = list(COLLECTIONS)
    for before, after in [
        ("users", "puzzles"),
        ("puzzles", "submissions"),
        ("submissions", "games"),
        ("games", "comments"),
        ("comments", "reports"),
        ("reports", "preferences"),
        ("programminglanguages", "puzzles"),
        ("games", "chatmessages"),
        ("comments", "uservotes"),
    ]:
        assert order.index(before) < order.index(after)
