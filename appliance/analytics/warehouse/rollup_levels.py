"""The three rollup levels of ``events``: the tables the analytics queries read instead of raw
events, and the SQL that builds each one's rows.

Three levels, each exact by construction, from narrow to wide; the query package picks the
narrowest one that holds what a query needs:

* ``visit_rollups`` — one row per (website, UTC hour, bot, session, visitor), no dimension:
  stats and pageviews without filters (the common case); far fewer rows than events
  (docs/decisions/analytics-rollup-levels.md).
* ``page_rollups`` — the same plus ``url``: metrics ``type=page`` and the URL filters
  (``filter_page`` is a ``LIKE`` on the row's url, ``filter_hostname`` a function of it).
* ``event_rollups`` (migration 2) — per (website, hour, session, visitor, is_bot) and every
  other groupable/filterable dimension (not the URL): equality filters, other metric types.

Each row carries ``events`` (all event types), ``pageviews`` (type ``pageview``), the
first/last event time of the group (page and event levels) and the facts of its *whole*
session from ``sessions``: ``session_events`` (its event count: 1 = a bounce) and
``session_us`` (last_seen − first_seen in microseconds), NULL when the session has no row —
so stats never join ``sessions``.

Keys. The two narrow levels hold session and visitor ids as integers: an id of exactly 16
lower-case hex digits (the server's own hashes) is that number as ``UBIGINT`` (a bijection),
with ``*_text`` NULL; any other id (a client-supplied visitor id) keeps its string in
``*_text`` and a hash in ``*_key``. Keys are always (key, text) pairs, so a hash never stands
alone for an id. The wide level keeps the VARCHAR ids.

Neighbours (:class:`Neighbour`). Rows of the two narrow levels are unique per key and carry
the hour of the previous row of their session / visitor (page level: of the same URL), among
all rows and among human rows (``bot`` = coalesce(is_bot, false)), and on the page level the
next row of the (URL, session). A row opens its session/visitor in a range [S, E) exactly when
that previous hour is NULL or before S, so distinct counts become filtered counts with no hash
table of ids; a (URL, session) group lies in a single row of the range when both neighbours
are outside it, so only the rare spread groups are grouped.

Why exact: counts are sums; distinct visitors/sessions are counted once each, never
estimated; per-(value, session) spans are ``max(last_at) - min(first_at)``; range limits and
time buckets are whole hours (UTC midnights, or midnights of a zone whose offsets are whole
hours), so a row is entirely in or out of a range/bucket. Queries that need what no level has
(a URL together with another dimension, a zone with non-hour offsets) read raw events.

How they are kept in step with ``events`` is rollups.py (flushes) and retention.py; their
creation is migrations 2 and 3 in schema.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

ROLLUP_TABLE = "event_rollups"
VISIT_TABLE = "visit_rollups"
PAGE_TABLE = "page_rollups"
# The dimension columns the rollup keeps (metric types and filters other than url/hostname).
DIMENSIONS: tuple[str, ...] = (
    "referrer_domain",
    "country",
    "region",
    "city",
    "browser",
    "os",
    "device_type",
    "screen",
    "language",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "event_name",
)


def int_key(column: str) -> str:
    """SQL: the UBIGINT key of an id column (its value when 16 lower-case hex, else a hash)."""
    return (
        f"CASE WHEN regexp_full_match({column}, '[0-9a-f]{{16}}') "
        f"THEN ('0x' || {column})::UBIGINT ELSE hash({column}) END"
    )


def text_key(column: str) -> str:
    """SQL: the id itself where :func:`int_key` is a hash, else NULL."""
    return f"CASE WHEN regexp_full_match({column}, '[0-9a-f]{{16}}') THEN NULL ELSE {column} END"


@dataclass(frozen=True)
class Neighbour:
    """A column holding the hour of the previous (or next) row of the same key — of the same
    session or visitor, within a URL on the page level — among all rows or human rows only.

    A row is its key's first one in a range [S, E) exactly when its previous hour is NULL or
    before S, and the first in a time bucket when that hour is also outside the bucket; a row
    is a key's only one in a range when its next hour is also NULL or at or after E. So
    distinct sessions and visitors of a range or bucket are plain filtered counts (no hash
    table of ids), and only the rare (URL, session) groups spread over several rows are
    grouped."""

    of: str  # "session" or "visitor": whose rows
    human: bool
    forward: bool = False


_PARTITIONS = {
    "session": "website_id, session_key, session_text",
    "visitor": "website_id, visitor_key, visitor_text",
}
# a total order of a level's rows within a key (rows are unique per the level's key)
_ORDERS = {
    "session": "hour, bot, visitor_key, visitor_text",
    "visitor": "hour, bot, session_key, session_text",
}


def _neighbour_sql(neighbour: Neighbour, dimensions: tuple[str, ...]) -> str:
    """SQL window over a level's rows: ``hour`` of the previous/next (human) row of the key."""
    partition = ", ".join((_PARTITIONS[neighbour.of], *dimensions))
    value = "CASE WHEN NOT bot THEN hour END" if neighbour.human else "hour"
    if neighbour.forward:
        return (
            f"min({value}) OVER (PARTITION BY {partition} ORDER BY {_ORDERS[neighbour.of]} "
            "ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING)"
        )
    return (
        f"max({value}) OVER (PARTITION BY {partition} ORDER BY {_ORDERS[neighbour.of]} "
        "ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)"
    )


VISIT_NEIGHBOURS: dict[str, Neighbour] = {
    "session_prev": Neighbour("session", False),
    "session_prev_human": Neighbour("session", True),
    "visitor_prev": Neighbour("visitor", False),
    "visitor_prev_human": Neighbour("visitor", True),
}
PAGE_NEIGHBOURS: dict[str, Neighbour] = {
    "session_prev": Neighbour("session", False),
    "session_prev_human": Neighbour("session", True),
    "session_next": Neighbour("session", False, forward=True),
    "session_next_human": Neighbour("session", True, forward=True),
    "visitor_prev": Neighbour("visitor", False),
    "visitor_prev_human": Neighbour("visitor", True),
}


@dataclass(frozen=True)
class Level:
    """One rollup table: its extra grouping columns and how it stores ids."""

    table: str
    dimensions: tuple[str, ...]
    integer_ids: bool  # session_key/session_text, visitor_key/visitor_text
    spans: bool  # first_at/last_at
    # with neighbours: ``bot`` (= coalesce(is_bot, false)) instead of ``is_bot``, and these
    # columns (rows unique per (website, hour, bot, session, visitor, dimensions))
    neighbours: tuple[tuple[str, Neighbour], ...] = ()

    @property
    def flags(self) -> bool:
        return bool(self.neighbours)

    @property
    def session_columns(self) -> tuple[str, ...]:
        return ("session_key", "session_text") if self.integer_ids else ("session_id",)

    def create(self) -> str:
        ids = (
            "    session_key UBIGINT NOT NULL,\n    session_text VARCHAR,\n"
            "    visitor_key UBIGINT NOT NULL,\n    visitor_text VARCHAR,\n"
        )
        return (
            f"CREATE TABLE {self.table} (\n"
            "    website_id VARCHAR NOT NULL,\n"
            "    hour TIMESTAMP NOT NULL,\n"
            + ("    bot BOOLEAN NOT NULL,\n" if self.flags else "    is_bot BOOLEAN,\n")
            + ids
            + "".join(f"    {name} VARCHAR,\n" for name in self.dimensions)
            + "    events BIGINT NOT NULL,\n"
            "    pageviews BIGINT NOT NULL,\n"
            + (
                "    first_at TIMESTAMP NOT NULL,\n    last_at TIMESTAMP NOT NULL,\n"
                if self.spans
                else ""
            )
            + "".join(f"    {name} TIMESTAMP,\n" for name, _ in self.neighbours)
            + "    session_events INTEGER,\n"
            "    session_us BIGINT\n"
            ")"
        )

    def select(self, source: str, where: str = "", facts: bool = True) -> str:
        """Rows of this level from ``source`` (a constant table name or subquery, never
        input), with the facts of their sessions (NULL without ``facts``: the flusher sets
        them after, without a join over every session), ordered by hour (tight zone maps)."""
        bot = "coalesce(is_bot, false) AS bot" if self.flags else "is_bot"
        groups = ", ".join(("visitor_id", bot, *self.dimensions))
        aggregates = [
            "count(*) AS events",
            "count(*) FILTER (WHERE event_type = 'pageview') AS pageviews",
        ]
        if self.spans:
            aggregates += ["min(created_at) AS first_at", "max(created_at) AS last_at"]
        if self.integer_ids:
            ids = (
                f"{int_key('g.session_id')} AS session_key, "
                f"{text_key('g.session_id')} AS session_text, "
                f"{int_key('g.visitor_id')} AS visitor_key, "
                f"{text_key('g.visitor_id')} AS visitor_text"
            )
        else:
            ids = "g.session_id, g.visitor_id"
        outputs = ", ".join(
            [f"g.{name}" for name in self.dimensions]
            + ["g.events", "g.pageviews"]
            + (["g.first_at", "g.last_at"] if self.spans else [])
        )
        select = (
            f"SELECT g.website_id, g.hour, g.{'bot' if self.flags else 'is_bot'}, {ids}, "  # noqa: S608
            f"{outputs}, "
            + (
                "s.event_count AS session_events, "
                "epoch_us(s.last_seen - s.first_seen) AS session_us "
                if facts
                else "NULL::INTEGER AS session_events, NULL::BIGINT AS session_us "
            )
            + "FROM (SELECT website_id, date_trunc('hour', created_at) AS hour, session_id, "  # noqa: S608
            f"{groups}, {', '.join(aggregates)} FROM {source} {where} GROUP BY ALL) g"
            + (" LEFT JOIN sessions s ON s.session_id = g.session_id" if facts else "")
        )
        if not self.flags:
            return select + " ORDER BY g.hour"
        windows = ", ".join(
            f"{_neighbour_sql(neighbour, self.dimensions)} AS {name}"
            for name, neighbour in self.neighbours
        )
        return f"SELECT *, {windows} FROM ({select}) ORDER BY hour"  # noqa: S608

    def refresh_neighbours(self, of: str, touched: str) -> str:
        """UPDATE the neighbour columns of the sessions' or visitors' (``of``) rows listed by
        the ``touched`` subquery (website_id, {of}_key, {of}_text; constant SQL). Parameters
        after the subquery's: the first hour any of those keys can have a row (the window's
        input), then twice the first hour whose rows can have changed (the rows updated)."""
        names = [name for name, neighbour in self.neighbours if neighbour.of == of]
        windows = ", ".join(
            f"{_neighbour_sql(neighbour, self.dimensions)} AS {name}"
            for name, neighbour in self.neighbours
            if neighbour.of == of
        )
        identity_columns = (
            "website_id",
            "hour",
            "bot",
            "session_key",
            "session_text",
            "visitor_key",
            "visitor_text",
            *self.dimensions,
        )
        identity = " AND ".join(
            f"r.{column} IS NOT DISTINCT FROM x.{column}" for column in identity_columns
        )
        changed = " OR ".join(f"r.{name} IS DISTINCT FROM x.{name}" for name in names)
        return (
            f"UPDATE {self.table} r SET "  # noqa: S608
            f"{', '.join(f'{name} = x.{name}' for name in names)} "
            f"FROM (SELECT * FROM (SELECT {', '.join(identity_columns)}, {windows} "
            f"FROM {self.table} v SEMI JOIN ({touched}) t ON v.website_id = t.website_id "
            f"AND v.{of}_key = t.{of}_key AND v.{of}_text IS NOT DISTINCT FROM t.{of}_text "
            f"WHERE v.hour >= ?) WHERE hour >= ?) x "
            f"WHERE r.hour >= ? AND {identity} AND ({changed})"
        )

    def clear_neighbours(self) -> str:
        """UPDATE: previous/next hours before ``?`` (retention's cut) become NULL."""
        names = [name for name, _ in self.neighbours]
        return (
            f"UPDATE {self.table} SET "  # noqa: S608
            + ", ".join(
                f"{name} = CASE WHEN {name} < ? THEN NULL ELSE {name} END" for name in names
            )
            + " WHERE "
            + " OR ".join(f"{name} < ?" for name in names)
        )

    def insert(self, source: str, where: str = "", facts: bool = True) -> str:
        return f"INSERT INTO {self.table} BY NAME {self.select(source, where, facts)}"

    def _match(self, alias: str) -> str:
        if self.integer_ids:
            return (
                f"r.session_key = {int_key(alias + '.session_id')} AND r.session_text "
                f"IS NOT DISTINCT FROM {text_key(alias + '.session_id')}"
            )
        return f"r.session_id = {alias}.session_id"

    def delete_touched(self, touched: str) -> str:
        """DELETE the rows (from the hour ``?`` on) of the (website_id, session_id, hour) keys
        listed by the ``touched`` subquery (constant SQL; its parameters come first)."""
        return (
            f"DELETE FROM {self.table} r USING ({touched}) t "  # noqa: S608
            f"WHERE r.hour >= ? AND r.website_id = t.website_id AND r.hour = t.hour "
            f"AND {self._match('t')}"
        )

    def refresh_facts(self) -> str:
        """Set the session facts of every row (from an hour on) of the sessions listed (their
        ``last_seen`` at or after the first ``?``: lets zone maps skip old sessions)."""
        return (
            f"UPDATE {self.table} r SET session_events = s.event_count, "  # noqa: S608
            "session_us = epoch_us(s.last_seen - s.first_seen) "
            "FROM (SELECT session_id, event_count, first_seen, last_seen FROM sessions "
            "WHERE last_seen >= ? AND session_id IN (SELECT unnest(?::VARCHAR[]))) s "
            f"WHERE r.hour >= ? AND {self._match('s')}"
        )


VISITS = Level(
    VISIT_TABLE, (), integer_ids=True, spans=False, neighbours=tuple(VISIT_NEIGHBOURS.items())
)
PAGES = Level(
    PAGE_TABLE, ("url",), integer_ids=True, spans=True, neighbours=tuple(PAGE_NEIGHBOURS.items())
)
WIDE = Level(ROLLUP_TABLE, DIMENSIONS, integer_ids=False, spans=True)
LEVELS: tuple[Level, ...] = (VISITS, PAGES, WIDE)


def floor_hour(moment: datetime) -> datetime:
    """The hour ``moment`` falls in: every level's grain."""
    return moment.replace(minute=0, second=0, microsecond=0)
