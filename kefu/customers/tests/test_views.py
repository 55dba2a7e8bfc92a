import pytest
from django.urls import reverse

from kefu.customers.models import Customer, RevealLog


@pytest.fixture
def as_user(client):
    def _as(user):
        client.force_login(user)
        return client

    return _as


def test_it_lists_only_customers_in_scope(world, as_user):
    body = as_user(world.alice).get(reverse("customers:list")).content.decode()
    assert "张伟" in body and "王芳" in body
    assert "李娜" not in body
    assert "共 2 条" in body
    assert "138****1111" in body and "13800001111" not in body  # masked in lists


def test_it_shows_the_customer_page_to_staff_in_scope_only(world, as_user):
    url = reverse("customers:detail", args=[world.cust_a1.pk])
    page = as_user(world.alice).get(url)
    assert page.status_code == 200
    body = page.content.decode()
    assert "张伟" in body and "1-1-1201" in body and "110105********002X" in body
    assert "11010519491231002X" not in body
    assert as_user(world.bob).get(url).status_code == 404
    assert as_user(world.fred).get(url).status_code == 404
    assert as_user(world.stella).get(reverse("customers:detail", args=[world.cust_a2.pk])).status_code == 404
    assert as_user(world.hera).get(url).status_code == 200


def test_it_sends_anonymous_users_to_login(world, client):
    r = client.get(reverse("customers:list"))
    assert r.status_code == 302 and r["Location"].startswith("/login/")


def test_it_reveals_a_phone_by_post_only_and_logs_it(world, as_user):
    contact = world.cust_a1.contacts.get()
    url = reverse("customers:contact_reveal", args=[contact.pk])
    c = as_user(world.alice)
    assert c.get(url).status_code == 405
    r = c.post(url)
    assert r.status_code == 200 and "13800001111" in r.content.decode()
    assert RevealLog.objects.filter(user=world.alice, contact=contact).count() == 1
    assert as_user(world.quinn).post(url).status_code == 403  # QC may view archives but not unmask
    assert as_user(world.bob).post(url).status_code == 404
    assert RevealLog.objects.count() == 1


def test_it_creates_a_customer_from_the_form(world, as_user):
    c = as_user(world.alice)
    r = c.post(
        reverse("customers:create"),
        {"name": "钱多多", "kind": "person", "category": "owner", "mobile": "13611112222", "credit_grade": "A"},
    )
    assert r.status_code == 302
    created = Customer.objects.get(name="钱多多")
    assert created.project == world.a and created.contacts.get().value == "13611112222"


def test_it_shows_a_chinese_error_and_writes_nothing_for_a_bad_mobile(world, as_user):
    c = as_user(world.alice)
    r = c.post(
        reverse("customers:create"),
        {"name": "钱多多", "kind": "person", "category": "owner", "mobile": "12345", "credit_grade": "A"},
    )
    assert r.status_code == 200
    assert "手机号码格式不正确" in r.content.decode()
    assert not Customer.objects.filter(name="钱多多").exists()


def test_it_refuses_a_stale_edit_in_the_form(world, as_user):
    url = reverse("customers:edit", args=[world.cust_a1.pk])
    data = {"name": "张伟", "kind": "person", "category": "owner", "version": world.cust_a1.version}
    assert as_user(world.alice).post(url, {**data, "remark": "甲"}).status_code == 302
    r = as_user(world.sam).post(url, {**data, "remark": "乙"})
    assert "已被他人修改" in r.content.decode()
    world.cust_a1.refresh_from_db()
    assert world.cust_a1.remark == "甲"


def test_it_filters_units_and_shows_history(world, as_user):
    c = as_user(world.stella)
    body = c.get(reverse("customers:units")).content.decode()
    assert "1-1-1201" in body and "2-1-0801" not in body
    assert c.get(reverse("customers:unit_detail", args=[world.unit_a2.pk])).status_code == 404


def test_it_shows_the_audit_log_to_managers_only(world, as_user):
    as_user(world.alice).post(reverse("customers:note_add", args=[world.cust_a1.pk]), {"text": "业主来电"})
    c = as_user(world.alice)
    c.post(
        reverse("customers:edit", args=[world.cust_a1.pk]),
        {"name": "张伟伟", "kind": "person", "category": "owner", "version": world.cust_a1.version},
    )
    assert as_user(world.alice).get(reverse("core:audit")).status_code == 403
    body = as_user(world.mia).get(reverse("core:audit")).content.decode()
    assert "张伟伟" in body and world.alice.display_name in body
    assert "张伟伟" not in as_user(world.mike).get(reverse("core:audit")).content.decode()


def test_it_creates_tags_per_project_and_refuses_global_tags_to_agents(world, as_user):
    from kefu.customers.models import Tag

    c = as_user(world.alice)
    assert (
        c.post(reverse("customers:tags"), {"name": "独居老人", "color": "red", "scope": "project"}).status_code == 302
    )
    assert Tag.objects.get(name="独居老人").project == world.a
    r = c.post(reverse("customers:tags"), {"name": "VIP", "color": "red", "scope": "all"})
    assert "您没有权限执行此操作" in r.content.decode()
    assert not Tag.objects.filter(name="VIP").exists()
    assert "独居老人" not in as_user(world.bob).get(reverse("customers:tags")).content.decode()


def test_it_keeps_the_birthday_when_the_edit_form_is_saved_unchanged(world, as_user):
    import datetime as dt

    world.cust_a1.birthday = dt.date(1979, 8, 7)
    world.cust_a1.save()
    body = as_user(world.alice).get(reverse("customers:edit", args=[world.cust_a1.pk])).content.decode()
    assert 'type="date" name="birthday" value="1979-08-07"' in body
