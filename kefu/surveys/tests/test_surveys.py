"""Satisfaction surveys: the sample, the answers, and figures that equal a count made by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from kefu.core.errors import Conflict, Forbidden, ValidationFailed
from kefu.surveys import selectors, services
from kefu.surveys.models import Question, Response, Survey
from kefu.visits.models import ReturnVisit
from kefu.visits.tests.conftest import fill_zone

NOW = dt.datetime(2026, 6, 10, 2, 0, tzinfo=dt.UTC)


def open_survey(world, **kw):
    s = services.survey_create(
        actor=world.mia,
        project=world.a,
        name="2026年上半年满意度调查",
        period_start=dt.date(2026, 6, 1),
        period_end=dt.date(2026, 6, 30),
        now=NOW,
        **kw,
    )
    return services.survey_open(actor=world.mia, survey=s, seed=42, now=NOW)


def q(survey, kind, dimension=""):
    return survey.questions.get(kind=kind, **({"dimension": dimension} if dimension else {}))


def answer(world, response, overall, *, service=5, repair=5, nps=9, text=""):
    s = response.survey
    answers = {
        q(s, "rating", "客服接待").pk: service,
        q(s, "rating", "工程维修").pk: repair,
        q(s, "rating", "秩序停车").pk: 4,
        q(s, "rating", "保洁绿化").pk: 4,
        q(s, "overall").pk: overall,
        q(s, "nps").pk: nps,
        q(s, "text").pk: text,
    }
    return services.response_submit(actor=world.sam, response=response, answers=answers, now=NOW)


@pytest.fixture
def estate(world):
    fill_zone(world.a1, {"10": 6, "11": 4})  # zone A1: 10 + the fixture's unit_a1 = 11 households
    fill_zone(world.a2, {"20": 8})  # zone A2: 8 + unit_a2 = 9 households
    return world


def test_survey_figures_per_zone_equal_a_count_by_hand(estate):
    w = estate
    survey = open_survey(w)
    responses = {r.unit_id: r for r in survey.responses.select_related("unit")}
    assert len(responses) == 20  # every household of project A
    a1 = sorted((r for r in responses.values() if r.zone_id == w.a1.pk), key=lambda r: r.unit_id)
    a2 = sorted((r for r in responses.values() if r.zone_id == w.a2.pk), key=lambda r: r.unit_id)
    # Zone A1: 8 answers overall 5,5,4,4,4,3,2,1 ; 1 declined ; 2 not reached.
    for r, score in zip(a1, [5, 5, 4, 4, 4, 3, 2, 1], strict=False):
        answer(w, r, score, nps=10 if score == 5 else 7 if score >= 3 else 2)
    services.response_decline(actor=w.sam, response=a1[8], now=NOW)
    # Zone A2: 5 answers overall 5,4,4,3,3.
    for r, score in zip(a2, [5, 4, 4, 3, 3], strict=False):
        answer(w, r, score, service=3, nps=8)

    all_responses = selectors.responses_for(w.mia, survey)
    zones = {f.label: f for f in selectors.by_zone(all_responses)}
    one, two = zones["一区"], zones["二区"]
    assert (one.invited, one.answered, one.scored, one.satisfied) == (11, 8, 8, 5)
    assert one.response_rate == 8 / 11 and one.csat == 5 / 8 and one.mean == pytest.approx(28 / 8)
    assert (two.invited, two.answered, two.satisfied) == (9, 5, 3)
    assert two.csat == 3 / 5 and two.mean == pytest.approx(19 / 5)
    total = selectors.overall(all_responses)
    assert (total.invited, total.answered, total.satisfied) == (20, 13, 8)
    # Dimensions: 客服接待 got 5 ×8 (A1) and 3 ×5 (A2): CSAT 8/13.
    dims = {f.label: f for f in selectors.by_dimension(all_responses)}
    assert dims["客服接待"].scored == 13 and dims["客服接待"].csat == 8 / 13
    assert dims["秩序停车"].csat == 1.0
    # NPS: promoters (9-10) = 2, detractors (0-6) = 2 (the 1 and the 2), passives 9 → (2 - 2) / 13 = 0.
    n = selectors.nps(all_responses)
    assert (n.answers, n.promoters, n.detractors, n.passives, n.score) == (13, 2, 2, 9, 0)
    # The two dissatisfied respondents (overall 1 and 2) each get a follow-up visit by the zone's steward.
    follow_ups = ReturnVisit.objects.filter(source=ReturnVisit.Source.SURVEY)
    assert follow_ups.count() == 2 and {v.assignee for v in follow_ups} == {w.stella}
    assert set(follow_ups.values_list("unit_id", flat=True)) == {a1[6].unit_id, a1[7].unit_id}


def test_a_steward_sees_only_their_zones_questionnaires(estate):
    survey = open_survey(estate)
    mine = selectors.responses_for(estate.stella, survey)
    assert mine.count() == 11 and set(mine.values_list("zone_id", flat=True)) == {estate.a1.pk}


def test_a_sample_is_drawn_by_share_and_reproducible(estate):
    survey = open_survey(estate, sample="share", share_percent=50)
    units = sorted(survey.responses.values_list("unit_id", flat=True))
    assert len(units) == 10 and survey.seed == 42
    again = services.survey_create(
        actor=estate.mia,
        project=estate.a,
        name="复测",
        period_start=dt.date(2026, 7, 1),
        period_end=dt.date(2026, 7, 31),
        sample="share",
        share_percent=50,
    )
    again = services.survey_open(actor=estate.mia, survey=again, seed=42)
    assert sorted(again.responses.values_list("unit_id", flat=True)) == units


def test_answers_are_checked_before_anything_is_written(estate):
    survey = open_survey(estate)
    r = survey.responses.first()
    overall = q(survey, "overall")
    with pytest.raises(ValidationFailed) as e:
        services.response_submit(actor=estate.sam, response=r, answers={overall.pk: 6, q(survey, "nps").pk: 11})
    assert f"q{overall.pk}" in e.value.fields and f"q{q(survey, 'nps').pk}" in e.value.fields
    r.refresh_from_db()
    assert r.status == Response.Status.PENDING and not r.answers.exists()
    answer(estate, r, 4)
    with pytest.raises(Conflict):
        answer(estate, r, 4)


def test_only_project_staff_answer_and_only_managers_run_surveys(estate):
    survey = open_survey(estate)
    r = survey.responses.filter(zone=estate.a2).first()
    with pytest.raises(Forbidden):
        services.response_submit(actor=estate.stella, response=r, answers={})
    with pytest.raises(Forbidden):
        services.response_submit(actor=estate.bob, response=r, answers={})
    with pytest.raises(Forbidden):
        services.survey_close(actor=estate.alice, survey=survey)
    services.survey_close(actor=estate.mia, survey=survey)
    with pytest.raises(Conflict):
        answer(estate, r, 5)


def test_a_survey_needs_exactly_one_overall_question(world):
    with pytest.raises(ValidationFailed):
        services.survey_create(
            actor=world.mia,
            project=world.a,
            name="无总体题",
            period_start=dt.date(2026, 6, 1),
            period_end=dt.date(2026, 6, 30),
            questions=[services.QuestionSpec(Question.Kind.RATING, "客服？", "客服接待")],
        )
    assert not Survey.objects.exists()
