"""Serializers of the return-visit API (kefu/visits/api.py): they render and parse, the services decide
what is allowed (kefu/visits/services.py).

Every choice field is a named enum component (`enum_field`), so these choice sets never take a name
already used by another app's choices (`status`, `kind`, `reason`, `channel` ...) and the schema
needs no ENUM_NAME_OVERRIDES entry for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kefu.core.masking import mask_phone
from kefu.tickets.serializers import CustomerBriefSerializer
from kefu.tickets.states import Kind

from . import scripts, selectors
from .models import (
    CustomerRating,
    DissatisfactionReason,
    FindingCategory,
    ReturnVisit,
    Score,
    VisitAttempt,
    VisitFinding,
    VisitPlan,
    VisitPolicy,
    VisitScript,
)

_ENUM_FIELDS: dict[str, type[serializers.ChoiceField]] = {}


def enum_field(component: str, choices: Any, *, blank: bool = False, **kwargs: Any) -> serializers.ChoiceField:
    """A ChoiceField documented as the schema component `component` (with "" among its values if blank)."""
    cls = _ENUM_FIELDS.get(component)
    if cls is None:
        schema = serializers.ChoiceField(choices=choices, allow_blank=blank)
        cls = extend_schema_field(schema, component_name=component)(
            type(f"{component}Field", (serializers.ChoiceField,), {})
        )
        _ENUM_FIELDS[component] = cls
    return cls(choices=choices, allow_blank=blank, **kwargs)


def _asker(context: Mapping[str, Any]) -> Any:
    request = context.get("request")
    return getattr(request, "user", None)


# Output ----------------------------------------------------------------------------------------------


class VisitAttemptSerializer(serializers.ModelSerializer):
    outcome = enum_field("VisitOutcomeEnum", VisitAttempt.Outcome.choices, read_only=True)
    outcome_label = serializers.CharField(source="get_outcome_display", read_only=True)
    by_name = serializers.CharField(source="by.display_name", read_only=True)

    class Meta:
        model = VisitAttempt
        fields = ["id", "outcome", "outcome_label", "at", "by", "by_name", "note", "callback_at"]
        read_only_fields = fields


class VisitFindingSerializer(serializers.ModelSerializer):
    category = enum_field("FindingCategoryEnum", FindingCategory.choices, read_only=True)
    category_label = serializers.CharField(source="get_category_display", read_only=True)
    case = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True, help_text="转成的工单号")
    created_by_name = serializers.CharField(source="created_by.display_name", read_only=True)

    class Meta:
        model = VisitFinding
        fields = ["id", "visit", "category", "category_label", "description", "case", "created_by_name", "created_at"]
        read_only_fields = fields


class ReturnVisitListSerializer(serializers.ModelSerializer):
    """A visit task in a list: enough to show a row and make the call."""

    project = serializers.SlugRelatedField(slug_field="code", read_only=True)
    zone = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True, help_text="责任区域编码")
    source = enum_field("VisitSourceEnum", ReturnVisit.Source.choices, read_only=True)
    status = enum_field("VisitStatusEnum", ReturnVisit.Status.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    case = serializers.SlugRelatedField(
        slug_field="number", read_only=True, allow_null=True, help_text="工单号（工单回访）"
    )
    case_title = serializers.CharField(source="case.title", read_only=True, allow_null=True, default=None)
    unit_code = serializers.CharField(source="unit.code", read_only=True, allow_null=True, default=None)
    customer_name = serializers.CharField(source="customer.name", read_only=True, allow_null=True, default=None)
    contact_phone = serializers.SerializerMethodField(help_text="联系电话（脱敏）")
    assignee_name = serializers.CharField(source="assignee.display_name", read_only=True, allow_null=True, default=None)
    score = enum_field("SatisfactionScoreEnum", Score.choices, read_only=True, allow_null=True)
    reason = enum_field(
        "DissatisfactionReasonEnum", DissatisfactionReason.choices, blank=True, read_only=True, help_text="不满意原因"
    )

    class Meta:
        model = ReturnVisit
        fields = [
            "id",
            "project",
            "zone",
            "source",
            "status",
            "status_label",
            "case",
            "case_title",
            "plan",
            "survey_response",
            "unit",
            "unit_code",
            "customer_name",
            "contact_name",
            "contact_phone",
            "assignee",
            "assignee_name",
            "due_at",
            "next_attempt_at",
            "attempts",
            "max_attempts",
            "score",
            "solved",
            "reason",
            "completed_at",
            "signed_off_at",
            "created_at",
            "version",
        ]
        read_only_fields = fields

    def get_contact_phone(self, obj: ReturnVisit) -> str:
        return mask_phone(obj.contact_phone)


class ReturnVisitSerializer(ReturnVisitListSerializer):
    """One visit task with its calls, its findings and the script filled in for this customer."""

    customer = CustomerBriefSerializer(read_only=True, allow_null=True, help_text="客户（手机号脱敏）")
    case_status = serializers.CharField(
        source="case.status", read_only=True, allow_null=True, default=None, help_text="工单状态"
    )
    plan_name = serializers.CharField(source="plan.name", read_only=True, allow_null=True, default=None)
    completed_by_name = serializers.CharField(
        source="completed_by.display_name", read_only=True, allow_null=True, default=None
    )
    signed_off_by_name = serializers.CharField(
        source="signed_off_by.display_name", read_only=True, allow_null=True, default=None
    )
    attempt_log = VisitAttemptSerializer(many=True, read_only=True, help_text="每次拨打或上门的记录")
    findings = VisitFindingSerializer(many=True, read_only=True, help_text="走访发现的问题")
    script = serializers.SerializerMethodField(help_text="回访标准用语，已填入客户称呼、工单摘要等")

    class Meta(ReturnVisitListSerializer.Meta):
        fields = [
            *ReturnVisitListSerializer.Meta.fields,
            "customer",
            "case_status",
            "plan_name",
            "customer_words",
            "completed_by_name",
            "signed_off_by_name",
            "attempt_log",
            "findings",
            "script",
        ]
        read_only_fields = fields

    def get_script(self, obj: ReturnVisit) -> str:
        user = _asker(self.context)
        return scripts.rendered_script(obj, actor=user if getattr(user, "is_authenticated", False) else None)


class PlanProgressSerializer(serializers.Serializer):
    households = serializers.IntegerField(help_text="区域入住户数")
    planned = serializers.IntegerField(help_text="计划走访户数")
    done = serializers.IntegerField(help_text="已走访（接通）")
    unreachable = serializers.IntegerField(help_text="无法联系或拒绝")
    pending = serializers.IntegerField(help_text="待走访")
    cancelled = serializers.IntegerField(help_text="计划结束时未走访")
    findings = serializers.IntegerField(help_text="发现问题数")
    coverage = serializers.FloatField(allow_null=True, help_text="覆盖率 = 已走访 / 区域户数")
    completion = serializers.FloatField(allow_null=True, help_text="完成率 = (计划 - 待走访 - 取消) / 计划")


class VisitPlanSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="code", read_only=True)
    zone_code = serializers.CharField(source="zone.code", read_only=True)
    zone_name = serializers.CharField(source="zone.name", read_only=True)
    steward_name = serializers.CharField(source="steward.display_name", read_only=True, allow_null=True, default=None)
    status = enum_field("VisitPlanStatusEnum", VisitPlan.Status.choices, read_only=True)

    class Meta:
        model = VisitPlan
        fields = [
            "id",
            "project",
            "zone",
            "zone_code",
            "zone_name",
            "name",
            "period_start",
            "period_end",
            "share_percent",
            "exclude_periods",
            "seed",
            "steward",
            "steward_name",
            "households",
            "planned",
            "excluded",
            "status",
            "created_at",
        ]
        read_only_fields = fields


class VisitPlanDetailSerializer(VisitPlanSerializer):
    progress = serializers.SerializerMethodField(help_text="进度：由计划的走访任务统计")

    class Meta(VisitPlanSerializer.Meta):
        fields = [*VisitPlanSerializer.Meta.fields, "progress"]
        read_only_fields = fields

    @extend_schema_field(PlanProgressSerializer)
    def get_progress(self, obj: VisitPlan) -> dict[str, Any]:
        return dict(PlanProgressSerializer(selectors.plan_progress(obj)).data)


class VisitPolicySerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="为空表示各项目通用"
    )
    kind = serializers.ChoiceField(choices=Kind.choices, read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True, allow_null=True, default=None)
    rule = enum_field("VisitPolicyRuleEnum", VisitPolicy.Rule.choices, read_only=True)
    assign_to = enum_field("VisitPolicyAssignToEnum", VisitPolicy.AssignTo.choices, read_only=True)

    class Meta:
        model = VisitPolicy
        fields = [
            "id",
            "project",
            "kind",
            "category",
            "category_name",
            "rule",
            "assign_to",
            "due_hours",
            "max_attempts",
            "retry_hours",
            "is_active",
        ]
        read_only_fields = fields


class VisitScriptSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="为空表示各项目通用"
    )
    purpose = enum_field("VisitScriptPurposeEnum", VisitScript.Purpose.choices, read_only=True)
    kind = serializers.ChoiceField(
        choices=Kind.choices, allow_blank=True, read_only=True, help_text="工单类型；为空表示各类型通用"
    )

    class Meta:
        model = VisitScript
        fields = ["id", "project", "purpose", "kind", "name", "body", "is_active"]
        read_only_fields = fields


class CustomerRatingSerializer(serializers.ModelSerializer):
    case = serializers.SlugRelatedField(slug_field="number", read_only=True, help_text="工单号")
    score = enum_field("SatisfactionScoreEnum", Score.choices, read_only=True)

    class Meta:
        model = CustomerRating
        fields = ["id", "case", "score", "comment", "solved", "at"]
        read_only_fields = fields


# Input -----------------------------------------------------------------------------------------------

QUEUE_CHOICES = [
    (selectors.Queue.TODAY, "今日待回访"),
    (selectors.Queue.MINE, "我的回访"),
    (selectors.Queue.OPEN, "全部待回访"),
    (selectors.Queue.OVERDUE, "已超时"),
    (selectors.Queue.TO_SIGN, "待审核"),
    (selectors.Queue.DONE, "已完成"),
    (selectors.Queue.ALL, "全部"),
]


class VisitFilterSerializer(serializers.Serializer):
    """Query parameters of the visit list."""

    project = serializers.CharField(required=False, help_text="项目编码")
    queue = serializers.ChoiceField(choices=QUEUE_CHOICES, required=False, default=selectors.Queue.ALL)
    source = serializers.ChoiceField(choices=ReturnVisit.Source.choices, required=False)
    status = serializers.ChoiceField(choices=ReturnVisit.Status.choices, required=False)
    zone = serializers.IntegerField(required=False, help_text="责任区域 id")
    assignee = serializers.IntegerField(required=False, help_text="回访人 id")
    plan = serializers.IntegerField(required=False, help_text="走访计划 id")


class VisitRecordSerializer(serializers.Serializer):
    outcome = enum_field("VisitOutcomeEnum", VisitAttempt.Outcome.choices)
    score = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="满意度 1-5（接通时必填；1-2 为不满意）"
    )
    solved = serializers.BooleanField(
        required=False, allow_null=True, default=None, help_text="问题是否解决（工单回访接通时必填）"
    )
    customer_words = serializers.CharField(required=False, default="", allow_blank=True, help_text="客户意见")
    reason = enum_field(
        "DissatisfactionReasonEnum",
        DissatisfactionReason.choices,
        blank=True,
        required=False,
        default="",
        help_text="不满意原因（不满意时必填）",
    )
    note = serializers.CharField(required=False, default="", allow_blank=True, help_text="备注")
    callback_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="约定回电时间（结果为 callback 时必填）"
    )
    version = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="读取时的版本号")


class SignOffSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(), min_length=1, max_length=500, help_text="回访 id（全部通过或全部不通过）"
    )


class SignOffResultSerializer(serializers.Serializer):
    signed = serializers.IntegerField(help_text="本次审核的条数（已审核过的不重复计）")


class ReassignSerializer(serializers.Serializer):
    assignee = serializers.IntegerField(help_text="新回访人 id")


class FindingCreateSerializer(serializers.Serializer):
    category = enum_field("FindingCategoryEnum", FindingCategory.choices)
    description = serializers.CharField(allow_blank=True, help_text="问题描述")
    to_case = serializers.BooleanField(default=False, help_text="同时转为工单")
    kind = serializers.ChoiceField(
        choices=Kind.choices, required=False, default="", allow_blank=True, help_text="工单类型；不填按问题分类决定"
    )


class FindingToCaseSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=Kind.choices, required=False, default="", allow_blank=True, help_text="工单类型；不填按问题分类决定"
    )


class PlanFilterSerializer(serializers.Serializer):
    project = serializers.CharField(required=False, help_text="项目编码")
    zone = serializers.IntegerField(required=False, help_text="责任区域 id")
    status = serializers.ChoiceField(choices=VisitPlan.Status.choices, required=False)


class VisitPlanCreateSerializer(serializers.Serializer):
    zone = serializers.IntegerField(help_text="责任区域 id")
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    share_percent = serializers.IntegerField(default=25, help_text="走访比例（%），1-100")
    exclude_periods = serializers.IntegerField(default=3, help_text="排除前几期已走访的住户，0-12")
    steward = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="管家 id；不填为该区域的管家"
    )
    name = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    seed = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, help_text="抽样种子；不填则随机（会保存）"
    )


class VisitPolicyWriteSerializer(serializers.Serializer):
    project = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        default=None,
        help_text="项目编码；不填为各项目通用（仅总部）。修改时不能更换项目，此项忽略",
    )
    kind = serializers.ChoiceField(choices=Kind.choices)
    category = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="分类 id")
    rule = enum_field("VisitPolicyRuleEnum", VisitPolicy.Rule.choices, default=VisitPolicy.Rule.ALWAYS)
    assign_to = enum_field(
        "VisitPolicyAssignToEnum", VisitPolicy.AssignTo.choices, default=VisitPolicy.AssignTo.STEWARD
    )
    due_hours = serializers.IntegerField(default=48, help_text="回访时限（小时），1-720")
    max_attempts = serializers.IntegerField(default=3, help_text="未接通最多拨打次数，1-10")
    retry_hours = serializers.IntegerField(default=4, help_text="重拨间隔（小时），1-72")
    is_active = serializers.BooleanField(default=True)


class VisitScriptWriteSerializer(serializers.Serializer):
    project = serializers.CharField(
        required=False,
        allow_null=True,
        allow_blank=True,
        default=None,
        help_text="项目编码；不填为各项目通用（仅总部）。修改时不能更换项目，此项忽略",
    )
    purpose = enum_field("VisitScriptPurposeEnum", VisitScript.Purpose.choices, default=VisitScript.Purpose.CASE)
    kind = serializers.ChoiceField(
        choices=Kind.choices, required=False, default="", allow_blank=True, help_text="工单类型；不填为各类型通用"
    )
    name = serializers.CharField(max_length=50, allow_blank=True)
    body = serializers.CharField(
        allow_blank=True, help_text="话术，可用占位符：" + "、".join("{" + p + "}" for p in scripts.PLACEHOLDERS)
    )
    is_active = serializers.BooleanField(default=True)


class RatingCreateSerializer(serializers.Serializer):
    case = serializers.CharField(max_length=30, help_text="工单号")
    score = serializers.IntegerField(help_text="满意度 1-5")
    comment = serializers.CharField(required=False, default="", allow_blank=True, help_text="评价内容")
    solved = serializers.BooleanField(default=True, help_text="问题是否已解决")
