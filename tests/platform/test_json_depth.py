"""JSON nested past the platform's depth limit (appliance/platform/validation.py) is refused
with a 400 before anything else reads it, on every route that takes a body and on the socket.

orjson reads 1024 levels but writes only 254, so unrefused, a body 255–1024 deep was read,
then failed where it was written back (stored, answered, broadcast): a 500 with a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest

from appliance.platform.validation import MAX_JSON_DEPTH, JsonTooDeep, loads_json
from tests.analytics.conftest import FAST, add_website
from tests.conftest import RunningServer, start_server
from tests.rooms.support import new_room_id
from tests.support.phoenix_raw import RawSocket

# Just past the limit; past what orjson writes; just under what orjson reads.
DEPTHS = [MAX_JSON_DEPTH + 1, 300, 1020]


def arrays(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


def objects(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def test_loads_json_refuses_nesting_past_the_limit() -> None:
    assert loads_json(arrays(MAX_JSON_DEPTH - 1).encode()) is not None
    assert loads_json(objects(MAX_JSON_DEPTH)) is not None
    with pytest.raises(JsonTooDeep, match=f"deeper than {MAX_JSON_DEPTH} levels"):
        loads_json(arrays(MAX_JSON_DEPTH + 1).encode())
    with pytest.raises(JsonTooDeep):
        loads_json('{"wide": [1, 2], "deep": ' + objects(MAX_JSON_DEPTH) + "}")
    # Brackets inside strings are no nesting; many shallow containers are fine.
    assert loads_json(json.dumps({"text": "[{" * 500})) == {"text": "[{" * 500}
    assert len(loads_json(json.dumps([[i] for i in range(5000)]))) == 5000


@pytest.fixture(scope="module")
def depth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningServer, str]]:
    """A server at its defaults (plus the analytics test settings) holding one website."""
    data_dir = tmp_path_factory.mktemp("json-depth") / "data"
    site = add_website(data_dir, "deep.example.com")
    running = start_server(data_dir, env=FAST)
    yield running, site
    running.stop()


def requests(site: str, depth: int) -> list[tuple[str, str, str, str]]:
    """(method, path, content type, body) of every route that reads a client's JSON, the
    deep value where the route's model takes any JSON."""
    inner = depth - 2  # the body's own object and the field's container are two levels
    plausible = {"n": "signup", "u": "https://deep.example.com/", "d": "deep.example.com"}
    return [
        ("POST", "/api/1/2", "application/json", '{"color":' + arrays(inner + 1) + "}"),
        (
            "PUT",
            f"/api/rooms/{new_room_id('deep')}",
            "application/json",
            '{"state":' + objects(inner + 1) + "}",
        ),
        (
            "POST",
            "/api/collect",
            "application/json",
            f'{{"website_id":"{site}","type":"event","url":"/d","event_name":"x",'
            f'"event_data":{objects(inner + 1)}}}',
        ),
        (
            "POST",
            "/api/send",
            "application/json",
            f'{{"type":"event","payload":{{"website":"{site}","url":"/d","name":"x",'
            f'"data":{objects(inner)}}}}}',
        ),
        (
            "POST",
            "/api/event",
            "text/plain",
            json.dumps(plausible)[:-1] + ',"p":' + objects(inner + 1) + "}",
        ),
        # Plausible's props may come as a JSON string: the JSON inside is held to the limit.
        (
            "POST",
            "/api/event",
            "text/plain",
            json.dumps({**plausible, "p": objects(depth)}),
        ),
    ]


@pytest.mark.parametrize("depth", DEPTHS)
def test_deep_bodies_are_a_400_on_every_route(
    depth_server: tuple[RunningServer, str], depth: int
) -> None:
    server, site = depth_server
    logged_before = len(server.log())
    with httpx.Client(base_url=server.url, timeout=10) as client:
        for method, path, content_type, body in requests(site, depth):
            response = client.request(
                method, path, content=body.encode(), headers={"Content-Type": content_type}
            )
            assert response.status_code == 400, (path, response.status_code, response.text)
            assert f"deeper than {MAX_JSON_DEPTH} levels" in response.text, (path, response.text)
    logged = server.log()[logged_before:]
    assert "Traceback" not in logged, logged[-3000:]


def test_a_body_at_the_limit_is_read(depth_server: tuple[RunningServer, str]) -> None:
    server, _ = depth_server
    state = objects(MAX_JSON_DEPTH - 1)  # in {"state": ...}: the body is 64 deep
    with httpx.Client(base_url=server.url, timeout=10) as client:
        response = client.put(
            f"/api/rooms/{new_room_id('deep')}",
            content=('{"state":' + state + "}").encode(),
            headers={"Content-Type": "application/json"},
        )
    assert response.status_code == 200, response.text
    assert response.json()["state"] == json.loads(state)


@pytest.mark.parametrize("vsn", ["2.0.0", "1.0.0"])
@pytest.mark.parametrize("depth", DEPTHS)
async def test_a_deep_socket_frame_closes_the_socket_cleanly(
    platform_server: RunningServer, vsn: str, depth: int
) -> None:
    """The echo channel answers with the payload it got: unrefused, a payload deeper than 254
    failed as the reply was written."""
    logged_before = len(platform_server.log())
    sock = await RawSocket.open(platform_server.ws_url, vsn=vsn)
    join_ref, _ = await sock.join("echo:deep")
    payload = objects(depth - 1)  # in the frame's array or object: depth levels in all
    if vsn == "2.0.0":
        frame = f'["{join_ref}","9","echo:deep","echo",{payload}]'
    else:
        frame = (
            f'{{"join_ref":"{join_ref}","ref":"9","topic":"echo:deep","event":"echo",'
            f'"payload":{payload}}}'
        )
    await sock.send_raw(frame)
    assert await sock.closed_with(timeout=5) == 1007
    assert "Traceback" not in platform_server.log()[logged_before:]
