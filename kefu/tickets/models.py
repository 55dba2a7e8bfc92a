"""The service desk: cases, their append-only timeline, categories, SLA policies, the calendar."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.customers.models import Customer, Unit
from kefu.org.models import Department, Project, Zone

from .states import Channel, Kind, Priority, Status, WaitReason


class Category(models.Model):
    """A category tree per kind (报修 → 水电 → 漏水), per project or shared (project=None)."""

    project = models.ForeignKey(
        Project,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="case_categories",
        verbose_name=_("项目"),
    )
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("上级分类")
    )
    code = models.CharField(_("编码"), max_length=30)
    name = models.CharField(_("名称"), max_length=50)
    trade = models.CharField(_("专业"), max_length=30, blank=True, help_text=_("用于分专业统计处理率，如 水电、土建"))
    default_department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("默认派单部门")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["kind", "sort", "code"]
        constraints = [models.UniqueConstraint(fields=["project", "kind", "code"], name="category_code_unique")]
        verbose_name = _("工单分类")
        verbose_name_plural = _("工单分类")

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict[str, Any]:
        return {"project_id": self.project_id}


class SlaPolicy(models.Model):
    """Time targets for a kind (and optionally a category and priority). The most specific wins."""

    class Unit(models.TextChoices):
        HOURS = "hours", _("自然小时")
        WORKING_DAYS = "working_days", _("工作日")

    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.CASCADE, related_name="sla_policies", verbose_name=_("项目")
    )
    name = models.CharField(_("名称"), max_length=50)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("分类")
    )
    priority = models.CharField(_("优先级"), max_length=10, choices=Priority.choices, blank=True)
    first_reply_hours = models.PositiveIntegerField(_("首次答复时限(小时)"), null=True, blank=True)
    resolution_value = models.PositiveIntegerField(_("办结时限"))
    resolution_unit = models.CharField(_("时限单位"), max_length=20, choices=Unit.choices, default=Unit.HOURS)
    warn_percent = models.PositiveSmallIntegerField(
        _("预警(已用时限%)"), default=80, help_text=_("用去这部分时限时提醒处理人")
    )
    escalate_multiples = models.CharField(
        _("升级倍数"),
        max_length=50,
        default="1,1.5,2",
        help_text=_("超过时限的倍数依次升级到 主管、经理、总部，如 1,1.5,2"),
    )
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("服务时限")
        verbose_name_plural = _("服务时限")

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict[str, Any]:
        return {"project_id": self.project_id}

    def multiples(self) -> list[float]:
        try:
            return [float(x) for x in self.escalate_multiples.replace("，", ",").split(",") if x.strip()]
        except ValueError:
            return [1.0, 1.5, 2.0]


class CalendarDay(models.Model):
    """A day that differs from the Mon-Fri rule: a public holiday, or a make-up workday (调休上班)."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    name = models.CharField(_("说明"), max_length=50, blank=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日安排")
        verbose_name_plural = _("节假日安排")

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_workday else '休息'} {self.name}"


class CalendarYear(models.Model):
    """Marks a year whose holiday schedule has been entered (else: weekends only, with a warning)."""

    year = models.PositiveSmallIntegerField(_("年份"), unique=True)
    source = models.CharField(_("来源"), max_length=50, default="chinese-calendar")

    class Meta:
        ordering = ["year"]
        verbose_name = _("节假日年份")
        verbose_name_plural = _("节假日年份")

    def __str__(self) -> str:
        return str(self.year)


class CaseSequence(models.Model):
    """The last number issued per prefix and day (TS + 20261122): numbers stay unique under concurrency."""

    prefix = models.CharField(max_length=4)
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prefix", "day"], name="case_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.prefix}{self.day:%Y%m%d}-{self.last:04d}"


class Case(models.Model):
    """A customer's matter (报事/工单): from intake to close. Changed only by tickets.services."""

    number = models.CharField(_("工单号"), max_length=30, unique=True)
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="cases", verbose_name=_("项目"))
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", verbose_name=_("分类")
    )
    channel = models.CharField(_("来源渠道"), max_length=20, choices=Channel.choices)
    priority = models.CharField(_("优先级"), max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    is_major = models.BooleanField(_("重大投诉"), default=False)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.NEW)
    status_since = models.DateTimeField(_("进入当前状态时间"), null=True, blank=True)
    wait_reason = models.CharField(_("挂起原因"), max_length=20, choices=WaitReason.choices, blank=True)

    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", verbose_name=_("客户")
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", verbose_name=_("房屋")
    )
    zone = models.ForeignKey(
        Zone, null=True, blank=True, on_delete=models.SET_NULL, related_name="cases", verbose_name=_("责任区域")
    )
    location = models.CharField(_("公共区域位置"), max_length=200, blank=True)
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    title = models.CharField(_("摘要"), max_length=200)
    description = models.TextField(_("详细描述"), blank=True)
    preferred_time = models.CharField(_("预约时间"), max_length=100, blank=True)

    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="cases", verbose_name=_("处理部门")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
        verbose_name=_("处理人"),
    )
    in_pool = models.BooleanField(_("抢单池"), default=False)
    required_by = models.DateTimeField(_("要求完成时间"), null=True, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("主工单")
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged", verbose_name=_("合并到")
    )

    sla_policy = models.ForeignKey(
        SlaPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("服务时限")
    )
    first_reply_due = models.DateTimeField(_("首次答复期限"), null=True, blank=True)
    first_replied_at = models.DateTimeField(_("首次答复时间"), null=True, blank=True)
    resolution_due = models.DateTimeField(_("办结期限"), null=True, blank=True)
    warn_at = models.DateTimeField(_("预警时间"), null=True, blank=True)
    paused_at = models.DateTimeField(_("挂起时间"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("升级级别"), default=0)
    first_contact_resolution = models.BooleanField(_("首问解决"), default=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="created_cases", verbose_name=_("受理人")
    )
    created_at = models.DateTimeField(_("受理时间"), db_index=True)
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["project", "status", "created_at"]),
            models.Index(fields=["assignee", "status"]),
            models.Index(fields=["department", "status"]),
            models.Index(fields=["project", "kind", "created_at"]),
            models.Index(fields=["unit", "category", "status"]),
            models.Index(fields=["zone", "status"]),
            models.Index(fields=["status", "resolution_due"]),
            models.Index(fields=["status", "first_reply_due"]),
            models.Index(fields=["status", "warn_at"]),
            models.Index(fields=["customer", "created_at"]),
            models.Index(fields=["status", "status_since"]),
            models.Index(fields=["resolved_at"]),
            models.Index(fields=["project", "resolved_at"]),
            # the workspace's newest-first list of one project: read in index order, stop after a page
            models.Index(fields=["project", "created_at", "id"]),
            # One kind in a few statuses (open repairs): counted and sorted in this index alone. Without it SQLite
            # walks every case of the kind, and sorts whole rows for head office's page.
            models.Index(fields=["kind", "status", "project", "created_at"]),
            # Almost every case has no parent: a partial index keeps the planner's statistics about work
            # orders true (the plain foreign-key index counts all the NULLs as one value and gets skipped).
            models.Index(fields=["parent"], condition=Q(parent__isnull=False), name="case_children_idx"),
        ]
        verbose_name = _("工单")
        verbose_name_plural = _("工单")

    def __str__(self) -> str:
        return self.number


class CaseEvent(models.Model):
    """One line of a case's timeline: every status change, comment, reply, escalation. Append-only."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events", verbose_name=_("工单"))
    kind = models.CharField(_("事件"), max_length=30)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    at = models.DateTimeField(_("时间"), db_index=True)
    from_status = models.CharField(_("原状态"), max_length=20, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, blank=True)
    body = models.TextField(_("内容"), blank=True)
    is_public = models.BooleanField(_("客户可见"), default=False)
    data = models.JSONField(_("数据"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["case", "at"]), models.Index(fields=["kind", "at"])]
        verbose_name = _("工单记录")
        verbose_name_plural = _("工单记录")

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("The case timeline is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("The case timeline is append-only")


class CaseLink(models.Model):
    """Related cases (关联工单)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links_out")
    other = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="links_in")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "other"], name="case_link_unique"),
            models.CheckConstraint(condition=~Q(case=models.F("other")), name="case_link_not_self"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} ↔ {self.other_id}"


def attachment_path(instance: Attachment, filename: str) -> str:
    return f"cases/{instance.case.created_at:%Y/%m}/{instance.case.number}/{filename}"


class Attachment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments", verbose_name=_("工单"))
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=300)
    name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小"))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    is_public = models.BooleanField(_("客户可见"), default=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.name

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class IdempotencyKey(models.Model):
    """A creating API request's key: the same key and body return the first result."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=100)
    request_hash = models.CharField(max_length=64)
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique")]

    def __str__(self) -> str:
        return self.key


class Escalation(models.Model):
    """One escalation or warning of one case: unique, so a restart or a second worker never repeats it."""

    class Target(models.TextChoices):
        FIRST_REPLY = "first_reply", _("首次答复")
        RESOLUTION = "resolution", _("办结")
        MAJOR = "major", _("重大投诉")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="escalations")
    target = models.CharField(max_length=20, choices=Target.choices)
    level = models.PositiveSmallIntegerField(help_text="0 = warning before the deadline; 1.. = escalation levels")
    at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "target", "level"], name="escalation_once_per_level")]

    def __str__(self) -> str:
        return f"{self.case_id} {self.target} L{self.level}"


class SearchDocument(models.Model):
    """The case's text (title, description, comments) segmented by jieba into space-separated words,
    for full-text search (SQLite FTS5 / PostgreSQL tsvector, see search.py)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, primary_key=True, related_name="search_doc")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    words = models.TextField()

    def __str__(self) -> str:
        return str(self.case_id)
