"""The `world` of objects every API test reads, and an API client per persona."""

from types import SimpleNamespace

import pytest
from rest_framework.test import APIClient

from bidding import services as bidding_services
from notifications.services import notify
from tests import factories


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Seven personas per test: PBKDF2 would dominate the run time of the permission matrix.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(
    park_org,
    supplier_org,
    other_org,
    unverified_org,
    owner,
    supplier_user,
    other_member,
    unverified_member,
    liaison,
    platform_admin,
):
    demand_list = factories.DemandListFactory(organization=park_org)
    demand = factories.DemandFactory(demand_list=demand_list, contact_phone="0537-7654321")
    menu = factories.SupplyMenuFactory(organization=supplier_org)
    supply = factories.SupplyFactory(menu=menu)
    bid = bidding_services.bid_submit(
        demand=demand, user=supplier_user, proposal="密封方案：视觉引导装配。", price_wan=987.65, delivery_days=77
    )
    note = notify(recipients=[owner], kind="system", title="欢迎使用", body="")[0]
    return SimpleNamespace(
        park_org=park_org,
        supplier_org=supplier_org,
        other_org=other_org,
        demand_list=demand_list,
        demand=demand,
        menu=menu,
        supply=supply,
        bid=bid,
        notification=note,
        users={
            "anonymous": None,
            "owner": owner,
            "supplier": supplier_user,
            "other": other_member,
            "unverified": unverified_member,
            "liaison": liaison,
            "admin": platform_admin,
        },
    )


@pytest.fixture
def api_as(world):
    def make(persona):
        client = APIClient()
        user = world.users[persona]
        if user is not None:
            client.force_authenticate(user)
        return client

    return make
