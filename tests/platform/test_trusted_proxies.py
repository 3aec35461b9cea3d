"""One trusted-proxy setting for the whole appliance (server.trusted_proxies): under either of
its names, sparks and analytics alike believe X-Forwarded-For from the same proxies."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from appliance.platform.settings import ServerSettings
from tests.analytics.conftest import BROWSER_HEADERS, add_website, marker
from tests.conftest import RunningServer

MakeServer = Callable[..., RunningServer]
SPARK = {"color": [1, 0.5, 0], "radius": 10, "transparency": 0, "time_to_grow": 1}
NAMES = ["SPARKHOUSE_TRUSTED_PROXIES", "SPARKLYTICS_TRUSTED_PROXIES"]


@pytest.mark.parametrize("name", NAMES)
def test_either_name_makes_every_part_believe_the_proxy(
    name: str, make_server: MakeServer, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    site = add_website(data, "example.com")
    server = make_server(
        env={
            name: "127.0.0.0/8",
            "SPARKHOUSE_SPARKS_RATE_PER_MINUTE": "2",
            "SPARKLYTICS_RATE_LIMIT": "2",
            "SPARKLYTICS_RATE_LIMIT_DISABLE": "false",
        },
        data_dir=data,
    )

    def spark(client: httpx.Client, forwarded: str) -> int:
        headers = {"X-Forwarded-For": forwarded}
        return client.post("/api/1/1", json=SPARK, headers=headers).status_code

    def collect(client: httpx.Client, forwarded: str) -> int:
        body = {"website_id": site, "type": "pageview", "url": f"/{marker()}"}
        headers = {**BROWSER_HEADERS, "X-Forwarded-For": forwarded}
        return client.post("/api/collect", json=body, headers=headers).status_code

    with httpx.Client(base_url=server.url, timeout=10) as client:
        for send, accepted in ((spark, 202), (collect, 202)):
            # three clients behind the proxy: each has a budget of its own
            assert [send(client, f"203.0.113.{n}") for n in range(3)] == [accepted] * 3
            # one client, three times: its own limit of two, however many hops in between
            one = "198.51.100.9, 127.0.0.5"
            assert [send(client, one) for _ in range(3)] == [accepted, accepted, 429]


def test_the_platform_name_wins_and_invalid_entries_are_skipped(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SPARKLYTICS_TRUSTED_PROXIES", "10.0.0.0/8")
    assert ServerSettings().trusted_proxies == [ipaddress.ip_network("10.0.0.0/8")]
    monkeypatch.setenv("SPARKHOUSE_TRUSTED_PROXIES", "192.0.2.0/24 not-a-cidr, ::1")
    with caplog.at_level("WARNING", logger="sparkhouse.settings"):
        proxies = ServerSettings().trusted_proxies
    assert proxies == [ipaddress.ip_network("192.0.2.0/24"), ipaddress.ip_network("::1/128")]
    assert "ignoring invalid entry 'not-a-cidr'" in caplog.text
