from io import BytesIO

from django.urls import reverse
from openpyxl import load_workbook

from kefu.conftest import login
from kefu.customers import selectors
from kefu.customers.exporting import CUSTOMER_HEADERS, UNIT_HEADERS
from kefu.customers.models import Contact

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sheet_rows(response):
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    ws = load_workbook(BytesIO(response.content)).active
    return [[c.value for c in row] for row in ws.iter_rows()]


def column(rows, header):
    i = rows[0].index(header)
    return [r[i] for r in rows[1:]]


def test_it_exports_the_customer_list_as_shown_with_masked_phones_and_ids(world, client):
    login(client, world.alice)
    Contact.objects.create(customer=world.cust_a1, kind=Contact.Kind.LANDLINE, value="021-61234567")

    rows = sheet_rows(client.get(reverse("customers:list"), {"export": "xlsx"}))

    assert rows[0] == CUSTOMER_HEADERS
    listed = selectors.customer_list(user=world.alice, project=world.a)
    assert column(rows, "客户编号") == [c.code for c in listed]
    assert column(rows, "客户名称") == ["张伟", "王芳"]
    assert column(rows, "手机") == ["138****1111", "139****2222"]
    assert column(rows, "其他联系方式")[0] == "021-******67"
    assert column(rows, "证件号码") == ["110105********002X"] * 2
    assert column(rows, "房屋") == [world.unit_a1.code, world.unit_a2.code]
    assert column(rows, "项目") == ["阳光花园"] * 2
    assert b"13800001111" not in client.get(reverse("customers:list"), {"export": "xlsx"}).content


def test_it_exports_only_what_the_asker_may_see(world, client):
    def names(user, **params):
        client.force_login(user)
        return column(sheet_rows(client.get(reverse("customers:list"), {"export": "xlsx", **params})), "客户名称")

    assert names(world.alice) == ["张伟", "王芳"]
    assert names(world.stella) == ["张伟"]
    assert names(world.bob) == ["李娜"]
    assert names(world.alice, q="王芳") == ["王芳"]
    client.force_login(world.hera)
    client.post(reverse("core:set_project"), {"project": "all", "next": "/"})
    assert sorted(names(world.hera)) == sorted(["张伟", "王芳", "李娜"])


def test_it_exports_units_scoped_and_in_list_order(world, client):
    login(client, world.alice)

    rows = sheet_rows(client.get(reverse("customers:units"), {"export": "xlsx"}))

    assert rows[0] == UNIT_HEADERS
    assert column(rows, "房屋编码") == [u.code for u in selectors.unit_list(user=world.alice, project=world.a)]
    assert column(rows, "房屋编码") == [world.unit_a1.code, world.unit_a2.code]
    assert column(rows, "责任区域") == ["一区", "二区"]
    assert column(rows, "当前住户") == ["张伟", "王芳"]
    assert column(rows, "状态") == ["入住", "入住"]
    client.force_login(world.bob)
    assert column(sheet_rows(client.get(reverse("customers:units"), {"export": "xlsx"})), "房屋编码") == [
        world.unit_b.code
    ]
