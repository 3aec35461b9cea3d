"""HTTP of the clicker: parse → engine → respond. The rules live in service.py."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sanic import Blueprint, Request
from sanic.response import HTTPResponse

from appliance.clicker.models import (
    ClickRequest,
    InvalidInput,
    NameRequest,
    NewPlayerRequest,
    Throttled,
    parse_player_id,
)
from appliance.clicker.service import ClickEngine
from appliance.clicker.store import SnapshotStore
from appliance.platform.http import ApiError, json_response, parse_json_object
from appliance.platform.ratelimit import retry_after_header

blueprint = Blueprint("clicker", url_prefix="/api/clicker")
BODY_LIMIT = 4 * 1024  # the largest body is a 24-character name
Model = TypeVar("Model", bound=BaseModel)


def _engine(request: Request) -> ClickEngine:
    engine: ClickEngine = request.app.ctx.clicker
    return engine


def _invalid(field: str, message: str) -> ApiError:
    code = f"invalid_{field}" if field in ("player_id", "name") else "invalid_body"
    return ApiError(400, code, f"{field}: {message}", field)


def _parse(model: type[Model], body: Any) -> Model:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        field = str(error["loc"][0]) if error["loc"] else "body"
        message = str(error["msg"]).removeprefix("Value error, ")
        raise _invalid(field, message) from None


def _path_player_id(raw: str) -> str:
    try:
        return parse_player_id(raw)
    except InvalidInput as exc:
        raise _invalid(exc.field, exc.message) from None


@blueprint.post("/click", name="clicker_click", ctx_body_limit=BODY_LIMIT)
async def click(request: Request) -> HTTPResponse:
    player_id = _parse(ClickRequest, parse_json_object(request)).player_id
    try:
        score, rank = _engine(request).click(player_id)
    except Throttled as exc:
        wait = exc.retry_after_ms
        message = f"Too fast: wait {wait} ms between clicks"
        raise ApiError(
            429,
            "throttled",
            message,
            headers={"Retry-After": retry_after_header(wait / 1000)},
            # The envelope plus the exact wait: Retry-After only speaks whole seconds.
            body={
                "error": {
                    "code": "throttled",
                    "message": message,
                    "field": None,
                    "retry_after_ms": wait,
                }
            },
        ) from None
    return json_response({"player_id": player_id, "score": score, "rank": rank})


@blueprint.get("/leaderboard", name="clicker_leaderboard")
async def leaderboard(request: Request) -> HTTPResponse:
    engine = _engine(request)
    body: dict[str, Any] = {"top": engine.top()}
    raw = request.args.get("player_id")
    if raw is not None:
        body["player"] = engine.view(_path_player_id(raw))
    return json_response(body)


@blueprint.post("/players", name="clicker_new_player", ctx_body_limit=BODY_LIMIT)
async def new_player(request: Request) -> HTTPResponse:
    engine = _engine(request)
    name = _parse(NewPlayerRequest, parse_json_object(request)).name if request.body else None
    player_id = engine.new_player_id()
    view = engine.set_name(player_id, name) if name else engine.view(player_id)
    return json_response(view, 201)


@blueprint.get("/players/<player_id:str>", name="clicker_player")
async def player(request: Request, player_id: str) -> HTTPResponse:
    return json_response(_engine(request).view(_path_player_id(player_id)))


@blueprint.put("/players/<player_id:str>/name", name="clicker_name", ctx_body_limit=BODY_LIMIT)
async def rename(request: Request, player_id: str) -> HTTPResponse:
    canonical = _path_player_id(player_id)
    name = _parse(NameRequest, parse_json_object(request)).name
    return json_response(_engine(request).set_name(canonical, name))


@blueprint.get("/stats", name="clicker_stats")
async def stats(request: Request) -> HTTPResponse:
    store: SnapshotStore = request.app.ctx.clicker_store
    return json_response({**_engine(request).stats(), "snapshot": store.stats()})
