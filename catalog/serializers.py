"""DRF serializers of the catalog API. Contacts are filled only for callers who may see them."""

from rest_framework import serializers

from catalog.kinds import DEMAND, SUPPLY
from catalog.models import Demand, DemandList, DemandType, IndustryChain, Maturity, Supply, SupplyMenu, SupplyType
from catalog.selectors import can_view_contacts, demand_lists_visible_to, supply_menus_visible_to
from portal.api import StrictTextMixin

CONTACT_FIELDS = ("contact_name", "contact_phone")


class OrganizationBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True, help_text="单位编号")
    name = serializers.CharField(read_only=True, help_text="单位名称")


class ChainBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True, help_text="产业链编号")
    name = serializers.CharField(read_only=True, help_text="产业链或环节名称")


class ContactsMixin:
    """Null out 联系人/联系电话 unless the caller is a logged-in member of a verified org, owner or staff."""

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        if request is None or not can_view_contacts(request.user, instance):
            for field in CONTACT_FIELDS:
                data[field] = None
        return data


# --- 需求清单 / 供给菜单 -------------------------------------------------------------------------


class DemandListSerializer(StrictTextMixin, serializers.ModelSerializer):
    organization = OrganizationBriefSerializer(read_only=True, help_text="发布单位")
    organization_id = serializers.IntegerField(
        write_only=True, required=False, help_text="发布单位编号；不填则用当前用户所在单位"
    )
    status = serializers.CharField(read_only=True, help_text="状态：draft 草稿 / collecting 征集中 / closed 已关闭")

    class Meta:
        model = DemandList
        fields = [
            "id",
            "name",
            "organization",
            "organization_id",
            "year",
            "status",
            "description",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {
            "name": {"help_text": "清单名称，同一单位内唯一"},
            "year": {"help_text": "年度，如 2027"},
            "description": {"help_text": "清单说明（不超过 5000 字）"},
        }


class SupplyMenuSerializer(DemandListSerializer):
    status = serializers.CharField(read_only=True, help_text="状态：draft 草稿 / published 已发布 / closed 已关闭")

    class Meta(DemandListSerializer.Meta):
        model = SupplyMenu
        extra_kwargs = {
            "name": {"help_text": "菜单名称，同一单位内唯一"},
            "year": {"help_text": "年度（可选）"},
            "description": {"help_text": "菜单说明（不超过 5000 字）"},
        }


# --- 需求 / 供给 --------------------------------------------------------------------------------


class _ItemSerializer(StrictTextMixin, ContactsMixin, serializers.ModelSerializer):
    organization = OrganizationBriefSerializer(read_only=True, help_text="发布单位/供给单位")
    chain = serializers.SlugRelatedField(
        slug_field="name",
        queryset=IndustryChain.objects.all(),
        help_text="产业链或环节名称，如「机器人」「集成电路」",
        error_messages={"does_not_exist": "未知的产业链「{value}」。", "invalid": "产业链须为名称文本。"},
    )
    region = serializers.CharField(
        source="region.full_name",
        required=False,
        help_text="所在地区全称，如「山东省济宁市任城区」；写入时可填「济宁市任城区」，不填用单位所在地",
    )

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        if isinstance(values.get("region"), dict):
            values["region"] = values["region"].get("full_name", "")
        return values


class DemandSerializer(_ItemSerializer):
    demand_list = serializers.PrimaryKeyRelatedField(
        queryset=DemandList.objects.all(), help_text="所属需求清单编号（创建后不可更改）"
    )
    demand_type = serializers.ChoiceField(choices=DemandType.choices, help_text="需求类型")
    status = serializers.CharField(
        read_only=True,
        help_text="状态：collecting 征集中 / matching 对接中 / signed 已签约 / landed 已落地 / closed 已关闭",
    )

    class Meta:
        model = Demand
        fields = ["id", "demand_list", "organization", "region", *DEMAND.fields, "status", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        validators = []  # uniqueness is checked by catalog.services, with a Chinese message naming the title
        extra_kwargs = {
            "title": {"help_text": "需求名称，同一清单内唯一"},
            "description": {"help_text": "需求描述（不超过 5000 字）"},
            "budget_wan": {"help_text": "预算（万元），可不填"},
            "deadline": {"help_text": "截止日期（含当日，北京时间 23:59 截止）"},
            "contact_name": {"help_text": "联系人（仅认证单位成员、发布单位与对接专员可见，其他人为 null）"},
            "contact_phone": {"help_text": "联系电话（可见范围同联系人）"},
            "is_open_bidding": {"help_text": "公开报价：为 true 时发布单位截止前即可查看意向书；默认密封"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["demand_list"].queryset = demand_lists_visible_to(request.user)
        self.fields["demand_list"].error_messages["does_not_exist"] = "需求清单不存在或您无权访问。"


class SupplySerializer(_ItemSerializer):
    menu = serializers.PrimaryKeyRelatedField(
        queryset=SupplyMenu.objects.all(), help_text="所属供给菜单编号（创建后不可更改）"
    )
    supply_type = serializers.ChoiceField(choices=SupplyType.choices, help_text="供给类型")
    maturity = serializers.ChoiceField(choices=Maturity.choices, required=False, allow_blank=True, help_text="成熟度")
    status = serializers.CharField(read_only=True, help_text="状态：active 可对接 / closed 已下架")

    class Meta:
        model = Supply
        fields = ["id", "menu", "organization", "region", *SUPPLY.fields, "status", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        validators = []  # uniqueness is checked by catalog.services
        extra_kwargs = {
            "title": {"help_text": "供给名称，同一菜单内唯一"},
            "description": {"help_text": "供给描述（不超过 5000 字）"},
            "price_wan": {"help_text": "参考价格（万元），可不填"},
            "contact_name": {"help_text": "联系人（仅认证单位成员、供给单位与对接专员可见，其他人为 null）"},
            "contact_phone": {"help_text": "联系电话（可见范围同联系人）"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["menu"].queryset = supply_menus_visible_to(request.user)
        self.fields["menu"].error_messages["does_not_exist"] = "供给菜单不存在或您无权访问。"
