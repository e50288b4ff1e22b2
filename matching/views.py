"""HTML pages: a demand's 推荐供给 tab, a supply's 可对接需求 tab, the liaison queue, feedback."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.selectors import is_liaison
from catalog.selectors import demands_visible_to, supplies_visible_to
from matching import selectors, services
from matching.models import MatchFeedback

PAGE_ROWS = 50


def demand_matches(request, pk):
    demand = get_object_or_404(demands_visible_to(request.user), pk=pk)
    matches = list(selectors.matches_for_demand(request.user, demand)[:PAGE_ROWS])
    return render(
        request,
        "matching/demand_matches.html",
        {
            "demand": demand,
            "matches": matches,
            "verdicts": MatchFeedback.Verdict.choices,
            "can_feedback": selectors.user_can_give_feedback(request.user, demand),
        },
    )


def supply_matches(request, pk):
    supply = get_object_or_404(supplies_visible_to(request.user), pk=pk)
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
    demand = get_object_or_404(demands_visible_to(request.user), pk=demand_pk)
    supply = get_object_or_404(supplies_visible_to(request.user), pk=supply_pk)
    verdict = request.POST.get("verdict", "")
    try:
        feedback = services.feedback_record(demand=demand, supply=supply, user=request.user, verdict=verdict)
    except ValidationError as exc:
        message = "；".join(m for msgs in exc.message_dict.values() for m in msgs)
        if request.headers.get("HX-Request"):
            return render(request, "matching/_feedback_result.html", {"error": message}, status=400)
        messages.error(request, message)
        return redirect("matching:demand_matches", pk=demand.pk)
    text = _("已标记为「%(v)s」。") % {"v": feedback.get_verdict_display()}
    if feedback.verdict == MatchFeedback.Verdict.IRRELEVANT:
        text += _("该供给不会再出现在推荐列表中。")
    if request.headers.get("HX-Request"):
        return render(request, "matching/_feedback_result.html", {"feedback": feedback, "message": text})
    messages.success(request, text)
    return redirect(
        request.POST.get("next") if request.POST.get("next", "").startswith("/") else "matching:demand_matches",
        **({} if request.POST.get("next", "").startswith("/") else {"pk": demand.pk}),
    )
