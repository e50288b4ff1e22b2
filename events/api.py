"""REST API for 对接会: public events, own organisation's invitations and meetings."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import filters, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from events import selectors, services
from events.serializers import (
    EventDetailSerializer,
    EventSerializer,
    InvitationResponseSerializer,
    InvitationSerializer,
    MeetingSerializer,
)
from portal.api import LOOKUP_ANY, PortalFilterBackend


@extend_schema_view(
    list=extend_schema(
        summary="对接会列表", description="公开的对接会（对接专员还能看到筹备中的）。可按 date 排序。", tags=["对接会"]
    ),
    retrieve=extend_schema(
        summary="对接会详情", description="会议信息、议程和会前征集的需求清单编号。", tags=["对接会"]
    ),
)
class EventViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = LOOKUP_ANY
    permission_classes = [permissions.AllowAny]
    ordering_fields = ["date", "id"]
    ordering = ["-date", "-id"]

    def get_queryset(self):
        qs = selectors.events_visible_to(self.request.user).prefetch_related("chains")
        if self.action == "retrieve":
            qs = qs.prefetch_related("agenda_items", "demand_lists")
        return qs

    def get_serializer_class(self):
        return EventDetailSerializer if self.action == "retrieve" else EventSerializer


@extend_schema_view(
    list=extend_schema(
        summary="我的对接会邀请", description="本单位收到的对接会邀请（对接专员可看全部）。", tags=["对接会"]
    ),
    retrieve=extend_schema(summary="邀请详情", description="一条邀请及其推荐匹配度和理由。", tags=["对接会"]),
)
class InvitationViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = LOOKUP_ANY
    serializer_class = InvitationSerializer
    permission_classes = [permissions.IsAuthenticated]
    filter_backends = [PortalFilterBackend, filters.OrderingFilter]
    filterset_fields = ["event", "status"]

    def get_queryset(self):
        return selectors.invitations_visible_to(self.request.user).order_by("-created_at", "id")

    @extend_schema(
        summary="回复邀请",
        description="受邀单位成员接受或婉拒邀请；只能回复一次。",
        request=InvitationResponseSerializer,
        responses=InvitationSerializer,
        tags=["对接会"],
    )
    @action(detail=True, methods=["post"])
    def respond(self, request, pk=None):
        invitation = self.get_object()
        body = InvitationResponseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        invitation = services.invitation_respond(
            invitation=invitation, user=request.user, accept=body.validated_data["accept"]
        )
        return Response(InvitationSerializer(invitation).data)


@extend_schema_view(
    list=extend_schema(
        summary="我的一对一洽谈",
        description="本单位已排定的一对一洽谈（时间、桌号、对方单位）；对接专员可看全部。",
        tags=["对接会"],
    ),
    retrieve=extend_schema(summary="洽谈详情", description="一场已排定的一对一洽谈。", tags=["对接会"]),
)
class MeetingViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = LOOKUP_ANY
    serializer_class = MeetingSerializer
    permission_classes = [permissions.IsAuthenticated]
    filter_backends = [PortalFilterBackend, filters.OrderingFilter]
    filterset_fields = ["event"]

    def get_queryset(self):
        return selectors.meetings_visible_to(self.request.user).order_by("starts_at", "table_no")
