"""Filters of the bids API. Only filters that narrow the caller's own visible bids; nothing on price."""

import django_filters

from bidding.models import Bid
from portal.api import IdFilter


class BidFilterSet(django_filters.FilterSet):
    demand = IdFilter(field_name="demand_id", label="需求编号")
    status = django_filters.ChoiceFilter(choices=Bid.Status.choices, label="状态")

    class Meta:
        model = Bid
        fields = ["demand", "status"]
