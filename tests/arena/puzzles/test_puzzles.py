"""Puzzle CRUD through HTTP (codincod-contract.md §3.4): who may do what, the documents'
shapes, validation, and the decisions of issue 17 (malformed ids → 404, PUT keeps comments
and omitted fields)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.arena.conftest import QUIET, signed_up, unique_name
from tests.arena.puzzles.support import (
    UNKNOWN_ID,
    create,
    full_body,
    json_of,
    me,
    put,
    python_id,
    read,
    set_role,
)
from tests.conftest import RunningServer

ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
HEX24 = re.compile(r"[0-9a-f]{24}")
DOUBLE3 = [("1", "2"), ("2", "4"), ("3", "6")]


@pytest.fixture
def author(arena_server: RunningServer) -> Iterator[httpx.Client]:
    with signed_up(arena_server.url) as client:
        yield client


@pytest.fixture
def other(arena_server: RunningServer) -> Iterator[httpx.Client]:
    with signed_up(arena_server.url) as client:
        yield client


@pytest.fixture
def moderator(arena_server: RunningServer) -> Iterator[httpx.Client]:
    name = unique_name("mod")
    with signed_up(arena_server.url, name) as client:
        set_role(arena_server, name, "moderator")
        yield client


# -- create -------------------------------------------------------------------------------------


def test_create_answers_the_new_draft(author: httpx.Client) -> None:
    answer = author.post(
        "/api/v1/puzzle",
        json={"title": "Double it", "visibility": "approved", "difficulty": "expert"},
    )
    created = json_of(answer, 201)
    assert HEX24.fullmatch(created["_id"])
    assert created["author"] == me(author)["userId"]
    assert created["title"] == "Double it"
    assert created["visibility"] == "draft"  # everything but the title is ignored
    assert created["difficulty"] == "intermediate"
    assert created["validators"] == [] and created["tags"] == [] and created["comments"] == []
    assert created["solution"] == {"code": ""}
    assert ISO.fullmatch(created["createdAt"]) and ISO.fullmatch(created["updatedAt"])


@pytest.mark.parametrize("title", ["abc", "x" * 129, "   ab   ", None, 42])
def test_create_refuses_a_bad_title(author: httpx.Client, title: Any) -> None:
    answer = author.post("/api/v1/puzzle", json={"title": title})
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "Validation Error"


def test_create_needs_a_token(arena_server: RunningServer) -> None:
    answer = httpx.post(f"{arena_server.url}/api/v1/puzzle", json={"title": "Double it"})
    assert answer.status_code == 401
    assert answer.json()["message"] == "No authentication token provided"


# -- read ---------------------------------------------------------------------------------------


def test_a_puzzle_is_read_with_its_author_and_without_its_solution(
    arena_server: RunningServer, author: httpx.Client
) -> None:
    created = create(author)
    mine = me(author)
    for prefix in ("/api/v1", "/api"):
        for slash in ("", "/"):
            got = json_of(httpx.get(f"{arena_server.url}{prefix}/puzzle/{created['_id']}{slash}"))
            assert got["author"] == {
                "_id": mine["userId"],
                "username": mine["username"],
                "role": "user",
            }
            assert got["comments"] == []
            assert "solution" not in got
            assert got["visibility"] == "draft"  # any visibility is readable by id


@pytest.mark.parametrize(
    "puzzle_id", [UNKNOWN_ID, "nope", "ZZZZZZZZZZZZZZZZZZZZZZZZ", UNKNOWN_ID.upper(), "1" * 25]
)
def test_an_unknown_or_malformed_id_is_404_everywhere(author: httpx.Client, puzzle_id: str) -> None:
    for method, path in (
        ("GET", f"/api/v1/puzzle/{puzzle_id}"),
        ("GET", f"/api/v1/puzzle/{puzzle_id}/solution"),
        ("DELETE", f"/api/v1/puzzle/{puzzle_id}"),
    ):
        answer = author.request(method, path)
        assert answer.status_code == 404, (method, answer.text)
        assert answer.json()["error"] == "Puzzle not found"
    answer = put(author, puzzle_id, full_body())
    assert answer.status_code == 404 and answer.json()["error"] == "Puzzle not found"


# -- update -------------------------------------------------------------------------------------


def test_the_author_edits_and_gets_the_document_unpopulated(author: httpx.Client) -> None:
    created = create(author)
    language = python_id(author)
    body = full_body(
        title="  Double it again  ",
        validators=[("1  \n\n", "2 \t\n"), ("  3", "6")],
        language=language,
        visibility="review",
        author=UNKNOWN_ID,
        _id=UNKNOWN_ID,
        puzzleMetrics=UNKNOWN_ID,
        createdAt="2020-01-01T00:00:00.000Z",
        unknown="dropped",
    )
    updated = json_of(put(author, created["_id"], body))
    assert updated["_id"] == created["_id"]
    assert updated["author"] == created["author"]  # a bare id, and not the body's
    assert updated["createdAt"] == created["createdAt"]
    assert updated["title"] == "Double it again"
    assert updated["statement"] == "Print twice the number read."
    assert updated["difficulty"] == "beginner"
    assert updated["visibility"] == "draft"  # review with fewer than 10 validators
    assert updated["tags"] == ["math"]
    assert "solution" not in updated and "unknown" not in updated
    # right-trimmed, leading whitespace kept; each validator gets an id and dates
    assert [(v["input"], v["output"]) for v in updated["validators"]] == [("1", "2"), ("  3", "6")]
    assert all(
        HEX24.fullmatch(v["_id"]) and ISO.fullmatch(v["createdAt"]) for v in updated["validators"]
    )
    assert read(author, created["_id"])["validators"] == updated["validators"]


def test_omitted_fields_keep_their_value_but_difficulty_and_visibility_take_defaults(
    author: httpx.Client, moderator: httpx.Client
) -> None:
    created = create(author)
    json_of(put(moderator, created["_id"], full_body(visibility="revise", difficulty="expert")))
    first = read(author, created["_id"])
    validator_ids = [v["_id"] for v in first["validators"]]
    minimal = {"title": "Renamed", "solution": {"code": "print(1)"}}
    updated = json_of(put(author, created["_id"], minimal))
    assert updated["difficulty"] == "intermediate" and updated["visibility"] == "draft"
    assert updated["statement"] == first["statement"]
    assert updated["constraints"] == first["constraints"]
    assert updated["tags"] == first["tags"]
    assert [v["_id"] for v in updated["validators"]] == validator_ids


def test_validators_sent_back_keep_their_identity(author: httpx.Client) -> None:
    created = create(author)
    first = json_of(put(author, created["_id"], full_body(validators=[("1", "2"), ("2", "4")])))
    kept, dropped = first["validators"]
    body = full_body()
    body["validators"] = [
        {**kept, "output": "2"},
        {"input": "9", "output": "18"},
        {**kept, "input": "5", "output": "10"},  # the same id twice: the second is new
    ]
    second = json_of(put(author, created["_id"], body))["validators"]
    assert second[0]["_id"] == kept["_id"] and second[0]["createdAt"] == kept["createdAt"]
    assert len({v["_id"] for v in second}) == 3
    assert dropped["_id"] not in {v["_id"] for v in second}


def test_put_never_touches_comments(author: httpx.Client) -> None:
    created = create(author)
    body = full_body(comments=[UNKNOWN_ID, {"_id": UNKNOWN_ID, "text": "hi"}])
    assert json_of(put(author, created["_id"], body))["comments"] == []
    assert read(author, created["_id"])["comments"] == []


def test_only_the_author_or_a_moderator_edits(
    author: httpx.Client, other: httpx.Client, moderator: httpx.Client
) -> None:
    created = create(author)
    refused = put(other, created["_id"], full_body())
    assert refused.status_code == 403
    assert refused.json()["error"] == "Not authorized to edit this puzzle"
    assert json_of(put(moderator, created["_id"], full_body(title="By a moderator")))
    assert read(author, created["_id"])["title"] == "By a moderator"


def test_only_moderators_approve(author: httpx.Client, moderator: httpx.Client) -> None:
    created = create(author)
    refused = put(author, created["_id"], full_body(visibility="approved"))
    assert refused.status_code == 403, refused.text
    body = full_body(visibility="approved", moderationFeedback="Nice one")
    approved = json_of(put(moderator, created["_id"], body))
    assert approved["visibility"] == "approved"
    assert approved["moderationFeedback"] == "Nice one"
    # the author may not set feedback, nor keep approved (the form sends it back)
    again = put(author, created["_id"], full_body(visibility="approved"))
    assert again.status_code == 403
    edited = json_of(put(author, created["_id"], full_body(moderationFeedback="Mine")))
    assert edited["moderationFeedback"] == "Nice one"


def test_edits_need_a_token(arena_server: RunningServer, author: httpx.Client) -> None:
    created = create(author)
    answer = httpx.put(f"{arena_server.url}/api/v1/puzzle/{created['_id']}", json=full_body())
    assert answer.status_code == 401


@pytest.mark.parametrize(
    "change",
    [
        lambda body: body.pop("title"),
        lambda body: body.update(title="abc"),
        lambda body: body.pop("solution"),
        lambda body: body.update(statement="x" * 2049),
        lambda body: body.update(constraints="x" * 257),
        lambda body: body.update(validators=[{"input": "1", "output": "2"}] * 101),
        lambda body: body.update(validators=[{"input": "1"}]),
        lambda body: body.update(validators=[{"input": "x" * 20_000, "output": "1"}]),
        lambda body: body.update(validators=[{"input": "1", "output": "2", "createdAt": "no"}]),
        lambda body: body.update(tags=["cooking"]),
        lambda body: body.update(difficulty="impossible"),
        lambda body: body.update(visibility="public"),
        lambda body: body.update(solution={"code": "x", "programmingLanguage": "python"}),
        lambda body: body.update(solution={"code": "x", "programmingLanguage": {"_id": "no"}}),
        lambda body: body.update(solution={"code": 42}),
    ],
)
def test_invalid_edits_are_400_and_change_nothing(
    author: httpx.Client, change: Callable[[dict[str, Any]], Any]
) -> None:
    created = create(author)
    body = full_body()
    change(body)
    answer = put(author, created["_id"], body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "Validation Error"
    assert read(author, created["_id"])["title"] == created["title"]


def test_an_unknown_language_is_refused(author: httpx.Client) -> None:
    created = create(author)
    answer = put(author, created["_id"], full_body(language=UNKNOWN_ID))
    assert answer.status_code == 400
    assert answer.json()["message"] == "Unknown programming language"


def test_a_populated_language_is_accepted(author: httpx.Client) -> None:
    created = create(author)
    language = python_id(author)
    body = full_body(language={"_id": language, "language": "python", "version": "3"})
    json_of(put(author, created["_id"], body))
    solution = json_of(author.get(f"/api/v1/puzzle/{created['_id']}/solution"))["solution"]
    assert solution["programmingLanguage"]["_id"] == language


# -- delete -------------------------------------------------------------------------------------


def test_only_the_author_deletes_a_draft_or_ready_puzzle(
    author: httpx.Client, other: httpx.Client, moderator: httpx.Client
) -> None:
    created = create(author)
    path = f"/api/v1/puzzle/{created['_id']}"
    for someone in (other, moderator):  # moderators cannot either (CodinCod's rule)
        answer = someone.delete(path)
        assert answer.status_code == 403, answer.text
    answer = author.delete(path)
    assert answer.status_code == 204 and answer.content == b""
    assert author.get(path).status_code == 404
    assert author.delete(path).status_code == 404


@pytest.mark.parametrize("visibility", ["approved", "revise", "inactive", "archived"])
def test_a_puzzle_past_ready_cannot_be_deleted(
    author: httpx.Client, moderator: httpx.Client, visibility: str
) -> None:
    created = create(author)
    json_of(put(moderator, created["_id"], full_body(visibility=visibility)))
    assert read(author, created["_id"])["visibility"] == visibility
    answer = author.delete(f"/api/v1/puzzle/{created['_id']}")
    assert answer.status_code == 403
    assert "contact support" in answer.json()["message"]
    assert read(author, created["_id"])["_id"] == created["_id"]


# -- the solution -------------------------------------------------------------------------------


def test_the_solution_is_for_the_author_and_moderators(
    arena_server: RunningServer, author: httpx.Client, other: httpx.Client, moderator: httpx.Client
) -> None:
    created = create(author)
    language = python_id(author)
    json_of(put(author, created["_id"], full_body(language=language, validators=DOUBLE3)))
    path = f"/api/v1/puzzle/{created['_id']}/solution"
    for reader in (author, moderator):
        whole = json_of(reader.get(path))
        assert whole["solution"]["code"] == "print(int(input()) * 2)\n"
        populated = whole["solution"]["programmingLanguage"]
        assert populated["_id"] == language and populated["language"] == "python"
        assert whole["author"]["username"] == me(author)["username"]
        assert len(whole["validators"]) == 3 and whole["comments"] == []
    refused = other.get(path)
    assert refused.status_code == 403
    assert httpx.get(f"{arena_server.url}{path}").status_code == 401


# -- a user's puzzles ---------------------------------------------------------------------------


def test_a_user_sees_all_their_puzzles_and_others_only_approved_ones(
    make_server: Callable[..., RunningServer],
) -> None:
    server = make_server(env=QUIET)
    name = unique_name("author")
    mod_name = unique_name("mod")
    with (
        signed_up(server.url, name) as author,
        signed_up(server.url, mod_name) as moderator,
        signed_up(server.url) as other,
    ):
        set_role(server, mod_name, "moderator")
        drafts = [create(author, f"Draft {n}") for n in range(3)]
        approved = create(author, "Approved one")
        json_of(
            put(moderator, approved["_id"], full_body(title="Approved one", visibility="approved"))
        )
        path = f"/api/v1/user/{name}/puzzle"

        own = json_of(author.get(path, params={"pageSize": 2}))
        assert own["totalItems"] == 4 and own["totalPages"] == 2 and own["pageSize"] == 2
        assert len(own["items"]) == 2 and own["items"][0]["_id"] == drafts[0]["_id"]
        second = json_of(author.get(path, params={"page": 2, "pageSize": 2}))
        assert [p["_id"] for p in second["items"]] == [drafts[2]["_id"], approved["_id"]]

        anonymous_client = httpx.Client(base_url=server.url)
        for viewer in (other, anonymous_client):
            seen = json_of(viewer.get(path))
            assert seen["totalItems"] == 1
            (item,) = seen["items"]
            assert item["_id"] == approved["_id"]
            assert item["author"]["username"] == name and "solution" not in item

        anonymous_client.close()
        # a bad token is ignored, as no token
        anonymous = json_of(httpx.get(f"{server.url}{path}", cookies={"token": "garbage"}))
        assert anonymous["totalItems"] == 1

        assert author.get("/api/v1/user/nobody_here/puzzle").status_code == 404
        assert author.get("/api/v1/user/a!/puzzle").status_code == 400
        assert author.get(path, params={"pageSize": 0}).status_code == 400


# -- the list -----------------------------------------------------------------------------------


def test_the_list_pages_every_puzzle_with_its_author(
    make_server: Callable[..., RunningServer],
) -> None:
    server = make_server(env=QUIET)
    with signed_up(server.url) as author:
        mine = me(author)
        ids = [create(author, f"Puzzle {n:02d}")["_id"] for n in range(12)]
        first = json_of(author.get("/api/v1/puzzle"))
        assert (first["page"], first["pageSize"], first["totalPages"], first["totalItems"]) == (
            1,
            10,
            2,
            12,
        )
        assert [p["_id"] for p in first["items"]] == ids[:10]  # oldest first, drafts included
        item = first["items"][0]
        assert item["author"] == {
            "_id": mine["userId"],
            "username": mine["username"],
            "role": "user",
        }
        assert item["comments"] == [] and "solution" not in item
        assert "validators" not in item  # a list stays one query: read by id for them

        last = json_of(
            httpx.get(f"{server.url}/api/puzzle/", params={"page": "2", "pageSize": "10"})
        )
        assert [p["_id"] for p in last["items"]] == ids[10:]
        beyond = json_of(author.get("/api/v1/puzzle", params={"page": 5}))
        assert beyond["items"] == [] and beyond["totalItems"] == 12
        everything = json_of(author.get("/api/v1/puzzle", params={"pageSize": 100}))
        assert len(everything["items"]) == 12 and everything["totalPages"] == 1


@pytest.mark.parametrize(
    "params", [{"pageSize": 0}, {"pageSize": 101}, {"page": 0}, {"page": -1}, {"pageSize": "ten"}]
)
def test_pagination_bounds_are_400(arena_server: RunningServer, params: dict[str, Any]) -> None:
    answer = httpx.get(f"{arena_server.url}/api/v1/puzzle", params=params)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "Validation Error"
