"""Breakdown rows against raw events, property-based (issue 21, item 5: "Visitors 213 over 7
days while the countries breakdown sums to 309").

A row of ``/metrics`` counts the distinct visitors that have an event with its value, as in
Sparklytics and Plausible: a visitor with several values (pages, referrers, campaigns, custom
events — and, with a client-supplied visitor id, even countries) counts once in each of their
rows, so rows may add up to more than the total. For a dimension where each visitor has one
value (a server visitor id is a hash of one IP and one user agent: one country, browser and
device), the rows add up to the total, less the visitors without a value.

Hypothesis draws visitors and their sessions, flushes them through the real journal and
flusher (sessions, rollups and count tables included), and every row of every breakdown —
read from the level the query package picks and from raw events — is checked against what the
drawn events say, computed here in Python.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from appliance.analytics.query.metrics import DIRECT, metrics_query
from appliance.analytics.query.params import METRIC_COLUMNS, parse_params
from appliance.analytics.query.sources import SourceChoice
from appliance.analytics.query.stats import stats_query
from appliance.analytics.warehouse.urls import INTERNAL, page_path
from tests.analytics.warehouse import flushing

SITE = "site_sums000001"
NOW = datetime.now(UTC).replace(tzinfo=None, minute=0, second=0, microsecond=0)
URLS = [
    "https://example.com/",
    "https://example.com/pricing?utm_source=news",
    "http://www.example.com/pricing#plans",
    "/pricing",
    "https://example.com/docs?x=1",
    "/docs/api",
]
REFERRERS = [None, INTERNAL, "www.google.com", "t.co"]
# the dimensions a server visitor id has exactly one value of
ONE_PER_VISITOR = {"country": "country", "browser": "browser", "device": "device_type"}


@dataclass
class Event:
    visitor: str
    at: datetime
    url: str
    fields: dict[str, Any] = field(default_factory=dict)

    def value(self, column: str) -> Any:
        if column == "page":
            return page_path(self.url)
        return self.fields.get(column)


@st.composite
def visits(draw: st.DrawFn) -> tuple[list[Event], bool]:
    """Events of 1–6 visitors over the last ~40 hours; returns them and whether a visitor has
    several values of a one-per-visitor dimension (a client id used from two places)."""
    events: list[Event] = []
    roaming = False
    for number in range(draw(st.integers(1, 6))):
        client = draw(st.booleans())
        visitor = f"client-{number}" if client else f"{number + 1:016x}"
        place = {
            "country": draw(st.sampled_from([None, "DE", "US", "GB"])),
            "browser": draw(st.sampled_from(["Chrome", "Firefox", None])),
            "device_type": draw(st.sampled_from(["desktop", "mobile"])),
        }
        for _ in range(draw(st.integers(1, 3))):  # sessions: 30+ minutes apart
            start = NOW - timedelta(minutes=draw(st.integers(0, 40 * 60)))
            if client and draw(st.integers(0, 3)) == 0:  # identify() on another device
                place = {**place, "country": draw(st.sampled_from(["FR", "JP"]))}
                roaming = True
            for step in range(draw(st.integers(1, 4))):
                custom = draw(st.integers(0, 4)) == 0
                events.append(
                    Event(
                        visitor,
                        start + timedelta(minutes=2 * step, microseconds=number),
                        draw(st.sampled_from(URLS)),
                        {
                            **place,
                            "referrer_domain": draw(st.sampled_from(REFERRERS)),
                            "utm_source": draw(st.sampled_from([None, None, "news", "ads"])),
                            "event_type": "event" if custom else "pageview",
                            "event_name": "signup" if custom else None,
                            "is_bot": False,
                        },
                    )
                )
    return events, roaming


def _flush(data_dir: Path, events: list[Event]) -> None:
    async def run() -> None:
        pipeline = flushing.pipeline(data_dir, buffer_size=1000)
        await pipeline.start()
        half = len(events) // 2  # two flushes: rows of one session merge across them
        for part in (events[:half], events[half:]):
            lines = [
                flushing.record(event.url, event.at, event.visitor, SITE, **event.fields)
                for event in part
            ]
            if lines:
                await pipeline.append(lines)
                await pipeline.flush()
        await pipeline.stop()

    asyncio.run(run())


def _expected(events: list[Event], column: str) -> dict[str, tuple[int, int]]:
    """Per value: (distinct visitors with an event of it, its pageviews), from the events."""
    visitors: dict[str, set[str]] = defaultdict(set)
    pageviews: dict[str, int] = defaultdict(int)
    for event in events:
        value = event.value(column)
        if column == "referrer_domain":
            if value == INTERNAL:
                continue  # navigation inside the site: in no row
            value = DIRECT if value is None else value
        elif value is None:
            continue
        visitors[value].add(event.visitor)
        pageviews[value] += event.fields["event_type"] == "pageview"
    return {value: (len(visitors[value]), pageviews[value]) for value in visitors}


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(visits())
def test_breakdown_rows_are_distinct_visitors_of_their_value(
    case: tuple[list[Event], bool],
) -> None:
    events, roaming = case
    with tempfile.TemporaryDirectory() as directory:
        data_dir = Path(directory)
        _flush(data_dir, events)
        args = {
            "start_date": (NOW.date() - timedelta(days=2)).isoformat(),
            "end_date": NOW.date().isoformat(),
        }
        today = NOW.date()
        with duckdb.connect(str(data_dir / "analytics.duckdb"), read_only=True) as connection:
            total = stats_query(connection, SITE, "UTC", parse_params(args, today=today))
            visitors = total["data"]["visitors"]
            assert visitors == len({event.visitor for event in events})
            for metric, column in METRIC_COLUMNS.items():
                params = parse_params(
                    {**args, "type": metric, "limit": "100"}, endpoint="metrics", today=today
                )
                expected = _expected(events, column)
                forces: tuple[SourceChoice, ...] = ("auto", "raw")
                for force in forces:
                    answer = metrics_query(connection, SITE, params, force)
                    rows = {
                        row["value"]: (row["visitors"], row["pageviews"])
                        for row in answer["data"]["rows"]
                    }
                    assert rows == expected, (metric, force)
                    assert answer["pagination"]["total"] == len(expected)
                if metric in ONE_PER_VISITOR and not roaming:
                    # one value per visitor: the rows add up to the total, less the visitors
                    # without a value
                    without = {e.visitor for e in events if e.value(column) is None}
                    assert sum(count for count, _ in expected.values()) == visitors - len(without)
