"""django-filter FilterSets for demands and supplies, shared by the HTML lists, the API and xlsx export.

Pass a queryset that is already limited to what the user may see (catalog.selectors); these
filters only narrow it. A chain includes its 环节; a region includes its sub-regions (a city
includes its districts, a province its cities and districts); `q` is the hybrid search of
catalog.search (Chinese words + meaning) and orders results by relevance.
"""

import django_filters
from django import forms
from django.db.models import Q
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from catalog import search
from catalog.models import (
    Demand,
    DemandType,
    IndustryChain,
    Maturity,
    Region,
    Supply,
    SupplyType,
)
from portal.api import IdFilter


class FastSelect(forms.Select):
    """A <select> whose options are built in Python: Django renders one template per option,
    which made the sidebar's ~150 产业链/地区 options the costliest part of a list page."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html('<select name="{}"{}>', widget["name"], flatatt(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('<optgroup label="{}">', group_name))
            for option in options:
                value = "" if option["value"] is None else option["value"]
                parts.append(
                    format_html('<option value="{}"{}>{}</option>', value, flatatt(option["attrs"]), option["label"])
                )
            if group_name:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))


class ChainChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"　└ {obj.name}" if obj.parent_id else obj.name


class RegionChoiceField(forms.ModelChoiceField):
    INDENT = {Region.Level.PROVINCE: "", Region.Level.CITY: "　", Region.Level.DISTRICT: "　　"}

    def label_from_instance(self, obj):
        return f"{self.INDENT.get(obj.level, '')}{obj.name}"


class ChainFilter(django_filters.ModelChoiceFilter):
    field_class = ChainChoiceField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", FastSelect)
        super().__init__(*args, **kwargs)


class RegionFilter(django_filters.ModelChoiceFilter):
    field_class = RegionChoiceField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", FastSelect)
        super().__init__(*args, **kwargs)


# Both filters resolve the subtree to ids first: `chain_id IN (…)` uses the index, where the
# equivalent OR across a join scanned up to 100k rows for the capped count. The API filters pass a
# bare id (see _ApiIds), which matches nothing when it names no chain/region.


def filter_chain(queryset, name, value):
    if not value:
        return queryset
    pk = getattr(value, "pk", value)
    segments = IndustryChain.objects.filter(parent_id=pk).values_list("pk", flat=True)
    return queryset.filter(chain_id__in=[pk, *segments])


def filter_region(queryset, name, value):
    if not value:
        return queryset
    pk = getattr(value, "pk", value)
    # Regions are at most three levels deep (省 → 市 → 区县).
    below = Region.objects.filter(Q(parent_id=pk) | Q(parent__parent_id=pk)).values_list("pk", flat=True)
    return queryset.filter(region_id__in=[pk, *below])


def filter_search(queryset, name, value):
    return search.hybrid_search(queryset, value)


def _chains(request=None):
    # sort_order puts each 环节 right after its chain (chain n → n*10, its 环节 n*10+k).
    return IndustryChain.objects.order_by("sort_order", "name")


def _regions(request=None):
    return Region.objects.order_by("full_name")


# 万元: the model fields hold 12 digits with 2 decimals.
MONEY_MAX_WAN = 10**10 - 1


class _CatalogFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(label="关键词", method=filter_search, max_length=100)
    chain = ChainFilter(label="产业链", queryset=_chains, method=filter_chain, empty_label="全部产业链")
    region = RegionFilter(label="所在地区", queryset=_regions, method=filter_region, empty_label="全部地区")
    organization = IdFilter(label="发布单位", field_name="organization_id", widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.form.fields.values():
            widget = field.widget
            if isinstance(widget, forms.HiddenInput):
                continue
            css = "form-select form-select-sm" if isinstance(widget, forms.Select) else "form-control form-control-sm"
            widget.attrs.setdefault("class", css)
        self.form.fields["q"].widget.attrs.setdefault("placeholder", "如：协作机器人、碳化硅")

    @property
    def search_query(self):
        """The cleaned keyword query ('' when none), for highlighting."""
        if not self.is_bound or not self.form.is_valid():
            return (self.data.get("q") or "").strip() if self.data else ""
        return (self.form.cleaned_data.get("q") or "").strip()


class DemandFilterSet(_CatalogFilterSet):
    demand_type = django_filters.ChoiceFilter(
        label="需求类型", choices=DemandType.choices, empty_label="全部类型", widget=FastSelect
    )
    status = django_filters.ChoiceFilter(
        label="状态", choices=Demand.Status.choices, empty_label="全部状态", widget=FastSelect
    )
    budget_min = django_filters.NumberFilter(
        label="预算下限（万元）", field_name="budget_wan", lookup_expr="gte", min_value=0, max_value=MONEY_MAX_WAN
    )
    budget_max = django_filters.NumberFilter(
        label="预算上限（万元）", field_name="budget_wan", lookup_expr="lte", min_value=0, max_value=MONEY_MAX_WAN
    )
    deadline_after = django_filters.DateFilter(
        label="截止日期不早于", field_name="deadline", lookup_expr="gte", widget=forms.DateInput(attrs={"type": "date"})
    )
    deadline_before = django_filters.DateFilter(
        label="截止日期不晚于", field_name="deadline", lookup_expr="lte", widget=forms.DateInput(attrs={"type": "date"})
    )
    demand_list = IdFilter(label="需求清单", field_name="demand_list_id", widget=forms.HiddenInput)

    class Meta:
        model = Demand
        fields = [
            "q",
            "chain",
            "region",
            "demand_type",
            "status",
            "budget_min",
            "budget_max",
            "deadline_after",
            "deadline_before",
            "organization",
            "demand_list",
        ]


class SupplyFilterSet(_CatalogFilterSet):
    supply_type = django_filters.ChoiceFilter(
        label="供给类型", choices=SupplyType.choices, empty_label="全部类型", widget=FastSelect
    )
    maturity = django_filters.ChoiceFilter(
        label="成熟度", choices=Maturity.choices, empty_label="全部", widget=FastSelect
    )
    status = django_filters.ChoiceFilter(
        label="状态", choices=Supply.Status.choices, empty_label="全部状态", widget=FastSelect
    )
    price_min = django_filters.NumberFilter(
        label="参考价格下限（万元）", field_name="price_wan", lookup_expr="gte", min_value=0, max_value=MONEY_MAX_WAN
    )
    price_max = django_filters.NumberFilter(
        label="参考价格上限（万元）", field_name="price_wan", lookup_expr="lte", min_value=0, max_value=MONEY_MAX_WAN
    )
    menu = IdFilter(label="供给菜单", field_name="menu_id", widget=forms.HiddenInput)

    class Meta:
        model = Supply
        fields = [
            "q",
            "chain",
            "region",
            "supply_type",
            "maturity",
            "status",
            "price_min",
            "price_max",
            "organization",
            "menu",
        ]


class _ApiIds(django_filters.FilterSet):
    """The API's chain/region filters: any id in range is a valid query (one naming nothing gives
    an empty list, as the OpenAPI document promises); the HTML sidebar keeps its <select> lists."""

    chain = IdFilter(label="产业链编号（含其环节）", method=filter_chain)
    region = IdFilter(label="地区编号（含下级地区）", method=filter_region)


class DemandApiFilterSet(_ApiIds, DemandFilterSet):
    pass


class SupplyApiFilterSet(_ApiIds, SupplyFilterSet):
    pass


# The FilterSet of each kind (catalog.kinds key), for pages written once over both kinds.
FILTERSETS = {"demands": DemandFilterSet, "supplies": SupplyFilterSet}
