"""Outbound webhooks: each event reaches a local stub receiver signed (HMAC checked here), through the
outbox; a failing receiver gets retries and a visible 失败; 企业微信/钉钉 messages read in Chinese; the
SSRF guard; who may register and see endpoints. Nothing leaves 127.0.0.1."""

import base64
import datetime
import hashlib
import hmac
import json
import threading
import urllib.parse
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from celery import current_app
from celery.exceptions import Retry
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from bidding import services as bidding_services
from catalog.models import ImportJob
from events import services as event_services
from followups.services import case_move
from matching import services as matching_services
from matching.services import Row
from portal.models import OutboxMessage
from tests import factories
from tests.events.factories import EventFactory
from tests.followups.factories import CaseFactory
from webhooks import services, tasks
from webhooks.models import Event, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _loopback_allowed(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True  # the stub receiver listens on 127.0.0.1


class Stub:
    """An HTTP receiver on 127.0.0.1 (random port) that records every POST and answers `status`."""

    def __init__(self, status=200):
        self.status, self.received = status, []
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                stub.received.append({"path": self.path, "headers": dict(self.headers), "body": body})
                self.send_response(stub.status)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stub():
    receiver = Stub()
    yield receiver
    receiver.close()


@pytest.fixture
def failing_stub():
    receiver = Stub(status=500)
    yield receiver
    receiver.close()


def run_outbox():
    """Run the queued webhook tasks as a worker would (emit → deliver), until none are left."""
    done = set()
    while True:
        pending = list(
            OutboxMessage.objects.filter(task_name__startswith="webhooks.").exclude(pk__in=done).order_by("pk")
        )
        if not pending:
            return done
        for message in pending:
            done.add(message.pk)
            task, retries = current_app.tasks[message.task_name], 0
            while True:  # a worker runs a retried task again (the countdown is not waited for here)
                try:
                    task.apply(args=message.args, kwargs=message.kwargs, retries=retries, throw=True)
                    break
                except Retry:
                    retries += 1


def endpoint(org, url, *, events=Event.values, format="json", actor=None):
    return services.endpoint_create(
        actor=actor, organization=org, name="业务系统", url=url, format=format, events=list(events)
    )


def verify(received, endpoint):
    signature = received["headers"]["X-Jinglu-Signature"]
    expected = "sha256=" + hmac.new(endpoint.secret.encode(), received["body"], hashlib.sha256).hexdigest()
    assert hmac.compare_digest(signature, expected)
    return json.loads(received["body"])


# --- each event, from its source ------------------------------------------------------------------


def test_bid_window_closed_reaches_the_owner_signed_without_count_or_price(
    stub, owner_admin, park_org, demand, supplier_user, supplier_org
):
    ep = endpoint(park_org, stub.url, actor=owner_admin)
    demand.deadline = datetime.date(2027, 3, 31)
    demand.save()
    with time_machine.travel(datetime.datetime(2027, 3, 20, 10, tzinfo=datetime.UTC), tick=False):
        bidding_services.bid_submit(
            demand=demand, user=supplier_user, proposal="报价方案甲", price_wan=Decimal("6543.21"), delivery_days=30
        )
    run_outbox()
    assert stub.received == []  # nothing before the deadline
    with time_machine.travel(datetime.datetime(2027, 4, 2, 10, tzinfo=datetime.UTC), tick=False):
        bidding_services.demands_close_due()
    run_outbox()
    assert len(stub.received) == 1
    received = stub.received[0]
    body = verify(received, ep)
    assert received["headers"]["X-Jinglu-Event"] == "bidding.window_closed"
    assert received["headers"]["X-Jinglu-Delivery"] == body["id"]
    assert body["event_display"] == "需求征集截止" and body["data"]["demand_title"] == demand.title
    text = received["body"].decode()
    assert "6543" not in text and "报价方案甲" not in text and "count" not in text
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.DELIVERED


def test_case_stage_change_is_pushed(stub, owner_admin, park_org, liaison):
    ep = endpoint(park_org, stub.url, actor=owner_admin)
    case = CaseFactory(demand=factories.DemandFactory(demand_list=factories.DemandListFactory(organization=park_org)))
    case_move(case=case, to_stage="intent", actor=liaison)
    run_outbox()
    body = verify(stub.received[0], ep)
    assert body["event"] == "case.stage_changed" and body["data"]["stage"] == "意向"


def test_invitation_answer_is_pushed_to_the_invited_org(stub, supplier_org, supplier_user, liaison, demand):
    from accounts.models import Membership

    Membership.objects.filter(user=supplier_user).update(role=Membership.Role.ADMIN)
    ep = endpoint(supplier_org, stub.url, actor=supplier_user)
    event = EventFactory(demand_lists=[demand.demand_list], created_by=liaison)
    invitation = event_services.invitation_send(event=event, organization=supplier_org, actor=liaison)
    event_services.invitation_respond(invitation=invitation, user=supplier_user, accept=True)
    run_outbox()
    body = verify(stub.received[0], ep)
    assert body["event"] == "invitation.answered" and body["data"]["answer"] == "已接受"
    assert body["data"]["event_name"] == event.name


def test_recommended_match_is_pushed_to_the_demand_side(stub, owner_admin, park_org, demand, supply):
    ep = endpoint(park_org, stub.url, actor=owner_admin)
    row = Row(demand.pk, supply.pk, 1, 91.0, {}, {})
    matching_services._recommend({demand.pk: [row]}, {})
    run_outbox()
    body = verify(stub.received[0], ep)
    assert body["event"] == "match.recommended"
    assert body["data"]["supply_title"] == supply.title and body["data"]["score"] == 91


def test_import_finished_is_pushed(stub, owner_admin, park_org, monkeypatch):
    from catalog import import_jobs

    ep = endpoint(park_org, stub.url, actor=owner_admin)
    job = ImportJob.objects.create(
        file="imports/x.xlsx",
        original_name="需求清单.xlsx",
        status=ImportJob.Status.RUNNING,
        organization=park_org,
        created_by=owner_admin,
    )

    class Report:
        cancelled, ok = False, True

    def fake_import(job, finalize, **options):
        ImportJob.objects.filter(pk=job.pk).update(status=ImportJob.Status.SUCCEEDED, total_rows=3)
        return Report()

    monkeypatch.setattr(import_jobs, "_import_file", fake_import)
    import_jobs.import_job_run(job_id=job.pk)
    run_outbox()
    body = verify(stub.received[0], ep)
    assert body["event"] == "import.finished" and body["data"]["file"] == "需求清单.xlsx"
    assert body["data"]["status"] == "已完成"


# --- fan-out rules --------------------------------------------------------------------------------


def test_only_subscribed_endpoints_of_the_org_and_covering_staff_receive(
    stub, owner_admin, park_org, other_org, liaison, liaison_coast_user, platform_admin
):
    mine = endpoint(park_org, stub.url, actor=owner_admin, events=["case.stage_changed"])
    endpoint(park_org, stub.url, actor=owner_admin, events=["import.finished"])  # not subscribed
    other_admin = factories.UserFactory()
    factories.MembershipFactory(user=other_admin, organization=other_org, role="admin")
    endpoint(other_org, stub.url, actor=other_admin)  # another organisation
    covering = endpoint(None, stub.url, actor=liaison)  # 济宁 liaison: covers the park
    endpoint(None, stub.url, actor=liaison_coast_user)  # 青岛 liaison: does not
    admin_ep = endpoint(None, stub.url, actor=platform_admin)
    deliveries = services.webhook_emit(event="case.stage_changed", organization_id=park_org.pk, payload={})
    assert {d.endpoint_id for d in deliveries} == {mine.pk, covering.pk, admin_ep.pk}


@pytest.fixture
def liaison_coast_user(db):
    user = factories.LiaisonFactory(username="liaison_qd")
    user.responsible_regions.add(factories.region("山东省青岛市"))
    return user


# --- retries and failure --------------------------------------------------------------------------


def test_failing_receiver_is_retried_then_shown_as_failed(client, failing_stub, owner_admin, park_org, settings):
    settings.WEBHOOKS_MAX_ATTEMPTS = 3
    endpoint(park_org, failing_stub.url, actor=owner_admin)
    services.webhook_emit(event="import.finished", organization_id=park_org.pk, payload={"file": "a.xlsx"})
    run_outbox()
    delivery = WebhookDelivery.objects.get()
    assert len(failing_stub.received) == 3 and delivery.attempts == 3
    assert delivery.status == WebhookDelivery.Status.FAILED and delivery.last_status_code == 500
    client.force_login(owner_admin)
    page = client.get(reverse("webhooks:endpoints")).content.decode()
    assert "失败" in page and "对方返回 HTTP 500" in page and "批量导入完成" in page
    # A duplicate outbox message for a finished delivery sends nothing.
    tasks.deliver.apply(args=[delivery.pk])
    assert len(failing_stub.received) == 3


def test_retry_waits_longer_each_time(failing_stub, owner_admin, park_org, monkeypatch):
    endpoint(park_org, failing_stub.url, actor=owner_admin)
    (delivery,) = services.webhook_emit(event="import.finished", organization_id=park_org.pk, payload={})
    countdowns = []

    def fake_retry(*, countdown, **kwargs):
        countdowns.append(countdown)
        raise RuntimeError("retry scheduled")

    monkeypatch.setattr(tasks.deliver, "retry", fake_retry)
    with pytest.raises(RuntimeError):
        tasks.deliver.run(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == WebhookDelivery.Status.RETRYING and delivery.attempts == 1
    assert countdowns == [30] and tasks.backoff_seconds(3) == 240 and tasks.backoff_seconds(20) == 3600


def test_receiver_answering_later_is_delivered_after_a_retry(owner_admin, park_org):
    flaky = Stub(status=503)
    try:
        endpoint(park_org, flaky.url, actor=owner_admin)
        services.webhook_emit(event="import.finished", organization_id=park_org.pk, payload={})
        original = services.delivery_attempt

        def attempt(delivery):
            ok = original(delivery)
            flaky.status = 200
            return ok

        services.delivery_attempt, saved = attempt, original
        try:
            run_outbox()
        finally:
            services.delivery_attempt = saved
    finally:
        flaky.close()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == WebhookDelivery.Status.DELIVERED and delivery.attempts == 2


# --- 企业微信 / 钉钉 ------------------------------------------------------------------------------


def test_wecom_message_renders_the_event_in_chinese(stub, owner_admin, park_org):
    endpoint(park_org, stub.url, actor=owner_admin, format="wecom")
    services.webhook_emit(
        event="bidding.window_closed",
        organization_id=park_org.pk,
        payload={"demand_title": "焊接机器人工作站", "deadline": "2027年3月31日", "url": "/demands/1/"},
    )
    run_outbox()
    body = json.loads(stub.received[0]["body"])
    assert body["msgtype"] == "markdown"
    content = body["markdown"]["content"]
    assert "需求征集截止" in content and "需求：焊接机器人工作站" in content and "截止日期：2027年3月31日" in content
    assert f"单位：{park_org.name}" in content and "查看详情" in content and "bidding." not in content


def test_dingtalk_message_is_markdown_with_a_signed_url(stub, owner_admin, park_org):
    ep = services.endpoint_create(
        actor=owner_admin,
        organization=park_org,
        name="钉钉群",
        url=stub.url + "?access_token=abc",
        format="dingtalk",
        events=["case.stage_changed"],
        secret="SECtest",
    )
    services.webhook_emit(
        event="case.stage_changed", organization_id=park_org.pk, payload={"stage": "洽谈", "from_stage": "意向"}
    )
    run_outbox()
    received = stub.received[0]
    body = json.loads(received["body"])
    assert body["msgtype"] == "markdown" and body["markdown"]["title"] == "对接项目阶段变更"
    assert "当前阶段：洽谈" in body["markdown"]["text"] and "原阶段：意向" in body["markdown"]["text"]
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(received["path"]).query)
    assert query["access_token"] == ["abc"]
    timestamp = query["timestamp"][0]
    expected = base64.b64encode(
        hmac.new(ep.secret.encode(), f"{timestamp}\n{ep.secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["sign"] == [expected]


# --- SSRF guard and registration rights -----------------------------------------------------------


@pytest.mark.parametrize("url", ["ftp://example.com/x", "file:///etc/passwd", "javascript:alert(1)", "example.com"])
def test_non_http_urls_are_refused(owner_admin, park_org, url):
    with pytest.raises(ValidationError, match="http://"):
        endpoint(park_org, url, actor=owner_admin)
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8000/", "http://10.0.0.5/", "http://192.168.1.1/", "http://169.254.169.254/", "http://[::1]/"],
)
def test_private_and_loopback_addresses_are_refused_in_production(settings, owner_admin, park_org, url):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(ValidationError, match="内网"):
        endpoint(park_org, url, actor=owner_admin)


def test_delivery_rechecks_the_address(settings, stub, owner_admin, park_org):
    endpoint(park_org, stub.url, actor=owner_admin)
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    services.webhook_emit(event="import.finished", organization_id=park_org.pk, payload={})
    settings.WEBHOOKS_MAX_ATTEMPTS = 1
    run_outbox()
    assert stub.received == []
    assert WebhookDelivery.objects.get().status == WebhookDelivery.Status.FAILED


def test_only_org_admins_and_staff_register(owner, park_org, other_member, liaison):
    for user in (owner, other_member, None):
        with pytest.raises(PermissionDenied):
            endpoint(park_org, "http://127.0.0.1/x", actor=user)
    with pytest.raises(PermissionDenied):
        endpoint(park_org, "http://127.0.0.1/x", actor=liaison)  # staff never act for an organisation
    assert endpoint(None, "http://127.0.0.1/x", actor=liaison).organization is None


def test_page_shows_each_viewer_only_their_endpoints(client, owner_admin, park_org, owner, other_org, platform_admin):
    endpoint(park_org, "http://127.0.0.1/park", actor=owner_admin)
    other_admin = factories.UserFactory()
    factories.MembershipFactory(user=other_admin, organization=other_org, role="admin")
    endpoint(other_org, "http://127.0.0.1/qingdao", actor=other_admin)
    client.force_login(owner_admin)
    page = client.get(reverse("webhooks:endpoints")).content.decode()
    assert "127.0.0.1/park" in page and "127.0.0.1/qingdao" not in page
    client.force_login(owner)  # a plain member
    assert client.get(reverse("webhooks:endpoints")).status_code == 403
    client.force_login(platform_admin)
    page = client.get(reverse("webhooks:endpoints")).content.decode()
    assert "127.0.0.1/park" in page and "127.0.0.1/qingdao" in page
    client.logout()
    assert client.get(reverse("webhooks:endpoints")).status_code == 302


def test_page_registers_shows_the_secret_once_and_deletes(client, owner_admin, park_org, other_member):
    client.force_login(owner_admin)
    response = client.post(
        reverse("webhooks:endpoint_create"),
        {
            "organization": park_org.pk,
            "name": "OA",
            "url": "http://127.0.0.1:9/x",
            "format": "wecom",
            "events": ["import.finished"],
        },
    )
    ep = WebhookEndpoint.objects.get()
    assert ep.secret in response.content.decode() and ep.format == "wecom"
    assert ep.secret not in client.get(reverse("webhooks:endpoints")).content.decode()
    client.force_login(other_member)
    assert client.post(reverse("webhooks:endpoint_delete", args=[ep.pk])).status_code == 404
    client.force_login(owner_admin)
    client.post(reverse("webhooks:endpoint_delete", args=[ep.pk]))
    assert not WebhookEndpoint.objects.exists()


def test_page_refuses_a_bad_url_with_a_message(client, owner_admin, park_org, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    client.force_login(owner_admin)
    page = client.post(
        reverse("webhooks:endpoint_create"),
        {
            "organization": park_org.pk,
            "name": "OA",
            "url": "http://127.0.0.1/x",
            "format": "json",
            "events": ["import.finished"],
        },
        follow=True,
    ).content.decode()
    assert "推送地址未保存" in page and "内网" in page and not WebhookEndpoint.objects.exists()
