"""The rooms' in-memory store: last write wins, versions, broadcast, TTL; no HTTP here (its
refusals are ServiceErrors, answered by the platform in the rooms' shape).

Every method runs on the event loop and none awaits, so a write (read version, store, publish)
is atomic: versions go up by exactly one per accepted write however many writers race, and
subscribers receive the records in version order.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from appliance.platform.accesslog import secret_ref
from appliance.platform.clock import utc_now_aware
from appliance.platform.errors import ServiceError
from appliance.platform.ratelimit import address_key
from appliance.platform.realtime.broker import Broker
from appliance.platform.settings import IPNetwork
from appliance.rooms.channels import STATE_EVENT, TOPIC_PREFIX, room_topic
from appliance.rooms.settings import RoomsSettings

log = logging.getLogger("sparkhouse.rooms")


@dataclass(frozen=True, slots=True)
class Room:
    room_id: str
    version: int
    updated_at: str
    state_bytes: int
    record_json: bytes
    """The canonical record ``{room_id, version, updated_at, state}``, encoded once per write
    and served as is by GET, PUT and every stream."""
    written_at: float
    """Monotonic time of the write, for the TTL (immune to wall-clock jumps)."""
    creator: str = ""
    """The client address (its ``address_key``) that created the room; the room counts
    against that address's ``max_rooms_per_address`` until it expires."""


@dataclass(frozen=True, slots=True)
class VersionCondition:
    """An ``If-Match`` precondition: the room's current version must be one of ``versions``
    (0 meaning "the room does not exist yet"), or with ``any_existing`` the room must exist."""

    versions: frozenset[int] = frozenset()
    any_existing: bool = False

    def holds(self, current_version: int) -> bool:
        if self.any_existing:
            return current_version > 0
        return current_version in self.versions


class VersionMismatch(ServiceError):
    """The ``If-Match`` condition does not hold; the refusal carries the room's current
    version (as its ETag) and record."""

    def __init__(self, current_version: int, current_record_json: bytes) -> None:
        super().__init__(
            412,
            "version_mismatch",
            f"If-Match does not match: the room is at version {current_version}",
            "If-Match",
            headers={"ETag": f'"{current_version}"'},
            extra={"current": orjson.Fragment(current_record_json)},
        )
        self.current_version = current_version
        self.current_record_json = current_record_json


class TooManyRooms(ServiceError):
    def __init__(self, limit: int) -> None:
        super().__init__(
            503,
            "too_many_rooms",
            f"Cannot create a room: the server already holds its limit of {limit} rooms",
        )


class TooManyRoomsFromAddress(ServiceError):
    def __init__(self, limit: int) -> None:
        super().__init__(
            429,
            "too_many_rooms_from_address",
            f"Cannot create a room: rooms created from this address already number {limit} "
            "(SPARKHOUSE_ROOMS_MAX_ROOMS_PER_ADDRESS); they expire ROOM_TTL_SECONDS after "
            "their last write",
        )


class TooManySubscribers(ServiceError):
    def __init__(self, limit: int) -> None:
        super().__init__(
            503,
            "too_many_subscribers",
            f"Cannot open a stream: this room already has its limit of {limit} open streams",
        )


def empty_record_json(room_id: str) -> bytes:
    """What a stream shows for a room that does not exist (the spec's recommended choice)."""
    return b'{"room_id":"%s","version":0,"updated_at":null,"state":null}' % room_id.encode()


def utc_timestamp(moment: datetime) -> str:
    """ISO 8601 UTC with milliseconds, e.g. ``2026-01-21T20:00:00.123Z``."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


class RoomService:
    """Owns every room; room ids are validated by the caller (see ``models.valid_room_id``)."""

    def __init__(
        self,
        broker: Broker,
        settings: RoomsSettings,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = utc_now_aware,
        trusted_proxies: Sequence[IPNetwork] = (),
    ) -> None:
        self.broker = broker
        self.settings = settings
        self.trusted_proxies = trusted_proxies
        self._created_by: dict[str, int] = {}  # address key → rooms it created, still held
        self._monotonic = monotonic
        self._now = now
        # Kept in write order (a write moves its room to the end), so the sweep stops at the
        # first room that is still fresh.
        self._rooms: dict[str, Room] = {}

    # -- reading ----------------------------------------------------------------------------

    def get(self, room_id: str) -> Room | None:
        return self._rooms.get(room_id)

    def current(self, room_id: str) -> tuple[int, bytes]:
        """(version, record JSON) now; version 0 and the empty record for an unknown room."""
        room = self._rooms.get(room_id)
        if room is None:
            return 0, empty_record_json(room_id)
        return room.version, room.record_json

    def __len__(self) -> int:
        return len(self._rooms)

    # -- writing ----------------------------------------------------------------------------

    def put(
        self,
        room_id: str,
        state: Any,
        condition: VersionCondition | None = None,
        *,
        client: str = "",
    ) -> Room:
        """Store ``state`` (a parsed JSON object or array) as the room's next version and
        broadcast the record; ``client`` is the writer's address. Raises VersionMismatch,
        TooManyRooms or TooManyRoomsFromAddress, changing nothing."""
        previous = self._rooms.get(room_id)
        current_version = previous.version if previous else 0
        if condition is not None and not condition.holds(current_version):
            raise VersionMismatch(current_version, self.current(room_id)[1])
        creator = previous.creator if previous else address_key(client) if client else ""
        if previous is None:
            if len(self._rooms) >= self.settings.max_rooms:
                raise TooManyRooms(self.settings.max_rooms)
            per_address = self.settings.max_rooms_per_address
            if creator and per_address and self._created_by.get(creator, 0) >= per_address:
                raise TooManyRoomsFromAddress(per_address)
        state_json = orjson.dumps(state)
        version = current_version + 1
        updated_at = utc_timestamp(self._now())
        record_json = b'{"room_id":"%s","version":%d,"updated_at":"%s","state":%s}' % (
            room_id.encode(),
            version,
            updated_at.encode(),
            state_json,
        )
        room = Room(
            room_id=room_id,
            version=version,
            updated_at=updated_at,
            state_bytes=len(state_json),
            record_json=record_json,
            written_at=self._monotonic(),
            creator=creator,
        )
        if previous is not None:
            del self._rooms[room_id]
        elif creator:
            self._created_by[creator] = self._created_by.get(creator, 0) + 1
        self._rooms[room_id] = room
        # The spec's log of each PUT; the room id is its only key, so a reference stands in.
        log.info(
            "room %s written: %d bytes, version %d", secret_ref(room_id), len(state_json), version
        )
        self._broadcast(room_id, version, record_json)
        return room

    def _broadcast(self, room_id: str, version: int, record_json: bytes) -> int:
        return self.broker.publish(
            room_topic(room_id), STATE_EVENT, {"version": version, "record_json": record_json}
        )

    # -- TTL ----------------------------------------------------------------------------------

    def sweep(self) -> list[str]:
        """Delete rooms not written for ``room_ttl_seconds``; their subscribers (if any) get
        the empty record, as a new subscriber would. Returns the deleted ids."""
        cutoff = self._monotonic() - self.settings.room_ttl_seconds
        expired: list[str] = []
        for room_id, room in self._rooms.items():
            if room.written_at > cutoff:
                break
            expired.append(room_id)
        for room_id in expired:
            creator = self._rooms.pop(room_id).creator
            if creator:
                held = self._created_by[creator] - 1
                if held:
                    self._created_by[creator] = held
                else:
                    del self._created_by[creator]
            self._broadcast(room_id, 0, empty_record_json(room_id))
        if expired:
            log.info("swept %d room(s) idle for %gs", len(expired), self.settings.room_ttl_seconds)
        # Subscriber sets need no sweeping: the broker deletes a topic with its last subscriber.
        return expired

    # -- subscribers ------------------------------------------------------------------------

    def subscriber_count(self, room_id: str) -> int:
        return self.broker.subscriber_count(room_topic(room_id))

    def check_room_for_subscriber(self, room_id: str) -> None:
        limit = self.settings.max_subscribers_per_room
        if self.subscriber_count(room_id) >= limit:
            raise TooManySubscribers(limit)

    def log_subscribers(self, room_id: str, change: str) -> None:
        if log.isEnabledFor(logging.DEBUG):
            count = self.subscriber_count(room_id)
            log.debug("room %s: subscriber %s, %d open", secret_ref(room_id), change, count)

    def stats(self) -> dict[str, Any]:
        topics = [t for t in self.broker.topics() if t.startswith(TOPIC_PREFIX)]
        return {
            "rooms": len(self._rooms),
            "rooms_with_subscribers": len(topics),
            "subscribers": sum(self.broker.subscriber_count(t) for t in topics),
            "limits": {
                "max_rooms": self.settings.max_rooms,
                "max_subscribers_per_room": self.settings.max_subscribers_per_room,
                "max_rooms_per_address": self.settings.max_rooms_per_address,
                "max_state_bytes": self.settings.max_state_bytes,
                "room_ttl_seconds": self.settings.room_ttl_seconds,
                "heartbeat_seconds": self.settings.heartbeat_seconds,
            },
        }
