"""Numbers past what the store keeps are 400s that name the limit, not 500s: found by the
OpenAPI fuzzer (tests/fuzz, issue 15), which sends 64-bit integers and one past them."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from appliance.analytics.admin.websites import MAX_INGEST_LIMIT
from appliance.analytics.query.params import MAX_OFFSET
from tests.analytics.conftest import login
from tests.conftest import RunningServer, start_server

BOOTSTRAP = "a-private-bootstrap-secret"


@pytest.fixture(scope="module")
def bounds_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(
        tmp_path_factory.mktemp("bounds") / "data", {"SPARKLYTICS_BOOTSTRAP_PASSWORD": BOOTSTRAP}
    )
    yield running
    running.stop()


@pytest.fixture
def api(bounds_server: RunningServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=bounds_server.url, timeout=10) as client:
        login(client, bootstrap_password=BOOTSTRAP)
        yield client


def _refused(response: httpx.Response, message: str, field: str) -> None:
    assert response.status_code == 400, response.text
    assert response.json()["error"] == {
        "code": "validation_error",
        "message": message,
        "field": field,
    }


@pytest.mark.parametrize("offset", [2**63, 10**30, MAX_OFFSET + 1])
def test_an_api_key_page_past_the_offset_limit_is_refused(api: httpx.Client, offset: int) -> None:
    answer = api.get("/api/auth/keys", params={"offset": str(offset)})
    _refused(answer, f"offset must be at most {MAX_OFFSET}", "offset")
    deepest = api.get("/api/auth/keys", params={"offset": str(MAX_OFFSET)})
    assert deepest.status_code == 200 and deepest.json()["data"] == []


@pytest.mark.parametrize("value", [2**63, MAX_INGEST_LIMIT + 1])
def test_an_ingest_limit_past_the_largest_is_refused(api: httpx.Client, value: int) -> None:
    site = api.post("/api/websites", json={"name": "Blog", "domain": "bounds.example.com"})
    assert site.status_code == 201, site.text
    path = f"/api/websites/{site.json()['data']['id']}/ingest-limits"
    for field in ("queue_max_events", "peak_events_per_sec"):
        message = f"{field} must be a positive integer up to {MAX_INGEST_LIMIT}, or null"
        _refused(api.put(path, json={field: value}), message, field)
    largest = api.put(path, json={"queue_max_events": MAX_INGEST_LIMIT})
    assert largest.status_code == 200, largest.text
    assert largest.json()["data"]["queue_max_events"] == MAX_INGEST_LIMIT
