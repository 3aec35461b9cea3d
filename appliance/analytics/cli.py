"""``sparkhouse analytics …``: website add / list against the data directory's store, and
``seed`` (synthetic traffic written straight into ``analytics.duckdb``)."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from appliance.analytics.migrations import VERSIONS
from appliance.platform.parts import SettingsLoader
from appliance.platform.settings import PlatformSettings


def add_commands(commands: argparse._SubParsersAction[Any], load: SettingsLoader) -> None:
    """Add ``analytics`` to the ``sparkhouse`` sub-commands; ``load`` reads the settings
    (these commands use only the server section's data folder)."""
    analytics = commands.add_parser("analytics", help="web analytics: websites")
    groups = analytics.add_subparsers(dest="analytics_command", required=True, metavar="COMMAND")
    website = groups.add_parser("website", help="manage tracked websites")
    actions = website.add_subparsers(dest="website_command", required=True, metavar="ACTION")

    add = actions.add_parser("add", help="add a website and print its id")
    add.add_argument("domain", help="bare host name, e.g. example.com")
    add.add_argument("--name", help="display name (default: the domain)")
    add.add_argument("--timezone", default="UTC", help="IANA time zone (default UTC)")
    add.add_argument("--data-dir", type=Path, help="data folder (SPARKHOUSE_DATA_DIR)")
    add.set_defaults(func=lambda args: asyncio.run(_add(args, load(args))))

    listing = actions.add_parser("list", help="list websites")
    listing.add_argument("--data-dir", type=Path, help="data folder (SPARKHOUSE_DATA_DIR)")
    listing.set_defaults(func=lambda args: asyncio.run(_list(load(args))))

    seed = groups.add_parser(
        "seed",
        help="write synthetic traffic for a website into analytics.duckdb (server stopped)",
    )
    seed.add_argument("--website", required=True, help="website id (it must exist)")
    seed.add_argument("--events", type=_positive, default=100_000, help="about this many events")
    seed.add_argument("--days", type=_positive, default=30, help="over the days ending today")
    seed.add_argument("--data-dir", type=Path, help="data folder (SPARKHOUSE_DATA_DIR)")
    seed.add_argument("--quiet", action="store_true", help="no progress bar")
    seed.set_defaults(func=lambda args: _seed(args, load(args)))


def _positive(text: str) -> int:
    value = int(text.replace("_", ""))
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


async def _add(args: argparse.Namespace, settings: PlatformSettings) -> int:
    from appliance.analytics.admin.websites import InvalidWebsite, create_website
    from appliance.analytics.sites.repository import WebsiteRepository
    from appliance.platform.store import Store

    store = Store.in_dir(settings.server.data_dir, [VERSIONS])
    await store.start()
    try:
        site = await create_website(WebsiteRepository(store), args.domain, args.name, args.timezone)
    except InvalidWebsite as exc:
        raise SystemExit(f"sparkhouse: {exc.field}: {exc.message}") from None
    finally:
        await store.stop()
    print(site.id)
    return 0


async def _list(settings: PlatformSettings) -> int:
    from appliance.analytics.sites.repository import WebsiteRepository
    from appliance.platform.store import Store

    store = Store.in_dir(settings.server.data_dir, [VERSIONS])
    await store.start()
    try:
        sites = await WebsiteRepository(store).all()
    finally:
        await store.stop()
    for site in sites:
        created = site.created_at.strftime("%Y-%m-%d %H:%M")
        print(f"{site.id}  {site.domain:<32}  {site.name:<24}  {site.timezone:<16}  {created}")
    return 0


def _seed(args: argparse.Namespace, settings: PlatformSettings) -> int:
    from appliance.analytics.warehouse import seed
    from appliance.analytics.warehouse.database import DUCKDB_FILE
    from appliance.platform.datadir import DataDirInUse, DataDirLock
    from appliance.platform.progress import progress

    data_dir = settings.server.data_dir
    try:
        lock = DataDirLock(data_dir).acquire()  # also keeps a server from starting meanwhile
    except DataDirInUse as exc:
        raise SystemExit(
            f"sparkhouse analytics seed: {exc}; stop the server first (DuckDB has one writer)"
        ) from None
    try:
        site = asyncio.run(_website(settings, args.website))
        if site is None:
            raise SystemExit(f"sparkhouse analytics seed: no website {args.website!r}")
        connection = seed.connect(data_dir / DUCKDB_FILE)
        try:
            step = f"seeding {site.domain}"
            with progress("events", quiet=args.quiet) as report:
                result = seed.seed(
                    connection,
                    site.id,
                    site.domain,
                    args.events,
                    args.days,
                    progress=lambda done, total: report(step, done, total),
                )
        finally:
            connection.close()
    finally:
        lock.release()
    rate = result.events / result.seconds if result.seconds else 0.0
    print(
        f"seeded {result.events:,} events in {result.sessions:,} sessions over {result.days} "
        f"days for {site.id} in {result.seconds:.1f} s ({rate:,.0f} events/s)"
    )
    return 0


async def _website(settings: PlatformSettings, website_id: str) -> Any:
    from appliance.analytics.sites.repository import WebsiteRepository
    from appliance.platform.store import Store

    store = Store.in_dir(settings.server.data_dir, [VERSIONS])
    await store.start()
    try:
        return await WebsiteRepository(store).get(website_id)
    finally:
        await store.stop()
