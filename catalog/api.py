"""REST API of 需求清单/需求 and 供给菜单/供给: reads through catalog.selectors, writes through catalog.services.

Objects a caller may not see (drafts of other organisations) answer 404; a visible object the caller
may not change answers 403. Token authentication lets a city's own system push its list:
create a 需求清单, add 需求, then publish.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import filters, mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from accounts.models import Organization
from accounts.selectors import user_active_membership, user_org_ids
from catalog import selectors, services
from catalog.filters import DemandApiFilterSet, SupplyApiFilterSet
from catalog.kinds import DEMAND, SUPPLY
from catalog.serializers import DemandListSerializer, DemandSerializer, SupplyMenuSerializer, SupplySerializer
from portal.api import LOOKUP_ANY, PortalFilterBackend

ERROR_RESPONSES = {
    400: OpenApiResponse(description='输入有误：{"error": {"code", "message", "fields"}}'),
    403: OpenApiResponse(description="未登录或无权执行此操作"),
    404: OpenApiResponse(description="对象不存在或您无权访问"),
}


def _organization_for(request, data):
    """The organisation a new list/menu belongs to: the given one (if the caller acts for it) or their own."""
    org_id = data.pop("organization_id", None)
    if org_id is None:
        membership = user_active_membership(request.user)
        if membership is None:
            raise ValidationError({"organization_id": ["您还没有所属单位，请先加入单位或指定 organization_id。"]})
        return membership.organization
    org = Organization.objects.filter(pk=org_id).first()
    if org is None or not (org.pk in user_org_ids(request.user) or request.user.is_platform_admin):
        raise ValidationError({"organization_id": ["单位不存在或您不是该单位的成员。"]})
    return org


class _CatalogViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    lookup_value_regex = LOOKUP_ANY
    filter_backends = [PortalFilterBackend, filters.OrderingFilter]
    # JSON only: in form data an empty field of a partial update means "not given", which is not
    # what the document says ("" is too short); integrations push JSON.
    parser_classes = [JSONParser]
    kind = None


class _ContainerViewSet(_CatalogViewSet):
    """需求清单 / 供给菜单: create, change, publish, close (catalog.services)."""

    ordering_fields = ["created_at", "year", "name"]
    filterset_fields = ["status", "year", "organization"]

    def get_queryset(self):
        visible = selectors.demand_lists_visible_to if self.kind is DEMAND else selectors.supply_menus_visible_to
        return visible(self.request.user).order_by("-created_at", "-id")

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        org = _organization_for(self.request, data)
        serializer.instance = services.container_create(
            kind=self.kind, organization=org, user=self.request.user, data=data
        )

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        data.pop("organization_id", None)
        serializer.instance = services.container_update(
            container=serializer.instance, user=self.request.user, data=data
        )

    @extend_schema(
        summary="发布清单/菜单",
        description="草稿 → 征集中（需求清单）/ 已发布（供给菜单）。仅已认证单位可发布。",
        request=None,
        responses={200: None, **ERROR_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        container = services.container_publish(container=self.get_object(), user=request.user)
        return Response(self.get_serializer(container).data)


class _ItemViewSet(_CatalogViewSet):
    """需求 / 供给: every write through catalog.services.items_upsert (one row)."""

    def _upsert(self, serializer, container, item=None):
        data = dict(serializer.validated_data)
        data.pop(self.kind.list_fk, None)
        row = services.ItemRow(container=container, data=data, item=item)
        serializer.instance = services.items_upsert(kind=self.kind, actor=self.request.user, rows=[row]).items[0]

    def perform_create(self, serializer):
        self._upsert(serializer, serializer.validated_data[self.kind.list_fk])

    def perform_update(self, serializer):
        item = serializer.instance
        self._upsert(serializer, getattr(item, self.kind.list_fk), item)


# --- 需求清单 ----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="需求清单列表",
        description="当前用户可见的需求清单：已发布清单对所有人可见，草稿仅本单位与对接专员可见。",
    ),
    retrieve=extend_schema(summary="需求清单详情", responses={200: DemandListSerializer, 404: ERROR_RESPONSES[404]}),
    create=extend_schema(
        summary="新建需求清单",
        description="新建的清单为草稿；需登录并属于发布单位（Token 认证可用于地市系统推送）。",
        responses={201: DemandListSerializer, **ERROR_RESPONSES},
    ),
    update=extend_schema(summary="修改需求清单", responses={200: DemandListSerializer, **ERROR_RESPONSES}),
    partial_update=extend_schema(summary="部分修改需求清单", responses={200: DemandListSerializer, **ERROR_RESPONSES}),
)
class DemandListViewSet(_ContainerViewSet):
    serializer_class = DemandListSerializer
    kind = DEMAND


# --- 供给菜单 ----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="供给菜单列表", description="已发布菜单对所有人可见，草稿仅本单位与对接专员可见。"),
    retrieve=extend_schema(summary="供给菜单详情", responses={200: SupplyMenuSerializer, 404: ERROR_RESPONSES[404]}),
    create=extend_schema(
        summary="新建供给菜单",
        description="新建的菜单为草稿。",
        responses={201: SupplyMenuSerializer, **ERROR_RESPONSES},
    ),
    update=extend_schema(summary="修改供给菜单", responses={200: SupplyMenuSerializer, **ERROR_RESPONSES}),
    partial_update=extend_schema(summary="部分修改供给菜单", responses={200: SupplyMenuSerializer, **ERROR_RESPONSES}),
)
class SupplyMenuViewSet(_ContainerViewSet):
    serializer_class = SupplyMenuSerializer
    kind = SUPPLY


# --- 需求 / 供给 --------------------------------------------------------------------------------

FILTER_HELP = (
    "筛选：chain（产业链编号，含其环节）、region（地区编号，含下级地区）、status、预算/价格区间、截止日期区间、"
    "q（中文分词检索加语义检索：意思相近而用词不同的条目也会列出，按相关度排序）。排序：ordering=created_at / -deadline 等，"
    "指定排序时按所选字段排序。"
)


@extend_schema_view(
    list=extend_schema(
        summary="需求列表", description="当前用户可见的需求。" + FILTER_HELP + "联系人/电话仅对认证单位成员可见。"
    ),
    retrieve=extend_schema(
        summary="需求详情",
        description="不含意向书数量等投标信息（报价密封）。",
        responses={200: DemandSerializer, 404: ERROR_RESPONSES[404]},
    ),
    create=extend_schema(
        summary="新增需求",
        description="在本单位的需求清单中新增一条需求。",
        responses={201: DemandSerializer, **ERROR_RESPONSES},
    ),
    update=extend_schema(
        summary="修改需求",
        description="修改描述、预算或截止日期后，已提交的意向书转为「待确认」。",
        responses={200: DemandSerializer, **ERROR_RESPONSES},
    ),
    partial_update=extend_schema(summary="部分修改需求", responses={200: DemandSerializer, **ERROR_RESPONSES}),
)
class DemandViewSet(_ItemViewSet):
    serializer_class = DemandSerializer
    filterset_class = DemandApiFilterSet
    ordering_fields = ["created_at", "deadline", "budget_wan", "title"]
    kind = DEMAND

    def get_queryset(self):
        return selectors.demands_visible_to(self.request.user)


@extend_schema_view(
    list=extend_schema(summary="供给列表", description="当前用户可见的供给。" + FILTER_HELP),
    retrieve=extend_schema(summary="供给详情", responses={200: SupplySerializer, 404: ERROR_RESPONSES[404]}),
    create=extend_schema(
        summary="新增供给",
        description="在本单位的供给菜单中新增一条供给。",
        responses={201: SupplySerializer, **ERROR_RESPONSES},
    ),
    update=extend_schema(summary="修改供给", responses={200: SupplySerializer, **ERROR_RESPONSES}),
    partial_update=extend_schema(summary="部分修改供给", responses={200: SupplySerializer, **ERROR_RESPONSES}),
)
class SupplyViewSet(_ItemViewSet):
    serializer_class = SupplySerializer
    filterset_class = SupplyApiFilterSet
    ordering_fields = ["created_at", "price_wan", "title"]
    kind = SUPPLY

    def get_queryset(self):
        return selectors.supplies_visible_to(self.request.user)
