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
