"""Account preferences through HTTP on a real server with real SQLite
(codincod-contract.md §3.3): the four verbs, upsert and defaults, PUT against PATCH,
validation that changes nothing, one record per account, the guards, both prefixes and the
trailing slash, form bodies."""

from __future__ import annotations

import re
import threading
from typing import Any

import httpx
import pytest

from tests.arena.conftest import signed_up, unique_name
from tests.arena.puzzles.support import db, json_of, me
from tests.conftest import RunningServer

PATH = "/api/v1/account/preferences"
HEX24 = re.compile(r"[0-9a-f]{24}")
ISO_MS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")
FLAGS = (
    "lineNumbers",
    "highlightActiveLineGutter",
    "highlightSpecialChars",
    "history",
    "foldGutter",
    "drawSelection",
    "dropCursor",
    "allowMultipleSelections",
    "indentOnInput",
    "bracketMatching",
    "closeBrackets",
    "autocompletion",
    "rectangularSelection",
    "crosshairCursor",
    "highlightActiveLine",
    "highlightSelectionMatches",
    "defaultKeymap",
    "searchKeymap",
    "foldKeymap",
    "completionKeymap",
    "lintKeymap",
    "syntaxHighlighting",
)
DEFAULT_EDITOR = {"keymap": "vscode", **dict.fromkeys(FLAGS, True)}
A, B, C = "a" * 24, "b" * 24, "0123456789abcdef01234567"


@pytest.fixture
def client(arena_server: RunningServer) -> Any:
    with signed_up(arena_server.url) as signed:
        yield signed


def test_none_until_set_then_the_stored_document(client: httpx.Client) -> None:
    missing = client.get(PATH)
    assert missing.status_code == 404
    assert missing.json()["error"] == "Preferences not found"
    body = {"preferredLanguage": "python", "theme": "dark", "blockedUsers": [A]}
    put = json_of(client.put(PATH, json=body))
    owner = me(client)["userId"]
    assert set(put) == {
        "_id",
        "owner",
        "preferredLanguage",
        "theme",
        "blockedUsers",
        "editor",
        "createdAt",
        "updatedAt",
    }
    assert HEX24.fullmatch(put["_id"]) and put["owner"] == owner
    assert put["preferredLanguage"] == "python" and put["theme"] == "dark"
    assert put["blockedUsers"] == [A]
    assert put["editor"] == DEFAULT_EDITOR
    assert ISO_MS.fullmatch(put["createdAt"]) and ISO_MS.fullmatch(put["updatedAt"])
    assert json_of(client.get(PATH)) == put


def test_a_first_patch_makes_the_record_with_defaults(client: httpx.Client) -> None:
    made = json_of(client.patch(PATH, json={}))
    assert made["blockedUsers"] == [] and made["editor"] == DEFAULT_EDITOR
    # unset optional fields are absent, as in CodinCod's documents
    assert "theme" not in made and "preferredLanguage" not in made
    assert json_of(client.get(PATH)) == made


def test_patch_changes_only_what_it_sends(client: httpx.Client) -> None:
    first = json_of(
        client.put(
            PATH,
            json={
                "preferredLanguage": "python",
                "theme": "dark",
                "blockedUsers": [A, B],
                "editor": {"keymap": "vim", "lineNumbers": False},
            },
        )
    )
    patched = json_of(client.patch(PATH, json={"theme": "light"}))
    assert patched["theme"] == "light"
    assert patched["preferredLanguage"] == "python"
    assert patched["blockedUsers"] == [A, B]
    assert patched["editor"] == first["editor"]
    assert patched["_id"] == first["_id"] and patched["createdAt"] == first["createdAt"]
    assert patched["updatedAt"] >= first["updatedAt"]
    # an editor patch changes the settings it names, and only those
    editor = json_of(client.patch(PATH, json={"editor": {"foldGutter": False}}))["editor"]
    assert editor == {**DEFAULT_EDITOR, "keymap": "vim", "lineNumbers": False, "foldGutter": False}
    blocked = json_of(client.patch(PATH, json={"blockedUsers": [C]}))
    assert blocked["blockedUsers"] == [C] and blocked["theme"] == "light"


def test_put_overwrites_what_it_sends_and_empties_an_omitted_block_list(
    client: httpx.Client,
) -> None:
    json_of(
        client.put(
            PATH,
            json={
                "preferredLanguage": "python",
                "theme": "dark",
                "blockedUsers": [A],
                "editor": {"keymap": "emacs", "history": False, "closeBrackets": False},
            },
        )
    )
    again = json_of(client.put(PATH, json={"theme": "light", "editor": {"history": False}}))
    assert again["blockedUsers"] == []
    assert again["theme"] == "light"
    # fields not sent keep their value (CodinCod's upsert is a $set of the DTO)
    assert again["preferredLanguage"] == "python"
    # an editor sent is the whole editor: what it leaves out is back to its default
    assert again["editor"] == {**DEFAULT_EDITOR, "history": False}
    kept = json_of(client.put(PATH, json={"blockedUsers": [B]}))
    assert kept["editor"] == again["editor"] and kept["blockedUsers"] == [B]


def test_a_document_read_can_be_sent_back_as_it_is(client: httpx.Client) -> None:
    stored = json_of(client.put(PATH, json={"theme": "dark", "blockedUsers": [A]}))
    echoed = json_of(client.put(PATH, json=stored))
    assert {key: echoed[key] for key in ("_id", "owner", "theme", "blockedUsers", "editor")} == {
        key: stored[key] for key in ("_id", "owner", "theme", "blockedUsers", "editor")
    }
    assert echoed["createdAt"] == stored["createdAt"]


def test_unknown_keys_are_dropped(client: httpx.Client) -> None:
    body = {
        "theme": "dark",
        "owner": B,
        "_id": C,
        "createdAt": "2000-01-01T00:00:00.000Z",
        "fontSize": 99,
        "editor": {"keymap": "vim", "minimap": True},
    }
    stored = json_of(client.put(PATH, json=body))
    assert stored["owner"] == me(client)["userId"] and stored["_id"] != C
    assert not stored["createdAt"].startswith("2000")
    assert "fontSize" not in stored and "minimap" not in stored["editor"]
    assert stored["editor"]["keymap"] == "vim"


def test_blocked_ids_are_deduplicated_and_read_in_lower_case(client: httpx.Client) -> None:
    stored = json_of(client.put(PATH, json={"blockedUsers": [B, A.upper(), B, A, C]}))
    assert stored["blockedUsers"] == [B, A, C]


INVALID = [
    {"theme": "blue"},
    {"theme": 1},
    {"theme": None},
    {"preferredLanguage": 3},
    {"preferredLanguage": "x" * 65},
    {"preferredLanguage": None},
    {"editor": {"keymap": "nano"}},
    {"editor": {"lineNumbers": "false"}},
    {"editor": {"lineNumbers": 0}},
    {"editor": {"syntaxHighlighting": None}},
    {"editor": "vim"},
    {"editor": ["vim"]},
    {"blockedUsers": ["not-an-id"]},
    {"blockedUsers": ["a" * 23]},
    {"blockedUsers": ["g" * 24]},
    {"blockedUsers": [123]},
    {"blockedUsers": A},
    {"blockedUsers": {"id": A}},
    {"blockedUsers": ["0" * 24] * 1001},
    {"theme": "light", "blockedUsers": [A, "nope"]},
]


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
@pytest.mark.parametrize("body", INVALID)
def test_invalid_bodies_are_400_and_change_nothing(
    client: httpx.Client, method: str, body: dict[str, Any]
) -> None:
    stored = json_of(
        client.put(PATH, json={"theme": "dark", "blockedUsers": [C], "preferredLanguage": "go"})
    )
    answer = client.request(method, PATH, json=body)
    assert answer.status_code == 400, answer.text
    error = answer.json()
    assert error["error"] == "Validation Error"
    assert error["message"] == "Request validation failed"
    field = next(iter(key for key in body if key != "theme" or len(body) == 1))
    assert field in [detail["path"].split(".")[0] for detail in error["details"]]
    assert json_of(client.get(PATH)) == stored


@pytest.mark.parametrize("method", ["PUT", "PATCH"])
def test_invalid_first_bodies_make_no_record(client: httpx.Client, method: str) -> None:
    assert client.request(method, PATH, json={"theme": "blue"}).status_code == 400
    assert client.request(method, PATH, content=b"[1]", headers=JSON).status_code == 400
    assert client.request(method, PATH, content=b"{oops", headers=JSON).status_code == 400
    assert client.get(PATH).status_code == 404


JSON = {"content-type": "application/json"}


def test_nobody_blocks_themselves(client: httpx.Client) -> None:
    own = me(client)["userId"]
    refused = client.put(PATH, json={"blockedUsers": [A, own]})
    assert refused.status_code == 400
    assert refused.json()["details"][0]["path"] == "blockedUsers"
    assert client.get(PATH).status_code == 404


def test_delete_then_404_and_back_to_defaults(client: httpx.Client) -> None:
    missing = client.delete(PATH)
    assert missing.status_code == 404 and missing.json()["error"] == "Preferences not found"
    first = json_of(client.put(PATH, json={"theme": "dark"}))
    deleted = client.delete(PATH)
    assert deleted.status_code == 204 and deleted.content == b""
    assert client.get(PATH).status_code == 404
    assert client.delete(PATH).status_code == 404
    fresh = json_of(client.patch(PATH, json={"preferredLanguage": "bash"}))
    assert fresh["_id"] != first["_id"] and "theme" not in fresh


def test_each_account_has_its_own_record(arena_server: RunningServer) -> None:
    with signed_up(arena_server.url) as alice, signed_up(arena_server.url) as bob:
        mine = json_of(alice.put(PATH, json={"theme": "dark", "blockedUsers": [A]}))
        assert bob.get(PATH).status_code == 404
        theirs = json_of(bob.put(PATH, json={"theme": "light"}))
        assert theirs["_id"] != mine["_id"] and theirs["owner"] == me(bob)["userId"]
        assert json_of(alice.get(PATH)) == mine
        assert bob.delete(PATH).status_code == 204
        assert json_of(alice.get(PATH)) == mine


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_every_verb_needs_a_valid_token(arena_server: RunningServer, method: str) -> None:
    url = arena_server.url + PATH
    missing = httpx.request(method, url, json={"theme": "dark"})
    assert missing.status_code == 401
    assert missing.json()["message"] == "No authentication token provided"
    invalid = httpx.request(method, url, json={"theme": "dark"}, cookies={"token": "garbage"})
    assert invalid.status_code == 400


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE"])
def test_a_banned_account_is_refused_with_the_ban(arena_server: RunningServer, method: str) -> None:
    with signed_up(arena_server.url) as client:
        json_of(client.put(PATH, json={"theme": "dark"}))
        account = me(client)["userId"]
        with db(arena_server) as connection:
            connection.execute(
                "INSERT INTO arena_bans (id, account_id, ban_type, reason, start_date, "
                "is_active, created_at, updated_at) VALUES (?, ?, 'permanent', "
                "'Spamming the chat', '2026-01-01 00:00:00', 1, '2026-01-01 00:00:00', "
                "'2026-01-01 00:00:00')",
                (account[::-1], account),
            )
            connection.execute(
                "UPDATE arena_accounts SET current_ban_id = ? WHERE id = ?",
                (account[::-1], account),
            )
        answer = client.request(method, PATH, json={"theme": "light"})
        assert answer.status_code == 403
        assert answer.json()["banDetails"]["type"] == "permanent"
        with db(arena_server) as connection:
            (theme,) = connection.execute(
                "SELECT theme FROM arena_preferences WHERE account_id = ?", (account,)
            ).fetchone()
        assert theme == "dark"


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/account/preferences",
        "/api/v1/account/preferences/",
        "/api/account/preferences",
        "/api/account/preferences/",
    ],
)
def test_both_prefixes_and_the_trailing_slash(client: httpx.Client, path: str) -> None:
    assert client.get(path).status_code == 404
    assert json_of(client.put(path, json={"theme": "dark"}))["theme"] == "dark"
    assert json_of(client.patch(path, json={"theme": "light"}))["theme"] == "light"
    assert json_of(client.get(path))["theme"] == "light"
    assert client.delete(path).status_code == 204


def test_the_rest_of_the_account_namespace_is_still_the_arenas(
    arena_server: RunningServer,
) -> None:
    answer = httpx.post(f"{arena_server.url}/api/account/profile", json={"x": 1})
    assert answer.status_code == 404
    assert answer.json()["message"] == "Route POST:/api/account/profile not found"


def test_form_bodies_carry_the_plain_fields(client: httpx.Client) -> None:
    stored = json_of(client.put(PATH, data={"theme": "dark", "preferredLanguage": "python"}))
    assert stored["theme"] == "dark" and stored["preferredLanguage"] == "python"
    assert json_of(client.patch(PATH, data={"theme": "light"}))["theme"] == "light"
    refused = client.patch(PATH, data={"theme": "blue"})
    assert refused.status_code == 400
    # a form has no lists or objects: these stay JSON-only
    assert client.patch(PATH, data={"blockedUsers": A}).status_code == 400
    assert client.patch(PATH, data={"editor": "vim"}).status_code == 400
    assert json_of(client.get(PATH))["theme"] == "light"


def test_bodies_over_64_kib_are_refused(client: httpx.Client) -> None:
    body = {"preferredLanguage": "python", "padding": "x" * 70_000}
    answer = client.put(PATH, json=body)
    assert answer.status_code == 413
    assert client.get(PATH).status_code == 404


def test_concurrent_patches_of_one_account_lose_nothing(arena_server: RunningServer) -> None:
    name = unique_name("racer")
    with signed_up(arena_server.url, name) as client:
        json_of(client.put(PATH, json={}))
        token = client.cookies["token"]
        flags = FLAGS[:12]
        errors: list[str] = []

        def patch(flag: str) -> None:
            answer = httpx.patch(
                arena_server.url + PATH,
                json={"editor": {flag: False}},
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
            if answer.status_code != 200:
                errors.append(answer.text)

        threads = [threading.Thread(target=patch, args=(flag,)) for flag in flags]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        editor = json_of(client.get(PATH))["editor"]
    assert [flag for flag in FLAGS if not editor[flag]] == list(flags)
