"""Return visits (回访): the call-back after a resolved case, planned visits to a share of a zone's
households, and the follow-up of dissatisfied survey respondents. Changed only by visits.services."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.customers.models import Building, Customer, Unit
from kefu.org.models import Project, Zone
from kefu.tickets.models import Case, Category
from kefu.tickets.states import Kind

# A score at or below this is "dissatisfied": the case goes back for rework and is escalated.
DISSATISFIED_MAX = 2
# Satisfied (CSAT) means a score of at least this.
SATISFIED_MIN = 4


class Score(models.IntegerChoices):
    VERY_DISSATISFIED = 1, _("非常不满意")
    DISSATISFIED = 2, _("不满意")
    NEUTRAL = 3, _("基本满意")
    SATISFIED = 4, _("满意")
    VERY_SATISFIED = 5, _("非常满意")


class FindingCategory(models.TextChoices):
    """How findings of planned visits are classified (the sources' list)."""

    ATTITUDE = "attitude", _("服务态度")
    CIVIL = "civil", _("土建")
    PLUMBING = "plumbing", _("给排水")
    ELECTRICAL = "electrical", _("电气")
    SMART = "smart", _("智能化系统")
    SECURITY_PARKING = "security_parking", _("秩序与停车")
    CLEANING_GREENERY = "cleaning_greenery", _("保洁与绿化")
    OTHER = "other", _("其他")


class DissatisfactionReason(models.TextChoices):
    ATTITUDE = "attitude", _("服务态度差")
    SLOW = "slow", _("处理不及时")
    QUALITY = "quality", _("维修/处理质量差")
    UNSOLVED = "unsolved", _("问题未解决")
    FEE = "fee", _("收费问题")
    OTHER = "other", _("其他")


class VisitPolicy(models.Model):
    """Whether a resolved case gets a return visit, who makes it and by when. The most specific wins:
    a project's own rule before a shared one, a category rule before a kind rule."""

    class Rule(models.TextChoices):
        ALWAYS = "always", _("全部回访")
        UNLESS_RATED = "unless_rated", _("客户未评价时回访")
        NEVER = "never", _("不回访")

    class AssignTo(models.TextChoices):
        STEWARD = "steward", _("所在区域管家")
        COMPLAINT_OFFICER = "complaint_officer", _("投诉专员")

    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.CASCADE, related_name="visit_policies", verbose_name=_("项目")
    )
    kind = models.CharField(_("工单类型"), max_length=20, choices=Kind.choices)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("分类")
    )
    rule = models.CharField(_("回访规则"), max_length=20, choices=Rule.choices, default=Rule.ALWAYS)
    assign_to = models.CharField(_("回访人"), max_length=20, choices=AssignTo.choices, default=AssignTo.STEWARD)
    due_hours = models.PositiveIntegerField(_("回访时限(小时)"), default=48)
    max_attempts = models.PositiveSmallIntegerField(_("未接通最多拨打次数"), default=3)
    retry_hours = models.PositiveSmallIntegerField(_("重拨间隔(小时)"), default=4)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["kind", "pk"]
        # One policy per scope (shared or project) and kind (or category); NULLs are spelt out for SQLite.
        constraints = [
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(project__isnull=True, category__isnull=True),
                name="visit_policy_shared_kind",
            ),
            models.UniqueConstraint(
                fields=["kind", "category"],
                condition=Q(project__isnull=True, category__isnull=False),
                name="visit_policy_shared_category",
            ),
            models.UniqueConstraint(
                fields=["project", "kind"],
                condition=Q(project__isnull=False, category__isnull=True),
                name="visit_policy_project_kind",
            ),
            models.UniqueConstraint(
                fields=["project", "kind", "category"],
                condition=Q(project__isnull=False, category__isnull=False),
                name="visit_policy_project_category",
            ),
        ]
        verbose_name = _("回访规则")
        verbose_name_plural = _("回访规则")

    def __str__(self) -> str:
        return f"{Kind(self.kind).label} {self.category or ''} {self.get_rule_display()}"

    def get_additional_data(self) -> dict[str, Any]:
        return {"project_id": self.project_id}


class VisitScript(models.Model):
    """回访标准用语: a script with placeholders such as {客户称呼} and {工单摘要} (see scripts.py)."""

    class Purpose(models.TextChoices):
        CASE = "case", _("工单回访")
        PLAN = "plan", _("计划走访")
        SURVEY = "survey", _("满意度跟进")

    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.CASCADE, related_name="visit_scripts", verbose_name=_("项目")
    )
    purpose = models.CharField(_("用途"), max_length=10, choices=Purpose.choices, default=Purpose.CASE)
    kind = models.CharField(_("工单类型"), max_length=20, choices=Kind.choices, blank=True)
    name = models.CharField(_("名称"), max_length=50)
    body = models.TextField(_("话术"))
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["purpose", "kind", "pk"]
        verbose_name = _("回访标准用语")
        verbose_name_plural = _("回访标准用语")

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict[str, Any]:
        return {"project_id": self.project_id}


class VisitPlan(models.Model):
    """A zone's planned visits for a period: a share of its households, spread across buildings, none
    visited under the zone's plans of the previous `exclude_periods` periods."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("执行中")
        CLOSED = "closed", _("已结束")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="visit_plans", verbose_name=_("项目"))
    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="visit_plans", verbose_name=_("责任区域"))
    name = models.CharField(_("计划名称"), max_length=100)
    period_start = models.DateField(_("开始日期"))
    period_end = models.DateField(_("结束日期"))
    share_percent = models.PositiveSmallIntegerField(_("走访比例(%)"), default=25)
    exclude_periods = models.PositiveSmallIntegerField(_("排除前几期已走访"), default=3)
    seed = models.BigIntegerField(_("抽样种子"))
    steward = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visit_plans",
        verbose_name=_("管家"),
    )
    households = models.PositiveIntegerField(_("区域户数"), default=0)
    planned = models.PositiveIntegerField(_("计划户数"), default=0)
    excluded = models.PositiveIntegerField(_("前期已走访排除户数"), default=0)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        ordering = ["-period_start", "zone"]
        constraints = [
            models.UniqueConstraint(fields=["zone", "period_start"], name="visit_plan_one_per_zone_period"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="visit_plan_period"),
            models.CheckConstraint(
                condition=Q(share_percent__gte=1, share_percent__lte=100), name="visit_plan_share_range"
            ),
        ]
        verbose_name = _("走访计划")
        verbose_name_plural = _("走访计划")

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict[str, Any]:
        return {"project_id": self.project_id}


class ReturnVisit(models.Model):
    """One visit task: a call-back after a case, a planned household visit, or a survey follow-up."""

    class Source(models.TextChoices):
        CASE = "case", _("工单回访")
        PLAN = "plan", _("计划走访")
        SURVEY = "survey", _("满意度跟进")

    class Status(models.TextChoices):
        PENDING = "pending", _("待回访")
        DONE = "done", _("已回访")
        UNREACHABLE = "unreachable", _("无法联系")
        REFUSED = "refused", _("拒绝回访")
        CANCELLED = "cancelled", _("已取消")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="return_visits", verbose_name=_("项目"))
    zone = models.ForeignKey(
        Zone, null=True, blank=True, on_delete=models.SET_NULL, related_name="return_visits", verbose_name=_("责任区域")
    )
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="return_visits", verbose_name=_("工单")
    )
    plan = models.ForeignKey(
        VisitPlan, null=True, blank=True, on_delete=models.PROTECT, related_name="visits", verbose_name=_("走访计划")
    )
    survey_response = models.ForeignKey(
        "surveys.Response",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="follow_ups",
        verbose_name=_("调查答卷"),
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="return_visits", verbose_name=_("房屋")
    )
    building = models.ForeignKey(
        Building, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("楼栋")
    )
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="return_visits", verbose_name=_("客户")
    )
    contact_name = models.CharField(_("联系人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    # Who handled the case and in which department, when it was resolved (what satisfaction is counted for).
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("处理人"),
    )
    department = models.ForeignKey(
        "org.Department",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("处理部门"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="return_visits",
        verbose_name=_("回访人"),
    )
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices, default=Status.PENDING)
    due_at = models.DateTimeField(_("回访期限"))
    next_attempt_at = models.DateTimeField(_("下次拨打时间"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("未接通次数"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("最多拨打次数"), default=3)
    retry_hours = models.PositiveSmallIntegerField(_("重拨间隔(小时)"), default=4)

    # The result (when reached)
    score = models.PositiveSmallIntegerField(_("满意度"), null=True, blank=True, choices=Score.choices)
    solved = models.BooleanField(_("问题是否解决"), null=True, blank=True)
    customer_words = models.TextField(_("客户意见"), blank=True)
    reason = models.CharField(_("不满意原因"), max_length=20, choices=DissatisfactionReason.choices, blank=True)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("实际回访人"),
    )
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审核人"),
    )
    signed_off_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("生成时间"), db_index=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [
            models.Index(fields=["project", "status", "due_at"]),
            models.Index(fields=["assignee", "status", "due_at"]),
            models.Index(fields=["zone", "status"]),
            models.Index(fields=["plan", "status"]),
            models.Index(fields=["project", "completed_at"]),
            models.Index(fields=["unit", "source"]),
            # the month's completed visits of every project (head office's dashboard and reports), and one
            # project's visits by the time they were created (docs/performance.md)
            models.Index(fields=["status", "completed_at"]),
            models.Index(fields=["project", "created_at"]),
        ]
        constraints = [
            # At most one open call-back per case; one visit per household per plan.
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="pending", case__isnull=False), name="visit_one_pending_per_case"
            ),
            models.UniqueConstraint(
                fields=["plan", "unit"], condition=Q(plan__isnull=False), name="visit_one_per_plan_unit"
            ),
        ]
        verbose_name = _("回访任务")
        verbose_name_plural = _("回访任务")

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.case or self.unit or ''}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def is_dissatisfied(self) -> bool:
        return self.score is not None and self.score <= DISSATISFIED_MAX


class VisitAttempt(models.Model):
    """One call or knock: append-only."""

    class Outcome(models.TextChoices):
        REACHED = "reached", _("已接通")
        NO_ANSWER = "no_answer", _("无人接听")
        WRONG_NUMBER = "wrong_number", _("号码错误")
        REFUSED = "refused", _("拒绝回访")
        CALLBACK = "callback", _("约定再回电")

    visit = models.ForeignKey(ReturnVisit, on_delete=models.PROTECT, related_name="attempt_log", verbose_name=_("回访"))
    outcome = models.CharField(_("结果"), max_length=20, choices=Outcome.choices)
    at = models.DateTimeField(_("时间"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("回访人")
    )
    note = models.CharField(_("备注"), max_length=500, blank=True)
    callback_at = models.DateTimeField(_("约定回电时间"), null=True, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("回访记录")
        verbose_name_plural = _("回访记录")

    def __str__(self) -> str:
        return f"{self.visit_id} {self.outcome}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("Visit attempts are append-only")
        super().save(*args, **kwargs)


class VisitFinding(models.Model):
    """Something a planned visit found: classified, and turned into a case in one step."""

    visit = models.ForeignKey(ReturnVisit, on_delete=models.PROTECT, related_name="findings", verbose_name=_("走访"))
    category = models.CharField(_("问题分类"), max_length=20, choices=FindingCategory.choices)
    description = models.TextField(_("问题描述"))
    case = models.OneToOneField(
        Case, null=True, blank=True, on_delete=models.PROTECT, related_name="visit_finding", verbose_name=_("转工单")
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("记录时间"))

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("走访发现问题")
        verbose_name_plural = _("走访发现问题")

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.description[:30]}"


class CustomerRating(models.Model):
    """The customer's own rating of a resolved case (from the portal); with policy "unless rated" it
    stands in for the call-back. One per resolution: a reworked case can be rated again."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("工单"))
    score = models.PositiveSmallIntegerField(_("满意度"), choices=Score.choices)
    comment = models.TextField(_("评价"), blank=True)
    solved = models.BooleanField(_("问题是否解决"), default=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("评价时间"))

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("客户评价")
        verbose_name_plural = _("客户评价")

    def __str__(self) -> str:
        return f"{self.case_id} {self.score}"
