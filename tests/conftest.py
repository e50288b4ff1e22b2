"""Shared fixtures: the personas every permission test uses."""

import pytest

from accounts.models import Membership
from tests import factories


@pytest.fixture(autouse=True)
def _isolated_settings(settings, tmp_path):
    # No broker server in unit tests: publish to an in-memory transport, run nothing eagerly.
    settings.CELERY_TASK_ALWAYS_EAGER = False
    # Hashing demo passwords with PBKDF2 dominates test time; the algorithm is not under test.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    from portal.celery import app

    app.conf.broker_url = "memory://"
    app.conf.task_always_eager = False


@pytest.fixture(autouse=True)
def _reference_data_for_transactional_tests(request):
    """Re-seed the 产业链 taxonomy and regions before every transactional test.

    A transactional test ends with a flush that empties every table, reference data included;
    re-running the data migration's (idempotent) seed is simpler and safer than
    serialized_rollback, which collides with the content types post_migrate recreates.
    """
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not (marker.kwargs.get("transaction") or (marker.args and marker.args[0])):
        return
    request.getfixturevalue("transactional_db")
    import importlib

    from django.apps import apps

    importlib.import_module("catalog.migrations.0002_seed_reference_data").seed(apps, None)


@pytest.fixture
def park_org(db):
    return factories.OrganizationFactory(name="济宁高新区管委会", kind="park")


@pytest.fixture
def supplier_org(db):
    return factories.SupplierOrganizationFactory(name="北京智元协作机器人有限公司")


@pytest.fixture
def other_org(db):
    return factories.OrganizationFactory(name="青岛西海岸新区管委会", region=factories.region("山东省青岛市"))


@pytest.fixture
def unverified_org(db):
    return factories.SupplierOrganizationFactory(name="北京未认证科技有限公司", is_verified=False, verified_at=None)


def _member(org, role=Membership.Role.MEMBER, username=None):
    kwargs = {"username": username} if username else {}
    user = factories.UserFactory(**kwargs)
    factories.MembershipFactory(user=user, organization=org, role=role)
    return user


@pytest.fixture
def owner(park_org):
    """A member (not admin) of the park that owns the demands."""
    return _member(park_org, username="park_member")


@pytest.fixture
def owner_admin(park_org):
    return _member(park_org, Membership.Role.ADMIN, username="park_admin")


@pytest.fixture
def supplier_user(supplier_org):
    return _member(supplier_org, username="supplier_member")


@pytest.fixture
def other_member(other_org):
    return _member(other_org, username="other_member")


@pytest.fixture
def unverified_member(unverified_org):
    return _member(unverified_org, username="unverified_member")


@pytest.fixture
def liaison(db):
    user = factories.LiaisonFactory(username="liaison")
    user.responsible_regions.add(factories.region("山东省济宁市"))
    return user


@pytest.fixture
def platform_admin(db):
    return factories.UserFactory(username="platform_admin", platform_role="admin")


@pytest.fixture
def demand(park_org):
    return factories.DemandFactory(demand_list=factories.DemandListFactory(organization=park_org))


@pytest.fixture
def supply(supplier_org):
    return factories.SupplyFactory(menu=factories.SupplyMenuFactory(organization=supplier_org))
