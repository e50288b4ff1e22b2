"""A 20,000-row file uploaded through the import page runs in a real worker with a progress bar;
cancelling it half-way, or killing the worker half-way, writes nothing; letting it run imports all.

Run on its own on SQLite (`pytest tests/faults/test_import_in_worker.py`) or with DATABASE_URL=postgres://….
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalog.models import Demand, DemandList, ImportJob
from tests.catalog.files import csv_bytes, demand_rows
from tests.faults.worker_harness import (
    Worker,
    _database_url,
    django_db_modify_db_settings,  # noqa: F401 - file database for the worker
    shared_broker,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROWS = 20_000


@pytest.fixture
def broker(tmp_path):
    with shared_broker(tmp_path) as var:
        yield var


def status(client, job):
    response = client.get(reverse("catalog:import_job_status", args=[job.pk]))
    assert response.status_code == 200
    return response.json()


def upload(client, data):
    response = client.post(reverse("catalog:import"), {"file": SimpleUploadedFile("两万行需求.csv", data)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return ImportJob.objects.latest("created_at")


def watch(client, job, until, timeout, worker):
    """Poll the progress endpoint (what the page's progress bar reads) until `until(state)`; returns every state seen."""
    seen = []

    def check():
        seen.append(status(client, job))
        return until(seen[-1])

    try:
        wait_for(check, timeout, f"import job {job.pk} to reach the expected state", worker)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\nlast progress: {seen[-1] if seen else None}") from None
    return seen


def test_twenty_thousand_rows_in_the_worker_cancel_kill_and_finish(client, owner, park_org, tmp_path, broker):
    _database_url()  # skips at once on an in-memory database
    client.force_login(owner)
    data = csv_bytes(demand_rows(ROWS))
    worker = Worker(broker, tmp_path / "worker.log")
    worker.start()
    try:
        # --- preview in the worker, with progress -----------------------------------------------
        job = upload(client, data)
        assert job.status == ImportJob.Status.PENDING  # big file: checked in the worker
        page = client.get(reverse("catalog:import_job", args=[job.pk])).content.decode()
        assert "progress" in page and "尚未保存任何数据" in page
        seen = watch(client, job, lambda s: s["status"] == "validated", 300, worker)
        assert seen[-1]["total_rows"] == ROWS and Demand.objects.count() == 0

        # --- confirm, then cancel half-way: everything rolled back ------------------------------
        client.post(reverse("catalog:import_confirm", args=[job.pk]))
        seen = watch(client, job, lambda s: 0 < s["processed_rows"] < ROWS or s["finished"], 300, worker)
        assert not seen[-1]["finished"], "the import finished before it could be cancelled"
        response = client.post(reverse("catalog:import_cancel", args=[job.pk]), follow=True)
        assert "撤销" in response.content.decode()
        seen = watch(client, job, lambda s: s["finished"], 300, worker)
        assert seen[-1]["status"] == "cancelled"
        assert (Demand.objects.count(), DemandList.objects.count()) == (0, 0)

        # --- the worker is killed half-way: nothing is written ------------------------------------
        job = upload(client, data)
        watch(client, job, lambda s: s["status"] == "validated", 300, worker)
        client.post(reverse("catalog:import_confirm", args=[job.pk]))
        watch(client, job, lambda s: 0 < s["processed_rows"] < ROWS, 300, worker)
        worker.kill_all()
        assert (Demand.objects.count(), DemandList.objects.count()) == (0, 0)
        worker.start()

        # --- a fresh upload runs to the end ------------------------------------------------------
        job = upload(client, data)
        watch(client, job, lambda s: s["status"] == "validated", 300, worker)
        client.post(reverse("catalog:import_confirm", args=[job.pk]))
        seen = watch(client, job, lambda s: s["finished"], 600, worker)
        assert seen[-1]["status"] == "succeeded" and seen[-1]["percent"] == 100
        assert any(0 < s["percent"] < 100 for s in seen), "the progress bar never moved"
        assert Demand.objects.filter(organization=park_org).count() == ROWS
    finally:
        worker.stop()
