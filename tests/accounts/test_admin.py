"""Django admin for platform staff, and the set_platform_role command."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts import services
from accounts.models import LoginFailure, Organization
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_admin(platform_admin):
    return services.user_set_platform_role(user=platform_admin, role="admin", actor=services.SYSTEM)


def test_setting_a_platform_role_grants_admin_site_access(staff_admin):
    assert staff_admin.is_staff and staff_admin.is_platform_admin


@pytest.mark.parametrize(
    "url",
    [
        "admin:accounts_user_changelist",
        "admin:accounts_organization_changelist",
        "admin:accounts_membership_changelist",
        "admin:accounts_loginfailure_changelist",
    ],
)
def test_platform_admin_opens_admin_pages(client, staff_admin, park_org, owner, url):
    LoginFailure.objects.create(key="someone|10.0.0.1")
    client.force_login(staff_admin)
    response = client.get(reverse(url))
    assert response.status_code == 200


def test_organization_admin_filters_and_search(client, staff_admin, park_org, other_org):
    client.force_login(staff_admin)
    body = client.get(reverse("admin:accounts_organization_changelist"), {"q": "青岛"}).content.decode()
    assert other_org.name in body and park_org.name not in body
    body = client.get(reverse("admin:accounts_organization_changelist"), {"is_verified__exact": "0"}).content.decode()
    assert park_org.name not in body


def test_admin_actions_verify_and_unverify(client, staff_admin, unverified_org, park_org):
    client.force_login(staff_admin)
    url = reverse("admin:accounts_organization_changelist")
    client.post(url, {"action": "verify_selected", "_selected_action": [unverified_org.pk]})
    unverified_org.refresh_from_db()
    assert unverified_org.is_verified and unverified_org.verified_by == staff_admin
    client.post(url, {"action": "unverify_selected", "_selected_action": [park_org.pk]})
    park_org.refresh_from_db()
    assert not park_org.is_verified


def test_login_failures_are_read_only(client, staff_admin):
    failure = LoginFailure.objects.create(key="someone|10.0.0.1")
    client.force_login(staff_admin)
    assert client.get(reverse("admin:accounts_loginfailure_add")).status_code == 403
    client.post(reverse("admin:accounts_loginfailure_change", args=[failure.pk]), {"key": "changed"})
    failure.refresh_from_db()
    assert failure.key == "someone|10.0.0.1"


def test_platform_admin_assigns_liaison_role_and_regions_in_admin(client, staff_admin, owner):
    from catalog.models import Region

    client.force_login(staff_admin)
    page = client.get(reverse("admin:accounts_user_change", args=[owner.pk]))
    assert page.status_code == 200 and "负责地区" in page.content.decode()
    # is_superuser is not something a platform admin can hand out.
    assert 'name="is_superuser"' not in page.content.decode()
    region = Region.objects.get(full_name="山东省济宁市")
    form = page.context["adminform"].form
    data = {
        k: v for k, v in form.initial.items() if v is not None and k not in ("password", "last_login", "date_joined")
    }
    data.update(
        {
            "platform_role": "liaison",
            "responsible_regions": [region.pk],
            "date_joined_0": "2026-01-01",
            "date_joined_1": "08:00:00",
            "groups": [],
            "user_permissions": [],
        }
    )
    response = client.post(reverse("admin:accounts_user_change", args=[owner.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    owner.refresh_from_db()
    assert owner.platform_role == "liaison" and owner.is_staff and list(owner.responsible_regions.all()) == [region]
    assert not owner.is_superuser


@pytest.mark.parametrize("persona", ["owner_admin", "liaison"])
def test_others_cannot_manage_accounts_in_admin(client, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.get(reverse("admin:accounts_organization_changelist"))
    assert response.status_code in (302, 403)


def test_only_platform_admins_set_platform_roles(liaison, owner):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.user_set_platform_role(user=owner, role="admin", actor=liaison)
    owner.refresh_from_db()
    assert owner.platform_role == ""


def test_set_platform_role_command(owner, capsys):
    call_command("set_platform_role", "park_member", "liaison", "--region", "济宁市", "--region", "山东省青岛市")
    owner.refresh_from_db()
    assert owner.platform_role == "liaison" and owner.is_staff
    assert sorted(r.full_name for r in owner.responsible_regions.all()) == ["山东省济宁市", "山东省青岛市"]
    assert "对接专员" in capsys.readouterr().out
    call_command("set_platform_role", "park_member", "none")
    owner.refresh_from_db()
    assert owner.platform_role == "" and not owner.is_staff
    with pytest.raises(CommandError, match="用户「ghost」不存在"):
        call_command("set_platform_role", "ghost", "admin")
    with pytest.raises(CommandError, match="负责地区「火星」无法识别"):
        call_command("set_platform_role", "park_member", "liaison", "--region", "火星")
    owner.refresh_from_db()
    assert owner.platform_role == ""


def test_join_request_to_an_org_without_admin_goes_to_platform_admins(client, staff_admin, liaison):
    from notifications.models import Notification

    org = factories.OrganizationFactory(name="济宁市机器人产业园")  # e.g. created by a staff import
    user = factories.UserFactory()
    services.membership_request(user=user, organization=org)
    note = Notification.objects.get(recipient=staff_admin, title__contains="申请加入")
    assert note.url.startswith(reverse("admin:accounts_membership_changelist"))
    membership = org.memberships.get()
    # A liaison is not the org's admin: refused.
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.membership_approve(membership=membership, actor=liaison)
    assert Organization.objects.get(pk=org.pk).memberships.get().status == "pending"
    # The platform admin approves from the admin site; the first member becomes the org's admin.
    client.force_login(staff_admin)
    client.post(
        reverse("admin:accounts_membership_changelist"),
        {"action": "approve_selected", "_selected_action": [membership.pk]},
    )
    membership.refresh_from_db()
    assert (membership.status, membership.role) == ("active", "admin")
    assert Notification.objects.filter(recipient=user, title__contains="您已加入").exists()
