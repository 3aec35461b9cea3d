"""Per-game ranking, scores and the acceptance rule of codincod-contract.md §5 / §9.1, as pure
functions (no I/O): the games context uses them for the standings of a game and to accept a
submission into one; the leaderboard's rating job ranks finished games with the same functions.

An entry is one player's submission in a game: its success rate, the seconds from the game's
creation to the submission (``time_spent``, so it includes the countdown, as CodinCod does),
the code's length and the attempts (always 1, as CodinCod). Ranking sorts by the mode's
comparator; ranks are positions, 1-based, without ties (the sort is stable, so equal entries
keep their order — the earlier submission first when entries are given in submission order).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Mode = Literal[
    "fastest",
    "shortest",
    "backwards",
    "hardcore",
    "debug",
    "typeracer",
    "efficiency",
    "incremental",
    "random",
]
MODES: tuple[Mode, ...] = (
    "fastest",
    "shortest",
    "backwards",
    "hardcore",
    "debug",
    "typeracer",
    "efficiency",
    "incremental",
    "random",
)
DEFAULT_MODE: Mode = "fastest"
MIN_TIME = 1e-3
"""Seconds a time is at least (a submission at the very instant of creation divides by it)."""


@dataclass(frozen=True)
class Entry:
    """One player's submission in a game."""

    user_id: str
    submission_id: str
    success_rate: float
    time_spent: float
    code_length: int
    attempts: int = 1


@dataclass(frozen=True)
class Ranked:
    entry: Entry
    rank: int
    score: float


def acceptance(mode: str, success_rate: float, attempts: int = 1) -> str | None:
    """Why a submission may not be linked to a game of ``mode`` (§9.1), or None when it may:
    hardcore refuses more than one attempt; incremental needs some tests passed; backwards
    and debug accept anything; every other mode needs every test passed."""
    if mode == "hardcore":
        if attempts > 1:
            return "Hardcore mode allows a single attempt"
        return None if success_rate >= 1 else "Every test must pass"
    if mode == "incremental":
        return None if success_rate > 0 else "At least one test must pass"
    if mode in ("backwards", "debug"):
        return None
    return None if success_rate >= 1 else "Every test must pass"


def _time(entry: Entry) -> float:
    return max(entry.time_spent, MIN_TIME)


def score(mode: str, entry: Entry) -> float:
    """The entry's score in ``mode`` (§9.1); 0 when the mode's success condition fails."""
    rate, time, length = entry.success_rate, _time(entry), entry.code_length
    solved = rate >= 1
    if mode == "shortest":
        return 1e6 / length if solved and length > 0 else 0.0
    if mode == "backwards":
        return (1e6 / time) * (1 - 0.1 * entry.attempts) if solved else 0.0
    if mode == "hardcore":
        return 1e6 / time if solved and entry.attempts <= 1 else 0.0
    if mode == "debug":
        return (1e6 / time) * max(0.5, 1 - length / 10000) if solved else 0.0
    if mode == "efficiency":
        if not solved:
            return 0.0
        return 0.4 * 1e6 / time + (0.6 * 5e5 / length if length > 0 else 0.0)
    if mode == "typeracer":
        return (length / time) * 1000 if solved else 0.0
    if mode == "incremental":
        return 1e6 * rate * max(0.1, 1 - time / 3600) if rate > 0 else 0.0
    return 1e6 / time if solved else 0.0  # fastest, random, and an unknown mode


def _key(mode: str, entry: Entry) -> tuple[float, ...]:
    """The mode's order, best first, as an ascending sort key."""
    rate, time, length = entry.success_rate, _time(entry), entry.code_length
    if mode == "shortest":
        return (-rate, length, time)
    if mode == "backwards":
        return (-rate, entry.attempts, time)
    if mode == "hardcore":
        first_try = rate >= 1 and entry.attempts <= 1
        return (0 if first_try else 1, time)
    if mode == "debug":
        return (-rate, length, time)
    if mode in ("efficiency", "typeracer"):
        return (-rate, -score(mode, entry))
    return (-rate, time)  # fastest, random, incremental


def rank(mode: str, entries: Sequence[Entry]) -> list[Ranked]:
    """The entries in the mode's order, with their 1-based ranks and scores."""
    ordered = sorted(entries, key=lambda entry: _key(mode, entry))
    return [
        Ranked(entry=entry, rank=position, score=score(mode, entry))
        for position, entry in enumerate(ordered, start=1)
    ]
