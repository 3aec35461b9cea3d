"""The server the fuzzers run against: a real ``sparkhouse serve`` with analytics in ``local``
auth mode, set up (admin password, a login cookie, an API key) and holding a website with
events, a goal and a share link, and a room, so generated requests reach past the 401s and
404s into the handlers. The counts of a run go to
``tests/artifacts/fuzz-openapi.json`` and the end of the pytest report."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.conftest import ARTIFACTS, RunningServer, start_server

EXAMPLES = int(os.environ.get("SPARKHOUSE_FUZZ_EXAMPLES", "6"))
"""Generated examples per route in the fuzzing phase (``make fuzz`` asks for many more)."""
BOOTSTRAP = "fuzz-bootstrap-secret-0"
PASSWORD = "fuzz-admin-password-0"
SUMMARY = ARTIFACTS / "fuzz-openapi.json"


@dataclass
class FuzzTarget:
    """The running server and what the set-up left in it."""

    server: RunningServer
    cookie: str
    api_key: str
    website_id: str
    domain: str
    share_id: str
    goal_id: str
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def url(self) -> str:
        return self.server.url


def _set_up(client: httpx.Client) -> dict[str, str]:
    answer = client.post(
        "/api/auth/setup", json={"bootstrap_password": BOOTSTRAP, "password": PASSWORD}
    )
    assert answer.status_code == 201, answer.text
    answer = client.post("/api/auth/login", json={"password": PASSWORD})
    assert answer.status_code == 200, answer.text
    cookie = answer.cookies["spk_session"]
    session = {"Cookie": f"spk_session={cookie}"}
    answer = client.post("/api/auth/keys", json={"name": "fuzz"}, headers=session)
    assert answer.status_code == 201, answer.text
    key = answer.json()["data"]["key"]
    bearer = {"Authorization": f"Bearer {key}"}
    domain = "fuzz.example.com"
    answer = client.post("/api/websites", json={"name": "Fuzz", "domain": domain}, headers=bearer)
    assert answer.status_code == 201, answer.text
    website = answer.json()["data"]["id"]
    share = client.post(f"/api/websites/{website}/share", headers=bearer).json()["data"]
    goal = {"name": "Signup", "goal_type": "event", "match_value": "signup"}
    answer = client.post(f"/api/websites/{website}/goals", json=goal, headers=bearer)
    assert answer.status_code == 201, answer.text
    goal_id = answer.json()["data"]["id"]
    events = [
        {"website_id": website, "type": "pageview", "url": f"https://{domain}/{page}"}
        for page in ("", "pricing", "docs")
    ]
    events.append(
        {
            "website_id": website,
            "type": "event",
            "url": f"https://{domain}/pricing",
            "event_name": "signup",
            "event_data": {"plan": "pro"},
        }
    )
    answer = client.post("/api/collect", json=events, headers={"User-Agent": "Mozilla/5.0"})
    assert answer.status_code == 202, answer.text
    room = client.put("/api/rooms/fuzz", json={"state": {"n": 1}})
    assert room.status_code == 200, room.text
    return {
        "cookie": cookie,
        "api_key": key,
        "website_id": website,
        "domain": domain,
        "share_id": share["share_id"],
        "goal_id": goal_id,
    }


@pytest.fixture(scope="session")
def fuzz_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzTarget]:
    data_dir: Path = tmp_path_factory.mktemp("fuzz") / "data"
    server = start_server(
        data_dir,
        {
            "SPARKLYTICS_AUTH": "local",
            "SPARKLYTICS_BOOTSTRAP_PASSWORD": BOOTSTRAP,
            "SPARKLYTICS_HTTPS": "false",
            "SPARKLYTICS_RATE_LIMIT_DISABLE": "true",
            "SPARKLYTICS_BUFFER_FLUSH_MS": "200",
            "SPARKHOUSE_LOG_LEVEL": "WARNING",  # the run's thousands of requests: no access log
        },
    )
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            made = _set_up(client)
        target = FuzzTarget(server, **made)
        yield target
        _write_summary(target)
        # Every unexpected error is logged with its traceback: none may have happened.
        assert "Traceback" not in server.log(), server.log()[-5000:]
    finally:
        server.stop()


_RUNS: list[dict[str, int]] = []


def _write_summary(target: FuzzTarget) -> None:
    summary = {"examples_per_route": EXAMPLES, **dict(sorted(target.counts.items()))}
    _RUNS.append(summary)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    SUMMARY.write_text(json.dumps(summary, indent=2) + "\n")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for summary in _RUNS:
        terminalreporter.write_line(f"fuzz: {json.dumps(summary)}")
