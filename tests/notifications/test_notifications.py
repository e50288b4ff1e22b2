"""Inbox, preferences, subscriptions (filter and match based) and the daily digest."""

import datetime

import pytest
from django.core import mail

from notifications import services
from notifications.models import DigestDelivery, Notification, Subscription
from notifications.tasks import email_notification, send_daily_digests, subscriptions_notify_for_demand
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _demand(park_org, **kwargs):
    from catalog.search import index_object

    demand = factories.DemandFactory(demand_list=factories.DemandListFactory(organization=park_org), **kwargs)
    index_object(demand)
    demand.save()
    return demand


@pytest.mark.parametrize("persona, status", [(None, 302), ("owner", 200), ("liaison", 200)])
@pytest.mark.parametrize("url", ["/notifications/", "/notifications/preferences/", "/notifications/subscriptions/"])
def test_pages_need_login(client, request, persona, status, url):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    assert client.get(url).status_code == status


def test_inbox_mark_read_and_all_read(client, owner, other_member):
    first, second = (
        services.notify(recipients=[owner], kind="system", title=t, url="/bids/mine/")[0] for t in ("通知一", "通知二")
    )
    theirs = services.notify(recipients=[other_member], kind="system", title="别人的通知")[0]
    client.force_login(owner)
    page = client.get("/notifications/").content.decode()
    assert "通知一" in page and "通知二" in page and "别人的通知" not in page
    assert client.get(f"/notifications/{theirs.pk}/open/").status_code == 404
    response = client.get(f"/notifications/{first.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/bids/mine/"
    assert Notification.objects.get(pk=first.pk).is_read and not Notification.objects.get(pk=theirs.pk).is_read
    client.post("/notifications/read-all/")
    assert not Notification.objects.filter(recipient=owner, is_read=False).exists()
    assert not Notification.objects.get(pk=theirs.pk).is_read


def test_open_redirect_is_not_followed(client, owner):
    note = services.notify(recipients=[owner], kind="system", title="外链", url="//evil.example.com/")[0]
    client.force_login(owner)
    assert client.get(f"/notifications/{note.pk}/open/")["Location"] == "/notifications/"


def test_api_unread_count_and_mark_read(owner):
    from rest_framework.test import APIClient

    notes = services.notify(recipients=[owner], kind="bid", title="意向书入围")
    api = APIClient()
    api.force_authenticate(owner)
    assert api.get("/api/notifications/unread-count/").json() == {"unread": 1}
    assert api.post(f"/api/notifications/{notes[0].pk}/read/").json()["is_read"] is True
    assert api.get("/api/notifications/unread-count/").json() == {"unread": 0}
    assert api.get("/api/notifications/?is_read=false").json()["count"] == 0


def test_preferences_control_email(client, owner):
    client.force_login(owner)
    response = client.post(
        "/notifications/preferences/", {"email_enabled": "on", "email_kinds": ["bid"], "daily_digest": ""}
    )
    assert response.status_code == 302
    bid_note = services.notify(recipients=[owner], kind="bid", title="意向书已接受")[0]
    event_note = services.notify(recipients=[owner], kind="event", title="对接会邀请")[0]
    assert email_notification(bid_note.pk) is True
    assert email_notification(event_note.pk) is False  # muted kind
    assert [m.subject for m in mail.outbox] == ["[京鲁供需对接平台] 意向书已接受"]
    page = client.get("/notifications/preferences/").content.decode()
    assert 'value="bid" checked' in page or "checked" in page


def test_subscription_form_requires_a_criterion(client, supplier_user):
    client.force_login(supplier_user)
    response = client.post("/notifications/subscriptions/", {"name": "全部", "min_score": 70})
    assert "请至少选择一个产业链、地区或填写关键词" in response.content.decode()
    assert not Subscription.objects.exists()
    response = client.post(
        "/notifications/subscriptions/",
        {"name": "机器人", "chains": [factories.chain("机器人").pk], "min_score": 70, "notify_matches": "on"},
    )
    assert response.status_code == 302
    assert Subscription.objects.get().organization.name == "北京智元协作机器人有限公司"


def test_filter_subscription_notifies_once_and_respects_filters(
    park_org, supplier_org, supplier_user, other_org, other_member
):
    jining = factories.region("山东省济宁市")
    robots = services.subscription_create(
        organization=supplier_org,
        user=supplier_user,
        name="济宁机器人",
        chains=[factories.chain("机器人")],
        regions=[jining],
    )
    services.subscription_create(organization=other_org, user=other_member, name="碳化硅", keywords="碳化硅 功率器件")
    match = _demand(park_org)
    miss = _demand(park_org, chain=factories.chain("数字文旅"), title="智慧景区票务系统", description="景区分时预约。")
    assert subscriptions_notify_for_demand(match.pk) == 1
    assert subscriptions_notify_for_demand(match.pk) == 0  # idempotent
    assert subscriptions_notify_for_demand(miss.pk) == 0
    note = Notification.objects.get(recipient=supplier_user)
    assert note.kind == "subscription" and f"符合您单位的订阅「{robots.name}」" in note.body
    assert not Notification.objects.filter(recipient=other_member).exists()
    sic = _demand(
        park_org, chain=factories.chain("第三代半导体"), title="碳化硅外延片检测", description="需要检测设备。"
    )
    assert subscriptions_notify_for_demand(sic.pk) == 1
    assert Notification.objects.filter(recipient=other_member).count() == 1


def test_no_notification_for_drafts_or_own_demands(park_org, owner, supplier_org, supplier_user):
    services.subscription_create(organization=park_org, user=owner, name="自己的", keywords="机器人")
    services.subscription_create(organization=supplier_org, user=supplier_user, name="机器人", keywords="机器人")
    draft = factories.DemandFactory(demand_list=factories.DemandListFactory(organization=park_org, status="draft"))
    assert subscriptions_notify_for_demand(draft.pk) == 0
    own = _demand(park_org)
    assert subscriptions_notify_for_demand(own.pk) == 1
    assert not Notification.objects.filter(recipient=owner).exists()


def test_match_score_subscription(park_org, supplier_org, supplier_user, supply):
    match_model = pytest.importorskip("matching.models").Match
    services.subscription_create(
        organization=supplier_org, user=supplier_user, name="高分匹配", keywords="完全不相关的词", min_score=80
    )
    demand = _demand(park_org)
    fields = {f.name for f in match_model._meta.get_fields()}
    from django.utils import timezone

    wanted = {"rank": 1, "components": {}, "explanation": {}, "model_name": "test", "computed_at": timezone.now()}
    extra = {k: v for k, v in wanted.items() if k in fields}
    row = match_model.objects.create(demand=demand, supply=supply, score=79.0, **extra)
    assert subscriptions_notify_for_demand(demand.pk) == 0
    row.score = 85.0
    row.save()
    assert subscriptions_notify_for_demand(demand.pk) == 1
    assert "匹配度 85 分" in Notification.objects.get(recipient=supplier_user).body


def test_daily_digest_once_per_day_and_opt_out(park_org, supplier_org, supplier_user, other_org, other_member):
    services.subscription_create(organization=supplier_org, user=supplier_user, name="机器人", keywords="机器人")
    services.subscription_create(organization=other_org, user=other_member, name="机器人", keywords="机器人")
    services.preference_update(user=other_member, email_enabled=True, email_kinds=["subscription"], daily_digest=False)
    demands = [_demand(park_org) for _ in range(2)]
    for d in demands:
        subscriptions_notify_for_demand(d.pk)
    # Digest readers get no per-item e-mail for subscription alerts; the opted-out user does.
    for note in Notification.objects.filter(kind="subscription"):
        email_notification(note.pk)
    assert [m.to for m in mail.outbox] == [[other_member.email], [other_member.email]]
    mail.outbox.clear()
    assert send_daily_digests() == 1
    assert send_daily_digests() == 0
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [supplier_user.email]
    assert "每日订阅摘要" in mail.outbox[0].subject and "2 条" in mail.outbox[0].subject
    assert all(d.title in mail.outbox[0].body for d in demands)
    assert DigestDelivery.objects.get().user == supplier_user


def test_digest_skips_old_notifications(supplier_user):
    note = services.notify(recipients=[supplier_user], kind="subscription", title="旧需求")[0]
    Notification.objects.filter(pk=note.pk).update(created_at=note.created_at - datetime.timedelta(days=2))
    assert send_daily_digests() == 0 and not mail.outbox


def test_catalog_create_and_publish_queue_the_subscription_task(park_org, owner):
    from catalog import services as catalog_services
    from portal.models import OutboxMessage

    lst = factories.DemandListFactory(organization=park_org, status="draft")
    demand = catalog_services.demand_create(
        demand_list=lst,
        user=owner,
        data={
            "title": "消防无人机",
            "description": "消防无人机集群调度平台，支持20架无人机协同巡检。",
            "chain": factories.chain("机器人"),
            "demand_type": "解决方案",
            "contact_name": "刘",
            "contact_phone": "0537-2345678",
        },
    )
    catalog_services.demand_list_publish(demand_list=lst, user=owner)
    queued = OutboxMessage.objects.filter(
        task_name="notifications.tasks.subscriptions_notify_for_demand", args=[demand.pk]
    )
    assert queued.count() == 2  # on create (a draft: the task will skip it) and on publish
