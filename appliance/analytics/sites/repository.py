"""Websites, as the analytics part reads and writes them in the platform store.

SQLAlchemy loads with the first query (``tables.py``), not at start.

Collect looks a website up on every request, so lookups are cached in memory: known ids for
``ttl`` seconds, unknown ids for ``negative_ttl`` seconds (a flood of bogus ids costs one query
each per second, not one per request). Deleting a website must call :meth:`invalidate`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from appliance.platform.store import Store


@dataclass(frozen=True)
class Website:
    id: str
    name: str
    domain: str
    timezone: str
    created_at: datetime
    updated_at: datetime
    tenant_id: str | None = None
    share_id: str | None = None
    ingest_peak_eps: int | None = None
    ingest_queue_max_events: int | None = None


_FIELDS = tuple(field.name for field in fields(Website))


def _website(row: object) -> Website:
    mapping = row._mapping  # type: ignore[attr-defined]
    return Website(**{name: mapping[name] for name in _FIELDS})


class WebsiteRepository:
    def __init__(self, store: Store, ttl: float = 60.0, negative_ttl: float = 1.0) -> None:
        self.store = store
        self.ttl = ttl
        self.negative_ttl = negative_ttl
        self._by_id: dict[str, tuple[float, Website | None]] = {}
        self._by_domain: dict[str, tuple[float, Website | None]] = {}

    def invalidate(self, website_id: str | None = None) -> None:
        if website_id is None:
            self._by_id.clear()
        else:
            self._by_id.pop(website_id, None)
        self._by_domain.clear()

    def _cached(
        self, cache: dict[str, tuple[float, Website | None]], key: str
    ) -> tuple[bool, Website | None]:
        hit = cache.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return True, hit[1]
        return False, None

    def _remember(
        self, cache: dict[str, tuple[float, Website | None]], key: str, site: Website | None
    ) -> None:
        if len(cache) > 50_000:
            cache.clear()
        cache[key] = (time.monotonic() + (self.ttl if site else self.negative_ttl), site)

    async def _one(
        self,
        query: Callable[[Any], Any],
        cache: dict[str, tuple[float, Website | None]] | None,
        key: str,
    ) -> Website | None:
        """The website ``query(tables)`` finds, through ``cache`` by ``key`` (None: uncached)."""
        if cache is not None:
            found, site = self._cached(cache, key)
            if found:
                return site
        from appliance.analytics.sites import tables as sql  # SQLAlchemy loads with the first query

        async with self.store.session() as session:
            row = (await session.execute(query(sql))).first()
        site = _website(row) if row else None
        if cache is not None:
            self._remember(cache, key, site)
        return site

    async def get(self, website_id: str) -> Website | None:
        if len(website_id) > 64:  # never stored, so never cached
            return None
        return await self._one(lambda sql: sql.website_by_id(website_id), self._by_id, website_id)

    async def by_domain(self, domain: str) -> Website | None:
        """The oldest website with this domain (case-insensitive)."""
        key = domain.strip().rstrip(".").lower()
        return await self._one(lambda sql: sql.website_by_domain(key), self._by_domain, key)

    async def by_share_id(self, share_id: str) -> Website | None:
        """The website a public share link shows (never cached: links are revoked)."""
        return await self._one(lambda sql: sql.website_by_share_id(share_id), None, share_id)

    async def add(self, site: Website) -> Website:
        from appliance.analytics.sites import tables as sql  # SQLAlchemy loads with the first query

        async with self.store.session() as session, session.begin():
            await session.execute(
                sql.insert_website(
                    id=site.id,
                    tenant_id=site.tenant_id,
                    name=site.name,
                    domain=site.domain,
                    timezone=site.timezone,
                    share_id=site.share_id,
                    ingest_peak_eps=site.ingest_peak_eps,
                    ingest_queue_max_events=site.ingest_queue_max_events,
                    created_at=site.created_at,
                    updated_at=site.updated_at,
                )
            )
        self.invalidate(site.id)
        return site

    async def all(self) -> list[Website]:
        from appliance.analytics.sites import tables as sql  # SQLAlchemy loads with the first query

        async with self.store.session() as session:
            rows = (await session.execute(sql.all_websites())).all()
        return [_website(row) for row in rows]

    async def page(self, limit: int, after: str | None) -> tuple[list[Website], int, bool]:
        """Up to ``limit`` websites with id > ``after``, by id; the total; whether more
        follow."""
        from appliance.analytics.sites import tables as sql  # SQLAlchemy loads with the first query

        async with self.store.session() as session:
            total = await session.scalar(sql.website_count())
            rows = (await session.execute(sql.websites_after(after, limit + 1))).all()
        items = [_website(row) for row in rows[:limit]]
        return items, int(total or 0), len(rows) > limit

    async def fresh(self, website_id: str) -> Website | None:
        """Read past the cache (for the API, which must see its own writes)."""
        self.invalidate(website_id)
        return await self.get(website_id)

    async def update(self, website_id: str, **values: Any) -> Website | None:
        """Set columns of one website; None when it does not exist."""
        from appliance.analytics.sites import tables as sql  # SQLAlchemy loads with the first query

        async with self.store.session() as session, session.begin():
            result = await session.execute(sql.update_website(website_id, **values))
        self.invalidate(website_id)
        if not result.rowcount:  # type: ignore[attr-defined]
            return None
        return await self.get(website_id)

    async def delete(self, website_id: str) -> bool:
        from appliance.analytics.sites import tables as sql  # SQLAlchemy loads with the first query

        async with self.store.session() as session, session.begin():
            result = await session.execute(sql.delete_website(website_id))
        self.invalidate(website_id)
        return bool(result.rowcount)  # type: ignore[attr-defined]
