"""Recurring series as plain data: the same local wall-clock time every n weeks (pure; no database)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo


def series_starts(first_start: datetime, timezone: str, interval_weeks: int, count: int) -> list[datetime]:
    """The starts of a series. Each keeps the first one's local time, so 09:00 stays 09:00 on the wall
    across a daylight-saving change (the UTC instant moves by the hour instead)."""
    if first_start.tzinfo is None:
        raise ValueError("first_start must be timezone-aware")
    if not 1 <= interval_weeks <= 12 or not 1 <= count <= 52:
        raise ValueError("a series repeats every 1-12 weeks, 1-52 times")
    zone = ZoneInfo(timezone)
    local = first_start.astimezone(zone).replace(tzinfo=None)
    return [(local + timedelta(weeks=interval_weeks * i)).replace(tzinfo=zone) for i in range(count)]


def shift_local(start: datetime, timezone: str, delta_days: int, new_clock: tuple[int, int]) -> datetime:
    """``start`` moved by whole days and set to a new local hour:minute (moving the rest of a series)."""
    zone = ZoneInfo(timezone)
    local = start.astimezone(zone).replace(tzinfo=None) + timedelta(days=delta_days)
    return local.replace(hour=new_clock[0], minute=new_clock[1]).replace(tzinfo=zone)
