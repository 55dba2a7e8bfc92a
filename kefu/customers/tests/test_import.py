import datetime as dt
import time
from io import BytesIO, StringIO

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from kefu.conftest import login
from kefu.core.errors import Forbidden
from kefu.customers import importing
from kefu.customers.importing import RowError, import_file
from kefu.customers.models import Building, Contact, Customer, Entrance, Occupancy, Tag, Unit

UNIT_HEADERS = ["楼栋编号*", "楼栋名称", "单元", "楼层*", "房号*", "房屋类型", "建筑面积", "责任区域编码"]
CUSTOMER_HEADERS = [
    "客户编号",
    "客户名称*",
    "客户性质",
    "客户类型",
    "证件类型",
    "证件号码",
    "手机",
    "固话",
    "邮箱",
    "微信",
    "信用等级",
    "标签",
    "备注",
]
OCCUPANCY_HEADERS = ["房屋编码*", "客户编号", "客户名称", "手机", "关系*", "入住日期*", "迁出日期", "备注"]
HOUSEHOLD_HEADERS = [
    "楼栋编号*",
    "楼栋名称",
    "单元",
    "楼层*",
    "房号*",
    "房屋类型",
    "建筑面积",
    "责任区域编码",
    "客户名称*",
    "客户性质",
    "客户类型",
    "证件类型",
    "证件号码",
    "手机",
    "固话",
    "标签",
    "关系",
    "入住日期*",
    "迁出日期",
]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx(headers, rows):
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()


def run(user, project, kind, data):
    return import_file(actor=user, project=project, kind=kind, file=BytesIO(data))


def counts():
    return {
        m.__name__: m.objects.count() for m in (Building, Entrance, Unit, Customer, Contact, Occupancy, Tag, LogEntry)
    }


def two_thousand_units():
    """10 buildings x 2 entrances x 25 floors x 4 rooms, in zones A1 and A2."""
    rows = []
    for b in range(10, 20):
        for e in ("1", "2"):
            for floor in range(1, 26):
                for r in range(1, 5):
                    rows.append(
                        [str(b), f"{b}栋", e, floor, f"{floor:02d}{r:02d}", "住宅", 89.5, "A1" if b < 15 else "A2"]
                    )
    assert len(rows) == 2000
    return rows


def test_it_rejects_a_2000_row_file_with_three_bad_rows_and_writes_nothing(world):
    rows = two_thousand_units()
    rows[15][3] = "十二"  # Excel row 17
    rows[998][5] = "别墅"  # Excel row 1000
    rows[1999][7] = "A9"  # Excel row 2001
    before = counts()

    result = run(world.archie, world.a, "units", xlsx(UNIT_HEADERS, rows))

    assert not result.ok
    assert result.errors == [
        RowError(17, "楼层", "应为整数（地下层用负数，如 -1）"),
        RowError(1000, "房屋类型", "只能填写：住宅、办公、商铺、车位、其他"),
        RowError(2001, "责任区域编码", "本项目中没有编码为 A9 的责任区域"),
    ]
    assert str(result.errors[0]) == "第 17 行「楼层」：应为整数（地下层用负数，如 -1）"
    assert counts() == before


def test_it_imports_the_same_2000_rows_once_fixed(world, capsys):
    before = counts()
    started = time.monotonic()

    result = run(world.archie, world.a, "units", xlsx(UNIT_HEADERS, two_thousand_units()))

    elapsed = time.monotonic() - started
    with capsys.disabled():
        print(f"\n2,000-row units import: {elapsed:.1f} s")
    assert result.ok, result.errors[:5]
    assert result.created == {"楼栋": 10, "单元": 20, "房屋": 2000}
    assert Unit.objects.count() == before["Unit"] + 2000
    u = Unit.objects.get(project=world.a, code="12-2-2503")
    assert (u.building.name, u.entrance.code, u.floor, u.number, u.zone, str(u.area)) == (
        "12栋",
        "2",
        25,
        "2503",
        world.a1,
        "89.50",
    )
    assert Building.objects.get(project=world.a, code="12").floors == 25
    assert LogEntry.objects.get_for_object(u).filter(action=LogEntry.Action.CREATE).exists()
    assert elapsed < 60


def test_it_reports_duplicates_inside_the_file_and_existing_units(world):
    rows = [
        ["7", "", "1", 3, "0301", "", "", ""],
        ["7", "", "1", 3, "0302", "", "", ""],
        ["7", "", "1", 3, "0301", "办公", "", ""],
        ["1", "", "1", 12, "1201", "", "", ""],  # world.unit_a1 is 1-1-1201
    ]

    result = run(world.archie, world.a, "units", xlsx(UNIT_HEADERS, rows))

    assert [str(e) for e in result.errors] == [
        "第 4 行「房号」：与第 2 行重复",
        "第 5 行「房号」：房屋编码 1-1-1201 已存在",
    ]
    assert not Building.objects.filter(project=world.a, code="7").exists()


def test_it_imports_customers_with_contacts_tags_and_automatic_codes(world):
    rows = [
        [
            "",
            "赵六",
            "个人",
            "业主",
            "",
            "11010519491231002x",
            "13811112222、13811113333",
            "021-61234567",
            "zl@example.com",
            "zhaoliu",
            "a",
            "业委会、VIP",
            "老业主",
        ],
        [
            "QY-0009",
            "星光科技有限公司",
            "单位",
            "企业客户",
            "统一社会信用代码",
            "91310000MA1K000000",
            "",
            "400-820-8820",
            "",
            "",
            "",
            "VIP",
            "",
        ],
    ]

    result = run(world.sam, world.a, "customers", xlsx(CUSTOMER_HEADERS, rows))

    assert result.ok, result.errors
    assert result.created == {"标签": 2, "客户": 2}
    zhao = Customer.objects.get(project=world.a, name="赵六")
    assert zhao.code == "A-000001"
    assert (zhao.id_type, zhao.credit_grade, zhao.remark) == (Customer.IdType.ID_CARD, "A", "老业主")
    assert sorted(zhao.contacts.values_list("kind", "value", "is_primary")) == [
        ("email", "zl@example.com", False),
        ("landline", "021-61234567", False),
        ("mobile", "13811112222", True),
        ("mobile", "13811113333", False),
        ("wechat", "zhaoliu", False),
    ]
    assert set(zhao.tags.values_list("name", flat=True)) == {"业委会", "VIP"}
    firm = Customer.objects.get(code="QY-0009")
    assert (firm.kind, firm.category, firm.credit_grade) == ("organisation", "enterprise", "B")
    assert list(firm.tags.all()) == [Tag.objects.get(project=world.a, name="VIP")]


def test_it_checks_customer_formats_and_conflicts(world):
    rows = [
        ["", "钱七", "", "", "", "110105194912310022", "1381111222", "", "qq.com", "", "E", "", ""],
        [world.cust_a1.code, "孙八", "", "房东", "", "", "", "12", "", "", "", "", ""],
        ["", "张伟", "", "", "", "", "13800001111", "", "", "", "", "", ""],  # world.cust_a1, same name and mobile
        ["", "", "", "", "身份证", "", "", "", "", "", "", "", ""],
        ["", "周九", "", "", "", 110105194912310021, "", "", "", "", "", "", ""],
    ]
    before = counts()

    result = run(world.archie, world.a, "customers", xlsx(CUSTOMER_HEADERS, rows))

    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "信用等级", "只能填写：A、B、C、D"),
        (2, "手机", "手机号码格式不正确（应为 11 位数字，以 1 开头）"),
        (2, "邮箱", "邮箱格式不正确"),
        (2, "证件号码", "身份证号码格式不正确"),
        (3, "客户类型", "只能填写：业主、租户、住户、企业客户"),
        (3, "固话", "固定电话格式不正确"),
        (3, "客户编号", f"客户编号 {world.cust_a1.code} 已存在"),
        (4, "手机", f"已存在同名且手机号相同的客户（客户编号 {world.cust_a1.code}）"),
        (5, "客户名称", "必填"),
        (5, "证件号码", "填写证件类型时请同时填写证件号码"),
        (6, "证件号码", importing.MSG_ID_AS_NUMBER),
    ]
    assert counts() == before


def test_it_reports_a_duplicate_customer_code_inside_the_file(world):
    rows = [["K1", "甲", *[""] * 11], ["K2", "乙", *[""] * 11], ["K1", "丙", *[""] * 11]]

    result = run(world.archie, world.a, "customers", xlsx(CUSTOMER_HEADERS, rows))

    assert [str(e) for e in result.errors] == ["第 4 行「客户编号」：与第 2 行重复"]


def test_it_imports_occupancy_by_code_or_by_name_and_mobile_with_excel_and_text_dates(world):
    new_unit = Unit.objects.create(
        project=world.a, building=world.unit_a1.building, floor=3, number="0301", code="1-0301"
    )
    rows = [
        [new_unit.code, world.cust_a2.code, "", "", "租户", dt.datetime(2024, 3, 1), "", "短租"],
        [new_unit.code, "", "张伟", "13800001111", "业主", "2023-01-05", "2023/12/31", ""],
        [world.unit_a2.code, "", "张伟", 13800001111, "住户", 45292, "", ""],  # 45292 = 2024-01-01 in Excel
    ]

    result = run(world.archie, world.a, "occupancy", xlsx(OCCUPANCY_HEADERS, rows))

    assert result.ok, result.errors
    assert result.created == {"入住记录": 3}
    assert sorted(new_unit.occupancies.values_list("customer__name", "relation", "move_in", "move_out", "remark")) == [
        ("张伟", "owner", dt.date(2023, 1, 5), dt.date(2023, 12, 31), ""),
        ("王芳", "tenant", dt.date(2024, 3, 1), None, "短租"),
    ]
    new_unit.refresh_from_db()
    assert new_unit.status == Unit.Status.OCCUPIED
    assert Occupancy.objects.get(unit=world.unit_a2, customer=world.cust_a1).move_in == dt.date(2024, 1, 1)


def test_it_checks_occupancy_references(world):
    rows = [
        ["9-9-9999", world.cust_a1.code, "", "", "业主", "2024-01-01", "", ""],
        [world.unit_a2.code, "C-NOPE", "", "", "业主", "2024-01-01", "", ""],
        [world.unit_a2.code, "", "无名氏", "13800000000", "业主", "2024-01-01", "", ""],
        [world.unit_a2.code, "", "", "", "业主", "2024-01-01", "", ""],
        [world.unit_a1.code, world.cust_a1.code, "", "", "业主", "2024-01-01", "", ""],  # already living there
        [world.unit_b.code, world.cust_a1.code, "", "", "业主", "2024-01-01", "", ""],  # another project's unit
        [world.unit_a2.code, world.cust_a1.code, "", "", "邻居", "2024-13-01", "2023-01-01", ""],
        [world.unit_a2.code, world.cust_a1.code, "", "", "住户", "2024-02-01", "2024-01-01", ""],
    ]
    before = counts()

    result = run(world.archie, world.a, "occupancy", xlsx(OCCUPANCY_HEADERS, rows))

    assert [str(e) for e in result.errors] == [
        "第 2 行「房屋编码」：本项目中没有房屋 9-9-9999",
        "第 3 行「客户编号」：本项目中没有客户编号 C-NOPE",
        "第 4 行「客户名称」：本项目中找不到该客户（按客户名称和手机匹配）",
        "第 5 行「客户编号」：请填写客户编号，或同时填写客户名称和手机",
        "第 6 行「房屋编码」：该客户已入住此房屋",
        f"第 7 行「房屋编码」：本项目中没有房屋 {world.unit_b.code}",
        "第 8 行「关系」：只能填写：业主、租户、住户、入驻企业",
        "第 8 行「入住日期」：日期格式不正确，应为日期或 YYYY-MM-DD（如 2024-05-01）",
        "第 9 行「迁出日期」：迁出日期不能早于入住日期",
    ]
    assert counts() == before


def test_it_imports_households_reusing_units_and_customers(world):
    rows = [
        [
            "8",
            "",
            "1",
            5,
            "0501",
            "住宅",
            120,
            "A2",
            "吴十",
            "",
            "业主",
            "",
            "",
            "13822223333",
            "",
            "",
            "",
            "2024-06-01",
            "",
        ],
        ["8", "", "1", 5, "0501", "住宅", 120, "A2", "吴妻", "", "住户", "", "", "", "", "", "", "2024-06-01", ""],
        [
            "8",
            "",
            "1",
            6,
            "0601",
            "",
            "",
            "A2",
            "吴十",
            "",
            "业主",
            "",
            "",
            "13822223333",
            "",
            "",
            "",
            "2024-06-01",
            "",
        ],
        [
            "1",
            "",
            "1",
            12,
            "1201",
            "",
            "",
            "",
            "王芳",
            "",
            "",
            "",
            "",
            "13900002222",
            "",
            "",
            "租户",
            "2024-07-01",
            "",
        ],  # existing unit and existing customer
    ]

    result = run(world.archie, world.a, "households", xlsx(HOUSEHOLD_HEADERS, rows))

    assert result.ok, result.errors
    assert result.created == {"楼栋": 1, "单元": 1, "房屋": 2, "客户": 2, "入住记录": 4}
    wu = Customer.objects.get(project=world.a, name="吴十")
    assert sorted(wu.occupancies.values_list("unit__code", "relation")) == [
        ("8-1-0501", "owner"),
        ("8-1-0601", "owner"),
    ]
    assert Occupancy.objects.get(customer__name="吴妻").relation == "occupant"
    assert Occupancy.objects.get(unit=world.unit_a1, customer=world.cust_a2).relation == "tenant"


def test_it_rejects_a_file_that_is_not_xlsx(world, client):
    login(client, world.archie)
    upload = SimpleUploadedFile("房屋.xlsx", "楼栋编号,房号\n1,101\n".encode(), content_type="text/csv")

    response = client.post(reverse("customers:import"), {"kind": "units", "file": upload})

    assert response.status_code == 400
    assert importing.MSG_NOT_XLSX in response.content.decode()
    result = run(world.archie, world.a, "units", b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    assert [e.message for e in result.errors] == [importing.MSG_OLD_XLS]


def test_it_rejects_wrong_headers_and_missing_columns(world):
    customers_file = xlsx(CUSTOMER_HEADERS, [["", "甲", *[""] * 11]])
    assert [str(e) for e in run(world.archie, world.a, "units", customers_file).errors] == [
        "表头不正确：第 1 行应为「房屋」导入模板的列名，请下载模板后按模板填写"
    ]
    no_floor = xlsx(["楼栋编号", "房号"], [["1", "101"]])
    assert [str(e) for e in run(world.archie, world.a, "units", no_floor).errors] == [
        "第 1 行「楼层」：缺少必填列，请使用「房屋」导入模板"
    ]
    assert [str(e) for e in run(world.archie, world.a, "units", xlsx(UNIT_HEADERS, [])).errors] == ["文件中没有数据行"]


def test_it_limits_rows_and_size(world):
    rows = two_thousand_units()[:6]
    with override_settings(KEFU_IMPORT_MAX_ROWS=5):
        result = run(world.archie, world.a, "units", xlsx(UNIT_HEADERS, rows))
    assert [str(e) for e in result.errors] == ["数据行过多：一次最多导入 5 行，请分成多个文件导入"]
    with override_settings(KEFU_IMPORT_MAX_BYTES=1024 * 1024):
        result = run(world.archie, world.a, "units", b"PK" + b"x" * (1024 * 1024))
    assert [str(e) for e in result.errors] == ["文件过大：不能超过 1.0 MB，请分成多个文件导入"]


def test_it_refuses_users_without_the_import_permission(world, client):
    data = xlsx(UNIT_HEADERS, [["7", "", "", 1, "101", "", "", ""]])
    for user in (world.alice, world.bob, world.stella):
        client.force_login(user)
        upload = SimpleUploadedFile("u.xlsx", data, content_type=XLSX)
        assert client.post(reverse("customers:import"), {"kind": "units", "file": upload}).status_code == 403
        assert client.get(reverse("customers:import")).status_code == 403
        assert client.get(reverse("customers:import_template", args=["units"])).status_code == 403
    # A manager of project B may import into B, but not into A.
    with pytest.raises(Forbidden):
        run(world.mike, world.a, "units", data)
    assert not Building.objects.filter(code="7").exists()


def test_it_imports_through_the_page_and_shows_the_summary(world, client):
    login(client, world.sam)
    page = client.get(reverse("customers:import"))
    assert page.status_code == 200
    assert reverse("customers:import_template", args=["customers"]) in page.content.decode()
    upload = SimpleUploadedFile("u.xlsx", xlsx(UNIT_HEADERS, [["7", "", "", 1, "101", "", "", ""]]), content_type=XLSX)

    response = client.post(reverse("customers:import"), {"kind": "units", "file": upload})

    assert response.status_code == 200
    assert "导入成功：共 1 行，新增楼栋 1 条，房屋 1 条。" in response.content.decode()
    assert Unit.objects.filter(project=world.a, code="7-101").exists()


def test_it_shows_every_error_on_the_page(world, client):
    login(client, world.sam)
    rows = [["7", "", "", 1, "101", "", "", ""], ["7", "", "", 1, "101", "", "", "Z9"]]
    upload = SimpleUploadedFile("u.xlsx", xlsx(UNIT_HEADERS, rows), content_type=XLSX)

    response = client.post(reverse("customers:import"), {"kind": "units", "file": upload})

    html = response.content.decode()
    assert response.status_code == 400
    assert "导入失败：发现 2 处错误，未写入任何数据。" in html
    assert "<td>3</td><td>责任区域编码</td>" in html
    assert "本项目中没有编码为 Z9 的责任区域" in html
    assert "与第 2 行重复" in html


def test_it_asks_to_choose_a_project_when_none_is_chosen(world, client):
    login(client, world.hera)
    client.post(reverse("core:set_project"), {"project": "all", "next": "/"})

    response = client.get(reverse("customers:import"))

    assert response.status_code == 200
    assert "请先在顶部“当前项目”中选择要导入的项目" in response.content.decode()


@pytest.mark.parametrize(
    ("kind", "headers"),
    [
        ("units", UNIT_HEADERS),
        ("customers", CUSTOMER_HEADERS),
        ("occupancy", OCCUPANCY_HEADERS),
        ("households", HOUSEHOLD_HEADERS),
    ],
)
def test_it_serves_templates_with_chinese_headers_an_example_and_notes(world, client, kind, headers):
    login(client, world.archie)

    response = client.get(reverse("customers:import_template", args=[kind]))

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert "attachment" in response["Content-Disposition"]
    wb = load_workbook(BytesIO(response.content))
    data, notes = wb.worksheets
    assert [c.value for c in data[1]] == headers
    assert any(c.value not in (None, "") for c in data[2])
    assert notes.title == "填写说明"
    assert [c.value for c in notes[1]] == ["列名", "必填", "格式", "说明"]
    assert [notes.cell(row=i, column=1).value for i in range(2, len(headers) + 2)] == [h.rstrip("*") for h in headers]


def test_it_imports_the_units_template_example_as_it_is(world, client):
    login(client, world.archie)
    template = client.get(reverse("customers:import_template", args=["units"])).content

    result = run(world.archie, world.a, "units", template)

    assert result.ok, result.errors
    assert Unit.objects.get(project=world.a, code="3-2-1201").zone == world.a1


def test_it_imports_from_the_command_line(world, tmp_path):
    good = tmp_path / "units.xlsx"
    good.write_bytes(xlsx(UNIT_HEADERS, [["7", "", "", 1, "101", "", "", ""]]))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(xlsx(UNIT_HEADERS, [["7", "", "", "一", "102", "", "", ""]]))
    out, err = StringIO(), StringIO()
    call_command("import_archives", str(good), project="A", kind="units", user="archie", stdout=out, stderr=err)
    assert "导入成功：共 1 行" in out.getvalue()
    assert Unit.objects.filter(project=world.a, code="7-101").exists()

    with pytest.raises(CommandError, match="导入失败：发现 1 处错误"):
        call_command("import_archives", str(bad), project="A", kind="units", user="archie", stdout=out, stderr=err)
    assert "第 2 行「楼层」：应为整数（地下层用负数，如 -1）" in err.getvalue()
    with pytest.raises(CommandError, match="您没有在该项目导入档案的权限"):
        call_command("import_archives", str(good), project="A", kind="units", user="alice", stdout=out, stderr=err)


def test_it_numbers_automatic_codes_after_an_explicit_code_with_the_project_prefix(world):
    rows = [["A-VIP", "甲", *[""] * 11], ["", "乙", *[""] * 11], ["", "丙", *[""] * 11]]
    before = counts()

    result = run(world.archie, world.a, "customers", xlsx(CUSTOMER_HEADERS, rows))

    if not result.ok:  # whatever a service refuses mid-way, nothing of the file stays written
        assert counts() == before
    assert result.ok, result.errors
