"""Portal API shapes: what a customer may see of their own cases (public timeline, public files)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from kefu.tickets.models import Case
from kefu.tickets.states import Kind

from . import selectors
from .forms import RATING_TAGS


class PortalCaseListSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.SerializerMethodField()
    category_name = serializers.CharField(source="category.name", read_only=True, allow_null=True, default=None)
    unit_code = serializers.CharField(source="unit.code", read_only=True, allow_null=True, default=None)
    project_name = serializers.CharField(source="project.name", read_only=True)

    class Meta:
        model = Case
        fields = [
            "number",
            "kind",
            "kind_label",
            "status",
            "status_label",
            "title",
            "category",
            "category_name",
            "project_name",
            "unit",
            "unit_code",
            "location",
            "created_at",
            "resolved_at",
        ]
        read_only_fields = fields

    def get_status_label(self, case: Case) -> str:
        return str(selectors.customer_status(case))


class StepSerializer(serializers.Serializer):
    label = serializers.CharField()
    state = serializers.ChoiceField(choices=["done", "current", "todo"])


class PublicEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    label = serializers.CharField()
    body = serializers.CharField()
    detail = serializers.CharField()
    attachment = serializers.SerializerMethodField()

    def get_attachment(self, e: Any) -> int | None:
        return e.attachment.pk if e.attachment is not None else None


class PortalAttachmentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.CharField()


class PortalRatingSerializer(serializers.Serializer):
    score = serializers.IntegerField()
    comment = serializers.CharField()
    solved = serializers.BooleanField()
    at = serializers.DateTimeField()


class PortalCaseSerializer(PortalCaseListSerializer):
    """One case with its progress, public timeline and public files (never internal notes)."""

    steps = StepSerializer(many=True)
    timeline = PublicEventSerializer(many=True)
    attachments = PortalAttachmentSerializer(many=True)
    rating = PortalRatingSerializer(allow_null=True)
    may_cancel = serializers.BooleanField()
    may_rate = serializers.BooleanField()
    may_add_information = serializers.BooleanField()

    class Meta(PortalCaseListSerializer.Meta):
        fields = [
            *PortalCaseListSerializer.Meta.fields,
            "description",
            "preferred_time",
            "steps",
            "timeline",
            "attachments",
            "rating",
            "may_cancel",
            "may_rate",
            "may_add_information",
        ]
        read_only_fields = fields


class PortalCaseCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[(k.value, k.label) for k in selectors.REPORT_KINDS])
    unit = serializers.IntegerField(required=False, allow_null=True, help_text="我的房屋 id（见 options）")
    project = serializers.IntegerField(
        required=False, allow_null=True, help_text="报公共区域时：我所在项目的 id（见 options）"
    )
    location = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    category = serializers.IntegerField(required=False, allow_null=True)
    description = serializers.CharField(max_length=2000)
    preferred_time = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    contact_phone = serializers.CharField(required=False, allow_blank=True, max_length=30, default="")
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=9)


class PortalCommentSerializer(serializers.Serializer):
    body = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list, max_length=9)


class PortalCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class PortalRateSerializer(serializers.Serializer):
    score = serializers.IntegerField(min_value=1, max_value=5)
    tags = serializers.ListField(
        child=serializers.ChoiceField(choices=[str(t) for t in RATING_TAGS]), required=False, default=list
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")
    solved = serializers.BooleanField(required=False, default=True)


class OptionUnitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    project = serializers.IntegerField()
    project_name = serializers.CharField()


class OptionProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class OptionCategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Kind.choices)
    name = serializers.CharField()
    project = serializers.IntegerField(allow_null=True, help_text="为空表示各项目通用")


class PortalOptionsSerializer(serializers.Serializer):
    kinds = serializers.ListField(child=serializers.DictField())
    units = OptionUnitSerializer(many=True)
    projects = OptionProjectSerializer(many=True)
    categories = OptionCategorySerializer(many=True)
    rating_tags = serializers.ListField(child=serializers.CharField())
