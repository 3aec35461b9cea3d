"""``python -m appliance.platform.store dump-schema``: regenerate ``schema.sql`` (after adding
or changing a migration of any branch).

Migrates an empty database with Alembic through the platform's branch and every part's, and
writes its ``iterdump()``. A part's branch is found where the parts keep it,
``appliance/<part>/migrations/versions`` (what each declares as ``Part.migrations``;
tests/platform/test_store.py checks that the server composes the same set). ``--check``
writes nothing and fails when the committed copy differs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from appliance.platform.store import SCHEMA, Store, dump_schema

APPLIANCE = Path(__file__).resolve().parents[2]
COMMAND = "python -m appliance.platform.store dump-schema"


def part_migrations() -> list[Path]:
    """Every part's version location, by the parts' layout."""
    return sorted(APPLIANCE.glob("*/migrations/versions"))


def render_schema(migrations: Iterable[Path]) -> str:
    """The ``iterdump()`` of a store migrated by Alembic from nothing."""
    with tempfile.TemporaryDirectory() as folder:
        store = Store.in_dir(Path(folder), migrations)
        store.upgrade()
        return dump_schema(store.path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m appliance.platform.store")
    commands = parser.add_subparsers(dest="command", required=True)
    dump = commands.add_parser("dump-schema", help="regenerate schema.sql from the migrations")
    dump.add_argument("--check", action="store_true", help="only fail when schema.sql differs")
    args = parser.parse_args(argv)

    schema = render_schema(part_migrations())
    if args.check:
        if SCHEMA.read_text(encoding="utf-8") != schema:
            print(f"{SCHEMA} is stale: run `{COMMAND}`", file=sys.stderr)
            return 1
        return 0
    SCHEMA.write_text(schema, encoding="utf-8")
    print(f"wrote {SCHEMA}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
