"""The legal calendar: working days, calendar days and hours across Chinese statutory holidays.

Which periods count which way is in domain.md §6: 行政处罚法 第85条 counts its 2/3/5/7-day
periods in working days; other day periods are calendar days that end, when their last day is
a rest day, on the first working day after it (民事诉讼法 第85条, 民法典 第203条); 24-hour
limits are clock hours. The holiday dates themselves are data (workflows.calendar.holiday_data).
"""

from __future__ import annotations

import os
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from workflows.calendar.holiday_data import HolidayTable, PublishedYear, load_table
from workflows.core.clock import end_of_legal_day, legal_date, start_of_legal_day
from workflows.core.errors import ValidationFailed

UNITS = ("working_days", "calendar_days", "hours")

# 全国年节及纪念日放假办法 第2条 fixes these dates by law; in a year whose notice is not out
# yet they are the best provisional guess (the lunar festivals need the notice).
STATUTORY_FIXED_DAYS = {(1, 1): "元旦", (5, 1): "劳动节", (5, 2): "劳动节",
                        (10, 1): "国庆节", (10, 2): "国庆节", (10, 3): "国庆节"}

_WINDOW_MARGIN_DAYS = 366 * 5

# Supported legal dates and the largest period per unit: far beyond any statute (the longest
# day period in domain.md §6 is a 5-year limitation), small enough to keep arithmetic in range.
FIRST_SUPPORTED, LAST_SUPPORTED = date(1949, 10, 1), date(2199, 12, 31)
MAX_AMOUNT = {"working_days": 10_000, "calendar_days": 36_600, "hours": 24 * 36_600}


@dataclass(frozen=True)
class PeriodResult:
    """When a legal period ends, and why (the basis text is derived, so hot loops skip it)."""

    start_date: date
    start_at: datetime | None
    unit: str
    amount: int
    due_date: date
    due_at: datetime
    provisional: bool
    rolled_from: date | None = None  # calendar days: the last day that fell on a rest day
    unpublished_years: tuple[int, ...] = ()

    @property
    def basis(self) -> str:
        """Bilingual explanation of the count, citing the rule it follows."""
        n, start = self.amount, self.start_date
        if self.unit == "working_days":
            text = (f"{n}个工作日，自{start}次日起算，不计周末和法定节假日，调休上班日计入 / "
                    f"{n} working days from the day after {start}; weekends and holidays skipped, "
                    f"make-up working days counted")
        elif self.unit == "calendar_days":
            text = f"{n}日，自{start}次日起算 / {n} calendar days from the day after {start}"
        else:
            begin = (self.due_at - timedelta(hours=n)).isoformat()
            text = (f"{n}小时，自{begin}起连续计算，不扣除节假日 / "
                    f"{n} clock hours from {begin}, holidays included")
        if self.rolled_from is not None:
            last, due = self.rolled_from, self.due_date
            text += (f"；末日{last}为法定休假日，顺延至{due}（民事诉讼法 第85条） / last day {last} "
                     f"is a rest day, period ends on {due} (Civil Procedure Law art. 85)")
        if self.unpublished_years:
            years = "、".join(str(y) for y in self.unpublished_years)
            text += (f"；{years}年节假日安排尚未公布，结果为暂定 / holiday calendar for {years} "
                     f"not published yet: provisional")
        return text

    def to_dict(self) -> dict:
        """JSON-native form (ISO strings) for the CLI, the API and task data."""
        return {
            "start_date": self.start_date.isoformat(),
            "start_at": self.start_at.isoformat() if self.start_at else None,
            "unit": self.unit,
            "amount": self.amount,
            "due_date": self.due_date.isoformat(),
            "due_at": self.due_at.isoformat(),
            "provisional": self.provisional,
            "rolled_from": self.rolled_from.isoformat() if self.rolled_from else None,
            "basis": self.basis,
        }


@dataclass(frozen=True)
class HolidayPeriod:
    """A run of consecutive days off (放假) as the notice lists them."""

    name: str
    first: date
    last: date


def _check_amount(amount, unit: str) -> int:
    """A whole, non-negative number of units, no larger than any statute needs."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise ValidationFailed({"amount": [f"期间数应为整数，收到 {amount!r} / amount must be an integer"]})
    if amount < 0:
        raise ValidationFailed({"amount": [f"期间数不能为负：{amount} / amount must not be negative"]})
    if amount > MAX_AMOUNT[unit]:
        raise ValidationFailed({"amount": [f"期间数 {amount} 超过上限 {MAX_AMOUNT[unit]} / "
                                           f"amount above the {unit} limit"]})
    return amount


def _legal_start(start) -> tuple[date, datetime | None]:
    """The legal date (Asia/Shanghai) a period starts from, and its instant when one was given."""
    if isinstance(start, datetime):
        if start.tzinfo is None or start.utcoffset() is None:
            raise ValidationFailed({"start": [
                f"时间 {start.isoformat()} 缺少时区 / naive datetime: give a timezone"]})
        day, instant = legal_date(start), start.astimezone(UTC)
    elif isinstance(start, date):
        day, instant = start, None
    else:
        raise ValidationFailed({"start": [
            f"起算点应为日期或带时区的时间，收到 {start!r} / start must be a date or an aware datetime"]})
    if not FIRST_SUPPORTED <= day <= LAST_SUPPORTED:
        raise ValidationFailed({"start": [
            f"起算日 {day} 超出支持范围 {FIRST_SUPPORTED}～{LAST_SUPPORTED} / start date out of the supported range"]})
    return day, instant


class LegalCalendar:
    """Working-day and holiday arithmetic over the package dates plus override files."""

    def __init__(self, override_file: str | os.PathLike | None = None, *,
                 environ: Mapping[str, str] | None = None, table: HolidayTable | None = None):
        table = table if table is not None else load_table(override_file, environ)
        self._holidays = frozenset(table.holidays)
        self._workdays = frozenset(table.workdays)
        self._names = {**table.holidays, **table.workdays}
        self._years: dict[int, PublishedYear] = dict(table.years)
        self._day_ends: dict[date, datetime] = {}
        years = sorted(self._years) or [2000]
        # (first ordinal, last ordinal, sorted ordinals of working days) swapped in one assignment,
        # so concurrent readers never see a half-built index.
        self._index = self._build_index(date(years[0] - 1, 1, 1).toordinal(),
                                        date(years[-1] + 10, 12, 31).toordinal())

    # --- single days -------------------------------------------------------------------------

    def is_published(self, year: int) -> bool:
        """True when the package or an override holds the State Council notice for the year."""
        return year in self._years

    def published_year(self, year: int) -> PublishedYear | None:
        """The notice and source of a published year, or None."""
        return self._years.get(year)

    def is_holiday(self, day: date) -> bool:
        """A day off for all citizens (全体公民放假), including rest days inside a holiday period."""
        if day in self._holidays:
            return True
        return day.year not in self._years and (day.month, day.day) in STATUTORY_FIXED_DAYS

    def is_working_day(self, day: date) -> bool:
        """Make-up days (调休上班日) work; holidays and other weekends rest."""
        if day in self._workdays:
            return True
        if self.is_holiday(day):
            return False
        return day.weekday() < 5

    # --- periods -----------------------------------------------------------------------------

    def add_working_days(self, start, n: int) -> PeriodResult:
        """Counting starts on the next day; weekends and holidays are skipped (行政处罚法 第85条)."""
        n = _check_amount(n, "working_days")
        start_date, start_at = _legal_start(start)
        due = self._nth_working_day_after(start_date, n)
        first_counted = min(start_date + timedelta(days=1), due)
        return self._result(start_date, start_at, "working_days", n, due, first_counted)

    def add_calendar_days(self, start, n: int) -> PeriodResult:
        """The event day is excluded; a last day at rest moves to the next working day (民事诉讼法 第85条)."""
        n = _check_amount(n, "calendar_days")
        start_date, start_at = _legal_start(start)
        last = start_date + timedelta(days=n)
        due = last
        # 民事诉讼法 第85条 / 民法典 第203条: 法定休假日 covers weekends and holiday rest days,
        # but not a make-up working day (调休上班日).
        while not self.is_working_day(due):
            due += timedelta(days=1)
        return self._result(start_date, start_at, "calendar_days", n, due, last,
                            rolled_from=last if due != last else None)

    def add_hours(self, start, n: int) -> PeriodResult:
        """Clock hours, 24×7, on UTC instants; a bare date starts at 00:00 Shanghai."""
        n = _check_amount(n, "hours")
        start_date, start_at = _legal_start(start)
        begin = start_at if start_at is not None else start_of_legal_day(start_date)
        due_at = begin + timedelta(hours=n)
        return PeriodResult(start_date, start_at, "hours", n, legal_date(due_at), due_at, False)

    def due(self, start, amount: int, unit: str) -> PeriodResult:
        """Dispatch on a rule's unit: working_days, calendar_days or hours."""
        if unit not in UNITS:
            raise ValidationFailed({"unit": [f"未知期间单位 '{unit}'，应为 {'/'.join(UNITS)} / unknown unit"]})
        return getattr(self, f"add_{unit}")(start, amount)

    def working_days_between(self, first: date, last: date) -> int:
        """Working days in the half-open span (first, last]: what is used up of a period."""
        if last <= first:
            return 0
        self._cover(first.toordinal(), last.toordinal())
        ords = self._index[2]
        return bisect_right(ords, last.toordinal()) - bisect_right(ords, first.toordinal())

    def working_day_before(self, day: date, n: int) -> date:
        """The n-th working day before `day` (n = 0 gives `day`): for periods counted back (倒算)."""
        n = _check_amount(n, "working_days")
        day, _ = _legal_start(day)
        if n == 0:
            return day
        o = day.toordinal()
        self._cover(o - 2 * n - 40, o)
        ords = self._index[2]
        return date.fromordinal(ords[bisect_left(ords, o) - n])

    # --- listing -----------------------------------------------------------------------------

    def holiday_periods(self, year: int) -> list[HolidayPeriod]:
        """The year's days off grouped into consecutive runs (names joined when they share a run)."""
        days = [date(year, 1, 1) + timedelta(days=k) for k in range(366)]
        off = [d for d in days if d.year == year and self.is_holiday(d)]
        periods: list[HolidayPeriod] = []
        for day in off:
            name = self._names.get(day) or \
                f"{STATUTORY_FIXED_DAYS[(day.month, day.day)]}（放假办法第2条，待通知 / pending notice）"
            if periods and periods[-1].last == day - timedelta(days=1):
                prev = periods[-1]
                joined = prev.name if name in prev.name.split("、") else f"{prev.name}、{name}"
                periods[-1] = HolidayPeriod(joined, prev.first, day)
            else:
                periods.append(HolidayPeriod(name, day, day))
        return periods

    def makeup_workdays(self, year: int) -> list[tuple[date, str]]:
        """The year's make-up working days (调休上班日) with the festival they serve."""
        return sorted((d, self._names[d]) for d in self._workdays if d.year == year)

    # --- internals ---------------------------------------------------------------------------

    def _result(self, start_date, start_at, unit, n, due, consulted_from, rolled_from=None):
        """Wrap a due date; provisional when a day from `consulted_from` to it is in an unpublished year."""
        unpublished = tuple(y for y in range(consulted_from.year, due.year + 1) if y not in self._years)
        return PeriodResult(start_date, start_at, unit, n, due, self._end_of_day(due),
                            bool(unpublished), rolled_from, unpublished)

    def _end_of_day(self, day: date) -> datetime:
        """end_of_legal_day, memoised: the zone arithmetic is the costliest part of a hot call."""
        instant = self._day_ends.get(day)
        if instant is None:
            instant = self._day_ends[day] = end_of_legal_day(day)
        return instant

    def _nth_working_day_after(self, day: date, n: int) -> date:
        """The n-th working day after `day` (n = 0 gives `day`), by bisection on the index."""
        if n == 0:
            return day
        o = day.toordinal()
        # 2n + 40 days always hold n working days (at most 2 weekend days a week, ≤ 9-day holidays).
        self._cover(o, o + 2 * n + 40)
        ords = self._index[2]
        return date.fromordinal(ords[bisect_right(ords, o) + n - 1])

    def _cover(self, lo: int, hi: int) -> None:
        """Grow the working-day index so it spans [lo, hi]."""
        first, last, _ = self._index
        if lo >= first and hi <= last:
            return
        # Grow by a margin so a scan of many dates rebuilds rarely.
        new_first = first if lo >= first else lo - _WINDOW_MARGIN_DAYS
        new_last = last if hi <= last else hi + _WINDOW_MARGIN_DAYS
        self._index = self._build_index(new_first, new_last)

    def _build_index(self, lo: int, hi: int) -> tuple[int, int, list[int]]:
        ords = [o for o in range(lo, hi + 1) if self.is_working_day(date.fromordinal(o))]
        return lo, hi, ords
