"""HTML pages for 对接会: public list/detail, staff management, participants' registration and 1:1s."""

import io
from collections import defaultdict
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import Organization
from accounts.selectors import user_org_ids
from events import selectors, services
from events.forms import (
    AgendaFormSet,
    AttendeeForm,
    AvailabilityForm,
    EventForm,
    MeetingRequestForm,
    OutcomeForm,
    agenda_rows,
)
from events.models import Attendee, Availability, Event, Invitation, MeetingOutcome, MeetingRequest


def _error_text(exc):
    if hasattr(exc, "message_dict"):
        return "；".join(m for msgs in exc.message_dict.values() for m in msgs)
    return "；".join(exc.messages)


def staff_required(view):
    """Staff pages (read for every liaison; the actions on them check can_manage_event)."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not selectors.is_event_staff(request.user):
            raise PermissionDenied("只有对接专员或平台管理员可以访问此页面。")
        return view(request, *args, **kwargs)

    return wrapper


def _event_for(user, pk):
    return get_object_or_404(selectors.events_visible_to(user), pk=pk)


def _acting_org(request, event, *, participants_only=False):
    """The user's organisation this request acts for (?org= / POST org=), limited to the event's."""
    allowed = (
        selectors.user_participant_org_ids(request.user, event)
        if participants_only
        else selectors.user_event_org_ids(request.user, event)
    )
    if not allowed:
        raise Http404("您的单位未参加该对接会。")
    raw = request.POST.get("org") or request.GET.get("org")
    try:
        org_id = int(raw) if raw else min(allowed)
    except ValueError:
        raise Http404 from None
    if org_id not in allowed:
        raise Http404("您的单位未参加该对接会。")
    return Organization.objects.get(pk=org_id)


# --- public ---------------------------------------------------------------------------------------


def event_list(request):
    today = timezone.localdate()
    events = selectors.event_list_for(request.user)
    context = {
        "upcoming": list(events.filter(date__gte=today).order_by("date", "id")),
        "past": list(events.filter(date__lt=today).order_by("-date", "-id")[:50]),
        "can_create": selectors.is_event_staff(request.user),
    }
    return render(request, "events/event_list.html", context)


def event_detail(request, pk):
    event = _event_for(request.user, pk)
    demand_lists = list(
        event.demand_lists.select_related("organization").annotate(
            demand_count=Count("demands", filter=~Q(demands__status="closed"))
        )
    )
    participants = list(selectors.event_participants(event))
    my_org_ids = selectors.user_event_org_ids(request.user, event)
    my_invitations = list(
        Invitation.objects.filter(event=event, organization_id__in=my_org_ids).select_related("organization")
    )
    context = {
        "event": event,
        "agenda": list(event.agenda_items.all()),
        "chains": list(event.chains.all()),
        "demand_lists": demand_lists,
        "participants": participants,
        "my_org_ids": my_org_ids,
        "my_invitations": my_invitations,
        "can_manage": selectors.can_manage_event(request.user, event),
    }
    return render(request, "events/event_detail.html", context)


# --- staff: create / edit -------------------------------------------------------------------------


def _event_form_page(request, event=None):
    initial_agenda = []
    if event is not None:
        initial_agenda = [
            {"kind": a.kind, "title": a.title, "starts_at": a.starts_at, "ends_at": a.ends_at, "speaker": a.speaker}
            for a in event.agenda_items.all()
        ]
    if request.method == "POST":
        form = EventForm(request.POST, instance=event)
        formset = AgendaFormSet(request.POST, prefix="agenda", initial=initial_agenda)
        if form.is_valid() and formset.is_valid():
            data = dict(form.cleaned_data)
            try:
                if event is None:
                    event = services.event_create(actor=request.user, data=data, agenda=agenda_rows(formset))
                    messages.success(request, f"已创建对接会「{event.name}」。")
                else:
                    had_schedule = event.scheduled_at is not None
                    event = services.event_update(
                        event=event, actor=request.user, data=data, agenda=agenda_rows(formset)
                    )
                    messages.success(request, "对接会信息已保存。")
                    if had_schedule and event.scheduled_at is None:
                        messages.warning(request, "洽谈日期、时段、时长或桌数已变更，原排程已作废，请重新排程。")
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    for field, errors in exc.message_dict.items():
                        form.add_error(field if field in form.fields else None, errors)
                else:
                    form.add_error(None, exc.messages)
            else:
                return redirect("events:event_detail", pk=event.pk)
    else:
        form = EventForm(instance=event)
        formset = AgendaFormSet(prefix="agenda", initial=initial_agenda)
    return render(
        request,
        "events/event_form.html",
        {"form": form, "formset": formset, "event": event},
    )


@staff_required
def event_create(request):
    return _event_form_page(request)


@staff_required
def event_update(request, pk):
    event = get_object_or_404(Event, pk=pk)
    # The form itself is an action: staff who may not save it are told so instead of shown it.
    services.require_event_manager(request.user, event, "修改会议信息")
    return _event_form_page(request, event)


# --- staff: 精准邀约 ----------------------------------------------------------------------------------


@staff_required
def invitations(request, pk):
    event = get_object_or_404(Event, pk=pk)
    try:
        proposals = selectors.invitation_proposals(event)
        matching_ready = True
    except ImportError:
        proposals, matching_ready = [], False
    context = {
        "event": event,
        "proposals": proposals,
        "matching_ready": matching_ready,
        "invitations": list(event.invitations.select_related("organization", "organization__region", "invited_by")),
        "demand_count": selectors.event_demands(event).count(),
        "can_manage": selectors.can_manage_event(request.user, event),
    }
    return render(request, "events/invitations.html", context)


@staff_required
@require_POST
def invitation_send(request, pk):
    event = get_object_or_404(Event, pk=pk)
    organization = get_object_or_404(Organization, pk=request.POST.get("organization") or 0)
    try:
        services.invitation_send(event=event, organization=organization, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"已向「{organization.name}」发出邀请。")
    return redirect("events:invitations", pk=event.pk)


@login_required
@require_POST
def invitation_respond(request, pk):
    invitation = get_object_or_404(selectors.invitations_visible_to(request.user), pk=pk)
    accept = request.POST.get("decision") == "accept"
    try:
        services.invitation_respond(invitation=invitation, user=request.user, accept=accept)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "已接受邀请，请登记参会人员。" if accept else "已婉拒邀请。")
    return redirect(f"{reverse('events:participation', args=[invitation.event_id])}?org={invitation.organization_id}")


# --- participants ---------------------------------------------------------------------------------


@login_required
def participation(request, pk):
    event = _event_for(request.user, pk)
    org = _acting_org(request, event)
    participant_ids = selectors.event_participant_org_ids(event)
    is_participant = org.pk in participant_ids
    pairs = list(
        MeetingRequest.objects.filter(event=event)
        .filter(Q(requester_org=org) | Q(target_org=org))
        .select_related("requester_org", "target_org", "demand")
    )
    active_paired = {o for p in pairs if p.status != MeetingRequest.Status.DECLINED for o in p.org_ids}
    scores = selectors.counterpart_scores(event, org.pk) if is_participant else {}
    targets = sorted(
        Organization.objects.filter(pk__in=participant_ids - {org.pk} - active_paired),
        key=lambda o: (-scores.get(o.pk, (0, ""))[0], o.name),
    )
    meetings = list(selectors.org_meetings(event, org.pk))
    for meeting in meetings:
        meeting.other = meeting.pair.other_org(org.pk)
        meeting.my_outcome = next((o for o in meeting.outcomes.all() if o.organization_id == org.pk), None)
    context = {
        "event": event,
        "org": org,
        "my_orgs": Organization.objects.filter(pk__in=selectors.user_event_org_ids(request.user, event)).order_by(
            "name"
        ),
        "invitation": Invitation.objects.filter(event=event, organization=org).first(),
        "is_participant": is_participant,
        "attendees": list(Attendee.objects.filter(event=event, organization=org)),
        "availability": Availability.objects.filter(event=event, organization=org).first(),
        "attendee_form": AttendeeForm(),
        "availability_form": AvailabilityForm(),
        "request_form": MeetingRequestForm(targets=targets, scores=scores),
        "incoming": [p for p in pairs if p.target_org_id == org.pk and p.status == MeetingRequest.Status.PENDING],
        "pairs": pairs,
        "meetings": meetings,
        "now": timezone.now(),
    }
    return render(request, "events/participation.html", context)


def _back_to_participation(event, org):
    return redirect(f"{reverse('events:participation', args=[event.pk])}?org={org.pk}")


@login_required
@require_POST
def attendee_add(request, pk):
    event = _event_for(request.user, pk)
    org = _acting_org(request, event, participants_only=True)
    form = AttendeeForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return _back_to_participation(event, org)
    try:
        services.attendee_add(event=event, organization=org, user=request.user, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"已登记参会人员「{form.cleaned_data['name']}」。")
    return _back_to_participation(event, org)


@login_required
@require_POST
def attendee_remove(request, pk, attendee_pk):
    event = _event_for(request.user, pk)
    attendee = get_object_or_404(Attendee, pk=attendee_pk, event=event, organization_id__in=user_org_ids(request.user))
    services.attendee_remove(attendee=attendee, user=request.user)
    messages.success(request, f"已移除参会人员「{attendee.name}」。")
    return _back_to_participation(event, attendee.organization)


@login_required
@require_POST
def availability_set(request, pk):
    event = _event_for(request.user, pk)
    org = _acting_org(request, event, participants_only=True)
    form = AvailabilityForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写有效的可洽谈开始和结束时间。")
        return _back_to_participation(event, org)
    try:
        services.availability_set(event=event, organization=org, user=request.user, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "可洽谈时段已保存。")
    return _back_to_participation(event, org)


@login_required
@require_POST
def meeting_request_create(request, pk):
    event = _event_for(request.user, pk)
    org = _acting_org(request, event, participants_only=True)
    targets = Organization.objects.filter(pk__in=selectors.event_participant_org_ids(event) - {org.pk})
    form = MeetingRequestForm(request.POST, targets=targets)
    if not form.is_valid():
        messages.error(request, "请选择本次对接会的参会单位作为洽谈对象。")
        return _back_to_participation(event, org)
    target = targets.get(pk=form.cleaned_data["target_org"])
    try:
        services.meeting_request_create(
            event=event, requester_org=org, target_org=target, user=request.user, note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"已向「{target.name}」发出洽谈申请，等待对方确认。")
    return _back_to_participation(event, org)


@login_required
@require_POST
def meeting_request_respond(request, pk):
    pair = get_object_or_404(
        selectors.pairs_visible_to(request.user).filter(target_org_id__in=user_org_ids(request.user)), pk=pk
    )
    accept = request.POST.get("decision") == "accept"
    try:
        services.meeting_request_respond(pair=pair, user=request.user, accept=accept)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, "已接受洽谈申请。" if accept else "已婉拒洽谈申请。")
    return _back_to_participation(pair.event, pair.target_org)


@login_required
def outcome_record(request, pk):
    meeting = get_object_or_404(selectors.meetings_visible_to(request.user), pk=pk)
    mine = meeting.pair.org_ids & user_org_ids(request.user)
    if not mine:
        raise Http404("只有洽谈双方可以填写洽谈结果。")
    org = Organization.objects.get(pk=min(mine))
    existing = MeetingOutcome.objects.filter(meeting=meeting, organization=org).first()
    if request.method == "POST":
        form = OutcomeForm(request.POST)
        if form.is_valid():
            try:
                outcome = services.outcome_record(
                    meeting=meeting, organization=org, user=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                form.add_error(None, _error_text(exc))
            else:
                text = "洽谈结果已保存。"
                if outcome.case_id:
                    text += "已转入对接项目跟踪。"
                messages.success(request, text)
                return _back_to_participation(meeting.event, org)
    else:
        initial = (
            {"rating": existing.rating, "intent": existing.intent, "next_step": existing.next_step} if existing else {}
        )
        form = OutcomeForm(initial=initial)
    context = {
        "meeting": meeting,
        "org": org,
        "other": meeting.pair.other_org(org.pk),
        "form": form,
        "existing": existing,
    }
    return render(request, "events/outcome_form.html", context)


# --- staff: 1:1 pairs, scheduling, table plan -------------------------------------------------------


@staff_required
def meetings(request, pk):
    event = get_object_or_404(Event, pk=pk)
    pairs = list(
        event.meeting_requests.select_related("requester_org", "target_org", "demand", "meeting")
        .prefetch_related("meeting__outcomes__organization")
        .order_by("status", "-score", "id")
    )
    try:
        suggestions = selectors.pair_suggestions(event)
    except ImportError:
        suggestions = []
    report = event.schedule_report or {}
    unscheduled = set(report.get("unscheduled", []))
    context = {
        "event": event,
        "pairs": pairs,
        "suggestions": suggestions,
        "report": report,
        "schedule_sentence": selectors.schedule_sentence(report),
        "unscheduled": [p for p in pairs if p.pk in unscheduled],
        "slot_count": len(event.slot_starts()),
        "accepted_count": sum(1 for p in pairs if p.status == MeetingRequest.Status.ACCEPTED),
        "participants": list(selectors.event_participants(event)),
        "can_manage": selectors.can_manage_event(request.user, event),
    }
    return render(request, "events/meetings.html", context)


@staff_required
@require_POST
def meeting_pair_add(request, pk):
    event = get_object_or_404(Event, pk=pk)
    org_a = get_object_or_404(Organization, pk=request.POST.get("org_a") or 0)
    org_b = get_object_or_404(Organization, pk=request.POST.get("org_b") or 0)
    try:
        services.meeting_pair_add(event=event, org_a=org_a, org_b=org_b, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, f"已安排「{org_a.name}」与「{org_b.name}」一对一洽谈。")
    return redirect("events:meetings", pk=event.pk)


@staff_required
@require_POST
def schedule_run(request, pk):
    event = get_object_or_404(Event, pk=pk)
    try:
        summary = services.schedule_run(event=event, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    else:
        messages.success(request, selectors.schedule_sentence(summary))
    return redirect("events:meetings", pk=event.pk)


def _plan_grid(event):
    slots = event.slot_starts()
    cells = defaultdict(dict)
    for meeting in event.meetings.select_related("pair__requester_org", "pair__target_org"):
        cells[meeting.starts_at][meeting.table_no] = meeting
    tables = list(range(1, event.table_count + 1))
    rows = [{"start": s, "cells": [cells[s].get(t) for t in tables]} for s in slots]
    return tables, rows


@staff_required
def table_plan(request, pk):
    event = get_object_or_404(Event, pk=pk)
    tables, rows = _plan_grid(event)
    context = {
        "event": event,
        "tables": tables,
        "rows": rows,
        "can_manage": selectors.can_manage_event(request.user, event),
    }
    return render(request, "events/table_plan.html", context)


def _agenda_org(request, pk, org_pk):
    event = _event_for(request.user, pk)
    if not (selectors.is_event_staff(request.user) or org_pk in user_org_ids(request.user)):
        raise Http404("未找到该单位的洽谈日程。")
    org = get_object_or_404(Organization, pk=org_pk)
    meetings_ = list(selectors.org_meetings(event, org.pk))
    for meeting in meetings_:
        meeting.other = meeting.pair.other_org(org.pk)
    if not meetings_ and org.pk not in selectors.event_participant_org_ids(event):
        raise Http404("未找到该单位的洽谈日程。")
    return event, org, meetings_


@login_required
def agenda(request, pk, org_pk):
    event, org, meetings_ = _agenda_org(request, pk, org_pk)
    context = {
        "event": event,
        "org": org,
        "meetings": meetings_,
        "agenda": list(event.agenda_items.all()),
        "attendees": list(Attendee.objects.filter(event=event, organization=org)),
    }
    return render(request, "events/agenda_print.html", context)


def _xlsx_response(wb, ascii_name, chinese_name):
    from urllib.parse import quote

    buffer = io.BytesIO()
    wb.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(chinese_name)}"
    return response


@login_required
def agenda_xlsx(request, pk, org_pk):
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    event, org, meetings_ = _agenda_org(request, pk, org_pk)
    wb = Workbook()
    ws = wb.active
    ws.title = "洽谈日程"
    ws.append([f"{event.name} · {org.name} 一对一洽谈日程"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append([f"日期：{event.date:%Y-%m-%d}", f"地点：{event.location_display}"])
    ws.append([])
    ws.append(["开始时间", "结束时间", "桌号", "洽谈单位", "洽谈需求", "相关供给", "匹配度"])
    for cell in ws[4]:
        cell.font = Font(bold=True)
    for m in meetings_:
        ws.append(
            [
                f"{timezone.localtime(m.starts_at):%H:%M}",
                f"{timezone.localtime(m.ends_at):%H:%M}",
                m.table_no,
                m.other.name,
                m.pair.demand.title if m.pair.demand else "",
                m.pair.supply.title if m.pair.supply else "",
                round(m.pair.score, 1),
            ]
        )
    for column, width in zip("ABCDEFG", (10, 10, 6, 32, 36, 36, 8), strict=True):
        ws.column_dimensions[column].width = width
    for row in ws.iter_rows(min_row=5):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    return _xlsx_response(wb, f"agenda-{event.pk}-{org.pk}.xlsx", f"洽谈日程-{event.name}-{org.name}.xlsx")


@staff_required
def table_plan_xlsx(request, pk):
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    event = get_object_or_404(Event, pk=pk)
    tables, rows = _plan_grid(event)
    wb = Workbook()
    ws = wb.active
    ws.title = "桌位安排表"
    ws.append([f"{event.name} · 桌位安排表（{event.date:%Y-%m-%d}，每场 {event.slot_minutes} 分钟）"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["时段"] + [f"第{t}桌" for t in tables])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(
            [f"{timezone.localtime(row['start']):%H:%M}"]
            + [f"{m.pair.requester_org.name}\n↔ {m.pair.target_org.name}" if m else "" for m in row["cells"]]
        )
    ws.column_dimensions["A"].width = 8
    for index in range(2, len(tables) + 2):
        ws.column_dimensions[get_column_letter(index)].width = 26
    for line in ws.iter_rows(min_row=3):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    return _xlsx_response(wb, f"table-plan-{event.pk}.xlsx", f"桌位安排表-{event.name}.xlsx")
