"""The working-day calendar: Mon-Fri, minus public holidays, plus make-up workdays (调休).

The exceptions live in CalendarDay (seeded from chinese-calendar, editable by managers). A year
without a CalendarYear row has no holiday data: weekends only, and `year_missing()` says so.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from .models import CalendarDay, CalendarYear


@lru_cache(maxsize=64)
def _exceptions(year: int) -> dict[dt.date, bool]:
    return dict(
        CalendarDay.objects.filter(date__year=year).values_list("date", "is_workday")  # type: ignore[arg-type]
    )


def clear_cache() -> None:
    """Call after the calendar is edited."""
    _exceptions.cache_clear()
    _known_years.cache_clear()


@lru_cache(maxsize=1)
def _known_years() -> frozenset[int]:
    return frozenset(CalendarYear.objects.values_list("year", flat=True))


def year_missing(year: int) -> bool:
    return year not in _known_years()


def is_workday(day: dt.date) -> bool:
    exc = _exceptions(day.year).get(day)
    if exc is not None:
        return exc
    return day.weekday() < 5


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """The same local clock time on the `days`-th working day after the start's date."""
    day = start.date()
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_workday(day):
            counted += 1
    return start.replace(year=day.year, month=day.month, day=day.day)
