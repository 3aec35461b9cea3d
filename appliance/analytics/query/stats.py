"""Stats of a range and of the period it is compared with (analytics-api.md 9.2).

Raw events are grouped by session and joined with ``sessions`` for bounce and duration. The
rollup levels carry the sessions' facts on their rows, so no join: the wider levels run the
current and the previous period in one scan (a period column) when the two ranges don't
overlap; on the visit level, and on a dimension level read with one equality filter, rows
open their sessions and visitors (neighbour hours), and one scan per period is faster (each
compares with a constant).

Like for like (OURS, issue 21, asked with ``compare_elapsed=true``; the dashboard does): while
the range is still running (it holds "now"), the previous period is read over the same elapsed
time only, "today until 10:40" against "yesterday until 10:40", instead of a whole day against
a part of one. The rollup levels keep hours, so there the cut falls at the end of the hour it
is in; raw events are cut exactly. ``compare.comparison_until`` says where the cut fell.
Without the parameter prev_* cover whole periods, as Sparklytics' do.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from appliance.analytics.query import sources
from appliance.analytics.query.params import QueryParams
from appliance.platform.clock import utc_now

if TYPE_CHECKING:  # DuckDB loads when analytics.duckdb opens (warehouse/database.py)
    import duckdb


def _stats_row(row: tuple[Any, ...]) -> dict[str, Any]:
    events, visitors, sessions, bounced, micros, joined = row
    # durations summed as integer microseconds: the same answer whatever the row order
    duration = int(micros) / joined / 1e6 if joined else 0.0
    return {
        "pageviews": int(events),
        "visitors": int(visitors),
        "sessions": int(sessions),
        "bounce_rate": round(bounced / sessions, 3) if sessions else 0.0,
        "avg_duration_seconds": float(duration),
    }


_EMPTY_STATS = (0, 0, 0, 0, 0, 0)


def _raw_period_stats(
    connection: duckdb.DuckDBPyConnection,
    website_id: str,
    params: QueryParams,
    span: sources.Window,
) -> dict[str, Any]:
    clause, values = sources.where(sources.RAW, website_id, span, params)
    # Group by session first (one pass), then visitors over sessions: a session belongs to
    # one visitor. Bounce and duration are the whole sessions' (sessions table), as Sparklytics.
    sql = (
        "WITH matched AS (SELECT session_id, any_value(visitor_id) AS visitor_id, "  # noqa: S608
        f"count(*) AS events FROM events WHERE {clause} GROUP BY session_id) "
        "SELECT coalesce(sum(m.events), 0), count(DISTINCT m.visitor_id), count(*), "
        "count(*) FILTER (WHERE s.event_count = 1), "
        "coalesce(sum(epoch_us(s.last_seen - s.first_seen)), 0), count(s.session_id) "
        # only sessions that overlap the range can match: zone maps skip the others
        "FROM matched m LEFT JOIN (SELECT session_id, event_count, first_seen, last_seen "
        "FROM sessions WHERE website_id = ? AND last_seen >= ? AND first_seen < ?) s "
        "ON s.session_id = m.session_id"
    )
    values += [website_id, span.start, span.end]
    return _stats_row(sources.fetch(connection, sql, values)[0])


def _rollup_stats(
    connection: duckdb.DuckDBPyConnection,
    source: sources.Source,
    website_id: str,
    params: QueryParams,
    spans: list[sources.Window],
) -> list[dict[str, Any]]:
    """Stats of each of ``spans`` (disjoint) in one scan: rows are labelled with the index of
    their span, grouped by (span, session), then aggregated per span. The session facts are
    on the rows, so no join."""
    clause, values = sources.where(source, website_id, spans[0], params, *spans[1:])
    period = (
        "CASE "
        + " ".join(
            f"WHEN {source.time} >= ? AND {source.time} < ? THEN {index}"
            for index in range(len(spans))
        )
        + " END"
    )
    period_values: list[Any] = []
    for one in spans:
        period_values += [one.start, one.end]
    sessions = ", ".join(source.sessions)
    sql = (
        f"WITH matched AS (SELECT {period} AS period, {sessions}, "  # noqa: S608
        f"{source.any_visitor()}, sum({source.events}) AS events, "
        "any_value(session_events) AS session_events, any_value(session_us) AS session_us "
        f"FROM {source.table} WHERE {clause} GROUP BY period, {sessions}) "
        f"SELECT period, coalesce(sum(events), 0), {source.visitors}, count(*), "
        "count(*) FILTER (WHERE session_events = 1), coalesce(sum(session_us), 0), "
        "count(session_us) FROM matched GROUP BY period"
    )
    found = {row[0]: row[1:] for row in sources.fetch(connection, sql, [*period_values, *values])}
    return [_stats_row(found.get(index, _EMPTY_STATS)) for index in range(len(spans))]


def _row_stats(
    connection: duckdb.DuckDBPyConnection,
    source: sources.Source,
    website_id: str,
    params: QueryParams,
    span: sources.Window,
) -> dict[str, Any]:
    """Stats of one range from the visit level (or a dimension level, its value fixed by the
    filter), with no grouping: a row opens its session (visitor) in a range [S, E) when the
    hour of the session's (visitor's) previous row is NULL or before S
    (warehouse/rollup_levels.py, Neighbour). One scan per range: comparisons with one
    constant S beat one scan over both ranges with per-row bounds
    (docs/decisions/analytics-rollup-levels.md)."""
    clause, values = sources.where(source, website_id, span, params)
    human = "" if params.include_bots else "_human"
    sql = (
        "SELECT coalesce(sum(events), 0), count(*) FILTER (WHERE new_visitor), "  # noqa: S608
        "count(*) FILTER (WHERE opens), count(*) FILTER (WHERE opens AND session_events = 1), "
        "coalesce(sum(session_us) FILTER (WHERE opens), 0), "
        "count(session_us) FILTER (WHERE opens) "
        "FROM (SELECT events, session_events, session_us, "
        f"visitor_prev{human} IS NULL OR visitor_prev{human} < ? AS new_visitor, "
        f"session_prev{human} IS NULL OR session_prev{human} < ? AS opens "
        f"FROM {source.table} WHERE {clause})"
    )
    return _stats_row(sources.fetch(connection, sql, [span.start, span.start, *values])[0])


def _overlap(one: sources.Window, other: sources.Window) -> bool:
    return one.start < other.end and other.start < one.end


def like_for_like(
    params: QueryParams, current: sources.Window, previous: sources.Window, now: datetime
) -> sources.Window | None:
    """The previous window cut to the time elapsed in ``current`` when asked and ``current``
    holds ``now`` (a custom comparison is kept whole), else None."""
    if not params.compare_elapsed or params.compare_mode == "custom":
        return None
    if not current.start <= now < current.end:
        return None
    until = previous.start + (now - current.start)
    if until >= previous.end:
        return None
    return replace(previous, end=until)


def stats_query(
    connection: duckdb.DuckDBPyConnection,
    website_id: str,
    website_timezone: str,
    params: QueryParams,
    force: sources.SourceChoice = "auto",
    now: datetime | None = None,
) -> dict[str, Any]:
    spans = [sources.window(params, params.range), sources.window(params, params.previous())]
    cut = like_for_like(params, spans[0], spans[1], now or utc_now())
    if cut is not None:
        spans[1] = cut
    source = sources.choose_source(params, spans[0].shift, force=force)
    if source is not sources.RAW:
        source = sources.choose_source(params, spans[1].shift, force=force)
    if source is sources.RAW:
        current, previous = (
            _raw_period_stats(connection, website_id, params, span) for span in spans
        )
    elif source.counts_rows:
        current, previous = (
            _row_stats(connection, source, website_id, params, span) for span in spans
        )
    elif _overlap(*spans):  # a custom comparison over the primary range: a row in both
        current, previous = (
            _rollup_stats(connection, source, website_id, params, [span])[0] for span in spans
        )
    else:
        current, previous = _rollup_stats(connection, source, website_id, params, spans)
    data = {**current, **{f"prev_{name}": value for name, value in previous.items()}}
    data["timezone"] = website_timezone
    body: dict[str, Any] = {"data": data}
    meta = params.compare_meta()
    if meta is not None:
        if cut is not None:
            meta["comparison_until"] = cut.end.isoformat(timespec="seconds") + "Z"
        body["compare"] = meta
    return body
