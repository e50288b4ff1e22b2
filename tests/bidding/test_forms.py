"""The bid form (issue #12): link one of the firm's own supplies, the stated attachment limit,
提交时间 after an edit (without moving the monthly quota), starred required fields."""

import datetime

import pytest
import time_machine
from django.test import override_settings

from bidding import services
from bidding.models import Bid
from catalog.models import Supply
from tests import factories
from tests.bidding import factories as bid_factories
from tests.bidding.conftest import at_local

pytestmark = pytest.mark.django_db

REFUSED = "只能关联本单位已发布、未下架的供给。"


def bid_post(**changes):
    data = {"proposal": "视觉引导装配方案，含安装调试与培训。", "price_wan": "100", "delivery_days": "30"}
    data.update(changes)
    return data


@pytest.fixture
def own_supply(supplier_org, supply):
    return supply  # conftest: a published supply of supplier_org


@pytest.fixture
def foreign_supply(db):
    org = factories.SupplierOrganizationFactory(name="北京另一家科技有限公司")
    return factories.SupplyFactory(menu=factories.SupplyMenuFactory(organization=org), title="别家的供给")


def test_form_offers_only_own_published_supplies(client, demand, supplier_user, own_supply, foreign_supply):
    closed = factories.SupplyFactory(menu=own_supply.menu, title="已下架的供给", status=Supply.Status.CLOSED)
    client.force_login(supplier_user)
    page = client.get(f"/bids/demand/{demand.pk}/").content.decode()
    assert "关联本单位供给" in page and own_supply.title in page
    assert foreign_supply.title not in page and closed.title not in page


def test_bid_links_own_supply_and_readers_see_it(client, sealed_demand, supplier_user, own_supply, owner):
    with time_machine.travel(at_local(sealed_demand.deadline, 9), tick=False):
        client.force_login(supplier_user)
        response = client.post(f"/bids/demand/{sealed_demand.pk}/", bid_post(supply=own_supply.pk))
        assert response.status_code == 302
        bid = Bid.objects.get()
        assert bid.supply == own_supply
        page = client.get(f"/bids/demand/{sealed_demand.pk}/").content.decode()
        assert "关联供给" in page and own_supply.title in page
        # Sealed: the demand's owner learns nothing before the deadline, the supply link included.
        client.force_login(owner)
        assert own_supply.title not in client.get(f"/bids/demand/{sealed_demand.pk}/").content.decode()
    with time_machine.travel(at_local(sealed_demand.deadline + datetime.timedelta(days=1), 9), tick=False):
        client.force_login(owner)
        page = client.get(f"/bids/demand/{sealed_demand.pk}/").content.decode()
        assert f"/supplies/{own_supply.pk}/" in page and own_supply.title in page


def test_another_orgs_supply_is_refused_by_form_and_service(client, demand, supplier_user, foreign_supply):
    client.force_login(supplier_user)
    response = client.post(f"/bids/demand/{demand.pk}/", bid_post(supply=foreign_supply.pk))
    assert response.status_code == 200 and REFUSED in response.content.decode()
    assert not Bid.objects.exists()
    with pytest.raises(Exception) as exc:
        services.bid_submit(
            demand=demand, user=supplier_user, proposal="方案", price_wan=1, delivery_days=1, supply=foreign_supply
        )
    assert REFUSED in str(exc.value)
    assert not Bid.objects.exists()


def test_edit_may_change_or_clear_the_link_but_not_to_a_foreign_supply(
    client, demand, supplier_user, own_supply, foreign_supply
):
    bid = bid_factories.submit(demand, supplier_user)
    client.force_login(supplier_user)
    url = f"/bids/{bid.pk}/edit/"
    page = client.get(url).content.decode()
    assert own_supply.title in page and foreign_supply.title not in page
    assert client.post(url, bid_post(supply=own_supply.pk)).status_code == 302
    bid.refresh_from_db()
    assert bid.supply == own_supply
    refused = client.post(url, bid_post(supply=foreign_supply.pk, price_wan="1"))
    assert refused.status_code == 200 and REFUSED in refused.content.decode()
    bid.refresh_from_db()
    assert bid.supply == own_supply and bid.price_wan == 100
    assert client.post(url, bid_post(supply="")).status_code == 302
    bid.refresh_from_db()
    assert bid.supply is None


def test_submitted_time_shows_the_latest_edit_and_quota_month_stays(client, demand, supplier_user):
    first = datetime.datetime(2026, 11, 30, 10, 0, tzinfo=datetime.UTC)
    with time_machine.travel(first, tick=False):
        bid = bid_factories.submit(demand, supplier_user)
    edit = datetime.datetime(2026, 12, 2, 6, 30, tzinfo=datetime.UTC)  # 14:30 in Shanghai
    client.force_login(supplier_user)
    with time_machine.travel(edit, tick=False):
        assert client.post(f"/bids/{bid.pk}/edit/", bid_post()).status_code == 302
        bid.refresh_from_db()
        assert bid.submitted_at == first and bid.revised_at == edit
        page = client.get(f"/bids/demand/{demand.pk}/").content.decode()
        assert "2026-12-02 14:30" in page and "首次提交 2026-11-30 18:00" in page
        assert "2026-12-02 14:30" in client.get("/bids/mine/").content.decode()


@override_settings(BID_MONTHLY_QUOTA=1)
def test_an_edit_does_not_count_again_towards_the_monthly_quota(client, supplier_user, park_org):
    demands = [factories.DemandFactory(demand_list=factories.DemandListFactory(organization=park_org)) for _ in "ab"]
    bid = bid_factories.submit(demands[0], supplier_user)
    client.force_login(supplier_user)
    assert client.post(f"/bids/{bid.pk}/edit/", bid_post()).status_code == 302
    refused = client.post(f"/bids/demand/{demands[1].pk}/", bid_post())
    assert "已达每月 1 份的上限" in refused.content.decode()
    assert Bid.objects.count() == 1


def test_bid_form_states_the_attachment_limit_and_stars_required_fields(client, demand, supplier_user, settings):
    settings.ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024
    client.force_login(supplier_user)
    page = client.get(f"/bids/demand/{demand.pk}/").content.decode()
    assert "单个附件不超过 10 MB" in page and "最多 5 个" in page
    assert '<label class="form-label required" for="id_proposal">' in page
    assert '<label class="form-label" for="id_supply">' in page
