"""Redis (broker and cache) stopped or hung while people work: pages and forms keep working, the
tasks wait in the outbox, and once Redis is back they are published and run exactly once.

Uses its own redis-server on a free port (never the shared one), so it can stop and pause it.
"""

import os
import shutil
import signal
import socket
import subprocess
import time

import pytest
from celery import current_app
from django.urls import reverse
from kombu import Connection

from catalog.models import Demand
from matching import embeddings
from matching import index as catalog_index
from matching.models import Match
from portal.models import OutboxMessage
from portal.outbox import redeliver_pending
from tests.faults.conftest import demand_form

pytestmark = [pytest.mark.services, pytest.mark.django_db]

# What portal/settings.py sets for a Redis broker / cache.
BROKER_OPTIONS = {"socket_timeout": 3, "socket_connect_timeout": 2}
FAST_ENOUGH = 15  # seconds: a request may wait for the publish timeouts, never hang


class RedisServer:
    def __init__(self, tmp_path):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log = tmp_path / "redis.log"
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--logfile",
                str(self.log),
            ]
        )
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)
            self.proc.terminate()
            self.proc.wait(timeout=10)


@pytest.fixture
def redis_server(tmp_path):
    if not os.environ.get("REDIS_URL"):
        pytest.skip("REDIS_URL is not set (CI sets it; these tests start their own redis-server)")
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def switch_broker(url, options):
    app = current_app._get_current_object()
    app.conf.broker_url = url
    app.conf.broker_transport_options = options
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    return app


@pytest.fixture
def on_redis(redis_server, settings):
    """Broker and cache on the test's own Redis, configured as production configures them."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {"socket_timeout": 2, "socket_connect_timeout": 2},
        }
    }
    switch_broker(redis_server.url, BROKER_OPTIONS)
    embeddings.set_backend(embeddings.HashingBackend())
    catalog_index.reset_state()
    yield redis_server
    switch_broker("memory://", {})
    embeddings.set_backend(None)
    catalog_index.reset_state()


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def drain(url):
    """(task name, args) of every message waiting on the broker (consumes them)."""
    found = []
    with Connection(url) as conn:
        queue = conn.SimpleQueue("celery")
        while True:
            try:
                message = queue.get(timeout=1)
            except queue.Empty:
                break
            args, kwargs, _embed = message.decode()
            found.append((message.headers["task"], tuple(args), kwargs))
            message.ack()
        queue.close()
    return found


def test_work_continues_while_redis_is_down_and_runs_once_it_is_back(
    client, owner, demand_list, supply, on_redis, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    on_redis.stop()

    # Pages render (the cache is not needed for any page) and do not wait on Redis.
    for url in (reverse("home"), reverse("catalog:demand_list"), reverse("catalog:demand_create")):
        response, seconds = timed(lambda url=url: client.get(url))
        assert response.status_code == 200 and seconds < FAST_ENOUGH, (url, response.status_code, seconds)

    # Create and then edit a demand through the real forms.
    data = demand_form(demand_list)
    with django_capture_on_commit_callbacks(execute=True):
        response, seconds = timed(lambda: client.post(reverse("catalog:demand_create"), data))
    assert response.status_code == 302 and seconds < FAST_ENOUGH, seconds
    demand = Demand.objects.get(title=data["title"])
    with django_capture_on_commit_callbacks(execute=True):
        response, seconds = timed(
            lambda: client.post(
                reverse("catalog:demand_edit", args=[demand.pk]),
                {**data, "title": "碳化硅功率模块封装工艺攻关需求（修订）"},
            )
        )
    assert response.status_code == 302 and seconds < FAST_ENOUGH, seconds
    demand.refresh_from_db()
    assert demand.title.endswith("（修订）")  # the user's edit is saved

    pending = list(OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING))
    refreshes = [m for m in pending if m.task_name == "matching.tasks.refresh_demand"]
    assert len(refreshes) == 2 and all(m.args == [demand.pk] for m in refreshes)
    assert all(m.attempts == 1 and m.last_error for m in pending)
    assert not OutboxMessage.objects.filter(status=OutboxMessage.Status.SENT).exists()
    assert not Match.objects.filter(demand=demand).exists()

    # Redis is back: the beat task publishes every pending message once.
    on_redis.start()
    assert redeliver_pending(older_than_seconds=0) == len(pending)
    assert not OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).exists()
    assert redeliver_pending(older_than_seconds=0) == 0  # nothing is sent twice
    queued = drain(on_redis.url)
    assert sorted(name for name, _a, _k in queued) == sorted(m.task_name for m in pending)

    # A worker runs them: the demand gets its match list.
    for name, args, kwargs in queued:
        current_app.tasks[name].apply(args=args, kwargs=kwargs).get()
    assert Match.objects.filter(demand=demand, supply=supply).exists()


def test_a_hung_redis_delays_a_form_by_seconds_not_forever(
    client, owner, demand_list, on_redis, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    on_redis.proc.send_signal(signal.SIGSTOP)  # accepts connections, never answers
    try:
        data = demand_form(demand_list)
        with django_capture_on_commit_callbacks(execute=True):
            response, seconds = timed(lambda: client.post(reverse("catalog:demand_create"), data))
    finally:
        on_redis.proc.send_signal(signal.SIGCONT)
    assert response.status_code == 302
    assert seconds < FAST_ENOUGH, f"the form took {seconds:.1f}s with a hung Redis"
    assert Demand.objects.filter(title=data["title"]).count() == 1
    message = OutboxMessage.objects.get(task_name="matching.tasks.refresh_demand")
    assert message.status == OutboxMessage.Status.PENDING and "Timeout" in message.last_error


def test_pages_do_not_wait_for_a_dead_cache(client, owner, demand, settings):
    """No page needs the cache; if one starts to, a dead Redis must fail fast, not hang it."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_timeout": 2, "socket_connect_timeout": 2},
        }
    }
    client.force_login(owner)
    for url in (
        reverse("home"),
        reverse("catalog:demand_list"),
        reverse("catalog:demand_detail", args=[demand.pk]),
        reverse("bidding:demand_bids", args=[demand.pk]),
        reverse("notifications:inbox"),
    ):
        response, seconds = timed(lambda url=url: client.get(url))
        assert response.status_code == 200 and seconds < 5, (url, response.status_code, seconds)
