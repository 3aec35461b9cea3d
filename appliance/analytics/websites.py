"""Creating websites (the CLI now, the website API of the next issue later); no HTTP here."""

from __future__ import annotations

import ipaddress
import re
import secrets
import string
from datetime import UTC, datetime

from appliance.analytics.store import Website, WebsiteRepository

_ID_ALPHABET = string.digits + string.ascii_lowercase
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_FORBIDDEN = ("://", "/", "@", "?", "#", ":")


class InvalidWebsite(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def new_website_id() -> str:
    """``site_`` + 10 characters of ``[0-9a-z]`` (analytics-api.md 1.2)."""
    return "site_" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(10))


def normalize_domain(raw: str) -> str:
    """Trimmed, trailing dot removed, lower-cased; no scheme, path, credentials or port; must
    be ``localhost``, an IP literal or a host name with at least two labels."""
    domain = raw.strip().rstrip(".").lower()
    if not domain:
        raise InvalidWebsite("domain", "domain must not be empty")
    if any(token in domain for token in _FORBIDDEN):
        raise InvalidWebsite(
            "domain", "domain must be a bare host name (no scheme, path, credentials or port)"
        )
    if domain == "localhost":
        return domain
    try:
        ipaddress.ip_address(domain)
    except ValueError:
        pass
    else:
        return domain
    labels = domain.split(".")
    if len(domain) > 253 or len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise InvalidWebsite("domain", f"{raw!r} is not a valid domain name")
    if labels[-1].isdigit():
        raise InvalidWebsite("domain", f"{raw!r} is not a valid domain name")
    return domain


async def create_website(
    repository: WebsiteRepository, domain: str, name: str | None = None, timezone: str = "UTC"
) -> Website:
    clean = normalize_domain(domain)
    title = (name if name is not None else clean).strip()
    if not title:
        raise InvalidWebsite("name", "name must not be empty")
    now = datetime.now(UTC).replace(tzinfo=None)
    return await repository.add(
        Website(
            id=new_website_id(),
            name=title,
            domain=clean,
            timezone=timezone,
            created_at=now,
            updated_at=now,
        )
    )
