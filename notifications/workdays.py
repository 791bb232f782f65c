"""SEC Working Day calendar.

The Smart Energy Code defines a Working Day as any day other than a Saturday,
a Sunday, or a bank holiday in England and Wales.

Counting is arithmetic, never a walk from day to day: weekdays come from whole weeks and the
remainder, and bank holidays from a sorted table searched with `bisect`, so a case submitted
six years ago costs the same to age as one submitted yesterday.
"""

import threading
from bisect import bisect_left, bisect_right
from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays
from django.utils import timezone

# The holidays package gives England ("ENG") and Wales ("WLS") identical bank
# holidays, including substitute days and one-off holidays such as coronations.
_SUBDIVISION = "ENG"

_ONE_DAY = timedelta(days=1)

# The span the weekday bank-holiday table covers at first; any date outside it widens it.
_FIRST_YEAR = 1990
_LAST_YEAR = 2070


@lru_cache(maxsize=256)
def _bank_holidays(year: int) -> frozenset[date]:
    """Return the England and Wales bank holidays (with substitute days) for a year."""
    # A frozen snapshot, because HolidayBase silently adds other years when queried.
    return frozenset(holidays.country_holidays("GB", subdiv=_SUBDIVISION, years=year))


class _HolidayTable:
    """The bank holidays that fall on a weekday, sorted, for a span of years."""

    def __init__(self, first_year: int, last_year: int):
        self._lock = threading.Lock()
        self._span = (first_year, first_year - 1)  # empty until first used
        self._days: tuple[date, ...] = ()
        self._wanted = (first_year, last_year)

    def covering(self, *days: date) -> tuple[date, ...]:
        """The table, widened first if any of the days falls outside it."""
        first, last = self._span
        low = min(day.year for day in days)
        high = max(day.year for day in days)
        if first <= low and high <= last:
            return self._days
        with self._lock:
            first, last = self._span
            if first > last:  # first use
                first, last = self._wanted
            first, last = min(first, low), max(last, high)
            # Only weekday holidays change a count: weekends are never working days anyway.
            self._days = tuple(
                sorted(
                    day
                    for year in range(first, last + 1)
                    for day in _bank_holidays(year)
                    if day.weekday() < 5
                )
            )
            # Published after the tuple, so a reader never sees a span its table lacks.
            self._span = (first, last)
            return self._days


_table = _HolidayTable(_FIRST_YEAR, _LAST_YEAR)


def _require_date(value: date) -> None:
    # datetime is a subclass of date, but never equals one, so it would slip
    # past the holiday lookup and quietly count a bank holiday as a working day.
    if isinstance(value, datetime):
        raise TypeError("Expected a date, not a datetime; convert it with local_date() first.")


# Weekday arithmetic on proleptic ordinals: ordinal 1 (1 January of year 1) is a Monday.


def _weekdays_up_to(ordinal: int) -> int:
    """How many weekdays have ordinals 1..ordinal."""
    weeks, rest = divmod(ordinal, 7)
    return weeks * 5 + min(rest, 5)


def _nth_weekday(n: int) -> int:
    """The ordinal of the n-th weekday (n >= 1) counted from ordinal 1."""
    weeks, rest = divmod(n - 1, 5)
    return weeks * 7 + rest + 1


def is_working_day(day: date) -> bool:
    """Return True if the day is an SEC Working Day."""
    _require_date(day)
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def next_working_day(day: date) -> date:
    """Return the day itself if it is a working day, otherwise the next one."""
    _require_date(day)
    return add_working_days(day - _ONE_DAY, 1)


def _forward(start: date, days: int) -> date:
    """The `days`-th working day after start (days >= 1)."""
    low = start.toordinal()
    high = _nth_weekday(_weekdays_up_to(low) + days)
    while True:
        end = date.fromordinal(high)
        table = _table.covering(start, end)
        # Each bank holiday in (low, high] pushes the end one more weekday on.
        missing = bisect_right(table, end) - bisect_right(table, date.fromordinal(low))
        if not missing:
            return end
        low, high = high, _nth_weekday(_weekdays_up_to(high) + missing)


def _backward(start: date, days: int) -> date:
    """The `days`-th working day before start (days >= 1)."""
    high = start.toordinal()
    low = _nth_weekday(_weekdays_up_to(high - 1) - days + 1)
    while True:
        end = date.fromordinal(low)
        table = _table.covering(end, start)
        # Each bank holiday in [low, high) pushes the end one more weekday back.
        missing = bisect_left(table, date.fromordinal(high)) - bisect_left(table, end)
        if not missing:
            return end
        high, low = low, _nth_weekday(_weekdays_up_to(low - 1) - missing + 1)


def add_working_days(start: date, days: int) -> date:
    """Return the date that is `days` working days after `start`.

    The start date itself is not counted. With days=0 this is the start date if
    it is a working day, otherwise the next working day. Negative days count
    backwards in the same way.
    """
    _require_date(start)
    if days == 0:
        return next_working_day(start)
    if days > 0:
        return _forward(start, days)
    return _backward(start, -days)


def working_days_between(start: date, end: date) -> int:
    """Count the working days d with start < d <= end (0 if end <= start)."""
    _require_date(start)
    _require_date(end)
    if end <= start:
        return 0
    table = _table.covering(start, end)
    weekdays = _weekdays_up_to(end.toordinal()) - _weekdays_up_to(start.toordinal())
    return weekdays - (bisect_right(table, end) - bisect_right(table, start))


def working_days_left(today: date, day: date) -> int:
    """How many SEC working days remain before a date such as a go-live, as every clock says it.

    Working days after today up to and including the date; a weekend or bank-holiday date
    counts up to the last working day before it (so a Saturday go-live counts to the Friday).
    """
    return working_days_between(today, day)


def local_date(moment: datetime) -> date:
    """Return the calendar date of an aware datetime in settings.TIME_ZONE."""
    if timezone.is_naive(moment):
        raise ValueError(
            "Cannot work out the local date of a datetime with no timezone; "
            "pass a timezone-aware datetime."
        )
    # Use the default zone explicitly: the SEC clock is UK time even when a
    # request has activated a user's own timezone.
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def working_days_since(moment: datetime, *, today: date | None = None) -> int:
    """Count the working days from the local date of `moment` up to `today`."""
    if today is None:
        today = timezone.localdate(timezone=timezone.get_default_timezone())
    return working_days_between(local_date(moment), today)
