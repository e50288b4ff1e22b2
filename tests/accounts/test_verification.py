"""Organisation verification by liaison staff; unverified organisations cannot publish."""

import pytest
from django.urls import reverse

from catalog.models import DemandList
from catalog.selectors import published_demands
from notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_org(db):
    org = factories.OrganizationFactory(
        name="嘉祥县经济开发区", is_verified=False, verified_at=None, credit_code="91370829MA3C4F5X1K"
    )
    admin = factories.UserFactory(username="jiaxiang_admin", display_name="嘉祥管理员", phone="13905370000")
    factories.MembershipFactory(user=admin, organization=org, role="admin")
    return org


@pytest.mark.parametrize(
    "persona, status",
    [
        (None, 404),
        ("owner", 404),
        ("owner_admin", 404),
        ("other_member", 404),
        ("unverified_member", 404),
        ("liaison", 200),
        ("platform_admin", 200),
    ],
)
def test_queue_is_only_for_staff(client, request, new_org, persona, status):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("accounts:verification_queue"))
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        assert "嘉祥县经济开发区" in body and "91370829MA3C4F5X1K" in body and "嘉祥管理员" in body
        assert "认证通过" in body and "驳回" in body


@pytest.mark.parametrize("persona", [None, "owner_admin", "other_member", "unverified_member"])
def test_non_staff_cannot_verify_or_reject(client, request, new_org, persona):
    if persona:
        client.force_login(request.getfixturevalue(persona))
    assert client.post(reverse("accounts:org_verify", args=[new_org.pk])).status_code == 404
    assert client.post(reverse("accounts:org_reject", args=[new_org.pk]), {"reason": "不行"}).status_code == 404
    new_org.refresh_from_db()
    assert new_org.is_verified is False and new_org.rejected_at is None


@pytest.mark.parametrize("persona", ["liaison", "platform_admin"])
def test_staff_verify_and_members_are_told(client, request, new_org, persona):
    staff = request.getfixturevalue(persona)
    client.force_login(staff)
    response = client.post(reverse("accounts:org_verify", args=[new_org.pk]), follow=True)
    assert "已认证通过" in response.content.decode()
    new_org.refresh_from_db()
    assert new_org.is_verified and new_org.verified_by == staff and new_org.verified_at is not None
    admin = new_org.memberships.get().user
    assert Notification.objects.filter(recipient=admin, title="嘉祥县经济开发区 已通过认证").exists()
    # It has left the queue.
    assert "嘉祥县经济开发区" not in client.get(reverse("accounts:verification_queue")).content.decode()


def test_reject_needs_a_reason_and_records_it(client, liaison, new_org):
    client.force_login(liaison)
    response = client.post(reverse("accounts:org_reject", args=[new_org.pk]), {"reason": "  "}, follow=True)
    assert "驳回时请填写原因" in response.content.decode()
    new_org.refresh_from_db()
    assert new_org.rejected_at is None
    client.post(reverse("accounts:org_reject", args=[new_org.pk]), {"reason": "统一社会信用代码与单位名称不符"})
    new_org.refresh_from_db()
    assert new_org.is_verified is False and new_org.rejection_reason == "统一社会信用代码与单位名称不符"
    admin = new_org.memberships.get().user
    note = Notification.objects.get(recipient=admin, title__contains="认证申请被驳回")
    assert "统一社会信用代码与单位名称不符" in note.body
    # The org's admin sees the reason and resubmits; it is back in the queue.
    client.force_login(admin)
    assert "统一社会信用代码与单位名称不符" in client.get(reverse("accounts:my_org")).content.decode()
    client.post(reverse("accounts:org_resubmit", args=[new_org.pk]))
    new_org.refresh_from_db()
    assert new_org.rejected_at is None
    client.force_login(liaison)
    queue = client.get(reverse("accounts:verification_queue")).content.decode()
    assert "嘉祥县经济开发区" in queue


def test_unverified_org_cannot_publish_until_verified(client, liaison, new_org):
    demand_list = factories.DemandListFactory(organization=new_org, status=DemandList.Status.COLLECTING)
    demand = factories.DemandFactory(demand_list=demand_list)
    assert not published_demands().filter(pk=demand.pk).exists()
    client.force_login(liaison)
    client.post(reverse("accounts:org_verify", args=[new_org.pk]))
    assert published_demands().filter(pk=demand.pk).exists()


def test_unverify_hides_the_lists_again(platform_admin, park_org, demand):
    from accounts.services import organization_unverify

    assert published_demands().filter(pk=demand.pk).exists()
    organization_unverify(organization=park_org, actor=platform_admin)
    assert not published_demands().filter(pk=demand.pk).exists()


def test_liaison_cannot_unverify(liaison, park_org):
    from django.core.exceptions import PermissionDenied

    from accounts.services import organization_unverify

    with pytest.raises(PermissionDenied):
        organization_unverify(organization=park_org, actor=liaison)
    park_org.refresh_from_db()
    assert park_org.is_verified


def test_queue_query_count_is_bounded(client, liaison, django_assert_max_num_queries):
    for _ in range(12):
        org = factories.OrganizationFactory(is_verified=False, verified_at=None)
        factories.MembershipFactory(organization=org, role="admin")
    client.force_login(liaison)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("accounts:verification_queue"))
    assert response.content.decode().count("verification-item") == 12


def test_verification_is_audited(liaison, new_org):
    from django.apps import apps

    from accounts.services import organization_verify

    if not apps.is_installed("audit"):
        pytest.skip("audit app not installed")
    from audit.models import AuditEntry

    organization_verify(organization=new_org, actor=liaison)
    entry = AuditEntry.objects.get(object_id=str(new_org.pk), action="verify")
    assert entry.actor == liaison and entry.changes["is_verified"] == {"before": False, "after": True}
