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
import time
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.utils import timezone

from catalog.models import Demand, Supply
from matching.embeddings import HashingBackend
from matching.models import Match
from tests import factories
from tests.faults.worker_harness import (
    Worker,
    _database_url,
    django_db_modify_db_settings,  # noqa: F401 - file database for the worker
    shared_broker,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

N_DEMANDS, N_SUPPLIES, TOP_K, BLOCK = 600, 120, 10, 256  # 3 blocks of demands per rematch
OLD_MODEL, NEW_MODEL = "previous-run", HashingBackend().name
SLOW_SECONDS = 2.0


@pytest.fixture
def broker(settings, tmp_path):
    settings.MATCHING_TOP_K = TOP_K
    with shared_broker(tmp_path) as var:
        yield var


def marker_lines(marker):
    return [line.split() for line in marker.read_text().splitlines()] if marker.exists() else []


def catalogue():
    park, firm = factories.OrganizationFactory(), factories.SupplierOrganizationFactory()
    demand_list = factories.DemandListFactory(organization=park)
    menu = factories.SupplyMenuFactory(organization=firm)
    chain, region = factories.chain("机器人"), park.region
    words = ["协作机器人", "视觉检测", "碳化硅", "储能", "工业软件", "减速器", "数字孪生", "污水处理"]
    Demand.objects.bulk_create(
        [
            Demand(
                demand_list=demand_list,
                organization=park,
                region=region,
                chain=chain,
                demand_type="技术攻关",
                title=f"{words[i % 8]}需求{i}",
                description=f"需要{words[i % 8]}和{words[(i * 3) % 8]}方面的能力，编号{i}。",
                contact_name="王工",
                contact_phone="0537-1234567",
            )
            for i in range(N_DEMANDS)
        ]
    )
    Supply.objects.bulk_create(
        [
            Supply(
                menu=menu,
                organization=firm,
                region=firm.region,
                chain=chain,
                supply_type="技术成果",
                title=f"{words[i % 8]}方案{i}",
                description=f"提供{words[i % 8]}与{words[(i * 5) % 8]}技术，编号{i}。",
                contact_name="李经理",
                contact_phone="010-12345678",
            )
            for i in range(N_SUPPLIES)
        ]
    )


def write_old_lists():
    """Every demand gets a complete list from a 'previous run' (ranks 1..TOP_K)."""
    Match.objects.all().delete()
    supplies = list(Supply.objects.values_list("pk", flat=True))
    now = timezone.now()
    Match.objects.bulk_create(
        [
            Match(
                demand_id=d,
                supply_id=supplies[(d + r) % len(supplies)],
                rank=r + 1,
                score=50.0 - r,
                components={},
                explanation={},
                model_name=OLD_MODEL,
                computed_at=now,
            )
            for d in Demand.objects.values_list("pk", flat=True)
            for r in range(TOP_K)
        ],
        batch_size=2000,
    )


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


def test_rematch_survives_sigkill_of_the_worker(tmp_path, broker):
    _database_url()  # skips at once on an in-memory database
    catalogue()
    write_old_lists()
    assert list_states() == {"old": N_DEMANDS, "new": 0}
    marker = tmp_path / "blocks.txt"
    worker = Worker(
        broker,
        tmp_path / "worker.log",
        marker,
        env={
            "MATCHING_TOP_K": str(TOP_K),
            "MATCHING_RECOMMEND_THRESHOLD": "101",
            "FAULT_SLOW_INSERT": str(SLOW_SECONDS),
        },
    )
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
        wait_for(
            lambda: list_states() == {"old": 0, "new": N_DEMANDS}, 120, "the redelivered rematch to finish", worker
        )
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
