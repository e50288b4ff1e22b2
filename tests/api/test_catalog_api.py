"""Catalog API behaviour: token push from a city's system, contacts, drafts 404, filters, errors, query counts."""

import datetime

import pytest
import time_machine
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from catalog.models import Demand, DemandList
from tests import factories

pytestmark = pytest.mark.django_db


def test_city_system_pushes_its_list_with_a_token(owner, park_org):
    token = Token.objects.create(user=owner)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    created = api.post("/api/demand-lists/", {"name": "2027年济宁市机器人产业需求清单", "year": 2027}, format="json")
    assert created.status_code == 201, created.content
    list_id = created.json()["id"]
    assert created.json()["status"] == "draft" and created.json()["organization"]["name"] == park_org.name
    demand = api.post(
        "/api/demands/",
        {
            "demand_list": list_id,
            "title": "消防无人机集群调度系统",
            "description": "需要支持20架无人机协同的调度平台，具备航线规划和任务分配。",
            "chain": "机器人",
            "demand_type": "解决方案",
            "budget_wan": "500",
            "deadline": "2099-06-30",
            "region": "济宁市任城区",
            "contact_name": "刘科长",
            "contact_phone": "0537-2222222",
        },
        format="json",
    )
    assert demand.status_code == 201, demand.content
    assert demand.json()["region"] == "山东省济宁市任城区"
    published = api.post(f"/api/demand-lists/{list_id}/publish/")
    assert published.status_code == 200 and published.json()["status"] == "collecting"
    assert DemandList.objects.get(pk=list_id).status == DemandList.Status.COLLECTING
    # Now public: an anonymous caller sees it, without contacts.
    public = APIClient().get(f"/api/demands/{demand.json()['id']}/").json()
    assert public["title"] == "消防无人机集群调度系统" and public["contact_phone"] is None


def test_wrong_token_is_refused():
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION="Token 0000000000000000000000000000000000000000")
    response = api.post("/api/demand-lists/", {"name": "x", "year": 2027}, format="json")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


@pytest.mark.parametrize(
    "persona, sees",
    [
        (None, False),
        ("unverified_member", False),
        ("other_member", True),
        ("supplier_user", True),
        ("owner", True),
        ("liaison", True),
    ],
)
def test_contacts_only_for_can_view_contacts(request, demand, persona, sees):
    api = APIClient()
    if persona:
        api.force_authenticate(request.getfixturevalue(persona))
    row = api.get(f"/api/demands/{demand.pk}/").json()
    assert (row["contact_phone"] == demand.contact_phone) is sees
    listed = next(r for r in api.get("/api/demands/").json()["results"] if r["id"] == demand.pk)
    assert (listed["contact_name"] == demand.contact_name) is sees


@pytest.mark.parametrize(
    "persona, status",
    [
        (None, 404),
        ("other_member", 404),
        ("supplier_user", 404),
        ("owner", 200),
        ("liaison", 200),
        ("platform_admin", 200),
    ],
)
def test_drafts_are_404_to_outsiders(request, park_org, persona, status):
    draft = factories.DemandFactory(demand_list=factories.DemandListFactory(organization=park_org, status="draft"))
    api = APIClient()
    if persona:
        api.force_authenticate(request.getfixturevalue(persona))
    response = api.get(f"/api/demands/{draft.pk}/")
    assert response.status_code == status
    if status == 404:
        assert response.json() == {
            "error": {"code": "not_found", "message": "未找到该对象或您无权访问。", "fields": {}}
        }
        ids = [r["id"] for r in api.get("/api/demands/").json()["results"]]
        assert draft.pk not in ids


def test_bad_input_gives_field_messages_and_writes_nothing(owner, demand):
    api = APIClient()
    api.force_authenticate(owner)
    before = Demand.objects.count()
    response = api.post(
        "/api/demands/",
        {
            "demand_list": demand.demand_list_id,
            "title": "坏数据",
            "description": "字" * 5001,
            "chain": "不存在的链",
            "demand_type": "随便",
            "budget_wan": "abc",
            "contact_name": "x",
            "contact_phone": "1",
        },
        format="json",
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert "未知的产业链「不存在的链」" in fields["chain"][0]
    assert {"description", "demand_type", "budget_wan"} <= set(fields)
    assert Demand.objects.count() == before
    dup = api.post(
        "/api/demands/",
        {
            "demand_list": demand.demand_list_id,
            "title": demand.title,
            "description": demand.description,
            "chain": "机器人",
            "demand_type": "技术攻关",
            "contact_name": "x",
            "contact_phone": "0537-2345678",
        },
        format="json",
    )
    assert dup.status_code == 400 and "已有名为" in dup.json()["error"]["message"]
    assert Demand.objects.count() == before


def test_filters_search_and_ordering(park_org):
    lst = factories.DemandListFactory(organization=park_org)
    chip = factories.DemandFactory(
        demand_list=lst,
        title="碳化硅功率器件封装测试需求",
        description="需要碳化硅模块封装测试线。",
        chain=factories.chain("第三代半导体"),
        budget_wan=900,
        demand_type="设备采购",
    )
    robot = factories.DemandFactory(demand_list=lst, budget_wan=100)
    from catalog.search import index_object

    for obj in (chip, robot):
        index_object(obj)
        obj.save()
    api = APIClient()
    ids = lambda q: [r["id"] for r in api.get(f"/api/demands/{q}").json()["results"]]  # noqa: E731
    assert ids("?q=碳化硅") == [chip.pk]
    assert ids(f"?chain={factories.chain('第三代半导体').pk}") == [chip.pk]
    assert ids("?budget_min=500") == [chip.pk]
    assert ids("?demand_type=设备采购") == [chip.pk]
    assert ids("?ordering=budget_wan") == [robot.pk, chip.pk]
    assert ids("?ordering=-budget_wan") == [chip.pk, robot.pk]
    bad = api.get("/api/demands/?budget_min=abc")
    assert bad.status_code == 400 and "budget_min" in bad.json()["error"]["fields"]


def _rows(factory_call, n):
    for _ in range(n):
        factory_call()


@pytest.mark.parametrize(
    "url, make",
    [
        ("/api/demands/", lambda w: factories.DemandFactory(demand_list=w.demand_list)),
        ("/api/supplies/", lambda w: factories.SupplyFactory(menu=w.menu)),
        ("/api/demand-lists/", lambda w: factories.DemandListFactory(organization=w.park_org)),
        ("/api/supply-menus/", lambda w: factories.SupplyMenuFactory(organization=w.supplier_org)),
        ("/api/bids/", None),
        ("/api/notifications/", None),
    ],
)
@pytest.mark.parametrize("persona", ["anonymous", "owner", "liaison"])
def test_list_query_count_does_not_grow_with_rows(
    world, api_as, django_assert_max_num_queries, settings, url, make, persona
):
    settings.BID_MONTHLY_QUOTA = 1000
    from bidding.services import bid_submit
    from notifications.services import notify
    from tests.bidding.factories import bidder

    if persona != "liaison" and url == "/api/bids/":
        persona = "supplier"  # the owner sees no bids before the deadline; the bidder sees its own
    if persona == "anonymous" and url == "/api/notifications/":
        persona = "supplier"

    def add(n):
        for _ in range(n):
            if url == "/api/bids/":
                d = factories.DemandFactory(demand_list=world.demand_list)
                bid_submit(demand=d, user=world.users["supplier"], proposal="方案", price_wan=1, delivery_days=1)
                bid_submit(demand=d, user=bidder(), proposal="方案", price_wan=1, delivery_days=1)
            elif url == "/api/notifications/":
                notify(recipients=[world.users[persona]], kind="system", title="通知")
            else:
                make(world)

    client = api_as(persona)

    def get(path):
        if url == "/api/bids/" and persona == "liaison":
            # Staff read bids only once the deadline has passed (sealed bids): ask after every deadline.
            with time_machine.travel(timezone.now() + datetime.timedelta(days=61), tick=False):
                return client.get(path)
        return client.get(path)

    add(4)
    get(url + "?page_size=100")  # warm per-user caches the same way for both runs
    with django_assert_max_num_queries(12) as small:
        assert get(url).status_code == 200
    add(45)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        response = get(url)
    assert response.status_code == 200 and response.json()["count"] >= 5
    assert len(large.captured_queries) == len(small.captured_queries)
