"""The catalogue API for customers: browse and order (a special_service case), only their own."""

from __future__ import annotations

from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from kefu.catalog.models import ServiceOrder

from .test_catalog import shop  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def test_a_customer_orders_through_the_api(shop, api):  # noqa: F811
    api.force_authenticate(shop.zhang)
    names = [i["name"] for i in api.get("/api/v1/portal/services/").json()["results"]]
    assert names == ["家电清洗", "管道疏通"]
    response = api.post(
        f"/api/v1/portal/services/{shop.unblock.pk}/order/",
        {"unit": shop.w.unit_a1.pk, "quantity": "2", "note": "厨房和卫生间"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["name"], data["total"], data["case_status"]) == ("管道疏通", "200.00", "new")
    order = ServiceOrder.objects.get()
    assert order.case.number == data["case_number"] and order.total == Decimal("200.00")
    assert [o["case_number"] for o in api.get("/api/v1/portal/service-orders/").json()["results"]] == [
        order.case.number
    ]


def test_another_projects_item_or_someone_elses_unit_is_refused(shop, api):  # noqa: F811
    api.force_authenticate(shop.zhang)
    assert (
        api.post(
            f"/api/v1/portal/services/{shop.office.pk}/order/", {"unit": shop.w.unit_a1.pk, "quantity": 1}
        ).status_code
        == 404
    )
    response = api.post(
        f"/api/v1/portal/services/{shop.cleaning.pk}/order/", {"unit": shop.w.unit_a2.pk, "quantity": 1}
    )
    assert response.status_code == 400 and response.json()["fields"] == {"unit": ["请选择服务地址（您名下的房屋）"]}
    api.force_authenticate(shop.wang)
    assert api.get("/api/v1/portal/service-orders/").json()["count"] == 0
    api.force_authenticate(shop.w.mia)
    assert api.get("/api/v1/portal/services/").status_code == 403
    assert not ServiceOrder.objects.exists()
