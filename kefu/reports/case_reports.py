"""The case reports (工单与投诉报表): the daily and monthly tallies, the weekly complaint summary, the monthly
complaint report, the quarterly service-effect analysis, the handling rate by trade, and the channel mix and
load. Each builder turns kefu.reports.figures into Tables; the page, the xlsx and the scheduled e-mail all
call the same builder, so they show the same numbers. Definitions and formulas: docs/reports.md.

A "count" cell links to the staff case list (/cases/) filtered to exactly the cases it counts; a count the
list cannot filter for (e.g. received = not cancelled, a trade, an hour) is a plain number.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlencode

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.org.models import User
from kefu.tickets.states import Channel, Kind, Status

from . import figures
from .base import Col, Filters, Period, Table, month_period, one_decimal, percent, share
from .figures import CategoryInfo, Csat, Flow, Volume
from .registry import Report

GROUP = gettext_lazy("工单与投诉")
COMPLAINT = Kind.COMPLAINT.value
WEEKDAYS = [
    gettext_lazy("周一"),
    gettext_lazy("周二"),
    gettext_lazy("周三"),
    gettext_lazy("周四"),
    gettext_lazy("周五"),
    gettext_lazy("周六"),
    gettext_lazy("周日"),
]
KIND_ORDER = {k: i for i, k in enumerate(Kind.values)}
STATUS_ORDER = [s for s in Status.values if s != Status.CANCELLED]


# Links to the case list -------------------------------------------------------------------------------------


class Links:
    """URLs of /cases/ that list exactly the cases a count counts: top-level cases (top_level=1) of the report's
    project, zone and handling department, created in the period, narrowed further by kind, category (a
    category and its children), channel or status."""

    def __init__(self, f: Filters, now: dt.datetime) -> None:
        self.f = f
        self.today = timezone.localdate(now)

    def _url(self, period: Period, **params: Any) -> str:
        q: dict[str, Any] = {"queue": "all", "top_level": "1"}
        if self.f.project is not None:
            q["project"] = self.f.project.pk
        if self.f.zone is not None:
            q["zone"] = self.f.zone.pk
        if self.f.department is not None:
            q["department"] = self.f.department.pk
        q["created_from"], q["created_to"] = f"{period.start:%Y-%m-%d}", f"{period.end:%Y-%m-%d}"
        q.update({k: v for k, v in params.items() if v not in (None, "")})
        return "/cases/?" + urlencode(q)

    def registered(self, period: Period, **params: Any) -> str:
        return self._url(period, **params)

    def cancelled(self, period: Period, **params: Any) -> str:
        return self._url(period, status=Status.CANCELLED.value, **params)

    def finished(self, period: Period, **params: Any) -> str:
        """Resolved or closed: the only cases with a resolution time (resolved_at); it lies between the
        period's start and today."""
        end = max(period.end, self.today)
        return self._url(period, resolved_from=f"{period.start:%Y-%m-%d}", resolved_to=f"{end:%Y-%m-%d}", **params)

    def open(self, period: Period, **params: Any) -> str:
        return self._url(period, queue="open", **params)


def count(n: int, url: str | None) -> tuple[int, str]:
    return (n, url or "")


def _leaf_param(info: CategoryInfo | None) -> int | None:
    """The list's category filter also takes the category's children: exact for a category without them."""
    return info.pk if info is not None and not info.has_children else None


# Shared pieces ----------------------------------------------------------------------------------------------


def _time(value: dt.datetime | None) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d %H:%M}" if value else ""


def _range(p: Period) -> str:
    return f"{p.start:%Y-%m-%d} ~ {p.end:%Y-%m-%d}"


def _pp(a: float | None, b: float | None) -> float | None:
    """The change between two shown percentages, in percentage points."""
    pa, pb = percent(a), percent(b)
    return None if pa is None or pb is None else one_decimal(pa - pb)


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else a - b


def _growth(cur: int, prev: int) -> float | None:
    return percent(share(cur - prev, prev))


def _kind_label(kind: str) -> str:
    return str(Kind(kind).label) if kind in Kind.values else kind


def _status_label(status: str) -> str:
    return str(Status(status).label) if status in Status.values else status


def _category_rows(
    volumes: dict[tuple[Any, ...], Any], infos: dict[int, CategoryInfo]
) -> list[tuple[CategoryInfo | None, Any]]:
    """(category, value) in the category tree's order, the uncategorised last."""
    out = [(infos.get(k[0]) if k[0] else None, v) for k, v in volumes.items()]
    return sorted(out, key=lambda kv: kv[0].order if kv[0] else figures.NO_CATEGORY_ORDER)


def _by_group(
    leaves: dict[tuple[Any, ...], Any], infos: dict[int, CategoryInfo], zero: Any
) -> dict[tuple[Any, ...], Any]:
    """Fold {(category id,): value} into the top categories (大类): {(top id,): sum}."""
    out: dict[tuple[Any, ...], Any] = defaultdict(lambda: zero)
    for (cid,), value in leaves.items():
        top = infos[cid].group_id if cid in infos else None
        out[(top,)] = out[(top,)] + value
    return dict(out)


# 1-2. The tallies (日盘点 / 月盘点) -------------------------------------------------------------------------------


def _flow_words(kind: str) -> list[str]:
    if kind == "day":
        return [
            _("上日结转"),
            _("当日受理"),
            _("当日完成"),
            _("当日取消"),
            _("当日重新打开"),
            _("结转次日"),
            _("完成待回访"),
        ]
    return [
        _("上月结转"),
        _("本月受理"),
        _("本月完成"),
        _("本月取消"),
        _("本月重新打开"),
        _("结转下月"),
        _("完成待回访"),
    ]


def _flow_row(label: str, flow: Flow) -> list[Any]:
    return [
        label, flow.carried_in, flow.received, flow.finished, flow.cancelled, flow.reopened, flow.carried_out,
        flow.awaiting_visit,
    ]  # fmt: skip


def _flow_note(day: bool) -> str:
    start, end = (_("当日 0 点"), _("次日 0 点")) if day else (_("当月 1 日 0 点"), _("次月 1 日 0 点"))
    return _(
        "按工单记录（时间线）盘点投诉和建议在%(start)s与%(end)s的状态：结转 = 当时未完成（待派单、已派单、已接单、"
        "处理中、挂起）；受理 = 期间新建且期末未取消；完成 = 期间办结（已完成待回访或已关闭）；重新打开 = 期初已完成、"
        "期末又未完成。期末结转 = 期初结转 + 受理 − 完成 − 取消 + 重新打开。只计主工单，不计合并的重复工单。"
    ) % {"start": start, "end": end}


def _summary_table(t: figures.Tally, f: Filters) -> Table:
    words = _flow_words(f.period.kind)
    cols = [Col(_("类型"), "text"), *[Col(w) for w in words]]
    rows = [_flow_row(_kind_label(k), flow) for k, flow in t.by_kind().items()]
    return Table(
        "summary", _("盘点汇总"), cols, rows, _flow_row(_("合计"), t.total), _flow_note(f.period.kind == "day")
    )


def _handler(name: str, department: str) -> str:
    if name and department:
        return _("%(name)s（%(department)s）") % {"name": name, "department": department}
    return name or department


def _items_table(items: list[figures.TallyItem], n: int, f: Filters, title: str, note: str) -> Table:
    infos = figures.categories(i.category_id for i in items)
    day = f.period.kind == "day"
    sources = {
        "received": _("当日受理") if day else _("本月受理"),
        "carried": _("上日结转") if day else _("上月结转"),
        "reopened": _("重新打开"),
    }
    cols = [
        Col(_("工单号"), "cases"),
        Col(_("来源"), "text"),
        Col(_("类型"), "text"),
        Col(_("分类"), "text"),
        Col(_("房屋/位置"), "text"),
        Col(_("客户"), "text"),
        Col(_("处理人（部门）"), "text"),
        Col(_("受理时间"), "text"),
        Col(_("首次答复"), "text"),
        Col(_("办结期限"), "text"),
        Col(_("办结时间"), "text"),
        Col(_("日终状态") if day else _("月末状态"), "text"),
        Col(_("当前状态"), "text"),
    ]
    rows = [
        [
            [i.number], sources[i.source], _kind_label(i.kind),
            infos[i.category_id].label if i.category_id in infos else _("未分类"),
            i.place, i.customer, _handler(i.handler, i.department), _time(i.created_at), _time(i.first_replied_at),
            _time(i.resolution_due), _time(i.resolved_at), _status_label(i.at_end), _status_label(i.status),
        ]
        for i in items
    ]  # fmt: skip
    if n > len(items):
        note += _("共 %(n)s 件，此处列出最早的 %(shown)s 件；完整清单请到工单列表查询。") % {
            "n": n,
            "shown": len(items),
        }
    return Table("items", title, cols, rows, note=note)


def daily_tally(user: User, f: Filters, now: dt.datetime) -> list[Table]:
    """日盘点: the day's complaints and suggestions and the open ones carried over, item by item."""
    t = figures.tally(user, f)
    items, n = figures.tally_items(user, f, "day"), t.day_items
    note = _("当日受理的投诉和建议，以及上日结转的未完成工单，逐项列出处理人、答复和办结时间以及状态，用于逐项消项。")
    return [_summary_table(t, f), _items_table(items, n, f, _("逐项盘点"), note)]


def monthly_tally(user: User, f: Filters, now: dt.datetime) -> list[Table]:
    """月盘点: the month's flows by kind and category, the month's received by status at the month's end, and
    the items not yet closed."""
    t = figures.tally(user, f)
    words = _flow_words("month")
    infos = figures.categories(cid for _kind, cid in t.by_category)
    rows = [
        _flow_row(f"{_kind_label(kind)} / {infos[cid].label if cid in infos else _('未分类')}", flow)
        for (kind, cid), flow in sorted(
            t.by_category.items(),
            key=lambda kv: (
                KIND_ORDER.get(kv[0][0], 99),
                infos[kv[0][1]].order if kv[0][1] in infos else figures.NO_CATEGORY_ORDER,
            ),
        )
    ]
    by_category = Table(
        "by_category",
        _("按分类盘点"),
        [Col(_("类型 / 分类"), "text"), *[Col(w) for w in words]],
        rows,
        _flow_row(_("合计"), t.total),
    )
    status_rows = []
    for s in STATUS_ORDER:
        counts = [t.end_status.get((k, s), 0) for k in figures.TALLY_KINDS]
        if any(counts):
            status_rows.append([_status_label(s), *counts, sum(counts)])
    by_status = Table(
        "by_status",
        _("本月受理工单的月末状态"),
        [Col(_("月末状态"), "text"), *[Col(_kind_label(k)) for k in figures.TALLY_KINDS], Col(_("合计"))],
        status_rows,
        [
            _("合计"),
            *[sum(v for (k, _s), v in t.end_status.items() if k == kind) for kind in figures.TALLY_KINDS],
            sum(t.end_status.values()),
        ],
        _("本月新建且月末未取消的投诉和建议，按次月 1 日 0 点时的状态统计。"),
    )
    items, n = figures.tally_items(user, f, "open"), t.open_items
    note = _("月末（次月 1 日 0 点）尚未消项的投诉和建议：未完成的，以及已完成但仍待回访的；当前状态为此刻的状态。")
    return [_summary_table(t, f), by_category, by_status, _items_table(items, n, f, _("未消项明细"), note)]


# 3. The weekly complaint summary (每周投诉汇总) -------------------------------------------------------------------


def weekly_summary(user: User, f: Filters, now: dt.datetime) -> list[Table]:
    """The week's complaints (Monday to Sunday) by category, with the week before, for the Friday meeting."""
    links = Links(f, now)
    cur, prev = f.period, f.period.previous()
    both = figures.volumes(user, f, [cur, prev], "category_id", kind=COMPLAINT)
    vc = {k[1:]: v for k, v in both.items() if k[0] == 0}
    vp = {k[1:]: v for k, v in both.items() if k[0] == 1}
    keys = set(vc) | set(vp)
    infos = figures.categories(k[0] for k in keys)
    cols = [
        Col(_("投诉分类"), "text"),
        Col(_("本周受理")),
        Col(_("已完成"), "count"),
        Col(_("未完成"), "count"),
        Col(_("按时办结")),
        Col(_("及时率"), "pct"),
        Col(_("处理率"), "pct"),
        Col(_("上周受理")),
        Col(_("上周已完成"), "count"),
        Col(_("受理增减")),
        Col(_("增减率"), "pct"),
    ]

    def row(label: str, c: Volume, p: Volume, cat: int | None, linkable: bool) -> list[Any]:
        params = {"kind": COMPLAINT, "category": cat}
        return [
            label,
            c.received,
            count(c.finished, links.finished(cur, **params) if linkable else ""),
            count(c.open, links.open(cur, **params) if linkable else ""),
            c.on_time,
            percent(c.on_time_rate),
            percent(c.handled_rate),
            p.received,
            count(p.finished, links.finished(prev, **params) if linkable else ""),
            c.received - p.received,
            _growth(c.received, p.received),
        ]

    rows = []
    labels, this_week, last_week = [], [], []
    for info, _v in _category_rows({k: None for k in keys}, infos):
        key = (info.pk if info else None,)
        c, p = vc.get(key, Volume()), vp.get(key, Volume())
        label = info.label if info else _("未分类")
        leaf = _leaf_param(info)
        rows.append(row(label, c, p, leaf, leaf is not None))
        labels.append(label)
        this_week.append(c.received)
        last_week.append(p.received)
    tc, tp = figures.total(vc.values()), figures.total(vp.values())
    table = Table(
        "by_category",
        _("本周投诉分类汇总"),
        cols,
        rows,
        row(_("合计"), tc, tp, None, True),
        _(
            "本周（周一至周日）与上周新建的投诉，按分类统计当前处理情况。"
            "受理 = 新建且未取消（不含合并的重复投诉）；已完成 = 已完成待回访或已关闭；处理率 = 已完成 ÷ 受理；"
            "及时率 = 按时办结 ÷ 已完成（按时：办结不晚于办结期限，且首次答复不晚于答复期限）。"
        ),
    )
    table.chart = {
        "type": "bar",
        "id": "chart-weekly",
        "title": _("本周与上周投诉受理量"),
        "labels": labels,
        "series": [{"name": _("本周"), "values": this_week}, {"name": _("上周"), "values": last_week}],
    }
    return [table]


# 4. The monthly complaint report (《客户投诉情况及处理月报》) ---------------------------------------------------


def _headline_cols(first: str) -> list[Col]:
    return [
        Col(first, "text"),
        Col(_("起止日期"), "text"),
        Col(_("登记"), "count"),
        Col(_("取消及合并"), "count"),
        Col(_("受理")),
        Col(_("已完成"), "count"),
        Col(_("未完成"), "count"),
        Col(_("处理率"), "pct"),
        Col(_("按时办结")),
        Col(_("及时率"), "pct"),
    ]


def _headline(links: Links, label: str, p: Period, v: Volume, **params: Any) -> list[Any]:
    return [
        label,
        _range(p),
        count(v.registered, links.registered(p, **params)),
        count(v.cancelled, links.cancelled(p, **params)),
        v.received,
        count(v.finished, links.finished(p, **params)),
        count(v.open, links.open(p, **params)),
        percent(v.handled_rate),
        v.on_time,
        percent(v.on_time_rate),
    ]


def _compare_periods(f: Filters) -> list[tuple[str, Period]]:
    p = f.period
    return [(_("本期"), p), (_("上期（环比）"), p.previous()), (_("去年同期（同比）"), p.year_before())]


def complaints_monthly(user: User, f: Filters, now: dt.datetime) -> list[Table]:
    """《客户投诉情况及处理月报》: volumes, categories and causes, on-time and handled rates, satisfaction, repeat
    complaints, complaints per 100 households, month on month and year on year."""
    links = Links(f, now)
    p = f.period
    homes = figures.households(user, f)
    compared = _compare_periods(f)
    periods = [period for _label, period in compared]
    # Three grouped queries for the three periods by category: the headline, the categories and the causes.
    vols = figures.volumes(user, f, periods, "category_id", kind=COMPLAINT)
    sats = figures.csats(user, f, periods, "category_id", kind=COMPLAINT)
    reps = figures.repeat_counts(user, f, periods, "category_id")

    def of(i: int, found: dict[tuple[Any, ...], Any]) -> dict[tuple[Any, ...], Any]:
        return {k[1:]: v for k, v in found.items() if k[0] == i}

    heads = [
        (
            label,
            period,
            figures.total(of(i, vols).values()),
            sum(of(i, sats).values(), Csat()),
            sum(of(i, reps).values()),
        )
        for i, (label, period) in enumerate(compared)
    ]
    overview = Table(
        "overview",
        _("投诉量与处理情况"),
        _headline_cols(_("周期")),
        [_headline(links, label, period, v, kind=COMPLAINT) for label, period, v, _c, _r in heads],
        note=_(
            "登记 = 期间新建的投诉（含已取消和合并的重复投诉）；受理 = 登记 − 取消及合并；已完成 = 已完成待回访或"
            "已关闭；处理率 = 已完成 ÷ 受理；及时率 = 按时办结 ÷ 已完成（按时：办结不晚于办结期限，且首次答复不晚于"
            "答复期限）。"
        ),
    )
    quality = Table(
        "quality",
        _("满意度、重复投诉与每百户投诉"),
        [
            Col(_("周期"), "text"),
            Col(_("受理")),
            Col(_("重大投诉")),
            Col(_("重复投诉")),
            Col(_("重复投诉率"), "pct"),
            Col(_("回访成功")),
            Col(_("满意(4-5分)")),
            Col(_("满意率"), "pct"),
            Col(_("入住户数")),
            Col(_("每百户投诉"), "mean"),
        ],
        [
            [
                label,
                v.received,
                v.major,
                r,
                percent(share(r, v.received)),
                c.reached,
                c.satisfied,
                percent(c.csat),
                homes,
                figures.per_hundred(v.received, homes),
            ]
            for label, _period, v, c, r in heads
        ],
        note=_(
            "重复投诉 = 同一房屋、同一分类在此前 30 天内已有受理投诉的投诉；重复投诉率 = 重复投诉 ÷ 受理；满意率 = "
            "这些投诉的回访中回访成功且 4-5 分的占比；每百户投诉 = 受理 ÷ 入住户数 × 100（入住户数按当前房屋状态）。"
        ),
    )
    (_l0, _p0, v0, c0, r0), *others = heads
    changes = Table(
        "changes",
        _("环比与同比"),
        [
            Col(_("对比"), "text"),
            Col(_("受理增减")),
            Col(_("受理增减率"), "pct"),
            Col(_("处理率变化(百分点)"), "score"),
            Col(_("及时率变化(百分点)"), "score"),
            Col(_("满意率变化(百分点)"), "score"),
            Col(_("重复投诉增减")),
            Col(_("每百户投诉变化"), "mean"),
        ],
        [
            [
                label,
                v0.received - v.received,
                _growth(v0.received, v.received),
                _pp(v0.handled_rate, v.handled_rate),
                _pp(v0.on_time_rate, v.on_time_rate),
                _pp(c0.csat, c.csat),
                r0 - r,
                _diff(figures.per_hundred(v0.received, homes), figures.per_hundred(v.received, homes)),
            ]
            for label, _period, v, c, r in others
        ],
        note=_("本期与上期、去年同期相比：受理增减率 =（本期 − 对比期）÷ 对比期；比率的变化以百分点计。"),
    )
    categories = _complaint_categories(links, p, of(0, vols), of(0, sats), of(0, reps))
    return [overview, quality, changes, *categories, _repeat_table(user, f, p, heads[0][4])]


def _complaint_categories(
    links: Links,
    p: Period,
    leaves: dict[tuple[Any, ...], Volume],
    csats: dict[tuple[Any, ...], Csat],
    reps: dict[tuple[Any, ...], int],
) -> list[Table]:
    infos = figures.categories(k[0] for k in [*leaves, *csats])
    total = figures.total(leaves.values())
    groups = _by_group(leaves, infos, Volume())
    group_csat = _by_group(csats, infos, Csat())
    group_reps = _by_group({k: v for k, v in reps.items()}, infos, 0)
    tops = figures.categories(k[0] for k in groups)

    def group_row(info: CategoryInfo | None, v: Volume) -> list[Any]:
        key = (info.pk if info else None,)
        params = {"kind": COMPLAINT, "category": info.pk if info else None}
        ok = info is not None and info.parent_id is None  # a top category: the list takes it and its children
        c = group_csat.get(key, Csat())
        return [
            info.name if info else _("未分类"),
            v.received,
            percent(share(v.received, total.received)),
            count(v.finished, links.finished(p, **params) if ok else ""),
            count(v.open, links.open(p, **params) if ok else ""),
            percent(v.handled_rate),
            v.on_time,
            percent(v.on_time_rate),
            v.major,
            group_reps.get(key, 0),
            percent(c.csat),
        ]

    group_rows = [group_row(info, v) for info, v in _category_rows(groups, tops)]
    all_csat = sum(csats.values(), Csat())
    by_group = Table(
        "by_group",
        _("按投诉大类"),
        [
            Col(_("投诉大类"), "text"),
            Col(_("受理")),
            Col(_("占比"), "pct"),
            Col(_("已完成"), "count"),
            Col(_("未完成"), "count"),
            Col(_("处理率"), "pct"),
            Col(_("按时办结")),
            Col(_("及时率"), "pct"),
            Col(_("重大投诉")),
            Col(_("重复投诉")),
            Col(_("满意率"), "pct"),
        ],
        group_rows,
        [
            _("合计"),
            total.received,
            100.0 if total.received else None,
            count(total.finished, links.finished(p, kind=COMPLAINT)),
            count(total.open, links.open(p, kind=COMPLAINT)),
            percent(total.handled_rate),
            total.on_time,
            percent(total.on_time_rate),
            total.major,
            sum(reps.values()),
            percent(all_csat.csat),
        ],
        _("大类 = 分类树的第一级；细分到下级的投诉计入其大类。占比 = 该类受理 ÷ 全部受理。"),
    )
    by_group.chart = {
        "type": "bar",
        "id": "chart-categories",
        "title": _("各类投诉受理量"),
        "labels": [r[0] for r in group_rows],
        "series": [{"name": _("受理"), "values": [r[1] for r in group_rows]}],
    }
    cause_rows = []
    for info, v in _category_rows(leaves, infos):
        key = (info.pk if info else None,)
        leaf = _leaf_param(info)
        params = {"kind": COMPLAINT, "category": leaf}
        cause_rows.append(
            [
                (info.group_name if info else _("未分类")),
                (info.name if info and info.parent_id else "—"),
                v.received,
                percent(share(v.received, total.received)),
                v.major,
                reps.get(key, 0),
                count(v.finished, links.finished(p, **params) if leaf else ""),
                count(v.open, links.open(p, **params) if leaf else ""),
                percent(csats.get(key, Csat()).csat),
            ]
        )
    causes = Table(
        "causes",
        _("投诉原因分析（按细类）"),
        [
            Col(_("大类"), "text"),
            Col(_("原因（细类）"), "text"),
            Col(_("受理")),
            Col(_("占比"), "pct"),
            Col(_("重大投诉")),
            Col(_("重复投诉")),
            Col(_("已完成"), "count"),
            Col(_("未完成"), "count"),
            Col(_("满意率"), "pct"),
        ],
        cause_rows,
        note=_("投诉分类树即原因分类：每个细类一行；登记在大类本身的投诉，细类记为“—”。"),
    )
    return [by_group, causes]


def _repeat_table(user: User, f: Filters, p: Period, n: int) -> Table:
    items = figures.repeat_items(user, f, p)
    infos = figures.categories(i.category_id for i in items)
    rows = [
        [[i.number], _time(i.created_at), i.unit, infos[i.category_id].label, _status_label(i.status), i.earlier]
        for i in items
    ]
    note = _("同一房屋、同一分类在此前 30 天内已有受理投诉的投诉（重复投诉），共 %(n)s 件。") % {"n": n}
    if n > len(items):
        note += _("此处列出最早的 %(shown)s 件。") % {"shown": len(items)}
    return Table(
        "repeats",
        _("重复投诉明细"),
        [
            Col(_("工单号"), "cases"),
            Col(_("受理时间"), "text"),
            Col(_("房屋"), "text"),
            Col(_("分类"), "text"),
            Col(_("当前状态"), "text"),
            Col(_("此前 30 天内的同类投诉"), "cases"),
        ],
        rows,
        note=note,
    )


# 5. The quarterly service-effect analysis (季度服务效果分析) --------------------------------------------------------


def _effect_cols(first: str) -> list[Col]:
    return [
        Col(first, "text"),
        Col(_("受理")),
        Col(_("已完成"), "count"),
        Col(_("处理率"), "pct"),
        Col(_("及时率"), "pct"),
        Col(_("首问解决率"), "pct"),
        Col(_("满意率"), "pct"),
    ]


def _effect_row(links: Links, label: str, p: Period, v: Volume, c: Csat) -> list[Any]:
    return [
        label,
        v.received,
        count(v.finished, links.finished(p)),
        percent(v.handled_rate),
        percent(v.on_time_rate),
        percent(v.fcr_rate),
        percent(c.csat),
    ]


def quarterly_analysis(user: User, f: Filters, now: dt.datetime) -> list[Table]:
    """季度服务效果分析: per kind, month by month, and against the quarter before and a year before."""
    links = Links(f, now)
    p = f.period
    months = [month_period(p.start.year, m) for m in range(p.start.month, p.end.month + 1)]
    periods = [*months, p.previous()]
    # Two grouped queries for everything: each month of the quarter and the quarter before, by kind.
    all_vols = figures.volumes(user, f, periods, "kind")
    all_sats = figures.csats(user, f, periods, "kind")

    def of(spans: Iterable[int]) -> tuple[dict[tuple[Any, ...], Volume], dict[tuple[Any, ...], Csat]]:
        vols: dict[tuple[Any, ...], Volume] = defaultdict(Volume)
        sats: dict[tuple[Any, ...], Csat] = defaultdict(Csat)
        for (i, kind), v in all_vols.items():
            if i in spans:
                vols[(kind,)] += v
        for (i, kind), c in all_sats.items():
            if i in spans:
                sats[(kind,)] += c
        return vols, sats

    in_quarter = range(len(months))
    vk, ck = of(in_quarter)
    kinds = sorted({k[0] for k in [*vk, *ck]}, key=lambda k: KIND_ORDER.get(k, 99))

    def kind_row(label: str, v: Volume, c: Csat, kind: str | None) -> list[Any]:
        return [
            label,
            count(v.registered, links.registered(p, kind=kind)),
            v.received,
            count(v.finished, links.finished(p, kind=kind)),
            count(v.open, links.open(p, kind=kind)),
            percent(v.handled_rate),
            v.on_time,
            percent(v.on_time_rate),
            v.fcr,
            percent(v.fcr_rate),
            c.reached,
            percent(c.csat),
        ]

    tv, tc = figures.total(vk.values()), sum(ck.values(), Csat())
    by_kind = Table(
        "by_kind",
        _("分类型服务效果"),
        [
            Col(_("类型"), "text"),
            Col(_("登记"), "count"),
            Col(_("受理")),
            Col(_("已完成"), "count"),
            Col(_("未完成"), "count"),
            Col(_("处理率"), "pct"),
            Col(_("按时办结")),
            Col(_("及时率"), "pct"),
            Col(_("首问解决")),
            Col(_("首问解决率"), "pct"),
            Col(_("回访成功")),
            Col(_("满意率"), "pct"),
        ],
        [kind_row(_kind_label(k), vk.get((k,), Volume()), ck.get((k,), Csat()), k) for k in kinds],
        kind_row(_("合计"), tv, tc, None),
        _(
            "本季度新建的主工单。首问解决率 = 当场解决的 ÷ 受理；满意率 = 本季度受理工单的回访中 4-5 分的占比；"
            "其余口径同投诉月报。"
        ),
    )
    month_rows = []
    for i, m in enumerate(months):
        mv, mc = of([i])
        month_rows.append(_effect_row(links, m.label, m, figures.total(mv.values()), sum(mc.values(), Csat())))
    by_month = Table(
        "by_month", _("逐月情况"), _effect_cols(_("月份")), month_rows, _effect_row(links, _("本季度"), p, tv, tc)
    )
    by_month.chart = {
        "type": "bar",
        "id": "chart-months",
        "title": _("逐月受理与完成"),
        "labels": [r[0] for r in month_rows],
        "series": [
            {"name": _("受理"), "values": [r[1] for r in month_rows]},
            {"name": _("已完成"), "values": [r[2][0] for r in month_rows]},
        ],
    }
    qv, qc = of([len(months)])
    figs = [
        (_("本季度"), p, tv, tc),
        (_("上季度（环比）"), p.previous(), figures.total(qv.values()), sum(qc.values(), Csat())),
    ]
    compare = Table(
        "compare",
        _("季度对比"),
        [*_effect_cols(_("周期"))[:1], Col(_("起止日期"), "text"), *_effect_cols("")[1:]],
        [[label, _range(q), *_effect_row(links, label, q, v, c)[1:]] for label, q, v, c in figs],
    )
    (_l, _q, v0, c0), *others = figs
    changes = Table(
        "changes",
        _("季度环比"),
        [
            Col(_("对比"), "text"),
            Col(_("受理增减")),
            Col(_("受理增减率"), "pct"),
            Col(_("处理率变化(百分点)"), "score"),
            Col(_("及时率变化(百分点)"), "score"),
            Col(_("首问解决率变化(百分点)"), "score"),
            Col(_("满意率变化(百分点)"), "score"),
        ],
        [
            [
                label,
                v0.received - v.received,
                _growth(v0.received, v.received),
                _pp(v0.handled_rate, v.handled_rate),
                _pp(v0.on_time_rate, v.on_time_rate),
                _pp(v0.fcr_rate, v.fcr_rate),
                _pp(c0.csat, c.csat),
            ]
            for label, _q, v, c in others
        ],
    )
    return [by_kind, by_month, compare, changes]


# 6. Handling rate by trade (分专业处理率) -------------------------------------------------------------------------


def _trade_cols(*first: Col) -> list[Col]:
    return [
        *first,
        Col(_("受理")),
        Col(_("已完成")),
        Col(_("未完成")),
        Col(_("处理率"), "pct"),
        Col(_("按时办结")),
        Col(_("及时率"), "pct"),
    ]


def _trade_figures(v: Volume) -> list[Any]:
    return [v.received, v.finished, v.open, percent(v.handled_rate), v.on_time, percent(v.on_time_rate)]


def trade_handling(user: User, f: Filters, now: dt.datetime) -> list[Table]:
    """分专业处理率: received, done and done ÷ received per trade (the category's 专业, or its parent's)."""
    p = f.period
    leaves = figures.volume_by(user, f, p, "kind", "category_id")
    infos = figures.categories(k[1] for k in leaves)
    trades: dict[tuple[str, str], Volume] = defaultdict(Volume)
    for (kind, cid), v in leaves.items():
        trade = infos[cid].trade if cid in infos else ""
        trades[(kind, trade)] = trades[(kind, trade)] + v

    def trade_label(trade: str) -> str:
        return trade or _("未设专业")

    repair = sorted(
        ((t, v) for (k, t), v in trades.items() if k == Kind.REPAIR), key=lambda tv: (-tv[1].received, tv[0])
    )
    repairs = Table(
        "repairs",
        _("报修分专业处理率"),
        _trade_cols(Col(_("专业"), "text")),
        [[trade_label(t), *_trade_figures(v)] for t, v in repair],
        [_("合计"), *_trade_figures(figures.total(v for _t, v in repair))],
        _(
            "期间新建的报修按分类的专业（分类未设专业时取上级分类的专业）统计。"
            "处理率 = 已完成 ÷ 受理（如 水电 受理 932、已完成 921，处理率 98.8%）；"
            "已完成 = 已完成待回访或已关闭；受理不含已取消和合并的重复工单。"
        ),
    )
    repairs.chart = {
        "type": "bar",
        "id": "chart-trades",
        "title": _("报修各专业处理率(%)"),
        "unit": "%",
        "labels": [trade_label(t) for t, _v in repair],
        "series": [{"name": _("处理率"), "values": [percent(v.handled_rate) for _t, v in repair]}],
    }
    everything = sorted(trades.items(), key=lambda kv: (KIND_ORDER.get(kv[0][0], 99), -kv[1].received, kv[0][1]))
    all_kinds = Table(
        "all_kinds",
        _("全部类型分专业处理率"),
        _trade_cols(Col(_("类型"), "text"), Col(_("专业"), "text")),
        [[_kind_label(k), trade_label(t), *_trade_figures(v)] for (k, t), v in everything],
        [_("合计"), "", *_trade_figures(figures.total(trades.values()))],
    )
    return [repairs, all_kinds]


# 7. Channel mix and load (渠道与时段分布) --------------------------------------------------------------------------


def channel_load(user: User, f: Filters, now: dt.datetime) -> list[Table]:
    """Channel mix, and the load by hour of day and weekday (Beijing time), of every case registered."""
    links = Links(f, now)
    p = f.period
    vc = figures.volume_by(user, f, p, "channel")
    tv = figures.total(vc.values())
    order = {c: i for i, c in enumerate(Channel.values)}
    labels = dict(Channel.choices)
    channel_rows: list[list[Any]] = []
    for (ch,), v in sorted(vc.items(), key=lambda kv: (-kv[1].registered, order.get(kv[0][0], 99))):
        channel_rows.append(
            [
                str(labels.get(ch, ch)),
                count(v.registered, links.registered(p, channel=ch)),
                percent(share(v.registered, tv.registered)),
                count(v.cancelled, links.cancelled(p, channel=ch)),
                v.received,
                count(v.finished, links.finished(p, channel=ch)),
                count(v.open, links.open(p, channel=ch)),
            ]
        )
    channels = Table(
        "channels",
        _("来源渠道"),
        [
            Col(_("来源渠道"), "text"),
            Col(_("登记"), "count"),
            Col(_("占比"), "pct"),
            Col(_("取消及合并"), "count"),
            Col(_("受理")),
            Col(_("已完成"), "count"),
            Col(_("未完成"), "count"),
        ],
        channel_rows,
        [
            _("合计"),
            count(tv.registered, links.registered(p)),
            100.0 if tv.registered else None,
            count(tv.cancelled, links.cancelled(p)),
            tv.received,
            count(tv.finished, links.finished(p)),
            count(tv.open, links.open(p)),
        ],
        _(
            "期间登记的全部主工单（各类型），含已取消和合并的重复工单：每一次登记都是客服中心的一次接待。"
            "占比 = 该渠道登记 ÷ 全部登记。"
        ),
    )
    channels.chart = {
        "type": "pie",
        "id": "chart-channels",
        "title": _("来源渠道占比"),
        "data": [{"name": r[0], "value": r[1][0], "share": r[2]} for r in channel_rows],
    }
    grid = figures.load_grid(user, f, p)
    hour_rows = []
    for h in range(24):
        per_day = [grid.get((d, h), 0) for d in range(1, 8)]
        hour_rows.append([f"{h:02d}:00-{h:02d}:59", sum(per_day), *per_day])
    day_totals = [sum(grid.get((d, h), 0) for h in range(24)) for d in range(1, 8)]
    hours = Table(
        "hours",
        _("按时段（小时 × 星期）"),
        [Col(_("时段"), "text"), Col(_("合计")), *[Col(str(w)) for w in WEEKDAYS]],
        hour_rows,
        [_("合计"), sum(day_totals), *day_totals],
        _("按登记时间（北京时间）的小时和星期统计登记量。"),
    )
    hours.chart = {
        "type": "heatmap",
        "id": "chart-hours",
        "title": _("登记量热力图（小时 × 星期）"),
        "x": [f"{h}" for h in range(24)],
        "y": [str(w) for w in WEEKDAYS],
        "data": [[h, d - 1, grid.get((d, h), 0)] for d in range(1, 8) for h in range(24)],
        "max": max(grid.values(), default=0),
    }
    days = figures.weekdays_in(p)
    total = sum(day_totals)
    weekday_rows = [
        [str(WEEKDAYS[d - 1]), day_totals[d - 1], percent(share(day_totals[d - 1], total)), days[d],
         share(day_totals[d - 1], days[d])]
        for d in range(1, 8)
    ]  # fmt: skip
    weekdays = Table(
        "weekdays",
        _("按星期"),
        [Col(_("星期"), "text"), Col(_("登记")), Col(_("占比"), "pct"), Col(_("天数")), Col(_("日均登记"), "mean")],
        weekday_rows,
        [_("合计"), total, 100.0 if total else None, p.days, share(total, p.days)],
        _("日均登记 = 该星期几的登记量 ÷ 统计周期内该星期几的天数。"),
    )
    weekdays.chart = {
        "type": "bar",
        "id": "chart-weekdays",
        "title": _("各星期登记量"),
        "labels": [r[0] for r in weekday_rows],
        "series": [{"name": _("登记"), "values": day_totals}],
    }
    return [channels, hours, weekdays]


# The registry -----------------------------------------------------------------------------------------------


def _report(
    key: str, title: Any, build: Callable[[User, Filters, dt.datetime], list[Table]], periods: Iterable[str], wide: bool
) -> Report:
    return Report(key, title, GROUP, build, f"/reports/{key}/", tuple(periods), wide)


REPORTS: list[Report] = [
    _report("daily-tally", gettext_lazy("日盘点（投诉/建议）"), daily_tally, ["day"], True),
    _report("monthly-tally", gettext_lazy("月盘点（投诉/建议）"), monthly_tally, ["month"], True),
    _report("weekly-summary", gettext_lazy("每周投诉汇总"), weekly_summary, ["week"], False),
    _report(
        "complaints-monthly",
        gettext_lazy("客户投诉情况及处理月报"),
        complaints_monthly,
        ["month", "quarter", "custom"],
        True,
    ),
    _report("quarterly-analysis", gettext_lazy("季度服务效果分析"), quarterly_analysis, ["quarter"], True),
    _report("trade-handling", gettext_lazy("分专业处理率"), trade_handling, ["month", "quarter", "custom"], False),
    _report("channel-load", gettext_lazy("渠道与时段分布"), channel_load, ["month", "quarter", "custom"], True),
]

# One line per report in the report centre (the visit reports' too: the centre lists every report).
DESCRIPTIONS: dict[str, Any] = {
    "daily-tally": gettext_lazy("顾客投诉/建议日盘点表：当日受理和上日结转的投诉、建议逐项列出，结转次日的数量"),
    "monthly-tally": gettext_lazy(
        "顾客投诉/建议月盘点表：按分类和状态统计本月受理、完成和结转，列出未消项的投诉和建议"
    ),
    "weekly-summary": gettext_lazy("周五例会用：本周（周一至周日）投诉按分类汇总，与上周对比"),
    "complaints-monthly": gettext_lazy("投诉量、分类与原因、及时率、处理率、满意率、重复投诉、每百户投诉，环比和同比"),
    "quarterly-analysis": gettext_lazy("各类型工单的处理率、及时率、首问解决率和满意率，逐月情况和季度对比"),
    "trade-handling": gettext_lazy("按专业（水电、土建、电梯……）统计受理、完成和处理率"),
    "channel-load": gettext_lazy("各来源渠道的登记量和占比，按小时和星期的接待负荷"),
    "visits-rate": gettext_lazy("工单回访的回访率、回访成功率和及时率，按项目、区域和回访人"),
    "visits-satisfaction": gettext_lazy("回访满意率和平均分，按处理部门、处理人和分类"),
    "visits-reasons": gettext_lazy("回访不满意和问题未解决的原因及占比"),
    "visits-coverage": gettext_lazy("走访计划的覆盖率、完成率和发现的问题"),
    "visits-surveys": gettext_lazy("满意度调查的参与率、满意率、平均分和 NPS"),
}
