"""The working-day calendar: seeded holidays and make-up workdays, editable, weekends for a missing year."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from kefu.tickets import calendar
from kefu.tickets.models import CalendarDay, CalendarYear

BJ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def fresh_calendar():
    calendar.clear_cache()
    yield
    calendar.clear_cache()


@pytest.mark.django_db
def test_seeded_national_day_2026():
    assert not calendar.is_workday(dt.date(2026, 10, 1))  # Thursday, 国庆节
    assert not calendar.is_workday(dt.date(2026, 10, 7))  # Wednesday, still the holiday
    assert calendar.is_workday(dt.date(2026, 10, 8))
    assert calendar.is_workday(dt.date(2026, 10, 10))  # Saturday, 调休上班
    assert not calendar.is_workday(dt.date(2026, 10, 11))  # an ordinary Sunday
    assert CalendarDay.objects.get(date=dt.date(2026, 10, 10)).name == "国庆节调休上班"


@pytest.mark.django_db
def test_three_working_days_before_national_day():
    start = dt.datetime(2026, 9, 30, 15, 0, tzinfo=BJ)  # Wednesday afternoon
    # Oct 1-7 off; Thu 8 (1), Fri 9 (2), Sat 10 make-up workday (3)
    assert calendar.add_working_days(start, 3) == dt.datetime(2026, 10, 10, 15, 0, tzinfo=BJ)


@pytest.mark.django_db
def test_over_a_weekend_and_from_a_weekend():
    friday = dt.datetime(2026, 11, 20, 10, 0, tzinfo=BJ)
    assert calendar.add_working_days(friday, 1) == dt.datetime(2026, 11, 23, 10, 0, tzinfo=BJ)
    saturday = dt.datetime(2026, 11, 21, 10, 0, tzinfo=BJ)
    assert calendar.add_working_days(saturday, 1) == dt.datetime(2026, 11, 23, 10, 0, tzinfo=BJ)
    assert calendar.add_working_days(friday, 0) == friday


@pytest.mark.django_db
def test_a_year_without_data_is_weekends_only_with_a_warning_and_no_error():
    assert not calendar.year_missing(2026)
    assert calendar.year_missing(2027)
    assert "2027" in calendar.warning(2027)
    assert calendar.warning(2026) == ""
    assert calendar.warnings_around(dt.date(2026, 11, 20)) == [calendar.warning(2027)]
    # 2027-10-01 is a Friday; with no data it is an ordinary workday.
    assert calendar.is_workday(dt.date(2027, 10, 1))
    start = dt.datetime(2027, 9, 30, 15, 0, tzinfo=BJ)  # Thursday
    assert calendar.add_working_days(start, 3) == dt.datetime(2027, 10, 5, 15, 0, tzinfo=BJ)


@pytest.mark.django_db
def test_edits_take_effect_after_clear_cache():
    day = dt.date(2027, 1, 1)  # Friday
    assert calendar.is_workday(day)
    CalendarDay.objects.create(date=day, is_workday=False, name="元旦")
    CalendarYear.objects.create(year=2027, source="manual")
    calendar.clear_cache()
    assert not calendar.is_workday(day)
    assert not calendar.year_missing(2027)


@pytest.mark.django_db
def test_a_calendar_marked_all_holiday_does_not_loop_forever():
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=dt.date(2027, 3, 1) + dt.timedelta(days=i), is_workday=False) for i in range(200)]
    )
    calendar.clear_cache()
    due = calendar.add_working_days(dt.datetime(2027, 3, 1, 9, 0, tzinfo=BJ), 1)
    assert dt.date(2027, 3, 1) < due.date() < dt.date(2027, 6, 1)


@pytest.mark.django_db
def test_working_days_between():
    assert calendar.working_days_between(dt.date(2026, 9, 30), dt.date(2026, 10, 10)) == 3
    assert calendar.working_days_between(dt.date(2026, 10, 10), dt.date(2026, 9, 30)) == 0
