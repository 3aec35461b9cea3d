"""The OpenAPI 3.1 document of every HTTP route (``GET /api/openapi.json``), made from the
routes' own declarations.

A part declares each route's documentation next to the route, in Sanic's route context:
``@blueprint.get(path, name=..., ctx_docs=Doc(...))`` — the request body model, the query and
path models, the answers per status, the security schemes it accepts. The platform imports no
part: it walks the app's router, reads ``route.ctx.docs`` and asks pydantic for the JSON Schema
of every model (OpenAPI 3.1 uses JSON Schema 2020-12, which is what pydantic writes). Built at
the first request for it, not at start-up.

Routes that are no API (the dashboard, its assets, the WebSocket, the CORS preflights) are left
out; a route with no declaration is listed in the document's ``x-undocumented`` (a test keeps
that list empty).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter
from pydantic.json_schema import JsonSchemaMode
from sanic import Request, Sanic
from sanic.response import HTTPResponse

from appliance.platform.http import dumps

COMPONENTS = "#/components/schemas/{model}"
_PARAM = re.compile(r"<([^:>]+)(?::[^>]*)?>")
_SKIPPED_METHODS = frozenset({"HEAD", "OPTIONS"})
_JSON = "application/json"


# eq=False: hashed by identity, as Sanic hashes a route's context
@dataclass(frozen=True, slots=True, eq=False)
class Security:
    """A way to authenticate, as an OpenAPI security scheme (``scheme``) under ``name``."""

    name: str
    scheme: Mapping[str, Any]


@dataclass(frozen=True, slots=True, eq=False)
class Reply:
    """One answer of a route: the schema of its body (a model or any type pydantic can
    describe; None for no body), its media type, and the headers it carries."""

    body: Any = None
    media_type: str = _JSON
    description: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    """Header name → what it says (a string schema)."""


@dataclass(frozen=True, slots=True, eq=False)
class Doc:
    """A route's documentation.

    - ``responses``: status → :class:`Reply`, or a type (a JSON body of that schema), or None
      (no body).
    - ``body``: the JSON request body's model (None: the route reads no body);
      ``body_required`` False when it may be absent; ``body_media`` its media types.
    - ``query``, ``path``, ``headers``: models whose fields are the query string's, the
      path's and the request headers' parameters (by alias); a path parameter without a model
      is a string.
    - ``security``: the schemes it accepts, any one of them (empty: open to anyone).
    """

    summary: str
    responses: Mapping[int, Reply | Any]
    tag: str | None = None
    description: str = ""
    body: Any = None
    body_required: bool = True
    body_media: tuple[str, ...] = (_JSON,)
    query: type[BaseModel] | None = None
    path: type[BaseModel] | None = None
    headers: type[BaseModel] | None = None
    security: tuple[Security, ...] = ()


HIDDEN = Doc(summary="", responses={})
"""For routes that are no API (the dashboard and its fallback): left out."""


class _Doc(BaseModel):
    """Described for this document only: validators are built when it is made, not at
    start-up."""

    model_config = ConfigDict(defer_build=True)


class ErrorDetail(_Doc):
    """The refusal: a stable machine ``code``, a message for people, the field it is about."""

    model_config = ConfigDict(extra="allow")

    code: str = Field(description="Stable machine-readable code, e.g. validation_error.")
    message: str = Field(description="What went wrong, for people.")
    field: str | None = Field(description="The field it is about, or null.")


class ErrorEnvelope(_Doc):
    """The platform's error answer, ``{"error": {"code", "message", "field"}}``."""

    error: ErrorDetail


def openapi_path(sanic_path: str) -> str:
    """``api/rooms/<room_id>`` → ``/api/rooms/{room_id}``."""
    return "/" + _PARAM.sub(r"{\1}", sanic_path.lstrip("/"))


@dataclass
class _Schemas:
    """Every type the document names, described by pydantic in one pass (shared $defs)."""

    wanted: dict[tuple[int, JsonSchemaMode], Any] = field(default_factory=dict)

    def want(self, kind: Any, mode: JsonSchemaMode) -> tuple[int, JsonSchemaMode]:
        key = (id(kind), mode)
        self.wanted[key] = kind
        return key

    def build(self) -> tuple[dict[Any, dict[str, Any]], dict[str, Any]]:
        inputs = [(key[0], key[1], TypeAdapter(kind)) for key, kind in self.wanted.items()]
        schemas, definitions = TypeAdapter.json_schemas(inputs, ref_template=COMPONENTS)
        _int64(schemas)
        _int64(definitions)
        return dict(schemas), dict(definitions.get("$defs", {}))


def _int64(node: Any) -> None:
    """Every integer is a 64-bit one: what the stores keep and what clients may send."""
    if isinstance(node, dict):
        if node.get("type") == "integer":
            node.setdefault("format", "int64")
        for value in node.values():
            _int64(value)
    elif isinstance(node, list):
        for value in node:
            _int64(value)


def _route_docs(routes: Iterable[Any]) -> tuple[list[tuple[str, str, Doc]], list[str]]:
    documented: list[tuple[str, str, Doc]] = []
    undocumented: list[str] = []
    for route in routes:
        if getattr(route.extra, "websocket", False) or getattr(route.extra, "static", False):
            continue
        doc = getattr(route.ctx, "docs", None)
        if doc is HIDDEN:
            continue
        methods = sorted(set(route.methods) - _SKIPPED_METHODS)
        path = openapi_path(route.path)
        for method in methods:
            if doc is None:
                undocumented.append(f"{method} {path}")
            else:
                documented.append((method.lower(), path, doc))
    return documented, undocumented


def document(
    routes: Iterable[Any], *, title: str, version: str, tags: Sequence[tuple[str, str]] = ()
) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``routes`` (Sanic's ``app.router.routes``); ``tags`` are
    (name, description) in the order they are shown."""
    documented, undocumented = _route_docs(routes)
    schemas = _Schemas()
    # Pass 1: name every type, so pydantic describes them together.
    for _, _, doc in documented:
        if doc.body is not None:
            schemas.want(doc.body, "validation")
        for model in (doc.query, doc.path, doc.headers):
            if model is not None:
                schemas.want(model, "validation")
        for reply in doc.responses.values():
            body = reply.body if isinstance(reply, Reply) else reply
            if body is not None:
                schemas.want(body, "serialization")
    described, definitions = schemas.build()
    parameter_models = {
        id(model)
        for _, _, doc in documented
        for model in (doc.query, doc.path, doc.headers)
        if model is not None
    }

    def schema_of(kind: Any, mode: JsonSchemaMode) -> dict[str, Any]:
        return described[(id(kind), mode)]

    def parameters(model: type[BaseModel] | None, where: str) -> list[dict[str, Any]]:
        if model is None:
            return []
        schema = schema_of(model, "validation")
        if "$ref" in schema:
            schema = definitions[schema["$ref"].rsplit("/", 1)[-1]]
        required = set(schema.get("required", ()))
        out = []
        for name, prop in schema.get("properties", {}).items():
            item: dict[str, Any] = {
                "name": name,
                "in": where,
                "required": where == "path" or name in required,
                "schema": {k: v for k, v in prop.items() if k not in ("title", "description")},
            }
            if prop.get("description"):
                item["description"] = prop["description"]
            out.append(item)
        return out

    paths: dict[str, dict[str, Any]] = {}
    security_schemes: dict[str, Any] = {}
    for method, path, doc in sorted(documented, key=lambda item: (item[1], item[0])):
        operation: dict[str, Any] = {
            "summary": doc.summary,
            "operationId": _operation_id(method, path),
        }
        if doc.description:
            operation["description"] = doc.description
        if doc.tag:
            operation["tags"] = [doc.tag]
        params = parameters(doc.path, "path")
        declared = {p["name"] for p in params}
        params += [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in re.findall(r"{([^}]+)}", path)
            if name not in declared
        ]
        params += parameters(doc.query, "query") + parameters(doc.headers, "header")
        if params:
            operation["parameters"] = params
        if doc.body is not None:
            body_schema = schema_of(doc.body, "validation")
            operation["requestBody"] = {
                "required": doc.body_required,
                "content": {media: {"schema": body_schema} for media in doc.body_media},
            }
        operation["responses"] = {
            str(status): _response(status, reply, schema_of)
            for status, reply in sorted(doc.responses.items())
        }
        if doc.security:
            operation["security"] = [{scheme.name: []} for scheme in doc.security]
            for scheme in doc.security:
                security_schemes[scheme.name] = dict(scheme.scheme)
        paths.setdefault(path, {})[method] = operation

    unreferenced = {
        ref.rsplit("/", 1)[-1]
        for key, ref in ((key, described[key].get("$ref", "")) for key in described)
        if key[0] in parameter_models and ref
    }
    components: dict[str, Any] = {
        "schemas": {name: s for name, s in sorted(definitions.items()) if name not in unreferenced}
    }
    if security_schemes:
        components["securitySchemes"] = security_schemes
    used = {doc.tag for _, _, doc in documented if doc.tag}
    named = [{"name": name, "description": text} for name, text in tags if name in used]
    named += [{"name": name} for name in sorted(used - {name for name, _ in tags})]
    spec: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "tags": named,
        "paths": paths,
        "components": components,
    }
    if undocumented:
        spec["x-undocumented"] = undocumented
    return spec


def _operation_id(method: str, path: str) -> str:
    words = re.findall(r"[A-Za-z0-9]+", path)
    return "_".join([method, *words])


def _response(status: int, reply: Any, schema_of: Any) -> dict[str, Any]:
    if not isinstance(reply, Reply):
        reply = Reply(reply)
    answer: dict[str, Any] = {"description": reply.description or _REASONS.get(status, "")}
    if reply.body is not None:
        answer["content"] = {reply.media_type: {"schema": schema_of(reply.body, "serialization")}}
    if reply.headers:
        answer["headers"] = {
            name: {"description": text, "schema": {"type": "string"}}
            for name, text in reply.headers.items()
        }
    return answer


_REASONS = {
    200: "OK",
    201: "Created",
    202: "Accepted",
    204: "No Content",
    400: "Bad request: the error names the problem",
    401: "Not authenticated",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    410: "Gone",
    412: "Precondition failed",
    413: "Request body too large",
    415: "Unsupported media type: send JSON",
    422: "Unprocessable: the error names the field",
    429: "Too many requests",
    503: "Unavailable; retry later",
}


# -- the platform's own routes ------------------------------------------------------------

OPENAPI_PATH = "/api/openapi.json"
PLATFORM_TAG = "platform"


class Health(_Doc):
    """``GET /healthz``: the process serves."""

    model_config = ConfigDict(extra="allow")

    ok: bool


class PartSummary(_Doc):
    name: str
    title: str
    path: str
    description: str
    topics: list[str]


class RealtimeSummary(_Doc):
    model_config = ConfigDict(extra="allow")

    sockets: int = Field(description="Open WebSocket connections.")
    topics: dict[str, int] = Field(description="Subscribers per topic group.")


class SystemInfo(_Doc):
    """``GET /api/system``: what this appliance runs."""

    name: str
    version: str
    parts: list[PartSummary]
    realtime: RealtimeSummary


HEALTHZ_DOC = Doc(
    summary="Liveness: the process serves",
    tag=PLATFORM_TAG,
    responses={200: Health, 503: Health},
)
SYSTEM_DOC = Doc(
    summary="The parts this appliance runs, its version and realtime counts",
    tag=PLATFORM_TAG,
    responses={200: SystemInfo},
)
OPENAPI_DOC = Doc(
    summary="This document: the OpenAPI 3.1 description of every HTTP route",
    tag=PLATFORM_TAG,
    responses={200: dict[str, Any]},
)


def install(app: Sanic, *, title: str, version: str, tags: Sequence[tuple[str, str]] = ()) -> None:
    """Mount ``GET /api/openapi.json``; the document is made at its first request
    (``app.ctx.openapi_document()`` makes it too). ``tags``: (name, description) of the
    parts, in their order; the platform's comes last."""
    tags = [*tags, (PLATFORM_TAG, "The appliance itself: health, system, this document")]

    def build() -> dict[str, Any]:
        return document(app.router.routes, title=title, version=version, tags=tags)

    app.ctx.openapi_document = build

    @app.get(OPENAPI_PATH, name="openapi", ctx_docs=OPENAPI_DOC)
    async def openapi(request: Request) -> HTTPResponse:
        body: bytes | None = getattr(app.ctx, "openapi_json", None)
        if body is None:
            body = dumps(build())
            app.ctx.openapi_json = body
        return HTTPResponse(body, content_type="application/json")
