"""Breakdowns by one dimension: the rows of ``/metrics`` (analytics-api.md 9.4).

Per value: visitors, pageviews, bounce rate and average duration of its (value, session)
groups, in integer counts and microseconds until the answer is rounded, so the numbers are
exact whatever the source. On the page and dimension levels a (value, session) group that lies
in one row of the range (its neighbour hours outside it) is that row; only the rare spread
groups are grouped. With a comparison, the previous period's numbers of the same values are added.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from appliance.analytics.query.params import METRIC_COLUMNS, QueryParams
from appliance.analytics.query.sources import (
    Source,
    SourceChoice,
    Window,
    choose_source,
    fetch,
    where,
    window,
)

if TYPE_CHECKING:  # DuckDB loads when analytics.duckdb opens (warehouse/database.py)
    import duckdb

DIRECT = "(direct)"


def _metric_rows(
    connection: duckdb.DuckDBPyConnection,
    website_id: str,
    params: QueryParams,
    span: Window,
    column: str,
    force: SourceChoice,
    *,
    only: list[str] | None = None,
    page: tuple[int, int] | None = None,
    order: str = "pageviews",
) -> tuple[list[tuple[Any, ...]], int]:
    """Rows (value, visitors, pageviews, bounce %, avg duration) and the number of values."""
    source = choose_source(params, span.shift, column, force)
    named = source.sql(column)
    value = f"coalesce({named}, '{DIRECT}')" if column == "referrer_domain" else named
    clause, values = where(source, website_id, span, params)
    if column != "referrer_domain":
        clause += f" AND {named} IS NOT NULL"
    # the number of values, for a page past the last one (no row to carry it then)
    count = f"SELECT count(DISTINCT {value}) FROM {source.table} WHERE {clause}"  # noqa: S608
    count_values = list(values)
    if only is not None:
        clause += f" AND {value} IN (SELECT unnest(?::VARCHAR[]))"
        values.append(only)
    second = "visitors" if order == "pageviews" else "pageviews"
    if source.column is not None:  # the page level or the column's dimension level
        ranked, values = _single_rows_ranked(source, params, span, value, clause, values)
    else:
        ranked = _grouped_ranked(source, value, clause)
    sql = (
        f"WITH {ranked} "  # noqa: S608
        "SELECT value, visitors, pageviews, bounced, groups, span_us, spans, "
        "count(*) OVER () AS total "
        f"FROM ranked ORDER BY {order} DESC, {second} DESC, value"
    )
    if page is not None:
        sql += " LIMIT ? OFFSET ?"
        values += [page[0], page[1]]
    rows = fetch(connection, sql, values)
    total = int(rows[0][7]) if rows else 0
    if not rows and page is not None and page[1] > 0:
        total = int(fetch(connection, count, count_values)[0][0])
    return rows, total


def _grouped_ranked(source: Source, value: str, clause: str) -> str:
    """CTEs ending in ``ranked``: per value, its (value, session) groups then their totals."""
    return (
        f"groups AS (SELECT {value} AS value, {', '.join(source.sessions)}, "  # noqa: S608
        f"{source.any_visitor()}, sum({source.pageviews}) AS pageviews, "
        f"epoch_us(max({source.last}) - min({source.first})) AS span "
        f"FROM {source.table} WHERE {clause} GROUP BY ALL), "
        f"ranked AS (SELECT value, {source.visitors} AS visitors, "
        "sum(pageviews) AS pageviews, "
        "count(*) FILTER (WHERE pageviews <= 1) AS bounced, count(*) AS groups, "
        "coalesce(sum(span) FILTER (WHERE span > 0), 0) AS span_us, "
        "count(*) FILTER (WHERE span > 0) AS spans "
        "FROM groups GROUP BY value)"
    )


def _single_rows_ranked(
    source: Source,
    params: QueryParams,
    span: Window,
    value: str,
    clause: str,
    values: list[Any],
) -> tuple[str, list[Any]]:
    """CTEs ending in ``ranked`` on the page or a dimension level, and their parameters
    (``values`` are the ``clause``'s): a row that is its (value, session) group's only one in
    the range (neighbour hours outside it) is the group; only the other rows are grouped by
    session. A row is its visitor's first of the value in the range when the previous one is
    NULL or before it. The rows are read twice (each read skips what it does not need), and
    flags are summed as integers: both cheaper than one shared, filtered pass."""
    human = "" if params.include_bots else "_human"
    sessions = ", ".join(source.sessions)
    rows = (
        f"SELECT {value} AS value, {sessions}, pageviews, first_at, last_at, "  # noqa: S608
        f"(session_prev{human} IS NULL OR session_prev{human} < ?) "
        f"AND (session_next{human} IS NULL OR session_next{human} >= ?) AS single, "
        f"(visitor_prev{human} IS NULL OR visitor_prev{human} < ?) AS new_visitor "
        f"FROM {source.table} WHERE {clause}"
    )
    rows_values = [span.start, span.end, span.start, *values]
    sql = (
        "whole AS (SELECT value, sum(pageviews) AS pageviews, "  # noqa: S608
        "sum(new_visitor::INTEGER) AS visitors, sum(single::INTEGER) AS groups, "
        "sum((single AND pageviews <= 1)::INTEGER) AS bounced, "
        "sum(CASE WHEN single AND last_at > first_at THEN epoch_us(last_at - first_at) "
        "ELSE 0 END) AS span_us, "
        f"sum((single AND last_at > first_at)::INTEGER) AS spans FROM ({rows}) GROUP BY value), "
        f"parts AS (SELECT value, {sessions}, sum(pageviews) AS pageviews, "
        f"epoch_us(max(last_at) - min(first_at)) AS span FROM ({rows}) WHERE NOT single "
        "GROUP BY ALL), "
        "spread AS (SELECT value, count(*) AS groups, "
        "count(*) FILTER (WHERE pageviews <= 1) AS bounced, "
        "coalesce(sum(span) FILTER (WHERE span > 0), 0) AS span_us, "
        "count(*) FILTER (WHERE span > 0) AS spans FROM parts GROUP BY value), "
        "ranked AS (SELECT w.value, w.visitors, w.pageviews, "
        "w.bounced + coalesce(s.bounced, 0) AS bounced, "
        "w.groups + coalesce(s.groups, 0) AS groups, "
        "w.span_us + coalesce(s.span_us, 0) AS span_us, "
        "w.spans + coalesce(s.spans, 0) AS spans "
        "FROM whole w LEFT JOIN spread s ON s.value = w.value)"
    )
    return sql, [*rows_values, *rows_values]


def metrics_query(
    connection: duckdb.DuckDBPyConnection,
    website_id: str,
    params: QueryParams,
    force: SourceChoice = "auto",
) -> dict[str, Any]:
    metric_type = params.metric_type or "page"
    column = METRIC_COLUMNS[metric_type]
    order = "pageviews" if metric_type in ("page", "event_name") else "visitors"
    span = window(params, params.range)
    rows, total = _metric_rows(
        connection,
        website_id,
        params,
        span,
        column,
        force,
        page=(params.limit, params.offset),
        order=order,
    )
    out = [
        {
            "value": value,
            "visitors": int(visitors),
            "pageviews": int(pageviews),
            # integer counts and microseconds until here: exact whatever the source
            "bounce_rate": round(100.0 * bounced / groups, 1) if groups else 0.0,
            "avg_duration_seconds": round(int(span_us) / spans / 1e6, 1) if spans else 0.0,
        }
        for value, visitors, pageviews, bounced, groups, span_us, spans, _ in rows
    ]
    if params.compare is not None and out:
        previous, _ = _metric_rows(
            connection,
            website_id,
            params,
            window(params, params.compare),
            column,
            force,
            only=[row["value"] for row in out],
        )
        before = {row[0]: (int(row[1]), int(row[2])) for row in previous}
        for row in out:
            prev_visitors, prev_pageviews = before.get(row["value"], (0, 0))
            row["prev_visitors"] = prev_visitors
            row["prev_pageviews"] = prev_pageviews
            row["delta_visitors_abs"] = row["visitors"] - prev_visitors
            row["delta_visitors_pct"] = (
                (row["visitors"] - prev_visitors) / prev_visitors if prev_visitors else 0.0
            )
    return {
        "data": {"type": metric_type, "rows": out},
        "pagination": {
            "total": total,
            "limit": params.limit,
            "offset": params.offset,
            "has_more": params.offset + len(out) < total,
        },
        "compare": params.compare_meta(),
    }
