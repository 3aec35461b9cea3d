"""``sparkhouse arena import-legacy``: the fixture export (fixtures/make_export.py: a few
hundred documents of every collection, CodinCod's quirks and a bad row each) imported by the
real command, then read through HTTP on a real server started on that data dir; the report's
counts and reasons, a second run that changes nothing, ``--only``, ``--dry-run``, and the
refusal while a server holds the data dir."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.arena.conftest import QUIET
from tests.arena.legacy.fixtures.make_export import (
    BAN,
    CHAT,
    COMMENT,
    GAME,
    LANG,
    PUZZLE,
    SUB,
    USER,
    oid,
    password,
)
from tests.conftest import RunningServer, start_server

EXPORT = Path(__file__).parent / "fixtures" / "codincod"
EXPECTED = {  # collection: (imported, skipped, invalid) of a first run
    "programminglanguages": (4, 0, 1),
    "users": (40, 0, 2),
    "userbans": (3, 0, 1),
    "puzzles": (30, 0, 1),
    "submissions": (120, 0, 1),
    "games": (15, 0, 1),
    "chatmessages": (30, 0, 1),
    "comments": (40, 0, 1),
    "uservotes": (30, 1, 1),
    "reports": (10, 0, 1),
    "preferences": (10, 0, 1),
    "usermetrics": (8, 0, 1),
}
ARENA_TABLES = (
    "users",
    "arena_accounts",
    "arena_bans",
    "arena_languages",
    "arena_puzzles",
    "arena_validators",
    "arena_submissions",
    "arena_games",
    "arena_game_players",
    "arena_chat_messages",
    "arena_comments",
    "arena_comment_votes",
    "arena_reports",
    "arena_preferences",
    "arena_user_metrics",
    "arena_legacy_ids",
)


def import_legacy(
    data_dir: Path, *args: str, source: Path = EXPORT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "appliance",
            "arena",
            "import-legacy",
            str(source),
            "--data-dir",
            str(data_dir),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def report_of(data_dir: Path, *args: str) -> dict[str, Any]:
    done = import_legacy(data_dir, "--json", *args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def counts(report: dict[str, Any]) -> dict[str, tuple[int, int, int]]:
    return {
        name: (outcome["imported"], outcome["skipped"], outcome["invalid"])
        for name, outcome in report["collections"].items()
    }


def snapshot(data_dir: Path) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(data_dir / "sparkhouse.db") as db:
        return {
            table: sorted(db.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
            for table in ARENA_TABLES
        }


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, dict[str, Any]]]:
    data_dir = tmp_path_factory.mktemp("legacy") / "data"
    done = import_legacy(data_dir, "--json")
    assert done.returncode == 0, done.stderr
    assert "users" in done.stderr  # progress per collection, on stderr
    yield data_dir, json.loads(done.stdout)


@pytest.fixture(scope="module")
def served(imported: tuple[Path, dict[str, Any]]) -> Iterator[RunningServer]:
    running = start_server(imported[0], QUIET)
    yield running
    running.stop()


def test_the_report_counts_each_collection_with_reasons(
    imported: tuple[Path, dict[str, Any]],
) -> None:
    _, report = imported
    assert report["dryRun"] is False
    assert list(report["collections"]) == list(EXPECTED)  # dependency order
    assert counts(report) == EXPECTED
    reasons = {
        name: [r["reason"] for kind in o["reasons"].values() for r in kind]
        for name, o in report["collections"].items()
    }
    assert any(r.startswith("not Extended JSON") for r in reasons["users"])
    assert any("username" in r for r in reasons["users"])
    assert reasons["userbans"] == ["banType 'forever' is not temporary or permanent"]
    assert reasons["games"] == ["options.mode 'chaos' is not a game mode"]
    assert reasons["puzzles"] == [f"author {oid(USER, 950)} is not an imported user"]
    assert "the user's vote on this comment is here already" in reasons["uservotes"]
    invalid_user = report["collections"]["users"]["reasons"]["invalid"]
    assert {example for r in invalid_user for example in r["examples"]} >= {oid(USER, 900)}


def test_imported_users_log_in_with_their_old_passwords(
    served: RunningServer, imported: tuple[Path, dict[str, Any]]
) -> None:
    with httpx.Client(base_url=served.url, timeout=30) as client:
        answer = client.post(
            "/api/v1/login", json={"identifier": "coder_03", "password": password(3)}
        )
        assert answer.status_code == 200, answer.text
        me = client.get("/api/v1/user/me").json()
        assert me["userId"] == oid(USER, 3) and me["role"] == "user"
        # emails are lower-cased: the mixed-case address logs in as typed in lower case
        by_email = client.post(
            "/api/v1/login", json={"identifier": "coder.3@example.org", "password": password(3)}
        )
        assert by_email.status_code == 200, by_email.text
        wrong = client.post(
            "/api/v1/login", json={"identifier": "coder_04", "password": password(3)}
        )
        assert wrong.status_code == 400
    with sqlite3.connect(imported[0] / "sparkhouse.db") as db:
        (upgraded,) = db.execute(
            "SELECT password_hash FROM users WHERE id = ?", (oid(USER, 3),)
        ).fetchone()
        (kept,) = db.execute(
            "SELECT password_hash FROM users WHERE id = ?", (oid(USER, 4),)
        ).fetchone()
    assert not upgraded.startswith("legacy$")  # rehashed by the first login
    assert kept.startswith("legacy$$2a$")
    with httpx.Client(base_url=served.url, timeout=30) as client:  # and still logs in
        again = client.post(
            "/api/v1/login", json={"identifier": "coder_03", "password": password(3)}
        )
        assert again.status_code == 200


def test_users_keep_their_ids_roles_profiles_and_bans(served: RunningServer) -> None:
    with httpx.Client(base_url=served.url, timeout=30) as client:
        record = client.get("/api/v1/user/coder_05").json()["user"]
        assert record["_id"] == oid(USER, 5)
        assert record["role"] == "moderator"  # roles: ["user", "moderator"]
        record = client.get("/api/v1/user/coder_00").json()["user"]
        assert record["role"] == "user"  # roles: ["user"]
        assert record["profile"] == {"bio": "bio of 0", "location": "Ghent"}
        assert record["createdAt"] == "2024-03-01T12:00:00.000Z"
        seven = client.get("/api/v1/user/coder_07").json()["user"]
        assert seven["currentBan"] == oid(BAN, 0)
        banned = client.post(
            "/api/v1/login", json={"identifier": "coder_07", "password": password(7)}
        )
        assert banned.status_code == 200
        assert client.get("/api/v1/puzzle").status_code == 200


def test_puzzles_submissions_and_comments_answer_under_their_old_ids(
    served: RunningServer,
) -> None:
    with httpx.Client(base_url=served.url, timeout=30) as client:
        puzzle = client.get(f"/api/v1/puzzle/{oid(PUZZLE, 0)}")
        assert puzzle.status_code == 200, puzzle.text
        body = puzzle.json()
        assert body["_id"] == oid(PUZZLE, 0)
        assert body["title"] == "Legacy puzzle 0"
        assert body["author"]["username"] == "coder_00"
        assert body["difficulty"] == "beginner" and body["visibility"] == "approved"
        comments = body["comments"]
        assert [c["_id"] for c in comments] == [oid(COMMENT, 0)]
        assert comments[0]["text"] == "comment 0 on puzzle 0"

        # a reply imported from a document without parentId, found through comments[]
        parent = client.get(f"/api/v1/comment/{oid(COMMENT, 10)}")
        assert parent.status_code == 200, parent.text
        replies = parent.json()["comments"]
        assert [r["_id"] if isinstance(r, dict) else r for r in replies] == [oid(COMMENT, 35)]

        # the puzzle's solution in the language its string named ("javascript")
        with httpx.Client(base_url=served.url, timeout=30) as author:
            author.post("/api/v1/login", json={"identifier": "coder_01", "password": password(1)})
            solution = author.get(f"/api/v1/puzzle/{oid(PUZZLE, 1)}/solution")
            assert solution.status_code == 200, solution.text
            language = solution.json()["solution"]["programmingLanguage"]
            language_id = language["_id"] if isinstance(language, dict) else language
            assert language_id == oid(LANG, 1)

            submission = author.get(f"/api/v1/submission/{oid(SUB, 4)}")
            assert submission.status_code == 200, submission.text
            record = submission.json()
            assert record["_id"] == oid(SUB, 4)
            language = record.get("programmingLanguage")
            assert (language["_id"] if isinstance(language, dict) else language) == oid(LANG, 1)
            assert record["result"]["successRate"] == 1


def test_games_chat_votes_reports_preferences_and_metrics_are_in_the_store(
    served: RunningServer, imported: tuple[Path, dict[str, Any]]
) -> None:
    with httpx.Client(base_url=served.url, timeout=30) as client:
        board = client.get("/api/v1/leaderboard/fastest")
        assert board.status_code == 200, board.text
        names = [entry["username"] for entry in board.json()["entries"]]
        assert "coder_07" in names and len(names) >= 8
        shortest = client.get(f"/api/v1/leaderboard/user/{oid(USER, 1)}")
        assert shortest.status_code == 200
    with sqlite3.connect(imported[0] / "sparkhouse.db") as db:
        players = db.execute(
            "SELECT count(*) FROM arena_game_players WHERE game_id = ?", (oid(GAME, 1),)
        ).fetchone()
        assert players == (3,)
        linked = db.execute(
            "SELECT count(*) FROM arena_submissions WHERE game_id IS NOT NULL"
        ).fetchone()[0]
        assert linked > 0
        (options,) = db.execute(
            "SELECT options FROM arena_games WHERE id = ?", (oid(GAME, 1),)
        ).fetchone()
        assert json.loads(options)["allowedLanguages"] == [oid(LANG, 0), oid(LANG, 1)]
        assert db.execute(
            "SELECT is_deleted FROM arena_chat_messages WHERE id = ?", (oid(CHAT, 3),)
        ).fetchone() == (1,)
        assert db.execute("SELECT count(*) FROM arena_comment_votes").fetchone() == (30,)
        assert db.execute("SELECT count(*) FROM arena_reports").fetchone() == (10,)
        editor = db.execute(
            "SELECT editor, theme FROM arena_preferences WHERE account_id = ?", (oid(USER, 0),)
        ).fetchone()
        assert json.loads(editor[0]) == {"keymap": "vim", "lineNumbers": False}
        assert editor[1] == "light"
        # a language named only by a string is added: rust 1.68.2 (legacy solutions)
        assert db.execute(
            "SELECT count(*) FROM arena_languages WHERE language = 'rust' AND version = '1.68.2'"
        ).fetchone() == (1,)


def test_a_second_run_skips_everything_and_changes_nothing(
    served: RunningServer, imported: tuple[Path, dict[str, Any]]
) -> None:
    data_dir = imported[0]
    refused = import_legacy(data_dir)
    assert refused.returncode == 2
    assert "in use" in refused.stderr and "stop it" in refused.stderr
    served.stop()
    before = snapshot(data_dir)
    again = report_of(data_dir, "--quiet")
    after = snapshot(data_dir)
    assert after == before
    for name, (imported_count, skipped, invalid) in counts(again).items():
        first = EXPECTED[name]
        assert imported_count == 0, name
        assert skipped == first[0] + first[1], name
        assert invalid == first[2], name


def test_dry_run_reports_the_same_and_writes_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    dry = report_of(data_dir, "--dry-run", "--quiet")
    assert dry["dryRun"] is True
    assert counts(dry) == EXPECTED
    assert not (data_dir / "sparkhouse.db").exists()
    # on a store that has rows: the file is left exactly as it was
    report_of(data_dir, "--only", "users", "--quiet")
    before = (data_dir / "sparkhouse.db").read_bytes()
    dry = report_of(data_dir, "--dry-run", "--quiet")
    assert counts(dry)["users"] == (0, 40, 2)
    assert counts(dry)["puzzles"] == EXPECTED["puzzles"]
    assert (data_dir / "sparkhouse.db").read_bytes() == before


def test_only_imports_the_named_collections(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    users = report_of(data_dir, "--only", "users", "--quiet")
    assert counts(users) == {"users": EXPECTED["users"]}
    both = report_of(data_dir, "--only", "puzzles", "--only", "programminglanguages", "--quiet")
    assert counts(both) == {
        "programminglanguages": EXPECTED["programminglanguages"],
        "puzzles": EXPECTED["puzzles"],
    }
    with sqlite3.connect(data_dir / "sparkhouse.db") as db:
        assert db.execute("SELECT count(*) FROM arena_submissions").fetchone() == (0,)
        assert db.execute("SELECT count(*) FROM arena_puzzles").fetchone() == (30,)
    bad = import_legacy(data_dir, "--only", "nonsense")
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_bad_rows_never_stop_the_run_and_leave_nothing_half_written(tmp_path: Path) -> None:
    """A puzzle whose second validator is malformed: neither it nor its first validator are
    written; the next puzzle is; a file that is garbage throughout is all invalid."""
    source = tmp_path / "export"
    source.mkdir()
    user = {"_id": {"$oid": "aaaaaaaaaaaaaaaaaaaaaaaa"}, "username": "solo", "email": "S@x.org"}
    (source / "users.json").write_text(json.dumps(user) + "\n")
    good_validator = {"_id": {"$oid": "cccccccccccccccccccccccc"}, "input": "1", "output": "1"}
    broken = {
        "_id": {"$oid": "bbbbbbbbbbbbbbbbbbbbbbbb"},
        "title": "half",
        "author": {"$oid": "aaaaaaaaaaaaaaaaaaaaaaaa"},
        "validators": [good_validator, {"input": 2}],
    }
    fine = {
        "_id": {"$oid": "dddddddddddddddddddddddd"},
        "title": "whole",
        "author": "aaaaaaaaaaaaaaaaaaaaaaaa",
        "validators": [good_validator],
        "createdAt": {"$date": "2023-01-02T03:04:05Z"},
    }
    (source / "puzzles.json").write_text(json.dumps([broken, fine]))
    (source / "comments.json").write_text("garbage\n{not json\n")
    data_dir = tmp_path / "data"
    done = import_legacy(data_dir, "--json", "--quiet", source=source)
    assert done.returncode == 0, done.stderr
    report = counts(json.loads(done.stdout))
    assert report["users"] == (1, 0, 0)
    assert report["puzzles"] == (1, 0, 1)
    assert report["comments"] == (0, 0, 2)
    assert report["submissions"] == (0, 0, 0)  # a missing file is an empty collection
    with sqlite3.connect(data_dir / "sparkhouse.db") as db:
        assert db.execute("SELECT id FROM arena_puzzles").fetchall() == [("d" * 24,)]
        assert db.execute("SELECT puzzle_id FROM arena_validators").fetchall() == [("d" * 24,)]
        assert db.execute("SELECT email FROM users").fetchall() == [("s@x.org",)]
        assert db.execute(
            "SELECT collection, legacy_id FROM arena_legacy_ids ORDER BY collection"
        ).fetchall() == [("puzzles", "d" * 24), ("users", "a" * 24)]


WRONG_SHAPES = {
    "users.json": [
        {"_id": {"$oid": "a" * 24}, "username": "solo", "email": 5, "password": 7,
         "profile": "x", "roles": "moderator", "reportCount": "3", "createdAt": "garbage"},
        {"_id": 5, "username": "trio"},
    ],
    "puzzles.json": [
        {"_id": {"$oid": "b" * 24}, "title": {"a": 1}, "author": "a" * 24},
        {"_id": {"$oid": "c" * 24}, "title": "t", "author": "a" * 24, "validators": "abc",
         "comments": 7, "solution": "x", "tags": 5},
        {"_id": {"$oid": "d" * 24}, "title": "t", "author": "a" * 24,
         "solution": {"code": 5, "programmingLanguage": {"language": 5}}},
    ],
    "submissions.json": [
        {"_id": {"$oid": "e" * 24}, "puzzle": "d" * 24, "user": "a" * 24,
         "programmingLanguage": ["x"], "result": 5},
        {"_id": {"$oid": "f" * 24}, "puzzle": "d" * 24, "user": "a" * 24,
         "programmingLanguage": "python", "result": {"successRate": "x"}, "code": 5},
    ],
    "games.json": [
        {"_id": {"$oid": "1" * 24}, "puzzle": "d" * 24, "players": 5, "options": "x",
         "playerSubmissions": 7, "startTime": 5, "endTime": "x"},
        {"_id": {"$oid": "2" * 24}, "puzzle": "d" * 24, "options": {"mode": ["x"]}},
    ],
}  # fmt: skip


def test_documents_of_the_wrong_shape_are_reported_not_fatal(tmp_path: Path) -> None:
    source = tmp_path / "export"
    source.mkdir()
    for name, documents in WRONG_SHAPES.items():
        (source / name).write_text("\n".join(json.dumps(d) for d in documents) + "\n")
    done = import_legacy(tmp_path / "data", "--json", "--quiet", source=source)
    assert done.returncode == 0, done.stderr
    report = counts(json.loads(done.stdout))
    assert report["users"] == (1, 0, 1)
    assert report["puzzles"] == (2, 0, 1)
    assert report["submissions"] == (1, 0, 1)
    assert report["games"] == (1, 0, 1)
    with sqlite3.connect(tmp_path / "data" / "sparkhouse.db") as db:
        assert db.execute("SELECT role, email, password_hash FROM users").fetchall() == [
            ("moderator", None, None)
        ]
        assert db.execute("SELECT success_rate, code FROM arena_submissions").fetchall() == [
            (0.0, "")
        ]


def test_a_store_of_an_older_version_with_every_parts_revisions_is_upgraded(
    tmp_path: Path,
) -> None:
    """A server's store (the analytics' revisions in it too) from before the import existed:
    the import brings it up to date as the server would, every part's branch known."""
    from appliance.platform.store import SCHEMA

    data_dir = tmp_path / "data"
    data_dir.mkdir()
    with sqlite3.connect(data_dir / "sparkhouse.db") as db:
        db.executescript(SCHEMA.read_text(encoding="utf-8"))
        db.execute("DROP TABLE arena_legacy_ids")
        db.execute(
            "UPDATE alembic_version SET version_num = 'arena_0003_games' "
            "WHERE version_num = 'arena_0004_legacy'"
        )
    assert counts(report_of(data_dir, "--only", "users", "--quiet")) == {"users": EXPECTED["users"]}
    with sqlite3.connect(data_dir / "sparkhouse.db") as db:
        versions = {row[0] for row in db.execute("SELECT version_num FROM alembic_version")}
    assert "arena_0004_legacy" in versions and "analytics_0002_goals" in versions


def test_the_import_runs_without_httpx_as_in_the_binary(tmp_path: Path) -> None:
    """The binary leaves httpx out (packaging/sparkhouse.spec: only the Piston client uses
    it): the import must not load it, e.g. through the languages' service."""
    script = (
        "import sys\n"
        "sys.modules['httpx'] = None  # importing it now fails, as in the binary\n"
        "from appliance.cli import main\n"
        "main(sys.argv[1:])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, "arena", "import-legacy", str(EXPORT), "--data-dir",
         str(tmp_path / "data"), "--json", "--quiet"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert counts(json.loads(done.stdout)) == EXPECTED
