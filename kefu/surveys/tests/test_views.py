"""The survey pages through the Django test client, by the named users: who sees what, a draft made and
published through the forms, questionnaires answered through the phone page, and results (page and xlsx)
that equal the selectors' figures for a known set of answers."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
from openpyxl import load_workbook

from kefu.surveys import selectors, services
from kefu.surveys.models import Answer, Question, Response, Survey
from kefu.visits.models import ReturnVisit
from kefu.visits.tests.conftest import fill_zone

NOW = dt.datetime(2026, 6, 10, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def estate(world):
    fill_zone(world.a1, {"10": 6, "11": 4})  # zone A1: 10 + the fixture's unit_a1 = 11 households
    fill_zone(world.a2, {"20": 8})  # zone A2: 8 + unit_a2 = 9 households
    return world


@pytest.fixture
def as_user(client):
    def login(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return login


def draft(world, **kw):
    return services.survey_create(
        actor=world.mia,
        project=world.a,
        name=kw.pop("name", "2026年上半年满意度调查"),
        period_start=dt.date(2026, 6, 1),
        period_end=dt.date(2026, 6, 30),
        now=NOW,
        **kw,
    )


def opened(world, **kw):
    return services.survey_open(actor=world.mia, survey=draft(world, **kw), seed=42, now=NOW)


def body(response):
    return response.content.decode()


def msgs(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def form_data(questions, **fields):
    """POST data of the editor: the survey's fields and the questionnaire formset (prefix q)."""
    data = {
        "name": "2026年下半年满意度调查",
        "intro": "您好，我是阳光花园客服中心，想占用您两分钟做个满意度调查。",
        "period_start": "2026-07-01",
        "period_end": "2026-07-31",
        "sample": "all",
        "share_percent": "100",
        "q-TOTAL_FORMS": str(len(questions)),
        "q-INITIAL_FORMS": str(len(questions)),
        "q-MIN_NUM_FORMS": "0",
        "q-MAX_NUM_FORMS": "1000",
    }
    for i, q in enumerate(questions):
        data[f"q-{i}-kind"] = q["kind"]
        data[f"q-{i}-dimension"] = q.get("dimension", "")
        data[f"q-{i}-text"] = q["text"]
        if q.get("required", True):
            data[f"q-{i}-required"] = "on"
        data[f"q-{i}-ORDER"] = str(q.get("order", i + 1))
        if q.get("delete"):
            data[f"q-{i}-DELETE"] = "on"
    data.update(fields)
    return data


def defaults():
    return [
        {"kind": q.kind, "dimension": q.dimension, "text": q.text, "required": q.required}
        for q in services.DEFAULT_QUESTIONS
    ]


def answer_data(survey, overall, *, service=5, nps=9, text="", channel="phone"):
    by = {(q.kind, q.dimension): q for q in survey.questions.all()}
    data = {"channel": channel}
    for (kind, dimension), q in by.items():
        if kind == Question.Kind.RATING:
            data[f"q{q.pk}"] = str(service if dimension == "客服接待" else 4)
        elif kind == Question.Kind.OVERALL:
            data[f"q{q.pk}"] = "" if overall is None else str(overall)
        elif kind == Question.Kind.NPS:
            data[f"q{q.pk}"] = "" if nps is None else str(nps)
        else:
            data[f"q{q.pk}"] = text
    return data


# Scope ---------------------------------------------------------------------------------------------


def test_the_list_shows_the_surveys_in_scope(estate, as_user):
    w = estate
    s = opened(w)
    for user in (w.mia, w.sam, w.stella, w.alice, w.hera):
        page = as_user(user).get("/surveys/")
        assert page.status_code == 200 and s.name in body(page), user.username
    assert "新建调查" in body(as_user(w.mia).get("/surveys/"))
    assert "新建调查" not in body(as_user(w.alice).get("/surveys/"))
    # mia sees the whole sample; stella, steward of A1, only her zone's 11 households.
    assert as_user(w.mia).get("/surveys/").context["rows"][0]["invited"] == 20
    assert as_user(w.stella).get("/surveys/").context["rows"][0]["invited"] == 11
    page = as_user(w.bob).get("/surveys/")
    assert page.status_code == 200 and s.name not in body(page)
    assert as_user(w.fred).get("/surveys/").status_code == 404
    anon = as_user(None).get("/surveys/")
    assert anon.status_code == 302 and "/login/" in anon["Location"]


@pytest.mark.parametrize(
    ("page", "allowed", "refused"),
    [
        ("detail", ["mia", "sam", "stella", "alice", "hera"], ["bob", "mike", "fred"]),
        ("responses", ["mia", "sam", "stella", "alice", "hera"], ["bob", "mike", "fred"]),
        ("results", ["mia", "sam", "quinn", "hera"], ["stella", "alice", "bob", "mike", "fred"]),
    ],
)
def test_who_may_open_each_survey_page(estate, as_user, page, allowed, refused):
    w = estate
    s = opened(w)
    url = f"/surveys/{s.pk}/{'' if page == 'detail' else page + '/'}"
    for name in allowed:
        assert as_user(getattr(w, name)).get(url).status_code == 200, name
    for name in refused:
        assert as_user(getattr(w, name)).get(url).status_code == 404, name
    anon = as_user(None).get(url)
    assert anon.status_code == 302 and "/login/" in anon["Location"]


def test_a_steward_sees_and_answers_only_her_zones_questionnaires(estate, as_user):
    w = estate
    s = opened(w)
    mine = s.responses.filter(zone=w.a1).first()
    other = s.responses.filter(zone=w.a2).first()
    page = as_user(w.stella).get(f"/surveys/{s.pk}/responses/")
    assert "共 11 户" in body(page)
    assert {c["r"].zone_id for c in page.context["cards"]} == {w.a1.pk}
    assert as_user(w.stella).get(f"/surveys/responses/{mine.pk}/").status_code == 200
    assert as_user(w.stella).get(f"/surveys/responses/{other.pk}/").status_code == 404
    assert as_user(w.stella).post(f"/surveys/responses/{other.pk}/", answer_data(s, 5)).status_code == 404
    assert as_user(w.stella).post(f"/surveys/responses/{other.pk}/decline/").status_code == 404
    for user in (w.bob, w.fred):
        assert as_user(user).get(f"/surveys/responses/{mine.pk}/").status_code == 404
    assert not Answer.objects.exists()
    assert Response.objects.filter(status=Response.Status.PENDING).count() == 20


def test_the_answering_list_filters_by_zone_building_status_and_room(estate, as_user):
    w = estate
    s = opened(w)
    c = as_user(w.sam)
    assert "共 20 户" in body(c.get(f"/surveys/{s.pk}/responses/"))
    assert "共 9 户" in body(c.get(f"/surveys/{s.pk}/responses/?zone={w.a2.pk}"))
    b10 = s.responses.filter(unit__code__startswith="10-").first().building_id
    assert "共 6 户" in body(c.get(f"/surveys/{s.pk}/responses/?building={b10}"))
    page = c.get(f"/surveys/{s.pk}/responses/?q=20-1-0101")
    assert [card["r"].unit.code for card in page.context["cards"]] == ["20-1-0101"]
    r = s.responses.get(unit__code="20-1-0101")
    c.post(f"/surveys/responses/{r.pk}/decline/")
    assert "共 19 户" in body(c.get(f"/surveys/{s.pk}/responses/"))  # pending by default
    declined = c.get(f"/surveys/{s.pk}/responses/?status=declined")
    assert [card["r"].pk for card in declined.context["cards"]] == [r.pk]
    assert "共 20 户" in body(c.get(f"/surveys/{s.pk}/responses/?status=all"))


# Making and publishing a survey ---------------------------------------------------------------------------


def test_a_manager_creates_a_survey_through_the_form(estate, as_user):
    w = estate
    c = as_user(w.mia)
    page = c.get("/surveys/new/")
    assert page.status_code == 200
    assert page.context["formset"].total_form_count() == len(services.DEFAULT_QUESTIONS)
    qs = defaults()
    qs[3]["delete"] = True  # drop 保洁绿化
    qs[0]["order"], qs[1]["order"] = 2, 1  # 工程维修 before 客服接待
    qs.append({"kind": "rating", "dimension": "电梯运行", "text": "您对电梯运行的满意程度？", "order": 4})
    r = c.post("/surveys/new/", form_data(qs, sample="share", share_percent="50"))
    s = Survey.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/surveys/{s.pk}/"
    assert (s.name, s.status, s.sample, s.share_percent) == ("2026年下半年满意度调查", "draft", "share", 50)
    assert s.intro.startswith("您好")
    assert list(s.questions.values_list("dimension", flat=True)[:4]) == ["工程维修", "客服接待", "秩序停车", "电梯运行"]
    assert s.questions.count() == 7 and not s.questions.filter(dimension="保洁绿化").exists()
    assert s.questions.get(kind="text").required is False


@pytest.mark.parametrize(
    ("change", "error"),
    [
        (
            lambda qs: qs.append({"kind": "overall", "text": "再问一次总体？"}),
            "请至少设置一道总体满意度题目（且只能有一道）",
        ),
        (lambda qs: qs[4].update(delete=True), "请至少设置一道总体满意度题目（且只能有一道）"),
        (lambda qs: qs[0].update(dimension=""), "第 1 题：分项评分须填写维度"),
    ],
)
def test_a_bad_questionnaire_is_refused_in_chinese_and_nothing_is_written(estate, as_user, change, error):
    qs = defaults()
    change(qs)
    page = as_user(estate.mia).post("/surveys/new/", form_data(qs))
    assert page.status_code == 200
    assert error in body(page) and "保存失败，请修改标红的内容" in body(page)
    assert not Survey.objects.exists() and not Question.objects.exists()


def test_bad_survey_fields_are_refused_and_nothing_is_written(estate, as_user):
    c = as_user(estate.mia)
    page = c.post("/surveys/new/", form_data(defaults(), period_end="2026-06-01"))
    assert "结束日期不能早于开始日期" in body(page)
    page = c.post("/surveys/new/", form_data(defaults(), sample="share", share_percent=""))
    assert "按比例抽样请填写抽样比例" in body(page)
    qs = defaults()
    qs[1]["text"] = ""
    page = c.post("/surveys/new/", form_data(qs, name=""))
    assert "请填写此项" in body(page) and "请填写题目" in body(page)
    assert not Survey.objects.exists()


def test_only_managers_make_surveys(estate, as_user):
    assert as_user(estate.alice).get("/surveys/new/").status_code == 404
    assert as_user(estate.alice).post("/surveys/new/", form_data(defaults())).status_code == 404
    assert as_user(estate.stella).post("/surveys/new/", form_data(defaults())).status_code == 404
    s = draft(estate)
    assert as_user(estate.alice).get(f"/surveys/{s.pk}/edit/").status_code == 404
    assert as_user(estate.alice).post(f"/surveys/{s.pk}/open/").status_code == 404
    assert as_user(estate.mike).post(f"/surveys/{s.pk}/open/").status_code == 404
    s.refresh_from_db()
    assert s.status == Survey.Status.DRAFT and not s.responses.exists()


def test_editing_a_draft_and_a_stale_edit(estate, as_user):
    w = estate
    s = draft(w)
    c = as_user(w.mia)
    page = c.get(f"/surveys/{s.pk}/edit/")
    assert page.context["form"].initial["version"] == s.version
    qs = defaults()
    qs[6]["delete"] = True
    r = c.post(f"/surveys/{s.pk}/edit/", form_data(qs, name="改名后的调查", version=str(s.version)))
    assert r.status_code == 302
    s.refresh_from_db()
    assert s.name == "改名后的调查" and s.questions.count() == 6 and not s.questions.filter(kind="text").exists()
    # The same form sent again carries the old version: refused, nothing changed.
    page = c.post(f"/surveys/{s.pk}/edit/", form_data(defaults(), name="旧页面", version=str(s.version - 1)))
    assert "该调查已被他人修改，请刷新后重试" in body(page)
    s.refresh_from_db()
    assert s.name == "改名后的调查" and s.questions.count() == 6


def test_publishing_shows_the_sample_size_first_then_draws_it(estate, as_user):
    w = estate
    s = draft(w, sample="share", share_percent=50)
    c = as_user(w.mia)
    page = c.get(f"/surveys/{s.pk}/")
    assert page.context["preview"] == {"households": 20, "sampled": 10}
    assert "发布后将抽取 <b>10</b> 户（项目入住户共 20 户）" in body(page)
    r = c.post(f"/surveys/{s.pk}/open/")
    assert r.status_code == 302
    s.refresh_from_db()
    assert s.status == Survey.Status.OPEN and s.responses.count() == 10
    page = c.get(f"/surveys/{s.pk}/", follow=False)
    assert "确认发布" not in body(page) and "结束调查" in body(page)
    # A second publish is refused with the service's message.
    r = c.post(f"/surveys/{s.pk}/open/", follow=True)
    assert "只有草稿可以发布" in msgs(r) and s.responses.count() == 10
    assert c.get(f"/surveys/{s.pk}/edit/", follow=True).redirect_chain[-1][0] == f"/surveys/{s.pk}/"
    r = c.post(f"/surveys/{s.pk}/close/", follow=True)
    assert "调查已结束" in msgs(r)
    s.refresh_from_db()
    assert s.status == Survey.Status.CLOSED


def test_open_and_close_only_by_post(estate, as_user):
    s = draft(estate)
    assert as_user(estate.mia).get(f"/surveys/{s.pk}/open/").status_code == 405
    assert as_user(estate.mia).get(f"/surveys/{s.pk}/close/").status_code == 405


# Answering and the results ------------------------------------------------------------------------------


def test_bad_answers_are_shown_per_question_and_nothing_is_written(estate, as_user):
    w = estate
    s = opened(w)
    r = s.responses.filter(zone=w.a1).first()
    overall = s.questions.get(kind="overall")
    nps = s.questions.get(kind="nps")
    page = as_user(w.stella).post(f"/surveys/responses/{r.pk}/", answer_data(s, None, nps=11))
    assert page.status_code == 200
    errors = page.context["form"].errors
    assert errors[f"q{overall.pk}"] == ["此题必答"] and errors[f"q{nps.pk}"] == ["分数须在 0-10 之间"]
    assert "提交失败，请按提示修改标红的题目" in body(page)
    r.refresh_from_db()
    assert r.status == Response.Status.PENDING and not r.answers.exists()
    page = as_user(w.stella).post(f"/surveys/responses/{r.pk}/", answer_data(s, 4, channel="portal"))
    assert "无效的访问方式" in body(page) or "选择一个有效的选项" in body(page)
    assert not Answer.objects.exists()


def test_answers_through_the_phone_page_give_the_selectors_figures_on_the_page_and_in_the_xlsx(estate, as_user):
    w = estate
    s = opened(w, intro="您好，我是阳光花园客服中心，想占用您两分钟做个满意度调查。")
    a1 = list(s.responses.filter(zone=w.a1).order_by("unit_id"))
    a2 = list(s.responses.filter(zone=w.a2).order_by("unit_id"))
    stella = as_user(w.stella)
    page = stella.get(f"/surveys/responses/{a1[0].pk}/")
    assert "拨打电话" in body(page) and "想占用您两分钟" in body(page)
    # Zone A1 (stella): overall 5,5,4,4,4,3,2,1 ; one declined ; two not reached.
    for r, score in zip(a1, [5, 5, 4, 4, 4, 3, 2, 1], strict=False):
        nps = 10 if score == 5 else 7 if score >= 3 else 2
        text = "电梯经常坏，希望尽快修好" if score == 1 else ""
        done = stella.post(f"/surveys/responses/{r.pk}/", answer_data(s, score, nps=nps, text=text, channel="visit"))
        assert done.status_code == 302, done.context["form"].errors if done.context else ""
    stella.post(f"/surveys/responses/{a1[8].pk}/decline/")
    # Zone A2 (sam): overall 5,4,4,3,3.
    sam = as_user(w.sam)
    for r, score in zip(a2, [5, 4, 4, 3, 3], strict=False):
        assert sam.post(f"/surveys/responses/{r.pk}/", answer_data(s, score, service=3, nps=8)).status_code == 302
    assert Response.objects.filter(status="answered").count() == 13
    assert Response.objects.get(pk=a1[0].pk).channel == "visit"

    mia = as_user(w.mia)
    page = mia.get(f"/surveys/{s.pk}/results/")
    html = body(page)
    all_responses = selectors.responses_for(w.mia, s)
    total = selectors.overall(all_responses)
    n = selectors.nps(all_responses)
    # The known figures, from the selectors and on the page.
    assert (total.invited, total.answered, total.satisfied, total.scored) == (20, 13, 8, 13)
    stats = page.context["stats"]
    assert stats["invited"] == "20" and stats["answered"] == "13"
    assert stats["response_rate"] == f"{total.response_rate * 100:.1f}%" == "65.0%"
    assert stats["csat"] == f"{total.csat * 100:.1f}%" == "61.5%"
    assert stats["mean"] == f"{total.mean:.2f}" == "3.62"
    assert (n.promoters, n.passives, n.detractors) == (2, 9, 2)
    assert (stats["promoters"], stats["passives"], stats["detractors"], stats["nps"]) == ("2", "9", "2", "0.0")
    zones = {row[0][0]: [v for v, _k in row] for row in page.context["zones"].display}
    assert zones["一区"] == ["一区", "11", "8", "72.7%", "8", "5", "62.5%", "3.50"]
    assert zones["二区"] == ["二区", "9", "5", "55.6%", "5", "3", "60.0%", "3.80"]
    for f in selectors.by_zone(all_responses):
        assert f"{f.csat * 100:.1f}%" in zones[f.label]
    dims = {row[0][0]: [v for v, _k in row] for row in page.context["dims"].display}
    assert dims["客服接待"] == ["客服接待", "13", "8", "61.5%", f"{(8 * 5 + 5 * 3) / 13:.2f}"]
    assert dims["秩序停车"][3] == "100.0%"
    assert "72.7%" in html and "61.5%" in html and "回访 #" in html
    assert page.context["charts"]["zone"] == {"name": "满意率", "labels": ["一区", "二区"], "values": [62.5, 60.0]}
    # The two dissatisfied respondents with their follow-up visits, and the comment.
    visits = ReturnVisit.objects.filter(source=ReturnVisit.Source.SURVEY).order_by("pk")
    assert visits.count() == 2
    for v in visits:
        assert f'href="/visits/{v.pk}/"' in html
    assert "电梯经常坏，希望尽快修好" in html
    assert "满意率</b>：评 4-5 分的答案数 ÷ 有评分的答案数（1-5 分制）" in html

    # The xlsx: one sheet per table, the same numbers.
    x = mia.get(f"/surveys/{s.pk}/results/?export=xlsx")
    assert x.status_code == 200 and x["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(BytesIO(x.content))
    assert wb.sheetnames == ["总体", "按区域", "按楼栋", "按服务维度", "不满意客户", "意见建议"]
    overall_rows = list(wb["总体"].values)
    head, row = overall_rows[0], overall_rows[1]
    got = dict(zip(head, row, strict=True))
    assert got["样本户数"] == 20 and got["已答"] == 13 and got["回答率(%)"] == 65.0
    assert got["总体满意率(%)"] == 61.5 and got["总体平均分"] == 3.62 and got["NPS"] == 0.0
    assert (got["推荐者(9-10分)"], got["中立者(7-8分)"], got["贬损者(0-6分)"]) == (2, 9, 2)
    zone_rows = {r[0]: r for r in list(wb["按区域"].values)[1:]}
    assert zone_rows["一区"] == ("一区", 11, 8, 72.7, 8, 5, 62.5, 3.5)
    assert zone_rows["二区"] == ("二区", 9, 5, 55.6, 5, 3, 60.0, 3.8)
    # Every building: the xlsx row is the page's row (percentages one decimal, means two).
    shown = {row[0][0]: [v for v, _k in row] for row in page.context["buildings"].display}
    building_rows = list(wb["按楼栋"].values)[1:]
    assert len(building_rows) == len(shown) == 5  # 1栋, 2栋 (the fixture's), 10栋, 11栋, 20栋
    for label, invited, answered, rate, scored, satisfied, csat, mean in building_rows:
        expected = [str(invited), str(answered), f"{rate:.1f}%", str(scored), str(satisfied), f"{csat:.1f}%"]
        assert shown[label] == [label, *expected, f"{mean:.2f}"]
    assert building_rows[0][:3] == ("1栋", 1, 1)
    assert len(list(wb["不满意客户"].values)) == 3 and len(list(wb["意见建议"].values)) == 2

    # The results follow the answering page's data scope: a closed survey keeps its figures.
    mia.post(f"/surveys/{s.pk}/close/")
    assert mia.get(f"/surveys/{s.pk}/results/").context["stats"]["csat"] == "61.5%"
    # And an answered questionnaire shows its answers, read only.
    page = stella.get(f"/surveys/responses/{a1[7].pk}/")
    assert "电梯经常坏，希望尽快修好" in body(page) and "提交" not in body(page)


def test_a_dissatisfied_answer_tells_the_visitor_a_follow_up_was_made(estate, as_user):
    w = estate
    s = opened(w)
    r = s.responses.filter(zone=w.a1).first()
    page = as_user(w.stella).post(f"/surveys/responses/{r.pk}/", answer_data(s, 2, nps=3), follow=True)
    assert "该户总体评价不满意，已生成跟进回访任务" in msgs(page)
    assert ReturnVisit.objects.filter(survey_response=r).count() == 1
    # Answering twice is refused with the service's message.
    page = as_user(w.stella).post(f"/surveys/responses/{r.pk}/", answer_data(s, 5), follow=True)
    assert "该户已作答" in msgs(page)
    r.refresh_from_db()
    assert r.overall == 2
    assert Answer.objects.filter(response=r).count() == 6  # 4 ratings + overall + NPS (no text given)
