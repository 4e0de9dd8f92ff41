"""The one injected clock: code asks it for 'now'; tests move it instead of sleeping."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


class SystemClock:
    """Real time, always UTC-aware."""

    def now(self) -> datetime:
        """Current instant in UTC."""
        return datetime.now(UTC)

    def today(self) -> date:
        """Current legal date in Asia/Shanghai."""
        return self.now().astimezone(SHANGHAI).date()


class FixedClock(SystemClock):
    """A clock that stands still until told to move (tests, benchmarks, replays)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        """The set instant."""
        return self._now

    def set(self, instant: datetime) -> None:
        """Jump to an instant."""
        if instant.tzinfo is None:
            raise ValueError("FixedClock needs a timezone-aware instant")
        self._now = instant.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        """Move forward by a duration."""
        self._now += delta


def legal_date(instant: datetime) -> date:
    """The Asia/Shanghai calendar date of a UTC instant."""
    return instant.astimezone(SHANGHAI).date()


def start_of_legal_day(day: date) -> datetime:
    """Midnight in Shanghai of the given legal date, as a UTC instant."""
    return datetime(day.year, day.month, day.day, tzinfo=SHANGHAI).astimezone(UTC)


def end_of_legal_day(day: date) -> datetime:
    """The last instant (23:59:59.999999 Shanghai) of a legal date, as UTC."""
    return start_of_legal_day(day + timedelta(days=1)) - timedelta(microseconds=1)
