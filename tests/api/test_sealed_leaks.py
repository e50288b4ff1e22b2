"""A competitor (and the demand's owner) try to learn a sealed bid before the deadline — and cannot.

The world has supplier_user's bid of 987.65 万元 / 77 天 on `demand` (deadline in the future).
Competitor = a member of another verified Beijing company that also bids.
"""

import datetime
import io
import uuid

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from bidding import services
from bidding.models import Bid
from notifications.models import Notification
from tests.bidding.conftest import at_local
from tests.bidding.factories import PDF_BYTES, bidder

pytestmark = pytest.mark.django_db

SECRET_PRICE = "987.65"


@pytest.fixture
def competitor(world):
    return bidder("北京竞争对手科技有限公司")


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _secret_in(text, world):
    return SECRET_PRICE in text or "987.6" in text or world.supplier_org.name in text or "密封方案" in text


def test_competitor_bid_endpoints_show_nothing(world, competitor):
    api = _api(competitor)
    services.bid_submit(demand=world.demand, user=competitor, proposal="我方方案", price_wan=500, delivery_days=60)
    queries = [
        "",
        f"?demand={world.demand.pk}",
        "?ordering=price_wan",
        "?ordering=-price_wan",
        "?status=submitted",
        f"?demand={world.demand.pk}&ordering=price_wan",
        "?page=2",
        "?search=987",
    ]
    for query in queries:
        response = api.get(f"/api/bids/{query}")
        text = response.content.decode()
        assert not _secret_in(text, world), query
        if response.status_code == 200:
            assert response.json()["count"] <= 1, query  # only its own bid is ever counted


def test_price_ordering_is_not_offered(world, competitor):
    """Ordering by price is ignored: results come in submission order, not price order."""
    api = _api(competitor)
    response = api.get("/api/bids/?ordering=price_wan")
    assert response.status_code == 200 and response.json()["count"] == 0
    schema = APIClient().get("/api/schema/?format=json").json()
    ordering = next(p for p in schema["paths"]["/api/bids/"]["get"]["parameters"] if p["name"] == "ordering")
    assert "price" not in str(ordering)


def test_sealed_bid_is_indistinguishable_from_a_missing_one(world, competitor, owner):
    for user in (competitor, owner):
        api = _api(user)
        for suffix, method, data in (
            ("", "get", None),
            ("", "put", {"proposal": "x", "price_wan": "1", "delivery_days": 1}),
            ("withdraw/", "post", None),
            ("confirm/", "post", None),
            ("decide/", "post", {"decision": "reject", "reason": "price"}),
        ):
            real = getattr(api, method)(f"/api/bids/{world.bid.pk}/{suffix}", data, format="json")
            fake = getattr(api, method)(f"/api/bids/{uuid.uuid4()}/{suffix}", data, format="json")
            assert real.status_code == fake.status_code == 404, (user, suffix)
            assert real.json() == fake.json()
    world.bid.refresh_from_db()
    assert world.bid.status == Bid.Status.SUBMITTED


def test_demand_payload_does_not_change_when_bids_arrive(world, competitor, owner):
    """Detail, list, filters and ordering of demands carry no bid count or price — before or after bidding."""
    fresh = type(world.demand).objects.create(
        demand_list=world.demand_list,
        organization=world.park_org,
        region=world.demand.region,
        title="空白需求",
        description=world.demand.description,
        chain=world.demand.chain,
        demand_type="技术攻关",
        budget_wan=100,
        deadline=world.demand.deadline,
        contact_name="王主任",
        contact_phone="0537-1",
    )
    urls = [
        f"/api/demands/{fresh.pk}/",
        "/api/demands/",
        "/api/demands/?ordering=-budget_wan",
        "/api/demands/?q=机器人",
        f"/api/demand-lists/{world.demand_list.pk}/",
    ]
    for user in (competitor, owner):
        before = {url: _api(user).get(url).json() for url in urls}
        services.bid_submit(demand=fresh, user=bidder(), proposal="第三方", price_wan=SECRET_PRICE, delivery_days=5)
        after = {url: _api(user).get(url).json() for url in urls}
        for url in urls:
            assert before[url] == after[url], url
            rows = after[url].get("results", [after[url]])
            assert not [key for row in rows for key in row if key.startswith("bid") or "count" in key], url
        Bid.objects.filter(demand=fresh).delete()


@pytest.mark.parametrize("ordering", ["bids", "bid_count", "-bids__price_wan", "bids__price_wan"])
def test_demand_ordering_by_bid_fields_is_ignored(world, competitor, ordering):
    plain = _api(competitor).get("/api/demands/").json()
    assert _api(competitor).get(f"/api/demands/?ordering={ordering}").json() == plain


def test_html_pages_leak_nothing_before_the_deadline(world, competitor, owner):
    client = Client()
    for user in (competitor, owner):
        client.force_login(user)
        for url in (
            f"/bids/demand/{world.demand.pk}/",
            f"/demands/{world.demand.pk}/",
            "/bids/mine/",
            "/notifications/",
        ):
            response = client.get(url)
            assert response.status_code == 200, url
            text = response.content.decode()
            assert not _secret_in(text, world), (user, url)
    # The owner sees the sealed notice, not a count.
    client.force_login(owner)
    text = client.get(f"/bids/demand/{world.demand.pk}/").content.decode()
    assert "报价密封中" in text and "收到的意向书" not in text and "1 份" not in text


def test_owner_gets_no_notification_per_bid(world, owner, owner_admin):
    assert not Notification.objects.filter(recipient__in=[owner, owner_admin], kind="bid").exists()


def test_duplicate_and_quota_messages_mention_only_the_callers_own_bids(world, competitor, settings):
    api = _api(competitor)
    body = {"demand": world.demand.pk, "proposal": "方案", "price_wan": "1", "delivery_days": 1}
    assert api.post("/api/bids/", body, format="json").status_code == 201
    duplicate = api.post("/api/bids/", body, format="json")
    assert duplicate.status_code == 400 and "贵单位已对该需求提交过意向书" in duplicate.json()["error"]["message"]
    settings.BID_MONTHLY_QUOTA = 1
    other_demand = type(world.demand).objects.get(pk=world.demand.pk)
    other_demand.pk = None
    other_demand.title = "另一个需求"
    other_demand.save()
    quota = api.post("/api/bids/", {**body, "demand": other_demand.pk}, format="json")
    assert quota.status_code == 400
    assert "本月已提交 1 份意向书" in quota.json()["error"]["message"]  # its own one, not the platform's two


def test_after_the_deadline_owner_reads_and_competitor_still_does_not(world, competitor, owner, liaison):
    services.bid_submit(demand=world.demand, user=competitor, proposal="我方方案", price_wan=500, delivery_days=60)
    with time_machine.travel(at_local(world.demand.deadline + datetime.timedelta(days=1), 9), tick=False):
        owner_view = _api(owner).get(f"/api/bids/?demand={world.demand.pk}").json()
        competitor_view = _api(competitor).get(f"/api/bids/?demand={world.demand.pk}").json()
        liaison_view = _api(liaison).get(f"/api/bids/?demand={world.demand.pk}").json()
    assert owner_view["count"] == 2 and SECRET_PRICE in str(owner_view)
    assert competitor_view["count"] == 1 and SECRET_PRICE not in str(competitor_view)
    assert liaison_view["count"] == 2


def test_open_bidding_lets_the_owner_read_before_the_deadline(world, owner, competitor):
    world.demand.is_open_bidding = True
    world.demand.save()
    bid = services.bid_submit(demand=world.demand, user=competitor, proposal="公开方案", price_wan=5, delivery_days=5)
    assert _api(owner).get(f"/api/bids/{bid.pk}/").status_code == 200
    assert _api(competitor).get(f"/api/bids/{world.bid.pk}/").status_code == 404
    # The world's bid was sent while the demand was sealed: it stays sealed.
    assert _api(owner).get(f"/api/bids/{world.bid.pk}/").status_code == 404


# --- issue #10: the whole matrix per persona, before and after the deadline -----------------------

PERSONAS = (
    "bidder",
    "competitor",
    "owner_member",
    "owner_admin",
    "other_org",
    "liaison_covering",
    "liaison_other_regions",
    "platform_admin",
    "anonymous",
)
# Who reads every bid on the demand after the deadline (the two bidders each read their own only).
READERS_AFTER = {"owner_member", "owner_admin", "liaison_covering", "platform_admin"}


@pytest.fixture
def liaison_coast(db):
    """A liaison of other regions (青岛/烟台/潍坊): never reads a 济宁 bid."""
    from tests import factories

    user = factories.LiaisonFactory(username="liaison_coast")
    for city in ("山东省青岛市", "山东省烟台市", "山东省潍坊市"):
        user.responsible_regions.add(factories.region(city))
    return user


@pytest.fixture
def people(world, competitor, owner_admin, liaison_coast):
    services.bid_submit(demand=world.demand, user=competitor, proposal="竞争方案", price_wan=500, delivery_days=60)
    return {
        "bidder": world.users["supplier"],
        "competitor": competitor,
        "owner_member": world.users["owner"],
        "owner_admin": owner_admin,
        "other_org": world.users["other"],
        "liaison_covering": world.users["liaison"],
        "liaison_other_regions": liaison_coast,
        "platform_admin": world.users["admin"],
        "anonymous": None,
    }


def _moment(world, moment):
    if moment == "before":
        return at_local(world.demand.deadline, 23, 59, 59)
    return at_local(world.demand.deadline + datetime.timedelta(days=1), 0, 0, 1)


def _client(user):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _expected_count(persona, moment):
    if persona in ("bidder", "competitor"):
        return 1
    if moment == "after" and persona in READERS_AFTER:
        return 2
    return 0


@pytest.mark.parametrize("moment", ["before", "after"])
@pytest.mark.parametrize("persona", PERSONAS)
def test_bids_api_per_persona(world, people, persona, moment):
    api = _client(people[persona])
    count = _expected_count(persona, moment)
    sees_world_bid = persona == "bidder" or (moment == "after" and persona in READERS_AFTER)
    with time_machine.travel(_moment(world, moment), tick=False):
        listings = {
            query: api.get(f"/api/bids/{query}")
            for query in (
                "",
                f"?demand={world.demand.pk}",
                "?ordering=price_wan",
                f"?demand={world.demand.pk}&ordering=-price_wan",
                "?status=submitted",
                "?page=1",
            )
        }
        detail = api.get(f"/api/bids/{world.bid.pk}/")
        missing = api.get(f"/api/bids/{uuid.uuid4()}/")
    if persona == "anonymous":
        assert {r.status_code for r in [*listings.values(), detail]} == {401}
        return
    for query, response in listings.items():
        assert response.status_code == 200, query
        body = response.json()
        assert body["count"] == count == len(body["results"]), query  # the pagination total too
        assert (SECRET_PRICE in response.content.decode()) is sees_world_bid, query
    if sees_world_bid:
        assert detail.status_code == 200 and detail.json()["price_wan"] == SECRET_PRICE
        assert detail.json()["is_sealed"] is True
    else:
        # A bid the caller may not know about answers exactly like one that does not exist.
        assert detail.status_code == missing.status_code == 404
        assert detail.json() == missing.json()


@pytest.mark.parametrize("persona", ["owner_member", "owner_admin", "liaison_covering", "platform_admin"])
def test_staff_and_owner_actions_on_a_sealed_bid_answer_404(world, people, persona):
    """Before the deadline even trying to act on the bid must not confirm that it exists (was 403/400)."""
    api = _client(people[persona])
    with time_machine.travel(_moment(world, "before"), tick=False):
        for suffix, method, data in (
            ("", "put", {"proposal": "x", "price_wan": "1", "delivery_days": 1}),
            ("withdraw/", "post", None),
            ("confirm/", "post", None),
            ("decide/", "post", {"decision": "shortlist"}),
        ):
            real = getattr(api, method)(f"/api/bids/{world.bid.pk}/{suffix}", data, format="json")
            fake = getattr(api, method)(f"/api/bids/{uuid.uuid4()}/{suffix}", data, format="json")
            assert real.status_code == fake.status_code == 404, suffix
            assert real.json() == fake.json(), suffix
    world.bid.refresh_from_db()
    assert world.bid.status == Bid.Status.SUBMITTED


def test_after_the_deadline_only_owner_and_admin_decide_covering_liaison_reads(world, people):
    with time_machine.travel(_moment(world, "after"), tick=False):
        liaison = _client(people["liaison_covering"]).post(
            f"/api/bids/{world.bid.pk}/decide/", {"decision": "shortlist"}, format="json"
        )
        coast = _client(people["liaison_other_regions"]).post(
            f"/api/bids/{world.bid.pk}/decide/", {"decision": "shortlist"}, format="json"
        )
        owner = _client(people["owner_admin"]).post(
            f"/api/bids/{world.bid.pk}/decide/", {"decision": "shortlist"}, format="json"
        )
    assert liaison.status_code == 403 and "只有需求发布单位可以处理意向书" in liaison.json()["error"]["message"]
    assert coast.status_code == 404
    assert owner.status_code == 200 and owner.json()["status"] == "shortlisted"


@pytest.mark.parametrize("persona", ["owner_member", "owner_admin", "liaison_covering", "platform_admin"])
def test_bid_sent_sealed_stays_sealed_after_a_direct_flip_of_the_flag(world, people, persona):
    """The demo reproduction: flip is_open_bidding (here straight in the database), read, flip back."""
    type(world.demand).objects.filter(pk=world.demand.pk).update(is_open_bidding=True)
    api = _client(people[persona])
    with time_machine.travel(_moment(world, "before"), tick=False):
        listing = api.get(f"/api/bids/?demand={world.demand.pk}")
        ordered = api.get("/api/bids/?ordering=price_wan")
        detail = api.get(f"/api/bids/{world.bid.pk}/")
        client = Client()
        client.force_login(people[persona])
        export = client.get(f"/bids/demand/{world.demand.pk}/export/")
        page = client.get(f"/bids/demand/{world.demand.pk}/")
    assert listing.json()["count"] == 0 and ordered.json()["count"] == 0
    assert detail.status_code == 404
    for text in (listing.content.decode(), ordered.content.decode(), page.content.decode()):
        assert not _secret_in(text, world) and "竞争方案" not in text
    if export.status_code == 200:
        from openpyxl import load_workbook

        rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
        assert rows[2:] == []


def test_api_tells_the_bidder_the_mode_and_the_attachment_limit(world, competitor, settings):
    open_demand = type(world.demand).objects.get(pk=world.demand.pk)
    open_demand.pk = None
    open_demand.title = "公开报价的需求"
    open_demand.is_open_bidding = True
    open_demand.save()
    api = _client(competitor)
    sealed = api.post(
        "/api/bids/",
        {"demand": world.demand.pk, "proposal": "方案", "price_wan": "1", "delivery_days": 1},
        format="json",
    )
    public = api.post(
        "/api/bids/",
        {"demand": open_demand.pk, "proposal": "方案", "price_wan": "1", "delivery_days": 1},
        format="json",
    )
    assert sealed.json()["is_sealed"] is True and public.json()["is_sealed"] is False
    settings.ATTACHMENT_MAX_BYTES = 2 * 1024 * 1024
    big = SimpleUploadedFile("大.pdf", PDF_BYTES + b"0" * (2 * 1024 * 1024), content_type="application/pdf")
    too_big = api.put(
        f"/api/bids/{sealed.json()['id']}/",
        {"proposal": "方案", "price_wan": "1", "delivery_days": 1, "attachments": [big]},
        format="multipart",
    )
    assert too_big.status_code == 400
    assert "附件「大.pdf」超过 2 MB 的大小上限" in str(too_big.json())
    schema = APIClient().get("/api/schema/?format=json").content.decode()
    assert "单个附件不超过 10 MB" in schema and "密封报价" in schema
