"""Sealed-bid rules that belong to the demand, and liaison staff acting only in their regions.

Rules are kept on publication, not on the first bid, so no page or message tells the owner whether
bids exist before the deadline: 报价方式 is fixed once the demand is published, the deadline may
only move later, and a published demand is never deleted (one message whatever its bids).
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from catalog.models import Demand, DemandList, Supply, SupplyMenu
from portal.models import OutboxMessage
from tests import factories
from tests.bidding import factories as bid_factories

pytestmark = pytest.mark.django_db

PUBLISHED_DELETE = "已发布的需求不能删除，请改为关闭。"
SEALED_DEADLINE = "征集期间截止日期只能延后，不能提前、取消或新增。"
SEALED_MODE = "需求发布后报价方式（公开报价/密封报价）不能再更改。"


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def later(days):
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


# --- 报价方式 and 截止日期 ----------------------------------------------------------------------------


@pytest.mark.parametrize("with_bid", [False, True])
def test_bidding_mode_is_fixed_once_published_whatever_the_bids(demand, owner, with_bid):
    if with_bid:
        bid_factories.submit(demand, bid_factories.bidder())
    response = api(owner).patch(f"/api/demands/{demand.pk}/", {"is_open_bidding": True}, format="json")
    assert response.status_code == 400
    assert SEALED_MODE in response.content.decode()
    assert Demand.objects.get(pk=demand.pk).is_open_bidding is False


def test_bidding_mode_may_change_on_a_draft(park_org, owner):
    draft = factories.DemandFactory(
        demand_list=factories.DemandListFactory(organization=park_org, status=DemandList.Status.DRAFT)
    )
    response = api(owner).patch(f"/api/demands/{draft.pk}/", {"is_open_bidding": True}, format="json")
    assert response.status_code == 200 and Demand.objects.get(pk=draft.pk).is_open_bidding is True


def _bidding_input(page):
    return re.search(r'<input[^>]*name="is_open_bidding"[^>]*>', page).group(0)


def test_edit_form_shows_the_locked_bidding_mode_without_telling_about_bids(client, demand, owner):
    client.force_login(owner)
    url = reverse("catalog:demand_edit", args=[demand.pk])
    before = client.get(url).content.decode()
    assert "disabled" in _bidding_input(before)
    assert "报价方式（公开报价/密封报价）在征集开始时确定，不能再更改" in before
    bid_factories.submit(demand, bid_factories.bidder())
    after = client.get(url).content.decode()
    csrf = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')
    assert csrf.sub("", after) == csrf.sub("", before)  # a bid changes nothing the owner can see


def test_a_draft_demand_form_lets_the_owner_choose_the_bidding_mode(client, park_org, owner):
    draft = factories.DemandFactory(
        demand_list=factories.DemandListFactory(organization=park_org, status=DemandList.Status.DRAFT)
    )
    client.force_login(owner)
    page = client.get(reverse("catalog:demand_edit", args=[draft.pk])).content.decode()
    assert "disabled" not in _bidding_input(page)


@pytest.mark.parametrize(
    "new_deadline",
    [lambda d: (d - datetime.timedelta(days=1)).isoformat(), lambda d: None],
    ids=["earlier", "removed"],
)
def test_deadline_cannot_be_shortened_or_removed_once_published(demand, owner, new_deadline):
    old = demand.deadline
    response = api(owner).patch(f"/api/demands/{demand.pk}/", {"deadline": new_deadline(old)}, format="json")
    assert response.status_code == 400 and SEALED_DEADLINE in response.content.decode()
    assert Demand.objects.get(pk=demand.pk).deadline == old


def test_deadline_extension_is_a_material_change_for_the_bidders(demand, owner):
    bid = bid_factories.submit(demand, bid_factories.bidder())
    new = demand.deadline + datetime.timedelta(days=10)
    response = api(owner).patch(f"/api/demands/{demand.pk}/", {"deadline": new.isoformat()}, format="json")
    assert response.status_code == 200
    assert Demand.objects.get(pk=demand.pk).deadline == new
    assert OutboxMessage.objects.filter(task_name="bidding.tasks.flag_material_change", args=[demand.pk]).count() == 1
    from bidding.tasks import flag_material_change

    flag_material_change(demand.pk)
    bid.refresh_from_db()
    assert bid.status == bid.Status.PENDING_CONFIRMATION


def test_the_same_deadline_rule_holds_on_the_edit_page(client, demand, owner):
    client.force_login(owner)
    payload = {
        "title": demand.title,
        "description": demand.description,
        "chain": demand.chain_id,
        "demand_type": demand.demand_type,
        "budget_wan": "200",
        "deadline": (demand.deadline - datetime.timedelta(days=5)).isoformat(),
        "contact_name": demand.contact_name,
        "contact_phone": demand.contact_phone,
        "region": "",
    }
    response = client.post(reverse("catalog:demand_edit", args=[demand.pk]), payload)
    assert response.status_code == 200 and SEALED_DEADLINE in response.content.decode()


# --- deleting a published demand ---------------------------------------------------------------------


@pytest.mark.parametrize("with_bid", [False, True])
@pytest.mark.parametrize("persona", ["owner_admin", "platform_admin"])
def test_published_demand_delete_says_one_thing_whatever_the_bids(client, demand, request, persona, with_bid):
    if with_bid:
        bid_factories.submit(demand, bid_factories.bidder())
    client.force_login(request.getfixturevalue(persona))
    response = client.post(reverse("catalog:demand_delete", args=[demand.pk]), follow=True)
    page = response.content.decode()
    assert PUBLISHED_DELETE in page and "意向书" not in page.split(PUBLISHED_DELETE)[0][-300:]
    assert Demand.objects.filter(pk=demand.pk).exists()


def test_a_draft_demand_may_still_be_deleted_by_the_org_admin(client, park_org, owner_admin):
    draft = factories.DemandFactory(
        demand_list=factories.DemandListFactory(organization=park_org, status=DemandList.Status.DRAFT)
    )
    client.force_login(owner_admin)
    response = client.post(reverse("catalog:demand_delete", args=[draft.pk]))
    assert response.status_code == 302 and not Demand.objects.filter(pk=draft.pk).exists()


# --- liaison staff close only in their regions ---------------------------------------------------------


def test_coast_liaison_cannot_close_a_jining_demand_or_list(client, demand, liaison_coast):
    client.force_login(liaison_coast)
    page = client.get(reverse("catalog:demand_detail", args=[demand.pk])).content.decode()
    assert 'id="btn-close"' not in page  # reads published content everywhere, acts only at home
    assert client.post(reverse("catalog:demand_close", args=[demand.pk])).status_code == 403
    list_page = client.get(reverse("catalog:demandlist_detail", args=[demand.demand_list_id])).content.decode()
    assert 'id="btn-close"' not in list_page
    assert client.post(reverse("catalog:demandlist_close", args=[demand.demand_list_id])).status_code == 403
    assert Demand.objects.get(pk=demand.pk).status == Demand.Status.COLLECTING
    assert DemandList.objects.get(pk=demand.demand_list_id).status == DemandList.Status.COLLECTING
    # …and through the API it can neither change the demand nor its list.
    client = api(liaison_coast)
    assert client.patch(f"/api/demands/{demand.pk}/", {"budget_wan": "1"}, format="json").status_code == 403
    assert client.patch(f"/api/demand-lists/{demand.demand_list_id}/", {"name": "x"}, format="json").status_code == 403
    assert Demand.objects.get(pk=demand.pk).budget_wan == 200


def test_jining_liaison_and_platform_admin_may_close(client, demand, liaison, platform_admin):
    client.force_login(liaison)
    assert client.post(reverse("catalog:demand_close", args=[demand.pk])).status_code == 302
    assert Demand.objects.get(pk=demand.pk).status == Demand.Status.CLOSED
    client.force_login(platform_admin)
    assert client.post(reverse("catalog:demandlist_close", args=[demand.demand_list_id])).status_code == 302
    assert DemandList.objects.get(pk=demand.demand_list_id).status == DemandList.Status.CLOSED


def test_liaison_reads_drafts_only_of_covered_regions(client, park_org, liaison, liaison_coast):
    draft = factories.DemandFactory(
        demand_list=factories.DemandListFactory(organization=park_org, status=DemandList.Status.DRAFT)
    )
    client.force_login(liaison_coast)
    assert client.get(reverse("catalog:demand_detail", args=[draft.pk])).status_code == 404
    assert api(liaison_coast).get(f"/api/demands/{draft.pk}/").status_code == 404
    client.force_login(liaison)
    assert client.get(reverse("catalog:demand_detail", args=[draft.pk])).status_code == 200


def test_coast_liaison_cannot_close_a_beijing_supply_menu(client, supply, liaison_coast):
    client.force_login(liaison_coast)
    assert client.post(reverse("catalog:supply_close", args=[supply.pk])).status_code == 403
    assert client.post(reverse("catalog:supplymenu_close", args=[supply.menu_id])).status_code == 403
    assert Supply.objects.get(pk=supply.pk).status == Supply.Status.ACTIVE
    assert SupplyMenu.objects.get(pk=supply.menu_id).status == SupplyMenu.Status.PUBLISHED
