"""API representations of matches and feedback."""

from rest_framework import serializers

from matching import reasons
from matching.models import Match, MatchFeedback


class MatchSerializer(serializers.ModelSerializer):
    demand_title = serializers.CharField(source="demand.title", read_only=True)
    supply_title = serializers.CharField(source="supply.title", read_only=True)
    supply_organization = serializers.CharField(source="supply.organization.name", read_only=True)
    demand_organization = serializers.CharField(source="demand.organization.name", read_only=True)
    feedback = serializers.CharField(
        source="feedback_verdict",
        read_only=True,
        allow_null=True,
        help_text="需求方对该匹配的反馈：useful/irrelevant/contacted 或空（仅需求发布单位、负责该地区的对接专员和平台管理员可见）",
    )

    reasons = serializers.SerializerMethodField(
        help_text="通俗的匹配理由：strength（高度相关/较相关/可能相关/相关性较弱）、shared_terms（双方共同用词）、"
        "similar_words（意思相近的说法）、fits（对口之处）、misfits（不对口之处）、feedback、summary（一句话）；"
        "原始得分构成见 components/explanation"
    )

    def get_reasons(self, obj) -> dict:
        return reasons.for_match(obj).as_dict()

    class Meta:
        model = Match
        fields = [
            "id",
            "demand",
            "demand_title",
            "demand_organization",
            "supply",
            "supply_title",
            "supply_organization",
            "score",
            "rank",
            "components",
            "explanation",
            "reasons",
            "model_name",
            "computed_at",
            "feedback",
        ]
        read_only_fields = fields


class FeedbackSerializer(serializers.Serializer):
    demand = serializers.IntegerField(help_text="需求 id")
    supply = serializers.IntegerField(help_text="供给 id")
    verdict = serializers.ChoiceField(
        choices=MatchFeedback.Verdict.choices,
        error_messages={
            "invalid_choice": "反馈类型无效：请选择 useful（有价值）、irrelevant（不相关）或 contacted（已联系）。"
        },
    )


class FeedbackResultSerializer(serializers.ModelSerializer):
    class Meta:
        model = MatchFeedback
        fields = ["id", "demand", "supply", "verdict", "created_at", "updated_at"]
