"""The working-day calendar: Mon-Fri, minus public holidays, plus make-up workdays (调休).

The exceptions live in CalendarDay (seeded from chinese-calendar, editable by managers). A year
without a CalendarYear row has no holiday data: weekends only, and `year_missing()` says so. Nothing
here raises for a year without data (chinese-calendar itself raises for 2027; we never call it at run
time).

The exceptions are cached per process. `clear_cache()` empties this process's cache after an edit;
the other processes (web workers, the scheduler) re-read the calendar after CACHE_SECONDS at most.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

from django.utils import timezone

from .models import CalendarDay, CalendarYear

CACHE_SECONDS = 300
# A run of more non-working days than this means the calendar was entered wrongly (e.g. a whole
# month marked as holiday): count the weekdays instead of looking for a workday forever.
MAX_DAYS_OFF_IN_A_ROW = 45

MSG_YEAR_MISSING = "{year} 年的法定节假日安排尚未录入，按周末双休计算工作日，期限可能不准确。"

_lock = threading.Lock()
_cache: dict[int, dict[dt.date, bool]] = {}
_years: frozenset[int] | None = None
_loaded_at = 0.0


def clear_cache() -> None:
    """Call after the calendar is edited."""
    global _years, _loaded_at
    with _lock:
        _cache.clear()
        _years = None
        _loaded_at = time.monotonic()


def _expire() -> None:
    if time.monotonic() - _loaded_at > CACHE_SECONDS:
        clear_cache()


def _exceptions(year: int) -> dict[dt.date, bool]:
    _expire()
    found = _cache.get(year)
    if found is None:
        found = dict(CalendarDay.objects.filter(date__year=year).values_list("date", "is_workday"))
        with _lock:
            _cache[year] = found
    return found


def _known_years() -> frozenset[int]:
    global _years
    _expire()
    years = _years
    if years is None:
        years = frozenset(CalendarYear.objects.values_list("year", flat=True))
        with _lock:
            _years = years
    return years


def year_missing(year: int) -> bool:
    """True when the year's holiday schedule has not been entered (weekends only are known)."""
    return year not in _known_years()


def missing_years(years: list[int] | range | set[int]) -> list[int]:
    return sorted(y for y in set(years) if year_missing(y))


def warning(year: int) -> str:
    """The visible warning for a year without holiday data ('' when the year is entered)."""
    return MSG_YEAR_MISSING.format(year=year) if year_missing(year) else ""


def warnings_around(today: dt.date | None = None) -> list[str]:
    """Warnings for the current and the next year (shown on the settings page and with due dates)."""
    today = today or timezone.localdate()
    return [w for w in (warning(today.year), warning(today.year + 1)) if w]


def is_workday(day: dt.date) -> bool:
    exc = _exceptions(day.year).get(day)
    if exc is not None:
        return exc
    return day.weekday() < 5


def day_name(day: dt.date) -> str:
    """The holiday's name, or '' for an ordinary day."""
    return CalendarDay.objects.filter(date=day).values_list("name", flat=True).first() or ""


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """The same local clock time on the `days`-th working day after the start's date.

    Opened on a holiday or a weekend, the first working day after it counts as day 1.
    """
    day = start.date()
    counted = 0
    off_in_a_row = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_workday(day) or (off_in_a_row >= MAX_DAYS_OFF_IN_A_ROW and day.weekday() < 5):
            counted += 1
            off_in_a_row = 0
        else:
            off_in_a_row += 1
    return start.replace(year=day.year, month=day.month, day=day.day)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    n = 0
    day = start
    while day < end:
        day += dt.timedelta(days=1)
        if is_workday(day):
            n += 1
    return n


def uses_years(start: dt.datetime, due: dt.datetime | None) -> list[int]:
    """The years a deadline computation touched (for showing a missing-year warning beside it)."""
    if due is None:
        return [timezone.localtime(start).year]
    return list(range(timezone.localtime(start).year, timezone.localtime(due).year + 1))
