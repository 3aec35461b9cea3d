"""The rooms service without HTTP: versions, conditions, limits, TTL, broadcasts."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from appliance.platform.realtime.broker import Broker, Message
from appliance.rooms.channels import room_topic, state_event
from appliance.rooms.routes import parse_if_match
from appliance.rooms.service import (
    RoomService,
    TooManyRooms,
    TooManySubscribers,
    VersionCondition,
    VersionMismatch,
    utc_timestamp,
)
from appliance.rooms.settings import RoomsSettings


class Recorder:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    def deliver(self, message: Message) -> bool:
        self.messages.append(message)
        return True

    def drop(self, reason: str) -> None:
        raise AssertionError(reason)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_service(**settings: object) -> tuple[RoomService, Broker, Clock]:
    broker, clock = Broker(), Clock()
    service = RoomService(broker, RoomsSettings(**settings), monotonic=clock)
    return service, broker, clock


def test_versions_start_at_one_and_go_up_by_one() -> None:
    service, _, _ = make_service()
    assert service.get("a") is None
    assert [service.put("a", {"n": n}).version for n in range(5)] == [1, 2, 3, 4, 5]
    room = service.get("a")
    assert room is not None
    assert orjson.loads(room.record_json) == {
        "room_id": "a",
        "version": 5,
        "updated_at": room.updated_at,
        "state": {"n": 4},
    }
    assert service.current("missing") == (
        0,
        b'{"room_id":"missing","version":0,"updated_at":null,"state":null}',
    )


def test_a_write_is_broadcast_once_as_an_sse_state_event() -> None:
    service, broker, _ = make_service()
    recorder = Recorder()
    broker.subscribe(room_topic("a"), recorder)
    service.put("a", [1, 2])
    service.put("b", [3])
    (message,) = recorder.messages
    event = state_event(message)
    assert event.startswith(b"id: 1\nevent: state\ndata: {")
    assert event.endswith(b',"state":[1,2]}\n\n')


def test_if_match_conditions() -> None:
    service, _, _ = make_service()
    with pytest.raises(VersionMismatch) as missing:
        service.put("a", {}, VersionCondition(any_existing=True))
    assert missing.value.current_version == 0
    assert service.put("a", {}, VersionCondition(frozenset({0}))).version == 1
    with pytest.raises(VersionMismatch) as stale:
        service.put("a", {"x": 1}, VersionCondition(frozenset({0})))
    assert orjson.loads(stale.value.current_record_json)["state"] == {}
    assert service.put("a", {}, VersionCondition(frozenset({1, 7}))).version == 2
    assert service.put("a", {}, VersionCondition(any_existing=True)).version == 3


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("7", VersionCondition(frozenset({7}))),
        ('"7"', VersionCondition(frozenset({7}))),
        ('W/"7", "8"', VersionCondition(frozenset({7, 8}))),
        ("*", VersionCondition(any_existing=True)),
        (None, None),
    ],
)
def test_parse_if_match(header: str | None, expected: VersionCondition | None) -> None:
    assert parse_if_match(header) == expected


@pytest.mark.parametrize("header", ["", "abc", '"-1"', "1.5", "²"])
def test_parse_if_match_refuses_garbage(header: str) -> None:
    with pytest.raises(Exception, match="If-Match"):
        parse_if_match(header)


def test_max_rooms_refuses_new_rooms_only() -> None:
    service, _, _ = make_service(max_rooms=2)
    service.put("a", {})
    service.put("b", {})
    with pytest.raises(TooManyRooms):
        service.put("c", {})
    assert service.put("a", {}).version == 2
    assert len(service) == 2


def test_max_subscribers_per_room() -> None:
    service, broker, _ = make_service(max_subscribers_per_room=1)
    service.check_room_for_subscriber("a")
    broker.subscribe(room_topic("a"), Recorder())
    with pytest.raises(TooManySubscribers):
        service.check_room_for_subscriber("a")
    service.check_room_for_subscriber("b")


def test_sweep_deletes_idle_rooms_and_tells_their_subscribers() -> None:
    service, broker, clock = make_service(room_ttl_seconds=10)
    service.put("old", {})
    clock.now += 6
    service.put("young", {})
    service.put("rewritten", {})
    clock.now += 2
    service.put("rewritten", {"again": True})  # moves to the end of the write order
    recorder = Recorder()
    broker.subscribe(room_topic("old"), recorder)
    clock.now += 3  # old: 11 s idle, young: 5 s, rewritten: 3 s
    assert service.sweep() == ["old"]
    assert service.get("old") is None
    assert orjson.loads(recorder.messages[0].payload["record_json"]) == {
        "room_id": "old",
        "version": 0,
        "updated_at": None,
        "state": None,
    }
    clock.now += 6
    assert sorted(service.sweep()) == ["young"]
    clock.now += 10
    assert service.sweep() == ["rewritten"]
    assert len(service) == 0


def test_utc_timestamp_is_iso_8601_with_z() -> None:
    moment = datetime(2026, 1, 21, 20, 0, 0, 123456, tzinfo=UTC)
    assert utc_timestamp(moment) == "2026-01-21T20:00:00.123Z"
