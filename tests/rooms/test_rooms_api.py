"""The rooms' HTTP contract against a real server: GET, PUT, limits, If-Match, CORS."""

from __future__ import annotations

import asyncio
import re
import socket
import time

import httpx
import orjson
import pytest

from tests.conftest import RunningServer
from tests.rooms.sse_client import SseClient
from tests.rooms.support import ALLOWED_ORIGIN, new_room_id, own_loop

ISO_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def put(http: httpx.Client, room_id: str, body: object, **headers: str) -> httpx.Response:
    return http.put(
        f"/api/rooms/{room_id}",
        content=orjson.dumps(body),
        headers={"Content-Type": "application/json", **headers},
    )


# -- the spec's controller tests ------------------------------------------------------------


def test_get_unknown_room_is_404(http: httpx.Client, room_id: str) -> None:
    response = http.get(f"/api/rooms/{room_id}")
    assert response.status_code == 404
    assert response.json() == {"error": "room_not_found"}


def test_put_creates_room_with_version_1(http: httpx.Client, room_id: str) -> None:
    response = put(http, room_id, {"state": {"score": 1}, "client_id": "tab-1"})
    assert response.status_code == 200
    record = response.json()
    assert set(record) == {"room_id", "version", "updated_at", "state"}
    assert record["room_id"] == room_id
    assert record["version"] == 1
    assert record["state"] == {"score": 1}
    assert ISO_UTC.match(record["updated_at"])
    assert response.headers["etag"] == '"1"'
    assert http.get(f"/api/rooms/{room_id}").json() == record


def test_put_overwrites_and_increments(http: httpx.Client, room_id: str) -> None:
    first = put(http, room_id, {"state": {"a": 1, "b": 2}}).json()
    second = put(http, room_id, {"state": {"c": 3}}).json()
    assert second["version"] == first["version"] + 1 == 2
    assert second["state"] == {"c": 3}  # replaced, not merged
    assert second["updated_at"] >= first["updated_at"]
    fetched = http.get(f"/api/rooms/{room_id}")
    assert fetched.json() == second
    assert fetched.headers["etag"] == '"2"'


def test_state_may_be_an_array(http: httpx.Client, room_id: str) -> None:
    assert put(http, room_id, {"state": [1, {"two": 2}]}).json()["state"] == [1, {"two": 2}]


def test_payload_size_limit_enforced(http: httpx.Client, room_id: str) -> None:
    wrapper = len(orjson.dumps({"state": {"s": ""}}))
    at_limit = {"state": {"s": "x" * (32768 - wrapper)}}
    assert len(orjson.dumps(at_limit)) == 32768
    assert put(http, room_id, at_limit).status_code == 200
    over = {"state": {"s": "x" * (32768 - wrapper + 1)}}
    response = put(http, room_id, over)
    assert response.status_code == 413
    body = response.json()
    assert body["error"] == "state_too_large"
    assert "32768" in body["message"]
    assert http.get(f"/api/rooms/{room_id}").json()["version"] == 1  # nothing changed


def _raw_request(server: RunningServer, head: bytes, body: bytes = b"") -> bytes:
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(head + body)
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        return answer


def test_oversized_body_refused_before_it_is_read(server: RunningServer, room_id: str) -> None:
    # Announce 100 MB, send 10 bytes: the 413 must come back without waiting for the rest.
    head = (
        f"PUT /api/rooms/{room_id} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/json\r\n"
        "Content-Length: 100000000\r\n\r\n"
    ).encode()
    started = time.monotonic()
    answer = _raw_request(server, head, b'{"state":{')
    assert answer.startswith(b"HTTP/1.1 413")
    assert b'"state_too_large"' in answer
    assert time.monotonic() - started < 2


def test_oversized_chunked_body_refused(server: RunningServer, room_id: str) -> None:
    head = (
        f"PUT /api/rooms/{room_id} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode()
    chunk = b"x" * 8192
    body = (b"%x\r\n%b\r\n" % (len(chunk), chunk)) * 5 + b"0\r\n\r\n"
    assert _raw_request(server, head, body).startswith(b"HTTP/1.1 413")


@pytest.mark.parametrize("state", [1, "text", None, True, 2.5])
def test_state_must_be_object_or_array(http: httpx.Client, room_id: str, state: object) -> None:
    response = put(http, room_id, {"state": state})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_state"
    assert body["field"] == "state"
    assert "JSON object or array" in body["message"]
    assert http.get(f"/api/rooms/{room_id}").status_code == 404  # no partial state


def test_missing_state_is_422(http: httpx.Client, room_id: str) -> None:
    response = put(http, room_id, {"client_id": "x"})
    assert response.status_code == 422
    assert response.json()["field"] == "state"


def test_body_must_be_a_json_object(http: httpx.Client, room_id: str) -> None:
    assert put(http, room_id, [{"state": {}}]).status_code == 422
    bad_json = http.put(f"/api/rooms/{room_id}", content=b'{"state": {', headers={})
    assert bad_json.status_code == 400
    assert bad_json.json()["error"] == "invalid_json"
    assert http.put(f"/api/rooms/{room_id}", content=b"").json()["error"] == "invalid_json"


def test_any_content_type_works_for_curl_users(http: httpx.Client, room_id: str) -> None:
    response = http.put(
        f"/api/rooms/{room_id}",
        content=b'{"state":{"via":"curl -d"}}',
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("client_id", "client_ts"),
    [("tab-1", "2026-01-21T20:00:00Z"), (None, "2026-01-21T20:00:00.123+02:00"), ("x", None)],
)
def test_client_id_and_ts_accepted(
    http: httpx.Client, room_id: str, client_id: str | None, client_ts: str | None
) -> None:
    body = {"state": {}, "client_id": client_id, "client_ts": client_ts}
    assert put(http, room_id, body).status_code == 200


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("client_ts", "yesterday"),
        ("client_ts", "2026-13-45T99:00:00Z"),
        ("client_ts", 1737489600),
        ("client_id", 42),
        ("client_id", ""),
        ("client_id", "x" * 129),
    ],
)
def test_bad_client_fields_are_422(
    http: httpx.Client, room_id: str, field: str, value: object
) -> None:
    response = put(http, room_id, {"state": {}, field: value})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == f"invalid_{field}"
    assert body["field"] == field


@pytest.mark.parametrize("bad_id", ["a.b", "x" * 65, "a%20b", "%C3%A4", "a%2Fb"])
def test_room_id_validated(http: httpx.Client, bad_id: str) -> None:
    for response in (
        http.get(f"/api/rooms/{bad_id}"),
        put(http, bad_id, {"state": {}}),
        http.get(f"/api/rooms/{bad_id}/stream"),
    ):
        assert response.status_code == 400, response.text
        assert response.json() == {
            "error": "invalid_room_id",
            "message": "room_id must be 1 to 64 characters, each A-Z, a-z, 0-9, '_' or '-'",
            "field": "room_id",
        }


def test_longest_room_id_accepted(http: httpx.Client) -> None:
    room_id = "Az09_-" + "x" * 58
    assert put(http, room_id, {"state": {}}).status_code == 200


def test_put_log_names_room_bytes_and_version_only(server: RunningServer, room_id: str) -> None:
    with httpx.Client(base_url=server.url) as http:
        put(http, room_id, {"state": {"secret": "s3cr3t"}, "client_id": "alice@example.com"})
    deadline = time.monotonic() + 3
    # The room id is the room's only key: a per-process reference stands in for it.
    pattern = re.compile(r"room #[0-9a-f]{8} written: 19 bytes, version 1")
    while not pattern.search(server.log()) and time.monotonic() < deadline:
        time.sleep(0.05)
    log = server.log()
    assert pattern.search(log)
    for secret in (room_id, "alice@example.com", "s3cr3t"):
        assert secret not in log


# -- versions under concurrency --------------------------------------------------------------


@own_loop
async def test_concurrent_puts_get_distinct_consecutive_versions(server: RunningServer) -> None:
    room_id = new_room_id("race")
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
        responses = await asyncio.gather(
            *(client.put(f"/api/rooms/{room_id}", json={"state": {"writer": n}}) for n in range(50))
        )
        versions = sorted(r.json()["version"] for r in responses)
        assert versions == list(range(1, 51))
        final = (await client.get(f"/api/rooms/{room_id}")).json()
        assert final["version"] == 50


# -- optimistic concurrency ----------------------------------------------------------------


def test_if_match_current_version_writes(http: httpx.Client, room_id: str) -> None:
    put(http, room_id, {"state": {"n": 1}})
    response = put(http, room_id, {"state": {"n": 2}}, **{"If-Match": '"1"'})
    assert response.status_code == 200
    assert response.json()["version"] == 2
    assert put(http, room_id, {"state": {}}, **{"If-Match": 'W/"2"'}).status_code == 200


def test_if_match_stale_version_is_412_with_current_record(
    http: httpx.Client, room_id: str
) -> None:
    put(http, room_id, {"state": {"n": 1}})
    current = put(http, room_id, {"state": {"n": 2}}).json()
    response = put(http, room_id, {"state": {"n": 99}}, **{"If-Match": "1"})
    assert response.status_code == 412
    body = response.json()
    assert body["error"] == "version_mismatch"
    assert body["current"] == current
    assert response.headers["etag"] == '"2"'
    assert http.get(f"/api/rooms/{room_id}").json() == current


def test_if_match_zero_creates_only(http: httpx.Client, room_id: str) -> None:
    assert put(http, room_id, {"state": {}}, **{"If-Match": "0"}).json()["version"] == 1
    assert put(http, room_id, {"state": {}}, **{"If-Match": "0"}).status_code == 412


def test_if_match_star_needs_an_existing_room(http: httpx.Client, room_id: str) -> None:
    response = put(http, room_id, {"state": {}}, **{"If-Match": "*"})
    assert response.status_code == 412
    assert response.json()["current"] == {
        "room_id": room_id,
        "version": 0,
        "updated_at": None,
        "state": None,
    }


def test_if_match_garbage_is_400(http: httpx.Client, room_id: str) -> None:
    response = put(http, room_id, {"state": {}}, **{"If-Match": "version-one"})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_if_match"


def test_without_if_match_last_write_wins(http: httpx.Client, room_id: str) -> None:
    put(http, room_id, {"state": {"who": "a"}})
    put(http, room_id, {"state": {"who": "b"}})
    assert http.get(f"/api/rooms/{room_id}").json()["state"] == {"who": "b"}


# -- bounds ------------------------------------------------------------------------------------


def test_max_rooms_is_a_clear_503(limits_server: RunningServer) -> None:
    with httpx.Client(base_url=limits_server.url) as http:
        first, second, third = (new_room_id("cap") for _ in range(3))
        assert put(http, first, {"state": {}}).status_code == 200
        assert put(http, second, {"state": {}}).status_code == 200
        response = put(http, third, {"state": {}})
        assert response.status_code == 503
        body = response.json()
        assert body["error"] == "too_many_rooms"
        assert "2 rooms" in body["message"]
        assert put(http, first, {"state": {"still": "writable"}}).json()["version"] == 2
        assert http.get("/api/rooms").json()["rooms"] == 2


def test_max_state_bytes_setting(limits_server: RunningServer, room_id: str) -> None:
    with httpx.Client(base_url=limits_server.url) as http:
        response = put(http, room_id, {"state": {"s": "x" * 1100}})
        assert response.status_code == 413
        assert "1024" in response.json()["message"]


@own_loop
async def test_max_subscribers_per_room_is_a_clear_503(limits_server: RunningServer) -> None:
    room_id = new_room_id("subs")
    path = f"/api/rooms/{room_id}/stream"
    async with (
        await SseClient.connect(limits_server.url, path) as one,
        await SseClient.connect(limits_server.url, path) as two,
    ):
        assert (one.status, two.status) == (200, 200)
        refused = await SseClient.connect(limits_server.url, path)
        assert refused.status == 503
        assert orjson.loads(refused.body)["error"] == "too_many_subscribers"
        await refused.close()
        other_room = await SseClient.connect(limits_server.url, path.replace(room_id, "other"))
        assert other_room.status == 200
        await other_room.close()
    # Once those leave, the room takes subscribers again.
    deadline = time.monotonic() + 3
    while True:
        again = await SseClient.connect(limits_server.url, path)
        await again.close()
        if again.status == 200 or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.05)
    assert again.status == 200


# -- CORS ------------------------------------------------------------------------------------


def test_cors_allowed_origin(limits_server: RunningServer, room_id: str) -> None:
    with httpx.Client(base_url=limits_server.url) as http:
        headers = {"Origin": ALLOWED_ORIGIN}
        preflight = http.options(
            f"/api/rooms/{room_id}",
            headers={
                **headers,
                "Access-Control-Request-Method": "PUT",
                "Access-Control-Request-Headers": "content-type, if-match",
            },
        )
        assert preflight.status_code == 204
        assert preflight.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
        assert "PUT" in preflight.headers["access-control-allow-methods"]
        assert "if-match" in preflight.headers["access-control-allow-headers"]
        written = put(http, room_id, {"state": {}}, **headers)
        assert written.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
        assert "ETag" in written.headers["access-control-expose-headers"]
        fetched = http.get(f"/api/rooms/{room_id}", headers=headers)
        assert fetched.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
        stream_preflight = http.options(
            f"/api/rooms/{room_id}/stream",
            headers={**headers, "Access-Control-Request-Method": "GET"},
        )
        assert stream_preflight.status_code == 204


@own_loop
async def test_cors_on_the_stream(limits_server: RunningServer, room_id: str) -> None:
    path = f"/api/rooms/{room_id}/stream"
    async with await SseClient.connect(limits_server.url, path, {"Origin": ALLOWED_ORIGIN}) as ok:
        assert ok.headers["access-control-allow-origin"] == ALLOWED_ORIGIN
    refused_origin = {"Origin": "http://evil.example"}
    async with await SseClient.connect(limits_server.url, path, refused_origin) as refused:
        assert "access-control-allow-origin" not in refused.headers


def test_cors_refused_origin(limits_server: RunningServer, room_id: str) -> None:
    with httpx.Client(base_url=limits_server.url) as http:
        headers = {"Origin": "http://evil.example"}
        preflight = http.options(
            f"/api/rooms/{room_id}",
            headers={**headers, "Access-Control-Request-Method": "PUT"},
        )
        assert preflight.status_code == 403
        assert "access-control-allow-origin" not in preflight.headers
        response = http.get(f"/api/rooms/{room_id}", headers=headers)
        assert "access-control-allow-origin" not in response.headers
        assert response.headers.get("access-control-allow-origin") != "*"
