"""Sealed means sealed (issue #10), through pages, export, attachments, admin and notifications.

Before the deadline (截止日期 inclusive) nobody but the bidding organisation learns that a bid exists:
not the owner (admin or member), not liaison staff, not platform admins. After it: the owner
organisation, liaison staff covering the demand's region, platform admins. A liaison of other regions
and other organisations never. A bid sent sealed stays sealed if the demand's flag is flipped.
"""

import datetime
import io
import re

import pytest
import time_machine
from openpyxl import load_workbook

from bidding import services
from bidding.models import Bid
from catalog.models import Demand
from notifications.models import Notification
from tests.bidding.conftest import at_local
from tests.bidding.factories import PDF_BYTES, bidder, submit, upload

pytestmark = pytest.mark.django_db

SECRET_PRICE = "987.65"
SECRET_TEXT = "密封方案：视觉引导装配"
PERSONA_FIXTURES = {
    "bidder": "supplier_user",
    "owner_member": "owner",
    "owner_admin": "owner_admin",
    "other_org": "other_member",
    "liaison_covering": "liaison",
    "liaison_other_regions": "liaison_coast",
    "platform_admin": "platform_admin",
    "anonymous": None,
}
READERS_AFTER = {"owner_member", "owner_admin", "liaison_covering", "platform_admin"}


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _before(demand):
    return at_local(demand.deadline, 23, 59, 59)  # the last second of the deadline day


def _after(demand):
    return at_local(demand.deadline + datetime.timedelta(days=1), 0, 0, 1)


@pytest.fixture
def scene(sealed_demand, supplier_user):
    """supplier_user's sealed bid (with an attachment) and a competitor's, both on the deadline day."""
    with time_machine.travel(at_local(sealed_demand.deadline, 9), tick=False):
        bid = submit(
            sealed_demand,
            supplier_user,
            price=SECRET_PRICE,
            proposal=SECRET_TEXT,
            attachments=[upload("报价单.pdf", PDF_BYTES)],
        )
        submit(sealed_demand, bidder("北京竞争对手科技有限公司"), price="500", proposal="竞争方案")
    return bid


def _login(client, request, persona):
    name = PERSONA_FIXTURES[persona]
    user = request.getfixturevalue(name) if name else None
    if user is not None:
        client.force_login(user)
    return user


def _leaks(text, org_name):
    return SECRET_PRICE in text or SECRET_TEXT in text or org_name in text or "报价单.pdf" in text


@pytest.mark.parametrize("moment", ["before", "after"])
@pytest.mark.parametrize("persona", list(PERSONA_FIXTURES))
def test_bid_tab_export_and_attachment_per_persona(client, request, scene, supplier_org, persona, moment):
    demand = scene.demand
    attachment = scene.attachments.get()
    sees = persona == "bidder" or (moment == "after" and persona in READERS_AFTER)
    with time_machine.travel(_before(demand) if moment == "before" else _after(demand), tick=False):
        _login(client, request, persona)  # inside the travel: a session from today would have expired
        tab = client.get(f"/bids/demand/{demand.pk}/")
        export = client.get(f"/bids/demand/{demand.pk}/export/")
        download = client.get(f"/bids/attachments/{attachment.pk}/")
    assert tab.status_code == 200
    text = tab.content.decode()
    assert _leaks(text, supplier_org.name) is sees
    if persona != "bidder":
        # Nobody else learns whether the competitor bid either (or how many bids there are).
        assert ("竞争方案" in text) is sees and ("份）" in text) is sees
    # Export: the readers' workbook after the deadline; the same sealed redirect for readers before it.
    if persona == "anonymous":
        assert export.status_code == 302 and "/accounts/login/" in export["Location"]
    elif moment == "after" and persona in READERS_AFTER:
        assert export.status_code == 200
        rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
        assert {row[0] for row in rows[2:]} == {supplier_org.name, "北京竞争对手科技有限公司"}
        assert float(SECRET_PRICE) in {row[1] for row in rows[2:]}
    elif moment == "before" and persona in READERS_AFTER:
        assert export.status_code == 302 and export["Location"] == f"/bids/demand/{demand.pk}/"
    else:
        assert export.status_code == 404
    # Attachment download.
    if persona == "anonymous":
        assert download.status_code == 302
    else:
        assert download.status_code == (200 if sees else 404)
        if sees:
            assert b"".join(download.streaming_content) == PDF_BYTES


@pytest.mark.parametrize(
    "persona", ["owner_member", "owner_admin", "liaison_covering", "liaison_other_regions", "platform_admin"]
)
def test_sealed_page_and_export_are_the_same_with_or_without_bids(client, request, sealed_demand, persona):
    def snapshot():
        page = client.get(f"/bids/demand/{sealed_demand.pk}/")
        export = client.get(f"/bids/demand/{sealed_demand.pk}/export/", follow=True)
        # Only the CSRF token may differ between two renderings of the same page.
        return [r.status_code for r in (page, export)], [
            re.sub(r'(csrfmiddlewaretoken" value="|csrf-token" content=")[^"]+', r"\1", r.content.decode())
            for r in (page, export)
        ]

    with time_machine.travel(_before(sealed_demand), tick=False):
        _login(client, request, persona)
        empty = snapshot()
        submit(sealed_demand, bidder(), price=SECRET_PRICE, proposal=SECRET_TEXT)
        submit(sealed_demand, bidder(), price="500")
        with_bids = snapshot()
    assert empty == with_bids
    assert "暂无意向书" not in with_bids[1][0] and "收到的意向书" not in with_bids[1][0]
    if persona != "liaison_other_regions":
        assert "报价密封中" in with_bids[1][0] and "报价密封中：截止日期之后才能导出意向书" in with_bids[1][1]


def test_bid_sent_sealed_stays_sealed_when_the_flag_is_flipped_in_the_database(
    client, scene, supplier_org, owner, liaison, platform_admin
):
    Demand.objects.filter(pk=scene.demand_id).update(is_open_bidding=True)
    attachment = scene.attachments.get()
    with time_machine.travel(_before(scene.demand), tick=False):
        for user in (owner, liaison, platform_admin):
            client.force_login(user)
            page = client.get(f"/bids/demand/{scene.demand_id}/").content.decode()
            export = client.get(f"/bids/demand/{scene.demand_id}/export/")
            assert not _leaks(page, supplier_org.name) and "竞争方案" not in page, user
            if export.status_code == 200:
                rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
                assert rows[2:] == [], user
            assert client.get(f"/bids/attachments/{attachment.pk}/").status_code == 404, user
    # Flipping back changes nothing either, and after the deadline the owner reads as usual.
    Demand.objects.filter(pk=scene.demand_id).update(is_open_bidding=False)
    with time_machine.travel(_after(scene.demand), tick=False):
        client.force_login(owner)
        assert SECRET_PRICE in client.get(f"/bids/demand/{scene.demand_id}/").content.decode()


def test_open_bid_becomes_unreadable_if_the_demand_is_made_sealed(client, sealed_demand, owner, supplier_user):
    sealed_demand.is_open_bidding = True
    sealed_demand.save()
    with time_machine.travel(_before(sealed_demand), tick=False):
        bid = submit(sealed_demand, supplier_user, price=SECRET_PRICE)
        assert bid.is_sealed is False
        client.force_login(owner)
        assert SECRET_PRICE in client.get(f"/bids/demand/{sealed_demand.pk}/").content.decode()
        Demand.objects.filter(pk=sealed_demand.pk).update(is_open_bidding=False)
        assert SECRET_PRICE not in client.get(f"/bids/demand/{sealed_demand.pk}/").content.decode()
        # Revising it under the sealed demand seals the bid itself.
        services.bid_update(bid=bid, user=supplier_user, proposal="修订", price_wan=SECRET_PRICE, delivery_days=9)
    bid.refresh_from_db()
    assert bid.is_sealed is True


def test_the_migration_takes_the_mode_from_the_demand():
    import importlib

    from django.apps import apps

    from tests import factories

    migration = importlib.import_module("bidding.migrations.0002_bid_is_sealed")
    demand_list = factories.DemandListFactory()
    open_demand = factories.DemandFactory(demand_list=demand_list, is_open_bidding=True)
    sealed_demand = factories.DemandFactory(demand_list=demand_list)
    open_bid = submit(open_demand, bidder())
    sealed_bid = submit(sealed_demand, bidder())
    # Start from the wrong values both ways: the migration must set each from its demand.
    Bid.objects.filter(pk=open_bid.pk).update(is_sealed=True)
    Bid.objects.filter(pk=sealed_bid.pk).update(is_sealed=False)
    migration.from_demand(apps, None)
    assert Bid.objects.get(pk=open_bid.pk).is_sealed is False
    assert Bid.objects.get(pk=sealed_bid.pk).is_sealed is True


def test_django_admin_is_sealed_for_superusers_too(client, scene, superuser, supplier_org):
    with time_machine.travel(_before(scene.demand), tick=False):
        client.force_login(superuser)
        listing = client.get("/admin/bidding/bid/")
        change = client.get(f"/admin/bidding/bid/{scene.pk}/change/", follow=True)
        attachments = client.get("/admin/bidding/bidattachment/")
    assert listing.status_code == 200
    for response in (listing, change, attachments):
        assert not _leaks(response.content.decode(), supplier_org.name)
    assert "0 个意向书" in listing.content.decode() or "0 意向书" in listing.content.decode()
    with time_machine.travel(_after(scene.demand), tick=False):
        client.force_login(superuser)
        listing = client.get("/admin/bidding/bid/").content.decode()
        change = client.get(f"/admin/bidding/bid/{scene.pk}/change/").content.decode()
    assert supplier_org.name in listing and SECRET_PRICE in change
    # Read-only: no way to change a price from the admin.
    assert 'name="price_wan"' not in change


def test_no_one_but_the_bidder_is_notified_before_the_deadline(
    scene, supplier_user, owner, owner_admin, liaison, liaison_coast, platform_admin
):
    bidder_ids = set(Bid.objects.filter(demand=scene.demand).values_list("organization__memberships__user", flat=True))
    with time_machine.travel(_before(scene.demand), tick=False):
        services.bid_update(
            bid=scene, user=supplier_user, proposal=SECRET_TEXT, price_wan=SECRET_PRICE, delivery_days=10
        )
        services.bid_withdraw(bid=scene, user=supplier_user)
        submit(scene.demand, supplier_user, price=SECRET_PRICE, proposal=SECRET_TEXT)
    assert not Notification.objects.exclude(recipient_id__in=bidder_ids).exists()
    with time_machine.travel(_after(scene.demand), tick=False):
        services.demands_close_due()
    told = set(Notification.objects.values_list("recipient_id", flat=True))
    assert told == {owner.pk, owner_admin.pk}  # the owner organisation only, after the deadline
    for user in (liaison, liaison_coast, platform_admin, supplier_user):
        assert not Notification.objects.filter(recipient=user).exists()


def test_after_the_deadline_the_public_status_does_not_tell_whether_bids_arrived(scene):
    empty = Demand.objects.get(pk=scene.demand_id)
    empty.pk = None
    empty.title = "无人投标的需求"
    empty.save()
    with time_machine.travel(_after(scene.demand), tick=False):
        services.demands_close_due()
    statuses = set(Demand.objects.filter(pk__in=[scene.demand_id, empty.pk]).values_list("status", flat=True))
    assert statuses == {Demand.Status.MATCHING}


@pytest.mark.parametrize(
    "is_open, says",
    [(False, "密封报价：截止前发布方看不到您的报价"), (True, "公开报价：发布方截止前即可查看")],
)
def test_bid_form_tells_the_mode_and_the_attachment_limit(client, sealed_demand, supplier_user, is_open, says):
    sealed_demand.is_open_bidding = is_open
    sealed_demand.save()
    with time_machine.travel(_before(sealed_demand), tick=False):
        client.force_login(supplier_user)
        form_page = client.get(f"/bids/demand/{sealed_demand.pk}/").content.decode()
        assert says in form_page and "单个附件不超过 10 MB" in form_page
        bid = submit(sealed_demand, supplier_user)
        own_page = client.get(f"/bids/demand/{sealed_demand.pk}/").content.decode()
        edit_page = client.get(f"/bids/{bid.pk}/edit/").content.decode()
    assert says in own_page
    assert says in edit_page and "单个附件不超过 10 MB" in edit_page


def test_oversized_attachment_message_names_the_limit_from_settings(client, sealed_demand, supplier_user, settings):
    settings.ATTACHMENT_MAX_BYTES = 2 * 1024 * 1024
    with time_machine.travel(_before(sealed_demand), tick=False):
        client.force_login(supplier_user)
        response = client.post(
            f"/bids/demand/{sealed_demand.pk}/",
            {
                "proposal": "方案",
                "price_wan": "1",
                "delivery_days": "1",
                "attachments": [upload("大.pdf", PDF_BYTES + b"0" * (2 * 1024 * 1024))],
            },
        )
    text = response.content.decode()
    # The error names the limit, and the form (shown again) states it from the setting.
    assert "附件「大.pdf」超过 2 MB 的大小上限" in text and "单个附件不超过 2 MB。" in text
    assert not Bid.objects.exists()
