import pytest
from rest_framework.test import APIClient

from kefu.customers.models import Customer, RevealLog


@pytest.fixture
def api():
    def _as(user):
        c = APIClient()
        if user is not None:
            c.force_authenticate(user)
        return c

    return _as


def test_it_lists_customers_in_scope_with_masked_numbers(world, api):
    r = api(world.alice).get("/api/v1/customers/")
    assert r.status_code == 200
    names = {row["name"] for row in r.json()["results"]}
    assert names == {"张伟", "王芳"}
    row = next(x for x in r.json()["results"] if x["name"] == "张伟")
    assert row["contacts"][0]["value"] == "138****1111"
    assert row["id_number"] == "110105********002X"
    assert row["units"] == ["1-1-1201"]


@pytest.mark.parametrize("who", ["bob", "fred", "stella"])
def test_it_answers_404_for_customers_out_of_scope(world, api, who):
    r = api(getattr(world, who)).get(f"/api/v1/customers/{world.cust_a2.pk}/")
    assert r.status_code == 404
    assert r.json()["code"] == "not_found"


def test_it_refuses_anonymous_callers(world, api):
    assert api(None).get("/api/v1/customers/").status_code in (401, 403)


def test_it_creates_with_field_errors_and_writes_nothing_on_bad_input(world, api):
    r = api(world.alice).post(
        "/api/v1/customers/",
        {"project": "A", "name": "钱多多", "contacts": [{"kind": "mobile", "value": "123"}]},
        format="json",
    )
    assert r.status_code == 400
    assert r.json()["fields"]["value"] == ["手机号码格式不正确（应为 11 位数字，以 1 开头）"]
    assert not Customer.objects.filter(name="钱多多").exists()
    r = api(world.alice).post("/api/v1/customers/", {"project": "A"}, format="json")
    assert r.status_code == 400 and "name" in r.json()["fields"]
    r = api(world.bob).post("/api/v1/customers/", {"project": "A", "name": "越权"}, format="json")
    assert r.status_code == 400 and r.json()["fields"] == {"project": ["项目不存在"]}


def test_it_creates_and_updates_with_a_version_check(world, api):
    r = api(world.alice).post(
        "/api/v1/customers/",
        {"project": "A", "name": "钱多多", "contacts": [{"kind": "mobile", "value": "13611112222"}]},
        format="json",
    )
    assert r.status_code == 201
    pk, version = r.json()["id"], r.json()["version"]
    r = api(world.alice).patch(f"/api/v1/customers/{pk}/", {"version": version, "remark": "VIP"}, format="json")
    assert r.status_code == 200 and r.json()["version"] == version + 1
    r = api(world.sam).patch(f"/api/v1/customers/{pk}/", {"version": version, "remark": "覆盖"}, format="json")
    assert r.status_code == 409 and r.json()["code"] == "stale"


def test_it_reveals_through_the_api_and_logs(world, api):
    contact = world.cust_a1.contacts.get()
    url = f"/api/v1/customers/{world.cust_a1.pk}/reveal/"
    r = api(world.alice).post(url, {"field": "phone", "contact": contact.pk}, format="json")
    assert r.status_code == 200 and r.json() == {"value": "13800001111"}
    r = api(world.alice).post(url, {"field": "id_number"}, format="json")
    assert r.status_code == 403
    assert RevealLog.objects.filter(channel="api").count() == 1


def test_it_scopes_units_and_moves_people_in(world, api):
    r = api(world.stella).get("/api/v1/units/")
    assert [u["code"] for u in r.json()["results"]] == ["1-1-1201"]
    r = api(world.alice).post(
        f"/api/v1/units/{world.unit_b.pk}/move-in/",
        {"customer": world.cust_a1.pk, "relation": "owner", "move_in": "2026-01-01"},
        format="json",
    )
    assert r.status_code == 404
    r = api(world.alice).post(
        f"/api/v1/units/{world.unit_a2.pk}/move-in/",
        {"customer": world.cust_a1.pk, "relation": "tenant", "move_in": "2026-01-01"},
        format="json",
    )
    assert r.status_code == 201


def test_it_serves_a_valid_openapi_schema(world, api):
    r = api(world.alice).get("/api/schema/")
    assert r.status_code == 200
    assert b"/api/v1/customers/" in r.content


def test_it_accepts_token_auth_for_systems_with_the_same_scope(world):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=world.bob)
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    r = c.get("/api/v1/customers/")
    assert r.status_code == 200
    assert [row["name"] for row in r.json()["results"]] == ["李娜"]
    assert c.get(f"/api/v1/customers/{world.cust_a1.pk}/").status_code == 404
