"""Filters of the case list, shared by the HTML list and the .xlsx export."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from catalog.models import IndustryChain, Region
from followups.models import Case

YES_NO = [("", "全部"), ("true", "是"), ("false", "否")]


class CaseFilterSet(django_filters.FilterSet):
    stage = django_filters.ChoiceFilter(label="阶段", choices=Case.Stage.choices, empty_label="全部")
    owner = django_filters.ModelChoiceFilter(
        label="负责人",
        empty_label="全部",
        queryset=User.objects.filter(platform_role__in=[User.PlatformRole.LIAISON, User.PlatformRole.ADMIN]).order_by(
            "username"
        ),
    )
    city = django_filters.ModelChoiceFilter(
        label="城市",
        empty_label="全部",
        queryset=Region.objects.filter(level=Region.Level.CITY, parent__name="山东省"),
        method="filter_city",
    )
    chain = django_filters.ModelChoiceFilter(
        label="产业链",
        empty_label="全部",
        queryset=IndustryChain.objects.filter(parent__isnull=True),
        method="filter_chain",
    )
    mine = django_filters.BooleanFilter(
        label="负责人",
        method="filter_mine",
        widget=forms.Select(choices=[("", "全部"), ("1", "我负责的")]),
    )
    overdue = django_filters.BooleanFilter(label="逾期", method="filter_overdue", widget=forms.Select(choices=YES_NO))
    stale = django_filters.BooleanFilter(label="30天无进展", field_name="is_stale", widget=forms.Select(choices=YES_NO))
    q = django_filters.CharFilter(label="关键词", method="filter_q")

    class Meta:
        model = Case
        fields = ["stage", "mine", "owner", "city", "chain", "overdue", "stale", "q"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["owner"].label = "指定负责人"
        for name, field in self.form.fields.items():
            css = "form-control form-control-sm" if name == "q" else "form-select form-select-sm"
            field.widget.attrs["class"] = css

    def filter_city(self, queryset, name, value):
        return queryset.filter(Q(demand__region=value) | Q(demand__region__parent=value))

    def filter_chain(self, queryset, name, value):
        return queryset.filter(Q(demand__chain=value) | Q(demand__chain__parent=value))

    def filter_mine(self, queryset, name, value):
        user = getattr(self.request, "user", None)
        if not value or user is None:
            return queryset
        return queryset.filter(owner=user)

    def filter_overdue(self, queryset, name, value):
        overdue = Q(next_action_at__lt=timezone.localdate()) & ~Q(stage__in=Case.CLOSED_STAGES)
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(demand__title__icontains=value)
            | Q(supply_org__name__icontains=value)
            | Q(demand__organization__name__icontains=value)
        )
