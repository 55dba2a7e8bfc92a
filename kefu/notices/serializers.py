"""API shapes of notices: what staff see (with read figures when they may publish) and what a customer sees."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .models import Notice

CATEGORY_HELP = "outage 停水停电 / activity 社区活动 / tip 温馨提示 / billing 缴费通知 / other 其他"


class PortalNoticeSerializer(serializers.ModelSerializer):
    category = serializers.CharField(read_only=True, help_text=CATEGORY_HELP)
    category_label = serializers.CharField(source="get_category_display", read_only=True)
    project_name = serializers.CharField(source="project.name", read_only=True)
    read = serializers.SerializerMethodField()
    withdrawn = serializers.SerializerMethodField()

    class Meta:
        model = Notice
        fields = [
            "id",
            "title",
            "body",
            "category",
            "category_label",
            "project_name",
            "published_at",
            "read",
            "withdrawn",
        ]
        read_only_fields = fields

    def get_read(self, notice: Notice) -> bool:
        return getattr(notice, "my_read_at", None) is not None or bool(self.context.get("read"))

    def get_withdrawn(self, notice: Notice) -> bool:
        return notice.status == Notice.Status.WITHDRAWN


class NoticeFiguresSerializer(serializers.Serializer):
    label = serializers.CharField()
    reached = serializers.IntegerField()
    read = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True, help_text="已读 / 送达，0-1")


class NoticeReceiptsSerializer(serializers.Serializer):
    total = NoticeFiguresSerializer()
    by_building = NoticeFiguresSerializer(many=True)


class NoticeSerializer(serializers.ModelSerializer):
    category = serializers.CharField(read_only=True, help_text=CATEGORY_HELP)
    audience = serializers.CharField(read_only=True, help_text="project 全体住户 / buildings 指定楼栋 / tags 客户分组")
    status = serializers.CharField(
        read_only=True, help_text="draft 草稿 / scheduled 定时发布 / published 已发布 / withdrawn 已撤回"
    )
    category_label = serializers.CharField(source="get_category_display", read_only=True)
    audience_label = serializers.CharField(source="get_audience_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    project_code = serializers.CharField(source="project.code", read_only=True)

    class Meta:
        model = Notice
        fields = [
            "id",
            "project",
            "project_code",
            "title",
            "body",
            "category",
            "category_label",
            "audience",
            "audience_label",
            "buildings",
            "tags",
            "push",
            "status",
            "status_label",
            "publish_at",
            "published_at",
            "audience_size",
            "withdrawn_at",
            "created_at",
        ]
        read_only_fields = fields


class NoticeDetailSerializer(NoticeSerializer):
    receipts = serializers.SerializerMethodField()

    class Meta(NoticeSerializer.Meta):
        fields = [*NoticeSerializer.Meta.fields, "receipts"]
        read_only_fields = fields

    @extend_schema_field(NoticeReceiptsSerializer(allow_null=True))
    def get_receipts(self, notice: Notice) -> dict[str, object] | None:
        return self.context.get("receipts")
