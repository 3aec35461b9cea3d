"""Server-side sessions (analytics-api.md section 6): no cookies, 30 minutes of inactivity.

An event joins the most recent session of the same (website, visitor) whose ``last_seen`` is
less than 30 minutes before it; otherwise it starts a new one with
``session_id = hex(sha256(visitor_id + website_id + entry_url + first_seen_ms))[:16]``.
The flusher assigns sessions in event-time order when it moves events into DuckDB; the tracker
holds every session that can still grow (seen in the last 30 minutes) and is rebuilt from DuckDB
at start-up.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

SESSION_TIMEOUT = timedelta(minutes=30)


def session_hash(visitor_id: str, website_id: str, entry_url: str, first_seen: datetime) -> str:
    first_seen_ms = int(first_seen.timestamp() * 1000)
    text = f"{visitor_id}{website_id}{entry_url}{first_seen_ms}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(slots=True)
class Session:
    """One row of the ``sessions`` table. Treat it as immutable (the tracker and a flush's
    overlay share sessions; :meth:`grown` makes a new one): not ``frozen=True`` only because a
    frozen dataclass builds itself field by field through ``object.__setattr__``, and the
    flusher builds one per event."""

    session_id: str
    website_id: str
    visitor_id: str
    first_seen: datetime
    last_seen: datetime
    event_count: int
    pageview_count: int
    entry_page: str
    exit_page: str
    country: str | None
    browser: str | None
    os: str | None
    device_type: str | None
    is_bot: bool

    def grown(self, at: datetime, url: str, pageview: bool, bot: bool) -> Session:
        """This session after one more event (a new object: sessions are shared)."""
        return Session(
            self.session_id,
            self.website_id,
            self.visitor_id,
            self.first_seen,
            at,
            self.event_count + 1,
            self.pageview_count + int(pageview),
            self.entry_page,
            url,
            self.country,
            self.browser,
            self.os,
            self.device_type,
            self.is_bot or bot,
        )

    def row(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "website_id": self.website_id,
            "visitor_id": self.visitor_id,
            "first_seen": self.first_seen.isoformat(sep=" "),
            "last_seen": self.last_seen.isoformat(sep=" "),
            "event_count": self.event_count,
            "pageview_count": self.pageview_count,
            "entry_page": self.entry_page,
            "exit_page": self.exit_page,
            "country": self.country,
            "browser": self.browser,
            "os": self.os,
            "device_type": self.device_type,
            "is_bot": self.is_bot,
        }


class SessionTracker:
    """Active sessions by (website, visitor). Not thread-safe: one owner (the flusher)."""

    def __init__(self) -> None:
        self._active: dict[tuple[str, str], Session] = {}

    def __len__(self) -> int:
        return len(self._active)

    def load(self, sessions: list[Session]) -> None:
        for session in sessions:
            key = (session.website_id, session.visitor_id)
            known = self._active.get(key)
            if known is None or known.last_seen < session.last_seen:
                self._active[key] = session

    def assign(
        self,
        event: dict[str, Any],
        at: datetime,
        overlay: dict[tuple[str, str], Session] | None = None,
    ) -> Session:
        """Put ``event`` (website_id, visitor_id, url, event_type, geo/UA fields) into its
        session at time ``at``; returns the session as it is after the event.

        With ``overlay`` the tracker itself is left untouched and the changes go into the
        overlay; :meth:`commit` applies them once the batch is safely stored."""
        key = (event["website_id"], event["visitor_id"])
        active = self._active if overlay is None else overlay
        current = active.get(key) if overlay is None else overlay.get(key, self._active.get(key))
        is_pageview = event.get("event_type") == "pageview"
        is_bot = bool(event.get("is_bot"))
        if (
            current is not None
            and current.last_seen <= at
            and at - current.last_seen < SESSION_TIMEOUT
        ):
            session = current.grown(at, event["url"], is_pageview, is_bot)
        elif current is not None and current.first_seen <= at < current.last_seen:
            # a late event inside the session's span (a replay): counts, never moves the clock
            session = current.grown(current.last_seen, current.exit_page, is_pageview, is_bot)
        else:
            session = Session(
                session_hash(key[1], key[0], event["url"], at),
                key[0],
                key[1],
                at,
                at,
                1,
                int(is_pageview),
                event["url"],
                event["url"],
                event.get("country"),
                event.get("browser"),
                event.get("os"),
                event.get("device_type"),
                is_bot,
            )
            if current is not None and current.last_seen > at:
                return session  # an older, already-closed session: do not replace the newer one
        active[key] = session
        return session

    def commit(self, overlay: dict[tuple[str, str], Session]) -> None:
        self._active.update(overlay)

    def prune(self, now: datetime) -> int:
        """Forget sessions that can no longer grow; returns how many were dropped."""
        cutoff = now - SESSION_TIMEOUT
        stale = [key for key, session in self._active.items() if session.last_seen < cutoff]
        for key in stale:
            del self._active[key]
        return len(stale)
