"""A locked SQLite file or a lost PostgreSQL connection: the user gets the 503 page that says
nothing was saved, nothing is half-written, and the next request works again."""

import os
import sqlite3

import psycopg2
import pytest
import requests
from django.db import connection
from django.urls import reverse

from catalog import services as catalog_services
from catalog.models import Demand
from tests.faults.conftest import counts, demand_form

BUSY_PAGE = "数据库繁忙"
NOT_SAVED = "本次操作没有保存"

sqlite_only = pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="SQLite locking test (the PostgreSQL tests below cover DATABASE_URL=postgres)",
)


def _sqlite_blocker():
    """A second connection to the test database holding an exclusive write lock."""
    name = connection.settings_dict["NAME"]
    blocker = sqlite3.connect(name, uri=str(name).startswith("file:"), timeout=0, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    return blocker


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_locked_sqlite_database_gives_the_busy_page_and_writes_nothing(client, owner, demand_list):
    client.force_login(owner)
    url = reverse("catalog:demand_create")
    assert client.get(url).status_code == 200
    connection.ensure_connection()
    connection.connection.execute("PRAGMA busy_timeout = 300")  # production waits 20 s; the test need not
    before = counts()
    data = demand_form(demand_list)

    blocker = _sqlite_blocker()
    try:
        response = client.post(url, data)
    finally:
        blocker.rollback() if blocker.in_transaction else None
        blocker.close()

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    text = response.content.decode()
    assert BUSY_PAGE in text and NOT_SAVED in text
    assert "Traceback" not in text and "OperationalError" not in text
    assert counts() == before

    # The lock is gone: the same form now saves once.
    response = client.post(url, demand_form(demand_list))
    assert response.status_code == 302
    assert Demand.objects.filter(title=demand_form(demand_list)["title"]).count() == 1


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_locked_sqlite_database_answers_the_api_with_a_json_503(client, owner, demand_list):
    client.force_login(owner)
    connection.ensure_connection()
    connection.connection.execute("PRAGMA busy_timeout = 300")
    blocker = _sqlite_blocker()
    try:
        response = client.get("/api/demands/")
    finally:
        blocker.rollback() if blocker.in_transaction else None
        blocker.close()
    # A read may still succeed where the engine lets readers through the lock; a failure must be the JSON 503.
    if response.status_code != 200:
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "database_unavailable"


# --- PostgreSQL: the connection is killed ------------------------------------------------------


def _postgres_or_skip():
    if connection.vendor != "postgresql":
        pytest.skip("needs DATABASE_URL=postgres://… (CI sets it)")


def _terminate(pid):
    """Kill backend `pid` from a separate superuser connection (like a DBA or a failover would)."""
    s = connection.settings_dict
    admin = psycopg2.connect(
        dbname=s["NAME"], user=s["USER"], password=s["PASSWORD"], host=s["HOST"] or "127.0.0.1", port=s["PORT"] or 5432
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert cursor.fetchone()[0] is True
    admin.close()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_postgres_connection_killed_in_the_middle_of_a_write(client, owner, demand_list, monkeypatch):
    """The demand row is inserted, then the backend dies before commit: 503 page, no demand, no outbox row."""
    _postgres_or_skip()
    client.force_login(owner)
    before = counts()
    data = demand_form(demand_list)
    real_create = catalog_services.enqueue if hasattr(catalog_services, "enqueue") else None
    assert real_create is not None, "catalog.services queues matching through portal.outbox.enqueue"

    def enqueue_then_lose_the_connection(*args, **kwargs):
        # The Demand INSERT has run in this transaction; now the server goes away.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        _terminate(pid)
        return real_create(*args, **kwargs)

    monkeypatch.setattr(catalog_services, "enqueue", enqueue_then_lose_the_connection)
    response = client.post(reverse("catalog:demand_create"), data)
    monkeypatch.undo()

    assert response.status_code == 503
    assert NOT_SAVED in response.content.decode()
    assert counts() == before  # the INSERT before the crash was rolled back with the transaction

    response = client.post(reverse("catalog:demand_create"), demand_form(demand_list))
    assert response.status_code == 302
    after = counts()
    assert after["demands"] == before["demands"] + 1 and after["outbox"] > before["outbox"]


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_postgres_connection_killed_between_requests_is_replaced(live_server, settings, owner, demand_list):
    """A persistent connection killed while idle (server restart, failover) is noticed and replaced
    at the start of the next request (CONN_HEALTH_CHECKS), so the user sees no error at all.

    Uses the live server: only a real request cycle runs Django's per-request connection checks."""
    _postgres_or_skip()
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False  # plain-HTTP live server
    data = demand_form(demand_list)
    browser = requests.Session()
    login_url = live_server.url + reverse("accounts:login")
    browser.get(login_url, timeout=30)
    response = browser.post(
        login_url,
        timeout=30,
        data={
            "username": owner.username,
            "password": "Jinglu#2026",
            "csrfmiddlewaretoken": browser.cookies["csrftoken"],
        },
    )
    assert response.ok and "退出" in response.text
    create_url = live_server.url + reverse("catalog:demand_create")
    assert browser.get(create_url, timeout=30).status_code == 200  # the server thread now holds a connection

    # Kill every other backend of the test database: the server thread's idle connection among them.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        pids = [row[0] for row in cursor.fetchall()]
    assert pids, "the live server should hold a connection"
    for pid in pids:
        _terminate(pid)

    response = browser.post(
        create_url,
        timeout=30,
        allow_redirects=False,
        data={**data, "csrfmiddlewaretoken": browser.cookies["csrftoken"]},
        headers={"Referer": create_url},
    )
    assert response.status_code == 302, response.text[:500]
    assert Demand.objects.filter(title=data["title"]).count() == 1


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_postgres_unreachable_gives_the_busy_page(client, owner, demand_list):
    _postgres_or_skip()
    client.force_login(owner)
    before = counts()
    data = demand_form(demand_list)
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = "1"  # nothing listens there: connection refused
    try:
        response = client.post(reverse("catalog:demand_create"), data)
    finally:
        connection.close()
        connection.settings_dict.update(saved)
    assert response.status_code == 503
    assert BUSY_PAGE in response.content.decode()
    assert counts() == before
