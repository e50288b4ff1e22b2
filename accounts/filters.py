"""Filters for organisation lists (API)."""

import django_filters

from accounts.models import Organization
from portal.api import StrictBooleanFilter


class OrganizationFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(label="单位类型", choices=Organization.Kind.choices)
    is_verified = StrictBooleanFilter(label="已认证")
    q = django_filters.CharFilter(label="名称关键词", field_name="name", lookup_expr="icontains", max_length=100)
    region = django_filters.CharFilter(label="所在地区（含下级）", method="filter_region", max_length=100)

    class Meta:
        model = Organization
        fields = ["kind", "is_verified", "q", "region"]

    def filter_region(self, queryset, name, value):
        # "济宁市" matches organisations in 济宁市 and in its districts (full names share the prefix).
        value = (value or "").strip()
        if not value:
            return queryset
        return queryset.filter(region__full_name__contains=value)
