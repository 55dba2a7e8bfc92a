"""The special-services catalogue: staff keep it (a project's own items, shared items by head office);
customers browse the items of their project and order one, which becomes a special_service case from the
portal with the price, quantity and total; nobody reaches what is not theirs."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kefu import testing as t
from kefu.catalog import services
from kefu.catalog.models import ServiceItem, ServiceOrder
from kefu.core.errors import Forbidden, NotFound, ValidationFailed
from kefu.customers.models import Customer
from kefu.org.models import User
from kefu.tickets.models import Case, Category

pytestmark = pytest.mark.django_db


def account(username, *archives):
    user = t.UserFactory(username=username, name=archives[0].name if archives else username, kind=User.Kind.CUSTOMER)
    for c in archives:
        Customer.objects.filter(pk=c.pk).update(account=user)
    return user


@pytest.fixture
def shop(world):
    w = world
    category = Category.objects.filter(kind="special_service", project__isnull=True, code="JD").first()
    s = type("Shop", (), {})()
    s.w = w
    s.cleaning = services.item_create(
        actor=w.mia, project=w.a, name="家电清洗", price="80", unit="台", category=category, sort=1,
        description="空调、油烟机、洗衣机深度清洗",
    )  # fmt: skip
    s.unblock = services.item_create(actor=w.hera, project=None, name="管道疏通", price="100", unit="次", sort=2)
    s.office = services.item_create(actor=w.mike, project=w.b, name="办公室保洁", price="50", unit="小时")
    s.retired = services.item_create(actor=w.mia, project=w.a, name="开锁", price="60", unit="次", is_active=False)
    s.zhang = account("zhang", w.cust_a1)
    s.wang = account("wang", w.cust_a2)
    s.lina = account("lina", w.cust_b)
    s.nohome = account("nohome")
    return s


def as_(client, user):
    client.force_login(user)
    return client


# Staff ----------------------------------------------------------------------------------------------------


def test_a_manager_adds_an_item_for_the_project_from_the_form(shop, client):
    as_(client, shop.w.mia)
    response = client.post(
        "/catalog/new/",
        {"scope": "project", "name": "保洁", "price": "50", "unit": "小时", "sort": "3", "is_active": "on",
         "description": "日常保洁，2 小时起"},
    )  # fmt: skip
    assert response.status_code == 302
    item = ServiceItem.objects.get(name="保洁")
    assert (item.project, item.price, item.unit, item.price_label) == (
        shop.w.a,
        Decimal("50.00"),
        "小时",
        "¥50.00/小时",
    )
    page = client.get("/catalog/").content.decode()
    assert "¥50.00/小时" in page and "¥80.00/台" in page and "¥100.00/次" in page and "办公室保洁" not in page


def test_shared_items_belong_to_head_office(shop, client):
    with pytest.raises(Forbidden):
        services.item_update(actor=shop.w.mia, item=shop.unblock, name="管道疏通", price="120", unit="次")
    as_(client, shop.w.mia)
    assert client.get(f"/catalog/{shop.unblock.pk}/edit/").status_code == 404
    assert client.post(f"/catalog/{shop.unblock.pk}/toggle/", {"active": "0"}).status_code == 302
    shop.unblock.refresh_from_db()
    assert shop.unblock.is_active  # refused
    services.item_update(actor=shop.w.hera, item=shop.unblock, name="管道疏通", price="120", unit="次")
    shop.unblock.refresh_from_db()
    assert shop.unblock.price == Decimal("120.00")


def test_bad_items_are_refused(shop):
    with pytest.raises(ValidationFailed) as exc:
        services.item_create(actor=shop.w.mia, project=shop.w.a, name="x", price="-1", unit="次")
    assert exc.value.fields == {"price": ["请填写不小于 0 的单价"]}
    repair = Category.objects.filter(kind="repair").first()
    with pytest.raises(ValidationFailed) as exc:
        services.item_create(actor=shop.w.mia, project=shop.w.a, name="x", price="1", unit="次", category=repair)
    assert exc.value.fields == {"category": ["请选择特约服务类的工单分类"]}


def test_staff_of_another_project_and_staff_without_desk_settings_do_not_reach_an_item(shop, client):
    as_(client, shop.w.mike)
    assert client.get(f"/catalog/{shop.cleaning.pk}/edit/").status_code == 404
    assert client.post(f"/catalog/{shop.cleaning.pk}/toggle/", {"active": "0"}).status_code == 404
    assert "家电清洗" not in client.get("/catalog/").content.decode()
    for who in (shop.w.alice, shop.w.sam, shop.zhang):
        as_(client, who)
        assert client.get("/catalog/").status_code == 404
        assert client.get(f"/catalog/{shop.cleaning.pk}/edit/").status_code == 404
    client.logout()
    assert client.get("/catalog/")["Location"].startswith("/login/")


def test_taking_an_item_off_the_shelf(shop, client):
    as_(client, shop.w.mia)
    client.post(f"/catalog/{shop.cleaning.pk}/toggle/", {"active": "0"})
    shop.cleaning.refresh_from_db()
    assert not shop.cleaning.is_active
    as_(client, shop.zhang)
    assert "家电清洗" not in client.get("/m/services/").content.decode()
    assert client.get(f"/m/services/{shop.cleaning.pk}/order/").status_code == 404


# Customers ------------------------------------------------------------------------------------------------


def test_customers_see_their_projects_items_and_the_shared_ones(shop, client):
    as_(client, shop.zhang)
    page = client.get("/m/services/").content.decode()
    assert "家电清洗" in page and "管道疏通" in page and "办公室保洁" not in page and "开锁" not in page
    as_(client, shop.lina)
    page = client.get("/m/services/").content.decode()
    assert "办公室保洁" in page and "管道疏通" in page and "家电清洗" not in page


def test_ordering_makes_a_special_service_case_from_the_portal_with_the_total(shop, client):
    as_(client, shop.zhang)
    page = client.get(f"/m/services/{shop.cleaning.pk}/order/").content.decode()
    assert "¥80.00" in page and shop.w.unit_a1.code in page
    response = client.post(
        f"/m/services/{shop.cleaning.pk}/order/",
        {"unit": shop.w.unit_a1.pk, "quantity": "3", "preferred_time": "周六上午", "note": "两台挂机一台柜机"},
    )
    order = ServiceOrder.objects.get()
    case = order.case
    assert response.status_code == 302 and case.number in response["Location"]
    assert (order.quantity, order.unit_price, order.total) == (Decimal("3"), Decimal("80.00"), Decimal("240.00"))
    assert (case.kind, case.channel, case.status) == ("special_service", "portal", "new")
    assert (case.customer, case.unit, case.created_by) == (shop.w.cust_a1, shop.w.unit_a1, shop.zhang)
    assert case.category.code == "JD" and case.preferred_time == "周六上午"
    assert case.title == "特约服务：家电清洗"
    assert case.description == (
        "特约服务：家电清洗\n单价：¥80.00/台\n数量：3 台\n合计：¥240.00\n备注：两台挂机一台柜机"
    )
    assert case.number.startswith("TY")


def test_a_fractional_quantity_is_priced_to_the_cent(shop):
    sqm = services.item_create(actor=shop.w.mia, project=shop.w.a, name="地板打蜡", price="12.5", unit="平方米")
    order = services.order_create(actor=shop.zhang, item=sqm, unit=shop.w.unit_a1, quantity="35.5")
    assert order.total == Decimal("443.75")
    assert "数量：35.5 平方米\n合计：¥443.75" in order.case.description


def test_a_customer_cannot_order_for_someone_elses_unit_or_another_projects_item(shop, client):
    with pytest.raises(ValidationFailed) as exc:
        services.order_create(actor=shop.zhang, item=shop.cleaning, unit=shop.w.unit_a2, quantity=1)
    assert exc.value.fields == {"unit": ["请选择服务地址（您名下的房屋）"]}
    with pytest.raises(ValidationFailed):
        services.order_create(actor=shop.lina, item=shop.cleaning, unit=shop.w.unit_b, quantity=1)
    with pytest.raises(NotFound):
        services.order_create(actor=shop.zhang, item=shop.retired, unit=shop.w.unit_a1, quantity=1)
    with pytest.raises(ValidationFailed) as exc:
        services.order_create(actor=shop.zhang, item=shop.cleaning, unit=shop.w.unit_a1, quantity=0)
    assert exc.value.fields == {"quantity": ["数量须大于 0"]}
    as_(client, shop.zhang)
    assert client.get(f"/m/services/{shop.office.pk}/order/").status_code == 404
    page = client.post(f"/m/services/{shop.cleaning.pk}/order/", {"unit": shop.w.unit_a2.pk, "quantity": "1"})
    assert page.status_code == 200 and "errorlist" in page.content.decode()  # not one of the choices
    assert not Case.objects.exists() and not ServiceOrder.objects.exists()


def test_an_account_without_a_home_is_asked_to_link_one(shop, client):
    as_(client, shop.nohome)
    page = client.get(f"/m/services/{shop.unblock.pk}/order/").content.decode()
    assert "还没有关联房屋" in page


def test_staff_and_anonymous_visitors_do_not_order(shop, client):
    with pytest.raises((Forbidden, ValidationFailed)):
        services.order_create(actor=shop.w.mia, item=shop.cleaning, unit=shop.w.unit_a1, quantity=1)
    response = client.get(f"/m/services/{shop.cleaning.pk}/order/")
    assert response.status_code == 302 and response["Location"].startswith("/m/login/")
    assert (
        client.post(f"/m/services/{shop.cleaning.pk}/order/", {"unit": shop.w.unit_a1.pk, "quantity": 1}).status_code
        == 302
    )
    assert not Case.objects.exists()
