#!/usr/bin/env python
"""Benchmark data: N cases with their timelines, return visits, QC records and search documents, fast.

    .venv/bin/python manage.py migrate            # (generate.py runs it too)
    .venv/bin/python bench/generate.py --cases 1000000 [--seed 6] [--no-search]

Writes into the configured database (DATABASE_URL for PostgreSQL, else SQLite at $KEFU_VAR_DIR/kefu.sqlite3),
which must hold no project yet (a freshly migrated one). 20 projects (16 residential estates, 4 office towers)
with buildings, units, households, departments and staff; cases arrive at about --per-month (17,000) a month
over all projects, so 10,000 cases cover ~18 days, 100,000 ~6 months and 1,000,000 ~5 years up to now.

Every case follows the service desk's rules (kefu/tickets/states.py): created, dispatched, accepted, started,
answered, resolved, visited and closed (or solved at once, or cancelled), with the case's fields, the
timeline (CaseEvent), the stage times (quality.StageTime, as kefu/quality/cycle.py writes them), the return
visits with their calls, the QC reviews the default review rules ask for, and the search document
(tickets.SearchDocument, words as kefu/tickets/search.py segments them). A step that would fall after now is
not taken, and about --open-share (2%) of the recent cases are stuck in an open status, so the dashboard has
a backlog with some cases overdue, some due soon and some unassigned.

Rows are written with explicit ids through executemany (SQLite) or COPY (PostgreSQL), a chunk of cases per
transaction, with the secondary indexes dropped during the load and rebuilt at the end, then ANALYZE
(PostgreSQL: VACUUM ANALYZE). Same --seed and --now: the same data, row for row.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import itertools
import json
import math
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import RESULTS, db_description, machine, setup_django

BJ = 8 * 3600  # Beijing is UTC+8 all year
DAY = 86400
HOUR = 3600
MIN = 60

# --------------------------------------------------------------------------------------------------------------
# The organisation
# --------------------------------------------------------------------------------------------------------------

# (name, kind, relative size)
PROJECTS: list[tuple[str, str, float]] = [
    ("阳光花园", "residential", 3.0),
    ("翠湖苑", "residential", 2.2),
    ("金色家园", "residential", 2.0),
    ("碧水湾", "residential", 1.8),
    ("枫林雅居", "residential", 1.6),
    ("锦绣华庭", "residential", 1.5),
    ("御景湾", "residential", 1.4),
    ("紫荆花园", "residential", 1.3),
    ("滨江壹号", "residential", 1.2),
    ("书香名邸", "residential", 1.1),
    ("桂园小区", "residential", 1.0),
    ("城市花园", "residential", 1.0),
    ("星河湾", "residential", 0.9),
    ("明珠苑", "residential", 0.8),
    ("海棠湾", "residential", 0.7),
    ("水岸名都", "residential", 0.6),
    ("国贸中心大厦", "office", 1.2),
    ("金融街中心", "office", 0.9),
    ("科技园大厦", "office", 0.7),
    ("创新广场", "office", 0.5),
]

# (code, name, parent, trade)
DepartmentTree = list[tuple[str, str, str | None, str]]
DEPARTMENTS: DepartmentTree = [
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
HEAD_DEPARTMENTS: DepartmentTree = [("ZB-KF", "总部客服管理中心", None, "客服"), ("ZB-PZ", "品质部", None, "品质")]
# Field staff per department for a project of relative size 1 (at least one each).
FIELD_STAFF = {
    "GC-SD": (4, "weixiu"),
    "GC-TJ": (2, "tujian"),
    "GC-ZN": (2, "zhineng"),
    "ZX": (3, "zhixu"),
    "HJ": (3, "baojie"),
}

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史黎贺顾毛郝龚邵万钱覃武戴孔汤庞樊兰殷施陶洪翟安颜倪严牛温芦季俞章鲁葛伍申尤毕聂柴焦向柳邢岳齐梅莫庄辛管祝左涂谷祁时舒耿牟卜路詹关苗凌费纪靳盛童欧甄项曲成游阳裴席卫查屈鲍位覃霍翁隋植甘景薄单包司柏宁柯阮桂闵欧阳"
)
GIVEN = list(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬芳燕彩春菊凤洁梅琳素云莲真环雪荣爱妹霞香月莺媛瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽峰浩然子轩宇航博文志强建国俊杰"
)

PASSWORD = "kefu2026!"  # noqa: S105 - every generated staff login (like the demo)

# --------------------------------------------------------------------------------------------------------------
# The mix of cases
# --------------------------------------------------------------------------------------------------------------

KINDS = {
    "residential": [
        ("repair", 55),
        ("consultation", 14),
        ("complaint", 10),
        ("special_service", 7),
        ("help", 6),
        ("suggestion", 4),
        ("praise", 4),
    ],
    "office": [
        ("repair", 52),
        ("consultation", 20),
        ("complaint", 9),
        ("help", 6),
        ("special_service", 5),
        ("suggestion", 4),
        ("praise", 4),
    ],
}
# Category code weights inside a kind (missing: 1).
CATEGORY_WEIGHTS = {
    "SD-LS": 14,
    "SD-TS": 7,
    "SD-DJ": 9,
    "SD-DS": 10,
    "TJ-QM": 6,
    "TJ-MC": 7,
    "TJ-FS": 3,
    "DT-GZ": 6,
    "DT-KR": 1,
    "ZN-MJ": 8,
    "ZN-JK": 3,
    "ZN-TC": 4,
    "HJ": 4,
    "ZY": 3,
    "TC": 3,
    "FW": 2,
    "BS": 3,
}
CHANNELS = [
    ("phone", 45),
    ("wechat", 22),
    ("walk_in", 12),
    ("portal", 12),
    ("email", 2),
    ("letter", 1),
    ("qq", 1),
    ("weibo", 1),
    ("api", 2),
    ("device", 2),
]
PATROL_SHARE = 0.12  # of the public-area cases
SOLVE_AT_ONCE = {"consultation": 0.7, "help": 0.15, "suggestion": 0.2, "repair": 0.03}
CANCEL_SHARE = 0.012
OVERDUE = {"repair": 0.08, "complaint": 0.10}  # share resolved after the due time (others 5%)
MONTH_FACTOR = [0.95, 0.8, 1.0, 1.0, 1.05, 1.1, 1.2, 1.2, 1.05, 0.95, 0.95, 0.95]
WEEKEND_FACTOR = 0.75
GROWTH_PER_YEAR = 0.08
SCORES = [(5, 60), (4, 25), (3, 9), (2, 4), (1, 2)]
DISSATISFACTION = ["attitude", "slow", "quality", "unsolved", "other"]
SCORE_LABEL = {1: "非常不满意", 2: "不满意", 3: "基本满意", 4: "满意", 5: "非常满意"}
REASON_LABEL = {"attitude": "服务态度差", "slow": "处理不及时", "quality": "维修/处理质量差", "unsolved": "问题未解决"}
REASON_LABEL["other"] = "其他"
WORDS = ["师傅很专业", "处理很及时", "希望以后也这样", "", "", "", "满意", "态度很好"]
UNHAPPY_WORDS = ["等了很久才有人来", "问题还是没解决", "师傅态度不好", "修完又坏了"]
# Where a stuck (open) case stops, with weights: the status it is left in.
STUCK_AT = [("new", 22), ("dispatched", 16), ("accepted", 10), ("in_progress", 30), ("waiting", 12), ("resolved", 10)]
STUCK_DECAY_DAYS = 15.0  # at least: the chance to be stuck halves every ~10 days back
STUCK_TODAY_MAX = 0.3  # at most this share of today's cases is stuck (more stuck cases: a longer tail)

VISIT_OUTCOMES = [("reached", 86), ("no_answer", 9), ("refused", 2), ("wrong_number", 3)]

# kefu/quality/cycle.py, verbatim.
STARTS = {
    "dispatch": ("create", "reject", "reopen"),
    "accept": ("dispatch", "transfer"),
    "handle": ("accept", "grab", "reopen"),
    "first_reply": ("create",),
    "visit": ("resolve",),
    "close": ("visit", "resolve"),
}
ENDS = {
    "dispatch": "dispatch",
    "accept": "accept",
    "grab": "accept",
    "resolve": "handle",
    "visit": "visit",
    "close": "close",
    "solve_at_once": "first_reply",
}
STARTERS: dict[str, list[str]] = defaultdict(list)
for _stage, _kinds in STARTS.items():
    for _kind in _kinds:
        STARTERS[_kind].append(_stage)
VISIT_STATUS = {"reached": "done", "no_answer": "unreachable", "wrong_number": "unreachable", "refused": "refused"}
TRANSITION_KINDS = frozenset(
    {"create", "solve_at_once", "dispatch", "grab", "accept", "start", "hold", "resume", "resolve", "close"}
    | {"reopen", "cancel"}
)


# --------------------------------------------------------------------------------------------------------------
# Writing rows fast
# --------------------------------------------------------------------------------------------------------------


def _pg_text(v: Any) -> str:
    if v is None:
        return "\\N"
    t = type(v)
    if t is str:
        if "\\" in v or "\t" in v or "\n" in v or "\r" in v:
            return v.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
        return v
    if t is bool:
        return "t" if v else "f"
    return str(v)


class Table:
    """A model's table and the columns the generator writes, checked against the model: a NOT NULL column that
    the generator does not write is filled with its default (or the run stops with a clear message)."""

    def __init__(self, model: Any, attnames: Sequence[str]) -> None:
        self.model = model
        self.name = model._meta.db_table
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [a for a in attnames if a not in fields]
        if unknown:
            raise SystemExit(f"{self.name}: the generator writes unknown columns {unknown}; update bench/generate.py")
        self.columns = [fields[a].column for a in attnames]
        self.extra: tuple[Any, ...] = ()
        extra_cols, extra_vals = [], []
        for a, f in fields.items():
            if a in attnames or f.null:
                continue
            if not f.has_default():
                raise SystemExit(f"{self.name}.{f.column} is required and has no default: update bench/generate.py")
            value = f.get_default()
            if isinstance(value, dict | list):
                value = json.dumps(value)
            if not isinstance(value, str | int | float | bool):
                raise SystemExit(f"{self.name}.{f.column}: cannot write the default {value!r}; update the generator")
            extra_cols.append(f.column)
            extra_vals.append(value)
        self.columns += extra_cols
        self.extra = tuple(extra_vals)


class Loader:
    """Bulk writes: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.vendor = connection.vendor
        connection.ensure_connection()
        self.raw = connection.connection
        self.rows_written: Counter[str] = Counter()
        self.seconds: dict[str, float] = defaultdict(float)  # time spent writing, per table

    def write(self, table: Table, rows: Iterable[tuple[Any, ...]]) -> None:
        if table.extra:
            extra = table.extra
            rows = [r + extra for r in rows]
        elif not isinstance(rows, list):
            rows = list(rows)
        if not rows:
            return
        started = time.monotonic()
        cols = ", ".join(f'"{c}"' for c in table.columns)
        if self.vendor == "sqlite":
            marks = ", ".join("?" * len(table.columns))
            self.raw.executemany(f'INSERT INTO "{table.name}" ({cols}) VALUES ({marks})', rows)  # noqa: S608
        elif self.vendor == "postgresql":
            with self.raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({cols}) FROM STDIN') as copy:
                buf: list[str] = []
                size = 0
                for row in rows:
                    line = "\t".join([_pg_text(v) for v in row])
                    buf.append(line)
                    size += len(line)
                    if size > 4_000_000:
                        copy.write("\n".join(buf) + "\n")
                        buf, size = [], 0
                if buf:
                    copy.write("\n".join(buf) + "\n")
        else:
            raise SystemExit(f"unsupported database: {self.vendor}")
        self.rows_written[table.name] += len(rows)
        self.seconds[table.name] += time.monotonic() - started

    def execute(self, sql: str) -> None:
        with self.connection.cursor() as cursor:
            cursor.execute(sql)

    # Secondary indexes: dropped for the load, rebuilt after it (much faster than keeping them current). ---------

    def drop_indexes(self, tables: Sequence[str]) -> list[str]:
        """Drop the tables' secondary indexes; returns the statements that create them again."""
        creates: list[str] = []
        with self.connection.cursor() as cursor:
            if self.vendor == "sqlite":
                marks = ", ".join("%s" for _ in tables)
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "  # noqa: S608
                    f"AND tbl_name IN ({marks}) ORDER BY name",
                    list(tables),
                )
                for name, sql in cursor.fetchall():
                    creates.append(sql)
                    cursor.execute(f'DROP INDEX "{name}"')
            else:
                cursor.execute(
                    """SELECT i.indexname, i.indexdef FROM pg_indexes i
                       WHERE i.schemaname = current_schema() AND i.tablename = ANY(%s)
                       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = to_regclass(i.indexname))
                       ORDER BY i.indexname""",
                    [list(tables)],
                )
                for name, sql in cursor.fetchall():
                    creates.append(sql)
                    cursor.execute(f'DROP INDEX "{name}"')
        return creates

    def create_indexes(self, creates: Sequence[str], progress: Callable[[str], None]) -> None:
        with self.connection.cursor() as cursor:
            for i, sql in enumerate(creates, start=1):
                t = time.monotonic()
                cursor.execute(sql)
                progress(f"index {i}/{len(creates)} {time.monotonic() - t:5.1f}s {sql[:90]}")


# --------------------------------------------------------------------------------------------------------------
# Times: integer seconds since the epoch (UTC); written as 'YYYY-MM-DD HH:MM:SS' UTC, which Django reads back on
# SQLite (naive UTC text) and PostgreSQL (timestamptz in the session's UTC time zone) alike.
# --------------------------------------------------------------------------------------------------------------

_CLOCK = [f" {h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)]
_DAYS: dict[int, str] = {}


def ts(t: int | None) -> str | None:
    if t is None:
        return None
    d, s = divmod(t, DAY)
    day = _DAYS.get(d)
    if day is None:
        day = _DAYS[d] = (dt.date(1970, 1, 1) + dt.timedelta(days=d)).isoformat()
    return day + _CLOCK[s]


def local_date(t: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=(t + BJ) // DAY)


# --------------------------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------------------------


@dataclass
class Household:
    unit: int
    zone: int
    customer: int
    code: str
    building: int
    bld: str
    ent: str
    floor: int
    name: str
    phone: str


@dataclass
class Proj:
    id: int
    index: int
    name: str
    kind: str
    weight: float
    zones: list[int] = field(default_factory=list)
    buildings: list[tuple[int, str, int, int]] = field(default_factory=list)  # id, code, entrances, floors
    households: list[Household] = field(default_factory=list)
    steward: dict[int, int] = field(default_factory=dict)  # zone → user
    agents: list[int] = field(default_factory=list)
    supervisors: list[int] = field(default_factory=list)
    manager: int = 0
    complaint_officer: int = 0
    qc: int = 0
    members: dict[str, list[int]] = field(default_factory=dict)  # department code → users
    departments: dict[str, int] = field(default_factory=dict)
    kind_cum: list[float] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)


@dataclass
class Ev:
    at: int
    kind: str
    actor: int | None
    frm: str = ""
    to: str = ""
    body: str = ""
    public: bool = False
    data: str = "{}"
    id: int = 0
    visit: Any = None  # the VisitPlan of a visit / visit_attempt event
    extra: Any = None  # per kind: department/assignee for dispatch, reason for hold, ...


@dataclass
class VisitPlan:
    """A return visit as planned: its calls (kind, at) and its result."""

    created: int
    due: int
    assignee: int
    calls: list[tuple[str, int]]  # (outcome, at)
    score: int | None = None
    solved: bool | None = None
    words: str = ""
    reason: str = ""
    signed: int | None = None
    signer: int | None = None
    id: int = 0
    handler: int | None = None
    department: int | None = None
    done_calls: int = 0


class Generator:
    def __init__(self, args: argparse.Namespace, loader: Loader, log: Callable[[str], None]) -> None:
        from kefu.tickets import demo

        self.args = args
        self.loader = loader
        self.log = log
        self.rng = random.Random(args.seed)  # the organisation, then the cases
        self.arrivals = random.Random(args.seed + 1)  # when cases arrive and which stay open
        self.now = args.now_ts
        self.demo = demo
        self.names: dict[int, str] = {}  # user → display name
        self.projects: list[Proj] = []
        self.counts: Counter[str] = Counter()
        self.seg_cache: dict[str, list[str]] = {}
        self.ids: Counter[str] = Counter()
        self._tables()

    # Tables --------------------------------------------------------------------------------------------------

    def _tables(self) -> None:
        from django.contrib.auth import get_user_model

        from kefu.customers.models import Building, Contact, Customer, Entrance, Occupancy, Unit
        from kefu.org.models import Department, Membership, Project, Zone
        from kefu.quality.models import Check, CheckError, CheckLog, StageTime
        from kefu.tickets.models import Case, CaseEvent, CaseSequence, SearchDocument
        from kefu.visits.models import ReturnVisit, VisitAttempt

        user = get_user_model()
        T = Table
        self.t_project = T(Project, ["id", "code", "name", "kind", "address", "phone", "is_active", "created_at"])
        self.t_zone = T(Zone, ["id", "project_id", "code", "name", "description"])
        self.t_department = T(
            Department, ["id", "project_id", "parent_id", "code", "name", "trade", "sort", "max_open_jobs"]
        )
        self.t_user = T(
            user,
            [
                "id",
                "password",
                "is_superuser",
                "username",
                "first_name",
                "last_name",
                "email",
                "is_staff",
                "is_active",
                "date_joined",
                "name",
                "mobile",
                "kind",
                "employee_no",
                "on_duty",
            ],
        )
        self.t_membership = T(
            Membership, ["id", "user_id", "project_id", "role", "department_id", "is_active", "created_at"]
        )
        self.t_membership_zones = T(Membership.zones.through, ["id", "membership_id", "zone_id"])
        self.t_building = T(Building, ["id", "project_id", "code", "name", "floors"])
        self.t_entrance = T(Entrance, ["id", "building_id", "code", "name"])
        self.t_unit = T(
            Unit,
            ["id", "project_id", "building_id", "entrance_id", "floor", "number", "code", "kind", "status", "zone_id"],
        )
        self.t_customer = T(
            Customer,
            [
                "id",
                "project_id",
                "code",
                "kind",
                "category",
                "name",
                "gender",
                "id_type",
                "id_number",
                "credit_grade",
                "remark",
                "is_active",
                "created_at",
                "updated_at",
                "version",
            ],
        )
        self.t_contact = T(Contact, ["id", "customer_id", "kind", "value", "label", "is_primary"])
        self.t_occupancy = T(Occupancy, ["id", "unit_id", "customer_id", "relation", "move_in", "remark"])
        self.case_cols = [
            "id", "number", "project_id", "kind", "category_id", "channel", "priority", "is_major", "status",
            "status_since", "wait_reason", "customer_id", "unit_id", "zone_id", "location", "contact_name",
            "contact_phone", "title", "description", "preferred_time", "department_id", "assignee_id", "in_pool",
            "required_by", "sla_policy_id", "first_reply_due", "first_replied_at", "resolution_due", "warn_at",
            "paused_at", "escalation_level", "first_contact_resolution", "created_by_id", "created_at",
            "dispatched_at", "resolved_at", "closed_at", "updated_at", "version",
        ]  # fmt: skip
        self.t_case = T(Case, self.case_cols)
        self.t_event = T(
            CaseEvent,
            ["id", "case_id", "kind", "actor_id", "at", "from_status", "to_status", "body", "is_public", "data"],
        )
        self.t_sequence = T(CaseSequence, ["id", "prefix", "day", "last"])
        self.t_search = T(SearchDocument, ["case_id", "project_id", "words"])
        self.t_visit = T(
            ReturnVisit,
            [
                "id",
                "project_id",
                "zone_id",
                "source",
                "case_id",
                "unit_id",
                "building_id",
                "customer_id",
                "contact_name",
                "contact_phone",
                "handler_id",
                "department_id",
                "assignee_id",
                "status",
                "due_at",
                "next_attempt_at",
                "attempts",
                "max_attempts",
                "retry_hours",
                "score",
                "solved",
                "customer_words",
                "reason",
                "completed_at",
                "completed_by_id",
                "signed_off_by_id",
                "signed_off_at",
                "created_at",
                "version",
            ],
        )
        self.t_attempt = T(VisitAttempt, ["id", "visit_id", "outcome", "at", "by_id", "note"])
        self.t_stage = T(
            StageTime,
            [
                "id",
                "case_id",
                "project_id",
                "stage",
                "kind",
                "channel",
                "category_id",
                "department_id",
                "operator_id",
                "started_at",
                "ended_at",
                "seconds",
                "end_event_id",
            ],
        )
        self.t_check = T(
            Check,
            [
                "id",
                "project_id",
                "source",
                "subject",
                "case_id",
                "event_id",
                "stage",
                "department_id",
                "operator_id",
                "reviewer_id",
                "status",
                "content_checked",
                "quantity_checked",
                "note",
                "rounds",
                "created_at",
                "checked_at",
                "corrected_at",
                "version",
            ],
        )
        self.t_checklog = T(CheckLog, ["id", "check_item_id", "kind", "actor_id", "at", "note"])
        self.t_checkerror = T(
            CheckError, ["id", "check_item_id", "point_id", "fatal", "cause", "operator_id", "stage", "at"]
        )
        self.big_tables = [
            self.t_case.name,
            self.t_event.name,
            self.t_search.name,
            self.t_visit.name,
            self.t_attempt.name,
            self.t_stage.name,
            self.t_check.name,
            self.t_checklog.name,
            self.t_checkerror.name,
            self.t_unit.name,
            self.t_customer.name,
            self.t_contact.name,
            self.t_occupancy.name,
        ]

    def primary_keys(self) -> dict[str, str]:
        """table → primary key column, for every table the generator writes."""
        return {t.name: t.model._meta.pk.column for t in vars(self).values() if isinstance(t, Table)}

    def next_id(self, table: Table, n: int = 1) -> int:
        """The first of n new ids for the table (ids are given here, so rows can point at each other)."""
        first = self.ids[table.name] + 1
        self.ids[table.name] += n
        return first

    def _start_ids(self) -> None:
        with self.loader.connection.cursor() as cursor:
            for t in vars(self).values():
                if isinstance(t, Table):
                    pk = t.model._meta.pk.column
                    cursor.execute(f'SELECT MAX("{pk}") FROM "{t.name}"')  # noqa: S608
                    self.ids[t.name] = cursor.fetchone()[0] or 0

    # Reference data from the migrations -------------------------------------------------------------------------

    def _reference(self) -> None:
        from kefu.quality.models import ErrorPoint
        from kefu.quality.services import CONTENT
        from kefu.tickets import calendar
        from kefu.tickets.models import Category, SlaPolicy
        from kefu.visits.models import VisitPolicy

        self.content = dict(CONTENT)
        cats = list(Category.objects.filter(project__isnull=True, is_active=True))
        by_id = {c.pk: c for c in cats}
        self.categories: dict[tuple[str, str], tuple[int, str, str]] = {}  # (kind, code) → (id, name, trade)
        leaves: dict[str, list[str]] = defaultdict(list)
        for c in cats:
            self.categories[(c.kind, c.code)] = (c.pk, c.name, c.trade)
            has_children = any(o.parent_id == c.pk for o in cats)
            if not has_children:
                leaves[c.kind].append(c.code)
        del by_id
        self.leaves = dict(leaves)
        if not self.categories:
            raise SystemExit("no shared categories: run manage.py migrate on an empty database first")
        self.sla: dict[tuple[str, str], tuple[int, int | None, int, str, int]] = {}
        for p in SlaPolicy.objects.filter(project__isnull=True, category__isnull=True, is_active=True):
            self.sla[(p.kind, p.priority)] = (
                p.pk,
                p.first_reply_hours,
                p.resolution_value,
                p.resolution_unit,
                p.warn_percent,
            )
        self.visit_policy: dict[str, tuple[str, str, int]] = {}
        for v in VisitPolicy.objects.filter(project__isnull=True, category__isnull=True, is_active=True):
            self.visit_policy[v.kind] = (v.rule, v.assign_to, v.due_hours)
        self.error_points = list(ErrorPoint.objects.filter(project__isnull=True).values_list("pk", "stage", "fatal"))
        from kefu.quality.models import ReviewPolicy

        self.review: dict[tuple[str, str], int] = {}  # (target, kind) → share %
        for r in ReviewPolicy.objects.filter(project__isnull=True, category__isnull=True, is_active=True):
            if r.mode != "none":
                self.review[(r.target, r.kind)] = 100 if r.mode == "all" else r.share_percent
        self.workday_cache: dict[int, bool] = {}
        self._calendar = calendar

    def is_workday(self, day_number: int) -> bool:
        w = self.workday_cache.get(day_number)
        if w is None:
            w = self.workday_cache[day_number] = self._calendar.is_workday(
                dt.date(1970, 1, 1) + dt.timedelta(days=day_number)
            )
        return w

    def add_working_days(self, t: int, n: int) -> int:
        """kefu.tickets.calendar.add_working_days on epoch seconds: the same local clock time, n workdays later."""
        day = (t + BJ) // DAY
        d = day
        counted = 0
        while counted < n:
            d += 1
            if self.is_workday(d):
                counted += 1
        return t + (d - day) * DAY

    # Names ------------------------------------------------------------------------------------------------------

    def person(self) -> str:
        r = self.rng
        given = r.choice(GIVEN) + (r.choice(GIVEN) if r.random() < 0.6 else "")
        return r.choice(SURNAMES) + given

    def mobile(self) -> str:
        r = self.rng
        return (
            r.choice(["138", "139", "136", "135", "158", "186", "187", "159", "177", "199"])
            + f"{r.randrange(10**8):08d}"
        )

    # The organisation -------------------------------------------------------------------------------------------

    def organisation(self) -> None:
        from django.contrib.auth.hashers import make_password

        start = ts(self.start - 400 * DAY)
        password = make_password(PASSWORD)
        Rows = list[tuple[Any, ...]]
        projects: Rows = []
        zones: Rows = []
        departments: Rows = []
        users: Rows = []
        memberships: Rows = []
        mzones: Rows = []
        self._start_ids()

        def dept_rows(project_id: int | None, tree: list[tuple[str, str, str | None, str]]) -> dict[str, int]:
            ids: dict[str, int] = {}
            for sort, (code, name, parent, trade) in enumerate(tree, start=1):
                ids[code] = self.next_id(self.t_department)
                departments.append((ids[code], project_id, ids[parent] if parent else None, code, name, trade, sort, 0))
                self.dept_names[ids[code]] = name
            return ids

        def add_user(username: str, role: str, project: Proj | None, dept: int, zone_ids: Sequence[int] = ()) -> int:
            uid = self.next_id(self.t_user)
            name = self.person()
            self.names[uid] = name
            users.append(
                (
                    uid,
                    password,
                    False,
                    username,
                    name[1:],
                    name[:1],
                    f"{username}@bench.kefu.example.com",
                    False,
                    True,
                    start,
                    name,
                    self.mobile(),
                    "staff",
                    f"B{uid:05d}",
                    True,
                )
            )
            mid = self.next_id(self.t_membership)
            memberships.append((mid, uid, project.id if project else None, role, dept, True, start))
            for z in zone_ids:
                mzones.append((self.next_id(self.t_membership_zones), mid, z))
            return uid

        self.dept_names: dict[int, str] = {}
        total_weight = sum(w for _n, _k, w in PROJECTS)
        for i, (name, kind, weight) in enumerate(PROJECTS, start=1):
            pid = self.next_id(self.t_project)
            p = Proj(id=pid, index=i, name=name, kind=kind, weight=weight / total_weight)
            projects.append(
                (pid, f"B{i:02d}", name, kind, f"北京市朝阳区示范路{i}号", f"010-6{i:02d}0{i:04d}", True, start)
            )
            p.departments = dept_rows(pid, DEPARTMENTS)
            self.projects.append(p)
        head_depts = dept_rows(None, HEAD_DEPARTMENTS)
        # Zones and stewards come with the buildings (units()).
        self.units(zones)
        scale = {p.id: max(0.5, p.weight * len(PROJECTS)) for p in self.projects}
        for p in self.projects:
            pre = f"p{p.index:02d}"
            d = p.departments
            s = scale[p.id]
            p.manager = add_user(f"{pre}jingli", "manager", p, d["KF"])
            p.supervisors = [add_user(f"{pre}zhuguan{n}", "supervisor", p, d["KF"]) for n in (1, 2)]
            p.agents = [add_user(f"{pre}kefu{n}", "agent", p, d["KF-QT"]) for n in range(1, max(3, round(5 * s)) + 1)]
            p.complaint_officer = add_user(f"{pre}tousu", "complaint_officer", p, d["KF-TS"])
            for n, z in enumerate(p.zones, start=1):
                p.steward[z] = add_user(f"{pre}guanjia{n}", "steward", p, d["KF"], [z])
            for code, (base, stem) in FIELD_STAFF.items():
                count = max(1, round(base * s))
                p.members[code] = [add_user(f"{pre}{stem}{n}", "field_staff", p, d[code]) for n in range(1, count + 1)]
            p.members["KF-QT"] = p.agents
            p.members["KF-TS"] = [p.complaint_officer]
            p.qc = add_user(f"{pre}zhijian", "qc_reviewer", p, d["KF"])
            weights = KINDS[p.kind]
            p.kinds = [k for k, _w in weights]
            p.kind_cum = list(itertools.accumulate(w for _k, w in weights))
        self.head_office = [
            add_user("zongbu", "head_office", None, head_depts["ZB-KF"]),
            add_user("pinzhi", "head_office", None, head_depts["ZB-PZ"]),
        ]
        L = self.loader
        L.write(self.t_project, projects)
        L.write(self.t_department, departments)
        L.write(self.t_zone, zones)
        L.write(self.t_user, users)
        L.write(self.t_membership, memberships)
        L.write(self.t_membership_zones, mzones)
        L.write(self.t_building, self.rows_building)
        L.write(self.t_entrance, self.rows_entrance)
        L.write(self.t_unit, self.rows_unit)
        L.write(self.t_customer, self.rows_customer)
        L.write(self.t_contact, self.rows_contact)
        L.write(self.t_occupancy, self.rows_occupancy)
        del self.rows_building, self.rows_entrance, self.rows_unit, self.rows_customer
        del self.rows_contact, self.rows_occupancy
        self.counts["users"] = len(users)

    def units(self, zones: list[tuple[Any, ...]]) -> None:
        """Buildings, entrances, units (mostly occupied), and a household (customer, phone, occupancy) for each
        occupied unit."""
        r = self.rng
        self.rows_building: list[tuple[Any, ...]] = []
        self.rows_entrance: list[tuple[Any, ...]] = []
        self.rows_unit: list[tuple[Any, ...]] = []
        self.rows_customer: list[tuple[Any, ...]] = []
        self.rows_contact: list[tuple[Any, ...]] = []
        self.rows_occupancy: list[tuple[Any, ...]] = []
        created = ts(self.start - 400 * DAY)
        move_in = local_date(self.start - 400 * DAY).isoformat()
        for p in self.projects:
            s = p.weight * len(PROJECTS)
            if p.kind == "residential":
                n_buildings = max(6, round(14 * s))
                per_zone = 3
            else:
                n_buildings = max(1, round(2 * s))
                per_zone = 1
            n_zones = math.ceil(n_buildings / per_zone) if p.kind == "residential" else 3
            for z in range(1, n_zones + 1):
                zid = self.next_id(self.t_zone)
                label = f"{z}区" if p.kind == "residential" else ["低区", "中区", "高区"][z - 1]
                zones.append((zid, p.id, f"Z{z:02d}", label, ""))
                p.zones.append(zid)
            for b in range(1, n_buildings + 1):
                bid = self.next_id(self.t_building)
                if p.kind == "residential":
                    floors = r.choice([6, 11, 18, 18, 26, 33])
                    entrances = r.choice([1, 2, 2, 3])
                    per_floor = 2
                    bcode = str(b)
                else:
                    floors = r.choice([28, 36, 45])
                    entrances = 1
                    per_floor = r.choice([6, 8, 10])
                    bcode = "ABCDEFGH"[b - 1]
                self.rows_building.append(
                    (bid, p.id, bcode, f"{bcode}号楼" if p.kind == "residential" else f"{bcode}座", floors)
                )
                p.buildings.append((bid, bcode, entrances, floors))
                for e in range(1, entrances + 1):
                    eid = self.next_id(self.t_entrance)
                    self.rows_entrance.append((eid, bid, str(e), f"{e}单元"))
                    for fl in range(1, floors + 1):
                        if p.kind == "residential":
                            zone = p.zones[(b - 1) // per_zone]
                        else:
                            zone = p.zones[min(2, (fl - 1) * 3 // floors)]
                        for n in range(1, per_floor + 1):
                            uid = self.next_id(self.t_unit)
                            number = f"{fl}{n:02d}"
                            code = f"{bcode}-{e}-{number}" if p.kind == "residential" else f"{bcode}-{number}"
                            x = r.random()
                            status = "occupied" if x < 0.9 else ("vacant" if x < 0.96 else "renovating")
                            kind = "residence" if p.kind == "residential" else "office"
                            self.rows_unit.append((uid, p.id, bid, eid, fl, number, code, kind, status, zone))
                            if status == "vacant":
                                continue
                            cid = self.next_id(self.t_customer)
                            if p.kind == "residential":
                                name = self.person()
                                ckind, category, gender = (
                                    "person",
                                    ("owner" if r.random() < 0.8 else "tenant"),
                                    r.choice("MF"),
                                )
                            else:
                                name = (
                                    self.person()[:1] + r.choice(["科技", "商贸", "咨询", "传媒", "投资"]) + "有限公司"
                                )
                                ckind, category, gender = "organisation", "enterprise", ""
                            phone = self.mobile()
                            self.rows_customer.append(
                                (
                                    cid,
                                    p.id,
                                    f"C{p.index:02d}{cid:07d}",
                                    ckind,
                                    category,
                                    name,
                                    gender,
                                    "",
                                    "",
                                    r.choice("AABBBBC"),
                                    "",
                                    True,
                                    created,
                                    created,
                                    1,
                                )
                            )
                            self.rows_contact.append((self.next_id(self.t_contact), cid, "mobile", phone, "", True))
                            relation = category if category != "enterprise" else "enterprise"
                            self.rows_occupancy.append(
                                (self.next_id(self.t_occupancy), uid, cid, relation, move_in, "")
                            )
                            p.households.append(Household(uid, zone, cid, code, bid, bcode, str(e), fl, name, phone))
            self.counts["units"] += sum(1 for row in self.rows_unit if row[1] == p.id)
        self.counts["customers"] = len(self.rows_customer)

    # Arrivals: how many cases each day, at what time --------------------------------------------------------------

    def days(self) -> list[tuple[int, int]]:
        """(local day number, cases that day) from the first day to today, the total being --cases exactly."""
        n = self.args.cases
        per_day = self.args.per_month * 12 / 365.25
        span = n / per_day  # days, at the average rate
        first = (self.now + BJ) // DAY - math.ceil(span) + 1
        today = (self.now + BJ) // DAY
        years = max(1.0, span / 365.25)
        weights = []
        for d in range(first, today + 1):
            date = dt.date(1970, 1, 1) + dt.timedelta(days=d)
            w = MONTH_FACTOR[date.month - 1] * (
                1 + GROWTH_PER_YEAR * (d - first) / 365.25 * (5 / years if years > 5 else 1)
            )
            if not self.is_workday(d):
                w *= WEEKEND_FACTOR
            if d == today:
                w *= ((self.now + BJ) % DAY) / DAY
            weights.append(w)
        total = sum(weights)
        out, acc, done = [], 0.0, 0
        for d, w in zip(range(first, today + 1), weights, strict=True):
            acc += w
            upto = round(acc / total * n)
            out.append((d, upto - done))
            done = upto
        self.start = (first * DAY) - BJ
        return out

    # One case --------------------------------------------------------------------------------------------------

    def words(self, text: str) -> list[str]:
        found = self.seg_cache.get(text)
        if found is None:
            from kefu.tickets.search import segment

            found = self.seg_cache[text] = segment(text)
            if len(self.seg_cache) > 2_000_000:
                self.seg_cache.clear()
        return found

    def text(self, p: Proj, kind: str, code: str, h: Household | None) -> tuple[str, str, bool, Household | None]:
        demo = self.demo
        r = self.rng
        table = demo.OFFICE if p.kind == "office" else demo.RESIDENTIAL
        options = table.get((kind, code)) or demo.RESIDENTIAL.get((kind, code)) or [(code, code, False)]
        title, desc, public = r.choice(options)
        if public:
            h = None
        if "{" in title or "{" in desc:
            b = r.choice(p.buildings)
            fl = r.randint(2, max(2, b[3]))
            values = {
                "bld": b[1],
                "ent": str(r.randint(1, b[2])),
                "fl": fl,
                "fl2": fl + 1,
                "room": h.code if h else f"{b[1]}-{fl}01",
                "place": r.choice(demo.PLACES[p.kind]),
                "fixer": self.names[r.choice(p.members["GC-SD"])],
                "steward": self.names[r.choice(list(p.steward.values()))],
                "agent": self.names[r.choice(p.agents)],
            }
            title, desc = title.format(**values), desc.format(**values)
        return title, desc, public, h

    def lognormal(self, median: float, sigma: float, cap: float) -> int:
        return int(min(cap, self.rng.lognormvariate(math.log(median), sigma)))

    def plan_case(self, t0: int, stuck: str | None) -> dict[str, Any]:
        """Everything about one case: its fields at intake and the whole timeline it would have (not yet cut)."""
        r = self.rng
        rand = r.random
        p = self.projects[bisect.bisect(self.project_cum, rand() * self.project_cum[-1])]
        kind = p.kinds[bisect.bisect(p.kind_cum, rand() * p.kind_cum[-1])]
        codes = self.kind_codes[(p.kind, kind)]
        code = codes[0][bisect.bisect(codes[1], rand() * codes[1][-1])]
        cat_id, cat_name, trade = self.categories[(kind, code)]
        h0 = r.choice(p.households)
        title, desc, public, h = self.text(p, kind, code, h0)
        if public:
            zone = r.choice(p.zones)
            location = r.choice(self.demo.PLACES[p.kind])
            reporter = h0 if rand() < 0.5 else None
        else:
            assert h is not None
            zone, location, reporter = h.zone, "", h
        if public and rand() < PATROL_SHARE:
            channel = "patrol"
            creator = p.steward.get(zone) or r.choice(p.agents)
            reporter = None
        else:
            channel = self.channels[bisect.bisect(self.channel_cum, rand() * self.channel_cum[-1])]
            if channel == "device" and kind != "repair":
                channel = "phone"
            creator = r.choice(p.agents)
        priority = (
            "urgent" if code == "DT-KR" else ("high" if rand() < 0.04 else ("low" if rand() < 0.01 else "normal"))
        )
        policy = self.sla.get((kind, priority)) or self.sla.get((kind, ""))
        c: dict[str, Any] = {
            "p": p,
            "kind": kind,
            "code": code,
            "category_id": cat_id,
            "cat_name": cat_name,
            "channel": channel,
            "priority": priority,
            "is_major": kind == "complaint" and rand() < 0.02,
            "h": h,
            "reporter": reporter,
            "zone": zone,
            "location": location,
            "title": title,
            "description": desc,
            "preferred_time": r.choice(self.demo.PREFERRED)
            if kind in ("repair", "special_service") and rand() < 0.3
            else "",
            "created_by": creator,
            "t0": t0,
            "sla_policy_id": None,
            "first_reply_due": None,
            "resolution_due": None,
            "warn_at": None,
        }
        if policy:
            pid, first_reply_hours, value, unit, warn = policy
            c["sla_policy_id"] = pid
            c["first_reply_due"] = t0 + first_reply_hours * HOUR if first_reply_hours else None
            due = self.add_working_days(t0, value) if unit == "working_days" else t0 + value * HOUR
            c["resolution_due"] = due
            c["warn_at"] = t0 + (due - t0) * warn // 100
        c["events"] = self.timeline(c, p, kind, code, trade, stuck)
        return c

    def timeline(self, c: dict[str, Any], p: Proj, kind: str, code: str, trade: str, stuck: str | None) -> list[Ev]:
        r = self.rng
        rand = r.random
        demo = self.demo
        t0 = c["t0"]
        ev: list[Ev] = [
            Ev(t0, "create", c["created_by"], "", "new", c["description"], True, self.js_channel[c["channel"]])
        ]
        if stuck == "new":
            return ev
        if stuck is None and rand() < CANCEL_SHARE and kind != "praise":
            at = t0 + self.lognormal(1800, 1.0, 2 * DAY)
            ev.append(Ev(at, "cancel", r.choice(p.agents), "new", "cancelled", r.choice(demo.CANCEL_REASONS)))
            return ev
        if stuck is None and rand() < SOLVE_AT_ONCE.get(kind, 0.0):
            at = t0 + 120 + self.lognormal(300, 0.6, 3600)
            answer = demo.ANSWERS.get(code) or r.choice(
                demo.RESOLVE_NOTES.get(kind, demo.RESOLVE_NOTES["consultation"])
            )
            ev.append(Ev(at, "solve_at_once", c["created_by"], "new", "closed", answer, True))
            return ev
        # Dispatch: to the department of the category's trade (complaints about the desk: the complaint team).
        dept_code = demo.TRADE_DEPARTMENT.get(trade, "KF-QT")
        if kind == "complaint" and dept_code == "KF-QT":
            dept_code = "KF-TS"
        members = p.members[dept_code]
        local_hour = ((t0 + BJ) % DAY) // HOUR
        if 8 <= local_hour < 20 or c["priority"] == "urgent" or rand() < 0.3:
            wait = self.lognormal(600, 0.8, 4 * HOUR)
        else:  # at night most wait for the morning shift
            wait = ((8 - local_hour) % 24) * HOUR + r.randint(0, 1800)
        t = t0 + 30 + wait
        mode = "pool" if rand() < 0.1 else "person"
        assignee = None if mode == "pool" else r.choice(members)
        dept_id = p.departments[dept_code]
        data = self.js_dispatch(mode, dept_id, assignee)
        ev.append(
            Ev(t, "dispatch", r.choice(p.agents), "new", "dispatched", "", False, data, extra=(dept_id, assignee))
        )
        if stuck == "dispatched":
            return ev
        t += 60 + self.lognormal(900, 0.9, 6 * HOUR)
        if mode == "pool":
            assignee = r.choice(members)
            ev.append(Ev(t, "grab", assignee, "dispatched", "accepted"))
        else:
            ev.append(Ev(t, "accept", assignee, "dispatched", "accepted"))
        if stuck == "accepted":
            return ev
        assert assignee is not None
        t += 60 + self.lognormal(1200, 0.9, 8 * HOUR)
        ev.append(Ev(t, "start", assignee, "accepted", "in_progress"))
        started = t
        # The complaint officer answers within the first-reply time (mostly); other cases sometimes get a reply.
        replies: list[Ev] = []
        if kind == "complaint":
            on_time = rand() < 0.92
            at = t0 + (r.randint(20 * MIN, 20 * HOUR) if on_time else r.randint(25 * HOUR, 60 * HOUR))
            replies.append(Ev(at, "comment", p.complaint_officer, body=r.choice(demo.COMPLAINT_REPLIES), public=True))
        elif rand() < 0.25:
            replies.append(
                Ev(
                    t0 + r.randint(5 * MIN, 90 * MIN),
                    "comment",
                    r.choice(p.agents),
                    body=r.choice(demo.REPLIES),
                    public=True,
                )
            )
        if rand() < 0.2:
            replies.append(
                Ev(started + r.randint(10 * MIN, 4 * HOUR), "comment", assignee, body=r.choice(demo.COMMENTS))
            )
        due = c["resolution_due"] or (t0 + DAY)
        hold = stuck == "waiting" or (kind in ("repair", "special_service") and rand() < 0.04)
        if hold:
            t = started + r.randint(30 * MIN, 4 * HOUR)
            reason = r.choice(["parts", "customer", "other_department"])
            ev.append(
                Ev(
                    t,
                    "hold",
                    assignee,
                    "in_progress",
                    "waiting",
                    demo.HOLD_NOTES[reason],
                    False,
                    json.dumps({"reason": reason}),
                    extra=reason,
                )
            )
            if stuck == "waiting":
                return self._merge(ev, replies)
            paused = r.randint(4 * HOUR, 3 * DAY)
            t += paused
            ev.append(
                Ev(t, "resume", assignee, "waiting", "in_progress", "", False, json.dumps({"paused_seconds": paused}))
            )
            due += paused
            started = t
        if stuck == "in_progress":
            return self._merge(ev, replies)
        resolved = self.resolve_time(kind, t0, due, started)
        ev.append(Ev(resolved, "resolve", assignee, "in_progress", "resolved", self.resolve_note(kind, code)))
        for reply in replies:  # a reply comes before the case is resolved
            if reply.at >= resolved:
                reply.at = max(t0 + 60, resolved - r.randint(60, 1800))
        cut = len(ev)
        self.after_resolve(ev, c, p, kind, code, assignee, resolved, rework=0)
        if stuck == "resolved":  # the return visit is still to be made
            del ev[cut:]
        return self._merge(ev, replies)

    def _merge(self, ev: list[Ev], extra: list[Ev]) -> list[Ev]:
        if extra:
            ev = ev + extra
            ev.sort(key=lambda e: e.at)
        return ev

    def resolve_time(self, kind: str, t0: int, due: int, started: int) -> int:
        r = self.rng
        span = max(due - t0, HOUR)
        if r.random() < OVERDUE.get(kind, 0.05):
            at = t0 + int(span * r.uniform(1.02, 2.5))
        else:
            at = t0 + int(span * r.uniform(0.1, 0.95))
        if at <= started + 600:
            at = started + 600 + r.randint(0, 3600)
        return at

    def resolve_note(self, kind: str, code: str) -> str:
        notes = self.demo.RESOLVE_NOTES
        return self.rng.choice(notes.get(code) or notes.get(kind) or notes["repair"])

    def after_resolve(
        self, ev: list[Ev], c: dict[str, Any], p: Proj, kind: str, code: str, assignee: int, resolved: int, rework: int
    ) -> None:
        """The return visit (or the system's close), and for an unhappy customer the rework and its second visit."""
        r = self.rng
        rule, assign_to, due_hours = self.visit_policy.get(kind, ("always", "steward", 48))
        if rule == "never":
            ev.append(Ev(resolved, "close", None, "resolved", "closed", "按回访规则无需回访，自动关闭"))
            return
        if assign_to == "complaint_officer":
            visitor = p.complaint_officer
        else:
            visitor = p.steward.get(c["zone"]) or r.choice(p.agents)
        due = resolved + due_hours * HOUR
        t = resolved + r.randint(HOUR, max(2 * HOUR, int(due_hours * HOUR * 0.8)))
        if r.random() < 0.05:
            t = due + r.randint(HOUR, DAY)  # late
        outcome = self.pick(VISIT_OUTCOMES)
        calls: list[tuple[str, int]] = []
        if outcome == "no_answer":
            for _ in range(3):
                calls.append(("no_answer", t))
                t += 4 * HOUR + r.randint(0, HOUR)
        else:
            calls.append((outcome, t))
        v = VisitPlan(created=resolved, due=due, assignee=visitor, calls=calls)
        ev[-1].visit = v  # the resolve event: the visit is created with it
        final = calls[-1][1]
        if outcome == "reached":
            v.score = self.pick(SCORES) if not rework else self.pick(SCORES[:3])
            v.solved = not (v.score <= 2 and r.random() < 0.5) and r.random() > 0.01
            if v.score <= 2 or not v.solved:
                v.reason = r.choice(DISSATISFACTION)
                v.words = r.choice(UNHAPPY_WORDS)
            else:
                v.words = r.choice(WORDS)
        if final + 2 * DAY < self.now and r.random() < 0.7:
            v.signed, v.signer = final + r.randint(HOUR, 2 * DAY), r.choice(p.supervisors)
        for i, (out, at) in enumerate(calls):
            last = i == len(calls) - 1
            if out == "reached":
                body = f"回访：满意度 {v.score} 分（{SCORE_LABEL[v.score or 5]}），问题{'已' if v.solved else '未'}解决"
                if v.words:
                    body += f"。客户意见：{v.words}"
            elif out == "no_answer":
                body = f"回访：无人接听（第 {i + 1} 次）"
            else:
                body = "回访：" + {"refused": "拒绝回访", "wrong_number": "号码错误"}[out]
            kind_ = "visit" if last else "visit_attempt"
            ev.append(Ev(at, kind_, visitor, body=body, public=last and out == "reached", visit=v, extra=out))
        if outcome == "reached" and ((v.score is not None and v.score <= 2) or not v.solved) and rework < 2:
            why = "客户不满意" if v.score is not None and v.score <= 2 else "问题未解决"
            reason = f"回访{why}（{v.score} 分，{REASON_LABEL[v.reason]}）：{v.words}"
            ev.append(Ev(final, "reopen", visitor, "resolved", "in_progress", reason))
            ev.append(
                Ev(
                    final,
                    "escalate",
                    visitor,
                    body=f"回访不满意，退回重新处理并上报：{reason}",
                    data=json.dumps({"target": "visit", "level": 1}),
                )
            )
            again = final + r.randint(2 * HOUR, 2 * DAY)
            ev.append(Ev(again, "resolve", assignee, "in_progress", "resolved", self.resolve_note(kind, code)))
            self.after_resolve(ev, c, p, kind, code, assignee, again, rework + 1)
            return
        if outcome == "reached" and v.score is not None:
            note = f"回访满意度 {v.score} 分，问题已解决。{v.words}".strip()
        else:
            note = (
                "回访结果："
                + {"no_answer": "无法联系", "wrong_number": "无法联系", "refused": "拒绝回访"}[outcome]
                + "，按规定关闭"
            )
        ev.append(Ev(final, "close", visitor, "resolved", "closed", note))

    def pick(self, weighted: Sequence[tuple[Any, int]], rng: random.Random | None = None) -> Any:
        x = (rng or self.rng).random() * sum(w for _v, w in weighted)
        for v, w in weighted:
            x -= w
            if x < 0:
                return v
        return weighted[-1][0]

    def js_dispatch(self, mode: str, dept: int, assignee: int | None) -> str:
        key = (mode, dept, assignee)
        found = self._js.get(key)
        if found is None:
            found = self._js[key] = json.dumps(
                {
                    "mode": mode,
                    "department": self.dept_names[dept],
                    "assignee": self.names[assignee] if assignee else "",
                },
                ensure_ascii=False,
            )
        return found

    # Cut, apply and write ------------------------------------------------------------------------------------------

    def run(self) -> None:
        a = self.args
        self._reference()
        self._js: dict[Any, str] = {}
        self.js_channel = {ch: json.dumps({"channel": ch}) for ch, _w in [*CHANNELS, ("patrol", 1)]}
        self.channels = [ch for ch, _w in CHANNELS]
        self.channel_cum = list(itertools.accumulate(w for _c, w in CHANNELS))
        days = self.days()
        self.log(f"{a.cases:,} cases from {local_date(self.start)} to {local_date(self.now)} ({len(days)} days)")
        self.organisation()
        self.project_cum = list(itertools.accumulate(p.weight for p in self.projects))
        self.kind_codes: dict[tuple[str, str], tuple[list[str], list[float]]] = {}
        for pk in ("residential", "office"):
            for kind, _w in KINDS[pk]:
                table = self.demo.OFFICE if pk == "office" else self.demo.RESIDENTIAL
                codes = [code for (k, code) in table if k == kind and (kind, code) in self.categories]
                if not codes:
                    codes = [
                        code for (k, code) in self.demo.RESIDENTIAL if k == kind and (kind, code) in self.categories
                    ]
                cum = list(itertools.accumulate(float(CATEGORY_WEIGHTS.get(code, 1)) for code in codes))
                self.kind_codes[(pk, kind)] = (codes, cum)
        self.log(
            f"organisation: {len(self.projects)} projects, {self.counts['units']:,} units, "
            f"{self.counts['customers']:,} households, {self.counts['users']} staff"
        )
        # Stuck cases: about --open-share of all, the more recent the more likely, at most STUCK_TODAY_MAX of a
        # day's cases (so a big data set has a longer tail of old open cases, not a desk where nothing closes).
        today = (self.now + BJ) // DAY
        per_day = a.cases / len(days)
        decay = max(STUCK_DECAY_DAYS, a.open_share * a.cases / (STUCK_TODAY_MAX * per_day))
        mass = sum(n * math.exp(-(today - d) / decay) for d, n in days)
        stuck_factor = a.open_share * a.cases / mass if mass else 0.0
        self.seq: Counter[tuple[str, int]] = Counter()
        chunk: list[tuple[int, str | None]] = []
        done = 0
        started = time.monotonic()
        for d, n in days:
            day_start = d * DAY - BJ
            p_stuck = min(0.9, stuck_factor * math.exp(-(today - d) / decay))
            if p_stuck < 1e-4:
                p_stuck = 0.0
            times = sorted(self.arrival(day_start) for _ in range(n))
            for t in times:
                stuck = self.pick(STUCK_AT, self.arrivals) if p_stuck and self.arrivals.random() < p_stuck else None
                chunk.append((t, stuck))
            if len(chunk) >= a.chunk:
                self.write_chunk(chunk)
                done += len(chunk)
                chunk = []
                self.progress(done, started)
        if chunk:
            self.write_chunk(chunk)
            done += len(chunk)
            self.progress(done, started)
        self.write_sequences()

    def arrival(self, day_start: int) -> int:
        r = self.arrivals
        if r.random() < 0.04:
            hour = r.choice(self.night_hours)
        else:
            hour = self.day_hours[bisect.bisect(self.day_hours_cum, r.random() * self.day_hours_cum[-1])]
        t = day_start + hour * HOUR + r.randrange(HOUR)
        if t > self.now:  # today: only what has arrived so far
            t = day_start + r.randrange(max(1, self.now - day_start))
        return t

    @property
    def day_hours(self) -> list[int]:
        return [h for h, _w in self.demo.HOURS]

    @property
    def day_hours_cum(self) -> list[int]:
        return list(itertools.accumulate(w for _h, w in self.demo.HOURS))

    @property
    def night_hours(self) -> list[int]:
        return [h for h, _w in self.demo.NIGHT_HOURS]

    def progress(self, done: int, started: float) -> None:
        spent = time.monotonic() - started
        rate = done / spent if spent else 0
        eta = (self.args.cases - done) / rate if rate else 0
        self.log(
            f"cases {done:>10,}/{self.args.cases:,}  {rate:8,.0f}/s  events {self.counts['events']:>11,}  "
            f"elapsed {spent:6.0f}s  eta {eta:5.0f}s"
        )

    def write_chunk(self, chunk: list[tuple[int, str | None]]) -> None:
        from django.db import transaction

        now = self.now
        Rows = list[tuple[Any, ...]]
        cases: Rows = []
        events: Rows = []
        visits: Rows = []
        attempts: Rows = []
        stages: Rows = []
        checks: Rows = []
        logs: Rows = []
        errors: Rows = []
        docs: Rows = []
        planned = [(self.plan_case(t, stuck), stuck) for t, stuck in chunk]
        # Event ids in time order over the chunk (as a live system would have written them).
        all_events: list[tuple[int, int, int, Ev]] = []
        first_case = self.next_id(self.t_case, len(planned))
        for i, (c, _stuck) in enumerate(planned):
            c["id"] = first_case + i
            kept = [e for e in c["events"] if e.at <= now]
            c["events"] = kept
            for j, e in enumerate(kept):
                all_events.append((e.at, i, j, e))
        all_events.sort(key=lambda x: (x[0], x[1], x[2]))
        first_event = self.next_id(self.t_event, len(all_events))
        for k, (_at, _i, _j, e) in enumerate(all_events):
            e.id = first_event + k
        del all_events
        for c, _stuck in planned:
            self.apply(c, cases, events, visits, attempts, stages, checks, logs, errors, docs)
        L = self.loader
        with transaction.atomic():
            L.write(self.t_case, cases)
            L.write(self.t_event, events)
            L.write(self.t_visit, visits)
            L.write(self.t_attempt, attempts)
            L.write(self.t_stage, stages)
            L.write(self.t_check, checks)
            L.write(self.t_checklog, logs)
            L.write(self.t_checkerror, errors)
            if self.args.search:
                L.write(self.t_search, docs)
        self.counts["events"] += len(events)

    def number(self, kind: str, t0: int) -> tuple[str, list[str]]:
        prefix = _prefix(kind)
        day = (t0 + BJ) // DAY
        self.seq[(prefix, day)] += 1
        n = self.seq[(prefix, day)]
        date = (dt.date(1970, 1, 1) + dt.timedelta(days=day)).strftime("%Y%m%d")
        number = f"{prefix}{date}-{n:04d}"
        return number, [*self.words(prefix + date), "-", f"{n:04d}"]

    def apply(
        self,
        c: dict[str, Any],
        cases: list[tuple[Any, ...]],
        events: list[tuple[Any, ...]],
        visits: list[tuple[Any, ...]],
        attempts: list[tuple[Any, ...]],
        stages: list[tuple[Any, ...]],
        checks: list[tuple[Any, ...]],
        logs: list[tuple[Any, ...]],
        errors: list[tuple[Any, ...]],
        docs: list[tuple[Any, ...]],
    ) -> None:
        """Walk the kept timeline: the case's fields, its events, stage times, visits and QC checks."""
        p: Proj = c["p"]
        cid = c["id"]
        kind = c["kind"]
        h: Household | None = c["h"]
        reporter: Household | None = c["reporter"]
        status = "new"
        status_since = c["t0"]
        wait_reason = ""
        department = assignee = None
        in_pool = False
        required_by = dispatched = resolved = closed = paused_at = replied = None
        first_reply_due, resolution_due, warn_at = c["first_reply_due"], c["resolution_due"], c["warn_at"]
        escalation = 0
        fcr = False
        version = 1
        last_start: dict[str, Ev] = {}
        first_reply_done = False
        closure_checked = False
        comments: list[str] = []
        case_visits: list[VisitPlan] = []
        channel = c["channel"]
        cat = c["category_id"]
        for e in c["events"]:
            k = e.kind
            v = e.visit
            if v is not None:
                if k == "resolve":  # the visit is created with the resolution
                    v.id = self.next_id(self.t_visit)
                    v.handler, v.department = assignee, department
                    case_visits.append(v)
                else:  # one call
                    outcome = e.extra
                    attempts.append((self.next_id(self.t_attempt), v.id, outcome, ts(e.at), e.actor, ""))
                    v.done_calls += 1
                    reached = outcome == "reached"
                    e.data = json.dumps(
                        {
                            "visit": v.id,
                            "outcome": outcome,
                            "score": v.score if reached else None,
                            "solved": v.solved if reached else None,
                        }
                    )
            events.append((e.id, cid, k, e.actor, ts(e.at), e.frm, e.to, e.body, e.public, e.data))
            if k in TRANSITION_KINDS:
                if k != "create":
                    version += 1
                status = e.to
                status_since = e.at
            if k == "dispatch":
                department, assignee = e.extra
                in_pool = assignee is None
                required_by = resolution_due
                dispatched = e.at
            elif k == "grab":
                assignee, in_pool = e.actor, False
            elif k == "hold":
                wait_reason, paused_at = e.extra, e.at
            elif k == "resume":
                shift = e.at - (paused_at or e.at)
                if first_reply_due and not replied:
                    first_reply_due += shift
                if resolution_due:
                    resolution_due += shift
                if warn_at:
                    warn_at += shift
                wait_reason, paused_at = "", None
            elif k == "resolve":
                resolved = e.at
            elif k == "close":
                closed = e.at
            elif k == "reopen":
                resolved = closed = None
                escalation = 1
            elif k == "solve_at_once":
                fcr = True
                replied = replied or e.at
                resolved = closed = e.at
                assignee = e.actor
            elif k == "cancel":
                assignee, in_pool = None, False
            elif k == "comment":
                comments.append(e.body)
            # Stage times (kefu/quality/cycle.py): the event that ends a stage, from the latest event that starts it.
            stage = ENDS.get(k)
            if k == "comment" and e.public and replied is None:
                replied = e.at
                stage = "first_reply"
            if stage is not None and not (stage == "first_reply" and first_reply_done):
                start = last_start.get(stage)
                if start is not None:
                    if stage == "first_reply":
                        first_reply_done = True
                    stages.append(
                        (
                            self.next_id(self.t_stage),
                            cid,
                            p.id,
                            stage,
                            kind,
                            channel,
                            cat,
                            department,
                            e.actor,
                            ts(start.at),
                            ts(e.at),
                            max(0, e.at - start.at),
                            e.id,
                        )
                    )
            for st in STARTERS.get(k, ()):
                if k == "reopen" and (
                    (st == "dispatch" and e.to == "in_progress") or (st == "handle" and e.to == "new")
                ):
                    continue
                last_start[st] = e
            # QC reviews (kefu/quality/services.py _queue_review): replies and closures by staff, per the rules.
            if e.actor is not None and (
                (k == "comment" and e.public and ("reply", kind) in self.review)
                or (k in ("close", "solve_at_once") and not closure_checked and ("closure", kind) in self.review)
            ):
                target = "reply" if k == "comment" else "closure"
                share = self.review[(target, kind)]
                if share >= 100 or _in_share(f"{target}:{e.id}", share):
                    closure_checked = closure_checked or target == "closure"
                    self.qc(c, p, e, target, department, checks, logs, errors)
        for v in case_visits:
            self.visit_row(c, v, visits)
        last = c["events"][-1].at
        number, number_words = self.number(kind, c["t0"])
        contact = reporter.name if reporter else ""
        phone = reporter.phone if reporter else ""
        cases.append(
            (
                cid,
                number,
                p.id,
                kind,
                cat,
                channel,
                c["priority"],
                c["is_major"],
                status,
                ts(status_since),
                wait_reason,
                reporter.customer if reporter else None,
                h.unit if h else None,
                c["zone"],
                c["location"],
                contact,
                phone,
                c["title"],
                c["description"],
                c["preferred_time"],
                department,
                assignee,
                in_pool,
                ts(required_by),
                c["sla_policy_id"],
                ts(first_reply_due),
                ts(replied),
                ts(resolution_due),
                ts(warn_at),
                ts(paused_at),
                escalation,
                fcr,
                c["created_by"],
                ts(c["t0"]),
                ts(dispatched),
                ts(resolved),
                ts(closed),
                ts(last),
                version,
            )
        )
        self.counts[f"status:{status}"] += 1
        if self.args.search:
            words = list(number_words)
            for part in (c["title"], c["description"], c["location"], contact, c["cat_name"], h.code if h else ""):
                if part:
                    words += self.words(part)
            for body in comments:
                words += self.words(body)
            docs.append((cid, p.id, " ".join(words)))

    def visit_row(self, c: dict[str, Any], v: VisitPlan, visits: list[tuple[Any, ...]]) -> None:
        """A return visit: finished with its result once its last call is made, else pending."""
        p: Proj = c["p"]
        h: Household | None = c["h"]
        reporter: Household | None = c["reporter"]
        finished = bool(v.calls) and v.done_calls == len(v.calls)
        outcome = v.calls[-1][0] if finished else ""
        status = VISIT_STATUS.get(outcome, "pending")
        done_at = v.calls[-1][1] if finished else None
        no_answers = sum(1 for o, _at in v.calls[: v.done_calls] if o == "no_answer")
        next_at = v.calls[v.done_calls - 1][1] + 4 * HOUR if not finished and v.done_calls else None
        reached = status == "done"
        signed = v.signed if finished and v.signed and v.signed <= self.now else None
        visits.append(
            (
                v.id,
                p.id,
                c["zone"],
                "case",
                c["id"],
                h.unit if h else None,
                h.building if h else None,
                reporter.customer if reporter else None,
                reporter.name if reporter else "",
                reporter.phone if reporter else "",
                v.handler,
                v.department,
                v.assignee,
                status,
                ts(v.due),
                ts(next_at),
                no_answers,
                3,
                4,
                v.score if reached else None,
                v.solved if reached else None,
                v.words if reached else "",
                v.reason if reached else "",
                ts(done_at),
                v.assignee if finished else None,
                v.signer if signed else None,
                ts(signed),
                ts(v.created),
                1 + v.done_calls,
            )
        )
        self.counts["visits"] += 1

    def qc(
        self,
        c: dict[str, Any],
        p: Proj,
        e: Ev,
        target: str,
        department: int | None,
        checks: list[tuple[Any, ...]],
        logs: list[tuple[Any, ...]],
        errors: list[tuple[Any, ...]],
    ) -> None:
        r = self.rng
        check_id = self.next_id(self.t_check)
        subject = "reply" if target == "reply" else "closure"
        stage = "first_reply" if subject == "reply" else "close"
        checked = e.at + r.randint(HOUR, 2 * DAY)
        logs.append((self.next_id(self.t_checklog), check_id, "created", None, ts(e.at), self.names[p.qc]))
        status, rounds, checked_at, corrected_at, note = "pending", 0, None, None, ""
        if checked <= self.now:
            if r.random() < 0.06:
                point, pstage, fatal = r.choice(self.error_points)
                errors.append(
                    (
                        self.next_id(self.t_checkerror),
                        check_id,
                        point,
                        fatal,
                        "记录不完整，已退回补充",
                        e.actor,
                        pstage or stage,
                        ts(checked),
                    )
                )
                logs.append((self.next_id(self.t_checklog), check_id, "returned", p.qc, ts(checked), "请补充"))
                corrected = checked + r.randint(HOUR, DAY)
                status, rounds, checked_at, note = "returned", 1, checked, "请补充"
                if corrected <= self.now:
                    logs.append(
                        (self.next_id(self.t_checklog), check_id, "corrected", e.actor, ts(corrected), "已补充")
                    )
                    status, corrected_at = "corrected", corrected
                    again = corrected + r.randint(HOUR, DAY)
                    if again <= self.now:
                        logs.append((self.next_id(self.t_checklog), check_id, "passed", p.qc, ts(again), ""))
                        status, rounds = "passed", 2
            else:
                logs.append((self.next_id(self.t_checklog), check_id, "passed", p.qc, ts(checked), ""))
                status, rounds, checked_at = "passed", 1, checked
        checks.append(
            (
                check_id,
                p.id,
                "review",
                subject,
                c["id"],
                e.id,
                stage,
                department,
                e.actor,
                p.qc,
                status,
                self.content[subject],
                1,
                note,
                rounds,
                ts(e.at),
                ts(checked_at),
                ts(corrected_at),
                1 + rounds,
            )
        )
        self.counts["checks"] += 1

    def write_sequences(self) -> None:
        rows = []
        for (prefix, day), last in sorted(self.seq.items()):
            rows.append(
                (
                    self.next_id(self.t_sequence),
                    prefix,
                    (dt.date(1970, 1, 1) + dt.timedelta(days=day)).isoformat(),
                    last,
                )
            )
        from django.db import transaction

        with transaction.atomic():
            self.loader.write(self.t_sequence, rows)


def _in_share(key: str, percent: int) -> bool:
    """kefu.quality.services.in_share: a stable hash of the key decides (so reruns agree)."""
    from kefu.quality.services import in_share

    return bool(in_share(key, percent))


def _prefix(kind: str) -> str:
    from kefu.tickets.states import PREFIX, Kind

    return PREFIX[Kind(kind)]


# --------------------------------------------------------------------------------------------------------------
# Checks and the summary
# --------------------------------------------------------------------------------------------------------------


def summary(log: Callable[[str], None]) -> dict[str, Any]:
    """Counts per status and kind, per month, events per case, visits and satisfaction: does the data make sense?"""
    from django.db import connection

    out: dict[str, Any] = {}
    with connection.cursor() as cursor:

        def rows(sql: str) -> list[tuple[Any, ...]]:
            cursor.execute(sql)
            return list(cursor.fetchall())

        out["cases"] = rows("SELECT COUNT(*) FROM tickets_case")[0][0]
        out["events"] = rows("SELECT COUNT(*) FROM tickets_caseevent")[0][0]
        out["by_status"] = dict(rows("SELECT status, COUNT(*) FROM tickets_case GROUP BY status ORDER BY 2 DESC"))
        out["by_kind"] = dict(rows("SELECT kind, COUNT(*) FROM tickets_case GROUP BY kind ORDER BY 2 DESC"))
        out["by_channel"] = dict(rows("SELECT channel, COUNT(*) FROM tickets_case GROUP BY channel ORDER BY 2 DESC"))
        month = (
            "strftime('%Y-%m', created_at, '+8 hours')"
            if connection.vendor == "sqlite"
            else ("to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM')")
        )
        out["by_month"] = dict(rows(f"SELECT {month}, COUNT(*) FROM tickets_case GROUP BY 1 ORDER BY 1"))  # noqa: S608
        out["visits"] = dict(rows("SELECT status, COUNT(*) FROM visits_returnvisit GROUP BY status ORDER BY 2 DESC"))
        out["scores"] = dict(
            rows("SELECT score, COUNT(*) FROM visits_returnvisit WHERE score IS NOT NULL GROUP BY score")
        )
        out["checks"] = dict(rows("SELECT status, COUNT(*) FROM quality_check GROUP BY status"))
        out["stage_times"] = rows("SELECT COUNT(*) FROM quality_stagetime")[0][0]
        out["search_documents"] = rows("SELECT COUNT(*) FROM tickets_searchdocument")[0][0]
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S")
        open_q = "status IN ('new','dispatched','accepted','in_progress','waiting')"
        out["open"] = rows(f"SELECT COUNT(*) FROM tickets_case WHERE {open_q}")[0][0]  # noqa: S608
        out["open_overdue"] = rows(
            f"SELECT COUNT(*) FROM tickets_case WHERE {open_q} AND resolution_due < '{now}'"  # noqa: S608
        )[0][0]
        out["open_unassigned"] = rows(f"SELECT COUNT(*) FROM tickets_case WHERE {open_q} AND assignee_id IS NULL")[0][0]  # noqa: S608
    months = list(out["by_month"].items())
    log(
        f"cases {out['cases']:,}  events {out['events']:,} ({out['events'] / max(1, out['cases']):.2f}/case)  "
        f"stage times {out['stage_times']:,}  search documents {out['search_documents']:,}"
    )
    log(f"status  {out['by_status']}")
    log(f"kind    {out['by_kind']}")
    log(f"channel {out['by_channel']}")
    log(f"open {out['open']:,} (overdue {out['open_overdue']:,}, unassigned {out['open_unassigned']:,})")
    log(f"visits  {out['visits']}  scores {out['scores']}")
    log(f"checks  {out['checks']}")
    shown = months if len(months) <= 8 else [*months[:3], ("…", "…"), *months[-4:]]
    log("months  " + "  ".join(f"{m}: {n}" for m, n in shown) + f"  ({len(months)} months)")
    return out


def check_search(sample: int, log: Callable[[str], None]) -> int:
    """Compare the stored words of some cases with what kefu.tickets.search would write for them."""
    from kefu.tickets.models import Case, SearchDocument
    from kefu.tickets.search import document_words

    ids = list(Case.objects.order_by("?").values_list("pk", flat=True)[:sample])
    stored = dict(SearchDocument.objects.filter(case_id__in=ids).values_list("case_id", "words"))
    bad = 0
    for case in Case.objects.filter(pk__in=ids).select_related("category", "unit"):
        if stored.get(case.pk) != document_words(case):
            bad += 1
            if bad <= 3:
                log(f"search words differ for case {case.number}:")
                log(f"  stored   {stored.get(case.pk)!r}")
                log(f"  expected {document_words(case)!r}")
    log(f"search documents checked: {len(ids)}, differing: {bad}")
    return bad


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument(
        "--now", default="", help="the present, ISO (default: now, to the minute); same --now, same data"
    )
    parser.add_argument("--per-month", type=int, default=17_000, help="cases a month over all projects")
    parser.add_argument("--open-share", type=float, default=0.02, help="share of the cases left open (recent ones)")
    parser.add_argument("--chunk", type=int, default=20_000, help="cases per transaction")
    parser.add_argument("--no-search", dest="search", action="store_false", help="no search documents")
    parser.add_argument("--keep-indexes", action="store_true", help="load with the indexes in place (slower)")
    parser.add_argument("--check", type=int, default=200, help="compare N search documents with search.py (0: no)")
    args = parser.parse_args(argv)

    started = time.monotonic()

    def log(msg: str) -> None:
        print(f"[{time.monotonic() - started:7.1f}s] {msg}", flush=True)

    setup_django()
    from django.core.management import call_command
    from django.db import connection

    from kefu.org.models import Project

    if args.now:
        now = dt.datetime.fromisoformat(args.now)
        if now.tzinfo is None:
            now = now.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))
    else:
        now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    args.now_ts = int(now.timestamp())
    log(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    call_command("migrate", verbosity=0)
    if Project.objects.exists():
        log("the database already has projects: generate into a new, freshly migrated database")
        return 2
    loader = Loader()
    if connection.vendor == "sqlite":
        for pragma in ("synchronous=OFF", "cache_size=-1000000", "temp_store=MEMORY", "journal_mode=WAL"):
            loader.execute(f"PRAGMA {pragma}")
    else:
        loader.execute("SET session_replication_role = replica")  # no FK triggers during the load
        loader.execute("SET synchronous_commit = off")
        loader.execute("SET maintenance_work_mem = '512MB'")
    gen = Generator(args, loader, log)
    creates = [] if args.keep_indexes else loader.drop_indexes(gen.big_tables)
    log(f"dropped {len(creates)} secondary indexes for the load")
    try:
        gen.run()
    finally:
        log("rebuilding indexes")
        loader.create_indexes(creates, log)
        if connection.vendor == "postgresql":
            loader.execute("SET session_replication_role = DEFAULT")
    load_seconds = time.monotonic() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # the ids were given here: move the sequences past them
            for table, pk in gen.primary_keys().items():
                cursor.execute(
                    f'SELECT setval(pg_get_serial_sequence(%s, %s), (SELECT COALESCE(MAX("{pk}"), 1) FROM "{table}"))',  # noqa: S608
                    [table, pk],
                )
        log("VACUUM ANALYZE")
        loader.execute("VACUUM ANALYZE")
    else:
        if args.search:
            log("FTS5 optimize")
            loader.execute("INSERT INTO tickets_searchdocument_fts(tickets_searchdocument_fts) VALUES ('optimize')")
        log("ANALYZE")
        loader.execute("ANALYZE")
        loader.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    total = time.monotonic() - started
    log(f"done: {args.cases:,} cases in {total:.0f}s (load {load_seconds:.0f}s)")
    info = summary(log)
    if args.search and args.check:
        check_search(args.check, log)
    RESULTS.mkdir(parents=True, exist_ok=True)
    meta = {
        "what": "bench/generate.py",
        "args": {k: v for k, v in vars(args).items() if k != "now_ts"},
        "now": now.isoformat(),
        "seconds": round(total, 1),
        "load_seconds": round(load_seconds, 1),
        "rows": dict(loader.rows_written),
        "write_seconds": {k: round(v, 1) for k, v in sorted(loader.seconds.items(), key=lambda kv: -kv[1])},
        "database": db_description(),
        "machine": machine(),
        "summary": {k: v for k, v in info.items() if k != "by_month"},
        "months": len(info["by_month"]),
    }
    path = RESULTS / f"generate-{connection.vendor}-{args.cases}.json"
    path.write_text(json.dumps(meta, ensure_ascii=False, indent=2, default=str) + "\n")
    log(f"wrote {path.relative_to(RESULTS.parent.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
