"""Serializers of the knowledge-base API (/api/v1/faq/, /api/v1/canned-replies/)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from .models import CannedReply, FaqArticle


class FaqFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=100, help_text="搜索词（中文分词）")
    category = serializers.CharField(required=False, allow_blank=True, max_length=20, help_text="分类")
    project = serializers.CharField(
        required=False, allow_blank=True, max_length=20, help_text="项目编码：该项目的和共用的问题（员工）"
    )


class FaqArticleSerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="项目编码；共用为 null"
    )
    score = serializers.SerializerMethodField(help_text="搜索相关度（有 q 时），越大越相关")

    class Meta:
        model = FaqArticle
        fields = ["id", "project", "category", "question", "answer", "keywords", "view_count", "updated_at", "score"]
        read_only_fields = fields

    def get_score(self, obj: FaqArticle) -> int | None:
        return getattr(obj, "search_rank", None)


class CannedFilterSerializer(serializers.Serializer):
    q = serializers.CharField(required=False, allow_blank=True, max_length=100, help_text="标题或内容包含")
    case = serializers.CharField(
        required=False, allow_blank=True, max_length=30, help_text="工单号：只列出可用于该工单的回复"
    )


class CannedReplySerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True, help_text="项目编码；共用或个人为 null"
    )
    personal = serializers.SerializerMethodField(help_text="个人回复（仅本人可见）")

    class Meta:
        model = CannedReply
        fields = ["id", "title", "body", "personal", "project", "sort", "updated_at"]
        read_only_fields = fields

    def get_personal(self, obj: CannedReply) -> bool:
        return obj.owner_id is not None


class CannedWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=100, help_text="标题")
    body = serializers.CharField(max_length=5000, help_text="回复内容，可用占位符如 {客户称呼}、{工单号}")
    sort = serializers.IntegerField(required=False, default=0, min_value=-9999, max_value=9999)
    scope = serializers.ChoiceField(
        choices=["personal", "project", "shared"],
        required=False,
        default="personal",
        help_text="新建时：personal 仅自己；project 某项目共用（须填 project）；shared 全部项目共用",
    )
    project = serializers.CharField(required=False, allow_blank=True, default="", max_length=20, help_text="项目编码")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("scope") == "project" and not attrs.get("project"):
            raise serializers.ValidationError({"project": ["请填写项目编码"]})
        return attrs


class CannedRenderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    text = serializers.CharField(help_text="按工单替换占位符后的内容")
    missing = serializers.ListField(child=serializers.CharField(), help_text="工单缺少取值、原样保留的占位符")
