"""HTML pages of the follow-up pipeline: Kanban board, filtered list + .xlsx export, case page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Sum
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.selectors import is_liaison
from audit.selectors import entries_for
from catalog.models import Region
from followups import services
from followups.filters import CaseFilterSet
from followups.models import Case, CaseActivity, CaseDocument
from followups.selectors import (
    can_log_case_activity,
    can_manage_case,
    case_bid,
    case_contacts,
    case_links,
    case_meetings,
    case_owner_candidates,
    case_region_name,
    cases_visible_to,
    may_see_case_contacts,
    origin_text,
)
from reports.xlsx import xlsx_response

BOARD_CARDS_PER_STAGE = 8
LIST_PAGE_SIZE = 20
EXPORT_MAX_ROWS = 10000


@login_required
def case_board(request):
    """Kanban by stage for liaison staff; organisation members get their list instead.

    Each column shows its count and amounts (签约金额 from 签约 on, 投资额 at 落地) and its most
    urgent cards; a long column ends with a link to the filtered list.
    """
    if not is_liaison(request.user):
        return redirect("followups:case_list")
    filterset, base = _filtered(request)
    totals = {
        row["stage"]: row
        for row in base.order_by()
        .values("stage")
        .annotate(n=Count("id"), contract=Sum("contract_amount_wan"), investment=Sum("investment_amount_wan"))
    }
    query = request.GET.copy()
    query.pop("stage", None)
    query.pop("page", None)
    columns = []
    for stage in Case.Stage:
        # Most urgent first: overdue next actions float to the top of each column.
        cards = list(base.filter(stage=stage).order_by("next_action_at", "-updated_at")[:BOARD_CARDS_PER_STAGE])
        row = totals.get(stage.value, {})
        columns.append(
            {
                "stage": stage,
                "cards": cards,
                "count": row.get("n", 0),
                "contract": (row.get("contract") or 0) if stage in (Case.Stage.SIGNED, Case.Stage.LANDED) else None,
                "investment": (row.get("investment") or 0) if stage == Case.Stage.LANDED else None,
            }
        )
    return render(
        request,
        "followups/case_board.html",
        {
            "columns": columns,
            "filter": filterset,
            "mine": request.GET.get("mine") == "1",
            "per_stage": BOARD_CARDS_PER_STAGE,
            "query": query.urlencode(),
        },
    )


def _filtered(request):
    filterset = CaseFilterSet(request.GET or None, queryset=cases_visible_to(request.user), request=request)
    qs = filterset.qs if filterset.is_bound and filterset.is_valid() else filterset.queryset
    return filterset, qs.order_by("next_action_at", "-updated_at", "-id")


@login_required
def case_list(request):
    filterset, qs = _filtered(request)
    page = Paginator(qs, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "followups/case_list.html",
        {
            "filter": filterset,
            "page": page,
            "cases": page.object_list,
            "query": query.urlencode(),
            "is_staff_view": is_liaison(request.user),
        },
    )


@login_required
def case_export(request):
    filterset, qs = _filtered(request)
    qs = qs.select_related("landed_location")
    header = [
        "编号",
        "需求名称",
        "需求单位",
        "城市",
        "产业链",
        "供给单位",
        "来源",
        "阶段",
        "负责人",
        "下一步",
        "下一步日期",
        "逾期",
        "30天无进展",
        "签约金额（万元）",
        "签约日期",
        "落地投资额（万元）",
        "落地地点",
        "落地日期",
        "终止原因",
        "更新时间",
    ]

    def rows():
        for c in qs[:EXPORT_MAX_ROWS]:
            city = c.demand.region.city
            chain = c.demand.chain.root
            yield [
                c.pk,
                c.demand.title,
                c.demand.organization.name,
                city.name if city else "",
                chain.name,
                c.supply_org.name,
                c.get_origin_display(),
                c.get_stage_display(),
                str(c.owner) if c.owner else "",
                c.next_action,
                c.next_action_at,
                c.is_overdue,
                c.is_stale,
                c.contract_amount_wan,
                c.signed_on,
                c.investment_amount_wan,
                str(c.landed_location) if c.landed_location_id else "",
                c.landed_on,
                c.termination_reason,
                timezone.localtime(c.updated_at),
            ]

    return xlsx_response(f"对接项目_{timezone.localdate():%Y%m%d}.xlsx", [("对接项目", header, rows())])


def _get_case(request, pk):
    return get_object_or_404(cases_visible_to(request.user), pk=pk)


def _officers(case):
    """The owner choices: who may own the case, plus its current owner (so saving keeps them)."""
    officers = list(case_owner_candidates(case))
    if case.owner_id and all(o.pk != case.owner_id for o in officers):
        officers.insert(0, case.owner)
    return officers


def _detail(
    request, case, *, status=200, move_errors=None, activity_errors=None, next_errors=None, meeting_errors=None
):
    staff = is_liaison(request.user)
    manages = can_manage_case(request.user, case)
    context = {
        "case": case,
        "activities": case.activities.select_related("actor", "document"),
        "documents": case.documents.select_related("uploaded_by"),
        "targets": services.allowed_target_stages(request.user, case),
        "can_log_activity": can_log_case_activity(request.user, case),
        "can_manage": manages,
        # Liaison staff of other regions read the case; the page says why there is nothing to do.
        "read_only_region": case_region_name(case) if staff and not manages else "",
        "activity_kinds": [
            k for k in CaseActivity.Kind if k not in (CaseActivity.Kind.STAGE, CaseActivity.Kind.MEETING)
        ],
        "default_target": services.default_target_stage(case),
        "origin_text": origin_text(case),
        "contacts": case_contacts(case) if may_see_case_contacts(request.user, case) else [],
        "links": case_links(request.user, case),
        "bid": case_bid(request.user, case),
        "meetings": case_meetings(case),
        "meeting_modes": services.MEETING_MODES,
        "suggestion": services.suggested_next_action(case.stage),
        "is_staff_view": staff,
        "audit_entries": entries_for(case)[:100] if staff else [],
        "regions": Region.objects.filter(
            level__in=[Region.Level.CITY, Region.Level.DISTRICT], full_name__startswith="山东省"
        )
        if manages
        else [],
        "officers": _officers(case) if manages else [],
        "move_errors": move_errors or {},
        "activity_errors": activity_errors or {},
        "next_errors": next_errors or {},
        "meeting_errors": meeting_errors or {},
        "form": request.POST if request.method == "POST" else {},
        "today": timezone.localdate(),
    }
    return render(request, "followups/case_detail.html", context, status=status)


@login_required
def case_detail(request, pk):
    return _detail(request, _get_case(request, pk))


MOVE_FIELDS = (
    "contract_amount_wan",
    "signed_on",
    "investment_amount_wan",
    "landed_location",
    "landed_on",
    "termination_reason",
)


@login_required
@require_POST
def case_move(request, pk):
    case = _get_case(request, pk)
    fields = {name: request.POST.get(name, "") for name in MOVE_FIELDS}
    if request.FILES.get("document"):
        fields["document"] = request.FILES["document"]
    if request.POST.get("next_action") or request.POST.get("next_action_at"):
        fields["next_action"] = request.POST.get("next_action", "")
        fields["next_action_at"] = request.POST.get("next_action_at", "")
    try:
        case = services.case_move(
            case=case,
            to_stage=request.POST.get("to_stage", ""),
            actor=request.user,
            note=request.POST.get("note", ""),
            **fields,
        )
    except ValidationError as exc:
        messages.error(request, "阶段未变更：请按提示补充信息。")
        return _detail(request, case, status=400, move_errors=exc.message_dict)
    messages.success(request, f"项目已进入「{case.get_stage_display()}」阶段。")
    return redirect("followups:case_detail", pk=case.pk)


@login_required
@require_POST
def case_activity(request, pk):
    case = _get_case(request, pk)
    try:
        services.case_log_activity(
            case=case,
            actor=request.user,
            kind=request.POST.get("kind", ""),
            text=request.POST.get("text", ""),
            file=request.FILES.get("file"),
        )
    except ValidationError as exc:
        messages.error(request, "跟进记录未保存：请按提示修改。")
        return _detail(request, case, status=400, activity_errors=exc.message_dict)
    messages.success(request, "已添加跟进记录。")
    return redirect("followups:case_detail", pk=case.pk)


@login_required
@require_POST
def case_next_action(request, pk):
    case = _get_case(request, pk)
    try:
        with transaction.atomic():  # next action and owner are saved together or not at all
            services.case_set_next_action(
                case=case,
                actor=request.user,
                next_action=request.POST.get("next_action", ""),
                next_action_at=request.POST.get("next_action_at", ""),
            )
            owner_id = request.POST.get("owner")
            if owner_id is not None and str(case.owner_id or "") != owner_id:
                owner = User.objects.filter(pk=owner_id).first() if owner_id.isdigit() else None
                if owner_id and owner is None:
                    raise ValidationError({"owner": "所选负责人不存在。"})
                services.case_assign(case=case, actor=request.user, owner=owner)
    except ValidationError as exc:
        messages.error(request, "下一步未保存：请按提示修改。")
        return _detail(request, case, status=400, next_errors=exc.message_dict)
    messages.success(request, "已更新下一步工作。")
    return redirect("followups:case_detail", pk=case.pk)


@login_required
@require_POST
def case_meeting(request, pk):
    case = _get_case(request, pk)
    try:
        services.case_schedule_meeting(
            case=case,
            actor=request.user,
            date=request.POST.get("date", ""),
            time=request.POST.get("time", ""),
            mode=request.POST.get("mode", ""),
            place=request.POST.get("place", ""),
            note=request.POST.get("note", ""),
        )
    except ValidationError as exc:
        messages.error(request, "洽谈未安排：请按提示修改。")
        return _detail(request, case, status=400, meeting_errors=exc.message_dict)
    messages.success(request, "已安排洽谈，并更新了下一步工作。")
    return redirect("followups:case_detail", pk=case.pk)


@login_required
def case_document(request, pk):
    document = get_object_or_404(CaseDocument.objects.select_related("case"), pk=pk)
    if not cases_visible_to(request.user).filter(pk=document.case_id).exists():
        raise Http404
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=document.file.name.rsplit("/", 1)[-1])
