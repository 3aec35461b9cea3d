"""Date ranges of the analytics reads: inclusive calendar days, parsed from ``start_date`` and
``end_date`` leniently (analytics-api.md 9.1: an unparseable date is replaced by its default)
or strictly (the export: both required as ``YYYY-MM-DD``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

DEFAULT_RANGE_DAYS = 7
EARLIEST, LATEST = date(1970, 1, 2), date(2999, 12, 30)  # OURS: bounds zone arithmetic
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True, slots=True)
class DateRange:
    """Inclusive calendar days; in UTC the instants ``[start 00:00Z, end+1 00:00Z)``."""

    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def start_at(self) -> datetime:
        return datetime(self.start.year, self.start.month, self.start.day)

    @property
    def end_before(self) -> datetime:
        return self.start_at + timedelta(days=self.days)

    def labels(self) -> list[str]:
        return [self.start.isoformat(), self.end.isoformat()]

    def previous(self) -> DateRange:
        """The period of equal length that ends the day before this one starts."""
        end = self.start - timedelta(days=1)
        return DateRange(end - timedelta(days=self.days - 1), end)


def strict_date(text: str | None) -> date | None:
    """``YYYY-MM-DD`` exactly, else None."""
    if text is None or not _DATE.match(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def minus_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def strict_range(query: Mapping[str, Any]) -> DateRange:
    """Both dates required as ``YYYY-MM-DD``; ValueError saying which is missing or bad."""
    bounds: list[date] = []
    for name in ("start_date", "end_date"):
        text = query.get(name)
        if not text:
            raise ValueError(f"{name} is required (YYYY-MM-DD)")
        parsed = strict_date(text)
        if parsed is None:
            raise ValueError(f"invalid {name} format, expected YYYY-MM-DD")
        bounds.append(parsed)
    return DateRange(bounds[0], bounds[1])


def lenient_range(query: Mapping[str, Any], today: date) -> DateRange:
    """9.1: ``end_date`` defaults to today, ``start_date`` to six days before the end."""
    end = strict_date(query.get("end_date")) or today
    start = strict_date(query.get("start_date")) or end - timedelta(days=DEFAULT_RANGE_DAYS - 1)
    return DateRange(start, end)
