"""The my-organisation page: members and roles, join requests, lists/menus, API token; per-role access."""

import pytest
from django.urls import reverse

from accounts.models import Membership
from notifications.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def applicant(park_org):
    user = factories.UserFactory(username="applicant", display_name="申请人小李")
    membership = factories.MembershipFactory(user=user, organization=park_org, status=Membership.Status.PENDING)
    return membership


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("accounts:my_org"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_member_sees_org_members_lists_and_menus_but_not_join_requests(
    client, owner, owner_admin, park_org, demand, applicant
):
    menu = factories.SupplyMenuFactory(organization=park_org, name="济宁高新区服务菜单")
    client.force_login(owner)
    response = client.get(reverse("accounts:my_org"))
    body = response.content.decode()
    assert response.status_code == 200
    assert park_org.name in body and "已认证" in body
    assert owner_admin.display_name in body and "管理员" in body
    assert demand.demand_list.name in body
    assert reverse("catalog:demandlist_detail", args=[demand.demand_list.pk]) in body
    assert reverse("catalog:supplymenu_detail", args=[menu.pk]) in body
    assert "待审核的加入申请" not in body and "申请人小李" not in body
    assert "接口令牌" in body


def test_admin_sees_join_requests(client, owner_admin, applicant):
    client.force_login(owner_admin)
    body = client.get(reverse("accounts:my_org")).content.decode()
    assert "待审核的加入申请" in body and "申请人小李" in body


def test_page_lists_only_own_organisation(client, other_member, park_org, demand):
    client.force_login(other_member)
    body = client.get(reverse("accounts:my_org")).content.decode()
    assert park_org.name not in body and demand.demand_list.name not in body
    # Asking for someone else's organisation by id is "not found".
    assert client.get(reverse("accounts:my_org") + f"?org={park_org.pk}").status_code == 404


def test_unverified_org_member_sees_what_unverified_means(client, unverified_member):
    client.force_login(unverified_member)
    assert "未认证：可以起草，认证后才能发布" in client.get(reverse("accounts:my_org")).content.decode()


@pytest.mark.parametrize("persona", ["liaison", "platform_admin"])
def test_staff_without_org_see_the_create_or_join_prompt(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    body = client.get(reverse("accounts:my_org")).content.decode()
    assert "您还没有加入任何单位" in body
    assert reverse("accounts:org_create") in body and reverse("accounts:org_join") in body


def test_admin_approves_a_join_request(client, owner_admin, applicant):
    client.force_login(owner_admin)
    response = client.post(reverse("accounts:membership_approve", args=[applicant.pk]))
    assert response.status_code == 302
    applicant.refresh_from_db()
    assert applicant.status == "active"
    assert Notification.objects.filter(recipient=applicant.user, title__contains="您已加入").exists()
    # The new member now sees the organisation.
    client.force_login(applicant.user)
    assert "济宁高新区管委会" in client.get(reverse("accounts:my_org")).content.decode()


def test_admin_rejects_a_join_request(client, owner_admin, applicant):
    client.force_login(owner_admin)
    client.post(reverse("accounts:membership_reject", args=[applicant.pk]))
    applicant.refresh_from_db()
    assert applicant.status == "rejected"
    assert Notification.objects.filter(recipient=applicant.user, title__contains="申请未通过").exists()
    # Deciding twice is refused with a message, not a crash.
    response = client.post(reverse("accounts:membership_approve", args=[applicant.pk]), follow=True)
    assert "该申请已处理过。" in response.content.decode()
    applicant.refresh_from_db()
    assert applicant.status == "rejected"


def test_plain_member_cannot_approve(client, owner, applicant):
    client.force_login(owner)
    response = client.post(reverse("accounts:membership_approve", args=[applicant.pk]), follow=True)
    assert "只有本单位管理员可以管理成员。" in response.content.decode()
    applicant.refresh_from_db()
    assert applicant.status == "pending"


@pytest.mark.parametrize("persona", ["other_member", "liaison"])
def test_outsiders_get_404_on_membership_actions(client, request, persona, applicant, owner):
    client.force_login(request.getfixturevalue(persona))
    target = Membership.objects.get(user=owner)
    for name, data in (
        ("membership_approve", {}),
        ("membership_reject", {}),
        ("membership_set_role", {"role": "admin"}),
        ("membership_remove", {}),
    ):
        pk = applicant.pk if name in ("membership_approve", "membership_reject") else target.pk
        assert client.post(reverse(f"accounts:{name}", args=[pk]), data).status_code == 404
    applicant.refresh_from_db()
    target.refresh_from_db()
    assert applicant.status == "pending" and target.role == "member"


def test_anonymous_membership_actions_redirect_to_login(client, applicant):
    response = client.post(reverse("accounts:membership_approve", args=[applicant.pk]))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    applicant.refresh_from_db()
    assert applicant.status == "pending"


def test_platform_admin_may_manage_any_membership(client, platform_admin, applicant):
    client.force_login(platform_admin)
    client.post(reverse("accounts:membership_approve", args=[applicant.pk]))
    applicant.refresh_from_db()
    assert applicant.status == "active"


def test_membership_actions_are_post_only(client, owner_admin, applicant):
    client.force_login(owner_admin)
    assert client.get(reverse("accounts:membership_approve", args=[applicant.pk])).status_code == 405


def test_admin_changes_roles_and_removes_members(client, owner_admin, owner):
    client.force_login(owner_admin)
    membership = Membership.objects.get(user=owner)
    client.post(reverse("accounts:membership_set_role", args=[membership.pk]), {"role": "admin"})
    membership.refresh_from_db()
    assert membership.role == "admin"
    response = client.post(reverse("accounts:membership_set_role", args=[membership.pk]), {"role": "boss"}, follow=True)
    assert "请选择有效的角色" in response.content.decode()
    client.post(reverse("accounts:membership_remove", args=[membership.pk]))
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert Notification.objects.filter(recipient=owner, title__contains="移出").exists()


def test_last_admin_cannot_be_demoted_or_removed(client, owner_admin, owner):
    client.force_login(owner_admin)
    mine = Membership.objects.get(user=owner_admin)
    response = client.post(reverse("accounts:membership_set_role", args=[mine.pk]), {"role": "member"}, follow=True)
    assert "不能取消最后一位管理员的管理员角色" in response.content.decode()
    response = client.post(reverse("accounts:membership_remove", args=[mine.pk]), follow=True)
    assert "不能移除最后一位管理员" in response.content.decode()
    mine.refresh_from_db()
    assert mine.role == "admin"
    # With a second admin the first may step down.
    other = Membership.objects.get(user=owner)
    client.post(reverse("accounts:membership_set_role", args=[other.pk]), {"role": "admin"})
    client.post(reverse("accounts:membership_set_role", args=[mine.pk]), {"role": "member"})
    mine.refresh_from_db()
    assert mine.role == "member"


def test_member_can_leave_and_applicant_can_withdraw(client, owner, applicant):
    client.force_login(owner)
    client.post(reverse("accounts:membership_remove", args=[Membership.objects.get(user=owner).pk]))
    assert not Membership.objects.filter(user=owner).exists()
    client.force_login(applicant.user)
    client.post(reverse("accounts:membership_remove", args=[applicant.pk]))
    assert not Membership.objects.filter(pk=applicant.pk).exists()


def test_token_rotation_shows_the_key_once_and_invalidates_the_old_one(client, owner):
    from rest_framework.authtoken.models import Token

    client.force_login(owner)
    first = client.post(reverse("accounts:token_rotate"))
    key1 = Token.objects.get(user=owner).key
    assert key1 in first.content.decode()
    # A later visit shows only the tail.
    page = client.get(reverse("accounts:my_org")).content.decode()
    assert key1 not in page and key1[-4:] in page
    client.post(reverse("accounts:token_rotate"))
    key2 = Token.objects.get(user=owner).key
    assert key2 != key1 and not Token.objects.filter(key=key1).exists()
    client.post(reverse("accounts:token_revoke"))
    assert not Token.objects.filter(user=owner).exists()


def test_token_rotation_requires_an_organisation(client, liaison):
    from rest_framework.authtoken.models import Token

    client.force_login(liaison)
    assert client.post(reverse("accounts:token_rotate")).status_code == 404
    assert not Token.objects.filter(user=liaison).exists()
    client.logout()
    assert client.post(reverse("accounts:token_rotate")).status_code == 302


def test_org_admin_edits_details_and_bad_input_is_explained(client, owner_admin, owner, park_org):
    client.force_login(owner_admin)
    response = client.post(
        reverse("accounts:org_edit", args=[park_org.pk]),
        {
            "org_region": "济宁市高新区",
            "org_credit_code": "",
            "description": "国家级高新区",
            "website": "https://jnhitech.gov.cn",
        },
    )
    assert response.status_code == 302
    park_org.refresh_from_db()
    assert park_org.description == "国家级高新区" and park_org.region.full_name == "山东省济宁市高新区"
    response = client.post(
        reverse("accounts:org_edit", args=[park_org.pk]),
        {"org_region": "火星", "org_credit_code": "123", "description": "改了", "website": ""},
    )
    body = response.content.decode()
    assert "无法识别地区「火星」" in body and "应为 18 位" in body
    park_org.refresh_from_db()
    assert park_org.description == "国家级高新区"
    # A plain member may not edit.
    client.force_login(owner)
    response = client.post(
        reverse("accounts:org_edit", args=[park_org.pk]),
        {"org_region": "济宁市", "org_credit_code": "", "description": "成员改的", "website": ""},
        follow=True,
    )
    assert "只有本单位管理员可以修改单位信息。" in response.content.decode()
    park_org.refresh_from_db()
    assert park_org.description == "国家级高新区"


def test_org_edit_by_outsider_is_404(client, other_member, park_org):
    client.force_login(other_member)
    response = client.post(
        reverse("accounts:org_edit", args=[park_org.pk]), {"org_region": "济宁市", "description": "x"}
    )
    assert response.status_code == 404


def test_my_org_query_count_does_not_grow_with_members(client, owner_admin, park_org, django_assert_max_num_queries):
    for _ in range(15):
        factories.MembershipFactory(organization=park_org)
        factories.MembershipFactory(organization=park_org, status=Membership.Status.PENDING)
        factories.DemandListFactory(organization=park_org)
    client.force_login(owner_admin)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("accounts:my_org"))
    assert response.status_code == 200
