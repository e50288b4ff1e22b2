"""A Celery worker killed with SIGKILL in the middle of `matching.tasks.rematch_all`.

A real `celery worker` subprocess (prefork, one child) shares a file-backed test database and a
filesystem broker with the test. The worker is slowed down *inside* each block's transaction
(tests/faults/fault_worker.py), and killed there:

1. only the pool child dies → the parent sees the lost worker and, with acks_late +
   reject_on_worker_lost, puts the message back; the rematch reruns and completes by itself;
2. the whole worker dies (main process and child) → the message is gone with it; the worker
   is restarted, the operator re-queues (`rematch --queue` = the outbox), and the rematch completes.

After each kill, every demand's list is either its old complete list or its new complete list.

Needs a database the worker process can open: run this module on its own on SQLite
(`pytest tests/faults/test_worker_killed.py`) or with DATABASE_URL=postgres://… (CI).
"""
import os
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from catalog.models import Demand, Supply
from matching.embeddings import HashingBackend
from matching.models import Match
from tests import factories

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ROOT = Path(__file__).resolve().parents[2]
N_DEMANDS, N_SUPPLIES, TOP_K, BLOCK = 600, 120, 10, 256  # 3 blocks of demands per rematch
OLD_MODEL, NEW_MODEL = "previous-run", HashingBackend().name
SLOW_SECONDS = 2.0


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    # A file-backed SQLite test database, so the worker process can open it too.
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        db.setdefault("TEST", {})["NAME"] = str(Path(settings.VAR_DIR) / "faults-test.sqlite3")


@pytest.fixture(autouse=True)
def _shared_broker(settings, tmp_path):
    """The test publishes to the same filesystem broker folders the worker reads."""
    from portal.celery import app

    var = tmp_path / "var"
    folders = {key: var / "celery" / sub for key, sub in
               (("data_folder_in", "queue"), ("data_folder_out", "queue"), ("processed_folder", "processed"),
                ("control_folder", "control"))}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    app.conf.broker_url = "filesystem://"
    app.conf.broker_transport_options = {**{k: str(v) for k, v in folders.items()}, "store_processed": False}
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    settings.MATCHING_TOP_K = TOP_K
    yield var
    app.conf.broker_url = "memory://"
    app.conf.broker_transport_options = {}
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None


def _database_url():
    from django.db import connection

    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        if s["NAME"] == ":memory:" or "mode=memory" in str(s["NAME"]):
            pytest.skip("in-memory SQLite test database: run `pytest tests/faults/test_worker_killed.py` on its own "
                        "(file database) or set DATABASE_URL=postgres://…")
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    """`celery worker` (prefork, one child) in its own process group, logging to a file."""

    def __init__(self, var, log, marker):
        self.var, self.log, self.marker = var, log, marker
        self.proc = None

    def start(self):
        env = {**os.environ, "DATABASE_URL": _database_url(), "PORTAL_VAR_DIR": str(self.var), "PYTHONUNBUFFERED": "1",
               "PORTAL_TESTING": "1", "MATCHING_TOP_K": str(TOP_K), "MATCHING_RECOMMEND_THRESHOLD": "101",
               "FAULT_SLOW_INSERT": str(SLOW_SECONDS), "FAULT_MARKER": str(self.marker)}
        env.pop("CELERY_TASK_ALWAYS_EAGER", None)
        env.pop("REDIS_URL", None)  # the filesystem broker shared with the test
        env.pop("CELERY_BROKER_URL", None)
        offset = self.log.stat().st_size if self.log.exists() else 0
        self.proc = subprocess.Popen(
            [sys.executable, str(ROOT / "tests" / "faults" / "fault_worker.py"), "worker", "-P", "prefork", "-c", "1",
             "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            cwd=ROOT, env=env, stdout=open(self.log, "a"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        wait_for(lambda: "ready." in self.log_text(offset), 120, "the worker to start", self)

    def log_text(self, offset=0):
        return self.log.read_text(errors="replace")[offset:] if self.log.exists() else ""

    def kill_all(self):
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)


def wait_for(predicate, timeout, what, worker=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    tail = worker.log_text()[-3000:] if worker else ""
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{tail}")


def marker_lines(marker):
    return [line.split() for line in marker.read_text().splitlines()] if marker.exists() else []


def catalogue():
    park, firm = factories.OrganizationFactory(), factories.SupplierOrganizationFactory()
    demand_list = factories.DemandListFactory(organization=park)
    menu = factories.SupplyMenuFactory(organization=firm)
    chain, region = factories.chain("机器人"), park.region
    words = ["协作机器人", "视觉检测", "碳化硅", "储能", "工业软件", "减速器", "数字孪生", "污水处理"]
    Demand.objects.bulk_create([
        Demand(demand_list=demand_list, organization=park, region=region, chain=chain, demand_type="技术攻关",
               title=f"{words[i % 8]}需求{i}", description=f"需要{words[i % 8]}和{words[(i * 3) % 8]}方面的能力，编号{i}。",
               contact_name="王工", contact_phone="0537-1234567") for i in range(N_DEMANDS)])
    Supply.objects.bulk_create([
        Supply(menu=menu, organization=firm, region=firm.region, chain=chain, supply_type="技术成果",
               title=f"{words[i % 8]}方案{i}", description=f"提供{words[i % 8]}与{words[(i * 5) % 8]}技术，编号{i}。",
               contact_name="李经理", contact_phone="010-12345678") for i in range(N_SUPPLIES)])


def write_old_lists():
    """Every demand gets a complete list from a 'previous run' (ranks 1..TOP_K)."""
    Match.objects.all().delete()
    supplies = list(Supply.objects.values_list("pk", flat=True))
    now = timezone.now()
    Match.objects.bulk_create([
        Match(demand_id=d, supply_id=supplies[(d + r) % len(supplies)], rank=r + 1, score=50.0 - r, components={},
              explanation={}, model_name=OLD_MODEL, computed_at=now)
        for d in Demand.objects.values_list("pk", flat=True) for r in range(TOP_K)], batch_size=2000)


def list_states():
    """{"old": n, "new": n} of demands with a complete list; raises on any half-written list."""
    rows = defaultdict(list)
    for demand_id, model_name, rank in Match.objects.values_list("demand_id", "model_name", "rank"):
        rows[demand_id].append((model_name, rank))
    states = {"old": 0, "new": 0}
    broken = {}
    for demand_id in Demand.objects.values_list("pk", flat=True):
        entries = rows.get(demand_id, [])
        models = {m for m, _ in entries}
        ranks = sorted(r for _, r in entries)
        if models == {OLD_MODEL} and ranks == list(range(1, TOP_K + 1)):
            states["old"] += 1
        elif models == {NEW_MODEL} and ranks == list(range(1, TOP_K + 1)):
            states["new"] += 1
        else:
            broken[demand_id] = entries
    assert not broken, f"{len(broken)} demands have a half-written list, e.g. {list(broken.items())[:2]}"
    return states


def test_rematch_survives_sigkill_of_the_worker(tmp_path, _shared_broker):
    _database_url()  # skips at once on an in-memory database
    catalogue()
    write_old_lists()
    assert list_states() == {"old": N_DEMANDS, "new": 0}
    marker = tmp_path / "blocks.txt"
    worker = Worker(_shared_broker, tmp_path / "worker.log", marker)
    worker.start()
    try:
        # --- 1. the pool child is killed inside the 2nd block's transaction ---------------------
        call_command("rematch", "--queue")
        wait_for(lambda: len(marker_lines(marker)) >= 2, 120, "the 2nd block to start writing", worker)
        pid, block = marker_lines(marker)[1]
        assert block == "2" and int(pid) != worker.proc.pid  # the pool child, not the main process
        os.kill(int(pid), signal.SIGKILL)
        time.sleep(0.5)
        # Block 1 (256 demands) committed; block 2's delete was rolled back; block 3 never ran.
        assert list_states() == {"old": N_DEMANDS - BLOCK, "new": BLOCK}
        # The parent requeues the message (acks_late + reject_on_worker_lost) and a new child reruns it.
        wait_for(lambda: list_states() == {"old": 0, "new": N_DEMANDS}, 120, "the redelivered rematch to finish", worker)
        assert "WorkerLostError" in worker.log_text() or "signal 9" in worker.log_text()
        assert worker.proc.poll() is None  # the main process survived

        # --- 2. the whole worker (main + child) dies in the 2nd block; restart and re-queue ------
        write_old_lists()
        marker.unlink()
        call_command("rematch", "--queue")
        wait_for(lambda: len(marker_lines(marker)) >= 2, 120, "the 2nd block to start writing", worker)
        worker.kill_all()
        assert list_states() == {"old": N_DEMANDS - BLOCK, "new": BLOCK}
        worker.start()
        # A message taken by a killed worker is not redelivered until the broker's visibility timeout
        # (filesystem transport: never), so the operator queues the rematch again.
        call_command("rematch", "--queue")
        wait_for(lambda: list_states() == {"old": 0, "new": N_DEMANDS}, 120, "the re-queued rematch to finish", worker)
    finally:
        worker.stop()
