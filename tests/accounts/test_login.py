"""Login in Chinese, logout by POST, the per username+address lockout and the per-address limit.

The parallel versions (20 requests at once) are in tests/security/test_login_race.py.
"""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import LoginFailure, LoginThrottle
from tests import factories

pytestmark = pytest.mark.django_db

PASSWORD = "Jinglu#2026"  # tests.factories.UserFactory


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.LOGIN_MAX_FAILURES = 3
    settings.LOGIN_LOCKOUT_SECONDS = 600
    settings.LOGIN_MAX_FAILURES_PER_IP = 20


def _login(client, username, password, ip="10.0.0.1"):
    return client.post(reverse("accounts:login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_login_page_is_chinese(client):
    body = client.get(reverse("accounts:login")).content.decode()
    assert "用户名" in body and "密码" in body and "登录" in body


def test_login_and_logout(client, owner):
    response = _login(client, "park_member", PASSWORD)
    assert response.status_code == 302
    assert client.get(reverse("accounts:my_org")).status_code == 200
    # Logout is POST only: a GET (e.g. a link in an e-mail) does not sign anyone out.
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.get(reverse("accounts:my_org")).status_code == 200
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("accounts:my_org")).status_code == 302


def test_wrong_password_message(client, owner):
    body = _login(client, "park_member", "wrong").content.decode()
    assert "用户名或密码不正确" in body
    assert LoginFailure.objects.count() == 1


def test_lockout_after_n_failures_even_with_the_right_password(client, owner):
    for _ in range(3):
        _login(client, "park_member", "wrong")
    response = _login(client, "park_member", PASSWORD)
    assert response.status_code == 200
    assert "登录失败次数过多" in response.content.decode() and "10 分钟后再试" in response.content.decode()
    assert client.get(reverse("accounts:my_org")).status_code == 302  # still logged out
    # The lock is per username + address: the same user elsewhere, or another user here, is not locked.
    assert _login(client, "park_member", PASSWORD, ip="10.0.0.2").status_code == 302


def test_lock_expires_after_the_window(client, owner, settings):
    for _ in range(3):
        _login(client, "park_member", "wrong")
    assert _login(client, "park_member", PASSWORD).status_code == 200
    LoginThrottle.objects.update(last_attempt_at=timezone.now() - timedelta(seconds=601))
    assert _login(client, "park_member", PASSWORD).status_code == 302


def test_locked_message_says_how_long_is_left(client, owner):
    for _ in range(3):
        _login(client, "park_member", "wrong")
    LoginThrottle.objects.update(last_attempt_at=timezone.now() - timedelta(seconds=470))
    body = _login(client, "park_member", PASSWORD).content.decode()
    assert "请 3 分钟后再试" in body  # 600 s window, 470 s gone: 130 s left, rounded up


def test_refused_attempts_do_not_extend_the_lock(client, owner):
    for _ in range(3):
        _login(client, "park_member", "wrong")
    LoginThrottle.objects.update(last_attempt_at=timezone.now() - timedelta(seconds=590))
    for _ in range(5):
        assert "登录失败次数过多" in _login(client, "park_member", "wrong").content.decode()
    LoginThrottle.objects.update(last_attempt_at=timezone.now() - timedelta(seconds=601))
    assert _login(client, "park_member", PASSWORD).status_code == 302


def test_success_resets_the_counter(client, owner):
    for _ in range(2):
        _login(client, "park_member", "wrong")
    assert _login(client, "park_member", PASSWORD).status_code == 302
    assert LoginFailure.objects.count() == 0
    client.post(reverse("accounts:logout"))
    for _ in range(2):
        _login(client, "park_member", "wrong")
    assert _login(client, "park_member", PASSWORD).status_code == 302


def test_username_case_does_not_dodge_the_limit(client, owner):
    for name in ("park_member", "PARK_MEMBER", "Park_Member"):
        _login(client, name, "wrong")
    assert "登录失败次数过多" in _login(client, "park_member", PASSWORD).content.decode()


def test_unknown_usernames_are_limited_too(client):
    for _ in range(3):
        _login(client, "nobody", "x")
    assert "登录失败次数过多" in _login(client, "nobody", "x").content.decode()


def test_signed_in_user_visiting_login_is_redirected(client, owner):
    client.force_login(owner)
    assert client.get(reverse("accounts:login")).status_code == 302


def test_unicode_variants_of_the_name_share_one_counter(client, owner):
    for name in ("park_member", "ＰＡＲＫ_ＭＥＭＢＥＲ", "park_member "):
        _login(client, name, "wrong")
    assert "登录失败次数过多" in _login(client, "park_member", PASSWORD).content.decode()


# --- per-address limit: password spraying across many accounts --------------------------------


@pytest.fixture
def sprayed_users(db):
    return [factories.UserFactory(username=f"spray_user_{i:02d}") for i in range(25)]


def test_spraying_25_users_from_one_address_is_refused_after_the_limit(client, sprayed_users):
    bodies = [_login(client, user.username, "Password123").content.decode() for user in sprayed_users]
    assert all("用户名或密码不正确" in body for body in bodies[:20])
    assert all("尝试次数过多，请 10 分钟后再试" in body for body in bodies[20:])
    # While the address is limited even a right password is refused (and not checked).
    assert "尝试次数过多" in _login(client, sprayed_users[3].username, PASSWORD).content.decode()
    assert client.get(reverse("accounts:my_org")).status_code == 302
    # The real users, from their own addresses, are not locked out by the attacker.
    for user in sprayed_users[:3] + sprayed_users[-2:]:
        assert _login(client, user.username, PASSWORD, ip="10.9.9.9").status_code == 302
        client.post(reverse("accounts:logout"))


def test_spraying_through_the_token_api_shares_the_limit(sprayed_users):
    api = APIClient(REMOTE_ADDR="10.0.0.1")
    codes = [
        api.post("/api/auth/token/", {"username": user.username, "password": "x"}, format="json")
        for user in sprayed_users
    ]
    assert [r.status_code for r in codes[:20]] == [400] * 20
    assert [r.status_code for r in codes[20:]] == [429] * 5
    assert codes[-1].json()["error"]["message"] == "尝试次数过多，请 10 分钟后再试。"
    ok = APIClient(REMOTE_ADDR="10.9.9.9").post(
        "/api/auth/token/", {"username": sprayed_users[0].username, "password": PASSWORD}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["token"]


def test_logging_into_an_own_account_does_not_reset_the_address_limit(client, sprayed_users, owner):
    # An attacker with one real account interleaves successful logins: each gives back only
    # its own attempt, so the sprays still stop at the limit.
    refused = 0
    for user in sprayed_users:
        assert _login(client, "park_member", PASSWORD).status_code in (302, 200)
        client.post(reverse("accounts:logout"))
        if "尝试次数过多" in _login(client, user.username, "Password123").content.decode():
            refused += 1
    assert refused == 5


def test_ipv6_neighbours_in_one_64_share_the_address_limit(client, sprayed_users):
    for i, user in enumerate(sprayed_users[:20]):
        _login(client, user.username, "x", ip=f"2001:db8:1:2::{i + 1:x}")
    assert "尝试次数过多" in _login(client, sprayed_users[20].username, "x", ip="2001:db8:1:2:ffff::1").content.decode()
    assert (
        "用户名或密码不正确" in _login(client, sprayed_users[20].username, "x", ip="2001:db8:1:3::1").content.decode()
    )


def test_the_api_lockout_answers_429_in_chinese(owner):
    api = APIClient(REMOTE_ADDR="10.0.0.1")
    for _ in range(3):
        api.post("/api/auth/token/", {"username": "park_member", "password": "wrong"}, format="json")
    response = api.post("/api/auth/token/", {"username": "park_member", "password": PASSWORD}, format="json")
    assert response.status_code == 429
    assert response.json()["error"]["message"] == "登录失败次数过多，该账号在此地址已被暂时锁定，请 10 分钟后再试。"
    ok = APIClient(REMOTE_ADDR="10.0.0.2").post(
        "/api/auth/token/", {"username": "park_member", "password": PASSWORD}, format="json"
    )
    assert ok.status_code == 200


# --- where the login page sends people afterwards -----------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "javascript:alert(1)",
        "http://testserver.evil.example/",
    ],
)
def test_next_never_leaves_the_site(client, owner, target):
    response = client.post(
        reverse("accounts:login") + "?next=" + target,
        {"username": "park_member", "password": PASSWORD, "next": target},
        REMOTE_ADDR="10.0.0.1",
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")


def test_next_inside_the_site_is_followed(client, owner):
    response = client.post(
        reverse("accounts:login"), {"username": "park_member", "password": PASSWORD, "next": "/accounts/my-org/"}
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/my-org/"


# --- the admin's own login page goes through the same limiter ------------------------------------


def test_admin_login_is_limited_too(client, db):
    factories.UserFactory(username="staff_admin", is_staff=True, is_superuser=True, platform_role="admin")
    url = reverse("admin:login")
    for _ in range(3):
        client.post(url, {"username": "staff_admin", "password": "wrong"}, REMOTE_ADDR="10.0.0.1")
    response = client.post(url, {"username": "staff_admin", "password": PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 200 and "登录失败次数过多" in response.content.decode()
    assert client.get(reverse("admin:index")).status_code == 302  # not signed in
    response = client.post(url, {"username": "staff_admin", "password": PASSWORD}, REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 302 and client.get(reverse("admin:index")).status_code == 200


def test_admin_login_counts_against_the_address_limit(client, sprayed_users):
    for user in sprayed_users[:20]:
        client.post(reverse("admin:login"), {"username": user.username, "password": "x"}, REMOTE_ADDR="10.0.0.1")
    assert "尝试次数过多" in _login(client, sprayed_users[20].username, PASSWORD).content.decode()


def test_old_records_are_pruned(client, owner, other_member):
    for _ in range(2):
        _login(client, "other_member", "wrong", ip="10.0.0.7")
    LoginThrottle.objects.update(last_attempt_at=timezone.now() - timedelta(seconds=601))
    LoginFailure.objects.update(created_at=timezone.now() - timedelta(seconds=601))
    _login(client, "park_member", "wrong")
    assert list(LoginFailure.objects.values_list("key", flat=True)) == ["park_member|10.0.0.1"]
    assert set(LoginThrottle.objects.values_list("key", flat=True)) == {"ip:10.0.0.1", "user:park_member|10.0.0.1"}
