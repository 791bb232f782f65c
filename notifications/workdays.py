"""SEC Working Day calendar.

The Smart Energy Code defines a Working Day as any day other than a Saturday,
a Sunday, or a bank holiday in England and Wales.
"""

from datetime import date, datetime, timedelta
from functools import lru_cache

import holidays
from django.utils import timezone

# The holidays package gives England ("ENG") and Wales ("WLS") identical bank
# holidays, including substitute days and one-off holidays such as coronations.
_SUBDIVISION = "ENG"

_ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    """Return the England and Wales bank holidays (with substitute days) for a year."""
    # A frozen snapshot, because HolidayBase silently adds other years when queried.
    return frozenset(holidays.country_holidays("GB", subdiv=_SUBDIVISION, years=year))


def _require_date(value: date) -> None:
    # datetime is a subclass of date, but never equals one, so it would slip
    # past the holiday lookup and quietly count a bank holiday as a working day.
    if isinstance(value, datetime):
        raise TypeError("Expected a date, not a datetime; convert it with local_date() first.")


def is_working_day(day: date) -> bool:
    """Return True if the day is an SEC Working Day."""
    _require_date(day)
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def next_working_day(day: date) -> date:
    """Return the day itself if it is a working day, otherwise the next one."""
    _require_date(day)
    while not is_working_day(day):
        day += _ONE_DAY
    return day


def add_working_days(start: date, days: int) -> date:
    """Return the date that is `days` working days after `start`.

    The start date itself is not counted. With days=0 this is the start date if
    it is a working day, otherwise the next working day. Negative days count
    backwards in the same way.
    """
    _require_date(start)
    if days == 0:
        return next_working_day(start)
    step = _ONE_DAY if days > 0 else -_ONE_DAY
    remaining = abs(days)
    day = start
    while remaining:
        day += step
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Count the working days d with start < d <= end (0 if end <= start)."""
    _require_date(start)
    _require_date(end)
    count = 0
    day = start + _ONE_DAY
    while day <= end:
        if is_working_day(day):
            count += 1
        day += _ONE_DAY
    return count


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
