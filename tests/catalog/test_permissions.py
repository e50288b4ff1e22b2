"""The permission matrix of catalog/selectors.py, exercised through the real pages.

Rows: personas. Columns: view a published item, view a draft item, see contacts on the page,
edit, close, delete. Each cell is checked for demands and for supplies.
"""

import pytest
from django.urls import reverse

from catalog.models import Demand, DemandList, Supply, SupplyMenu
from tests import factories

PERSONAS = ["anonymous", "owner", "owner_admin", "other_member", "unverified_member", "liaison", "platform_admin"]

# Liaison staff act (view drafts, close) only in their covered regions: the `liaison` fixture covers
# 济宁 (the park's demands), not 北京 (the supplier's supplies).
IN_REGION = {"demand": True, "supply": False}

#               view_published view_draft contacts edit   close  delete (a draft demand: published ones never)
MATRIX = {
    "anonymous": (True, False, False, False, False, False),
    "owner": (True, True, True, True, True, False),
    "owner_admin": (True, True, True, True, True, True),
    "other_member": (True, False, True, False, False, False),
    "unverified_member": (True, False, False, False, False, False),
    "liaison": (True, IN_REGION, True, False, IN_REGION, False),
    "platform_admin": (True, True, True, True, True, True),
}
ACTIONS = ["view_published", "view_draft", "contacts", "edit", "close", "delete"]


def test_matrix_covers_every_persona_and_action():
    assert set(MATRIX) == set(PERSONAS)
    assert all(len(row) == len(ACTIONS) for row in MATRIX.values())


@pytest.fixture
def world(park_org, supplier_org, owner, owner_admin, other_member, unverified_member, liaison, platform_admin):
    """Published + draft demand owned by the park; published + draft supply owned by the supplier.

    For supplies the "owner" personas are members of the supplier organisation.
    """
    from accounts.models import Membership

    supplier_member = factories.UserFactory(username="supplier_member2")
    factories.MembershipFactory(user=supplier_member, organization=supplier_org)
    supplier_admin = factories.UserFactory(username="supplier_admin2")
    factories.MembershipFactory(user=supplier_admin, organization=supplier_org, role=Membership.Role.ADMIN)
    published_demand = factories.DemandFactory(demand_list=factories.DemandListFactory(organization=park_org))
    draft_demand = factories.DemandFactory(
        demand_list=factories.DemandListFactory(organization=park_org, status=DemandList.Status.DRAFT)
    )
    published_supply = factories.SupplyFactory(menu=factories.SupplyMenuFactory(organization=supplier_org))
    draft_supply = factories.SupplyFactory(
        menu=factories.SupplyMenuFactory(organization=supplier_org, status=SupplyMenu.Status.DRAFT)
    )
    users = {
        "anonymous": None,
        "other_member": other_member,
        "unverified_member": unverified_member,
        "liaison": liaison,
        "platform_admin": platform_admin,
    }
    return {
        "demand": {
            "published": published_demand,
            "draft": draft_demand,
            "users": {**users, "owner": owner, "owner_admin": owner_admin},
        },
        "supply": {
            "published": published_supply,
            "draft": draft_supply,
            "users": {**users, "owner": supplier_member, "owner_admin": supplier_admin},
        },
    }


def _client(client, user):
    if user is not None:
        client.force_login(user)
    return client


def _edit_payload(kind, obj):
    common = {
        "title": obj.title + "（修订）",
        "description": obj.description,
        "chain": obj.chain_id,
        "contact_name": obj.contact_name,
        "contact_phone": obj.contact_phone,
        "region": "",
    }
    if kind == "demand":
        return {**common, "demand_type": obj.demand_type, "budget_wan": "300", "deadline": obj.deadline.isoformat()}
    return {**common, "supply_type": obj.supply_type, "price_wan": "120", "maturity": obj.maturity}


def _denied(response):
    """Refusal as a user sees it: login redirect (anonymous), 403 (visible but not allowed) or 404."""
    return response.status_code in (302, 403, 404) and (
        response.status_code != 302 or reverse("accounts:login") in response["Location"]
    )


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["demand", "supply"])
@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", ACTIONS)
def test_permission_matrix(client, world, kind, persona, action):
    allowed = MATRIX[persona][ACTIONS.index(action)]
    allowed = allowed[kind] if isinstance(allowed, dict) else allowed
    setup = world[kind]
    user = setup["users"][persona]
    client = _client(client, user)
    obj = setup["draft"] if (action, kind) == ("delete", "demand") else setup["published"]
    model = Demand if kind == "demand" else Supply
    detail = f"catalog:{kind}_detail"

    if action == "view_published":
        response = client.get(reverse(detail, args=[obj.pk]))
        assert (response.status_code == 200) is allowed
        assert (obj.title in response.content.decode()) is allowed
    elif action == "view_draft":
        draft = setup["draft"]
        response = client.get(reverse(detail, args=[draft.pk]))
        assert response.status_code == (200 if allowed else 404)
        # Drafts must not leak through the list page either.
        listing = client.get(reverse(f"catalog:{kind}_list")).content.decode()
        assert (reverse(detail, args=[draft.pk]) + '"' in listing) is allowed
    elif action == "contacts":
        page = client.get(reverse(detail, args=[obj.pk])).content.decode()
        assert (obj.contact_phone in page) is allowed
        assert ("登录并通过认证后可查看联系方式" in page) is (not allowed)
    elif action == "edit":
        page = client.get(reverse(detail, args=[obj.pk])).content.decode()
        assert ('id="btn-edit"' in page) is allowed
        response = client.post(reverse(f"catalog:{kind}_edit", args=[obj.pk]), _edit_payload(kind, obj))
        obj_after = model.objects.get(pk=obj.pk)
        if allowed:
            assert response.status_code == 302, response.content.decode()[:2000]
            assert obj_after.title.endswith("（修订）")
        else:
            assert _denied(response)
            assert obj_after.title == obj.title
    elif action == "close":
        page = client.get(reverse(detail, args=[obj.pk])).content.decode()
        assert ('id="btn-close"' in page) is allowed
        response = client.post(reverse(f"catalog:{kind}_close", args=[obj.pk]))
        closed = model.objects.get(pk=obj.pk).status == "closed"
        if allowed:
            assert response.status_code == 302 and closed
        else:
            assert _denied(response) and not closed
    elif action == "delete":
        page = client.get(reverse(detail, args=[obj.pk])).content.decode()
        assert ('id="btn-delete"' in page) is allowed
        confirm = client.get(reverse(f"catalog:{kind}_delete", args=[obj.pk]))
        assert (confirm.status_code == 200) is allowed
        response = client.post(reverse(f"catalog:{kind}_delete", args=[obj.pk]))
        exists = model.objects.filter(pk=obj.pk).exists()
        if allowed:
            assert response.status_code == 302 and not exists
        else:
            assert _denied(response) and exists


@pytest.mark.django_db
@pytest.mark.parametrize(
    "persona,status",
    [
        ("anonymous", 404),
        ("owner", 200),
        ("other_member", 404),
        ("unverified_member", 404),
        ("liaison", 200),
    ],
)
def test_draft_list_pages(client, park_org, request, persona, status):
    """A draft 需求清单 page is as private as its demands."""
    draft_list = factories.DemandListFactory(organization=park_org, status=DemandList.Status.DRAFT)
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("catalog:demandlist_detail", args=[draft_list.pk])).status_code == status


@pytest.mark.django_db
def test_other_org_cannot_add_demand_to_foreign_list(client, demand, other_member):
    client.force_login(other_member)
    response = client.get(reverse("catalog:demand_create") + f"?list={demand.demand_list_id}")
    assert response.status_code == 403
    count = Demand.objects.count()
    response = client.post(
        reverse("catalog:demandlist_demand_create", args=[demand.demand_list_id]),
        {
            "demand_list": demand.demand_list_id,
            "title": "越权添加",
            "description": "x",
            "chain": demand.chain_id,
            "demand_type": "技术攻关",
            "contact_name": "张",
            "contact_phone": "1",
        },
    )
    assert response.status_code == 403
    assert Demand.objects.count() == count


@pytest.mark.django_db
def test_anonymous_is_sent_to_login_for_create_pages(client):
    for name in (
        "catalog:demand_create",
        "catalog:supply_create",
        "catalog:demandlist_create",
        "catalog:supplymenu_create",
    ):
        response = client.get(reverse(name))
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


@pytest.mark.django_db
def test_refusal_page_says_why_in_chinese(client, demand, owner):
    client.force_login(owner)
    response = client.post(reverse("catalog:demand_delete", args=[demand.pk]))
    assert response.status_code == 403
    assert "只有本单位管理员或平台管理员可以删除需求。" in response.content.decode()
    assert Demand.objects.filter(pk=demand.pk).exists()
