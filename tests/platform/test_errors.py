"""One error type, one validation path: ServiceError, its renderers, and parse_model.

The helpers run in-process; the renderer dispatch runs on a real server (errors_app.py: the
appliance plus one probe blueprint with its own renderer and one without), which also shows
that each part answers bad input in exactly the shape its spec fixes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from appliance.platform.errors import Problem, ServiceError, Wording, envelope, invalid_input
from appliance.platform.validation import parse_model, read_json, validate
from tests.conftest import ROOT, start_server

ERRORS_APP = ROOT / "tests" / "platform" / "errors_app.py"
UUID = "3f2b8c1e-5d6a-4e7f-9a0b-1c2d3e4f5a6b"
SPARK = {"color": [1, 0.5, 0], "radius": 10, "transparency": 0, "time_to_grow": 1}


class Shape(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    name: str = Field(min_length=1)
    sizes: list[int] = []


@dataclass
class FakeRequest:
    body: bytes
    content_type: str = "application/json"


def refused(call: Any, *args: Any, **kwargs: Any) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        call(*args, **kwargs)
    return caught.value


# -- the error type and the envelope ---------------------------------------------------------


def test_envelope_adds_the_extra_members_to_the_error_object() -> None:
    error = ServiceError(429, "throttled", "Too fast", headers={"Retry-After": "1"}, extra={"n": 3})
    assert envelope(error) == {
        "error": {"code": "throttled", "message": "Too fast", "field": None, "n": 3}
    }
    assert error.headers == {"Retry-After": "1"} and str(error) == "Too fast"


def test_invalid_input_names_the_first_field_and_tells_every_problem() -> None:
    problems = [Problem("color", "too bright", (0,)), Problem("extra", "not allowed")]
    error = invalid_input(problems, status=400, fields={"color"})
    assert (error.status, error.code, error.field) == (400, "invalid_color", "color")
    assert error.message == "color.0: too bright; extra: not allowed"
    assert error.problems == tuple(problems)
    assert invalid_input(problems[1:]).code == "invalid_body"  # not a field of the input


@pytest.mark.parametrize(
    ("wording", "label", "code", "field", "message"),
    [
        (Wording(), None, "invalid_color", "color", "color.0: too bright; extra: not allowed"),
        (Wording(code="bad"), None, "bad", "color", "color.0: too bright; extra: not allowed"),
        (
            Wording(field="path", message="first"),
            None,
            "invalid_color",
            "color.0",
            "color.0: too bright",
        ),
        (Wording(code="bad", field="none", message="bare"), None, "bad", None, "too bright"),
        (
            Wording(message="first"),
            "item 2",
            "invalid_color",
            "color",
            "item 2: color.0: too bright",
        ),
    ],
)
def test_a_part_words_refused_input_as_its_spec_says(
    wording: Wording, label: str | None, code: str, field: str | None, message: str
) -> None:
    problems = [Problem("color", "too bright", (0,)), Problem("extra", "not allowed")]
    error = invalid_input(problems, status=400, fields={"color"}, wording=wording, label=label)
    assert (error.status, error.code, error.field, error.message) == (400, code, field, message)
    assert error.problems == tuple(problems)  # every problem stays listed


# -- reading JSON ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "status", "code", "message"),
    [
        (FakeRequest(b"{}", "text/plain"), 415, "unsupported_media_type", "Content-Type"),
        (FakeRequest(b""), 400, "invalid_json", "empty"),
        (FakeRequest(b"{nope"), 400, "invalid_json", "not valid JSON"),
        (FakeRequest(b"[1]"), 400, "invalid_json", "must be a JSON object"),
        (b"", 400, "invalid_json", "empty"),
        (b"7", 400, "invalid_json", "must be a JSON object"),
    ],
)
def test_read_json_names_the_problem(source: Any, status: int, code: str, message: str) -> None:
    error = refused(read_json, source)
    assert (error.status, error.code, error.field) == (status, code, None)
    assert message in error.message
    assert refused(read_json, source, field="body").field == "body"


def test_read_json_takes_the_code_of_the_wording_for_bad_json_only() -> None:
    wording = Wording(code="bad_input")
    assert refused(read_json, b"{", wording=wording).code == "bad_input"
    assert refused(read_json, FakeRequest(b"[1]"), wording=wording).code == "bad_input"
    assert refused(read_json, FakeRequest(b"{}", ""), wording=wording).code == (
        "unsupported_media_type"  # a 415 keeps its code
    )


def test_read_json_accepts_what_it_is_told_to() -> None:
    assert read_json(FakeRequest(b'{"a":1}', "application/vnd.x+json; charset=utf-8")) == {"a": 1}
    assert read_json(b'{"a":1}') == {"a": 1}  # bytes: no Content-Type to check
    assert read_json(b"[1]", expect="object or array") == [1]
    assert read_json(b"7", expect="any") == 7
    assert refused(read_json, b"7", expect="object or array").message == (
        "The body must be a JSON object or array"
    )


# -- validating ------------------------------------------------------------------------------


def test_validate_returns_the_model() -> None:
    assert validate(Shape, {"name": "a", "sizes": [1]}) == Shape(name="a", sizes=[1])


@pytest.mark.parametrize(
    ("data", "status", "code", "field", "message"),
    [
        ({}, 422, "invalid_name", "name", "name: Field required"),
        ({"name": ""}, 422, "invalid_name", "name", "name: String should have at least 1 char"),
        ({"name": "a", "colour": 1}, 422, "invalid_body", "colour", "colour: Extra inputs"),
        ({"name": "a", "sizes": [1, "2"]}, 422, "invalid_sizes", "sizes", "sizes.1: Input should"),
        ([1], 422, "invalid_body", "body", "body: must be a JSON object"),
    ],
)
def test_validation_errors_become_service_errors_naming_the_field(
    data: Any, status: int, code: str, field: str, message: str
) -> None:
    error = refused(validate, Shape, data)
    assert (error.status, error.code, error.field) == (status, code, field)
    assert error.message.startswith(message)
    assert refused(validate, Shape, data, status=400).status == 400


def test_every_problem_is_told_and_listed() -> None:
    error = refused(validate, Shape, {"name": 5, "sizes": [1, "x"], "other": True})
    assert [(p.field, p.path) for p in error.problems] == [
        ("name", ()),
        ("sizes", (1,)),
        ("other", ()),
    ]
    assert error.field == "name" and error.code == "invalid_name"
    assert error.message.count(";") == 2


def test_value_errors_of_validators_lose_pydantics_prefix() -> None:
    from appliance.clicker.models import ClickRequest

    error = refused(validate, ClickRequest, {"player_id": "nope"}, status=400)
    assert error.message == f"player_id: must be a UUID like {UUID}"


class Ranged(BaseModel):
    low: int

    @field_validator("low")
    @classmethod
    def _at_least(cls, value: int, info: ValidationInfo) -> int:
        if value < (info.context or {}).get("least", 0):
            raise ValueError("is too low")
        return value


def test_validate_hands_the_context_to_the_validators() -> None:
    assert validate(Ranged, {"low": 1}).low == 1
    error = refused(validate, Ranged, {"low": 1}, context={"least": 2}, label="range")
    assert error.message == "range: low: is too low"


def test_parse_model_words_bad_json_and_bad_shapes_alike() -> None:
    wording = Wording(code="bad_input", field="path", message="first")
    error = refused(parse_model, FakeRequest(b"{"), Shape, wording=wording)
    assert (error.status, error.code, error.field) == (400, "bad_input", None)
    error = refused(parse_model, b'{"name": "a", "sizes": [1, "x"]}', Shape, wording=wording)
    assert (error.status, error.code, error.field) == (422, "bad_input", "sizes.1")
    assert error.message == "sizes.1: Input should be a valid integer"


def test_parse_model_reads_then_validates() -> None:
    assert parse_model(FakeRequest(b'{"name":"a"}'), Shape).name == "a"
    assert refused(parse_model, FakeRequest(b"{"), Shape).code == "invalid_json"
    assert refused(parse_model, b"[]", Shape, expect="any").code == "invalid_body"


# -- the renderer dispatch, on a real server -------------------------------------------------


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """A client of one errors_app.py server for the module."""
    server = start_server(tmp_path_factory.mktemp("errors") / "data", script=ERRORS_APP)
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            yield client
    finally:
        server.stop()


def test_a_blueprint_without_a_renderer_answers_the_envelope(client: httpx.Client) -> None:
    answer = client.get("/api/_probe/plain/refuse")
    assert answer.status_code == 409 and answer.headers["x-probe"] == "1"
    assert answer.json() == {
        "error": {"code": "taken", "message": "That name is taken", "field": "name", "hint": "x"}
    }


def test_a_blueprint_with_a_renderer_answers_in_its_shape(client: httpx.Client) -> None:
    answer = client.get("/api/_probe/shaped/refuse")
    assert answer.status_code == 409 and answer.headers["x-probe"] == "1"  # the error's own
    assert answer.json() == {"probe": "taken", "field": "name", "problems": [], "hint": "x"}


def test_validation_errors_go_through_the_renderer_too(client: httpx.Client) -> None:
    body = {"name": "", "sizes": ["x"]}
    shaped = client.post("/api/_probe/shaped/model", json=body)
    assert shaped.status_code == 422
    assert shaped.json() == {
        "probe": "invalid_name",
        "field": "name",
        "problems": [
            "name: String should have at least 1 character",
            "sizes.0: Input should be a valid integer",
        ],
    }
    plain = client.post("/api/_probe/plain/model?status=400", json=body)
    assert plain.status_code == 400
    assert plain.json()["error"] == {
        "code": "invalid_name",
        "message": "name: String should have at least 1 character; "
        "sizes.0: Input should be a valid integer",
        "field": "name",
    }
    assert client.post("/api/_probe/plain/model", json={"name": "a"}).json() == {
        "name": "a",
        "sizes": [],
    }


def test_body_problems_are_named_4xx_not_500s(client: httpx.Client) -> None:
    for content, headers, status in [
        (b"name=a", {"Content-Type": "application/x-www-form-urlencoded"}, 415),
        (b"", {"Content-Type": "application/json"}, 400),
        (b"{", {"Content-Type": "application/json"}, 400),
        (b'"a"', {"Content-Type": "application/json"}, 400),
    ]:
        answer = client.post("/api/_probe/plain/model", content=content, headers=headers)
        assert answer.status_code == status
        assert answer.json()["error"]["code"] in ("unsupported_media_type", "invalid_json")


def test_what_is_not_a_service_error_keeps_the_envelope(client: httpx.Client) -> None:
    sanic = client.get("/api/_probe/shaped/sanic")  # Sanic's own refusal: the platform's
    assert sanic.status_code == 404 and sanic.json()["error"]["code"] == "not_found"
    crash = client.get("/api/_probe/shaped/crash")
    assert crash.status_code == 500
    assert crash.json()["error"]["code"] == "internal_error"
    unknown = client.get("/api/_probe/nowhere")
    assert unknown.status_code == 404 and unknown.json()["error"]["field"] is None


# -- each part's bad input, in its spec's shape ----------------------------------------------


def test_sparks_answer_the_specs_400_with_per_field_errors(client: httpx.Client) -> None:
    answer = client.post("/api/1/1", json={**SPARK, "color": [2, 0, 0], "radius": "5", "x": 1})
    assert answer.status_code == 400
    conflict = ["is given by the URL path; leave it out of the body"]
    assert answer.json() == {"errors": {"x": conflict}}
    answer = client.post("/api/1/1", json={**SPARK, "color": [2, 0, 0], "radius": "5"})
    assert answer.status_code == 400
    assert answer.json() == {
        "errors": {
            "color": ["item 0: Input should be less than or equal to 1"],
            "radius": ["Input should be a valid number"],
        }
    }
    not_json = client.post("/api/1/1", content=b"color=red")
    assert not_json.status_code == 415
    assert not_json.json() == {
        "errors": {"body": ["Send the body as JSON with Content-Type: application/json"]}
    }
    wrong_method = client.get("/api/1/1")  # no spark at all: the platform's envelope
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "OPTIONS, POST"
    assert wrong_method.json()["error"]["code"] == "method_not_allowed"


def test_rooms_answer_flat_errors_and_the_specs_404(client: httpx.Client) -> None:
    missing = client.get("/api/rooms/never-written")
    assert missing.status_code == 404 and missing.json() == {"error": "room_not_found"}
    bad_state = client.put("/api/rooms/errors-room", json={"state": 1})
    assert bad_state.status_code == 422
    assert bad_state.json() == {
        "error": "invalid_state",
        "message": "state: must be a JSON object or array, not a number",
        "field": "state",
    }
    not_object = client.put("/api/rooms/errors-room", content=b"[1]")
    assert not_object.status_code == 422
    assert not_object.json()["error"] == "invalid_body"
    assert not_object.json()["field"] == "body"
    written = client.put("/api/rooms/errors-room", json={"state": {"a": 1}}).json()
    stale = client.put("/api/rooms/errors-room", json={"state": {}}, headers={"If-Match": "9"})
    assert stale.status_code == 412 and stale.headers["etag"] == '"1"'
    assert stale.json() == {
        "error": "version_mismatch",
        "message": "If-Match does not match: the room is at version 1",
        "field": "If-Match",
        "current": written,
    }


def test_clicker_answers_the_envelope(client: httpx.Client) -> None:
    answer = client.post("/api/clicker/click", json={"player_id": "nope"})
    assert answer.status_code == 400
    assert answer.json() == {
        "error": {
            "code": "invalid_player_id",
            "message": f"player_id: must be a UUID like {UUID}",
            "field": "player_id",
        }
    }
    path = client.get("/api/clicker/players/nope")
    assert path.status_code == 400 and path.json() == answer.json()
    array = client.post("/api/clicker/click", json=[UUID])
    assert array.status_code == 400
    message = "The body must be a JSON object"
    assert array.json() == {"error": {"code": "invalid_json", "message": message, "field": None}}
    assert client.post("/api/clicker/click", json={"player_id": UUID}).status_code == 200
    throttled = client.post("/api/clicker/click", json={"player_id": UUID})
    assert throttled.status_code == 429 and throttled.headers["retry-after"] == "1"
    error = throttled.json()["error"]
    assert list(error) == ["code", "message", "field", "retry_after_ms"]
    assert error["message"] == f"Too fast: wait {error['retry_after_ms']} ms between clicks"
