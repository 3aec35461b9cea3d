"""What the analytics routes' documentation shares (platform/openapi.py): the two ways to
authenticate, the refusals every guarded route may answer, and the part's tag."""

from __future__ import annotations

from typing import Any

from appliance.analytics.access.guard import SESSION_COOKIE
from appliance.platform.openapi import Doc, ErrorEnvelope, Reply, Security

TAG = "analytics"

SESSION = Security(
    "session",
    {
        "type": "apiKey",
        "in": "cookie",
        "name": SESSION_COOKIE,
        "description": "The login cookie set by POST /api/auth/login.",
    },
)
API_KEY = Security(
    "apiKey",
    {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key (spk_selfhosted_…) made with POST /api/auth/keys.",
    },
)
PROTECTED = (SESSION, API_KEY)
"""Every ``/api/websites…`` route: the cookie or an API key (analytics-api.md 7.2)."""
COOKIE_ONLY = (SESSION,)

RETRY = {"Retry-After": "Seconds to wait"}
GUARDED: dict[int, Any] = {
    401: ErrorEnvelope,
    403: Reply(ErrorEnvelope, description="setup_required, password_change_required, forbidden"),
}
"""What the guards answer before the handler runs."""
WEBSITE_ROUTE: dict[int, Any] = {
    **GUARDED,
    404: Reply(ErrorEnvelope, description="No such website (or item of it)"),
}
READ_ROUTE: dict[int, Any] = {
    **WEBSITE_ROUTE,
    400: Reply(ErrorEnvelope, description="A parameter is refused (validation_error)"),
    503: Reply(ErrorEnvelope, description="The query ran too long or too many run", headers=RETRY),
}
"""A report: the guards, the website, the query string, the warehouse's limits."""
BODY_ROUTE: dict[int, Any] = {
    400: ErrorEnvelope,
    413: ErrorEnvelope,
    415: ErrorEnvelope,
    422: ErrorEnvelope,
}
"""A route that reads a JSON body: not JSON, too large, of another type, the wrong shape."""


def protected_doc(summary: str, responses: dict[int, Any], **more: Any) -> Doc:
    """The documentation of a :data:`PROTECTED` route of the part (``more``: Doc's other
    fields, body or query)."""
    return Doc(summary=summary, tag=TAG, responses=responses, security=PROTECTED, **more)
