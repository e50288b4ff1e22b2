"""REST API of matches: lists filtered to the pairs the caller may read (matching.selectors) and
feedback from the demand side. Scores are the model's; feedback verdicts only reach the people who
may give them."""

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from catalog.selectors import demands_visible_to, supplies_visible_to
from matching import selectors, services
from matching.models import Match
from matching.serializers import FeedbackResultSerializer, FeedbackSerializer, MatchSerializer
from portal.api import LOOKUP_ANY, IdFilter


class MatchFilterSet(django_filters.FilterSet):
    # Bounded so an absurd id is a 400, not a database overflow.
    demand = IdFilter(field_name="demand_id", label="需求 id")
    supply = IdFilter(field_name="supply_id", label="供给 id")
    min_score = django_filters.NumberFilter(
        field_name="score", lookup_expr="gte", label="最低得分", min_value=-1000, max_value=1000
    )

    class Meta:
        model = Match
        fields = ["demand", "supply", "min_score"]


@extend_schema_view(
    list=extend_schema(
        summary="匹配结果列表",
        description="当前用户可查看的匹配：本单位需求的推荐供给、本单位供给的可对接需求；对接专员与平台管理员可查看全部。"
        "按 demand 过滤得到推荐供给（按名次），按 supply 过滤得到可对接需求（按得分）。得分为模型得分，不含反馈调整；"
        "feedback 字段与“不相关”的隐藏只对需求发布单位、负责该地区的对接专员和平台管理员生效。",
    ),
    retrieve=extend_schema(summary="匹配详情（含得分构成与匹配理由）"),
)
class MatchViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = LOOKUP_ANY
    serializer_class = MatchSerializer
    filterset_class = MatchFilterSet
    ordering_fields = ["score", "rank", "computed_at"]

    def get_queryset(self):
        qs = selectors.matches_visible_to(self.request.user)
        if self.request.query_params.get("supply") and not self.request.query_params.get("demand"):
            return qs.order_by("-score", "rank", "demand_id")
        return qs.order_by("demand_id", "rank")

    @extend_schema(
        summary="反馈匹配结果",
        request=FeedbackSerializer,
        description="需求发布单位成员、负责该需求所在地区的对接专员或平台管理员标记 useful（有价值）/ "
        "irrelevant（不相关，永久隐藏）/ contacted（已联系）。反馈只影响该需求自己的推荐列表。",
        responses={
            200: FeedbackResultSerializer,
            400: OpenApiResponse(description="输入有误"),
            403: OpenApiResponse(description="无权反馈"),
            404: OpenApiResponse(description="需求或供给不存在或无权访问"),
        },
    )
    @action(detail=False, methods=["post"], permission_classes=[permissions.IsAuthenticated])
    def feedback(self, request):
        payload = FeedbackSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        demand = get_object_or_404(demands_visible_to(request.user), pk=payload.validated_data["demand"])
        supply = get_object_or_404(supplies_visible_to(request.user), pk=payload.validated_data["supply"])
        feedback = services.feedback_record(
            demand=demand, supply=supply, user=request.user, verdict=payload.validated_data["verdict"]
        )
        return Response(FeedbackResultSerializer(feedback).data, status=status.HTTP_200_OK)
