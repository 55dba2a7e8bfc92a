"""Satisfaction surveys (满意度调查): campaigns with a questionnaire, a sample of households, and their
answers, given by phone through staff or by the customer in the portal. Changed only by surveys.services;
every figure is computed by surveys.selectors with the formulas in docs/visits.md."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.customers.models import Building, Customer, Unit
from kefu.org.models import Project, Zone


class Survey(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        OPEN = "open", _("进行中")
        CLOSED = "closed", _("已结束")

    class Sample(models.TextChoices):
        ALL = "all", _("全部住户")
        SHARE = "share", _("按比例抽样")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="surveys", verbose_name=_("项目"))
    name = models.CharField(_("调查名称"), max_length=100)
    intro = models.TextField(_("开场白"), blank=True)
    period_start = models.DateField(_("开始日期"))
    period_end = models.DateField(_("结束日期"))
    sample = models.CharField(_("调查对象"), max_length=10, choices=Sample.choices, default=Sample.ALL)
    share_percent = models.PositiveSmallIntegerField(_("抽样比例(%)"), default=100)
    seed = models.BigIntegerField(_("抽样种子"), default=0)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"))
    opened_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-period_start", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="survey_period"),
            models.CheckConstraint(condition=Q(share_percent__gte=1, share_percent__lte=100), name="survey_share"),
        ]
        verbose_name = _("满意度调查")
        verbose_name_plural = _("满意度调查")

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict[str, Any]:
        return {"project_id": self.project_id}


class Question(models.Model):
    class Kind(models.TextChoices):
        RATING = "rating", _("分项评分(1-5)")
        OVERALL = "overall", _("总体满意度(1-5)")
        NPS = "nps", _("推荐意愿(0-10)")
        TEXT = "text", _("意见建议")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions", verbose_name=_("调查"))
    order = models.PositiveSmallIntegerField(_("序号"))
    kind = models.CharField(_("题型"), max_length=10, choices=Kind.choices)
    dimension = models.CharField(
        _("维度"), max_length=30, blank=True, help_text=_("分项评分的服务维度，如 客服接待、工程维修")
    )
    text = models.CharField(_("题目"), max_length=200)
    required = models.BooleanField(_("必答"), default=True)

    class Meta:
        ordering = ["survey", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["survey", "order"], name="question_order_unique")]
        verbose_name = _("调查题目")
        verbose_name_plural = _("调查题目")

    def __str__(self) -> str:
        return self.text

    @property
    def max_score(self) -> int:
        return 10 if self.kind == self.Kind.NPS else 5

    @property
    def min_score(self) -> int:
        return 0 if self.kind == self.Kind.NPS else 1


class Response(models.Model):
    """One sampled household's questionnaire: invited when the survey opens, answered once."""

    class Status(models.TextChoices):
        PENDING = "pending", _("未答")
        ANSWERED = "answered", _("已答")
        DECLINED = "declined", _("拒答")

    class Channel(models.TextChoices):
        PHONE = "phone", _("电话访问")
        VISIT = "visit", _("上门访问")
        PORTAL = "portal", _("微物业")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses", verbose_name=_("调查"))
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+", verbose_name=_("项目"))
    zone = models.ForeignKey(
        Zone, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("责任区域")
    )
    building = models.ForeignKey(Building, on_delete=models.PROTECT, related_name="+", verbose_name=_("楼栋"))
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="survey_responses", verbose_name=_("房屋"))
    customer = models.ForeignKey(
        Customer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="survey_responses",
        verbose_name=_("客户"),
    )
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.PENDING)
    channel = models.CharField(_("方式"), max_length=10, choices=Channel.choices, blank=True)
    overall = models.PositiveSmallIntegerField(_("总体满意度"), null=True, blank=True)
    answered_at = models.DateTimeField(_("回答时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("访问人/答卷人"),
    )

    class Meta:
        ordering = ["survey", "unit"]
        constraints = [models.UniqueConstraint(fields=["survey", "unit"], name="survey_response_one_per_unit")]
        indexes = [
            models.Index(fields=["survey", "status"]),
            models.Index(fields=["survey", "zone", "status"]),
            models.Index(fields=["customer", "status"]),
        ]
        verbose_name = _("调查答卷")
        verbose_name_plural = _("调查答卷")

    def __str__(self) -> str:
        return f"{self.survey_id} {self.unit_id}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers", verbose_name=_("答卷"))
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers", verbose_name=_("题目"))
    score = models.PositiveSmallIntegerField(_("分数"), null=True, blank=True)
    text = models.TextField(_("文字"), blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="answer_once_per_question")]
        indexes = [models.Index(fields=["question", "score"])]
        verbose_name = _("答案")
        verbose_name_plural = _("答案")

    def __str__(self) -> str:
        return f"{self.question_id}={self.score if self.score is not None else self.text[:20]}"
