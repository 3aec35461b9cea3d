"""The OpenAPI 3.1 document (``GET /api/openapi.json``, platform/openapi.py): made from the
routes' own declarations, it lists every HTTP route of every part with its real schemas; the
generator itself on a small app of its own."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pydantic import BaseModel, Field
from sanic import Sanic
from sanic.response import HTTPResponse, empty

from appliance.platform.openapi import HIDDEN, Doc, ErrorEnvelope, Reply, Security, document
from tests.conftest import RunningServer

# (method, path) of every HTTP route the appliance serves, by part.
EXPECTED: dict[str, set[tuple[str, str]]] = {
    "platform": {
        ("get", "/healthz"),
        ("get", "/api/system"),
        ("get", "/api/openapi.json"),
    },
    "sparks": {
        ("post", "/api/{x}/{y}"),
        ("get", "/api/{x}/{y}"),
        ("put", "/api/{x}/{y}"),
        ("patch", "/api/{x}/{y}"),
        ("delete", "/api/{x}/{y}"),
    },
    "arena": {
        # documented once, under /api/v1; the /api aliases answer too (tests/arena)
        (method, "/api/v1" + path)
        for method, path in (
            ("post", "/register"),
            ("get", "/health"),
            ("post", "/submission/game"),
            ("post", "/login"),
            ("post", "/logout"),
            ("get", "/user/me"),
            ("get", "/user/{username}"),
            ("get", "/user/{username}/isAvailable"),
            ("get", "/account/preferences"),
            ("put", "/account/preferences"),
            ("patch", "/account/preferences"),
            ("delete", "/account/preferences"),
            ("get", "/programming-language"),
            ("get", "/programming-language/{language_id}"),
            ("post", "/execute"),
            ("post", "/puzzle"),
            ("get", "/puzzle"),
            ("get", "/puzzle/{puzzle_id}"),
            ("put", "/puzzle/{puzzle_id}"),
            ("delete", "/puzzle/{puzzle_id}"),
            ("get", "/puzzle/{puzzle_id}/solution"),
            ("post", "/puzzle/{puzzle_id}/comment"),
            ("post", "/comment/{comment_id}/comment"),
            ("get", "/comment/{comment_id}"),
            ("delete", "/comment/{comment_id}"),
            ("post", "/comment/{comment_id}/vote"),
            ("get", "/user/{username}/puzzle"),
            ("post", "/submission"),
            ("get", "/submission/{submission_id}"),
            ("get", "/user/{username}/activity"),
            ("get", "/leaderboard/{game_mode}"),
            ("get", "/leaderboard/user/{user_id}"),
            ("post", "/leaderboard/recalculate"),
            ("post", "/report"),
            ("get", "/moderation/review"),
            ("post", "/moderation/puzzle/{puzzle_id}/approve"),
            ("post", "/moderation/puzzle/{puzzle_id}/revise"),
            ("post", "/moderation/report/{report_id}/resolve"),
            ("post", "/moderation/user/{user_id}/ban/temporary"),
            ("post", "/moderation/user/{user_id}/ban/permanent"),
            ("post", "/moderation/user/{user_id}/unban"),
            ("get", "/moderation/user/{user_id}/ban/history"),
            ("get", "/moderation/audit"),
        )
    },
    "rooms": {
        ("get", "/api/rooms"),
        ("get", "/api/rooms/{room_id}"),
        ("put", "/api/rooms/{room_id}"),
        ("get", "/api/rooms/{room_id}/stream"),
    },
    "clicker": {
        ("post", "/api/clicker/click"),
        ("get", "/api/clicker/leaderboard"),
        ("post", "/api/clicker/players"),
        ("get", "/api/clicker/players/{player_id}"),
        ("put", "/api/clicker/players/{player_id}/name"),
        ("get", "/api/clicker/stats"),
    },
    "analytics": {
        ("post", "/api/collect"),
        ("post", "/e"),
        ("post", "/api/send"),
        ("post", "/api/event"),
        ("get", "/s.js"),
        ("get", "/health"),
        ("get", "/api/auth/status"),
        ("post", "/api/auth/setup"),
        ("post", "/api/auth/login"),
        ("post", "/api/auth/logout"),
        ("get", "/api/auth/session"),
        ("put", "/api/auth/password"),
        ("post", "/api/auth/keys"),
        ("get", "/api/auth/keys"),
        ("delete", "/api/auth/keys/{key_id}"),
        ("post", "/api/websites"),
        ("get", "/api/websites"),
        ("get", "/api/websites/{website_id}"),
        ("put", "/api/websites/{website_id}"),
        ("delete", "/api/websites/{website_id}"),
        ("get", "/api/websites/{website_id}/ingest-limits"),
        ("put", "/api/websites/{website_id}/ingest-limits"),
        ("post", "/api/websites/{website_id}/share"),
        ("delete", "/api/websites/{website_id}/share"),
        *(
            ("get", f"/api/websites/{{website_id}}/{report}")
            for report in (
                "stats",
                "pageviews",
                "metrics",
                "realtime",
                "sessions",
                "sessions/{session_id}",
                "events",
                "events/properties",
                "events/timeseries",
                "export",
                "goals",
                "goals/{goal_id}/stats",
            )
        ),
        ("post", "/api/websites/{website_id}/goals"),
        ("put", "/api/websites/{website_id}/goals/{goal_id}"),
        ("delete", "/api/websites/{website_id}/goals/{goal_id}"),
        *(
            ("get", f"/api/share/{{share_id}}/{report}")
            for report in ("stats", "pageviews", "metrics", "overview")
        ),
    },
}


@pytest.fixture(scope="module")
def spec(server: RunningServer) -> dict[str, Any]:
    answer = httpx.get(f"{server.url}/api/openapi.json", timeout=10)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    body: dict[str, Any] = answer.json()
    return body


def _operations(spec: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): operation
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    }


def test_every_route_of_every_part_is_documented(spec: dict[str, Any]) -> None:
    assert spec["openapi"] == "3.1.0"
    assert spec["info"]["title"] == "Sparkhouse"
    assert "x-undocumented" not in spec, spec.get("x-undocumented")
    operations = _operations(spec)
    for part, expected in EXPECTED.items():
        missing = expected - set(operations)
        assert not missing, f"{part}: {sorted(missing)}"
    # No dashboard, asset, WebSocket or preflight route is an API operation.
    assert not [key for key in operations if key[0] in ("options", "head")]
    assert "/socket/websocket" not in spec["paths"]
    assert not [path for path in spec["paths"] if path == "/" or "{path}" in path]
    tags = {tuple(op.get("tags", ())) for op in operations.values()}
    assert tags == {
        ("platform",),
        ("sparks",),
        ("rooms",),
        ("clicker",),
        ("analytics",),
        ("arena",),
    }
    # One tag per part, in the parts' order, described as the home page describes them.
    names = [tag["name"] for tag in spec["tags"]]
    assert names == ["sparks", "rooms", "clicker", "analytics", "arena", "platform"]
    assert all(tag["description"] for tag in spec["tags"])


def test_operations_carry_their_real_schemas(spec: dict[str, Any]) -> None:
    operations = _operations(spec)
    schemas = spec["components"]["schemas"]

    def ref(schema: dict[str, Any]) -> dict[str, Any]:
        return schemas[schema["$ref"].rsplit("/", 1)[-1]]

    spark = operations[("post", "/api/{x}/{y}")]
    body = ref(spark["requestBody"]["content"]["application/json"]["schema"])
    assert set(body["required"]) == {"color", "radius", "transparency", "time_to_grow"}
    assert body["additionalProperties"] is False
    assert body["properties"]["color"]["minItems"] == 3
    x = next(p for p in spark["parameters"] if p["name"] == "x")
    assert x["in"] == "path" and x["schema"] == {
        "type": "integer",
        "format": "int64",
        "minimum": 0,
        "exclusiveMaximum": 512,
    }
    assert set(spark["responses"]) == {"202", "400", "413", "415", "429"}
    assert (
        ref(spark["responses"]["400"]["content"]["application/json"]["schema"])["properties"][
            "errors"
        ]["type"]
        == "object"
    )

    put_room = operations[("put", "/api/rooms/{room_id}")]
    names = {(p["in"], p["name"]) for p in put_room["parameters"]}
    assert names == {("path", "room_id"), ("header", "If-Match")}
    record = ref(put_room["responses"]["200"]["content"]["application/json"]["schema"])
    assert set(record["required"]) == {"room_id", "version", "updated_at", "state"}
    assert "ETag" in put_room["responses"]["200"]["headers"]

    stats = operations[("get", "/api/websites/{website_id}/stats")]
    assert stats["security"] == [{"session": []}, {"apiKey": []}]
    query = {p["name"] for p in stats["parameters"] if p["in"] == "query"}
    assert {"start_date", "end_date", "timezone", "filter_country", "compare_mode"} <= query
    assert (
        "prev_visitors"
        in ref(
            ref(stats["responses"]["200"]["content"]["application/json"]["schema"])["properties"][
                "data"
            ]
        )["properties"]
    )
    metrics = operations[("get", "/api/websites/{website_id}/metrics")]
    kind = next(p for p in metrics["parameters"] if p["name"] == "type")
    assert kind["required"] is True and "page" in kind["schema"]["enum"]

    keys = operations[("get", "/api/auth/keys")]
    assert keys["security"] == [{"session": []}]
    schemes = spec["components"]["securitySchemes"]
    assert schemes["session"] == {
        "type": "apiKey",
        "in": "cookie",
        "name": "spk_session",
        "description": schemes["session"]["description"],
    }
    assert schemes["apiKey"]["scheme"] == "bearer"

    export = operations[("get", "/api/websites/{website_id}/export")]
    assert "text/csv" in export["responses"]["200"]["content"]
    stream = operations[("get", "/api/rooms/{room_id}/stream")]
    assert "text/event-stream" in stream["responses"]["200"]["content"]


def test_every_reference_resolves(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    refs: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "$ref" in node:
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    assert refs
    for target in refs:
        assert target.startswith("#/components/schemas/")
        assert target.rsplit("/", 1)[-1] in schemas, target
    ids = [op["operationId"] for op in _operations(spec).values()]
    assert len(ids) == len(set(ids))


# -- the generator on an app of its own -----------------------------------------------------


class ThingPath(BaseModel):
    thing_id: int = Field(ge=1, description="The thing.")


class ThingQuery(BaseModel):
    verbose: bool = False
    q: str = Field(description="What to look for.")


class ThingBody(BaseModel):
    name: str = Field(min_length=1)


class Thing(BaseModel):
    id: int
    name: str


TOKEN = Security("token", {"type": "http", "scheme": "bearer"})


def test_document_of_declared_routes() -> None:
    app = Sanic("openapi_probe")

    async def handler(request: Any, **_: Any) -> HTTPResponse:
        return empty()

    app.add_route(
        handler,
        "/things/<thing_id:int>",
        methods=["PUT"],
        name="put_thing",
        ctx_docs=Doc(
            summary="Replace a thing",
            tag="things",
            path=ThingPath,
            query=ThingQuery,
            body=ThingBody,
            responses={200: Thing, 404: ErrorEnvelope, 204: None},
            security=(TOKEN,),
        ),
    )
    app.add_route(
        handler,
        "/things/<thing_id:int>/raw",
        methods=["GET", "HEAD"],
        name="raw",
        ctx_docs=Doc(
            summary="The raw thing",
            responses={200: Reply(str, "text/plain", "bytes", {"ETag": "version"})},
        ),
    )
    app.add_route(handler, "/plain/<name>", methods=["GET"], name="plain")
    app.add_route(handler, "/", methods=["GET"], name="home", ctx_docs=HIDDEN)

    spec = document(app.router.routes, title="Probe", version="1")

    assert spec["x-undocumented"] == ["GET /plain/{name}"]
    assert set(spec["paths"]) == {"/things/{thing_id}", "/things/{thing_id}/raw"}
    put = spec["paths"]["/things/{thing_id}"]["put"]
    assert put["summary"] == "Replace a thing" and put["tags"] == ["things"]
    assert put["security"] == [{"token": []}]
    assert spec["components"]["securitySchemes"] == {"token": {"type": "http", "scheme": "bearer"}}
    assert put["parameters"] == [
        {
            "name": "thing_id",
            "in": "path",
            "required": True,
            "schema": {"type": "integer", "format": "int64", "minimum": 1},
            "description": "The thing.",
        },
        {
            "name": "verbose",
            "in": "query",
            "required": False,
            "schema": {"type": "boolean", "default": False},
        },
        {
            "name": "q",
            "in": "query",
            "required": True,
            "schema": {"type": "string"},
            "description": "What to look for.",
        },
    ]
    assert put["requestBody"] == {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ThingBody"}}},
    }
    assert list(put["responses"]) == ["200", "204", "404"]
    assert put["responses"]["204"] == {"description": "No Content"}
    assert put["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Thing"
    }
    schemas = spec["components"]["schemas"]
    assert {"Thing", "ThingBody", "ErrorEnvelope", "ErrorDetail"} <= set(schemas)
    assert "ThingQuery" not in schemas and "ThingPath" not in schemas  # parameters, not bodies
    raw = spec["paths"]["/things/{thing_id}/raw"]
    assert list(raw) == ["get"]  # HEAD is GET's
    assert raw["get"]["parameters"] == [
        {"name": "thing_id", "in": "path", "required": True, "schema": {"type": "string"}}
    ]
    assert raw["get"]["responses"]["200"] == {
        "description": "bytes",
        "content": {"text/plain": {"schema": {"type": "string"}}},
        "headers": {"ETag": {"description": "version", "schema": {"type": "string"}}},
    }
