"""Case API shapes. Output serializers render what selectors return; input serializers only parse:
the services decide what is allowed (kefu/tickets/services.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kefu.core.api import PrebuiltFieldsMixin
from kefu.core.masking import mask_phone
from kefu.customers.models import Contact, Customer

from . import services
from .models import Attachment, Case, CaseEvent, CaseLink, Category
from .selectors import Queue
from .states import Channel, Kind, Priority, Status, WaitReason


def _asker(context: Mapping[str, Any]) -> Any:
    request = context.get("request")
    return getattr(request, "user", None)


# Output ----------------------------------------------------------------------------------------------


class CustomerBriefSerializer(serializers.ModelSerializer):
    phone = serializers.SerializerMethodField(help_text="主要手机号（脱敏）；完整号码请调用客户接口的 reveal")

    class Meta:
        model = Customer
        fields = ["id", "code", "name", "phone"]

    def get_phone(self, obj: Customer) -> str:
        contact = (
            obj.contacts.filter(kind=Contact.Kind.MOBILE).order_by("-is_primary", "pk").first()
            or obj.contacts.order_by("-is_primary", "pk").first()
        )
        return mask_phone(contact.value) if contact else ""


class CaseListSerializer(PrebuiltFieldsMixin, serializers.ModelSerializer):
    """A case in a list: enough to show a row and decide whether to open it."""

    project = serializers.SlugRelatedField(slug_field="code", read_only=True)
    kind = serializers.ChoiceField(choices=Kind.choices, read_only=True)
    status = serializers.ChoiceField(choices=Status.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True, allow_null=True, default=None)
    unit_code = serializers.CharField(source="unit.code", read_only=True, allow_null=True, default=None)
    department_name = serializers.CharField(source="department.name", read_only=True, allow_null=True, default=None)
    assignee_name = serializers.CharField(source="assignee.display_name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = Case
        fields = [
            "number",
            "project",
            "kind",
            "status",
            "status_label",
            "priority",
            "is_major",
            "channel",
            "title",
            "category",
            "category_name",
            "unit",
            "unit_code",
            "location",
            "department",
            "department_name",
            "assignee",
            "assignee_name",
            "in_pool",
            "required_by",
            "resolution_due",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields


class CaseSerializer(CaseListSerializer):
    """One case, with what the asker may do with it now (allowed_actions)."""

    zone = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    customer = CustomerBriefSerializer(read_only=True, allow_null=True)
    contact_phone = serializers.SerializerMethodField(help_text="联系电话（脱敏）")
    wait_reason = serializers.CharField(read_only=True)
    created_by_name = serializers.CharField(source="created_by.display_name", read_only=True)
    parent = serializers.SlugRelatedField(slug_field="number", read_only=True, allow_null=True, help_text="主工单号")
    merged_into = serializers.SlugRelatedField(
        slug_field="number", read_only=True, allow_null=True, help_text="合并到的工单号"
    )
    children = serializers.SerializerMethodField(help_text="子工作单号")
    links = serializers.SerializerMethodField(help_text="关联工单号")
    allowed_actions = serializers.SerializerMethodField(
        help_text="当前用户此刻可执行的操作；接口路径为操作名中的 _ 换成 -，如 solve_at_once → solve-at-once/，"
        "comment → comments/"
    )

    class Meta(CaseListSerializer.Meta):
        fields = [
            *CaseListSerializer.Meta.fields,
            "zone",
            "customer",
            "contact_name",
            "contact_phone",
            "description",
            "preferred_time",
            "wait_reason",
            "parent",
            "children",
            "merged_into",
            "links",
            "first_reply_due",
            "first_replied_at",
            "warn_at",
            "escalation_level",
            "first_contact_resolution",
            "created_by_name",
            "dispatched_at",
            "resolved_at",
            "closed_at",
            "allowed_actions",
        ]
        read_only_fields = fields

    def get_contact_phone(self, obj: Case) -> str:
        return mask_phone(obj.contact_phone)

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_children(self, obj: Case) -> list[str]:
        if self.context.get("new_case"):
            return []
        return list(obj.children.order_by("pk").values_list("number", flat=True))

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_links(self, obj: Case) -> list[str]:
        if self.context.get("new_case"):
            return []
        out = CaseLink.objects.filter(case=obj).values_list("other__number", flat=True)
        back = CaseLink.objects.filter(other=obj).values_list("case__number", flat=True)
        return sorted([*out, *back])

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, obj: Case) -> list[str]:
        user = _asker(self.context)
        if user is None or not user.is_authenticated:
            return []
        return services.allowed_actions(user, obj)


class CaseEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.display_name", read_only=True, allow_null=True, default=None)

    class Meta:
        model = CaseEvent
        fields = ["id", "kind", "actor", "actor_name", "at", "from_status", "to_status", "body", "is_public", "data"]
        read_only_fields = fields


class AttachmentSerializer(serializers.ModelSerializer):
    uploaded_by_name = serializers.CharField(source="uploaded_by.display_name", read_only=True)

    class Meta:
        model = Attachment
        fields = ["id", "name", "content_type", "size", "is_public", "uploaded_by_name", "uploaded_at"]
        read_only_fields = fields


class CategorySerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="为空表示各项目通用"
    )

    class Meta:
        model = Category
        fields = ["id", "project", "kind", "parent", "code", "name", "trade", "default_department"]
        read_only_fields = fields


# Input -----------------------------------------------------------------------------------------------


class CaseFilterSerializer(serializers.Serializer):
    """Query parameters of the case list."""

    project = serializers.CharField(required=False, help_text="项目编码")
    queue = serializers.ChoiceField(choices=Queue.CHOICES, required=False, default=Queue.ALL)
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)
    category = serializers.IntegerField(required=False, help_text="分类 id（含其下级分类）")
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    zone = serializers.IntegerField(required=False, help_text="责任区域 id")
    department = serializers.IntegerField(required=False, help_text="处理部门 id")
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    created_from = serializers.DateField(required=False, help_text="受理日期起（含）")
    created_to = serializers.DateField(required=False, help_text="受理日期止（含）")
    q = serializers.CharField(required=False, help_text="全文检索（摘要、描述、留言），或工单号前缀")


class WorkOrderFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices, required=False)


class CaseCreateSerializer(serializers.Serializer):
    project = serializers.CharField(help_text="项目编码")
    kind = serializers.ChoiceField(choices=Kind.choices)
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.API)
    category = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="分类 id")
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    is_major = serializers.BooleanField(default=False, help_text="重大投诉（仅投诉）")
    customer = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="客户 id")
    unit = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, default=None, help_text="房屋 id 或房屋编码"
    )
    location = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    contact_name = serializers.CharField(max_length=50, required=False, default="", allow_blank=True)
    contact_phone = serializers.CharField(max_length=30, required=False, default="", allow_blank=True)
    title = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    description = serializers.CharField(required=False, default="", allow_blank=True)
    preferred_time = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    files = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        default=list,
        help_text="照片、录音等附件（multipart/form-data，可多个）",
    )


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(allow_blank=True, help_text="当场答复内容")


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="读取时的版本号")


class TargetSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(
        choices=[("person", "派给个人"), ("department", "部门轮派"), ("pool", "部门抢单池")], default="person"
    )
    department = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="部门 id")
    assignee = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="处理人 id")
    required_by = serializers.DateTimeField(required=False, allow_null=True, default=None)


class DispatchSerializer(TargetSerializer):
    note = serializers.CharField(required=False, default="", allow_blank=True)
    version = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="读取时的版本号")


class TransferSerializer(TargetSerializer):
    reason = serializers.CharField(allow_blank=True)


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class CaseNoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, default="", allow_blank=True)


class ResolveSerializer(serializers.Serializer):
    note = serializers.CharField(allow_blank=True, help_text="处理结果")
    version = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="读取时的版本号")


class HoldSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=WaitReason.choices)
    note = serializers.CharField(required=False, default="", allow_blank=True)


class CommentSerializer(serializers.Serializer):
    body = serializers.CharField(allow_blank=True)
    is_public = serializers.BooleanField(default=False, help_text="客户可见（视为答复客户）")


class ReplySerializer(serializers.Serializer):
    body = serializers.CharField(allow_blank=True)


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    is_public = serializers.BooleanField(default=True)


class PartSerializer(serializers.Serializer):
    department = serializers.IntegerField(help_text="部门 id")
    title = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)
    required_by = serializers.DateTimeField(required=False, allow_null=True, default=None)
    assignee = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="处理人 id")


class SplitSerializer(serializers.Serializer):
    parts = PartSerializer(many=True)


class MergeSerializer(serializers.Serializer):
    into = serializers.CharField(help_text="保留的工单号")
    reason = serializers.CharField(required=False, default="", allow_blank=True)


class LinkSerializer(serializers.Serializer):
    other = serializers.CharField(help_text="要关联的工单号")
