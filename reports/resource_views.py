"""Pages of the resource directories, the 产业链图谱 (panorama → 环节 → candidates → actions) and
the 四评价 indicator systems. Reads are public (contacts hidden unless public or staff/owner);
writes go through reports.services, events.services and followups.services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import Organization
from accounts.selectors import is_liaison, is_platform_admin, user_acts_for_region
from catalog.models import IndustryChain
from catalog.selectors import published_demands
from events.models import Event, Invitation
from events.selectors import events_managed_by
from events.services import invitation_send
from followups.models import Case
from followups.services import case_open
from reports import chains as chain_maps
from reports import evaluations, selectors, services
from reports.directories import DIRECTORIES, get_directory
from reports.forms import ImportForm, ReviewForm, WeightsForm, directory_form_class
from reports.models import WeightSet
from reports.xlsx import xlsx_response

PAGE_SIZE = 200


def _directory_or_404(kind):
    directory = get_directory(kind)
    if directory is None:
        raise Http404
    return directory


def _chain_param(request):
    raw = request.GET.get("chain", "")
    return int(raw) if raw.isdigit() else None


def _rows(directory, items):
    return [[accessor(item) for _, accessor in directory.list_fields] for item in items]


def directory_list(request, kind):
    directory = _directory_or_404(kind)
    chain_id, q = _chain_param(request), request.GET.get("q", "").strip()[:50]
    qs = selectors.directory_items(directory, chain_id=chain_id, q=q)
    items = list(qs[:PAGE_SIZE])
    total = len(items) if len(items) < PAGE_SIZE else qs.count()
    chain = IndustryChain.objects.filter(pk=chain_id).first() if chain_id else None
    return render(
        request,
        "reports/directory_list.html",
        {
            "directory": directory,
            "directories": DIRECTORIES,
            "headers": [h for h, _ in directory.list_fields],
            "rows": list(zip(items, _rows(directory, items), strict=True)),
            "chain": chain,
            "q": q,
            "chains": IndustryChain.objects.select_related("parent").order_by("sort_order", "name"),
            "can_create": selectors.can_create(request.user, directory),
            "total": total,
            "page_size": PAGE_SIZE,
            "query": request.GET.urlencode(),
        },
    )


def directory_export(request, kind):
    """The rows the list shows (same filters), as .xlsx."""
    directory = _directory_or_404(kind)
    items = selectors.directory_items(
        directory, chain_id=_chain_param(request), q=request.GET.get("q", "").strip()[:50]
    )
    items = list(items[:PAGE_SIZE])
    header = [h for h, _ in directory.list_fields]
    return xlsx_response(
        f"{directory.verbose}_{timezone.localdate():%Y%m%d}.xlsx",
        [(directory.verbose, header, _rows(directory, items))],
    )


def directory_template(request, kind):
    directory = _directory_or_404(kind)
    header = [c.header + ("（必填）" if c.required else "") for c in directory.columns]
    header = [c.header for c in directory.columns]
    notes = [
        [c.header, "必填" if c.required else "选填", "、".join(label for _, label in c.choices) or c.example]
        for c in directory.columns
    ]
    return xlsx_response(
        f"{directory.verbose}导入模板.xlsx",
        [
            (directory.verbose, header, [[c.example for c in directory.columns]]),
            ("填写说明", ["列名", "是否必填", "可选值或示例"], notes),
        ],
    )


def directory_detail(request, kind, pk):
    directory = _directory_or_404(kind)
    item = get_object_or_404(selectors.directory_items(directory), pk=pk)
    fields = []
    for column in directory.columns:
        if column.field in ("contact_name", "contact_phone", "contact_email", "is_contact_public"):
            continue
        value = getattr(item, column.field)
        if column.parse == "chains":
            value = "、".join(c.name for c in value.all()) or "不限"
        elif column.parse == "choices":
            labels = dict(column.choices)
            value = "、".join(str(labels.get(v, v)) for v in value) or "不限"
        elif column.parse == "choice":
            value = getattr(item, f"get_{column.field}_display")()
        elif column.parse == "date":
            value = f"{value:%Y年%m月%d日}" if value else ""
        elif column.parse == "org":
            value = value.name if value else ""
        elif hasattr(value, "full_name"):
            value = value.full_name
        fields.append((column.header, "" if value is None else value))
    return render(
        request,
        "reports/directory_detail.html",
        {
            "directory": directory,
            "directories": DIRECTORIES,
            "item": item,
            "fields": fields,
            "can_edit": selectors.can_edit(request.user, directory, item),
            "show_contacts": selectors.can_view_contacts(request.user, directory, item),
        },
    )


@login_required
def directory_edit(request, kind, pk=None):
    directory = _directory_or_404(kind)
    instance = get_object_or_404(directory.model, pk=pk) if pk else None
    allowed = (
        selectors.can_edit(request.user, directory, instance)
        if instance
        else selectors.can_create(request.user, directory)
    )
    if not allowed:
        raise Http404
    form_class = directory_form_class(directory)
    show_org = is_platform_admin(request.user) or (not directory.org_owned and is_liaison(request.user))
    form = form_class(request.POST or None, instance=instance, show_organization=show_org)
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in form.fields}
        try:
            item = services.directory_save(
                directory=directory,
                actor=request.user,
                values=values,
                instance=directory.model.objects.get(pk=pk) if pk else None,
            )
        except ValidationError as exc:
            for field, errors in getattr(exc, "message_dict", {"__all__": exc.messages}).items():
                form.add_error(field if field in form.fields else None, errors)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "已保存。")
            return redirect("reports:directory_detail", kind=kind, pk=item.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "reports/directory_form.html",
        {"form": form, "directory": directory, "instance": instance, "title": directory.verbose},
        status=status,
    )


@login_required
def directory_import(request, kind):
    directory = _directory_or_404(kind)
    if not selectors.can_create(request.user, directory):
        raise Http404
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        result = services.directory_import(
            directory=directory, actor=request.user, fileobj=upload, filename=upload.name
        )
        if result.ok:
            messages.success(request, f"已导入 {result.created} 条{directory.label}记录。")
            return redirect("reports:directory_list", kind=kind)
    return render(
        request,
        "reports/directory_import.html",
        {"form": form, "directory": directory, "result": result},
        status=400 if result is not None and not result.ok else 200,
    )


# --- 产业链图谱 ------------------------------------------------------------------------------------


def chain_overview(request):
    return render(
        request,
        "reports/chain_overview.html",
        {"chains": chain_maps.overview(), "directories": DIRECTORIES, "is_staff_view": is_liaison(request.user)},
    )


def chain_detail(request, pk):
    chain = get_object_or_404(IndustryChain, pk=pk, parent__isnull=True)
    data = chain_maps.panorama(chain)
    tree = chain_maps.tree_data(data, lambda s: reverse("reports:segment_detail", args=[s.pk]))
    return render(
        request,
        "reports/chain_detail.html",
        {"data": data, "tree": tree, "chain": chain, "is_staff_view": is_liaison(request.user)},
    )


def _upcoming_events(user):
    """Upcoming events the user may invite into (events.selectors decides who manages an event)."""
    return (
        events_managed_by(user)
        .filter(date__gte=timezone.localdate())
        .exclude(status=Event.Status.CANCELLED)
        .order_by("date")
    )


def _may_act_on_segment(user, demands, organization=None):
    """Staff act on a 环节 for the regions they cover: one of its demands' regions or the candidate's."""
    if is_platform_admin(user):
        return True
    regions = {d.region_id for d in demands}
    if organization is not None:
        regions.add(organization.region_id)
    return any(user_acts_for_region(user, r) for r in regions)


def segment_detail(request, pk):
    segment = get_object_or_404(IndustryChain.objects.select_related("parent"), pk=pk, parent__isnull=False)
    demands = chain_maps.segment_demands(segment)
    counts = chain_maps.chain_counts({segment.pk})
    row = chain_maps._segment_row(segment, counts)
    ranked = chain_maps.candidates(segment, demands=demands)
    threshold = chain_maps.threshold()
    for d in demands:
        d.is_covered = d.best_score is not None and d.best_score >= threshold
    selected = None
    demand_id = request.GET.get("demand", "")
    if demand_id.isdigit():
        selected = next((d for d in demands if d.pk == int(demand_id)), None)
    if selected is None:
        selected = next((d for d in demands if not d.is_covered), demands[0] if demands else None)
    policies = []
    if selected is not None:
        selected = (
            published_demands().select_related("region__parent__parent", "organization", "chain").get(pk=selected.pk)
        )
        policies = chain_maps.policies_for(selected)
    staff = is_liaison(request.user)
    events = list(_upcoming_events(request.user)[:20]) if staff else []
    invited = {}
    if events:
        org_ids = [c["organization"].pk for c in ranked if c["organization"]]
        for inv in Invitation.objects.filter(event__in=events, organization_id__in=org_ids).select_related("event"):
            invited.setdefault(inv.organization_id, []).append(inv.event.name)
    for c in ranked:
        c["invited_to"] = invited.get(c["organization"].pk, []) if c["organization"] else []
    return render(
        request,
        "reports/segment_detail.html",
        {
            "segment": segment,
            "row": row,
            "demands": demands,
            "candidates": ranked,
            "selected": selected,
            "policies": policies,
            "events": events,
            "can_act": staff and _may_act_on_segment(request.user, demands),
            "is_staff_view": staff,
            "directories": DIRECTORIES,
        },
    )


@login_required
@require_POST
def segment_invite(request, pk):
    """Invite the organisations of the ticked candidates to an upcoming 对接会 (精准邀约)."""
    segment = get_object_or_404(IndustryChain, pk=pk, parent__isnull=False)
    if not is_liaison(request.user):
        raise Http404
    event = get_object_or_404(_upcoming_events(request.user), pk=request.POST.get("event") or 0)
    demands = chain_maps.segment_demands(segment)
    org_ids = [int(v) for v in request.POST.getlist("organization") if v.isdigit()]
    if not org_ids:
        messages.error(request, "请先勾选要邀请的候选单位。")
        return redirect("reports:segment_detail", pk=pk)
    by_pk = {c["organization"].pk: c for c in chain_maps.candidates(segment, demands=demands, limit=200)}
    invited, problems = [], []
    for org in Organization.objects.filter(pk__in=org_ids).order_by("name"):
        if not _may_act_on_segment(request.user, demands, org):
            problems.append(f"「{org.name}」：您不负责该环节需求所在地区或该单位所在地区，不能代为邀请。")
            continue
        candidate = by_pk.get(org.pk)
        try:
            invitation_send(
                event=event,
                organization=org,
                actor=request.user,
                proposed_score=candidate["score"] if candidate else None,
                reasons=candidate["reasons"] if candidate else [f"补链环节「{segment.name}」候选"],
            )
        except (ValidationError, PermissionDenied) as exc:
            problems.append(" ".join(getattr(exc, "messages", [str(exc)])))
        else:
            invited.append(org.name)
    if invited:
        messages.success(request, f"已邀请 {'、'.join(invited)} 参加「{event.name}」。")
    for text in problems:
        messages.error(request, text)
    return redirect("reports:segment_detail", pk=pk)


@login_required
@require_POST
def segment_case(request, pk):
    """Open a 对接项目 between a demand of this 环节 and a candidate's organisation."""
    segment = get_object_or_404(IndustryChain, pk=pk, parent__isnull=False)
    if not is_liaison(request.user):
        raise Http404
    demand = get_object_or_404(published_demands().filter(chain=segment), pk=request.POST.get("demand") or 0)
    org = get_object_or_404(Organization, pk=request.POST.get("organization") or 0)
    if not user_acts_for_region(request.user, demand.region_id):
        messages.error(request, "您不负责该需求所在地区，不能为其建立对接项目。")
        return redirect(f"{reverse('reports:segment_detail', args=[pk])}?demand={demand.pk}")
    try:
        case, created = case_open(
            demand=demand,
            supply_org=org,
            origin=Case.Origin.MANUAL,
            origin_ref=f"补链：{segment.name}",
            actor=request.user,
        )
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.success(request, f"已建立对接项目：{demand.title} × {org.name}。" if created else "该对接项目已存在。")
    return redirect(f"{reverse('reports:segment_detail', args=[pk])}?demand={demand.pk}")


# --- 四评价 ----------------------------------------------------------------------------------------

STAFF_EVALUATIONS = {"project"}


def _evaluation_kind(request, kind):
    if kind not in evaluations.INDICATORS or (kind in STAFF_EVALUATIONS and not is_liaison(request.user)):
        raise Http404


def _object_name(kind, obj):
    if kind == "project":
        return f"{obj.demand.title} × {obj.supply_org.name}"
    return str(obj)


def _radar(indicators, values, name):
    return {
        "kind": "radar",
        "indicators": [{"name": i.label, "max": 100} for i in indicators],
        "series": [{"name": name, "value": [values[i.key] for i in indicators]}],
    }


def evaluation_list(request, kind):
    _evaluation_kind(request, kind)
    chain_id = _chain_param(request)
    data = evaluations.ranked(kind, chain_id=chain_id)
    rows = data["rows"][:PAGE_SIZE]
    for r in rows:
        r["name"] = _object_name(kind, r["item"])
    staff = evaluations.can_manage(request.user)
    form = WeightsForm(indicators=data["indicators"], weights=data["weights"]) if staff else None
    total = sum(data["weights"].values()) or 1
    tree = [
        {"indicator": i, "weight": data["weights"][i.key], "share": round(100 * data["weights"][i.key] / total, 1)}
        for i in data["indicators"]
    ]
    top = rows[:5]
    chart = {
        "kind": "radar",
        "indicators": [{"name": i.label, "max": 100} for i in data["indicators"]],
        "series": [{"name": r["name"][:20], "value": [r["values"][i.key] for i in data["indicators"]]} for r in top],
    }
    return render(
        request,
        "reports/evaluation.html",
        {
            "kind": kind,
            "title": evaluations.LABELS[kind],
            "labels": evaluations.LABELS,
            "rows": rows,
            "tree": tree,
            "weight_set": data["weight_set"],
            "weight_history": list(
                WeightSet.objects.filter(kind=kind).select_related("created_by").order_by("-created_at", "-id")[:5]
            ),
            "indicator_labels": {i.key: i.label for i in data["indicators"]},
            "form": form,
            "chart": chart,
            "chains": IndustryChain.objects.filter(parent__isnull=True).order_by("sort_order"),
            "chain_id": chain_id,
            "is_staff_view": is_liaison(request.user),
            "staff_evaluations": STAFF_EVALUATIONS,
        },
    )


@login_required
@require_POST
def evaluation_weights(request, kind):
    _evaluation_kind(request, kind)
    if not evaluations.can_manage(request.user):
        raise Http404
    indicators = evaluations.INDICATORS[kind]
    form = WeightsForm(request.POST, indicators=indicators, weights=evaluations.current_weights(kind))
    if form.is_valid():
        try:
            services.weights_set(
                kind=kind,
                actor=request.user,
                weights={i.key: form.cleaned_data[f"w_{i.key}"] for i in indicators},
                note=form.cleaned_data["note"],
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, "权重已更新，排名已按新权重重新计算。")
    else:
        messages.error(request, "权重应为 0 到 100 之间的数字。")
    return redirect("reports:evaluation", kind=kind)


def evaluation_detail(request, kind, pk):
    _evaluation_kind(request, kind)
    objects = evaluations.objects_for(kind, pk=pk)
    if not objects:
        raise Http404
    weight_set = evaluations.current_weight_set(kind)
    weights = evaluations.current_weights(kind, weight_set)
    indicators = evaluations.INDICATORS[kind]
    staff = evaluations.can_manage(request.user)
    form = (
        ReviewForm(
            request.POST or None, indicators=[i for i in indicators if i.key in evaluations.review_indicator_keys(kind)]
        )
        if staff
        else None
    )
    if request.method == "POST":
        if not staff:
            raise Http404
        if form.is_valid():
            scores = {k[2:]: v for k, v in form.cleaned_data.items() if k.startswith("s_")}
            try:
                services.review_record(
                    kind=kind, object_id=pk, actor=request.user, scores=scores, note=form.cleaned_data["note"]
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(request, "评审打分已记录。")
                return redirect("reports:evaluation_detail", kind=kind, pk=pk)
    row = evaluations.evaluate(kind, objects, weights, evaluations.latest_reviews(kind, [pk]))[0]
    name = _object_name(kind, row["item"])
    history = evaluations.ReviewScore.objects.filter(kind=kind, object_id=pk).select_related("reviewer")[:50]
    labels = {i.key: i.label for i in indicators}
    return render(
        request,
        "reports/evaluation_detail.html",
        {
            "kind": kind,
            "title": evaluations.LABELS[kind],
            "name": name,
            "row": row,
            "items": [
                {
                    "indicator": i,
                    "value": row["values"][i.key],
                    "source": row["sources"][i.key],
                    "weight": weights[i.key],
                }
                for i in indicators
            ],
            "chart": _radar(indicators, row["values"], name[:20]),
            "form": form,
            "history": [(labels.get(h.indicator, h.indicator), h) for h in history],
            "is_staff_view": is_liaison(request.user),
        },
    )
