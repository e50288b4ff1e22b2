"""Notifications API: the signed-in user's inbox. Other users' notifications answer 404."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import filters, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from notifications import services
from notifications.models import Notification
from notifications.selectors import notifications_for, unread_count_for
from notifications.serializers import MarkedSerializer, NotificationSerializer, UnreadCountSerializer
from portal.api import LOOKUP_ANY, PortalFilterBackend


@extend_schema_view(
    list=extend_schema(summary="我的通知", description="当前用户的站内通知，新的在前。可按 is_read、kind 筛选。"),
    retrieve=extend_schema(
        summary="通知详情",
        responses={200: NotificationSerializer, 404: OpenApiResponse(description="通知不存在或不属于您")},
    ),
)
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    lookup_value_regex = LOOKUP_ANY
    serializer_class = NotificationSerializer
    permission_classes = [IsAuthenticated]
    filter_backends = [PortalFilterBackend, filters.OrderingFilter]
    filterset_fields = ["is_read", "kind"]
    ordering_fields = ["created_at"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False) or not self.request.user.is_authenticated:
            return Notification.objects.none()
        return notifications_for(self.request.user).order_by("-created_at", "-id")

    @extend_schema(
        summary="标记为已读",
        request=None,
        responses={200: NotificationSerializer, 404: OpenApiResponse(description="通知不存在或不属于您")},
    )
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        note = self.get_object()
        services.notification_mark_read(notification_id=note.pk, user=request.user)
        note.is_read = True
        return Response(self.get_serializer(note).data)

    @extend_schema(summary="全部标记为已读", request=None, responses={200: MarkedSerializer})
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        return Response({"marked": services.notifications_mark_all_read(user=request.user)})

    @extend_schema(summary="未读数量", responses={200: UnreadCountSerializer})
    @action(detail=False, methods=["get"], url_path="unread-count", filter_backends=[], pagination_class=None)
    def unread_count(self, request):
        return Response({"unread": unread_count_for(request.user)})
