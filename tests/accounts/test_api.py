"""API: organisations (public fields, visibility), token for integrations, current user."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "Jinglu#2026"


@pytest.fixture
def api():
    return APIClient()


def _names(response):
    return {row["name"] for row in response.json()["results"]}


# sees_codes: whether the park's 统一社会信用代码 is in the payload (staff and the park's own members).
@pytest.mark.parametrize(
    "persona, sees_unverified, sees_codes",
    [
        (None, False, False),
        ("owner", False, True),
        ("other_member", False, False),
        ("unverified_member", True, False),
        ("liaison", True, True),
        ("platform_admin", True, True),
    ],
)
def test_organization_list_visibility(
    api, request, park_org, other_org, unverified_org, persona, sees_unverified, sees_codes
):
    park_org.credit_code = "91370800MA3C4F5X1K"
    park_org.save()
    if persona:
        api.force_authenticate(request.getfixturevalue(persona))
    response = api.get("/api/organizations/")
    assert response.status_code == 200
    names = _names(response)
    assert {park_org.name, other_org.name} <= names
    assert (unverified_org.name in names) is sees_unverified
    park = next(row for row in response.json()["results"] if row["name"] == park_org.name)
    assert park["kind_display"] == "园区" and park["region"] == "山东省济宁市" and park["is_verified"] is True
    assert ("credit_code" in park) is sees_codes
    other = next(row for row in response.json()["results"] if row["name"] == other_org.name)
    assert ("credit_code" in other) is (persona in {"liaison", "platform_admin", "other_member"})


def test_member_sees_own_org_credit_code(api, owner, park_org):
    park_org.credit_code = "91370800MA3C4F5X1K"
    park_org.save()
    api.force_authenticate(owner)
    assert api.get(f"/api/organizations/{park_org.pk}/").json()["credit_code"] == "91370800MA3C4F5X1K"


@pytest.mark.parametrize(
    "persona, status",
    [
        (None, 404),
        ("owner", 404),
        ("other_member", 404),
        ("unverified_member", 200),
        ("liaison", 200),
        ("platform_admin", 200),
    ],
)
def test_unverified_organization_detail_is_404_to_outsiders(api, request, unverified_org, persona, status):
    if persona:
        api.force_authenticate(request.getfixturevalue(persona))
    response = api.get(f"/api/organizations/{unverified_org.pk}/")
    assert response.status_code == status
    if status == 404:
        assert response.json()["error"]["message"] == "未找到该对象或您无权访问。"


def test_organization_list_is_read_only(api, platform_admin):
    api.force_authenticate(platform_admin)
    assert api.post("/api/organizations/", {"name": "x"}, format="json").status_code == 405


def test_organization_filters(api, park_org, supplier_org, other_org):
    assert _names(api.get("/api/organizations/", {"kind": "enterprise"})) == {supplier_org.name}
    assert _names(api.get("/api/organizations/", {"region": "济宁市"})) == {park_org.name}
    assert _names(api.get("/api/organizations/", {"q": "青岛"})) == {other_org.name}


def test_organization_list_query_count_is_bounded(api, owner, django_assert_max_num_queries):
    for _ in range(20):
        factories.OrganizationFactory()
        factories.SupplierOrganizationFactory(is_verified=False, verified_at=None)
    api.force_authenticate(owner)
    with django_assert_max_num_queries(6):
        response = api.get("/api/organizations/")
    assert response.status_code == 200 and response.json()["count"] == 21


def test_token_obtain_and_use_on_me(api, owner, park_org):
    response = api.post("/api/auth/token/", {"username": "park_member", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    # Same token on a second request.
    assert (
        api.post("/api/auth/token/", {"username": "park_member", "password": PASSWORD}, format="json").json()["token"]
        == token
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/me/")
    assert me.status_code == 200
    data = me.json()
    assert data["username"] == "park_member" and data["platform_role"] == ""
    assert data["memberships"][0]["organization"]["name"] == park_org.name
    assert data["memberships"][0]["role_display"] == "成员"


def test_token_created_on_the_my_org_page_works(client, owner):
    from rest_framework.authtoken.models import Token

    client.force_login(owner)
    client.post(reverse("accounts:token_rotate"))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get(user=owner).key}")
    assert api.get("/api/me/").json()["username"] == "park_member"
    client.post(reverse("accounts:token_rotate"))  # rotate: the old key stops working
    assert api.get("/api/me/").status_code == 401


def test_bad_token_and_anonymous_me(api):
    response = api.get("/api/me/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    api.credentials(HTTP_AUTHORIZATION="Token nope")
    assert api.get("/api/me/").status_code == 401


def test_me_shows_platform_role_and_regions(api, liaison):
    api.force_authenticate(liaison)
    data = api.get("/api/me/").json()
    assert data["platform_role"] == "liaison" and data["is_liaison"] is True
    assert data["responsible_regions"] == ["山东省济宁市"] and data["memberships"] == []


def test_token_obtain_wrong_password_and_lockout(api, owner, settings):
    settings.LOGIN_MAX_FAILURES = 2
    response = api.post("/api/auth/token/", {"username": "park_member", "password": "x"}, format="json")
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid_login",
        "message": "用户名或密码不正确。请注意密码区分大小写。",
        "fields": {},
    }
    response = api.post("/api/auth/token/", {"username": "park_member", "password": "x"}, format="json")
    assert response.status_code == 429
    response = api.post("/api/auth/token/", {"username": "park_member", "password": PASSWORD}, format="json")
    assert response.status_code == 429 and "登录失败次数过多" in response.json()["error"]["message"]
    # The login page shares the same limiter.
    from django.test import Client

    page = Client().post(reverse("accounts:login"), {"username": "park_member", "password": PASSWORD})
    assert "登录失败次数过多" in page.content.decode()


def test_token_obtain_missing_fields(api):
    response = api.post("/api/auth/token/", {}, format="json")
    assert response.status_code == 400
    assert set(response.json()["error"]["fields"]) == {"username", "password"}


def test_schema_documents_accounts_endpoints_in_chinese(api):
    response = api.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/organizations/" in paths and "/api/auth/token/" in paths and "/api/me/" in paths
    assert paths["/api/auth/token/"]["post"]["summary"] == "获取接口令牌"
