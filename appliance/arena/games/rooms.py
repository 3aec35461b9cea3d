"""Waiting rooms, in memory only (codincod-contract.md §4.1): a room's members in joining order,
its options, an invite code for a private room, and the game it started, if any. The owner is
the earliest member, so ownership passes on when the host leaves; an empty room is deleted.
A user is in at most one room: hosting or joining another leaves the previous one. No I/O."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from appliance.arena.games.models import GameOptions
from appliance.arena.wire import iso, new_id

INVITE_ALPHABET = string.ascii_uppercase + string.digits
INVITE_LENGTH = 6


class RoomError(Exception):
    """A room message refused, in CodinCod's words (``Room <id> not found``, …)."""


@dataclass(frozen=True)
class Member:
    account_id: str
    username: str
    joined_at: datetime

    def wire(self) -> dict[str, Any]:
        return {
            "userId": self.account_id,
            "username": self.username,
            "joinedAt": iso(self.joined_at),
        }


@dataclass(frozen=True)
class PendingStart:
    game_id: str
    start_time: datetime
    end_time: datetime

    def wire(self) -> dict[str, Any]:
        return {
            "gameUrl": f"/multiplayer/{self.game_id}",
            "gameId": self.game_id,
            "startTime": iso(self.start_time),
        }


@dataclass
class Room:
    id: str
    options: GameOptions
    invite_code: str | None
    members: list[Member] = field(default_factory=list)
    pending: PendingStart | None = None
    """The room's game, from its start until it ends (then the room may start another)."""

    def running(self, now: datetime) -> PendingStart | None:
        return self.pending if self.pending is not None and now < self.pending.end_time else None

    @property
    def owner(self) -> Member:
        return self.members[0]

    @property
    def private(self) -> bool:
        return self.options.visibility == "private"

    def member_ids(self) -> list[str]:
        return [member.account_id for member in self.members]

    def has(self, account_id: str) -> bool:
        return any(member.account_id == account_id for member in self.members)

    def wire(self) -> dict[str, Any]:
        """``room:overview``'s ``room``."""
        room: dict[str, Any] = {
            "roomId": self.id,
            "users": [member.wire() for member in self.members],
            "owner": self.owner.wire(),
            "options": self.options.wire(),
        }
        if self.invite_code:
            room["inviteCode"] = self.invite_code
        return room


class Rooms:
    def __init__(self) -> None:
        self._rooms: dict[str, Room] = {}
        self._invites: dict[str, str] = {}
        self._room_of: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._rooms)

    def get(self, room_id: Any) -> Room:
        room = self._rooms.get(room_id) if isinstance(room_id, str) else None
        if room is None:
            raise RoomError(f"Room {room_id} not found")
        return room

    def room_of(self, account_id: str) -> Room | None:
        room_id = self._room_of.get(account_id)
        return self._rooms.get(room_id) if room_id else None

    def overview(self) -> dict[str, Any]:
        """``rooms:overview``: the public rooms and how many are in each."""
        return {
            "rooms": [
                {"roomId": room.id, "amountOfPlayersJoined": len(room.members)}
                for room in self._rooms.values()
                if not room.private
            ]
        }

    def host(self, member: Member, options: GameOptions) -> tuple[Room, Room | None]:
        """A new room with ``member`` in it; returns it and the room they left, if any."""
        left = self.leave_any(member.account_id)
        invite = self._new_invite() if options.visibility == "private" else None
        room = Room(id=new_id(), options=options, invite_code=invite)
        self._rooms[room.id] = room
        if invite:
            self._invites[invite] = room.id
        self._add(room, member)
        return room, left

    def join(self, room_id: Any, member: Member) -> tuple[Room, Room | None]:
        room = self.get(room_id)
        if room.has(member.account_id):
            return room, None
        left = self.leave_any(member.account_id)
        self._add(room, member)
        return room, left

    def join_by_invite(self, code: Any, member: Member) -> tuple[Room, Room | None]:
        room_id = self._invites.get(code.strip().upper()) if isinstance(code, str) else None
        if room_id is None:
            raise RoomError(f"Invalid invite code: {code}")
        return self.join(room_id, member)

    def leave(self, room_id: Any, account_id: str) -> Room:
        """Leave a room; returns it (with no members when it was deleted)."""
        room = self.get(room_id)
        room.members = [m for m in room.members if m.account_id != account_id]
        if self._room_of.get(account_id) == room.id:
            del self._room_of[account_id]
        if not room.members:
            self._rooms.pop(room.id, None)
            if room.invite_code:
                self._invites.pop(room.invite_code, None)
        return room

    def leave_any(self, account_id: str) -> Room | None:
        room = self.room_of(account_id)
        return self.leave(room.id, account_id) if room else None

    def _add(self, room: Room, member: Member) -> None:
        room.members.append(member)
        self._room_of[member.account_id] = room.id

    def _new_invite(self) -> str:
        while True:
            code = "".join(secrets.choice(INVITE_ALPHABET) for _ in range(INVITE_LENGTH))
            if code not in self._invites:
                return code
