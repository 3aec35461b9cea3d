"""Breakdowns by one dimension: the rows of ``/metrics`` (analytics-api.md 9.4).

Per value: visitors, pageviews, bounce rate and average duration of its (value, session)
groups, in integer counts and microseconds until the answer is rounded, so the numbers are
exact whatever the source. On the page and dimension levels a (value, session) group that lies
in one row of the range (its neighbour hours outside it) is that row; only the rare spread
groups are grouped. With a comparison, the previous period's numbers of the same values are added.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from appliance.analytics.query import sources
from appliance.analytics.query.params import METRIC_COLUMNS, QueryParams
from appliance.analytics.warehouse.urls import INTERNAL

if TYPE_CHECKING:  # DuckDB loads when analytics.duckdb opens (warehouse/database.py)
    import duckdb

DIRECT = "(direct)"


def _metric_rows(
    connection: duckdb.DuckDBPyConnection,
    website_id: str,
    params: QueryParams,
    span: sources.Window,
    column: str,
    force: sources.SourceChoice,
    *,
    only: list[str] | None = None,
    page: tuple[int, int] | None = None,
    order: str = "pageviews",
) -> tuple[list[tuple[Any, ...]], int]:
    """Rows (value, visitors, pageviews, bounce %, avg duration) and the number of values."""
    source = sources.choose_source(params, span.shift, column, force)
    named = source.sql(column)
    value = f"coalesce({named}, '{DIRECT}')" if column == "referrer_domain" else named
    clause, values = sources.where(source, website_id, span, params)
    # a NULL value is in no row, but the referrer's ("(direct)"); an internal referrer's
    # (warehouse/urls.py: navigation inside the site) is in none either
    present = (
        f" AND {named} IS DISTINCT FROM '{INTERNAL}'"
        if column == "referrer_domain"
        else f" AND {named} IS NOT NULL"
    )
    clause += present
    # the number of values, for a page past the last one (no row to carry it then)
    count = f"SELECT count(DISTINCT {value}) FROM {source.table} WHERE {clause}"  # noqa: S608
    count_values = list(values)
    if only is not None:
        clause += f" AND {value} IN (SELECT unnest(?::VARCHAR[]))"
        values.append(only)
    second = "visitors" if order == "pageviews" else "pageviews"
    if source.counts is not None:  # the page level or the column's dimension level
        filters, filter_values = sources.value_filters(source, params)
        filters += present
        if only is not None:
            filters += f" AND {value} IN (SELECT unnest(?::VARCHAR[]))"
            filter_values.append(only)
        ranked, values = _counted_ranked(
            connection,
            source,
            website_id,
            params,
            span,
            value,
            (clause, values),
            (filters, filter_values),
        )
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
    rows = sources.fetch(connection, sql, values)
    total = int(rows[0][7]) if rows else 0
    if not rows and page is not None and page[1] > 0:
        total = int(sources.fetch(connection, count, count_values)[0][0])
    return rows, total


def _grouped_ranked(source: sources.Source, value: str, clause: str) -> str:
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


def _counted_ranked(
    connection: duckdb.DuckDBPyConnection,
    source: sources.Source,
    website_id: str,
    params: QueryParams,
    span: sources.Window,
    value: str,
    rows: tuple[str, list[Any]],
    filters: tuple[str, list[Any]],
) -> tuple[str, list[Any]]:
    """CTEs ending in ``ranked`` on the page or a dimension level, and their parameters: the
    groups that lie whole in the range and the visitors it opens come from the level's count
    tables (warehouse/counts.py); the groups that cross its start or end (a row of theirs in
    the range has its previous row before it or its next row after it) are summed from their
    rows in the range. Those are looked up first (two reads that zone maps mostly skip), so
    a range that no group crosses reads no row at all. ``rows``: the WHERE of the level's
    rows and its parameters; ``filters``: the dimension filters (`` AND …``) the count
    tables take too."""
    counts = source.counts
    assert counts is not None
    human = not params.include_bots
    suffix = "_human" if human else ""
    sessions = ", ".join(source.sessions)
    clause, clause_values = rows
    dimension_sql, dimension_values = filters
    # one read per side: a condition on one column lets zone maps skip row groups
    crossing = sources.fetch(
        connection,
        f"SELECT {value} AS value, {sessions} FROM {source.table} "  # noqa: S608
        f"WHERE {clause} AND session_prev{suffix} < ? UNION "
        f"SELECT {value} AS value, {sessions} FROM {source.table} "
        f"WHERE {clause} AND session_next{suffix} >= ?",
        [*clause_values, span.start, *clause_values, span.end],
    )
    cells = "website_id = ?" + (f" AND {source.pinned}" if source.pinned else "")
    cells += " AND human = ?"
    sql = (
        f"inside AS (SELECT {value} AS value, sum(groups) AS groups, "  # noqa: S608
        "sum(pageviews) AS pageviews, sum(bounced) AS bounced, sum(span_us) AS span_us, "
        f"sum(spans) AS spans FROM {counts.groups_table} WHERE {cells} "
        f"AND first_hour >= ? AND last_hour < ?{dimension_sql} GROUP BY 1), "
        f"seen AS (SELECT {value} AS value, sum(visitors) AS visitors "
        f"FROM {counts.visitors_table} WHERE {cells} AND hour >= ? AND hour < ? "
        f"AND (prev_hour IS NULL OR prev_hour < ?){dimension_sql} GROUP BY 1), "
    )
    values = [
        *(website_id, human, span.start, span.end, *dimension_values),
        *(website_id, human, span.start, span.end, span.start, *dimension_values),
    ]
    if crossing:
        # the crossing groups' rows in the range: their sessions' rows, grouped, then kept
        # when the (value, session) crossed
        keys = [list(column) for column in zip(*crossing, strict=True)]
        sql += (
            f"parts AS (SELECT {value} AS value, {sessions}, sum(pageviews) AS pageviews, "  # noqa: S608
            f"epoch_us(max(last_at) - min(first_at)) AS span FROM {source.table} "
            f"WHERE {clause} AND session_key IN (SELECT unnest(?::UBIGINT[])) GROUP BY ALL), "
            "crossed AS (SELECT p.* FROM parts p SEMI JOIN (SELECT unnest(?::VARCHAR[]) AS "
            "value, unnest(?::UBIGINT[]) AS session_key, unnest(?::VARCHAR[]) AS session_text) "
            "m ON m.value = p.value AND m.session_key = p.session_key "
            "AND m.session_text IS NOT DISTINCT FROM p.session_text), "
            "spread AS (SELECT value, count(*) AS groups, sum(pageviews) AS pageviews, "
            "count(*) FILTER (WHERE pageviews <= 1) AS bounced, "
            "coalesce(sum(span) FILTER (WHERE span > 0), 0) AS span_us, "
            "count(*) FILTER (WHERE span > 0) AS spans FROM crossed GROUP BY value), "
        )
        values += [*clause_values, sorted(set(keys[1])), *keys]
    else:
        sql += (
            "spread AS (SELECT NULL::VARCHAR AS value, 0 AS groups, 0 AS pageviews, "
            "0 AS bounced, 0 AS span_us, 0 AS spans WHERE false), "
        )
    sql += (
        "ranked AS (SELECT v.value, v.visitors, "  # noqa: S608
        + ", ".join(
            f"coalesce(i.{name}, 0) + coalesce(s.{name}, 0) AS {name}"
            for name in ("pageviews", "bounced", "groups", "span_us", "spans")
        )
        + " FROM seen v LEFT JOIN inside i ON i.value = v.value "
        "LEFT JOIN spread s ON s.value = v.value)"
    )
    return sql, values


def metrics_query(
    connection: duckdb.DuckDBPyConnection,
    website_id: str,
    params: QueryParams,
    force: sources.SourceChoice = "auto",
) -> dict[str, Any]:
    metric_type = params.metric_type or "page"
    column = METRIC_COLUMNS[metric_type]
    order = "pageviews" if metric_type in ("page", "event_name") else "visitors"
    span = sources.window(params, params.range)
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
            sources.window(params, params.compare),
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
