"""The arena part's branch (label ``arena``) of the platform store's schema.

``versions/`` holds its Alembic revisions (their tables, written once, are
``appliance.arena.tables``). Accounts point at the platform's ``users``; the branch declares no
``depends_on`` on the identity revision because Alembic would then keep only the arena's head in
``alembic_version``, and a store opened without the arena's branch (another part's command)
could no longer find its heads. SQLite accepts the foreign key before its table exists. The
revision files are loaded by path, not imported: ``versions/`` has no ``__init__.py``.
"""

from __future__ import annotations

from pathlib import Path

VERSIONS = Path(__file__).parent / "versions"
