"""Wire shapes of ingestion: the Sparklytics collect payload and the Umami / Plausible ones.

The collect payload is analytics-api.md section 3.2: unknown keys are refused (422), JSON types
are strict, ``null`` is accepted for every optional field.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_BATCH = 50
MAX_EVENT_DATA_BYTES = 4096
MAX_VISITOR_ID = 64
U32 = 2**32 - 1


class CollectEvent(BaseModel):
    """One event of ``POST /api/collect`` (or ``/e``)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    website_id: str
    type: str
    url: str
    referrer: str | None = None
    screen: str | None = None
    screen_width: int | None = Field(None, ge=0, le=U32)
    screen_height: int | None = Field(None, ge=0, le=U32)
    language: str | None = None
    event_name: str | None = None
    event_data: Any = None
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_campaign: str | None = None
    utm_term: str | None = None
    utm_content: str | None = None
    visitor_id: str | None = None


class UmamiPayload(BaseModel):
    """``payload`` of Umami's ``POST /api/send`` (extra keys such as ``tag`` or ``id`` ignored)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    website: str = Field(min_length=1, max_length=200)
    hostname: str | None = None
    screen: str | None = None
    language: str | None = None
    title: str | None = None
    url: str = Field(min_length=1)
    referrer: str | None = None
    name: str | None = None
    data: Any = None


class UmamiSend(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    type: str
    payload: UmamiPayload


class PlausibleEvent(BaseModel):
    """Plausible's ``POST /api/event`` body ``{n, u, d, r, p}`` (plus ``w``, ``h``, … ignored)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    n: str = Field(min_length=1, max_length=500)
    u: str = Field(min_length=1)
    d: str = Field(min_length=1, max_length=2000)
    r: str | None = None
    p: Any = None
    w: int | None = None


# -- the API's documentation (platform/openapi.py) --------------------------------------------

CollectBody = (
    CollectEvent | Annotated[list[CollectEvent], Field(min_length=1, max_length=MAX_BATCH)]
)
"""One event, or a batch of at most 50."""


class _Doc(BaseModel):
    """Described for the API's documentation only (platform/openapi.py): validators are built
    when the document is made, not at start-up."""

    model_config = ConfigDict(defer_build=True)


class Collected(_Doc):
    ok: Literal[True]


class UmamiAnswer(_Doc):
    """What Umami's tracker keeps between sends."""

    cache: str
    sessionId: str  # Umami's names
    visitId: str


class AnalyticsHealth(_Doc):
    status: Literal["ok", "degraded"]
    version: str
