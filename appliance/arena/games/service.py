"""Live games, behind any door (codincod-contract.md §4, §3.7, §9.1; issue 19's fixed QUIRKs).

:class:`GameService` holds the waiting rooms (in memory) and the games (in the store), and
tells every door what to send through the :class:`Outbox`\\ es added to it: the lobby (every
waiting-room socket), some users (the members of a room: their waiting-room sockets) and a
game (every socket of that game, and only of that game). A door — the Phoenix channels of
``channels.py`` today, CodinCod's plain ``/ws`` later — calls the methods below with the
caller's :class:`Principal` and renders the :class:`ServiceError`\\ s they raise (CodinCod's
``{error, message, …}`` members) in its own words.

Decisions:

* a room holds a user once; hosting or joining a room leaves the previous one;
* ``game:start`` by any member picks a random approved puzzle (none → :data:`NOT_ENOUGH`);
  the game starts after the countdown (15 s) and lasts ``maxGameDurationInSeconds`` (900 s);
  every member is a player; the room keeps the game until it ends (a late joiner gets
  ``game:start``, another ``game:start`` answers the same game), then may start another;
* a submission is linked to a running game only (before the start or from the end on it is
  refused, saying so), by a player, for the game's puzzle, in an allowed language, accepted
  by the mode (§9.1), within 10 s of its creation, once per player;
* the server ends every game at its ``endTime`` (a timer per game, re-armed after a restart)
  and broadcasts the final standings; an ended game is read-only (no joining, no linking);
* chat: 1–160 characters, the username from the token, a ban check before each message;
  read-only once the game ended. A room's chat (``room:chat-message``) is for its members,
  1–500 characters, not stored;
* a user leaves their room when their last waiting-room socket closes, at every door;
* chat lines (a game's and a room's) are not sent to the users who blocked their author
  (``blockedUsers`` of the preferences), at every door. The blocked lists are read at most
  every ``BLOCKED_TTL`` seconds per recipient, so a new block applies within that (a stale
  list serves while it is read again, in the background, with the others gone stale).

The chat's hot path (1,000 lines a second in the bench) reads nothing from the store:

* each game's ``endTime`` (all a chat line needs of it: it never changes) is kept from its
  creation or first read;
* a "not banned" verdict is kept ``BAN_TTL`` seconds; the moderation routes that ban, unban
  or uphold a report (whose escalation may ban) drop the kept verdicts
  (:meth:`GameService.bans_changed`), so a ban silences at once;
* the blocked lists are kept (above);
* a chat line is broadcast at once and stored by a background writer, in one transaction per
  ``CHAT_BATCH_SECONDS``; :meth:`GameService.flush_chat` (awaited by the moderation routes
  before they read chat lines, and by :meth:`GameService.stop`) stores every line accepted so
  far. A batch the store refuses is retried line by line (a line whose author's account went
  meanwhile is logged and dropped).

No HTTP, no sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, Protocol

from pydantic import ValidationError

from appliance.arena.accounts.models import Principal
from appliance.arena.accounts.service import AccountService
from appliance.arena.errors import arena_error
from appliance.arena.games import scoring
from appliance.arena.games.models import (
    NOT_ENOUGH,
    SUBMISSION_BUFFER_SECONDS,
    ChatMessage,
    Game,
    GameOptions,
    Player,
    chat_text,
)
from appliance.arena.games.rooms import Member, PendingStart, Room, RoomError, Rooms
from appliance.arena.games.store import GameRepository
from appliance.arena.puzzles.models import PuzzleDto
from appliance.arena.puzzles.service import PuzzleService
from appliance.arena.submissions.store import SubmissionRepository
from appliance.arena.wire import is_id, iso, new_id
from appliance.platform.clock import utc_now
from appliance.platform.errors import ServiceError

log = logging.getLogger("sparkhouse.arena.games")

GAME_NOT_FOUND = "Game not found"
SUBMISSION_NOT_FOUND = "Submission not found"

# Events, as both doors name them in issue 19.
ROOMS_OVERVIEW = "rooms:overview"
ROOM_OVERVIEW = "room:overview"
ROOMS_NOT_ENOUGH = "rooms:not-enough"
GAME_START = "game:start"
GAME_UPDATE = "game:update"
PLAYER_SUBMITTED = "player:submitted"
CHAT_MESSAGE = "chat:message"
ROOM_CHAT = "room:chat-message"
LANGUAGE_CHANGE = "language:change"
ROOM_CHAT_MAX = 500  # CodinCod's room:chat-message (§4.1)
BLOCKED_TTL = 5.0
"""Seconds a recipient's blocked users are kept: one read per recipient and chat line
would cost a game of four a read per line each."""
BLOCKED_KEPT = 10_000  # recipients whose lists are kept at most (memory stays bounded)
BLOCKED_REFRESH_SECONDS = 0.2
"""The stale blocked lists of this long are read again in one query."""
BAN_TTL = 60.0
"""Seconds a "not banned" verdict is kept: bans are made and lifted only through the
moderation routes, which drop the kept verdicts at once (an expiring temporary ban needs
none: only "not banned" is kept)."""
BANS_KEPT = 100_000
GAMES_KEPT = 100_000  # games whose end time is kept at most
CHAT_BATCH_SECONDS = 0.05
"""The chat writer stores the lines of this long in one transaction."""

Blocked = Callable[[str], Awaitable[frozenset[str]]]
"""The ids an account blocked (``PreferenceService.blocked``). Given, chat lines skip those
who blocked their author; the service then reads the same lists in bulk
(``GameRepository.blocked_lists``: one query for the many a busy chat needs, where this
reader takes one per account)."""


class Outbox(Protocol):
    """Where a door sends what the service says; none of these may block."""

    def to_lobby(self, event: str, payload: dict[str, Any]) -> None:
        """Every waiting-room socket."""

    def to_users(self, account_ids: Iterable[str], event: str, payload: dict[str, Any]) -> None:
        """The waiting-room sockets of these users."""

    def to_game(
        self,
        game_id: str,
        event: str,
        payload: dict[str, Any],
        hidden_from: frozenset[str] = frozenset(),
    ) -> None:
        """Every socket of this game, but those of the users in ``hidden_from``."""

    def watchers(self, game_id: str) -> Iterable[str]:
        """The users holding a socket of this game at this door."""

    def in_lobby(self, account_id: str) -> bool:
        """Whether the user still holds a waiting-room socket at this door."""


def _refused(message: str, status: int = 400, **extra: Any) -> ServiceError:
    return arena_error(status, message, **extra)


class GameService:
    def __init__(
        self,
        repository: GameRepository,
        accounts: AccountService,
        puzzles: PuzzleService,
        submissions: SubmissionRepository,
        *,
        countdown_seconds: float = 15,
        blocked: Blocked | None = None,
    ) -> None:
        self.repository = repository
        self.accounts = accounts
        self.puzzles = puzzles
        self.submissions = submissions
        self.countdown_seconds = countdown_seconds
        self.blocked = blocked
        self._blocked_lists: dict[str, tuple[float, frozenset[str]]] = {}
        """account id → when its blocked list was read (loop time), and the list"""
        self._blocked_stale: set[str] = set()
        self._blocked_refresher: asyncio.Task[None] | None = None
        self._not_banned: dict[str, float] = {}
        """account id → when it was last found not banned (loop time)"""
        self._ban_generation = 0
        self._ends: dict[str, datetime] = {}
        """game id → its end time (fixed at its creation)"""
        self._chat_pending: list[ChatMessage] = []
        self._chat_writer: asyncio.Task[None] | None = None
        """stores the pending lines, a batch every ``CHAT_BATCH_SECONDS``"""
        self._chat_writing: asyncio.Task[None] | None = None
        """the batch being stored (shielded: a cancelled writer loses no line)"""
        self._chat_now: asyncio.Event | None = None
        """set: store the pending lines now (a flush)"""
        self._stopped = False
        self.rooms = Rooms()
        self.outboxes: list[Outbox] = []
        self._timers: dict[str, asyncio.Task[None]] = {}
        self._link_lock = asyncio.Lock()
        self._start_lock = asyncio.Lock()
        self.overviews_sent = 0
        """``rooms:overview`` broadcasts so far: a door sends one after a message that
        caused none (both doors re-broadcast it after every lobby message, §4.1)."""

    def add_door(self, outbox: Outbox) -> None:
        self.outboxes.append(outbox)

    # -- sending --------------------------------------------------------------------------------

    def _lobby(self, event: str, payload: dict[str, Any]) -> None:
        for outbox in self.outboxes:
            outbox.to_lobby(event, payload)

    def _users(self, account_ids: list[str], event: str, payload: dict[str, Any]) -> None:
        for outbox in self.outboxes:
            outbox.to_users(account_ids, event, payload)

    def _game(
        self,
        game_id: str,
        event: str,
        payload: dict[str, Any],
        hidden_from: frozenset[str] = frozenset(),
    ) -> None:
        for outbox in self.outboxes:
            outbox.to_game(game_id, event, payload, hidden_from)

    async def _blockers(self, author: str, recipients: Iterable[str]) -> frozenset[str]:
        """Those of ``recipients`` who blocked ``author``. A list never read is read now (one
        query for them all); one older than ``BLOCKED_TTL`` is still used while the refresher
        reads it again, with the other stale ones, in the background."""
        if self.blocked is None:
            return frozenset()
        loop = asyncio.get_running_loop()
        now = loop.time()
        lists = self._blocked_lists
        others = set(recipients)
        others.discard(author)
        unknown = [recipient for recipient in others if recipient not in lists]
        if unknown:
            await self._read_blocked(unknown)
        found: set[str] = set()
        for recipient in others:
            kept = lists.get(recipient)
            if kept is None:
                continue
            if now - kept[0] > BLOCKED_TTL:
                self._blocked_stale.add(recipient)
            if author in kept[1]:
                found.add(recipient)
        if self._blocked_stale and (
            self._blocked_refresher is None or self._blocked_refresher.done()
        ):
            self._blocked_refresher = loop.create_task(self._refresh_blocked())
        return frozenset(found)

    async def _read_blocked(self, account_ids: list[str]) -> None:
        now = asyncio.get_running_loop().time()
        read = await self.repository.blocked_lists(account_ids)
        if len(self._blocked_lists) + len(read) > BLOCKED_KEPT:
            self._blocked_lists.clear()
        for account_id, blocked in read.items():
            self._blocked_lists[account_id] = (now, blocked)

    async def _refresh_blocked(self) -> None:
        await asyncio.sleep(BLOCKED_REFRESH_SECONDS)  # gather the lists going stale meanwhile
        stale, self._blocked_stale = list(self._blocked_stale), set()
        try:
            await self._read_blocked(stale)
        except Exception:
            log.exception("reading %d blocked lists failed", len(stale))

    # -- bans ---------------------------------------------------------------------------------

    async def ensure_not_banned(self, account_id: str) -> None:
        """``AccountService.ensure_not_banned``, its "not banned" verdict kept ``BAN_TTL``."""
        now = asyncio.get_running_loop().time()
        checked = self._not_banned.get(account_id)
        if checked is not None and now - checked <= BAN_TTL:
            return
        generation = self._ban_generation
        await self.accounts.ensure_not_banned(account_id)
        if generation != self._ban_generation:
            return  # a ban changed meanwhile: this verdict may predate it
        if len(self._not_banned) >= BANS_KEPT:
            self._not_banned.clear()
        self._not_banned[account_id] = now

    async def admit(self, account_id: str) -> None:
        """A game socket of the user opens (at either door): refused when banned; their "not
        banned" verdict and blocked list are kept from here, so their first chat line (or
        the first one they receive) reads nothing from the store."""
        await self.ensure_not_banned(account_id)
        if self.blocked is not None and account_id not in self._blocked_lists:
            try:
                await self._read_blocked([account_id])
            except Exception:  # read again with the first chat line
                log.exception("reading the blocked list of %s failed", account_id)

    def bans_changed(self, account_id: str | None = None) -> None:
        """A ban was made or lifted (of ``account_id``; None: of anyone): check again."""
        self._ban_generation += 1
        if account_id is None:
            self._not_banned.clear()
        else:
            self._not_banned.pop(account_id, None)

    # -- the chat writer ------------------------------------------------------------------------

    def _store_chat(self, message: ChatMessage) -> None:
        self._chat_pending.append(message)
        if self._chat_writer is None or self._chat_writer.done():
            if self._chat_now is None:
                self._chat_now = asyncio.Event()
            self._chat_now.clear()
            self._chat_writer = asyncio.get_running_loop().create_task(
                self._write_chat(self._chat_now)
            )

    async def _write_chat(self, now: asyncio.Event) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(now.wait(), CHAT_BATCH_SECONDS)
        while self._chat_pending:
            batch, self._chat_pending = self._chat_pending, []
            self._chat_writing = asyncio.get_running_loop().create_task(self._write_batch(batch))
            await asyncio.shield(self._chat_writing)

    async def _write_batch(self, batch: list[ChatMessage]) -> None:
        try:
            await self.repository.add_chats(batch)
            return
        except Exception:
            if len(batch) == 1:
                log.exception("a chat line of game %s could not be stored", batch[0].game_id)
                return
            log.warning("a batch of %d chat lines was refused: line by line", len(batch))
        for message in batch:
            try:
                await self.repository.add_chats([message])
            except Exception:
                log.exception("a chat line of game %s could not be stored", message.game_id)

    async def flush_chat(self) -> None:
        """Store every chat line accepted so far (before reading chat lines from the store)."""
        while busy := [
            task for task in (self._chat_writer, self._chat_writing) if task and not task.done()
        ]:
            if self._chat_now is not None:
                self._chat_now.set()
            await asyncio.wait(busy)
        if self._chat_pending:  # the writer was cancelled
            batch, self._chat_pending = self._chat_pending, []
            await self._write_batch(batch)

    # -- rooms ----------------------------------------------------------------------------------

    def _room_changed(self, *rooms: Room | None) -> None:
        """``room:overview`` to the members of each room still standing, then
        ``rooms:overview`` to the lobby."""
        for room in rooms:
            if room is not None and room.members:
                self._users(room.member_ids(), ROOM_OVERVIEW, {"room": room.wire()})
        self.overview_changed()

    def overview_changed(self) -> None:
        self.overviews_sent += 1
        self._lobby(ROOMS_OVERVIEW, self.rooms.overview())

    # -- waiting rooms --------------------------------------------------------------------------

    def overview(self) -> dict[str, Any]:
        """``rooms:overview``'s payload."""
        return self.rooms.overview()

    @staticmethod
    def _member(principal: Principal) -> Member:
        return Member(principal.account_id, principal.username, utc_now())

    def host(self, principal: Principal, options: Any) -> Room:
        """A new room hosted by the caller with ``options`` (§7; None for the defaults)."""
        try:
            parsed = GameOptions.model_validate(options if options is not None else {})
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "options"
            raise _refused(f"Invalid options: {where}: {first['msg']}") from None
        room, left = self.rooms.host(self._member(principal), parsed)
        self._room_changed(left, room)
        return room

    def join(self, principal: Principal, room_id: Any) -> Room:
        """Join a room by id (a private one too). A pending start reaches the joiner."""
        try:
            room, left = self.rooms.join(room_id, self._member(principal))
        except RoomError as exc:
            raise _refused(str(exc), 404) from None
        self._joined(principal, room, left)
        return room

    def join_by_invite(self, principal: Principal, code: Any) -> Room:
        try:
            room, left = self.rooms.join_by_invite(code, self._member(principal))
        except RoomError as exc:
            raise _refused(str(exc), 404) from None
        self._joined(principal, room, left)
        return room

    def _joined(self, principal: Principal, room: Room, left: Room | None) -> None:
        self._room_changed(left, room)
        pending = room.running(utc_now())
        if pending is not None:
            self._users([principal.account_id], GAME_START, pending.wire())

    def leave(self, principal: Principal, room_id: Any) -> Room:
        try:
            room = self.rooms.leave(room_id, principal.account_id)
        except RoomError as exc:
            raise _refused(str(exc), 404) from None
        self._room_changed(room)
        return room

    def gone(self, account_id: str) -> None:
        """A door's last waiting-room socket of the user closed: unless another door still
        holds one, they leave their room."""
        if any(outbox.in_lobby(account_id) for outbox in self.outboxes):
            return
        room = self.rooms.leave_any(account_id)
        if room is not None:
            self._room_changed(room)

    async def room_chat(self, principal: Principal, room_id: Any, message: Any) -> None:
        """``room:chat-message``: 1–500 characters from a member, to every member (the
        sender too) who has not blocked them; not persisted (§4.1)."""
        if not isinstance(message, str) or not 1 <= len(message) <= ROOM_CHAT_MAX:
            raise _refused(f"message must be 1–{ROOM_CHAT_MAX} characters")
        try:
            room = self.rooms.get(room_id)
        except RoomError as exc:
            raise _refused(str(exc), 404) from None
        if not room.has(principal.account_id):
            raise _refused("You are not in this room", 403)
        payload = {"username": principal.username, "message": message, "createdAt": iso(utc_now())}
        members = room.member_ids()
        hidden = await self._blockers(principal.account_id, members)
        self._users([m for m in members if m not in hidden], ROOM_CHAT, payload)

    async def start(self, principal: Principal, room_id: Any) -> PendingStart:
        """Start the room's game (any member may): a random approved puzzle, every member a
        player, ``game:start`` to the members. No approved puzzle → ``rooms:not-enough`` to
        the caller and a refusal."""
        try:
            room = self.rooms.get(room_id)
        except RoomError as exc:
            raise _refused(str(exc), 404) from None
        if not room.has(principal.account_id):
            raise _refused("You are not in this room", 403)
        async with self._start_lock:  # one start at a time: a room never gets two games
            if (pending := room.running(utc_now())) is not None:
                return pending
            return await self._start(principal, room)

    async def _start(self, principal: Principal, room: Room) -> PendingStart:
        puzzle_id = await self.repository.random_approved_puzzle()
        if puzzle_id is None:
            self._users([principal.account_id], ROOMS_NOT_ENOUGH, {"message": NOT_ENOUGH})
            raise _refused(NOT_ENOUGH, 409, event=ROOMS_NOT_ENOUGH)
        if not room.members:  # everyone left meanwhile
            raise _refused(f"Room {room.id} not found", 404)
        now = utc_now()
        start = now + timedelta(seconds=self.countdown_seconds)
        end = start + timedelta(seconds=room.options.max_game_duration_in_seconds)
        game = Game(
            id=new_id(),
            owner_id=room.owner.account_id,
            owner_name=room.owner.username,
            puzzle_id=puzzle_id,
            options=room.options,
            start_time=start,
            end_time=end,
            created_at=now,
            # a microsecond apart in the room's joining order: the store orders players by
            # joined_at, and equal times would fall back to the (random) account ids
            players=[
                Player(m.account_id, m.username, now + timedelta(microseconds=i))
                for i, m in enumerate(room.members)
            ],
        )
        await self.repository.add(game)
        self._ended_at(game.id, end)
        self._arm(game.id, end)
        room.pending = PendingStart(game.id, start, end)
        self._users(room.member_ids(), GAME_START, room.pending.wire())
        self.overview_changed()
        return room.pending

    # -- games ----------------------------------------------------------------------------------

    async def game(self, game_id: Any) -> Game:
        found = await self.repository.get(game_id) if is_id(game_id) else None
        if found is None:
            raise _refused(GAME_NOT_FOUND, 404)
        self._ended_at(found.id, found.end_time)
        return found

    def _ended_at(self, game_id: str, end_time: datetime) -> None:
        if len(self._ends) >= GAMES_KEPT:
            self._ends.clear()
        self._ends[game_id] = end_time

    async def _end_time(self, game_id: Any) -> tuple[str, datetime]:
        """The game's id and end time, read once (404 for an unknown game)."""
        if isinstance(game_id, str) and (end := self._ends.get(game_id)) is not None:
            return game_id, end
        game = await self.game(game_id)
        return game.id, game.end_time

    def game_wire(self, game: Game, now: datetime | None = None) -> dict[str, Any]:
        """The ``game`` of a frame: players and owner as ``{_id, username}``, the linked
        submissions without code, its status and current standings."""
        now = now or utc_now()
        return {
            "_id": game.id,
            "owner": {"_id": game.owner_id, "username": game.owner_name} if game.owner_id else None,
            "puzzle": game.puzzle_id,
            "players": [player.wire() for player in game.players],
            "createdAt": iso(game.created_at),
            "startTime": iso(game.start_time),
            "endTime": iso(game.end_time),
            "options": game.options.wire(),
            "playerSubmissions": [submission.wire() for submission in game.submissions],
            "status": game.status(now),
            "standings": self.standings(game),
        }

    @staticmethod
    def standings(game: Game) -> list[dict[str, Any]]:
        """The game's ranking by its mode (§9.1), best first."""
        entries = [
            scoring.Entry(
                user_id=s.account_id,
                submission_id=s.id,
                success_rate=s.success_rate,
                time_spent=(s.created_at - game.created_at).total_seconds(),
                code_length=s.code_length,
            )
            for s in game.submissions
        ]
        names = {s.account_id: s.username for s in game.submissions}
        return [
            {
                "rank": ranked.rank,
                "userId": ranked.entry.user_id,
                "username": names[ranked.entry.user_id],
                "submissionId": ranked.entry.submission_id,
                "score": ranked.score,
                "successRate": ranked.entry.success_rate,
                "timeSpent": ranked.entry.time_spent,
                "codeLength": ranked.entry.code_length,
            }
            for ranked in scoring.rank(game.mode, entries)
        ]

    async def snapshot(self, game_id: Any) -> dict[str, Any]:
        """``game:update``'s payload for a joiner: ``{game, puzzle}`` (the puzzle without
        its solution)."""
        game = await self.game(game_id)
        puzzle = await self.puzzles.get(game.puzzle_id)
        return {"game": self.game_wire(game), "puzzle": PuzzleDto.of(puzzle).wire()}

    async def refresh(self, game_id: Any) -> Game:
        """``player:submitted`` from a client: the game, re-read, to its sockets."""
        return await self._updated((await self.game(game_id)).id)

    async def _updated(self, game_id: str) -> Game:
        game = await self.game(game_id)
        self._game(game.id, GAME_UPDATE, {"game": self.game_wire(game)})
        return game

    async def join_game(self, principal: Principal, game_id: Any) -> Game:
        """A spectator becomes a player (a player stays one); refused to a banned user and
        once the game ended."""
        await self.accounts.ensure_not_banned(principal.account_id)
        game = await self.game(game_id)
        if game.ended(utc_now()):
            raise _refused("Game has ended", 400)
        # after every player so far, even if the clock stepped back: players stay in join order
        last = max((player.joined_at for player in game.players), default=None)
        now = utc_now()
        joined = now if last is None or now > last else last + timedelta(microseconds=1)
        if await self.repository.add_player(game.id, principal.account_id, joined):
            game = await self._updated(game.id)
        return game

    async def chat(
        self, principal: Principal, game_id: Any, payload: dict[str, Any]
    ) -> ChatMessage:
        """Persist and broadcast a chat message of the caller (banned → refused)."""
        try:
            text = chat_text(payload)
        except ValueError as exc:
            raise _refused(str(exc)) from None
        await self.ensure_not_banned(principal.account_id)
        game_id, end_time = await self._end_time(game_id)
        now = utc_now()
        if now >= end_time:
            raise _refused("Game has ended: the chat is read-only")
        message = ChatMessage(
            id=new_id(),
            game_id=game_id,
            account_id=principal.account_id,
            username=principal.username,
            message=text,
            created_at=now,
        )
        if self._stopped:  # no writer any more: stored before it is sent
            await self.repository.add_chats([message])
        else:
            self._store_chat(message)
        watching = {user for outbox in self.outboxes for user in outbox.watchers(game_id)}
        hidden = await self._blockers(principal.account_id, watching)
        self._game(game_id, CHAT_MESSAGE, {"chatMessage": message.wire()}, hidden)
        return message

    async def language(self, principal: Principal, game_id: Any, language: Any) -> None:
        """``language:change``: the caller's language, to the game's sockets as
        ``{language, username}`` (the username from the token)."""
        if not isinstance(language, str) or not 1 <= len(language) <= 100:
            raise _refused("language must be a string of 1–100 characters")
        await self.ensure_not_banned(principal.account_id)
        game_id, _ = await self._end_time(game_id)
        payload = {"language": language, "username": principal.username}
        self._game(game_id, LANGUAGE_CHANGE, payload)

    async def link(
        self,
        principal: Principal,
        game_id: Any,
        submission_id: Any,
        user_id: str | None = None,
    ) -> dict[str, Any]:
        """``POST /submission/game`` and ``game:submit``: link the caller's fresh submission
        to a running game (rules in the module), broadcast ``player:submitted`` then
        ``game:update``, and answer CodinCod's 201 body."""
        if user_id is not None and user_id != principal.account_id:
            raise _refused("userId does not match the signed-in user", 403, error="Forbidden")
        submission = await self.submissions.by_id(submission_id) if is_id(submission_id) else None
        if submission is None or submission.account_id != principal.account_id:
            raise _refused(SUBMISSION_NOT_FOUND, 404)
        async with self._link_lock:
            game = await self.game(game_id)
            now = utc_now()
            if game.ended(now):
                raise _refused("Game has ended: submissions are closed", reason="game ended")
            if now < game.start_time:
                raise _refused("Game has not started yet", reason="game not started")
            if not game.has_player(principal.account_id):
                raise _refused("User not in this game", reason="not a player")
            if submission.puzzle_id != game.puzzle_id:
                raise _refused("Submission is for another puzzle", reason="wrong puzzle")
            allowed = game.options.allowed_languages
            if allowed and submission.language_id not in allowed:
                raise _refused("Language not allowed in this game", reason="language not allowed")
            refusal = scoring.acceptance(game.mode, submission.success_rate)
            if refusal is not None:
                raise _refused(f"Submission invalid for {game.mode} mode", reason=refusal)
            if now > submission.created_at + timedelta(seconds=SUBMISSION_BUFFER_SECONDS):
                raise _refused(
                    f"Submission is older than {SUBMISSION_BUFFER_SECONDS} seconds",
                    reason="submission too old",
                )
            if any(s.account_id == principal.account_id for s in game.submissions):
                raise _refused("User already submitted to this game", reason="already submitted")
            if not await self.repository.link(submission.id, game.id):
                raise _refused("Submission already belongs to a game", reason="already linked")
        self._game(
            game.id,
            PLAYER_SUBMITTED,
            {"userId": principal.account_id, "username": principal.username},
        )
        game = await self._updated(game.id)
        position = next(
            (
                entry["rank"]
                for entry in self.standings(game)
                if entry["userId"] == principal.account_id
            ),
            None,
        )
        answer: dict[str, Any] = {
            "success": True,
            "message": "Submission successfully added to game",
            "game": {"id": game.id, "status": "in_progress", "playerCount": len(game.players)},
        }
        if position is not None:
            answer["leaderboardPosition"] = position
        return answer

    # -- timers ---------------------------------------------------------------------------------

    def _arm(self, game_id: str, end_time: datetime) -> None:
        if game_id in self._timers:
            return
        task = asyncio.get_running_loop().create_task(self._end_at(game_id, end_time))
        self._timers[game_id] = task
        task.add_done_callback(lambda _: self._timers.pop(game_id, None))

    async def _end_at(self, game_id: str, end_time: datetime) -> None:
        # a hair late rather than early: the game has ended when its timer fires
        await asyncio.sleep(max(0.0, (end_time - utc_now()).total_seconds()) + 0.005)
        try:
            await self.finish(game_id)
        except Exception:
            log.exception("ending game %s failed", game_id)

    async def finish(self, game_id: str) -> None:
        """The game ended: ``game:update`` with the ended game and its final standings."""
        game = await self.game(game_id)
        wire = self.game_wire(game)
        self._game(game.id, GAME_UPDATE, {"game": wire, "standings": wire["standings"]})

    async def resume(self) -> None:
        """Re-arm the timers of the games still running (after a restart)."""
        for game_id, end_time in await self.repository.running(utc_now()):
            self._ended_at(game_id, end_time)
            self._arm(game_id, end_time)

    async def stop(self) -> None:
        """Stop the timers and store every chat line accepted (later ones are stored before
        they are sent)."""
        self._stopped = True
        tasks = list(self._timers.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.flush_chat()
