"""The three rollup levels of ``events``: the tables the analytics queries read instead of raw
events, and the SQL that builds each one's rows.

The levels, each exact by construction, from narrow to wide; the query package picks the
narrowest one that holds what a query needs:

* ``visit_rollups`` — one row per (website, UTC hour, bot, session, visitor), no dimension:
  stats and pageviews without filters (the common case); far fewer rows than events
  (docs/decisions/analytics-rollup-levels.md).
* ``page_rollups`` — the same plus ``page``, the path of the event's URL (urls.py; migration
  6, before it the URL as sent): metrics ``type=page`` and ``filter_page`` (a ``LIKE`` on the
  row's page). ``filter_hostname`` needs the URL's host, which no level keeps: raw events.
* ``dimension_rollups`` (migration 4, :data:`DIMENSION`) — the page level's shape for
  every other dimension at once: its key holds ``dimension`` (the column's code,
  :data:`DIMENSION_CODES`) and ``value`` instead of ``page``, one row per value an event
  group has in each column: metrics of every other type, and stats and pageviews with one
  equality filter (its column's rows). NULL values are left out (no metric or filter reads
  them), except the referrer's, which is ``(direct)`` (an internal referrer's empty value,
  urls.INTERNAL, is kept too; metrics leave it out). Rows are appended in (dimension,
  hour) order, so a read of one dimension skips the others' stretches.
* ``event_rollups`` (migration 2) — per (website, hour, session, visitor, is_bot) and every
  other groupable/filterable dimension (not the URL): several equality filters, or a filter
  on one column with metrics of another.

Each row carries ``events`` (all event types), ``pageviews`` (type ``pageview``), the
first/last event time of the group (page and event levels) and the facts of its *whole*
session from ``sessions``: ``session_events`` (its event count: 1 = a bounce) and
``session_us`` (last_seen − first_seen in microseconds), NULL when the session has no row —
so stats never join ``sessions``.

Keys. The narrow levels (all but ``event_rollups``) hold session and visitor ids as integers:
an id of exactly 16 lower-case hex digits (the server's own hashes) is that number as
``UBIGINT`` (a bijection), with ``*_text`` NULL; any other id (a client-supplied visitor id)
keeps its string in ``*_text`` and a hash in ``*_key``. Keys are always (key, text) pairs, so a
hash never stands alone for an id. The wide level keeps the VARCHAR ids.

Neighbours (:class:`Neighbour`). Rows of the narrow levels are unique per key and carry the
hour of the previous row of their session / visitor (page and dimension levels: of the same page
/ value), among all rows and among human rows (``bot`` = coalesce(is_bot, false)), and on the
page and dimension levels the next row of the (value, session). A row opens its session/visitor
in a range [S, E) exactly when that previous hour is NULL or before S, so distinct counts
become filtered counts with no hash table of ids; a (value, session) group lies in a single row
of the range when both neighbours are outside it, so only the rare spread groups are grouped.

Why exact: counts are sums; distinct visitors/sessions are counted once each, never
estimated; per-(value, session) spans are ``max(last_at) - min(first_at)``; range limits and
time buckets are whole hours (UTC midnights, or midnights of a zone whose offsets are whole
hours), so a row is entirely in or out of a range/bucket. Queries that need what no level has
(a page together with another dimension, a zone with non-hour offsets) read raw events.

How they are kept in step with ``events`` is rollups.py (flushes) and retention.py; their
creation is migrations 2, 3 and 4 in schema.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from appliance.analytics.warehouse.urls import PAGE_SQL

ROLLUP_TABLE = "event_rollups"
VISIT_TABLE = "visit_rollups"
PAGE_TABLE = "page_rollups"
DIMENSION_TABLE = "dimension_rollups"
# The dimension columns the rollup keeps (metric types and filters other than page/hostname).
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
# ``dimension`` of the dimension level: the column's code (a small integer compares fastest)
DIMENSION_CODES: dict[str, int] = {name: code for code, name in enumerate(DIMENSIONS)}
_COLUMN_TYPES = {"dimension": "UTINYINT NOT NULL"}  # other key columns are VARCHAR
# key columns that are never NULL (compared with =; the others with IS NOT DISTINCT FROM)
_NOT_NULL = frozenset(
    {"website_id", "hour", "bot", "session_key", "visitor_key", "session_id", "visitor_id"}
    | {"url", "page", "dimension"}
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
    session or visitor, within a page on the page level — among all rows or human rows only.

    A row is its key's first one in a range [S, E) exactly when its previous hour is NULL or
    before S, and the first in a time bucket when that hour is also outside the bucket; a row
    is a key's only one in a range when its next hour is also NULL or at or after E. So
    distinct sessions and visitors of a range or bucket are plain filtered counts (no hash
    table of ids), and only the rare (page, session) groups spread over several rows are
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
    """SQL window over a level's rows: ``hour`` of the previous/next (human) row of the key.
    ``hour`` leads the order, so the previous row's hour is the latest before (``lag``; among
    human rows, skipping the others' NULLs) — cheaper than a max over a growing frame."""
    partition = ", ".join((_PARTITIONS[neighbour.of], *dimensions))
    value = "CASE WHEN NOT bot THEN hour END IGNORE NULLS" if neighbour.human else "hour"
    function = "lead" if neighbour.forward else "lag"
    return f"{function}({value}) OVER (PARTITION BY {partition} ORDER BY {_ORDERS[neighbour.of]})"


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
    # the events' DIMENSIONS as (dimension, value) rows (the dimension level)
    unpivot: bool = False
    # key columns computed from the events' own: (name, SQL over an events row)
    derived: tuple[tuple[str, str], ...] = ()

    @property
    def flags(self) -> bool:
        return bool(self.neighbours)

    @property
    def order(self) -> str:
        """How rows are appended: by hour (tight zone maps on it), per dimension first on the
        dimension level."""
        return "dimension, hour" if self.unpivot else "hour"

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
            + "".join(
                f"    {name} {_COLUMN_TYPES.get(name, 'VARCHAR')},\n" for name in self.dimensions
            )
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

    def select(
        self,
        source: str,
        where: str = "",
        facts: bool = True,
        *,
        rolled: bool = False,
        windows: bool = True,
    ) -> str:
        """Rows of this level from ``source`` (a constant table name or subquery, never
        input), with the facts of their sessions (NULL without ``facts``: the flusher sets
        them after, without a join over every session), ordered by hour (tight zone maps).
        ``rolled``: ``source`` holds rows of the wide level (:data:`WIDE`, whose key holds
        every other level's but the page level's), not events — sums of sums are exact, and
        far fewer rows to group. Without ``windows`` the neighbour hours are left out (NULL
        once inserted): for appends whose keys :meth:`refresh_neighbours` redoes anyway."""
        bot = "coalesce(is_bot, false) AS bot" if self.flags else "is_bot"
        groups = ", ".join(("visitor_id", bot, *self.dimensions))
        if rolled:
            hour = "hour"
            aggregates = ["sum(events)::BIGINT AS events", "sum(pageviews)::BIGINT AS pageviews"]
            if self.spans:
                aggregates += ["min(first_at) AS first_at", "max(last_at) AS last_at"]
        else:
            hour = "date_trunc('hour', created_at) AS hour"
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
            + f"FROM (SELECT website_id, {hour}, session_id, "  # noqa: S608
            f"{groups}, {', '.join(aggregates)} FROM {self._rows(source, where)} GROUP BY ALL) g"
            + (" LEFT JOIN sessions s ON s.session_id = g.session_id" if facts else "")
        )
        if not self.flags or not windows:
            return f"{select} ORDER BY {', '.join(f'g.{name}' for name in self.order.split(', '))}"
        columns = ", ".join(
            f"{_neighbour_sql(neighbour, self.dimensions)} AS {name}"
            for name, neighbour in self.neighbours
        )
        return f"SELECT *, {columns} FROM ({select}) ORDER BY {self.order}"  # noqa: S608

    def _rows(self, source: str, where: str) -> str:
        """The FROM of :meth:`select`: ``source`` with ``where`` (its parameters unchanged);
        on the dimension level, one row per (dimension, value) of each of its rows, NULL
        values left out but the referrer's."""
        if self.derived:
            columns = ", ".join(f"{sql} AS {name}" for name, sql in self.derived)
            return f"(SELECT *, {columns} FROM {source} {where})"  # noqa: S608
        if not self.unpivot:
            return f"{source} {where}"
        codes = ", ".join(str(DIMENSION_CODES[name]) for name in DIMENSIONS)
        return (
            f"(SELECT * FROM (SELECT * EXCLUDE ({', '.join(DIMENSIONS)}), "  # noqa: S608
            f"unnest([{codes}])::UTINYINT AS dimension, "
            f"unnest([{', '.join(DIMENSIONS)}]) AS value FROM {source} {where}) "
            f"WHERE value IS NOT NULL OR dimension = {DIMENSION_CODES['referrer_domain']})"
        )

    def refresh_neighbours(self, touched: str) -> str:
        """UPDATE the neighbour columns of the rows of the visitors listed by the ``touched``
        subquery (website_id, visitor_key, visitor_text; constant SQL): every row of theirs is
        the windows' input, their sessions' rows included (a session has one visitor); a row
        is matched to its new values by ``rowid`` (one statement reads and writes the same
        table version). Parameters after the subquery's: the first hour whose rows can have
        changed."""
        names = [name for name, _ in self.neighbours]
        windows = ", ".join(
            f"{_neighbour_sql(neighbour, self.dimensions)} AS {name}"
            for name, neighbour in self.neighbours
        )
        changed = " OR ".join(f"r.{name} IS DISTINCT FROM x.{name}" for name in names)
        return (
            f"UPDATE {self.table} r SET "  # noqa: S608
            f"{', '.join(f'{name} = x.{name}' for name in names)} "
            f"FROM (SELECT * FROM (SELECT v.rowid AS row_id, hour, {windows} "
            f"FROM {self.table} v SEMI JOIN ({touched}) t ON v.website_id = t.website_id "
            "AND v.visitor_key = t.visitor_key "
            "AND v.visitor_text IS NOT DISTINCT FROM t.visitor_text) WHERE hour >= ?) x "
            f"WHERE r.rowid = x.row_id AND ({changed})"
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

    def insert(self, rows: str) -> str:
        """INSERT of ``rows`` (a :meth:`select` of this level) into this level's table."""
        return f"INSERT INTO {self.table} BY NAME {rows}"

    def _match(self, alias: str) -> str:
        if self.integer_ids:
            return (
                f"r.session_key = {int_key(alias + '.session_id')} AND r.session_text "
                f"IS NOT DISTINCT FROM {text_key(alias + '.session_id')}"
            )
        return f"r.session_id = {alias}.session_id"

    @property
    def key(self) -> tuple[str, ...]:
        """The columns a row is unique by."""
        ids = (
            ("session_key", "session_text", "visitor_key", "visitor_text")
            if self.integer_ids
            else ("session_id", "visitor_id")
        )
        return ("website_id", "hour", "bot" if self.flags else "is_bot", *ids, *self.dimensions)

    def _same_key(self, one: str, other: str) -> str:
        return " AND ".join(
            f"{one}.{column} {'=' if column in _NOT_NULL else 'IS NOT DISTINCT FROM'} "
            f"{other}.{column}"
            for column in self.key
        )

    def add_rows(self, new: str) -> str:
        """UPDATE: add the counts (and spans) of the rows of the table ``new`` (this level's
        rows of events not counted yet) to the stored rows of the same key, from the hour
        ``?`` on. Sums, minimums and maximums merge exactly."""
        sets = ["events = r.events + n.events", "pageviews = r.pageviews + n.pageviews"]
        if self.spans:
            sets += [
                "first_at = least(r.first_at, n.first_at)",
                "last_at = greatest(r.last_at, n.last_at)",
            ]
        return (
            f"UPDATE {self.table} r SET {', '.join(sets)} FROM {new} n "  # noqa: S608
            f"WHERE r.hour >= ? AND {self._same_key('r', 'n')}"
        )

    def fresh_rows(self, new: str) -> str:
        """SELECT: the rows of the table ``new`` whose key has no stored row (from the hour
        ``?`` on)."""
        return (
            f"SELECT n.* FROM {new} n ANTI JOIN (SELECT {', '.join(self.key)} "  # noqa: S608
            f"FROM {self.table} WHERE hour >= ?) r ON {self._same_key('r', 'n')}"
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
    PAGE_TABLE,
    ("page",),
    integer_ids=True,
    spans=True,
    neighbours=tuple(PAGE_NEIGHBOURS.items()),
    derived=(("page", PAGE_SQL),),
)
PAGES_BY_URL = Level(
    PAGE_TABLE, ("url",), integer_ids=True, spans=True, neighbours=tuple(PAGE_NEIGHBOURS.items())
)
"""The page level as migrations 3 and 5 made it, keyed by the URL as sent (one row per query
string, scheme and host); migration 6 re-keys it by :data:`PAGES`' page."""
WIDE = Level(ROLLUP_TABLE, DIMENSIONS, integer_ids=False, spans=True)


DIMENSION = Level(
    DIMENSION_TABLE,
    ("dimension", "value"),
    integer_ids=True,
    spans=True,
    neighbours=tuple(PAGE_NEIGHBOURS.items()),
    unpivot=True,
)
LEVELS: tuple[Level, ...] = (VISITS, PAGES, DIMENSION, WIDE)


def floor_hour(moment: datetime) -> datetime:
    """The hour ``moment`` falls in: every level's grain."""
    return moment.replace(minute=0, second=0, microsecond=0)
