"""Time zones of the queries: a zone as a few segments of constant UTC offset.

A request may name an IANA ``timezone`` (the spec's Sparklytics ignores it, we honour it on
stats, pageviews and metrics). DuckDB then needs no ICU call per row: the local time of an
event is ``created_at + offset-of-its-segment`` (:class:`ZoneShift`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


@dataclass(frozen=True)
class ZoneShift:
    """UTC offsets of a zone over a span: ``offsets[i]`` (seconds) applies from
    ``starts[i]`` (naive UTC) on; ``starts[0]`` is the beginning of time."""

    starts: tuple[datetime, ...]
    offsets: tuple[int, ...]

    @property
    def is_utc(self) -> bool:
        return self.offsets == (0,)

    @property
    def whole_hours(self) -> bool:
        return all(offset % 3600 == 0 for offset in self.offsets) and all(
            start.minute == start.second == start.microsecond == 0 for start in self.starts[1:]
        )

    def sql(self, column: str) -> tuple[str, list[Any]]:
        """``column`` shifted to local time, and its parameters."""
        if self.is_utc:
            return column, []
        if len(self.offsets) == 1:
            return f"({column} + to_seconds(?::BIGINT))", [self.offsets[0]]
        cases = " ".join(f"WHEN {column} < ? THEN ?" for _ in self.starts[1:])
        params: list[Any] = []
        for start, offset in zip(self.starts[1:], self.offsets, strict=False):
            params += [start, offset]
        return (
            f"({column} + to_seconds((CASE {cases} ELSE ? END)::BIGINT))",
            [*params, self.offsets[-1]],
        )


def parse_zone(name: str | None) -> ZoneInfo | None:
    """An IANA name, None for UTC (``UTC``, ``Etc/UTC`` and absent); ValueError otherwise."""
    if name is None or name in ("UTC", "Etc/UTC"):
        return None
    try:
        if not name or name.startswith(("/", ".")) or ".." in name:
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"timezone: unknown time zone {name!r}") from None


def _offset(zone: ZoneInfo, moment: datetime) -> int:
    delta = moment.replace(tzinfo=UTC).astimezone(zone).utcoffset()
    return int(delta.total_seconds()) if delta is not None else 0


def zone_shift(zone: ZoneInfo | None, start: datetime, end: datetime) -> ZoneShift:
    """The offsets of ``zone`` between the naive UTC instants ``start`` and ``end``: a walk by
    days, refined by quarter hours where the offset changed (every real transition falls on a
    quarter hour)."""
    if zone is None:
        return ZoneShift((datetime.min,), (0,))
    starts = [datetime.min]
    offsets = [_offset(zone, start)]
    day = start
    while day < end:
        following = min(day + timedelta(days=1), end)
        if _offset(zone, following) != offsets[-1]:
            moment = day
            while moment < following:
                moment += timedelta(minutes=15)
                offset = _offset(zone, moment)
                if offset != offsets[-1]:
                    starts.append(moment)
                    offsets.append(offset)
        day = following
    return ZoneShift(tuple(starts), tuple(offsets))


def local_midnight_utc(day: date, zone: ZoneInfo | None) -> datetime:
    """Naive UTC instant of ``day`` 00:00 in ``zone`` (UTC when None)."""
    midnight = datetime(day.year, day.month, day.day)
    if zone is None:
        return midnight
    return midnight.replace(tzinfo=zone).astimezone(UTC).replace(tzinfo=None)
