"""Fault-test helpers: a valid 添加需求 form and row counts that prove nothing was half-written."""

import datetime

import pytest
from django.utils import timezone

from catalog.models import Demand
from portal.models import OutboxMessage
from tests import factories


def demand_form(demand_list, *, title="碳化硅功率模块封装工艺攻关需求"):
    """POST data of the 添加需求 page, valid for `demand_list`."""
    return {
        "demand_list": demand_list.pk,
        "title": title,
        "description": "园区企业需要碳化硅功率模块的封装与可靠性测试能力，希望与北京高校院所合作攻关。",
        "chain": factories.chain("机器人").pk,
        "demand_type": "技术攻关",
        "budget_wan": "300",
        "deadline": (timezone.localdate() + datetime.timedelta(days=90)).isoformat(),
        "contact_name": "王主任",
        "contact_phone": "0537-2345678",
        "region": "",
    }


def counts():
    """Rows a demand write touches: the demand itself and its queued matching task."""
    return {"demands": Demand.objects.count(), "outbox": OutboxMessage.objects.count()}


@pytest.fixture
def demand_list(park_org, owner):
    return factories.DemandListFactory(organization=park_org)
