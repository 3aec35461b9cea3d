"""The click engine: the one object that mutates the game state. No HTTP, no event loop.

State, per player id (a UUID string):

- ``players``: (name, live score, time). The time is that of the last *counted* click while
  the score is live, and the moment the player went idle once it is 0 (its score went stale,
  or its last rename). A player with no name and a live score of 0 carries no information, so
  the engine forgets it; an unknown id is therefore exactly "a player with score 0 and no
  name". A named player idle for ``forget_after_seconds`` is forgotten too, and at most
  ``max_players`` are kept: a new player displaces the longest-idle one without a live score.
- ``_buckets``: live score → the players at that score, in the order they reached it (a dict
  keeps insertion order). A click moves a player from bucket s to the *end* of bucket s+1.
- ``_scores``: a sorted multiset (sortedcontainers) holding one entry per live player: its
  score, as one shared int object per distinct score. Rank = 1 + the number of entries above
  yours: O(log n), and since the list holds only pointers to a few distinct ints, its bisections
  stay in the CPU cache even with a million players — the click cost stays flat.
- ``_recent``: live players in order of their last counted click (oldest first), so scores that
  went stale (``reset_after_seconds`` without a click) are found from the front, O(1) each.
- ``_idle``: the named players at 0, in the order they went idle, so names to forget are
  found from the front the same way.
- ``_changes``: each player changed since the snapshot last looked, with its new state (None
  when forgotten). States are immutable tuples, so handing this dict over *is* a consistent
  copy of every change, at O(1) on the event loop.

Every public method is synchronous and runs on the event loop; nothing here awaits, so a click
is atomic with respect to every other click, read and snapshot capture.

The player id is the player's only credential, so nothing public shows it: the leaderboard
shows a *handle*, a keyed hash of the id (HMAC-SHA256 with a secret kept in the data dir), which
names the player without letting anyone act as them.
"""

from __future__ import annotations

import functools
import hmac
import math
import secrets
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

from sortedcontainers import SortedList

from appliance.clicker.models import (
    ClickResult,
    GameFull,
    LeaderboardEntry,
    PlayerView,
    RateLimited,
    Throttled,
)
from appliance.platform.ids import uuid4
from appliance.platform.ratelimit import RateLimiter

Record = tuple[str, str | None, int, float]
"""A player as persisted: (player_id, name, score, time in epoch seconds — see PlayerState)."""

PlayerState = tuple[str | None, int, float]
"""(name, live score, time): the last counted click while the score is live, the moment the
player went idle while it is 0. A tuple, not an object: tuples of plain values are untracked
by Python's garbage collector, so a million players add nothing to GC pauses."""

HANDLE_KEY_BYTES = 32
HANDLE_HEX_CHARS = 16  # 64 bits: no two players of a million share one in practice
_HANDLE_CACHE = 4096  # handles of the players on recent leaderboards

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
        forget_after_seconds: float = 7 * 86400.0,
        max_players: int = 1_000_000,
        handle_key: bytes | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.min_interval = min_interval_ms / 1000
        self.reset_after = reset_after_seconds
        self.forget_after = forget_after_seconds
        self.max_players = max_players
        self.top_n = top_n
        self.clock = clock
        self.set_handle_key(handle_key or secrets.token_bytes(HANDLE_KEY_BYTES))
        self.players: dict[str, PlayerState] = {}
        self._buckets: dict[int, dict[str, None]] = {}
        self._canonical: dict[int, int] = {}  # score → the one int object used for it
        self._scores: Any = SortedList()  # of int, one per live player
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._idle: OrderedDict[str, None] = OrderedDict()
        self._changes: dict[str, PlayerState | None] = {}
        self.listeners: list[Callable[[], None]] = []
        self.clicks_counted = 0
        self.clicks_throttled = 0
        self.players_displaced = 0

    # -- players ---------------------------------------------------------------------------

    @staticmethod
    def new_player_id() -> str:
        return uuid4()

    def set_handle_key(self, key: bytes) -> None:
        """The secret the handles are made with (the store keeps it across restarts)."""
        self._handle_key = key
        self.handle: Callable[[str], str] = functools.lru_cache(maxsize=_HANDLE_CACHE)(
            self._make_handle
        )

    def _make_handle(self, player_id: str) -> str:
        digest = hmac.digest(self._handle_key, player_id.encode(), "sha256")
        return digest.hex()[:HANDLE_HEX_CHARS]

    def knows(self, player_id: str) -> bool:
        """Whether the engine holds state for this id (a click or a name would not create
        a player)."""
        return player_id in self.players

    def click(self, player_id: str) -> ClickResult:
        """Count one click, or raise :class:`Throttled` with the milliseconds to wait
        (:class:`GameFull` for a new player when every place holds a live score).

        ``player_id`` must already be canonical (see ``models.parse_player_id``).
        """
        now = self.clock()
        self._expire(now)
        state = self.players.get(player_id)
        if state is None:
            self._make_room(now)
            name, score, last_click = _FRESH
        else:
            name, score, last_click = state
        if not score:
            if state is not None:
                del self._idle[player_id]  # a named player at 0 plays again
        else:
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
        """Give a player a display name (already validated by ``models.parse_name``). At 0, a
        rename is activity: the idle clock restarts (:class:`GameFull` as for a click)."""
        now = self.clock()
        self._expire(now)
        state = self.players.get(player_id)
        if state is None:
            self._make_room(now)
            self._park(player_id, name, now)
            self._changed()
        elif state[1]:
            if state[0] != name:
                self.players[player_id] = self._changes[player_id] = (name, state[1], state[2])
                self._changed()
        else:
            self._park(player_id, name, now)
            self._changed()
        return self._view(player_id)

    def clear_name(self, player_id: str) -> PlayerView:
        """Take a player's name away: the leaderboard shows their handle again. A player at 0
        left without a name carries nothing, so the engine forgets it (as an unknown id)."""
        self._expire(self.clock())
        state = self.players.get(player_id)
        if state is not None and state[0] is not None:
            if state[1]:
                self.players[player_id] = self._changes[player_id] = (None, state[1], state[2])
            else:
                del self._idle[player_id]
                self._forget(player_id)
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
        scores, players, handle = self._scores, self.players, self.handle
        entries: list[LeaderboardEntry] = []
        index = len(scores)
        while index and len(entries) < limit:
            score = scores[index - 1]
            for player_id in self._buckets[score]:
                entries.append(
                    {"handle": handle(player_id), "name": players[player_id][0], "score": score}
                )
                if len(entries) == limit:
                    break
            index = scores.bisect_left(score)  # jump past everyone tied at this score
        return entries

    def expire(self) -> int:
        """Reset every score that went stale and forget every name idle too long; returns
        how many players changed. Reads do this lazily too."""
        return self._expire(self.clock())

    def stats(self) -> dict[str, int]:
        return {
            "players": len(self.players),
            "live_players": len(self._scores),
            "idle_players": len(self._idle),
            "max_players": self.max_players,
            "players_displaced": self.players_displaced,
            "clicks_counted": self.clicks_counted,
            "clicks_throttled": self.clicks_throttled,
        }

    # -- persistence support ---------------------------------------------------------------

    def take_changes(self) -> dict[str, PlayerState | None]:
        """Each player changed since the last call with its current state (None: forgotten);
        the caller owns the returned dict."""
        changes, self._changes = self._changes, {}
        return changes

    def load(self, records: Iterable[Record]) -> int:
        """Replace the state with persisted records (at start-up, before serving), applying
        the resets, forgetting and cap that fell due meanwhile; returns how many players the
        cap left out."""
        now = self.clock()
        self.players = {}
        self._buckets, self._canonical = {}, {}
        self._recent, self._idle = OrderedDict(), OrderedDict()
        self._changes = {}
        stale_before = now - self.reset_after + SLACK
        forgotten_before = now - self.forget_after + SLACK
        live: list[Record] = []
        idle: list[Record] = []
        for player_id, name, score, when in records:
            if score > 0 and when > stale_before:
                live.append((player_id, name, score, when))
                continue
            since = when + self.reset_after if score > 0 else when  # the score went stale
            if name is None or since <= forgotten_before:
                self._changes[player_id] = None  # nothing to keep, or idle too long
                continue
            idle.append((player_id, name, 0, since))
            if score > 0:
                self._changes[player_id] = (name, 0, since)
        # Over the cap (a lowered setting, an old file): keep live scores first, then the most
        # recently idle names, as a new player's arrival would have.
        live.sort(key=lambda record: record[3])  # the order players reached their score
        idle.sort(key=lambda record: record[3])
        dropped = max(0, len(live) + len(idle) - self.max_players)
        dropped_idle = min(dropped, len(idle))
        dropped_live = dropped - dropped_idle
        for player_id, *_ in idle[:dropped_idle] + live[:dropped_live]:
            self._changes[player_id] = None
        scores: list[int] = []
        for player_id, name, score, last_click in live[dropped_live:]:
            score = self._canonical.setdefault(score, score)
            self._buckets.setdefault(score, {})[player_id] = None
            self.players[player_id] = (name, score, last_click)
            self._recent[player_id] = None
            scores.append(score)
        for player_id, name, _, since in idle[dropped_idle:]:
            self.players[player_id] = (name, 0, since)
            self._idle[player_id] = None
        self._scores = SortedList(scores)
        self._expire(now)
        return dropped

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
        return {
            "player_id": player_id,
            "handle": self.handle(player_id),
            "name": name,
            "score": score,
            "rank": rank,
        }

    def _park(self, player_id: str, name: str, since: float) -> None:
        """Put a named player at 0 at the end of the idle queue, idle since ``since``.

        The queue stays in time order, so forgetting reads only its front: a time earlier
        than the last one queued (a score found stale a moment late, a clock step) is raised
        to it, which keeps the name a few seconds longer at most.
        """
        idle = self._idle
        idle.pop(player_id, None)
        if idle:
            since = max(since, self.players[next(reversed(idle))][2])
        self.players[player_id] = self._changes[player_id] = (name, 0, since)
        idle[player_id] = None

    def _forget(self, player_id: str) -> None:
        del self.players[player_id]
        self._changes[player_id] = None

    def _make_room(self, now: float) -> None:
        """Before a new player is added: at the cap, the longest-idle named player at 0 makes
        way; if every player holds a live score, the newcomer waits for the oldest to go
        stale (GameFull)."""
        if len(self.players) < self.max_players:
            return
        if self._idle:
            player_id, _ = self._idle.popitem(last=False)
            self._forget(player_id)
            self.players_displaced += 1
            return
        oldest = self.players[next(iter(self._recent))][2]
        raise GameFull(self.max_players, oldest + self.reset_after - now)

    def _expire(self, now: float) -> int:
        players, recent, idle = self.players, self._recent, self._idle
        expired = 0
        if recent:
            cutoff = now - self.reset_after + SLACK
            while recent:
                player_id = next(iter(recent))
                name, score, last_click = players[player_id]
                if last_click > cutoff:
                    break
                recent.popitem(last=False)
                self._leave(player_id, score)
                if name is None:
                    self._forget(player_id)
                else:
                    self._park(player_id, name, last_click + self.reset_after)
                expired += 1
        if idle:
            cutoff = now - self.forget_after + SLACK
            while idle:
                player_id = next(iter(idle))
                if players[player_id][2] > cutoff:
                    break
                idle.popitem(last=False)
                self._forget(player_id)
                expired += 1
        if expired:
            self._changed()
        return expired

    def _changed(self) -> None:
        for listener in self.listeners:
            listener()


class PlayerLimits:
    """Per client address: how many new players and renames it may make a minute.

    A new player is state the engine did not hold (a first click or a first name on an id);
    handing out an id creates nothing, so it is free. Keyed by the address from
    ``platform.http.client_ip`` (behind a trusted proxy, the forwarded client).
    """

    def __init__(self, new_players_per_minute: int, renames_per_minute: int) -> None:
        self.new_players = RateLimiter(new_players_per_minute)
        self.renames = RateLimiter(renames_per_minute)

    def admit_click(self, engine: ClickEngine, player_id: str, address: str) -> None:
        if not engine.knows(player_id):
            self._hit(self.new_players, address, "new players")

    def admit_rename(self, engine: ClickEngine, player_id: str, address: str) -> None:
        self._hit(self.renames, address, "renames")
        if not engine.knows(player_id):
            self._hit(self.new_players, address, "new players")

    def admit_clear_name(self, address: str) -> None:
        """Clearing a name counts as a rename (it changes the leaderboard); it creates no
        player."""
        self._hit(self.renames, address, "renames")

    @staticmethod
    def _hit(limiter: RateLimiter, address: str, what: str) -> None:
        wait = limiter.hit(address)
        if wait:
            raise RateLimited(what, limiter.limit, wait)
