"""Request bodies of the auth and website API (analytics-api.md 7.3, 8, 11.5), the one way
they and the goal bodies are validated, and the paging arguments. Semantic rules (password
strength, domain, time zone) live in the services; these only fix the shape."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, StrictInt, StrictStr

from appliance.platform.errors import ServiceError, Wording
from appliance.platform.validation import JsonRequest, parse_model

Body = TypeVar("Body", bound=BaseModel)

ADMIN_WORDING = Wording(code="validation_error", field="path", message="first")
"""How the admin API refuses a body (sections 1.1, 11.3): ``validation_error`` (400 for one
that is no JSON object, 422 for a wrong shape) naming the first offending field by its path."""


def parse_body(request: JsonRequest, model: type[Body]) -> Body:
    """The JSON body of ``request`` as ``model``, or the refusal of :data:`ADMIN_WORDING`."""
    return parse_model(request, model, wording=ADMIN_WORDING)


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
