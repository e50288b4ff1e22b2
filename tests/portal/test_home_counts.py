"""Home page chain badges count rows filed under a chain or any of its 环节, published only."""

import pytest
from django.urls import reverse

from catalog.models import IndustryChain
from tests import factories

pytestmark = pytest.mark.django_db


def test_chain_counts_include_segments_and_skip_unpublished(client, park_org, supplier_org, unverified_org):
    robots = IndustryChain.objects.get(name="机器人")
    segment = robots.segments.first()
    demand_list = factories.DemandListFactory(organization=park_org)
    factories.DemandFactory(demand_list=demand_list, chain=robots)
    factories.DemandFactory(demand_list=demand_list, chain=segment)
    factories.SupplyFactory(menu=factories.SupplyMenuFactory(organization=supplier_org), chain=segment)
    # Not published: an unverified organisation's menu.
    factories.SupplyFactory(menu=factories.SupplyMenuFactory(organization=unverified_org), chain=robots)

    response = client.get(reverse("home"))
    chains = {c.name: c for c in response.context["chains"]}
    assert (chains["机器人"].demand_count, chains["机器人"].supply_count) == (2, 1)
    assert response.context["demand_count"] == 2 and response.context["supply_count"] == 1
    assert segment.name not in chains  # only top-level chains get a badge
