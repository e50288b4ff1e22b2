"""Every accounts page and endpoint × every persona, as one table.

A new URL in accounts/urls.py or accounts/api_urls.py without a row here fails
`test_every_accounts_url_has_a_row`. Expected values: an HTTP status, or "login" for a redirect
to the login page. Objects belong to the park (owner/owner_admin); "applicant" is a pending
join request to the park, made by a user with no organisation.
"""

import pytest
from django.urls import get_resolver, reverse
from rest_framework.test import APIClient

from accounts.models import Membership
from accounts.services import api_token_create
from tests import factories

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "owner", "owner_admin", "other_member", "unverified_member", "liaison", "platform_admin"]
L = "login"

# name: (method, target, {persona: expected})
MATRIX = {
    "accounts:login": ("get", None, dict.fromkeys(PERSONAS, 302) | {"anonymous": 200}),
    "accounts:logout": ("post", None, dict.fromkeys(PERSONAS, 302)),
    "accounts:signup": ("get", None, dict.fromkeys(PERSONAS, 302) | {"anonymous": 200}),
    "accounts:my_org": ("get", None, dict.fromkeys(PERSONAS, 200) | {"anonymous": L}),
    "accounts:org_create": ("get", None, dict.fromkeys(PERSONAS, 200) | {"anonymous": L}),
    "accounts:org_join": ("get", None, dict.fromkeys(PERSONAS, 200) | {"anonymous": L}),
    # Editing is for the org's admin; a plain member is told no (302 + message, nothing changes).
    "accounts:org_edit": (
        "post",
        "park",
        {
            "anonymous": L,
            "owner": 302,
            "owner_admin": 302,
            "other_member": 404,
            "unverified_member": 404,
            "liaison": 404,
            "platform_admin": 404,
        },
    ),
    "accounts:org_resubmit": (
        "post",
        "park",
        {
            "anonymous": L,
            "owner": 302,
            "owner_admin": 302,
            "other_member": 404,
            "unverified_member": 404,
            "liaison": 404,
            "platform_admin": 404,
        },
    ),
    "accounts:membership_approve": (
        "post",
        "applicant",
        {
            "anonymous": L,
            "owner": 302,
            "owner_admin": 302,
            "other_member": 404,
            "unverified_member": 404,
            "liaison": 404,
            "platform_admin": 302,
        },
    ),
    "accounts:membership_reject": (
        "post",
        "applicant",
        {
            "anonymous": L,
            "owner": 302,
            "owner_admin": 302,
            "other_member": 404,
            "unverified_member": 404,
            "liaison": 404,
            "platform_admin": 302,
        },
    ),
    "accounts:membership_set_role": (
        "post",
        "owner_membership",
        {
            "anonymous": L,
            "owner": 302,
            "owner_admin": 302,
            "other_member": 404,
            "unverified_member": 404,
            "liaison": 404,
            "platform_admin": 302,
        },
    ),
    "accounts:membership_remove": (
        "post",
        "owner_membership",
        {
            "anonymous": L,
            "owner": 302,
            "owner_admin": 302,
            "other_member": 404,
            "unverified_member": 404,
            "liaison": 404,
            "platform_admin": 302,
        },
    ),
    "accounts:token_rotate": (
        "post",
        None,
        {
            "anonymous": L,
            "owner": 200,
            "owner_admin": 200,
            "other_member": 200,
            "unverified_member": 200,
            "liaison": 404,
            "platform_admin": 404,
        },
    ),
    "accounts:token_revoke": ("post", None, dict.fromkeys(PERSONAS, 302) | {"anonymous": L}),
    # Named tokens: members of an organisation (the empty form is refused with a message, 302);
    # revoking someone else's token answers "未找到该令牌" (302) and leaves it (tests/accounts/test_tokens.py).
    "accounts:api_token_create": (
        "post",
        None,
        dict.fromkeys(PERSONAS, 302) | {"anonymous": L, "liaison": 404, "platform_admin": 404},
    ),
    "accounts:api_token_revoke": ("post", "owner_token", dict.fromkeys(PERSONAS, 302) | {"anonymous": L}),
    "accounts:verification_queue": (
        "get",
        None,
        dict.fromkeys(PERSONAS, 404) | {"liaison": 200, "platform_admin": 200},
    ),
    "accounts:org_verify": ("post", "new_org", dict.fromkeys(PERSONAS, 404) | {"liaison": 302, "platform_admin": 302}),
    "accounts:org_reject": ("post", "new_org", dict.fromkeys(PERSONAS, 404) | {"liaison": 302, "platform_admin": 302}),
    # API
    "organization-list": ("get", None, dict.fromkeys(PERSONAS, 200)),
    "organization-detail": ("get", "new_org", dict.fromkeys(PERSONAS, 404) | {"liaison": 200, "platform_admin": 200}),
    "api-token": ("post", None, dict.fromkeys(PERSONAS, 400)),
    "api-me": ("get", None, dict.fromkeys(PERSONAS, 200) | {"anonymous": 401}),
}


def test_every_accounts_url_has_a_row():
    names = set()
    resolver = get_resolver()
    for pattern in resolver.url_patterns:
        module = getattr(pattern, "urlconf_name", None)
        if getattr(module, "__name__", module) in ("accounts.urls", "accounts.api_urls"):
            for sub in pattern.url_patterns:
                if sub.name:
                    names.add(f"accounts:{sub.name}" if pattern.namespace == "accounts" else sub.name)
    assert names == set(MATRIX), f"rows missing or stale: {names ^ set(MATRIX)}"


@pytest.fixture
def targets(park_org, owner, owner_admin):
    applicant = factories.MembershipFactory(organization=park_org, status=Membership.Status.PENDING)
    new_org = factories.OrganizationFactory(name="待认证单位", is_verified=False, verified_at=None)
    return {
        "park": park_org.pk,
        "applicant": applicant.pk,
        "owner_membership": Membership.objects.get(user=owner).pk,
        "new_org": new_org.pk,
        "owner_token": api_token_create(user=owner, name="矩阵令牌", scope="read")[0].pk,
    }


@pytest.mark.parametrize("name", list(MATRIX))
@pytest.mark.parametrize("persona", PERSONAS)
def test_access(request, targets, owner, owner_admin, name, persona):
    method, target, expected_by_persona = MATRIX[name]
    expected = expected_by_persona[persona]
    client = APIClient()
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    url = reverse(name, args=[targets[target]] if target else [])
    data = {"role": "member", "reason": "材料不全", "org_region": "济宁市", "org_credit_code": ""}
    response = getattr(client, method)(url, data) if method == "post" else client.get(url)
    if expected == L:
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login")), response
    else:
        assert response.status_code == expected, (name, persona, response.status_code)
