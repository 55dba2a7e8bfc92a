"""Visit plans: a quarter's share of a zone's households, spread across buildings, never repeating the
households of the previous plans."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from kefu.core.errors import Conflict, Forbidden, ValidationFailed
from kefu.visits import selectors, services
from kefu.visits.models import ReturnVisit

from .conftest import fill_zone

Q = [
    (dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
    (dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
    (dt.date(2026, 7, 1), dt.date(2026, 9, 30)),
    (dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
    (dt.date(2027, 1, 1), dt.date(2027, 3, 31)),
]
BUILDINGS = {"10": 160, "11": 120, "12": 80, "13": 40}  # 400 households


def plan(world, quarter, **kw):
    start, end = Q[quarter]
    seed = kw.pop("seed", 7 + quarter)
    return services.plan_create(actor=world.mia, zone=world.a1, period_start=start, period_end=end, seed=seed, **kw)


def units_of(p):
    return set(ReturnVisit.objects.filter(plan=p).values_list("unit_id", flat=True))


def test_a_plan_for_400_households_yields_exactly_100_tasks_none_from_the_previous_quarter(world):
    fill_zone(world.a1, BUILDINGS, vacant_per_building=5)  # vacant units are not households
    world.unit_a1.zone = None  # the shared fixture's unit: keep the zone at exactly 400
    world.unit_a1.save()
    q1 = plan(world, 0)
    q2 = plan(world, 1)
    assert (q1.households, q1.planned, q2.planned) == (400, 100, 100)
    assert ReturnVisit.objects.filter(plan=q2).count() == 100
    assert units_of(q1).isdisjoint(units_of(q2))
    # Spread across buildings in proportion: 40% / 30% / 20% / 10%.
    per_building = Counter(ReturnVisit.objects.filter(plan=q2).values_list("building__code", flat=True))
    assert per_building == {"10": 40, "11": 30, "12": 20, "13": 10}
    # Every task goes to the zone's steward, due at the end of the quarter, with the household's customer.
    v = ReturnVisit.objects.filter(plan=q2).select_related("customer", "unit").first()
    assert v.assignee == world.stella and v.source == ReturnVisit.Source.PLAN
    assert v.customer.name == f"住户{v.unit.code}" and v.contact_phone.startswith("139")
    assert v.due_at.astimezone(dt.timezone(dt.timedelta(hours=8))).date() == dt.date(2026, 6, 30)


def test_four_quarters_cover_every_household_once_and_the_fifth_starts_over(world):
    fill_zone(world.a1, BUILDINGS)
    world.unit_a1.zone = None
    world.unit_a1.save()
    plans = [plan(world, i) for i in range(4)]
    seen = [units_of(p) for p in plans]
    assert [len(s) for s in seen] == [100, 100, 100, 100]
    assert len(set().union(*seen)) == 400  # no household twice in a year
    assert [p.excluded for p in plans] == [0, 100, 200, 300]
    fifth = plan(world, 4)  # excludes the previous three quarters: exactly Q1's households are left
    assert units_of(fifth) == seen[0]


def test_the_draw_is_reproduced_from_its_stored_seed(world):
    units = fill_zone(world.a1, {"10": 37, "11": 23})
    first = services.draw(units, 15, seed=20261122)
    again = services.draw(list(reversed(units)), 15, seed=20261122)
    assert [u.pk for u in first] == [u.pk for u in again]
    assert [u.pk for u in services.draw(units, 15, seed=1)] != [u.pk for u in first]


def test_share_rounds_half_up_and_allocation_never_exceeds_a_building():
    assert services.share_of(400, 25) == 100
    assert services.share_of(10, 25) == 3
    assert services.share_of(9, 25) == 2
    assert services.allocate({1: 3, 2: 1, 3: 1}, 4) == {1: 2, 2: 1, 3: 1}
    assert services.allocate({1: 2, 2: 0}, 5) == {1: 2, 2: 0}


def test_when_too_few_households_are_left_the_plan_takes_all_that_are(world):
    fill_zone(world.a1, {"10": 10})
    world.unit_a1.zone = None
    world.unit_a1.save()
    first = plan(world, 0, share_percent=80)
    second = plan(world, 1, share_percent=80)
    assert (first.planned, second.planned, second.excluded) == (8, 2, 8)


def test_plan_progress_counts_done_and_coverage(world):
    fill_zone(world.a1, {"10": 20})
    world.unit_a1.zone = None
    world.unit_a1.save()
    p = plan(world, 0)  # 5 households
    visits = list(p.visits.order_by("pk"))
    now = dt.datetime(2026, 2, 1, 2, 0, tzinfo=dt.UTC)
    for v in visits[:3]:
        services.visit_record(actor=world.stella, visit=v, outcome="reached", score=5, now=now)
    services.visit_record(actor=world.stella, visit=visits[3], outcome="wrong_number", now=now)
    services.finding_add(actor=world.stella, visit=visits[0], category="cleaning_greenery", description="草坪枯黄")
    progress = selectors.plan_progress(p)
    assert (progress.households, progress.planned, progress.done, progress.unreachable, progress.pending) == (
        20, 5, 3, 1, 1,
    )  # fmt: skip
    assert progress.coverage == 3 / 20 and progress.completion == 4 / 5 and progress.findings == 1
    services.plan_close(actor=world.mia, plan=p)
    assert selectors.plan_progress(p).cancelled == 1


def test_plans_are_checked_and_limited_to_managers_of_the_project(world):
    fill_zone(world.a1, {"10": 8})
    plan(world, 0)
    with pytest.raises(Conflict):
        plan(world, 0)
    with pytest.raises(ValidationFailed) as e:
        services.plan_create(
            actor=world.mia, zone=world.a1, period_start=Q[1][1], period_end=Q[1][0], share_percent=0, seed=1
        )
    assert set(e.value.fields) == {"period_end", "share_percent"}
    with pytest.raises(ValidationFailed):
        services.plan_create(
            actor=world.mia, zone=world.a2, period_start=Q[1][0], period_end=Q[1][1], steward=world.stella
        )
    for outsider in (world.stella, world.alice, world.mike):
        with pytest.raises(Forbidden):
            services.plan_create(actor=outsider, zone=world.a1, period_start=Q[2][0], period_end=Q[2][1])


def test_quarter_of_gives_the_calendar_quarter():
    assert services.quarter_of(dt.date(2026, 11, 22)) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    assert services.quarter_of(dt.date(2026, 2, 28)) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
