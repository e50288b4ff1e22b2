"""List pages count at most COUNT_CAP rows (an exact COUNT(*) over 100k rows cost more than the page)."""

import pytest
from django.urls import reverse

from catalog import views
from catalog.search import index_object
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def five_demands(park_org):
    demand_list = factories.DemandListFactory(organization=park_org)
    demands = [factories.DemandFactory(demand_list=demand_list) for _ in range(5)]
    for demand in demands:
        index_object(demand)
        demand.save(update_fields=["search_tokens"])
    return demands


def test_count_below_the_cap_is_exact(client, five_demands, monkeypatch):
    monkeypatch.setattr(views, "COUNT_CAP", 10)
    text = client.get(reverse("catalog:demand_list")).content.decode()
    assert "共 5 条需求" in text and "只列出前" not in text


def test_count_above_the_cap_says_so(client, five_demands, monkeypatch):
    monkeypatch.setattr(views, "COUNT_CAP", 3)
    response = client.get(reverse("catalog:demand_list"))
    text = response.content.decode()
    assert "共 3+ 条需求" in text and "只列出前 3 条，请用筛选条件缩小范围" in text
    assert len(response.context["page_obj"].object_list) == 3
    # Search results are capped the same way.
    text = client.get(reverse("catalog:demand_list"), {"q": "协作机器人"}).content.decode()
    assert "共 3+ 条需求" in text


def test_supply_list_is_capped_too(client, supply, monkeypatch):
    factories.SupplyFactory(menu=supply.menu)
    monkeypatch.setattr(views, "COUNT_CAP", 1)
    assert "共 1+ 条供给" in client.get(reverse("catalog:supply_list")).content.decode()
