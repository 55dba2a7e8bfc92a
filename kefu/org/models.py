from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .roles import Role


class User(AbstractUser):
    """Anyone who logs in: staff in the console, customers in the portal."""

    class Kind(models.TextChoices):
        STAFF = "staff", _("员工")
        CUSTOMER = "customer", _("客户")

    name = models.CharField(_("姓名"), max_length=50, blank=True)
    mobile = models.CharField(_("手机"), max_length=20, blank=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices, default=Kind.STAFF)
    employee_no = models.CharField(_("工号"), max_length=30, blank=True)
    on_duty = models.BooleanField(_("在岗"), default=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.name or self.username

    @property
    def display_name(self) -> str:
        return self.name or self.username


class Project(models.Model):
    class Kind(models.TextChoices):
        RESIDENTIAL = "residential", _("住宅小区")
        OFFICE = "office", _("写字楼")
        CALL_CENTRE = "call_centre", _("呼叫中心")
        AFTER_SALES = "after_sales", _("售后服务")
        INSURANCE = "insurance", _("保单服务")

    code = models.CharField(_("项目编码"), max_length=20, unique=True)
    name = models.CharField(_("项目名称"), max_length=100)
    kind = models.CharField(_("项目类型"), max_length=20, choices=Kind.choices, default=Kind.RESIDENTIAL)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("服务电话"), max_length=30, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("项目")
        verbose_name_plural = _("项目")

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict[str, Any]:
        return {"project_id": self.pk}


class Zone(models.Model):
    """责任区域: a set of units owned by stewards (a building, some buildings, or floors)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="zones", verbose_name=_("项目"))
    code = models.CharField(_("区域编码"), max_length=20)
    name = models.CharField(_("区域名称"), max_length=100)
    description = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["project", "code"]
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="zone_code_unique_per_project")]
        verbose_name = _("责任区域")
        verbose_name_plural = _("责任区域")

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict[str, Any]:
        return {"project_id": self.project_id}


class Department(models.Model):
    """A department in a tree; project=None for head-office departments."""

    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.PROTECT, related_name="departments", verbose_name=_("项目")
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", verbose_name=_("上级部门")
    )
    code = models.CharField(_("部门编码"), max_length=30)
    name = models.CharField(_("部门名称"), max_length=100)
    trade = models.CharField(_("专业"), max_length=30, blank=True, help_text=_("如 水电、土建、秩序、环境"))
    sort = models.PositiveSmallIntegerField(_("排序"), default=0)
    max_open_jobs = models.PositiveSmallIntegerField(
        _("每人在办工单上限"), default=0, help_text=_("0 表示不限；派单、轮派和抢单都遵守")
    )

    class Meta:
        ordering = ["project", "sort", "code"]
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="department_code_unique_per_project")]
        verbose_name = _("部门")
        verbose_name_plural = _("部门")

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict[str, Any]:
        return {"project_id": self.project_id}


class Membership(models.Model):
    """A person's role in a project (or, for head office, in all projects)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("员工"))
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("项目")
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("部门")
    )
    zones = models.ManyToManyField(Zone, blank=True, related_name="memberships", verbose_name=_("负责区域"))
    is_active = models.BooleanField(_("有效"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        ordering = ["project", "role", "user"]
        constraints = [
            models.UniqueConstraint(fields=["user", "project", "role"], name="membership_unique_role"),
            models.CheckConstraint(
                condition=Q(role=Role.HEAD_OFFICE, project__isnull=True)
                | (~Q(role=Role.HEAD_OFFICE) & Q(project__isnull=False)),
                name="membership_head_office_has_no_project",
            ),
        ]
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")

    def __str__(self) -> str:
        where = self.project.name if self.project else _("全部项目")
        return f"{self.user} · {self.get_role_display()} · {where}"

    def get_additional_data(self) -> dict[str, Any]:
        return {"project_id": self.project_id}
