"""The signed-in home page is a workbench for the person's role; it never reveals a sealed bid."""

import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from followups.models import Case
from tests import factories
from tests.bidding.factories import bidder, submit
from tests.events.factories import EventFactory, InvitationFactory, make_match
from tests.followups.factories import CaseFactory

pytestmark = pytest.mark.django_db


def _home(client, user):
    client.force_login(user)
    return client.get(reverse("home")).text


def test_anonymous_home_has_no_workbench(client):
    page = client.get(reverse("home")).text
    assert "工作台" not in page and "平台概览" not in page


def test_park_official_sees_lists_matches_events_and_cases(client, owner, demand, supply, park_org):
    demand.deadline = timezone.localdate() + datetime.timedelta(days=10)
    demand.save()
    make_match(demand, supply, 91)
    event = EventFactory()
    event.demand_lists.add(demand.demand_list)
    CaseFactory(demand=demand, supply_org=supply.organization, next_action="电话确认参会")
    page = _home(client, owner)
    assert "需求方工作台" in page
    assert demand.demand_list.name in page
    assert supply.title in page and "匹配度 91" in page
    assert event.name in page
    assert "电话确认参会" in page
    assert "新建需求清单" in page


def test_bids_are_not_counted_on_the_owner_workbench_before_the_deadline(client, owner, demand):
    demand.deadline = timezone.localdate() + datetime.timedelta(days=3)
    demand.save()
    submit(demand, bidder())
    page = _home(client, owner)
    assert demand.title not in page.split('id="panel-bids"')[1].split("</ul>")[0]
    with time_machine.travel(timezone.now() + datetime.timedelta(days=5)):
        page = _home(client, owner)
    panel = page.split('id="panel-bids"')[1].split("</ul>")[0]
    assert demand.title in panel and "收到 1 份意向书" in panel


def test_firm_sees_matching_demands_its_bids_and_invitations(client, supplier_user, supplier_org, demand, supply):
    demand.deadline = timezone.localdate() + datetime.timedelta(days=10)
    demand.save()
    make_match(demand, supply, 88)
    submit(demand, supplier_user)
    invitation = InvitationFactory(organization=supplier_org)
    page = _home(client, supplier_user)
    assert "供给方工作台" in page
    assert demand.title in page
    matched = page.split('id="panel-matched"')[1].split("</ul>")[0]
    # A firm may open the demand and its own supply's 可对接需求 tab, not the demand's 推荐供给 (404).
    assert reverse("catalog:demand_detail", args=[demand.pk]) in matched
    assert reverse("matching:supply_matches", args=[supply.pk]) in matched
    assert reverse("matching:demand_matches", args=[demand.pk]) not in matched
    assert "已提交" in page.split('id="panel-mybids"')[1]
    assert invitation.event.name in page
    assert "新建供给菜单" in page and "新建需求清单" not in page


def test_liaison_sees_due_followups_queue_and_stalled_cases_of_their_regions_only(client, liaison, demand):
    today = timezone.localdate()
    mine = CaseFactory(demand=demand, next_action="今天回访园区", next_action_at=today)
    CaseFactory(demand=demand, stage=Case.Stage.INTENT, is_stale=True, next_action="停滞项目")
    elsewhere = factories.DemandFactory(
        demand_list=factories.DemandListFactory(
            organization=factories.OrganizationFactory(name="青岛某园区", region=factories.region("山东省青岛市"))
        ),
        region=factories.region("山东省青岛市"),
    )
    CaseFactory(demand=elsewhere, next_action="青岛的事项", next_action_at=today)
    page = _home(client, liaison)
    assert "对接专员工作台" in page
    due = page.split('id="panel-due"')[1].split("</ul>")[0]
    assert mine.next_action in due and "青岛的事项" not in due
    assert "停滞项目" in page.split('id="panel-stale"')[1].split("</ul>")[0]


def test_workbench_query_count_does_not_grow_with_rows(client, owner, park_org, django_assert_max_num_queries):
    for n in range(12):
        factories.DemandListFactory(organization=park_org, name=f"清单{n}")
    client.force_login(owner)
    with django_assert_max_num_queries(30):
        client.get(reverse("home"))
