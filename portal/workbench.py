"""The signed-in home page: one workbench per role, built from each app's own selectors.

- 园区/城市（需求方）: my lists, new recommendations for my demands, demands whose bids can now be
  read (deadline passed), events my lists take part in, my open cases.
- 企业/高校院所（供给方）: demands that match my supplies, my bids (待确认 first), invitations to answer,
  my open cases.
- 对接专员 / 平台管理员: today's follow-ups, new high-score pairs, stalled cases, organisations
  waiting for verification — for the regions they cover (admins: everywhere).

Every panel is a bounded query (a few rows and a count), so the page cost does not grow with the catalogue.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Case as SqlCase
from django.db.models import Count, Q, When
from django.utils import timezone

from accounts.selectors import (
    is_liaison,
    is_platform_admin,
    liaison_region_ids,
    organizations_awaiting_verification,
    user_org_ids,
)
from bidding.models import Bid
from bidding.selectors import last_closed_date, my_bids
from catalog.models import Demand, DemandList, Supply
from events.models import Event, Invitation
from followups.models import Case
from followups.selectors import cases_visible_to
from matching.selectors import liaison_queue, matches_visible_to

ROWS = 6


@dataclass
class Panel:
    key: str
    title: str
    rows: list
    count: int
    more_url: str = ""
    empty: str = "暂无"
    extra: dict = field(default_factory=dict)


def _open_cases(user, orgs=None):
    qs = cases_visible_to(user).exclude(stage__in=Case.CLOSED_STAGES)
    if orgs is not None:
        qs = qs.filter(Q(demand__organization_id__in=orgs) | Q(supply_org_id__in=orgs))
    return qs.order_by("next_action_at", "-updated_at")


def _panel(key, title, qs, *, more_url="", empty="暂无", rows=ROWS):
    items = list(qs[:rows])
    count = len(items) if len(items) < rows else qs.count()
    return Panel(key=key, title=title, rows=items, count=count, more_url=more_url, empty=empty)


def _demand_side(user, orgs):
    today = timezone.localdate()
    lists = (
        DemandList.objects.filter(organization_id__in=orgs)
        .annotate(demand_total=Count("demands"))
        .order_by("-created_at")
    )
    recent = timezone.now() - timezone.timedelta(days=14)
    new_matches = (
        matches_visible_to(user)
        .filter(
            demand__organization_id__in=orgs, score__gte=settings.MATCHING_RECOMMEND_THRESHOLD, computed_at__gte=recent
        )
        .order_by("-score", "demand_id")
    )
    # Bids are sealed until the day after the deadline: only then is a count shown (and only a count
    # of what the owner may now read).
    unsealed = (
        Demand.objects.filter(organization_id__in=orgs, deadline__lt=last_closed_date())
        .exclude(status=Demand.Status.CLOSED)
        .annotate(bid_total=Count("bids", filter=~Q(bids__status=Bid.Status.WITHDRAWN)))
        .filter(bid_total__gt=0)
        .order_by("-deadline")
    )
    events = (
        Event.objects.filter(demand_lists__organization_id__in=orgs, date__gte=today)
        .exclude(status=Event.Status.CANCELLED)
        .distinct()
        .order_by("date")
    )
    return [
        _panel(
            "lists",
            "我的需求清单",
            lists,
            more_url="accounts:my_org",
            empty="还没有需求清单，可以新建或用 Excel 批量导入。",
        ),
        _panel("matches", "新推荐的供给（近 14 天）", new_matches, empty="近期没有新的高分推荐。"),
        _panel("bids", "已截止、可查看意向书的需求", unsealed, empty="暂无已截止并收到意向书的需求。"),
        _panel("events", "我参加的对接会", events, more_url="events:event_list", empty="暂无即将召开的对接会。"),
        _panel(
            "cases",
            "我的对接项目",
            _open_cases(user, orgs),
            more_url="followups:case_list",
            empty="暂无进行中的对接项目。",
        ),
    ]


def _supply_side(user, orgs):
    today = timezone.localdate()
    matched = (
        matches_visible_to(user)
        .filter(supply__organization_id__in=orgs, score__gte=settings.MATCHING_RECOMMEND_THRESHOLD)
        .filter(demand__status=Demand.Status.COLLECTING, supply__status=Supply.Status.ACTIVE)
        .order_by("-score", "demand_id")
    )
    # 待确认 first: the bidder has something to do there.
    bids = my_bids(user).order_by(
        SqlCase(When(status=Bid.Status.PENDING_CONFIRMATION, then=0), default=1), "-submitted_at"
    )
    invitations = (
        Invitation.objects.filter(organization_id__in=orgs, status=Invitation.Status.PENDING, event__date__gte=today)
        .exclude(event__status=Event.Status.CANCELLED)
        .select_related("event")
        .order_by("event__date")
    )
    return [
        _panel(
            "matched",
            "与我的供给匹配的需求",
            matched,
            more_url="catalog:demand_list",
            empty="暂无高分匹配的征集中需求。",
        ),
        _panel("mybids", "我的意向书", bids, more_url="bidding:my_bids", empty="还没有提交意向书。"),
        _panel(
            "invitations", "待回复的对接会邀请", invitations, more_url="events:event_list", empty="暂无待回复的邀请。"
        ),
        _panel(
            "cases",
            "我的对接项目",
            _open_cases(user, orgs),
            more_url="followups:case_list",
            empty="暂无进行中的对接项目。",
        ),
    ]


def _staff(user):
    today = timezone.localdate()
    cases = _open_cases(user)
    if not is_platform_admin(user):
        cases = cases.filter(Q(demand__region_id__in=liaison_region_ids(user)) | Q(owner=user))
    due = cases.filter(next_action_at__lte=today).order_by("next_action_at")
    stale = cases.filter(is_stale=True).order_by("last_activity_at")
    queue = liaison_queue(user).order_by("-score", "demand_id")
    return [
        _panel("due", "今日待跟进", due, more_url="followups:case_board", empty="今天没有到期的跟进事项。"),
        _panel("queue", "新的高分匹配", queue, more_url="matching:liaison_queue", empty="近期没有新的高分匹配。"),
        _panel("stale", "超过 30 天无进展的项目", stale, more_url="followups:case_board", empty="没有停滞的项目。"),
        _panel(
            "verify",
            "待认证的单位",
            organizations_awaiting_verification(),
            more_url="accounts:verification_queue",
            empty="没有待认证的单位。",
        ),
    ]


def workbench_for(user, membership):
    """(role title, panels) for the signed-in user."""
    if is_liaison(user):
        return ("对接专员工作台" if not is_platform_admin(user) else "平台管理工作台"), _staff(user)
    orgs = user_org_ids(user)
    if not orgs or membership is None:
        return "我的工作台", []
    if membership.organization.is_demand_side:
        return "需求方工作台", _demand_side(user, orgs)
    return "供给方工作台", _supply_side(user, orgs)
