"""Django admin for catalog models: staff can list, search and open every model; others cannot."""

import datetime

import pytest
from django.urls import reverse

from catalog.models import ImportJob
from tests import factories

pytestmark = pytest.mark.django_db

MODELS = ["demandlist", "demand", "supplymenu", "supply", "industrychain", "region", "importjob"]


@pytest.fixture
def staff(db):
    return factories.UserFactory(username="staff_root", is_staff=True, is_superuser=True)


@pytest.mark.parametrize("model", MODELS)
def test_changelist_search_and_filters(client, staff, demand, supply, model):
    client.force_login(staff)
    url = reverse(f"admin:catalog_{model}_changelist")
    assert client.get(url).status_code == 200
    assert client.get(url, {"q": "机器人"}).status_code == 200


def test_change_pages_show_audit_fields_read_only(client, staff, demand, owner):
    demand.created_by = owner
    demand.save()
    client.force_login(staff)
    page = client.get(reverse("admin:catalog_demand_change", args=[demand.pk])).content.decode()
    assert 'name="created_by"' not in page and 'name="search_tokens"' not in page
    assert owner.display_name in page


def test_import_jobs_cannot_be_added_by_hand(client, staff):
    client.force_login(staff)
    assert client.get(reverse("admin:catalog_importjob_add")).status_code == 403
    assert ImportJob.objects.count() == 0


def test_non_staff_are_sent_to_admin_login(client, owner):
    client.force_login(owner)
    response = client.get(reverse("admin:catalog_demand_changelist"))
    assert response.status_code == 302 and reverse("admin:login") in response["Location"]


def _admin_payload(demand, **changes):
    payload = {
        "region": demand.region_id,
        "title": demand.title,
        "description": demand.description,
        "chain": demand.chain_id,
        "demand_type": demand.demand_type,
        "budget_wan": "200",
        "deadline": demand.deadline.isoformat(),
        "contact_name": demand.contact_name,
        "contact_phone": demand.contact_phone,
    }
    payload.update(changes)
    return payload


def test_admin_edit_goes_through_the_service(client, staff, demand):
    """Audit entry and bid flag, as on the edit page: the admin is not a second writer."""
    from audit.models import AuditEntry
    from portal.models import OutboxMessage
    from tests.bidding import factories as bid_factories

    bid_factories.submit(demand, bid_factories.bidder())
    client.force_login(staff)
    url = reverse("admin:catalog_demand_change", args=[demand.pk])
    response = client.post(url, _admin_payload(demand, budget_wan="480"))
    assert response.status_code == 302
    demand.refresh_from_db()
    assert demand.budget_wan == 480
    entry = AuditEntry.objects.get(object_id=str(demand.pk), content_type__model="demand")
    assert entry.actor == staff and entry.changes == {"budget_wan": {"before": "200", "after": "480"}}
    assert OutboxMessage.objects.filter(task_name="bidding.tasks.flag_material_change", args=[demand.pk]).exists()


def test_admin_refuses_what_the_form_refuses(client, staff, demand):
    client.force_login(staff)
    url = reverse("admin:catalog_demand_change", args=[demand.pk])
    earlier = (demand.deadline - datetime.timedelta(days=3)).isoformat()
    response = client.post(url, _admin_payload(demand, deadline=earlier))
    assert response.status_code == 200
    assert "征集期间截止日期只能延后" in response.content.decode()
    demand.refresh_from_db()
    assert demand.deadline.isoformat() != earlier


def test_liaison_staff_cannot_edit_through_the_admin(client, demand):
    from django.contrib.auth.models import Permission

    liaison = factories.LiaisonFactory(username="liaison_admin", is_staff=True)
    liaison.user_permissions.add(*Permission.objects.filter(codename__in=["change_demand", "view_demand"]))
    client.force_login(liaison)
    url = reverse("admin:catalog_demand_change", args=[demand.pk])
    response = client.post(url, _admin_payload(demand, budget_wan="1"))
    # Refused by the admin site itself, or (if it let staff in) by catalog.services with its message.
    assert (
        response.status_code == 403 or "新增或修改需求（只有该单位成员或平台管理员可以）" in response.content.decode()
    )
    demand.refresh_from_db()
    assert demand.budget_wan == 200
