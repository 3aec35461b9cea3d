"""The analytics part's branch (label ``analytics``) of the platform store's schema.

``versions/`` holds its Alembic revisions (``websites``, ``goals``; their tables, written once,
are ``appliance.analytics.sites.tables``). The revision files are loaded by path, not imported:
``versions/`` has no ``__init__.py``. The part declares :data:`VERSIONS` as its migrations; the
platform's env.py and script template serve every branch (``appliance.platform.store``).
"""

from __future__ import annotations

from pathlib import Path

VERSIONS = Path(__file__).parent / "versions"
