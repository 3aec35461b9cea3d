"""The click engine's rules, driven directly (the same code the HTTP and socket paths call)."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest

from appliance.clicker.models import (
    GameFull,
    InvalidInput,
    Throttled,
    parse_name,
    parse_player_id,
)
from appliance.clicker.service import ClickEngine

A = "aaaaaaaa-0000-4000-8000-000000000001"
B = "bbbbbbbb-0000-4000-8000-000000000002"
C = "cccccccc-0000-4000-8000-000000000003"
D = "dddddddd-0000-4000-8000-000000000004"
E = "eeeeeeee-0000-4000-8000-000000000005"
F = "ffffffff-0000-4000-8000-000000000006"


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_engine(**options: float) -> tuple[ClickEngine, Clock]:
    clock = Clock()
    settings = {"min_interval_ms": 100, "reset_after_seconds": 3600, "top_n": 10, **options}
    engine = ClickEngine(
        min_interval_ms=int(settings["min_interval_ms"]),
        reset_after_seconds=settings["reset_after_seconds"],
        top_n=int(settings["top_n"]),
        forget_after_seconds=settings.get("forget_after_seconds", 7 * 86400),
        max_players=int(settings.get("max_players", 1_000_000)),
        clock=clock,
    )
    return engine, clock


# -- throttle ------------------------------------------------------------------------------


def test_a_click_too_soon_is_throttled_with_the_time_to_wait() -> None:
    engine, clock = make_engine()
    assert engine.click(A) == (1, 1)
    clock.advance(0.03)
    with pytest.raises(Throttled) as throttled:
        engine.click(A)
    assert throttled.value.retry_after_ms == 70
    assert engine.view(A)["score"] == 1  # not counted
    clock.advance(0.069)
    with pytest.raises(Throttled) as throttled:
        engine.click(A)
    assert throttled.value.retry_after_ms == 1
    clock.advance(0.001)  # exactly 100 ms after the last counted click
    assert engine.click(A).score == 2


def test_throttled_clicks_do_not_push_the_window_back() -> None:
    engine, clock = make_engine()
    engine.click(A)
    for _ in range(9):
        clock.advance(0.01)
        with pytest.raises(Throttled):
            engine.click(A)
    clock.advance(0.01)  # 100 ms after the *counted* click, despite nine throttled ones
    assert engine.click(A).score == 2
    assert engine.stats()["clicks_throttled"] == 9


def test_throttle_is_per_player_and_can_be_turned_off() -> None:
    engine, _ = make_engine()
    engine.click(A)
    assert engine.click(B).score == 1  # B is not slowed down by A
    unthrottled, _ = make_engine(min_interval_ms=0)
    assert [unthrottled.click(A).score for _ in range(5)] == [1, 2, 3, 4, 5]


def test_a_clock_stepping_back_does_not_lock_a_player_out() -> None:
    engine, clock = make_engine()
    engine.click(A)
    clock.advance(-30)
    assert engine.click(A).score == 2


# -- reset ---------------------------------------------------------------------------------


def test_an_idle_player_restarts_from_zero_and_leaves_the_board() -> None:
    engine, clock = make_engine(reset_after_seconds=60)
    for _ in range(3):
        engine.click(A)
        clock.advance(1)
    engine.click(B)
    clock.advance(59.5)  # A's last click was 60.5 s ago, B's 59.5 s ago
    assert [entry["handle"] for entry in engine.top()] == [engine.handle(B)]
    assert engine.view(A) == {
        "player_id": A,
        "handle": engine.handle(A),
        "name": None,
        "score": 0,
        "rank": None,
    }
    assert engine.click(A) == (1, 1)  # the click after the pause starts a new score at 1


def test_the_reset_happens_exactly_at_the_limit() -> None:
    engine, clock = make_engine(reset_after_seconds=10)
    engine.click(A)
    clock.advance(1)
    engine.click(A)
    clock.advance(9.999)
    assert engine.click(A).score == 3
    clock.advance(10)
    assert engine.click(A).score == 1


def test_reset_keeps_the_name_and_forgets_nameless_players() -> None:
    engine, clock = make_engine(reset_after_seconds=10)
    engine.set_name(A, "Ada")
    engine.click(A)
    engine.click(B)
    engine.take_changes()
    clock.advance(11)
    assert engine.expire() == 2
    assert engine.view(A) | {"handle": None} == {
        "player_id": A,
        "handle": None,
        "name": "Ada",
        "score": 0,
        "rank": None,
    }
    assert B not in engine.players
    # A at 0 keeps the moment it went idle: its last click + the reset interval.
    assert engine.take_changes() == {A: ("Ada", 0, clock.now - 1), B: None}


# -- rank and leaderboard ------------------------------------------------------------------


def test_equal_scores_share_a_rank_and_the_first_to_reach_it_is_listed_first() -> None:
    engine, clock = make_engine(min_interval_ms=0)
    engine.click(A)
    clock.advance(1)
    assert engine.click(B) == (1, 1)  # tied with A
    clock.advance(1)
    assert engine.click(B) == (2, 1)
    clock.advance(1)
    assert engine.click(C) == (1, 2)  # tied with A, behind B
    clock.advance(1)
    assert engine.click(A) == (2, 1)  # tied with B again
    assert engine.top() == [
        {"handle": engine.handle(B), "name": None, "score": 2},  # B reached 2 before A did
        {"handle": engine.handle(A), "name": None, "score": 2},
        {"handle": engine.handle(C), "name": None, "score": 1},
    ]
    assert [engine.view(p)["rank"] for p in (A, B, C)] == [1, 1, 3]  # "1, 1, 3" ranking
    assert engine.top(2) == engine.top()[:2]


def test_top_n_limits_the_board_but_not_the_rank() -> None:
    engine, clock = make_engine(min_interval_ms=0, top_n=3)
    ids = [f"00000000-0000-4000-8000-{i:012d}" for i in range(20)]
    for index, player_id in enumerate(ids):
        for _ in range(index + 1):
            engine.click(player_id)
        clock.advance(0.001)
    top = engine.top()
    assert [entry["score"] for entry in top] == [20, 19, 18]
    assert engine.view(ids[0])["rank"] == 20
    assert engine.view(ids[10])["rank"] == 10
    assert len(engine.top(15)) == 15


def test_names_show_on_the_board_and_unknown_ids_are_fresh_players() -> None:
    engine, _ = make_engine()
    assert engine.view(A)["score"] == 0 and engine.view(A)["rank"] is None
    assert A not in engine.players  # looking does not create anything
    assert engine.set_name(A, "Ada")["name"] == "Ada"
    engine.click(A)
    assert engine.top() == [{"handle": engine.handle(A), "name": "Ada", "score": 1}]


def test_every_change_notifies_the_listeners_once() -> None:
    engine, _clock = make_engine()
    calls: list[int] = []
    engine.listeners.append(lambda: calls.append(1))
    engine.click(A)
    with pytest.raises(Throttled):
        engine.click(A)
    engine.set_name(A, "Ada")
    engine.set_name(A, "Ada")  # unchanged: no notification
    assert len(calls) == 2


# -- load ------------------------------------------------------------------------------------


def test_load_rebuilds_ranks_and_applies_resets_that_fell_due_meanwhile() -> None:
    engine, clock = make_engine(reset_after_seconds=100)
    now = clock.now
    engine.load(
        [
            (A, "Ada", 5, now - 10),
            (B, None, 9, now - 500),  # stale and nameless: forgotten
            (C, "Cy", 7, now - 5),
        ]
    )
    board = [(e["handle"], e["score"]) for e in engine.top()]
    assert board == [(engine.handle(C), 7), (engine.handle(A), 5)]
    assert engine.stats()["live_players"] == 2
    assert B not in engine.players
    assert engine.take_changes() == {B: None}
    clock.advance(0.2)
    assert engine.click(A) == (6, 2)


# -- bounded state: idle names are forgotten, the store is capped ---------------------------


def test_a_named_player_at_zero_is_forgotten_after_the_idle_time() -> None:
    engine, clock = make_engine(reset_after_seconds=10, forget_after_seconds=100)
    engine.set_name(A, "Ada")  # named, never clicked: idle from now
    engine.set_name(B, "Bo")
    engine.click(B)  # named, with a live score: stale in 10 s, idle from then
    clock.advance(99)
    engine.set_name(A, "Ada")  # a rename is activity: A's idle clock restarts
    clock.advance(11)  # B went stale 100 s ago
    engine.take_changes()
    assert engine.expire() == 1
    assert B not in engine.players and engine.view(B)["name"] is None
    assert engine.take_changes() == {B: None}
    clock.advance(88)  # 99 s since A's rename
    assert engine.view(A)["name"] == "Ada"
    clock.advance(1)
    assert engine.expire() == 1 and A not in engine.players
    assert engine.stats()["players"] == 0


def test_a_named_player_at_zero_who_clicks_again_is_no_longer_idle() -> None:
    engine, clock = make_engine(forget_after_seconds=100)
    engine.set_name(A, "Ada")
    clock.advance(50)
    assert engine.click(A).score == 1
    clock.advance(60)  # idle 110 s after the name, but it clicked 60 s ago
    assert engine.view(A) | {"handle": ""} == {
        "player_id": A,
        "handle": "",
        "name": "Ada",
        "score": 1,
        "rank": 1,
    }


def test_at_the_cap_a_new_player_displaces_the_longest_idle_name() -> None:
    engine, clock = make_engine(min_interval_ms=0, max_players=3)
    engine.set_name(A, "Ada")
    clock.advance(1)
    engine.set_name(B, "Bo")
    clock.advance(1)
    engine.click(C)
    engine.take_changes()
    assert engine.click(D).score == 1  # full: A, idle the longest, makes way
    assert set(engine.players) == {B, C, D}
    assert engine.take_changes() == {A: None, D: (None, 1, clock.now)}
    assert engine.stats()["players_displaced"] == 1

    engine.click(B)  # now every player has a live score
    with pytest.raises(GameFull) as full:
        engine.click(E)
    assert full.value.status == 503 and full.value.code == "game_full"
    assert full.value.retry_after_ms == 3_600_000  # C's score goes stale first, in an hour
    assert full.value.headers["Retry-After"] == "3600"
    with pytest.raises(GameFull):
        engine.set_name(E, "Eve")
    assert set(engine.players) == {B, C, D}
    assert engine.click(C).score == 2  # players already in keep playing

    clock.advance(3600)  # every score went stale; B keeps its name, at 0
    assert engine.click(E).score == 1
    assert set(engine.players) == {B, E}


def test_load_applies_forgetting_and_the_cap() -> None:
    engine, clock = make_engine(reset_after_seconds=100, forget_after_seconds=1000, max_players=3)
    now = clock.now
    dropped = engine.load(
        [
            (A, "Ada", 5, now - 10),  # live
            (B, "Bo", 0, now - 2000),  # idle too long: forgotten
            (C, "Cy", 3, now - 1050),  # stale since now - 950: an idle name
            (D, "Di", 0, now - 500),  # idle
            (E, "Ed", 0, now - 400),  # idle, the most recent
            (F, None, 2, now - 5),  # live
        ]
    )
    assert dropped == 2  # over the cap: live scores stay, then the most recent names
    assert set(engine.players) == {A, E, F}
    assert engine.take_changes() == {B: None, C: None, D: None}
    clock.advance(601)  # E idle 1001 s: forgotten; A and F went stale (A keeps its name)
    assert engine.expire() == 3 and set(engine.players) == {A}

    engine, clock = make_engine(max_players=1)
    assert engine.load([(A, None, 5, clock.now - 10), (F, None, 2, clock.now - 5)]) == 1
    assert set(engine.players) == {F}  # the most recent click


# -- handles: the board never shows an id ----------------------------------------------------


def test_the_board_names_players_by_a_keyed_handle_never_by_id() -> None:
    key = bytes(range(32))
    engine = ClickEngine(handle_key=key)
    engine.set_name(A, "Ada")
    engine.click(A)
    engine.click(B)
    top = engine.top()
    assert [set(entry) for entry in top] == [{"handle", "name", "score"}] * 2
    assert A not in repr(top) and B not in repr(top)
    handle = top[0]["handle"]
    assert re.fullmatch(r"[0-9a-f]{16}", handle)
    assert handle == hmac.new(key, A.encode(), hashlib.sha256).hexdigest()[:16]
    assert engine.view(A)["handle"] == handle  # the player learns its own handle
    assert ClickEngine(handle_key=key).handle(A) == handle  # same secret: same handle
    assert ClickEngine().handle(A) != handle  # a handle cannot be made without the secret
    assert top[1]["handle"] != handle


# -- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Ada", "Ada"),
        ("  Ada Lovelace  ", "Ada Lovelace"),
        ("x" * 24, "x" * 24),
        ("Zoë 🚀", "Zoë 🚀"),
        ("e\u0301", "\u00e9"),  # NFC: one character
        ("日本語の名前", "日本語の名前"),
    ],
)
def test_valid_names(raw: str, expected: str) -> None:
    assert parse_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "1 to 24 characters"),
        ("   ", "1 to 24 characters"),
        ("x" * 25, "at most 24 characters (got 25)"),
        ("tab\there", "U+0009"),
        ("new\nline", "U+000A"),
        ("zero\u200bwidth", "U+200B"),
        ("bidi\u202eevil", "U+202E"),
        ("nul\x00", "U+0000"),
        (42, "must be a string"),
        (None, "must be a string"),
    ],
)
def test_invalid_names_say_why(raw: object, message: str) -> None:
    with pytest.raises(InvalidInput) as invalid:
        parse_name(raw)
    assert message in invalid.value.message
    assert invalid.value.field == "name"


def test_player_ids_are_canonical_uuids() -> None:
    assert parse_player_id(A.upper()) == A
    for bad in ("", "nope", A[:-1], A + "0", A + "\n", "{" + A + "}", A.replace("-", ""), 7, None):
        with pytest.raises(InvalidInput):
            parse_player_id(bad)


def test_the_board_matches_a_brute_force_model() -> None:
    """Random clicks, names, pauses and resets against a plain re-computation."""
    import random

    rng = random.Random(4)
    engine, clock = make_engine(min_interval_ms=0, reset_after_seconds=50, top_n=7)
    ids = [f"00000000-0000-4000-8000-{index:012d}" for index in range(30)]
    score: dict[str, int] = {}
    reached: dict[str, float] = {}  # when each player reached its current score
    for _ in range(3000):
        player_id = rng.choice(ids)
        if rng.random() < 0.05:
            engine.set_name(player_id, f"n{rng.randrange(100)}")
        else:
            stale = clock.now - reached.get(player_id, -1e9) >= 50
            score[player_id] = 1 if stale else score[player_id] + 1
            reached[player_id] = clock.now
            assert engine.click(player_id).score == score[player_id]
        clock.advance(rng.choice([0.01, 0.2, 1, 3]) if rng.random() < 0.97 else 60)
        live = {p: score[p] for p in score if clock.now - reached[p] < 50}
        expected = sorted(live, key=lambda p: (-live[p], reached[p]))[:7]
        assert [entry["handle"] for entry in engine.top()] == [engine.handle(p) for p in expected]
        for p in ids:
            view = engine.view(p)
            assert view["score"] == live.get(p, 0)
            higher = sum(other > live[p] for other in live.values()) if p in live else None
            assert view["rank"] == (None if higher is None else higher + 1)
