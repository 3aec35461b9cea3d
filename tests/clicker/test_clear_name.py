"""A name can be cleared: the player is anonymous again (shown by the handle)."""

from __future__ import annotations

import time
import uuid

import httpx

from tests.clicker.test_engine import A, B, make_engine


def test_clearing_a_live_players_name_keeps_the_score() -> None:
    engine, clock = make_engine()
    engine.set_name(A, "Ada")
    engine.click(A)
    assert engine.top()[0]["name"] == "Ada"
    view = engine.clear_name(A)
    assert view["name"] is None and view["score"] == 1 and view["rank"] == 1
    assert engine.top() == [{"handle": engine.handle(A), "name": None, "score": 1}]
    clock.advance(1)
    assert engine.click(A) == (2, 1)  # still playing


def test_clearing_an_idle_players_name_forgets_the_player() -> None:
    engine, _ = make_engine()
    engine.set_name(B, "Bo")
    assert engine.knows(B)
    assert engine.clear_name(B)["name"] is None
    assert not engine.knows(B)  # no name and no score: nothing to keep
    assert engine.clear_name(B)["name"] is None  # clearing again is harmless
    engine.set_name(B, "Bo again")  # and the idle queue is consistent
    assert engine.view(B)["name"] == "Bo again"


def test_clearing_changes_the_snapshot_and_the_leaderboard() -> None:
    engine, _ = make_engine()
    engine.set_name(A, "Ada")
    engine.click(A)
    changes: list[int] = []
    engine.listeners.append(lambda: changes.append(1))
    engine.clear_name(A)
    assert changes
    engine.clear_name(A)  # no name left: no change
    assert len(changes) == 1


def test_delete_name_over_http(http: httpx.Client) -> None:
    player_id = str(uuid.uuid4())
    assert http.put(f"/api/clicker/players/{player_id}/name", json={"name": "Eve"}).is_success
    http.post("/api/clicker/click", json={"player_id": player_id})
    time.sleep(0.01)
    cleared = http.delete(f"/api/clicker/players/{player_id}/name")
    assert cleared.status_code == 200
    assert cleared.json()["name"] is None and cleared.json()["score"] == 1
    assert http.get(f"/api/clicker/players/{player_id}").json()["name"] is None
    bad = http.delete("/api/clicker/players/not-a-uuid/name")
    assert bad.status_code == 400
