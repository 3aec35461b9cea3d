"""The analytics queries of analytics-api.md section 9: stats, pageviews, metrics, realtime.
No HTTP here: :func:`parse_params` turns a query string into :class:`QueryParams` (or raises
:class:`QueryError`), the ``*_query`` functions run on a DuckDB connection (on the warehouse's
reader threads, via :class:`QueryService`) and return the response bodies.

Time: ranges are ``[start 00:00, end+1 00:00)`` in UTC, or in ``timezone`` when the request
names one (an IANA zone; the spec's Sparklytics ignores it, we honour it). A zone is handled as
a few segments of constant UTC offset (:class:`ZoneShift`) so DuckDB needs no ICU calls per
row: the local time of an event is ``created_at + offset-of-its-segment``.

Sources (:func:`choose_source`): the narrowest rollup level (rollups.py, exact) that holds
what a query needs, when the zone's offsets are whole hours — ``visit_rollups`` without any
filter or breakdown, ``page_rollups`` for ``type=page`` and the URL filters (without equality
filters), ``event_rollups`` for equality filters and the other breakdowns — and raw ``events``
otherwise. Rollup rows carry their sessions' facts (event count, duration), so stats never join
``sessions`` there. On the visit and page levels, rows also carry the hours of their key's
neighbour rows (rollups.Neighbour), so distinct visitors/sessions are filtered counts rather
than hash tables of ids. Stats over the wider levels run the current and the previous period
in one scan (a period column) when the two ranges don't overlap; on the visit level one scan
per period is faster (each compares with a constant). Every user value
reaches SQL as a bound parameter; the SQL text is assembled only from constants of this module.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from appliance.analytics.sites.repository import Website, WebsiteRepository
from appliance.analytics.warehouse.database import Warehouse
from appliance.analytics.warehouse.rollups import PAGE_TABLE, ROLLUP_TABLE, VISIT_TABLE

if TYPE_CHECKING:  # DuckDB loads when analytics.duckdb opens (warehouse.py)
    import duckdb

Granularity = Literal["hour", "day", "month"]
SourceChoice = Literal["auto", "raw", "rollup"]
CompareMode = Literal["previous_period", "previous_year", "custom"]

REALTIME_WINDOW = timedelta(minutes=30)
REALTIME_LIMIT = 100
DEFAULT_RANGE_DAYS = 7
EARLIEST, LATEST = date(1970, 1, 2), date(2999, 12, 30)
MAX_BUCKETS = 10_000  # an hourly series of ~13 months
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")

# filter parameter → events column (all equality except page and hostname)
EQUALITY_FILTERS: dict[str, str] = {
    "filter_country": "country",
    "filter_referrer": "referrer_domain",
    "filter_browser": "browser",
    "filter_os": "os",
    "filter_language": "language",
    "filter_region": "region",
    "filter_city": "city",
    "filter_device": "device_type",
    "filter_utm_source": "utm_source",
    "filter_utm_medium": "utm_medium",
    "filter_utm_campaign": "utm_campaign",
}
URL_FILTERS = ("filter_page", "filter_hostname")
# metric type → events column
METRIC_COLUMNS: dict[str, str] = {
    "page": "url",
    "referrer": "referrer_domain",
    "country": "country",
    "region": "region",
    "city": "city",
    "browser": "browser",
    "os": "os",
    "device": "device_type",
    "screen": "screen",
    "event_name": "event_name",
    "language": "language",
    "utm_source": "utm_source",
    "utm_medium": "utm_medium",
    "utm_campaign": "utm_campaign",
}
DIRECT = "(direct)"


class QueryError(Exception):
    """A refused query: status, error code and message (the route wraps it in the envelope)."""

    def __init__(self, message: str, status: int = 400, code: str = "validation_error") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


# -- time zones -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ZoneShift:
    """UTC offsets of a zone over a span: ``offsets[i]`` (seconds) applies from
    ``starts[i]`` (naive UTC) on; ``starts[0]`` is the beginning of time."""

    starts: tuple[datetime, ...]
    offsets: tuple[int, ...]

    @property
    def is_utc(self) -> bool:
        return self.offsets == (0,)

    @property
    def whole_hours(self) -> bool:
        return all(offset % 3600 == 0 for offset in self.offsets) and all(
            start.minute == start.second == start.microsecond == 0 for start in self.starts[1:]
        )

    def sql(self, column: str) -> tuple[str, list[Any]]:
        """``column`` shifted to local time, and its parameters."""
        if self.is_utc:
            return column, []
        if len(self.offsets) == 1:
            return f"({column} + to_seconds(?::BIGINT))", [self.offsets[0]]
        cases = " ".join(f"WHEN {column} < ? THEN ?" for _ in self.starts[1:])
        params: list[Any] = []
        for start, offset in zip(self.starts[1:], self.offsets, strict=False):
            params += [start, offset]
        return (
            f"({column} + to_seconds((CASE {cases} ELSE ? END)::BIGINT))",
            [*params, self.offsets[-1]],
        )


def _offset(zone: ZoneInfo, moment: datetime) -> int:
    delta = moment.replace(tzinfo=UTC).astimezone(zone).utcoffset()
    return int(delta.total_seconds()) if delta is not None else 0


def zone_shift(zone: ZoneInfo | None, start: datetime, end: datetime) -> ZoneShift:
    """The offsets of ``zone`` between the naive UTC instants ``start`` and ``end``: a walk by
    days, refined by quarter hours where the offset changed (every real transition falls on a
    quarter hour)."""
    if zone is None:
        return ZoneShift((datetime.min,), (0,))
    starts = [datetime.min]
    offsets = [_offset(zone, start)]
    day = start
    while day < end:
        following = min(day + timedelta(days=1), end)
        if _offset(zone, following) != offsets[-1]:
            moment = day
            while moment < following:
                moment += timedelta(minutes=15)
                offset = _offset(zone, moment)
                if offset != offsets[-1]:
                    starts.append(moment)
                    offsets.append(offset)
        day = following
    return ZoneShift(tuple(starts), tuple(offsets))


def local_midnight_utc(day: date, zone: ZoneInfo | None) -> datetime:
    """Naive UTC instant of ``day`` 00:00 in ``zone`` (UTC when None)."""
    midnight = datetime(day.year, day.month, day.day)
    if zone is None:
        return midnight
    return midnight.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)


# -- parameters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DateRange:
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def labels(self) -> list[str]:
        return [self.start.isoformat(), self.end.isoformat()]


@dataclass(frozen=True)
class QueryParams:
    """Section 9.1, validated."""

    range: DateRange
    zone: ZoneInfo | None = None  # None: UTC midnights (the spec's default)
    include_bots: bool = False
    equality: tuple[tuple[str, str], ...] = ()  # (column, value)
    page: str | None = None  # url LIKE %page%
    hostname: str | None = None
    compare_mode: CompareMode | None = None
    compare: DateRange | None = None
    granularity: str | None = None  # pageviews only: as given (None = automatic)
    metric_type: str | None = None
    limit: int = 10
    offset: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def needs_url(self) -> bool:
        return self.page is not None or self.hostname is not None

    def compare_meta(self) -> dict[str, Any] | None:
        if self.compare_mode is None or self.compare is None:
            return None
        return {
            "mode": self.compare_mode,
            "primary_range": self.range.labels(),
            "comparison_range": self.compare.labels(),
        }

    def previous(self) -> DateRange:
        """The comparison range, or the period of equal length just before the range."""
        if self.compare is not None:
            return self.compare
        end = self.range.start - timedelta(days=1)
        return DateRange(end - timedelta(days=self.range.days - 1), end)


def _one(args: Mapping[str, Any], name: str) -> str | None:
    value = args.get(name)
    if isinstance(value, list):
        return str(value[0]) if value else None
    return None if value is None else str(value)


def _lenient_date(text: str | None) -> date | None:
    if text is None or not _DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _strict_date(args: Mapping[str, Any], name: str) -> date:
    text = _one(args, name)
    parsed = _lenient_date(text)
    if parsed is None:
        raise QueryError(
            f"{name} is required as YYYY-MM-DD" if text is None else f"{name}: invalid date"
        )
    return parsed


def _minus_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def _boolean(args: Mapping[str, Any], name: str, default: bool) -> bool:
    text = _one(args, name)
    if text is None:
        return default
    if text == "true":
        return True
    if text == "false":
        return False
    raise QueryError(f"{name}: expected true or false")


def _integer(args: Mapping[str, Any], name: str, default: int) -> int:
    text = _one(args, name)
    if text is None:
        return default
    try:
        return int(text.strip())
    except ValueError:
        raise QueryError(f"{name}: expected an integer") from None


def parse_zone(name: str | None) -> ZoneInfo | None:
    """``timezone``: an IANA name (``UTC`` and absent = UTC midnights); invalid → 400."""
    if name is None or name in ("UTC", "Etc/UTC"):
        return None
    try:
        if not name or name.startswith(("/", ".")) or ".." in name:
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise QueryError(f"timezone: unknown time zone {name!r}") from None


def parse_params(
    args: Mapping[str, Any], *, today: date | None = None, endpoint: str = "stats"
) -> QueryParams:
    """Section 9.1 (plus ``granularity`` for pageviews and ``type``/``limit``/``offset`` for
    metrics). ``args`` maps names to a value or a list of values (Sanic's ``request.args``)."""
    today = today or datetime.now(UTC).date()
    # QUIRK (lenient): an unparseable date is replaced by its default.
    end = _lenient_date(_one(args, "end_date")) or today
    start = _lenient_date(_one(args, "start_date")) or end - timedelta(days=DEFAULT_RANGE_DAYS - 1)
    if end < start:
        raise QueryError("end_date must be on or after start_date")
    if start < EARLIEST or end > LATEST:  # OURS: keeps zone arithmetic and buckets bounded
        raise QueryError(f"dates must be between {EARLIEST} and {LATEST}")
    primary = DateRange(start, end)
    zone = parse_zone(_one(args, "timezone"))
    include_bots = _boolean(args, "include_bots", False)

    equality: list[tuple[str, str]] = []
    for name, column in EQUALITY_FILTERS.items():
        value = _one(args, name)
        if value is None:
            continue
        if name == "filter_country" and endpoint == "stats" and not _COUNTRY.match(value):
            raise QueryError("filter_country must be a 2-letter upper-case country code")
        equality.append((column, value))

    mode_text = _one(args, "compare_mode") or "none"
    compare_mode: CompareMode | None
    compare: DateRange | None = None
    if mode_text == "none":
        compare_mode = None
    elif mode_text == "previous_period":
        compare_mode = "previous_period"
        compare_end = start - timedelta(days=1)
        compare = DateRange(compare_end - timedelta(days=primary.days - 1), compare_end)
    elif mode_text == "previous_year":
        compare_mode = "previous_year"
        compare = DateRange(_minus_year(start), _minus_year(end))
    elif mode_text == "custom":
        compare_mode = "custom"
        compare = DateRange(
            _strict_date(args, "compare_start_date"), _strict_date(args, "compare_end_date")
        )
        if compare.end < compare.start:
            raise QueryError("compare_end_date must be on or after compare_start_date")
        if compare.start < EARLIEST or compare.end > LATEST:
            raise QueryError(f"dates must be between {EARLIEST} and {LATEST}")
    else:
        raise QueryError(f"compare_mode: invalid value {mode_text!r}")
    if compare is not None and compare.days > 2 * primary.days:
        raise QueryError("the comparison range must not be longer than twice the primary range")

    metric_type = None
    limit, offset = 10, 0
    if endpoint == "metrics":
        metric_type = _one(args, "type")
        if metric_type is None:
            raise QueryError("type is required")
        if metric_type not in METRIC_COLUMNS:
            raise QueryError(f"invalid metric type: {metric_type}")
        limit = min(max(_integer(args, "limit", 10), 1), 100)
        offset = max(_integer(args, "offset", 0), 0)

    return QueryParams(
        range=primary,
        zone=zone,
        include_bots=include_bots,
        equality=tuple(equality),
        page=_one(args, "filter_page"),
        hostname=_one(args, "filter_hostname"),
        compare_mode=compare_mode,
        compare=compare,
        granularity=_one(args, "granularity"),
        metric_type=metric_type,
        limit=limit,
        offset=offset,
    )


# -- SQL building -----------------------------------------------------------------------------


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


def _narrow_level(table: str, first: str, last: str) -> Source:
    """rollups.VISITS or rollups.PAGES: integer ids, session facts, neighbour hours."""
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
    )


VISITS = _narrow_level(VISIT_TABLE, first="NULL", last="NULL")  # no per-row times
PAGES = _narrow_level(PAGE_TABLE, first="first_at", last="last_at")


def choose_source(
    params: QueryParams, shift: ZoneShift, column: str | None = None, force: SourceChoice = "auto"
) -> Source:
    """The narrowest rollup level holding everything the query needs, else raw events (see
    the module docstring); ``force="rollup"`` refuses a query no level can answer."""
    if force == "raw":
        return RAW
    source: Source | None = None
    if shift.whole_hours:
        url = params.needs_url or column == "url"
        if params.equality or (column is not None and column != "url"):
            source = None if url else ROLLUP
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


def window(params: QueryParams, date_range: DateRange) -> Window:
    start = local_midnight_utc(date_range.start, params.zone)
    end = local_midnight_utc(date_range.end + timedelta(days=1), params.zone)
    return Window(date_range, start, end, zone_shift(params.zone, start, end))


def _where(
    source: Source, website_id: str, span: Window, params: QueryParams, *spans: Window
) -> tuple[str, list[Any]]:
    """The filters of a query over ``span`` (and, for a one-scan comparison, more ``spans``:
    the scan covers their hull, each row must fall in one of them)."""
    windows = (span, *spans)
    sql = f"website_id = ? AND {source.time} >= ? AND {source.time} < ?"
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
    for column, value in params.equality:
        sql += f" AND {column} = ?"  # column from EQUALITY_FILTERS, a constant
        values.append(value)
    if params.page is not None:
        sql += " AND url LIKE ?"
        values.append(f"%{params.page}%")
    if params.hostname is not None:
        sql += " AND lower(regexp_extract(url, '^https?://([^/?#]+)', 1)) = lower(?)"
        values.append(params.hostname)
    return sql, values


def _fetch(
    connection: duckdb.DuckDBPyConnection, sql: str, values: list[Any]
) -> list[tuple[Any, ...]]:
    return connection.execute(sql, values).fetchall()


# -- stats (9.2) ------------------------------------------------------------------------------


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
    connection: duckdb.DuckDBPyConnection, website_id: str, params: QueryParams, span: Window
) -> dict[str, Any]:
    where, values = _where(RAW, website_id, span, params)
    # Group by session first (one pass), then visitors over sessions: a session belongs to
    # one visitor. Bounce and duration are the whole sessions' (sessions table), as Sparklytics.
    sql = (
        "WITH matched AS (SELECT session_id, any_value(visitor_id) AS visitor_id, "  # noqa: S608
        f"count(*) AS events FROM events WHERE {where} GROUP BY session_id) "
        "SELECT coalesce(sum(m.events), 0), count(DISTINCT m.visitor_id), count(*), "
        "count(*) FILTER (WHERE s.event_count = 1), "
        "coalesce(sum(epoch_us(s.last_seen - s.first_seen)), 0), count(s.session_id) "
        # only sessions that overlap the range can match: zone maps skip the others
        "FROM matched m LEFT JOIN (SELECT session_id, event_count, first_seen, last_seen "
        "FROM sessions WHERE website_id = ? AND last_seen >= ? AND first_seen < ?) s "
        "ON s.session_id = m.session_id"
    )
    values += [website_id, span.start, span.end]
    return _stats_row(_fetch(connection, sql, values)[0])


def _rollup_stats(
    connection: duckdb.DuckDBPyConnection,
    source: Source,
    website_id: str,
    params: QueryParams,
    spans: list[Window],
) -> list[dict[str, Any]]:
    """Stats of each of ``spans`` (disjoint) in one scan: rows are labelled with the index of
    their span, grouped by (span, session), then aggregated per span. The session facts are
    on the rows, so no join."""
    where, values = _where(source, website_id, spans[0], params, *spans[1:])
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
        f"FROM {source.table} WHERE {where} GROUP BY period, {sessions}) "
        f"SELECT period, coalesce(sum(events), 0), {source.visitors}, count(*), "
        "count(*) FILTER (WHERE session_events = 1), coalesce(sum(session_us), 0), "
        "count(session_us) FROM matched GROUP BY period"
    )
    found = {row[0]: row[1:] for row in _fetch(connection, sql, [*period_values, *values])}
    return [_stats_row(found.get(index, _EMPTY_STATS)) for index in range(len(spans))]


def _visit_stats(
    connection: duckdb.DuckDBPyConnection, website_id: str, params: QueryParams, span: Window
) -> dict[str, Any]:
    """Stats of one range from the visit level, with no grouping: a row opens its session
    (visitor) in a range [S, E) when the hour of the session's (visitor's) previous row is
    NULL or before S (rollups.py, Neighbour). One scan per range: comparisons with one
    constant S measured twice as fast as one scan over both ranges with per-row bounds."""
    where, values = _where(VISITS, website_id, span, params)
    human = "" if params.include_bots else "_human"
    sql = (
        "SELECT coalesce(sum(events), 0), count(*) FILTER (WHERE new_visitor), "  # noqa: S608
        "count(*) FILTER (WHERE opens), count(*) FILTER (WHERE opens AND session_events = 1), "
        "coalesce(sum(session_us) FILTER (WHERE opens), 0), "
        "count(session_us) FILTER (WHERE opens) "
        "FROM (SELECT events, session_events, session_us, "
        f"visitor_prev{human} IS NULL OR visitor_prev{human} < ? AS new_visitor, "
        f"session_prev{human} IS NULL OR session_prev{human} < ? AS opens "
        f"FROM {VISIT_TABLE} WHERE {where})"
    )
    return _stats_row(_fetch(connection, sql, [span.start, span.start, *values])[0])


def _overlap(one: Window, other: Window) -> bool:
    return one.start < other.end and other.start < one.end


def stats_query(
    connection: duckdb.DuckDBPyConnection,
    website_id: str,
    website_timezone: str,
    params: QueryParams,
    force: SourceChoice = "auto",
) -> dict[str, Any]:
    spans = [window(params, params.range), window(params, params.previous())]
    source = choose_source(params, spans[0].shift, force=force)
    if source is not RAW:
        source = choose_source(params, spans[1].shift, force=force)
    if source is RAW:
        current, previous = (
            _raw_period_stats(connection, website_id, params, span) for span in spans
        )
    elif source is VISITS:
        current, previous = (_visit_stats(connection, website_id, params, span) for span in spans)
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
        body["compare"] = meta
    return body


# -- pageviews (9.3) --------------------------------------------------------------------------


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


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def buckets(span: Window, granularity: Granularity) -> list[tuple[datetime, str]]:
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


def _bucket_sql(
    source: Source, span: Window, granularity: Granularity, column: str | None = None
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


def _series(
    connection: duckdb.DuckDBPyConnection,
    website_id: str,
    params: QueryParams,
    span: Window,
    granularity: Granularity,
    force: SourceChoice,
) -> list[tuple[int, int]]:
    source = choose_source(params, span.shift, force=force)
    bucket, bucket_values = _bucket_sql(source, span, granularity)
    where, values = _where(source, website_id, span, params)
    visitors: str = source.visitors
    visitor_values: list[Any] = []
    if source is VISITS:
        # a row is its visitor's first of the bucket within the range when the previous
        # one is before the range or in another bucket (a month bucket may start before it)
        previous = "visitor_prev" if params.include_bots else "visitor_prev_human"
        other, other_values = _bucket_sql(source, span, granularity, previous)
        visitors = f"count(*) FILTER (WHERE coalesce({previous} < ? OR {other} <> {bucket}, true))"
        visitor_values = [span.start, *other_values, *bucket_values]
    sql = (
        f"SELECT {bucket} AS bucket, sum({source.events}), {visitors} "  # noqa: S608
        f"FROM {source.table} WHERE {where} GROUP BY bucket"
    )
    found = {
        row[0]: (int(row[1]), int(row[2]))
        for row in _fetch(connection, sql, [*bucket_values, *visitor_values, *values])
    }
    return [found.get(key, (0, 0)) for key, _ in buckets(span, granularity)]


def pageviews_query(
    connection: duckdb.DuckDBPyConnection,
    website_id: str,
    params: QueryParams,
    force: SourceChoice = "auto",
) -> dict[str, Any]:
    granularity = granularity_of(params)
    if granularity == "hour" and params.range.days * 24 > MAX_BUCKETS:
        raise QueryError(f"granularity=hour allows at most {MAX_BUCKETS // 24} days")
    span = window(params, params.range)
    labels = [label for _, label in buckets(span, granularity)]
    counts = _series(connection, website_id, params, span, granularity, force)
    series = [
        {"date": label, "pageviews": pageviews, "visitors": visitors}
        for label, (pageviews, visitors) in zip(labels, counts, strict=True)
    ]
    compare_series = None
    if params.compare is not None:
        other = _series(
            connection, website_id, params, window(params, params.compare), granularity, force
        )
        other += [(0, 0)] * (len(labels) - len(other))  # aligned to the primary buckets
        compare_series = [
            {"date": label, "pageviews": pageviews, "visitors": visitors}
            for label, (pageviews, visitors) in zip(labels, other, strict=False)
        ]
    body: dict[str, Any] = {
        "data": {"series": series, "granularity": granularity, "compare_series": compare_series}
    }
    meta = params.compare_meta()
    if meta is not None:
        body["compare"] = meta
    return body


# -- metrics (9.4) ----------------------------------------------------------------------------


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
    value = f"coalesce({column}, '{DIRECT}')" if column == "referrer_domain" else column
    where, values = _where(source, website_id, span, params)
    if column != "referrer_domain":
        where += f" AND {column} IS NOT NULL"
    if only is not None:
        where += f" AND {value} IN (SELECT unnest(?::VARCHAR[]))"
        values.append(only)
    second = "visitors" if order == "pageviews" else "pageviews"
    if source is PAGES:  # column is url
        ranked, ranked_values = _page_ranked(source, params, span, value, where)
        values = [*ranked_values, *values]
    else:
        ranked = _grouped_ranked(source, value, where)
    sql = (
        f"WITH {ranked} "  # noqa: S608
        "SELECT value, visitors, pageviews, bounced, groups, span_us, spans, "
        "count(*) OVER () AS total "
        f"FROM ranked ORDER BY {order} DESC, {second} DESC, value"
    )
    if page is not None:
        sql += " LIMIT ? OFFSET ?"
        values += [page[0], page[1]]
    rows = _fetch(connection, sql, values)
    total = int(rows[0][7]) if rows else 0
    if not rows and page is not None and page[1] > 0:
        total = _metric_total(connection, website_id, params, span, column, force)
    return rows, total


def _grouped_ranked(source: Source, value: str, where: str) -> str:
    """CTEs ending in ``ranked``: per value, its (value, session) groups then their totals."""
    return (
        f"groups AS (SELECT {value} AS value, {', '.join(source.sessions)}, "  # noqa: S608
        f"{source.any_visitor()}, sum({source.pageviews}) AS pageviews, "
        f"epoch_us(max({source.last}) - min({source.first})) AS span "
        f"FROM {source.table} WHERE {where} GROUP BY ALL), "
        f"ranked AS (SELECT value, {source.visitors} AS visitors, "
        "sum(pageviews) AS pageviews, "
        "count(*) FILTER (WHERE pageviews <= 1) AS bounced, count(*) AS groups, "
        "coalesce(sum(span) FILTER (WHERE span > 0), 0) AS span_us, "
        "count(*) FILTER (WHERE span > 0) AS spans "
        "FROM groups GROUP BY value)"
    )


def _page_ranked(
    source: Source, params: QueryParams, span: Window, value: str, where: str
) -> tuple[str, list[Any]]:
    """CTEs ending in ``ranked`` on the page level, and the parameters they add before the
    ``where``'s: a row that is its (URL, session) group's only one in the range (neighbour
    hours outside it) is the group; only the other rows are grouped by session. A row is its
    visitor's first of the URL in the range when the previous one is NULL or before it."""
    human = "" if params.include_bots else "_human"
    sql = (
        f"m AS (SELECT {value} AS value, {', '.join(source.sessions)}, "  # noqa: S608
        "pageviews, first_at, last_at, "
        f"coalesce(session_prev{human} < ?, true) AND coalesce(session_next{human} >= ?, true) "
        f"AS single, coalesce(visitor_prev{human} < ?, true) AS new_visitor "
        f"FROM {source.table} WHERE {where}), "
        "whole AS (SELECT value, sum(pageviews) AS pageviews, "
        "count(*) FILTER (WHERE new_visitor) AS visitors, "
        "count(*) FILTER (WHERE single) AS groups, "
        "count(*) FILTER (WHERE single AND pageviews <= 1) AS bounced, "
        "coalesce(sum(epoch_us(last_at - first_at)) "
        "FILTER (WHERE single AND last_at > first_at), 0) AS span_us, "
        "count(*) FILTER (WHERE single AND last_at > first_at) AS spans "
        "FROM m GROUP BY value), "
        f"parts AS (SELECT value, {', '.join(source.sessions)}, "
        "sum(pageviews) AS pageviews, "
        "epoch_us(max(last_at) - min(first_at)) AS span FROM m WHERE NOT single GROUP BY ALL), "
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
    return sql, [span.start, span.end, span.start]


def _metric_total(
    connection: duckdb.DuckDBPyConnection,
    website_id: str,
    params: QueryParams,
    span: Window,
    column: str,
    force: SourceChoice,
) -> int:
    source = choose_source(params, span.shift, column, force)
    value = f"coalesce({column}, '{DIRECT}')" if column == "referrer_domain" else column
    where, values = _where(source, website_id, span, params)
    if column != "referrer_domain":
        where += f" AND {column} IS NOT NULL"
    sql = f"SELECT count(DISTINCT {value}) FROM {source.table} WHERE {where}"  # noqa: S608
    return int(_fetch(connection, sql, values)[0][0])


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


# -- realtime (9.5) ---------------------------------------------------------------------------


def realtime_query(
    connection: duckdb.DuckDBPyConnection,
    website_id: str,
    include_bots: bool,
    now: datetime | None = None,
) -> dict[str, Any]:
    since = (now or datetime.now(UTC).replace(tzinfo=None)) - REALTIME_WINDOW
    bots = "" if include_bots else " AND NOT coalesce(is_bot, false)"
    active = _fetch(
        connection,
        "SELECT count(DISTINCT visitor_id) FROM sessions "  # noqa: S608
        f"WHERE website_id = ? AND last_seen >= ?{bots}",
        [website_id, since],
    )[0][0]
    total = _fetch(
        connection,
        f"SELECT count(*) FROM events WHERE website_id = ? AND created_at >= ?{bots}",  # noqa: S608
        [website_id, since],
    )[0][0]
    recent = _fetch(
        connection,
        "SELECT event_type, url, referrer_domain, country, browser, device_type, "  # noqa: S608
        "CAST(created_at AS VARCHAR) FROM events "
        f"WHERE website_id = ? AND created_at >= ?{bots} ORDER BY created_at DESC LIMIT ?",
        [website_id, since, REALTIME_LIMIT],
    )
    names = ("event_type", "url", "referrer_domain", "country", "browser", "device_type", "ts")
    return {
        "data": {
            "active_visitors": int(active),
            "recent_events": [dict(zip(names, row, strict=True)) for row in recent],
            "pagination": {"limit": REALTIME_LIMIT, "total_in_window": int(total)},
        }
    }


# -- the service ------------------------------------------------------------------------------


class QueryService:
    """The queries of section 9 for the routes: website lookup, parameters, and the DuckDB work
    on the warehouse's reader threads (never on the event loop)."""

    def __init__(self, websites: WebsiteRepository, warehouse: Warehouse) -> None:
        self.websites = websites
        self.warehouse = warehouse

    async def website(self, website_id: str) -> Website:
        site = await self.websites.get(website_id)
        if site is None:
            raise QueryError("Website not found", 404, "not_found")
        return site

    async def stats(self, website_id: str, args: Mapping[str, Any]) -> dict[str, Any]:
        site = await self.website(website_id)
        params = parse_params(args, endpoint="stats")
        return await self.warehouse.read(
            lambda connection: stats_query(connection, site.id, site.timezone, params)
        )

    async def pageviews(self, website_id: str, args: Mapping[str, Any]) -> dict[str, Any]:
        site = await self.website(website_id)
        params = parse_params(args, endpoint="pageviews")
        return await self.warehouse.read(
            lambda connection: pageviews_query(connection, site.id, params)
        )

    async def metrics(self, website_id: str, args: Mapping[str, Any]) -> dict[str, Any]:
        site = await self.website(website_id)
        params = parse_params(args, endpoint="metrics")
        return await self.warehouse.read(
            lambda connection: metrics_query(connection, site.id, params)
        )

    async def realtime(self, website_id: str, args: Mapping[str, Any]) -> dict[str, Any]:
        site = await self.website(website_id)
        include_bots = _boolean(args, "include_bots", False)
        return await self.warehouse.read(
            lambda connection: realtime_query(connection, site.id, include_bots)
        )
