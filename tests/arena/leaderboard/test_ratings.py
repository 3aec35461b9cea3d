"""Unit tests of the ratings: Glicko-2 against Glickman's worked example, and one game as
one rating period (pre-game snapshots of every opponent, outcomes by rank, the record,
games with fewer than two submissions skipped)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from appliance.arena.leaderboard.glicko2 import Rating, rate
from appliance.arena.leaderboard.models import FinishedGame, Metrics, PlayedSubmission
from appliance.arena.leaderboard.service import players, rate_games

T0 = datetime(2026, 12, 7, 12, 0, 0)
NOW = T0 + timedelta(hours=1)


def test_glickmans_worked_example() -> None:
    """'Example of the Glicko-2 system' (Glickman): 1500/200/0.06 against 1400/30 (won),
    1550/100 (lost), 1700/300 (lost) → 1464.06 / 151.52 / 0.05999 (the paper rounds its
    intermediate steps: the exact values are 1464.05 and 151.517)."""
    after = rate(
        Rating(1500, 200, 0.06),
        [(Rating(1400, 30), 1.0), (Rating(1550, 100), 0.0), (Rating(1700, 300), 0.0)],
    )
    assert after.rating == pytest.approx(1464.06, abs=0.02)
    assert after.rd == pytest.approx(151.52, abs=0.01)
    assert after.volatility == pytest.approx(0.05999, abs=1e-5)


def test_a_newcomer_starts_at_1500_350_006() -> None:
    assert Rating() == Rating(1500, 350, 0.06)


def test_a_period_without_games_only_widens_the_deviation() -> None:
    after = rate(Rating(1600, 100, 0.06), [])
    assert after.rating == 1600 and after.volatility == 0.06
    assert after.rd == pytest.approx((100**2 + (0.06 * 173.7178) ** 2) ** 0.5)
    assert rate(Rating(1500, 349.9, 0.06), []).rd == 350


def game(
    game_id: str,
    *entries: tuple[str, float, int, float],
    mode: str = "fastest",
    end: datetime = T0 + timedelta(minutes=15),
) -> FinishedGame:
    """A finished game; each entry (account, success rate, code length, seconds after the
    game's creation)."""
    return FinishedGame(
        id=game_id,
        mode=mode,
        created_at=T0,
        end_time=end,
        submissions=[
            PlayedSubmission(
                f"{game_id}-{account}", account, rate_, length, T0 + timedelta(seconds=s)
            )
            for account, rate_, length, s in entries
        ],
    )


def test_each_player_is_rated_against_every_opponents_pre_game_rating() -> None:
    known = {
        ("a", "fastest"): Metrics("a", "fastest", games_played=3, rating=1700, rd=50),
        ("b", "fastest"): Metrics("b", "fastest", games_played=3, rating=1400, rd=120),
    }
    # c (new) wins, a second, b last
    outcome = rate_games(
        [game("g1", ("a", 1.0, 10, 60), ("b", 1.0, 10, 90), ("c", 1.0, 10, 30))], known, NOW
    )
    before = {"a": Rating(1700, 50), "b": Rating(1400, 120), "c": Rating()}
    expected = {
        "c": rate(before["c"], [(before["a"], 1.0), (before["b"], 1.0)]),
        "a": rate(before["a"], [(before["b"], 1.0), (before["c"], 0.0)]),
        "b": rate(before["b"], [(before["a"], 0.0), (before["c"], 0.0)]),
    }
    for account, rating in expected.items():
        metrics = outcome.metrics[(account, "fastest")]
        assert metrics.glicko == rating, account
    # the stored records given are not changed: the outcome holds copies
    assert known[("a", "fastest")].rating == 1700
    assert not outcome.metrics[("c", "fastest")].stored
    assert outcome.metrics[("a", "fastest")].stored


def test_the_opponents_rating_is_theirs_not_the_players_own() -> None:
    """CodinCod read the opponent's rating from the player's own record: a strong player
    beating a weak one would then gain as much as against an equal."""
    known = {("strong", "fastest"): Metrics("strong", "fastest", rating=2000, rd=60)}
    outcome = rate_games([game("g1", ("strong", 1.0, 5, 10), ("weak", 1.0, 5, 20))], known, NOW)
    strong = outcome.metrics[("strong", "fastest")]
    assert strong.glicko == rate(Rating(2000, 60), [(Rating(), 1.0)])
    assert strong.glicko != rate(Rating(2000, 60), [(Rating(2000, 60), 1.0)])
    weak = outcome.metrics[("weak", "fastest")]
    assert weak.glicko == rate(Rating(), [(Rating(2000, 60), 0.0)])


def test_the_record_winner_scores_and_last_game() -> None:
    first_end, second_end = T0 + timedelta(minutes=15), T0 + timedelta(minutes=30)
    outcome = rate_games(
        [
            game("g1", ("a", 1.0, 10, 10), ("b", 1.0, 10, 20), end=first_end),
            game("g2", ("a", 1.0, 10, 40), ("b", 1.0, 10, 5), end=second_end),
        ],
        {},
        NOW,
    )
    a, b = outcome.metrics[("a", "fastest")], outcome.metrics[("b", "fastest")]
    assert (a.games_played, a.games_won, b.games_played, b.games_won) == (2, 1, 2, 1)
    assert a.best_score == pytest.approx(1e6 / 10) and b.best_score == pytest.approx(1e6 / 5)
    assert a.total_score == pytest.approx(1e6 / 10 + 1e6 / 40)
    assert a.average_score == pytest.approx((1e6 / 10 + 1e6 / 40) / 2)
    assert a.win_rate == 0.5
    assert a.last_game_date == second_end and a.updated_at == NOW
    assert outcome.rated == {"fastest": 2} and outcome.counted == ["g1", "g2"]
    # a second period starts from the first's result
    after_first = rate(Rating(), [(Rating(), 1.0)])
    b_after_first = rate(Rating(), [(Rating(), 0.0)])
    assert a.glicko == rate(after_first, [(b_after_first, 0.0)])


def test_a_failed_submission_ranks_below_and_scores_nothing() -> None:
    outcome = rate_games([game("g1", ("a", 0.5, 10, 5), ("b", 1.0, 10, 50))], {}, NOW)
    a, b = outcome.metrics[("a", "fastest")], outcome.metrics[("b", "fastest")]
    assert (a.games_won, a.best_score, b.games_won) == (0, 0.0, 1)


def test_games_with_fewer_than_two_submissions_are_skipped_but_counted() -> None:
    outcome = rate_games(
        [
            game("lonely", ("a", 1.0, 10, 10)),
            game("empty"),
            game("twice", ("a", 1.0, 10, 10), ("a", 1.0, 10, 20)),
        ],
        {},
        NOW,
    )
    assert outcome.metrics == {}
    assert outcome.counted == ["lonely", "empty", "twice"]
    assert outcome.skipped == 3 and outcome.rated == {}


def test_one_submission_per_player_their_first() -> None:
    played = game("g1", ("a", 1.0, 10, 30), ("b", 1.0, 10, 20), ("a", 1.0, 10, 10))
    entries = players(played)
    assert [(e.user_id, e.time_spent) for e in entries] == [("a", 10.0), ("b", 20.0)]


@pytest.mark.parametrize(
    ("mode", "winner"),
    [
        ("fastest", "quick"),
        ("random", "quick"),
        ("shortest", "short"),
        ("debug", "short"),
        ("typeracer", "long"),
        ("hardcore", "quick"),
        ("backwards", "quick"),
        ("incremental", "quick"),
        ("efficiency", "quick"),
    ],
)
def test_each_mode_ranks_by_its_own_order(mode: str, winner: str) -> None:
    # quick: 10 s, 400 chars; short: 100 s, 20 chars; long: 60 s, 5000 chars
    outcome = rate_games(
        [
            game(
                "g1",
                ("quick", 1.0, 400, 10),
                ("short", 1.0, 20, 100),
                ("long", 1.0, 5000, 60),
                mode=mode,
            )
        ],
        {},
        NOW,
    )
    won = [a for (a, m), x in outcome.metrics.items() if x.games_won and m == mode]
    assert won == [winner]
