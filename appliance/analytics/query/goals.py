"""Conversion statistics of one goal (analytics-api.md 11.3): conversions, converting
sessions and the conversion rate over a range, against the period of equal length before it.
Raw ``events``, whole UTC days; the goal's definition comes from admin/goals.py."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from appliance.analytics.query.dates import DateRange
from appliance.analytics.query.params import QueryParams
from appliance.analytics.query.sources import RAW, utc_window, where

if TYPE_CHECKING:  # DuckDB loads when analytics.duckdb opens (warehouse/database.py)
    import duckdb


def goal_match(goal: dict[str, Any]) -> tuple[str, list[Any]]:
    """SQL condition (over ``events``) of one goal and its params.

    QUIRK (11.3): ``page_view`` + ``equals`` compares the path+query of absolute http(s) URLs,
    so the relative URLs the Next SDK sends never match; ``contains`` is a plain substring test
    on the raw value."""
    value = goal["match_value"]
    if goal["goal_type"] == "page_view":
        if goal["match_operator"] == "equals":
            return (
                "event_type = 'pageview' "
                "AND regexp_extract(url, '^https?://[^/?#]+(/[^#]*)?', 1) = ?",
                [value],
            )
        return "event_type = 'pageview' AND strpos(url, ?) > 0", [value]
    if goal["match_operator"] == "equals":
        return "event_type = 'event' AND event_name = ?", [value]
    return "event_type = 'event' AND strpos(event_name, ?) > 0", [value]


def period_stats(
    connection: duckdb.DuckDBPyConnection,
    website_id: str,
    params: QueryParams,
    span: DateRange,
    goal: dict[str, Any],
) -> tuple[int, int, int, bool]:
    """(conversions, converting sessions, sessions, any event at all) over ``span``."""
    clause, values = where(RAW, website_id, utc_window(span), params)
    match, match_values = goal_match(goal)
    row = connection.execute(
        f"WITH scoped AS (SELECT * FROM events WHERE {clause}), "  # noqa: S608
        f"matched AS (SELECT session_id FROM scoped WHERE {match}) "
        "SELECT (SELECT count(*) FROM matched), (SELECT count(DISTINCT session_id) FROM matched), "
        "(SELECT count(DISTINCT session_id) FROM scoped), EXISTS (SELECT 1 FROM scoped)",
        [*values, *match_values],
    ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2]), bool(row[3])


def goal_stats_query(
    connection: duckdb.DuckDBPyConnection,
    website_id: str,
    goal: dict[str, Any],
    params: QueryParams,
) -> dict[str, Any]:
    conversions, converting, total, _ = period_stats(
        connection, website_id, params, params.range, goal
    )
    prev_conversions, prev_converting, prev_total, prev_has_data = period_stats(
        connection, website_id, params, params.range.previous(), goal
    )
    rate = converting / total if total else 0.0
    prev_rate = prev_converting / prev_total if prev_total else 0.0
    # As Sparklytics: prev_* are null when the previous period has no events at all, and
    # the trend needs a positive previous rate.
    return {
        "data": {
            "goal_id": goal["id"],
            "conversions": conversions,
            "converting_sessions": converting,
            "total_sessions": total,
            "conversion_rate": rate,
            "prev_conversions": prev_conversions if prev_has_data else None,
            "prev_conversion_rate": prev_rate if prev_has_data else None,
            "trend_pct": (
                (rate - prev_rate) / prev_rate * 100 if prev_has_data and prev_rate else None
            ),
        }
    }
