"""Sign-up: create an organisation or ask to join one, in one step, with Chinese messages."""

import pytest
from django.urls import reverse

from accounts.models import Membership, Organization, User
from notifications.models import Notification
from tests.accounts.factories import credit_code, signup_data

pytestmark = pytest.mark.django_db


def test_signup_page_is_chinese(client):
    response = client.get(reverse("accounts:signup"))
    assert response.status_code == 200
    body = response.content.decode()
    for text in ("注册账号", "姓名", "统一社会信用代码", "创建新单位", "申请加入已在平台注册的单位"):
        assert text in body


def test_signup_creating_an_organisation_makes_the_user_its_unverified_admin(client, liaison):
    code = credit_code()
    response = client.post(reverse("accounts:signup"), signup_data(org_credit_code=code.lower()))
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:my_org")
    user = User.objects.get(username="zhangwei")
    assert user.display_name == "张伟" and user.phone == "13805371234"
    assert user.check_password("Jinglu#2026abc")
    org = Organization.objects.get(name="济宁市任城区工业和信息化局")
    assert org.kind == "government"
    assert org.region.full_name == "山东省济宁市任城区"
    assert org.credit_code == code  # normalised to upper case
    assert org.is_verified is False
    membership = Membership.objects.get(user=user, organization=org)
    assert (membership.role, membership.status) == ("admin", "active")
    # Logged in straight away, and the page says what "unverified" means.
    page = client.get(reverse("accounts:my_org")).content.decode()
    assert "未认证：可以起草，认证后才能发布" in page
    # The liaison responsible for 济宁市 hears about the new organisation.
    assert Notification.objects.filter(recipient=liaison, title__contains="新单位待认证").exists()


def test_signup_asking_to_join_creates_a_pending_membership_and_notifies_admins(client, park_org, owner_admin, owner):
    response = client.post(reverse("accounts:signup"), signup_data(org_action="join", join_org_name=park_org.name))
    assert response.status_code == 302
    user = User.objects.get(username="zhangwei")
    membership = Membership.objects.get(user=user, organization=park_org)
    assert (membership.role, membership.status) == ("member", "pending")
    assert Notification.objects.filter(recipient=owner_admin, title__contains="申请加入").count() == 1
    assert not Notification.objects.filter(recipient=owner).exists()  # plain members are not asked
    page = client.get(reverse("accounts:my_org")).content.decode()
    assert "待审核" in page
    assert Organization.objects.count() == 1  # nothing else created


def test_duplicate_username_is_refused_with_a_message(client, owner):
    response = client.post(reverse("accounts:signup"), signup_data(username="PARK_MEMBER"))
    assert response.status_code == 200
    assert "用户名「PARK_MEMBER」已被注册" in response.content.decode()
    assert not Organization.objects.filter(name="济宁市任城区工业和信息化局").exists()


def test_duplicate_organisation_name_points_to_join_and_writes_nothing(client, park_org):
    response = client.post(reverse("accounts:signup"), signup_data(org_name=park_org.name))
    assert response.status_code == 200
    assert f"单位「{park_org.name}」已在平台注册" in response.content.decode()
    assert not User.objects.filter(username="zhangwei").exists()


def test_unreadable_region_is_refused_and_nothing_is_written(client):
    response = client.post(reverse("accounts:signup"), signup_data(org_region="火星基地"))
    assert response.status_code == 200
    assert "无法识别地区「火星基地」" in response.content.decode()
    assert not User.objects.filter(username="zhangwei").exists()
    assert not Organization.objects.exists()


@pytest.mark.parametrize(
    "code, message",
    [
        ("91370800MA3C4F5X", "应为 18 位"),
        ("91370800MA3C4F5XIO", "不允许的字符：I、O"),
        (credit_code()[:-1] + ("0" if credit_code()[-1] != "0" else "1"), "校验位不正确"),
    ],
)
def test_bad_credit_code_is_refused(client, code, message):
    response = client.post(reverse("accounts:signup"), signup_data(org_credit_code=code))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()


def test_weak_password_and_mismatch_are_explained(client):
    response = client.post(reverse("accounts:signup"), signup_data(password1="12345678", password2="12345678"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "这个密码太常见了。" in body and "密码只包含数字。" in body
    assert not User.objects.exists()
    response = client.post(reverse("accounts:signup"), signup_data(password2="Other#2026abc"))
    assert "两次输入的密码不一致" in response.content.decode()


def test_join_unknown_organisation_is_refused(client):
    response = client.post(reverse("accounts:signup"), signup_data(org_action="join", join_org_name="不存在的单位"))
    assert response.status_code == 200
    assert "平台上没有名为「不存在的单位」的单位" in response.content.decode()
    assert not User.objects.exists()


def test_missing_organisation_fields_are_named(client):
    response = client.post(reverse("accounts:signup"), signup_data(org_name="", org_kind="", org_region=""))
    body = response.content.decode()
    for message in ("请填写单位名称。", "请选择单位类型。", "请填写所在地区。"):
        assert message in body
    assert not User.objects.exists()


def test_signed_in_user_without_org_can_create_or_join_later(client, park_org, owner_admin):
    from tests.factories import UserFactory

    user = UserFactory(username="loner")
    client.force_login(user)
    page = client.get(reverse("accounts:my_org")).content.decode()
    assert "您还没有加入任何单位" in page
    response = client.post(
        reverse("accounts:org_create"),
        {
            "org_name": "北京量子未来科技有限公司",
            "org_kind": "enterprise",
            "org_region": "北京市海淀区",
            "org_credit_code": "",
        },
    )
    org = Organization.objects.get(name="北京量子未来科技有限公司")
    assert response.status_code == 302 and org.region.full_name == "北京市海淀区"
    assert Membership.objects.get(user=user, organization=org).role == "admin"
    response = client.post(reverse("accounts:org_join"), {"join_org_name": park_org.name})
    assert Membership.objects.get(user=user, organization=park_org).status == "pending"
    # Asking twice is refused with a message.
    response = client.post(reverse("accounts:org_join"), {"join_org_name": park_org.name})
    assert "正在等待管理员审核" in response.content.decode()


@pytest.mark.parametrize("url_name", ["accounts:org_create", "accounts:org_join"])
def test_create_and_join_pages_need_login(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
