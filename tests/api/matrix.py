"""The API permission matrix: every route under /api/ × method × persona → expected HTTP status.

One dict, `MATRIX`, keyed by URL name. Each row has `url(w)` (w = the `world` of test objects,
see tests/api/conftest.py) and, per HTTP method, `expect` (persona → status) and optionally
`data(w, user)` (the request body; `user` is the persona's User or None). A route under /api/
without a row makes tests/api/test_permission_matrix.py fail — add its row here.

Anonymous callers get 401 (token authentication comes first, so DRF sends WWW-Authenticate).

Personas: anonymous; owner = member of the park that owns the demand list/demand (and recipient
of the notification); supplier = member of the Beijing company that owns the supply menu/supply
and the bid; other = member of another verified org; unverified = member of an unverified org;
liaison = 对接专员; admin = platform admin.
"""

from django.urls import reverse

PERSONAS = ("anonymous", "owner", "supplier", "other", "unverified", "liaison", "admin")
PASSWORD = "Jinglu#2026"


def everyone(status, **overrides):
    return {p: overrides.get(p, status) for p in PERSONAS}


def signed_in(status, anonymous=401, **overrides):
    return everyone(status, anonymous=anonymous, **overrides)


def only(allowed, allowed_status=200, others=403, **overrides):
    """`allowed` personas get `allowed_status`, the rest `others` (anonymous 401: not signed in)."""
    table = {p: (allowed_status if p in allowed else others) for p in PERSONAS}
    if "anonymous" not in allowed:
        table["anonymous"] = 401
    table.update(overrides)
    return table


def _demand_body(w, user):
    return {
        "demand_list": w.demand_list.pk,
        "title": "矩阵测试需求",
        "description": "需要一套焊接机器人工作站，用于汽车零部件的批量焊接。",
        "chain": "机器人",
        "demand_type": "设备采购",
        "budget_wan": "80",
        "deadline": "2099-12-31",
        "contact_name": "张主任",
        "contact_phone": "0537-1234567",
    }


def _supply_body(w, user):
    return {
        "menu": w.menu.pk,
        "title": "矩阵测试供给",
        "description": "焊接机器人工作站，含离线编程，已在汽车零部件行业应用。",
        "chain": "机器人",
        "supply_type": "产品",
        "price_wan": "60",
        "maturity": "量产",
        "contact_name": "李经理",
        "contact_phone": "010-1234567",
    }


def _bid_body(w, user):
    return {"proposal": "矩阵测试方案", "price_wan": "55.5", "delivery_days": 30}


def _event_world(w):
    """对接会 objects, created on first use: the park's event, the supplier invited, a park ↔ supplier meeting."""
    if not hasattr(w, "event"):
        from tests.events.factories import EventFactory, InvitationFactory, MeetingRequestFactory, meeting_for

        w.event = EventFactory(demand_lists=[w.demand_list])
        w.invitation = InvitationFactory(event=w.event, organization=w.supplier_org)
        w.meeting = meeting_for(
            MeetingRequestFactory(event=w.event, requester_org=w.park_org, target_org=w.supplier_org)
        )
    return w


def _match_world(w):
    """A stored match between the world's published demand and supply, created on first use."""
    if not hasattr(w, "match"):
        from django.utils import timezone

        from matching.models import Match

        w.match = Match.objects.create(
            demand=w.demand,
            supply=w.supply,
            score=82.5,
            rank=1,
            model_name="test",
            computed_at=timezone.now(),
            components={},
            explanation={},
        )
    return w


MATRIX = {
    # --- accounts (accounts engineer) --------------------------------------------------------
    "organization-list": {"url": lambda w: reverse("organization-list"), "GET": {"expect": everyone(200)}},
    "organization-detail": {
        "url": lambda w: reverse("organization-detail", args=[w.park_org.pk]),
        "GET": {"expect": everyone(200)},
    },
    "api-token": {
        "url": lambda w: reverse("api-token"),
        "POST": {
            "data": lambda w, u: {"username": u.username if u else "nobody", "password": PASSWORD},
            "expect": everyone(200, anonymous=400),
        },
    },
    "api-me": {"url": lambda w: reverse("api-me"), "GET": {"expect": signed_in(200, anonymous=401)}},
    # --- catalog: 需求清单 ----------------------------------------------------------------------
    "api-demandlist-list": {
        "url": lambda w: reverse("api-demandlist-list"),
        "GET": {"expect": everyone(200)},
        # Anyone in an organisation may start a draft list for it; staff without one are told to pick one.
        "POST": {
            "data": lambda w, u: {"name": "矩阵测试清单", "year": 2027},
            "expect": signed_in(201, liaison=400, admin=400),
        },
    },
    "api-demandlist-detail": {
        "url": lambda w: reverse("api-demandlist-detail", args=[w.demand_list.pk]),
        "GET": {"expect": everyone(200)},
        "PUT": {
            "data": lambda w, u: {"name": "改名后的清单", "year": 2027, "description": ""},
            "expect": only({"owner", "admin"}),
        },
        "PATCH": {"data": lambda w, u: {"description": "补充说明"}, "expect": only({"owner", "admin"})},
    },
    "api-demandlist-publish": {
        "url": lambda w: reverse("api-demandlist-publish", args=[w.demand_list.pk]),
        "POST": {"expect": only({"owner", "admin"})},
    },
    # --- catalog: 需求 ------------------------------------------------------------------------
    "api-demand-list": {
        "url": lambda w: reverse("api-demand-list"),
        "GET": {"expect": everyone(200)},
        "POST": {"data": _demand_body, "expect": only({"owner", "admin"}, 201)},
    },
    "api-demand-detail": {
        "url": lambda w: reverse("api-demand-detail", args=[w.demand.pk]),
        "GET": {"expect": everyone(200)},
        "PUT": {"data": _demand_body, "expect": only({"owner", "admin"})},
        "PATCH": {"data": lambda w, u: {"budget_wan": "300"}, "expect": only({"owner", "admin"})},
    },
    # --- catalog: 供给菜单 / 供给 ---------------------------------------------------------------
    "api-supplymenu-list": {
        "url": lambda w: reverse("api-supplymenu-list"),
        "GET": {"expect": everyone(200)},
        "POST": {
            "data": lambda w, u: {"name": "矩阵测试菜单", "year": 2027},
            "expect": signed_in(201, liaison=400, admin=400),
        },
    },
    "api-supplymenu-detail": {
        "url": lambda w: reverse("api-supplymenu-detail", args=[w.menu.pk]),
        "GET": {"expect": everyone(200)},
        "PUT": {
            "data": lambda w, u: {"name": "改名后的菜单", "year": 2027, "description": ""},
            "expect": only({"supplier", "admin"}),
        },
        "PATCH": {"data": lambda w, u: {"description": "补充"}, "expect": only({"supplier", "admin"})},
    },
    "api-supplymenu-publish": {
        "url": lambda w: reverse("api-supplymenu-publish", args=[w.menu.pk]),
        "POST": {"expect": only({"supplier", "admin"})},
    },
    "api-supply-list": {
        "url": lambda w: reverse("api-supply-list"),
        "GET": {"expect": everyone(200)},
        "POST": {"data": _supply_body, "expect": only({"supplier", "admin"}, 201)},
    },
    "api-supply-detail": {
        "url": lambda w: reverse("api-supply-detail", args=[w.supply.pk]),
        "GET": {"expect": everyone(200)},
        "PUT": {"data": _supply_body, "expect": only({"supplier", "admin"})},
        "PATCH": {"data": lambda w, u: {"price_wan": "99"}, "expect": only({"supplier", "admin"})},
    },
    # --- bids (sealed: before the deadline only the bidder knows the bid; owner, staff and admin get 404) ---
    "api-bid-list": {
        "url": lambda w: reverse("api-bid-list"),
        "GET": {"expect": signed_in(200)},
        # supplier already has the one active bid; owner bids on its own demand; staff have no org.
        "POST": {"data": lambda w, u: {"demand": w.demand.pk, **_bid_body(w, u)}, "expect": signed_in(400, other=201)},
    },
    "api-bid-detail": {
        "url": lambda w: reverse("api-bid-detail", args=[w.bid.pk]),
        "GET": {"expect": signed_in(404, supplier=200)},
        "PUT": {"data": _bid_body, "expect": signed_in(404, supplier=200)},
    },
    "api-bid-withdraw": {
        "url": lambda w: reverse("api-bid-withdraw", args=[w.bid.pk]),
        "POST": {"expect": signed_in(404, supplier=200)},
    },
    "api-bid-confirm": {
        "url": lambda w: reverse("api-bid-confirm", args=[w.bid.pk]),
        # The bid is not 待确认, so its own company is told there is nothing to confirm.
        "POST": {"expect": signed_in(404, supplier=400)},
    },
    "api-bid-decide": {
        "url": lambda w: reverse("api-bid-decide", args=[w.bid.pk]),
        # Before the deadline nobody may know the bid exists, the platform admin included.
        "POST": {
            "data": lambda w, u: {"decision": "shortlist"},
            "expect": signed_in(404, supplier=403),
        },
    },
    # --- notifications (the notification belongs to `owner`) ------------------------------------
    "api-notification-list": {"url": lambda w: reverse("api-notification-list"), "GET": {"expect": signed_in(200)}},
    "api-notification-detail": {
        "url": lambda w: reverse("api-notification-detail", args=[w.notification.pk]),
        "GET": {"expect": signed_in(404, owner=200)},
    },
    "api-notification-read": {
        "url": lambda w: reverse("api-notification-read", args=[w.notification.pk]),
        "POST": {"expect": signed_in(404, owner=200)},
    },
    "api-notification-read-all": {
        "url": lambda w: reverse("api-notification-read-all"),
        "POST": {"expect": signed_in(200)},
    },
    "api-notification-unread-count": {
        "url": lambda w: reverse("api-notification-unread-count"),
        "GET": {"expect": signed_in(200)},
    },
    # --- events (events engineer): supplier is invited (pending), park ↔ supplier have a meeting ---
    "api-event-list": {
        "url": lambda w: _event_world(w) and reverse("api-event-list"),
        "GET": {"expect": everyone(200)},
    },
    "api-event-detail": {
        "url": lambda w: reverse("api-event-detail", args=[_event_world(w).event.pk]),
        "GET": {"expect": everyone(200)},
    },
    "api-event-invitation-list": {
        "url": lambda w: _event_world(w) and reverse("api-event-invitation-list"),
        "GET": {"expect": signed_in(200, anonymous=401)},
    },
    "api-event-invitation-detail": {
        "url": lambda w: reverse("api-event-invitation-detail", args=[_event_world(w).invitation.pk]),
        "GET": {"expect": signed_in(404, anonymous=401, supplier=200, liaison=200, admin=200)},
    },
    "api-event-invitation-respond": {
        "url": lambda w: reverse("api-event-invitation-respond", args=[_event_world(w).invitation.pk]),
        # Staff see every invitation but only the invited organisation's members may answer.
        "POST": {
            "data": lambda w, u: {"accept": True},
            "expect": signed_in(404, anonymous=401, supplier=200, liaison=403, admin=403),
        },
    },
    "api-event-meeting-list": {
        "url": lambda w: _event_world(w) and reverse("api-event-meeting-list"),
        "GET": {"expect": signed_in(200, anonymous=401)},
    },
    "api-event-meeting-detail": {
        "url": lambda w: reverse("api-event-meeting-detail", args=[_event_world(w).meeting.pk]),
        "GET": {"expect": signed_in(404, anonymous=401, owner=200, supplier=200, liaison=200, admin=200)},
    },
    # --- matching (matching engineer) ----------------------------------------------------------
    "api-match-list": {
        "url": lambda w: _match_world(w) and reverse("api-match-list") + f"?demand={w.demand.pk}",
        "GET": {"expect": everyone(200)},
    },
    "api-match-detail": {
        "url": lambda w: reverse("api-match-detail", args=[_match_world(w).match.pk]),
        "GET": {"expect": everyone(404, owner=200, supplier=200, liaison=200, admin=200)},
    },
    "api-match-feedback": {
        "url": lambda w: _match_world(w) and reverse("api-match-feedback"),
        # Only the demand side (its members) and liaison staff judge a demand's recommendations.
        "POST": {
            "data": lambda w, u: {"demand": w.demand.pk, "supply": w.supply.pk, "verdict": "useful"},
            "expect": only({"owner", "liaison", "admin"}),
        },
    },
}

# Documentation routes, not API endpoints with data.
EXEMPT = {"api-schema", "api-docs", "api-redoc"}
