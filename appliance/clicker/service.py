"""The click engine: the one object that mutates the game state. No HTTP, no event loop.

State, per player id (a UUID string):

- ``players``: (name, live score, time of the last *counted* click). A player with no name and
  a live score of 0 carries no information, so the engine forgets it; an unknown id is
  therefore exactly "a player with score 0 and no name".
- ``_buckets``: live score → the players at that score, in the order they reached it (a dict
  keeps insertion order). A click moves a player from bucket s to the *end* of bucket s+1.
- ``_scores``: a sorted multiset (sortedcontainers) holding one entry per live player: its
  score, as one shared int object per distinct score. Rank = 1 + the number of entries above
  yours: O(log n), and since the list holds only pointers to a few distinct ints, its bisections
  stay in the CPU cache even with a million players — the click cost stays flat.
- ``_recent``: live players in order of their last counted click (oldest first), so scores that
  went stale (``reset_after_seconds`` without a click) are found from the front, O(1) each.
- ``_changes``: each player changed since the snapshot last looked, with its new state (None
  when forgotten). States are immutable tuples, so handing this dict over *is* a consistent
  copy of every change, at O(1) on the event loop.

Every public method is synchronous and runs on the event loop; nothing here awaits, so a click
is atomic with respect to every other click, read and snapshot capture.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from sortedcontainers import SortedList

from appliance.clicker.models import ClickResult, LeaderboardEntry, PlayerView, Throttled
from appliance.platform.ids import uuid4

Record = tuple[str, str | None, int, float]
"""A player as persisted: (player_id, name, score, last counted click in epoch seconds)."""

PlayerState = tuple[str | None, int, float]
"""(name, live score, last counted click). A tuple, not an object: tuples of plain values are
untracked by Python's garbage collector, so a million players add nothing to GC pauses."""

_FRESH: PlayerState = (None, 0, 0.0)  # what an unknown id is
# Epoch seconds as floats are only exact to ~0.2 µs; comparisons allow that much slack so
# "exactly 100 ms later" counts as 100 ms.
SLACK = 1e-6


class ClickEngine:
    """Players, throttling, resets and the leaderboard.

    ``clock`` returns wall-clock seconds: last-click times survive a restart through the
    snapshot, so the reset rule keeps working across restarts.
    """

    def __init__(
        self,
        *,
        min_interval_ms: int = 100,
        reset_after_seconds: float = 3600.0,
        top_n: int = 10,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.min_interval = min_interval_ms / 1000
        self.reset_after = reset_after_seconds
        self.top_n = top_n
        self.clock = clock
        self.players: dict[str, PlayerState] = {}
        self._buckets: dict[int, dict[str, None]] = {}
        self._canonical: dict[int, int] = {}  # score → the one int object used for it
        self._scores: Any = SortedList()  # of int, one per live player
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._changes: dict[str, PlayerState | None] = {}
        self.listeners: list[Callable[[], None]] = []
        self.clicks_counted = 0
        self.clicks_throttled = 0

    # -- players ---------------------------------------------------------------------------

    @staticmethod
    def new_player_id() -> str:
        return uuid4()

    def click(self, player_id: str) -> ClickResult:
        """Count one click, or raise :class:`Throttled` with the milliseconds to wait.

        ``player_id`` must already be canonical (see ``models.parse_player_id``).
        """
        now = self.clock()
        self._expire(now)
        name, score, last_click = self.players.get(player_id, _FRESH)
        if score:
            elapsed = now - last_click
            # A clock that stepped backwards (elapsed < 0) must not lock a player out.
            if 0 <= elapsed < self.min_interval - SLACK:
                self.clicks_throttled += 1
                wait_ms = math.ceil((self.min_interval - elapsed - SLACK) * 1000)
                raise Throttled(max(1, wait_ms))
            self._leave(player_id, score)
            if elapsed >= self.reset_after - SLACK:
                # Only reachable when the wall clock stepped back and _recent is out of order.
                score = 0
        score = self._enter(player_id, score + 1)
        self.players[player_id] = self._changes[player_id] = (name, score, now)
        self._recent[player_id] = None
        self._recent.move_to_end(player_id)
        self.clicks_counted += 1
        self._changed()
        return ClickResult(score, self._rank(score))

    def set_name(self, player_id: str, name: str) -> PlayerView:
        """Give a player a display name (already validated by ``models.parse_name``)."""
        self._expire(self.clock())
        old_name, score, last_click = self.players.get(player_id, _FRESH)
        if old_name != name:
            self.players[player_id] = self._changes[player_id] = (name, score, last_click)
            self._changed()
        return self._view(player_id)

    def view(self, player_id: str) -> PlayerView:
        """A player's name, live score and rank; an unknown id is a fresh player."""
        self._expire(self.clock())
        return self._view(player_id)

    def top(self, n: int | None = None) -> list[LeaderboardEntry]:
        """The first ``n`` (default ``top_n``) live players: higher score first, and on equal
        scores whoever reached the score first. O(n log players)."""
        self._expire(self.clock())
        limit = n or self.top_n
        scores, players = self._scores, self.players
        entries: list[LeaderboardEntry] = []
        index = len(scores)
        while index and len(entries) < limit:
            score = scores[index - 1]
            for player_id in self._buckets[score]:
                entries.append(
                    {"player_id": player_id, "name": players[player_id][0], "score": score}
                )
                if len(entries) == limit:
                    break
            index = scores.bisect_left(score)  # jump past everyone tied at this score
        return entries

    def expire(self) -> int:
        """Reset every score that went stale; returns how many. Reads do this lazily too."""
        return self._expire(self.clock())

    def stats(self) -> dict[str, int]:
        return {
            "players": len(self.players),
            "live_players": len(self._scores),
            "clicks_counted": self.clicks_counted,
            "clicks_throttled": self.clicks_throttled,
        }

    # -- persistence support ---------------------------------------------------------------

    def take_changes(self) -> dict[str, PlayerState | None]:
        """Each player changed since the last call with its current state (None: forgotten);
        the caller owns the returned dict."""
        changes, self._changes = self._changes, {}
        return changes

    def load(self, records: Iterable[Record]) -> None:
        """Replace the state with persisted records (at start-up, before serving)."""
        self.players = {}
        self._buckets, self._canonical, self._recent = {}, {}, OrderedDict()
        live: list[Record] = []
        for player_id, name, score, last_click in records:
            if score > 0:
                live.append((player_id, name, score, last_click))
            elif name is not None:
                self.players[player_id] = (name, 0, last_click)
        # Bucket order is the order players reached their score, i.e. their last click.
        live.sort(key=lambda record: record[3])
        scores: list[int] = []
        for player_id, name, score, last_click in live:
            score = self._canonical.setdefault(score, score)
            self._buckets.setdefault(score, {})[player_id] = None
            self.players[player_id] = (name, score, last_click)
            self._recent[player_id] = None
            scores.append(score)
        self._scores = SortedList(scores)
        self._changes = {}
        self._expire(self.clock())

    # -- internals -------------------------------------------------------------------------

    def _enter(self, player_id: str, score: int) -> int:
        """Put a player at the end of the bucket for ``score``; returns the shared int."""
        score = self._canonical.setdefault(score, score)
        bucket = self._buckets.get(score)
        if bucket is None:
            bucket = self._buckets[score] = {}
        bucket[player_id] = None
        self._scores.add(score)
        return score

    def _leave(self, player_id: str, score: int) -> None:
        bucket = self._buckets[score]
        del bucket[player_id]
        if not bucket:
            del self._buckets[score]
            del self._canonical[score]
        self._scores.remove(score)

    def _rank(self, score: int) -> int:
        """1 + the number of live players with a higher score (ties share a rank)."""
        return len(self._scores) - self._scores.bisect_right(score) + 1

    def _view(self, player_id: str) -> PlayerView:
        name, score, _ = self.players.get(player_id, _FRESH)
        rank = self._rank(score) if score else None
        return {"player_id": player_id, "name": name, "score": score, "rank": rank}

    def _expire(self, now: float) -> int:
        recent = self._recent
        if not recent:
            return 0
        cutoff = now - self.reset_after + SLACK
        players = self.players
        expired = 0
        while recent:
            player_id = next(iter(recent))
            name, score, last_click = players[player_id]
            if last_click > cutoff:
                break
            recent.popitem(last=False)
            self._leave(player_id, score)
            if name is None:
                del players[player_id]
                self._changes[player_id] = None
            else:
                players[player_id] = self._changes[player_id] = (name, 0, last_click)
            expired += 1
        if expired:
            self._changed()
        return expired

    def _changed(self) -> None:
        for listener in self.listeners:
            listener()
