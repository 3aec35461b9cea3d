"""HTTP of the rooms: GET/PUT ``/api/rooms/<room_id>``, its SSE stream, and an overview.

Errors are flat JSON, ``{"error": "<code>", "message": ..., "field": ...}``, because the spec
fixes ``{"error": "room_not_found"}`` for the 404 and the part keeps one shape: the blueprint's
error renderer, :func:`render_room_error`.
"""

from __future__ import annotations

import re
from typing import Any

from sanic import Blueprint, Request
from sanic.exceptions import PayloadTooLarge
from sanic.response import HTTPResponse

from appliance.platform.errors import ServiceError
from appliance.platform.http import (
    client_ip,
    error_response,
    json_response,
    register_error_renderer,
)
from appliance.platform.openapi import Doc, Reply
from appliance.platform.realtime.sse import SseStream, sse_event, sse_retry
from appliance.platform.validation import parse_model
from appliance.rooms.channels import SSE_FORMAT, STATE_EVENT, room_topic, state_event
from appliance.rooms.models import (
    ROOM_ID_RULE,
    IfMatch,
    LastEventId,
    PutRoomBody,
    RoomError,
    RoomPath,
    RoomRecord,
    RoomsOverview,
    StateEvent,
    StreamQuery,
    valid_room_id,
)
from appliance.rooms.service import RoomService, VersionCondition
from appliance.rooms.settings import RoomsSettings

ROOM_PATH = "/api/rooms/<room_id>"
SECRET_PARAMS = ("room_id",)  # a room id is the only key to its room: never in a log
_VERSION = re.compile(r"[0-9]{1,18}")
STREAM_HEADERS = {"Cache-Control": "no-cache"}  # exactly as the spec lists it


def create_blueprint(settings: RoomsSettings) -> Blueprint:
    """The routes; built at mount time because the PUT body limit is a setting."""
    blueprint = Blueprint("rooms")
    blueprint.add_route(
        rooms_overview, "/api/rooms", methods=["GET"], name="rooms_overview", ctx_docs=OVERVIEW_DOC
    )
    blueprint.add_route(
        get_room,
        ROOM_PATH,
        methods=["GET"],
        name="get_room",
        ctx_cors_expose="ETag",
        ctx_docs=GET_DOC,
        ctx_secret_params=SECRET_PARAMS,
    )
    blueprint.add_route(
        put_room,
        ROOM_PATH,
        methods=["PUT"],
        name="put_room",
        ctx_body_limit=settings.max_state_bytes,  # refused before the body is read
        ctx_cors_expose="ETag",
        ctx_docs=PUT_DOC,
        ctx_secret_params=SECRET_PARAMS,
    )
    blueprint.add_route(
        stream_room,
        ROOM_PATH + "/stream",
        methods=["GET"],
        name="stream_room",
        ctx_docs=STREAM_DOC,
        ctx_secret_params=SECRET_PARAMS,
    )
    blueprint.exception(PayloadTooLarge)(state_too_large)
    register_error_renderer(blueprint, render_room_error)
    return blueprint


ETAG = {"ETag": "The room's version, quoted"}
OVERVIEW_DOC = Doc(summary="Room counts and limits", tag="rooms", responses={200: RoomsOverview})
GET_DOC = Doc(
    summary="A room's record",
    tag="rooms",
    path=RoomPath,
    responses={
        200: Reply(RoomRecord, headers=ETAG),
        400: RoomError,
        404: Reply(RoomError, description='No such room: {"error": "room_not_found"}'),
    },
)
PUT_DOC = Doc(
    summary="Write a room's state (the last write wins)",
    tag="rooms",
    path=RoomPath,
    headers=IfMatch,
    body=PutRoomBody,
    responses={
        200: Reply(RoomRecord, headers=ETAG),
        400: RoomError,
        412: Reply(
            RoomError, description="If-Match does not hold; carries `current`", headers=ETAG
        ),
        413: RoomError,
        422: RoomError,
        429: RoomError,
        503: RoomError,
    },
)
STREAM_DOC = Doc(
    summary="Server-Sent Events: the record now, then every write",
    tag="rooms",
    path=RoomPath,
    query=StreamQuery,
    headers=LastEventId,
    responses={
        200: Reply(StateEvent, media_type="text/event-stream", description="`state` events"),
        400: RoomError,
        429: RoomError,
        503: RoomError,
    },
)


def render_room_error(error: ServiceError) -> dict[str, Any]:
    """``{"error": "<code>", "message": ..., "field": ...}`` (no field when it names none)
    plus the error's extra members; the 404 is exactly the spec's ``{"error":
    "room_not_found"}``."""
    if error.code == "room_not_found":
        return {"error": error.code}
    body: dict[str, Any] = {"error": error.code, "message": error.message}
    if error.field is not None:
        body["field"] = error.field
    return {**body, **error.extra}


def _service(request: Request) -> RoomService:
    service: RoomService = request.app.ctx.rooms.service
    return service


def _check_room_id(room_id: str) -> None:
    if not valid_room_id(room_id):
        raise ServiceError(400, "invalid_room_id", f"room_id must be {ROOM_ID_RULE}", "room_id")


def _record_response(record_json: bytes, version: int) -> HTTPResponse:
    return HTTPResponse(
        record_json,
        headers={"ETag": f'"{version}"', "Cache-Control": "no-cache"},
        content_type="application/json",
    )


# -- handlers ---------------------------------------------------------------------------------


async def rooms_overview(request: Request) -> HTTPResponse:
    """Counts and limits (no room ids: an id is all it takes to read and write a room)."""
    return json_response(_service(request).stats())


async def get_room(request: Request, room_id: str) -> HTTPResponse:
    _check_room_id(room_id)
    room = _service(request).get(room_id)
    if room is None:
        raise ServiceError(404, "room_not_found", "no such room")
    return _record_response(room.record_json, room.version)


async def put_room(request: Request, room_id: str) -> HTTPResponse:
    _check_room_id(room_id)
    condition = parse_if_match(request.headers.get("if-match"))
    # Any Content-Type will do as long as the bytes are JSON; a body that is no object is the
    # model's 422 (invalid_body), as the spec's "not valid JSON object/array (422)".
    body = parse_model(request.body, PutRoomBody, field="body", expect="any")
    service = _service(request)
    client = client_ip(request, service.trusted_proxies)
    room = service.put(room_id, body.state, condition, client=client)
    return _record_response(room.record_json, room.version)


async def stream_room(request: Request, room_id: str) -> None:
    _check_room_id(room_id)
    service = _service(request)
    settings = service.settings
    service.check_room_for_subscriber(room_id)
    version, record_json = service.current(room_id)
    if last_event_id(request) == version:
        first = sse_retry(settings.retry_ms)  # a resuming client already has this version
    else:
        first = sse_event(STATE_EVENT, record_json, event_id=version, retry_ms=settings.retry_ms)
    # No await between reading the current record and subscribing (inside open): no write
    # can fall between them.
    stream = await SseStream.open(
        request,
        service.broker,
        state_event,
        SSE_FORMAT,
        first=first,
        coalesce=True,  # a slow client gets the newest record, never a backlog
        headers=STREAM_HEADERS,
        topics=[room_topic(room_id)],
    )
    service.log_subscribers(room_id, "connected")
    try:
        await stream.run(settings.heartbeat_seconds)
    finally:
        service.log_subscribers(room_id, "disconnected")


async def state_too_large(request: Request, exception: Exception) -> HTTPResponse:
    limit = _service(request).settings.max_state_bytes
    message = f"The request body is larger than {limit} bytes (MAX_STATE_BYTES)"
    return error_response(ServiceError(413, "state_too_large", message), request)


# -- parsing ----------------------------------------------------------------------------------


def parse_if_match(value: str | None) -> VersionCondition | None:
    """``If-Match: 7``, ``"7"``, ``W/"7"``, a comma list of those, or ``*`` (the room exists);
    ``"0"`` asks that the room does not exist yet."""
    if value is None:
        return None
    if value.strip() == "*":
        return VersionCondition(any_existing=True)
    versions: set[int] = set()
    for item in value.split(","):
        tag = item.strip().removeprefix("W/")
        if len(tag) >= 2 and tag[0] == tag[-1] == '"':
            tag = tag[1:-1]
        if not _VERSION.fullmatch(tag):
            raise ServiceError(
                400,
                "invalid_if_match",
                f'If-Match must be a room version such as "7" or *, not {value[:40]!r}',
                "If-Match",
            )
        versions.add(int(tag))
    return VersionCondition(frozenset(versions))


def last_event_id(request: Request) -> int | None:
    """The version a reconnecting client last saw (``Last-Event-ID`` or ``?lastEventId=``)."""
    raw = request.headers.get("last-event-id") or request.args.get("lastEventId")
    if raw and _VERSION.fullmatch(raw.strip()):
        return int(raw.strip())
    return None  # absent or not one of our ids: send the current record
