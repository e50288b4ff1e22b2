"""50 companies submit concurrently around the deadline: exactly those decided before it are accepted.

Each submission runs in its own thread with its own database connection and a real transaction
(PostgreSQL when DATABASE_URL points to one: `select_for_update` on the demand serialises them;
SQLite: IMMEDIATE transactions serialise them). time-machine places the clock 1 s before the
deadline and lets it run; the service reads the clock once per decision, after taking the lock,
and the test records that reading per thread to check every verdict against it.
"""

import datetime
import threading
import time

import pytest
import time_machine
from django.db import OperationalError, connections

from bidding import selectors
from bidding.models import Bid
from tests import factories
from tests.bidding.conftest import at_local
from tests.bidding.factories import submit

N = 50


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_bids_around_the_deadline(monkeypatch, settings, park_org):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # 50 users, fast
    deadline = datetime.date(2027, 3, 31)
    demand = factories.DemandFactory(demand_list=factories.DemandListFactory(organization=park_org), deadline=deadline)
    bidders = []
    for i in range(N):
        org = factories.SupplierOrganizationFactory(name=f"北京并发测试科技有限公司{i:02d}")
        user = factories.UserFactory(username=f"race{i:02d}")
        factories.MembershipFactory(user=user, organization=org)
        bidders.append(user)
    end = selectors.deadline_end(demand)
    assert end == at_local(deadline + datetime.timedelta(days=1), 0, 0, 0)

    real_now = selectors.now
    decided_at = {}

    def spy_now():
        value = real_now()
        decided_at[threading.get_ident()] = value
        return value

    monkeypatch.setattr(selectors, "now", spy_now)
    results = {}
    barrier = threading.Barrier(N + 1)  # + the main thread, which releases them once the clock is placed

    def run(index, user):
        ident = threading.get_ident()
        try:
            barrier.wait()
            time.sleep(index * 0.04)  # arrivals spread over 2 s around the deadline
            for _attempt in range(50):
                try:
                    bid = submit(demand, user, price=str(100 + index))
                except OperationalError as exc:  # SQLite "database is locked" under load: retry the request
                    if "locked" not in str(exc):
                        raise
                    time.sleep(0.02)
                    continue
                results[index] = ("accepted", decided_at[ident], bid.submitted_at)
                break
        except Exception as exc:  # noqa: BLE001 - recorded and asserted below
            results[index] = ("refused", decided_at.get(ident), str(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, user)) for i, user in enumerate(bidders)]
    for thread in threads:
        thread.start()
    with time_machine.travel(end - datetime.timedelta(seconds=1), tick=True):
        barrier.wait()
        for thread in threads:
            thread.join(timeout=120)

    assert len(results) == N
    accepted = {i for i, r in results.items() if r[0] == "accepted"}
    refused = {i for i, r in results.items() if r[0] == "refused"}
    for i in accepted:
        _, decided, submitted_at = results[i]
        assert decided < end and submitted_at == decided, (i, decided)
    for i in refused:
        _, decided, message = results[i]
        assert "已超过截止日期（2027-03-31 23:59）" in message, message
        assert decided is not None and decided >= end, (i, decided)
    # The deadline really fell inside the burst, and the database agrees with the verdicts.
    assert accepted and refused
    assert set(Bid.objects.filter(demand=demand).values_list("organization__name", flat=True)) == {
        f"北京并发测试科技有限公司{i:02d}" for i in accepted
    }
    print(f"\n{len(accepted)} accepted before the deadline, {len(refused)} refused after it")
