"""Request bodies of the auth and website API (analytics-api.md 7.3, 8, 11.5). Semantic rules
(password strength, domain, time zone) live in the services; these only fix the shape."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, StrictInt, StrictStr


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
