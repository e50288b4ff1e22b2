"""List pages: query count independent of rows, pagination, export link with the current filter."""

import pytest
from django.urls import reverse

from catalog import search
from catalog.models import DemandList
from tests import factories

pytestmark = pytest.mark.django_db

# Session/user/membership lookups, unread count, filter choices, count, page rows, and with a
# query whether the matcher has stored any vectors yet (hybrid search; asked every few seconds).
MAX_QUERIES = 12


def _demands(org, n):
    demand_list = factories.DemandListFactory(organization=org)
    for _ in range(n):
        demand = factories.DemandFactory(demand_list=demand_list)
        search.index_object(demand)
        demand.save(update_fields=["search_tokens"])


def _supplies(org, n):
    menu = factories.SupplyMenuFactory(organization=org)
    for _ in range(n):
        supply = factories.SupplyFactory(menu=menu)
        search.index_object(supply)
        supply.save(update_fields=["search_tokens"])


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize("params", [{}, {"q": "协作机器人", "region": "__jining__"}])
@pytest.mark.parametrize("as_user", [False, True])
def test_demand_list_queries_do_not_grow(client, django_assert_max_num_queries, park_org, owner, rows, params, as_user):
    _demands(park_org, rows)
    if as_user:
        client.force_login(owner)
    params = {k: (factories.region("山东省济宁市").pk if v == "__jining__" else v) for k, v in params.items()}
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse("catalog:demand_list"), params)
    assert response.status_code == 200
    assert f"共 {rows} 条需求" in response.content.decode()


@pytest.mark.parametrize("rows", [5, 50])
@pytest.mark.parametrize("as_user", [False, True])
def test_supply_list_queries_do_not_grow(
    client, django_assert_max_num_queries, supplier_org, supplier_user, rows, as_user
):
    _supplies(supplier_org, rows)
    if as_user:
        client.force_login(supplier_user)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse("catalog:supply_list"), {"q": "机器人"})
    assert response.status_code == 200
    assert f"共 {rows} 条供给" in response.content.decode()


def test_pagination_twenty_per_page_keeps_the_filter(client, park_org):
    _demands(park_org, 45)
    page = client.get(reverse("catalog:demand_list"), {"q": "机器人"}).content.decode()
    assert page.count('class="list-group-item catalog-item"') == 20
    assert "?q=%E6%9C%BA%E5%99%A8%E4%BA%BA&amp;page=2" in page
    last = client.get(reverse("catalog:demand_list"), {"q": "机器人", "page": 3}).content.decode()
    assert last.count('class="list-group-item catalog-item"') == 5


def test_export_link_carries_the_current_filter(client, park_org):
    _demands(park_org, 1)
    chain = factories.chain("机器人").pk
    page = client.get(reverse("catalog:demand_list"), {"chain": chain, "q": "机器人", "page": 1}).content.decode()
    assert f'href="{reverse("catalog:demand_export")}?chain={chain}&amp;q=%E6%9C%BA%E5%99%A8%E4%BA%BA"' in page
    supplies = client.get(reverse("catalog:supply_list"), {"budget": "x"}).content.decode()
    assert f'href="{reverse("catalog:supply_export")}?budget=x"' in supplies


def test_container_pages_list_items_and_owner_buttons(client, park_org, owner, other_member):
    draft = factories.DemandListFactory(organization=park_org, status=DemandList.Status.DRAFT)
    factories.DemandFactory(demand_list=draft, title="草稿中的需求甲")
    client.force_login(owner)
    page = client.get(reverse("catalog:demandlist_detail", args=[draft.pk])).content.decode()
    assert "草稿中的需求甲" in page and 'id="btn-publish"' in page and 'id="btn-close"' in page
    response = client.post(reverse("catalog:demandlist_publish", args=[draft.pk]), follow=True)
    assert "需求清单已发布" in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == DemandList.Status.COLLECTING
    client.force_login(other_member)
    page = client.get(reverse("catalog:demandlist_detail", args=[draft.pk])).content.decode()
    assert "草稿中的需求甲" in page and 'id="btn-publish"' not in page and 'id="btn-close"' not in page
    assert client.post(reverse("catalog:demandlist_close", args=[draft.pk])).status_code == 403


def test_detail_page_links_to_the_other_teams_tabs(client, demand, supply, owner, supplier_user):
    """The match tabs are linked only for those who may open them (the parties and staff)."""
    demand_tab = reverse("matching:demand_matches", args=[demand.pk])
    supply_tab = reverse("matching:supply_matches", args=[supply.pk])
    page = client.get(reverse("catalog:demand_detail", args=[demand.pk])).content.decode()
    assert demand_tab not in page and reverse("bidding:demand_bids", args=[demand.pk]) in page
    assert supply_tab not in client.get(reverse("catalog:supply_detail", args=[supply.pk])).content.decode()
    client.force_login(owner)
    assert demand_tab in client.get(reverse("catalog:demand_detail", args=[demand.pk])).content.decode()
    client.force_login(supplier_user)
    page = client.get(reverse("catalog:supply_detail", args=[supply.pk])).content.decode()
    assert supply_tab in page
    assert demand_tab not in client.get(reverse("catalog:demand_detail", args=[demand.pk])).content.decode()


def test_create_list_then_menu_pages(client, park_org, owner, supplier_user):
    client.force_login(owner)
    response = client.post(
        reverse("catalog:demandlist_create"),
        {"organization": park_org.pk, "name": "2027年济宁市机器人产业需求清单", "year": 2027},
    )
    created = DemandList.objects.get(name="2027年济宁市机器人产业需求清单")
    assert response["Location"] == reverse("catalog:demandlist_detail", args=[created.pk])
    assert created.status == DemandList.Status.DRAFT and created.organization == park_org
    # A second list with the same name gets the service's message on the form.
    response = client.post(
        reverse("catalog:demandlist_create"),
        {"organization": park_org.pk, "name": "2027年济宁市机器人产业需求清单", "year": 2027},
    )
    assert "本单位已有名为「2027年济宁市机器人产业需求清单」的需求清单" in response.content.decode()
    # Choosing an organisation the user does not belong to is refused by the form.
    client.force_login(supplier_user)
    response = client.post(
        reverse("catalog:demandlist_create"), {"organization": park_org.pk, "name": "冒名清单", "year": 2027}
    )
    assert response.status_code == 200 and not DemandList.objects.filter(name="冒名清单").exists()


def test_supply_side_journey_through_pages(client, supplier_org, supplier_user):
    from catalog.models import Supply, SupplyMenu

    client.force_login(supplier_user)
    client.post(
        reverse("catalog:supplymenu_create"),
        {"organization": supplier_org.pk, "name": "北京碳化硅企业供给菜单", "year": 2027},
    )
    menu = SupplyMenu.objects.get(name="北京碳化硅企业供给菜单")
    create_page = client.get(reverse("catalog:supplymenu_supply_create", args=[menu.pk])).content.decode()
    assert f'<option value="{menu.pk}" selected>' in create_page
    response = client.post(
        reverse("catalog:supplymenu_supply_create", args=[menu.pk]),
        {
            "menu": menu.pk,
            "title": "车规级碳化硅MOSFET",
            "description": "1200V 车规级碳化硅 MOSFET，已通过 AEC-Q101。",
            "chain": factories.chain("碳化硅").pk,
            "supply_type": "产品",
            "price_wan": "60",
            "maturity": "量产",
            "contact_name": "赵工",
            "contact_phone": "010-88886666",
            "region": "北京市顺义区",
        },
    )
    supply = Supply.objects.get(title="车规级碳化硅MOSFET")
    assert response["Location"] == reverse("catalog:supply_detail", args=[supply.pk])
    assert supply.region.full_name == "北京市顺义区" and " 碳化硅 " in supply.search_tokens
    client.logout()
    assert "车规级碳化硅MOSFET" not in client.get(reverse("catalog:supply_list")).content.decode()  # still a draft
    client.force_login(supplier_user)
    client.post(reverse("catalog:supplymenu_publish", args=[menu.pk]))
    client.logout()
    page = client.get(reverse("catalog:supply_list"), {"q": "碳化硅"}).content.decode()
    assert '车规级<mark class="hit">碳化硅</mark>MOSFET' in page


@pytest.mark.parametrize(
    "persona,demand_buttons,supply_buttons",
    [
        ("owner", True, False),  # a park official writes demand lists, not supply menus
        ("supplier_user", False, True),  # a Beijing firm the other way round
        ("liaison", False, False),  # staff never write an organisation's content
        ("platform_admin", True, True),
    ],
)
def test_list_pages_offer_only_the_buttons_the_person_can_use(client, request, persona, demand_buttons, supply_buttons):
    client.force_login(request.getfixturevalue(persona))
    demands = client.get(reverse("catalog:demand_list")).content.decode()
    supplies = client.get(reverse("catalog:supply_list")).content.decode()
    assert ("新建需求清单" in demands) is demand_buttons and ("发布需求" in demands) is demand_buttons
    assert ("新建供给菜单" in supplies) is supply_buttons and ("发布供给" in supplies) is supply_buttons


def test_filters_fold_away_on_phones(client):
    page = client.get(reverse("catalog:demand_list")).content.decode()
    assert 'data-bs-target="#catalog-filters"' in page and 'class="collapse d-lg-block" id="catalog-filters"' in page
