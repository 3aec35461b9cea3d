"""Users' pages through HTTP on a real server (codincod-contract.md §3.2): the public record
in the shape CodinCod's frontend checks (no secrets, no nulls where zod wants a value absent,
ISO dates with milliseconds), whether a name is free (case-sensitive), a user's puzzles with
the optional token (the owner sees drafts by cookie or Bearer; any token that does not verify
counts as none), and an activity with nothing in it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import jwt
import pytest

from tests.arena.conftest import signed_up, unique_name
from tests.arena.puzzles.support import create, db, full_body, json_of, me, put, set_role
from tests.conftest import RunningServer

ISO_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@pytest.fixture(scope="module")
def author(arena_server: RunningServer) -> Iterator[httpx.Client]:
    with signed_up(arena_server.url, unique_name("pages")) as client:
        yield client


@pytest.mark.parametrize("prefix", ["/api/v1", "/api"])
@pytest.mark.parametrize("slash", ["", "/"])
def test_a_users_record_has_codincods_shape(
    arena_server: RunningServer, author: httpx.Client, prefix: str, slash: str
) -> None:
    mine = me(author)
    body = json_of(httpx.get(f"{arena_server.url}{prefix}/user/{mine['username']}{slash}"))
    assert body["message"] == "User was found"
    user = body["user"]
    # no profile yet: absent, not null (the frontend's zod schema has it optional)
    assert set(user) == {"_id", "username", "role", "currentBan", "createdAt", "updatedAt"}
    assert user["_id"] == mine["userId"] and user["username"] == mine["username"]
    assert user["role"] == "user" and user["currentBan"] is None
    assert ISO_MS.fullmatch(user["createdAt"]) and ISO_MS.fullmatch(user["updatedAt"])


def test_a_profile_shows_only_what_is_set(arena_server: RunningServer) -> None:
    name = unique_name("profile")
    with signed_up(arena_server.url, name) as client:
        account = me(client)["userId"]
        profile = {"bio": "Solves puzzles", "picture": None, "socials": [], "email": "x@y.z"}
        with db(arena_server) as connection:
            connection.execute(
                "UPDATE arena_accounts SET profile = ? WHERE id = ?",
                (json.dumps(profile), account),
            )
        user = json_of(client.get(f"/api/v1/user/{name}"))["user"]
        assert user["profile"] == {"bio": "Solves puzzles"}
        puzzle = create(client, "With a profile")
        author = json_of(client.get(f"/api/v1/puzzle/{puzzle['_id']}"))["author"]
        assert author == {
            "_id": account,
            "username": name,
            "role": "user",
            "profile": {"bio": "Solves puzzles"},
        }


def test_a_banned_users_record_names_the_ban(arena_server: RunningServer) -> None:
    name = unique_name("banned")
    with signed_up(arena_server.url, name) as client:
        account = me(client)["userId"]
    ban = account[::-1]
    with db(arena_server) as connection:
        connection.execute(
            "INSERT INTO arena_bans (id, account_id, ban_type, reason, start_date, is_active, "
            "created_at, updated_at) VALUES (?, ?, 'permanent', 'Cheating in games', "
            "'2026-01-01 00:00:00', 1, '2026-01-01 00:00:00', '2026-01-01 00:00:00')",
            (ban, account),
        )
        connection.execute(
            "UPDATE arena_accounts SET current_ban_id = ? WHERE id = ?", (ban, account)
        )
    user = json_of(httpx.get(f"{arena_server.url}/api/v1/user/{name}"))["user"]
    assert user["currentBan"] == ban
    assert not {"email", "password", "reportCount", "banCount"} & set(user)


def test_is_available_is_case_sensitive_and_checks_the_name(
    arena_server: RunningServer, author: httpx.Client
) -> None:
    name = me(author)["username"]
    url = arena_server.url
    assert json_of(httpx.get(f"{url}/api/v1/user/{name}/isAvailable")) == {"isAvailable": False}
    assert json_of(httpx.get(f"{url}/api/user/{name}/isAvailable/")) == {"isAvailable": False}
    other_case = name.upper()
    assert json_of(httpx.get(f"{url}/api/v1/user/{other_case}/isAvailable")) == {
        "isAvailable": True
    }
    for invalid in ("ab", "x" * 21, "bad%20name", "dots.not.allowed"):
        answer = httpx.get(f"{url}/api/v1/user/{invalid}/isAvailable")
        assert answer.status_code == 400, invalid
        assert answer.json()["message"] == "username is invalid"


def test_the_owner_sees_drafts_by_cookie_or_bearer_and_a_bad_token_is_nobody(
    arena_server: RunningServer,
) -> None:
    name = unique_name("owner")
    mod_name = unique_name("mod")
    with signed_up(arena_server.url, name) as owner, signed_up(arena_server.url, mod_name) as mod:
        set_role(arena_server, mod_name, "moderator")
        draft = create(owner, "Still a draft")
        approved = create(owner, "Approved")
        json_of(put(mod, approved["_id"], full_body(title="Approved", visibility="approved")))
        path = f"{arena_server.url}/api/v1/user/{name}/puzzle"
        token = owner.cookies["token"]
        account = me(owner)["userId"]

        def listed(**options: Any) -> list[str]:
            page = json_of(httpx.get(path, **options))
            for item in page["items"]:
                assert ISO_MS.fullmatch(item["createdAt"]) and item["author"]["username"] == name
            return [item["_id"] for item in page["items"]]

        everything = [draft["_id"], approved["_id"]]
        assert listed(cookies={"token": token}) == everything
        assert listed(headers={"Authorization": f"Bearer {token}"}) == everything
        # a moderator is not the owner: approved ones only, as for anyone
        assert listed(cookies={"token": mod.cookies["token"]}) == [approved["_id"]]
        assert listed() == [approved["_id"]]
        forged = jwt.encode(
            {"userId": account, "username": name, "role": "user", "iat": 1, "exp": 2**40},
            "a secret that is not this server's, long enough for HS256",
            algorithm="HS256",
        )
        expired = token.split(".")[0] + ".e30." + token.split(".")[2]  # claims replaced: {}
        for bad in (forged, expired, "garbage"):
            assert listed(cookies={"token": bad}) == [approved["_id"]], bad
            assert listed(headers={"Authorization": f"Bearer {bad}"}) == [approved["_id"]]


def test_a_user_with_only_drafts_shows_others_an_empty_page(arena_server: RunningServer) -> None:
    name = unique_name("drafter")
    with signed_up(arena_server.url, name) as client:
        create(client, "Unfinished")
    page = json_of(httpx.get(f"{arena_server.url}/api/v1/user/{name}/puzzle"))
    assert page == {"page": 1, "pageSize": 10, "totalPages": 0, "totalItems": 0, "items": []}


def test_an_empty_activity(arena_server: RunningServer) -> None:
    name = unique_name("idle")
    with signed_up(arena_server.url, name) as client:
        account = me(client)["userId"]
        create(client, "A draft is no activity")
    for path in (f"/api/v1/user/{name}/activity", f"/api/user/{name}/activity/"):
        body = json_of(httpx.get(arena_server.url + path))
        assert body["activity"] == {"puzzles": [], "submissions": []}
        user = body["user"]
        assert user["_id"] == account and "profile" not in user
        assert not {"email", "password", "reportCount", "banCount"} & set(user)
        assert ISO_MS.fullmatch(user["createdAt"])
