"""Login lock-out under parallel requests: 20 guesses at once check at most the limit of passwords.

Every request runs in its own thread with its own database connection, so the lock-out decision
really races. SQLite needs a file database for that (an in-memory one is private to a connection or,
shared, refuses concurrent writers instead of waiting): run this module on its own
(`pytest tests/security/test_login_race.py`) or with DATABASE_URL=postgres://…; inside a bigger
SQLite run it is skipped with that reason.
"""

import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import LoginThrottle
from tests import factories

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "Jinglu#2026"  # tests.factories.UserFactory
N_PARALLEL = 20


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        db.setdefault("TEST", {})["NAME"] = str(Path(settings.VAR_DIR) / "login-race-test.sqlite3")


@pytest.fixture(autouse=True)
def _real_concurrency(settings):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("needs a file or PostgreSQL database: run tests/security/test_login_race.py on its own")
    settings.LOGIN_MAX_FAILURES = 5
    settings.LOGIN_MAX_FAILURES_PER_IP = 20
    settings.LOGIN_LOCKOUT_SECONDS = 900


@pytest.fixture
def checks(monkeypatch):
    """Count the password checks (ModelBackend.authenticate) and make each take a while, so requests overlap."""
    calls = []
    lock = threading.Lock()
    real = ModelBackend.authenticate

    def counting(self, request, username=None, password=None, **kwargs):
        with lock:
            calls.append((username, password))
        time.sleep(0.3)
        return real(self, request, username=username, password=password, **kwargs)

    monkeypatch.setattr(ModelBackend, "authenticate", counting)
    return calls


def in_parallel(requests):
    """Run each (delay, callable) in its own thread, released together; return their results in order."""
    results = [None] * len(requests)
    barrier = threading.Barrier(len(requests))

    def run(i, delay, call):
        try:
            barrier.wait(timeout=30)
            time.sleep(delay)
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, d, c)) for i, (d, c) in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    return results


def after_checks(checks, n, call):
    """`call`, sent once n password checks have started (the right password arriving late)."""

    def late():
        deadline = time.monotonic() + 20
        while len(checks) < n and time.monotonic() < deadline:
            time.sleep(0.01)
        return call()

    return late


def html_login(username, password, ip):
    def call():
        client = Client(REMOTE_ADDR=ip)
        response = client.post(reverse("accounts:login"), {"username": username, "password": password})
        return response.status_code, response.content.decode(), client.get(reverse("accounts:my_org")).status_code

    return call


def api_token(username, password, ip):
    def call():
        response = APIClient(REMOTE_ADDR=ip).post(
            "/api/auth/token/", {"username": username, "password": password}, format="json"
        )
        return response.status_code, response.json()

    return call


def test_twenty_parallel_guesses_on_the_login_page_check_at_most_five_passwords(checks):
    factories.UserFactory(username="victim")
    # 17 wrong guesses at once, the right password 18th (once five checks are under way), two more wrong.
    requests = [(0, html_login("victim", f"guess{i}", "10.6.6.6")) for i in range(17)]
    requests += [(0, after_checks(checks, 5, html_login("victim", PASSWORD, "10.6.6.6")))]
    requests += [(0, html_login("victim", f"guess{i}", "10.6.6.6")) for i in range(17, 19)]
    results = in_parallel(requests)

    assert len(checks) <= 5, f"{len(checks)} passwords were checked"
    late = results[17]
    assert late[0] == 200 and "登录失败次数过多" in late[1] and late[2] == 302  # refused, still logged out
    locked = [r for r in results if "登录失败次数过多" in r[1]]
    assert len(locked) >= 15
    # Locked now, sequentially too, and the right password still does not get in from there.
    assert "登录失败次数过多" in html_login("victim", PASSWORD, "10.6.6.6")()[1]
    # The real user, elsewhere, is not locked out by the attacker.
    assert html_login("victim", PASSWORD, "10.1.1.1")()[0] == 302


def test_twenty_parallel_guesses_on_the_token_api_check_at_most_five_passwords(checks):
    factories.UserFactory(username="victim")
    requests = [(0, api_token("victim", f"guess{i}", "10.6.6.6")) for i in range(17)]
    requests += [(0, after_checks(checks, 5, api_token("victim", PASSWORD, "10.6.6.6")))]
    requests += [(0, api_token("victim", f"guess{i}", "10.6.6.6")) for i in range(17, 19)]
    results = in_parallel(requests)

    assert len(checks) <= 5, f"{len(checks)} passwords were checked"
    assert results[17][0] == 429 and "token" not in results[17][1]
    assert sum(1 for status, _ in results if status == 429) >= 15
    assert api_token("victim", PASSWORD, "10.1.1.1")()[0] == 200


def test_parallel_spraying_of_25_users_from_one_address_checks_at_most_the_address_limit(checks):
    users = [factories.UserFactory(username=f"sprayed{i:02d}") for i in range(25)]
    # Stale counters from an earlier window, at their limits: each request must reset its own
    # while the failures prune the others (a row may vanish between its get_or_create and UPDATE).
    old = timezone.now() - timedelta(hours=1)
    LoginThrottle.objects.bulk_create(
        [LoginThrottle(key="ip:10.6.6.6", attempts=20, last_attempt_at=old)]
        + [LoginThrottle(key=f"user:{u.username}|10.6.6.6", attempts=5, last_attempt_at=old) for u in users]
    )
    half = [(0, html_login(u.username, "Spring2026!", "10.6.6.6")) for u in users[:13]]
    half += [(0, api_token(u.username, "Spring2026!", "10.6.6.6")) for u in users[13:]]
    results = in_parallel(half)

    assert len(checks) <= 20, f"{len(checks)} passwords were checked"
    refused = [r for r in results if r[0] == 429 or (r[0] == 200 and "尝试次数过多，请 15 分钟后再试" in r[1])]
    assert len(refused) >= 5
    assert len(checks) + len(refused) == 25
    # Each real user still logs in from their own address.
    assert html_login(users[0].username, PASSWORD, "10.2.2.2")()[0] == 302
    assert api_token(users[-1].username, PASSWORD, "10.3.3.3")()[0] == 200
