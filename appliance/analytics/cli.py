"""``sparkhouse analytics …``: website add / list against the data directory's store."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from appliance.settings import Settings


def add_commands(commands: Any, load: Callable[[argparse.Namespace], Settings]) -> None:
    """Add ``analytics`` to the ``sparkhouse`` sub-commands; ``load`` reads the settings."""
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


async def _add(args: argparse.Namespace, settings: Settings) -> int:
    from appliance.analytics.store import WebsiteRepository
    from appliance.analytics.websites import InvalidWebsite, create_website
    from appliance.platform.store import Store

    store = Store.in_dir(settings.server.data_dir)
    await store.start()
    try:
        site = await create_website(WebsiteRepository(store), args.domain, args.name, args.timezone)
    except InvalidWebsite as exc:
        raise SystemExit(f"sparkhouse: {exc.field}: {exc.message}") from None
    finally:
        await store.stop()
    print(site.id)
    return 0


async def _list(settings: Settings) -> int:
    from appliance.analytics.store import WebsiteRepository
    from appliance.platform.store import Store

    store = Store.in_dir(settings.server.data_dir)
    await store.start()
    try:
        sites = await WebsiteRepository(store).all()
    finally:
        await store.stop()
    for site in sites:
        created = site.created_at.strftime("%Y-%m-%d %H:%M")
        print(f"{site.id}  {site.domain:<32}  {site.name:<24}  {site.timezone:<16}  {created}")
    return 0
