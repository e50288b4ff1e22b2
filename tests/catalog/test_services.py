"""catalog.services: validation messages a person sees, nothing half-written, rights, outbox rows."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from catalog import services
from catalog.kinds import SUPPLY
from catalog.models import Demand, DemandList, Supply, SupplyMenu
from portal.models import OutboxMessage
from tests import factories
from tests.bidding import factories as bid_factories

pytestmark = pytest.mark.django_db


def demand_data(**overrides):
    data = {
        "title": "消防无人机集群巡检系统",
        "description": "为化工园区提供消防无人机集群巡检与火情识别。",
        "chain": factories.chain("无人机"),
        "demand_type": "解决方案",
        "budget_wan": 300,
        "deadline": timezone.localdate() + datetime.timedelta(days=30),
        "contact_name": "刘科长",
        "contact_phone": "0537-1234567",
    }
    data.update(overrides)
    return data


def supply_data(**overrides):
    data = {
        "title": "碳化硅功率模块",
        "description": "1200V 碳化硅 MOSFET 功率模块，适用于新能源汽车电驱。",
        "chain": factories.chain("碳化硅"),
        "supply_type": "产品",
        "price_wan": 80,
        "maturity": "量产",
        "contact_name": "赵工",
        "contact_phone": "010-88886666",
    }
    data.update(overrides)
    return data


def outbox(task, obj_id):
    return OutboxMessage.objects.filter(task_name=task, args=[obj_id]).count()


def refreshes(*, demand=None, supply=None):
    """Re-matching tasks queued for this demand/supply (one task per batch: per-id or refresh_items)."""
    kind = "demand" if demand else "supply"
    single = outbox(f"matching.tasks.refresh_{kind}", demand or supply)
    batches = OutboxMessage.objects.filter(task_name="matching.tasks.refresh_items")
    return single + sum(1 for m in batches if (demand in m.args[0] if demand else supply in m.args[1]))


def snapshot():
    return (
        Demand.objects.count(),
        Supply.objects.count(),
        DemandList.objects.count(),
        SupplyMenu.objects.count(),
        OutboxMessage.objects.count(),
    )


# --- validation messages, nothing written ---------------------------------------------------


def test_description_over_5000_characters_is_refused_and_nothing_written(demand, owner):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.demand_create(demand_list=demand.demand_list, user=owner, data=demand_data(description="需" * 5001))
    assert exc.value.message_dict["description"] == ["需求描述不能超过 5000 个字符（当前 5001 个），请精简后再提交。"]
    assert snapshot() == before


def test_description_of_exactly_5000_characters_is_accepted(demand, owner):
    created = services.demand_create(
        demand_list=demand.demand_list, user=owner, data=demand_data(description="需" * 5000)
    )
    assert len(Demand.objects.get(pk=created.pk).description) == 5000


def test_update_with_long_description_keeps_the_old_row(demand, owner):
    original = demand.description
    with pytest.raises(ValidationError):
        services.demand_update(demand=demand, user=owner, data={"description": "长" * 5001})
    demand.refresh_from_db()
    assert demand.description == original
    assert refreshes(demand=demand.pk) == 0


def test_supply_description_over_5000_characters(supply, supplier_user):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.supply_create(menu=supply.menu, user=supplier_user, data=supply_data(description="供" * 5001))
    assert "供给描述不能超过 5000 个字符（当前 5001 个）" in exc.value.message_dict["description"][0]
    assert snapshot() == before


def test_duplicate_title_in_one_list_is_refused(demand, owner):
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.demand_create(demand_list=demand.demand_list, user=owner, data=demand_data(title=demand.title))
    assert exc.value.message_dict["title"] == [f"本清单中已有名为「{demand.title}」的需求，请修改需求名称。"]
    assert snapshot() == before


def test_same_title_in_another_list_is_fine(demand, owner, park_org):
    other_list = factories.DemandListFactory(organization=park_org)
    created = services.demand_create(demand_list=other_list, user=owner, data=demand_data(title=demand.title))
    assert created.title == demand.title


def test_renaming_onto_an_existing_title_is_refused(demand, owner):
    sibling = services.demand_create(demand_list=demand.demand_list, user=owner, data=demand_data())
    with pytest.raises(ValidationError) as exc:
        services.demand_update(demand=sibling, user=owner, data={"title": demand.title})
    assert "本清单中已有名为" in exc.value.message_dict["title"][0]
    assert Demand.objects.get(pk=sibling.pk).title == "消防无人机集群巡检系统"


def test_duplicate_supply_title_in_one_menu(supply, supplier_user):
    with pytest.raises(ValidationError) as exc:
        services.supply_create(menu=supply.menu, user=supplier_user, data=supply_data(title=supply.title))
    assert exc.value.message_dict["title"] == [f"本菜单中已有名为「{supply.title}」的供给，请修改供给名称。"]


def test_publish_while_unverified_stays_draft(unverified_org, unverified_member):
    demand_list = services.demand_list_create(
        organization=unverified_org, user=unverified_member, data={"name": "未认证单位的需求清单", "year": 2027}
    )
    assert demand_list.status == DemandList.Status.DRAFT
    before = snapshot()
    with pytest.raises(ValidationError) as exc:
        services.demand_list_publish(demand_list=demand_list, user=unverified_member)
    assert exc.value.messages == ["组织尚未认证，只能保存草稿"]
    demand_list.refresh_from_db()
    assert demand_list.status == DemandList.Status.DRAFT
    assert snapshot() == before


def test_publish_supply_menu_while_unverified(unverified_org, unverified_member):
    menu = services.container_create(
        kind=SUPPLY, organization=unverified_org, user=unverified_member, data={"name": "草稿菜单"}
    )
    with pytest.raises(ValidationError) as exc:
        services.container_publish(container=menu, user=unverified_member)
    assert exc.value.messages == ["组织尚未认证，只能保存草稿"]
    assert SupplyMenu.objects.get(pk=menu.pk).status == SupplyMenu.Status.DRAFT


def test_publish_page_shows_the_unverified_message(client, unverified_org, unverified_member):
    menu = services.container_create(
        kind=SUPPLY, organization=unverified_org, user=unverified_member, data={"name": "草稿菜单"}
    )
    client.force_login(unverified_member)
    response = client.post(reverse("catalog:supplymenu_publish", args=[menu.pk]), follow=True)
    assert "组织尚未认证，只能保存草稿" in response.content.decode()
    assert SupplyMenu.objects.get(pk=menu.pk).status == SupplyMenu.Status.DRAFT


def test_publish_verified_list_queues_its_demands(park_org, owner):
    demand_list = services.demand_list_create(
        organization=park_org, user=owner, data={"name": "2027 第二批", "year": 2027}
    )
    demand = services.demand_create(demand_list=demand_list, user=owner, data=demand_data())
    assert not demand.is_published
    services.demand_list_publish(demand_list=demand_list, user=owner)
    assert Demand.objects.get(pk=demand.pk).is_published
    assert refreshes(demand=demand.pk) == 2  # create + publish


def test_duplicate_list_name_in_one_organisation(park_org, owner):
    services.demand_list_create(organization=park_org, user=owner, data={"name": "重复清单", "year": 2027})
    with pytest.raises(ValidationError) as exc:
        services.demand_list_create(organization=park_org, user=owner, data={"name": "重复清单", "year": 2027})
    assert exc.value.messages == ["本单位已有名为「重复清单」的需求清单，请换一个清单名称。"]
    assert DemandList.objects.filter(name="重复清单").count() == 1


def test_past_deadline_is_refused_on_create(demand, owner):
    with pytest.raises(ValidationError) as exc:
        services.demand_create(
            demand_list=demand.demand_list,
            user=owner,
            data=demand_data(deadline=timezone.localdate() - datetime.timedelta(days=1)),
        )
    assert exc.value.message_dict["deadline"] == ["截止日期不能早于今天。"]


def test_unknown_region_text_names_the_problem(demand, owner):
    with pytest.raises(ValidationError) as exc:
        services.demand_create(demand_list=demand.demand_list, user=owner, data=demand_data(region="火星基地"))
    assert "无法识别地区「火星基地」" in exc.value.message_dict["region"][0]


def test_region_text_is_resolved(demand, owner):
    created = services.demand_create(
        demand_list=demand.demand_list, user=owner, data=demand_data(region="济宁市任城区")
    )
    assert created.region.full_name == "山东省济宁市任城区"
    assert created.region.parent.full_name == "山东省济宁市"


def test_closed_list_takes_no_new_demands(demand, owner):
    services.demand_list_close(demand_list=demand.demand_list, user=owner)
    with pytest.raises(ValidationError) as exc:
        services.demand_create(demand_list=demand.demand_list, user=owner, data=demand_data())
    assert exc.value.messages == ["该需求清单已关闭，不能再添加需求。"]


def test_page_form_shows_the_long_description_message(client, demand, owner):
    client.force_login(owner)
    count = Demand.objects.count()
    payload = {
        **demand_data(description="需" * 5001),
        "chain": factories.chain("无人机").pk,
        "deadline": (timezone.localdate() + datetime.timedelta(days=9)).isoformat(),
        "region": "",
    }
    response = client.post(
        reverse("catalog:demandlist_demand_create", args=[demand.demand_list_id]),
        {**payload, "demand_list": demand.demand_list_id},
    )
    assert response.status_code == 200
    assert "需求描述不能超过 5000 个字符（当前 5001 个）" in response.content.decode()
    assert Demand.objects.count() == count


def test_page_form_shows_the_duplicate_title_message(client, demand, owner):
    client.force_login(owner)
    payload = {
        **demand_data(title=demand.title),
        "chain": factories.chain("无人机").pk,
        "deadline": (timezone.localdate() + datetime.timedelta(days=9)).isoformat(),
        "region": "",
        "demand_list": demand.demand_list_id,
    }
    response = client.post(reverse("catalog:demand_create"), payload)
    assert response.status_code == 200
    assert f"本清单中已有名为「{demand.title}」的需求" in response.content.decode()
    assert Demand.objects.filter(title=demand.title).count() == 1


def test_page_create_then_redirects_to_detail(client, demand, owner):
    client.force_login(owner)
    payload = {
        **demand_data(),
        "chain": factories.chain("无人机").pk,
        "region": "济宁市兖州区",
        "deadline": (timezone.localdate() + datetime.timedelta(days=9)).isoformat(),
        "demand_list": demand.demand_list_id,
    }
    response = client.post(reverse("catalog:demand_create"), payload)
    created = Demand.objects.get(title="消防无人机集群巡检系统")
    assert response.status_code == 302 and response["Location"] == reverse("catalog:demand_detail", args=[created.pk])
    assert created.region.full_name == "山东省济宁市兖州区" and created.created_by == owner


# --- rights ----------------------------------------------------------------------------------


def test_rights_enforced_by_services(demand, owner, owner_admin, other_member, liaison, platform_admin):
    with pytest.raises(PermissionDenied):
        services.demand_update(demand=demand, user=other_member, data={"title": "改名"})
    with pytest.raises(PermissionDenied):
        services.demand_update(demand=demand, user=liaison, data={"title": "改名"})
    with pytest.raises(PermissionDenied):
        services.demand_close(demand=demand, user=other_member)
    with pytest.raises(PermissionDenied) as exc:
        services.demand_delete(demand=demand, user=owner)
    assert str(exc.value) == "只有本单位管理员或平台管理员可以删除需求。"
    with pytest.raises(PermissionDenied):
        services.demand_create(demand_list=demand.demand_list, user=other_member, data=demand_data())
    assert Demand.objects.filter(pk=demand.pk, title=demand.title, status=Demand.Status.COLLECTING).exists()
    services.demand_close(demand=demand, user=liaison)
    assert Demand.objects.get(pk=demand.pk).status == Demand.Status.CLOSED
    with pytest.raises(ValidationError) as exc:  # published: close it instead, whatever its bids
        services.demand_delete(demand=demand, user=owner_admin)
    assert exc.value.messages == ["已发布的需求不能删除，请改为关闭。"]
    assert Demand.objects.filter(pk=demand.pk).exists()


def test_list_creation_for_a_foreign_org_is_refused(park_org, other_member):
    with pytest.raises(PermissionDenied):
        services.demand_list_create(organization=park_org, user=other_member, data={"name": "越权清单", "year": 2027})
    assert not DemandList.objects.filter(name="越权清单").exists()


# --- outbox and search tokens ----------------------------------------------------------------


def test_demand_create_update_close_queue_refresh_and_index(demand, owner):
    created = services.demand_create(demand_list=demand.demand_list, user=owner, data=demand_data())
    assert refreshes(demand=created.pk) == 1
    assert " 无人机 " in Demand.objects.get(pk=created.pk).search_tokens
    services.demand_update(
        demand=created,
        user=owner,
        data={
            "title": "碳化硅外延片检测设备",
            "description": "需要碳化硅外延片缺陷检测设备，识别微管、位错等缺陷并出具检测报告。",
        },
    )
    assert refreshes(demand=created.pk) == 2
    tokens = Demand.objects.get(pk=created.pk).search_tokens
    assert " 碳化硅 " in tokens and " 无人机 " not in tokens
    services.demand_close(demand=created, user=owner)
    assert refreshes(demand=created.pk) == 3


def test_material_change_flags_bids(demand, owner):
    bid_factories.submit(demand, bid_factories.bidder())
    services.demand_update(demand=demand, user=owner, data={"title": demand.title + "二期"})
    assert outbox("bidding.tasks.flag_material_change", demand.pk) == 0
    services.demand_update(demand=demand, user=owner, data={"budget_wan": 999})
    assert outbox("bidding.tasks.flag_material_change", demand.pk) == 1


def test_supply_create_update_close_queue_refresh(supply, supplier_user):
    created = services.supply_create(menu=supply.menu, user=supplier_user, data=supply_data())
    assert refreshes(supply=created.pk) == 1
    assert " 碳化硅 " in Supply.objects.get(pk=created.pk).search_tokens
    services.supply_update(supply=created, user=supplier_user, data={"price_wan": 90})
    assert refreshes(supply=created.pk) == 2
    services.supply_close(supply=created, user=supplier_user)
    assert refreshes(supply=created.pk) == 3
    assert Supply.objects.get(pk=created.pk).status == Supply.Status.CLOSED


def test_closing_a_list_closes_its_open_demands(demand, owner):
    signed = factories.DemandFactory(demand_list=demand.demand_list, status=Demand.Status.SIGNED)
    services.demand_list_close(demand_list=demand.demand_list, user=owner)
    assert Demand.objects.get(pk=demand.pk).status == Demand.Status.CLOSED
    assert Demand.objects.get(pk=signed.pk).status == Demand.Status.SIGNED  # outcomes are kept
    assert refreshes(demand=demand.pk) == 1
