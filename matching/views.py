"""HTML pages: a demand's 推荐供给 tab, a supply's 可对接需求 tab, the liaison queue, feedback.

Who may read what is decided in matching.selectors; a page someone may not read is a 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.selectors import is_liaison
from catalog.selectors import demands_visible_to, supplies_visible_to
from matching import selectors, services
from matching.models import MatchFeedback

PAGE_ROWS = 50


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


def demand_matches(request, pk):
    demand = _demand_or_404(request.user, pk)
    matches = list(selectors.matches_for_demand(request.user, demand)[:PAGE_ROWS])
    return render(
        request,
        "matching/demand_matches.html",
        {
            "demand": demand,
            "matches": matches,
            "verdicts": MatchFeedback.Verdict.choices,
            "can_feedback": selectors.can_give_feedback(request.user, demand),
        },
    )


def supply_matches(request, pk):
    supply = get_object_or_404(supplies_visible_to(request.user), pk=pk)
    if not selectors.can_view_supply_matches(request.user, supply):
        raise Http404(_("供给不存在或无权查看其可对接需求。"))
    matches = list(selectors.matches_for_supply(request.user, supply)[:PAGE_ROWS])
    return render(request, "matching/supply_matches.html", {"supply": supply, "matches": matches})


@login_required
def liaison_queue(request):
    if not is_liaison(request.user):
        raise PermissionDenied(_("仅对接专员可以查看新匹配待跟进队列。"))
    matches = list(selectors.liaison_queue(request.user)[:200])
    return render(
        request, "matching/liaison_queue.html", {"matches": matches, "verdicts": MatchFeedback.Verdict.choices}
    )


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
        message = "；".join(m for msgs in exc.message_dict.values() for m in msgs)
        if request.headers.get("HX-Request"):
            return render(request, "matching/_feedback_result.html", {"error": message}, status=400)
        messages.error(request, message)
        return redirect(back)
    text = _("已标记为「%(v)s」。") % {"v": feedback.get_verdict_display()}
    if feedback.verdict == MatchFeedback.Verdict.IRRELEVANT:
        text += _("该供给不会再出现在推荐列表中。")
    if request.headers.get("HX-Request"):
        return render(request, "matching/_feedback_result.html", {"feedback": feedback, "message": text})
    messages.success(request, text)
    return redirect(back)
