"""Named API tokens: created on the my-organisation page (secret once, hash stored), scopes, modules,
expiry, revocation, per persona; writes through a token are audited with its name."""

import datetime
import hashlib

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ApiToken
from audit.models import AuditEntry
from catalog.models import Demand

pytestmark = pytest.mark.django_db


def _api(secret, keyword="Token"):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"{keyword} {secret}")
    return api


def _token(user, scope="write", apps=(), **kwargs):
    return services.api_token_create(user=user, name=kwargs.pop("name", "数据推送"), scope=scope, apps=apps, **kwargs)


def _in_days(days):
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def _demand_body(demand_list):
    return {
        "demand_list": demand_list.pk,
        "title": "令牌推送的需求",
        "description": "园区汽车零部件企业需要一套焊接机器人工作站，用于薄板点焊，节拍每分钟6件。",
        "chain": "机器人",
        "demand_type": "设备采购",
        "budget_wan": "80",
        "deadline": "2099-12-31",
        "contact_name": "张主任",
        "contact_phone": "0537-1234567",
    }


def test_my_org_page_creates_a_token_shows_the_secret_once_and_stores_only_its_hash(client, owner):
    client.force_login(owner)
    response = client.post(
        reverse("accounts:api_token_create"),
        {"name": "招商系统对接", "scope": "read", "apps": ["catalog", "bidding"], "expires_on": _in_days(30)},
    )
    assert response.status_code == 200
    token = ApiToken.objects.get(user=owner)
    page = response.content.decode()
    secret = page.split('id="new-secret" class="user-select-all">')[1].split("<")[0]
    assert secret.startswith("jlt_") and len(secret) > 50
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest() and secret not in str(token.__dict__)
    assert "已创建接口令牌" in page
    # A later visit lists it by name, scope, modules and prefix, never the secret.
    later = client.get(reverse("accounts:my_org")).content.decode()
    assert secret not in later and token.prefix in later
    assert "招商系统对接" in later and "只读" in later and "需求与供给、意向书" in later and "从未使用" in later
    assert _api(secret).get("/api/me/").json()["username"] == "park_member"


def test_bad_token_input_is_explained_and_nothing_is_created(client, owner):
    client.force_login(owner)
    response = client.post(
        reverse("accounts:api_token_create"), {"name": "", "scope": "admin", "expires_on": "2000-01-01"}, follow=True
    )
    page = response.content.decode()
    assert "令牌未创建" in page and "请填写令牌名称" in page and "到期日期须晚于今天" in page
    assert not ApiToken.objects.exists()


def test_people_without_an_organisation_cannot_create_tokens_on_the_page(client, liaison):
    assert client.post(reverse("accounts:api_token_create"), {"name": "x", "scope": "read"}).status_code == 302
    client.force_login(liaison)
    assert client.post(reverse("accounts:api_token_create"), {"name": "x", "scope": "read"}).status_code == 404
    assert not ApiToken.objects.exists()


def test_read_only_token_reads_but_every_write_is_refused(owner, demand):
    _, secret = _token(owner, scope="read")
    api = _api(secret)
    assert api.get("/api/demands/").status_code == 200
    response = api.post("/api/demands/", _demand_body(demand.demand_list), format="json")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "该令牌只有只读权限"
    assert api.delete(f"/api/demands/{demand.pk}/").status_code == 403
    assert Demand.objects.filter(pk=demand.pk).exists() and Demand.objects.count() == 1


def test_bearer_keyword_works_too(owner):
    _, secret = _token(owner, scope="read")
    assert _api(secret, "Bearer").get("/api/me/").status_code == 200


def test_module_scoped_token_is_refused_outside_its_modules(supplier_user, demand):
    _, secret = _token(supplier_user, scope="write", apps=["bidding"])
    api = _api(secret)
    assert api.get("/api/bids/").status_code == 200
    outside = api.get("/api/demands/")
    assert outside.status_code == 403 and outside.json()["error"]["message"] == "该令牌只能访问意向书模块的接口"
    assert api.get("/api/events/").status_code == 403
    assert api.get("/api/me/").status_code == 200  # who am I is always allowed


def test_expired_token_is_refused_in_chinese(owner):
    token, secret = _token(owner, scope="write", expires_on=timezone.localdate() + datetime.timedelta(days=1))
    api = _api(secret)
    assert api.get("/api/me/").status_code == 200
    with time_machine.travel(token.expires_at + datetime.timedelta(seconds=1)):
        response = api.get("/api/me/")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert "该令牌已过期" in response.json()["error"]["message"]


def test_revoked_token_is_refused_and_only_its_owner_can_revoke_it(client, owner, other_member):
    token, secret = _token(owner)
    api = _api(secret)
    client.force_login(other_member)  # another organisation's member
    page = client.post(reverse("accounts:api_token_revoke", args=[token.pk]), follow=True).content.decode()
    assert "未找到该令牌" in page and api.get("/api/me/").status_code == 200
    client.force_login(owner)
    page = client.post(reverse("accounts:api_token_revoke", args=[token.pk]), follow=True).content.decode()
    assert "接口令牌已撤销" in page and token.name not in page.split('id="named-tokens"')[1].split("</section>")[0]
    response = api.get("/api/me/")
    assert response.status_code == 401 and response.json()["error"]["message"] == "该令牌已撤销。"


def test_unknown_named_token_and_inactive_user_are_refused(owner):
    assert _api("jlt_not-a-real-token").get("/api/me/").status_code == 401
    _, secret = _token(owner)
    owner.is_active = False
    owner.save()
    assert _api(secret).get("/api/me/").status_code == 401


def test_a_token_never_grants_more_than_its_user(other_member, demand):
    """A write token of another organisation's member still cannot edit the park's demand."""
    _, secret = _token(other_member)
    response = _api(secret).patch(f"/api/demands/{demand.pk}/", {"title": "改掉"}, format="json")
    assert response.status_code in (403, 404)
    demand.refresh_from_db()
    assert demand.title != "改掉"


def test_writes_through_a_token_are_audited_with_its_name_and_last_use_recorded(owner_admin, park_org):
    from tests import factories

    demand_list = factories.DemandListFactory(organization=park_org)
    token, secret = _token(owner_admin, name="济宁招商系统")
    response = _api(secret).post("/api/demands/", _demand_body(demand_list), format="json")
    assert response.status_code == 201, response.content
    demand = Demand.objects.get(title="令牌推送的需求")
    entry = AuditEntry.objects.filter(object_id=str(demand.pk), content_type__model="demand").get()
    assert "接口令牌「济宁招商系统」" in entry.actor_repr and entry.actor == owner_admin
    token.refresh_from_db()
    assert token.last_used_at is not None
    # A session write (same user) does not claim a token.
    assert "接口令牌" not in AuditEntry.objects.get(object_id=str(token.pk), content_type__model="apitoken").actor_repr


def test_legacy_full_access_token_endpoint_still_works(owner):
    api = APIClient()
    response = api.post("/api/auth/token/", {"username": "park_member", "password": "Jinglu#2026"}, format="json")
    assert response.status_code == 200
    assert _api(response.json()["token"]).get("/api/me/").status_code == 200
