"""Issue #12: the case page as a CRM (contacts, links, 来源, next steps, date order, 安排洽谈), cases
opened or moved by bids and invitations, and the board (counts, amounts, collapsed columns)."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from bidding import services as bidding_services
from events import services as events_services
from events.models import Invitation
from followups.models import Case, CaseActivity
from followups.services import case_move, case_open
from matching.models import Match
from tests import factories
from tests.bidding.conftest import at_local
from tests.bidding.factories import submit
from tests.events.factories import EventFactory, InvitationFactory, MeetingRequestFactory, meeting_for
from tests.followups.factories import CaseFactory

pytestmark = pytest.mark.django_db

DEADLINE = datetime.date(2027, 3, 31)


def detail(case):
    return reverse("followups:case_detail", args=[case.pk])


@pytest.fixture
def case(demand, supply, supplier_org, liaison):
    case, _ = case_open(demand=demand, supply_org=supplier_org, supply=supply, origin=Case.Origin.MATCH)
    return case


@pytest.fixture
def liaison_coast(db):
    user = factories.LiaisonFactory(username="liaison_coast")
    user.responsible_regions.add(factories.region("山东省青岛市"))
    return user


def _page(client, user, case):
    client.force_login(user)
    response = client.get(detail(case))
    assert response.status_code == 200
    return response.text


def _no_developer_text(text):
    assert not re.search(r"\b(True|False|None)\b", text)
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:", text)  # ISO timestamps
    for raw in ("recommended", "negotiating", "match:", "origin_ref"):
        assert f">{raw}" not in text and f"{raw}<" not in text


# --- contacts -----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["owner", "supplier_user", "liaison", "liaison_coast", "platform_admin"])
def test_both_contacts_shown_to_parties_and_staff(client, request, case, persona):
    text = _page(client, request.getfixturevalue(persona), case)
    assert "双方联系人" in text
    assert "王主任" in text and "0537-2345678" in text  # the demand's contact
    assert "李经理" in text and "010-62345678" in text  # the supply's contact


def test_contacts_not_shown_to_others(client, case, other_member):
    client.force_login(other_member)
    response = client.get(detail(case))
    assert response.status_code == 404
    assert "0537-2345678" not in response.text and "010-62345678" not in response.text


def test_without_a_supply_the_supplier_admin_is_the_contact(client, demand, supplier_org, owner):
    admin = factories.UserFactory(display_name="赵总", phone="13800001111")
    factories.MembershipFactory(user=admin, organization=supplier_org, role=Membership.Role.ADMIN)
    case, _ = case_open(demand=demand, supply_org=supplier_org, origin=Case.Origin.MANUAL)
    text = _page(client, owner, case)
    assert "赵总" in text and "13800001111" in text


# --- links --------------------------------------------------------------------------------------


def test_links_to_demand_supply_and_meetings(client, case, demand, supply, park_org, supplier_org, liaison):
    event = EventFactory(name="京鲁机器人产业链对接会（济宁专场）")
    pair = MeetingRequestFactory(event=event, requester_org=supplier_org, target_org=park_org, demand=demand)
    meeting_for(pair, table_no=3)
    text = _page(client, liaison, case)
    assert reverse("catalog:demand_detail", args=[demand.pk]) in text
    assert reverse("catalog:supply_detail", args=[supply.pk]) in text
    assert reverse("events:event_detail", args=[event.pk]) in text and "京鲁机器人产业链对接会（济宁专场）" in text
    assert "第 3 桌" in text


@pytest.fixture
def sealed_case(demand, supply, supplier_org, supplier_user, liaison):
    demand.deadline = DEADLINE
    demand.save()
    with time_machine.travel(at_local(DEADLINE, 10), tick=False):
        case, _ = case_open(demand=demand, supply_org=supplier_org, supply=supply, origin=Case.Origin.MATCH)
        submit(demand, supplier_user)
    return case


@pytest.mark.parametrize("persona", ["owner", "liaison", "platform_admin"])
def test_bid_link_hidden_before_a_sealed_deadline(client, request, sealed_case, persona):
    bids_url = reverse("bidding:demand_bids", args=[sealed_case.demand_id])
    with time_machine.travel(at_local(DEADLINE, 23), tick=False):
        text = _page(client, request.getfixturevalue(persona), sealed_case)
        assert bids_url not in text and "意向书" not in text.split("相关信息")[1].split("</ul>")[0]
    with time_machine.travel(at_local(DEADLINE + datetime.timedelta(days=1), 9), tick=False):
        assert bids_url in _page(client, request.getfixturevalue(persona), sealed_case)


def test_bidder_sees_a_link_to_its_own_bid(client, sealed_case, supplier_user):
    with time_machine.travel(at_local(DEADLINE, 23), tick=False):
        assert reverse("bidding:demand_bids", args=[sealed_case.demand_id]) in _page(client, supplier_user, sealed_case)


# --- 来源 ---------------------------------------------------------------------------------------


def test_origin_in_plain_words(client, demand, supply, supplier_org, park_org, liaison):
    Match.objects.create(
        demand=demand, supply=supply, score=87.2, rank=1, model_name="test", computed_at=timezone.now()
    )
    matched, _ = case_open(
        demand=demand,
        supply_org=supplier_org,
        supply=supply,
        origin=Case.Origin.MATCH,
        origin_ref=f"match:{demand.pk}:{supply.pk}",
    )
    text = _page(client, liaison, matched)
    assert "智能匹配推荐（匹配度 87）" in text and f"match:{demand.pk}" not in text

    event = EventFactory(name="京鲁智能制造对接会")
    other = factories.SupplierOrganizationFactory()
    pair = MeetingRequestFactory(event=event, requester_org=other, target_org=park_org, demand=demand)
    meeting = meeting_for(pair)
    met, _ = case_open(demand=demand, supply_org=other, origin=Case.Origin.EVENT, origin_ref=meeting.pk)
    assert "对接会洽谈：京鲁智能制造对接会" in _page(client, liaison, met)

    bid_case = CaseFactory(demand=demand, origin=Case.Origin.BID, origin_ref="8d1f0e6a-1111-2222-3333-444455556666")
    text = _page(client, liaison, bid_case)
    assert re.search(r'id="case-origin">意向书<', text) and "8d1f0e6a" not in text

    manual = CaseFactory(demand=demand, origin=Case.Origin.MANUAL, origin_ref="X-17")
    text = _page(client, liaison, manual)
    assert "人工登记" in text and "X-17" not in text
    _no_developer_text(text)


# --- next action and the move form --------------------------------------------------------------


def test_next_action_follows_the_stage_and_clears_when_closed(case, liaison):
    assert case.next_action == "电话确认双方意向"
    case = case_move(case=case, to_stage="intent", actor=liaison)
    assert case.next_action == "安排首次洽谈"
    case = case_move(case=case, to_stage="negotiating", actor=liaison)
    assert case.next_action == "推动签约：确认合同金额与日期"
    case = case_move(
        case=case,
        to_stage="signed",
        actor=liaison,
        note="合同已签",
        contract_amount_wan="800",
        signed_on=timezone.localdate(),
    )
    assert case.next_action == "跟踪落地：投资额与落地地点"
    case = case_move(
        case=case,
        to_stage="landed",
        actor=liaison,
        investment_amount_wan="1200",
        landed_location=factories.region("山东省济宁市"),
        landed_on=timezone.localdate(),
    )
    assert case.next_action == "" and case.next_action_at is None


def test_own_next_action_is_kept_on_a_move_and_cleared_at_termination(case, liaison):
    Case.objects.filter(pk=case.pk).update(next_action="周五前发送技术方案")
    case = case_move(case=case, to_stage="intent", actor=liaison)
    assert case.next_action == "周五前发送技术方案"
    case = case_move(case=case, to_stage="terminated", actor=liaison, termination_reason="企业转产")
    assert case.next_action == "" and case.next_action_at is None


def test_next_action_from_matching_is_replaced(demand, supplier_org, liaison):
    case, _ = case_open(
        demand=demand, supply_org=supplier_org, origin="match", next_action="联系双方确认对接意向（智能匹配推荐）"
    )
    assert case_move(case=case, to_stage="intent", actor=liaison).next_action == "安排首次洽谈"


def _selected(text):
    select = text.split('name="to_stage"')[1].split("</select>")[0]
    return re.findall(r'<option value="([a-z]*)" selected>', select)


@pytest.mark.parametrize(
    "stage, expected",
    [("recommended", "intent"), ("intent", "negotiating"), ("negotiating", "signed"), ("signed", "landed")],
)
def test_move_form_defaults_to_the_next_stage(client, case, liaison, stage, expected):
    Case.objects.filter(pk=case.pk).update(stage=stage)
    assert _selected(_page(client, liaison, case)) == [expected]


def test_move_form_at_landed_asks_for_a_choice(client, case, liaison):
    Case.objects.filter(pk=case.pk).update(stage="landed")
    text = _page(client, liaison, case)
    assert _selected(text) == [""]
    response = client.post(reverse("followups:case_move", args=[case.pk]), {"to_stage": ""})
    assert response.status_code == 400 and "请选择目标阶段" in response.text
    assert Case.objects.get(pk=case.pk).stage == "landed"


def test_termination_needs_a_reason(client, case, liaison):
    client.force_login(liaison)
    response = client.post(reverse("followups:case_move", args=[case.pk]), {"to_stage": "terminated"})
    assert response.status_code == 400 and "终止项目必须填写原因" in response.text
    assert Case.objects.get(pk=case.pk).stage == "recommended"


# --- date order ---------------------------------------------------------------------------------


def _at_negotiating(case, met_days_ago):
    Case.objects.filter(pk=case.pk).update(
        stage="negotiating", met_at=timezone.now() - datetime.timedelta(days=met_days_ago)
    )


def _refused(client, case, data, message):
    before = Case.objects.filter(pk=case.pk).values().get()
    activities = CaseActivity.objects.filter(case=case).count()
    response = client.post(reverse("followups:case_move", args=[case.pk]), {"note": "合同已签", **data})
    assert response.status_code == 400
    assert message in response.text
    assert Case.objects.filter(pk=case.pk).values().get() == before
    assert CaseActivity.objects.filter(case=case).count() == activities


def test_signing_before_the_first_meeting_is_refused(client, case, liaison):
    _at_negotiating(case, met_days_ago=3)
    client.force_login(liaison)
    early = timezone.localdate() - datetime.timedelta(days=10)
    met = timezone.localtime(Case.objects.get(pk=case.pk).met_at).date()
    _refused(
        client,
        case,
        {"to_stage": "signed", "contract_amount_wan": "500", "signed_on": early.isoformat()},
        f"签约日期（{early.year}年{early.month}月{early.day}日）不能早于首次洽谈日期（{met.year}年{met.month}月{met.day}日）",
    )


def test_signing_in_the_future_is_refused(client, case, liaison):
    _at_negotiating(case, met_days_ago=3)
    client.force_login(liaison)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    _refused(
        client,
        case,
        {"to_stage": "signed", "contract_amount_wan": "500", "signed_on": tomorrow.isoformat()},
        "签约日期不能晚于今天",
    )


def test_landing_before_signing_is_refused(client, case, liaison):
    signed = timezone.localdate() - datetime.timedelta(days=5)
    Case.objects.filter(pk=case.pk).update(
        stage="signed", contract_amount_wan=Decimal("500"), signed_on=signed, met_at=timezone.now()
    )
    client.force_login(liaison)
    early = signed - datetime.timedelta(days=1)
    _refused(
        client,
        case,
        {
            "to_stage": "landed",
            "investment_amount_wan": "900",
            "landed_location": factories.region("山东省济宁市").pk,
            "landed_on": early.isoformat(),
        },
        f"落地日期（{early.year}年{early.month}月{early.day}日）不能早于签约日期（{signed.year}年{signed.month}月{signed.day}日）",
    )


def test_landing_in_the_future_is_refused(client, case, liaison):
    Case.objects.filter(pk=case.pk).update(
        stage="signed", contract_amount_wan=Decimal("500"), signed_on=timezone.localdate()
    )
    client.force_login(liaison)
    _refused(
        client,
        case,
        {
            "to_stage": "landed",
            "investment_amount_wan": "900",
            "landed_location": factories.region("山东省济宁市").pk,
            "landed_on": (timezone.localdate() + datetime.timedelta(days=2)).isoformat(),
        },
        "落地日期不能晚于今天",
    )


# --- the liaison's journey on the case page -----------------------------------------------------


def test_liaison_journey_on_the_case_page(client, case, liaison):
    client.force_login(liaison)
    url = detail(case)
    response = client.post(
        reverse("followups:case_activity", args=[case.pk]), {"kind": "call", "text": "电话沟通，双方有意向"}
    )
    assert response.status_code == 302 and response.url == url
    case = case_move(case=case, to_stage="intent", actor=liaison)

    day = timezone.localdate() + datetime.timedelta(days=3)
    response = client.post(
        reverse("followups:case_meeting", args=[case.pk]),
        {"date": day.isoformat(), "time": "14:30", "mode": "offline", "place": "济宁高新区管委会 302 会议室"},
    )
    assert response.status_code == 302 and response.url == url
    case.refresh_from_db()
    assert case.next_action_at == day and "济宁高新区管委会 302 会议室" in case.next_action
    meeting = CaseActivity.objects.get(case=case, kind=CaseActivity.Kind.MEETING)
    assert f"{day.year}年{day.month}月{day.day}日 14:30" in meeting.text and "线下" in meeting.text

    response = client.post(reverse("followups:case_move", args=[case.pk]), {"to_stage": "negotiating"})
    assert response.status_code == 302 and response.url == url
    response = client.post(
        reverse("followups:case_move", args=[case.pk]),
        {
            "to_stage": "signed",
            "contract_amount_wan": "2600",
            "signed_on": timezone.localdate().isoformat(),
            "note": "合同扫描件随后上传",
        },
    )
    assert response.status_code == 302 and response.url == url
    case.refresh_from_db()
    assert case.stage == "signed" and case.contract_amount_wan == Decimal("2600")
    text = client.get(url).text
    assert "电话沟通，双方有意向" in text and "安排洽谈" in text and "2600" in text
    assert "跟踪落地：投资额与落地地点" in text
    _no_developer_text(text)


def test_meeting_form_errors(client, case, liaison, other_member):
    client.force_login(liaison)
    response = client.post(
        reverse("followups:case_meeting", args=[case.pk]),
        {"date": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(), "time": "", "mode": "online"},
    )
    assert response.status_code == 400
    assert "洽谈日期不能早于今天" in response.text and "请填写洽谈时间" in response.text
    assert "请填写线上会议链接或平台" in response.text
    assert not CaseActivity.objects.filter(case=case, kind=CaseActivity.Kind.MEETING).exists()
    client.force_login(other_member)
    assert client.post(reverse("followups:case_meeting", args=[case.pk]), {}).status_code == 404


def test_party_may_schedule_a_meeting(client, case, supplier_user):
    client.force_login(supplier_user)
    response = client.post(
        reverse("followups:case_meeting", args=[case.pk]),
        {"date": timezone.localdate().isoformat(), "time": "10:00", "mode": "online", "place": "腾讯会议 123 456 789"},
    )
    assert response.status_code == 302
    assert "腾讯会议" in Case.objects.get(pk=case.pk).next_action


def test_other_region_liaison_may_not_schedule(client, case, liaison_coast):
    client.force_login(liaison_coast)
    response = client.post(
        reverse("followups:case_meeting", args=[case.pk]),
        {"date": timezone.localdate().isoformat(), "time": "10:00", "mode": "online", "place": "线上"},
    )
    assert response.status_code == 403
    assert not CaseActivity.objects.filter(case=case, kind=CaseActivity.Kind.MEETING).exists()


# --- bids and invitations -----------------------------------------------------------------------


def _close(day):
    with time_machine.travel(at_local(day, 1), tick=False):
        return bidding_services.demands_close_due()


def test_bid_opens_a_case_after_the_deadline_exactly_once(client, demand, supplier_user, supplier_org, owner):
    demand.deadline = DEADLINE
    demand.save()
    with time_machine.travel(at_local(DEADLINE, 10), tick=False):
        submit(demand, supplier_user)
    _close(DEADLINE)  # the deadline day itself: still sealed
    assert not Case.objects.filter(demand=demand).exists()
    client.force_login(owner)
    with time_machine.travel(at_local(DEADLINE, 12), tick=False):
        assert demand.title not in client.get(reverse("followups:case_list")).text

    after = DEADLINE + datetime.timedelta(days=1)
    _close(after)
    _close(after)
    case = Case.objects.get(demand=demand, supply_org=supplier_org)
    assert case.origin == Case.Origin.BID and case.stage == Case.Stage.INTENT
    assert case.next_action == "安排首次洽谈"
    assert CaseActivity.objects.filter(case=case, kind=CaseActivity.Kind.STAGE).count() == 1
    with time_machine.travel(at_local(after, 9), tick=False):
        text = _page(client, owner, case)
        assert "意向书" in text and reverse("bidding:demand_bids", args=[demand.pk]) in text


def test_bid_moves_an_existing_recommended_case_once(demand, supplier_user, supplier_org, liaison, owner):
    demand.deadline = DEADLINE
    demand.save()
    with time_machine.travel(at_local(DEADLINE, 9), tick=False):
        case, _ = case_open(demand=demand, supply_org=supplier_org, origin=Case.Origin.MATCH)
        submit(demand, supplier_user)
    assert Case.objects.get(pk=case.pk).stage == Case.Stage.RECOMMENDED
    after = DEADLINE + datetime.timedelta(days=1)
    _close(after)
    with time_machine.travel(at_local(after, 10), tick=False):
        bid = demand.bids.get()
        bidding_services.bid_decide(bid=bid, user=owner, decision="accept")
    case.refresh_from_db()
    assert case.stage == Case.Stage.INTENT and Case.objects.filter(demand=demand).count() == 1
    assert CaseActivity.objects.filter(case=case, kind=CaseActivity.Kind.STAGE).count() == 1


def test_accepted_invitation_moves_the_case(demand, supplier_org, supplier_user, liaison):
    case, _ = case_open(demand=demand, supply_org=supplier_org, origin=Case.Origin.MATCH)
    event = EventFactory(demand_lists=[demand.demand_list])
    invitation = InvitationFactory(event=event, organization=supplier_org, invited_by=liaison)
    events_services.invitation_respond(invitation=invitation, user=supplier_user, accept=True)
    case.refresh_from_db()
    assert case.stage == Case.Stage.INTENT
    assert event.name in CaseActivity.objects.filter(case=case, kind=CaseActivity.Kind.STAGE).get().text


def test_declined_invitation_leaves_the_case(demand, supplier_org, supplier_user, liaison):
    case, _ = case_open(demand=demand, supply_org=supplier_org, origin=Case.Origin.MATCH)
    event = EventFactory(demand_lists=[demand.demand_list])
    invitation = InvitationFactory(event=event, organization=supplier_org, invited_by=liaison)
    events_services.invitation_respond(invitation=invitation, user=supplier_user, accept=False)
    assert Case.objects.get(pk=case.pk).stage == Case.Stage.RECOMMENDED
    assert Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.DECLINED


def test_accepted_invitation_notes_a_later_case(demand, supplier_org, supplier_user, liaison):
    case, _ = case_open(demand=demand, supply_org=supplier_org, origin=Case.Origin.MATCH)
    Case.objects.filter(pk=case.pk).update(stage=Case.Stage.NEGOTIATING)
    event = EventFactory(demand_lists=[demand.demand_list])
    invitation = InvitationFactory(event=event, organization=supplier_org, invited_by=liaison)
    events_services.invitation_respond(invitation=invitation, user=supplier_user, accept=True)
    assert Case.objects.get(pk=case.pk).stage == Case.Stage.NEGOTIATING
    assert CaseActivity.objects.filter(case=case, kind=CaseActivity.Kind.NOTE, text__contains="已接受").exists()


# --- board and list -----------------------------------------------------------------------------


def _cases(n, stage="recommended", **fields):
    return [CaseFactory(stage=stage, **fields) for _ in range(n)]


def _column(text, stage):
    return text.split(f'data-stage="{stage}"')[1].split("</section>")[0]


def test_board_counts_amounts_and_collapsed_columns(client, liaison):
    _cases(11)
    _cases(2, stage="signed", contract_amount_wan=Decimal("1000.50"), signed_on=timezone.localdate())
    _cases(
        1,
        stage="landed",
        contract_amount_wan=Decimal("300"),
        investment_amount_wan=Decimal("4500"),
        signed_on=timezone.localdate(),
        landed_on=timezone.localdate(),
    )
    client.force_login(liaison)
    text = client.get(reverse("followups:case_board")).text
    recommended = _column(text, "recommended")
    assert recommended.count("case-card") == 8
    assert "查看全部 11 个" in recommended and "?stage=recommended" in recommended
    signed = _column(text, "signed")
    assert ">2</a>" in signed and "签约金额 2001.00 万元" in signed
    landed = _column(text, "landed")
    assert "签约金额 300.00 万元" in landed and "投资额 4500.00 万元" in landed
    assert "查看全部" not in signed
    _no_developer_text(text)


def test_board_filters_mine_and_city(client, liaison, platform_admin):
    mine = _cases(2, owner=liaison)
    _cases(3, owner=platform_admin)
    client.force_login(liaison)
    text = client.get(reverse("followups:case_board"), {"mine": "1"}).text
    column = _column(text, "recommended")
    assert column.count("case-card") == 2 and all(c.demand.title in column for c in mine)
    qingdao = factories.OrganizationFactory(region=factories.region("山东省青岛市"))
    far = CaseFactory(demand=factories.DemandFactory(demand_list=factories.DemandListFactory(organization=qingdao)))
    city = factories.region("山东省青岛市")
    text = client.get(reverse("followups:case_board"), {"city": city.pk}).text
    assert far.demand.title in text and mine[0].demand.title not in text


def test_list_pages_by_twenty(client, liaison):
    _cases(25)
    client.force_login(liaison)
    first = client.get(reverse("followups:case_list"))
    assert first.text.count('href="/cases/') - first.text.count('href="/cases/board') >= 20
    assert "共 25 个项目" in first.text and "1 / 2" in first.text
    assert len(first.context["cases"]) == 20
    assert len(client.get(reverse("followups:case_list"), {"page": 2}).context["cases"]) == 5


@pytest.mark.parametrize("rows", [3, 30])
def test_board_and_list_query_counts_are_bounded(client, liaison, django_assert_max_num_queries, rows):
    _cases(rows)
    _cases(rows // 3 + 1, stage="signed", contract_amount_wan=Decimal("10"), signed_on=timezone.localdate())
    client.force_login(liaison)
    with django_assert_max_num_queries(30):
        assert client.get(reverse("followups:case_board")).status_code == 200
    with django_assert_max_num_queries(30):
        assert client.get(reverse("followups:case_list")).status_code == 200


@pytest.mark.parametrize("persona", ["owner", "liaison", "liaison_coast", "platform_admin"])
def test_bid_shown_on_the_case_page_only_once_unsealed(client, request, sealed_case, persona):
    user = request.getfixturevalue(persona)
    with time_machine.travel(at_local(DEADLINE, 23), tick=False):
        text = _page(client, user, sealed_case)
        assert 'id="case-bid"' not in text and "120.50" not in text
    with time_machine.travel(at_local(DEADLINE + datetime.timedelta(days=1), 9), tick=False):
        text = _page(client, user, sealed_case)
        if persona == "liaison_coast":  # another region's liaison never reads this demand's bids
            assert 'id="case-bid"' not in text and "120.50" not in text
        else:
            assert 'id="case-bid"' in text and "报价 120.50 万元" in text


def test_bidder_sees_its_own_bid_on_the_case_page(client, sealed_case, supplier_user):
    with time_machine.travel(at_local(DEADLINE, 23), tick=False):
        assert "报价 120.50 万元" in _page(client, supplier_user, sealed_case)


def test_an_open_bid_opens_a_case_at_once_and_a_sealed_one_does_not(demand, supplier_user, supplier_org):
    """公开报价: the owner may read the bid at once, so a case (来源 意向书) opens at submission."""
    from followups.models import Case
    from tests.bidding.factories import submit

    demand.is_open_bidding = True
    demand.save()
    submit(demand, supplier_user)
    case = Case.objects.get(demand=demand, supply_org=supplier_org)
    assert case.origin == Case.Origin.BID and case.stage == Case.Stage.INTENT
    sealed = type(demand).objects.get(pk=demand.pk)
    sealed.pk = None
    sealed.title = "另一条密封报价的需求"
    sealed.is_open_bidding = False
    sealed.save()
    from tests.bidding.factories import bidder

    submit(sealed, bidder())
    assert not Case.objects.filter(demand=sealed).exists()
