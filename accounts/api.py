"""REST API of the accounts app: organisations (public fields), token for integrations, current user."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import permissions, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.authtoken.models import Token
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.authentication import ApiTokenAuthentication
from accounts.filters import OrganizationFilterSet
from accounts.selectors import organizations_visible_to
from accounts.serializers import MeSerializer, OrganizationSerializer, TokenRequestSerializer, TokenResponseSerializer
from portal.api import LOOKUP_ANY, error_response


@extend_schema_view(
    list=extend_schema(
        summary="单位列表",
        description="已认证的单位对所有人公开；未认证的单位仅本单位成员和对接专员可见。"
        "统一社会信用代码仅对接专员、平台管理员和本单位成员可见。",
        tags=["单位与账号"],
    ),
    retrieve=extend_schema(summary="单位详情", description="无权查看的单位返回 404。", tags=["单位与账号"]),
)
class OrganizationViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = LOOKUP_ANY
    serializer_class = OrganizationSerializer
    permission_classes = [permissions.AllowAny]
    filterset_class = OrganizationFilterSet
    ordering_fields = ["name", "created_at"]
    ordering = ["name"]

    def get_queryset(self):
        return organizations_visible_to(self.request.user).order_by("name")


class TokenObtainView(APIView):
    """Username + password → the user's API token (same lockout as the login page)."""

    authentication_classes = []
    permission_classes = [permissions.AllowAny]
    serializer_class = TokenRequestSerializer

    @extend_schema(
        summary="获取接口令牌",
        description="用用户名和密码换取令牌，供对接系统调用接口（请求头 Authorization: Token <令牌>）。"
        "同一用户名和来源地址多次失败后会被暂时锁定，锁定期间返回 429。",
        request=TokenRequestSerializer,
        responses={
            200: TokenResponseSerializer,
            400: OpenApiResponse(description="用户名或密码不正确"),
            429: OpenApiResponse(description="失败次数过多，已暂时锁定"),
        },
        tags=["单位与账号"],
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            user = services.login_authenticate(request=request, **serializer.validated_data)
        except ValidationError as exc:
            if exc.code == "locked":
                return error_response(exc.messages[0], code="locked", http_status=status.HTTP_429_TOO_MANY_REQUESTS)
            return error_response(exc.messages[0], code="invalid_login")
        if not user.is_active:
            return error_response("该账号已停用，请联系平台管理员。", code="inactive")
        # The legacy full-access token (named, scoped tokens are made on the my-organisation page).
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class MeView(APIView):
    # Token first, so an integration with a bad or revoked key gets 401 + WWW-Authenticate: Token.
    authentication_classes = [ApiTokenAuthentication, SessionAuthentication]
    permission_classes = [permissions.IsAuthenticated]
    token_any_app = True  # an app-scoped token may still ask whose it is

    @extend_schema(
        summary="当前用户",
        description="当前登录用户的资料、平台角色、负责地区和所属单位（含待审核申请）。",
        responses=MeSerializer,
        tags=["单位与账号"],
    )
    def get(self, request):
        return Response(MeSerializer(request.user).data)
