"""Ingestion: validate, enrich and durably queue analytics events. No HTTP here.

The order of checks is analytics-api.md 3.3: shape (400/422) → batch size → event_data size →
unknown website (404) → per-IP rate limit (429) → admission (503 when the journal backlog is
full) → 202. Nothing of a refused request is stored, and refused requests (except 503) do not
consume rate-limit budget. The Umami and Plausible adapters map their payloads onto the same
events and the same path. A refusal is a :class:`ServiceError` with the spec's status and code.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import orjson

from appliance.analytics.ingest.enrichment import (
    UTM_KEYS,
    BotScorer,
    GeoIp,
    parse_user_agent,
    referrer_domain,
    screen_of,
    utm_from_url,
)
from appliance.analytics.ingest.models import (
    MAX_BATCH,
    MAX_EVENT_DATA_BYTES,
    MAX_VISITOR_ID,
    CollectEvent,
    PlausibleEvent,
    UmamiSend,
)
from appliance.analytics.ingest.pipeline import Pipeline, journal_line
from appliance.analytics.ingest.visitors import DailySalt, visitor_hash
from appliance.analytics.settings import AnalyticsSettings
from appliance.analytics.sites.repository import Website, WebsiteRepository
from appliance.analytics.warehouse.urls import INTERNAL, is_internal
from appliance.platform.clock import utc_now
from appliance.platform.errors import ServiceError, Wording
from appliance.platform.ids import derived_uuid, uuid7
from appliance.platform.ratelimit import RateLimiter, retry_after_header
from appliance.platform.settings import IPNetwork
from appliance.platform.validation import (
    JsonTooDeep,
    loads_json,
    parse_model,
    read_json,
    validate,
)

log = logging.getLogger("sparkhouse.analytics")

VISITOR_CACHE_SIZE = 16_384


@dataclass(slots=True)
class Client:
    """What ingestion needs to know about the sender (never stored as such)."""

    ip: str
    user_agent: str = ""
    has_accept: bool = True
    accept_language: str | None = None


@dataclass(slots=True)
class Accepted:
    accepted: int
    queued: int
    capacity: int
    visitor_ids: list[str] = field(default_factory=list)

    def headers(self) -> dict[str, str]:
        return {
            "x-sparklytics-ingest-ack": "queued",
            "x-sparklytics-ingest-queue-events": str(self.queued),
            "x-sparklytics-ingest-queue-capacity": str(self.capacity),
            "x-sparklytics-ingest-accepted-events": str(self.accepted),
            "x-sparklytics-ingest-dropped-events": "0",
        }


@dataclass(slots=True)
class Incoming:
    """One event, whatever tracker sent it, with its website resolved."""

    website_id: str
    type: str
    url: str
    referrer: str | None = None
    screen: str | None = None
    language: str | None = None
    event_name: str | None = None
    event_data: str | None = None  # compact JSON text
    utm: dict[str, str] = field(default_factory=dict)
    visitor_id: str | None = None
    domain: str = ""  # the website's: a referrer inside it is no referral (warehouse/urls.py)


# -- parsing --------------------------------------------------------------------------------


INGEST_WORDING = Wording(code="validation_error", field="none", message="first")
"""How a tracker's body is refused (section 3.3): ``validation_error``, 400 when it is no JSON,
422 for a wrong shape, telling the first problem by its path and naming no field."""


def event_data_json(value: Any) -> str | None:
    """``event_data`` as its compact JSON text; over 4096 bytes → 400 payload_too_large."""
    if value is None:
        return None
    text = orjson.dumps(value)
    if len(text) > MAX_EVENT_DATA_BYTES:
        raise ServiceError(
            400,
            "payload_too_large",
            f"event_data exceeds {MAX_EVENT_DATA_BYTES} bytes ({len(text)})",
        )
    return text.decode()


def parse_collect(body: bytes) -> list[CollectEvent]:
    """Steps 1–4 of the validation order (everything that needs no lookup)."""
    value = read_json(body, expect="any", wording=INGEST_WORDING)
    if isinstance(value, dict):
        items: list[Any] = [value]
        batch = False
    elif isinstance(value, list):
        items = value
        batch = True
    else:
        raise ServiceError(422, "validation_error", "The body must be an event object or an array")
    events: list[CollectEvent] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ServiceError(422, "validation_error", f"event {index}: must be a JSON object")
        label = f"event {index}" if batch else None
        events.append(validate(CollectEvent, item, wording=INGEST_WORDING, label=label))
    if len(events) > MAX_BATCH:
        raise ServiceError(400, "batch_too_large", f"Batch exceeds maximum of {MAX_BATCH} events")
    if not events:
        raise ServiceError(400, "validation_error", "empty batch")
    return events


def _incoming(event: CollectEvent, event_data: str | None) -> Incoming:
    utm = {key: value for key in UTM_KEYS if (value := getattr(event, key))}
    return Incoming(
        website_id=event.website_id,
        type=event.type,
        url=event.url,
        referrer=event.referrer,
        screen=screen_of(event.screen, event.screen_width, event.screen_height),
        language=event.language,
        event_name=event.event_name,
        event_data=event_data,
        utm=utm,
        visitor_id=event.visitor_id,
    )


def _first_language(accept_language: str | None) -> str | None:
    if not accept_language:
        return None
    first = accept_language.split(",", 1)[0].split(";", 1)[0].strip()
    return first or None


@lru_cache(maxsize=4)
def _second_text(seconds: int) -> str:
    # strftime costs more than the rest of the stamp; requests of one second share it
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(seconds))


def created_at_text(micros: int) -> str:
    """``YYYY-MM-DD HH:MM:SS.ffffff`` (UTC) of a time in Unix microseconds."""
    seconds, micro = divmod(micros, 1_000_000)
    return f"{_second_text(seconds)}.{micro:06d}"


# -- the service ----------------------------------------------------------------------------


class IngestService:
    def __init__(
        self,
        settings: AnalyticsSettings,
        websites: WebsiteRepository,
        pipeline: Pipeline,
        geo: GeoIp,
        salt: DailySalt,
        *,
        trusted_proxies: Sequence[IPNetwork] = (),
    ) -> None:
        self.settings = settings
        self.websites = websites
        self.pipeline = pipeline
        self.geo = geo
        self.salt = salt
        self.bots = BotScorer()
        limit = 0 if settings.rate_limit_disable else settings.rate_limit
        self.limiter = RateLimiter(limit, 60.0)
        self.trusted_proxies = trusted_proxies  # the platform's (server.trusted_proxies)
        self._visitors: dict[tuple[str, str, str], str] = {}
        self._visitor_secret: bytes | None = None

    # -- entry points ----------------------------------------------------------------------

    async def collect(self, body: bytes, client: Client) -> Accepted:
        """``POST /api/collect`` and ``POST /e``."""
        events = parse_collect(body)
        incoming = [_incoming(event, event_data_json(event.event_data)) for event in events]
        domains: dict[str, str] = {}
        for website_id in dict.fromkeys(event.website_id for event in incoming):
            site = await self.websites.get(website_id)
            if site is None:
                raise ServiceError(404, "not_found", f"Unknown website_id: {website_id}")
            domains[website_id] = site.domain
        for event in incoming:
            event.domain = domains[event.website_id]
        return await self._admit(incoming, client)

    async def umami(self, body: bytes, client: Client) -> tuple[Accepted | None, dict[str, str]]:
        """Umami's ``POST /api/send``: returns the admission (None for ``identify``) and the
        body Umami's tracker expects."""
        send = parse_model(body, UmamiSend, expect="any", wording=INGEST_WORDING)
        if send.type not in ("event", "identify"):
            raise ServiceError(400, "validation_error", f"type: unsupported value {send.type!r}")
        payload = send.payload
        site = await self._resolve(payload.website, payload.hostname)
        if send.type == "identify":
            accepted = None
        else:
            data = payload.data if isinstance(payload.data, dict) and payload.data else None
            incoming = Incoming(
                website_id=site.id,
                type="event" if payload.name else "pageview",
                url=payload.url,
                referrer=payload.referrer or None,
                screen=payload.screen or None,
                language=payload.language or None,
                event_name=payload.name or None,
                event_data=event_data_json(data),
                domain=site.domain,
            )
            accepted = await self._admit([incoming], client)
        visitor = (
            accepted.visitor_ids[0]
            if accepted and accepted.visitor_ids
            else self._visitor(site.id, client)
        )
        hour = utc_now().strftime("%Y%m%d%H")
        return accepted, {
            "cache": derived_uuid("cache", site.id, visitor),
            "sessionId": derived_uuid("session", site.id, visitor),
            "visitId": derived_uuid("visit", site.id, visitor, hour),
        }

    async def plausible(self, body: bytes, client: Client) -> Accepted:
        """Plausible's ``POST /api/event`` (sent as text/plain)."""
        event = parse_model(body, PlausibleEvent, expect="any", wording=INGEST_WORDING)
        site: Website | None = None
        for domain in (part.strip() for part in event.d.split(",")):
            if domain and (site := await self._lookup(domain)) is not None:
                break
        if site is None:
            raise ServiceError(404, "not_found", f"Unknown website_id: {event.d}")
        props = event.p
        if isinstance(props, str):
            try:
                props = loads_json(props)
            except JsonTooDeep as exc:
                raise ServiceError(400, "validation_error", f"p: {exc}") from None
            except orjson.JSONDecodeError:
                raise ServiceError(400, "validation_error", "p: not a JSON object") from None
        pageview = event.n == "pageview"
        incoming = Incoming(
            website_id=site.id,
            type="pageview" if pageview else "event",
            url=event.u,
            referrer=event.r or None,
            language=_first_language(client.accept_language),
            event_name=None if pageview else event.n,
            event_data=event_data_json(props if isinstance(props, dict) and props else None),
            domain=site.domain,
        )
        return await self._admit([incoming], client)

    # -- steps 5–7 -------------------------------------------------------------------------

    async def _lookup(self, key: str) -> Website | None:
        site = await self.websites.get(key)
        return site if site is not None else await self.websites.by_domain(key)

    async def _resolve(self, website: str, hostname: str | None) -> Website:
        site = await self._lookup(website)
        if site is None and hostname:
            site = await self.websites.by_domain(hostname)
        if site is None:
            raise ServiceError(404, "not_found", f"Unknown website_id: {website}")
        return site

    def check_rate(self, ip: str) -> None:
        wait = self.limiter.hit(ip)
        if wait:
            raise ServiceError(
                429,
                "rate_limited",
                "Rate limit exceeded; slow down",
                headers={"Retry-After": retry_after_header(wait)},
            )

    async def _admit(self, incoming: list[Incoming], client: Client) -> Accepted:
        self.check_rate(client.ip)
        now = time.time()
        records = [
            self._record(event, client, now, position) for position, event in enumerate(incoming)
        ]
        queued = await self.pipeline.append([journal_line(record) for record in records])
        return Accepted(
            accepted=len(records),
            queued=queued,
            capacity=self.settings.buffer_size,
            visitor_ids=[record["visitor_id"] for record in records],
        )

    def _visitor(self, website_id: str, client: Client, now: float | None = None) -> str:
        secret = self.salt.current(now)
        if secret is not self._visitor_secret:
            # a new day's salt: yesterday's ids (and the old secret) must not survive in here
            self._visitors.clear()
            self._visitor_secret = secret
        key = (website_id, client.ip, client.user_agent)
        visitor = self._visitors.get(key)
        if visitor is None:
            # a visitor sends many events a day: hash (encode, join, sha256) once per day
            if len(self._visitors) >= VISITOR_CACHE_SIZE:
                self._visitors.clear()
            visitor = self._visitors[key] = visitor_hash(
                secret, website_id, client.ip, client.user_agent
            )
        return visitor

    def _record(self, event: Incoming, client: Client, now: float, position: int) -> dict[str, Any]:
        """The stored row (without session_id, which the flusher assigns)."""
        given = event.visitor_id
        if given is not None and 1 <= len(given) <= MAX_VISITOR_ID:
            visitor = given
        else:
            visitor = self._visitor(event.website_id, client, now)
        ua = parse_user_agent(client.user_agent)
        geo = self.geo.lookup(client.ip)
        utm = {**utm_from_url(event.url), **event.utm}
        bot = self.bots.score(
            event.website_id,
            visitor,
            client.user_agent,
            client.has_accept,
            client.accept_language is not None,
            event.url,
        )
        created_at = created_at_text(int(now * 1_000_000) + position)  # +1 µs per position
        return {
            "id": uuid7(now),
            "website_id": event.website_id,
            "tenant_id": None,
            "visitor_id": visitor,
            "event_type": event.type,
            "url": event.url,
            "referrer": event.referrer,
            "referrer_domain": (
                INTERNAL
                if is_internal(event.referrer, event.domain, event.url)
                else referrer_domain(event.referrer)
            ),
            "event_name": event.event_name,
            "event_data": event.event_data,
            "country": geo.country,
            "region": geo.region,
            "city": geo.city,
            "browser": ua.browser,
            "browser_version": ua.browser_version,
            "os": ua.os,
            "os_version": ua.os_version,
            "device_type": ua.device_type,
            "screen": event.screen,
            "language": event.language,
            "utm_source": utm.get("utm_source"),
            "utm_medium": utm.get("utm_medium"),
            "utm_campaign": utm.get("utm_campaign"),
            "utm_term": utm.get("utm_term"),
            "utm_content": utm.get("utm_content"),
            "is_bot": bot.is_bot,
            "bot_score": bot.score,
            "bot_reason": bot.reason,
            "created_at": created_at,
        }

    # -- housekeeping (jobs) ---------------------------------------------------------------

    def prune(self) -> None:
        self.bots.prune()
