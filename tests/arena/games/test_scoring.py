"""The per-game ranking, scores and acceptance rule of §9.1 (pure functions)."""

from __future__ import annotations

import pytest

from appliance.arena.games.scoring import Entry, acceptance, rank, score


def entry(user: str, rate: float = 1.0, time: float = 10.0, length: int = 100) -> Entry:
    return Entry(user, f"s-{user}", rate, time, length)


@pytest.mark.parametrize(
    ("mode", "rate", "accepted"),
    [
        ("fastest", 1.0, True),
        ("fastest", 0.9, False),
        ("shortest", 0.5, False),
        ("random", 1.0, True),
        ("hardcore", 1.0, True),
        ("hardcore", 0.5, False),
        ("incremental", 0.1, True),
        ("incremental", 0.0, False),
        ("backwards", 0.0, True),
        ("debug", 0.0, True),
        ("typeracer", 0.99, False),
        ("efficiency", 1.0, True),
    ],
)
def test_acceptance(mode: str, rate: float, accepted: bool) -> None:
    assert (acceptance(mode, rate) is None) is accepted


def test_hardcore_refuses_a_second_attempt() -> None:
    assert acceptance("hardcore", 1.0, attempts=2) is not None


def test_fastest_ranks_by_rate_then_time() -> None:
    ranked = rank("fastest", [entry("a", time=20), entry("b", time=10), entry("c", rate=0.5)])
    assert [(r.entry.user_id, r.rank) for r in ranked] == [("b", 1), ("a", 2), ("c", 3)]
    assert ranked[0].score == pytest.approx(1e5)
    assert ranked[2].score == 0


def test_shortest_ranks_by_length_then_time() -> None:
    ranked = rank("shortest", [entry("a", length=50, time=5), entry("b", length=40, time=9)])
    assert [r.entry.user_id for r in ranked] == ["b", "a"]
    assert ranked[0].score == pytest.approx(1e6 / 40)


def test_scores_of_the_other_modes() -> None:
    e = entry("a", time=100, length=2000)
    assert score("backwards", e) == pytest.approx(1e4 * 0.9)
    assert score("debug", e) == pytest.approx(1e4 * 0.8)
    assert score("efficiency", e) == pytest.approx(0.4 * 1e4 + 0.6 * 5e5 / 2000)
    assert score("typeracer", e) == pytest.approx(2000 / 100 * 1000)
    assert score("incremental", entry("b", rate=0.5, time=1800)) == pytest.approx(1e6 * 0.5 * 0.5)
    assert score("incremental", entry("c", rate=1, time=7200)) == pytest.approx(1e6 * 0.1)


def test_efficiency_and_typeracer_rank_by_score() -> None:
    slow_long = entry("a", time=100, length=5000)
    fast_short = entry("b", time=10, length=100)
    assert [r.entry.user_id for r in rank("typeracer", [fast_short, slow_long])] == ["a", "b"]
    assert [r.entry.user_id for r in rank("efficiency", [slow_long, fast_short])] == ["b", "a"]


def test_ties_keep_the_given_order() -> None:
    ranked = rank("fastest", [entry("a"), entry("b")])
    assert [(r.entry.user_id, r.rank) for r in ranked] == [("a", 1), ("b", 2)]
