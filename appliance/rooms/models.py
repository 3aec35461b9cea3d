"""What a room is on the wire: the PUT body, the room record, and the room id rule."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

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
