import datetime
from zoneinfo import ZoneInfo

import pytest

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at_local(day, hour=12, minute=0, second=0, microsecond=0):
    return datetime.datetime(day.year, day.month, day.day, hour, minute, second, microsecond, tzinfo=SHANGHAI)


@pytest.fixture
def deadline_day():
    return datetime.date(2027, 3, 31)


@pytest.fixture
def sealed_demand(demand, deadline_day):
    demand.deadline = deadline_day
    demand.save()
    return demand


@pytest.fixture
def liaison_coast(db):
    """A liaison of other regions (青岛/烟台/潍坊): reads published content, never another region's bids."""
    from tests import factories

    user = factories.LiaisonFactory(username="liaison_coast")
    for city in ("山东省青岛市", "山东省烟台市", "山东省潍坊市"):
        user.responsible_regions.add(factories.region(city))
    return user


@pytest.fixture
def superuser(db):
    from tests import factories

    return factories.UserFactory(username="root", is_superuser=True, is_staff=True)
