"""Reports beyond the core queries (analytics-api.md section 11): sessions, custom events and
the CSV export. No HTTP here: the routes hand over the raw query arguments, this module parses
them (9.1 rules plus each route's own), runs DuckDB work on the warehouse's reader threads and
returns JSON-ready dicts.

The 9.1 parameters are parsed by ``queries.parse_params`` (one set of rules for every
route); :class:`EventScope` turns them into a WHERE clause over raw ``events``. As in
Sparklytics, these reports read whole UTC days: ``timezone`` is validated but not applied.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import re
from collections import Counter
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson

from appliance.analytics.query.queries import QueryError, QueryParams, parse_params
from appliance.analytics.warehouse.database import Warehouse

if TYPE_CHECKING:  # DuckDB loads when analytics.duckdb opens (warehouse.py)
    import duckdb

Args = Mapping[str, str]
"""Query arguments, first value of each name, blank values kept (``?timezone=`` is not
absent)."""

MAX_REPORT_DAYS = 90
SESSIONS_DEFAULT_LIMIT = 50
SESSIONS_MAX_LIMIT = 200
SESSION_EVENTS_MAX = 2000
EVENT_NAMES_MAX = 200
EVENT_NAME_MAX_CHARS = 255
PROPERTY_SAMPLE_MAX = 10_000
PROPERTY_ROWS_MAX = 500
EXPORT_MAX_ROWS = 500_000
EXPORT_BATCH_ROWS = 5_000
EXPORT_COLUMNS = (
    "id",
    "website_id",
    "event_type",
    "url",
    "referrer_domain",
    "event_name",
    "country",
    "browser",
    "os",
    "device_type",
    "language",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "created_at",
)
_STRICT_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SESSION_ID = re.compile(r"^[0-9a-f]{16}$")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class ReportError(Exception):
    """A refused request: HTTP status, error code, message (and the field when one applies)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.headers = headers or {}


def bad_request(message: str) -> ReportError:
    return ReportError(400, "validation_error", message)


def not_found(message: str) -> ReportError:
    return ReportError(404, "not_found", message)


# -- 9.1 parameters -------------------------------------------------------------------------


def strict_date(value: str | None) -> date | None:
    """``YYYY-MM-DD`` exactly, else None."""
    if value is None or not _STRICT_DATE.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class DateRange:
    """Inclusive calendar days; as instants ``[start 00:00Z, end+1 00:00Z)``."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def start_at(self) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day)

    @property
    def end_before(self) -> datetime:
        return self.start_at + timedelta(days=self.days)

    def previous(self) -> DateRange:
        """The period of equal length that ends the day before this one starts."""
        end = self.start - timedelta(days=1)
        return DateRange(end - timedelta(days=self.days - 1), end)

    @classmethod
    def strict(cls, args: Args, max_days: int = MAX_REPORT_DAYS) -> DateRange:
        """Both dates required as ``YYYY-MM-DD``; reversed or longer than ``max_days`` → 400."""
        bounds: list[date] = []
        for name in ("start_date", "end_date"):
            raw = args.get(name)
            if raw is None or raw == "":
                raise bad_request(f"{name} is required (YYYY-MM-DD)")
            parsed = strict_date(raw)
            if parsed is None:
                raise bad_request(f"invalid {name} format, expected YYYY-MM-DD")
            bounds.append(parsed)
        span = cls(bounds[0], bounds[1])
        span.check(max_days)
        return span

    def check(self, max_days: int) -> None:
        if self.end < self.start:
            raise bad_request("end_date must be on or after start_date")
        if self.days > max_days:
            raise bad_request(f"date range too large: {self.days} days (max {max_days})")


_NUMERIC_BOOLS = {"1": "true", "0": "false"}


def _parse(args: Args, endpoint: str = "report") -> QueryParams:
    try:
        return parse_params(args, endpoint=endpoint)
    except QueryError as error:
        raise ReportError(error.status, error.code, error.message) from None


@dataclass(frozen=True, slots=True)
class EventScope:
    """Which events a report reads: one website, a date range, the 9.1 filters, bots or not."""

    website_id: str
    range: DateRange
    equality: tuple[tuple[str, str], ...] = ()  # (events column, value), from queries.py
    page: str | None = None
    hostname: str | None = None
    include_bots: bool = False

    @classmethod
    def from_args(cls, website_id: str, args: Args, *, numeric_bools: bool = False) -> EventScope:
        """9.1 (lenient dates, reversed → 400, filters, ``include_bots``; 11.2 also takes
        ``1``/``0`` for the booleans)."""
        if numeric_bools and args.get("include_bots") in _NUMERIC_BOOLS:
            args = {**args, "include_bots": _NUMERIC_BOOLS[args["include_bots"]]}
        params = _parse(args)
        return cls(
            website_id,
            DateRange(params.range.start, params.range.end),
            params.equality,
            params.page,
            params.hostname,
            params.include_bots,
        )

    def with_range(self, span: DateRange) -> EventScope:
        return replace(self, range=span)

    def where(self, alias: str = "e") -> tuple[str, list[Any]]:
        """The WHERE clause (without the keyword) over ``events AS alias`` and its params."""
        column = f"{alias}." if alias else ""
        clauses = [
            f"{column}website_id = ?",
            f"{column}created_at >= ?",
            f"{column}created_at < ?",
        ]
        params: list[Any] = [self.website_id, self.range.start_at, self.range.end_before]
        for name, value in self.equality:
            clauses.append(f"{column}{name} = ?")  # a column constant of queries.py
            params.append(value)
        if self.page is not None:
            # QUIRK (9.1): LIKE '%v%', so % and _ in the value act as wildcards.
            clauses.append(f"{column}url LIKE ?")
            params.append(f"%{self.page}%")
        if self.hostname is not None:
            clauses.append(
                f"lower(regexp_extract({column}url, '^https?://([^/?#:]+)', 1)) = lower(?)"
            )
            params.append(self.hostname)
        if not self.include_bots:
            clauses.append(f"NOT coalesce({column}is_bot, false)")
        return " AND ".join(clauses), params


# -- time buckets (9.3) ---------------------------------------------------------------------

GRANULARITIES = ("hour", "day", "month")


def granularity_for(span: DateRange, requested: str | None) -> str:
    """9.3: an explicit hour/day/month, else ≤ 2 days → hour, ≤ 60 days → day, else month."""
    if requested in GRANULARITIES:
        return requested
    if span.days <= 2:
        return "hour"
    return "day" if span.days <= 60 else "month"


def bucket_labels(span: DateRange, granularity: str) -> list[str]:
    if granularity == "hour":
        hours = span.days * 24
        return [
            (span.start_at + timedelta(hours=n)).strftime("%Y-%m-%dT%H:00:00Z")
            for n in range(hours)
        ]
    if granularity == "day":
        return [(span.start + timedelta(days=n)).isoformat() for n in range(span.days)]
    labels = []
    year, month = span.start.year, span.start.month
    while (year, month) <= (span.end.year, span.end.month):
        labels.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return labels


# strftime patterns that give the same labels as bucket_labels (constants, never input)
BUCKET_SQL = {
    "hour": "strftime(created_at, '%Y-%m-%dT%H:00:00Z')",
    "day": "strftime(created_at, '%Y-%m-%d')",
    "month": "strftime(created_at, '%Y-%m')",
}


def zero_filled(labels: list[str], counts: Mapping[str, tuple[int, int]]) -> list[dict[str, Any]]:
    return [
        {
            "date": label,
            "pageviews": counts.get(label, (0, 0))[0],
            "visitors": counts.get(label, (0, 0))[1],
        }
        for label in labels
    ]


# -- sessions (11.1) ------------------------------------------------------------------------

_SESSION_COLUMNS = (
    "s.session_id, s.visitor_id, s.first_seen, s.last_seen, s.pageview_count, s.event_count, "
    "s.entry_page, s.exit_page, s.country, s.browser, s.os, s.device_type"
)


def _timestamp(value: datetime) -> str:
    """As DuckDB prints a TIMESTAMP (1.2): microseconds only when there are some."""
    return value.isoformat(sep=" ")


def _session_row(row: tuple[Any, ...]) -> dict[str, Any]:
    first_seen: datetime = row[2]
    last_seen: datetime = row[3]
    return {
        "session_id": row[0],
        "visitor_id": row[1],
        "first_seen": _timestamp(first_seen),
        "last_seen": _timestamp(last_seen),
        "duration_seconds": int((last_seen - first_seen).total_seconds()),
        "pageview_count": row[4],
        "event_count": row[5],
        "entry_page": row[6],
        "exit_page": row[7],
        "country": row[8],
        "browser": row[9],
        "os": row[10],
        "device_type": row[11],
    }


def encode_cursor(last_seen: datetime, session_id: str) -> str:
    """Opaque to clients: the sort key of the last row of a page."""
    raw = orjson.dumps([last_seen.isoformat(), session_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        last_seen, session_id = orjson.loads(raw)
        if not isinstance(session_id, str) or not _SESSION_ID.match(session_id):
            raise ValueError(session_id)
        return datetime.fromisoformat(last_seen), session_id
    except (binascii.Error, ValueError, TypeError, orjson.JSONDecodeError):
        raise bad_request("cursor is malformed; pass back the next_cursor of a response") from None


def parse_limit(args: Args, default: int, maximum: int) -> int:
    raw = args.get("limit")
    if raw is None:
        return default
    try:
        limit = int(raw)
    except ValueError:
        raise bad_request(f"limit must be an integer from 1 to {maximum}") from None
    if not 1 <= limit <= maximum:
        raise bad_request(f"limit must be from 1 to {maximum}")
    return limit


def _list_sessions(
    connection: duckdb.DuckDBPyConnection,
    scope: EventScope,
    limit: int,
    after: tuple[datetime, str] | None,
) -> tuple[list[dict[str, Any]], str | None]:
    where, params = scope.where("e")
    # A session is listed when one of its events matches the range and the filters.
    sql = (
        f"SELECT {_SESSION_COLUMNS} FROM sessions s WHERE s.website_id = ? "  # noqa: S608
        f"AND s.session_id IN (SELECT DISTINCT e.session_id FROM events e WHERE {where})"
    )
    all_params: list[Any] = [scope.website_id, *params]
    if after is not None:
        sql += " AND (s.last_seen < ? OR (s.last_seen = ? AND s.session_id < ?))"
        all_params += [after[0], after[0], after[1]]
    sql += " ORDER BY s.last_seen DESC, s.session_id DESC LIMIT ?"
    rows = connection.execute(sql, [*all_params, limit + 1]).fetchall()
    page = rows[:limit]
    next_cursor = encode_cursor(page[-1][3], page[-1][0]) if len(rows) > limit else None
    return [_session_row(row) for row in page], next_cursor


def _session_detail(
    connection: duckdb.DuckDBPyConnection, website_id: str, session_id: str
) -> dict[str, Any] | None:
    row = connection.execute(
        f"SELECT {_SESSION_COLUMNS} FROM sessions s "  # noqa: S608
        "WHERE s.website_id = ? AND s.session_id = ?",
        [website_id, session_id],
    ).fetchone()
    if row is None:
        return None
    events = connection.execute(
        "SELECT CAST(id AS VARCHAR), event_type, url, event_name, event_data, "
        "CAST(created_at AS VARCHAR) FROM events WHERE website_id = ? AND session_id = ? "
        "ORDER BY created_at, id LIMIT ?",
        [website_id, session_id, SESSION_EVENTS_MAX + 1],
    ).fetchall()
    names = ("id", "event_type", "url", "event_name", "event_data", "created_at")
    return {
        "session": _session_row(row),
        "events": [dict(zip(names, event, strict=True)) for event in events[:SESSION_EVENTS_MAX]],
        "truncated": len(events) > SESSION_EVENTS_MAX,
    }


# -- custom events (11.2) -------------------------------------------------------------------


def _event_names(connection: duckdb.DuckDBPyConnection, scope: EventScope) -> dict[str, Any]:
    where, params = scope.where("e")
    custom = f"{where} AND e.event_type = 'event' AND e.event_name IS NOT NULL"
    total_row = connection.execute(
        f"SELECT count(DISTINCT e.event_name) FROM events e WHERE {custom}",  # noqa: S608
        params,
    ).fetchone()
    rows = connection.execute(
        f"SELECT e.event_name, count(*) AS occurrences, count(DISTINCT e.visitor_id) "  # noqa: S608
        f"FROM events e WHERE {custom} GROUP BY e.event_name "
        f"ORDER BY occurrences DESC, e.event_name LIMIT {EVENT_NAMES_MAX}",
        params,
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


def _event_properties(
    connection: duckdb.DuckDBPyConnection, scope: EventScope, event_name: str
) -> dict[str, Any]:
    where, params = scope.where("e")
    named = f"{where} AND e.event_type = 'event' AND e.event_name = ?"
    total_row = connection.execute(
        f"SELECT count(*) FROM events e WHERE {named}",  # noqa: S608
        [*params, event_name],
    ).fetchone()
    total = int(total_row[0]) if total_row else 0
    # The newest events are the sample; their JSON is parsed here, on the reader thread.
    sample = connection.execute(
        f"SELECT e.event_data FROM events e WHERE {named} "  # noqa: S608
        f"ORDER BY e.created_at DESC LIMIT {PROPERTY_SAMPLE_MAX}",
        [*params, event_name],
    ).fetchall()
    counts: Counter[tuple[str, str]] = Counter()
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
                counts[(str(key), shown)] += 1
    ordered = sorted(counts.items(), key=lambda item: (item[0][0], -item[1], item[0][1]))
    return {
        "event_name": event_name,
        "total_occurrences": total,
        "sample_size": min(total, PROPERTY_SAMPLE_MAX),
        "properties": [
            {"property_key": key, "property_value": value, "count": count}
            for (key, value), count in ordered[:PROPERTY_ROWS_MAX]
        ],
    }


def _event_timeseries(
    connection: duckdb.DuckDBPyConnection, scope: EventScope, event_name: str, granularity: str
) -> dict[str, Any]:
    where, params = scope.where("")
    rows = connection.execute(
        f"SELECT {BUCKET_SQL[granularity]} AS bucket, count(*), count(DISTINCT visitor_id) "  # noqa: S608
        f"FROM events WHERE {where} AND event_type = 'event' AND event_name = ? "
        "GROUP BY bucket",
        [*params, event_name],
    ).fetchall()
    counts = {bucket: (int(count), int(visitors)) for bucket, count, visitors in rows}
    return {
        "series": zero_filled(bucket_labels(scope.range, granularity), counts),
        "granularity": granularity,
    }


def _event_name(args: Args) -> str:
    name = args.get("event_name")
    if name is None or not name.strip():
        raise bad_request("event_name is required")
    if len(name) > EVENT_NAME_MAX_CHARS:
        raise bad_request(f"event_name must be at most {EVENT_NAME_MAX_CHARS} characters")
    return name


# -- export (11.6) --------------------------------------------------------------------------


def csv_cell(value: Any) -> str:
    """One CSV cell; text a spreadsheet would run as a formula gets a leading ``'``."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def csv_lines(rows: list[tuple[Any, ...]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    return buffer.getvalue().encode()


_EXPORT_SELECT = (
    "SELECT CAST(id AS VARCHAR), website_id, event_type, url, referrer_domain, event_name, "
    "country, browser, os, device_type, language, utm_source, utm_medium, utm_campaign, "
    "CAST(created_at AS VARCHAR), created_at, id FROM events "
    "WHERE website_id = ? AND created_at >= ? AND created_at < ?"
)


def _count_events(connection: duckdb.DuckDBPyConnection, website_id: str, span: DateRange) -> int:
    row = connection.execute(
        "SELECT count(*) FROM events WHERE website_id = ? AND created_at >= ? AND created_at < ?",
        [website_id, span.start_at, span.end_before],
    ).fetchone()
    return int(row[0]) if row else 0


def _export_batch(
    connection: duckdb.DuckDBPyConnection,
    website_id: str,
    span: DateRange,
    after: tuple[datetime, Any] | None,
    size: int,
) -> list[tuple[Any, ...]]:
    sql = _EXPORT_SELECT
    params: list[Any] = [website_id, span.start_at, span.end_before]
    if after is not None:
        sql += " AND (created_at > ? OR (created_at = ? AND id > ?))"
        params += [after[0], after[0], after[1]]
    return connection.execute(f"{sql} ORDER BY created_at, id LIMIT ?", [*params, size]).fetchall()


@dataclass(frozen=True, slots=True)
class Export:
    filename: str
    chunks: AsyncIterator[bytes]


# -- the service ----------------------------------------------------------------------------


class ReportService:
    """Sessions, custom events and export of one warehouse."""

    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse

    async def _read(self, work: Callable[[duckdb.DuckDBPyConnection], Any]) -> Any:
        return await self.warehouse.read(work)

    async def sessions(self, website_id: str, args: Args) -> dict[str, Any]:
        limit = parse_limit(args, SESSIONS_DEFAULT_LIMIT, SESSIONS_MAX_LIMIT)
        cursor = args.get("cursor")
        after = decode_cursor(cursor) if cursor else None
        scope = EventScope.from_args(website_id, args)
        rows, next_cursor = await self._read(
            lambda connection: _list_sessions(connection, scope, limit, after)
        )
        return {
            "data": rows,
            "pagination": {
                "limit": limit,
                "next_cursor": next_cursor,
                "has_more": next_cursor is not None,
            },
        }

    async def session(self, website_id: str, session_id: str) -> dict[str, Any]:
        detail = None
        if _SESSION_ID.match(session_id):
            detail = await self._read(
                lambda connection: _session_detail(connection, website_id, session_id)
            )
        if detail is None:
            raise not_found("Session not found")
        return {"data": detail}

    def _events_scope(self, website_id: str, args: Args) -> EventScope:
        """11.2's rules on top of 9.1: ≤ 90 days, blank timezone → 400, bools accept 1/0."""
        if args.get("timezone") is not None and not args["timezone"].strip():
            raise bad_request("timezone must not be blank")
        scope = EventScope.from_args(website_id, args, numeric_bools=True)
        scope.range.check(MAX_REPORT_DAYS)
        return scope

    async def event_names(self, website_id: str, args: Args) -> dict[str, Any]:
        scope = self._events_scope(website_id, args)
        return {"data": await self._read(lambda connection: _event_names(connection, scope))}

    async def event_properties(self, website_id: str, args: Args) -> dict[str, Any]:
        name = _event_name(args)
        scope = self._events_scope(website_id, args)
        data = await self._read(lambda connection: _event_properties(connection, scope, name))
        return {"data": data}

    async def event_timeseries(self, website_id: str, args: Args) -> dict[str, Any]:
        name = _event_name(args)
        scope = self._events_scope(website_id, args)
        granularity = granularity_for(scope.range, args.get("granularity"))
        data = await self._read(
            lambda connection: _event_timeseries(connection, scope, name, granularity)
        )
        return {"data": data}

    async def export(self, website_id: str, args: Args) -> Export:
        """Checks everything (400s) before the first byte; then the CSV streams in batches,
        each batch one short read on a reader thread, so memory stays bounded and a slow
        client never holds a DuckDB thread."""
        span = DateRange.strict(args)
        output = args.get("format")
        if output is not None and output != "csv":
            raise bad_request(f"unsupported format: {output}; only 'csv' is supported")
        count = await self._read(lambda connection: _count_events(connection, website_id, span))
        if count > EXPORT_MAX_ROWS:
            raise bad_request(
                f"result set too large: > {EXPORT_MAX_ROWS} rows; narrow the date range"
            )
        filename = f"events-{website_id}-{span.start.isoformat()}-{span.end.isoformat()}.csv"
        return Export(filename, self._export_chunks(website_id, span))

    async def _export_chunks(self, website_id: str, span: DateRange) -> AsyncIterator[bytes]:
        yield csv_lines([EXPORT_COLUMNS])
        sent = 0
        after: tuple[datetime, Any] | None = None
        while sent < EXPORT_MAX_ROWS:
            size = min(EXPORT_BATCH_ROWS, EXPORT_MAX_ROWS - sent)
            key = after
            batch: list[tuple[Any, ...]] = await self._read(
                lambda connection, key=key, size=size: _export_batch(  # type: ignore[misc]
                    connection, website_id, span, key, size
                )
            )
            if not batch:
                return
            # keyset pagination on (created_at, id): the two trailing columns of each row
            after = (batch[-1][-2], batch[-1][-1])
            sent += len(batch)
            yield csv_lines([row[: len(EXPORT_COLUMNS)] for row in batch])
            if len(batch) < size:
                return
