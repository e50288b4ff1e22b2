"""DemandFilterSet / SupplyFilterSet: region includes sub-regions, chain includes 环节, ranges."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from catalog.filters import DemandFilterSet, SupplyFilterSet
from catalog.models import Demand, Supply
from catalog.regions import region_resolve
from tests import factories

pytestmark = pytest.mark.django_db


def filtered(params, model=Demand):
    filterset_class = DemandFilterSet if model is Demand else SupplyFilterSet
    filterset = filterset_class(params, queryset=model.objects.all())
    assert filterset.is_valid(), filterset.errors
    return sorted(o.title for o in filterset.qs)


@pytest.fixture
def demands(park_org):
    demand_list = factories.DemandListFactory(organization=park_org)
    today = timezone.localdate()

    def make(title, **kwargs):
        return factories.DemandFactory(demand_list=demand_list, title=title, **kwargs)

    return {
        "district": make(
            "任城区需求",
            region=region_resolve("济宁市任城区"),
            budget_wan=Decimal("50"),
            deadline=today + datetime.timedelta(days=10),
        ),
        "city": make(
            "济宁市需求",
            region=factories.region("山东省济宁市"),
            budget_wan=Decimal("200"),
            deadline=today + datetime.timedelta(days=40),
            chain=factories.chain("协作机器人"),
        ),
        "other_city": make(
            "青岛需求",
            region=factories.region("山东省青岛市"),
            budget_wan=Decimal("500"),
            deadline=today + datetime.timedelta(days=90),
            chain=factories.chain("碳化硅"),
            demand_type="设备采购",
        ),
        "no_budget": make(
            "预算面议需求",
            region=factories.region("山东省青岛市"),
            budget_wan=None,
            deadline=None,
            chain=factories.chain("集成电路"),
        ),
    }


def test_city_includes_its_districts(demands):
    jining = factories.region("山东省济宁市").pk
    assert filtered({"region": jining}) == ["任城区需求", "济宁市需求"]


def test_district_is_just_the_district(demands):
    assert filtered({"region": demands["district"].region_id}) == ["任城区需求"]


def test_province_includes_cities_and_districts(demands):
    assert len(filtered({"region": factories.region("山东省").pk})) == 4


def test_chain_includes_its_segments(demands):
    # 协作机器人 is a 环节 of 机器人; the factory default chain is 机器人 itself.
    assert filtered({"chain": factories.chain("机器人").pk}) == ["任城区需求", "济宁市需求"]
    assert filtered({"chain": factories.chain("协作机器人").pk}) == ["济宁市需求"]
    # 碳化硅 belongs to 第三代半导体, not to 集成电路.
    assert filtered({"chain": factories.chain("第三代半导体").pk}) == ["青岛需求"]
    assert filtered({"chain": factories.chain("集成电路").pk}) == ["预算面议需求"]


def test_budget_range(demands):
    assert filtered({"budget_min": "100", "budget_max": "300"}) == ["济宁市需求"]
    assert filtered({"budget_min": "200"}) == ["济宁市需求", "青岛需求"]
    assert filtered({"budget_max": "50"}) == ["任城区需求"]


def test_deadline_range(demands):
    today = timezone.localdate()
    assert filtered(
        {
            "deadline_after": (today + datetime.timedelta(days=20)).isoformat(),
            "deadline_before": (today + datetime.timedelta(days=60)).isoformat(),
        }
    ) == ["济宁市需求"]


def test_type_and_status(demands):
    assert filtered({"demand_type": "设备采购"}) == ["青岛需求"]
    Demand.objects.filter(pk=demands["city"].pk).update(status=Demand.Status.SIGNED)
    assert filtered({"status": "signed"}) == ["济宁市需求"]


def test_filters_combine_with_search(demands):
    from catalog import search

    Demand.objects.filter(region__name="青岛市").update(description="碳化硅衬底与外延片。")
    for demand in Demand.objects.all():
        search.index_object(demand)
        demand.save()
    assert filtered({"q": "机器人", "region": factories.region("山东省济宁市").pk}) == ["任城区需求", "济宁市需求"]
    assert filtered({"q": "机器人", "region": factories.region("山东省青岛市").pk}) == []
    assert filtered({"q": "碳化硅", "region": factories.region("山东省").pk}) == ["青岛需求", "预算面议需求"]


def test_invalid_values_are_reported_not_guessed():
    filterset = DemandFilterSet({"budget_min": "很多", "chain": "99999"}, queryset=Demand.objects.all())
    assert not filterset.is_valid()
    assert set(filterset.errors) == {"budget_min", "chain"}


def test_supply_price_range_chain_and_region(supplier_org):
    menu = factories.SupplyMenuFactory(organization=supplier_org)
    factories.SupplyFactory(menu=menu, title="便宜方案", price_wan=Decimal("20"))
    factories.SupplyFactory(
        menu=menu,
        title="贵方案",
        price_wan=Decimal("800"),
        chain=factories.chain("碳化硅"),
        region=region_resolve("北京市顺义区"),
    )
    assert filtered({"price_min": "100"}, Supply) == ["贵方案"]
    assert filtered({"price_max": "100"}, Supply) == ["便宜方案"]
    assert filtered({"chain": factories.chain("第三代半导体").pk}, Supply) == ["贵方案"]
    assert filtered({"region": factories.region("北京市").pk}, Supply) == ["便宜方案", "贵方案"]
    assert filtered({"region": factories.region("北京市顺义区").pk}, Supply) == ["贵方案"]
