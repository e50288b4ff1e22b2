"""Per-role access to every 对接会 page, the flows through the pages, xlsx agendas and query bounds."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from events.models import Attendee, Availability, Event, Invitation, Meeting, MeetingOutcome, MeetingRequest
from followups.models import Case
from tests import factories
from tests.events.factories import EventFactory, InvitationFactory, MeetingRequestFactory, make_match, meeting_for

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "supplier_user", "other_member", "owner", "liaison", "platform_admin"]


@pytest.fixture
def as_user(client, request):
    def login(name):
        if name != "anonymous":
            client.force_login(request.getfixturevalue(name))
        return client

    return login


@pytest.fixture
def scheduled(past_event, park_org, supplier_org, demand, supply):
    """supplier_org accepted; one meeting park_org ↔ supplier_org took place yesterday."""
    InvitationFactory(event=past_event, organization=supplier_org, status=Invitation.Status.ACCEPTED)
    pair = MeetingRequestFactory(
        event=past_event, requester_org=park_org, target_org=supplier_org, demand=demand, supply=supply, score=82.5
    )
    return meeting_for(pair, table_no=3)


# --- public pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_list_and_detail_are_public_but_drafts_are_staff_only(as_user, persona, event, liaison):
    draft = EventFactory(name="筹备中的数字文旅对接会", status=Event.Status.DRAFT)
    client = as_user(persona)
    staff = persona in {"liaison", "platform_admin"}
    response = client.get(reverse("events:event_list"))
    assert response.status_code == 200
    assert event.name in response.content.decode()
    assert ("筹备中的数字文旅对接会" in response.content.decode()) is staff
    assert client.get(reverse("events:event_detail", args=[event.pk])).status_code == 200
    assert client.get(reverse("events:event_detail", args=[draft.pk])).status_code == (200 if staff else 404)


def test_event_list_query_count_is_bounded(client, liaison, django_assert_max_num_queries):
    chains = [factories.chain("机器人"), factories.chain("集成电路")]
    for i in range(12):
        event = EventFactory(date=timezone.localdate() + datetime.timedelta(days=i - 6))
        event.chains.set(chains)
    client.force_login(liaison)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("events:event_list"))
    assert response.content.decode().count("京鲁机器人产业链对接会") == 12


def test_detail_shows_invitation_and_lets_the_invitee_answer(client, invitation, supplier_user, event):
    client.force_login(supplier_user)
    page = client.get(reverse("events:event_detail", args=[event.pk])).content.decode()
    assert "受邀参加本次对接会：待回复" in page
    response = client.post(
        reverse("events:invitation_respond", args=[invitation.pk]), {"decision": "accept"}, follow=True
    )
    assert "已接受邀请，请登记参会人员。" in response.content.decode()
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED


def test_decline_through_the_page(client, invitation, supplier_user):
    client.force_login(supplier_user)
    client.post(reverse("events:invitation_respond", args=[invitation.pk]), {"decision": "decline"})
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.DECLINED


def test_uninvited_member_cannot_answer_someone_elses_invitation(client, invitation, other_member):
    client.force_login(other_member)
    response = client.post(reverse("events:invitation_respond", args=[invitation.pk]), {"decision": "accept"})
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING


# --- staff pages ----------------------------------------------------------------------------------

STAFF_PAGES = [
    "events:event_update",
    "events:invitations",
    "events:meetings",
    "events:table_plan",
    "events:table_plan_xlsx",
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("name", STAFF_PAGES + ["events:event_create"])
def test_staff_pages(as_user, persona, name, event, invitation):
    client = as_user(persona)
    url = reverse(name) if name == "events:event_create" else reverse(name, args=[event.pk])
    response = client.get(url)
    if persona == "anonymous":
        assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    elif persona in {"liaison", "platform_admin"}:
        assert response.status_code == 200
    else:
        assert response.status_code == 403


def test_liaison_creates_event_through_the_form(client, liaison, demand):
    client.force_login(liaison)
    data = {
        "name": "京鲁人形机器人专场对接会",
        "description": "",
        "date": "2027-06-18",
        "venue": "山东大厦",
        "online_url": "",
        "status": "published",
        "chains": [factories.chain("机器人").pk],
        "demand_lists": [demand.demand_list.pk],
        "slot_minutes": "15",
        "table_count": "8",
        "meeting_start": "14:00",
        "meeting_end": "17:00",
        "agenda-TOTAL_FORMS": "2",
        "agenda-INITIAL_FORMS": "0",
        "agenda-MIN_NUM_FORMS": "0",
        "agenda-MAX_NUM_FORMS": "1000",
        "agenda-0-kind": "路演对接",
        "agenda-0-title": "北京企业项目路演",
        "agenda-0-starts_at": "09:30",
        "agenda-0-ends_at": "11:00",
        "agenda-0-speaker": "",
        "agenda-1-kind": "",
        "agenda-1-title": "",
        "agenda-1-starts_at": "",
        "agenda-1-ends_at": "",
        "agenda-1-speaker": "",
    }
    response = client.post(reverse("events:event_create"), data)
    event = Event.objects.get(name="京鲁人形机器人专场对接会")
    assert response.status_code == 302 and response["Location"] == reverse("events:event_detail", args=[event.pk])
    assert list(event.agenda_items.values_list("kind", "title")) == [("路演对接", "北京企业项目路演")]
    assert list(event.demand_lists.all()) == [demand.demand_list]


def test_event_form_shows_chinese_errors_and_saves_nothing(client, liaison):
    client.force_login(liaison)
    data = {
        "name": "缺地点的对接会",
        "date": "2027-06-18",
        "venue": "",
        "online_url": "",
        "status": "published",
        "slot_minutes": "20",
        "table_count": "5",
        "meeting_start": "15:00",
        "meeting_end": "14:00",
        "agenda-TOTAL_FORMS": "0",
        "agenda-INITIAL_FORMS": "0",
        "agenda-MIN_NUM_FORMS": "0",
        "agenda-MAX_NUM_FORMS": "1000",
    }
    response = client.post(reverse("events:event_create"), data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "请填写会议地点或线上会议链接" in page and "结束时间必须晚于开始时间" in page
    assert not Event.objects.exists()


def test_one_click_invite(client, liaison, event, supplier_org, supplier_user, other_member):
    client.force_login(other_member)
    assert (
        client.post(reverse("events:invitation_send", args=[event.pk]), {"organization": supplier_org.pk}).status_code
        == 403
    )
    client.force_login(liaison)
    response = client.post(
        reverse("events:invitation_send", args=[event.pk]), {"organization": supplier_org.pk}, follow=True
    )
    assert f"已向「{supplier_org.name}」发出邀请。" in response.content.decode()
    assert Invitation.objects.get().organization == supplier_org
    assert supplier_user.notifications.filter(kind="event").count() == 1


# --- participants ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona,status",
    [
        ("anonymous", 302),
        ("supplier_user", 200),
        ("other_member", 404),
        ("owner", 200),
        ("liaison", 404),
        ("platform_admin", 404),
    ],
)
def test_participation_page_access(as_user, persona, status, event, invitation):
    assert as_user(persona).get(reverse("events:participation", args=[event.pk])).status_code == status


def test_registration_availability_and_requests_through_pages(
    client, accepted, event, park_org, supplier_org, owner, supplier_user
):
    client.force_login(supplier_user)
    client.post(
        reverse("events:attendee_add", args=[event.pk]),
        {"org": supplier_org.pk, "name": "赵总", "title": "总经理", "phone": "13811112222"},
    )
    client.post(
        reverse("events:availability_set", args=[event.pk]),
        {"org": supplier_org.pk, "available_from": "14:00", "available_to": "15:00"},
    )
    response = client.post(
        reverse("events:meeting_request_create", args=[event.pk]),
        {"org": supplier_org.pk, "target_org": park_org.pk, "note": ""},
        follow=True,
    )
    assert f"已向「{park_org.name}」发出洽谈申请" in response.content.decode()
    assert Attendee.objects.get().name == "赵总"
    assert Availability.objects.get(organization=supplier_org).available_to == datetime.time(15, 0)
    pair = MeetingRequest.objects.get()

    client.force_login(owner)
    page = client.get(reverse("events:participation", args=[event.pk])).content.decode()
    assert f"「{supplier_org.name}」申请与贵单位洽谈" in page
    client.post(reverse("events:meeting_request_respond", args=[pair.pk]), {"decision": "accept"})
    pair.refresh_from_db()
    assert pair.status == MeetingRequest.Status.ACCEPTED


def test_participation_bad_input_messages(client, accepted, event, supplier_org, supplier_user):
    client.force_login(supplier_user)
    response = client.post(
        reverse("events:availability_set", args=[event.pk]),
        {"org": supplier_org.pk, "available_from": "10:00", "available_to": "11:00"},
        follow=True,
    )
    assert "可洽谈时段必须在一对一洽谈时段 14:00–16:00 之内" in response.content.decode()
    response = client.post(
        reverse("events:attendee_add", args=[event.pk]), {"org": supplier_org.pk, "name": "", "phone": ""}, follow=True
    )
    assert "请填写参会人员姓名。" in response.content.decode()
    assert not Availability.objects.exists() and not Attendee.objects.exists()


def test_uninvited_member_cannot_register_or_request(client, event, other_org, other_member, park_org):
    client.force_login(other_member)
    assert (
        client.post(reverse("events:attendee_add", args=[event.pk]), {"org": other_org.pk, "name": "钱工"}).status_code
        == 404
    )
    assert (
        client.post(
            reverse("events:meeting_request_create", args=[event.pk]), {"org": other_org.pk, "target_org": park_org.pk}
        ).status_code
        == 404
    )
    assert not Attendee.objects.exists() and not MeetingRequest.objects.exists()


def test_pending_invitee_cannot_register_yet(client, invitation, event, supplier_org, supplier_user):
    client.force_login(supplier_user)
    assert (
        client.post(
            reverse("events:attendee_add", args=[event.pk]), {"org": supplier_org.pk, "name": "孙工"}
        ).status_code
        == 404
    )
    assert not Attendee.objects.exists()


def test_pair_respond_by_outsider_is_404(client, accepted, event, park_org, supplier_org, other_member):
    pair = MeetingRequestFactory(
        event=event, requester_org=park_org, target_org=supplier_org, status=MeetingRequest.Status.PENDING
    )
    client.force_login(other_member)
    assert (
        client.post(reverse("events:meeting_request_respond", args=[pair.pk]), {"decision": "accept"}).status_code
        == 404
    )
    pair.refresh_from_db()
    assert pair.status == MeetingRequest.Status.PENDING


# --- staff pairing and scheduling through pages ---------------------------------------------------


def test_staff_pair_and_schedule_then_plan_shows_it(client, liaison, owner, accepted, event, park_org, supplier_org):
    client.force_login(owner)
    assert client.post(reverse("events:schedule_run", args=[event.pk])).status_code == 403
    assert (
        client.post(
            reverse("events:meeting_pair_add", args=[event.pk]), {"org_a": park_org.pk, "org_b": supplier_org.pk}
        ).status_code
        == 403
    )
    client.force_login(liaison)
    client.post(reverse("events:meeting_pair_add", args=[event.pk]), {"org_a": park_org.pk, "org_b": supplier_org.pk})
    response = client.post(reverse("events:schedule_run", args=[event.pk]), follow=True)
    page = response.content.decode()
    assert "已排 1 场洽谈，均无时间冲突（已找到最优安排，用时不到 1 秒）" in page
    for word in ("cp-sat", "CP-SAT", "greedy", "贪心", "合计", "OPTIMAL", "秒。", "score_total"):
        assert word not in page.replace("用时不到 1 秒", ""), word
    meeting = Meeting.objects.get()
    assert meeting.table_no == 1 and timezone.localtime(meeting.starts_at).time() == datetime.time(14, 0)
    plan = client.get(reverse("events:table_plan", args=[event.pk])).content.decode()
    assert "第4桌" in plan and park_org.name in plan and supplier_org.name in plan
    ws = load_workbook(io.BytesIO(client.get(reverse("events:table_plan_xlsx", args=[event.pk])).content)).active
    assert [c.value for c in ws[2]] == ["时段", "第1桌", "第2桌", "第3桌", "第4桌"]
    assert ws["A3"].value == "14:00" and ws["B3"].value == f"{park_org.name}\n↔ {supplier_org.name}"
    assert ws["B4"].value in (None, "")


def test_meetings_page_query_count_is_bounded(client, liaison, event, park_org, django_assert_max_num_queries):
    slots = event.slot_starts()
    for i in range(10):
        org = factories.SupplierOrganizationFactory()
        InvitationFactory(event=event, organization=org, status=Invitation.Status.ACCEPTED)
        pair = MeetingRequestFactory(event=event, requester_org=park_org, target_org=org)
        if i < 6:
            meeting = meeting_for(pair, starts_at=slots[i])
            MeetingOutcome.objects.create(meeting=meeting, organization=org, rating=4, intent="有意向")
    client.force_login(liaison)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("events:meetings", args=[event.pk]))
    assert response.status_code == 200 and response.content.decode().count("有意向 · 4 分") == 6
    with django_assert_max_num_queries(12):
        assert client.get(reverse("events:table_plan", args=[event.pk])).status_code == 200


# --- agenda: print view and xlsx --------------------------------------------------------------------


# The agenda is per organisation: even the counterpart (owner, park side) cannot open the supplier's.
@pytest.mark.parametrize(
    "persona,status",
    [
        ("anonymous", 302),
        ("supplier_user", 200),
        ("owner", 404),
        ("other_member", 404),
        ("liaison", 200),
        ("platform_admin", 200),
    ],
)
def test_agenda_print_and_xlsx_access(as_user, persona, status, scheduled, supplier_org):
    client = as_user(persona)
    html = client.get(reverse("events:agenda", args=[scheduled.event_id, supplier_org.pk]))
    xlsx = client.get(reverse("events:agenda_xlsx", args=[scheduled.event_id, supplier_org.pk]))
    assert html.status_code == status and xlsx.status_code == status


def test_agenda_print_view_lists_the_meeting(client, supplier_user, scheduled, park_org, supplier_org):
    client.force_login(supplier_user)
    page = client.get(reverse("events:agenda", args=[scheduled.event_id, supplier_org.pk])).content.decode()
    assert "一对一洽谈日程" in page and park_org.name in page and "events-print.css" in page
    assert "<td>3</td>" in page  # table number


def test_agenda_xlsx_content(client, supplier_user, scheduled, park_org, supplier_org, demand):
    client.force_login(supplier_user)
    response = client.get(reverse("events:agenda_xlsx", args=[scheduled.event_id, supplier_org.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content)).active
    assert ws["A4"].value == "开始时间" and ws["D4"].value == "洽谈单位"
    row = [c.value for c in ws[5]]
    assert row[0] == "14:00" and row[2] == 3 and row[3] == park_org.name and row[4] == demand.title and row[6] == 82.5


def test_other_orgs_agenda_is_hidden_even_from_a_participant(client, scheduled, supplier_user, other_org):
    client.force_login(supplier_user)
    assert client.get(reverse("events:agenda", args=[scheduled.event_id, other_org.pk])).status_code == 404


# --- outcomes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "persona,status",
    [
        ("anonymous", 302),
        ("supplier_user", 200),
        ("owner", 200),
        ("other_member", 404),
        ("liaison", 404),
    ],
)
def test_outcome_page_access(as_user, persona, status, scheduled):
    assert as_user(persona).get(reverse("events:outcome_record", args=[scheduled.pk])).status_code == status


def test_outcome_with_intent_feeds_the_pipeline(client, supplier_user, scheduled, supplier_org, demand):
    client.force_login(supplier_user)
    response = client.post(
        reverse("events:outcome_record", args=[scheduled.pk]),
        {"rating": "5", "intent": "有意向", "next_step": "下周寄送样机"},
        follow=True,
    )
    assert "洽谈结果已保存。已转入对接项目跟踪。" in response.content.decode()
    outcome = MeetingOutcome.objects.get()
    assert (outcome.organization, outcome.rating, outcome.intent) == (supplier_org, 5, "有意向")
    case = Case.objects.get()
    assert case.demand == demand and case.supply_org == supplier_org and case.stage == "intent"


def test_outcome_form_rejects_bad_rating(client, owner, scheduled):
    client.force_login(owner)
    response = client.post(reverse("events:outcome_record", args=[scheduled.pk]), {"rating": "9", "intent": "有意向"})
    assert response.status_code == 200 and "选择一个有效的选项" in response.content.decode()
    assert not MeetingOutcome.objects.exists()


def test_participation_and_agenda_query_counts_do_not_grow(
    client, owner, event, park_org, django_assert_max_num_queries
):
    slots = event.slot_starts()
    for i in range(6):
        org = factories.SupplierOrganizationFactory()
        InvitationFactory(event=event, organization=org, status=Invitation.Status.ACCEPTED)
        meeting = meeting_for(
            MeetingRequestFactory(event=event, requester_org=park_org, target_org=org), starts_at=slots[i]
        )
        MeetingOutcome.objects.create(meeting=meeting, organization=park_org, rating=3, intent="无意向")
    client.force_login(owner)
    with django_assert_max_num_queries(25):
        page = client.get(reverse("events:participation", args=[event.pk])).content.decode()
    assert page.count("洽谈后填写") == 6
    with django_assert_max_num_queries(15):
        assert client.get(reverse("events:agenda", args=[event.pk, park_org.pk])).status_code == 200


# --- no developer text (issue #12) ----------------------------------------------------------------


def test_invitation_page_reasons_are_plain_words_not_engine_notes(client, liaison, event, demand):
    org = factories.SupplierOrganizationFactory(name="北京理由测试科技有限公司")
    supply = factories.SupplyFactory(menu=factories.SupplyMenuFactory(organization=org))
    make_match(
        demand,
        supply,
        91,
        explanation={
            "terms": ["协作机器人"],
            "semantic": "语义相似度高于平均 2.3 个标准差",
            "summary": "协作机器人≈机械臂；语义 +2.3 标准差",
        },
    )
    client.force_login(liaison)
    page = client.get(reverse("events:invitations", args=[event.pk])).content.decode()
    assert org.name in page and "高度相关" in page
    assert "标准差" not in page and "≈" not in page


def test_meetings_page_before_any_run_shows_no_schedule_report(client, liaison, event):
    client.force_login(liaison)
    page = client.get(reverse("events:meetings", args=[event.pk])).content.decode()
    assert "schedule-report" not in page and "合计" not in page
