"""One validation path: a request's JSON body (or JSON bytes) to a pydantic model, or a
:class:`ServiceError` that names the problem.

Every part reads its bodies with :func:`parse_model` (or :func:`read_json` and
:func:`validate` when it adds to the body first, as sparks add the path's x and y); none
catches pydantic's ``ValidationError`` itself. A part whose spec words refusals its own way
passes its :class:`~appliance.platform.errors.Wording` (one code, the field by path or none,
the first problem only). No Sanic import: a service may validate too.
"""

from __future__ import annotations

from typing import Any, Literal, Protocol, TypeVar

import orjson
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from appliance.platform.errors import (
    PLATFORM_WORDING,
    Problem,
    ServiceError,
    Wording,
    invalid_input,
)

Model = TypeVar("Model", bound=BaseModel)
Expect = Literal["object", "object or array", "any"]

MAX_JSON_DEPTH = 64
"""Deepest nesting of arrays and objects read from a client. orjson reads 1024 levels but
writes only 254, so a deeper value, once read, could be neither stored nor sent back; no real
document comes near this."""


class JsonTooDeep(ValueError):
    """JSON nested deeper than :data:`MAX_JSON_DEPTH`."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"arrays and objects nest deeper than {limit} levels")


def loads_json(raw: bytes | str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``orjson.loads``, refusing nesting deeper than ``max_depth``: raises
    ``orjson.JSONDecodeError`` or :class:`JsonTooDeep` (both ValueErrors). Every JSON a
    client sends (bodies, socket frames, JSON inside a field) is read through here."""
    value = orjson.loads(raw)
    if isinstance(value, dict | list) and _may_nest_deeper(raw, max_depth):
        _check_depth(value, max_depth)
    return value


def _may_nest_deeper(raw: bytes | str, limit: int) -> bool:
    # Fewer opening brackets than the limit (counted in C, strings included) cannot nest
    # deeper: the common small body skips the walk.
    if isinstance(raw, str):
        return raw.count("[") + raw.count("{") > limit
    return raw.count(b"[") + raw.count(b"{") > limit


def _check_depth(value: dict[str, Any] | list[Any], limit: int) -> None:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            raise JsonTooDeep(limit)
        for child in node.values() if isinstance(node, dict) else node:
            if isinstance(child, dict | list):
                stack.append((child, depth + 1))


class JsonRequest(Protocol):
    """A request, as far as reading its body goes (Sanic's ``Request`` is one)."""

    @property
    def body(self) -> bytes: ...

    @property
    def content_type(self) -> str: ...


def read_json(
    source: JsonRequest | bytes,
    *,
    field: str | None = None,
    expect: Expect = "object",
    wording: Wording = PLATFORM_WORDING,
) -> Any:
    """Decode a body as JSON.

    From a request, its Content-Type must be JSON (else 415); from bytes any type will do
    (rooms accept ``curl -d``). An empty body, bad JSON, JSON nested deeper than
    :data:`MAX_JSON_DEPTH`, or JSON that is not what ``expect`` says is a 400 ``invalid_json``
    (or ``wording``'s code; ``"any"`` leaves the kind of value to the model). The errors name
    ``field``: None, or "body" where the part's shape needs a name.
    """
    code = wording.code or "invalid_json"
    if isinstance(source, bytes):
        raw = source
    else:
        content_type = source.content_type
        if content_type != "application/json":  # the common case needs no normalizing
            content_type = (content_type or "").split(";")[0].strip().lower()
        if content_type != "application/json" and not content_type.endswith("+json"):
            raise ServiceError(
                415,
                "unsupported_media_type",
                "Send the body as JSON with Content-Type: application/json",
                field,
            )
        raw = source.body
    if not raw:
        raise ServiceError(400, code, "The request body is empty; send a JSON object", field)
    try:
        value = loads_json(raw)
    except orjson.JSONDecodeError as exc:
        raise ServiceError(400, code, f"The body is not valid JSON: {exc}", field) from None
    except JsonTooDeep as exc:
        raise ServiceError(400, code, f"The body is refused: {exc}", field) from None
    if (
        expect == "any"
        or isinstance(value, dict)
        or (expect == "object or array" and isinstance(value, list))
    ):
        return value
    raise ServiceError(400, code, f"The body must be a JSON {expect}", field)


def validate(
    model: type[Model],
    data: Any,
    *,
    status: int = 422,
    wording: Wording = PLATFORM_WORDING,
    label: str | None = None,
    context: dict[str, Any] | None = None,
) -> Model:
    """``model`` from ``data`` (its validators see ``context``), or the ServiceError of
    :func:`invalid_input` with ``status`` (422 unless the part's spec says otherwise),
    ``wording`` and ``label``, naming the first offending field; pydantic's errors become its
    ``problems``."""
    try:
        return model.model_validate(data, context=context)
    except ValidationError as exc:
        problems = [_problem(item) for item in exc.errors(include_url=False)]
    raise invalid_input(
        problems, status=status, fields=model.model_fields, wording=wording, label=label
    )


def parse_model(
    source: JsonRequest | bytes,
    model: type[Model],
    *,
    status: int = 422,
    field: str | None = None,
    expect: Expect = "object",
    wording: Wording = PLATFORM_WORDING,
) -> Model:
    """:func:`read_json` then :func:`validate`: the body as ``model``, or a ServiceError."""
    data = read_json(source, field=field, expect=expect, wording=wording)
    return validate(model, data, status=status, wording=wording)


def _problem(item: ErrorDetails) -> Problem:
    location = item["loc"]
    if item["type"] == "model_type":  # pydantic's text names the Python class
        message = "must be a JSON object"
    else:
        message = item["msg"].removeprefix("Value error, ")
    return Problem(str(location[0]) if location else "body", message, tuple(location[1:]))
