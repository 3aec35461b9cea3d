"""Time series: visitors and pageviews per hour, day or month (analytics-api.md 9.3), and the
buckets the custom-events series shares (11.2).

Buckets follow the request's zone: a local hour's start is kept as its UTC instant, so the two
01:00 hours of a fall-back day stay two buckets and a spring-forward day has 23. Every bucket
of the range is answered, zero-filled.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from appliance.analytics.query import sources
from appliance.analytics.query.dates import DateRange
from appliance.analytics.query.params import QueryParams
from appliance.platform.errors import ServiceError

if TYPE_CHECKING:  # DuckDB loads when analytics.duckdb opens (warehouse/database.py)
    import duckdb

Granularity = Literal["hour", "day", "month"]
MAX_BUCKETS = 10_000
"""The most buckets a series may have (an hourly one of ~13 months, a daily one of ~27 years):
the answer and its work grow with the buckets, whatever the data."""


def granularity_of(params: QueryParams) -> Granularity:
    given = params.granularity
    if given in ("hour", "day", "month"):
        return given  # type: ignore[return-value]
    days = params.range.days
    if days <= 2:
        return "hour"
    if days <= 60:
        return "day"
    return "month"


def bucket_count(span: DateRange, granularity: Granularity) -> int:
    """How many buckets the series of ``span`` has (an hour more or less per DST change)."""
    if granularity == "hour":
        return span.days * 24
    if granularity == "day":
        return span.days
    return (span.end.year - span.start.year) * 12 + span.end.month - span.start.month + 1


def check_buckets(span: DateRange, granularity: Granularity) -> None:
    """Refuse (400) a series of more than MAX_BUCKETS buckets, before any work."""
    count = bucket_count(span, granularity)
    if count > MAX_BUCKETS:
        raise ServiceError(
            400,
            "validation_error",
            f"too many buckets: {count} with granularity={granularity} from {span.start} to "
            f"{span.end} (max {MAX_BUCKETS}); narrow the range or choose a coarser granularity",
        )


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def buckets(span: sources.Window, granularity: Granularity) -> list[tuple[datetime, str]]:
    """(key as the bucket SQL yields it, label) of every bucket of the range, in order."""
    out: list[tuple[datetime, str]] = []
    if granularity == "hour":
        moment = span.start
        while moment < span.end:
            out.append((moment, moment.strftime("%Y-%m-%dT%H:%M:00Z")))
            moment += timedelta(hours=1)
    elif granularity == "day":
        day = span.range.start
        while day <= span.range.end:
            out.append((datetime(day.year, day.month, day.day), day.isoformat()))
            day += timedelta(days=1)
    else:
        month = _month_start(span.range.start)
        while month <= span.range.end:
            out.append((datetime(month.year, month.month, 1), month.strftime("%Y-%m")))
            month = _next_month(month)
    return out


def bucket_sql(
    source: sources.Source,
    span: sources.Window,
    granularity: Granularity,
    column: str | None = None,
) -> tuple[str, list[Any]]:
    """The bucket of ``column`` (default: the source's time column) as SQL."""
    time = column or source.time
    local, values = span.shift.sql(time)
    if granularity == "hour":
        if span.shift.is_utc:
            return f"date_trunc('hour', {time})", []
        # the local hour's start as a UTC instant: the two 01:00 hours of a fall-back day
        # stay two buckets
        back, back_values = span.shift.sql(time)
        return (
            f"(date_trunc('hour', {local}) - ({back} - {time}))",
            [*values, *back_values],
        )
    return f"date_trunc('{granularity}', {local})", values


def counts(
    connection: duckdb.DuckDBPyConnection,
    website_id: str,
    params: QueryParams,
    span: sources.Window,
    granularity: Granularity,
    force: sources.SourceChoice,
    only: tuple[str, list[Any]] | None = None,
) -> list[tuple[int, int]]:
    """(events, visitors) of every bucket of ``span``, in order; ``only`` narrows the rows
    further (a condition over raw events and its parameters: with ``force="raw"``)."""
    source = sources.choose_source(params, span.shift, force=force)
    bucket, bucket_values = bucket_sql(source, span, granularity)
    clause, values = sources.where(source, website_id, span, params)
    if only is not None:
        clause += f" AND {only[0]}"
        values += only[1]
    visitors: str = source.visitors
    visitor_values: list[Any] = []
    if source.counts_rows:
        # a row is its visitor's first of the bucket within the range when the previous
        # one is before the range or in another bucket (a month bucket may start before it)
        previous = "visitor_prev" if params.include_bots else "visitor_prev_human"
        other, other_values = bucket_sql(source, span, granularity, previous)
        visitors = f"count(*) FILTER (WHERE coalesce({previous} < ? OR {other} <> {bucket}, true))"
        visitor_values = [span.start, *other_values, *bucket_values]
    sql = (
        f"SELECT {bucket} AS bucket, sum({source.events}), {visitors} "  # noqa: S608
        f"FROM {source.table} WHERE {clause} GROUP BY bucket"
    )
    found = {
        row[0]: (int(row[1]), int(row[2]))
        for row in sources.fetch(connection, sql, [*bucket_values, *visitor_values, *values])
    }
    return [found.get(key, (0, 0)) for key, _ in buckets(span, granularity)]


def points(labels: list[str], counted: list[tuple[int, int]]) -> list[dict[str, Any]]:
    """The series of the answer: the bucket labels with their (events, visitors)."""
    return [
        {"date": label, "pageviews": pageviews, "visitors": visitors}
        for label, (pageviews, visitors) in zip(labels, counted, strict=False)
    ]


def pageviews_query(
    connection: duckdb.DuckDBPyConnection,
    website_id: str,
    params: QueryParams,
    force: sources.SourceChoice = "auto",
) -> dict[str, Any]:
    granularity = granularity_of(params)
    check_buckets(params.range, granularity)
    span = sources.window(params, params.range)
    labels = [label for _, label in buckets(span, granularity)]
    primary = counts(connection, website_id, params, span, granularity, force)
    compare_series = None
    compare = params.compare
    if compare is not None:
        other = counts(
            connection, website_id, params, sources.window(params, compare), granularity, force
        )
        other += [(0, 0)] * (len(labels) - len(other))  # aligned to the primary buckets
        compare_series = points(labels, other)
    body: dict[str, Any] = {
        "data": {
            "series": points(labels, primary),
            "granularity": granularity,
            "compare_series": compare_series,
        }
    }
    meta = params.compare_meta()
    if meta is not None:
        body["compare"] = meta
    return body
