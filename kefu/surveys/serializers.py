"""Serializers of the survey API (kefu/surveys/api.py): they render and parse, surveys.services decides and
surveys.selectors computes every figure. Choice fields are named enum components (see visits.serializers)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from kefu.visits.serializers import enum_field

from .models import Answer, Question, Response, Survey


class SurveyQuestionSerializer(serializers.ModelSerializer):
    kind = enum_field("SurveyQuestionKindEnum", Question.Kind.choices, read_only=True)

    class Meta:
        model = Question
        fields = ["id", "order", "kind", "dimension", "text", "required"]
        read_only_fields = fields


class SurveySerializer(serializers.ModelSerializer):
    project = serializers.SlugRelatedField(slug_field="code", read_only=True)
    sample = enum_field("SurveySampleEnum", Survey.Sample.choices, read_only=True)
    status = enum_field("SurveyStatusEnum", Survey.Status.choices, read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    created_by_name = serializers.CharField(source="created_by.display_name", read_only=True)
    questions = SurveyQuestionSerializer(many=True, read_only=True)

    class Meta:
        model = Survey
        fields = [
            "id",
            "project",
            "name",
            "intro",
            "period_start",
            "period_end",
            "sample",
            "share_percent",
            "seed",
            "status",
            "status_label",
            "created_by_name",
            "created_at",
            "opened_at",
            "closed_at",
            "version",
            "questions",
        ]
        read_only_fields = fields


class FiguresSerializer(serializers.Serializer):
    """One row of figures (see surveys.selectors for the formulas)."""

    label = serializers.CharField(help_text="合计、区域、楼栋或维度名称")
    invited = serializers.IntegerField(help_text="抽样户数（按维度统计时为 0）")
    answered = serializers.IntegerField(help_text="已答户数（按维度统计时为 0）")
    scored = serializers.IntegerField(help_text="有评分的答案数")
    satisfied = serializers.IntegerField(help_text="评 4-5 分的答案数")
    mean = serializers.FloatField(allow_null=True, help_text="平均分")
    response_rate = serializers.FloatField(allow_null=True, help_text="回收率 = 已答 / 抽样户数")
    csat = serializers.FloatField(allow_null=True, help_text="满意率 = 4-5 分 / 有评分")


class NpsSerializer(serializers.Serializer):
    answers = serializers.IntegerField()
    promoters = serializers.IntegerField(help_text="9-10 分")
    passives = serializers.IntegerField(help_text="7-8 分")
    detractors = serializers.IntegerField(help_text="0-6 分")
    score = serializers.FloatField(allow_null=True, help_text="NPS = (推荐者 - 贬损者) / 答案数 × 100")


class SurveyFiguresSerializer(serializers.Serializer):
    overall = FiguresSerializer(help_text="总体满意度（合计）")
    by_zone = FiguresSerializer(many=True, help_text="各责任区域的总体满意度")
    by_building = FiguresSerializer(many=True, help_text="各楼栋的总体满意度")
    by_dimension = FiguresSerializer(many=True, help_text="各服务维度（分项评分题）的满意度")
    nps = NpsSerializer(help_text="推荐意愿")


class SurveyResponseSerializer(serializers.ModelSerializer):
    """One sampled household's questionnaire."""

    project = serializers.SlugRelatedField(slug_field="code", read_only=True)
    survey_name = serializers.CharField(source="survey.name", read_only=True)
    zone = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True, help_text="责任区域编码")
    zone_name = serializers.CharField(source="zone.name", read_only=True, allow_null=True, default=None)
    building_name = serializers.CharField(source="building.name", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    customer_name = serializers.CharField(source="customer.name", read_only=True, allow_null=True, default=None)
    status = enum_field("SurveyResponseStatusEnum", Response.Status.choices, read_only=True)
    channel = enum_field("SurveyResponseChannelEnum", Response.Channel.choices, blank=True, read_only=True)
    answered_by_name = serializers.CharField(
        source="answered_by.display_name", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Response
        fields = [
            "id",
            "survey",
            "survey_name",
            "project",
            "zone",
            "zone_name",
            "building",
            "building_name",
            "unit",
            "unit_code",
            "customer",
            "customer_name",
            "status",
            "channel",
            "overall",
            "answered_at",
            "answered_by_name",
        ]
        read_only_fields = fields


class SurveyAnswerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Answer
        fields = ["question", "score", "text"]
        read_only_fields = fields


class SurveyResponseDetailSerializer(SurveyResponseSerializer):
    """The questionnaire with its questions (to answer it) and the answers given."""

    intro = serializers.CharField(source="survey.intro", read_only=True, help_text="开场白")
    questions = serializers.SerializerMethodField()
    answers = SurveyAnswerSerializer(many=True, read_only=True)

    class Meta(SurveyResponseSerializer.Meta):
        fields = [*SurveyResponseSerializer.Meta.fields, "intro", "questions", "answers"]
        read_only_fields = fields

    @extend_schema_field(SurveyQuestionSerializer(many=True))
    def get_questions(self, obj: Response) -> list[dict[str, Any]]:
        return list(SurveyQuestionSerializer(obj.survey.questions.all(), many=True).data)


# Input -----------------------------------------------------------------------------------------------


class SurveyFilterSerializer(serializers.Serializer):
    project = serializers.CharField(required=False, help_text="项目编码")
    status = serializers.ChoiceField(choices=Survey.Status.choices, required=False)


class ResponseFilterSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Response.Status.choices, required=False)
    zone = serializers.IntegerField(required=False, help_text="责任区域 id")
    building = serializers.IntegerField(required=False, help_text="楼栋 id")


class SurveyQuestionInSerializer(serializers.Serializer):
    kind = enum_field("SurveyQuestionKindEnum", Question.Kind.choices)
    text = serializers.CharField(max_length=200, allow_blank=True, help_text="题目")
    dimension = serializers.CharField(
        max_length=30, required=False, default="", allow_blank=True, help_text="服务维度（分项评分题必填）"
    )
    required = serializers.BooleanField(default=True, help_text="必答（只对意见建议题有效，评分题总是必答）")


QUESTIONS_HELP = "题目（按顺序）；须有且只有一道总体满意度（overall）题。评分题 1-5 分，推荐意愿（nps）0-10 分。"


class SurveyCreateSerializer(serializers.Serializer):
    project = serializers.CharField(help_text="项目编码")
    name = serializers.CharField(max_length=100, allow_blank=True)
    intro = serializers.CharField(required=False, default="", allow_blank=True, help_text="开场白")
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    sample = enum_field("SurveySampleEnum", Survey.Sample.choices, default=Survey.Sample.ALL)
    share_percent = serializers.IntegerField(default=100, help_text="抽样比例（%），sample=share 时有效")
    questions = SurveyQuestionInSerializer(many=True, required=False, help_text=QUESTIONS_HELP + "不填则使用标准问卷。")


class SurveyUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100, allow_blank=True)
    intro = serializers.CharField(required=False, default="", allow_blank=True, help_text="开场白")
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    sample = enum_field("SurveySampleEnum", Survey.Sample.choices, default=Survey.Sample.ALL)
    share_percent = serializers.IntegerField(default=100, help_text="抽样比例（%），sample=share 时有效")
    questions = SurveyQuestionInSerializer(many=True, required=False, help_text=QUESTIONS_HELP + "不填则不改。")
    version = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="读取时的版本号")


class SurveyOpenSerializer(serializers.Serializer):
    seed = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=1, help_text="抽样种子；不填则随机（会保存）"
    )


class SurveyAnswerInSerializer(serializers.Serializer):
    question = serializers.IntegerField(help_text="题目 id")
    score = serializers.IntegerField(required=False, allow_null=True, default=None, help_text="评分题的分数")
    text = serializers.CharField(required=False, default="", allow_blank=True, help_text="意见建议题的文字")


class SurveySubmitSerializer(serializers.Serializer):
    answers = SurveyAnswerInSerializer(many=True, help_text="每题一项；未作答的可不填")
    channel = enum_field(
        "SurveyResponseChannelEnum",
        Response.Channel.choices,
        default=Response.Channel.PHONE,
        help_text="访问方式；客户本人作答时总是 portal",
    )

    def validate_answers(self, value: list[dict[str, Any]]) -> list[dict[str, Any]]:
        seen: set[int] = set()
        for a in value:
            if a["question"] in seen:
                raise serializers.ValidationError(f"题目 {a['question']} 重复作答")
            seen.add(a["question"])
        return value
