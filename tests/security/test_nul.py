"""A NUL character (\\x00) in any field is refused with a correct Chinese message, and nothing is written.

Django's own zh_Hans catalog renders "Null characters are not allowed." as 「不允许是用空字符串。」
("empty strings are not allowed", with a typo); locale/zh_Hans overrides it.
"""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import LoginFailure, User
from catalog.models import Demand, DemandList
from tests import factories
from tests.accounts.factories import signup_data
from tests.faults.conftest import demand_form

pytestmark = pytest.mark.django_db

MESSAGE = "内容含有不可见的空字符（NUL），请删除后重新提交。"
GARBLED = "不允许是用空字符串"
PASSWORD = "Jinglu#2026"


def assert_refused_in_chinese(text):
    assert MESSAGE in text
    assert GARBLED not in text and "Null characters" not in text


@pytest.mark.parametrize("field", ["username", "display_name", "org_name"])
def test_signup_with_a_nul_character(client, field):
    data = signup_data()
    data[field] = data[field] + "\x00"
    response = client.post(reverse("accounts:signup"), data)
    assert response.status_code == 200
    assert_refused_in_chinese(response.content.decode())
    assert not User.objects.filter(username__startswith="zhangwei").exists()


@pytest.mark.parametrize("field", ["username", "password"])
def test_login_with_a_nul_character(client, owner, field):
    data = {"username": "park_member", "password": PASSWORD}
    data[field] += "\x00"
    response = client.post(reverse("accounts:login"), data)
    assert response.status_code == 200
    assert_refused_in_chinese(response.content.decode())
    assert client.get(reverse("accounts:my_org")).status_code == 302
    assert LoginFailure.objects.count() == 0  # refused before any password was checked


def test_token_api_with_a_nul_character(owner):
    response = APIClient().post(
        "/api/auth/token/", {"username": "park\x00_member", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 400
    assert_refused_in_chinese(response.content.decode())


def test_demand_form_with_a_nul_character(client, owner, park_org):
    client.force_login(owner)
    demand_list = factories.DemandListFactory(organization=park_org)
    data = demand_form(demand_list)
    data["title"] = "碳化硅\x00功率模块封装"
    data["description"] = "描述\x00" + data["description"]
    response = client.post(reverse("catalog:demand_create"), data)
    assert response.status_code == 200
    assert_refused_in_chinese(response.content.decode())
    assert not Demand.objects.filter(demand_list=demand_list).exists()


def test_catalog_api_with_a_nul_character(owner_admin):
    api = APIClient()
    api.force_authenticate(owner_admin)
    before = DemandList.objects.count()
    response = api.post("/api/demand-lists/", {"name": "2027年\x00需求清单", "year": 2027}, format="json")
    assert response.status_code == 400
    assert_refused_in_chinese(response.content.decode())
    assert DemandList.objects.count() == before
