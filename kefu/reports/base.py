"""The report framework shared by every report page (报表中心): periods, filters, figures as shown, and the
Table that feeds both the page and its xlsx, so that the workbook always has the page's numbers.

A report is a builder `(user, Filters, now) -> list[Table]` registered in kefu.reports.registry; the report
pages, the xlsx export and the scheduled e-mails all call the same builder.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kefu.org.models import Department, Project, User, Zone
from kefu.org.roles import Perm
from kefu.org.scope import access

# Figures as shown -------------------------------------------------------------------------------------------


def one_decimal(value: float | None) -> float | None:
    """Rounded half up to one decimal: 66.65 → 66.7. None stays None."""
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def percent(share: float | None) -> float | None:
    """A share as a percentage with one decimal, rounded half up: 2/3 → 66.7, 0.6665 → 66.7 (in decimal, so a
    float's binary error never turns a half down). None stays None (0/0)."""
    if share is None:
        return None
    return float((Decimal(str(share)) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


def mean_score(value: float | None) -> float | None:
    """A mean score with two decimals, rounded half up."""
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def share(part: int | float, whole: int | float) -> float | None:
    """part / whole, or None when there is nothing to divide by."""
    return part / whole if whole else None


# Periods ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Local (Beijing) calendar days, both ends included."""

    kind: str  # day | week | month | quarter | year | custom
    start: dt.date
    end: dt.date

    @property
    def since(self) -> dt.datetime:
        return day_start(self.start)

    @property
    def until(self) -> dt.datetime:
        """The first instant after the period."""
        return day_start(self.end + dt.timedelta(days=1))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def label(self) -> str:
        if self.kind == "day":
            return f"{self.start:%Y-%m-%d}"
        if self.kind == "week":
            return _("%(start)s 至 %(end)s 当周") % {"start": f"{self.start:%Y-%m-%d}", "end": f"{self.end:%m-%d}"}
        if self.kind == "month":
            return _("%(y)s年%(m)s月") % {"y": self.start.year, "m": self.start.month}
        if self.kind == "quarter":
            return _("%(y)s年第%(q)s季度") % {"y": self.start.year, "q": (self.start.month - 1) // 3 + 1}
        if self.kind == "year":
            return _("%(y)s年") % {"y": self.start.year}
        return _("%(start)s 至 %(end)s") % {"start": f"{self.start:%Y-%m-%d}", "end": f"{self.end:%Y-%m-%d}"}

    def previous(self) -> Period:
        """The period just before: the previous day, week, month, quarter or year (环比); a custom range:
        the same number of days before."""
        if self.kind == "month":
            prev = self.start - dt.timedelta(days=1)
            return month_period(prev.year, prev.month)
        if self.kind == "quarter":
            prev = self.start - dt.timedelta(days=1)
            return quarter_period(prev.year, (prev.month - 1) // 3 + 1)
        if self.kind == "year":
            return year_period(self.start.year - 1)
        n = dt.timedelta(days=self.days)
        return Period(self.kind, self.start - n, self.end - n)

    def year_before(self) -> Period:
        """The same period a year earlier (同比)."""
        if self.kind == "month":
            return month_period(self.start.year - 1, self.start.month)
        if self.kind == "quarter":
            return quarter_period(self.start.year - 1, (self.start.month - 1) // 3 + 1)
        if self.kind == "year":
            return year_period(self.start.year - 1)
        return Period(self.kind, _year_earlier(self.start), _year_earlier(self.end))


def _year_earlier(d: dt.date) -> dt.date:
    try:
        return d.replace(year=d.year - 1)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 1, day=28)


def day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def day_period(day: dt.date) -> Period:
    return Period("day", day, day)


def week_period(day: dt.date) -> Period:
    """The Monday-to-Sunday week of the day."""
    monday = day - dt.timedelta(days=day.weekday())
    return Period("week", monday, monday + dt.timedelta(days=6))


def month_period(year: int, month: int) -> Period:
    start = dt.date(year, month, 1)
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return Period("month", start, nxt - dt.timedelta(days=1))


def quarter_period(year: int, quarter: int) -> Period:
    first = month_period(year, quarter * 3 - 2)
    last = month_period(year, quarter * 3)
    return Period("quarter", first.start, last.end)


def year_period(year: int) -> Period:
    return Period("year", dt.date(year, 1, 1), dt.date(year, 12, 31))


def this_month(now: dt.datetime | None = None) -> Period:
    today = timezone.localdate(now or timezone.now())
    return month_period(today.year, today.month)


# Who may read what -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    period: Period
    project: Project | None = None  # None: every project the reader may report on
    zone: Zone | None = None
    department: Department | None = None  # the case's handling department


def report_projects(user: User) -> QuerySet[Project]:
    """The projects whose figures the user may read (VIEW_REPORTS)."""
    a = access(user, Perm.VIEW_REPORTS)
    if a.all_projects:
        return Project.objects.filter(is_active=True).order_by("code")
    return Project.objects.filter(is_active=True, pk__in=sorted(a.project_ids)).order_by("code")


def may_view_reports(user: User) -> bool:
    return not access(user, Perm.VIEW_REPORTS).is_empty


def in_scope(user: User, qs: QuerySet[Any], f: Filters, *, project: str = "project") -> QuerySet[Any]:
    """Rows of the projects the reader may report on, and of the chosen project."""
    qs = qs.filter(access(user, Perm.VIEW_REPORTS).q(project))
    if f.project is not None:
        qs = qs.filter(**{project: f.project})
    return qs


# Tables: the same rows for the page and the workbook -----------------------------------------------------------


@dataclass
class Col:
    label: str
    kind: str = "int"  # text | int | pct | mean | score | cases | link | count (an int linking to a list)

    @property
    def header(self) -> str:
        return f"{self.label}(%)" if self.kind == "pct" else self.label

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "pct", "mean", "score", "count")


@dataclass
class Table:
    key: str
    title: str
    cols: list[Col]
    rows: list[list[Any]]
    foot: list[Any] | None = None
    note: str = ""
    chart: dict[str, Any] | None = None
    body: list[list[dict[str, Any]]] = field(default_factory=list)
    foot_cells: list[dict[str, Any]] = field(default_factory=list)

    def render(self) -> Table:
        self.body = [[display(c, v) for c, v in zip(self.cols, row, strict=True)] for row in self.rows]
        if self.foot is not None:
            self.foot_cells = [display(c, v) for c, v in zip(self.cols, self.foot, strict=True)]
        return self

    def sheet(self) -> tuple[str, list[str], list[list[Any]]]:
        rows = [[xlsx_value(c, v) for c, v in zip(self.cols, row, strict=True)] for row in self.rows]
        if self.foot is not None:
            rows.append([xlsx_value(c, v) for c, v in zip(self.cols, self.foot, strict=True)])
        return self.title, [c.header for c in self.cols], rows


def display(col: Col, value: Any) -> dict[str, Any]:
    """A cell as the page shows it: text, and a link or several. A "count" is (n, url): the number links to
    the list of exactly those n items."""
    cell: dict[str, Any] = {"num": col.numeric, "text": "", "href": "", "links": []}
    if value is None:
        cell["text"] = "—" if col.numeric else ""
    elif col.kind == "pct":
        cell["text"] = f"{value:.1f}%"
    elif col.kind == "mean":
        cell["text"] = f"{value:.2f}"
    elif col.kind == "score":
        cell["text"] = f"{value:.1f}"
    elif col.kind == "int":
        cell["text"] = f"{value:,}"
    elif col.kind == "count":
        n, href = value
        cell["text"], cell["href"] = f"{n:,}", href if n else ""
    elif col.kind == "cases":
        cell["links"] = [(n, f"/cases/{n}/") for n in value]
    elif col.kind == "link":
        cell["text"], cell["href"] = value
    else:
        cell["text"] = str(value)
    return cell


def xlsx_value(col: Col, value: Any) -> Any:
    if value is None:
        return None
    if col.kind == "cases":
        return "、".join(value)
    if col.kind in ("link", "count"):
        return value[0]
    return value


def date_text(d: dt.date | None) -> str:
    return f"{d:%Y-%m-%d}" if d else ""


# Filters on the page ----------------------------------------------------------------------------------------

ALL = "all"
MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
QUARTER = re.compile(r"^(\d{4})-([1-4])$")
YEAR = re.compile(r"^(\d{4})$")
PERIOD_LABELS: dict[str, Any] = {
    "day": gettext_lazy("按日"),
    "week": gettext_lazy("按周"),
    "month": gettext_lazy("按月"),
    "quarter": gettext_lazy("按季度"),
    "year": gettext_lazy("按年"),
    "custom": gettext_lazy("自定义"),
}
MAX_CUSTOM_DAYS = 366


class ZoneField(forms.ModelChoiceField[Zone]):
    def label_from_instance(self, obj: Zone) -> str:
        return f"{obj.project.name} {obj.name}"


class ReportFilterForm(forms.Form):
    """Project, zone, department and a period: a day, a week, a month, a quarter, a year or a custom range
    (the kinds a report offers are given by `periods`; the first is the default)."""

    project = forms.ChoiceField(label=gettext_lazy("项目"), required=False)
    zone = ZoneField(
        label=gettext_lazy("区域"),
        queryset=Zone.objects.none(),
        required=False,
        empty_label=gettext_lazy("全部"),
        error_messages={"invalid_choice": gettext_lazy("所选区域不存在或不在您的报表范围内")},
    )
    department = forms.ModelChoiceField(
        label=gettext_lazy("处理部门"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=gettext_lazy("全部"),
        error_messages={"invalid_choice": gettext_lazy("所选部门不存在或不在您的报表范围内")},
    )
    period = forms.ChoiceField(label=gettext_lazy("统计周期"), required=False)
    day = forms.DateField(
        label=gettext_lazy("日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("请输入有效的日期")},
    )
    month = forms.CharField(label=gettext_lazy("月份"), required=False, widget=forms.TextInput(attrs={"type": "month"}))
    quarter = forms.ChoiceField(label=gettext_lazy("季度"), required=False)
    year = forms.ChoiceField(label=gettext_lazy("年份"), required=False)
    date_from = forms.DateField(
        label=gettext_lazy("开始日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("请输入有效的日期")},
    )
    date_to = forms.DateField(
        label=gettext_lazy("结束日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": gettext_lazy("请输入有效的日期")},
    )

    def __init__(
        self,
        *args: Any,
        user: User,
        now: dt.datetime,
        periods: Sequence[str] = ("month", "quarter", "custom"),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.now = now
        self.periods = list(periods)
        self.projects = list(report_projects(user))
        ids = [p.pk for p in self.projects]
        choices = [(str(p.pk), p.name) for p in self.projects]
        if len(self.projects) > 1:
            choices.insert(0, (ALL, _("全部项目")))
        self.fields["project"].choices = choices  # type: ignore[attr-defined]
        self.fields["project"].error_messages["invalid_choice"] = _("所选项目不在您的报表范围内")
        zone_field: Any = self.fields["zone"]
        zone_field.queryset = (
            Zone.objects.filter(project__in=ids).select_related("project").order_by("project__code", "code")
        )
        dept_field: Any = self.fields["department"]
        dept_field.queryset = Department.objects.filter(Q(project__in=ids) | Q(project__isnull=True)).order_by(
            "project__code", "sort", "code"
        )
        self.fields["period"].choices = [(k, PERIOD_LABELS[k]) for k in self.periods]  # type: ignore[attr-defined]
        today = timezone.localdate(now)
        self.fields["quarter"].choices = [  # type: ignore[attr-defined]
            (f"{y}-{q}", _("%(y)s年第%(q)s季度") % {"y": y, "q": q})
            for y in range(today.year, today.year - 5, -1)
            for q in range(4, 0, -1)
        ]
        self.fields["year"].choices = [  # type: ignore[attr-defined]
            (str(y), _("%(y)s年") % {"y": y}) for y in range(today.year, today.year - 5, -1)
        ]
        # Only the inputs of the periods this report offers.
        for kind, names in (
            ("day", ["day"]),
            ("week", ["day"]),
            ("month", ["month"]),
            ("quarter", ["quarter"]),
            ("year", ["year"]),
            ("custom", ["date_from", "date_to"]),
        ):
            for name in names:
                self.fields[name].offered = getattr(self.fields[name], "offered", False) or kind in self.periods  # type: ignore[attr-defined]
        for name in ("day", "month", "quarter", "year", "date_from", "date_to"):
            if not getattr(self.fields[name], "offered", False):
                del self.fields[name]

    def clean_project(self) -> Project | None:
        value = self.cleaned_data.get("project") or ALL
        if value == ALL:
            return None
        return next(p for p in self.projects if str(p.pk) == value)

    def clean(self) -> dict[str, Any]:
        d = super().clean() or {}
        project, zone, dept = d.get("project"), d.get("zone"), d.get("department")
        if project is not None and zone is not None and zone.project_id != project.pk:
            self.add_error("zone", _("所选区域不属于所选项目"))
        if project is not None and dept is not None and dept.project_id not in (None, project.pk):
            self.add_error("department", _("所选部门不属于所选项目"))
        d["period_value"] = self._period(d)
        return d

    def _period(self, d: dict[str, Any]) -> Period | None:
        today = timezone.localdate(self.now)
        kind = d.get("period") or self.periods[0]
        if kind in ("day", "week"):
            if "day" in self.errors:
                return None
            day = d.get("day") or today
            return day_period(day) if kind == "day" else week_period(day)
        if kind == "quarter":
            m = QUARTER.match(d.get("quarter") or f"{today.year}-{(today.month - 1) // 3 + 1}")
            if m is None:  # the choice field has already said why
                return None
            return quarter_period(int(m[1]), int(m[2]))
        if kind == "year":
            m = YEAR.match(d.get("year") or str(today.year))
            return None if m is None else year_period(int(m[1]))
        if kind == "custom":
            start, end = d.get("date_from"), d.get("date_to")
            if "date_from" in self.errors or "date_to" in self.errors:
                return None
            if start is None or end is None:
                self.add_error("date_from" if start is None else "date_to", _("自定义周期请填写开始日期和结束日期"))
                return None
            if end < start:
                self.add_error("date_to", _("结束日期不能早于开始日期"))
                return None
            if (end - start).days + 1 > MAX_CUSTOM_DAYS:
                self.add_error("date_to", _("自定义周期最长 %(n)s 天") % {"n": MAX_CUSTOM_DAYS})
                return None
            return Period("custom", start, end)
        m = MONTH.match((d.get("month") or f"{today:%Y-%m}").strip())
        if m is None or not 1 <= int(m[2]) <= 12:
            self.add_error("month", _("请选择月份（如 2026-11）"))
            return None
        return month_period(int(m[1]), int(m[2]))

    def filters(self) -> Filters:
        d = self.cleaned_data
        return Filters(period=d["period_value"], project=d["project"], zone=d["zone"], department=d["department"])


def filter_data(
    data: QueryDict, current: Project | None, projects: Sequence[Project], now: dt.datetime, default_period: str
) -> QueryDict:
    """The query string with the defaults filled in: the current project (chosen at the top; "all" when it
    is not one the user may report on), today, this month, this quarter, this year."""
    data = data.copy()
    today = timezone.localdate(now)
    defaults = {
        "period": default_period,
        "day": f"{today:%Y-%m-%d}",
        "month": f"{today:%Y-%m}",
        "quarter": f"{today.year}-{(today.month - 1) // 3 + 1}",
        "year": str(today.year),
    }
    for key, value in defaults.items():
        if not data.get(key):
            data[key] = value
    if not data.get("date_from") and not data.get("date_to"):
        month = this_month(now)
        data["date_from"], data["date_to"] = f"{month.start:%Y-%m-%d}", f"{month.end:%Y-%m-%d}"
    if not data.get("project"):
        in_scope_ = current is not None and any(p.pk == current.pk for p in projects)
        if in_scope_ and current is not None:
            data["project"] = str(current.pk)
        elif len(projects) == 1:
            data["project"] = str(projects[0].pk)
        else:
            data["project"] = ALL
    return data


def scope_line(f: Filters) -> str:
    parts = [
        _("统计周期：%(label)s（%(start)s 至 %(end)s）")
        % {"label": f.period.label, "start": date_text(f.period.start), "end": date_text(f.period.end)},
        _("项目：%(v)s") % {"v": f.project.name if f.project else _("全部项目")},
        _("区域：%(v)s") % {"v": f.zone.name if f.zone else _("全部")},
        _("处理部门：%(v)s") % {"v": f.department.name if f.department else _("全部")},
    ]
    return " · ".join(parts)
