"""Where a query reads and which rows: the table (raw events or a rollup level), the UTC
instants of a date range, and the WHERE clause of the parameters.

:func:`choose_source` picks the narrowest rollup level (warehouse/rollup_levels.py, exact)
that holds what a query needs, when the zone's offsets are whole hours — ``visit_rollups``
without any filter or breakdown, ``page_rollups`` for ``type=page`` and ``filter_page``
(without equality filters; pages are paths, warehouse/urls.py), the dimension level of a
column for its metrics type and for one equality filter on it (stats, pageviews, metrics of
that type), ``event_rollups`` for the other mixes of equality filters and breakdowns — and
raw ``events`` otherwise (``filter_hostname`` too: no level keeps the host). Rollup rows
carry their sessions' facts (event count, duration), so stats never join ``sessions`` there;
on the narrow levels rows also carry the hours of their key's neighbour rows
(rollup_levels.Neighbour), so distinct visitors/sessions are filtered counts rather than hash
tables of ids.

:func:`where` is the one filter of every read, reports included: every user value reaches SQL
as a bound parameter; the SQL text is assembled only from constants of this package.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

from appliance.analytics.query.dates import DateRange
from appliance.analytics.query.params import QueryParams
from appliance.analytics.query.zones import ZoneShift, local_midnight_utc, zone_shift
from appliance.analytics.warehouse.counts import DIMENSION_COUNTS, PAGE_COUNTS, Counts
from appliance.analytics.warehouse.rollup_levels import (
    DIMENSION_CODES,
    DIMENSION_TABLE,
    PAGE_TABLE,
    ROLLUP_TABLE,
    VISIT_TABLE,
)
from appliance.analytics.warehouse.urls import PAGE_SQL

if TYPE_CHECKING:  # DuckDB loads when analytics.duckdb opens (warehouse/database.py)
    import duckdb

SourceChoice = Literal["auto", "raw", "rollup"]
PAGE = "page"
"""The page dimension: the path of ``url`` (warehouse/urls.py), a column of the page level."""

HOST_SQL = r"lower(regexp_extract(url, '^https?://(?:[^/?#]*@)?(\[[^/?#\]]*\]|[^/?#:]*)', 1))"
"""The host of an absolute http(s) URL, lower-cased, without user info or port (9.1's
``filter_hostname``: ``http://Example.com:8080/`` is ``example.com``; a relative URL has none)."""


@dataclass(frozen=True)
class Source:
    """How a query reads one of the tables (constant SQL fragments only)."""

    table: str
    time: str  # the column ranges and buckets use
    events: str  # events a row stands for
    pageviews: str  # pageviews a row stands for
    first: str
    last: str
    is_rollup: bool
    sessions: tuple[str, ...] = ("session_id",)  # the columns that identify a session
    visitor_columns: tuple[str, ...] = ("visitor_id",)
    facts: bool = False  # rows carry session_events / session_us
    human: str = "NOT coalesce(is_bot, false)"  # the rows of humans
    flags: bool = False  # rows carry neighbour hours (rollups.Neighbour)
    column: str | None = None  # the one events column of a page or dimension level's reads
    counts: Counts | None = None  # the level's count tables (warehouse/counts.py)
    value: str | None = None  # the level's column holding it, when named otherwise
    pinned: str = ""  # a constant condition of every read (which dimension)

    def sql(self, column: str) -> str:
        """The SQL of an events column on this source's rows (``page``: the path of ``url``,
        a column of the page level, computed on raw events)."""
        if column == PAGE and not self.is_rollup:
            return PAGE_SQL
        return self.value if self.value is not None and column == self.column else column

    @property
    def counts_rows(self) -> bool:
        """Whether the rows a query reads hold one value each of every key they have, so
        that a row whose previous (session / visitor) hour is before the range opens its
        session / visitor: the visit level, and a dimension level (read with its value fixed
        by an equality filter) — not the page level, whose URL filter matches many URLs."""
        return self.flags and self.column != PAGE

    @property
    def visitors(self) -> str:
        """Distinct visitors over rows (or per-session groups) holding the visitor columns."""
        if self.visitor_columns == ("visitor_id",):
            return "count(DISTINCT visitor_id)"
        # hex ids as integers, any other id as its text: two disjoint exact counts
        return (
            "(count(DISTINCT visitor_key) FILTER (WHERE visitor_text IS NULL) "
            "+ count(DISTINCT visitor_text))"
        )

    def any_visitor(self) -> str:
        return ", ".join(f"any_value({name}) AS {name}" for name in self.visitor_columns)


RAW = Source(
    "events",
    "created_at",
    "1",
    "CASE WHEN event_type = 'pageview' THEN 1 ELSE 0 END",
    "created_at",
    "created_at",
    False,
)
ROLLUP = Source(
    ROLLUP_TABLE, "hour", "events", "pageviews", "first_at", "last_at", True, facts=True
)


def _narrow_level(
    table: str, first: str, last: str, column: str | None = None, **more: Any
) -> Source:
    """A narrow level (rollup_levels.VISITS, PAGES, DIMENSION): integer ids, session facts,
    neighbour hours."""
    return Source(
        table,
        time="hour",
        events="events",
        pageviews="pageviews",
        first=first,
        last=last,
        is_rollup=True,
        sessions=("session_key", "session_text"),
        visitor_columns=("visitor_key", "visitor_text"),
        facts=True,
        human="NOT bot",
        flags=True,
        column=column,
        **more,
    )


VISITS = _narrow_level(VISIT_TABLE, first="NULL", last="NULL")  # no per-row times
PAGES = _narrow_level(PAGE_TABLE, first="first_at", last="last_at", column=PAGE, counts=PAGE_COUNTS)
# the dimension level read for one column: its rows of that column's code
DIMENSIONS: dict[str, Source] = {
    column: _narrow_level(
        DIMENSION_TABLE,
        first="first_at",
        last="last_at",
        column=column,
        value="value",
        pinned=f"dimension = {code}",
        counts=DIMENSION_COUNTS,
    )
    for column, code in DIMENSION_CODES.items()
}


def choose_source(
    params: QueryParams, shift: ZoneShift, column: str | None = None, force: SourceChoice = "auto"
) -> Source:
    """The narrowest rollup level holding everything the query needs, else raw events (see
    the module docstring); ``force="rollup"`` refuses a query no level can answer."""
    if force == "raw":
        return RAW
    source: Source | None = None
    if shift.whole_hours and params.hostname is None:
        url = params.page is not None or column == PAGE
        filtered = {name for name, _ in params.equality}
        if params.equality or (column is not None and column != PAGE):
            if url:
                source = None
            elif column is not None and filtered <= {column}:
                source = DIMENSIONS[column]
            elif column is None and len(filtered) == 1:
                source = DIMENSIONS[filtered.pop()]
            else:
                source = ROLLUP
        else:
            source = PAGES if url else VISITS
    if force == "rollup" and source is None:
        raise ValueError("this query cannot be answered from the rollups")
    return source or RAW


@dataclass(frozen=True)
class Window:
    """One date range as UTC instants plus the zone's offsets over it."""

    range: DateRange
    start: datetime
    end: datetime
    shift: ZoneShift


def zone_window(date_range: DateRange, zone: ZoneInfo | None) -> Window:
    start = local_midnight_utc(date_range.start, zone)
    end = local_midnight_utc(date_range.end + timedelta(days=1), zone)
    return Window(date_range, start, end, zone_shift(zone, start, end))


def window(params: QueryParams, date_range: DateRange) -> Window:
    """``date_range`` in the request's zone (stats, pageviews, metrics)."""
    return zone_window(date_range, params.zone)


def utc_window(date_range: DateRange) -> Window:
    """``date_range`` in UTC: sessions, custom events and goals read whole UTC days, as
    Sparklytics (their ``timezone`` is validated, not applied)."""
    return zone_window(date_range, None)


def where(
    source: Source, website_id: str, span: Window, params: QueryParams, *spans: Window
) -> tuple[str, list[Any]]:
    """The filters of a read over ``span`` (and, for a one-scan comparison, more ``spans``:
    the scan covers their hull, each row must fall in one of them)."""
    windows = (span, *spans)
    sql = f"website_id = ? AND {source.time} >= ? AND {source.time} < ?"
    if source.pinned:
        sql += f" AND {source.pinned}"
    values: list[Any] = [
        website_id,
        min(one.start for one in windows),
        max(one.end for one in windows),
    ]
    if spans:
        sql += (
            " AND ("
            + " OR ".join(f"({source.time} >= ? AND {source.time} < ?)" for _ in windows)
            + ")"
        )
        for one in windows:
            values += [one.start, one.end]
    if not params.include_bots:
        sql += f" AND {source.human}"
    filters, filter_values = value_filters(source, params)
    return sql + filters, values + filter_values


def value_filters(source: Source, params: QueryParams) -> tuple[str, list[Any]]:
    """The filters of :func:`where` on a row's dimensions (`` AND …`` each, or empty): also
    those of a level's count tables, which hold the same dimension columns."""
    sql = ""
    values: list[Any] = []
    for column, value in params.equality:
        sql += f" AND {source.sql(column)} = ?"  # column from EQUALITY_FILTERS, a constant
        values.append(value)
    if params.page is not None:
        # the page (path) contains the value's path (a full URL's included: params.py);
        # QUIRK (9.1): LIKE '%v%', so % and _ in the value act as wildcards.
        sql += f" AND {source.sql(PAGE)} LIKE ?"
        values.append(f"%{params.page}%")
    if params.hostname is not None:
        sql += f" AND {HOST_SQL} = lower(?)"
        values.append(params.hostname)
    return sql, values


def fetch(
    connection: duckdb.DuckDBPyConnection, sql: str, values: list[Any]
) -> list[tuple[Any, ...]]:
    return connection.execute(sql, values).fetchall()
