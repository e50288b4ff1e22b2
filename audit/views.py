"""Staff-only page: the audit trail, globally or for one object, with filters."""

import datetime

from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import render

from accounts.selectors import is_liaison
from audit.models import AuditEntry
from audit.selectors import entries_all


@login_required
def entry_list(request):
    if not is_liaison(request.user):
        raise Http404
    filters = {k: request.GET.get(k, "").strip() for k in ("model", "object_id", "actor", "action", "since", "until")}
    qs = entries_all()
    errors = []
    if filters["model"]:
        app_label, _, model = filters["model"].partition(".")
        qs = qs.filter(content_type__app_label=app_label, content_type__model=model)
    if filters["object_id"]:
        qs = qs.filter(object_id=filters["object_id"])
    if filters["actor"]:
        qs = qs.filter(Q(actor_repr__icontains=filters["actor"]) | Q(actor__username=filters["actor"]))
    if filters["action"]:
        qs = qs.filter(action=filters["action"])
    for key, lookup in (("since", "created_at__date__gte"), ("until", "created_at__date__lte")):
        if filters[key]:
            try:
                qs = qs.filter(**{lookup: datetime.date.fromisoformat(filters[key])})
            except ValueError:
                errors.append(f"日期「{filters[key]}」格式不正确，应为 YYYY-MM-DD，已忽略。")
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    content_types = ContentType.objects.filter(
        pk__in=AuditEntry.objects.order_by().values("content_type").distinct()
    ).order_by("app_label", "model")
    return render(
        request,
        "audit/entry_list.html",
        {
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "content_types": content_types,
            "filter_errors": errors,
        },
    )
