"""What a room is on the wire: the PUT body, the room record, and the room id rule."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ROOM_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,64}")
ROOM_ID_RULE = "1 to 64 characters, each A-Z, a-z, 0-9, '_' or '-'"
MAX_CLIENT_ID_CHARS = 128
MAX_CLIENT_TS_CHARS = 64


def valid_room_id(room_id: str) -> bool:
    return ROOM_ID_PATTERN.fullmatch(room_id) is not None


class PutRoomBody(BaseModel):
    """The body of ``PUT /api/rooms/<room_id>``.

    - ``state``: the room's new state, a JSON object or array (opaque to the server).
    - ``client_id``: optional text naming the writer (at most 128 characters); checked,
      never stored or logged.
    - ``client_ts``: optional ISO 8601 time of the change on the client; checked, not stored.

    Unknown fields are ignored, so clients may send extra metadata.
    """

    model_config = ConfigDict(extra="ignore")

    state: Any = Field(description="The new state: a JSON object or array.")
    client_id: str | None = Field(None, min_length=1, max_length=MAX_CLIENT_ID_CHARS, strict=True)
    client_ts: str | None = Field(None, max_length=MAX_CLIENT_TS_CHARS, strict=True)

    @field_validator("state")
    @classmethod
    def _object_or_array(cls, value: Any) -> Any:
        # A plain isinstance check: validating the tree as dict/list would copy all of it.
        if not isinstance(value, dict | list):
            raise ValueError(f"must be a JSON object or array, not {_json_kind(value)}")
        return value

    @field_validator("client_ts")
    @classmethod
    def _iso_8601(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            datetime.fromisoformat(value)
        except ValueError:
            raise ValueError("must be an ISO 8601 time such as 2026-01-21T20:00:00Z") from None
        return value


class RoomRecord(BaseModel):
    """The server's canonical record of a room, as GET, PUT and the stream send it.

    ``version`` starts at 1 and goes up by one per accepted write; an unknown room is shown on
    its stream as ``version: 0, updated_at: null, state: null``.
    """

    room_id: str
    version: int = Field(ge=0)
    updated_at: str | None = Field(description="ISO 8601 UTC time of the last write.")
    state: dict[str, Any] | list[Any] | None


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return type(value).__name__


# -- the API's documentation (platform/openapi.py) --------------------------------------------


class _Doc(BaseModel):
    """Described for the API's documentation only (platform/openapi.py): validators are built
    when the document is made, not at start-up."""

    model_config = ConfigDict(defer_build=True)


class RoomPath(_Doc):
    room_id: str = Field(pattern=f"^{ROOM_ID_PATTERN.pattern}$", description=ROOM_ID_RULE)


class IfMatch(_Doc):
    if_match: str | None = Field(
        None,
        alias="If-Match",
        description='Write only over this version: "7", W/"7", a comma list, or * (exists); '
        '"0" asks that the room does not exist yet.',
    )


class LastEventId(_Doc):
    last_event_id: str | None = Field(
        None, alias="Last-Event-ID", description="The version a reconnecting stream last saw."
    )


class RoomError(_Doc):
    """A refusal in the rooms' flat shape (the 404 is exactly ``{"error": "room_not_found"}``;
    a 412 adds the room's ``current`` record)."""

    model_config = ConfigDict(extra="allow")

    error: str
    message: str | None = None
    field: str | None = None


class RoomLimits(_Doc):
    max_rooms: int
    max_subscribers_per_room: int
    max_state_bytes: int
    room_ttl_seconds: float
    heartbeat_seconds: float


class RoomsOverview(_Doc):
    """Counts and limits; never a room id (an id is all it takes to read and write a room)."""

    model_config = ConfigDict(extra="allow")

    rooms: int
    rooms_with_subscribers: int
    subscribers: int
    limits: RoomLimits


class StreamQuery(_Doc):
    last_event_id: str | None = Field(
        None, alias="lastEventId", description="As the Last-Event-ID header (for proxies)."
    )


class StateEvent(_Doc):
    """One event of a room's stream (``text/event-stream``); heartbeats are comments."""

    event: Literal["state"]
    data: str = Field(description="The room's record (RoomRecord) as JSON text.")
    id: str | None = Field(None, description="The record's version, for Last-Event-ID.")
    retry: int | None = Field(None, description="Reconnect delay in milliseconds.")
