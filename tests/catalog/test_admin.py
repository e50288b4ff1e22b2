"""Django admin for catalog models: staff can list, search and open every model; others cannot."""

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
