import functools
import random
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
import time_machine
from django.utils import timezone

from notifications.workdays import (
    add_working_days,
    is_working_day,
    local_date,
    next_working_day,
    working_days_between,
    working_days_left,
    working_days_since,
)

LONDON = ZoneInfo("Europe/London")

# England and Wales bank holidays as published on GOV.UK, typed in by hand so
# the tests check the holidays package rather than trust it.
GOV_UK_BANK_HOLIDAYS = {
    date(2026, 1, 1),
    date(2026, 4, 3),
    date(2026, 4, 6),
    date(2026, 5, 4),
    date(2026, 5, 25),
    date(2026, 8, 31),
    date(2026, 12, 25),
    date(2026, 12, 28),
    date(2027, 1, 1),
    date(2027, 3, 26),
    date(2027, 3, 29),
    date(2027, 5, 3),
    date(2027, 5, 31),
    date(2027, 8, 30),
    date(2027, 12, 27),
    date(2027, 12, 28),
}


def every_day_of_2026_and_2027():
    day = date(2026, 1, 1)
    while day.year < 2028:
        yield day
        day += timedelta(days=1)


# is_working_day


def test_ordinary_wednesday_is_a_working_day():
    assert is_working_day(date(2026, 3, 4))


@pytest.mark.parametrize("day", [date(2026, 3, 7), date(2026, 3, 8)])
def test_saturday_and_sunday_are_not_working_days(day):
    assert not is_working_day(day)


@pytest.mark.parametrize("day", [date(2026, 4, 3), date(2026, 4, 6)])
def test_good_friday_and_easter_monday_2026_are_not_working_days(day):
    assert not is_working_day(day)


def test_christmas_day_2026_is_not_a_working_day():
    assert not is_working_day(date(2026, 12, 25))


def test_monday_28_december_2026_is_the_substitute_boxing_day():
    assert not is_working_day(date(2026, 12, 28))
    assert is_working_day(date(2026, 12, 29))


def test_new_years_day_2027_is_not_a_working_day():
    assert not is_working_day(date(2027, 1, 1))


@pytest.mark.parametrize("day", [date(2027, 12, 27), date(2027, 12, 28)])
def test_christmas_2027_falls_at_a_weekend_so_monday_and_tuesday_are_substitutes(day):
    assert not is_working_day(day)


def test_calendar_matches_gov_uk_bank_holidays_for_every_day_of_2026_and_2027():
    mismatches = [
        day
        for day in every_day_of_2026_and_2027()
        if is_working_day(day) != (day.weekday() < 5 and day not in GOV_UK_BANK_HOLIDAYS)
    ]
    assert mismatches == []


def test_a_datetime_is_rejected_because_it_would_never_match_a_holiday():
    with pytest.raises(TypeError, match="local_date"):
        is_working_day(datetime(2026, 12, 25, 12, tzinfo=UTC))


# next_working_day


def test_next_working_day_of_a_working_day_is_itself():
    assert next_working_day(date(2026, 3, 4)) == date(2026, 3, 4)


def test_next_working_day_of_saturday_is_monday():
    assert next_working_day(date(2026, 3, 7)) == date(2026, 3, 9)


def test_next_working_day_of_christmas_day_2026_is_tuesday_29_december():
    assert next_working_day(date(2026, 12, 25)) == date(2026, 12, 29)


# add_working_days


def test_friday_plus_one_working_day_is_monday():
    assert add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)


def test_saturday_plus_one_working_day_is_monday():
    assert add_working_days(date(2026, 3, 7), 1) == date(2026, 3, 9)


def test_zero_working_days_from_a_working_day_is_the_same_day():
    assert add_working_days(date(2026, 3, 4), 0) == date(2026, 3, 4)


def test_zero_working_days_from_saturday_is_monday():
    assert add_working_days(date(2026, 3, 7), 0) == date(2026, 3, 9)


def test_zero_working_days_from_good_friday_is_the_tuesday_after_easter():
    assert add_working_days(date(2026, 4, 3), 0) == date(2026, 4, 7)


def test_maundy_thursday_plus_one_working_day_skips_the_easter_weekend():
    assert add_working_days(date(2026, 4, 2), 1) == date(2026, 4, 7)


def test_christmas_eve_2026_plus_three_working_days_is_new_years_eve():
    # 25 Fri holiday, 26-27 weekend, 28 Mon substitute, then 29, 30, 31.
    assert add_working_days(date(2026, 12, 24), 3) == date(2026, 12, 31)


def test_christmas_eve_2026_plus_four_working_days_skips_new_years_day_2027():
    assert add_working_days(date(2026, 12, 24), 4) == date(2027, 1, 4)


def test_tuesday_after_easter_minus_one_working_day_is_maundy_thursday():
    assert add_working_days(date(2026, 4, 7), -1) == date(2026, 4, 2)


def test_saturday_minus_one_working_day_is_friday():
    assert add_working_days(date(2026, 3, 7), -1) == date(2026, 3, 6)


def test_going_back_four_working_days_from_4_january_2027_reaches_christmas_eve():
    assert add_working_days(date(2027, 1, 4), -4) == date(2026, 12, 24)


def test_twenty_working_day_sla_from_1_december_2026_ends_on_new_years_eve():
    # 3 days in week 1, then 5 + 5, 4 up to Christmas Eve, then 29-31 Dec.
    assert add_working_days(date(2026, 12, 1), 20) == date(2026, 12, 31)


def test_twenty_working_day_sla_from_23_march_2026_skips_easter_and_ends_22_april():
    assert add_working_days(date(2026, 3, 23), 20) == date(2026, 4, 22)


# working_days_between


def test_friday_to_monday_is_one_working_day():
    assert working_days_between(date(2026, 3, 6), date(2026, 3, 9)) == 1


def test_no_working_days_between_a_date_and_itself():
    assert working_days_between(date(2026, 3, 4), date(2026, 3, 4)) == 0


def test_no_working_days_between_an_end_before_the_start():
    assert working_days_between(date(2026, 3, 9), date(2026, 3, 6)) == 0


def test_christmas_eve_2026_to_4_january_2027_is_four_working_days():
    assert working_days_between(date(2026, 12, 24), date(2027, 1, 4)) == 4


@pytest.mark.parametrize("n", range(1, 26))
def test_working_days_between_undoes_add_working_days(n):
    for day in every_day_of_2026_and_2027():
        assert working_days_between(day, add_working_days(day, n)) == n, day


def test_working_days_between_undoes_adding_zero_to_a_working_day():
    # Adding zero to a non-working day rolls forward to the next working day,
    # which is then one working day later, so only working days round-trip.
    for day in filter(is_working_day, every_day_of_2026_and_2027()):
        assert working_days_between(day, add_working_days(day, 0)) == 0, day


@pytest.mark.parametrize("n", range(1, 26))
def test_going_back_undoes_going_forward_from_a_working_day(n):
    for day in filter(is_working_day, every_day_of_2026_and_2027()):
        assert add_working_days(add_working_days(day, n), -n) == day, day


# local_date


def test_late_evening_utc_in_march_is_the_same_london_date_before_bst_starts():
    moment = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)
    assert local_date(moment) == date(2026, 3, 28)


def test_late_evening_utc_in_summer_is_the_next_london_date_during_bst():
    moment = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    assert local_date(moment) == date(2026, 7, 1)


def test_late_evening_utc_on_the_day_bst_starts_is_already_the_next_london_date():
    moment = datetime(2026, 3, 29, 23, 30, tzinfo=UTC)
    assert local_date(moment) == date(2026, 3, 30)


def test_late_evening_utc_on_the_day_bst_ends_is_the_same_london_date():
    moment = datetime(2026, 10, 25, 23, 30, tzinfo=UTC)
    assert local_date(moment) == date(2026, 10, 25)


def test_local_date_uses_london_even_when_another_timezone_is_active():
    moment = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    with timezone.override(ZoneInfo("America/New_York")):
        assert local_date(moment) == date(2026, 7, 1)


def test_local_date_refuses_a_naive_datetime():
    with pytest.raises(ValueError, match="timezone"):
        local_date(datetime(2026, 6, 30, 23, 30))  # noqa: DTZ001


# working_days_since


def test_working_days_since_uses_the_london_date_across_the_autumn_clock_change():
    # 22 Oct 23:30 UTC is already Friday 23 Oct in London (BST); the clocks go
    # back on Sunday 25 Oct, and Monday 26 Oct is one working day later.
    moment = datetime(2026, 10, 22, 23, 30, tzinfo=UTC)
    assert working_days_since(moment, today=date(2026, 10, 26)) == 1


def test_working_days_since_across_the_spring_clock_change_weekend():
    moment = datetime(2026, 3, 27, 23, 30, tzinfo=UTC)  # Friday 23:30 GMT
    assert working_days_since(moment, today=date(2026, 3, 30)) == 1


def test_working_days_since_is_zero_on_the_same_day():
    moment = datetime(2026, 3, 4, 9, tzinfo=LONDON)
    assert working_days_since(moment, today=date(2026, 3, 4)) == 0


def test_working_days_since_is_zero_for_a_moment_in_the_future():
    moment = datetime(2026, 3, 10, 9, tzinfo=LONDON)
    assert working_days_since(moment, today=date(2026, 3, 4)) == 0


def test_working_days_since_over_christmas_2026_counts_only_working_days():
    moment = datetime(2026, 12, 24, 16, tzinfo=LONDON)
    assert working_days_since(moment, today=date(2027, 1, 4)) == 4


def test_working_days_since_defaults_today_to_the_london_date():
    # 23:30 UTC on Sunday 29 March is already Monday 30 March in London (BST).
    moment = datetime(2026, 3, 27, 12, tzinfo=LONDON)
    with time_machine.travel(datetime(2026, 3, 29, 23, 30, tzinfo=UTC), tick=False):
        assert working_days_since(moment) == 1


# The arithmetic against a day-by-day reference, over many random dates


@functools.cache
def reference_holidays(year: int) -> set[date]:
    return set(holidays.country_holidays("GB", subdiv="ENG", years=year))


def reference_is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in reference_holidays(day.year)


def reference_between(start: date, end: date) -> int:
    count, day = 0, start + timedelta(days=1)
    while day <= end:
        count += reference_is_working_day(day)
        day += timedelta(days=1)
    return count


def reference_add(start: date, days: int) -> date:
    day = start
    if days == 0:
        while not reference_is_working_day(day):
            day += timedelta(days=1)
        return day
    step = timedelta(days=1 if days > 0 else -1)
    remaining = abs(days)
    while remaining:
        day += step
        remaining -= reference_is_working_day(day)
    return day


def awkward_days():
    """Weekends, bank holidays and their neighbours, and the turn of each year."""
    for year in range(2018, 2032):
        for holiday in holidays.country_holidays("GB", subdiv="ENG", years=year):
            yield from (holiday + timedelta(days=offset) for offset in range(-3, 4))
        yield from (date(year, 12, 31) + timedelta(days=offset) for offset in range(-6, 7))


def random_pairs(count: int):
    rng = random.Random(2026)
    awkward = sorted(set(awkward_days()))
    first, last = date(2018, 1, 1).toordinal(), date(2031, 12, 31).toordinal()
    for _ in range(count):
        start = (
            rng.choice(awkward)
            if rng.random() < 0.5
            else date.fromordinal(rng.randint(first, last))
        )
        span = rng.choice([rng.randint(-10, 10), rng.randint(-400, 400), rng.randint(-2200, 2200)])
        yield start, start + timedelta(days=span)


RANDOM_PAIRS = list(random_pairs(3000))


def test_working_days_between_agrees_with_counting_day_by_day():
    mismatches = [
        (start, end, working_days_between(start, end), reference_between(start, end))
        for start, end in RANDOM_PAIRS
        if working_days_between(start, end) != reference_between(start, end)
        or working_days_left(start, end) != reference_between(start, end)
    ]
    assert mismatches == []


def test_add_working_days_agrees_with_stepping_day_by_day():
    # Half the span in working days, so the result lands about as far away as the pair's end.
    mismatches = [
        (start, days, add_working_days(start, days), reference_add(start, days))
        for start, end in RANDOM_PAIRS
        for days in [(end - start).days // 2]
        if add_working_days(start, days) != reference_add(start, days)
    ]
    assert mismatches == []


def test_working_days_since_agrees_with_counting_day_by_day():
    mismatches = [
        (start, end)
        for start, end in RANDOM_PAIRS
        if working_days_since(datetime.combine(start, time(16, 30), tzinfo=LONDON), today=end)
        != reference_between(start, end)
    ]
    assert mismatches == []


def test_every_day_of_fourteen_years_is_its_own_next_working_day_or_rolls_forward():
    day = date(2018, 1, 1)
    while day.year < 2032:
        assert next_working_day(day) == reference_add(day, 0), day
        day += timedelta(days=1)


def test_dates_beyond_the_precomputed_table_still_count_bank_holidays():
    # Christmas 1975 fell on a Thursday, Boxing Day on the Friday: Monday 29th is the only one.
    assert working_days_between(date(1975, 12, 24), date(1975, 12, 29)) == 1
    assert add_working_days(date(2100, 12, 24), 1) == reference_add(date(2100, 12, 24), 1)
    assert working_days_between(date(1960, 1, 1), date(2110, 1, 1)) == reference_between(
        date(1960, 1, 1), date(2110, 1, 1)
    )
