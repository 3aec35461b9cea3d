"""How strictly each analytics route reads its query string (:data:`RULES`, by endpoint):
one :class:`Rules` per route, applied by the one parameter model of params.py."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

Endpoint = Literal[
    "stats",
    "pageviews",
    "metrics",
    "realtime",
    "sessions",
    "events",
    "event",
    "goal",
    "export",
    "share",
    "share_metrics",
]
MAX_REPORT_DAYS = 90


@dataclass(frozen=True, slots=True)
class Limit:
    """A route's ``limit``: its default and maximum; clamped into range (metrics) or refused
    outside it (sessions)."""

    default: int
    maximum: int
    clamp: bool


@dataclass(frozen=True, slots=True)
class Rules:
    """How strictly one route reads the query string."""

    names: frozenset[str] | None = None  # the names it reads (None: all); others are ignored
    blank_is_absent: bool = False  # ``?x=`` as if absent (Sanic's default args)
    strict_range: bool = False  # both dates required as YYYY-MM-DD (else the 9.1 defaults)
    max_days: int | None = None
    country_code: bool = False  # filter_country must be two upper-case letters
    numeric_bools: bool = False  # include_bots also takes 1 and 0
    timezone_not_blank: bool = False
    metric: bool = False  # type required
    limit: Limit | None = None
    cursor: bool = False
    event_name: bool = False  # required
    csv_format: bool = False  # format, when given, must be csv


_EVENTS = Rules(max_days=MAX_REPORT_DAYS, numeric_bools=True, timezone_not_blank=True)
_METRICS = Rules(blank_is_absent=True, metric=True, limit=Limit(10, 100, clamp=True))
RULES: dict[Endpoint, Rules] = {
    "stats": Rules(blank_is_absent=True, country_code=True),
    "pageviews": Rules(blank_is_absent=True),
    "metrics": _METRICS,
    # include_event_names: ours, opt-in (the feed's answer keeps Sparklytics' fields otherwise)
    "realtime": Rules(
        blank_is_absent=True, names=frozenset({"include_bots", "include_event_names"})
    ),
    "sessions": Rules(limit=Limit(50, 200, clamp=False), cursor=True),
    "events": _EVENTS,
    "event": replace(_EVENTS, event_name=True),  # a named event's properties or series
    "goal": Rules(),
    "export": Rules(
        names=frozenset({"start_date", "end_date", "format"}),
        strict_range=True,
        max_days=MAX_REPORT_DAYS,
        csv_format=True,
    ),
    # a shared dashboard: no filters, no comparison, no bots, no time zone
    "share": Rules(names=frozenset({"start_date", "end_date"}), max_days=MAX_REPORT_DAYS),
    "share_metrics": replace(
        _METRICS,
        blank_is_absent=False,
        names=frozenset({"start_date", "end_date", "type"}),
        max_days=MAX_REPORT_DAYS,
    ),
}
