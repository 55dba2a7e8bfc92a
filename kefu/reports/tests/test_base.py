"""The report framework: periods, comparisons and the filter form every report page uses."""

import datetime as dt

import pytest
from django.http import QueryDict
from django.utils import timezone

from kefu.reports import base
from kefu.reports.base import Col, Period, ReportFilterForm, Table
from kefu.testing import ProjectFactory, ZoneFactory, staff

NOW = timezone.make_aware(dt.datetime(2026, 11, 23, 10, 0))


def test_a_month_compares_with_the_month_before_and_the_same_month_a_year_earlier():
    nov = base.month_period(2026, 11)
    assert (nov.start, nov.end, nov.days) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30), 30)
    assert nov.previous() == base.month_period(2026, 10)
    assert nov.year_before() == base.month_period(2025, 11)
    jan = base.month_period(2027, 1)
    assert jan.previous() == base.month_period(2026, 12)


def test_quarters_years_weeks_and_days():
    q1 = base.quarter_period(2026, 1)
    assert (q1.start, q1.end) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert q1.previous() == base.quarter_period(2025, 4)
    assert q1.year_before() == base.quarter_period(2025, 1)
    assert base.year_period(2026).previous() == base.year_period(2025)
    week = base.week_period(dt.date(2026, 11, 27))  # a Friday
    assert (week.start, week.end) == (dt.date(2026, 11, 23), dt.date(2026, 11, 29))
    assert week.previous() == Period("week", dt.date(2026, 11, 16), dt.date(2026, 11, 22))
    day = base.day_period(dt.date(2024, 2, 29))
    assert day.year_before() == Period("day", dt.date(2023, 2, 28), dt.date(2023, 2, 28))
    assert day.until - day.since == dt.timedelta(days=1)


def test_a_period_starts_at_beijing_midnight():
    nov = base.month_period(2026, 11)
    assert timezone.localtime(nov.since).strftime("%Y-%m-%d %H:%M %z") == "2026-11-01 00:00 +0800"
    assert timezone.localtime(nov.until).strftime("%Y-%m-%d %H:%M") == "2026-12-01 00:00"


def test_figures_round_half_up_and_zero_divides_to_none():
    assert base.percent(2 / 3) == 66.7
    assert base.percent(0.6665) == 66.7
    assert base.percent(None) is None
    assert base.share(1, 0) is None
    assert base.mean_score(3.455) == 3.46


def test_a_count_cell_links_to_its_list_and_the_workbook_keeps_the_number():
    t = Table(
        "t",
        "表",
        [Col("分类", "text"), Col("受理", "count"), Col("及时率", "pct")],
        [["水电", (3, "/cases/?x=1"), 0.5]],
    )
    t.rows[0][2] = 50.0
    t.render()
    assert t.body[0][1] == {"num": True, "text": "3", "href": "/cases/?x=1", "links": []}
    assert t.body[0][2]["text"] == "50.0%"
    assert t.sheet() == ("表", ["分类", "受理", "及时率(%)"], [["水电", 3, 50.0]])
    empty = Table("e", "空", [Col("受理", "count")], [[(0, "/cases/")]]).render()
    assert empty.body[0][0]["href"] == ""  # nothing to open


@pytest.mark.django_db
def test_the_filter_form_offers_only_the_report_periods_and_refuses_a_foreign_zone():
    a, b = ProjectFactory(), ProjectFactory()
    zone_b = ZoneFactory(project=b)
    manager = staff("manager", a)
    form = ReportFilterForm(
        base.filter_data(QueryDict(""), None, [a], NOW, "week"), user=manager, now=NOW, periods=("week", "month")
    )
    assert "quarter" not in form.fields and "day" in form.fields
    assert form.is_valid(), form.errors
    f = form.filters()
    assert f.project == a and f.period == base.week_period(dt.date(2026, 11, 23))
    bad = ReportFilterForm(
        QueryDict(f"project={a.pk}&zone={zone_b.pk}&period=month&month=2026-13"), user=manager, now=NOW
    )
    assert not bad.is_valid()
    assert "zone" in bad.errors and "month" in bad.errors
    too_long = ReportFilterForm(
        QueryDict(f"project={a.pk}&period=custom&date_from=2024-01-01&date_to=2026-01-01"), user=manager, now=NOW
    )
    assert not too_long.is_valid() and "date_to" in too_long.errors
    foreign = ReportFilterForm(QueryDict(f"project={b.pk}"), user=manager, now=NOW)
    assert not foreign.is_valid() and "project" in foreign.errors
