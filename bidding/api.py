"""Bids API (意向书/报价): sealed reads through bidding.selectors, writes through bidding.services.

A bid the caller may not know about (another company's, or a sealed one before the deadline, for
the owner and staff too) answers 404 on every route, exactly like a bid that does not exist; list
counts, filters and pagination only ever cover visible bids (bidding.selectors.bids_visible_to).
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import filters, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from accounts.selectors import user_org_ids
from bidding import selectors, services
from bidding.filters import BidFilterSet
from bidding.serializers import (
    ATTACHMENT_RULE,
    BidCreateSerializer,
    BidDecisionSerializer,
    BidSerializer,
    BidUpdateSerializer,
)
from catalog.selectors import demands_visible_to
from portal.api import LOOKUP_ANY, PortalFilterBackend

ERRORS = {
    400: OpenApiResponse(description="输入有误或不满足规则（截止、配额、重复提交等），message 为中文说明"),
    403: OpenApiResponse(description="未登录或无权执行此操作"),
    404: OpenApiResponse(description="意向书不存在或您无权查看"),
}


@extend_schema_view(
    list=extend_schema(
        summary="意向书列表",
        description="本单位提交的意向书；截止后（公开报价的意向书截止前即可）需求发布单位和负责该地区的对接专员、"
        "平台管理员可见该需求收到的意向书。密封的意向书在截止前对投标单位以外的任何人都不存在（不计数、不可筛选）。"
        "可按 demand、status 筛选，按 submitted_at / updated_at 排序（不提供按报价排序）。",
    ),
    retrieve=extend_schema(summary="意向书详情", responses={200: BidSerializer, 404: ERRORS[404]}),
)
class BidViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = LOOKUP_ANY
    serializer_class = BidSerializer
    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    filter_backends = [PortalFilterBackend, filters.OrderingFilter]
    filterset_class = BidFilterSet
    ordering_fields = ["submitted_at", "updated_at"]
    ordering = ["-submitted_at"]

    def get_queryset(self):
        return selectors.bids_visible_to(self.request.user).prefetch_related("attachments")

    def _own(self):
        bid = self.get_object()
        if bid.organization_id not in user_org_ids(self.request.user):
            raise PermissionDenied("只能操作本单位的意向书。")
        return bid

    def _reply(self, bid, code=status.HTTP_200_OK):
        bid = self.get_queryset().get(pk=bid.pk)
        return Response(BidSerializer(bid, context=self.get_serializer_context()).data, status=code)

    @extend_schema(
        summary="提交意向书",
        description="已认证单位的成员在截止日期（含当日，北京时间 23:59:59）前对已发布需求提交；每单位每需求一份有效意向书；"
        "每单位每月有提交数量上限。支持 JSON 或 multipart（带附件，" + ATTACHMENT_RULE + "）。"
        "需求为密封报价时，截止前发布方看不到您的报价；为公开报价时，发布方截止前即可查看（见返回的 is_sealed）。",
        request={"application/json": BidCreateSerializer, "multipart/form-data": BidCreateSerializer},
        responses={201: BidSerializer, **ERRORS},
    )
    def create(self, request):
        serializer = BidCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        demand = demands_visible_to(request.user).filter(pk=data.pop("demand")).first()
        if demand is None:
            raise ValidationError({"demand": ["需求不存在或您无权访问。"]})
        bid = services.bid_submit(demand=demand, user=request.user, **data)
        return self._reply(bid, status.HTTP_201_CREATED)

    @extend_schema(
        summary="修改意向书",
        description="截止前修改本单位的意向书；「待确认」的意向书修改后恢复为「已提交」。",
        request={"application/json": BidUpdateSerializer, "multipart/form-data": BidUpdateSerializer},
        responses={200: BidSerializer, **ERRORS},
    )
    def update(self, request, pk=None):
        bid = self._own()
        serializer = BidUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        bid = services.bid_update(
            bid=bid, user=request.user, remove_attachment_ids=data.pop("remove_attachments"), **data
        )
        return self._reply(bid)

    @extend_schema(
        summary="撤回意向书",
        description="截止前撤回；撤回后可重新提交。",
        request=None,
        responses={200: BidSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        return self._reply(services.bid_withdraw(bid=self._own(), user=request.user))

    @extend_schema(
        summary="确认意向书",
        description="需求发生实质变更后，确认原意向书继续有效（待确认 → 已提交）。",
        request=None,
        responses={200: BidSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        return self._reply(services.bid_confirm(bid=self._own(), user=request.user))

    @extend_schema(
        summary="处理意向书",
        description="需求发布单位在截止后处理：shortlist 入围、reject 未采纳（须给出原因）、accept 接受（自动建立对接项目）。每次处理都会通知投标单位。",
        request=BidDecisionSerializer,
        responses={200: BidSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        bid = self.get_object()
        if not selectors.is_decider(request.user, bid.demand):
            raise PermissionDenied("只有需求发布单位可以处理意向书。")
        serializer = BidDecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._reply(services.bid_decide(bid=bid, user=request.user, **serializer.validated_data))
