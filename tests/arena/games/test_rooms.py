"""Waiting rooms in memory (rooms.py): ownership, one room per user, private rooms and their
invite codes, empty rooms deleted."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from appliance.arena.games.models import GameOptions
from appliance.arena.games.rooms import Member, PendingStart, RoomError, Rooms

T0 = datetime(2026, 1, 1)


def member(name: str, n: int = 0) -> Member:
    return Member(name * 3, name, T0 + timedelta(seconds=n))


def test_ownership_passes_to_the_earliest_member() -> None:
    rooms = Rooms()
    room, _ = rooms.host(member("a", 0), GameOptions())
    rooms.join(room.id, member("b", 1))
    rooms.join(room.id, member("c", 2))
    assert room.owner.username == "a"
    rooms.leave(room.id, "aaa")
    assert room.owner.username == "b"
    assert room.wire()["owner"]["userId"] == "bbb"
    assert [u["username"] for u in room.wire()["users"]] == ["b", "c"]


def test_a_user_is_in_one_room_and_empty_rooms_go() -> None:
    rooms = Rooms()
    first, _ = rooms.host(member("a"), GameOptions())
    second, left = rooms.host(member("a"), GameOptions())
    assert left is first and not first.members
    assert len(rooms) == 1 and rooms.room_of("aaa") is second
    with pytest.raises(RoomError, match=f"Room {first.id} not found"):
        rooms.join(first.id, member("b"))
    rooms.join(second.id, member("b"))
    assert rooms.overview() == {"rooms": [{"roomId": second.id, "amountOfPlayersJoined": 2}]}
    rooms.leave(second.id, "aaa")
    rooms.leave_any("bbb")
    assert len(rooms) == 0 and rooms.overview() == {"rooms": []}


def test_private_rooms_are_hidden_and_joined_by_code() -> None:
    rooms = Rooms()
    room, _ = rooms.host(member("a"), GameOptions(visibility="private"))
    code = room.invite_code
    assert code is not None and re.fullmatch(r"[A-Z0-9]{6}", code)
    assert rooms.overview() == {"rooms": []}
    assert rooms.join_by_invite(f" {code.lower()} ", member("b"))[0] is room
    with pytest.raises(RoomError, match="Invalid invite code: XXXXXX"):
        rooms.join_by_invite("XXXXXX", member("c"))
    rooms.leave(room.id, "aaa")
    rooms.leave(room.id, "bbb")
    with pytest.raises(RoomError):
        rooms.join_by_invite(code, member("c"))  # the code went with the room


def test_a_room_holds_its_game_until_it_ends() -> None:
    rooms = Rooms()
    room, _ = rooms.host(member("a"), GameOptions())
    room.pending = PendingStart("g" * 24, T0, T0 + timedelta(seconds=900))
    assert room.running(T0 + timedelta(seconds=899)) is room.pending
    assert room.running(T0 + timedelta(seconds=900)) is None
    assert room.pending.wire()["gameUrl"] == f"/multiplayer/{'g' * 24}"


def test_options_take_language_objects_and_refuse_unknown_modes() -> None:
    options = GameOptions.model_validate({"allowedLanguages": [{"_id": "x" * 24}, "y" * 24]})
    assert options.allowed_languages == ["x" * 24, "y" * 24]
    assert options.wire()["maxGameDurationInSeconds"] == 900
    with pytest.raises(ValueError):
        GameOptions.model_validate({"mode": "chess"})
