"""``python -m appliance.platform.store``: rewrite ``schema.sql`` after adding a migration.

Migrates an empty database to head with Alembic and stores its ``iterdump()``; then set
``HEAD`` in ``__init__.py`` to the new revision (tests/platform/test_store.py checks both).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from appliance.platform.store import SCHEMA, Store, dump_schema


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = Store.in_dir(Path(folder))
        store.upgrade()
        SCHEMA.write_text(dump_schema(store.path), encoding="utf-8")
    print(f"wrote {SCHEMA}")


if __name__ == "__main__":
    main()
