"""Websites: creation (CLI and API), listing, updates, deletion with their events, share
links and ingest limits (analytics-api.md section 8, 11.5). No HTTP here: refusals are
:class:`ServiceError` subclasses carrying the spec's status and code."""

from __future__ import annotations

import functools
import ipaddress
import re
import zoneinfo
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from publicsuffixlist import PublicSuffixList

from appliance.analytics.sites.repository import Website, WebsiteRepository
from appliance.platform.clock import utc_now
from appliance.platform.errors import ServiceError
from appliance.platform.ids import random_id, uuid4

if TYPE_CHECKING:  # DuckDB loads only when serving
    from appliance.analytics.ingest.pipeline import Pipeline
    from appliance.analytics.settings import AnalyticsSettings

_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_FORBIDDEN = ("://", "/", "@", "?", "#", ":")


class WebsiteNotFound(ServiceError):
    def __init__(self, website_id: str) -> None:
        super().__init__(404, "not_found", "Website not found")
        self.website_id = website_id


class ShareNotFound(ServiceError):
    def __init__(self, website_id: str) -> None:
        super().__init__(404, "not_found", "Sharing is not enabled for this website")
        self.website_id = website_id


MAX_INGEST_LIMIT = 1_000_000_000
"""The largest custom ingest limit: far past what one process ingests, and a number the store
keeps (a 64-bit integer)."""


class InvalidWebsite(ServiceError):
    """A name, domain, time zone or ingest limit the website cannot have (section 8: 400)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(400, "validation_error", message, field)


def new_website_id() -> str:
    """``site_`` + 10 characters of ``[0-9a-z]`` (analytics-api.md 1.2)."""
    return random_id(10, "site_")


@functools.cache
def _public_suffixes() -> PublicSuffixList:
    # The list bundled with the package: no network fetch, ever.
    return PublicSuffixList()


def normalize_domain(raw: str) -> str:
    """Trimmed, trailing dot removed, lower-cased; no scheme, path, credentials or port; must
    be ``localhost``, an IP literal or a registrable host name (not a bare public suffix such
    as ``com`` or ``co.uk``)."""
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
    if _public_suffixes().privatesuffix(domain) is None:
        raise InvalidWebsite("domain", f"{raw!r} is a public suffix, not a registrable domain")
    return domain


@functools.cache
def _iana_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(name: str) -> str:
    """An IANA zone name such as ``Europe/Paris`` (``UTC`` always works)."""
    clean = name.strip()
    if clean == "UTC" or clean in _iana_zones():
        return clean
    raise InvalidWebsite("timezone", f"{name!r} is not an IANA time zone name")


def validate_name(name: str) -> str:
    clean = name.strip()
    if not clean:
        raise InvalidWebsite("name", "name must not be empty")
    if len(clean) > 200:
        raise InvalidWebsite("name", "name must be at most 200 characters")
    return clean


async def create_website(
    repository: WebsiteRepository, domain: str, name: str | None = None, timezone: str = "UTC"
) -> Website:
    clean = normalize_domain(domain)
    title = validate_name(name if name is not None else clean)
    zone = validate_timezone(timezone)
    now = utc_now()
    return await repository.add(
        Website(
            id=new_website_id(),
            name=title,
            domain=clean,
            timezone=zone,
            created_at=now,
            updated_at=now,
        )
    )


# -- the website API's service ----------------------------------------------------------------

DEFAULT_PEAK_EVENTS_PER_SEC = 1000  # reported as the default per-site peak (not enforced yet)


@dataclass(frozen=True)
class WebsitePage:
    websites: list[Website]
    total: int
    has_more: bool


@dataclass(frozen=True)
class IngestLimits:
    website_id: str
    peak_events_per_sec: int
    queue_max_events: int
    custom_peak_events_per_sec: int | None
    custom_queue_max_events: int | None


class WebsiteService:
    def __init__(
        self, repository: WebsiteRepository, pipeline: Pipeline, settings: AnalyticsSettings
    ) -> None:
        self.repository = repository
        self.pipeline = pipeline
        self.settings = settings

    def public_base(self, origin: str) -> str:
        """Where browsers reach this server: ``SPARKLYTICS_PUBLIC_URL`` when it is set, else
        ``origin``, the address the request came to (the default public URL assumes
        ``http://localhost:4000``, wrong on any other port or machine)."""
        if "public_url" in self.settings.model_fields_set:
            return self.settings.public_url.rstrip("/")
        return origin.rstrip("/")

    def tracking_snippet(self, site: Website, origin: str) -> str:
        """The ``<script>`` tag of ``/s.js``: from ``SPARKLYTICS_TRACKING_PUBLIC_BASE``, else
        the public base (:meth:`public_base`)."""
        base = self.settings.tracking_public_base.rstrip("/") or self.public_base(origin)
        return f'<script defer src="{base}/s.js" data-website-id="{site.id}"></script>'

    def share_url(self, share_id: str, origin: str) -> str:
        return f"{self.public_base(origin)}/share/{share_id}"

    async def create(self, name: str, domain: str, timezone: str | None) -> Website:
        return await create_website(
            self.repository, domain, name, "UTC" if timezone is None else timezone
        )

    async def page(self, limit: int, cursor: str | None) -> WebsitePage:
        sites, total, has_more = await self.repository.page(limit, cursor)
        return WebsitePage(sites, total, has_more)

    async def get(self, website_id: str) -> Website:
        site = await self.repository.fresh(website_id)
        if site is None:
            raise WebsiteNotFound(website_id)
        return site

    async def update(
        self,
        website_id: str,
        *,
        name: str | None = None,
        domain: str | None = None,
        timezone: str | None = None,
    ) -> Website:
        """Absent (None) fields stay unchanged; all are validated before anything is
        written."""
        values: dict[str, Any] = {}
        if name is not None:
            values["name"] = validate_name(name)
        if domain is not None:
            values["domain"] = normalize_domain(domain)
        if timezone is not None:
            values["timezone"] = validate_timezone(timezone)
        await self.get(website_id)
        values["updated_at"] = utc_now()
        site = await self.repository.update(website_id, **values)
        if site is None:
            raise WebsiteNotFound(website_id)
        return site

    async def delete(self, website_id: str) -> None:
        """The website, then its events and sessions. Collect refuses the id from the moment
        the row is gone; events journaled before that are flushed first, then deleted."""
        if not await self.repository.delete(website_id):
            raise WebsiteNotFound(website_id)
        from appliance.analytics.warehouse import retention  # DuckDB loads only when serving

        await self.pipeline.flush()
        await self.pipeline.warehouse.write(
            functools.partial(retention.delete_website_data, website_id=website_id)
        )

    async def enable_share(self, website_id: str) -> str:
        """The website's share id, created on first call (idempotent)."""
        site = await self.get(website_id)
        if site.share_id:
            return site.share_id
        share_id = uuid4()
        updated = await self.repository.update(website_id, share_id=share_id)
        if updated is None:
            raise WebsiteNotFound(website_id)
        return share_id

    async def disable_share(self, website_id: str) -> None:
        site = await self.get(website_id)
        if not site.share_id:
            raise ShareNotFound(website_id)
        await self.repository.update(website_id, share_id=None)

    def _limits(self, site: Website) -> IngestLimits:
        return IngestLimits(
            website_id=site.id,
            peak_events_per_sec=site.ingest_peak_eps or DEFAULT_PEAK_EVENTS_PER_SEC,
            queue_max_events=site.ingest_queue_max_events or self.settings.ingest_queue_max_events,
            custom_peak_events_per_sec=site.ingest_peak_eps,
            custom_queue_max_events=site.ingest_queue_max_events,
        )

    async def ingest_limits(self, website_id: str) -> IngestLimits:
        return self._limits(await self.get(website_id))

    async def set_ingest_limits(
        self, website_id: str, changes: dict[str, int | None]
    ) -> IngestLimits:
        """``changes`` maps ``peak_events_per_sec`` / ``queue_max_events`` to a positive
        integer, or None to go back to the default; absent keys stay unchanged."""
        columns = {
            "peak_events_per_sec": "ingest_peak_eps",
            "queue_max_events": "ingest_queue_max_events",
        }
        values: dict[str, Any] = {}
        for field, value in changes.items():
            if value is not None and not 0 < value <= MAX_INGEST_LIMIT:
                raise InvalidWebsite(
                    field, f"{field} must be a positive integer up to {MAX_INGEST_LIMIT}, or null"
                )
            values[columns[field]] = value
        await self.get(website_id)
        if values:
            values["updated_at"] = utc_now()
            await self.repository.update(website_id, **values)
        return await self.ingest_limits(website_id)
