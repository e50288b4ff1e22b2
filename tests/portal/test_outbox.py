"""The transactional outbox: work queued while the broker is down is kept and published later."""

import os

import pytest
from celery import current_app
from django.urls import reverse
from kombu import Connection

from catalog.models import Demand
from catalog.services import demand_close
from portal.models import OutboxMessage
from portal.outbox import redeliver_pending

DEAD_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused at once


def switch_broker(url):
    """Point the Celery app at another broker, dropping pooled connections to the old one."""
    app = current_app._get_current_object()
    app.conf.broker_url = url
    app.conf.broker_transport_options = {}
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    return app


@pytest.fixture
def dead_broker():
    app = switch_broker(DEAD_BROKER)
    yield app
    switch_broker("memory://")


def drain(url, queue="celery"):
    """Task names of the messages waiting in `queue` on the broker at `url` (consumes them)."""
    names = []
    with Connection(url) as conn:
        simple = conn.SimpleQueue(queue)
        while True:
            try:
                message = simple.get(timeout=0.5)
            except simple.Empty:
                break
            names.append(message.headers["task"])
            message.ack()
        simple.close()
    return names


@pytest.mark.django_db
def test_closing_a_demand_while_the_broker_is_down_commits_and_keeps_the_task(
    dead_broker, owner, demand, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        demand_close(demand=demand, user=owner)

    assert len(callbacks) == 1
    assert Demand.objects.get(pk=demand.pk).status == Demand.Status.CLOSED  # the user's change is saved
    message = OutboxMessage.objects.get(task_name="matching.tasks.refresh_demand")
    assert message.status == OutboxMessage.Status.PENDING
    assert message.args == [demand.pk]
    assert message.attempts == 1
    # Pending because the broker refused the connection (not because the task is unknown).
    assert "KeyError" not in message.last_error
    assert "refused" in message.last_error.lower() or "Error 111" in message.last_error, message.last_error


@pytest.mark.django_db
def test_redelivery_publishes_pending_messages_once_the_broker_is_back(
    dead_broker, owner, demand, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        demand_close(demand=demand, user=owner)

    # Still down: a redelivery round leaves the message pending and counts the attempt.
    assert redeliver_pending(older_than_seconds=0) == 0
    message = OutboxMessage.objects.get()
    assert (message.status, message.attempts) == (OutboxMessage.Status.PENDING, 2)

    switch_broker("memory://")
    drain("memory://")
    assert redeliver_pending(older_than_seconds=0) == 1
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert message.sent_at is not None
    assert drain("memory://") == ["matching.tasks.refresh_demand"]
    # A second round sends nothing again.
    assert redeliver_pending(older_than_seconds=0) == 0


@pytest.mark.django_db
def test_redelivery_skips_messages_younger_than_the_grace_period(
    dead_broker, owner, demand, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        demand_close(demand=demand, user=owner)
    switch_broker("memory://")
    # The on-commit publish may still be in flight; beat only picks up messages older than 20 s.
    assert redeliver_pending() == 0
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.PENDING


@pytest.mark.services
@pytest.mark.django_db
def test_real_redis_stopped_then_back(dead_broker, owner, demand, django_capture_on_commit_callbacks):
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("REDIS_URL is not set (CI sets it; start redis-server to run this locally)")
    with django_capture_on_commit_callbacks(execute=True):
        demand_close(demand=demand, user=owner)
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.PENDING

    switch_broker(redis_url)
    drain(redis_url)
    assert redeliver_pending(older_than_seconds=0) == 1
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.SENT
    assert drain(redis_url) == ["matching.tasks.refresh_demand"]


@pytest.mark.django_db
def test_a_form_post_works_while_the_broker_is_down(
    dead_broker, client, owner, demand, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("catalog:demand_close", args=[demand.pk]), follow=True)
    assert response.status_code == 200
    assert "需求已关闭。" in response.content.decode()
    assert Demand.objects.get(pk=demand.pk).status == Demand.Status.CLOSED
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.PENDING
