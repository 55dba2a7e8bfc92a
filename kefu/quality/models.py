"""Quality control (质控): review and sampling on one QC sheet, the error taxonomy, stage times taken from
the timeline, stuck-item thresholds, daily reconciliation and scorecard weights.

Every figure is computed from the case timeline (tickets.CaseEvent, summarised in StageTime as it is
written) and from these QC records; nothing is typed in."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.org.models import Department, Project
from kefu.tickets.models import Case, CaseEvent, Category
from kefu.tickets.states import Channel, Kind


class Stage(models.TextChoices):
    """The stations a case passes, each measured from the event that starts it to the one that ends it."""

    DISPATCH = "dispatch", _("受理→派单")
    ACCEPT = "accept", _("派单→接单")
    HANDLE = "handle", _("接单→办结")
    FIRST_REPLY = "first_reply", _("受理→首次答复")
    VISIT = "visit", _("办结→回访")
    CLOSE = "close", _("回访→关闭")


class ErrorPoint(models.Model):
    """差错点: the taxonomy managers edit (shared, or a project's own)."""

    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.CASCADE, related_name="error_points", verbose_name=_("项目")
    )
    code = models.CharField(_("编码"), max_length=20)
    name = models.CharField(_("差错点"), max_length=100)
    stage = models.CharField(_("环节"), max_length=20, choices=Stage.choices, blank=True)
    fatal = models.BooleanField(_("默认为致命差错"), default=False)
    is_active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["sort", "code"]
        constraints = [
            models.UniqueConstraint(fields=["code"], condition=Q(project__isnull=True), name="error_point_shared_code"),
            models.UniqueConstraint(
                fields=["project", "code"], condition=Q(project__isnull=False), name="error_point_project_code"
            ),
        ]
        verbose_name = _("差错点")
        verbose_name_plural = _("差错点")

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict[str, Any]:
        return {"project_id": self.project_id}


class ReviewPolicy(models.Model):
    """Whether replies or closures of a kind (or category) need review (复核): all, a share, or none."""

    class Target(models.TextChoices):
        REPLY = "reply", _("答复")
        CLOSURE = "closure", _("关闭")

    class Mode(models.TextChoices):
        ALL = "all", _("全部复核")
        SHARE = "share", _("按比例复核")
        NONE = "none", _("不复核")

    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.CASCADE, related_name="review_policies", verbose_name=_("项目")
    )
    target = models.CharField(_("复核对象"), max_length=10, choices=Target.choices)
    kind = models.CharField(_("工单类型"), max_length=20, choices=Kind.choices)
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("分类")
    )
    mode = models.CharField(_("方式"), max_length=10, choices=Mode.choices, default=Mode.ALL)
    share_percent = models.PositiveSmallIntegerField(_("复核比例(%)"), default=100)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        ordering = ["target", "kind", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(share_percent__gte=0, share_percent__lte=100), name="review_policy_share"
            ),
        ]
        verbose_name = _("复核规则")
        verbose_name_plural = _("复核规则")

    def __str__(self) -> str:
        return f"{self.get_target_display()} {Kind(self.kind).label} {self.get_mode_display()}"

    def get_additional_data(self) -> dict[str, Any]:
        return {"project_id": self.project_id}


class SamplingPlan(models.Model):
    """抽检: a share of, or N per operator per week of, closed cases or return visits, drawn at random
    (reproducibly: each draw stores its seed) and given to QC staff."""

    class Target(models.TextChoices):
        CLOSED_CASES = "closed_cases", _("已关闭工单")
        VISITS = "visits", _("回访记录")

    class Mode(models.TextChoices):
        SHARE = "share", _("按比例")
        PER_OPERATOR = "per_operator", _("每人每周N件")

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="sampling_plans", verbose_name=_("项目")
    )
    name = models.CharField(_("名称"), max_length=100)
    target = models.CharField(_("抽检对象"), max_length=20, choices=Target.choices)
    mode = models.CharField(_("方式"), max_length=20, choices=Mode.choices, default=Mode.SHARE)
    share_percent = models.PositiveSmallIntegerField(_("抽检比例(%)"), default=10)
    per_operator = models.PositiveSmallIntegerField(_("每人每周件数"), default=3)
    kind = models.CharField(_("工单类型"), max_length=20, choices=Kind.choices, blank=True)
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="sampling_plans", verbose_name=_("质检员")
    )
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"))

    class Meta:
        ordering = ["project", "name"]
        verbose_name = _("抽检方案")
        verbose_name_plural = _("抽检方案")

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict[str, Any]:
        return {"project_id": self.project_id}


class SamplingDraw(models.Model):
    """One draw of a plan for a period: the seed and the population size, so it can be reproduced."""

    plan = models.ForeignKey(SamplingPlan, on_delete=models.PROTECT, related_name="draws", verbose_name=_("抽检方案"))
    period_start = models.DateField(_("开始日期"))
    period_end = models.DateField(_("结束日期"))
    seed = models.BigIntegerField(_("随机种子"))
    population = models.PositiveIntegerField(_("总体数量"))
    drawn = models.PositiveIntegerField(_("抽取数量"))
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField(_("抽取时间"))

    class Meta:
        ordering = ["-drawn_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "period_start", "period_end"], name="sampling_draw_once"),
        ]
        verbose_name = _("抽检批次")
        verbose_name_plural = _("抽检批次")

    def __str__(self) -> str:
        return f"{self.plan} {self.period_start}~{self.period_end}"


class Check(models.Model):
    """One line of the QC sheet (质检表): a reviewed reply or closure, or a sampled case or visit."""

    class Source(models.TextChoices):
        REVIEW = "review", _("复核")
        SAMPLING = "sampling", _("抽检")

    class Subject(models.TextChoices):
        REPLY = "reply", _("答复")
        CLOSURE = "closure", _("关闭")
        CASE = "case", _("工单")
        VISIT = "visit", _("回访")

    class Status(models.TextChoices):
        PENDING = "pending", _("待检查")
        PASSED = "passed", _("通过")
        RETURNED = "returned", _("退回修改")
        CORRECTED = "corrected", _("已修改待复查")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="qc_checks", verbose_name=_("项目"))
    source = models.CharField(_("来源"), max_length=10, choices=Source.choices)
    subject = models.CharField(_("检查对象"), max_length=10, choices=Subject.choices)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="qc_checks", verbose_name=_("工单"))
    event = models.ForeignKey(
        CaseEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("答复记录")
    )
    visit = models.ForeignKey(
        "visits.ReturnVisit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="qc_checks",
        verbose_name=_("回访"),
    )
    draw = models.ForeignKey(
        SamplingDraw, null=True, blank=True, on_delete=models.PROTECT, related_name="checks", verbose_name=_("抽检批次")
    )
    stage = models.CharField(_("环节"), max_length=20, choices=Stage.choices, blank=True)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("部门")
    )
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="qc_checks_as_operator",
        verbose_name=_("经办人"),
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="qc_checks_as_reviewer",
        verbose_name=_("检查人"),
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    content_checked = models.CharField(_("检查内容"), max_length=200, blank=True)
    quantity_checked = models.PositiveIntegerField(_("检查数量"), default=1)
    note = models.TextField(_("检查意见"), blank=True)
    rounds = models.PositiveSmallIntegerField(_("检查轮次"), default=0)
    created_at = models.DateTimeField(_("生成时间"), db_index=True)
    checked_at = models.DateTimeField(_("检查时间"), null=True, blank=True)  # the first pass or return
    corrected_at = models.DateTimeField(_("修改时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["project", "status", "created_at"]),
            models.Index(fields=["reviewer", "status"]),
            models.Index(fields=["operator", "checked_at"]),
            models.Index(fields=["project", "checked_at"]),
        ]
        constraints = [
            # A reply or closure is reviewed once; a case or visit is sampled once per draw.
            models.UniqueConstraint(fields=["event"], condition=Q(event__isnull=False), name="qc_check_once_per_event"),
            models.UniqueConstraint(
                fields=["case", "subject"],
                condition=Q(source="review", subject="closure"),
                name="qc_review_closure_once",
            ),
            models.UniqueConstraint(
                fields=["draw", "case", "visit"], condition=Q(draw__isnull=False), name="qc_sample_once_per_draw"
            ),
        ]
        verbose_name = _("质检记录")
        verbose_name_plural = _("质检表")

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.case_id}"

    def get_additional_data(self) -> dict[str, Any]:
        return {"project_id": self.project_id}


class CheckError(models.Model):
    """An error found on a check: the point, fatal or not, its cause and whose it was."""

    check_item = models.ForeignKey(Check, on_delete=models.CASCADE, related_name="errors", verbose_name=_("质检记录"))
    point = models.ForeignKey(ErrorPoint, on_delete=models.PROTECT, related_name="+", verbose_name=_("差错点"))
    fatal = models.BooleanField(_("致命差错"), default=False)
    cause = models.CharField(_("差错原因"), max_length=300)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("责任人"),
    )
    stage = models.CharField(_("环节"), max_length=20, choices=Stage.choices, blank=True)
    at = models.DateTimeField(_("记录时间"))

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["operator", "at"]), models.Index(fields=["stage", "at"])]
        verbose_name = _("差错")
        verbose_name_plural = _("差错")

    def __str__(self) -> str:
        return f"{self.point} {'致命' if self.fatal else ''}"


class StageTime(models.Model):
    """How long one stage of one case took: written as the event that ends the stage is written."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="stage_times")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=20, choices=Stage.choices)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    channel = models.CharField(max_length=20, choices=Channel.choices)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField()
    seconds = models.PositiveIntegerField()
    end_event = models.OneToOneField(CaseEvent, null=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [
            models.Index(fields=["project", "stage", "ended_at"]),
            models.Index(fields=["operator", "stage", "ended_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.stage} {self.seconds}s"


class StuckThreshold(models.Model):
    """How long an item may stay in a status before it counts as stuck (滞留)."""

    class Item(models.TextChoices):
        NEW = "new", _("待派单")
        DISPATCHED = "dispatched", _("已派单待接单")
        ACCEPTED = "accepted", _("已接单未处理")
        IN_PROGRESS = "in_progress", _("处理中")
        WAITING = "waiting", _("挂起")
        RESOLVED = "resolved", _("已办结待回访")
        QC = "qc", _("待质检")

    project = models.ForeignKey(
        Project,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="stuck_thresholds",
        verbose_name=_("项目"),
    )
    item = models.CharField(_("环节"), max_length=20, choices=Item.choices)
    hours = models.PositiveIntegerField(_("滞留阈值(小时)"))

    class Meta:
        ordering = ["item"]
        constraints = [
            models.UniqueConstraint(fields=["item"], condition=Q(project__isnull=True), name="stuck_shared_item"),
            models.UniqueConstraint(
                fields=["project", "item"], condition=Q(project__isnull=False), name="stuck_project_item"
            ),
        ]
        verbose_name = _("滞留阈值")
        verbose_name_plural = _("滞留阈值")

    def __str__(self) -> str:
        return f"{self.get_item_display()} {self.hours}h"


class Reconciliation(models.Model):
    """日结: one day of one project and channel. opening + new + reopened − finished = closing, checked against
    the cases' own statuses; a mismatch is an error to explain, not hidden. A supervisor signs the day off."""

    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="reconciliations", verbose_name=_("项目")
    )
    channel = models.CharField(_("渠道"), max_length=20, choices=Channel.choices)
    day = models.DateField(_("日期"))
    opening = models.IntegerField(_("期初在办"))
    new = models.IntegerField(_("新增"))
    reopened = models.IntegerField(_("重新打开"))
    finished = models.IntegerField(_("办结/关闭/取消"))
    closing = models.IntegerField(_("期末在办(推算)"))
    closing_actual = models.IntegerField(_("期末在办(实际)"))
    state_new = models.IntegerField(_("待派单"))
    state_in_progress = models.IntegerField(_("处理中"))
    state_waiting = models.IntegerField(_("挂起/等待他方"))
    state_resolved = models.IntegerField(_("已办结待回访"))
    closed_today = models.IntegerField(_("当日关闭"))
    states = models.JSONField(_("日末各状态数量"), default=dict)
    mismatch = models.BooleanField(_("不平"), default=False)
    computed_at = models.DateTimeField(_("计算时间"))
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("签核人"),
    )
    signed_off_at = models.DateTimeField(_("签核时间"), null=True, blank=True)
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        ordering = ["-day", "project", "channel"]
        constraints = [
            models.UniqueConstraint(fields=["project", "channel", "day"], name="reconciliation_once_per_day"),
        ]
        indexes = [models.Index(fields=["project", "day"])]
        verbose_name = _("日结")
        verbose_name_plural = _("日结")

    def __str__(self) -> str:
        return f"{self.project_id} {self.channel} {self.day}"


class ScorecardWeights(models.Model):
    """The weights a manager sets for the monthly staff scorecard (绩效); they sum to 100."""

    project = models.OneToOneField(
        Project, on_delete=models.CASCADE, related_name="scorecard_weights", verbose_name=_("项目")
    )
    workload = models.PositiveSmallIntegerField(_("工作量"), default=20)
    first_reply_on_time = models.PositiveSmallIntegerField(_("首次答复及时率"), default=15)
    resolution_on_time = models.PositiveSmallIntegerField(_("办结及时率"), default=15)
    first_contact_resolution = models.PositiveSmallIntegerField(_("首问解决率"), default=10)
    satisfaction = models.PositiveSmallIntegerField(_("满意度"), default=20)
    accuracy = models.PositiveSmallIntegerField(_("准确率(1-差错率)"), default=15)
    visits_done = models.PositiveSmallIntegerField(_("回访完成量"), default=5)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    FIELDS = (
        "workload",
        "first_reply_on_time",
        "resolution_on_time",
        "first_contact_resolution",
        "satisfaction",
        "accuracy",
        "visits_done",
    )

    class Meta:
        verbose_name = _("绩效权重")
        verbose_name_plural = _("绩效权重")

    def __str__(self) -> str:
        return f"{self.project_id}"

    def get_additional_data(self) -> dict[str, Any]:
        return {"project_id": self.project_id}


class DailyJob(models.Model):
    """Marks a once-a-day job as done for a day (the nightly reconciliation, the stuck-item digest), so a
    restarted or second scheduler does not run it again."""

    name = models.CharField(max_length=50)
    day = models.DateField()
    done_at = models.DateTimeField()
    result = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "day"], name="daily_job_once")]

    def __str__(self) -> str:
        return f"{self.name} {self.day}"


class CheckLog(models.Model):
    """One step of a check's life (queued or drawn, passed, returned with errors, corrected): append-only,
    so the sheet's history shows who did what and when in every round."""

    class Kind(models.TextChoices):
        CREATED = "created", _("生成")
        PASSED = "passed", _("检查通过")
        RETURNED = "returned", _("退回修改")
        CORRECTED = "corrected", _("经办人已修改")

    check_item = models.ForeignKey(Check, on_delete=models.CASCADE, related_name="log", verbose_name=_("质检记录"))
    kind = models.CharField(_("步骤"), max_length=10, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    at = models.DateTimeField(_("时间"))
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("质检过程")
        verbose_name_plural = _("质检过程")

    def __str__(self) -> str:
        return f"{self.check_item_id} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise RuntimeError("The check log is append-only")
        super().save(*args, **kwargs)
