"""Surveys in headless Chromium: a steward answers a questionnaire on her phone (390x844), a manager reads
the results with their charts. Screenshots: test-artifacts/screenshots/survey-answer-phone.png and
survey-results.png (copied to docs/screenshots/)."""

import datetime as dt
import os
from pathlib import Path

import pytest

from kefu import testing as t
from kefu.browser import browser
from kefu.surveys import services
from kefu.surveys.models import Response
from kefu.visits.tests.conftest import fill_zone

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

ARTIFACTS = Path(os.environ.get("KEFU_ARTIFACTS", "test-artifacts")) / "screenshots"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def open_page(live_server):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with browser() as b:
        contexts = []

        def make(username, viewport=DESKTOP):
            phone = viewport is PHONE
            ctx = b.new_context(viewport=viewport, locale="zh-CN", is_mobile=phone, has_touch=phone)
            contexts.append(ctx)
            pg = ctx.new_page()
            errors: list[str] = []
            pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            pg.on("pageerror", lambda e: errors.append(str(e)))
            pg.console_errors = errors
            pg.goto(f"{live_server.url}/login/")
            pg.get_by_label("用户名").fill(username)
            pg.get_by_label("密码").fill(t.PASSWORD)
            pg.get_by_role("button", name="登录").click()
            pg.wait_for_url(f"{live_server.url}/")
            return pg

        yield make
        for ctx in contexts:
            ctx.close()


@pytest.fixture
def survey(world):
    fill_zone(world.a1, {"10": 6})
    fill_zone(world.a2, {"20": 5})
    s = services.survey_create(
        actor=world.mia,
        project=world.a,
        name="2026年上半年满意度调查",
        intro="您好，我是阳光花园客服中心的管家，想占用您两分钟，请您为我们的服务打个分。",
        period_start=dt.date(2026, 6, 1),
        period_end=dt.date(2026, 6, 30),
    )
    return services.survey_open(actor=world.mia, survey=s, seed=7)


def pick(page, question_id, score):
    page.locator(f"#q-{question_id}").get_by_role("radio", name=str(score), exact=True).check()


def test_a_steward_answers_on_her_phone(world, survey, open_page, live_server):
    qs = {(q.kind, q.dimension): q for q in survey.questions.all()}
    pg = open_page("stella", PHONE)
    pg.goto(f"{live_server.url}/surveys/{survey.pk}/responses/")
    assert pg.get_by_test_id("count").inner_text() == "共 7 户"  # zone A1 only: 6 + the fixture's 1201
    pg.get_by_role("link", name="开始访问").first.click()
    pg.wait_for_url("**/surveys/responses/**")
    assert pg.get_by_text("想占用您两分钟").is_visible()
    assert pg.get_by_role("link", name="拨打电话").is_visible()
    # Submitting with nothing chosen: each required question says so, nothing is written.
    pg.get_by_role("button", name="提交").click()
    assert pg.locator("#answer-errors").is_visible()
    assert pg.locator(".sv-q.has-error").count() == 6
    assert pg.locator(f"#q-{qs[('overall', '')].pk}").get_by_text("此题必答").is_visible()
    assert not Response.objects.exclude(status="pending").exists()
    for (kind, _dim), q in qs.items():
        if kind in ("rating", "overall"):
            pick(pg, q.pk, 4)
    pick(pg, qs[("rating", "工程维修")].pk, 2)
    pick(pg, qs[("nps", "")].pk, 9)
    pg.locator(f"#q-{qs[('text', '')].pk} textarea").fill("报修后师傅来得慢，希望改进")
    pg.get_by_role("radio", name="上门访问").check()
    # Touch targets are big enough for a thumb and the page does not scroll sideways.
    box = pg.locator(f"#q-{qs[('overall', '')].pk} .score span").first.bounding_box()
    assert box["height"] >= 44
    assert pg.evaluate("document.documentElement.scrollWidth") <= 390
    assert pg.locator(".sv-q.has-error").count() == 0  # answered questions lose their red mark
    pg.evaluate("window.scrollTo(0, 0)")
    pg.screenshot(path=ARTIFACTS / "survey-answer-phone.png", full_page=True)
    pg.get_by_role("button", name="提交").click()
    pg.wait_for_url(f"**/surveys/{survey.pk}/responses/**")
    assert pg.get_by_text("的问卷已提交，谢谢").is_visible()
    assert pg.get_by_test_id("count").inner_text() == "共 6 户"
    done = Response.objects.get(status="answered")
    assert (done.overall, done.channel, done.answered_by) == (4, "visit", world.stella)
    assert done.answers.get(question=qs[("rating", "工程维修")]).score == 2
    assert pg.console_errors == []


def test_a_manager_reads_the_results(world, survey, open_page, live_server):
    qs = {(q.kind, q.dimension): q for q in survey.questions.all()}
    responses = list(survey.responses.order_by("unit_id"))
    for i, (r, score) in enumerate(zip(responses, [5, 5, 4, 4, 3, 2, 5, 4, 4, 1], strict=False)):
        answers = {q.pk: (score if kind != "nps" else 10 - i % 4) for (kind, _d), q in qs.items() if kind != "text"}
        answers[qs[("rating", "秩序停车")].pk] = 3 if i % 3 == 0 else 5
        answers[qs[("text", "")].pk] = "地下车库照明不足" if score <= 2 else ""
        services.response_submit(actor=world.sam, response=r, answers=answers)
    pg = open_page("mia")
    pg.get_by_role("link", name="满意度调查").click()
    pg.get_by_role("link", name="结果").click()
    pg.wait_for_url(f"**/surveys/{survey.pk}/results/")
    assert pg.get_by_test_id("invited").inner_text() == "13"
    assert pg.get_by_test_id("answered").inner_text() == "10"
    assert pg.get_by_test_id("response_rate").inner_text() == "76.9%"
    assert pg.get_by_test_id("csat").inner_text() == "70.0%"
    # Each chart is drawn (SVG) beside the table holding its numbers.
    pg.locator("#chart-zone svg").wait_for()
    pg.locator("#chart-dimension svg").wait_for()
    zone_rows = pg.locator("table[data-table=zone] tbody tr")
    assert zone_rows.count() == 2
    chart_texts = pg.locator("#chart-zone svg text").evaluate_all("els => els.map(e => e.textContent)")
    for i in range(2):
        cells = zone_rows.nth(i).locator("td").all_inner_texts()
        assert cells[0] in chart_texts and cells[6] in chart_texts  # the zone and its CSAT, e.g. 一区 / 75.0%
    dim_rows = pg.locator("table[data-table=dimension] tbody tr")
    assert dim_rows.count() == 4
    assert "60.0%" in dim_rows.filter(has_text="秩序停车").locator("td").all_inner_texts()
    assert pg.get_by_text("地下车库照明不足").count() >= 1
    assert pg.get_by_role("link", name="回访 #").count() == 2
    pg.screenshot(path=ARTIFACTS / "survey-results.png", full_page=True)
    # Printed on A4 without the menu.
    pg.emulate_media(media="print")
    assert not pg.locator(".sidebar").is_visible() and not pg.get_by_role("link", name="导出 Excel").is_visible()
    assert pg.console_errors == []
