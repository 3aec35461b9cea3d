"""The DuckDB schema of ``analytics.duckdb``, created and migrated by version.

``events`` holds one row per accepted event, inserted in time order so that DuckDB's zone maps
prune by ``created_at`` (every query is a time range) and by ``id`` (UUIDv7, time-ordered: the
idempotency check of a flush touches only the newest row groups). ``sessions`` holds one row per
server-side session, replaced as the session grows. The queries of the API (stats, pageviews,
metrics, realtime, sessions) filter on ``website_id`` + a time range and group by the dimension
columns, which are plain VARCHARs (dictionary-compressed by DuckDB). The rollup levels they
read instead are described in rollup_levels.py and counts.py; migrations 2 to 5 create and
backfill them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from appliance.analytics.warehouse.counts import COUNTS, Counts
from appliance.analytics.warehouse.rollup_levels import (
    DIMENSION,
    DIMENSIONS,
    PAGE_TABLE,
    PAGES,
    PAGES_BY_URL,
    ROLLUP_TABLE,
    VISITS,
    WIDE,
)
from appliance.analytics.warehouse.transactions import transaction
from appliance.analytics.warehouse.urls import INTERNAL, INTERNAL_SQL
from appliance.platform.clock import utc_now

if TYPE_CHECKING:  # DuckDB loads when analytics.duckdb opens (database.py)
    import duckdb

log = logging.getLogger("sparkhouse.analytics")

EVENT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "UUID"),
    ("website_id", "VARCHAR"),
    ("tenant_id", "VARCHAR"),
    ("session_id", "VARCHAR"),
    ("visitor_id", "VARCHAR"),
    ("event_type", "VARCHAR"),
    ("url", "VARCHAR"),
    ("referrer", "VARCHAR"),
    ("referrer_domain", "VARCHAR"),
    ("event_name", "VARCHAR"),
    ("event_data", "VARCHAR"),
    ("country", "VARCHAR"),
    ("region", "VARCHAR"),
    ("city", "VARCHAR"),
    ("browser", "VARCHAR"),
    ("browser_version", "VARCHAR"),
    ("os", "VARCHAR"),
    ("os_version", "VARCHAR"),
    ("device_type", "VARCHAR"),
    ("screen", "VARCHAR"),
    ("language", "VARCHAR"),
    ("utm_source", "VARCHAR"),
    ("utm_medium", "VARCHAR"),
    ("utm_campaign", "VARCHAR"),
    ("utm_term", "VARCHAR"),
    ("utm_content", "VARCHAR"),
    ("is_bot", "BOOLEAN"),
    ("bot_score", "UTINYINT"),
    ("bot_reason", "VARCHAR"),
    ("created_at", "TIMESTAMP"),
)
SESSION_COLUMNS: tuple[tuple[str, str], ...] = (
    ("session_id", "VARCHAR"),
    ("website_id", "VARCHAR"),
    ("visitor_id", "VARCHAR"),
    ("first_seen", "TIMESTAMP"),
    ("last_seen", "TIMESTAMP"),
    ("event_count", "INTEGER"),
    ("pageview_count", "INTEGER"),
    ("entry_page", "VARCHAR"),
    ("exit_page", "VARCHAR"),
    ("country", "VARCHAR"),
    ("browser", "VARCHAR"),
    ("os", "VARCHAR"),
    ("device_type", "VARCHAR"),
    ("is_bot", "BOOLEAN"),
)
_NOT_NULL = {"id", "website_id", "session_id", "visitor_id", "event_type", "url", "created_at"}


def _columns(columns: tuple[tuple[str, str], ...], not_null: set[str]) -> str:
    return ",\n    ".join(
        f"{name} {kind}{' NOT NULL' if name in not_null else ''}" for name, kind in columns
    )


_WIDE_KEY = ("website_id", "hour", "session_id", "visitor_id", "is_bot", *DIMENSIONS)
_WIDE_KEY_LIST = ", ".join(_WIDE_KEY)
_INSERT_COLUMNS = f"{_WIDE_KEY_LIST}, events, pageviews, first_at, last_at"

_CREATE_WIDE_2 = (
    f"CREATE TABLE {ROLLUP_TABLE} (\n"
    "    website_id VARCHAR NOT NULL,\n"
    "    hour TIMESTAMP NOT NULL,\n"
    "    session_id VARCHAR NOT NULL,\n"
    "    visitor_id VARCHAR NOT NULL,\n"
    "    is_bot BOOLEAN,\n"
    + "".join(f"    {name} VARCHAR,\n" for name in DIMENSIONS)
    + "    events BIGINT NOT NULL,\n"
    "    pageviews BIGINT NOT NULL,\n"
    "    first_at TIMESTAMP NOT NULL,\n"
    "    last_at TIMESTAMP NOT NULL\n"
    ")"
)


def rollup_select(source: str, where: str = "") -> str:
    """``SELECT`` of the wide level's rows as migration 2 made them (no session facts) from
    ``source`` (a constant table name or subquery, never input), ordered by hour so zone maps
    on ``hour`` stay tight."""
    group = ", ".join(
        (
            "website_id",
            "date_trunc('hour', created_at)",
            "session_id",
            "visitor_id",
            "is_bot",
            *DIMENSIONS,
        )
    )
    return (
        f"SELECT website_id, date_trunc('hour', created_at) AS hour, session_id, visitor_id, "  # noqa: S608
        f"is_bot, {', '.join(DIMENSIONS)}, count(*) AS events, "
        "count(*) FILTER (WHERE event_type = 'pageview') AS pageviews, "
        "min(created_at) AS first_at, max(created_at) AS last_at "
        f"FROM {source} {where} GROUP BY {group} ORDER BY hour"
    )


# Migration 2: the wide level as first created, backfilled from the events already stored.
_MIGRATION_2: list[str] = [
    _CREATE_WIDE_2,
    f"INSERT INTO {ROLLUP_TABLE} ({_INSERT_COLUMNS}) {rollup_select('events')}",
]

# Migration 3: the two narrow levels, backfilled, and the session facts on the wide one.
_MIGRATION_3: list[str] = [
    VISITS.create(),
    PAGES_BY_URL.create(),
    VISITS.insert(VISITS.select("events")),
    PAGES_BY_URL.insert(PAGES_BY_URL.select("events")),
    f"ALTER TABLE {ROLLUP_TABLE} ADD COLUMN session_events INTEGER",
    f"ALTER TABLE {ROLLUP_TABLE} ADD COLUMN session_us BIGINT",
    f"UPDATE {ROLLUP_TABLE} r SET session_events = s.event_count, "  # noqa: S608
    "session_us = epoch_us(s.last_seen - s.first_seen) FROM sessions s "
    "WHERE r.session_id = s.session_id",
]

# Migration 4: the dimension level, so every metrics type and one-filter stats read rows of
# one value each instead of grouping the wide level by session; backfilled from the wide
# level's rows (exact sums of the events', far fewer rows), with their sessions' facts and
# neighbour hours.
_MIGRATION_4: list[str] = [
    DIMENSION.create(),
    DIMENSION.insert(DIMENSION.select(ROLLUP_TABLE, rolled=True)),
]

# Migration 5: the count tables of the page and dimension levels (counts.py), from their rows.
_COUNTS_5 = (Counts(PAGES_BY_URL), *COUNTS[1:])  # the page level was keyed by the URL then
_MIGRATION_5: list[str] = [
    statement for entry in _COUNTS_5 for statement in [*entry.create(), *entry.rebuild()]
]

# Migration 6: pages are paths, and internal navigation is no referral (urls.py). Stored
# events whose referrer's host is their page's own (or a subdomain of it, www. ignored) get
# the internal referrer_domain — the websites' domains live in sparkhouse.db, out of reach
# here, so a referrer from another of a site's hosts stays until new events come (ingest
# checks the domain); the page level and its count tables are re-keyed by the page and every
# level holding referrer_domain (wide, dimension) is recomputed from the events.
_MIGRATION_6: list[str] = [
    f"UPDATE events SET referrer_domain = '{INTERNAL}' "  # noqa: S608
    f"WHERE referrer_domain IS NOT NULL AND referrer_domain <> '{INTERNAL}' AND {INTERNAL_SQL}",
    f"DROP TABLE {PAGE_TABLE}",
    *(f"DROP TABLE {entry.groups_table}" for entry in COUNTS),
    *(f"DROP TABLE {entry.visitors_table}" for entry in COUNTS),
    PAGES.create(),
    PAGES.insert(PAGES.select("events")),
    *(f"DELETE FROM {level.table}" for level in (WIDE, DIMENSION)),  # noqa: S608
    f"INSERT INTO {ROLLUP_TABLE} BY NAME {WIDE.select('events')}",
    DIMENSION.insert(DIMENSION.select(ROLLUP_TABLE, rolled=True)),
    *(statement for entry in COUNTS for statement in [*entry.create(), *entry.rebuild()]),
]


MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (
        1,
        "events and sessions",
        [
            f"CREATE TABLE events (\n    {_columns(EVENT_COLUMNS, _NOT_NULL)}\n)",
            # event_count: every event of the session (Sparklytics' "pageview_count": a session
            # with exactly one event is a bounce); pageview_count: events of type pageview.
            "CREATE TABLE sessions (\n    "
            + _columns(SESSION_COLUMNS, {"website_id", "visitor_id", "first_seen", "last_seen"})
            + ",\n    PRIMARY KEY (session_id)\n)",
        ],
    ),
    (2, "hourly rollups of events", _MIGRATION_2),
    (3, "visit and page rollup levels, session facts on rollups", _MIGRATION_3),
    (4, "dimension rollup level", _MIGRATION_4),
    (5, "count tables of the page and dimension levels", _MIGRATION_5),
    (6, "pages by path, internal referrers", _MIGRATION_6),
]
LATEST = MIGRATIONS[-1][0]


def migrate(connection: duckdb.DuckDBPyConnection) -> int:
    """Apply every migration newer than the stored ``schema_version``; returns the version."""
    connection.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        "version INTEGER NOT NULL, description VARCHAR, applied_at TIMESTAMP NOT NULL)"
    )
    row = connection.execute("SELECT max(version) FROM schema_version").fetchone()
    current = int(row[0]) if row and row[0] is not None else 0
    if current > LATEST:
        raise RuntimeError(
            f"analytics.duckdb has schema version {current}, newer than this build ({LATEST})"
        )
    for version, description, statements in MIGRATIONS:
        if version <= current:
            continue
        with transaction(connection):
            for statement in statements:
                connection.execute(statement)
            connection.execute(
                "INSERT INTO schema_version VALUES (?, ?, ?)", [version, description, utc_now()]
            )
        log.info("analytics.duckdb migrated to schema version %d (%s)", version, description)
        current = version
    return current


def json_columns(columns: tuple[tuple[str, str], ...]) -> str:
    """The ``columns=`` struct of read_json for these columns."""
    return "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in columns) + "}"
