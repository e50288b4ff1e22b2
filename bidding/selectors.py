"""Who may see which bids, and when a demand's bidding is open.

Sealing rules (意向书默认密封):

| who                               | before the deadline            | after the deadline        |
|-----------------------------------|--------------------------------|---------------------------|
| member of a bidding organisation  | its own bids only              | its own bids only         |
| member of the demand's owner org  | nothing (unless 公开报价)        | every non-withdrawn bid   |
| liaison staff / platform admin    | every bid                      | every bid                 |
| anyone else                       | nothing                        | nothing                   |

The deadline is the 截止日期 inclusive: bids are accepted until 23:59:59 Asia/Shanghai that day.
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from accounts.selectors import is_liaison, user_org_ids
from bidding.models import Bid
from catalog.models import Demand, DemandList
from catalog.selectors import can_edit


def local_tz():
    return ZoneInfo(settings.TIME_ZONE)


def now():
    """Server time; the single clock every deadline decision reads (tests place it with time-machine)."""
    return timezone.now()


def deadline_end(demand):
    """The first instant after the deadline day (aware), or None when the demand has no 截止日期."""
    if demand.deadline is None:
        return None
    return datetime.datetime.combine(demand.deadline + datetime.timedelta(days=1), datetime.time.min, tzinfo=local_tz())


def is_past_deadline(demand, at=None):
    end = deadline_end(demand)
    return end is not None and (at or now()) >= end


def last_closed_date(at=None):
    """Demands whose deadline is before this local date have closed."""
    return timezone.localtime(at or now(), local_tz()).date()


def is_demand_open_for_bids(demand, at=None):
    return (
        demand.status == Demand.Status.COLLECTING
        and demand.demand_list.status != DemandList.Status.DRAFT
        and demand.organization.is_verified
        and demand.deadline is not None
        and not is_past_deadline(demand, at)
    )


def bid_blocker(user, demand, at=None):
    """Why `user` cannot submit a new bid on `demand` now (a Chinese sentence), or None."""
    from accounts.selectors import user_active_membership

    if not getattr(user, "is_authenticated", False):
        return "登录后可以单位名义提交意向书。"
    membership = user_active_membership(user)
    if membership is None:
        return "请先加入一个单位，再以单位名义提交意向书。"
    if membership.organization_id == demand.organization_id:
        return "不能对本单位发布的需求提交意向书。"
    if not membership.organization.is_verified:
        return "您所在的单位尚未通过认证，认证后才能提交意向书。"
    if demand.deadline is None:
        return "该需求未设置截止日期，暂不接受意向书，请联系发布单位。"
    if is_past_deadline(demand, at):
        return f"已超过截止日期（{demand.deadline:%Y-%m-%d} 23:59），不能再提交或修改意向书。"
    if not is_demand_open_for_bids(demand, at):
        return "该需求当前不在征集中，不能提交或修改意向书。"
    return None


def is_owner(user, demand):
    return demand.organization_id in user_org_ids(user)


def owner_may_read_bids(demand, at=None):
    return demand.is_open_bidding or is_past_deadline(demand, at)


def can_see_all_bids(user, demand, at=None):
    """Liaison staff always; the owner once the seal is off. Bidders never see others' bids."""
    if is_liaison(user):
        return True
    return is_owner(user, demand) and owner_may_read_bids(demand, at)


def can_decide(user, demand, at=None):
    """Shortlist/reject/accept: the owner (or a platform admin) once the deadline has passed."""
    return can_edit(user, demand) and is_past_deadline(demand, at)


def bids_visible_to(user):
    """Every bid `user` may read, across demands. Unknown and sealed bids are simply absent."""
    qs = Bid.objects.select_related("organization", "demand", "submitted_by")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    if is_liaison(user):
        return qs
    orgs = user_org_ids(user)
    unsealed = Q(demand__is_open_bidding=True) | Q(demand__deadline__lt=last_closed_date())
    return qs.filter(
        Q(organization_id__in=orgs) | (Q(demand__organization_id__in=orgs) & unsealed & ~Q(status=Bid.Status.WITHDRAWN))
    )


def bids_for_demand(user, demand):
    return bids_visible_to(user).filter(demand=demand)


def own_bid(user, demand):
    """The caller's organisation's active bid on the demand, if any."""
    orgs = user_org_ids(user)
    if not orgs:
        return None
    return (
        Bid.objects.filter(demand=demand, organization_id__in=orgs)
        .exclude(status=Bid.Status.WITHDRAWN)
        .prefetch_related("attachments")
        .first()
    )


def my_bids(user):
    """Bids of the user's organisations (including withdrawn ones), newest first."""
    return (
        Bid.objects.filter(organization_id__in=user_org_ids(user))
        .select_related("demand", "demand__organization", "organization")
        .prefetch_related("attachments")
        .order_by("-submitted_at")
    )
