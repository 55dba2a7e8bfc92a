"""Archive import from xlsx (档案导入): units, customers, occupancy, and whole households.

All or nothing: every row of the file is checked first (formats, enums, references, conflicts with
existing data, duplicates inside the file) and nothing is written unless there is no error at all.
The writes then go through kefu.customers.services, one call per object, inside one transaction;
if a service still refuses a row, everything written so far is rolled back and the refusal is
reported like any other row error. Used by the 档案导入 page and the import_archives command.
"""

from __future__ import annotations

import datetime as dt
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from io import BytesIO
from typing import IO, Any

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Q

from kefu.core.errors import ApplicationError, Forbidden, ValidationFailed
from kefu.org.models import Project, User, Zone
from kefu.org.roles import Perm
from kefu.org.scope import can

from . import services
from .models import Building, Contact, CreditGrade, Customer, Entrance, Occupancy, Tag, Unit

MSG_FORBIDDEN = "您没有在该项目导入档案的权限"
MSG_UNKNOWN_KIND = "未知的导入类型"
MSG_TOO_BIG = "文件过大：不能超过 {mb} MB，请分成多个文件导入"
MSG_NOT_XLSX = "无法读取该文件：请上传 Excel 2007 及以上版本的 .xlsx 文件（可先下载导入模板）"
MSG_OLD_XLS = "不支持旧版 .xls 文件：请在 Excel 中“另存为”.xlsx 格式后再上传"
MSG_EMPTY = "文件中没有数据行"
MSG_TOO_MANY = "数据行过多：一次最多导入 {n} 行，请分成多个文件导入"
MSG_BAD_HEADERS = "表头不正确：第 1 行应为「{kind}」导入模板的列名，请下载模板后按模板填写"
MSG_MISSING_COLUMN = "缺少必填列，请使用「{kind}」导入模板"
MSG_DUPLICATE_COLUMN = "列名重复"
MSG_REQUIRED = "必填"
MSG_CHOICES = "只能填写：{choices}"
MSG_INT = "应为整数"
MSG_FLOOR = "应为整数（地下层用负数，如 -1）"
MSG_FLOOR_RANGE = "楼层应在 -20 到 300 之间"
MSG_DECIMAL = "应为大于 0 的数字，如 89.5"
MSG_DATE = "日期格式不正确，应为日期或 YYYY-MM-DD（如 2024-05-01）"
MSG_TOO_LONG = "不能超过 {n} 个字符"
MSG_DUPLICATE_ROW = "与第 {row} 行重复"
MSG_UNIT_EXISTS = "房屋编码 {code} 已存在"
MSG_CUSTOMER_EXISTS = "客户编号 {code} 已存在"
MSG_CUSTOMER_SAME = "已存在同名且手机号相同的客户（客户编号 {code}）"
MSG_ZONE_MISSING = "本项目中没有编码为 {code} 的责任区域"
MSG_UNIT_MISSING = "本项目中没有房屋 {code}"
MSG_CUSTOMER_MISSING = "本项目中没有客户编号 {code}"
MSG_CUSTOMER_NOT_FOUND = "本项目中找不到该客户（按客户名称和手机匹配）"
MSG_CUSTOMER_AMBIGUOUS = "匹配到多个同名同手机号的客户，请填写客户编号"
MSG_CUSTOMER_WHO = "请填写客户编号，或同时填写客户名称和手机"
MSG_ID_AS_NUMBER = "证件号码被 Excel 当作数字保存，末几位已丢失：请将该列设为文本格式后重新填写"
MSG_ID_TYPE = "填写证件类型时请同时填写证件号码"
MSG_WRITE_FAILED = "写入失败，已全部撤销"

LIST_SPLIT_RE = re.compile(r"[、,，;；/\s]+")


# Columns -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    type: str = "text"  # text | int | floor | decimal | date | choice | list
    choices: tuple[tuple[str, str], ...] = ()  # (label in the sheet, stored value)
    max_length: int = 0
    example: Any = ""
    help: str = ""

    @property
    def title(self) -> str:
        """The header as written in the template: required columns carry a trailing *."""
        return f"{self.header}*" if self.required else self.header

    def describe(self) -> str:
        if self.type == "choice":
            return "可选：" + "、".join(label for label, _ in self.choices)
        return {
            "int": "整数",
            "floor": "整数，地下层用负数",
            "decimal": "数字，最多两位小数",
            "date": "日期，如 2024-05-01",
            "list": "多个用顿号、逗号分隔",
        }.get(self.type, f"文本，不超过 {self.max_length} 字" if self.max_length else "文本")


def _labels(choices: Sequence[tuple[Any, Any]]) -> tuple[tuple[str, str], ...]:
    return tuple((str(label), str(value)) for value, label in choices)


UNIT_KINDS = _labels(Unit.Kind.choices)
CUSTOMER_KINDS = _labels(Customer.Kind.choices)
CUSTOMER_CATEGORIES = _labels(Customer.Category.choices)
ID_TYPES = _labels(Customer.IdType.choices)
GRADES = tuple((str(v), str(v)) for v in CreditGrade.values)
RELATIONS = _labels(Occupancy.Relation.choices)
# Other ways people write the same value in real sheets.
ALIASES: dict[str, dict[str, str]] = {
    "id_type": {"身份证": Customer.IdType.ID_CARD, "营业执照": Customer.IdType.USCC},
    "kind": {"企业": Customer.Kind.ORGANISATION, "公司": Customer.Kind.ORGANISATION},
    "relation": {"企业": Occupancy.Relation.ENTERPRISE, "租客": Occupancy.Relation.TENANT},
    "category": {"租客": Customer.Category.TENANT, "企业": Customer.Category.ENTERPRISE},
}

C_BUILDING = Column("building", "楼栋编号", True, max_length=20, example="3", help="同一项目内唯一，如 3 或 A座")
C_BUILDING_NAME = Column(
    "building_name", "楼栋名称", max_length=50, example="3栋", help="新楼栋的名称，空则为“编号+栋”"
)
C_ENTRANCE = Column("entrance", "单元", max_length=20, example="2", help="单元编号；无单元的楼栋留空")
C_FLOOR = Column("floor", "楼层", True, "floor", example=12)
C_NUMBER = Column("number", "房号", True, max_length=20, example="1201", help="请设为文本格式，以免 0801 变成 801")
C_UNIT_KIND = Column("unit_kind", "房屋类型", type="choice", choices=UNIT_KINDS, example="住宅", help="空则为住宅")
C_AREA = Column("area", "建筑面积", type="decimal", example=89.5, help="平方米")
C_ZONE = Column("zone", "责任区域编码", max_length=20, example="A1", help="须为本项目已建的责任区域")
C_CODE = Column("code", "客户编号", max_length=30, example="", help="空则自动编号")
C_NAME = Column("name", "客户名称", True, max_length=100, example="张三")
C_KIND = Column("kind", "客户性质", type="choice", choices=CUSTOMER_KINDS, example="个人", help="空则为个人")
C_CATEGORY = Column(
    "category", "客户类型", type="choice", choices=CUSTOMER_CATEGORIES, example="业主", help="空则为业主"
)
C_ID_TYPE = Column(
    "id_type",
    "证件类型",
    type="choice",
    choices=ID_TYPES,
    example="居民身份证",
    help="空而填了证件号码时：个人为居民身份证，单位为统一社会信用代码",
)
C_ID_NUMBER = Column(
    "id_number", "证件号码", max_length=40, example="11010519491231002X", help="请设为文本格式；身份证号会校验校验位"
)
C_MOBILE = Column("mobile", "手机", type="list", example="13800001111", help="11 位手机号，多个用顿号分隔")
C_LANDLINE = Column("landline", "固话", type="list", example="021-61234567", help="如 021-61234567")
C_EMAIL = Column("email", "邮箱", type="list", example="")
C_WECHAT = Column("wechat", "微信", type="list", example="")
C_GRADE = Column(
    "credit_grade", "信用等级", type="choice", choices=GRADES, example="B", help="A 优、B 良、C 一般、D 差；空则为 B"
)
C_TAGS = Column("tags", "标签", type="list", example="业委会、VIP", help="本项目没有的标签会自动新建")
C_REMARK = Column("remark", "备注", example="")
C_UNIT_CODE = Column("unit_code", "房屋编码", True, max_length=50, example="3-2-1201", help="楼栋-单元-房号")
C_RELATION = Column("relation", "关系", True, "choice", RELATIONS, example="业主")
C_MOVE_IN = Column("move_in", "入住日期", True, "date", example=dt.date(2024, 5, 1))
C_MOVE_OUT = Column("move_out", "迁出日期", type="date", example="", help="仍在住则留空")
C_OCC_REMARK = Column("occ_remark", "备注", max_length=200, example="")


# Results ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    row: int  # as Excel shows it; 0 for the file as a whole
    column: str
    message: str

    def __str__(self) -> str:
        if not self.row:
            return self.message
        where = f"第 {self.row} 行「{self.column}」" if self.column else f"第 {self.row} 行"
        return f"{where}：{self.message}"


@dataclass
class ImportResult:
    kind: str
    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)  # label -> count, e.g. {"房屋": 2000}

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        if not self.ok:
            return f"导入失败：发现 {len(self.errors)} 处错误，未写入任何数据。请修改后重新上传整个文件。"
        parts = "，".join(f"{label} {n} 条" for label, n in self.created.items() if n) or "无新增"
        return f"导入成功：共 {self.rows} 行，新增{parts}。"


class _Rejected(Exception):
    """Raised inside the write transaction to roll it back."""


@dataclass
class Row:
    number: int
    values: dict[str, Any]
    ok: bool = True


# Cell parsing -----------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    return str(value).strip()


def _parse(col: Column, raw: Any) -> Any:
    """Turn one cell into a Python value, or raise ValueError with the reason in Chinese."""
    text = _text(raw)
    if col.type == "date":
        return _parse_date(raw, text)
    if not text:
        if col.required:
            raise ValueError(MSG_REQUIRED)
        return [] if col.type == "list" else None if col.type in ("int", "floor", "decimal") else ""
    if col.max_length and len(text) > col.max_length:
        raise ValueError(MSG_TOO_LONG.format(n=col.max_length))
    if col.type in ("int", "floor"):
        if not re.fullmatch(r"-?\d+", text):
            raise ValueError(MSG_FLOOR if col.type == "floor" else MSG_INT)
        if col.type == "floor" and not -20 <= int(text) <= 300:
            raise ValueError(MSG_FLOOR_RANGE)
        return int(text)
    if col.type == "decimal":
        try:
            number = Decimal(text).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        except InvalidOperation:
            raise ValueError(MSG_DECIMAL) from None
        if not number.is_finite() or number <= 0 or number >= Decimal("10000000"):
            raise ValueError(MSG_DECIMAL)
        return number
    if col.type == "choice":
        lookup = {label: value for label, value in col.choices} | {value: value for _, value in col.choices}
        lookup |= ALIASES.get(col.key, {})
        key = text.upper() if col.key == "credit_grade" else text
        if key not in lookup:
            raise ValueError(MSG_CHOICES.format(choices="、".join(label for label, _ in col.choices)))
        return lookup[key]
    if col.type == "list":
        return [p for p in LIST_SPLIT_RE.split(text) if p]
    return text


def _parse_date(raw: Any, text: str) -> dt.date | None:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if not text:
        return None
    if isinstance(raw, int | float) and 1 <= raw < 2958466:  # an Excel serial day number
        from openpyxl.utils.datetime import from_excel  # openpyxl only where a workbook is read or written

        value = from_excel(raw)
        return value.date() if isinstance(value, dt.datetime) else None
    m = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?", text)
    if m:
        try:
            return dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            pass
    raise ValueError(MSG_DATE)


# Kinds ------------------------------------------------------------------------------------------


class Importer(ABC):
    """One kind of import. Subclasses name their columns, check rows against the project's
    existing data (preloaded once), and write rows through the services."""

    kind = ""
    label = ""
    columns: tuple[Column, ...] = ()

    def __init__(self, actor: User, project: Project) -> None:
        self.actor = actor
        self.project = project
        self.errors: list[RowError] = []
        self.created: dict[str, int] = {}

    def error(self, row: Row, key: str, message: str) -> None:
        header = next((c.header for c in self.columns if c.key == key), key)
        self.errors.append(RowError(row.number, header, message))
        row.ok = False

    def count(self, label: str) -> None:
        self.created[label] = self.created.get(label, 0) + 1

    def preload(self) -> None:  # noqa: B027 (a hook: most importers need no preloading of their own)
        """Load what the checks need from the database, once."""

    @abstractmethod
    def check(self, row: Row) -> None:
        """Validate one row against the file and the preloaded data; report problems with error()."""

    @abstractmethod
    def write(self, row: Row) -> None:
        """Write one valid row through the services."""

    def write_order(self, rows: list[Row]) -> list[Row]:
        return rows

    def _duplicate(self, seen: dict[Any, int], key: Any, row: Row, column: str) -> bool:
        first = seen.setdefault(key, row.number)
        if first != row.number:
            self.error(row, column, MSG_DUPLICATE_ROW.format(row=first))
            return True
        return False


class _UnitRows(Importer):
    """Checks and writes of the unit columns, shared by `units` and `households`."""

    def preload(self) -> None:
        super().preload()
        p = self.project
        self.unit_ids = dict(Unit.objects.filter(project=p).values_list("code", "pk"))
        self.zone_ids = dict(Zone.objects.filter(project=p).values_list("code", "pk"))
        self.buildings = {b.code: b for b in Building.objects.filter(project=p)}
        self.entrances = {
            (e.building.code, e.code): e
            for e in Entrance.objects.filter(building__project=p).select_related("building")
        }
        self.floors: dict[str, int] = {}
        self.new_units: dict[str, Unit] = {}
        self.zones: dict[str, Zone] = {}

    def unit_code_of(self, v: dict[str, Any]) -> str:
        return services.unit_code(
            Building(code=v["building"]), Entrance(code=v["entrance"]) if v["entrance"] else None, v["number"]
        )

    def check_unit(self, row: Row) -> str:
        v = row.values
        if v["zone"] and v["zone"] not in self.zone_ids:
            self.error(row, "zone", MSG_ZONE_MISSING.format(code=v["zone"]))
        if not (v["building"] and v["number"]):
            return ""
        code = self.unit_code_of(v)
        if len(code) > 50:
            self.error(row, "number", MSG_TOO_LONG.format(n=50))
        if isinstance(v["floor"], int):
            self.floors[v["building"]] = max(self.floors.get(v["building"], 0), v["floor"])
        return code

    def write_unit(self, row: Row) -> Unit:
        v, a = row.values, self.actor
        code = self.unit_code_of(v)
        if code in self.new_units:
            return self.new_units[code]
        building = self.buildings.get(v["building"])
        if building is None:
            building = services.building_create(
                actor=a,
                project=self.project,
                code=v["building"],
                name=v["building_name"],
                floors=self.floors.get(v["building"], 0),
            )
            self.buildings[building.code] = building
            self.count("楼栋")
        entrance = None
        if v["entrance"]:
            entrance = self.entrances.get((building.code, v["entrance"]))
            if entrance is None:
                entrance = services.entrance_get_or_create(actor=a, building=building, code=v["entrance"])
                self.entrances[(building.code, entrance.code)] = entrance
                self.count("单元")
        zone = None
        if v["zone"]:
            if not self.zones:
                self.zones = {z.code: z for z in Zone.objects.filter(project=self.project)}
            zone = self.zones[v["zone"]]
        unit = services.unit_create(
            actor=a,
            building=building,
            entrance=entrance,
            number=v["number"],
            floor=v["floor"],
            area=v["area"],
            kind=v["unit_kind"] or Unit.Kind.RESIDENCE,
            zone=zone,
        )
        self.new_units[code] = unit
        self.count("房屋")
        return unit


class UnitImporter(_UnitRows):
    kind = "units"
    label = "房屋"
    columns = (C_BUILDING, C_BUILDING_NAME, C_ENTRANCE, C_FLOOR, C_NUMBER, C_UNIT_KIND, C_AREA, C_ZONE)

    def preload(self) -> None:
        super().preload()
        self.seen: dict[str, int] = {}

    def check(self, row: Row) -> None:
        code = self.check_unit(row)
        if not code:
            return
        if code in self.unit_ids:
            self.error(row, "number", MSG_UNIT_EXISTS.format(code=code))
        else:
            self._duplicate(self.seen, code, row, "number")

    def write(self, row: Row) -> None:
        self.write_unit(row)


class _CustomerRows(Importer):
    """Checks and writes of the customer columns, shared by `customers` and `households`."""

    def preload(self) -> None:
        super().preload()
        p = self.project
        self.customer_ids = dict(Customer.objects.filter(project=p).values_list("code", "pk"))
        self.by_name_mobile: dict[tuple[str, str], list[str]] = {}
        for name, value, code in Contact.objects.filter(customer__project=p, kind=Contact.Kind.MOBILE).values_list(
            "customer__name", "value", "customer__code"
        ):
            self.by_name_mobile.setdefault((name, value), []).append(code)
        tags = Tag.objects.filter(Q(project=p) | Q(project__isnull=True))
        # A project's own tag wins over a global one of the same name.
        self.tags = {t.name: t for t in sorted(tags, key=lambda t: t.project_id is not None)}

    def check_customer(self, row: Row) -> None:
        v = row.values
        for kind in ("mobile", "landline", "email", "wechat"):
            cleaned = []
            for value in v.get(kind, []):
                if len(value) > 100:
                    self.error(row, kind, MSG_TOO_LONG.format(n=100))
                    continue
                try:
                    cleaned.append(services.validate_contact(kind, value))
                except ValidationFailed as exc:
                    self.error(row, kind, exc.message)
            v[kind] = cleaned
        raw_id = v.get("id_number", "")
        if v.get("id_type") and not raw_id:
            self.error(row, "id_number", MSG_ID_TYPE)
        if raw_id:
            if not v.get("id_type"):
                org = v.get("kind") == Customer.Kind.ORGANISATION
                v["id_type"] = Customer.IdType.USCC if org else Customer.IdType.ID_CARD
            try:
                v["id_number"] = services.validate_id_number(v["id_type"], raw_id)
            except ValidationFailed as exc:
                as_number = isinstance(v.get("_raw_id_number"), int | float)
                self.error(row, "id_number", MSG_ID_AS_NUMBER if as_number else exc.message)
        for tag in v.get("tags", []):
            if len(tag) > 30:
                self.error(row, "tags", MSG_TOO_LONG.format(n=30))

    def write_customer(self, row: Row) -> Customer:
        v = row.values
        contacts = [
            services.ContactInput(kind=k, value=x)
            for k in ("mobile", "landline", "email", "wechat")
            for x in v.get(k, [])
        ]
        tags = []
        for name in dict.fromkeys(v.get("tags", [])):
            if name not in self.tags:
                self.tags[name] = services.tag_create(actor=self.actor, project=self.project, name=name)
                self.count("标签")
            tags.append(self.tags[name])
        customer = services.customer_create(
            actor=self.actor,
            project=self.project,
            code=v.get("code", ""),
            name=v["name"],
            kind=v.get("kind") or Customer.Kind.PERSON,
            category=v.get("category") or Customer.Category.OWNER,
            id_type=v.get("id_type", ""),
            id_number=v.get("id_number", ""),
            remark=v.get("remark", ""),
            credit_grade=v.get("credit_grade") or CreditGrade.B,
            contacts=contacts,
            tags=tags,
        )
        self.count("客户")
        return customer


class CustomerImporter(_CustomerRows):
    kind = "customers"
    label = "客户"
    columns = (
        C_CODE,
        C_NAME,
        C_KIND,
        C_CATEGORY,
        C_ID_TYPE,
        C_ID_NUMBER,
        C_MOBILE,
        C_LANDLINE,
        C_EMAIL,
        C_WECHAT,
        C_GRADE,
        C_TAGS,
        C_REMARK,
    )

    def preload(self) -> None:
        super().preload()
        self.seen_codes: dict[str, int] = {}
        self.seen_people: dict[tuple[str, str], int] = {}

    def check(self, row: Row) -> None:
        self.check_customer(row)
        v = row.values
        if v["code"]:
            if v["code"] in self.customer_ids:
                self.error(row, "code", MSG_CUSTOMER_EXISTS.format(code=v["code"]))
            else:
                self._duplicate(self.seen_codes, v["code"], row, "code")
        if v["name"] and v["mobile"]:
            key = (v["name"], v["mobile"][0])
            if key in self.by_name_mobile:
                self.error(row, "mobile", MSG_CUSTOMER_SAME.format(code=self.by_name_mobile[key][0]))
            else:
                self._duplicate(self.seen_people, key, row, "mobile")

    def write_order(self, rows: list[Row]) -> list[Row]:
        # Rows with their own code first, so that automatic codes are numbered after them.
        return sorted(rows, key=lambda r: not r.values["code"])

    def write(self, row: Row) -> None:
        self.write_customer(row)


class _OccupancyRows(Importer):
    def check_dates(self, row: Row) -> None:
        v = row.values
        if v["move_in"] and v["move_out"] and v["move_out"] < v["move_in"]:
            self.error(row, "move_out", services.MSG_MOVE_OUT_BEFORE_IN)

    def write_occupancy(self, row: Row, unit: Unit, customer: Customer, relation: str) -> None:
        v = row.values
        occ = services.occupancy_move_in(
            actor=self.actor,
            unit=unit,
            customer=customer,
            relation=relation,
            move_in=v["move_in"],
            remark=v.get("occ_remark", ""),
        )
        self.count("入住记录")
        if v["move_out"]:
            services.occupancy_move_out(actor=self.actor, occupancy=occ, move_out=v["move_out"])


class OccupancyImporter(_OccupancyRows):
    kind = "occupancy"
    label = "入住"
    columns = (
        C_UNIT_CODE,
        Column("code", "客户编号", max_length=30, example="A-000001", help="或填写客户名称和手机"),
        Column("name", "客户名称", max_length=100, example=""),
        Column("mobile", "手机", example=""),
        C_RELATION,
        C_MOVE_IN,
        C_MOVE_OUT,
        C_OCC_REMARK,
    )

    def preload(self) -> None:
        p = self.project
        self.unit_ids = dict(Unit.objects.filter(project=p).values_list("code", "pk"))
        self.customer_ids = dict(Customer.objects.filter(project=p).values_list("code", "pk"))
        self.by_name_mobile: dict[tuple[str, str], set[int]] = {}
        for name, value, pk in Contact.objects.filter(customer__project=p, kind=Contact.Kind.MOBILE).values_list(
            "customer__name", "value", "customer_id"
        ):
            self.by_name_mobile.setdefault((name, value), set()).add(pk)
        self.current = set(
            Occupancy.objects.filter(unit__project=p, move_out__isnull=True).values_list("unit_id", "customer_id")
        )
        self.seen: dict[tuple[int, int, Any], int] = {}

    def check(self, row: Row) -> None:
        v = row.values
        self.check_dates(row)
        unit_id = self.unit_ids.get(v["unit_code"])
        if v["unit_code"] and unit_id is None:
            self.error(row, "unit_code", MSG_UNIT_MISSING.format(code=v["unit_code"]))
        customer_id = None
        if v["code"]:
            customer_id = self.customer_ids.get(v["code"])
            if customer_id is None:
                self.error(row, "code", MSG_CUSTOMER_MISSING.format(code=v["code"]))
        elif v["name"] and v["mobile"]:
            mobile = v["mobile"].replace(" ", "")
            found = self.by_name_mobile.get((v["name"], mobile), set())
            if len(found) == 1:
                customer_id = next(iter(found))
            else:
                self.error(row, "name", MSG_CUSTOMER_AMBIGUOUS if found else MSG_CUSTOMER_NOT_FOUND)
        else:
            self.error(row, "code", MSG_CUSTOMER_WHO)
        if unit_id is None or customer_id is None:
            return
        v["unit_id"], v["customer_id"] = unit_id, customer_id
        if (unit_id, customer_id) in self.current:
            self.error(row, "unit_code", services.MSG_ALREADY_IN)
            return
        # Only one current stay per unit and customer; past stays differ by their move-in date.
        key = (unit_id, customer_id, v["move_in"] if v["move_out"] else None)
        self._duplicate(self.seen, key, row, "unit_code")

    def write_order(self, rows: list[Row]) -> list[Row]:
        units = Unit.objects.in_bulk({r.values["unit_id"] for r in rows})
        customers = Customer.objects.in_bulk({r.values["customer_id"] for r in rows})
        for r in rows:
            r.values["unit"], r.values["customer"] = units[r.values["unit_id"]], customers[r.values["customer_id"]]
        # Past stays before current ones, so a unit's status ends as it is today.
        return sorted(rows, key=lambda r: (r.values["move_out"] is None, r.values["move_in"]))

    def write(self, row: Row) -> None:
        v = row.values
        self.write_occupancy(row, v["unit"], v["customer"], v["relation"])


class HouseholdImporter(_UnitRows, _CustomerRows, _OccupancyRows):
    """One row per household, as estates hand them over: the unit (created unless it exists),
    the customer (reused when name and mobile match one already in the project or an earlier
    row), and the stay linking them."""

    kind = "households"
    label = "住户（房屋+客户+入住）"
    columns = (
        C_BUILDING,
        C_BUILDING_NAME,
        C_ENTRANCE,
        C_FLOOR,
        C_NUMBER,
        C_UNIT_KIND,
        C_AREA,
        C_ZONE,
        C_NAME,
        C_KIND,
        C_CATEGORY,
        C_ID_TYPE,
        C_ID_NUMBER,
        C_MOBILE,
        C_LANDLINE,
        C_TAGS,
        Column("relation", "关系", type="choice", choices=RELATIONS, example="业主", help="空则按客户类型"),
        C_MOVE_IN,
        C_MOVE_OUT,
    )

    def preload(self) -> None:
        super().preload()
        self.seen: dict[tuple[str, Any], int] = {}
        self.row_customers: dict[tuple[str, str], int] = {}
        self.customers_by_key: dict[tuple[str, str], Customer] = {}
        self.current = set(
            Occupancy.objects.filter(unit__project=self.project, move_out__isnull=True).values_list(
                "unit__code", "customer__code"
            )
        )

    def check(self, row: Row) -> None:
        self.check_customer(row)
        self.check_dates(row)
        code = self.check_unit(row)
        v = row.values
        v["person"] = (v["name"], v["mobile"][0]) if v["name"] and v["mobile"] else None
        if not code:
            return
        existing = self.by_name_mobile.get(v["person"], []) if v["person"] else []
        if len(existing) > 1:
            self.error(row, "name", MSG_CUSTOMER_AMBIGUOUS)
        elif existing and (code, existing[0]) in self.current:
            self.error(row, "name", services.MSG_ALREADY_IN)
        who = v["person"] or ("#row", row.number)
        self._duplicate(self.seen, (code, who), row, "name")

    def write_order(self, rows: list[Row]) -> list[Row]:
        codes = [self.by_name_mobile[r.values["person"]][0] for r in rows if r.values["person"] in self.by_name_mobile]
        found = {c.code: c for c in Customer.objects.filter(project=self.project, code__in=codes)}
        for key, existing in self.by_name_mobile.items():
            if existing[0] in found:
                self.customers_by_key[key] = found[existing[0]]
        return rows

    def write(self, row: Row) -> None:
        v = row.values
        code = self.unit_code_of(v)
        if code in self.unit_ids and code not in self.new_units:
            self.new_units[code] = Unit.objects.get(pk=self.unit_ids[code])
        unit = self.write_unit(row)
        customer = self.customers_by_key.get(v["person"]) if v["person"] else None
        if customer is None:
            customer = self.write_customer(row)
            if v["person"]:
                self.customers_by_key[v["person"]] = customer
        relation = v["relation"] or {
            Customer.Category.OWNER: Occupancy.Relation.OWNER,
            Customer.Category.TENANT: Occupancy.Relation.TENANT,
            Customer.Category.ENTERPRISE: Occupancy.Relation.ENTERPRISE,
        }.get(v["category"] or Customer.Category.OWNER, Occupancy.Relation.OCCUPANT)
        self.write_occupancy(row, unit, customer, relation)


KINDS: dict[str, type[Importer]] = {
    k.kind: k for k in (UnitImporter, CustomerImporter, OccupancyImporter, HouseholdImporter)
}


def kind_choices() -> list[tuple[str, str]]:
    return [(k, cls.label) for k, cls in KINDS.items()]


# Reading the file -------------------------------------------------------------------------------


def _normalise_header(value: Any) -> str:
    return re.sub(r"[\s*＊]", "", _text(value))


def _read_rows(importer: Importer, data: bytes, result: ImportResult) -> list[Row]:
    if data[:4] == b"\xd0\xcf\x11\xe0":
        result.errors.append(RowError(0, "", MSG_OLD_XLS))
        return []
    from openpyxl import load_workbook  # openpyxl only where a workbook is read or written (process memory)

    try:
        wb = load_workbook(BytesIO(data), read_only=True, data_only=True)
    except Exception:  # the bytes come from anyone: whatever openpyxl cannot open is "not an xlsx file"
        result.errors.append(RowError(0, "", MSG_NOT_XLSX))
        return []
    try:
        ws = wb.worksheets[0]
        lines = ws.iter_rows(values_only=True)
        header_row = next(lines, ())
        by_header = {c.header: c for c in importer.columns}
        positions: dict[int, Column] = {}
        for i, cell in enumerate(header_row):
            col = by_header.get(_normalise_header(cell))
            if col is None:
                continue  # columns of the user's own are ignored
            if col in positions.values():
                result.errors.append(RowError(1, col.header, MSG_DUPLICATE_COLUMN))
            positions[i] = col
        if not positions:
            result.errors.append(RowError(0, "", MSG_BAD_HEADERS.format(kind=importer.label)))
            return []
        for col in importer.columns:
            if col.required and col not in positions.values():
                result.errors.append(RowError(1, col.header, MSG_MISSING_COLUMN.format(kind=importer.label)))
        if result.errors:
            return []
        return list(_parse_rows(importer, lines, positions, result))
    finally:
        wb.close()


def _parse_rows(
    importer: Importer, lines: Iterator[tuple[Any, ...]], positions: dict[int, Column], result: ImportResult
) -> Iterator[Row]:
    limit: int = settings.KEFU_IMPORT_MAX_ROWS
    missing = [c for c in importer.columns if c not in positions.values()]
    count = 0
    for number, cells in enumerate(lines, start=2):
        if all(_text(c) == "" for c in cells):
            continue
        count += 1
        if count > limit:
            result.errors.insert(0, RowError(0, "", MSG_TOO_MANY.format(n=limit)))
            return
        row = Row(number, {c.key: _parse(c, None) if not c.required else "" for c in missing})
        for i, col in positions.items():
            raw = cells[i] if i < len(cells) else None
            if col.key == "id_number":
                row.values["_raw_id_number"] = raw
            try:
                row.values[col.key] = _parse(col, raw)
            except ValueError as exc:
                row.values[col.key] = None if col.type in ("int", "floor", "decimal", "date") else ""
                importer.error(row, col.key, str(exc))
        yield row


# The import -------------------------------------------------------------------------------------


def import_file(*, actor: User, project: Project, kind: str, file: IO[bytes], size: int | None = None) -> ImportResult:
    """Check the whole file, then write all of it or nothing. Raises Forbidden when the actor
    may not import into the project; every problem with the file is in the result's errors."""
    if kind not in KINDS:
        raise ValidationFailed(MSG_UNKNOWN_KIND, fields={"kind": [MSG_UNKNOWN_KIND]})
    if not can(actor, Perm.IMPORT_ARCHIVES, project.pk):
        raise Forbidden(MSG_FORBIDDEN)
    result = ImportResult(kind=kind)
    max_bytes: int = settings.KEFU_IMPORT_MAX_BYTES
    too_big = RowError(0, "", MSG_TOO_BIG.format(mb=round(max_bytes / 1024 / 1024, 1)))
    if size is not None and size > max_bytes:
        result.errors.append(too_big)
        return result
    data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        result.errors.append(too_big)
        return result
    importer = KINDS[kind](actor, project)
    rows = _read_rows(importer, data, result)
    result.rows = len(rows)
    if result.errors:
        result.errors.extend(importer.errors)
        return result
    if not rows:
        result.errors.append(RowError(0, "", MSG_EMPTY))
        return result
    importer.preload()
    for row in rows:
        importer.check(row)
    if importer.errors:
        result.errors = sorted(importer.errors, key=lambda e: e.row)
        return result
    try:
        with transaction.atomic():
            for row in importer.write_order(rows):
                _write_row(importer, row)
    except _Rejected:
        result.errors = importer.errors
        return result
    result.created = importer.created
    return result


def _write_row(importer: Importer, row: Row) -> None:
    try:
        importer.write(row)
    except ApplicationError as exc:
        field_name = next(iter(exc.fields), "")
        importer.errors.append(RowError(row.number, _field_header(importer, field_name), exc.message))
        raise _Rejected from exc
    except DatabaseError as exc:  # a constraint or a value the database refuses
        importer.errors.append(RowError(row.number, "", MSG_WRITE_FAILED))
        raise _Rejected from exc


def _field_header(importer: Importer, field_name: str) -> str:
    aliases = {"value": "手机", "customer": "客户编号", "entrance": "单元", "zone": "责任区域编码"}
    for col in importer.columns:
        if col.key == field_name:
            return col.header
    return aliases.get(field_name, "")


# Templates --------------------------------------------------------------------------------------

NOTES = (
    "第 1 行是列名，请勿修改；带 * 的列必须填写。",
    "第 2 行是示例，导入前请删除或改为真实数据。",
    "整个文件只要有一行出错，就全部不导入；页面会列出每一处错误（第几行、哪一列、原因），改正后重新上传整个文件。",
    "日期可填 Excel 日期，或 YYYY-MM-DD 文本（如 2024-05-01）。",
    "房号、证件号码、手机等请设置为“文本”格式，以免开头的 0 或末尾的数字丢失。",
)


def template_bytes(kind: str) -> bytes:
    """The import template: the header row, an example row, and a sheet explaining each column."""
    from openpyxl import Workbook  # openpyxl only where a workbook is read or written (process memory)
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    cls = KINDS[kind]
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = cls.label[:31].replace("（", "(").replace("）", ")").replace("+", "、")
    ws.append([c.title for c in cls.columns])
    ws.append([c.example if c.example != "" else None for c in cls.columns])
    for i, col in enumerate(cls.columns, start=1):
        cell = ws.cell(row=1, column=i)
        cell.font = Font(bold=True, color="C00000" if col.required else "000000")
        cell.fill = PatternFill("solid", fgColor="E8F0FE")
        ws.cell(row=2, column=i).font = Font(italic=True, color="808080")
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(12, len(col.title) * 2 + 4)
        if col.type in ("text", "list"):
            ws.column_dimensions[letter].number_format = "@"
        if col.type == "choice":
            dv = DataValidation(
                type="list",
                formula1='"' + ",".join(label for label, _ in col.choices) + '"',
                allow_blank=True,
                showErrorMessage=False,
            )
            dv.add(f"{letter}2:{letter}{settings.KEFU_IMPORT_MAX_ROWS + 1}")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("填写说明")
    notes.append(["列名", "必填", "格式", "说明"])
    for c in notes[1]:
        c.font = Font(bold=True)
    for col in cls.columns:
        notes.append([col.header, "是" if col.required else "", col.describe(), col.help])
    notes.append([])
    for line in NOTES:
        notes.append([line])
    notes.append(
        [
            f"一次最多导入 {settings.KEFU_IMPORT_MAX_ROWS} 行，文件不超过 "
            f"{round(settings.KEFU_IMPORT_MAX_BYTES / 1024 / 1024, 1)} MB。"
        ]
    )
    for letter, width in zip("ABCD", (16, 6, 28, 60), strict=True):
        notes.column_dimensions[letter].width = width
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()
