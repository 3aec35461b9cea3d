"""The sample puzzles: on a fresh start there is something to solve, added once per data dir
(deleting them does not bring them back), by an account nobody can sign in as."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from importlib import resources
from typing import Any

import httpx
import pytest

from tests.arena.conftest import PASSWORD, signed_up, unique_name
from tests.arena.puzzles.support import db, json_of, set_role
from tests.conftest import RunningServer

SEEDING = {"SPARKHOUSE_ARENA_RATE_LIMITS": "false"}


def listed_once_serving(server: RunningServer, at_least: int = 1) -> dict[str, Any]:
    """``GET /puzzle`` once the samples are in: the part adds them when serving begins,
    which may be just after the server first answers."""
    deadline = time.monotonic() + 20
    while True:
        page: dict[str, Any] = json_of(
            httpx.get(f"{server.url}/api/v1/puzzle", params={"pageSize": 100})
        )
        if page["totalItems"] >= at_least or time.monotonic() > deadline:
            return page
        time.sleep(0.1)


def samples() -> dict[str, Any]:
    text = resources.files("appliance.arena.puzzles").joinpath("data", "samples.json").read_text()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@pytest.mark.parametrize("sample", samples()["puzzles"], ids=lambda sample: sample["title"])
def test_each_sample_solution_passes_its_validators(sample: dict[str, Any]) -> None:
    """The data file is consistent: §8's rule, with this interpreter (the sandbox's)."""
    assert len(sample["validators"]) >= 10
    for validator in sample["validators"]:
        run = subprocess.run(
            [sys.executable, "-c", sample["solution"]],
            input=validator["input"],
            capture_output=True,
            text=True,
            timeout=10,
        )
        assert run.stdout.rstrip() == validator["output"].rstrip(), validator


def test_a_fresh_start_has_the_approved_samples_once(
    make_server: Callable[..., RunningServer],
) -> None:
    server = make_server(env=SEEDING)
    expected = {sample["title"] for sample in samples()["puzzles"]}
    listed = listed_once_serving(server)
    assert listed["totalItems"] == len(expected) >= 3
    assert {item["title"] for item in listed["items"]} == expected
    for item in listed["items"]:
        assert item["visibility"] == "approved"
        assert (
            len(json_of(httpx.get(f"{server.url}/api/v1/puzzle/{item['_id']}"))["validators"]) >= 10
        )
        assert item["author"]["username"] == "codincod"
    by_user = json_of(httpx.get(f"{server.url}/api/v1/user/codincod/puzzle"))
    assert by_user["totalItems"] == len(expected)

    # nobody signs in as their author
    login = httpx.post(
        f"{server.url}/api/v1/login", json={"identifier": "codincod", "password": PASSWORD}
    )
    assert login.status_code == 400

    # the solutions are Python, as installed, for a moderator to see
    name = unique_name("mod")
    with signed_up(server.url, name) as moderator:
        set_role(server, name, "moderator")
        whole = json_of(moderator.get(f"/api/v1/puzzle/{listed['items'][0]['_id']}/solution"))
        assert whole["solution"]["programmingLanguage"]["language"] == "python"
        assert whole["solution"]["code"]

    # a restart adds nothing, and gives samples added while the executor could not name
    # Python (here: made so by hand) their language
    server.stop()
    with db(server) as connection:
        connection.execute("UPDATE arena_puzzles SET solution_language_id = NULL")
    again = make_server(env=SEEDING, data_dir=server.data_dir)
    time.sleep(2)  # time to add them again, were it to
    assert listed_once_serving(again)["totalItems"] == len(expected)
    with db(again) as connection:
        missing = connection.execute(
            "SELECT count(*) FROM arena_puzzles WHERE solution_language_id IS NULL"
        ).fetchone()[0]
    assert missing == 0


def test_deleted_samples_do_not_come_back(make_server: Callable[..., RunningServer]) -> None:
    server = make_server(env=SEEDING)
    assert listed_once_serving(server)["totalItems"] >= 3
    server.stop()
    with db(server) as connection:  # approved puzzles: only an operator removes them
        connection.execute("PRAGMA foreign_keys=ON")
        connection.execute("DELETE FROM arena_puzzles")
    again = make_server(env=SEEDING, data_dir=server.data_dir)
    time.sleep(1)
    assert json_of(httpx.get(f"{again.url}/api/v1/puzzle"))["totalItems"] == 0


def test_no_samples_when_seeding_is_off(make_server: Callable[..., RunningServer]) -> None:
    server = make_server(env={**SEEDING, "SPARKHOUSE_ARENA_SEED_SAMPLES": "false"})
    time.sleep(1)
    assert json_of(httpx.get(f"{server.url}/api/v1/puzzle"))["totalItems"] == 0
    assert httpx.get(f"{server.url}/api/v1/user/codincod/puzzle").status_code == 404
