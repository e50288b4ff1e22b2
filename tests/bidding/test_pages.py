"""The 意向书/报价 tab and 我的意向书 per role; form errors reach the page; nothing half-written."""

import datetime

import pytest
import time_machine

from bidding.models import Bid
from tests.bidding.conftest import at_local
from tests.bidding.factories import EXE_BYTES, PDF_BYTES, submit, upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.parametrize(
    "persona, status, shows",
    [
        (None, 200, "登录后可以单位名义提交意向书"),
        ("supplier_user", 200, "提交意向书"),
        ("unverified_member", 200, "尚未通过认证"),
        ("owner", 200, "报价密封中"),
        ("liaison", 200, "报价密封中"),
        ("platform_admin", 200, "报价密封中"),
    ],
)
def test_demand_bids_tab_per_role(client, request, demand, persona, status, shows):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    response = client.get(f"/bids/demand/{demand.pk}/")
    assert response.status_code == status
    assert shows in response.content.decode()


def test_draft_demand_tab_is_404_to_outsiders(client, demand, supplier_user):
    demand.demand_list.status = "draft"
    demand.demand_list.save()
    client.force_login(supplier_user)
    assert client.get(f"/bids/demand/{demand.pk}/").status_code == 404


def test_submit_edit_withdraw_through_the_page(client, demand, supplier_user):
    client.force_login(supplier_user)
    url = f"/bids/demand/{demand.pk}/"
    bad = client.post(
        url,
        {"proposal": "方案", "price_wan": "100", "delivery_days": "30", "attachments": [upload("方案.pdf", EXE_BYTES)]},
    )
    assert bad.status_code == 200 and "内容与扩展名 .pdf 不符" in bad.content.decode()
    assert not Bid.objects.exists()
    ok = client.post(
        url,
        {
            "proposal": "视觉引导装配方案",
            "price_wan": "100",
            "delivery_days": "30",
            "attachments": [upload("方案.pdf", PDF_BYTES)],
        },
    )
    assert ok.status_code == 302
    bid = Bid.objects.get()
    page = client.get(url).content.decode()
    assert "本单位的意向书" in page and "方案.pdf" in page and "100.00 万元" in page
    edited = client.post(f"/bids/{bid.pk}/edit/", {"proposal": "修订方案", "price_wan": "90", "delivery_days": "20"})
    assert edited.status_code == 302
    bid.refresh_from_db()
    assert bid.price_wan == 90 and bid.attachments.count() == 1
    client.post(f"/bids/{bid.pk}/withdraw/")
    bid.refresh_from_db()
    assert bid.status == Bid.Status.WITHDRAWN
    mine = client.get("/bids/mine/").content.decode()
    assert demand.title in mine and "已撤回" in mine


@pytest.mark.parametrize("persona", ["other_member", "owner", "liaison"])
def test_others_cannot_touch_a_bid(client, request, demand, supplier_user, persona):
    bid = submit(demand, supplier_user)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(f"/bids/{bid.pk}/edit/").status_code == 404
    assert client.post(f"/bids/{bid.pk}/withdraw/").status_code == 404
    bid.refresh_from_db()
    assert bid.status == Bid.Status.SUBMITTED


def test_owner_decides_on_the_page_after_the_deadline(client, sealed_demand, supplier_user, owner):
    with time_machine.travel(at_local(sealed_demand.deadline, 9), tick=False):
        bid = submit(sealed_demand, supplier_user)
    with time_machine.travel(at_local(sealed_demand.deadline + datetime.timedelta(days=1), 9), tick=False):
        client.force_login(owner)
        page = client.get(f"/bids/demand/{sealed_demand.pk}/").content.decode()
        assert "收到的意向书（1 份）" in page and supplier_user.memberships.get().organization.name in page
        response = client.post(f"/bids/{bid.pk}/decide/", {"decision": "reject", "reason": "", "note": ""}, follow=True)
        assert "请选择未采纳原因" in response.content.decode()
        client.post(f"/bids/{bid.pk}/decide/", {"decision": "reject", "reason": "technical", "note": "接口不兼容"})
    bid.refresh_from_db()
    assert bid.status == Bid.Status.REJECTED and bid.reject_reason == "technical"


@pytest.mark.parametrize("persona, status", [(None, 302), ("supplier_user", 200), ("owner", 200)])
def test_my_bids_page(client, request, persona, status):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    assert client.get("/bids/mine/").status_code == status
