"""Server-side sessions (analytics-api.md section 6): no cookies, 30 minutes of inactivity.

An event joins the most recent session of the same (website, visitor) whose ``last_seen`` is
less than 30 minutes before it; otherwise it starts a new one with
``session_id = hex(sha256(visitor_id + website_id + entry_url + first_seen_ms))[:16]``
(``first_seen_ms``: milliseconds since the Unix epoch, UTC).

The flusher assigns sessions inside DuckDB, in the transaction that stores the batch
(batches.py), as set operations over the batch's events (:func:`assign`): no per-event Python
holds the GIL while requests are being served, and the ``sessions`` table itself is the state —
nothing to rebuild at start-up. Per (website, visitor), in time order (``created_at``, then ``id``):

* the *current* session is the stored one with the latest ``last_seen``;
* an event at or after its ``last_seen`` and less than 30 minutes after the previous event
  (or ``last_seen``) continues it; a longer gap starts a new session, which later events of
  the batch continue in the same way;
* a late event (a replay) inside the current session's span counts in it without moving its
  clock or exit page; one before its ``first_seen`` is a session of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from appliance.analytics.warehouse import schema

if TYPE_CHECKING:  # DuckDB loads when analytics.duckdb opens (database.py)
    import duckdb

_TIMEOUT = "INTERVAL 30 MINUTE"  # of inactivity ends a session (section 6)
_ORDER = "ORDER BY created_at, id"
_FIRST_SEEN_HASH = (
    "left(sha256(concat(visitor_id, website_id, url, epoch_ms(created_at)::VARCHAR)), 16)"
)

# The stored session each (website, visitor) of the batch would continue. Sessions that ended
# more than 30 minutes before the batch's first event cannot take any of its events.
_CURRENT = f"""
CREATE OR REPLACE TEMP TABLE {{current}} AS
SELECT s.session_id, s.website_id, s.visitor_id, s.first_seen, s.last_seen
FROM sessions s
JOIN (SELECT DISTINCT website_id, visitor_id FROM {{batch}}) k USING (website_id, visitor_id)
WHERE s.last_seen >= (SELECT min(created_at) FROM {{batch}}) - {_TIMEOUT}
QUALIFY row_number() OVER (
    PARTITION BY s.website_id, s.visitor_id ORDER BY s.last_seen DESC, s.session_id
) = 1
"""  # noqa: S608

# Each event's session id and whether it is late (counts, but moves no clock).
_ASSIGNED = f"""
CREATE OR REPLACE TEMP TABLE {{assigned}} AS
WITH placed AS (
    SELECT b.id, b.website_id, b.visitor_id, b.url, b.created_at,
           c.session_id AS current_id, c.last_seen AS current_last,
           CASE WHEN b.created_at >= c.last_seen OR c.session_id IS NULL THEN 'on'
                WHEN b.created_at >= c.first_seen THEN 'inside'
                ELSE 'before' END AS place
    FROM {{batch}} b LEFT JOIN {{current}} c USING (website_id, visitor_id)
),
chained AS (
    SELECT *,
           coalesce(lag(created_at) OVER visitor, current_last) AS previous_at
    FROM placed WHERE place = 'on'
    WINDOW visitor AS (PARTITION BY website_id, visitor_id {_ORDER})
),
flagged AS (
    SELECT *,
           previous_at IS NULL OR created_at - previous_at >= {_TIMEOUT} AS starts
    FROM chained
),
runs AS (
    SELECT *,
           sum(starts::INTEGER) OVER (
               PARTITION BY website_id, visitor_id {_ORDER} ROWS UNBOUNDED PRECEDING
           ) AS run,
           CASE WHEN starts THEN {_FIRST_SEEN_HASH} END AS started_id
    FROM flagged
)
SELECT id, website_id, visitor_id, created_at,
       CASE WHEN run = 0 THEN current_id
            ELSE max(started_id) OVER (PARTITION BY website_id, visitor_id, run) END
           AS session_id,
       false AS late
FROM runs
UNION ALL
SELECT id, website_id, visitor_id, created_at, current_id, true
FROM placed WHERE place = 'inside'
UNION ALL
SELECT id, website_id, visitor_id, created_at, {_FIRST_SEEN_HASH}, false
FROM placed WHERE place = 'before'
"""  # noqa: S608

_SESSION_NAMES = ", ".join(name for name, _ in schema.SESSION_COLUMNS)
_KEY = "(created_at, id)"

# The batch's events with their session ids, in time order (zone maps on created_at stay
# tight).
_INSERT_EVENTS = """
INSERT INTO events BY NAME SELECT b.* REPLACE (a.session_id AS session_id)
FROM {batch} b JOIN {assigned} a USING (id)
ORDER BY b.created_at, b.id
"""

# The touched sessions after the batch: stored facts merged with the batch's.
_SESSIONS = f"""
INSERT OR REPLACE INTO sessions ({_SESSION_NAMES})
SELECT g.session_id, g.website_id, g.visitor_id,
       coalesce(s.first_seen, g.first_at),
       greatest(s.last_seen, g.last_at),
       coalesce(s.event_count, 0) + g.events,
       coalesce(s.pageview_count, 0) + g.pageviews,
       coalesce(s.entry_page, g.first.url),
       coalesce(g.exit_page, s.exit_page),
       CASE WHEN s.session_id IS NULL THEN g.first.country ELSE s.country END,
       CASE WHEN s.session_id IS NULL THEN g.first.browser ELSE s.browser END,
       CASE WHEN s.session_id IS NULL THEN g.first.os ELSE s.os END,
       CASE WHEN s.session_id IS NULL THEN g.first.device_type ELSE s.device_type END,
       coalesce(s.is_bot, false) OR g.is_bot
FROM (
    SELECT a.session_id AS session_id, any_value(website_id) AS website_id,
           any_value(visitor_id) AS visitor_id,
           min(created_at) AS first_at,
           max(created_at) FILTER (WHERE NOT late) AS last_at,
           count(*) AS events,
           count(*) FILTER (WHERE event_type = 'pageview') AS pageviews,
           arg_min({{{{'url': url, 'country': country, 'browser': browser, 'os': os,
                       'device_type': device_type}}}}, {_KEY}) AS first,
           arg_max(url, {_KEY}) FILTER (WHERE NOT late) AS exit_page,
           bool_or(coalesce(is_bot, false)) AS is_bot
    FROM {{batch}} b JOIN {{assigned}} a USING (id, website_id, visitor_id, created_at)
    GROUP BY a.session_id
) g LEFT JOIN sessions s USING (session_id)
"""  # noqa: S608


def assign(
    connection: duckdb.DuckDBPyConnection, *, batch: str, current: str, assigned: str
) -> None:
    """Within the caller's transaction: insert the events of the temp table ``batch`` (the
    events table's columns, ``session_id`` empty) into ``events`` with their sessions, insert
    or update their rows of ``sessions``, and leave in the new temp table ``assigned`` each
    event's id, website_id, visitor_id, created_at, session_id and ``late`` (it counted in its
    session without moving its clock). The temp table ``current`` is created on the way (the
    stored session each (website, visitor) of the batch would continue); the caller drops
    both. Every name is a constant of the caller, never input."""
    connection.execute(_CURRENT.format(batch=batch, current=current))
    connection.execute(_ASSIGNED.format(batch=batch, current=current, assigned=assigned))
    connection.execute(_INSERT_EVENTS.format(batch=batch, assigned=assigned))
    connection.execute(_SESSIONS.format(batch=batch, assigned=assigned))
