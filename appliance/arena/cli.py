"""``sparkhouse arena …``: manage arena users from the command line (server may be running);
``arena import-legacy`` (``legacy/command.py``) imports a CodinCod export (server stopped);
``arena gen-types --dest FILE`` writes the arena's TypeScript types (``typegen.py``)."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from pathlib import Path
from typing import Any

from appliance.platform.parts import SettingsLoader
from appliance.platform.settings import PlatformSettings


def add_commands(commands: argparse._SubParsersAction[Any], load: SettingsLoader) -> None:
    arena = commands.add_parser("arena", help="coding arena: users, the CodinCod import")
    groups = arena.add_subparsers(dest="arena_command", required=True, metavar="COMMAND")
    user = groups.add_parser("user", help="manage arena users")
    actions = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    create = actions.add_parser(
        "create", help="create a user (e.g. a moderator); prompts for the password if not given"
    )
    create.add_argument("username", help="3–20 of A-Z a-z 0-9 _ -")
    create.add_argument("--password", help="at least 14 characters (default: ask)")
    create.add_argument(
        "--role", choices=["user", "moderator", "admin"], default="user", help="(default user)"
    )
    create.add_argument("--email", help="email address (optional)")
    create.add_argument("--data-dir", type=Path, help="data folder (SPARKHOUSE_DATA_DIR)")
    create.set_defaults(func=lambda args: asyncio.run(_create(args, load(args))))
    from appliance.arena.legacy.command import add_import_command

    add_import_command(groups, load)
    types = groups.add_parser(
        "gen-types",
        help="write the arena's TypeScript types (for the dashboard; needs node and the "
        "dashboard's npm packages)",
    )
    types.add_argument(
        "--dest",
        type=Path,
        required=True,
        help="the .ts file to write (the dashboard's: dashboard/src/pages/arena/api-types.ts)",
    )
    types.set_defaults(func=_gen_types)


def _gen_types(args: argparse.Namespace) -> int:
    from appliance.arena.typegen import GeneratorMissing, write

    try:
        changed = write(args.dest)
    except GeneratorMissing as missing:
        print(f"sparkhouse: {missing}", file=sys.stderr)
        return 2
    print(f"{'wrote' if changed else 'unchanged:'} {args.dest}")
    return 0


async def _create(args: argparse.Namespace, settings: PlatformSettings) -> int:
    from appliance.arena.accounts.models import PASSWORD_MIN
    from appliance.arena.accounts.service import AccountService
    from appliance.arena.accounts.store import AccountRepository
    from appliance.arena.migrations import VERSIONS
    from appliance.platform.auth import IdentityRepository, IdentityService, Role
    from appliance.platform.errors import ServiceError
    from appliance.platform.store import Store
    from appliance.platform.store.__main__ import part_migrations

    password = args.password or getpass.getpass("password: ")
    if len(password) < PASSWORD_MIN:
        print(f"sparkhouse: the password needs at least {PASSWORD_MIN} characters", file=sys.stderr)
        return 2
    # Every part's branch, as the server opens it: a store a server left at an older revision
    # of any branch is brought up to date, not refused for the revisions it cannot place.
    store = Store.in_dir(settings.server.data_dir, [VERSIONS, *part_migrations()])
    await store.start()
    identity = IdentityService(IdentityRepository(store), session_days=1)
    accounts = AccountService(identity, AccountRepository(store), "")
    try:
        principal = await accounts.create_user(args.username, password, Role(args.role), args.email)
    except ServiceError as error:
        print(f"sparkhouse: {error.message}", file=sys.stderr)
        return 2
    finally:
        accounts.close()
        await store.stop()
    print(f"created {principal.role.value} {principal.username} ({principal.account_id})")
    return 0
