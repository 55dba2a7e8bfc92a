"""Survey figures, computed in SQL with the formulas of docs/visits.md:

- response rate  = answered questionnaires / sampled households (declined and pending count as not answered)
- CSAT           = answers scoring 4 or 5 / answers with a score   (on the 1-5 scale)
- mean score     = the average of the scores given
- NPS            = (answers of 9-10 − answers of 0-6) / answers × 100   (on the 0-10 scale)

"Satisfaction" of a zone or building is the CSAT of the overall question; of a dimension, the CSAT of
the rating questions with that dimension.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet

from kefu.org.models import User
from kefu.org.roles import Perm
from kefu.org.scope import access

from .models import Answer, Question, Response, Survey

SATISFIED_MIN = 4


@dataclass(frozen=True)
class Figures:
    label: str
    invited: int = 0
    answered: int = 0
    scored: int = 0
    satisfied: int = 0
    score_sum: float = 0.0
    mean: float | None = None

    @property
    def response_rate(self) -> float | None:
        return self.answered / self.invited if self.invited else None

    @property
    def csat(self) -> float | None:
        return self.satisfied / self.scored if self.scored else None


def surveys_for(user: User) -> QuerySet[Survey]:
    """Surveys of the projects where one makes visits (a steward: where one owns zones) or reads reports."""
    from kefu.org.models import Zone

    a = access(user, Perm.VISIT)
    m = access(user, Perm.VIEW_REPORTS)
    q = a.q("project") | m.q("project")
    if a.zone_ids:
        q |= Q(project__in=Zone.objects.filter(pk__in=sorted(a.zone_ids)).values("project_id"))
    return Survey.objects.filter(q).select_related("project")


def responses_for(user: User, survey: Survey) -> QuerySet[Response]:
    """The questionnaires a staff member may see: the whole survey for project staff, the zone's for a steward."""
    a = access(user, Perm.VISIT)
    m = access(user, Perm.VIEW_REPORTS)
    return survey.responses.filter(a.q("project", "zone") | m.q("project")).select_related(
        "unit", "customer", "zone", "building", "answered_by"
    )


def _group(responses: QuerySet[Response], by: str | None) -> list[dict[str, Any]]:
    fields = [by] if by else []
    qs = responses.values(*fields) if fields else responses
    agg = dict(
        invited=Count("pk"),
        answered=Count("pk", filter=Q(status=Response.Status.ANSWERED)),
        scored=Count("pk", filter=Q(overall__isnull=False)),
        satisfied=Count("pk", filter=Q(overall__gte=SATISFIED_MIN)),
        mean=Avg("overall"),
    )
    if fields:
        return list(qs.annotate(**agg).order_by(*fields))
    return [responses.aggregate(**agg)]


def overall(responses: QuerySet[Response]) -> Figures:
    row = _group(responses, None)[0]
    counts = {k: row[k] or 0 for k in ("invited", "answered", "scored", "satisfied")}
    return Figures(label="合计", **counts, mean=row["mean"])


def by_zone(responses: QuerySet[Response]) -> list[Figures]:
    names = dict(responses.values_list("zone_id", "zone__name").distinct())
    return [
        Figures(
            label=names.get(r["zone_id"]) or "未分区",
            invited=r["invited"],
            answered=r["answered"],
            scored=r["scored"],
            satisfied=r["satisfied"],
            mean=r["mean"],
        )
        for r in _group(responses, "zone_id")
    ]


def by_building(responses: QuerySet[Response]) -> list[Figures]:
    names = dict(responses.values_list("building_id", "building__name").distinct())
    return [
        Figures(
            label=names.get(r["building_id"]) or "",
            invited=r["invited"],
            answered=r["answered"],
            scored=r["scored"],
            satisfied=r["satisfied"],
            mean=r["mean"],
        )
        for r in _group(responses, "building_id")
    ]


def by_dimension(responses: QuerySet[Response]) -> list[Figures]:
    answers = Answer.objects.filter(
        response__in=responses.values("pk"), question__kind=Question.Kind.RATING, score__isnull=False
    )
    rows = (
        answers.values("question__dimension")
        .annotate(scored=Count("pk"), satisfied=Count("pk", filter=Q(score__gte=SATISFIED_MIN)), mean=Avg("score"))
        .order_by("question__dimension")
    )
    return [
        Figures(label=r["question__dimension"], scored=r["scored"], satisfied=r["satisfied"], mean=r["mean"])
        for r in rows
    ]


@dataclass(frozen=True)
class Nps:
    answers: int
    promoters: int
    detractors: int

    @property
    def passives(self) -> int:
        return self.answers - self.promoters - self.detractors

    @property
    def score(self) -> float | None:
        return (self.promoters - self.detractors) * 100 / self.answers if self.answers else None


def nps(responses: QuerySet[Response]) -> Nps:
    row = Answer.objects.filter(
        response__in=responses.values("pk"), question__kind=Question.Kind.NPS, score__isnull=False
    ).aggregate(
        answers=Count("pk"),
        promoters=Count("pk", filter=Q(score__gte=9)),
        detractors=Count("pk", filter=Q(score__lte=6)),
    )
    return Nps(answers=row["answers"] or 0, promoters=row["promoters"] or 0, detractors=row["detractors"] or 0)


def comments(responses: QuerySet[Response], limit: int = 200) -> QuerySet[Answer]:
    return (
        Answer.objects.filter(response__in=responses.values("pk"), question__kind=Question.Kind.TEXT)
        .exclude(text="")
        .select_related("response__unit", "response__zone")
        .order_by("-response__answered_at", "pk")[:limit]
    )


def dissatisfied(responses: QuerySet[Response]) -> QuerySet[Response]:
    from kefu.visits.models import DISSATISFIED_MAX

    return responses.filter(overall__lte=DISSATISFIED_MAX).prefetch_related("follow_ups")
