"""Every change to a demand or a supply leaves an append-only audit entry (who, when, before/after)."""

import pytest

from audit.models import AuditEntry
from catalog import services
from catalog.models import Demand
from tests import factories

pytestmark = pytest.mark.django_db


def _entries(obj):
    return AuditEntry.objects.filter(object_id=str(obj.pk), content_type__model=obj._meta.model_name).order_by("id")


def test_demand_update_records_before_and_after(owner, demand):
    services.demand_update(demand=demand, user=owner, data={"budget_wan": 350, "title": demand.title})
    entry = _entries(demand).get()
    assert entry.action == "update"
    assert entry.actor == owner
    assert entry.changes == {"budget_wan": {"before": "200", "after": "350"}}


def test_unchanged_save_writes_no_entry(owner, demand):
    services.demand_update(demand=demand, user=owner, data={"title": demand.title})
    assert not _entries(demand).exists()


def test_demand_create_close_delete_are_recorded(owner, owner_admin, park_org):
    demand_list = factories.DemandListFactory(organization=park_org, status="draft")  # published ones are kept
    demand = services.demand_create(
        demand_list=demand_list,
        user=owner,
        data={
            "title": "无人配送车园区示范运营",
            "description": "园区内开展无人配送车示范运营，覆盖快递与餐饮配送。",
            "chain": factories.chain("机器人"),
            "demand_type": "解决方案",
            "contact_name": "刘科长",
            "contact_phone": "0537-1234567",
        },
    )
    services.demand_close(demand=demand, user=owner)
    demand_id = demand.pk
    services.demand_delete(demand=Demand.objects.get(pk=demand_id), user=owner_admin)
    actions = list(
        AuditEntry.objects.filter(object_id=str(demand_id), content_type__model="demand")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "close", "delete"]
    deleted = AuditEntry.objects.filter(object_id=str(demand_id), action="delete").get()
    assert deleted.changes["title"] == {"before": "无人配送车园区示范运营", "after": None}
    assert deleted.actor == owner_admin


def test_refused_change_writes_no_entry(other_member, demand):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.demand_update(demand=demand, user=other_member, data={"budget_wan": 1})
    assert not _entries(demand).exists()


def test_supply_update_is_recorded(supplier_user, supply):
    services.supply_update(supply=supply, user=supplier_user, data={"price_wan": 99})
    entry = _entries(supply).get()
    assert entry.changes == {"price_wan": {"before": "150", "after": "99"}}
