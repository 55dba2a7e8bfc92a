"""The knowledge base: the FAQ for customers (答客问), standard phrases and scripts for staff (服务用语/话术) and
canned replies with placeholders (常用回复).

Each row is either shared by all projects (project = NULL) or a project's own. A canned reply may also be
personal (owner set): only its owner sees and edits it. The `search_*` columns hold the text cut into words
by jieba (see search.py); the services keep them current.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kefu.org.models import Project

# Suggested FAQ categories of a residential estate. They are data (stored as typed, like tag names), not UI
# text, so they are not translated; other kinds of project use their own.
FAQ_CATEGORIES = ["物业费", "报修", "装修", "停车", "门禁", "入住", "公共设施", "安全", "环境", "其他"]


class FaqArticle(models.Model):
    """答客问: a question customers ask and the standard answer."""

    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.CASCADE, related_name="faq_articles", verbose_name=_("项目")
    )
    category = models.CharField(_("分类"), max_length=20)
    question = models.CharField(_("问题"), max_length=200)
    answer = models.TextField(_("解答"))
    keywords = models.CharField(_("关键词"), max_length=200, blank=True)
    is_published = models.BooleanField(_("发布"), default=True)
    sort = models.IntegerField(_("排序"), default=0)
    view_count = models.PositiveIntegerField(_("阅读次数"), default=0)
    search_question = models.TextField(editable=False, blank=True)
    search_keywords = models.TextField(editable=False, blank=True)
    search_answer = models.TextField(editable=False, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("创建人")
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("更新人")
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["sort", "pk"]
        indexes = [models.Index(fields=["project", "is_published", "category"])]
        verbose_name = _("答客问")
        verbose_name_plural = _("答客问")

    def __str__(self) -> str:
        return self.question

    def get_additional_data(self) -> dict[str, Any]:
        return {"project_id": self.project_id}


class Phrase(models.Model):
    """服务用语/话术: a standard text the staff say or write in a given scene."""

    class Scene(models.TextChoices):
        GREETING = "greeting", _("接听问候")
        INTAKE = "intake", _("报修受理")
        SOOTHING = "soothing", _("投诉安抚")
        WAITING = "waiting", _("请客户稍候")
        REFUSAL = "refusal", _("婉拒与转介")
        VISIT = "visit", _("回访")
        ARREARS = "arrears", _("催缴")
        CLOSING = "closing", _("结束语")
        OTHER = "other", _("其他")

    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.CASCADE, related_name="phrases", verbose_name=_("项目")
    )
    scene = models.CharField(_("场景"), max_length=20, choices=Scene.choices)
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("内容"))
    sort = models.IntegerField(_("排序"), default=0)
    search_title = models.TextField(editable=False, blank=True)
    search_body = models.TextField(editable=False, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("更新人")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["scene", "sort", "pk"]
        verbose_name = _("服务用语")
        verbose_name_plural = _("服务用语")

    def __str__(self) -> str:
        return self.title

    def get_additional_data(self) -> dict[str, Any]:
        return {"project_id": self.project_id}


class CannedReply(models.Model):
    """常用回复: a reply with placeholders such as {客户称呼} and {工单号}, filled in for a case (placeholders.py).

    Personal (owner set, project NULL): only the owner sees it. Shared (owner NULL): all projects
    (project NULL) or one project's staff.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="canned_replies",
        verbose_name=_("所有人"),
    )
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.CASCADE, related_name="canned_replies", verbose_name=_("项目")
    )
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("回复内容"))
    sort = models.IntegerField(_("排序"), default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("更新人")
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        ordering = ["sort", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner__isnull=True) | Q(project__isnull=True), name="kb_canned_personal_not_in_project"
            )
        ]
        verbose_name = _("常用回复")
        verbose_name_plural = _("常用回复")

    def __str__(self) -> str:
        return self.title

    @property
    def is_personal(self) -> bool:
        return self.owner_id is not None

    def get_additional_data(self) -> dict[str, Any]:
        return {"project_id": self.project_id}
