"""The official `phoenix` npm client (with `ws` under Node 20) against the real server."""

from __future__ import annotations

import json

import pytest

from tests.conftest import RunningServer, run_node

pytestmark = pytest.mark.node


def test_phoenix_client_joins_board_and_receives_the_posted_spark(server: RunningServer) -> None:
    result = run_node("board_contract.mjs", server.url)
    assert result.returncode == 0, result.stdout + result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["ok"] and outcome["heartbeat"]
    assert outcome["posted"]["status"] == 202
    assert outcome["received"] == {"data": outcome["posted"]["body"]}
    assert outcome["received"]["data"] == {
        "x": 77,
        "y": 301,
        "color": [0.1, 0.2, 0.3, 0.9],
        "radius": 12.5,
        "transparency": 0.25,
        "time_to_grow": 2,
    }
