"""Bidding rules: who may bid, the deadline, one active bid, quota, material change, decisions."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from bidding import services
from bidding.models import Bid
from catalog.models import Demand, DemandList
from followups.models import Case
from notifications.models import Notification
from tests import factories
from tests.bidding.conftest import at_local
from tests.bidding.factories import bidder, submit

pytestmark = pytest.mark.django_db


def _message(exc_info):
    return " ".join(exc_info.value.messages)


def test_verified_company_bids_before_deadline(sealed_demand, supplier_user, supplier_org, deadline_day):
    with time_machine.travel(at_local(deadline_day, 9), tick=False):
        bid = submit(sealed_demand, supplier_user, price="88.00", days=45)
    bid.refresh_from_db()
    assert bid.organization == supplier_org
    assert bid.status == Bid.Status.SUBMITTED
    assert bid.price_wan == Decimal("88.00") and bid.delivery_days == 45
    assert bid.submitted_at == at_local(deadline_day, 9)


def test_deadline_is_inclusive_until_235959_shanghai(sealed_demand, supplier_user, deadline_day):
    with time_machine.travel(at_local(deadline_day, 23, 59, 59, 999000), tick=False):
        assert submit(sealed_demand, supplier_user).pk


def test_bid_at_midnight_after_deadline_is_refused(sealed_demand, supplier_user, deadline_day):
    with time_machine.travel(at_local(deadline_day + datetime.timedelta(days=1), 0, 0, 0), tick=False):
        with pytest.raises(ValidationError) as exc:
            submit(sealed_demand, supplier_user)
    assert "已超过截止日期（2027-03-31 23:59）" in _message(exc)
    assert not Bid.objects.exists()


@pytest.mark.parametrize(
    "persona, message",
    [
        ("owner", "不能对本单位发布的需求提交意向书"),
        ("unverified_member", "尚未通过认证"),
        ("liaison", "请先加入一个单位"),
    ],
)
def test_who_may_not_bid(request, demand, persona, message):
    with pytest.raises(ValidationError) as exc:
        submit(demand, request.getfixturevalue(persona))
    assert message in _message(exc)
    assert not Bid.objects.exists()


def test_no_bids_on_draft_closed_or_undated_demands(demand, supplier_user):
    demand.deadline = None
    demand.save()
    with pytest.raises(ValidationError) as exc:
        submit(demand, supplier_user)
    assert "未设置截止日期" in _message(exc)
    demand.deadline = datetime.date.today() + datetime.timedelta(days=5)
    demand.status = Demand.Status.CLOSED
    demand.save()
    with pytest.raises(ValidationError) as exc:
        submit(demand, supplier_user)
    assert "不在征集中" in _message(exc)
    demand.status = Demand.Status.COLLECTING
    demand.save()
    DemandList.objects.filter(pk=demand.demand_list_id).update(status=DemandList.Status.DRAFT)
    with pytest.raises(ValidationError):
        submit(demand, supplier_user)
    assert not Bid.objects.exists()


@pytest.mark.parametrize(
    "field, kwargs, message",
    [
        ("proposal", {"proposal": "字" * 5001}, "方案说明最多 5000 字"),
        ("proposal", {"proposal": "   "}, "请填写方案说明"),
        ("price_wan", {"price": "-1"}, "报价（万元）不能为负数"),
        ("delivery_days", {"days": 0}, "交付周期应在 1 到 3650 天之间"),
    ],
)
def test_bad_input_names_the_problem(demand, supplier_user, field, kwargs, message):
    with pytest.raises(ValidationError) as exc:
        submit(demand, supplier_user, **kwargs)
    assert message in " ".join(exc.value.message_dict[field])
    assert not Bid.objects.exists()


def test_one_active_bid_per_org_and_resubmit_after_withdraw(demand, supplier_user, supplier_org):
    colleague = factories.UserFactory()
    factories.MembershipFactory(user=colleague, organization=supplier_org)
    first = submit(demand, supplier_user)
    with pytest.raises(ValidationError) as exc:
        submit(demand, colleague)
    assert "已对该需求提交过意向书" in _message(exc)
    services.bid_withdraw(bid=first, user=colleague)
    second = submit(demand, colleague, price="99")
    assert Bid.objects.filter(demand=demand).count() == 2
    assert Bid.objects.get(pk=first.pk).status == Bid.Status.WITHDRAWN
    assert second.status == Bid.Status.SUBMITTED


def test_edit_and_withdraw_only_until_deadline(sealed_demand, supplier_user, deadline_day):
    with time_machine.travel(at_local(deadline_day, 10), tick=False):
        bid = submit(sealed_demand, supplier_user)
        services.bid_update(bid=bid, user=supplier_user, proposal="修订方案", price_wan=Decimal("70"), delivery_days=30)
    bid.refresh_from_db()
    assert (bid.proposal, bid.price_wan) == ("修订方案", Decimal("70.00"))
    with time_machine.travel(at_local(deadline_day + datetime.timedelta(days=1), 0, 0, 1), tick=False):
        with pytest.raises(ValidationError) as exc:
            services.bid_update(bid=bid, user=supplier_user, proposal="迟到", price_wan=Decimal("1"), delivery_days=1)
        assert "已超过截止日期" in _message(exc)
        with pytest.raises(ValidationError) as exc:
            services.bid_withdraw(bid=bid, user=supplier_user)
        assert "不能撤回" in _message(exc)
    bid.refresh_from_db()
    assert bid.proposal == "修订方案" and bid.status == Bid.Status.SUBMITTED


def test_only_own_org_may_edit(demand, supplier_user, other_member):
    bid = submit(demand, supplier_user)
    with pytest.raises(ValidationError) as exc:
        services.bid_update(bid=bid, user=other_member, proposal="x", price_wan=Decimal("1"), delivery_days=1)
    assert "只能修改本单位的意向书" in _message(exc)


def test_monthly_quota_with_clear_message(settings, supplier_user, park_org):
    settings.BID_MONTHLY_QUOTA = 2
    lst = factories.DemandListFactory(organization=park_org)
    demands = [factories.DemandFactory(demand_list=lst, deadline=datetime.date(2027, 6, 30)) for _ in range(4)]
    with time_machine.travel(datetime.datetime(2027, 1, 20, 10, tzinfo=datetime.UTC), tick=False):
        submit(demands[0], supplier_user)
        withdrawn = submit(demands[1], supplier_user)
        services.bid_withdraw(bid=withdrawn, user=supplier_user)  # withdrawn bids free their slot
        submit(demands[1], supplier_user)
        with pytest.raises(ValidationError) as exc:
            submit(demands[2], supplier_user)
    assert "本月已提交 2 份意向书，已达每月 2 份的上限" in _message(exc)
    assert not Bid.objects.filter(demand=demands[2]).exists()
    # A new calendar month (Asia/Shanghai) starts a new quota.
    with time_machine.travel(
        datetime.datetime(2027, 2, 1, 0, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=8))), tick=False
    ):
        assert submit(demands[2], supplier_user).pk


def test_material_change_sends_bids_to_pending_and_notifies(demand, supplier_user, owner):
    bid = submit(demand, supplier_user)
    demand.title = "改个标题不算实质变更"
    demand.save()
    assert services.bids_flag_material_change(demand_id=demand.pk) == 0
    demand.budget_wan = Decimal("350")
    demand.save()
    assert services.bids_flag_material_change(demand_id=demand.pk) == 1
    assert services.bids_flag_material_change(demand_id=demand.pk) == 0  # idempotent
    bid.refresh_from_db()
    assert bid.status == Bid.Status.PENDING_CONFIRMATION
    notes = Notification.objects.filter(recipient=supplier_user, kind=Notification.Kind.DEMAND_CHANGED)
    assert notes.count() == 1 and "请确认意向书" in notes.get().title
    # Confirming puts it back; so does revising.
    services.bid_confirm(bid=bid, user=supplier_user)
    bid.refresh_from_db()
    assert bid.status == Bid.Status.SUBMITTED
    demand.description += "（补充：需支持三班倒运行）"
    demand.save()
    services.bids_flag_material_change(demand_id=demand.pk)
    bid.refresh_from_db()
    assert bid.status == Bid.Status.PENDING_CONFIRMATION
    services.bid_update(
        bid=bid, user=supplier_user, proposal="按新要求修订", price_wan=Decimal("130"), delivery_days=60
    )
    bid.refresh_from_db()
    assert bid.status == Bid.Status.SUBMITTED


def test_catalog_demand_update_flags_bids(demand, supplier_user, owner, settings):
    """The catalog service queues bidding.tasks.flag_material_change; run the queued task."""
    from catalog.services import demand_update
    from portal.models import OutboxMessage

    bid = submit(demand, supplier_user)
    demand_update(demand=demand, user=owner, data={"deadline": demand.deadline + datetime.timedelta(days=7)})
    queued = OutboxMessage.objects.filter(task_name="bidding.tasks.flag_material_change", args=[demand.pk])
    assert queued.exists(), "catalog.services.demand_update must enqueue bidding.tasks.flag_material_change"
    from bidding.tasks import flag_material_change

    flag_material_change(demand.pk)
    bid.refresh_from_db()
    assert bid.status == Bid.Status.PENDING_CONFIRMATION


def _past_deadline(demand):
    return time_machine.travel(at_local(demand.deadline + datetime.timedelta(days=1), 9), tick=False)


def test_decisions_after_deadline_notify_and_accept_opens_case(sealed_demand, supplier_user, owner, supplier_org):
    rival = bidder("北京追光半导体有限公司")
    third = bidder()
    with time_machine.travel(at_local(sealed_demand.deadline, 8), tick=False):
        win, lose, short = (
            submit(sealed_demand, supplier_user),
            submit(sealed_demand, rival),
            submit(sealed_demand, third),
        )
        with pytest.raises(ValidationError) as exc:
            services.bid_decide(bid=win, user=owner, decision="accept")
        assert "截止日期（2027-03-31 23:59）之后才能处理" in _message(exc)
    with _past_deadline(sealed_demand):
        with pytest.raises(ValidationError) as exc:
            services.bid_decide(bid=lose, user=owner, decision="reject")
        assert "请选择未采纳原因" in _message(exc)
        services.bid_decide(bid=lose, user=owner, decision="reject", reason="price", note="报价高于预算")
        services.bid_decide(bid=short, user=owner, decision="shortlist")
        services.bid_decide(bid=win, user=owner, decision="accept")
        with pytest.raises(ValidationError) as exc:
            services.bid_decide(bid=lose, user=owner, decision="accept")
        assert "不能再处理" in _message(exc)
    lose.refresh_from_db()
    assert lose.status == Bid.Status.REJECTED and lose.get_reject_reason_display() == "价格"
    rival_note = Notification.objects.get(recipient=rival, kind=Notification.Kind.BID)
    assert "未采纳" in rival_note.title and "原因：价格" in rival_note.body and "报价高于预算" in rival_note.body
    assert Notification.objects.get(recipient=third, kind=Notification.Kind.BID).title.startswith("意向书入围")
    assert Notification.objects.get(recipient=supplier_user, kind=Notification.Kind.BID).title.startswith(
        "意向书已接受"
    )
    case = Case.objects.get(demand=sealed_demand, supply_org=supplier_org)
    assert case.origin == "bid" and case.origin_ref == str(win.pk)
    assert Case.objects.count() == 1
    sealed_demand.refresh_from_db()
    assert sealed_demand.status == Demand.Status.MATCHING


@pytest.mark.parametrize("persona", ["supplier_user", "other_member", "liaison"])
def test_only_owner_decides(request, sealed_demand, supplier_user, persona):
    bid = submit(sealed_demand, bidder()) if persona == "supplier_user" else submit(sealed_demand, supplier_user)
    with _past_deadline(sealed_demand), pytest.raises(ValidationError) as exc:
        services.bid_decide(bid=bid, user=request.getfixturevalue(persona), decision="shortlist")
    assert "只有需求发布单位可以处理意向书" in _message(exc)
    bid.refresh_from_db()
    assert bid.status == Bid.Status.SUBMITTED


def test_close_due_demands_is_idempotent_and_notifies_owner(sealed_demand, supplier_user, owner, owner_admin, park_org):
    empty = factories.DemandFactory(demand_list=sealed_demand.demand_list, deadline=sealed_demand.deadline)
    later = factories.DemandFactory(
        demand_list=sealed_demand.demand_list, deadline=sealed_demand.deadline + datetime.timedelta(days=1)
    )
    with time_machine.travel(at_local(sealed_demand.deadline, 12), tick=False):
        submit(sealed_demand, supplier_user)
        assert services.demands_close_due() == []  # deadline day itself is still open
    from bidding.tasks import close_due_demands

    with _past_deadline(sealed_demand):
        moved = close_due_demands()
        assert sorted(moved) == sorted([sealed_demand.pk, empty.pk])
        assert close_due_demands() == []
    sealed_demand.refresh_from_db()
    empty.refresh_from_db()
    later.refresh_from_db()
    assert sealed_demand.status == Demand.Status.MATCHING
    assert empty.status == Demand.Status.MATCHING  # the public status does not tell whether bids arrived
    assert later.status == Demand.Status.COLLECTING
    for user in (owner, owner_admin):
        titles = set(Notification.objects.filter(recipient=user).values_list("title", flat=True))
        assert f"意向书已开封：{sealed_demand.title}" in titles
        assert f"需求已截止：{empty.title}" in titles
    assert Notification.objects.filter(recipient=owner).count() == 2
    assert not Notification.objects.filter(recipient=supplier_user).exists()


def test_decision_email_goes_out_through_the_queued_task(
    sealed_demand, supplier_user, owner, django_capture_on_commit_callbacks
):
    from notifications.tasks import email_notification

    with time_machine.travel(at_local(sealed_demand.deadline, 8), tick=False):
        bid = submit(sealed_demand, supplier_user)
    with _past_deadline(sealed_demand):
        services.bid_decide(bid=bid, user=owner, decision="shortlist")
    note = Notification.objects.get(recipient=supplier_user)
    email_notification(note.pk)
    email_notification(note.pk)  # idempotent
    assert len(mail.outbox) == 1
    assert "意向书入围" in mail.outbox[0].subject and mail.outbox[0].to == [supplier_user.email]


def test_liaison_staff_and_the_liaison_office_cannot_bid(demand):
    """Staff read every bid of their regions after the deadline: they must not compete in them."""
    office = factories.OrganizationFactory(
        name="山东省人民政府驻北京办事处", kind="liaison", region=factories.region("北京市")
    )
    for platform_role in ("liaison", ""):
        user = factories.UserFactory(platform_role=platform_role)
        factories.MembershipFactory(user=user, organization=office)
        with pytest.raises(ValidationError, match="对接专员和驻京办不参与报价"):
            submit(demand, user)
    assert not Bid.objects.filter(demand=demand).exists()


def test_organisations_cannot_be_deleted_in_admin_so_no_page_lists_their_bids(admin_client, supplier_org):
    from django.urls import reverse

    response = admin_client.get(reverse("admin:accounts_organization_delete", args=[supplier_org.pk]))
    assert response.status_code == 403
