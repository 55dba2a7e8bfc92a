"""The figures of the case reports (工单与投诉报表): pure selectors, computed in SQL, returning dataclasses.

Every figure is a handful of aggregates (filtered Counts, grouped `values().annotate()`, `Exists` for repeat
complaints, a correlated subquery on the timeline for the tallies' state at an instant), so the cost follows
the cases of the period, not the whole table. The definitions and formulas are in docs/reports.md; in short:

- registered (登记): every top-level case created in the period, cancelled and merged duplicates included;
- cancelled (取消): registered cases now cancelled (merging a duplicate cancels it, so merged ones are here);
- received (受理) = registered − cancelled = finished + open: top-level, never merged, not cancelled;
- finished (已完成): received cases now resolved (已完成待回访) or closed; open (未完成): the others;
- on time (按时办结): finished, resolved by resolution_due (none: met) and, where a first reply was due,
  first replied by first_reply_due; on-time rate = on time / finished;
- handled rate (处理率) = finished / received; first-contact resolution rate = solved at once / received;
- CSAT (满意率) = reached return visits of the received cases scoring 4-5 / reached visits;
- repeat complaint: a received complaint with an earlier received complaint on the same unit and the same
  category created within the 30 days before it;
- the tallies (日盘点/月盘点) count the state of each complaint and suggestion at the period's two ends, read
  from the timeline (CaseEvent), so that a past day's tally does not change later.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from typing import Any

from django.db import connection, models
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, ExtractHour, ExtractIsoWeekDay
from django.utils import timezone

from kefu.customers.models import Unit
from kefu.org.models import User
from kefu.tickets.models import Case, CaseEvent, Category
from kefu.tickets.states import DONE_STATUSES, OPEN_STATUSES, Kind, Status
from kefu.visits.models import SATISFIED_MIN, ReturnVisit

from .base import Filters, Period, in_scope, share

OPEN = tuple(sorted(OPEN_STATUSES))
DONE = tuple(sorted(DONE_STATUSES))
CANCELLED = Status.CANCELLED.value
REPEAT_DAYS = 30
TALLY_KINDS = (Kind.COMPLAINT.value, Kind.SUGGESTION.value)
ITEM_LIMIT = 500

# Finished, resolved by its deadline (no deadline: met) and, where a first reply was due, replied in time.
ON_TIME = (
    Q(status__in=DONE)
    & (Q(resolution_due__isnull=True) | Q(resolved_at__lte=F("resolution_due")))
    & (Q(first_reply_due__isnull=True) | Q(first_replied_at__lte=F("first_reply_due")))
)


# Which cases ------------------------------------------------------------------------------------------------


def registered(user: User, f: Filters) -> QuerySet[Case]:
    """Top-level cases (work orders split off a case are not counted) in the reader's scope and the filters,
    of any period, any status: cancelled and merged duplicates included."""
    # kind__in names every kind: always true, it lets the database read a project's period from the
    # (project, kind, created_at) index rather than every project's from created_at.
    qs = in_scope(user, Case.objects.filter(parent__isnull=True, kind__in=Kind.values), f)
    if f.zone is not None:
        qs = qs.filter(zone=f.zone)
    if f.department is not None:
        qs = qs.filter(department=f.department)
    return qs


def received(user: User, f: Filters) -> QuerySet[Case]:
    """Registered cases that are not cancelled (a merged duplicate is cancelled, so never merged ones)."""
    return registered(user, f).exclude(status=CANCELLED)


def created_in(qs: QuerySet[Any], period: Period, prefix: str = "") -> QuerySet[Any]:
    return qs.filter(**{f"{prefix}created_at__gte": period.since, f"{prefix}created_at__lt": period.until})


def _batches(periods: Sequence[Period]) -> list[list[int]]:
    """Indexes of the periods, in batches of periods that do not overlap (usually one batch)."""
    spans = sorted(range(len(periods)), key=lambda i: periods[i].start)
    disjoint = all(periods[a].end < periods[b].start for a, b in itertools.pairwise(spans))
    return [list(range(len(periods)))] if disjoint else [[i] for i in range(len(periods))]


def _in_periods(qs: QuerySet[Any], periods: Sequence[Period], batch: list[int], prefix: str = "") -> QuerySet[Any]:
    """The rows created in any of the periods of the batch, each marked with its period's index (`span`)."""
    field = f"{prefix}created_at"
    ranges = {i: Q(**{f"{field}__gte": periods[i].since, f"{field}__lt": periods[i].until}) for i in batch}
    either = Q()
    for r in ranges.values():
        either |= r
    span = models.Case(*[When(r, then=Value(i)) for i, r in ranges.items()], output_field=models.IntegerField())
    return qs.filter(either).annotate(span=span)


# Volumes ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Volume:
    """Cases created in a period, by what has become of them (as of now)."""

    registered: int = 0
    cancelled: int = 0
    finished: int = 0
    open: int = 0
    on_time: int = 0
    fcr: int = 0
    major: int = 0

    @property
    def received(self) -> int:
        return self.finished + self.open

    @property
    def handled_rate(self) -> float | None:
        return share(self.finished, self.received)

    @property
    def on_time_rate(self) -> float | None:
        return share(self.on_time, self.finished)

    @property
    def fcr_rate(self) -> float | None:
        return share(self.fcr, self.received)

    def __add__(self, other: Volume) -> Volume:
        return Volume(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})


VOLUME_AGG: dict[str, Any] = {
    "registered": Count("pk"),
    "cancelled": Count("pk", filter=Q(status=CANCELLED)),
    "finished": Count("pk", filter=Q(status__in=DONE)),
    "open": Count("pk", filter=Q(status__in=OPEN)),
    "on_time": Count("pk", filter=ON_TIME),
    "fcr": Count("pk", filter=Q(first_contact_resolution=True) & ~Q(status=CANCELLED)),
    "major": Count("pk", filter=Q(is_major=True) & ~Q(status=CANCELLED)),
}
VOLUME_FIELDS = tuple(VOLUME_AGG)


def _volume(row: dict[str, Any]) -> Volume:
    return Volume(**{k: row.get(k) or 0 for k in VOLUME_FIELDS})


def total(volumes: Iterable[Volume]) -> Volume:
    out = Volume()
    for v in volumes:
        out = out + v
    return out


def volume(user: User, f: Filters, period: Period, **filters: Any) -> Volume:
    """One aggregate: the period's registered cases (narrowed by e.g. kind=...) by outcome."""
    return _volume(created_in(registered(user, f), period).filter(**filters).aggregate(**VOLUME_AGG))


def volume_by(user: User, f: Filters, period: Period, *keys: str, **filters: Any) -> dict[tuple[Any, ...], Volume]:
    """One grouped aggregate: {(value of each key, ...): Volume}."""
    return {k[1:]: v for k, v in volumes(user, f, [period], *keys, **filters).items()}


def volumes(
    user: User, f: Filters, periods: Sequence[Period], *keys: str, **filters: Any
) -> dict[tuple[Any, ...], Volume]:
    """Several periods in one grouped aggregate (one per batch of overlapping periods):
    {(index of the period, value of each key, ...): Volume}."""
    out: dict[tuple[Any, ...], Volume] = {}
    for batch in _batches(periods):
        qs = _in_periods(registered(user, f).filter(**filters), periods, batch)
        for r in qs.values("span", *keys).annotate(**VOLUME_AGG).order_by():
            out[(r["span"], *(r[k] for k in keys))] = _volume(r)
    return out


# Satisfaction -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Csat:
    """Reached return visits (已回访) of the cases received in a period."""

    reached: int = 0
    satisfied: int = 0
    score_sum: int = 0

    @property
    def csat(self) -> float | None:
        return share(self.satisfied, self.reached)

    @property
    def mean(self) -> float | None:
        return share(self.score_sum, self.reached)

    def __add__(self, other: Csat) -> Csat:
        return Csat(self.reached + other.reached, self.satisfied + other.satisfied, self.score_sum + other.score_sum)


CSAT_AGG: dict[str, Any] = {
    "reached": Count("pk"),
    "satisfied": Count("pk", filter=Q(score__gte=SATISFIED_MIN)),
    "score_sum": Sum("score"),
}


def csat_by(user: User, f: Filters, period: Period, *keys: str, **filters: Any) -> dict[tuple[Any, ...], Csat]:
    """Reached visits of the period's received cases (narrowed by filters on the case), grouped by case fields
    (keys name case fields: "kind", "category_id"...)."""
    return {k[1:]: v for k, v in csats(user, f, [period], *keys, **filters).items()}


def _visits(user: User, f: Filters, **filters: Any) -> QuerySet[ReturnVisit]:
    """Reached return visits of received cases in the reader's scope and the filters (on the case)."""
    qs = ReturnVisit.objects.filter(
        source=ReturnVisit.Source.CASE,
        status=ReturnVisit.Status.DONE,
        case__parent__isnull=True,
        **{f"case__{k}": v for k, v in filters.items()},
    ).exclude(case__status=CANCELLED)
    qs = in_scope(user, qs, f)  # the visit's project is its case's (an index of the visits' own)
    if f.zone is not None:
        qs = qs.filter(case__zone=f.zone)
    if f.department is not None:
        qs = qs.filter(case__department=f.department)
    return qs


def csats(user: User, f: Filters, periods: Sequence[Period], *keys: str, **filters: Any) -> dict[tuple[Any, ...], Csat]:
    """Several periods in one grouped aggregate: {(index of the period, value of each key, ...): Csat}."""
    out: dict[tuple[Any, ...], Csat] = {}
    case_keys = [f"case__{k}" for k in keys]
    for batch in _batches(periods):
        # A visit is made after its case is created: its own created_at (indexed) bounds the rows to read.
        visits = _visits(user, f, **filters).filter(created_at__gte=min(periods[i].since for i in batch))
        visits = _in_periods(visits, periods, batch, prefix="case__")
        for r in visits.values("span", *case_keys).annotate(**CSAT_AGG).order_by():
            key = (r["span"], *(r[k] for k in case_keys))
            out[key] = Csat(r["reached"], r["satisfied"] or 0, r["score_sum"] or 0)
    return out


def csat(user: User, f: Filters, period: Period, **filters: Any) -> Csat:
    return csat_by(user, f, period, **filters).get((), Csat())


# Repeat complaints ------------------------------------------------------------------------------------------


def _earlier_same() -> QuerySet[Case]:
    """Received complaints on the outer case's unit and category created in the 30 days before it."""
    return Case.objects.filter(
        parent__isnull=True,
        kind=Kind.COMPLAINT,
        unit_id=OuterRef("unit_id"),
        category_id=OuterRef("category_id"),
        created_at__lt=OuterRef("created_at"),
        created_at__gte=OuterRef("created_at") - dt.timedelta(days=REPEAT_DAYS),
    ).exclude(status=CANCELLED)


def repeats(user: User, f: Filters, period: Period, **filters: Any) -> QuerySet[Case]:
    """The period's received complaints that repeat an earlier one (same unit and category, 30 days)."""
    qs = created_in(received(user, f), period).filter(kind=Kind.COMPLAINT, **filters)
    return qs.filter(unit__isnull=False, category__isnull=False).filter(Exists(_earlier_same()))


def repeat_counts(user: User, f: Filters, periods: Sequence[Period], *keys: str) -> dict[tuple[Any, ...], int]:
    """How many repeat complaints: {(index of the period, value of each key, ...): n}."""
    out: dict[tuple[Any, ...], int] = {}
    for batch in _batches(periods):
        qs = _in_periods(received(user, f).filter(kind=Kind.COMPLAINT), periods, batch)
        qs = qs.filter(unit__isnull=False, category__isnull=False).filter(Exists(_earlier_same()))
        for r in qs.values("span", *keys).annotate(n=Count("pk")).order_by():
            out[(r["span"], *(r[k] for k in keys))] = r["n"]
    return out


@dataclass(frozen=True)
class RepeatItem:
    number: str
    created_at: dt.datetime
    unit: str
    category_id: int
    status: str
    earlier: list[str]


def repeat_items(user: User, f: Filters, period: Period, limit: int = ITEM_LIMIT) -> list[RepeatItem]:
    """The repeat complaints (at most `limit`, oldest first) with the earlier complaints each repeats (how many
    there are: repeat_counts)."""
    found = repeats(user, f, period).values_list("pk", "created_at")
    chosen = [pk for _at, pk in sorted((at, pk) for pk, at in found)[:limit]]
    rows = list(
        Case.objects.filter(pk__in=chosen)
        .order_by("created_at", "pk")
        .values("number", "created_at", "unit_id", "unit__code", "category_id", "status")
    )
    earlier: dict[tuple[int, int], list[tuple[dt.datetime, str]]] = defaultdict(list)
    if rows:
        first = min(r["created_at"] for r in rows) - dt.timedelta(days=REPEAT_DAYS)
        last = max(r["created_at"] for r in rows)
        pairs = Case.objects.filter(
            parent__isnull=True,
            kind=Kind.COMPLAINT,
            unit_id__in={r["unit_id"] for r in rows},
            category_id__in={r["category_id"] for r in rows},
            created_at__gte=first,
            created_at__lt=last,
        ).exclude(status=CANCELLED)
        for c in pairs.values("unit_id", "category_id", "created_at", "number"):
            earlier[(c["unit_id"], c["category_id"])].append((c["created_at"], c["number"]))
    items = []
    for r in rows:
        start = r["created_at"] - dt.timedelta(days=REPEAT_DAYS)
        before = sorted(
            (at, number) for at, number in earlier[(r["unit_id"], r["category_id"])] if start <= at < r["created_at"]
        )
        items.append(
            RepeatItem(
                number=r["number"],
                created_at=r["created_at"],
                unit=r["unit__code"],
                category_id=r["category_id"],
                status=r["status"],
                earlier=[number for _at, number in before],
            )
        )
    return items


# Households -------------------------------------------------------------------------------------------------


def households(user: User, f: Filters) -> int:
    """Occupied units (入住) in the reader's scope, the project and the zone (departments have no units)."""
    qs = in_scope(user, Unit.objects.filter(status=Unit.Status.OCCUPIED), f)
    if f.zone is not None:
        qs = qs.filter(zone=f.zone)
    return qs.count()


def per_hundred(n: int, homes: int) -> float | None:
    return n * 100 / homes if homes else None


# Categories -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryInfo:
    pk: int
    kind: str
    name: str
    sort: int
    parent_id: int | None
    parent_name: str
    parent_sort: int
    trade: str  # the category's trade, or its parent's when blank
    has_children: bool

    @property
    def label(self) -> str:
        return f"{self.parent_name} / {self.name}" if self.parent_id else self.name

    @property
    def group_id(self) -> int:
        """The category's top (大类): its parent, or itself."""
        return self.parent_id or self.pk

    @property
    def group_name(self) -> str:
        return self.parent_name if self.parent_id else self.name

    @property
    def order(self) -> tuple[str, int, int, int, int, int]:
        """The tree's order: each top category, then its children."""
        top_sort = self.parent_sort if self.parent_id else self.sort
        return (self.kind, top_sort, self.group_id, 1 if self.parent_id else 0, self.sort, self.pk)


NO_CATEGORY_ORDER = ("~", 0, 0, 0, 0, 0)  # the uncategorised come last


def categories(ids: Iterable[int | None]) -> dict[int, CategoryInfo]:
    """The categories named (one query), with their parent and whether they have children."""
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    parents = set(Category.objects.filter(parent__isnull=False).values_list("parent_id", flat=True).order_by())
    out = {}
    for c in Category.objects.filter(pk__in=wanted).select_related("parent"):
        p = c.parent
        out[c.pk] = CategoryInfo(
            pk=c.pk,
            kind=c.kind,
            name=c.name,
            sort=c.sort,
            parent_id=c.parent_id,
            parent_name=p.name if p else "",
            parent_sort=p.sort if p else c.sort,
            trade=c.trade or (p.trade if p else ""),
            has_children=c.pk in parents,
        )
    return out


# Channel mix and load ---------------------------------------------------------------------------------------


def load_grid(user: User, f: Filters, period: Period) -> dict[tuple[int, int], int]:
    """Registered cases by (ISO weekday 1 = Monday … 7 = Sunday, hour 0-23), Beijing time: one query."""
    tz = timezone.get_default_timezone()
    qs = created_in(registered(user, f), period).annotate(
        wd=ExtractIsoWeekDay("created_at", tzinfo=tz), hour=ExtractHour("created_at", tzinfo=tz)
    )
    return {(r["wd"], r["hour"]): r["n"] for r in qs.values("wd", "hour").annotate(n=Count("pk")).order_by()}


def weekdays_in(period: Period) -> dict[int, int]:
    """How many Mondays … Sundays the period has."""
    out = dict.fromkeys(range(1, 8), 0)
    for i in range(period.days):
        out[(period.start + dt.timedelta(days=i)).isoweekday()] += 1
    return out


# The tallies (日盘点 / 月盘点): state at the period's two ends ----------------------------------------------------


def state_at(t: dt.datetime) -> models.Case:
    """The case's status at instant t, from the timeline: "" if created at or after t; else the to_status of
    its last status change before t. A case whose current status began before t (status_since) needs no
    lookup; one without a timeline (imported) keeps its current status."""
    last = (
        CaseEvent.objects.filter(case=OuterRef("pk"), at__lt=t)
        .exclude(to_status="")
        .order_by("-at", "-pk")
        .values("to_status")[:1]
    )
    return models.Case(
        When(created_at__gte=t, then=Value("")),
        When(status_since__lt=t, then=F("status")),
        default=Coalesce(Subquery(last), F("status")),
        output_field=models.CharField(),
    )


@dataclass(frozen=True)
class Flow:
    """A tally line: open items carried in at the start, received, finished, cancelled and reopened during the
    period, open items carried out at the end (and, of the finished, those still awaiting the return visit).
    carried_out = carried_in + received − finished − cancelled + reopened."""

    carried_in: int = 0
    received: int = 0
    finished: int = 0
    cancelled: int = 0
    reopened: int = 0
    carried_out: int = 0
    awaiting_visit: int = 0

    def __add__(self, other: Flow) -> Flow:
        return Flow(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})


def _flow(start: str, end: str, n: int) -> Flow:
    """The contribution of n cases whose state was `start` at the start and `end` at the end."""
    was_open, is_open = start in OPEN, end in OPEN
    return Flow(
        carried_in=n if was_open else 0,
        received=n if start == "" and end != CANCELLED else 0,
        finished=n if (was_open or start == "") and end in DONE else 0,
        cancelled=n if was_open and end == CANCELLED else 0,
        reopened=n if start in DONE and is_open else 0,
        carried_out=n if is_open else 0,
        awaiting_visit=n if end == Status.RESOLVED and (was_open or start == "") else 0,
    )


def _tally_cases(user: User, f: Filters) -> QuerySet[Any]:
    """The complaints and suggestions a tally of the period can concern, with their state at both ends.

    Counted cases only (top-level, never merged). Created before the end, and either created in the period,
    or open or awaiting its return visit now, or changed since the start: any other case had its last change
    before the start, so it has the same state at both ends and, being closed or cancelled, counts nowhere."""
    s, u = f.period.since, f.period.until
    qs = registered(user, f).filter(kind__in=TALLY_KINDS, merged_into__isnull=True)
    # Three sets, each read from an index of its own (created_at; status; status + status_since), so that the
    # database never walks every case created before the end: created in the period; created before it and open
    # or awaiting the visit now; created before it, closed or cancelled now, but changed since the start.
    sets = [
        Q(created_at__gte=s, created_at__lt=u),
        Q(status__in=[*OPEN, Status.RESOLVED], created_at__lt=s),
        Q(status__in=[Status.CLOSED, CANCELLED], status_since__gte=s, created_at__lt=s),
    ]
    if connection.vendor == "postgresql":  # PostgreSQL reads an OR of indexed conditions as a BitmapOr
        qs = qs.filter(sets[0] | sets[1] | sets[2])
    else:  # SQLite plans an OR here as a walk of (project, kind, created_at); a UNION of the ids it does not
        first, *others = [Case.objects.filter(q).values("pk") for q in sets]
        qs = qs.filter(pk__in=first.union(*others))
    return qs.annotate(at_start=state_at(s), at_end=state_at(u))


@dataclass(frozen=True)
class Tally:
    by_category: dict[tuple[str, int | None], Flow]  # (kind, category id)
    end_status: dict[tuple[str, str], int]  # (kind, status at the end) of the period's received cases
    day_items: int = 0  # the lines of the daily item list: received in the period, or open at the start
    open_items: int = 0  # the lines of the monthly item list: open, or resolved awaiting the visit, at the end

    def by_kind(self) -> dict[str, Flow]:
        out: dict[str, Flow] = {k: Flow() for k in TALLY_KINDS}
        for (kind, _cat), flow in self.by_category.items():
            out[kind] = out[kind] + flow
        return out

    @property
    def total(self) -> Flow:
        out = Flow()
        for flow in self.by_category.values():
            out = out + flow
        return out


def tally(user: User, f: Filters) -> Tally:
    """One grouped query: the cases by kind, category and their states at the start and the end."""
    rows = _tally_cases(user, f).values("kind", "category_id", "at_start", "at_end").annotate(n=Count("pk")).order_by()
    by_category: dict[tuple[str, int | None], Flow] = defaultdict(Flow)
    end_status: dict[tuple[str, str], int] = defaultdict(int)
    day_items = open_items = 0
    for r in rows:
        start, end, n = r["at_start"], r["at_end"], r["n"]
        key = (r["kind"], r["category_id"])
        by_category[key] = by_category[key] + _flow(start, end, n)
        received_ = start == "" and end != CANCELLED
        if received_:
            end_status[(r["kind"], end)] += n
        day_items += n if received_ or start in OPEN else 0
        open_items += n if end in OPEN or end == Status.RESOLVED else 0
    return Tally(dict(by_category), dict(end_status), day_items, open_items)


@dataclass(frozen=True)
class TallyItem:
    number: str
    source: str  # "received": received in the period; "carried": open at the start
    kind: str
    category_id: int | None
    place: str
    customer: str
    department: str
    handler: str
    created_at: dt.datetime
    first_replied_at: dt.datetime | None
    resolved_at: dt.datetime | None
    resolution_due: dt.datetime | None
    at_end: str
    status: str


def tally_items(user: User, f: Filters, which: str, limit: int = ITEM_LIMIT) -> list[TallyItem]:
    """The tally's item list, oldest first, at most `limit` (how many there are: Tally.day_items, .open_items).
    which="day": the period's received cases and the open ones carried in; which="open": the cases not closed
    out at the end (open, or resolved awaiting the return visit)."""
    qs = _tally_cases(user, f)
    if which == "day":
        qs = qs.filter((Q(at_start="") & ~Q(at_end=CANCELLED)) | Q(at_start__in=OPEN))
    else:
        qs = qs.filter(at_end__in=[*OPEN, Status.RESOLVED])
    # The oldest `limit`, picked from (id, time) pairs: an ORDER BY ... LIMIT here would tempt the database to
    # walk the created_at index through every older case.
    chosen = [pk for _at, pk in sorted((at, pk) for pk, at in qs.values_list("pk", "created_at"))[:limit]]
    rows = (
        Case.objects.filter(pk__in=chosen)
        .annotate(at_start=state_at(f.period.since), at_end=state_at(f.period.until))
        .select_related("unit", "customer", "department", "assignee")
        .order_by("created_at", "pk")
    )
    items = []
    for c in rows:
        place = c.unit.code if c.unit is not None else ""
        if c.location:
            place = f"{place} {c.location}".strip()
        items.append(
            TallyItem(
                number=c.number,
                source=_source(c.at_start),  # type: ignore[attr-defined]
                kind=c.kind,
                category_id=c.category_id,
                place=place,
                customer=c.customer.name if c.customer is not None else c.contact_name,
                department=c.department.name if c.department is not None else "",
                handler=(c.assignee.display_name if c.assignee is not None else ""),
                created_at=c.created_at,
                first_replied_at=c.first_replied_at,
                resolved_at=c.resolved_at,
                resolution_due=c.resolution_due,
                at_end=c.at_end,  # type: ignore[attr-defined]
                status=c.status,
            )
        )
    return items


def _source(start: str) -> str:
    """Where an item of the list comes from: received in the period, carried in open, or reopened."""
    return "received" if start == "" else "reopened" if start in DONE else "carried"
