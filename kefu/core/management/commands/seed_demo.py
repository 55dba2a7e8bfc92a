"""Demo data that looks like a real service centre: `manage.py seed_demo`.

Three projects: 阳光花园 (a residential estate, ~1,500 households in 21 buildings and a row of
shops), 国贸中心大厦 (an office tower, floors as zones, ~150 offices let to enterprises) and
400 热线呼叫中心 (a call centre without property); head-office departments; a login for every
role (one password, printed by --print-logins); customers with contacts, ID numbers with a valid
check digit, occupancy history, credit grades with their history, tags, key customers, notes,
and equipment archives with their records; a few residents with their own login (微物业) linked to their
archives; then four months of service-desk cases in 阳光花园 and 国贸中心大厦, made through the case
services with historical times (kefu/tickets/demo.py), with their return visits (kefu/visits/demo.py);
a year of quarterly visit plans and two satisfaction surveys of 阳光花园 (kefu/surveys/demo.py);
the manager's monthly report e-mail subscription (kefu/reports/demo.py).

The data is the same on every run (fixed random seed; dates are relative to today). The big tables
are written with bulk_create in one transaction, bypassing the audit log: this is seed data, not
somebody's change. Every row still satisfies the models' constraints.

    seed_demo                 create the demo data (refuses if it is already there)
    seed_demo --if-empty      do nothing if any project exists (bin/run calls this on every start)
    seed_demo --small         two buildings, six office floors: for tests
    seed_demo --print-logins  print the demo accounts as a table
"""

from __future__ import annotations

import datetime as dt
import random
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from auditlog.context import disable_auditlog
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from kefu.catalog import demo as catalog_demo
from kefu.customers.models import (
    Asset,
    AssetRecord,
    Building,
    Contact,
    CreditGrade,
    CreditGradeChange,
    Customer,
    CustomerNote,
    Entrance,
    KeyCustomer,
    Occupancy,
    Tag,
    Unit,
)
from kefu.kb import demo as kb_demo
from kefu.notices import demo as notices_demo
from kefu.org.models import Department, Membership, Project, User, Zone
from kefu.org.roles import Role
from kefu.portal import demo as portal_demo
from kefu.quality.demo import build_demo_qc
from kefu.reports.demo import build_demo_subscriptions
from kefu.surveys.demo import build_demo_surveys
from kefu.surveys.models import Response, Survey
from kefu.tickets.demo import build_demo_cases
from kefu.tickets.models import Case, CaseEvent
from kefu.visits.demo import CallBacks, build_demo_plans, finish_demo_visits
from kefu.visits.models import ReturnVisit, VisitPlan

DEMO_PASSWORD = "kefu2026!"
SEED = 20261122

# --------------------------------------------------------------------------------------------------
# Sizes, organisation and staff
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Size:
    high_rises: int  # 18 storeys, 2 entrances, 2 units per floor per entrance: 72 households
    low_rises: int  # 11 storeys (洋房), 3 entrances, 2 units per floor per entrance: 66 households
    shops: int  # 沿街商铺
    office_floors: int  # office floors of the tower, 5 offices each (floors 1-2: lobby and shops)
    zones: int  # residential zones (one per 2-3 buildings)


FULL = Size(high_rises=17, low_rises=4, shops=12, office_floors=30, zones=8)
SMALL = Size(high_rises=1, low_rises=1, shops=2, office_floors=6, zones=1)

YG, GM, RX = "YGHY", "GMZX", "RX400"

PROJECTS: list[dict[str, Any]] = [
    {
        "code": YG,
        "name": "阳光花园",
        "kind": Project.Kind.RESIDENTIAL,
        "address": "北京市朝阳区望京街道阜安西路18号",
        "phone": "010-84712345",
    },
    {
        "code": GM,
        "name": "国贸中心大厦",
        "kind": Project.Kind.OFFICE,
        "address": "北京市朝阳区建国门外大街1号",
        "phone": "010-65051188",
    },
    {
        "code": RX,
        "name": "400 热线呼叫中心",
        "kind": Project.Kind.CALL_CENTRE,
        "address": "北京市朝阳区望京东路8号锐创国际中心B座6层",
        "phone": "400-820-1234",
    },
]

# (code, name, parent code, trade)
DepartmentTree = list[tuple[str, str, str | None, str]]
PROPERTY_DEPARTMENTS: DepartmentTree = [
    ("KF", "客服部", None, "客服"),
    ("KF-QT", "前台组", "KF", "客服"),
    ("KF-TS", "投诉组", "KF", "客服"),
    ("GC", "工程部", None, "工程"),
    ("GC-SD", "水电组", "GC", "水电"),
    ("GC-TJ", "土建组", "GC", "土建"),
    ("GC-ZN", "智能化组", "GC", "智能化"),
    ("ZX", "秩序部", None, "秩序"),
    ("HJ", "环境部", None, "环境"),
]
CALL_CENTRE_DEPARTMENTS: DepartmentTree = [
    ("KF", "客服部", None, "客服"),
    ("KF-ZX1", "坐席一组", "KF", "客服"),
    ("KF-ZX2", "坐席二组", "KF", "客服"),
    ("KF-TS", "投诉组", "KF", "客服"),
    ("ZJ", "质检组", None, "质检"),
]
HEAD_OFFICE_DEPARTMENTS: DepartmentTree = [
    ("ZB-KF", "总部客服管理中心", None, "客服"),
    ("ZB-PZ", "品质部", None, "品质"),
]


@dataclass(frozen=True)
class StaffSpec:
    username: str
    name: str
    role: str
    project: str | None
    department: str
    zones: tuple[str, ...] = ()


STEWARD_NAMES = ["孙浩", "周婷婷", "吴磊", "郑雪", "冯志强", "何佳", "许晨", "马晓红", "谢宇航", "韩梅"]
TOWER_ZONES = [("F-L", "低区", "低区楼层"), ("F-M", "中区", "中区楼层"), ("F-H", "高区", "高区楼层")]


def roster(size: Size) -> list[StaffSpec]:
    """Everyone who can log in, in the order the login table prints them."""
    s = [
        StaffSpec("jingli", "陈建国", Role.MANAGER, YG, "KF"),
        StaffSpec("zhuguan", "刘晓燕", Role.SUPERVISOR, YG, "KF"),
        StaffSpec("kefu1", "王丽", Role.AGENT, YG, "KF-QT"),
        StaffSpec("kefu2", "张婷", Role.AGENT, YG, "KF-QT"),
        StaffSpec("kefu3", "李静", Role.AGENT, YG, "KF-QT"),
        StaffSpec("tousu", "赵敏", Role.COMPLAINT_OFFICER, YG, "KF-TS"),
    ]
    s += [
        StaffSpec(f"guanjia{i}", STEWARD_NAMES[i - 1], Role.STEWARD, YG, "KF", (f"Z{i:02d}",))
        for i in range(1, size.zones + 1)
    ]
    s += [
        StaffSpec("weixiu1", "黄永刚", Role.FIELD_STAFF, YG, "GC-SD"),
        StaffSpec("weixiu2", "杨国庆", Role.FIELD_STAFF, YG, "GC-SD"),
        StaffSpec("weixiu3", "林建华", Role.FIELD_STAFF, YG, "GC-TJ"),
        StaffSpec("weixiu4", "高鹏", Role.FIELD_STAFF, YG, "GC-ZN"),
        StaffSpec("zhixu1", "张建军", Role.FIELD_STAFF, YG, "ZX"),
        StaffSpec("zhixu2", "李海涛", Role.FIELD_STAFF, YG, "ZX"),
        StaffSpec("baojie1", "王秀兰", Role.FIELD_STAFF, YG, "HJ"),
        StaffSpec("baojie2", "刘桂芳", Role.FIELD_STAFF, YG, "HJ"),
        StaffSpec("zhijian", "徐慧", Role.QC_REVIEWER, YG, "KF"),
        StaffSpec("ziliao", "郭佳怡", Role.ARCHIVIST, YG, "KF"),
        # 国贸中心大厦
        StaffSpec("gmjingli", "宋立新", Role.MANAGER, GM, "KF"),
        StaffSpec("gmzhuguan", "韩雪梅", Role.SUPERVISOR, GM, "KF"),
        StaffSpec("gmkefu1", "唐佳琪", Role.AGENT, GM, "KF-QT"),
        StaffSpec("gmkefu2", "冯雨桐", Role.AGENT, GM, "KF-QT"),
        StaffSpec("gmkefu3", "曹欣然", Role.AGENT, GM, "KF-QT"),
        StaffSpec("gmtousu", "彭丽娟", Role.COMPLAINT_OFFICER, GM, "KF-TS"),
        StaffSpec("gmguanjia1", "曾晓东", Role.STEWARD, GM, "KF", ("F-L",)),
        StaffSpec("gmguanjia2", "肖婉清", Role.STEWARD, GM, "KF", ("F-M",)),
        StaffSpec("gmguanjia3", "田志明", Role.STEWARD, GM, "KF", ("F-H",)),
        StaffSpec("gmweixiu1", "董大海", Role.FIELD_STAFF, GM, "GC-SD"),
        StaffSpec("gmweixiu2", "袁立军", Role.FIELD_STAFF, GM, "GC-SD"),
        StaffSpec("gmweixiu3", "潘建平", Role.FIELD_STAFF, GM, "GC-TJ"),
        StaffSpec("gmweixiu4", "蒋伟", Role.FIELD_STAFF, GM, "GC-ZN"),
        StaffSpec("gmzhixu1", "陈志刚", Role.FIELD_STAFF, GM, "ZX"),
        StaffSpec("gmbaojie1", "赵春梅", Role.FIELD_STAFF, GM, "HJ"),
        StaffSpec("gmzhijian", "蔡雅琴", Role.QC_REVIEWER, GM, "KF"),
        StaffSpec("gmziliao", "余梦", Role.ARCHIVIST, GM, "KF"),
        # 400 热线呼叫中心
        StaffSpec("rxjingli", "杜明辉", Role.MANAGER, RX, "KF"),
        StaffSpec("rxzhuguan", "叶晓丽", Role.SUPERVISOR, RX, "KF"),
        StaffSpec("rxkefu1", "程晓雪", Role.AGENT, RX, "KF-ZX1"),
        StaffSpec("rxkefu2", "苏畅", Role.AGENT, RX, "KF-ZX1"),
        StaffSpec("rxkefu3", "魏佳", Role.AGENT, RX, "KF-ZX2"),
        StaffSpec("rxtousu", "吕倩", Role.COMPLAINT_OFFICER, RX, "KF-TS"),
        StaffSpec("rxzhijian", "丁一凡", Role.QC_REVIEWER, RX, "ZJ"),
        StaffSpec("rxziliao", "任静怡", Role.ARCHIVIST, RX, "KF"),
        # 总部
        StaffSpec("zongbu", "邓志远", Role.HEAD_OFFICE, None, "ZB-KF"),
        StaffSpec("pinzhi", "罗文静", Role.HEAD_OFFICE, None, "ZB-PZ"),
    ]
    return s


# Residents of 阳光花园 with their own login (微物业), linked to their archive (Customer.account).
RESIDENTS = ["yezhu1", "yezhu2", "yezhu3", "yezhu4"]


def all_demo_usernames() -> list[str]:
    return [s.username for s in roster(FULL)] + RESIDENTS


# --------------------------------------------------------------------------------------------------
# People: names, ID numbers, phones
# --------------------------------------------------------------------------------------------------


def _split(text: str) -> list[list[str]]:
    return [item.split(":") for item in text.split()]


# surname:pinyin:weight (roughly their frequency)
SURNAMES = [
    (sn, py, int(w))
    for sn, py, w in _split("""
    王:wang:72 李:li:70 张:zhang:68 刘:liu:54 陈:chen:45 杨:yang:31 赵:zhao:20 黄:huang:19 周:zhou:18 吴:wu:17
    徐:xu:15 孙:sun:15 胡:hu:13 朱:zhu:13 高:gao:12 林:lin:12 何:he:12 郭:guo:11 马:ma:11 罗:luo:9 梁:liang:8
    宋:song:8 郑:zheng:8 谢:xie:7 韩:han:7 唐:tang:7 冯:feng:7 于:yu:6 董:dong:6 萧:xiao:3 程:cheng:6 曹:cao:6
    袁:yuan:5 邓:deng:5 许:xu:5 傅:fu:4 沈:shen:4 曾:zeng:4 彭:peng:4 吕:lv:4 苏:su:4 卢:lu:4 蒋:jiang:4 蔡:cai:4
    贾:jia:3 丁:ding:3 魏:wei:3 薛:xue:3 叶:ye:3 阎:yan:2 余:yu:3 潘:pan:3 杜:du:3 戴:dai:2 夏:xia:2 钟:zhong:2
    汪:wang:2 田:tian:2 任:ren:2 姜:jiang:2 范:fan:2 方:fang:2 石:shi:2 姚:yao:2 谭:tan:2 欧阳:ouyang:1 司马:sima:1
    诸葛:zhuge:1
""")
]
_SURNAME_WEIGHTS = [w for *_, w in SURNAMES]
GIVEN_MALE = [
    (c, py)
    for c, py in _split("""
    伟:wei 强:qiang 磊:lei 军:jun 勇:yong 杰:jie 涛:tao 斌:bin 超:chao 明:ming 刚:gang 平:ping 辉:hui 鹏:peng 华:hua
    飞:fei 鑫:xin 波:bo 宇:yu 浩:hao 凯:kai 健:jian 俊:jun 帆:fan 亮:liang 建:jian 国:guo 志:zhi 文:wen 海:hai 晨:chen
    博:bo 东:dong 峰:feng 成:cheng 龙:long 振:zhen 宏:hong 卫:wei 德:de 民:min 子:zi 轩:xuan 睿:rui 泽:ze 一:yi 天:tian
    嘉:jia
""")
]
GIVEN_FEMALE = [
    (c, py)
    for c, py in _split("""
    芳:fang 娜:na 敏:min 静:jing 丽:li 艳:yan 娟:juan 霞:xia 秀:xiu 玲:ling 婷:ting 雪:xue 慧:hui 倩:qian 洁:jie 琳:lin
    颖:ying 佳:jia 欣:xin 怡:yi 萍:ping 红:hong 燕:yan 梅:mei 莉:li 兰:lan 晶:jing 璐:lu 瑶:yao 雯:wen 月:yue 楠:nan
    淑:shu 桂:gui 英:ying 凤:feng 玉:yu 晓:xiao 诗:shi 梦:meng 思:si 涵:han
""")
]
# Region code (first six digits of an ID number):weight; Beijing most often.
REGIONS = [
    (code, int(w))
    for code, w in _split("""
    110105:20 110108:10 110102:6 110106:5 110114:4 120101:4 130102:5 370102:4 410105:4 320102:3
    310104:3 420106:3 430104:3 510104:3 610113:3 230103:3 220102:2 210102:3 140105:3 150102:2 340104:2
    360102:2 350102:2 440305:2
""")
]
_REGION_WEIGHTS = [w for _, w in REGIONS]
MOBILE_PREFIXES = [f"13{d}" for d in (0, 1, 2, 3, 5, 6, 7, 8, 9)] + [f"15{d}" for d in (0, 1, 2, 3, 5, 6, 7, 8, 9)]
MOBILE_PREFIXES += ["166", "173", "176", "177", "178", "180", "181", "182", "183", "185", "186", "187", "188", "189"]
MOBILE_PREFIXES += ["191", "195", "198", "199"]
MAIL_DOMAINS = ["163.com", "126.com", "qq.com", "sina.com", "sohu.com", "outlook.com", "foxmail.com"]

ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ID_CODES = "10X98765432"


def id_check_digit(first17: str) -> str:
    return ID_CODES[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def uscc_check_char(first17: str) -> str:
    """GB 32100-2015 check character of a unified social credit code."""
    total = sum(USCC_CHARS.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARS[(31 - total % 31) % 31]


def org_code_check(first8: str) -> str:
    """GB 11714 check character of the 9-character organisation code inside a USCC."""
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    c = 11 - sum(int(ch) * w for ch, w in zip(first8, weights, strict=True)) % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


@dataclass
class Person:
    name: str
    pinyin: str
    gender: str
    birthday: dt.date
    surname: tuple[str, str] = ("", "")
    id_type: str = ""
    id_number: str = ""


@dataclass
class Org:
    name: str
    pinyin: str
    uscc: str


class People:
    """Plausible names, ID numbers and contacts, all from one seeded random generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.mobiles: set[str] = set()
        self.landlines: set[str] = set()
        self.id_numbers: set[str] = set()
        self.wechats: set[str] = set()

    def person(
        self,
        *,
        born: tuple[int, int],
        gender: str | None = None,
        surname: tuple[str, str] | None = None,
        region: str | None = None,
    ) -> Person:
        r = self.rng
        gender = gender or r.choice("MF")
        if surname:
            sn, sn_py = surname
        else:
            sn, sn_py, _weight = r.choices(SURNAMES, _SURNAME_WEIGHTS)[0]
        pool = GIVEN_MALE if gender == "M" else GIVEN_FEMALE
        given = r.sample(pool, 2 if r.random() < 0.7 else 1)
        name = sn + "".join(g for g, _ in given)
        py = sn_py + "".join(p for _, p in given)
        birthday = dt.date(r.randint(*born), 1, 1) + dt.timedelta(days=r.randint(0, 364))
        p = Person(name=name, pinyin=py, gender=gender, birthday=birthday, surname=(sn, sn_py))
        roll = r.random()
        if roll < 0.90:
            p.id_type, p.id_number = Customer.IdType.ID_CARD, self.id_card(birthday, gender, region)
        elif roll < 0.93:
            p.id_type = Customer.IdType.HK_MO_TW
            p.id_number = r.choice("HM") + f"{r.randint(10000000, 99999999)}"
        elif roll < 0.95:
            p.id_type, p.id_number = Customer.IdType.PASSPORT, f"E{r.randint(10000000, 99999999)}"
        # else: no ID on file yet
        return p

    def id_card(self, birthday: dt.date, gender: str, region: str | None = None) -> str:
        r = self.rng
        while True:
            area = region or r.choices(REGIONS, _REGION_WEIGHTS)[0][0]
            seq = r.randrange(1 if gender == "M" else 0, 1000, 2)  # odd for men, even for women
            first17 = f"{area}{birthday:%Y%m%d}{seq:03d}"
            number = first17 + id_check_digit(first17)
            if number not in self.id_numbers and seq:
                self.id_numbers.add(number)
                return number

    def mobile(self) -> str:
        while True:
            m = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randint(0, 99999999):08d}"
            if m not in self.mobiles:
                self.mobiles.add(m)
                return m

    def landline(self, exchange: str = "") -> str:
        while True:
            head = exchange or self.rng.choice(["6", "8", "5"])
            number = f"010-{head}{self.rng.randint(0, 10 ** (7 - len(head) + 1) - 1):0{8 - len(head)}d}"
            if number not in self.landlines:
                self.landlines.add(number)
                return number

    def email(self, p: Person) -> str:
        r = self.rng
        if r.random() < 0.35:
            return f"{r.randint(10000000, 2999999999)}@qq.com"
        suffix = r.choice([f"{p.birthday.year % 100:02d}", f"{p.birthday:%m%d}", str(r.randint(1, 999)), ""])
        return f"{p.pinyin}{suffix}@{r.choice(MAIL_DOMAINS)}"

    def wechat(self, p: Person) -> str:
        r = self.rng
        while True:
            if r.random() < 0.4:
                w = "wxid_" + "".join(r.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=14))
            else:
                w = f"{p.pinyin}{r.choice(['', '_'])}{r.randint(1, 9999)}"
            if w not in self.wechats:
                self.wechats.add(w)
                return w

    def contacts(self, p: Person, *, elderly: bool = False) -> list[tuple[str, str, str, bool]]:
        """(kind, value, label, is_primary); the first is primary."""
        r = self.rng
        out: list[tuple[str, str, str, bool]] = []
        if elderly and r.random() < 0.3:
            out.append((Contact.Kind.LANDLINE, self.landline(), "家庭电话", True))
            out.append((Contact.Kind.MOBILE, self.mobile(), r.choice(["儿子", "女儿", "紧急联系人"]), False))
            return out
        out.append((Contact.Kind.MOBILE, self.mobile(), "", True))
        if r.random() < 0.10:
            out.append((Contact.Kind.MOBILE, self.mobile(), r.choice(["备用", "配偶", "家人", "工作手机"]), False))
        if r.random() < (0.35 if elderly else 0.12):
            out.append((Contact.Kind.LANDLINE, self.landline(), "家庭电话", False))
        if not elderly and r.random() < 0.12:
            out.append((Contact.Kind.EMAIL, self.email(p), "", False))
        if not elderly and r.random() < 0.25:
            out.append((Contact.Kind.WECHAT, self.wechat(p), "", False))
        return out

    def uscc(self, region: str = "110105") -> str:
        r = self.rng
        while True:
            org8 = f"{r.randint(10000000, 99999999)}"
            first17 = f"91{region}{org8}{org_code_check(org8)}"
            code = first17 + uscc_check_char(first17)
            if code not in self.id_numbers:
                self.id_numbers.add(code)
                return code


TRADE_NAMES = [
    (a, b)
    for a, b in _split(  # 字号 : pinyin-ish domain name
        """
    华信:huaxin 中科:zhongke 远景:yuanjing 博达:boda 恒通:hengtong 天元:tianyuan 新锐:xinrui 金桥:jinqiao 瑞丰:ruifeng
    鼎盛:dingsheng 汇智:huizhi 卓越:zhuoyue 凯德:kaide 启明:qiming 泰和:taihe 宏图:hongtu 嘉禾:jiahe 北辰:beichen
    东方:dongfang 信达:xinda 安泰:antai 万通:wantong 联创:lianchuang 华夏:huaxia 正阳:zhengyang 明德:mingde 世纪:shiji
    盛世:shengshi 蓝海:lanhai 云帆:yunfan 致远:zhiyuan 国信:guoxin 中鼎:zhongding 长城:changcheng 朗润:langrun
    众诚:zhongcheng 智联:zhilian 同创:tongchuang 君合:junhe 天健:tianjian 德勤:deqin 华宇:huayu 兴业:xingye 丰和:fenghe
    海纳:haina 思源:siyuan 金石:jinshi 银河:yinhe 星辰:xingchen 弘毅:hongyi
"""
    )
]
INDUSTRIES = [
    ("科技有限公司", 0.22),
    ("信息技术有限公司", 0.12),
    ("投资管理有限公司", 0.10),
    ("咨询有限公司", 0.10),
    ("律师事务所", 0.07),
    ("会计师事务所（特殊普通合伙）", 0.05),
    ("文化传媒有限公司", 0.08),
    ("国际贸易有限公司", 0.08),
    ("建筑设计有限公司", 0.05),
    ("网络科技有限公司", 0.08),
    ("商务服务有限公司", 0.05),
]
SHOP_TENANTS = [
    "阳光便利店",
    "家家乐超市",
    "百姓大药房",
    "洁净干洗店",
    "金剪子美发",
    "老北京炸酱面馆",
    "小天鹅幼儿托管",
    "鲜果时光水果店",
    "宠物之家",
    "邻里烘焙坊",
    "安心房产中介",
    "速递驿站",
    "好邻居早餐店",
    "明眸眼镜店",
]


# --------------------------------------------------------------------------------------------------
# Texts
# --------------------------------------------------------------------------------------------------

GENERAL_NOTES = [
    "业主来电咨询物业费缴纳方式，已告知可通过微信公众号缴费。",
    "电话回访维修情况，业主对维修结果表示满意。",
    "业主反映楼上夜间噪音扰民，已上门协调，双方同意晚十点后注意。",
    "业主咨询地下车位租赁事宜，已登记意向，有空位时联系。",
    "业主建议增加小区儿童游乐设施，已记录并转报管理处。",
    "入户走访，住户对管家服务满意，提出楼道灯不亮，已派单维修。",
    "业主来访办理门禁卡补办，已办结。",
    "业主反映厨房下水缓慢，已派水电组上门疏通。",
    "业主表扬保洁人员工作认真，已转达环境部。",
    "业主咨询装修垃圾清运收费标准，已解答。",
    "季度回访：对小区安全和绿化满意，建议加强快递车辆管理。",
    "业主反映卫生间顶部渗水，疑为楼上防水问题，已约工程部查勘。",
    "住户更换了联系电话，已更新档案。",
    "业主咨询电动车充电桩安装事宜，已告知申请流程。",
    "春节前走访，送达节日问候及安全提示。",
]
ELDERLY_NOTES = [
    "独居老人，每周电话问候一次，老人身体状况良好。",
    "上门探访，协助老人更换灯泡，提醒注意燃气安全。",
    "老人子女来电，委托管家多加关照，已登记紧急联系人。",
    "冬季走访，检查暖气正常，老人表示满意。",
]
ARREARS_NOTES = [
    "电话催缴物业费，业主承诺月底前缴清。",
    "上门送达缴费通知单，业主对公共区域维修有意见，暂缓缴费，已记录诉求。",
    "短信催缴物业费及取暖费，暂未回复。",
    "业主已缴纳部分欠费，剩余部分约定下月结清。",
]
RENOVATION_NOTES = [
    "办理装修手续，已签订装修管理协议，押金已收。",
    "装修巡查：施工规范，无违规拆改。",
    "装修巡查发现违规在阳台加建，已下发整改通知。",
]
PET_NOTES = [
    "提醒业主遛狗时牵绳并及时清理粪便。",
    "邻居反映犬只夜间吠叫，已与业主沟通。",
]
OFFICE_NOTES = [
    "企业行政来电咨询加班空调申请流程，已告知需提前一天提交。",
    "回访企业报修的会议室灯具问题，已修复，客户满意。",
    "企业申请周末搬运办公家具，已安排货梯及秩序人员。",
    "企业反映空调温度偏高，已调整风机盘管设置。",
    "企业咨询续租事宜，已转招商部门。",
    "季度走访，企业对大堂服务满意，建议增加访客登记自助机。",
    "企业办理新员工门禁卡 12 张，已办结。",
]

ELEVATOR_MAINT = [
    "半月保养：检查曳引机、制动器、门机，润滑导轨，运行正常。",
    "季度保养：检查钢丝绳磨损、限速器、安全钳，调整平层精度。",
    "年度保养：全面检查并配合特检院年检，检验合格。",
]
ELEVATOR_REPAIR = [
    "轿门门机皮带老化，开关门异响，更换门机皮带。",
    "层门锁触点接触不良导致停梯，清洁并调整触点。",
    "外呼按钮损坏，更换按钮板。",
    "困人故障：停电后救援装置未启动，已救出乘客并更换应急电池。",
]
PUMP_MAINT = [
    "检查水泵运行电流、轴承温度和机械密封，清理过滤器。",
    "变频控制柜除尘，紧固接线端子，试运行正常。",
]
PUMP_REPAIR = ["机械密封漏水，更换机械密封。", "2#泵轴承异响，更换轴承。"]
GATE_MAINT = ["检查读卡、人脸识别及开门时间设置，清洁摄像头。", "巡检：设备在线，记录上传正常。"]
GATE_REPAIR = ["读卡模块故障，更换主板。", "电锁不吸合，更换电锁电源。", "人脸识别屏幕损坏，更换显示屏。"]
AC_MAINT = ["换季保养：清洗过滤网、冷凝器，检查冷媒压力。", "年度保养：检查压缩机运行参数，清洗室内机。"]
AC_REPAIR = ["室外机风扇电机故障，更换电机。", "冷媒泄漏，补焊管路并加注冷媒。", "线控器无显示，更换线控器。"]


# --------------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------------


@contextmanager
def historical_timestamps() -> Iterator[None]:
    """Let bulk_create keep the historical times set on seed rows instead of stamping them all 'now'.

    Every row written while this is active must have these fields set.
    """
    fields = [
        Customer._meta.get_field("created_at"),
        Customer._meta.get_field("updated_at"),
        CreditGradeChange._meta.get_field("changed_at"),
        KeyCustomer._meta.get_field("added_at"),
        CustomerNote._meta.get_field("created_at"),
        AssetRecord._meta.get_field("created_at"),
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]  # type: ignore[union-attr]
    for f in fields:
        f.auto_now = f.auto_now_add = False  # type: ignore[union-attr]
    try:
        yield
    finally:
        for f, now, now_add in saved:
            f.auto_now, f.auto_now_add = now, now_add  # type: ignore[union-attr]


@dataclass
class Built:
    """What the seeding made, for the summary and for later steps."""

    projects: dict[str, Project] = field(default_factory=dict)
    zones: dict[tuple[str, str], Zone] = field(default_factory=dict)
    departments: dict[tuple[str | None, str], Department] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    tags: dict[tuple[str | None, str], Tag] = field(default_factory=dict)


@dataclass
class Plan:
    """Rows of one project, built in memory and written with bulk_create."""

    customers: list[Customer] = field(default_factory=list)
    contacts: list[tuple[Customer, tuple[str, str, str, bool]]] = field(default_factory=list)
    occupancies: list[tuple[Unit, Customer, str, dt.date, dt.date | None, str]] = field(default_factory=list)
    tags: list[tuple[Customer, Tag]] = field(default_factory=list)
    grade_changes: list[tuple[Customer, str, str, str, dt.date, User]] = field(default_factory=list)
    notes: list[tuple[Customer, User, str, dt.datetime]] = field(default_factory=list)
    keys: list[KeyCustomer] = field(default_factory=list)


class Command(BaseCommand):
    help = "创建演示数据（阳光花园、国贸中心大厦、400 热线呼叫中心）并打印演示账号"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--if-empty", action="store_true", help="已有任何项目时不做任何事")
        parser.add_argument("--small", action="store_true", help="少量数据（2 栋楼、6 层写字楼），用于测试")
        parser.add_argument("--print-logins", action="store_true", help="只打印演示账号表")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["print_logins"]:
            self.print_logins()
            return
        if options["if_empty"] and Project.objects.exists():
            self.stdout.write("已有数据，跳过演示数据。")
            return
        taken = (
            Project.objects.filter(code__in=[p["code"] for p in PROJECTS]).exists()
            or User.objects.filter(username__in=all_demo_usernames()).exists()
        )
        if taken:
            raise CommandError("演示数据（或同名项目、账号）已存在。")
        started = time.monotonic()
        size = SMALL if options["small"] else FULL
        seeder = Seeder(size)
        with transaction.atomic(), disable_auditlog(), historical_timestamps():
            seeder.run()
        self.stdout.write(self.summary(time.monotonic() - started))
        if options["verbosity"] >= 2:
            self.stdout.write("，".join(f"{label} {seconds:.1f} 秒" for label, seconds in seeder.timings))

    def summary(self, seconds: float) -> str:
        counts: list[tuple[str, Any]] = [
            ("项目", Project.objects),
            ("部门", Department.objects),
            ("责任区域", Zone.objects),
            ("员工", User.objects.filter(kind=User.Kind.STAFF)),
            ("住户账号", User.objects.filter(kind=User.Kind.CUSTOMER)),
            ("楼栋", Building.objects),
            ("房屋", Unit.objects),
            ("客户", Customer.objects),
            ("联系方式", Contact.objects),
            ("入住记录", Occupancy.objects),
            ("信用记录", CreditGradeChange.objects),
            ("重点客户", KeyCustomer.objects),
            ("备注", CustomerNote.objects),
            ("设备", Asset.objects),
            ("设备记录", AssetRecord.objects),
            ("工单", Case.objects),
            ("工单记录", CaseEvent.objects),
            ("回访", ReturnVisit.objects),
            ("走访计划", VisitPlan.objects),
            ("满意度调查", Survey.objects),
            ("调查答卷", Response.objects),
        ]
        parts = "，".join(f"{label} {qs.count()}" for label, qs in counts)
        return f"演示数据已生成（{seconds:.1f} 秒）：{parts}。"

    def print_logins(self) -> None:
        order = {u: i for i, u in enumerate(all_demo_usernames())}
        users = list(
            User.objects.filter(username__in=order, is_active=True).prefetch_related(
                "memberships__project", "memberships__department", "memberships__zones"
            )
        )
        if not users:
            self.stdout.write("没有演示账号（未生成演示数据）。")
            return
        users.sort(key=lambda u: order[u.username])
        rows = [("账号", "姓名", "角色", "项目", "部门 / 责任区域")]
        for u in users:
            for m in u.memberships.all():
                where = "、".join(z.name for z in m.zones.all()) or (m.department.name if m.department else "")
                rows.append(
                    (
                        u.username,
                        u.display_name,
                        str(m.get_role_display()),
                        m.project.name if m.project else "全部项目",
                        where,
                    )
                )
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        self.stdout.write(format_table(rows))
        residents = [
            (
                u.username,
                u.display_name,
                c.project.name,
                "、".join(o.unit.code for o in c.occupancies.all() if o.move_out is None),
            )
            for u in User.objects.filter(username__in=RESIDENTS, kind=User.Kind.CUSTOMER).order_by("username")
            for c in u.customer_archives.select_related("project").prefetch_related("occupancies__unit")
        ]
        if residents:
            self.stdout.write("")
            self.stdout.write("住户账号（微物业，密码同上）：")
            self.stdout.write(format_table([("账号", "姓名", "项目", "房屋"), *residents]))


def _width(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


def format_table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, r in enumerate(rows):
        lines.append("  ".join(c + " " * (w - _width(c)) for c, w in zip(r, widths, strict=True)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


class Seeder:
    def __init__(self, size: Size) -> None:
        self.size = size
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.tz = timezone.get_current_timezone()
        self.b = Built()
        self.timings: list[tuple[str, float]] = []  # seconds per step, printed with -v 2
        self.password = make_password(DEMO_PASSWORD)  # one hash for every demo account (hashing is slow)
        self.rng = random.Random(SEED)
        self.people = People(random.Random(f"{SEED}-people"))

    # helpers ------------------------------------------------------------------------------------

    def at(self, day: dt.date, rng: random.Random) -> dt.datetime:
        """A moment during office hours on that day, never in the future."""
        moment = dt.datetime.combine(
            day, dt.time(rng.randint(8, 17), rng.randint(0, 59), rng.randint(0, 59)), tzinfo=self.tz
        )
        return min(moment, self.now - dt.timedelta(minutes=rng.randint(1, 180)))

    def days_between(self, rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
        if end <= start:
            return start
        return start + dt.timedelta(days=rng.randint(0, (end - start).days))

    def run(self) -> None:
        small = self.size == SMALL
        steps: list[tuple[str, Callable[[], object]]] = [
            ("组织与账号", self.organisation),
            ("阳光花园档案", self.residential),
            ("住户账号", self.residents),
            ("国贸中心大厦档案", self.office_tower),
            ("工单与回访", lambda: build_demo_cases(small=small, after_resolve=CallBacks())),
            ("走访计划", lambda: build_demo_plans(small=small)),
            ("满意度调查", lambda: build_demo_surveys(small=small)),
            ("回访审核", finish_demo_visits),
            ("质检与日结", lambda: build_demo_qc(small=small)),
            ("定时报表", build_demo_subscriptions),
            ("知识库", lambda: kb_demo.seed()),
            ("微物业报事", lambda: portal_demo.seed()),
            ("通知公告", lambda: notices_demo.seed()),
            ("特约服务", lambda: catalog_demo.seed()),
        ]
        for label, step in steps:
            started = time.monotonic()
            step()
            self.timings.append((label, time.monotonic() - started))

    def residents(self) -> None:
        """A few owners of 阳光花园 (in different zones where there are several) got a login, linked to their
        archive after their residence was checked."""
        project = self.b.projects[YG]
        rng = random.Random(f"{SEED}-residents")
        owners = (
            Occupancy.objects.filter(
                unit__project=project,
                relation=Occupancy.Relation.OWNER,
                move_out__isnull=True,
                customer__kind=Customer.Kind.PERSON,
                customer__is_active=True,
                customer__contacts__kind=Contact.Kind.MOBILE,
                customer__contacts__is_primary=True,
            )
            .select_related("customer", "unit")
            .order_by("unit__zone__code", "customer__code")
        )
        by_zone: dict[int | None, list[Customer]] = {}
        for o in owners:
            by_zone.setdefault(o.unit.zone_id, []).append(o.customer)
        zones = list(by_zone.values())
        chosen: list[Customer] = []
        for i in range(len(RESIDENTS)):
            pool = [c for c in zones[i % len(zones)] if c not in chosen]
            chosen.append(rng.choice(pool))
        password = self.password
        for username, c in zip(RESIDENTS, chosen, strict=True):
            mobile = c.contacts.filter(kind=Contact.Kind.MOBILE, is_primary=True).values_list("value", flat=True)[0]
            user = User.objects.create(
                username=username,
                name=c.name,
                mobile=mobile,
                kind=User.Kind.CUSTOMER,
                password=password,
                first_name=c.name[1:],
                last_name=c.name[:1],
            )
            Customer.objects.filter(pk=c.pk).update(account=user)

    # organisation -------------------------------------------------------------------------------

    def organisation(self) -> None:
        b = self.b
        for spec in PROJECTS:
            b.projects[spec["code"]] = Project.objects.create(**spec)
        trees: dict[str | None, DepartmentTree] = {
            YG: PROPERTY_DEPARTMENTS,
            GM: PROPERTY_DEPARTMENTS,
            RX: CALL_CENTRE_DEPARTMENTS,
            None: HEAD_OFFICE_DEPARTMENTS,
        }
        for pcode, tree in trees.items():
            project = b.projects[pcode] if pcode else None
            for sort, (code, name, parent, trade) in enumerate(tree, start=1):
                b.departments[(pcode, code)] = Department.objects.create(
                    project=project,
                    code=code,
                    name=name,
                    trade=trade,
                    sort=sort,
                    parent=b.departments[(pcode, parent)] if parent else None,
                )
        # Residential zones: one per 2-3 buildings.
        groups = self.building_groups()
        for i, codes in enumerate(groups, start=1):
            desc = f"{codes[0]}-{codes[-1]}号楼" if len(codes) > 1 else f"{codes[0]}号楼"
            if i == 1 and self.size.shops:
                desc += "、沿街商铺"
            b.zones[(YG, f"Z{i:02d}")] = Zone.objects.create(
                project=b.projects[YG], code=f"Z{i:02d}", name=f"{cn_number(i)}区", description=desc
            )
        for code, name, desc in TOWER_ZONES:
            floors = self.tower_zone_floors()[code]
            b.zones[(GM, code)] = Zone.objects.create(
                project=b.projects[GM], code=code, name=name, description=f"{desc} {floors[0]}F-{floors[-1]}F"
            )
        # Staff: one password hash for all demo accounts (the password is printed anyway).
        password = self.password
        rng = random.Random(f"{SEED}-staff")
        people = People(rng)
        specs = roster(self.size)
        prefix = {YG: "YG", GM: "GM", RX: "RX", None: "ZB"}
        seq: Counter[str | None] = Counter()
        users = []
        for s in specs:
            seq[s.project] += 1
            users.append(
                User(
                    username=s.username,
                    name=s.name,
                    mobile=people.mobile(),
                    kind=User.Kind.STAFF,
                    password=password,
                    employee_no=f"{prefix[s.project]}{seq[s.project]:03d}",
                    email=f"{s.username}@kefu.example.com",
                    first_name=s.name[1:],
                    last_name=s.name[:1],
                )
            )
        User.objects.bulk_create(users)
        memberships = []
        for s, u in zip(specs, users, strict=True):
            b.users[s.username] = u
            memberships.append(
                Membership(
                    user=u,
                    project=b.projects[s.project] if s.project else None,
                    role=s.role,
                    department=b.departments[(s.project, s.department)],
                )
            )
        Membership.objects.bulk_create(memberships)
        through = Membership.zones.through
        through.objects.bulk_create(
            [
                through(membership_id=m.pk, zone_id=b.zones[(s.project, z)].pk)
                for s, m in zip(specs, memberships, strict=True)
                for z in s.zones
                if s.project
            ]
        )
        # Tags: VIP and 欠费 are the same everywhere; the rest belong to a project.
        for name, color in [("VIP", "red"), ("欠费", "orange")]:
            b.tags[(None, name)] = Tag.objects.create(project=None, name=name, color=color)
        for pcode, names in {
            YG: [
                ("老人独居", "orange"),
                ("宠物", "green"),
                ("装修中", "blue"),
                ("出租房屋", "blue"),
                ("业委会", "green"),
                ("投诉敏感", "red"),
                ("行动不便", "orange"),
            ],
            GM: [("重点企业", "red"), ("装修中", "blue"), ("加班空调", "blue"), ("即将到期", "orange")],
        }.items():
            for name, color in names:
                b.tags[(pcode, name)] = Tag.objects.create(project=b.projects[pcode], name=name, color=color)

    def building_groups(self) -> list[list[str]]:
        codes = [str(i) for i in range(1, self.size.high_rises + self.size.low_rises + 1)]
        k = min(self.size.zones, len(codes))
        base, extra = divmod(len(codes), k)
        groups, start = [], 0
        for i in range(k):
            n = base + (1 if i < extra else 0)
            groups.append(codes[start : start + n])
            start += n
        return groups

    def tower_zone_floors(self) -> dict[str, list[int]]:
        floors = list(range(3, 3 + self.size.office_floors))
        third = -(-len(floors) // 3)
        return {"F-L": [1, 2, *floors[:third]], "F-M": floors[third : 2 * third], "F-H": floors[2 * third :]}

    # customers ----------------------------------------------------------------------------------

    def new_customer(
        self,
        plan: Plan,
        project: Project,
        *,
        category: str,
        since: dt.date,
        rng: random.Random,
        person: Person | None = None,
        org: Org | None = None,
        active: bool = True,
        remark: str = "",
    ) -> Customer:
        created = self.at(since, rng)
        c = Customer(
            project=project,
            code=f"{project.code}-{len(plan.customers) + 1:06d}",
            category=category,
            credit_grade=CreditGrade.B,
            is_active=active,
            remark=remark,
            created_at=created,
            updated_at=created,
        )
        if person is not None:
            c.kind, c.name, c.gender, c.birthday = Customer.Kind.PERSON, person.name, person.gender, person.birthday
            c.id_type, c.id_number = person.id_type, person.id_number
        elif org is not None:
            c.kind, c.name = Customer.Kind.ORGANISATION, org.name
            c.id_type, c.id_number = Customer.IdType.USCC, org.uscc
        plan.customers.append(c)
        return c

    def grade(
        self,
        plan: Plan,
        c: Customer,
        since: dt.date,
        rng: random.Random,
        *,
        arrears: bool,
        archivist: User,
        supervisor: User,
    ) -> None:
        """The initial grade at the archive's creation, and the changes since, ending at c.credit_grade."""
        plan.grade_changes.append((c, "", CreditGrade.B, "建档初始评级", since, archivist))
        if arrears:
            steps = [(CreditGrade.C, "物业费逾期超过3个月")]
            if rng.random() < 0.35:
                steps.append((CreditGrade.D, "长期欠费，多次催缴未果"))
        else:
            roll = rng.random()
            org = c.kind == Customer.Kind.ORGANISATION
            if c.category in (Customer.Category.OWNER, Customer.Category.ENTERPRISE) and roll < 0.32:
                steps = [
                    (
                        CreditGrade.A,
                        rng.choice(
                            ["租金及物业费按时缴纳，配合管理", "入驻以来无违规记录"]
                            if org
                            else ["连续三年按时缴费，无违规记录", "积极配合物业工作，按时缴费"]
                        ),
                    )
                ]
            elif roll > 0.94:
                steps = [
                    (
                        CreditGrade.C,
                        rng.choice(
                            ["物业费多次逾期缴纳", "违规占用消防通道堆放物品"]
                            if org
                            else ["装修违规，拒不整改", "多次违规停车占用消防通道", "饲养犬只多次扰民，沟通无效"]
                        ),
                    )
                ]
            else:
                steps = []
        day, previous = since, CreditGrade.B
        for grade, reason in steps:
            day = self.days_between(
                rng, day + dt.timedelta(days=90), max(day + dt.timedelta(days=90), self.today - dt.timedelta(days=7))
            )
            day = min(day, self.today)
            plan.grade_changes.append((c, previous, grade, reason, day, supervisor))
            previous = grade
        c.credit_grade = previous

    def write(self, plan: Plan) -> None:
        Customer.objects.bulk_create(plan.customers, batch_size=500)
        Contact.objects.bulk_create(
            [
                Contact(customer=c, kind=k, value=v, label=label, is_primary=primary)
                for c, (k, v, label, primary) in plan.contacts
            ],
            batch_size=1000,
        )
        Occupancy.objects.bulk_create(
            [
                Occupancy(unit=u, customer=c, relation=rel, move_in=mi, move_out=mo, remark=remark)
                for u, c, rel, mi, mo, remark in plan.occupancies
            ],
            batch_size=1000,
        )
        through = Customer.tags.through
        pairs = dict.fromkeys((c.pk, t.pk) for c, t in plan.tags)  # an owner of two units is tagged once
        through.objects.bulk_create([through(customer_id=c, tag_id=t) for c, t in pairs], batch_size=1000)
        # A customer's changes come in order: keep their times strictly increasing.
        changes: list[CreditGradeChange] = []
        last: dict[int, dt.datetime] = {}
        for c, prev, g, reason, day, by in plan.grade_changes:
            when = self.at(day, self.rng)
            if id(c) in last and when <= last[id(c)]:
                when = last[id(c)] + dt.timedelta(seconds=1)
            last[id(c)] = when
            changes.append(
                CreditGradeChange(
                    customer=c, previous=prev, grade=g, reason=reason, effective_on=day, changed_by=by, changed_at=when
                )
            )
        CreditGradeChange.objects.bulk_create(changes, batch_size=1000)
        CustomerNote.objects.bulk_create(
            [CustomerNote(customer=c, author=a, text=t, created_at=when) for c, a, t, when in plan.notes],
            batch_size=1000,
        )
        KeyCustomer.objects.bulk_create(plan.keys)

    # 阳光花园 ------------------------------------------------------------------------------------

    def residential(self) -> None:
        b, size = self.b, self.size
        project = b.projects[YG]
        rng = random.Random(f"{SEED}-{YG}")
        people = self.people
        users = b.users
        groups = self.building_groups()
        zone_of = {code: b.zones[(YG, f"Z{i:02d}")] for i, codes in enumerate(groups, start=1) for code in codes}
        steward_of = {
            b.zones[(YG, s.zones[0])].pk: users[s.username]
            for s in roster(size)
            if s.role == Role.STEWARD and s.project == YG
        }
        agents = [users["kefu1"], users["kefu2"], users["kefu3"]]

        # Buildings, entrances, units.
        buildings: list[tuple[Building, int, int, dt.date]] = []  # building, entrances, per floor, delivered
        for i in range(1, size.high_rises + size.low_rises + 1):
            high = i <= size.high_rises
            phase1 = i <= max(1, (size.high_rises + 1) // 2)
            delivered = dt.date(2016, 9, 30) if phase1 else dt.date(2018, 6, 30)
            bld = Building(project=project, code=str(i), name=f"{i}号楼", floors=18 if high else 11)
            buildings.append((bld, 2 if high else 3, 2, delivered))
        shops_building = Building(project=project, code="S", name="沿街商铺", floors=1) if size.shops else None
        Building.objects.bulk_create([x[0] for x in buildings] + ([shops_building] if shops_building else []))
        entrances = {
            (bld.code, e): Entrance(building=bld, code=str(e), name=f"{e}单元")
            for bld, n_entr, _, _ in buildings
            for e in range(1, n_entr + 1)
        }
        Entrance.objects.bulk_create(list(entrances.values()))
        units: list[tuple[Unit, dt.date]] = []
        high_areas = [Decimal("89.56"), Decimal("118.72")]
        low_areas = [Decimal("143.25"), Decimal("165.80")]
        for bld, n_entr, per_floor, delivered in buildings:
            for e in range(1, n_entr + 1):
                ent = entrances[(bld.code, e)]
                for floor in range(1, bld.floors + 1):
                    for pos in range(1, per_floor + 1):
                        number = f"{floor}{pos:02d}"
                        if bld.floors == 18:
                            area = high_areas[(pos + e) % 2]
                        else:
                            area = Decimal("186.40") if floor == bld.floors else low_areas[(pos + e) % 2]
                        u = Unit(
                            project=project,
                            building=bld,
                            entrance=ent,
                            floor=floor,
                            number=number,
                            code=f"{bld.code}-{e}-{number}",
                            area=area,
                            kind=Unit.Kind.RESIDENCE,
                            zone=zone_of[bld.code],
                        )
                        units.append((u, delivered))
        if shops_building:
            for n in range(1, size.shops + 1):
                number = f"{100 + n}"
                u = Unit(
                    project=project,
                    building=shops_building,
                    entrance=None,
                    floor=1,
                    number=number,
                    code=f"S-{number}",
                    area=Decimal(rng.choice(["45.60", "62.30", "88.00", "120.50"])),
                    kind=Unit.Kind.SHOP,
                    zone=b.zones[(YG, "Z01")],
                )
                units.append((u, dt.date(2016, 9, 30)))

        # Households.
        plan = Plan()
        archivist, supervisor = users["ziliao"], users["zhuguan"]
        tag = {name: t for (p, name), t in b.tags.items() if p in (None, YG)}
        owners_for_second_unit: list[Customer] = []
        info: list[tuple[Customer, Unit, set[str], bool]] = []  # current customer, unit, tags, elderly
        shop_no = 0

        def add(
            category: str,
            since: dt.date,
            *,
            person: Person | None = None,
            org: Org | None = None,
            active: bool = True,
            elderly: bool = False,
            remark: str = "",
        ) -> Customer:
            c = self.new_customer(
                plan,
                project,
                category=category,
                since=since,
                rng=rng,
                person=person,
                org=org,
                active=active,
                remark=remark,
            )
            if person is not None:
                plan.contacts += [(c, x) for x in people.contacts(person, elderly=elderly)]
            return c

        for unit, delivered in units:
            status = Unit.Status.VACANT
            if unit.kind == Unit.Kind.SHOP:
                if rng.random() < 0.9:
                    owner_p = people.person(born=(1960, 1985))
                    since = delivered + dt.timedelta(days=rng.randint(10, 90))
                    owner = add(Customer.Category.OWNER, since, person=owner_p)
                    plan.occupancies.append((unit, owner, Occupancy.Relation.OWNER, since, None, "商铺业主"))
                    self.grade(plan, owner, since, rng, arrears=False, archivist=archivist, supervisor=supervisor)
                    t_since = self.days_between(rng, since + dt.timedelta(days=60), self.today - dt.timedelta(days=30))
                    shop_name = SHOP_TENANTS[shop_no % len(SHOP_TENANTS)]
                    shop_no += 1
                    shop = add(Customer.Category.ENTERPRISE, t_since, org=Org(shop_name, "", people.uscc()))
                    boss = people.person(born=(1965, 1992))
                    plan.contacts.append((shop, (Contact.Kind.MOBILE, people.mobile(), f"店主 {boss.name}", True)))
                    plan.contacts.append((shop, (Contact.Kind.LANDLINE, people.landline(), "店内电话", False)))
                    plan.occupancies.append((unit, shop, Occupancy.Relation.TENANT, t_since, None, "租赁经营"))
                    self.grade(
                        plan, shop, t_since, rng, arrears=rng.random() < 0.1, archivist=archivist, supervisor=supervisor
                    )
                    status = Unit.Status.OCCUPIED
                    info.append((shop, unit, set(), False))
                unit.status = status
                continue

            if rng.random() >= 0.88:  # vacant (空置), sometimes after someone moved out
                if rng.random() < 0.3:
                    p = people.person(born=(1980, 1998))
                    mi = self.days_between(rng, delivered + dt.timedelta(days=90), self.today - dt.timedelta(days=400))
                    mo = self.days_between(rng, mi + dt.timedelta(days=180), self.today - dt.timedelta(days=20))
                    c = add(Customer.Category.TENANT, mi, person=p, active=False)
                    plan.occupancies.append((unit, c, Occupancy.Relation.TENANT, mi, mo, "租约到期迁出"))
                    self.grade(plan, c, mi, rng, arrears=False, archivist=archivist, supervisor=supervisor)
                unit.status = status
                continue

            status = Unit.Status.OCCUPIED
            earliest = delivered + dt.timedelta(days=rng.randint(20, 500))
            # Some units were sold on: the first owner moved out.
            if rng.random() < 0.12 and earliest < self.today - dt.timedelta(days=500):
                p = people.person(born=(1955, 1990))
                sold = self.days_between(rng, earliest + dt.timedelta(days=365), self.today - dt.timedelta(days=60))
                c = add(Customer.Category.OWNER, earliest, person=p, active=False)
                plan.occupancies.append((unit, c, Occupancy.Relation.OWNER, earliest, sold, "房屋出售，已办理迁出"))
                self.grade(plan, c, earliest, rng, arrears=False, archivist=archivist, supervisor=supervisor)
                earliest = sold + dt.timedelta(days=rng.randint(15, 60))
            renovating = rng.random() < 0.03
            if renovating:
                earliest = self.today - dt.timedelta(days=rng.randint(10, 120))
                status = Unit.Status.RENOVATING
            move_in = min(earliest, self.today - dt.timedelta(days=1))
            tags: set[str] = set()
            if renovating:
                tags.add("装修中")
            rented = not renovating and rng.random() < 0.15
            investor = rented and bool(owners_for_second_unit) and rng.random() < 0.25
            if investor:
                owner = rng.choice(owners_for_second_unit)
                owners_for_second_unit.remove(owner)
                plan.occupancies.append((unit, owner, Occupancy.Relation.OWNER, move_in, None, "业主另有房产在本小区"))
            else:
                elderly_owner = rng.random() < 0.12
                owner_p = people.person(born=(1938, 1957) if elderly_owner else (1958, 1995))
                owner = add(Customer.Category.OWNER, move_in, person=owner_p, elderly=elderly_owner)
                plan.occupancies.append((unit, owner, Occupancy.Relation.OWNER, move_in, None, ""))
                arrears = rng.random() < 0.06
                if arrears:
                    tags.add("欠费")
                if rng.random() < 0.08:
                    tags.add("宠物")
                if rng.random() < 0.015:
                    tags.add("VIP")
                if rng.random() < 0.01:
                    tags.add("业委会")
                    owner.remark = "业主委员会委员"
                if rng.random() < 0.012:
                    tags.add("投诉敏感")
                household: list[Customer] = []
                if not rented and rng.random() < 0.35:  # spouse, co-owner
                    sp = people.person(
                        born=(owner_p.birthday.year - 4, min(owner_p.birthday.year + 4, 2000)),
                        gender="F" if owner_p.gender == "M" else "M",
                    )
                    household.append(add(Customer.Category.OWNER, move_in, person=sp, elderly=elderly_owner))
                    plan.occupancies.append(
                        (unit, household[-1], Occupancy.Relation.OWNER, move_in, None, "共有产权人")
                    )
                year = owner_p.birthday.year
                can_child, can_parent = year + 22 <= 2005, year > 1965
                if not rented and rng.random() < 0.3:  # parents or adult children
                    for _ in range(rng.choice([1, 1, 2])):
                        old = can_parent and (not can_child or rng.random() < 0.6)
                        born = (1938, min(1958, year - 20)) if old else (year + 22, 2005)
                        op = people.person(born=born, surname=None if old else owner_p.surname)
                        c = add(Customer.Category.OCCUPANT, move_in, person=op, elderly=old)
                        household.append(c)
                        plan.occupancies.append(
                            (unit, c, Occupancy.Relation.OCCUPANT, move_in, None, "业主父母" if old else "业主子女")
                        )
                        self.grade(plan, c, move_in, rng, arrears=False, archivist=archivist, supervisor=supervisor)
                if elderly_owner and not household and not rented and rng.random() < 0.8:
                    tags.add("老人独居")
                    if rng.random() < 0.3:
                        tags.add("行动不便")
                self.grade(plan, owner, move_in, rng, arrears=arrears, archivist=archivist, supervisor=supervisor)
                for c in household:
                    if c.category == Customer.Category.OWNER:
                        self.grade(plan, c, move_in, rng, arrears=False, archivist=archivist, supervisor=supervisor)
                if not elderly_owner and not rented and rng.random() < 0.05:
                    owners_for_second_unit.append(owner)
            if rented:
                tags.add("出租房屋")
                if rng.random() < 0.4:  # an earlier tenant has left
                    p = people.person(born=(1978, 2000))
                    mi = self.days_between(rng, move_in, self.today - dt.timedelta(days=500))
                    mo = self.days_between(rng, mi + dt.timedelta(days=180), self.today - dt.timedelta(days=90))
                    c = add(Customer.Category.TENANT, mi, person=p, active=False)
                    plan.occupancies.append((unit, c, Occupancy.Relation.TENANT, mi, mo, "租约到期迁出"))
                    self.grade(plan, c, mi, rng, arrears=False, archivist=archivist, supervisor=supervisor)
                    start = mo + dt.timedelta(days=rng.randint(7, 60))
                else:
                    start = self.days_between(rng, move_in, self.today - dt.timedelta(days=30))
                start = min(start, self.today)
                tp = people.person(born=(1982, 2001))
                tenant = add(Customer.Category.TENANT, start, person=tp)
                plan.occupancies.append(
                    (
                        unit,
                        tenant,
                        Occupancy.Relation.TENANT,
                        start,
                        None,
                        f"租期至 {start.year + rng.choice([1, 2, 3])}-{start:%m-%d}",
                    )
                )
                self.grade(plan, tenant, start, rng, arrears=False, archivist=archivist, supervisor=supervisor)
                info.append((tenant, unit, set(), False))
            for name in tags:
                plan.tags.append((owner, tag[name]))
            info.append((owner, unit, tags, "老人独居" in tags))
            unit.status = status

        Unit.objects.bulk_create([u for u, _ in units], batch_size=1000)
        # Units now have primary keys: re-point the occupancy tuples (they hold the same objects).

        # Notes, written by the zone's steward or a front-desk agent.
        for c, unit, tags, elderly in info:
            steward = steward_of.get(unit.zone.pk) if unit.zone else None
            since = c.created_at.date() if c.created_at else self.today
            texts: list[str] = []
            if elderly:
                texts += rng.sample(ELDERLY_NOTES, 2)
            if "欠费" in tags:
                texts += rng.sample(ARREARS_NOTES, 2)
            if "装修中" in tags:
                texts.append(RENOVATION_NOTES[0])
                texts.append(rng.choice(RENOVATION_NOTES[1:]))
            if "宠物" in tags and rng.random() < 0.4:
                texts.append(rng.choice(PET_NOTES))
            if rng.random() < 0.12:
                texts.append(rng.choice(GENERAL_NOTES))
            for text in texts:
                author = steward if steward and rng.random() < 0.7 else rng.choice(agents)
                day = self.days_between(rng, since, self.today)
                plan.notes.append((c, author, text, self.at(day, rng)))

        # Key customers (重点关注客户), owned by the zone's steward.
        wanted = [
            ("老人独居", "独居老人，每周电话问候，每月上门探访", 5),
            ("欠费", "长期欠费，需重点催缴并了解原因", 4),
            ("投诉敏感", "多次投诉楼上漏水问题，需跟进至关闭", 4),
            ("业委会", "业委会委员，重大事项提前沟通", 3),
            ("VIP", "VIP 客户，提供一对一管家服务", 2),
        ]
        chosen: set[int] = set()
        for tag_name, reason, n in wanted:
            candidates = [(c, u) for c, u, tags, _ in info if tag_name in tags and id(c) not in chosen]
            for c, u in rng.sample(candidates, min(n, len(candidates))):
                chosen.add(id(c))
                key_owner = (steward_of.get(u.zone.pk) if u.zone else None) or supervisor
                added = self.days_between(rng, c.created_at.date(), self.today)
                plan.keys.append(
                    KeyCustomer(
                        customer=c,
                        owner=key_owner,
                        reason=reason,
                        added_by=supervisor,
                        added_at=self.at(added, rng),
                        review_on=self.today + dt.timedelta(days=rng.randint(-5, 90)),
                    )
                )
        self.write(plan)
        self.assets_residential(project, buildings, rng)

    def assets_residential(
        self, project: Project, buildings: list[tuple[Building, int, int, dt.date]], rng: random.Random
    ) -> None:
        fixers = [self.b.users[f"weixiu{i}"] for i in range(1, 5)]
        assets: list[tuple[Asset, str]] = []
        serials: set[str] = set()

        def serial(prefix: str, year: int) -> str:
            while True:
                s = f"{prefix}{year}{rng.randint(100000, 999999)}"
                if s not in serials:
                    serials.add(s)
                    return s

        for bld, n_entr, _, delivered in buildings:
            lifts = 2 if bld.floors == 18 else 1
            for e in range(1, n_entr + 1):
                for n in range(1, lifts + 1):
                    model = "奥的斯 GeN2-MRL 1000kg" if bld.floors == 18 else "三菱 LEHY-Pro 800kg"
                    a = Asset(
                        project=project,
                        name=f"{bld.name}{e}单元 {n}号电梯",
                        model=model,
                        serial_no=serial("DT", delivered.year),
                        installed_on=delivered - dt.timedelta(days=60),
                        warranty_until=delivered + dt.timedelta(days=730),
                        remark="维保单位：奥的斯电梯（中国）",
                    )
                    assets.append((a, "elevator"))
                a = Asset(
                    project=project,
                    name=f"{bld.name}{e}单元 可视对讲门禁主机",
                    model="海康威视 DS-KD8003",
                    serial_no=serial("MJ", delivered.year),
                    installed_on=delivered - dt.timedelta(days=30),
                    warranty_until=delivered + dt.timedelta(days=730),
                )
                assets.append((a, "gate"))
        for i in range(1, 5):
            a = Asset(
                project=project,
                name=f"生活给水泵 {i}#",
                model="格兰富 CR 32-4",
                serial_no=serial("SB", 2016),
                installed_on=dt.date(2016, 7, 15),
                warranty_until=dt.date(2018, 7, 15),
                remark="地下二层水泵房",
            )
            assets.append((a, "pump"))
        for i in range(1, 3):
            a = Asset(
                project=project,
                name=f"消防喷淋泵 {i}#",
                model="XBD8/40-150",
                serial_no=serial("XF", 2016),
                installed_on=dt.date(2016, 7, 15),
                warranty_until=dt.date(2018, 7, 15),
                remark="地下二层消防泵房",
            )
            assets.append((a, "pump"))
        for gate in ["东门", "西门", "南门", "地库入口"]:
            a = Asset(
                project=project,
                name=f"{gate}车辆道闸",
                model="捷顺 JSKT6",
                serial_no=serial("DZ", 2016),
                installed_on=dt.date(2016, 8, 20),
                warranty_until=dt.date(2018, 8, 20),
            )
            assets.append((a, "gate"))
        self.write_assets(assets, fixers, rng)

    def write_assets(self, assets: list[tuple[Asset, str]], fixers: Sequence[User], rng: random.Random) -> None:
        Asset.objects.bulk_create([a for a, _ in assets])
        texts = {
            "elevator": (ELEVATOR_MAINT, ELEVATOR_REPAIR, 90),
            "pump": (PUMP_MAINT, PUMP_REPAIR, 120),
            "gate": (GATE_MAINT, GATE_REPAIR, 180),
            "ac": (AC_MAINT, AC_REPAIR, 180),
        }
        records = []
        for a, kind in assets:
            maint, repair, every = texts[kind]
            installed = a.installed_on or self.today
            fixer = rng.choice(fixers)
            records.append(
                AssetRecord(
                    asset=a,
                    kind=AssetRecord.Kind.INSTALL,
                    happened_on=installed,
                    description="安装调试完成，验收合格，建立设备档案",
                    author=fixer,
                    created_at=self.at(installed, rng),
                )
            )
            day = max(installed, self.today - dt.timedelta(days=730)) + dt.timedelta(days=rng.randint(1, every))
            while day <= self.today:
                if rng.random() < 0.12:
                    kind_, text = AssetRecord.Kind.REPAIR, rng.choice(repair)
                else:
                    kind_, text = (
                        (AssetRecord.Kind.MAINTENANCE, rng.choice(maint))
                        if rng.random() < 0.8
                        else (AssetRecord.Kind.INSPECTION, "例行巡检，运行正常")
                    )
                records.append(
                    AssetRecord(
                        asset=a,
                        kind=kind_,
                        happened_on=day,
                        description=text,
                        author=rng.choice(fixers),
                        created_at=self.at(day, rng),
                    )
                )
                day += dt.timedelta(days=every + rng.randint(-10, 10))
        AssetRecord.objects.bulk_create(records, batch_size=1000)

    # 国贸中心大厦 --------------------------------------------------------------------------------

    def office_tower(self) -> None:
        b, size = self.b, self.size
        project = b.projects[GM]
        rng = random.Random(f"{SEED}-{GM}")
        people = self.people
        users = b.users
        opened = dt.date(2012, 10, 8)
        floors_total = 2 + size.office_floors
        tower = Building.objects.create(project=project, code="A", name="A座", floors=floors_total)
        zone_of_floor = {f: b.zones[(GM, code)] for code, fl in self.tower_zone_floors().items() for f in fl}
        units: list[Unit] = []
        for n in range(1, 4):  # 咖啡厅、银行网点、便利店
            units.append(
                Unit(
                    project=project,
                    building=tower,
                    floor=1,
                    number=f"1{n:02d}",
                    code=f"A-1{n:02d}",
                    area=Decimal("85.00") + 40 * n,
                    kind=Unit.Kind.SHOP,
                    zone=zone_of_floor[1],
                )
            )
        for floor in range(3, 3 + size.office_floors):
            for pos in range(1, 6):
                number = f"{floor}{pos:02d}"
                area = [Decimal("286.50"), Decimal("152.30"), Decimal("198.75"), Decimal("152.30"), Decimal("412.60")][
                    pos - 1
                ]
                units.append(
                    Unit(
                        project=project,
                        building=tower,
                        floor=floor,
                        number=number,
                        code=f"A-{number}",
                        area=area,
                        kind=Unit.Kind.OFFICE,
                        zone=zone_of_floor[floor],
                    )
                )
        plan = Plan()
        archivist, supervisor = users["gmziliao"], users["gmzhuguan"]
        agents = [users[f"gmkefu{i}"] for i in range(1, 4)]
        steward_of = {
            b.zones[(GM, s.zones[0])].pk: users[s.username]
            for s in roster(size)
            if s.role == Role.STEWARD and s.project == GM
        }
        tag = {name: t for (p, name), t in b.tags.items() if p in (None, GM)}
        names_used: set[str] = set()

        def org() -> Org:
            while True:
                trade, py = rng.choice(TRADE_NAMES)
                industry = rng.choices([x for x, _ in INDUSTRIES], [w for _, w in INDUSTRIES])[0]
                name = f"北京{trade}{industry}"
                if name not in names_used:
                    names_used.add(name)
                    return Org(name, py, people.uscc())

        def enterprise(since: dt.date, active: bool = True) -> Customer:
            o = org()
            c = self.new_customer(
                plan, project, category=Customer.Category.ENTERPRISE, since=since, rng=rng, org=o, active=active
            )
            admin = people.person(born=(1975, 1998))
            title = rng.choice(["行政", "行政主管", "办公室主任", "前台"])
            gender_word = "先生" if admin.gender == "M" else "女士"
            plan.contacts.append((c, (Contact.Kind.LANDLINE, people.landline("65"), "前台总机", True)))
            plan.contacts.append(
                (c, (Contact.Kind.MOBILE, people.mobile(), f"{title} {admin.name[:1]}{gender_word}", False))
            )
            if rng.random() < 0.6:
                mailbox = rng.choice(["admin", "hr", "office", "info"])
                plan.contacts.append((c, (Contact.Kind.EMAIL, f"{mailbox}@{o.pinyin}.com.cn", "", False)))
            self.grade(plan, c, since, rng, arrears=rng.random() < 0.05, archivist=archivist, supervisor=supervisor)
            return c

        tenants: list[tuple[Customer, list[Unit], set[str]]] = []
        shop_names = iter(["北京星岛咖啡有限公司", "中国工商银行股份有限公司北京国贸支行", "北京便利蜂商贸有限公司"])
        i = 0
        while i < len(units):
            u = units[i]
            if u.kind == Unit.Kind.SHOP:
                since = opened + dt.timedelta(days=rng.randint(30, 900))
                o = Org(next(shop_names), "", people.uscc())
                c = self.new_customer(plan, project, category=Customer.Category.ENTERPRISE, since=since, rng=rng, org=o)
                plan.contacts.append((c, (Contact.Kind.LANDLINE, people.landline("65"), "店长", True)))
                self.grade(plan, c, since, rng, arrears=False, archivist=archivist, supervisor=supervisor)
                plan.occupancies.append((u, c, Occupancy.Relation.ENTERPRISE, since, None, ""))
                u.status = Unit.Status.OCCUPIED
                tenants.append((c, [u], set()))
                i += 1
                continue
            run = rng.choices([1, 2, 3, 5], [60, 25, 8, 7])[0]
            if run == 5 and u.number[-2:] != "01":
                run = 1
            group = [x for x in units[i : i + run] if x.floor == u.floor]
            i += len(group)
            vacant = rng.random() >= 0.88
            last_out: dt.date | None = None
            if vacant or rng.random() < 0.3:  # an earlier tenant has moved out
                mi = opened + dt.timedelta(days=rng.randint(30, 1500))
                mo = self.days_between(rng, mi + dt.timedelta(days=365 * 2), self.today - dt.timedelta(days=45))
                mo = min(max(mo, mi), self.today - dt.timedelta(days=1))
                old = enterprise(mi, active=False)
                for x in group:
                    plan.occupancies.append((x, old, Occupancy.Relation.ENTERPRISE, mi, mo, "租约到期退租"))
                last_out = mo
            if vacant:
                for x in group:
                    x.status = Unit.Status.VACANT
                continue
            start = (
                last_out + dt.timedelta(days=rng.randint(30, 120))
                if last_out
                else opened + dt.timedelta(days=rng.randint(15, 3000))
            )
            start = min(start, self.today - dt.timedelta(days=3))
            c = enterprise(start)
            tags: set[str] = set()
            renovating = last_out is not None and start > self.today - dt.timedelta(days=60)
            for x in group:
                plan.occupancies.append(
                    (
                        x,
                        c,
                        Occupancy.Relation.ENTERPRISE,
                        start,
                        None,
                        f"租期至 {start.year + rng.choice([3, 5])}-{start:%m-%d}",
                    )
                )
                x.status = Unit.Status.RENOVATING if renovating else Unit.Status.OCCUPIED
            if renovating:
                tags.add("装修中")
            if len(group) >= 3:
                tags.add("重点企业")
            if rng.random() < 0.15:
                tags.add("加班空调")
            if rng.random() < 0.08:
                tags.add("即将到期")
            if c.credit_grade in (CreditGrade.C, CreditGrade.D):
                tags.add("欠费")
            if len(group) >= 5 and rng.random() < 0.5:
                tags.add("VIP")
            for name in tags:
                plan.tags.append((c, tag[name]))
            tenants.append((c, group, tags))
        Unit.objects.bulk_create(units)

        for c, group, _tags in tenants:
            texts = rng.sample(OFFICE_NOTES, rng.choice([0, 0, 1, 1, 2]))
            steward = steward_of.get(group[0].zone.pk) if group[0].zone else None
            for text in texts:
                day = self.days_between(rng, c.created_at.date(), self.today)
                plan.notes.append(
                    (c, steward if steward and rng.random() < 0.6 else rng.choice(agents), text, self.at(day, rng))
                )
        big = [(c, g) for c, g, tags in tenants if "重点企业" in tags or "欠费" in tags or "即将到期" in tags]
        for c, g in rng.sample(big, min(6, len(big))):
            reason = (
                "租赁面积大，季度走访"
                if len(g) >= 3
                else "物业费欠缴，需跟进"
                if c.credit_grade in "CD"
                else "租约即将到期，跟进续租意向"
            )
            key_owner = (steward_of.get(g[0].zone.pk) if g[0].zone else None) or supervisor
            added = self.days_between(rng, c.created_at.date(), self.today)
            plan.keys.append(
                KeyCustomer(
                    customer=c,
                    owner=key_owner,
                    reason=reason,
                    added_by=supervisor,
                    added_at=self.at(added, rng),
                    review_on=self.today + dt.timedelta(days=rng.randint(-3, 60)),
                )
            )
        self.write(plan)

        # Equipment: lifts, pumps, access control, and the enterprises' own air conditioners.
        serials: set[str] = set()

        def serial(prefix: str, year: int) -> str:
            while True:
                s = f"{prefix}-{year}-{rng.randint(10000, 99999)}"
                if s not in serials:
                    serials.add(s)
                    return s

        assets: list[tuple[Asset, str]] = []
        for n in range(1, 11):
            assets.append(
                (
                    Asset(
                        project=project,
                        name=f"{n}号客梯",
                        model="三菱 NEXIEZ-MRL 1600kg 4m/s",
                        serial_no=serial("MEL", 2012),
                        installed_on=dt.date(2012, 6, 1),
                        warranty_until=dt.date(2014, 6, 1),
                        remark="维保单位：上海三菱电梯",
                    ),
                    "elevator",
                )
            )
        for n in range(1, 3):
            assets.append(
                (
                    Asset(
                        project=project,
                        name=f"{n}号货梯（兼消防梯）",
                        model="三菱 NEXIEZ-MRL 2000kg",
                        serial_no=serial("MEL", 2012),
                        installed_on=dt.date(2012, 6, 1),
                        warranty_until=dt.date(2014, 6, 1),
                        remark="维保单位：上海三菱电梯",
                    ),
                    "elevator",
                )
            )
        for n, (name, model) in enumerate(
            [
                ("生活变频供水泵 1#", "格兰富 Hydro MPC-E"),
                ("生活变频供水泵 2#", "格兰富 Hydro MPC-E"),
                ("消防喷淋泵 1#", "XBD10/50-150"),
                ("消火栓泵 1#", "XBD10/40-125"),
            ],
            start=1,
        ):
            assets.append(
                (
                    Asset(
                        project=project,
                        name=name,
                        model=model,
                        serial_no=serial("PMP", 2012),
                        installed_on=dt.date(2012, 5, 20),
                        warranty_until=dt.date(2014, 5, 20),
                        remark=f"B3 水泵房 {n} 号位",
                    ),
                    "pump",
                )
            )
        for n in range(1, 5):
            assets.append(
                (
                    Asset(
                        project=project,
                        name=f"大堂速通门 {n}#",
                        model="海康威视 DS-K3B601",
                        serial_no=serial("HK", 2019),
                        installed_on=dt.date(2019, 3, 1),
                        warranty_until=dt.date(2022, 3, 1),
                    ),
                    "gate",
                )
            )
        for floor in range(3, 3 + size.office_floors):
            assets.append(
                (
                    Asset(
                        project=project,
                        name=f"{floor}F 电梯厅门禁一体机",
                        model="海康威视 DS-K1T671M",
                        serial_no=serial("HK", 2019),
                        installed_on=dt.date(2019, 3, 1),
                        warranty_until=dt.date(2022, 3, 1),
                    ),
                    "gate",
                )
            )
        for c, group, _tags in tenants:
            if group[0].kind != Unit.Kind.OFFICE or rng.random() > 0.4:
                continue
            start = c.created_at.date() + dt.timedelta(days=rng.randint(10, 60))
            if start >= self.today:
                continue
            model = rng.choice(["大金 VRV-X RXYQ16", "格力 GMV-560WM/B", "美的 MDV-400W/DSN1"])
            assets.append(
                (
                    Asset(
                        project=project,
                        customer=c,
                        unit=group[0],
                        name="机房精密空调/多联机（企业自有）",
                        model=model,
                        serial_no=serial("AC", start.year),
                        installed_on=start,
                        warranty_until=start + dt.timedelta(days=365 * 3),
                        remark="企业自购设备，物业代为登记",
                    ),
                    "ac",
                )
            )
        fixers = [users[f"gmweixiu{i}"] for i in range(1, 5)]
        self.write_assets(assets, fixers, rng)


def cn_number(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n <= 10:
        return "十" if n == 10 else digits[n]
    if n < 20:
        return "十" + digits[n - 10]
    return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
