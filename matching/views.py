"""HTML pages: a demand's 推荐供给 tab, a supply's 可对接需求 tab, the liaison queue, feedback.

Who may read what is decided in matching.selectors; a page someone may not read is a 404. The
tabs show TAB_ROWS rows and a 显示更多 link (htmx appends the next rows; without JS the link
reloads the page with more rows).
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.selectors import is_liaison, user_acts_for_region, user_org_ids
from catalog.models import IndustryChain
from catalog.selectors import demands_visible_to, supplies_visible_to
from matching import reasons, selectors, services
from matching.models import MatchFeedback

TAB_ROWS = 10
QUEUE_ROWS = 20
MAX_PAGE = 1000


def _demand_or_404(user, pk):
    demand = get_object_or_404(demands_visible_to(user), pk=pk)
    if not selectors.can_view_demand_matches(user, demand):
        raise Http404(_("需求不存在或无权查看其推荐供给。"))
    return demand


def _safe_next(request, fallback):
    """The POSTed `next` if it points into this site, else `fallback` (no open redirect)."""
    url = request.POST.get("next", "")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return fallback


def _int(raw, default=None, *, low=1, high=2**62):
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return default
    return value if low <= value <= high else default


def _error_text(exc):
    if hasattr(exc, "message_dict"):
        return "；".join(m for msgs in exc.message_dict.values() for m in msgs)
    return "；".join(exc.messages)


def _tab(request, qs, *, viewer, template, context):
    """Render a tab: rows 1..page×TAB_ROWS (full page) or only page `page`'s rows (htmx 显示更多)."""
    page = _int(request.GET.get("page"), 1, high=MAX_PAGE)
    partial = bool(request.headers.get("HX-Request"))
    start = (page - 1) * TAB_ROWS if partial else 0
    rows = list(qs[start : page * TAB_ROWS + 1])
    has_more = len(rows) > page * TAB_ROWS - start
    rows = reasons.attach(rows[: page * TAB_ROWS - start], viewer)
    context = {
        **context,
        "matches": rows,
        "has_more": has_more,
        "next_page": page + 1,
        "first_number": start + 1,
        "shown": start + len(rows),
        "row_template": template.replace(".html", "_row.html").replace("matching/", "matching/_"),
    }
    if partial:
        return render(request, "matching/_match_rows.html", context)
    return render(request, template, context)


def demand_matches(request, pk):
    demand = _demand_or_404(request.user, pk)
    can_feedback = selectors.can_give_feedback(request.user, demand)
    viewer = "demand" if demand.organization_id in user_org_ids(request.user) else "staff"
    hidden = list(selectors.hidden_for_demand(request.user, demand)) if not request.headers.get("HX-Request") else []
    return _tab(
        request,
        selectors.matches_for_demand(request.user, demand),
        viewer=viewer,
        template="matching/demand_matches.html",
        context={
            "demand": demand,
            "verdicts": MatchFeedback.Verdict.choices,
            "can_feedback": can_feedback,
            "hidden": hidden,
            "more_url": reverse("matching:demand_matches", args=[demand.pk]),
        },
    )


def supply_matches(request, pk):
    supply = get_object_or_404(supplies_visible_to(request.user), pk=pk)
    if not selectors.can_view_supply_matches(request.user, supply):
        raise Http404(_("供给不存在或无权查看其可对接需求。"))
    viewer = "supply" if supply.organization_id in user_org_ids(request.user) else "staff"
    return _tab(
        request,
        selectors.matches_for_supply(request.user, supply),
        viewer=viewer,
        template="matching/supply_matches.html",
        context={"supply": supply, "more_url": reverse("matching:supply_matches", args=[supply.pk])},
    )


# --- liaison queue -----------------------------------------------------------------------------------


def _queue_filters(request, regions):
    region_ids = {r.pk for r in regions}
    region = _int(request.GET.get("region"))
    band = request.GET.get("band", "")
    return {
        "chain_id": _int(request.GET.get("chain")),
        "region_id": region if region in region_ids else None,
        "band": band if band in selectors.QUEUE_BANDS else None,
        "unhandled": request.GET.get("unhandled") == "1",
    }


@login_required
def liaison_queue(request):
    if not is_liaison(request.user):
        raise PermissionDenied(_("仅对接专员可以查看新匹配待跟进队列。"))
    regions = list(selectors.queue_regions(request.user))
    filters = _queue_filters(request, regions)
    qs = selectors.liaison_queue(request.user, **filters)
    page = Paginator(qs, QUEUE_ROWS).get_page(request.GET.get("page"))
    rows = reasons.attach(list(page.object_list), "staff")
    staff = selectors.colleagues_by_region([m.demand.region for m in rows])
    for match in rows:
        match.colleagues = staff.get(match.demand.region_id, [])
        match.can_act = user_acts_for_region(request.user, match.demand.region_id)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "matching/liaison_queue.html",
        {
            "page": page,
            "matches": rows,
            "query": query.urlencode(),
            "filters": filters,
            "chains": IndustryChain.objects.filter(parent__isnull=True).order_by("sort_order", "name"),
            "regions": regions,
            # Only the bands the queue can hold (it starts at the recommend bar).
            "bands": [
                word
                for _floor, word in reasons.BANDS
                if (reasons.band_range(word)[1] or 101) > settings.MATCHING_RECOMMEND_THRESHOLD
            ],
            "verdicts": MatchFeedback.Verdict.choices,
        },
    )


@login_required
@require_POST
def queue_case(request, demand_pk, supply_pk):
    """转为对接项目 (action=open) or 指派 (action=assign, owner=<id>) for one pair of the queue."""
    if not is_liaison(request.user):
        raise PermissionDenied(_("仅对接专员可以把匹配转为对接项目。"))
    demand = get_object_or_404(demands_visible_to(request.user).select_related("region"), pk=demand_pk)
    supply = get_object_or_404(supplies_visible_to(request.user).select_related("organization"), pk=supply_pk)
    back = _safe_next(request, reverse("matching:liaison_queue"))
    owner = None
    if request.POST.get("action") == "assign":
        owner = User.objects.filter(pk=_int(request.POST.get("owner"), 0)).first()
        if owner is None:
            messages.error(request, _("请选择要指派的对接专员。"))
            return redirect(back)
    existing = selectors.case_for_pair(demand, supply)
    if existing is not None and owner is None:
        # A second 转为对接项目 (e.g. from a stale page): the case is there, open it.
        messages.info(request, _("该匹配已有对接项目，已为您打开。"))
        return redirect("followups:case_detail", pk=existing.pk)
    try:
        case, created = services.match_case_open(demand=demand, supply=supply, user=request.user, owner=owner)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("无权操作该匹配。"))
        return redirect(back)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect(back)
    if owner is not None:
        name = owner.get_full_name() or owner.username
        messages.success(
            request, _("已指派给 %(name)s：对接项目「%(title)s」。") % {"name": name, "title": demand.title}
        )
    elif created:
        messages.success(request, _("已转为对接项目：「%(d)s」←「%(s)s」。") % {"d": demand.title, "s": supply.title})
    return redirect(back)


# --- feedback ------------------------------------------------------------------------------------


def _useful_text(feedback):
    before, after = getattr(feedback, "place_before", None), getattr(feedback, "place_after", None)
    if before is None:
        return _("已标记有价值：同类供给的排序会参考这一反馈（列表稍后更新）。")
    if after < before:
        return _(
            "已标记有价值：该供给从第 %(b)s 位升至第 %(a)s 位；同类供给的排序也会参考这一反馈（列表稍后更新）。"
        ) % {"b": before, "a": after}
    return _("已标记有价值：该供给保持第 %(b)s 位；同类供给的排序也会参考这一反馈（列表稍后更新）。") % {"b": before}


@login_required
@require_POST
def match_feedback(request, demand_pk, supply_pk):
    # The demand itself may be public; who may judge its matches is the service's 403.
    demand = get_object_or_404(demands_visible_to(request.user), pk=demand_pk)
    supply = get_object_or_404(supplies_visible_to(request.user), pk=supply_pk)
    back = _safe_next(request, reverse("matching:demand_matches", args=[demand.pk]))
    verdict = request.POST.get("verdict", "")
    try:
        feedback = services.feedback_record(demand=demand, supply=supply, user=request.user, verdict=verdict)
    except ValidationError as exc:
        message = _error_text(exc)
        if request.headers.get("HX-Request"):
            return render(request, "matching/_feedback_result.html", {"error": message}, status=400)
        messages.error(request, message)
        return redirect(back)
    if feedback.verdict == MatchFeedback.Verdict.USEFUL:
        text = _useful_text(feedback)
    elif feedback.verdict == MatchFeedback.Verdict.IRRELEVANT:
        text = _("已标记为「不相关」：该供给不会再出现在推荐列表中，已移到下方「已隐藏」，可以撤销。")
    else:
        text = _("已标记为「%(v)s」。") % {"v": feedback.get_verdict_display()}
    if request.headers.get("HX-Request"):
        return render(request, "matching/_feedback_result.html", {"feedback": feedback, "message": text})
    messages.success(request, text)
    return redirect(back)


@login_required
@require_POST
def feedback_undo(request, demand_pk, supply_pk):
    """撤销 a verdict (the 已隐藏 list): same people as may give feedback."""
    demand = get_object_or_404(demands_visible_to(request.user), pk=demand_pk)
    if not (selectors.can_give_feedback(request.user, demand) or is_liaison(request.user)):
        # Outsiders learn nothing about the demand side's verdicts.
        raise Http404(_("没有可撤销的反馈。"))
    supply = get_object_or_404(supplies_visible_to(request.user), pk=supply_pk)
    back = _safe_next(request, reverse("matching:demand_matches", args=[demand.pk]))
    try:
        verdict = services.feedback_remove(demand=demand, supply=supply, user=request.user)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect(back)
    label = MatchFeedback.Verdict(verdict).label
    if verdict == MatchFeedback.Verdict.IRRELEVANT:
        text = _("已撤销「不相关」：「%(s)s」重新出现在推荐列表中。") % {"s": supply.title}
    else:
        text = _("已撤销「%(v)s」：「%(s)s」的排序恢复为模型排序（列表稍后更新）。") % {"v": label, "s": supply.title}
    messages.success(request, text)
    return redirect(back)
