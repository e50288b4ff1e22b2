"""Login in Chinese, logout by POST, and the per username+address lockout."""

import pytest
from django.urls import reverse

from accounts.models import LoginFailure

pytestmark = pytest.mark.django_db

PASSWORD = "Jinglu#2026"  # tests.factories.UserFactory


@pytest.fixture(autouse=True)
def _limits(settings):
    settings.LOGIN_MAX_FAILURES = 3
    settings.LOGIN_LOCKOUT_SECONDS = 600


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
    from datetime import timedelta

    from django.utils import timezone

    for _ in range(3):
        _login(client, "park_member", "wrong")
    LoginFailure.objects.update(created_at=timezone.now() - timedelta(seconds=601))
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
