"""Request bodies of the auth and website API (analytics-api.md 7.3, 8, 11.5), the one way
they and the goal bodies are validated, and the paging arguments. Semantic rules (password
strength, domain, time zone) live in the services; these only fix the shape."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from appliance.analytics.query.params import MAX_OFFSET
from appliance.platform.errors import ServiceError, Wording
from appliance.platform.validation import JsonRequest, parse_model

Body = TypeVar("Body", bound=BaseModel)

ADMIN_WORDING = Wording(code="validation_error", field="path", message="first")
"""How the admin API refuses a body (sections 1.1, 11.3): ``validation_error`` (400 for one
that is no JSON object, 422 for a wrong shape) naming the first offending field by its path."""


def parse_body(request: JsonRequest, model: type[Body]) -> Body:
    """The JSON body of ``request`` as ``model``, or the refusal of :data:`ADMIN_WORDING`."""
    return parse_model(request, model, wording=ADMIN_WORDING)


def int_arg(
    args: Mapping[str, Any],
    name: str,
    default: int,
    low: int,
    high: int | None,
    *,
    most: int | None = None,
) -> int:
    """An integer query argument, clamped to ``[low, high]``; absent or empty → ``default``;
    past ``most`` a 400 that names the limit (an offset: the store takes no larger number)."""
    raw = args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ServiceError(400, "validation_error", f"{name} must be an integer", name) from None
    if most is not None and value > most:
        raise ServiceError(400, "validation_error", f"{name} must be at most {most}", name)
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


# -- answers and query strings, for the API's documentation (platform/openapi.py) -------------


class _Doc(BaseModel):
    """Described for the API's documentation only (platform/openapi.py): validators are built
    when the document is made, not at start-up."""

    model_config = ConfigDict(defer_build=True)


class PageQuery(_Doc):
    limit: int | None = Field(None, description="Items per page, clamped to 1..100 (default 20).")
    offset: int | None = Field(None, ge=0, le=MAX_OFFSET, description="Items to skip.")


class CursorQuery(_Doc):
    limit: int | None = Field(None, description="Items per page, clamped to 1..100 (default 20).")
    cursor: str | None = Field(None, description="The pagination.cursor of the previous page.")


class AuthStatus(_Doc):
    mode: Literal["local", "password"]
    setup_required: bool
    authenticated: bool
    password_change_required: bool


class OkData(_Doc):
    ok: Literal[True]


class Ok(_Doc):
    data: OkData


class LoginData(_Doc):
    expires_at: str = Field(description="RFC 3339")


class LoginAnswer(_Doc):
    data: LoginData


class SessionData(_Doc):
    authenticated: Literal[True]
    mode: Literal["local", "password"]
    expires_at: str | None


class SessionAnswer(_Doc):
    data: SessionData


class KeyCreatedData(_Doc):
    id: str
    name: str
    key: str = Field(description="The key itself, shown this once.")
    prefix: str
    created_at: str | None


class KeyCreated(_Doc):
    data: KeyCreatedData


class KeyRow(_Doc):
    id: str
    name: str
    key_prefix: str
    created_at: str | None
    last_used_at: str | None
    revoked_at: str | None


class KeysPagination(_Doc):
    total: int
    limit: int
    offset: int
    has_more: bool


class KeysPage(_Doc):
    data: list[KeyRow]
    pagination: KeysPagination


class WebsiteCreatedData(_Doc):
    id: str
    tenant_id: str | None
    name: str
    domain: str
    timezone: str
    tracking_snippet: str
    created_at: str


class WebsiteCreated(_Doc):
    data: WebsiteCreatedData


class WebsiteRow(_Doc):
    id: str
    tenant_id: str | None
    name: str
    domain: str
    timezone: str
    ingest_peak_eps: int | None
    ingest_queue_max_events: int | None
    share_id: str | None
    created_at: str
    updated_at: str


class WebsitesPagination(_Doc):
    total: int
    limit: int
    cursor: str | None
    has_more: bool


class WebsitesPage(_Doc):
    data: list[WebsiteRow]
    pagination: WebsitesPagination


class WebsiteDetailData(_Doc):
    id: str
    tenant_id: str | None
    name: str
    domain: str
    timezone: str
    share_id: str | None
    tracking_snippet: str
    created_at: str
    updated_at: str


class WebsiteDetail(_Doc):
    data: WebsiteDetailData


class WebsiteUpdatedData(_Doc):
    id: str
    name: str
    domain: str
    timezone: str
    updated_at: str


class WebsiteUpdated(_Doc):
    data: WebsiteUpdatedData


class IngestLimitsData(_Doc):
    website_id: str
    peak_events_per_sec: int
    queue_max_events: int
    custom: dict[str, int]
    source: dict[str, Literal["custom", "default"]]


class IngestLimitsAnswer(_Doc):
    data: IngestLimitsData


class ShareData(_Doc):
    share_id: str
    share_url: str


class ShareAnswer(_Doc):
    data: ShareData


class Goal(_Doc):
    id: str
    website_id: str
    name: str
    goal_type: Literal["page_view", "event"]
    match_value: str
    match_operator: Literal["equals", "contains"]
    value_mode: Literal["none", "fixed", "event_property"]
    fixed_value: float | None
    value_property_key: str | None
    currency: str | None
    created_at: str
    updated_at: str


class GoalAnswer(_Doc):
    data: Goal


class GoalList(_Doc):
    data: list[Goal]
