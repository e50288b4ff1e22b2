"""Writes for 对接会: events, invitations, registration, 1:1 pairs, scheduling and outcomes."""

import datetime
import logging
import re

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Organization
from accounts.selectors import user_org_ids
from catalog.models import Demand
from events import scheduler, selectors
from events.models import (
    AgendaItem,
    Attendee,
    Availability,
    Event,
    Invitation,
    Meeting,
    MeetingOutcome,
    MeetingRequest,
)
from followups import services as followups_services
from followups.models import Case
from followups.services import cases_note_invitation_accepted
from notifications.models import Notification
from notifications.services import notify, notify_organization
from portal.outbox import enqueue

logger = logging.getLogger(__name__)

EVENT_FIELDS = (
    "name",
    "description",
    "date",
    "venue",
    "online_url",
    "status",
    "slot_minutes",
    "table_count",
    "meeting_start",
    "meeting_end",
)


def _require_staff(user):
    if not selectors.is_event_staff(user):
        raise PermissionDenied("只有对接专员或平台管理员可以执行此操作。")


def require_event_manager(user, event, action):
    """PermissionDenied unless `user` manages `event` (selectors.can_manage_event); `action` names the step."""
    if selectors.can_manage_event(user, event):
        return
    if selectors.is_event_staff(user):
        raise PermissionDenied(
            f"「{event.name}」不是您创建的对接会，会前征集的需求清单也不属于您负责的地区：您只能查看，不能{action}。"
            "请联系该对接会的负责专员或平台管理员。"
        )
    raise PermissionDenied("只有负责该对接会的对接专员或平台管理员可以执行此操作。")


def _require_member(user, organization):
    if organization.pk not in user_org_ids(user):
        raise PermissionDenied(f"您不是「{organization.name}」的成员，不能代表该单位操作。")


def _event_url(event, name="events:event_detail"):
    return reverse(name, args=[event.pk])


# --- events ---------------------------------------------------------------------------------------


def _write_agenda(event, agenda):
    event.agenda_items.all().delete()
    items = []
    for row in agenda:
        item = AgendaItem(event=event, **row)
        item.full_clean(exclude=["event"])
        items.append(item)
    AgendaItem.objects.bulk_create(items)


@transaction.atomic
def event_create(*, actor, data, agenda=()):
    """Create an event from validated `data` (EVENT_FIELDS + chains + demand_lists) and agenda rows."""
    _require_staff(actor)
    event = Event(created_by=actor, **{k: data[k] for k in EVENT_FIELDS if k in data})
    event.full_clean()
    event.save()
    event.chains.set(data.get("chains") or [])
    event.demand_lists.set(data.get("demand_lists") or [])
    _write_agenda(event, agenda)
    return event


SCHEDULE_FIELDS = ("date", "slot_minutes", "table_count", "meeting_start", "meeting_end")


@transaction.atomic
def event_update(*, event, actor, data, agenda=None):
    """Save changes; a change to the 1:1 window, slot length or tables voids the schedule."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    require_event_manager(actor, event, "修改会议信息")
    before = {key: getattr(event, key) for key in SCHEDULE_FIELDS}
    for key in EVENT_FIELDS:
        if key in data:
            setattr(event, key, data[key])
    event.full_clean()
    if any(getattr(event, key) != value for key, value in before.items()) and event.meetings.exists():
        if MeetingOutcome.objects.filter(meeting__event=event).exists():
            raise ValidationError("已有洽谈结果登记，不能再修改会议日期、洽谈时段、每场时长或桌数。")
        # The stored plan no longer fits the new slots: drop it; staff re-run the scheduler.
        event.meetings.all().delete()
        event.schedule_report = {}
        event.scheduled_at = None
    event.save()
    if "chains" in data:
        event.chains.set(data["chains"] or [])
    if "demand_lists" in data:
        event.demand_lists.set(data["demand_lists"] or [])
    if agenda is not None:
        _write_agenda(event, agenda)
    return event


# --- 精准邀约 ------------------------------------------------------------------------------------------


@transaction.atomic
def invitation_send(*, event, organization, actor, proposed_score=None, reasons=None):
    """Invite an organisation (一键邀请 from the proposals, or any other page); its members are notified.

    Only staff managing the event may invite (require_event_manager).
    """
    require_event_manager(actor, event, "发出邀请")
    if event.status == Event.Status.CANCELLED:
        raise ValidationError("该对接会已取消，不能再发出邀请。")
    if organization.pk in selectors.event_demand_org_ids(event):
        raise ValidationError(f"「{organization.name}」是本次对接会的需求方，已自动参会，无需邀请。")
    if proposed_score is None:
        proposal = next(
            (p for p in selectors.invitation_proposals(event, limit=500) if p["organization"].pk == organization.pk),
            None,
        )
        if proposal:
            proposed_score, reasons = proposal["best_score"], proposal["reasons"]
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                event=event,
                organization=organization,
                invited_by=actor,
                proposed_score=proposed_score,
                reasons=list(reasons or []),
            )
    except IntegrityError:
        raise ValidationError(f"「{organization.name}」已被邀请参加本次对接会。") from None
    notify_organization(
        organization=organization,
        kind=Notification.Kind.EVENT,
        title=f"对接会邀请：{event.name}",
        body=f"{event.date:%Y年%m月%d日} · {event.location_display}。请在站内接受或婉拒邀请并登记参会人员。",
        url=_event_url(event, "events:participation"),
        dedup_key=f"event-invitation:{invitation.pk}",
    )
    return invitation


@transaction.atomic
def invitation_respond(*, invitation, user, accept):
    """The invited organisation accepts or declines; staff who invited are told."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",)).select_related("event", "organization").get(pk=invitation.pk)
    )
    _require_member(user, invitation.organization)
    if invitation.status != Invitation.Status.PENDING:
        raise ValidationError(f"该邀请已{invitation.get_status_display()}，不能重复回复。")
    if invitation.event.status == Event.Status.CANCELLED:
        raise ValidationError("该对接会已取消。")
    invitation.status = Invitation.Status.ACCEPTED if accept else Invitation.Status.DECLINED
    invitation.responded_by = user
    invitation.responded_at = timezone.now()
    invitation.save(update_fields=["status", "responded_by", "responded_at"])
    if accept:
        # Its cases with the event's demands move 推荐 → 意向 (later stages get a note).
        demand_ids = Demand.objects.filter(demand_list__in=invitation.event.demand_lists.all()).values_list(
            "pk", flat=True
        )
        cases_note_invitation_accepted(invitation=invitation, demand_ids=list(demand_ids))
    if invitation.invited_by_id:
        notify(
            recipients=[invitation.invited_by],
            kind=Notification.Kind.EVENT,
            title=f"「{invitation.organization.name}」{invitation.get_status_display()}对接会邀请",
            body=invitation.event.name,
            url=_event_url(invitation.event, "events:invitations"),
            dedup_key=f"event-invitation-reply:{invitation.pk}",
        )
    enqueue(
        "webhooks.tasks.emit",
        "invitation.answered",
        invitation.organization_id,
        {
            "event_id": invitation.event_id,
            "event_name": invitation.event.name,
            "answer": invitation.get_status_display(),
            "url": _event_url(invitation.event),
        },
    )
    return invitation


# --- registration ---------------------------------------------------------------------------------


def _require_participant(user, event, organization):
    _require_member(user, organization)
    if organization.pk not in selectors.event_participant_org_ids(event):
        raise ValidationError(f"「{organization.name}」尚未接受邀请，不是本次对接会的参会单位。")


@transaction.atomic
def attendee_add(*, event, organization, user, name, title="", phone=""):
    _require_participant(user, event, organization)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "请填写参会人员姓名。"})
    phone = (phone or "").strip()
    if phone and not re.fullmatch(r"[0-9+\- ]{7,20}", phone):
        raise ValidationError({"phone": "手机号格式不正确：只能包含数字、+、- 和空格，7–20 位。"})
    try:
        with transaction.atomic():
            return Attendee.objects.create(
                event=event,
                organization=organization,
                name=name,
                title=(title or "").strip(),
                phone=phone,
                created_by=user,
            )
    except IntegrityError:
        raise ValidationError({"name": f"「{name}」已登记为本单位参会人员。"}) from None


@transaction.atomic
def attendee_remove(*, attendee, user):
    _require_member(user, attendee.organization)
    attendee.delete()


@transaction.atomic
def availability_set(*, event, organization, user, available_from, available_to):
    """Set the part of the 1:1 window the organisation can meet in (must lie inside the window)."""
    _require_participant(user, event, organization)
    if available_to <= available_from:
        raise ValidationError({"available_to": "可洽谈结束时间必须晚于开始时间。"})
    if available_from < event.meeting_start or available_to > event.meeting_end:
        raise ValidationError(
            {
                "available_from": f"可洽谈时段必须在一对一洽谈时段 {event.meeting_start:%H:%M}–{event.meeting_end:%H:%M} 之内。"
            }
        )
    availability, _ = Availability.objects.update_or_create(
        event=event,
        organization=organization,
        defaults={"available_from": available_from, "available_to": available_to},
    )
    return availability


# --- 1:1 pairs --------------------------------------------------------------------------------------


def _pair_exists(event, a_id, b_id):
    return (
        MeetingRequest.objects.filter(event=event)
        .filter(Q(requester_org_id=a_id, target_org_id=b_id) | Q(requester_org_id=b_id, target_org_id=a_id))
        .exclude(status=MeetingRequest.Status.DECLINED)
        .exists()
    )


def _pair_subject(event, a_id, b_id, demand=None):
    """(demand, supply, score) the pair is about: the given demand, else their best match."""
    if demand is not None:
        if (
            demand.organization_id not in (a_id, b_id)
            or not selectors.event_demands(event).filter(pk=demand.pk).exists()
        ):
            raise ValidationError({"demand": "所选需求不属于洽谈双方在本次对接会上发布的需求。"})
        other = b_id if demand.organization_id == a_id else a_id
        match = selectors.best_match_between(event, a_id, b_id)
        supply = match.supply if match and match.demand_id == demand.pk else None
        score = match.score if match and match.demand_id == demand.pk else 0.0
        if supply is None:
            from matching.models import Match

            best = (
                Match.objects.filter(demand=demand, supply__organization_id=other)
                .select_related("supply")
                .order_by("-score")
                .first()
            )
            if best:
                supply, score = best.supply, best.score
        return demand, supply, float(score or 0)
    try:
        match = selectors.best_match_between(event, a_id, b_id)
    except ImportError:  # matching app not installed: pairs still work, without a score
        match = None
    if match is None:
        return None, None, 0.0
    return match.demand, match.supply, float(match.score)


@transaction.atomic
def meeting_request_create(*, event, requester_org, target_org, user, demand=None, note=""):
    """A participant asks another participant for a 1:1 meeting; the other side is notified."""
    Event.objects.select_for_update().get(pk=event.pk)  # serialise pair creation per event
    _require_participant(user, event, requester_org)
    if target_org.pk == requester_org.pk:
        raise ValidationError({"target_org": "不能向本单位申请洽谈。"})
    if target_org.pk not in selectors.event_participant_org_ids(event):
        raise ValidationError({"target_org": f"「{target_org.name}」不是本次对接会的参会单位。"})
    if _pair_exists(event, requester_org.pk, target_org.pk):
        raise ValidationError({"target_org": f"与「{target_org.name}」的洽谈申请已存在。"})
    demand, supply, score = _pair_subject(event, requester_org.pk, target_org.pk, demand)
    MeetingRequest.objects.filter(
        event=event, requester_org=requester_org, target_org=target_org
    ).delete()  # a declined one
    pair = MeetingRequest.objects.create(
        event=event,
        requester_org=requester_org,
        target_org=target_org,
        demand=demand,
        supply=supply,
        score=score,
        note=(note or "")[:200],
        requested_by=user,
    )
    notify_organization(
        organization=target_org,
        kind=Notification.Kind.EVENT,
        title=f"「{requester_org.name}」希望与贵单位一对一洽谈",
        body=f"{event.name}" + (f"：{demand.title}" if demand else "") + (f"。留言：{note}" if note else ""),
        url=_event_url(event, "events:participation"),
        dedup_key=f"meeting-request:{pair.pk}",
    )
    return pair


@transaction.atomic
def meeting_request_respond(*, pair, user, accept):
    pair = (
        MeetingRequest.objects.select_for_update(of=("self",))
        .select_related("event", "requester_org", "target_org")
        .get(pk=pair.pk)
    )
    _require_member(user, pair.target_org)
    if pair.status != MeetingRequest.Status.PENDING:
        raise ValidationError(f"该洽谈申请已{pair.get_status_display()}，不能重复处理。")
    pair.status = MeetingRequest.Status.ACCEPTED if accept else MeetingRequest.Status.DECLINED
    pair.responded_by = user
    pair.responded_at = timezone.now()
    pair.save(update_fields=["status", "responded_by", "responded_at"])
    notify_organization(
        organization=pair.requester_org,
        kind=Notification.Kind.EVENT,
        title=f"「{pair.target_org.name}」{pair.get_status_display()}您的洽谈申请",
        body=pair.event.name,
        url=_event_url(pair.event, "events:participation"),
        dedup_key=f"meeting-request-reply:{pair.pk}",
    )
    return pair


@transaction.atomic
def meeting_pair_add(*, event, org_a, org_b, actor):
    """Staff managing the event pair two participants from their top match; the pair counts as accepted."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    require_event_manager(actor, event, "安排洽谈")
    participants = selectors.event_participant_org_ids(event)
    for org in (org_a, org_b):
        if org.pk not in participants:
            raise ValidationError(f"「{org.name}」不是本次对接会的参会单位。")
    if org_a.pk == org_b.pk:
        raise ValidationError("洽谈双方不能是同一单位。")
    if _pair_exists(event, org_a.pk, org_b.pk):
        raise ValidationError(f"「{org_a.name}」与「{org_b.name}」已有洽谈安排或申请。")
    demand, supply, score = _pair_subject(event, org_a.pk, org_b.pk)
    MeetingRequest.objects.filter(event=event, requester_org=org_a, target_org=org_b).delete()  # a declined one
    now = timezone.now()
    pair = MeetingRequest.objects.create(
        event=event,
        requester_org=org_a,
        target_org=org_b,
        demand=demand,
        supply=supply,
        score=score,
        status=MeetingRequest.Status.ACCEPTED,
        source=MeetingRequest.Source.STAFF,
        requested_by=actor,
        responded_by=actor,
        responded_at=now,
    )
    for org, other in ((org_a, org_b), (org_b, org_a)):
        notify_organization(
            organization=org,
            kind=Notification.Kind.EVENT,
            title=f"对接专员为您安排了与「{other.name}」的一对一洽谈",
            body=event.name + (f"：{demand.title}" if demand else ""),
            url=_event_url(event, "events:participation"),
            dedup_key=f"meeting-pair:{pair.pk}:{org.pk}",
        )
    return pair


# --- scheduling -------------------------------------------------------------------------------------


def _normalised_phone(phone):
    """Digits only, without the +86 / 0086 prefix, so one person's two spellings compare equal."""
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits if len(digits) >= 7 else ""


def _end_time(start, step):
    """Local wall-clock end of a slot (a slot ending at midnight counts as 23:59:59)."""
    end = timezone.localtime(start + step)
    if end.date() != timezone.localtime(start).date():
        return datetime.time(23, 59, 59)
    return end.time()


def schedule_problem(event, pairs):
    """Translate accepted pairs into a scheduler.Problem (slots, tables, availability, people)."""
    slots = event.slot_starts()
    step = datetime.timedelta(minutes=event.slot_minutes)
    org_ids = {org for pair in pairs for org in (pair.requester_org_id, pair.target_org_id)}
    windows = {a.organization_id: a for a in Availability.objects.filter(event=event, organization_id__in=org_ids)}
    allowed_by_org = {}
    for org_id, window in windows.items():
        allowed_by_org[org_id] = frozenset(
            i
            for i, start in enumerate(slots)
            if window.available_from <= timezone.localtime(start).time()
            and _end_time(start, step) <= window.available_to
        )
    # A person attending for two organisations must not be in two meetings at once either.
    people = {}
    for attendee in Attendee.objects.filter(event=event, organization_id__in=org_ids).only("organization_id", "phone"):
        phone = _normalised_phone(attendee.phone)
        if phone:
            people.setdefault(phone, set()).add(attendee.organization_id)
    shared = {phone: orgs for phone, orgs in people.items() if len(orgs) > 1}
    problem_pairs = []
    for pair in pairs:
        orgs = (pair.requester_org_id, pair.target_org_id)
        parties = {f"org:{o}" for o in orgs}
        parties |= {f"person:{phone}" for phone, owners in shared.items() if owners & set(orgs)}
        allowed = None
        for org in orgs:
            if org in allowed_by_org:
                allowed = allowed_by_org[org] if allowed is None else allowed & allowed_by_org[org]
        problem_pairs.append(
            scheduler.Pair(key=pair.pk, parties=frozenset(parties), score=pair.score, allowed_slots=allowed)
        )
    return scheduler.Problem(n_slots=len(slots), n_tables=event.table_count, pairs=problem_pairs), slots


@transaction.atomic
def schedule_run(*, event, actor, time_limit=None):
    """(Re)build the event's 1:1 meetings from all accepted pairs; returns the summary dict."""
    event = Event.objects.select_for_update().get(pk=event.pk)
    require_event_manager(actor, event, "排程")
    if MeetingOutcome.objects.filter(meeting__event=event).exists():
        raise ValidationError("已有洽谈结果登记，不能重新排程（会改变已进行的洽谈）。")
    pairs = list(MeetingRequest.objects.filter(event=event, status=MeetingRequest.Status.ACCEPTED).order_by("pk"))
    problem, slots = schedule_problem(event, pairs)
    if not slots:
        raise ValidationError("该对接会没有可用的洽谈时段，请先设置洽谈时段和每场时长。")
    limit = time_limit if time_limit is not None else settings.EVENTS_SCHEDULER_SECONDS
    result = scheduler.solve(problem, time_limit=limit)
    problems = scheduler.violations(problem, result)
    if problems:  # never store an invalid plan
        raise ValidationError("排程结果未通过校验：" + "；".join(problems[:3]))
    Meeting.objects.filter(event=event).delete()
    step = datetime.timedelta(minutes=event.slot_minutes)
    Meeting.objects.bulk_create(
        [
            Meeting(event=event, pair_id=key, starts_at=slots[slot], ends_at=slots[slot] + step, table_no=table)
            for key, (slot, table) in sorted(result.assignments.items(), key=lambda kv: kv[1])
        ]
    )
    summary = result.summary(problem)
    summary["unscheduled"] = sorted(p.key for p in problem.pairs if p.key not in result.assignments)
    event.schedule_report = summary
    event.scheduled_at = timezone.now()
    event.save(update_fields=["schedule_report", "scheduled_at", "updated_at"])
    stamp = int(event.scheduled_at.timestamp())
    scheduled_orgs = {
        o for pair in pairs if pair.pk in result.assignments for o in (pair.requester_org_id, pair.target_org_id)
    }
    for org in Organization.objects.filter(pk__in=scheduled_orgs):
        notify_organization(
            organization=org,
            kind=Notification.Kind.EVENT,
            title=f"一对一洽谈日程已排定：{event.name}",
            body="请查看并打印本单位的洽谈日程。",
            url=reverse("events:agenda", args=[event.pk, org.pk]),
            dedup_key=f"event-schedule:{event.pk}:{org.pk}:{stamp}",
        )
    return summary


# --- outcomes -------------------------------------------------------------------------------------


def _pipeline_intent(*, meeting, user, outcome):
    """有意向 opens (or finds) the case for the pair's demand and moves it to 意向 when it is at 推荐."""
    pair = meeting.pair
    demand = pair.demand
    if demand is None or demand.organization_id not in pair.org_ids:
        return None
    supply_org_id = (pair.org_ids - {demand.organization_id}).pop()
    case, _created = followups_services.case_open(
        demand=demand,
        supply_org=Organization.objects.get(pk=supply_org_id),
        supply=pair.supply,
        origin=Case.Origin.EVENT,
        origin_ref=meeting.pk,
        next_action=outcome.next_step,
        actor=user,
        met_at=meeting.starts_at,  # they met at the meeting, not when the outcome was typed in
    )
    if case.stage == Case.Stage.RECOMMENDED:
        case = (
            followups_services.case_move(
                case=case,
                to_stage=Case.Stage.INTENT,
                actor=user,
                note=f"对接会「{meeting.event.name}」洽谈后{outcome.organization.name}表示有意向。{outcome.next_step}".strip(),
            )
            or case
        )
    return case


@transaction.atomic
def outcome_record(*, meeting, organization, user, rating, intent, next_step=""):
    """One side records (or corrects) its outcome after the meeting started; 有意向 feeds the pipeline."""
    meeting = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("event", "pair", "pair__demand", "pair__supply")
        .get(pk=meeting.pk)
    )
    _require_member(user, organization)
    if organization.pk not in meeting.pair.org_ids:
        raise PermissionDenied("只有洽谈双方可以填写洽谈结果。")
    if meeting.starts_at > timezone.now():
        raise ValidationError("洽谈尚未开始，开始后才能填写洽谈结果。")
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": "评分必须是 1 到 5 之间的整数。"})
    if intent not in MeetingOutcome.Intent.values:
        raise ValidationError({"intent": "请选择「有意向」或「无意向」。"})
    outcome, _ = MeetingOutcome.objects.update_or_create(
        meeting=meeting,
        organization=organization,
        defaults={
            "rating": rating,
            "intent": intent,
            "next_step": (next_step or "").strip()[:200],
            "recorded_by": user,
        },
    )
    if intent == MeetingOutcome.Intent.YES:
        case = _pipeline_intent(meeting=meeting, user=user, outcome=outcome)
        if case is not None and outcome.case_id != case.pk:
            outcome.case = case
            outcome.save(update_fields=["case"])
    return outcome


# --- reminders (beat) ---------------------------------------------------------------------------------


def event_reminders_send(*, today=None):
    """Daily: tomorrow's participants get their agenda; yesterday's are asked for missing outcomes.

    Idempotent per event, organisation and day (notification dedup keys).
    """
    today = today or timezone.localdate()
    sent = {"agenda": 0, "outcome": 0}
    tomorrow = today + datetime.timedelta(days=1)
    for event in Event.objects.filter(date=tomorrow, status=Event.Status.PUBLISHED):
        counts = {}
        for a, b in Meeting.objects.filter(event=event).values_list("pair__requester_org_id", "pair__target_org_id"):
            for org_id in (a, b):
                counts[org_id] = counts.get(org_id, 0) + 1
        for org in Organization.objects.filter(pk__in=counts):
            sent["agenda"] += bool(
                notify_organization(
                    organization=org,
                    kind=Notification.Kind.EVENT,
                    title=f"明日对接会：{event.name}（{counts[org.pk]} 场一对一洽谈）",
                    body=f"{event.date:%m月%d日} {event.location_display}。请打印本单位洽谈日程。",
                    url=reverse("events:agenda", args=[event.pk, org.pk]),
                    dedup_key=f"event-agenda-reminder:{event.pk}:{org.pk}:{tomorrow}",
                )
            )
    yesterday = today - datetime.timedelta(days=1)
    for event in Event.objects.filter(date=yesterday, status=Event.Status.PUBLISHED):
        recorded = set(MeetingOutcome.objects.filter(meeting__event=event).values_list("meeting_id", "organization_id"))
        missing = {}
        for meeting_id, a, b in Meeting.objects.filter(event=event).values_list(
            "pk", "pair__requester_org_id", "pair__target_org_id"
        ):
            for org_id in (a, b):
                if (meeting_id, org_id) not in recorded:
                    missing[org_id] = missing.get(org_id, 0) + 1
        for org in Organization.objects.filter(pk__in=missing):
            sent["outcome"] += bool(
                notify_organization(
                    organization=org,
                    kind=Notification.Kind.EVENT,
                    title=f"请填写洽谈结果：{event.name}（{missing[org.pk]} 场待填）",
                    body="有意向的洽谈将转入对接项目跟踪，由对接专员协助推进。",
                    url=reverse("events:participation", args=[event.pk]) + f"?org={org.pk}",
                    dedup_key=f"event-outcome-reminder:{event.pk}:{org.pk}",
                )
            )
    return sent
