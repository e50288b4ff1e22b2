"""Who may learn about which bids, and when a demand's bidding is open: the one sealed-bid matrix.

Sealing is decided per bid. `Bid.is_sealed` records the demand's mode when the bid was submitted:
a bid sent under 密封报价 stays sealed until the deadline whatever later happens to the demand's
`is_open_bidding` flag; a bid sent under 公开报价 is readable early only while the demand is still
公开报价 (so flipping the flag either way never unseals anything).

| who                                          | sealed bid, before deadline | open bid, before deadline | after the deadline  |
|----------------------------------------------|-----------------------------|---------------------------|---------------------|
| member of the bidding organisation           | its own (withdrawn too)     | its own                   | its own             |
| member of the demand's owner org (any role)  | nothing                     | non-withdrawn bids        | non-withdrawn bids  |
| liaison covering the demand's region         | nothing                     | non-withdrawn bids        | non-withdrawn bids  |
| platform admin (covers every region)         | nothing                     | non-withdrawn bids        | non-withdrawn bids  |
| liaison of other regions, other org, anonym. | nothing                     | nothing                   | nothing             |

"Nothing" means nothing at all: not that a bid exists, how many there are, nor any price or content,
on any page, API (list, detail, filters, ordering, counts), export, attachment or notification. The
API answers 404 for a bid the caller may not know about, exactly like a bid that does not exist, and
pages look the same whether or not bids exist. Deciding (入围/未采纳/接受) is for members of the
owner organisation and platform admins, after the deadline only (`can_decide`).

The deadline is the 截止日期 inclusive: bids are accepted until 23:59:59 Asia/Shanghai that day.
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from accounts.models import Organization
from accounts.selectors import (
    is_liaison,
    is_platform_admin,
    liaison_region_ids,
    user_active_membership,
    user_acts_for_region,
    user_org_ids,
)
from bidding.models import Bid
from catalog.models import Demand, DemandList


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
    if not getattr(user, "is_authenticated", False):
        return "登录后可以单位名义提交意向书。"
    membership = user_active_membership(user)
    if membership is None:
        return "请先加入一个单位，再以单位名义提交意向书。"
    if membership.organization_id == demand.organization_id:
        return "不能对本单位发布的需求提交意向书。"
    if is_liaison(user) or membership.organization.kind == Organization.Kind.LIAISON:
        # Staff of 驻京办 run the matchmaking; they read bids after the deadline and must not compete.
        return "对接专员和驻京办不参与报价，不能提交意向书。"
    if not membership.organization.is_verified:
        return "您所在的单位尚未通过认证，认证后才能提交意向书。"
    if demand.deadline is None:
        return "该需求未设置截止日期，暂不接受意向书，请联系发布单位。"
    if is_past_deadline(demand, at):
        return f"已超过截止日期（{demand.deadline:%Y-%m-%d} 23:59），不能再提交或修改意向书。"
    if not is_demand_open_for_bids(demand, at):
        return "该需求当前不在征集中，不能提交或修改意向书。"
    return None


def bidding_mode_text(demand):
    """What a bidder is told about who reads a bid on `demand` before the deadline."""
    if demand.is_open_bidding:
        return "公开报价：发布方截止前即可查看您的报价"
    return "密封报价：截止前发布方看不到您的报价"


def bid_mode_text(bid):
    """The same for a bid already sent: sealed if it was sent sealed or the demand is sealed now."""
    if bid.is_sealed or not bid.demand.is_open_bidding:
        return "密封报价：截止前发布方看不到您的报价"
    return "公开报价：发布方截止前即可查看您的报价"


def is_owner(user, demand):
    return demand.organization_id in user_org_ids(user)


def is_bid_reader(user, demand):
    """Someone who may read a demand's bids once they are unsealed: its owner org or covering staff."""
    return is_owner(user, demand) or user_acts_for_region(user, demand.region_id)


def unsealed_q(at=None):
    """Bids (as a filter on Bid) whose seal is off now: past the deadline, or sent and still under 公开报价."""
    return Q(demand__deadline__lt=last_closed_date(at)) | Q(is_sealed=False, demand__is_open_bidding=True)


def can_see_all_bids(user, demand, at=None):
    """Does `user` get the demand's table of bids now (of the unsealed ones, see `bids_for_demand`)?

    The owner org and covering staff, after the deadline or while the demand is 公开报价. What the
    table then holds comes from `bids_visible_to`, so a bid sent sealed never shows in it early.
    """
    return is_bid_reader(user, demand) and (demand.is_open_bidding or is_past_deadline(demand, at))


def is_seal_on_for(user, demand, at=None):
    """A reader of the demand's bids who has to wait for the deadline (the page says so, same with or without bids)."""
    return is_bid_reader(user, demand) and not can_see_all_bids(user, demand, at)


def is_decider(user, demand):
    """Who decides on the demand's bids (入围/未采纳/接受): the owner org's members and platform admins."""
    return is_owner(user, demand) or is_platform_admin(user)


def can_decide(user, demand, at=None):
    """Deciding is for the deciders once the deadline has passed."""
    return is_decider(user, demand) and is_past_deadline(demand, at)


def bids_visible_to(user, at=None):
    """Every bid `user` may know about, across demands (the matrix above). Others are simply absent."""
    qs = Bid.objects.select_related("organization", "demand", "submitted_by")
    if not getattr(user, "is_authenticated", False):
        return qs.none()
    own = Q(organization_id__in=user_org_ids(user))
    if is_platform_admin(user):
        readable = Q()
    else:
        readable = Q(demand__organization_id__in=user_org_ids(user)) | Q(demand__region_id__in=liaison_region_ids(user))
    others = readable & unsealed_q(at) & ~Q(status=Bid.Status.WITHDRAWN)
    return qs.filter(own | others)


def bids_for_demand(user, demand, at=None):
    return bids_visible_to(user, at).filter(demand=demand)


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
