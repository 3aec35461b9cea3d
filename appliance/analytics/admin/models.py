"""Request bodies of the auth and website API (analytics-api.md 7.3, 8, 11.5), the one way
they and the goal bodies are validated, and the paging arguments. Semantic rules (password
strength, domain, time zone) live in the services; these only fix the shape."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, StrictInt, StrictStr, ValidationError

from appliance.platform.errors import ServiceError
from appliance.platform.validation import JsonRequest, read_json

Body = TypeVar("Body", bound=BaseModel)


def validated(model: type[Body], data: Any) -> Body:
    """``data`` as ``model``; a wrong shape is a 422 ``validation_error`` naming the first
    offending field (sections 1.1, 11.3: the admin API reports one field, by its path)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
    field = ".".join(str(part) for part in first["loc"]) or None
    message = f"{field}: {first['msg']}" if field else first["msg"]
    raise ServiceError(422, "validation_error", message, field)


def parse_body(request: JsonRequest, model: type[Body]) -> Body:
    """The JSON body of ``request`` as ``model`` (415/400 from the platform's reader first)."""
    return validated(model, read_json(request))


def int_arg(args: Mapping[str, Any], name: str, default: int, low: int, high: int | None) -> int:
    """An integer query argument, clamped to ``[low, high]``; absent or empty → ``default``."""
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ServiceError(400, "validation_error", f"{name} must be an integer", name) from None
    value = max(low, value)
    return min(high, value) if high is not None else value


class _Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class SetupBody(_Body):
    bootstrap_password: StrictStr
    password: StrictStr


class LoginBody(_Body):
    password: StrictStr


class PasswordChangeBody(_Body):
    current_password: StrictStr
    new_password: StrictStr


class KeyCreateBody(_Body):
    name: StrictStr


class WebsiteCreateBody(_Body):
    name: StrictStr
    domain: StrictStr
    timezone: StrictStr | None = None


class WebsiteUpdateBody(_Body):
    """Absent or null fields stay unchanged."""

    name: StrictStr | None = None
    domain: StrictStr | None = None
    timezone: StrictStr | None = None


class IngestLimitsBody(_Body):
    """A positive integer sets a custom limit, null resets to the default, absent keeps."""

    peak_events_per_sec: StrictInt | None = None
    queue_max_events: StrictInt | None = None
