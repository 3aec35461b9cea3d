"""Votes on comments through HTTP on a real server (codincod-contract.md §3.5): one per user
and comment, the same type again takes it back, the other switches it, the counts recounted —
also under concurrent votes — and the vote limit of 20 a minute per address."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from typing import Any

import httpx
import pytest

from tests.arena.comments.support import (
    comment,
    puzzle,
    read,
    reply,
    stored_votes,
    thread,
    vote,
)
from tests.arena.conftest import sign_up, signed_up
from tests.conftest import RunningServer


def _counts(body: dict[str, Any]) -> tuple[int, int]:
    return int(body["upvote"]), int(body["downvote"])


def test_cast_take_back_and_switch_with_several_users(arena_server: RunningServer) -> None:
    url = arena_server.url
    with signed_up(url) as alice, signed_up(url) as bob, signed_up(url) as carol:
        puzzle_id = puzzle(alice)
        top = comment(alice, puzzle_id)
        answer = reply(bob, top["_id"])

        voted = vote(bob, top["_id"], "upvote")
        # the comment, unpopulated: author and replies as ids
        assert voted["author"] == top["author"]["_id"]
        assert voted["comments"] == [answer["_id"]]
        assert voted["_id"] == top["_id"] and voted["parentId"] == puzzle_id
        assert voted["commentType"] == "puzzle-comment" and voted["text"] == top["text"]
        assert _counts(voted) == (1, 0)

        assert _counts(vote(carol, top["_id"], "upvote")) == (2, 0)
        assert _counts(vote(alice, top["_id"], "downvote")) == (2, 1)  # own comment: allowed
        assert _counts(vote(carol, top["_id"], "downvote")) == (1, 2)  # switched
        assert _counts(vote(bob, top["_id"], "upvote")) == (0, 2)  # taken back
        assert _counts(vote(bob, top["_id"], "upvote")) == (1, 2)  # cast again
        assert _counts(vote(alice, top["_id"], "downvote")) == (1, 1)  # taken back
        assert stored_votes(arena_server, top["_id"]) == {"upvote": 1, "downvote": 1}

        # the counts are the comment's wherever it is read; a reply's votes are its own
        assert _counts(read(url, top["_id"])) == (1, 1)
        assert _counts(thread(url, puzzle_id)[0]) == (1, 1)
        assert _counts(vote(alice, answer["_id"], "downvote")) == (0, 1)
        assert _counts(read(url, top["_id"])["comments"][0]) == (0, 1)
        assert _counts(read(url, top["_id"])) == (1, 1)

        # both prefixes, with the trailing slash
        again = alice.post(f"/api/comment/{answer['_id']}/vote/", json={"type": "downvote"})
        assert again.status_code == 200 and _counts(again.json()) == (0, 0)


def test_a_vote_must_be_upvote_or_downvote(arena_server: RunningServer) -> None:
    with signed_up(arena_server.url) as alice:
        top = comment(alice, puzzle(alice))
        for body in ({}, {"type": "sideways"}, {"type": "UPVOTE"}, {"type": 1}, "upvote"):
            refused = alice.post(f"/api/v1/comment/{top['_id']}/vote", json=body)
            assert refused.status_code == 400, (body, refused.text)
            assert refused.json()["error"] == "Validation Error"
        assert stored_votes(arena_server, top["_id"]) == {}


@pytest.fixture
def voters(arena_server: RunningServer) -> Iterator[Callable[[int], list[httpx.Client]]]:
    with ExitStack() as stack:

        def make(count: int) -> list[httpx.Client]:
            with ThreadPoolExecutor(8) as pool:
                clients = list(pool.map(lambda _: sign_up(arena_server.url), range(count)))
            for client in clients:
                stack.callback(client.close)
            return clients

        yield make


def test_concurrent_votes_never_lose_or_double_count(
    arena_server: RunningServer, voters: Callable[[int], list[httpx.Client]]
) -> None:
    crowd = voters(24)
    author = crowd[0]
    top = comment(author, puzzle(author))
    path = f"/api/v1/comment/{top['_id']}/vote"

    def at_once(kinds: list[str], clients: list[httpx.Client]) -> list[httpx.Response]:
        def send(pair: tuple[str, httpx.Client]) -> httpx.Response:
            kind, client = pair
            return client.post(path, json={"type": kind})

        with ThreadPoolExecutor(len(clients)) as pool:
            return list(pool.map(send, zip(kinds, clients, strict=True)))

    # everyone at once: 16 up, 8 down
    kinds = ["upvote"] * 16 + ["downvote"] * 8
    answers = at_once(kinds, crowd)
    assert all(answer.status_code == 200 for answer in answers), [a.text for a in answers]
    assert _counts(read(arena_server.url, top["_id"])) == (16, 8)
    # every answer saw a consistent count: its own vote and some of the others'
    assert all(1 <= sum(_counts(a.json())) <= 24 for a in answers)

    # everyone switches at once
    switched = ["downvote" if kind == "upvote" else "upvote" for kind in kinds]
    assert all(answer.status_code == 200 for answer in at_once(switched, crowd))
    assert _counts(read(arena_server.url, top["_id"])) == (8, 16)

    # one user (a downvoter now) sending the same vote ten times at once: the first switches
    # the vote, the nine after it toggle it, so none is left; the counts match the store
    assert all(a.status_code == 200 for a in at_once(["upvote"] * 10, [crowd[1]] * 10))
    stored = stored_votes(arena_server, top["_id"])
    assert _counts(read(arena_server.url, top["_id"])) == (
        stored.get("upvote", 0),
        stored.get("downvote", 0),
    )
    assert stored == {"upvote": 8, "downvote": 15}


def test_votes_are_limited_to_20_a_minute_per_address(
    make_server: Callable[..., RunningServer],
) -> None:
    running = make_server(env={"SPARKHOUSE_ARENA_SEED_SAMPLES": "false"})
    with signed_up(running.url) as alice:
        top = comment(alice, puzzle(alice))
        path = f"/api/v1/comment/{top['_id']}/vote"
        answers = [alice.post(path, json={"type": "upvote"}) for _ in range(21)]
        assert [a.status_code for a in answers] == [200] * 20 + [429]
        assert answers[0].headers["x-ratelimit-limit"] == "20"
        assert answers[0].headers["x-ratelimit-remaining"] == "19"
        refused = answers[-1]
        body = refused.json()
        assert body["statusCode"] == 429 and body["error"] == "Too Many Requests"
        assert body["retryAfter"] == int(refused.headers["retry-after"]) >= 1
        # 20 toggles: no vote left; the refused one changed nothing
        assert _counts(read(running.url, top["_id"])) == (0, 0)
        # other comment routes count against the global limit, not the vote one
        other = alice.get(f"/api/v1/comment/{top['_id']}")
        assert other.status_code == 200 and other.headers["x-ratelimit-limit"] == "100"
        created = alice.post(f"/api/v1/comment/{top['_id']}/comment", json={"text": "ok"})
        assert created.status_code == 201
