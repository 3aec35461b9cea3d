"""Every moderation route is for moderators only (codincod-contract.md §2): 401 without a
token, 400 with an invalid one, 403 ``Moderator access required`` for anyone else — the role
read from the store, so a demoted moderator is refused at once."""

from __future__ import annotations

import httpx
import pytest

from tests.arena.conftest import signed_up, unique_name
from tests.arena.moderation.support import UNKNOWN_ID, set_role
from tests.conftest import RunningServer

ROUTES = [
    ("GET", "/moderation/review", None),
    ("GET", "/moderation/audit", None),
    ("POST", f"/moderation/puzzle/{UNKNOWN_ID}/approve", None),
    ("POST", f"/moderation/puzzle/{UNKNOWN_ID}/revise", {"reason": "Needs more validators."}),
    ("POST", f"/moderation/report/{UNKNOWN_ID}/resolve", {"status": "resolved"}),
    (
        "POST",
        f"/moderation/user/{UNKNOWN_ID}/ban/temporary",
        {"reason": "Spamming the chat.", "duration": 1},
    ),
    ("POST", f"/moderation/user/{UNKNOWN_ID}/ban/permanent", {"reason": "Spamming the chat."}),
    ("POST", f"/moderation/user/{UNKNOWN_ID}/unban", {"reason": "Served the time."}),
    ("GET", f"/moderation/user/{UNKNOWN_ID}/ban/history", None),
]
IDS = [
    f"{method} {path.split('/')[2]}{'/' + path.split('/')[-1] if path.count('/') > 2 else ''}"
    for method, path, _ in ROUTES
]


def _call(client: httpx.Client, method: str, path: str, body: object) -> httpx.Response:
    return client.request(method, "/api/v1" + path, json=body)


@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=IDS)
def test_without_a_token_401(
    mod_server: RunningServer, method: str, path: str, body: object
) -> None:
    with httpx.Client(base_url=mod_server.url) as anonymous:
        answer = _call(anonymous, method, path, body)
    assert answer.status_code == 401, answer.text
    assert answer.json()["message"] == "No authentication token provided"


@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=IDS)
def test_with_an_invalid_token_400(
    mod_server: RunningServer, method: str, path: str, body: object
) -> None:
    with httpx.Client(base_url=mod_server.url, cookies={"token": "not.a.jwt"}) as forged:
        answer = _call(forged, method, path, body)
    assert answer.status_code == 400, answer.text


@pytest.mark.parametrize(("method", "path", "body"), ROUTES, ids=IDS)
def test_a_user_is_refused_403(user: httpx.Client, method: str, path: str, body: object) -> None:
    answer = _call(user, method, path, body)
    assert answer.status_code == 403, answer.text
    assert answer.json()["message"] == "Moderator access required"


def test_the_role_is_read_from_the_store(mod_server: RunningServer) -> None:
    name = unique_name("demoted")
    with signed_up(mod_server.url, name) as client:
        # the token says "user"; the store says moderator: the store wins
        set_role(mod_server, name, "moderator")
        assert client.get("/api/v1/moderation/review").status_code == 200
        # and back: the token now says nothing the store does not
        set_role(mod_server, name, "user")
        refused = client.get("/api/v1/moderation/review")
        assert refused.status_code == 403
        assert refused.json()["message"] == "Moderator access required"
        set_role(mod_server, name, "admin")
        assert client.get("/api/v1/moderation/audit").status_code == 200
