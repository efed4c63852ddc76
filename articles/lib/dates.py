"""Dates as outlets write them (RFC 822, ISO 8601, no zone = Morocco), never in the
future beyond a small tolerance, never before 1900 (a "0001-01-01" is a missing date, and
years near 1 cannot even be shown in Morocco's time).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from zoneinfo import ZoneInfo

MOROCCO = ZoneInfo("Africa/Casablanca")


FUTURE_TOLERANCE = timedelta(minutes=10)
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)


def dated(value: str, now: datetime | None = None, *, parsed: Any = None) -> datetime | None:
    """``value`` (or feedparser's ``parsed`` time tuple, when ``value`` does not parse)
    as aware UTC: no offset is Moroccan time; None if neither gives a date, or the date
    is later than ``now`` (the feed's fetch time, a page's fetch time) or before 1900."""
    now = now or datetime.now(UTC)
    try:
        moment = _parse_date(value)
        if moment is None and parsed:
            moment = datetime(*tuple(parsed)[:6]).replace(tzinfo=UTC)
        if moment is None:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=MOROCCO)
        moment = moment.astimezone(UTC)
    except (OverflowError, ValueError, TypeError):  # "0001-01-01T00:00:00+05:00" and the like
        return None
    return None if moment > now + FUTURE_TOLERANCE or moment < EARLIEST else moment


def _parse_date(value: str) -> datetime | None:
    value = value.strip()
    if not value:
        return None
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
