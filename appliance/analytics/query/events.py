"""Custom events (analytics-api.md 11.2): their names, one name's properties, one name's
series. Raw ``events`` of type ``event``, whole UTC days (``timezone`` is validated only)."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Any

import orjson

from appliance.analytics.query.params import QueryParams
from appliance.analytics.query.sources import RAW, utc_window, where
from appliance.analytics.query.timeseries import buckets, counts, granularity_of, points

if TYPE_CHECKING:  # DuckDB loads when analytics.duckdb opens (warehouse/database.py)
    import duckdb

EVENT_NAMES_MAX = 200
PROPERTY_SAMPLE_MAX = 10_000
PROPERTY_ROWS_MAX = 500
_NAMED = "event_type = 'event' AND event_name = ?"


def event_names_query(
    connection: duckdb.DuckDBPyConnection, website_id: str, params: QueryParams
) -> dict[str, Any]:
    """The names, most frequent first, with their counts and visitors."""
    clause, values = where(RAW, website_id, utc_window(params.range), params)
    custom = f"{clause} AND event_type = 'event' AND event_name IS NOT NULL"
    total_row = connection.execute(
        f"SELECT count(DISTINCT event_name) FROM events WHERE {custom}",  # noqa: S608
        values,
    ).fetchone()
    rows = connection.execute(
        "SELECT event_name, count(*) AS occurrences, count(DISTINCT visitor_id) "  # noqa: S608
        f"FROM events WHERE {custom} GROUP BY event_name "
        f"ORDER BY occurrences DESC, event_name LIMIT {EVENT_NAMES_MAX}",
        values,
    ).fetchall()
    return {
        "rows": [
            {"event_name": name, "count": count, "visitors": visitors}
            for name, count, visitors in rows
        ],
        "total": int(total_row[0]) if total_row else 0,
    }


def property_value(value: Any) -> str | None:
    """How a top-level ``event_data`` value is shown: strings as they are, other values as
    their JSON text; ``null`` is not a value."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return orjson.dumps(value).decode()


def event_properties_query(
    connection: duckdb.DuckDBPyConnection, website_id: str, params: QueryParams
) -> dict[str, Any]:
    """(key, value) pairs of ``event_data`` over the newest events of ``params.event_name``."""
    clause, values = where(RAW, website_id, utc_window(params.range), params)
    named = f"{clause} AND {_NAMED}"
    values.append(params.event_name)
    total_row = connection.execute(
        f"SELECT count(*) FROM events WHERE {named}",  # noqa: S608
        values,
    ).fetchone()
    total = int(total_row[0]) if total_row else 0
    # The newest events are the sample; their JSON is parsed here, on the reader thread.
    sample = connection.execute(
        f"SELECT event_data FROM events WHERE {named} "  # noqa: S608
        f"ORDER BY created_at DESC LIMIT {PROPERTY_SAMPLE_MAX}",
        values,
    ).fetchall()
    pairs: Counter[tuple[str, str]] = Counter()
    for (text,) in sample:
        if not text:
            continue
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError:
            continue
        if not isinstance(data, dict):
            continue
        for key, value in data.items():
            shown = property_value(value)
            if shown is not None:
                pairs[(str(key), shown)] += 1
    ordered = sorted(pairs.items(), key=lambda item: (item[0][0], -item[1], item[0][1]))
    return {
        "event_name": params.event_name,
        "total_occurrences": total,
        "sample_size": min(total, PROPERTY_SAMPLE_MAX),
        "properties": [
            {"property_key": key, "property_value": value, "count": count}
            for (key, value), count in ordered[:PROPERTY_ROWS_MAX]
        ],
    }


def event_timeseries_query(
    connection: duckdb.DuckDBPyConnection, website_id: str, params: QueryParams
) -> dict[str, Any]:
    """Occurrences and visitors of ``params.event_name`` per bucket (the buckets of 9.3)."""
    granularity = granularity_of(params)
    span = utc_window(params.range)
    named = (_NAMED, [params.event_name])
    counted = counts(connection, website_id, params, span, granularity, "raw", named)
    labels = [label for _, label in buckets(span, granularity)]
    return {"series": points(labels, counted), "granularity": granularity}
