"""The last 30 minutes of a website (analytics-api.md 9.5): active visitors and the newest
events, always from raw ``events`` and ``sessions``."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from appliance.analytics.query.sources import fetch
from appliance.platform.clock import utc_now

if TYPE_CHECKING:  # DuckDB loads when analytics.duckdb opens (warehouse/database.py)
    import duckdb

REALTIME_WINDOW = timedelta(minutes=30)
REALTIME_LIMIT = 100
RECENT_FIELDS: tuple[str, ...] = (
    "event_type",
    "url",
    "referrer_domain",
    "country",
    "browser",
    "device_type",
    "ts",
)


def realtime_query(
    connection: duckdb.DuckDBPyConnection,
    website_id: str,
    include_bots: bool,
    now: datetime | None = None,
    *,
    event_names: bool = False,
) -> dict[str, Any]:
    """``event_names`` (OURS, issue 21): each event also carries its ``event_name`` (null for
    a pageview), so that a feed names a custom event rather than showing its page."""
    since = (now or utc_now()) - REALTIME_WINDOW
    bots = "" if include_bots else " AND NOT coalesce(is_bot, false)"
    active = fetch(
        connection,
        "SELECT count(DISTINCT visitor_id) FROM sessions "  # noqa: S608
        f"WHERE website_id = ? AND last_seen >= ?{bots}",
        [website_id, since],
    )[0][0]
    total = fetch(
        connection,
        f"SELECT count(*) FROM events WHERE website_id = ? AND created_at >= ?{bots}",  # noqa: S608
        [website_id, since],
    )[0][0]
    recent = fetch(
        connection,
        # an internal referrer (warehouse/urls.py) is shown as none
        "SELECT event_type, url, nullif(referrer_domain, ''), country, browser, device_type, "  # noqa: S608
        f"CAST(created_at AS VARCHAR){', event_name' if event_names else ''} FROM events "
        f"WHERE website_id = ? AND created_at >= ?{bots} ORDER BY created_at DESC LIMIT ?",
        [website_id, since, REALTIME_LIMIT],
    )
    names = RECENT_FIELDS + (("event_name",) if event_names else ())
    return {
        "data": {
            "active_visitors": int(active),
            "recent_events": [dict(zip(names, row, strict=True)) for row in recent],
            "pagination": {"limit": REALTIME_LIMIT, "total_in_window": int(total)},
        }
    }
