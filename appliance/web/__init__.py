"""The built dashboard (``dist/``, made by ``make dashboard`` from ``dashboard/``)."""

from pathlib import Path

DIST = Path(__file__).parent / "dist"
