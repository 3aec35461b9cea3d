"""The read API on the wire, for its documentation (platform/openapi.py): each route's query
string as the client writes it (params.py parses it, under the route's rules) and each
report's answer (analytics-api.md 9.2–9.5, 11.1–11.3, 11.5)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from appliance.analytics.query.params import (
    EVENT_NAME_MAX_CHARS,
    MAX_OFFSET,
    METRIC_COLUMNS,
    Filters,
)
from appliance.analytics.query.rules import MAX_REPORT_DAYS

Bool = Literal["true", "false"]
Granularity = Literal["hour", "day", "month"]


def _metric_type() -> Any:
    return Field(json_schema_extra={"enum": list(METRIC_COLUMNS)}, description="The dimension.")


# -- query strings ----------------------------------------------------------------------------


class _Doc(BaseModel):
    """Described for the API's documentation only (platform/openapi.py): validators are built
    when the document is made, not at start-up."""

    model_config = ConfigDict(defer_build=True)


class DatesQuery(_Doc):
    start_date: date | None = Field(None, description="YYYY-MM-DD; default: end_date − 6 days.")
    end_date: date | None = Field(None, description="YYYY-MM-DD; default: today (UTC).")


class ScopeQuery(DatesQuery):
    timezone: str | None = Field(None, description="An IANA zone for the day boundaries.")
    include_bots: Bool | None = None


class ReportQuery(Filters, ScopeQuery):
    """The common parameters of 9.1; the filters are the parser's own (params.Filters)."""

    compare_mode: Literal["none", "previous_period", "previous_year", "custom"] | None = None
    compare_start_date: date | None = Field(None, description="With compare_mode=custom.")
    compare_end_date: date | None = Field(None, description="With compare_mode=custom.")


class StatsQuery(ReportQuery):
    compare_elapsed: Bool | None = Field(
        None,
        description="OURS. true: while the range is still running, prev_* cover the same "
        "time elapsed in the comparison period (today until now against yesterday until the "
        "same time; to the end of that hour when read from the hourly rollups), and compare "
        "gets comparison_until. Default false: whole periods, as Sparklytics.",
    )


class PageviewsQuery(ReportQuery):
    granularity: Granularity | None = Field(
        None, description="Default: hour up to 2 days, day up to 60, else month."
    )


class MetricsQuery(ReportQuery):
    type: str = _metric_type()
    limit: int | None = Field(None, description="Rows per page, clamped to 1..100 (default 10).")
    offset: int | None = Field(
        None, le=MAX_OFFSET, description="Rows to skip (negative: 0); at most 100,000."
    )


class RealtimeQuery(_Doc):
    include_bots: Bool | None = None
    include_event_names: Bool | None = Field(
        None, description="OURS. true: each event also has its event_name (null for pageviews)."
    )


class SessionsQuery(ReportQuery):
    limit: int | None = Field(None, ge=1, le=200, description="Sessions per page (default 50).")
    cursor: str | None = Field(None, description="The next_cursor of the previous page.")


class EventsQuery(ReportQuery):
    include_bots: Literal["true", "false", "1", "0"] | None = None  # type: ignore[assignment]


class EventQuery(EventsQuery):
    event_name: str = Field(min_length=1, max_length=EVENT_NAME_MAX_CHARS)
    granularity: Granularity | None = None


class ExportQuery(_Doc):
    start_date: date
    end_date: date = Field(description=f"At most {MAX_REPORT_DAYS} days after start_date.")
    format: Literal["csv"] | None = None


class ShareMetricsQuery(DatesQuery):
    type: str = _metric_type()


# -- answers ----------------------------------------------------------------------------------


class Compare(_Doc):
    mode: str
    primary_range: list[str]
    comparison_range: list[str]


class StatsData(_Doc):
    pageviews: int
    visitors: int
    sessions: int
    bounce_rate: float
    avg_duration_seconds: float
    prev_pageviews: int
    prev_visitors: int
    prev_sessions: int
    prev_bounce_rate: float
    prev_avg_duration_seconds: float
    timezone: str


class Stats(_Doc):
    data: StatsData
    compare: Compare | None = None


class Point(_Doc):
    date: str = Field(description="YYYY-MM-DDTHH:00:00Z, YYYY-MM-DD or YYYY-MM")
    pageviews: int
    visitors: int


class Series(_Doc):
    series: list[Point]
    granularity: Granularity


class PageviewsData(Series):
    compare_series: list[Point] | None


class Pageviews(_Doc):
    data: PageviewsData
    compare: Compare | None = None


class MetricRow(_Doc):
    model_config = ConfigDict(extra="allow")  # prev_* and delta_* with a comparison

    value: str | None
    visitors: int
    pageviews: int
    bounce_rate: float
    avg_duration_seconds: float


class MetricsData(_Doc):
    type: str
    rows: list[MetricRow]


class OffsetPage(_Doc):
    total: int
    limit: int
    offset: int
    has_more: bool


class Metrics(_Doc):
    data: MetricsData
    pagination: OffsetPage
    compare: Compare | None


class RecentEvent(_Doc):
    event_type: str
    url: str | None
    referrer_domain: str | None
    country: str | None
    browser: str | None
    device_type: str | None
    ts: str
    event_name: str | None = Field(None, description="OURS: with include_event_names=true.")


class RealtimePage(_Doc):
    limit: int
    total_in_window: int


class RealtimeData(_Doc):
    active_visitors: int
    recent_events: list[RecentEvent]
    pagination: RealtimePage


class Realtime(_Doc):
    data: RealtimeData


class SessionRow(_Doc):
    session_id: str
    visitor_id: str
    first_seen: str
    last_seen: str
    duration_seconds: int
    pageview_count: int
    event_count: int
    entry_page: str | None
    exit_page: str | None
    country: str | None
    browser: str | None
    os: str | None
    device_type: str | None


class CursorPage(_Doc):
    limit: int
    next_cursor: str | None
    has_more: bool


class Sessions(_Doc):
    data: list[SessionRow]
    pagination: CursorPage


class SessionEvent(_Doc):
    id: str
    event_type: str
    url: str | None
    event_name: str | None
    event_data: str | None = Field(description="JSON text, or null")
    created_at: str


class SessionDetailData(_Doc):
    session: SessionRow
    events: list[SessionEvent]
    truncated: bool


class SessionDetail(_Doc):
    data: SessionDetailData


class EventNameRow(_Doc):
    event_name: str
    count: int
    visitors: int


class EventNamesData(_Doc):
    rows: list[EventNameRow]
    total: int


class EventNames(_Doc):
    data: EventNamesData


class PropertyRow(_Doc):
    property_key: str
    property_value: str | None
    count: int


class EventPropertiesData(_Doc):
    event_name: str
    total_occurrences: int
    sample_size: int
    properties: list[PropertyRow]


class EventProperties(_Doc):
    data: EventPropertiesData


class EventSeries(_Doc):
    data: Series


class GoalStatsData(_Doc):
    goal_id: str
    conversions: int
    converting_sessions: int
    total_sessions: int
    conversion_rate: float
    prev_conversions: int | None
    prev_conversion_rate: float | None
    trend_pct: float | None


class GoalStats(_Doc):
    data: GoalStatsData


class MetricRows(_Doc):
    rows: list[MetricRow]


class SharedWebsite(_Doc):
    name: str
    domain: str


class OverviewData(_Doc):
    stats: StatsData
    pageviews: Series
    metrics: dict[str, MetricRows]
    website: SharedWebsite = Field(description="OURS: the shared website's name and domain.")


class Overview(_Doc):
    data: OverviewData


ANSWERS: dict[str, Any] = {
    "stats": Stats,
    "pageviews": Pageviews,
    "metrics": Metrics,
    "realtime": Realtime,
    "sessions": Sessions,
    "events": EventNames,
    "events/properties": EventProperties,
    "events/timeseries": EventSeries,
    "overview": Overview,
}
"""A report's answer by its path below the website (or the share)."""
QUERIES: dict[str, type[BaseModel]] = {
    "stats": StatsQuery,
    "pageviews": PageviewsQuery,
    "metrics": MetricsQuery,
    "realtime": RealtimeQuery,
    "sessions": SessionsQuery,
    "events": EventsQuery,
    "events/properties": EventQuery,
    "events/timeseries": EventQuery,
}
"""A report's query string by its path below the website."""
