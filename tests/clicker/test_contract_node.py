"""The official `phoenix` npm client (with `ws` under Node 20) plays the clicker."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable

import pytest

from tests.conftest import RunningServer, run_node

pytestmark = pytest.mark.node


def test_phoenix_client_joins_clicks_and_sees_the_leaderboard(
    make_server: Callable[..., RunningServer],
) -> None:
    # Its own server: on the shared one, other tests' players may fill the top 10.
    result = run_node("clicker_contract.mjs", make_server().url)
    assert result.returncode == 0, result.stdout + result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["ok"], outcome

    assert outcome["watcherJoin"] == {
        "player_id": outcome["watcherId"],
        "score": 0,
        "rank": None,
        "hasTop": True,
    }
    player_id = outcome["joined"]["player_id"]
    handle = outcome["joined"]["handle"]
    assert str(uuid.UUID(player_id)) == player_id
    assert re.fullmatch(r"[0-9a-f]{16}", handle)
    assert outcome["joined"]["score"] == 0 and outcome["joined"]["rank"] is None

    assert outcome["first"]["status"] == "ok"
    assert outcome["first"]["response"]["score"] == 1
    assert set(outcome["first"]["response"]) == {"score", "rank"}
    assert outcome["throttled"]["status"] == "error"
    assert outcome["throttled"]["response"]["reason"] == "throttled"
    assert 1 <= outcome["throttled"]["response"]["retry_after_ms"] <= 100
    assert outcome["renamed"]["status"] == 200
    assert outcome["renamed"]["body"]["name"] == "Node client"
    assert outcome["second"]["status"] == "ok"
    assert outcome["second"]["response"]["score"] == 2

    entries = {entry["handle"]: entry for entry in outcome["board"]["top"]}
    assert entries[handle] == {"handle": handle, "name": "Node client", "score": 2}
    assert player_id not in json.dumps(outcome["board"])  # the id is the player's key
    assert outcome["refused"]["reason"] == "invalid_player_id"
