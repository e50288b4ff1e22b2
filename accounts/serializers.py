"""Serialisers of the accounts API: public organisation fields, the current user, token requests."""

from rest_framework import serializers

from accounts.models import Membership, Organization, User
from accounts.selectors import is_liaison, user_org_ids
from portal.api import BlankableURLField


class OrganizationSerializer(serializers.ModelSerializer):
    kind_display = serializers.CharField(source="get_kind_display", read_only=True, help_text="单位类型（中文）")
    region = serializers.CharField(source="region.full_name", read_only=True, help_text="所在地区全称")
    credit_code = serializers.CharField(
        read_only=True, help_text="统一社会信用代码：仅对接专员、平台管理员和本单位成员可见（其他人的响应中没有此字段）"
    )
    website = BlankableURLField(read_only=True, help_text="网址（未填写时为空字符串）")

    class Meta:
        model = Organization
        fields = [
            "id",
            "name",
            "kind",
            "kind_display",
            "region",
            "is_verified",
            "verified_at",
            "description",
            "website",
            "credit_code",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        user = self.context["request"].user
        if not (is_liaison(user) or instance.pk in user_org_ids(user)):
            data.pop("credit_code", None)
        return data


class MembershipSerializer(serializers.ModelSerializer):
    organization = serializers.SerializerMethodField(help_text="所属单位（编号、名称、是否认证）")
    role_display = serializers.CharField(source="get_role_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Membership
        fields = ["organization", "role", "role_display", "status", "status_display", "created_at"]

    def get_organization(self, obj) -> dict:
        org = obj.organization
        return {"id": org.pk, "name": org.name, "kind": org.kind, "is_verified": org.is_verified}


class MeSerializer(serializers.ModelSerializer):
    platform_role_display = serializers.CharField(source="get_platform_role_display", read_only=True)
    is_liaison = serializers.BooleanField(read_only=True, help_text="对接专员或平台管理员")
    is_platform_admin = serializers.BooleanField(read_only=True)
    responsible_regions = serializers.SlugRelatedField(slug_field="full_name", many=True, read_only=True)
    memberships = serializers.SerializerMethodField(help_text="有效成员身份与待审核的加入申请")

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "email",
            "phone",
            "platform_role",
            "platform_role_display",
            "is_liaison",
            "is_platform_admin",
            "responsible_regions",
            "memberships",
        ]

    def get_memberships(self, obj) -> list:
        from accounts.selectors import user_memberships

        return MembershipSerializer(user_memberships(obj), many=True).data


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(label="用户名", max_length=150)
    password = serializers.CharField(label="密码", style={"input_type": "password"}, trim_whitespace=False)


class TokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="在请求头中使用：Authorization: Token <token>")
