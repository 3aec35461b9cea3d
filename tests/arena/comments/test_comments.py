"""Comments through HTTP on a real server (codincod-contract.md §3.5): shapes, the populated
levels, the puzzle's thread, who may delete what and what goes with it, the 4xx answers."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.arena.comments.support import (
    ID,
    ISO,
    UNKNOWN_ID,
    account_id,
    comment,
    puzzle,
    read,
    reply,
    stored_comments,
    stored_ids,
    stored_votes,
    thread,
    vote,
)
from tests.arena.conftest import signed_up, unique_name
from tests.arena.puzzles.support import full_body, json_of, put, set_role
from tests.conftest import RunningServer


def _author(body: Any, client: httpx.Client) -> None:
    """``body`` is the populated author of ``client``'s user."""
    me = json_of(client.get("/api/v1/user/me"))
    assert body == {"_id": me["userId"], "username": me["username"], "role": "user"}


@pytest.mark.parametrize("prefix", ["/api/v1", "/api"])
def test_a_comment_on_a_puzzle_has_codincods_shape(
    arena_server: RunningServer, prefix: str
) -> None:
    with signed_up(arena_server.url) as alice:
        puzzle_id = puzzle(alice)
        answer = alice.post(
            f"{prefix}/puzzle/{puzzle_id}/comment/",
            json={"text": "Nice puzzle", "replyOn": UNKNOWN_ID, "upvote": 99},
        )
        assert answer.status_code == 201, answer.text
        created = answer.json()
        assert set(created) == {
            "_id",
            "author",
            "text",
            "upvote",
            "downvote",
            "commentType",
            "comments",
            "parentId",
            "createdAt",
            "updatedAt",
        }
        assert ID.fullmatch(created["_id"])
        _author(created["author"], alice)
        assert created["text"] == "Nice puzzle"
        assert (created["upvote"], created["downvote"]) == (0, 0)  # replyOn, upvote ignored
        assert created["commentType"] == "puzzle-comment"
        assert created["comments"] == []
        assert created["parentId"] == puzzle_id
        assert ISO.fullmatch(created["createdAt"]) and created["updatedAt"] == created["createdAt"]
        assert read(arena_server.url, created["_id"]) == created


def test_a_form_body_is_read_too(arena_server: RunningServer) -> None:
    with signed_up(arena_server.url) as alice:
        answer = alice.post(f"/api/v1/puzzle/{puzzle(alice)}/comment", data={"text": "from a form"})
        assert answer.status_code == 201 and answer.json()["text"] == "from a form"


def test_replies_hang_from_their_comment_at_any_depth_in_the_puzzles_thread(
    arena_server: RunningServer,
) -> None:
    url = arena_server.url
    with signed_up(url) as alice, signed_up(url) as bob:
        puzzle_id = puzzle(alice)
        top = comment(alice, puzzle_id, "first")
        answer = reply(bob, top["_id"], "a reply")
        assert answer["commentType"] == "comment-comment"
        assert answer["parentId"] == top["_id"]
        _author(answer["author"], bob)
        deeper = reply(alice, answer["_id"], "a reply to the reply")
        assert deeper["parentId"] == answer["_id"]
        assert deeper["commentType"] == "comment-comment"
        second = reply(alice, top["_id"], "another reply")
        # /api as well as /api/v1, with the trailing slash
        third = alice.post(f"/api/comment/{top['_id']}/comment/", json={"text": "third"})
        assert third.status_code == 201 and third.json()["parentId"] == top["_id"]

        # GET /comment/:id: the author and the replies populated one level, theirs as ids
        got = read(url, top["_id"])
        _author(got["author"], alice)
        assert [item["_id"] for item in got["comments"]] == [
            answer["_id"],
            second["_id"],
            third.json()["_id"],
        ]
        first_reply = got["comments"][0]
        _author(first_reply["author"], bob)
        assert first_reply["comments"] == [deeper["_id"]]
        assert first_reply["text"] == "a reply" and first_reply["parentId"] == top["_id"]
        assert read(url, answer["_id"])["comments"][0]["_id"] == deeper["_id"]

        # GET /puzzle/:id: only the top-level comments, each populated, replies as ids
        other = comment(bob, puzzle_id, "second")
        comments = thread(url, puzzle_id)
        assert [item["_id"] for item in comments] == [top["_id"], other["_id"]]
        _author(comments[0]["author"], alice)
        _author(comments[1]["author"], bob)
        assert comments[0]["comments"] == [item["_id"] for item in got["comments"]]
        assert comments[1]["comments"] == []
        assert all(item["commentType"] == "puzzle-comment" for item in comments)
        # read another way (rows straight from the driver): each is its own page's JSON
        for item in comments:
            own = read(url, item["_id"])
            assert {**own, "comments": [each["_id"] for each in own["comments"]]} == item
        # every reply is in the puzzle's thread (deleting the puzzle takes them)
        assert stored_comments(arena_server, puzzle_id) == 6


def test_a_puzzle_put_keeps_its_comments_and_lists_carry_none(
    arena_server: RunningServer,
) -> None:
    with signed_up(arena_server.url) as alice:
        puzzle_id = puzzle(alice)
        top = comment(alice, puzzle_id)
        saved = json_of(put(alice, puzzle_id, full_body(validators=[], comments=[])))
        assert saved["comments"] == []  # PUT answers unpopulated, and never writes comments
        assert [item["_id"] for item in thread(arena_server.url, puzzle_id)] == [top["_id"]]
        name = json_of(alice.get("/api/v1/user/me"))["username"]
        listed = json_of(alice.get(f"/api/v1/user/{name}/puzzle"))["items"]
        assert listed[0]["comments"] == []


def test_text_is_1_to_320_characters(arena_server: RunningServer) -> None:
    with signed_up(arena_server.url) as alice:
        puzzle_id = puzzle(alice)
        top = comment(alice, puzzle_id)
        for path in (
            f"/api/v1/puzzle/{puzzle_id}/comment",
            f"/api/v1/comment/{top['_id']}/comment",
        ):
            for body in ({"text": ""}, {"text": "x" * 321}, {}, {"text": 5}, []):
                refused = alice.post(path, json=body)
                assert refused.status_code == 400, (path, body, refused.text)
                problem = refused.json()
                assert problem["error"] == "Validation Error"
                assert problem["message"] == "Request validation failed"
                assert problem["details"]
            assert alice.post(path, json={"text": "x" * 320}).status_code == 201
            assert alice.post(path, json={"text": "é"}).status_code == 201
        # nothing half-made: the 2 good ones on each, and the first comment
        assert stored_comments(arena_server, puzzle_id) == 5


def test_unknown_and_malformed_ids(arena_server: RunningServer) -> None:
    url = arena_server.url
    with signed_up(url) as alice:
        for puzzle_id in (UNKNOWN_ID, "nope", "0123456789ABCDEF01234567"):
            refused = alice.post(f"/api/v1/puzzle/{puzzle_id}/comment", json={"text": "hi"})
            assert refused.status_code == 404, refused.text
            assert refused.json() == {"error": "Puzzle not found", "message": "Puzzle not found"}
        unknown = {"error": "Comment not found", "message": "Comment not found"}
        calls = (
            ("GET", "", None),
            ("DELETE", "", None),
            ("POST", "/comment", {"text": "hi"}),
            ("POST", "/vote", {"type": "upvote"}),
        )
        for method, tail, body in calls:
            answer = alice.request(method, f"/api/v1/comment/{UNKNOWN_ID}{tail}", json=body)
            assert answer.status_code == 404, (method, tail, answer.text)
            assert answer.json() == unknown
            for malformed in ("nope", "0123456789ABCDEF01234567", "0" * 25):
                answer = alice.request(method, f"/api/v1/comment/{malformed}{tail}", json=body)
                assert answer.status_code == 400, (method, malformed, answer.text)
                assert answer.json()["details"][0]["path"] == "id"


def test_writes_need_a_token_reads_do_not(arena_server: RunningServer) -> None:
    url = arena_server.url
    with signed_up(url) as alice:
        puzzle_id = puzzle(alice)
        top = comment(alice, puzzle_id)
    writes = (
        ("POST", f"/api/v1/puzzle/{puzzle_id}/comment", {"text": "hi"}),
        ("POST", f"/api/v1/comment/{top['_id']}/comment", {"text": "hi"}),
        ("POST", f"/api/v1/comment/{top['_id']}/vote", {"type": "upvote"}),
        ("DELETE", f"/api/v1/comment/{top['_id']}", None),
    )
    for method, path, body in writes:
        answer = httpx.request(method, url + path, json=body)
        assert answer.status_code == 401, (method, path)
        assert answer.json()["message"] == "No authentication token provided"
        spoiled = httpx.request(method, url + path, json=body, cookies={"token": "not.a.jwt"})
        assert spoiled.status_code == 400, (method, path)
    assert read(url, top["_id"])["_id"] == top["_id"]
    assert stored_comments(arena_server, puzzle_id) == 1


def test_only_the_author_or_a_moderator_deletes_and_the_replies_go_with_it(
    arena_server: RunningServer,
) -> None:
    url = arena_server.url
    moderator_name = unique_name("mod")
    with (
        signed_up(url) as alice,
        signed_up(url) as bob,
        signed_up(url, moderator_name) as moderator,
    ):
        set_role(arena_server, moderator_name, "moderator")
        puzzle_id = puzzle(alice)
        top = comment(alice, puzzle_id)
        kept = comment(bob, puzzle_id)
        first = reply(bob, top["_id"])
        deeper = reply(alice, first["_id"])
        deepest = reply(bob, deeper["_id"])
        sibling = reply(alice, top["_id"])
        for voter in (alice, bob):
            vote(voter, deeper["_id"], "upvote")

        # someone else (here: the author of a reply under it) may not
        refused = bob.delete(f"/api/v1/comment/{top['_id']}")
        assert refused.status_code == 403, refused.text
        assert refused.json()["message"] == "Not authorized to delete this comment"
        assert len(read(url, top["_id"])["comments"]) == 2

        # the author deletes a reply: it leaves its parent's list, its replies go with it
        assert alice.delete(f"/api/comment/{deeper['_id']}").status_code == 204
        assert [item["_id"] for item in read(url, top["_id"])["comments"]] == [
            first["_id"],
            sibling["_id"],
        ]
        assert read(url, first["_id"])["comments"] == []
        assert stored_ids(arena_server, [deeper["_id"], deepest["_id"]]) == set()
        assert stored_votes(arena_server, deeper["_id"]) == {}
        assert httpx.get(f"{url}/api/v1/comment/{deepest['_id']}").status_code == 404
        assert alice.delete(f"/api/v1/comment/{deeper['_id']}").status_code == 404

        # a moderator deletes anyone's: the whole thread under it goes, nothing orphaned
        assert moderator.delete(f"/api/v1/comment/{top['_id']}/").status_code == 204
        assert stored_ids(arena_server, [top["_id"], first["_id"], sibling["_id"]]) == set()
        assert [item["_id"] for item in thread(url, puzzle_id)] == [kept["_id"]]
        assert stored_comments(arena_server, puzzle_id) == 1

        # a moderator demoted is a user again at once (the role is read from the store)
        set_role(arena_server, moderator_name, "user")
        assert moderator.delete(f"/api/v1/comment/{kept['_id']}").status_code == 403


def test_deleting_a_puzzle_takes_its_whole_thread_and_the_votes(
    arena_server: RunningServer,
) -> None:
    url = arena_server.url
    with signed_up(url) as alice, signed_up(url) as bob:
        puzzle_id = puzzle(alice)
        other_puzzle = puzzle(alice)
        top = comment(bob, puzzle_id)
        answer = reply(alice, top["_id"])
        deeper = reply(bob, answer["_id"])
        vote(alice, top["_id"], "upvote")
        vote(bob, deeper["_id"], "downvote")
        elsewhere = comment(bob, other_puzzle)
        assert alice.delete(f"/api/v1/puzzle/{puzzle_id}").status_code == 204
        gone = [top["_id"], answer["_id"], deeper["_id"]]
        assert stored_ids(arena_server, gone) == set()
        assert stored_votes(arena_server, top["_id"]) == {}
        assert stored_votes(arena_server, deeper["_id"]) == {}
        assert httpx.get(f"{url}/api/v1/comment/{answer['_id']}").status_code == 404
        assert [item["_id"] for item in thread(url, other_puzzle)] == [elsewhere["_id"]]


def test_a_banned_user_may_read_but_not_comment_reply_vote_or_delete(
    arena_server: RunningServer,
) -> None:
    url = arena_server.url
    moderator_name = unique_name("mod")
    with signed_up(url) as alice, signed_up(url) as bob, signed_up(url, moderator_name) as mod:
        set_role(arena_server, moderator_name, "moderator")
        puzzle_id = puzzle(alice)
        top = comment(bob, puzzle_id)
        banned = mod.post(
            f"/api/v1/moderation/user/{account_id(bob)}/ban/permanent",
            json={"reason": "Spamming the comments"},
        )
        assert banned.status_code in (200, 201), banned.text
        writes = (
            ("POST", f"/api/v1/puzzle/{puzzle_id}/comment", {"text": "hi"}),
            ("POST", f"/api/v1/comment/{top['_id']}/comment", {"text": "hi"}),
            ("POST", f"/api/v1/comment/{top['_id']}/vote", {"type": "upvote"}),
            ("DELETE", f"/api/v1/comment/{top['_id']}", None),
        )
        for method, path, body in writes:
            refused = bob.request(method, path, json=body)
            assert refused.status_code == 403, (method, path, refused.text)
            answer = refused.json()
            assert answer["error"] == (
                "You have been permanently banned. Reason: Spamming the comments"
            )
            assert answer["banDetails"] == {
                "type": "permanent",
                "reason": "Spamming the comments",
                "endDate": None,
            }
        assert bob.get(f"/api/v1/comment/{top['_id']}").status_code == 200
        assert [item["_id"] for item in thread(url, puzzle_id)] == [top["_id"]]
        assert stored_comments(arena_server, puzzle_id) == 1


def test_comment_paths_never_reach_the_spark_board(arena_server: RunningServer) -> None:
    spark = {"color": [1, 0.5, 0], "radius": 10, "transparency": 0.2, "time_to_grow": 1}
    for method in ("POST", "PUT", "PATCH"):
        answer = httpx.request(method, f"{arena_server.url}/api/comment/{UNKNOWN_ID}", json=spark)
        assert answer.status_code in (404, 405), answer.text
