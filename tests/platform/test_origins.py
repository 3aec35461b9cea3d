"""The Host check against DNS rebinding, on real servers (and the rules of OriginPolicy)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx

from appliance.platform.origins import OriginPolicy, normalized_origin, split_host
from appliance.platform.settings import ServerSettings
from tests.conftest import RunningServer


def test_host_names_and_origins_are_read_like_browsers_send_them() -> None:
    assert split_host("Example.COM.:8080") == ("example.com", 8080)
    assert split_host("[::1]:4000") == ("::1", 4000)
    assert split_host("::1") == ("::1", None)
    assert split_host("") == ("", None)
    assert normalized_origin("HTTPS://Stats.Example.com:443") == "https://stats.example.com"
    assert normalized_origin("http://127.0.0.1:4000/") == "http://127.0.0.1:4000"
    assert normalized_origin("null") is None
    assert normalized_origin("http://[::1]:99999") is None


def test_the_policy_allows_addresses_local_names_and_configured_hosts() -> None:
    server = ServerSettings(host="0.0.0.0", allowed_hosts="box.lan, .corp.example")
    policy = OriginPolicy.from_settings(server, ["https://stats.example.com/"])
    for host in [
        "127.0.0.1:4000",
        "10.1.2.3",
        "[::1]:4000",
        "localhost:4000",
        "app.localhost",
        "stats.example.com",
        "box.lan:4000",
        "corp.example",
        "a.b.corp.example",
        "",
    ]:
        assert policy.allows_host(host), host
    for host in ["evil.example", "stats.example.com.evil.example", "xcorp.example", "box"]:
        assert not policy.allows_host(host), host
    assert OriginPolicy.from_settings(ServerSettings(allowed_hosts="*"), []).allows_host("x.y")
    named = OriginPolicy.from_settings(ServerSettings(host="sparkhouse.internal"), [])
    assert named.allows_host("sparkhouse.internal:4000")

    # same origin as the Host (the scheme may differ behind a TLS proxy), or a listed one
    assert policy.allows_origin("http://127.0.0.1:4000", "127.0.0.1:4000")
    assert policy.allows_origin("https://box.lan", "box.lan")
    assert policy.allows_origin("https://box.lan", "box.lan:443")
    assert not policy.allows_origin("http://127.0.0.1:4001", "127.0.0.1:4000")
    assert not policy.allows_origin("https://evil.example", "127.0.0.1:4000")
    assert not policy.allows_origin("null", "127.0.0.1:4000")
    assert policy.allows_origin("https://stats.example.com", "127.0.0.1:4000")


def refused(response: httpx.Response) -> None:
    assert response.status_code == 421, response.text
    error = response.json()["error"]
    assert error["code"] == "misdirected_request"
    assert "SPARKHOUSE_ALLOWED_HOSTS" in error["message"]


def test_requests_for_foreign_host_names_are_refused(server: RunningServer) -> None:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        # a page on rebind.attacker.example whose name now points at 127.0.0.1
        refused(
            client.get("/api/system", headers={"Host": f"rebind.attacker.example:{server.port}"})
        )
        refused(client.get("/analytics", headers={"Host": "rebind.attacker.example"}))
        refused(client.post("/api/rooms", json={}, headers={"Host": "rebind.attacker.example"}))
        for host in [
            f"127.0.0.1:{server.port}",
            f"localhost:{server.port}",
            "[::1]",
            "a.localhost",
        ]:
            assert client.get("/healthz", headers={"Host": host}).status_code == 200, host
        # tracker endpoints are called cross-site, but the Host is still ours
        tracked = {"Origin": "https://tracked-site.example"}
        assert client.get("/s.js", headers=tracked).status_code == 200
        preflight = client.options(
            "/api/collect",
            headers={**tracked, "Access-Control-Request-Method": "POST"},
        )
        assert preflight.status_code == 204


async def upgrade_status(server: RunningServer, host: str) -> bytes:
    """The status line a WebSocket upgrade of /socket/websocket gets with this Host."""
    reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
    writer.write(
        (
            "GET /socket/websocket?vsn=2.0.0 HTTP/1.1\r\n"
            f"Host: {host}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    await writer.drain()
    line = await asyncio.wait_for(reader.readline(), 10)
    writer.close()
    return line


async def test_a_websocket_for_a_foreign_host_is_never_upgraded(server: RunningServer) -> None:
    assert (await upgrade_status(server, "rebind.attacker.example")).startswith(b"HTTP/1.1 421")
    ours = await upgrade_status(server, f"127.0.0.1:{server.port}")
    assert ours.startswith(b"HTTP/1.1 101")


def test_allowed_hosts_and_the_public_url_extend_the_names(
    make_server: Callable[..., RunningServer],
) -> None:
    server = make_server(
        env={
            "SPARKHOUSE_ALLOWED_HOSTS": "sparkhouse.lan",
            "SPARKLYTICS_PUBLIC_URL": "https://stats.example.com",
        }
    )
    with httpx.Client(base_url=server.url, timeout=10) as client:
        for host in ["sparkhouse.lan:4000", "stats.example.com"]:
            assert client.get("/healthz", headers={"Host": host}).status_code == 200, host
        refused(client.get("/healthz", headers={"Host": "other.lan"}))
